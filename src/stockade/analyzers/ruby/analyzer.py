"""Wiring of the Ruby parsers: which files each analyzer wants, and where it runs."""

from __future__ import annotations

from stockade.analyzers._base import DECLARED, INSTALLED, Analyzer, FunctionAnalyzer, reading
from stockade.analyzers.ruby import parse


def wants_gemspec(path: str, size: int, mode: int) -> bool:
    """``<gem home>/specifications/*.gemspec``, and ``specifications/default/*.gemspec`` (default gems)."""
    if not path.endswith(".gemspec"):
        return False
    directory = path.rpartition("/")[0]
    if directory.endswith("/default") or directory == "default":
        directory = directory[: -len("default")].rstrip("/")
    return directory == "specifications" or directory.endswith("/specifications")


def wants_gemfile_lock(path: str, size: int, mode: int) -> bool:
    base = path.rpartition("/")[2]
    return base in ("Gemfile.lock", "gems.locked") and "node_modules/" not in path


ANALYZERS: tuple[Analyzer, ...] = (
    FunctionAnalyzer(parse.GEMSPEC, 1, INSTALLED, wants_gemspec, reading(parse.parse_gemspec)),
    FunctionAnalyzer(parse.GEMFILE_LOCK, 1, DECLARED, wants_gemfile_lock, reading(parse.parse_gemfile_lock)),
)
