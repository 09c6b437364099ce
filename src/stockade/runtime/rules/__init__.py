"""Falco rule files: loading, merging, overrides and validation."""

from stockade.runtime.rules.loader import expand_exceptions, load_rules, load_rules_text, substitute_list
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

__all__ = [
    "ENGINE_VERSION",
    "ENGINE_VERSION_STR",
    "PROVIDED_PLUGINS",
    "ExceptionEntry",
    "LoadMessage",
    "LoadResult",
    "Priority",
    "Rule",
    "RuleException",
    "Ruleset",
    "expand_exceptions",
    "load_rules",
    "load_rules_text",
    "substitute_list",
]
