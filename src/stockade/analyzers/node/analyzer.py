"""Wiring of the Node.js parsers: which files each analyzer wants, and where it runs."""

from __future__ import annotations

from stockade.analyzers._base import DECLARED, INSTALLED, Analyzer, FunctionAnalyzer, reading
from stockade.analyzers.node import parse


def _project_file(path: str, *names: str) -> bool:
    """A file named one of ``names`` that belongs to a project, not to a package installed in node_modules."""
    base = path.rpartition("/")[2]
    return base in names and "node_modules/" not in path


def wants_package_json(path: str, size: int, mode: int) -> bool:
    """``node_modules/<name>/package.json`` or ``node_modules/@scope/<name>/package.json``, at any depth."""
    if not path.endswith("package.json") or "node_modules/" not in path:
        return False
    parts = path.split("/")
    if len(parts) < 3 or parts[-1] != "package.json":
        return False
    if parts[-3] == "node_modules":
        return not parts[-2].startswith((".", "@"))
    return len(parts) >= 4 and parts[-4] == "node_modules" and parts[-3].startswith("@") and parts[-2][:1] != "."


def wants_package_lock(path: str, size: int, mode: int) -> bool:
    return _project_file(path, "package-lock.json", "npm-shrinkwrap.json")


def wants_yarn_lock(path: str, size: int, mode: int) -> bool:
    return _project_file(path, "yarn.lock")


def wants_pnpm_lock(path: str, size: int, mode: int) -> bool:
    return _project_file(path, "pnpm-lock.yaml")


ANALYZERS: tuple[Analyzer, ...] = (
    FunctionAnalyzer(parse.PACKAGE_JSON, 1, INSTALLED, wants_package_json, reading(parse.parse_package_json)),
    FunctionAnalyzer(parse.NPM_LOCK, 1, DECLARED, wants_package_lock, reading(parse.parse_package_lock)),
    FunctionAnalyzer(parse.YARN_LOCK, 1, DECLARED, wants_yarn_lock, reading(parse.parse_yarn_lock)),
    FunctionAnalyzer(parse.PNPM_LOCK, 1, DECLARED, wants_pnpm_lock, reading(parse.parse_pnpm_lock)),
)
