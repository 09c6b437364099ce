"""The rule loader: one fixture per error/warning case (Falco's wording asserted), merge semantics,
exceptions expansion and hostile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.rules import (
    ENGINE_VERSION_STR,
    LoadResult,
    Priority,
    expand_exceptions,
    load_rules,
    load_rules_text,
    substitute_list,
)

DATA = Path(__file__).parent / "testdata"
CASES = DATA / "cases"

APPEND_DEPRECATED = (
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
)
ENABLED_DEPRECATED = (
    "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under "
    "the 'override' key (i.e. 'enabled: replace')."
)

# fixture (loaded after cases/base.yaml) -> the messages it produces: (level, code, line, item type, item name, text)
CASE_MESSAGES: dict[str, list[tuple[str, str, int | None, str | None, str | None, str]]] = {
    "err_condition_not_scalar.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 3, "rule", "Listy", "Value is not a scalar value")],
    "err_condition_syntax.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 4, "rule", "Syntax",
         "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', "
         "'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', "
         "'in', 'pmatch'")],
    "err_empty_condition.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, "rule", "Empty", "Mapping for key 'condition' is empty")],
    "err_enable_unknown_rule.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "rule", "No such rule",
         "Rule has 'enabled' key but no rule by that name already exists"),
        ("warning", "LOAD_DEPRECATED_ITEM", 1, "rule", "No such rule", ENABLED_DEPRECATED)],
    "err_engine_version.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "required_engine_version", None,
         "Rules require engine version 0.99.0, but engine version is 0.63.0")],
    "err_engine_version_int.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "required_engine_version", None,
         "Rules require engine version 0.64.0, but engine version is 0.63.0")],
    "err_engine_version_semver.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, "required_engine_version", None,
         "Unable to parse engine version 'latest' as a semver string. Expected \"x.y.z\" semver format.")],
    "err_exception_append_fields.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 9, "rule", "Shell spawned",
         "Can not append exception fields to existing exception, only values"),
        ("warning", "LOAD_DEPRECATED_ITEM", 1, "rule", "Shell spawned", APPEND_DEPRECATED),
        ("warning", "LOAD_DEPRECATED_ITEM", 7, "rule", "Shell spawned", APPEND_DEPRECATED)],
    "err_exception_bad_comp.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 7, "rule", "Bad exception", "'like' is not a supported comparison operator")],
    "err_exception_comps_length.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 7, "rule", "Bad exception", "Fields and comps lists must have equal length")],
    "err_exception_not_mapping.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 7, "rule", "Bad exception", "Rule exception must be a mapping")],
    "err_exception_single_comp.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 7, "rule", "Bad exception",
         "When fields is a single value, comps must be one of (in, pmatch, intersects)")],
    "err_exception_unknown_field.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 7, "rule", "Bad exception", "'proc.nmae' is not a supported filter field")],
    "err_exception_values_length.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 7, "rule", "Bad exception", "Fields and values lists must have equal length")],
    "err_invalid_priority.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 5, "rule", "Bad priority", "Invalid priority")],
    "err_item_not_mapping.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, None, None,
         "Unexpected element type. Each element should be a yaml associative array.")],
    "err_items_not_sequence.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 2, "list", "bad", "Value is not a sequence")],
    "err_list_operator_on_list_field.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 3, "rule", "List field",
         "list filter 'fd.types' only supports operators 'exists', 'in' and 'intersects'")],
    "err_macro_uses_later_macro.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 2, "macro", "first", "Undefined macro 'second' used in filter."),
        ("error", "LOAD_ERR_VALIDATE", 7, "rule", "Uses first", "Undefined macro 'first' used in filter."),
        ("warning", "LOAD_UNUSED_MACRO", 3, "macro", "second", "Macro not referred to by any other rule/macro")],
    "err_missing_output.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, "rule", "Incomplete", "Item has no mapping for key 'output'")],
    "err_no_previous_list.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "list", "nothing_before",
         "List uses 'append' or 'override.items: append' but no list by that name already exists"),
        ("warning", "LOAD_DEPRECATED_ITEM", 1, "list", "nothing_before", APPEND_DEPRECATED)],
    "err_no_previous_list_override.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "list", "nothing_before",
         "List uses 'append' or 'override.items: append' but no list by that name already exists")],
    "err_no_previous_macro.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "macro", "nothing_before",
         "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists")],
    "err_no_previous_rule_append.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "rule", "Nothing before",
         "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists")],
    "err_no_previous_rule_replace.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "rule", "Nothing before",
         "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists")],
    "err_not_a_sequence.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, None, None, "Rules content is not yaml array of objects")],
    "err_numeric_value.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 3, "rule", "Not a number",
         "expected a number value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', "
         "'basename', 'len'")],
    "err_numeric_value_eq.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 3, "rule", "Not a number", "'abc' is not a valid number")],
    "err_override_and_append.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, "rule", "Shell spawned",
         "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. "
         "'condition: append') under 'override' instead."),
        ("warning", "LOAD_DEPRECATED_ITEM", 1, "rule", "Shell spawned", APPEND_DEPRECATED)],
    "err_override_bad_operation.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 4, "rule", "Shell spawned",
         "Invalid override operation for key 'condition': 'merge'. Allowed values are: append replace ")],
    "err_override_cannot_append.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 4, "rule", "Shell spawned",
         "Key 'priority' cannot be appended to, use 'replace' instead")],
    "err_override_cannot_replace.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 4, "rule", "Shell spawned", "Key 'source' cannot be replaced")],
    "err_override_key_not_defined.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 1, "rule", "Shell spawned",
         "An append override for 'condition' was specified but 'condition' is not defined")],
    "err_override_unexpected_key.yaml": [
        ("error", "LOAD_ERR_YAML_VALIDATE", 3, "rule", "Shell spawned",
         "Unexpected key 'output': no corresponding entry under 'override' is defined.")],
    "err_plugin_not_loaded.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 2, "required_plugin_versions", None,
         "Plugin 'cloudtrail' required by rules is not loaded (stockade provides: container, json, k8saudit)")],
    "err_plugin_too_old.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 2, "required_plugin_versions", None,
         "Plugin 'k8saudit' version '0.16.0' is not compatible with required plugin version '0.99.0'")],
    "err_recursive_macro.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 6, "macro", "a", "Macro 'a' refers to itself (a -> b -> a)"),
        ("error", "LOAD_ERR_VALIDATE", 4, "macro", "b", "Undefined macro 'a' used in filter."),
        ("error", "LOAD_ERR_VALIDATE", 9, "rule", "Recursion", "Undefined macro 'a' used in filter.")],
    "err_rule_redefined_other_source.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 1, "rule", "Shell spawned", "Rule has been re-defined with a different source")],
    "err_scalar_document.yaml": [("error", "LOAD_ERR_YAML_VALIDATE", 1, None, None, "Rules content is not yaml")],
    "err_transformer_type.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 3, "rule", "Transformer on number",
         "can't add field transformer: type 'number' is not supported by 'tolower' transformer applied on field "
         "'proc.pid'")],
    "err_undefined_macro.yaml": [
        ("error", "LOAD_ERR_VALIDATE", 3, "rule", "Uses missing macro",
         "Undefined macro 'not_defined_anywhere' used in filter.")],
    "err_unknown_field.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 3, "rule", "Unknown field",
         "filter_check called with nonexistent field proc.nmae")],
    "err_unknown_output_field.yaml": [
        ("error", "LOAD_ERR_COMPILE_OUTPUT", 4, "rule", "Unknown output field",
         "invalid formatting token %proc.nmae: nonexistent field proc.nmae")],
    "err_val_type.yaml": [
        ("error", "LOAD_ERR_COMPILE_CONDITION", 3, "rule", "Val types",
         "field 'proc.name' has type 'string' while the right-hand side field 'val(proc.pid)' has incompatible type "
         "'number'")],
    "err_yaml_syntax.yaml": [
        ("error", "LOAD_ERR_YAML_PARSE", 4, None, None,
         "found unexpected end of stream (while scanning a quoted scalar)")],
    "ok_plugin_alternative.yaml": [],
    "warn_append_deprecated.yaml": [("warning", "LOAD_DEPRECATED_ITEM", 1, "list", "shells", APPEND_DEPRECATED)],
    "warn_enabled_deprecated.yaml": [
        ("warning", "LOAD_DEPRECATED_ITEM", 1, "rule", "Shell spawned", ENABLED_DEPRECATED)],
    "warn_no_evttype.yaml": [
        ("warning", "LOAD_NO_EVTTYPE", 1, "rule", "Every event",
         "Rule matches too many evt.type values. This has a significant performance penalty.")],
    "warn_skip_unknown_field.yaml": [
        ("warning", "LOAD_UNKNOWN_FILTER", 3, "rule", "Unknown field skipped",
         "filter_check called with nonexistent field proc.nmae")],
    "warn_unknown_key.yaml": [
        ("warning", "LOAD_UNKNOWN_KEY", 6, "rule", "Typo key", "Unknown key 'tgas' in rule definition")],
    "warn_unknown_source.yaml": [
        ("warning", "LOAD_UNKNOWN_SOURCE", 1, "rule", "Cloud rule", "Unknown source aws_cloudtrail, skipping")],
    "warn_unknown_top_level.yaml": [("warning", "LOAD_UNKNOWN_ITEM", 1, None, None, "Unknown top level item")],
    "warn_unused.yaml": [
        ("warning", "LOAD_UNUSED_MACRO", 3, "macro", "unused_macro", "Macro not referred to by any other rule/macro"),
        ("warning", "LOAD_UNUSED_LIST", 1, "list", "unused_list", "List not referred to by any other rule/macro")],
}


def test_rules_every_case_fixture_has_expectations() -> None:
    on_disk = {p.name for p in CASES.glob("*.yaml")} - {"base.yaml"}
    assert on_disk == set(CASE_MESSAGES)


def test_rules_base_fixture_is_clean(tables: dict[str, Any]) -> None:
    res = load_rules([CASES / "base.yaml"], tables)
    assert res.ok and res.errors == () and res.warnings == ()
    (rule,) = res.ruleset.rules
    assert rule.name == "Shell spawned"
    assert rule.tags == ("a", "b", "shell")  # Falco keeps tags as a sorted set
    assert rule.priority is Priority.WARNING


@pytest.mark.parametrize("fixture", sorted(CASE_MESSAGES))
def test_rules_case(tables: dict[str, Any], fixture: str) -> None:
    res = load_rules([CASES / "base.yaml", CASES / fixture], tables)
    got = [
        (msg.level, msg.code, msg.line, msg.item_type, msg.item_name, msg.message)
        for msg in res.messages()
        if msg.file.endswith(fixture)
    ]
    assert got == CASE_MESSAGES[fixture]
    assert all(msg.file == str(CASES / fixture) for msg in res.messages())
    assert res.ok is (not any(level == "error" for level, *_ in CASE_MESSAGES[fixture]))


def test_rules_case_errors_keep_the_rest_loaded(tables: dict[str, Any]) -> None:
    # an error in one item does not stop the others: base.yaml's rule and the good rule after the bad one load
    text = (CASES / "err_unknown_field.yaml").read_text() + (
        "- rule: Good one\n  desc: x\n  condition: evt.type = execve\n  output: x\n  priority: INFO\n"
    )
    res = load_rules_text([("base.yaml", (CASES / "base.yaml").read_text()), ("extra.yaml", text)], tables)
    assert [r.name for r in res.ruleset.rules] == ["Shell spawned", "Good one"]
    assert [e.item_name for e in res.errors] == ["Unknown field"]


def test_rules_message_renderings(tables: dict[str, Any]) -> None:
    res = load_rules([CASES / "base.yaml", CASES / "err_unknown_field.yaml"], tables)
    (err,) = res.errors
    path = str(CASES / "err_unknown_field.yaml")
    assert err.text() == (
        f"{path}:3:36: error: filter_check called with nonexistent field proc.nmae (rule 'Unknown field') "
        "[LOAD_ERR_COMPILE_CONDITION (Error compiling condition)]"
    )
    assert err.to_dict() == {
        "level": "error",
        "code": "LOAD_ERR_COMPILE_CONDITION",
        "codedesc": "Error compiling condition",
        "message": "filter_check called with nonexistent field proc.nmae",
        "file": path,
        "line": 3,
        "column": 36,
        "item_type": "rule",
        "item_name": "Unknown field",
    }
    doc = res.to_dict()
    assert doc["ok"] is False and doc["rules"] == 1 and len(doc["errors"]) == 1
    json.dumps(doc)  # JSON-serialisable as is
    assert res.text().splitlines()[:2] == [f"{CASES / 'base.yaml'}: Ok", f"{path}: Invalid"]
    diag = err.to_diagnostic()
    assert diag.location.path == path and diag.location.line == 3 and diag.location.object_path == "rule Unknown field"


# -- merging --------------------------------------------------------------------------------------------------------


def test_rules_override_append_and_replace(tables: dict[str, Any]) -> None:
    res = load_rules([DATA / "overrides_base.yaml", DATA / "overrides_local.yaml"], tables)
    assert res.ok and res.warnings == ()
    rs = res.ruleset
    assert [r.name for r in rs.rules] == ["program_accesses_file", "second_rule", "disabled_rule"]
    first, second, third = rs.rules
    assert first.condition == "(access_file) and proc.name in (my_programs) and not user.name=root"
    assert first.desc == "track whenever a set of programs opens a file (appended)"
    assert first.output == (
        "A file (user=%user.name command=%proc.cmdline file=%fd.name) was opened by a monitored program"
    )
    assert first.priority is Priority.CRITICAL
    assert first.tags == ("files", "more")
    assert first.event_types == frozenset({"open", "openat"})
    assert rs.lists["my_programs"] == ("ls", "cat", "pwd", "cp")
    assert rs.macros["access_file"] == "evt.type=open or evt.type=openat"
    # a plain redefinition replaces the whole rule but keeps its evaluation position
    assert second.desc == "redefined, keeps its place" and second.priority is Priority.INFORMATIONAL
    assert second.index < third.index
    assert third.enabled is True
    assert first.filter.matches({"evt.type": "openat", "proc.name": "cp", "user.name": "alice"}) is True
    assert first.filter.matches({"evt.type": "openat", "proc.name": "cp", "user.name": "root"}) is False


def test_rules_legacy_append(tables: dict[str, Any]) -> None:
    res = load_rules([DATA / "overrides_base.yaml", DATA / "legacy_append.yaml"], tables)
    assert res.ok
    assert [w.code for w in res.warnings] == ["LOAD_DEPRECATED_ITEM"] * 4
    rs = res.ruleset
    assert rs.lists["my_programs"] == ("ls", "cat", "pwd", "vi")
    assert rs.macros["access_file"] == "evt.type=open or evt.type=close"
    first = rs.rules[0]
    assert first.condition == "(access_file) and proc.name in (my_programs) and proc.pid > 1"
    assert first.event_types == frozenset({"open", "close"})
    assert rs.rule("second_rule") is not None and rs.rule("second_rule").enabled is False  # type: ignore[union-attr]
    assert [r.name for r in rs.enabled_rules()] == ["program_accesses_file"]


def test_rules_replace_list_and_macro(tables: dict[str, Any]) -> None:
    res = load_rules([DATA / "overrides_base.yaml", DATA / "replace_list.yaml"], tables)
    assert res.ok
    assert res.ruleset.lists["my_programs"] == ("vim", "nano")
    assert res.ruleset.rules[0].event_types == frozenset({"open", "openat"})


def test_rules_lists_and_macros_defined_after_use(tables: dict[str, Any]) -> None:
    text = """
- rule: Early
  desc: uses a macro and a list defined later
  condition: later_macro and proc.name in (later_list)
  output: x %proc.name
  priority: INFO
- macro: later_macro
  condition: evt.type = execve
- list: later_list
  items: [nested_later, bash]
- list: nested_later
  items: [zsh]
"""
    res = load_rules_text(text, tables)
    assert res.ok and res.warnings == ()
    rule = res.ruleset.rules[0]
    assert rule.filter.matches({"evt.type": "execve", "proc.name": "zsh"}) is True
    assert rule.filter.matches({"evt.type": "execve", "proc.name": "bash"}) is True


def test_rules_multiple_documents_and_files_merge(tables: dict[str, Any]) -> None:
    one = "- list: l\n  items: [a]\n---\n- list: l\n  items: [b]\n  override:\n    items: append\n"
    two = (
        "- rule: R\n  desc: d\n  condition: evt.type = execve and proc.name in (l)\n  output: o\n"
        "  priority: informational\n"
    )
    res = load_rules_text([("one.yaml", one), ("two.yaml", two)], tables)
    assert res.ok
    assert res.ruleset.lists["l"] == ("a", "b")
    assert res.files == ("one.yaml", "two.yaml")


def test_rules_empty_inputs(tables: dict[str, Any]) -> None:
    for text in ("", "---\n", "[]\n", "- \n", "# only a comment\n"):
        res = load_rules_text(text, tables)
        assert res.ok and res.ruleset.rules == () and res.warnings == (), text


def test_rules_engine_and_plugin_versions(tables: dict[str, Any]) -> None:
    res = load_rules([CASES / "ok_plugin_alternative.yaml"], tables)
    assert res.ok
    assert res.ruleset.required_engine_version == "0.57.0"
    assert res.ruleset.required_plugin_versions == (
        (("cloudtrail", "0.1.0"), ("k8saudit", "0.1.0")),
        (("container", "0.4.0"),),
    )
    assert ENGINE_VERSION_STR == "0.63.0"


def test_rules_source_selects_the_table(tables: dict[str, Any]) -> None:
    text = """
- rule: K8s rule
  desc: d
  condition: ka.verb = create and ka.target.resource = pods
  output: "%ka.user.name created a pod"
  priority: NOTICE
  source: k8s_audit
"""
    res = load_rules_text(text, tables)
    assert res.ok and res.warnings == ()
    rule = res.ruleset.rules[0]
    assert rule.source == "k8s_audit"
    assert rule.filter.matches({"ka.verb": "create", "ka.target.resource": "pods"}) is True
    # the same rule is unknown to the syscall table (like Falco, the output is checked before the condition)
    res = load_rules_text(text.replace("  source: k8s_audit\n", ""), tables)
    assert [e.message for e in res.errors] == ["invalid formatting token %ka.user.name: nonexistent field ka.user.name"]
    res = load_rules_text(text.replace("  source: k8s_audit\n", "").replace("%ka.user.name", "x"), tables)
    assert [e.message for e in res.errors] == ["filter_check called with nonexistent field ka.verb"]


def test_rules_rule_keys(tables: dict[str, Any]) -> None:
    text = """
- rule: Keys
  desc: d
  condition: evt.type = execve
  output: "  x %proc.name  "
  priority: info
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  capture: true
  capture_duration: 5000
"""
    res = load_rules_text(text, tables)
    assert res.ok
    rule = res.ruleset.rules[0]
    assert rule.output == "x %proc.name"
    assert (rule.enabled, rule.warn_evttypes, rule.skip_if_unknown_filter) == (False, False, True)
    assert (rule.capture, rule.capture_duration) == (True, 5000)
    assert rule.priority is Priority.INFORMATIONAL


def test_rules_unsafe_na_warning(tables: dict[str, Any]) -> None:
    text = """
- rule: NA
  desc: d
  condition: evt.type = execve and proc.name != "<NA>"
  output: x
  priority: info
"""
    res = load_rules_text(text, tables)
    assert [w.code for w in res.warnings] == ["LOAD_UNSAFE_NA_CHECK"]


def test_rules_priority_parsing() -> None:
    assert Priority.parse("Info") is Priority.INFORMATIONAL
    assert Priority.parse("informational") is Priority.INFORMATIONAL
    assert Priority.parse("EMERGENCY") is Priority.EMERGENCY
    assert Priority.parse("debug") is Priority.DEBUG
    assert Priority.parse("warn") is None
    assert Priority.WARNING.label == "Warning"
    assert Priority.CRITICAL.at_least(Priority.WARNING) and not Priority.NOTICE.at_least(Priority.WARNING)


# -- exceptions -----------------------------------------------------------------------------------------------------


def test_rules_exceptions_expansion_text(tables: dict[str, Any]) -> None:
    res = load_rules([DATA / "exceptions.yaml"], tables)
    assert res.ok and res.warnings == ()
    rule = res.ruleset.rules[0]
    # exactly the text Falco's rule compiler builds (double blanks included)
    assert rule.expanded_condition == (
        "(evt.type = openat)"
        " and not (( proc.name = my-custom-yum and  fd.directory = /usr/bin)"
        ' or ( proc.name = "my app" and  fd.directory = /usr/local/bin)'
        " or ( proc.name = apk and  fd.directory = /usr/lib/alpine))"
        " and not (( container.image.repository = docker.io/alpine and  fd.directory = /usr/libexec/alpine))"
        " and not (( proc.name = my-custom-dpkg and  fd.name in (/usr/bin, /bin))"
        " or ( proc.name = apt and  fd.name in (apt_files)))"
        " and not (( proc.pname in (shells) and  fd.name pmatch (/opt)))"
        ' and not (fd.name in (python, "go lang"))'
    )
    f = rule.filter
    base = {"evt.type": "openat", "fd.directory": "/usr/bin", "fd.name": "/usr/bin/x"}
    assert f.matches(dict(base, **{"proc.name": "other"})) is True
    assert f.matches(dict(base, **{"proc.name": "my-custom-yum"})) is False
    assert f.matches({"evt.type": "openat", "proc.name": "apt", "fd.name": "/bin/rm"}) is False  # list name value
    assert f.matches({"evt.type": "openat", "proc.pname": "sh", "fd.name": "/opt/app/x"}) is False
    assert f.matches({"evt.type": "openat", "fd.name": "go lang"}) is False


def test_rules_expand_exceptions_function() -> None:
    from stockade.runtime.rules import ExceptionEntry, RuleException

    def e(item: str) -> ExceptionEntry:
        return ExceptionEntry(item=item)

    def lst(*items: ExceptionEntry) -> ExceptionEntry:
        return ExceptionEntry(items=items, is_list=True)

    single = RuleException("s", e("proc.name"), e("in"), (e("a"), e("b c")))
    multi = RuleException("m", lst(e("proc.name"), e("fd.name")), lst(e("="), e("startswith")),
                          (lst(e("x"), e("/tmp")),))
    empty = RuleException("n", lst(e("proc.name")), lst(e("=")), ())
    assert expand_exceptions("a or b", [single, empty, multi]) == (
        '(a or b) and not (proc.name in (a, "b c")) and not (( proc.name = x and  fd.name startswith /tmp))'
    )


def test_rules_substitute_list_textually() -> None:
    # Falco's textual list expansion: delimited occurrences only, items with blanks quoted, empty lists collapse
    assert substitute_list("proc.name in (shells)", "shells", ["sh", "a b"]) == (
        'proc.name in ( sh, "a b" )', True)
    assert substitute_list("proc.name in (x, shells)", "shells", []) == ("proc.name in (x  )", True)
    assert substitute_list("proc.name in (shells_x)", "shells", ["sh"]) == ("proc.name in (shells_x)", False)
    assert substitute_list("a.shells = 1", "shells", ["sh"]) == ("a.shells = 1", False)


# -- hostile input --------------------------------------------------------------------------------------------------


def test_rules_yaml_bomb(tables: dict[str, Any]) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, "
                    f"*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, "
                    f"*{chr(96 + i)}, *{chr(96 + i)}]")
    text = "- " + "\n  ".join(bomb) + "\n- rule: Bomb\n  desc: d\n  condition: evt.type = execve\n  output: o\n" \
           "  priority: info\n  exceptions:\n    - name: e\n      fields: proc.name\n      values: *j\n"
    res = load_rules_text(text, tables)
    assert [e.message for e in res.errors] == ["YAML content is too large after alias expansion (alias bomb?)"]


def test_rules_deeply_nested_yaml(tables: dict[str, Any]) -> None:
    res = load_rules_text("- " + "[" * 5000 + "]" * 5000 + "\n", tables)
    assert [(e.code, e.message) for e in res.errors] == [("LOAD_ERR_YAML_PARSE", "YAML content is nested too deeply")]


def test_rules_deeply_nested_condition(tables: dict[str, Any]) -> None:
    cond = "(" * 10_000 + "evt.type = execve" + ")" * 10_000
    text = f"- rule: Deep\n  desc: d\n  condition: '{cond}'\n  output: o\n  priority: info\n"
    res = load_rules_text(text, tables)
    assert [(e.code, e.message) for e in res.errors] == [
        ("LOAD_ERR_COMPILE_CONDITION", "exceeded max depth limit of 200")
    ]


def test_rules_deep_macro_chain(tables: dict[str, Any]) -> None:
    parts = ["- macro: m0\n  condition: (evt.type = execve)\n"]
    for i in range(1, 200):
        parts.append(f"- macro: m{i}\n  condition: (m{i - 1} and proc.pid > {i})\n")
    parts.append("- rule: Chain\n  desc: d\n  condition: m199\n  output: o\n  priority: info\n")
    res = load_rules_text("".join(parts), tables)
    assert res.errors[0].message == "condition is nested too deeply after macro expansion (more than 150 levels)"
    assert res.errors[0].item_name == "m75"
    assert res.errors[-1].item_name == "Chain"
    assert res.ruleset.rules == ()


def test_rules_invalid_utf8_and_nul(tmp_path: Path, tables: dict[str, Any]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"- rule: x\n  desc: \xff\xfe\n")
    res = load_rules([bad], tables)
    assert [(e.code, e.line, e.message) for e in res.errors] == [("LOAD_ERR_YAML_PARSE", 2, "invalid UTF-8 at byte 18")]
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"- list: a\n  items: [x\x00y]\n")
    res = load_rules([nul], tables)
    assert [(e.code, e.line) for e in res.errors] == [("LOAD_ERR_YAML_PARSE", 2)]
    assert res.errors[0].message.startswith("special characters are not allowed")


def test_rules_missing_file(tmp_path: Path, tables: dict[str, Any]) -> None:
    res = load_rules([tmp_path / "nope.yaml"], tables)
    assert [(e.code, e.file) for e in res.errors] == [("LOAD_ERR_FILE_READ", str(tmp_path / "nope.yaml"))]
    assert res.errors[0].message.startswith(f"Could not open file {tmp_path / 'nope.yaml'} for reading")


def test_rules_huge_file_is_refused(tables: dict[str, Any]) -> None:
    from stockade.runtime.rules.loader import MAX_FILE_BYTES

    res = load_rules_text("#" * (MAX_FILE_BYTES + 1), tables)
    assert [e.code for e in res.errors] == ["LOAD_ERR_FILE_READ"]


@pytest.mark.parametrize(
    "text",
    [
        "- rule: [a]\n",
        "- rule:\n",
        "- list: l\n  items: [[a]]\n",
        "- list: l\n  items: {a: b}\n",
        "- macro: m\n  condition: {a: b}\n",
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n  tags: a\n",
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n  exceptions: x\n",
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n"
        "  exceptions:\n    - name: e\n      fields: [proc.name]\n      values: x\n",
        "- rule: r\n  enabled: maybe\n",
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n  capture_duration: x\n",
        "- required_plugin_versions: x\n",
        "- required_plugin_versions:\n    - x\n",
        "- required_plugin_versions:\n    - name: k8saudit\n      version: x.y\n",
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n  override: x\n",
        "- !!binary aGVsbG8=\n",
        "- rule: r\n  desc: d\n  condition: \"\\x00\"\n  output: o\n  priority: info\n",
        "[[[[[[[[\n",
        "- rule: r\n  desc: d\n  condition: evt.type = execve and\n  output: o\n  priority: info\n",
    ],
)
def test_rules_malformed_items_are_errors_not_tracebacks(tables: dict[str, Any], text: str) -> None:
    res = load_rules_text(text, tables)
    assert isinstance(res, LoadResult)
    assert not res.ok
    assert all(e.file == "<rules>" for e in res.errors)
