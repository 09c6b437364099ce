"""Runs checks over resources, then applies suppressions and filters."""

from stockade.engine.evaluate import evaluate, iter_violations
from stockade.engine.suppress import IgnoreEntry, IgnoreFile, apply_suppressions, parse_ignorefile, read_ignorefile

__all__ = [
    "IgnoreEntry",
    "IgnoreFile",
    "apply_suppressions",
    "evaluate",
    "iter_violations",
    "parse_ignorefile",
    "read_ignorefile",
]
