"""Load Falco rule files as Falco's engine does: read, collect (define/append/override), then compile.

Reading follows Falco's rule reader: every YAML document is a sequence of items; each item is a
``required_engine_version``, ``required_plugin_versions``, ``list``, ``macro`` or ``rule`` mapping. Collecting
merges all files in order: redefinitions replace an item but keep its original position, ``append: true`` and
``override:`` extend or replace keys. Compiling expands lists textually into conditions (Falco's behaviour, with
its quoting of items that contain blanks), resolves macros (a macro sees the macros defined before it; a rule
sees all of them), expands exceptions into the condition, and compiles conditions and outputs against the field
table of the rule's source.

Where Falco stops at the first error of a file, this loader reports the error, skips the item and goes on, so one
run shows every problem. Error and warning texts use Falco's wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from stockade.runtime.fields.api import FieldTable
from stockade.runtime.filter import (
    CompiledFilter,
    FilterCompileError,
    FilterError,
    FilterSyntaxError,
    Node,
    OutputFormat,
    compile,
    compile_output,
    parse,
)
from stockade.runtime.filter.ast import Check, Identifier, ListValue, Pos, Value, walk
from stockade.runtime.filter.compiler import lookup_field, resolve
from stockade.runtime.filter.parser import ALL_OPS, LIST_OPS
from stockade.runtime.rules import model as m
from stockade.runtime.rules.model import (
    ENGINE_VERSION,
    ENGINE_VERSION_STR,
    PROVIDED_PLUGINS,
    ExceptionEntry,
    LoadMessage,
    LoadResult,
    Priority,
    Rule,
    RuleException,
    Ruleset,
)

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_YAML_NODES = 2_000_000  # total nodes visited per file, aliases counted each time they are used
MAX_YAML_DEPTH = 64

WARNING_APPEND = (
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
)
WARNING_ENABLED = (
    "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under "
    "the 'override' key (i.e. 'enabled: replace')."
)
ERROR_OVERRIDE_APPEND = (
    "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') "
    "under 'override' instead."
)
ERROR_NO_PREVIOUS_MACRO = "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"
ERROR_NO_PREVIOUS_LIST = "List uses 'append' or 'override.items: append' but no list by that name already exists"
ERROR_NO_PREVIOUS_RULE_APPEND = (
    "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
)
ERROR_NO_PREVIOUS_RULE_REPLACE = (
    "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"
)
RGX_IDENTIFIER = "([a-zA-Z]+[a-zA-Z0-9_]*)"
RGX_BARESTR = "([^()\"'[:space:]=,]+)"
_RX_IDENTIFIER = re.compile(r"[a-zA-Z]+[a-zA-Z0-9_]*")
_RX_BARESTR = re.compile(r"[^()\"'\s=,]+")
_RX_FIELD_TEXT = re.compile(r"([a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+)(?:\[(.*)\])?")

LIST_KEYS = frozenset({"list", "items", "append", "override"})
MACRO_KEYS = frozenset({"macro", "condition", "append", "override"})
RULE_KEYS = frozenset(
    {"rule", "desc", "condition", "output", "priority", "source", "enabled", "tags", "exceptions", "warn_evttypes",
     "skip-if-unknown-filter", "append", "override", "capture", "capture_duration"}
)
RULE_APPENDABLE = ("condition", "output", "desc", "tags", "exceptions")
RULE_REPLACEABLE = (
    "condition", "output", "desc", "priority", "tags", "exceptions", "enabled", "warn_evttypes",
    "skip-if-unknown-filter",
)
DEPRECATED_FIELDS = ("evt.dir", "evt.latency", "evt.latency.s", "evt.latency.ns", "evt.latency.human",
                     "evt.wait_latency")


class _LoadError(Exception):
    """Internal: one item cannot be read or collected (becomes an error message, the load goes on)."""

    def __init__(self, code: str, message: str, line: int | None, column: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column


# ---------------------------------------------------------------------------------------------------------------
# YAML access with positions


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _col(node: yaml.Node | None) -> int | None:
    return node.start_mark.column + 1 if node is not None else None


class _Budget:
    """Nodes visited per file: without aliases a document cannot have more nodes than about half its characters,
    so a budget of that plus a margin stops alias bombs early and never a real file."""

    def __init__(self, text_len: int = 0) -> None:
        self.left = min(MAX_YAML_NODES, 50_000 + text_len)

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise _LoadError(m.ERR_YAML_PARSE, "YAML content is too large after alias expansion (alias bomb?)",
                             _line(node))


class _Item:
    """A mapping node with helpers that raise Falco's reader errors."""

    def __init__(self, node: yaml.MappingNode, budget: _Budget) -> None:
        self.node = node
        self.budget = budget
        self.keys: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            budget.spend(k)
            if isinstance(k, yaml.ScalarNode):
                self.keys.setdefault(str(k.value), (k, v))

    @property
    def line(self) -> int | None:
        return _line(self.node)

    def has(self, key: str) -> bool:
        return key in self.keys

    def value_node(self, key: str) -> yaml.Node | None:
        kv = self.keys.get(key)
        return kv[1] if kv else None

    def scalar(self, key: str, *, optional: bool = False) -> str | None:
        node = self.value_node(key)
        if node is None:
            if optional:
                return None
            raise _LoadError(m.ERR_YAML_VALIDATE, f"Item has no mapping for key '{key}'", self.line)
        if _is_null(node):
            raise _LoadError(m.ERR_YAML_VALIDATE, f"Mapping for key '{key}' is empty", self.line)
        if not isinstance(node, yaml.ScalarNode):
            raise _LoadError(m.ERR_YAML_VALIDATE, "Value is not a scalar value", _line(node), _col(node))
        text = str(node.value)
        if text == "":
            raise _LoadError(m.ERR_YAML_VALIDATE, "Value must be non-empty", _line(node), _col(node))
        return text

    def boolean(self, key: str, *, optional: bool = False) -> bool | None:
        text = self.scalar(key, optional=optional)
        if text is None:
            return None
        low = text.lower()
        if low in ("true", "yes", "on", "y"):
            return True
        if low in ("false", "no", "off", "n"):
            return False
        node = self.value_node(key)
        raise _LoadError(m.ERR_YAML_VALIDATE, "Can't decode YAML scalar value", _line(node), _col(node))

    def sequence(self, key: str, *, optional: bool = False) -> list[str] | None:
        node = self.value_node(key)
        if node is None:
            if optional:
                return None
            raise _LoadError(m.ERR_YAML_VALIDATE, f"Item has no mapping for key '{key}'", self.line)
        if not isinstance(node, yaml.SequenceNode):
            raise _LoadError(m.ERR_YAML_VALIDATE, "Value is not a sequence", _line(node), _col(node))
        out: list[str] = []
        for v in node.value:
            self.budget.spend(v)
            if not isinstance(v, yaml.ScalarNode):
                raise _LoadError(m.ERR_YAML_VALIDATE, "sequence value is not scalar", _line(v), _col(v))
            out.append(str(v.value))
        return out


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _entry(node: yaml.Node, budget: _Budget, depth: int = 0) -> ExceptionEntry:
    budget.spend(node)
    if depth > MAX_YAML_DEPTH:
        raise _LoadError(m.ERR_YAML_VALIDATE, "exception values are nested too deeply", _line(node))
    if isinstance(node, yaml.ScalarNode):
        if str(node.value) == "":
            raise _LoadError(m.ERR_YAML_VALIDATE, "Value must be non-empty", _line(node), _col(node))
        return ExceptionEntry(item=str(node.value))
    if isinstance(node, yaml.SequenceNode):
        return ExceptionEntry(items=tuple(_entry(v, budget, depth + 1) for v in node.value), is_list=True)
    raise _LoadError(m.ERR_YAML_VALIDATE, "Could not decode scalar value", _line(node), _col(node))


# ---------------------------------------------------------------------------------------------------------------
# collected (not yet compiled) items


@dataclass
class _ListInfo:
    name: str
    items: list[str]
    index: int
    visibility: int
    file: str
    line: int | None


@dataclass
class _MacroInfo:
    name: str
    cond: str
    index: int
    visibility: int
    file: str
    line: int | None
    cond_line: int | None
    cond_col: int | None = None


@dataclass
class _RuleInfo:
    name: str
    desc: str
    cond: str
    output: str
    priority: Priority
    source: str
    enabled: bool
    tags: set[str]
    exceptions: list[RuleException]
    warn_evttypes: bool
    skip_if_unknown_filter: bool
    capture: bool
    capture_duration: int
    index: int
    visibility: int
    file: str
    line: int | None
    cond_line: int | None
    output_line: int | None
    unknown_source: bool = False
    cond_col: int | None = None


@dataclass
class _RuleUpdate:
    name: str
    cond: str | None = None
    output: str | None = None
    desc: str | None = None
    tags: set[str] | None = None
    exceptions: list[RuleException] | None = None
    priority: Priority | None = None
    enabled: bool | None = None
    warn_evttypes: bool | None = None
    skip_if_unknown_filter: bool | None = None

    def has_any_value(self) -> bool:
        return any(
            v is not None
            for v in (self.cond, self.output, self.desc, self.tags, self.exceptions, self.priority, self.enabled,
                      self.warn_evttypes, self.skip_if_unknown_filter)
        )


@dataclass
class _Collector:
    tables: Mapping[str, FieldTable]
    errors: list[LoadMessage] = field(default_factory=list)
    warnings: list[LoadMessage] = field(default_factory=list)
    lists: dict[str, _ListInfo] = field(default_factory=dict)
    macros: dict[str, _MacroInfo] = field(default_factory=dict)
    rules: dict[str, _RuleInfo] = field(default_factory=dict)
    counter: int = 0
    required_engine_version: tuple[int, int, int] | None = None
    required_plugins: list[tuple[tuple[str, str], ...]] = field(default_factory=list)

    def next_index(self) -> int:
        i = self.counter
        self.counter += 1
        return i


# ---------------------------------------------------------------------------------------------------------------
# reading


class _Reader:
    def __init__(self, col: _Collector, file: str) -> None:
        self.col = col
        self.file = file
        self.budget = _Budget()

    def _reset_budget(self, text: str) -> None:
        self.budget = _Budget(len(text))

    def msg(self, level: str, code: str, message: str, line: int | None, column: int | None = None,
            item_type: str | None = None, item_name: str | None = None) -> None:
        lm = LoadMessage(level, code, message, self.file, line, column, item_type, item_name)
        (self.col.errors if level == "error" else self.col.warnings).append(lm)

    def warn(self, code: str, message: str, line: int | None, item_type: str | None = None,
             item_name: str | None = None) -> None:
        self.msg("warning", code, message, line, None, item_type, item_name)

    def read(self, text: str) -> None:
        self._reset_budget(text)
        try:
            docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            column = mark.column + 1 if mark is not None else None
            problem = exc.problem or str(exc)
            self.msg("error", m.ERR_YAML_PARSE, f"{problem}" + (f" ({exc.context})" if exc.context else ""),
                     line, column)
            return
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            self.msg("error", m.ERR_YAML_PARSE,
                     f"special characters are not allowed: #x{exc.character:04x}" if isinstance(exc.character, int)
                     else str(exc.reason), line, column)
            return
        except yaml.YAMLError as exc:
            self.msg("error", m.ERR_YAML_PARSE, str(exc).splitlines()[0] if str(exc) else "YAML parse error", None)
            return
        except RecursionError:
            self.msg("error", m.ERR_YAML_PARSE, "YAML content is nested too deeply", None)
            return
        for doc in docs:
            if doc is None or _is_null(doc):
                continue
            if isinstance(doc, yaml.ScalarNode):
                self.msg("error", m.ERR_YAML_VALIDATE, "Rules content is not yaml", _line(doc))
                continue
            if not isinstance(doc, yaml.SequenceNode):
                self.msg("error", m.ERR_YAML_VALIDATE, "Rules content is not yaml array of objects", _line(doc))
                continue
            for item in doc.value:
                if _is_null(item):
                    continue
                try:
                    self.budget.spend(item)
                    self.read_item(item)
                except _LoadError as exc:
                    itype, iname = _item_ident(item)
                    self.msg("error", exc.code, exc.message, exc.line if exc.line is not None else _line(item),
                             exc.column, itype, iname)
                    if exc.message.startswith("YAML content is too large"):
                        return

    def read_item(self, node: yaml.Node) -> None:
        if not isinstance(node, yaml.MappingNode):
            raise _LoadError(m.ERR_YAML_VALIDATE,
                             "Unexpected element type. Each element should be a yaml associative array.", _line(node))
        item = _Item(node, self.budget)
        if item.has("required_engine_version"):
            self.read_engine_version(item)
        elif item.has("required_plugin_versions"):
            self.read_plugin_versions(item)
        elif item.has("list"):
            self.read_list(item)
        elif item.has("macro"):
            self.read_macro(item)
        elif item.has("rule"):
            self.read_rule(item)
        else:
            self.warn(m.WARN_UNKNOWN_ITEM, "Unknown top level item", item.line)

    def unknown_keys(self, item: _Item, allowed: frozenset[str], itype: str, name: str) -> None:
        for key, (knode, _v) in item.keys.items():
            if key not in allowed:
                self.warn(m.WARN_UNKNOWN_KEY, f"Unknown key '{key}' in {itype} definition", _line(knode), itype, name)

    # -- versions ------------------------------------------------------------------------------------------

    def read_engine_version(self, item: _Item) -> None:
        text = item.scalar("required_engine_version")
        assert text is not None
        if re.fullmatch(r"[0-9]+", text.strip()):
            ver = (0, int(text.strip()), 0)
        else:
            mv = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)", text.strip())
            if mv is None:
                raise _LoadError(
                    m.ERR_YAML_VALIDATE,
                    f"Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format.",
                    item.line,
                )
            ver = (int(mv.group(1)), int(mv.group(2)), int(mv.group(3)))
        if ver[0] != ENGINE_VERSION[0] or ver > ENGINE_VERSION:
            raise _LoadError(
                m.ERR_VALIDATE,
                f"Rules require engine version {ver[0]}.{ver[1]}.{ver[2]}, but engine version is {ENGINE_VERSION_STR}",
                item.line,
            )
        if self.col.required_engine_version is None or self.col.required_engine_version < ver:
            self.col.required_engine_version = ver

    def read_plugin_versions(self, item: _Item) -> None:
        node = item.value_node("required_plugin_versions")
        if not isinstance(node, yaml.SequenceNode):
            raise _LoadError(m.ERR_YAML_VALIDATE, "Value of required_plugin_versions must be a sequence", item.line)
        for pnode in node.value:
            self.budget.spend(pnode)
            if not isinstance(pnode, yaml.MappingNode):
                raise _LoadError(m.ERR_YAML_VALIDATE, "Plugin version must be a mapping", _line(pnode))
            pitem = _Item(pnode, self.budget)
            name = pitem.scalar("name")
            version = pitem.scalar("version")
            assert name is not None and version is not None
            alternatives = [(name, version)]
            alt_node = pitem.value_node("alternatives")
            if alt_node is not None:
                if not isinstance(alt_node, yaml.SequenceNode):
                    raise _LoadError(m.ERR_YAML_VALIDATE, "Value of plugin version alternatives must be a sequence",
                                     _line(alt_node))
                for anode in alt_node.value:
                    if not isinstance(anode, yaml.MappingNode):
                        raise _LoadError(m.ERR_YAML_VALIDATE, "Plugin version alternative must be a mapping",
                                         _line(anode))
                    aitem = _Item(anode, self.budget)
                    aname = aitem.scalar("name")
                    aver = aitem.scalar("version")
                    assert aname is not None and aver is not None
                    alternatives.append((aname, aver))
            seen: set[str] = set()
            for aname, aver in alternatives:
                if _semver(aver) is None:
                    raise _LoadError(m.ERR_VALIDATE, f"Invalid required version '{aver}' for plugin '{aname}'",
                                     _line(pnode))
                if aname in seen:
                    raise _LoadError(m.ERR_VALIDATE,
                                     f"Defined multiple alternative version requirements for plugin '{aname}'",
                                     _line(pnode))
                seen.add(aname)
            self.col.required_plugins.append(tuple(alternatives))
            self.check_plugin(alternatives, _line(pnode))

    def check_plugin(self, alternatives: list[tuple[str, str]], line: int | None) -> None:
        for name, version in alternatives:
            provided = PROVIDED_PLUGINS.get(name)
            if provided is None:
                continue
            want, have = _semver(version), _semver(provided)
            if want is not None and have is not None and want[0] == have[0] and have >= want:
                return
        name, version = alternatives[0]
        provided = PROVIDED_PLUGINS.get(name)
        if provided is None:
            message = f"Plugin '{name}' required by rules is not loaded (stockade provides: " \
                      f"{', '.join(sorted(PROVIDED_PLUGINS))})"
        else:
            message = f"Plugin '{name}' version '{provided}' is not compatible with required plugin version " \
                      f"'{version}'"
        raise _LoadError(m.ERR_VALIDATE, message, line)

    # -- overrides -----------------------------------------------------------------------------------------

    def overrides(
        self, item: _Item, appendable: Sequence[str], replaceable: Sequence[str]
    ) -> tuple[set[str], set[str]]:
        node = item.value_node("override")
        if node is None:
            return set(), set()
        if not isinstance(node, yaml.MappingNode):
            raise _LoadError(m.ERR_YAML_VALIDATE, "Value of 'override' must be a mapping", _line(node))
        out_append: set[str] = set()
        out_replace: set[str] = set()
        for knode, vnode in node.value:
            self.budget.spend(knode)
            key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else ""
            op = str(vnode.value) if isinstance(vnode, yaml.ScalarNode) else ""
            can_append = key in appendable
            can_replace = key in replaceable
            if op == "append":
                if not can_append:
                    raise _LoadError(m.ERR_YAML_VALIDATE,
                                     f"Key '{key}' cannot be appended to, use 'replace' instead", _line(knode))
                out_append.add(key)
            elif op == "replace":
                if not can_replace:
                    raise _LoadError(m.ERR_YAML_VALIDATE, f"Key '{key}' cannot be replaced", _line(knode))
                out_replace.add(key)
            else:
                allowed = ("append " if can_append else "") + ("replace " if can_replace else "")
                raise _LoadError(
                    m.ERR_YAML_VALIDATE,
                    f"Invalid override operation for key '{key}': '{op}'. Allowed values are: {allowed}",
                    _line(vnode),
                )
        return out_append, out_replace

    # -- lists and macros ----------------------------------------------------------------------------------

    def read_list(self, item: _Item) -> None:
        name = item.scalar("list")
        assert name is not None
        if not _RX_BARESTR.fullmatch(name):
            self.warn(m.WARN_INVALID_LIST_NAME,
                      f"List has an invalid name. List names should match a regular expression: {RGX_BARESTR}",
                      item.line, "list", name)
        self.unknown_keys(item, LIST_KEYS, "list", name)
        try:
            items = item.sequence("items")
            assert items is not None
            append = bool(item.boolean("append", optional=True))
            if append:
                self.warn(m.WARN_DEPRECATED_ITEM, WARNING_APPEND, item.line, "list", name)
            o_append, o_replace = self.overrides(item, ("items",), ("items",))
            if append and (o_append or o_replace):
                raise _LoadError(m.ERR_YAML_VALIDATE, ERROR_OVERRIDE_APPEND, item.line)
        except _LoadError as exc:
            self.msg("error", exc.code, exc.message, exc.line, exc.column, "list", name)
            return
        append = append or "items" in o_append
        col = self.col
        prev = col.lists.get(name)
        idx = col.next_index()
        if append:
            if prev is None:
                self.msg("error", m.ERR_VALIDATE, ERROR_NO_PREVIOUS_LIST, item.line, None, "list", name)
                return
            prev.items.extend(items)
            prev.visibility = idx
        elif prev is not None:
            prev.items = list(items)
            prev.visibility = idx
            prev.file, prev.line = self.file, item.line
        else:
            col.lists[name] = _ListInfo(name, list(items), idx, idx, self.file, item.line)

    def read_macro(self, item: _Item) -> None:
        name = item.scalar("macro")
        assert name is not None
        if not _RX_IDENTIFIER.fullmatch(name):
            self.warn(m.WARN_INVALID_MACRO_NAME,
                      f"Macro has an invalid name. Macro names should match a regular expression: {RGX_IDENTIFIER}",
                      item.line, "macro", name)
        self.unknown_keys(item, MACRO_KEYS, "macro", name)
        try:
            cond = item.scalar("condition")
            assert cond is not None
            append = bool(item.boolean("append", optional=True))
            if append:
                self.warn(m.WARN_DEPRECATED_ITEM, WARNING_APPEND, item.line, "macro", name)
            o_append, o_replace = self.overrides(item, ("condition",), ("condition",))
            if append and (o_append or o_replace):
                raise _LoadError(m.ERR_YAML_VALIDATE, ERROR_OVERRIDE_APPEND, item.line)
        except _LoadError as exc:
            self.msg("error", exc.code, exc.message, exc.line, exc.column, "macro", name)
            return
        append = append or "condition" in o_append
        cond_line = _cond_line(item.value_node("condition"))
        col = self.col
        prev = col.macros.get(name)
        idx = col.next_index()
        if append:
            if prev is None:
                self.msg("error", m.ERR_VALIDATE, ERROR_NO_PREVIOUS_MACRO, item.line, None, "macro", name)
                return
            prev.cond += " " + cond
            prev.visibility = idx
        elif prev is not None:
            prev.cond = cond
            prev.visibility = idx
            prev.file, prev.line, prev.cond_line = self.file, item.line, cond_line
            prev.cond_col = _cond_col(item.value_node("condition"))
        else:
            col.macros[name] = _MacroInfo(name, cond, idx, idx, self.file, item.line, cond_line,
                                          _cond_col(item.value_node("condition")))

    # -- rules ---------------------------------------------------------------------------------------------

    def read_rule(self, item: _Item) -> None:
        name = item.scalar("rule")
        assert name is not None
        self.unknown_keys(item, RULE_KEYS, "rule", name)
        try:
            self._read_rule(item, name)
        except _LoadError as exc:
            self.msg("error", exc.code, exc.message, exc.line, exc.column, "rule", name)

    def _read_rule(self, item: _Item, name: str) -> None:
        has_append = bool(item.boolean("append", optional=True))
        if has_append:
            self.warn(m.WARN_DEPRECATED_ITEM, WARNING_APPEND, item.line, "rule", name)
        o_append, o_replace = self.overrides(item, RULE_APPENDABLE, RULE_REPLACEABLE)
        if has_append and (o_append or o_replace):
            raise _LoadError(m.ERR_YAML_VALIDATE, ERROR_OVERRIDE_APPEND, item.line)
        if o_append or o_replace:
            expected = {k for k in (*RULE_APPENDABLE, *RULE_REPLACEABLE) if item.has(k)}

            def take(kind: str, ops: set[str], key: str) -> bool:
                if key not in ops:
                    return False
                if key not in expected:
                    raise _LoadError(m.ERR_YAML_VALIDATE,
                                     f"An {kind} override for '{key}' was specified but '{key}' is not defined",
                                     item.line)
                expected.discard(key)
                return True

            if o_append:
                upd = _RuleUpdate(name)
                if take("append", o_append, "condition"):
                    upd.cond = item.scalar("condition")
                if take("append", o_append, "exceptions"):
                    upd.exceptions = self.exceptions(item, name, append=True)
                if take("append", o_append, "output"):
                    upd.output = item.scalar("output")
                if take("append", o_append, "desc"):
                    upd.desc = item.scalar("desc")
                if take("append", o_append, "tags"):
                    upd.tags = set(item.sequence("tags", optional=True) or [])
                self.append_rule(upd, item)
            if o_replace:
                upd = _RuleUpdate(name)
                if take("replace", o_replace, "condition"):
                    upd.cond = item.scalar("condition")
                if take("replace", o_replace, "exceptions"):
                    upd.exceptions = self.exceptions(item, name, append=True)
                if take("replace", o_replace, "output"):
                    upd.output = item.scalar("output")
                if take("replace", o_replace, "desc"):
                    upd.desc = item.scalar("desc")
                if take("replace", o_replace, "tags"):
                    upd.tags = set(item.sequence("tags", optional=True) or [])
                if take("replace", o_replace, "priority"):
                    upd.priority = self.priority(item)
                if take("replace", o_replace, "enabled"):
                    upd.enabled = item.boolean("enabled")
                if take("replace", o_replace, "warn_evttypes"):
                    upd.warn_evttypes = item.boolean("warn_evttypes")
                if take("replace", o_replace, "skip-if-unknown-filter"):
                    upd.skip_if_unknown_filter = item.boolean("skip-if-unknown-filter")
                self.replace_rule(upd, item)
            for key in sorted(expected):
                kn = item.keys[key][0]
                raise _LoadError(m.ERR_YAML_VALIDATE,
                                 f"Unexpected key '{key}': no corresponding entry under 'override' is defined.",
                                 _line(kn))
            return
        if has_append:
            upd = _RuleUpdate(name)
            if item.has("condition"):
                upd.cond = item.scalar("condition")
            if item.has("exceptions"):
                upd.exceptions = self.exceptions(item, name, append=True)
            self.append_rule(upd, item)
            return
        if not any(item.has(k) for k in ("condition", "output", "desc", "priority")):
            enabled = item.boolean("enabled")
            self.warn(m.WARN_DEPRECATED_ITEM, WARNING_ENABLED, item.line, "rule", name)
            prev = self.col.rules.get(name)
            if prev is None:
                raise _LoadError(m.ERR_VALIDATE, "Rule has 'enabled' key but no rule by that name already exists",
                                 item.line)
            prev.enabled = bool(enabled)
            return
        cond = item.scalar("condition")
        output = item.scalar("output")
        desc = item.scalar("desc")
        assert cond is not None and output is not None and desc is not None
        priority = self.priority(item)
        source = item.scalar("source", optional=True) or "syscall"
        enabled = item.boolean("enabled", optional=True)
        warn_evttypes = item.boolean("warn_evttypes", optional=True)
        skip = item.boolean("skip-if-unknown-filter", optional=True)
        capture = item.boolean("capture", optional=True)
        duration_text = item.scalar("capture_duration", optional=True)
        duration = 0
        if duration_text is not None:
            if not re.fullmatch(r"[0-9]+", duration_text.strip()):
                node = item.value_node("capture_duration")
                raise _LoadError(m.ERR_YAML_VALIDATE, "Can't decode YAML scalar value", _line(node), _col(node))
            duration = int(duration_text)
        tags = set(item.sequence("tags", optional=True) or [])
        exceptions = self.exceptions(item, name, append=False)
        info = _RuleInfo(
            name=name, desc=desc, cond=cond, output=output.strip(), priority=priority, source=source,
            enabled=True if enabled is None else enabled, tags=tags, exceptions=exceptions,
            warn_evttypes=True if warn_evttypes is None else warn_evttypes,
            skip_if_unknown_filter=bool(skip), capture=bool(capture), capture_duration=duration, index=0,
            visibility=0, file=self.file, line=item.line, cond_line=_cond_line(item.value_node("condition")),
            output_line=_line(item.value_node("output")), cond_col=_cond_col(item.value_node("condition")),
        )
        self.define_rule(info)

    def priority(self, item: _Item) -> Priority:
        text = item.scalar("priority")
        assert text is not None
        p = Priority.parse(text)
        if p is None:
            node = item.value_node("priority")
            raise _LoadError(m.ERR_YAML_VALIDATE, "Invalid priority", _line(node), _col(node))
        return p

    def exceptions(self, item: _Item, rule: str, *, append: bool) -> list[RuleException]:
        node = item.value_node("exceptions")
        if node is None or _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise _LoadError(m.ERR_YAML_VALIDATE, "Rule exceptions must be a sequence", _line(node))
        out: list[RuleException] = []
        for exn in node.value:
            self.budget.spend(exn)
            if not isinstance(exn, yaml.MappingNode):
                raise _LoadError(m.ERR_YAML_VALIDATE, "Rule exception must be a mapping", _line(exn))
            ex = _Item(exn, self.budget)
            ex_name = ex.scalar("name")
            assert ex_name is not None
            if any(e.name == ex_name for e in out):
                self.warn(m.WARN_EXCEPTION_NAME_NOT_UNIQUE,
                          f"Multiple definitions of exception '{ex_name}' in the same rule", ex.line, "exception",
                          ex_name)
            fields_node = ex.value_node("fields")
            if fields_node is None and not append:
                raise _LoadError(m.ERR_YAML_VALIDATE, "Item has no mapping for key 'fields'", ex.line)
            fields = _entry(fields_node, self.budget) if fields_node is not None else None
            comps_node = ex.value_node("comps")
            comps = _entry(comps_node, self.budget) if comps_node is not None else None
            values: list[ExceptionEntry] = []
            vnode = ex.value_node("values")
            if vnode is not None:
                if not isinstance(vnode, yaml.SequenceNode):
                    raise _LoadError(m.ERR_YAML_VALIDATE, "Rule exception values must be a sequence", _line(vnode))
                values = [_entry(v, self.budget) for v in vnode.value]
            elif append:
                self.warn(m.WARN_APPEND_NO_VALUES, "Overriding/appending exception with no values", ex.line,
                          "exception", ex_name)
            out.append(RuleException(ex_name, fields, comps, tuple(values), ex.line))
        return out

    # -- collecting ----------------------------------------------------------------------------------------

    def validate_exception(self, ex: RuleException, table: FieldTable | None) -> RuleException:
        fields = ex.fields
        assert fields is not None
        comps = ex.comps
        if fields.is_list:
            if comps is None:
                comps = ExceptionEntry(items=tuple(ExceptionEntry(item="=") for _ in fields.items), is_list=True)
            if not comps.is_list or len(comps.items) != len(fields.items):
                raise _LoadError(m.ERR_VALIDATE, "Fields and comps lists must have equal length", ex.line)
            for c in comps.items:
                if c.item not in ALL_OPS:
                    raise _LoadError(m.ERR_VALIDATE, f"'{c.item}' is not a supported comparison operator", ex.line)
            if table is not None:
                for f in fields.items:
                    if not _field_defined(table, f.item):
                        raise _LoadError(m.ERR_VALIDATE, f"'{f.item}' is not a supported filter field", ex.line)
        else:
            if comps is None:
                comps = ExceptionEntry(item="in")
            if comps.is_list:
                raise _LoadError(m.ERR_VALIDATE, "Fields and comps must both be strings", ex.line)
            if comps.item not in ("in", "pmatch", "intersects"):
                raise _LoadError(m.ERR_VALIDATE,
                                 "When fields is a single value, comps must be one of (in, pmatch, intersects)",
                                 ex.line)
            if table is not None and not _field_defined(table, fields.item):
                raise _LoadError(m.ERR_VALIDATE, f"'{fields.item}' is not a supported filter field", ex.line)
        return RuleException(ex.name, fields, comps, ex.values, ex.line)

    def define_rule(self, info: _RuleInfo) -> None:
        col = self.col
        prev = col.rules.get(info.name)
        if prev is not None and prev.source != info.source:
            raise _LoadError(m.ERR_VALIDATE, "Rule has been re-defined with a different source", info.line)
        table = col.tables.get(info.source)
        if table is None:
            info.unknown_source = True
            self.warn(m.WARN_UNKNOWN_SOURCE, f"Unknown source {info.source}, skipping", info.line, "rule", info.name)
        validated = []
        for ex in info.exceptions:
            if ex.fields is None:
                raise _LoadError(m.ERR_VALIDATE, "Rule exception item must have fields property with a list of fields",
                                 ex.line)
            validated.append(self.validate_exception(ex, table))
        info.exceptions = validated
        idx = col.next_index()
        if prev is not None:
            info.index = prev.index
            info.visibility = idx
        else:
            info.index = idx
            info.visibility = idx
        col.rules[info.name] = info

    def _prev_rule(self, name: str, missing: str, line: int | None) -> tuple[_RuleInfo, FieldTable | None]:
        prev = self.col.rules.get(name)
        if prev is None:
            raise _LoadError(m.ERR_VALIDATE, missing, line)
        return prev, (None if prev.unknown_source else self.col.tables.get(prev.source))

    def append_rule(self, upd: _RuleUpdate, item: _Item) -> None:
        prev, table = self._prev_rule(upd.name, ERROR_NO_PREVIOUS_RULE_APPEND, item.line)
        if not upd.has_any_value():
            raise _LoadError(m.ERR_VALIDATE, "Appended rule must have exceptions or condition property", item.line)
        if upd.cond:
            prev.cond += " " + upd.cond
        if upd.output:
            prev.output += " " + upd.output
        if upd.desc:
            prev.desc += " " + upd.desc
        if upd.tags is not None:
            prev.tags |= upd.tags
        if upd.exceptions is not None:
            for ex in upd.exceptions:
                existing = next((i for i, e in enumerate(prev.exceptions) if e.name == ex.name), None)
                if existing is None:
                    if ex.fields is None:
                        raise _LoadError(m.ERR_VALIDATE,
                                         "Rule exception must have fields property with a list of fields", ex.line)
                    if not ex.values:
                        raise _LoadError(m.ERR_VALIDATE,
                                         "Rule exception must have values property with a list of values", ex.line)
                    prev.exceptions.append(self.validate_exception(ex, table))
                else:
                    if ex.fields is not None:
                        raise _LoadError(m.ERR_VALIDATE,
                                         "Can not append exception fields to existing exception, only values",
                                         ex.line)
                    if ex.comps is not None:
                        raise _LoadError(m.ERR_VALIDATE,
                                         "Can not append exception comps to existing exception, only values", ex.line)
                    old = prev.exceptions[existing]
                    prev.exceptions[existing] = RuleException(old.name, old.fields, old.comps,
                                                              old.values + ex.values, old.line)
        prev.visibility = self.col.next_index()

    def replace_rule(self, upd: _RuleUpdate, item: _Item) -> None:
        prev, table = self._prev_rule(upd.name, ERROR_NO_PREVIOUS_RULE_REPLACE, item.line)
        if not upd.has_any_value():
            raise _LoadError(m.ERR_VALIDATE, "The rule must have at least one field that can be replaced", item.line)
        if upd.cond is not None:
            prev.cond = upd.cond
            prev.cond_line = _cond_line(item.value_node("condition"))
            prev.cond_col = _cond_col(item.value_node("condition"))
            prev.file = self.file
        if upd.output is not None:
            prev.output = upd.output
        if upd.desc is not None:
            prev.desc = upd.desc
        if upd.tags is not None:
            prev.tags = set(upd.tags)
        if upd.exceptions is not None:
            validated = []
            for ex in upd.exceptions:
                if ex.fields is None:
                    raise _LoadError(m.ERR_VALIDATE,
                                     "Rule exception must have fields property with a list of fields", ex.line)
                validated.append(self.validate_exception(ex, table))
            prev.exceptions = validated
        if upd.priority is not None:
            prev.priority = upd.priority
        if upd.enabled is not None:
            prev.enabled = upd.enabled
        if upd.warn_evttypes is not None:
            prev.warn_evttypes = upd.warn_evttypes
        if upd.skip_if_unknown_filter is not None:
            prev.skip_if_unknown_filter = upd.skip_if_unknown_filter
        prev.visibility = self.col.next_index()


def _cond_line(node: yaml.Node | None) -> int | None:
    """The file line where a condition's text starts (block scalars start on the next line)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        line += 1
    return line


def _cond_col(node: yaml.Node | None) -> int | None:
    """The file column where a one-line condition starts (None for block scalars)."""
    if node is None or not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
        return None
    return node.start_mark.column + 1 + (1 if node.style in ("'", '"') else 0)


def _item_ident(node: yaml.Node) -> tuple[str | None, str | None]:
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value in ("required_engine_version", "required_plugin_versions"):
                return str(k.value), None
        for k, v in node.value:
            if (isinstance(k, yaml.ScalarNode) and k.value in ("rule", "macro", "list")
                    and isinstance(v, yaml.ScalarNode)):
                return str(k.value), str(v.value)
    return None, None


def _semver(text: str) -> tuple[int, int, int] | None:
    mv = re.fullmatch(r"\s*([0-9]+)\.([0-9]+)\.([0-9]+)(?:[-+][0-9A-Za-z.\-+]*)?\s*", text)
    if mv is None:
        return None
    return int(mv.group(1)), int(mv.group(2)), int(mv.group(3))


def _field_defined(table: FieldTable, text: str) -> bool:
    mf = _RX_FIELD_TEXT.fullmatch(text.strip())
    if mf is None:
        return False
    return lookup_field(table, mf.group(1), mf.group(2)) is not None


# ---------------------------------------------------------------------------------------------------------------
# compiling


def _quote_item(e: str) -> str:
    if " " in e and e[:1] not in ('"', "'"):
        return f'"{e}"'
    return e


def _paren_item(e: str) -> str:
    return e if e.startswith("(") else f"({e})"


def expand_exceptions(condition: str, exceptions: Sequence[RuleException]) -> str:
    """A rule's condition with its exceptions appended, in exactly the text form Falco builds."""
    cond = f"({condition})"
    for ex in exceptions:
        fields = ex.fields
        comps = ex.comps
        if fields is None or comps is None:
            continue
        icond = ""
        if not fields.is_list:
            for val in ex.values:
                if val.is_list:
                    raise _LoadError(m.ERR_VALIDATE, "Expected values array to contain a list of strings", ex.line)
                icond += f"({fields.item} {comps.item} (" if not icond else ", "
                icond += _quote_item(val.item)
            icond += "))" if icond else ""
        else:
            icond = "("
            for values in ex.values:
                if len(fields.items) != len(values.items) or not values.is_list:
                    raise _LoadError(m.ERR_VALIDATE, "Fields and values lists must have equal length", ex.line)
                icond += "" if icond == "(" else " or "
                icond += "("
                for k, fld in enumerate(fields.items):
                    icond += "" if k == 0 else " and "
                    val = values.items[k]
                    if val.is_list:
                        istr = "(" + ", ".join(_quote_item(v.item) for v in val.items) + ")"
                    elif comps.items[k].item in LIST_OPS:
                        istr = _paren_item(val.item)
                    else:
                        istr = _quote_item(val.item)
                    icond += f" {fld.item} {comps.items[k].item} {istr}"
                icond += ")"
            icond += ")"
            if icond == "()":
                icond = ""
        if icond:
            cond += " and not " + icond
    return cond


_BLANKS = " \t\n\r"
_DELIMS = _BLANKS + "(),="


def substitute_list(cnd: str, name: str, items: Sequence[str]) -> tuple[str, bool]:
    """Falco's textual list expansion: every delimited occurrence of ``name`` becomes the quoted items."""
    used = False
    start = cnd.find(name)
    while start != -1:
        end = start + len(name)
        if (start == 0 or cnd[start - 1] in _DELIMS) and (end >= len(cnd) or cnd[end] in _DELIMS):
            while start > 0 and cnd[start - 1] in _BLANKS:
                start -= 1
            while end < len(cnd) and cnd[end] in _BLANKS:
                end += 1
            sub = ", ".join(_quote_item(v) for v in items)
            if not sub:
                if start > 0 and cnd[start - 1] == ",":
                    start -= 1
                elif end < len(cnd) and cnd[end] == ",":
                    end += 1
            new = (cnd[:start] + " " if start > 0 else "") + sub + " " + cnd[end:]
            cnd = new
            start += len(sub) + 1
            used = True
        start = cnd.find(name, start + 1)
    return cnd, used


class _Compiler:
    def __init__(self, col: _Collector) -> None:
        self.col = col
        self.lists: dict[str, tuple[str, ...]] = {}
        self.used_lists: set[str] = set()
        self.used_macros: set[str] = set()
        self.macro_asts: dict[str, Node] = {}
        self.ordered_lists: list[tuple[str, tuple[str, ...]]] = []

    def err(self, code: str, message: str, file: str, line: int | None, itype: str, name: str,
            column: int | None = None) -> None:
        self.col.errors.append(LoadMessage("error", code, message, file, line, column, itype, name))

    def warn(self, code: str, message: str, file: str, line: int | None, itype: str | None, name: str | None) -> None:
        self.col.warnings.append(LoadMessage("warning", code, message, file, line, None, itype, name))

    def compile_lists(self) -> None:
        infos = sorted(self.col.lists.values(), key=lambda li: li.index)
        for li in infos:
            items: list[str] = []
            for it in li.items:
                ref = self.col.lists.get(it)
                if ref is not None and ref.index < li.visibility:
                    self.used_lists.add(ref.name)
                    items.extend(ref.items)
                else:
                    items.append(it)
            self.lists[li.name] = tuple(items)
        self.ordered_lists = [(li.name, self.lists[li.name]) for li in infos]

    def substitute(self, cond: str) -> str:
        for name, items in self.ordered_lists:
            if name in cond:
                cond, used = substitute_list(cond, name, items)
                if used:
                    self.used_lists.add(name)
        return cond

    def parse_condition(self, cond: str, file: str, line: int | None, itype: str, name: str,
                        col: int | None = None) -> Node | None:
        text = self.substitute(cond)
        try:
            return parse(text)
        except FilterSyntaxError as exc:
            self.err(m.ERR_COMPILE_CONDITION, exc.reason, file, _at(line, exc.pos), itype, name,
                     _col_at(col, exc.pos))
            return None

    def compile_macros(self) -> None:
        infos = sorted(self.col.macros.values(), key=lambda mi: mi.index)
        for mi in infos:
            ast = self.parse_condition(mi.cond, mi.file, mi.cond_line, "macro", mi.name, mi.cond_col)
            if ast is not None:
                self.macro_asts[mi.name] = ast
        for mi in infos:
            ast = self.macro_asts.get(mi.name)
            if ast is None:
                continue
            visible = {
                o.name: self.macro_asts[o.name]
                for o in infos
                if (o.index < mi.visibility or o.name == mi.name) and o.name in self.macro_asts
            }
            used: set[str] = set()
            try:
                resolve(Identifier(mi.name), visible, self.lists, used_macros=used)
                used.discard(mi.name)
                self.used_macros |= used
            except FilterCompileError as exc:
                self.err(m.ERR_VALIDATE if _is_macro_error(exc.reason) else m.ERR_COMPILE_CONDITION,
                         exc.reason, mi.file, mi.cond_line, "macro", mi.name)
                self.macro_asts.pop(mi.name, None)

    def compile_rules(self) -> list[Rule]:
        out: list[Rule] = []
        for ri in sorted(self.col.rules.values(), key=lambda r: r.index):
            if ri.unknown_source:
                continue
            table = self.col.tables[ri.source]
            rule = self.compile_rule(ri, table)
            if rule is not None:
                out.append(rule)
        return out

    def compile_rule(self, ri: _RuleInfo, table: FieldTable) -> Rule | None:
        try:
            expanded = expand_exceptions(ri.cond, ri.exceptions) if ri.exceptions else ri.cond
        except _LoadError as exc:
            self.err(exc.code, exc.message, ri.file, exc.line, "rule", ri.name)
            return None
        output = ri.output
        if "%container.info" in output:
            self.warn(m.WARN_DEPRECATED_ITEM,
                      "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The "
                      "container plugin will automatically add required fields to the output message.",
                      ri.file, ri.line, "rule", ri.name)
            output = output.replace("%container.info", "")
        try:
            out_fmt: OutputFormat = compile_output(output, table)
        except FilterError as exc:
            if getattr(exc, "unknown_field", False) and ri.skip_if_unknown_filter:
                self.warn(m.WARN_UNKNOWN_FILTER, exc.reason, ri.file, ri.output_line, "rule", ri.name)
                return None
            self.err(m.ERR_COMPILE_OUTPUT, exc.reason, ri.file, ri.output_line, "rule", ri.name)
            return None
        for dep in DEPRECATED_FIELDS:
            if re.search(rf"%{re.escape(dep)}(?![A-Za-z0-9_.])", output):
                self.warn(m.WARN_DEPRECATED_ITEM, f"usage of deprecated field '{dep}' has been detected in the "
                          "rule output", ri.file, ri.output_line, "rule", ri.name)
        ast = self.parse_condition(expanded, ri.file, ri.cond_line, "rule", ri.name,
                                   None if ri.exceptions else ri.cond_col)
        if ast is None:
            return None
        try:
            compiled: CompiledFilter = compile(ast, table, self.macro_asts, self.lists, used_macros=self.used_macros)
        except FilterCompileError as exc:
            if exc.unknown_field and ri.skip_if_unknown_filter:
                self.warn(m.WARN_UNKNOWN_FILTER, exc.reason, ri.file, _at(ri.cond_line, exc.pos), "rule", ri.name)
                return None
            code = m.ERR_VALIDATE if _is_macro_error(exc.reason) else m.ERR_COMPILE_CONDITION
            if code == m.ERR_VALIDATE:
                self.err(code, exc.reason, ri.file, ri.cond_line, "rule", ri.name)
            else:
                self.err(code, exc.reason, ri.file, _at(ri.cond_line, exc.pos), "rule", ri.name,
                         _col_at(None if ri.exceptions else ri.cond_col, exc.pos))
            return None
        self.condition_warnings(compiled.node, ri)
        if ri.source == "syscall" and ri.warn_evttypes:
            ev = compiled.event_types
            if ev is None or not ev or len(ev) > 100:
                self.warn(m.WARN_NO_EVTTYPE,
                          "Rule matches too many evt.type values. This has a significant performance penalty.",
                          ri.file, ri.line, "rule", ri.name)
        return Rule(
            name=ri.name, desc=ri.desc, condition=ri.cond, expanded_condition=expanded, output=ri.output,
            priority=ri.priority, source=ri.source, enabled=ri.enabled, tags=tuple(sorted(ri.tags)),
            exceptions=tuple(ri.exceptions), warn_evttypes=ri.warn_evttypes,
            skip_if_unknown_filter=ri.skip_if_unknown_filter, capture=ri.capture,
            capture_duration=ri.capture_duration, index=ri.index, file=ri.file, line=ri.line, filter=compiled,
            output_format=out_fmt,
        )

    def condition_warnings(self, node: Node, ri: _RuleInfo) -> None:
        for sub in walk(node):
            if not isinstance(sub, Check):
                continue
            right = sub.right
            vals = right.values if isinstance(right, ListValue) else (right,) if isinstance(right, Value) else ()
            if sub.op in ("=", "==", "!=") and any(v.text == "<NA>" for v in vals):
                self.warn(m.WARN_UNSAFE_NA_CHECK,
                          "Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the "
                          "rule condition. If you need to check for the existence of a field, consider using the "
                          "'exists' operator instead.", ri.file, ri.cond_line, "rule", ri.name)
                return

    def unused_warnings(self) -> None:
        for mi in sorted(self.col.macros.values(), key=lambda x: x.index):
            if mi.name not in self.used_macros and mi.name in self.macro_asts:
                self.warn(m.WARN_UNUSED_MACRO, "Macro not referred to by any other rule/macro", mi.file, mi.line,
                          "macro", mi.name)
        for li in sorted(self.col.lists.values(), key=lambda x: x.index):
            if li.name not in self.used_lists:
                self.warn(m.WARN_UNUSED_LIST, "List not referred to by any other rule/macro", li.file, li.line,
                          "list", li.name)


def _is_macro_error(reason: str) -> bool:
    return reason.startswith(("Undefined macro", "Macro '"))


def _col_at(col: int | None, pos: Pos | None) -> int | None:
    """The file column of a position in a condition: exact on the first line of a one-line scalar."""
    if pos is None:
        return None
    if col is not None and pos.line == 1:
        return col + pos.col - 1
    return pos.col


def _at(line: int | None, pos: Pos | None) -> int | None:
    if line is None:
        return None
    if pos is None:
        return line
    return line + pos.line - 1


# ---------------------------------------------------------------------------------------------------------------
# API


def load_rules_text(
    sources: str | Sequence[tuple[str, str]],
    tables: Mapping[str, FieldTable],
    *,
    name: str = "<rules>",
) -> LoadResult:
    """Load rule files given as text: one text, or ``(file name, text)`` pairs merged in order."""
    docs = [(name, sources)] if isinstance(sources, str) else list(sources)
    col = _Collector(tables)
    for fname, text in docs:
        if len(text) > MAX_FILE_BYTES:
            col.errors.append(LoadMessage("error", m.ERR_FILE_READ,
                                          f"file is too large ({len(text)} bytes; the limit is {MAX_FILE_BYTES})",
                                          fname))
            continue
        _Reader(col, fname).read(text)
    return _finish(col, tuple(f for f, _ in docs))


def load_rules(paths: Sequence[Path | str], tables: Mapping[str, FieldTable]) -> LoadResult:
    """Load rule files from disk, merged in the given order (Falco's ``-r a -r b``)."""
    col = _Collector(tables)
    names: list[str] = []
    for p in paths:
        path = Path(p)
        fname = str(path)
        names.append(fname)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                col.errors.append(LoadMessage("error", m.ERR_FILE_READ,
                                              f"file is too large ({size} bytes; the limit is {MAX_FILE_BYTES})",
                                              fname))
                continue
            with path.open("rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            col.errors.append(LoadMessage("error", m.ERR_FILE_READ,
                                          f"Could not open file {fname} for reading: {exc.strerror or exc}", fname))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            col.errors.append(LoadMessage("error", m.ERR_YAML_PARSE,
                                          f"invalid UTF-8 at byte {exc.start}", fname, line))
            continue
        _Reader(col, fname).read(text)
    return _finish(col, tuple(names))


def _finish(col: _Collector, files: tuple[str, ...]) -> LoadResult:
    comp = _Compiler(col)
    comp.compile_lists()
    comp.compile_macros()
    rules = comp.compile_rules()
    comp.unused_warnings()
    req = col.required_engine_version
    ruleset = Ruleset(
        rules=tuple(rules),
        lists=dict(comp.lists),
        macros={mi.name: mi.cond for mi in sorted(col.macros.values(), key=lambda x: x.index)},
        required_engine_version=f"{req[0]}.{req[1]}.{req[2]}" if req else None,
        required_plugin_versions=tuple(col.required_plugins),
    )
    return LoadResult(ruleset, tuple(col.errors), tuple(col.warnings), files)


__all__ = ["expand_exceptions", "load_rules", "load_rules_text", "substitute_list"]
