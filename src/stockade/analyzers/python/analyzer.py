"""Wiring of the Python parsers: which files each analyzer wants, and where it runs."""

from __future__ import annotations

from collections.abc import Callable

from stockade.analyzers._base import (
    DECLARED,
    INSTALLED,
    AnalysisResult,
    Analyzer,
    FileInput,
    FileTooLarge,
    FunctionAnalyzer,
    failed,
)
from stockade.analyzers.python import parse


def _reading(parser: parse.Parser) -> Callable[[FileInput], AnalysisResult]:
    def run(file: FileInput) -> AnalysisResult:
        try:
            data = file.read()
        except FileTooLarge as exc:
            return failed(file.path, str(exc))
        except OSError as exc:
            return failed(file.path, f"could not read the file: {exc}")
        return parser(file.path, data)

    return run


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
    FunctionAnalyzer(parse.DIST_INFO, 1, INSTALLED, wants_dist_info, _reading(parse.parse_dist_info)),
    FunctionAnalyzer(parse.EGG_INFO, 1, INSTALLED, wants_egg_info, _reading(parse.parse_egg_info)),
    FunctionAnalyzer(parse.REQUIREMENTS, 1, DECLARED, wants_requirements, _reading(parse.parse_requirements)),
    FunctionAnalyzer(parse.POETRY, 1, DECLARED, wants_poetry_lock, _reading(parse.parse_poetry_lock)),
    FunctionAnalyzer(parse.PIPENV, 1, DECLARED, wants_pipfile_lock, _reading(parse.parse_pipfile_lock)),
    FunctionAnalyzer(parse.UV, 1, DECLARED, wants_uv_lock, _reading(parse.parse_uv_lock)),
)
