"""What a loaded rules set is made of: messages, priorities, compiled rules."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.runtime.filter import CompiledFilter, Node, OutputFormat

# Falco's engine version whose rule-file semantics this loader follows (Falco 0.45).
ENGINE_VERSION = (0, 63, 0)
ENGINE_VERSION_STR = "0.63.0"

# Plugins whose fields stockade's own sources provide, with the plugin version they stand for.
PROVIDED_PLUGINS: Mapping[str, str] = {"container": "0.6.0", "k8saudit": "0.16.0", "json": "0.7.0"}


class Priority(enum.IntEnum):
    """Falco's priorities; a lower value is more severe (EMERGENCY = 0 ... DEBUG = 7)."""

    EMERGENCY = 0
    ALERT = 1
    CRITICAL = 2
    ERROR = 3
    WARNING = 4
    NOTICE = 5
    INFORMATIONAL = 6
    DEBUG = 7

    @property
    def label(self) -> str:
        """The name as Falco prints it in alerts: ``Warning``, ``Informational``."""
        return self.name.capitalize()

    @classmethod
    def parse(cls, text: str) -> Priority | None:
        """Case-insensitive; ``info`` is an alias of ``informational``. None for an unknown name."""
        t = text.strip().lower()
        if t == "info":
            t = "informational"
        for p in cls:
            if p.name.lower() == t:
                return p
        return None

    def at_least(self, threshold: Priority) -> bool:
        """True when this priority is as severe as ``threshold`` or more."""
        return self.value <= threshold.value


# error and warning codes, as Falco names them
ERR_FILE_READ = "LOAD_ERR_FILE_READ"
ERR_YAML_PARSE = "LOAD_ERR_YAML_PARSE"
ERR_YAML_VALIDATE = "LOAD_ERR_YAML_VALIDATE"
ERR_COMPILE_CONDITION = "LOAD_ERR_COMPILE_CONDITION"
ERR_COMPILE_OUTPUT = "LOAD_ERR_COMPILE_OUTPUT"
ERR_VALIDATE = "LOAD_ERR_VALIDATE"

WARN_UNKNOWN_SOURCE = "LOAD_UNKNOWN_SOURCE"
WARN_UNSAFE_NA_CHECK = "LOAD_UNSAFE_NA_CHECK"
WARN_NO_EVTTYPE = "LOAD_NO_EVTTYPE"
WARN_UNKNOWN_FILTER = "LOAD_UNKNOWN_FILTER"
WARN_UNUSED_MACRO = "LOAD_UNUSED_MACRO"
WARN_UNUSED_LIST = "LOAD_UNUSED_LIST"
WARN_UNKNOWN_ITEM = "LOAD_UNKNOWN_ITEM"
WARN_DEPRECATED_ITEM = "LOAD_DEPRECATED_ITEM"
WARN_APPEND_NO_VALUES = "LOAD_APPEND_NO_VALUES"
WARN_EXCEPTION_NAME_NOT_UNIQUE = "LOAD_EXCEPTION_NAME_NOT_UNIQUE"
WARN_INVALID_MACRO_NAME = "LOAD_INVALID_MACRO_NAME"
WARN_INVALID_LIST_NAME = "LOAD_INVALID_LIST_NAME"
WARN_COMPILE_CONDITION = "LOAD_COMPILE_CONDITION"
WARN_UNKNOWN_KEY = "LOAD_UNKNOWN_KEY"

CODE_TITLES: Mapping[str, str] = {
    ERR_FILE_READ: "File read error",
    ERR_YAML_PARSE: "YAML parse error",
    ERR_YAML_VALIDATE: "Error validating internal structure of YAML file",
    ERR_COMPILE_CONDITION: "Error compiling condition",
    ERR_COMPILE_OUTPUT: "Error compiling output",
    ERR_VALIDATE: "Error validating rule/macro/list/exception objects",
    WARN_UNKNOWN_SOURCE: "Unknown event source",
    WARN_UNSAFE_NA_CHECK: "Unsafe <NA> comparison in condition",
    WARN_NO_EVTTYPE: "Condition has no event-type restriction",
    WARN_UNKNOWN_FILTER: "Unknown field or event-type in condition or output",
    WARN_UNUSED_MACRO: "Unused macro",
    WARN_UNUSED_LIST: "Unused list",
    WARN_UNKNOWN_ITEM: "Unknown rules file item",
    WARN_DEPRECATED_ITEM: "Used deprecated item",
    WARN_APPEND_NO_VALUES: "Overriding/appending with no values",
    WARN_EXCEPTION_NAME_NOT_UNIQUE: "Multiple exceptions defined with the same name",
    WARN_INVALID_MACRO_NAME: "Invalid macro name",
    WARN_INVALID_LIST_NAME: "Invalid list name",
    WARN_COMPILE_CONDITION: "Warning in rule condition",
    WARN_UNKNOWN_KEY: "Unknown key in item definition",
}


@dataclass(frozen=True, slots=True)
class LoadMessage:
    """One error or warning of a load, naming file, line, item and Falco's code."""

    level: str  # "error" | "warning"
    code: str
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    item_type: str | None = None  # "rule", "macro", "list", "exception", "required_engine_version", ...
    item_name: str | None = None

    @property
    def title(self) -> str:
        return CODE_TITLES.get(self.code, self.code)

    def text(self) -> str:
        """Falco-ish one-liner: ``file:line:col: error: message (rule 'X') [CODE]``."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        item = ""
        if self.item_type:
            item = f" ({self.item_type} '{self.item_name}')" if self.item_name is not None else f" ({self.item_type})"
        return f"{where}: {self.level}: {self.message}{item} [{self.code} ({self.title})]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "codedesc": self.title,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "item_type": self.item_type,
            "item_name": self.item_name,
        }

    def to_diagnostic(self) -> Diagnostic:
        level = DiagnosticLevel.ERROR if self.level == "error" else DiagnosticLevel.WARNING
        obj = f"{self.item_type} {self.item_name}" if self.item_type and self.item_name else (self.item_type or "")
        return Diagnostic(Location(self.file, self.line, self.column, obj), "runtime-rules", level,
                          f"{self.message} [{self.code}]")

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, slots=True)
class ExceptionEntry:
    """A value of an exception's fields/comps/values: a scalar or a (nested) list."""

    item: str = ""
    items: tuple[ExceptionEntry, ...] = ()
    is_list: bool = False


@dataclass(frozen=True, slots=True)
class RuleException:
    name: str
    fields: ExceptionEntry | None
    comps: ExceptionEntry | None
    values: tuple[ExceptionEntry, ...]
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule. ``condition`` is the text as written (with appends); ``expanded_condition`` adds the
    exceptions the way Falco does, before list substitution."""

    name: str
    desc: str
    condition: str
    expanded_condition: str
    output: str
    priority: Priority
    source: str
    enabled: bool
    tags: tuple[str, ...]
    exceptions: tuple[RuleException, ...]
    warn_evttypes: bool
    skip_if_unknown_filter: bool
    capture: bool
    capture_duration: int
    index: int  # evaluation order (first definition wins the position)
    file: str
    line: int | None
    filter: CompiledFilter = field(repr=False, compare=False)
    output_format: OutputFormat = field(repr=False, compare=False)

    @property
    def node(self) -> Node:
        return self.filter.node

    @property
    def event_types(self) -> frozenset[str] | None:
        return self.filter.event_types


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Every compiled rule of a load, in evaluation order, plus the lists and macros they were built from."""

    rules: tuple[Rule, ...]
    lists: Mapping[str, tuple[str, ...]]
    macros: Mapping[str, str]
    required_engine_version: str | None = None
    required_plugin_versions: tuple[tuple[tuple[str, str], ...], ...] = ()

    def rule(self, name: str) -> Rule | None:
        for r in self.rules:
            if r.name == name:
                return r
        return None

    def enabled_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The outcome of loading rule files: the ruleset plus every error and warning."""

    ruleset: Ruleset
    errors: tuple[LoadMessage, ...]
    warnings: tuple[LoadMessage, ...]
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> tuple[LoadMessage, ...]:
        return self.errors + self.warnings

    def text(self) -> str:
        """All messages, Falco-ish: one summary line per file, then one line per message."""
        lines = [f"{f}: {'Invalid' if any(e.file == f for e in self.errors) else 'Ok'}" for f in self.files]
        lines.extend(m.text() for m in self.messages())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": list(self.files),
            "rules": len(self.ruleset.rules),
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
        }
