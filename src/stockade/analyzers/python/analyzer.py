"""Wiring of the Python parsers: which files each analyzer wants, and where it runs."""

from __future__ import annotations

from stockade.analyzers._base import DECLARED, INSTALLED, Analyzer, FunctionAnalyzer, reading
from stockade.analyzers.python import parse


def _named(path: str, name: str) -> bool:
    return path == name or path.endswith("/" + name)


def wants_dist_info(path: str, size: int, mode: int) -> bool:
    return path.endswith(".dist-info/METADATA")


def wants_egg_info(path: str, size: int, mode: int) -> bool:
    # PKG-INFO inside an .egg-info directory, or an .egg-info file written by old distutils
    return path.endswith((".egg-info/PKG-INFO", ".egg-info"))


def wants_requirements(path: str, size: int, mode: int) -> bool:
    """``requirements*.txt`` anywhere, and any ``*.txt`` directly inside a ``requirements/`` directory."""
    if not path.endswith(".txt") or "-packages/" in path or "node_modules/" in path:
        return False  # files shipped inside installed packages are not the project's requirements
    directory, _, base = path.rpartition("/")
    return base.startswith("requirements") or directory == "requirements" or directory.endswith("/requirements")


def wants_poetry_lock(path: str, size: int, mode: int) -> bool:
    return _named(path, "poetry.lock")


def wants_pipfile_lock(path: str, size: int, mode: int) -> bool:
    return _named(path, "Pipfile.lock")


def wants_uv_lock(path: str, size: int, mode: int) -> bool:
    return _named(path, "uv.lock")


ANALYZERS: tuple[Analyzer, ...] = (
    FunctionAnalyzer(parse.DIST_INFO, 1, INSTALLED, wants_dist_info, reading(parse.parse_dist_info)),
    FunctionAnalyzer(parse.EGG_INFO, 1, INSTALLED, wants_egg_info, reading(parse.parse_egg_info)),
    FunctionAnalyzer(parse.REQUIREMENTS, 1, DECLARED, wants_requirements, reading(parse.parse_requirements)),
    FunctionAnalyzer(parse.POETRY, 1, DECLARED, wants_poetry_lock, reading(parse.parse_poetry_lock)),
    FunctionAnalyzer(parse.PIPENV, 1, DECLARED, wants_pipfile_lock, reading(parse.parse_pipfile_lock)),
    FunctionAnalyzer(parse.UV, 1, DECLARED, wants_uv_lock, reading(parse.parse_uv_lock)),
)
