"""Rule files (YAML) -> RuleSet. Every problem names file, line and rule; a broken file is a ConfigError
listing all of them at once.

The built-in file and user files share one format; user files may also ``disable`` or ``enable`` built-in
rules, drop the built-in global allowlist (``disable-allow: true``) and replace a built-in rule by defining
one with the same id or name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from stockade.model import Severity
from stockade.secrets.model import Allowlist, SecretRule
from stockade.secrets.ruleset import RULE_SEVERITIES, RuleSet, rule_problems, rules_error

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - only where libyaml is missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

BUILTIN_NAME = "stockade/secrets/rules/builtin.yaml"
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_EVENTS = 2_000_000
MAX_NODES = 500_000

TOP_KEYS = ("version", "allow", "rules")
USER_KEYS = ("disable", "enable", "disable-allow")
RULE_KEYS = (
    "id", "name", "title", "severity", "category", "keywords", "regex", "secret_group", "entropy", "paths",
    "allow", "source", "remediation", "max_length",
)  # fmt: skip
REQUIRED_KEYS = ("id", "name", "title", "severity", "category", "keywords", "regex")
ALLOW_KEYS = ("paths", "regexes", "stopwords")

Problem = tuple[tuple[str, int | None], str, str]  # ((file, line), rule id, message)


@dataclass
class RuleFile:
    """One parsed rule file: its rules and settings, and every problem found (file, line, rule, message)."""

    path: str
    rules: list[SecretRule] = field(default_factory=list)
    allow: Allowlist = field(default_factory=Allowlist)
    disable: list[tuple[str, int]] = field(default_factory=list)
    enable: list[tuple[str, int]] | None = None
    disable_allow: bool = False
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int | None, message: str, rule_id: str = "") -> None:
        self.problems.append(((self.path, line), rule_id, message))


def load_rules(files: Sequence[Path] = (), *, builtin: bool = True) -> RuleSet:
    """The built-in rules (unless ``builtin`` is False) adjusted by user rule files, compiled once.

    Raises ConfigError listing every problem (file:line: rule ID: message) when any file is invalid."""
    return _load_rules(files, builtin_rules() if builtin else None)


def builtin_rules() -> tuple[str, bytes]:
    """(display name, bytes) of the built-in rule file shipped with stockade."""
    data = resources.files("stockade.secrets").joinpath("rules/builtin.yaml").read_bytes()
    return BUILTIN_NAME, data


def _load_rules(files: Sequence[Path], builtin: tuple[str, bytes] | None) -> RuleSet:
    problems: list[Problem] = []
    base = RuleFile(BUILTIN_NAME)
    if builtin is not None:
        base = parse_rule_file(builtin[1], builtin[0], builtin=True)
        problems.extend(base.problems)
    users: list[RuleFile] = []
    for path in files:
        users.append(read_rule_file(Path(path)))
        problems.extend(users[-1].problems)

    by_key: dict[str, SecretRule] = {}
    for rule in base.rules:
        by_key.setdefault(rule.id, rule)
        by_key.setdefault(rule.name, rule)

    final: list[SecretRule] = list(base.rules)
    enables = [(item, uf) for uf in users if uf.enable is not None for item in uf.enable]
    if any(uf.enable is not None for uf in users):
        chosen: set[str] = set()
        for (key, line), uf in enables:
            target = by_key.get(key)
            if target is None:
                uf.problem(line, f"enable: no built-in rule has id or name {key!r}")
                problems.append(uf.problems[-1])
            else:
                chosen.add(target.id)
        final = [r for r in final if r.id in chosen]

    seen: dict[str, SecretRule] = {}
    for uf in users:
        for rule in uf.rules:
            where = _line_of(rule)
            clash = seen.get(rule.id) or seen.get(rule.name)
            if clash is not None:
                problems.append(((uf.path, where), rule.id, f"id or name already defined at {clash.origin}"))
                continue
            seen[rule.id] = seen[rule.name] = rule
            by_id, by_name = by_key.get(rule.id), by_key.get(rule.name)
            if by_id is not None and by_name is not None and by_id is not by_name:
                problems.append(((uf.path, where), rule.id, f"id matches built-in rule {by_id.id} ({by_id.name}) but "
                                 f"name matches built-in rule {by_name.id} ({by_name.name}); a replacement must "
                                 "match one rule"))
                continue
            target = by_id or by_name
            index = next((i for i, r in enumerate(final) if target is not None and r.id == target.id), None)
            if index is None:
                final.append(rule)
            else:
                final[index] = rule  # same id or name as a built-in rule: replaces it

    for uf in users:
        for key, line in uf.disable:
            known = any(key in (r.id, r.name) for r in (*base.rules, *final))
            if not known:
                problems.append(((uf.path, line), "", f"disable: no rule has id or name {key!r}"))
            final = [r for r in final if key not in (r.id, r.name)]

    allow = Allowlist() if any(uf.disable_allow for uf in users) else base.allow
    for uf in users:
        allow = allow.merged(uf.allow)
    if problems:
        raise rules_error(problems)
    return RuleSet(tuple(final), allow)


def _line_of(rule: SecretRule) -> int | None:
    _, _, line = rule.origin.rpartition(":")
    return int(line) if line.isdigit() else None


def read_rule_file(path: Path) -> RuleFile:
    """Read and parse a user rule file; unreadable or oversized files come back as a problem."""
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            uf = RuleFile(shown)
            uf.problem(None, f"rule file is {size} bytes; at most {MAX_FILE_BYTES} are allowed")
            return uf
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        uf = RuleFile(shown)
        uf.problem(None, f"cannot read rule file: {exc.strerror or exc}")
        return uf
    return parse_rule_file(data, shown, builtin=False)


# --- parsing -------------------------------------------------------------------------------------------


def parse_rule_file(data: bytes, path: str, *, builtin: bool) -> RuleFile:
    """Parse one rule file's bytes; problems are collected in the result, never raised."""
    uf = RuleFile(path)
    if len(data) > MAX_FILE_BYTES:
        uf.problem(None, f"rule file is larger than {MAX_FILE_BYTES} bytes")
        return uf
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        uf.problem(data.count(b"\n", 0, exc.start) + 1, f"not valid UTF-8 (byte {data[exc.start]:#04x})")
        return uf
    root = _compose(text, uf)
    if root is None:
        return uf
    _File(uf, builtin).top(root)
    return uf


def _compose(text: str, uf: RuleFile) -> Any:
    """The document's root node, after a bounded pass over the event stream (depth, size)."""
    try:
        depth = 0
        for events, event in enumerate(yaml.parse(text, Loader=_Loader), 1):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    uf.problem(_mark_line(event.start_mark), f"nested more than {MAX_DEPTH} levels deep")
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if events > MAX_EVENTS:
                uf.problem(_mark_line(event.start_mark), "too many YAML nodes")
                return None
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        uf.problem(mark.line + 1 if mark else None, f"not valid YAML: {exc.problem or exc}")
        return None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow (NUL, other controls)
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", None) or str(exc)
        uf.problem(line, f"not valid YAML: {reason}")
        return None
    if root is None:
        uf.problem(1, "empty rule file (expected a mapping with version: 1 and rules)")
    return root


def _mark_line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None else None


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class _Invalid(Exception):
    pass


class _File:
    """Walks one composed document, with a budget on nodes visited (aliases cannot blow it up)."""

    def __init__(self, uf: RuleFile, builtin: bool) -> None:
        self.uf = uf
        self.builtin = builtin
        self.budget = MAX_NODES
        self.constructor = yaml.SafeLoader("")
        self.seen: dict[str, int] = {}  # rule ids and names -> line of the rule defining them

    def problem(self, node: Any, message: str, rule_id: str = "") -> None:
        self.uf.problem(node.start_mark.line + 1 if node is not None else None, message, rule_id)

    def spend(self, node: Any) -> None:
        self.budget -= 1
        if self.budget < 0:
            self.problem(node, "too many YAML nodes (alias expansion?)")
            raise _Invalid

    # -- typed values --

    def mapping(self, node: Any, what: str, keys: Sequence[str], rule_id: str = "") -> dict[str, tuple[Any, Any]]:
        """{key: (key node, value node)}; unknown and duplicate keys are problems."""
        self.spend(node)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping", rule_id)
            return {}
        out: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            self.spend(key_node)
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in keys:
                shown = key if isinstance(key, str) else "a non-scalar key"
                self.problem(key_node, f"unknown key {shown!r} in {what} (expected one of {', '.join(keys)})",
                             rule_id)
                continue
            if key in out:
                self.problem(key_node, f"duplicate key {key!r} in {what}", rule_id)
                continue
            out[key] = (key_node, value_node)
        return out

    def scalar(self, node: Any) -> Any:
        self.spend(node)
        if not isinstance(node, yaml.ScalarNode):
            return _NotScalar
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in (_INT, _FLOAT, _BOOL, _NULL):
            try:
                return self.constructor.construct_object(node)
            except (ValueError, yaml.YAMLError):
                return node.value
        return node.value

    def string(self, node: Any, what: str, rule_id: str = "") -> str | None:
        value = self.scalar(node)
        if not isinstance(value, str):
            self.problem(node, f"{what} must be a string, not {_kind(value)}", rule_id)
            return None
        return value

    def strings(self, node: Any, what: str, rule_id: str = "") -> tuple[str, ...]:
        self.spend(node)
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list of strings", rule_id)
            return ()
        out = []
        for item in node.value:
            value = self.string(item, f"each item of {what}", rule_id)
            if value is not None:
                out.append(value)
        return tuple(out)

    def allowlist(self, node: Any, what: str, rule_id: str = "") -> Allowlist:
        fields = self.mapping(node, what, ALLOW_KEYS, rule_id)
        values = {key: self.strings(v, f"{what}.{key}", rule_id) for key, (_, v) in fields.items()}
        return Allowlist(values.get("paths", ()), values.get("regexes", ()), values.get("stopwords", ()))

    # -- the document --

    def top(self, root: Any) -> None:
        keys = TOP_KEYS if self.builtin else TOP_KEYS + USER_KEYS
        try:
            fields = self.mapping(root, "the rule file", keys)
            if not fields and not isinstance(root, yaml.MappingNode):
                return
            if "version" not in fields:
                self.problem(root, "version is missing (expected version: 1)")
            else:
                version = self.scalar(fields["version"][1])
                if version != 1 or isinstance(version, bool):
                    self.problem(fields["version"][1], f"unsupported version {version!r} (expected 1)")
            if "allow" in fields:
                self.uf.allow = self.allowlist(fields["allow"][1], "allow")
            if "rules" in fields:
                node = fields["rules"][1]
                self.spend(node)
                if isinstance(node, yaml.SequenceNode):
                    for item in node.value:
                        self.rule(item)
                elif not (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
                    self.problem(node, "rules must be a list of rules")
            elif self.builtin:
                self.problem(root, "rules is missing")
            for key in ("disable", "enable"):
                if key in fields:
                    node = fields[key][1]
                    items = self.strings(node, key)
                    lines = [n.start_mark.line + 1 for n in node.value] if isinstance(node, yaml.SequenceNode) else []
                    pairs = list(zip(items, lines, strict=False))
                    if key == "disable":
                        self.uf.disable = pairs
                    else:
                        self.uf.enable = pairs
            if "disable-allow" in fields:
                node = fields["disable-allow"][1]
                value = self.scalar(node)
                if not isinstance(value, bool):
                    self.problem(node, f"disable-allow must be true or false, not {_kind(value)}")
                else:
                    self.uf.disable_allow = value
        except _Invalid:
            return

    def rule(self, node: Any) -> None:
        rule_id = ""
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode):
                    rule_id = str(value_node.value)
        fields = self.mapping(node, "a rule", RULE_KEYS, rule_id)
        if not isinstance(node, yaml.MappingNode):
            return
        before = len(self.uf.problems)
        bad: set[str] = set()  # fields with a problem already reported (or missing)

        def fail(key: str, value_node: Any, message: str) -> None:
            bad.add(key)
            self.problem(value_node, message, rule_id)

        for key in REQUIRED_KEYS:
            if key not in fields:
                fail(key, node, f"{key} is missing")
        text: dict[str, str] = {}
        for key in ("id", "name", "title", "category", "regex", "source", "remediation"):
            if key in fields:
                value = self.string(fields[key][1], key, rule_id)
                if value is None:
                    bad.add(key)
                else:
                    text[key] = value
        severity = Severity.LOW
        if "severity" in fields:
            value_node = fields["severity"][1]
            value = self.string(value_node, "severity", rule_id)
            try:
                severity = Severity.parse(value) if value is not None else Severity.UNKNOWN
            except ValueError:
                severity = Severity.UNKNOWN
            if value is None:
                bad.add("severity")
            elif severity not in RULE_SEVERITIES:
                fail("severity", value_node, f"severity {value!r} is not one of CRITICAL, HIGH, MEDIUM, LOW")
        keywords: tuple[str, ...] = ()
        paths: tuple[str, ...] = ()
        for key in ("keywords", "paths"):
            if key in fields:
                count = len(self.uf.problems)
                values = self.strings(fields[key][1], key, rule_id)
                if len(self.uf.problems) > count:
                    bad.add(key)
                if key == "keywords":
                    keywords = values
                else:
                    paths = values
        allow = Allowlist()
        if "allow" in fields:
            count = len(self.uf.problems)
            allow = self.allowlist(fields["allow"][1], "allow", rule_id)
            if len(self.uf.problems) > count:
                bad.add("allow")
        group: int | str = 0
        if "secret_group" in fields:
            value_node = fields["secret_group"][1]
            value = self.scalar(value_node)
            if isinstance(value, bool) or not isinstance(value, int | str):
                fail("secret_group", value_node, f"secret_group must be a group number or name, not {_kind(value)}")
            else:
                group = value
        entropy: float | None = None
        if "entropy" in fields:
            value_node = fields["entropy"][1]
            value = self.scalar(value_node)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                fail("entropy", value_node, f"entropy must be a number (bits per character), not {_kind(value)}")
            else:
                entropy = float(value)
        max_length: int | None = None
        if "max_length" in fields:
            value_node = fields["max_length"][1]
            value = self.scalar(value_node)
            if isinstance(value, bool) or not isinstance(value, int):
                fail("max_length", value_node, f"max_length must be a whole number of bytes, not {_kind(value)}")
            else:
                max_length = value
        line = node.start_mark.line + 1
        rule = SecretRule(
            id=text.get("id", rule_id or "?"),
            name=text.get("name", "?"),
            title=text.get("title", "?"),
            severity=severity,
            category=text.get("category", "?"),
            keywords=keywords,
            regex=text.get("regex", "x"),
            secret_group=group,
            entropy=entropy,
            paths=paths,
            allow=allow,
            source=text.get("source", ""),
            remediation=text.get("remediation", ""),
            max_length=max_length,
            origin=f"{self.uf.path}:{line}",
        )
        lines = {key: k.start_mark.line + 1 for key, (k, _) in fields.items()}
        for message in rule_problems(rule, builtin=self.builtin):
            about = _field_for(message)
            if "regex" in bad and about in (None, "regex", "keywords", "secret_group", "max_length"):
                continue  # these depend on a regex that is missing or not a string
            if about not in bad:
                self.uf.problem(lines.get(about or "", line), message, rule.id)
        for key in ("id", "name"):
            name = text.get(key)
            if name is None:
                continue
            other = self.seen.get(name)
            if other is not None:
                self.uf.problem(lines.get(key, line), f"duplicate {key} {name!r}: already used by the rule at "
                                f"{self.uf.path}:{other}", rule.id)
            else:
                self.seen[name] = line
        if len(self.uf.problems) == before:
            self.uf.rules.append(rule)


class _NotScalarType:
    def __repr__(self) -> str:
        return "a list or mapping"


_NotScalar = _NotScalarType()


def _kind(value: Any) -> str:
    if value is _NotScalar:
        return "a list or mapping"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}"


_FIELD_OF_MESSAGE = (
    ("keyword", "keywords"), ("regex", "regex"), ("invalid regex", "regex"), ("secret_group", "secret_group"),
    ("allow", "allow"), ("paths", "paths"), ("id ", "id"), ("name ", "name"), ("title", "title"),
    ("severity", "severity"), ("category", "category"), ("entropy", "entropy"), ("max_length", "max_length"),
    ("source", "source"),
)  # fmt: skip


def _field_for(message: str) -> str | None:
    """The rule field a compile-time problem is about (for its line), from the message's first words."""
    for prefix, key in _FIELD_OF_MESSAGE:
        if message.startswith(prefix):
            return key
    return None
