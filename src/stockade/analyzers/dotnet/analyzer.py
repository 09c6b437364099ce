"""Wiring of the .NET analyzers: ``dotnet-deps`` (built applications), ``nuget-lock`` (lockfiles)."""

from __future__ import annotations

from collections.abc import Callable

from stockade.analyzers._base import (
    DECLARED,
    INSTALLED,
    AnalysisResult,
    FileInput,
    FileTooLarge,
    FunctionAnalyzer,
    failed,
)
from stockade.analyzers.dotnet.parse import parse_deps_json, parse_packages_lock

MAX_JSON = 32 * 1024 * 1024


def wants_deps_json(path: str, size: int, mode: int) -> bool:
    return path.endswith(".deps.json")


def wants_packages_lock(path: str, size: int, mode: int) -> bool:
    return path == "packages.lock.json" or path.endswith("/packages.lock.json")


def _analyze(parse: Callable[[str, bytes, str], AnalysisResult], found_by: str, file: FileInput) -> AnalysisResult:
    try:
        data = file.read(MAX_JSON)
    except FileTooLarge as exc:
        return failed(file.path, str(exc))
    except OSError as exc:
        return failed(file.path, f"cannot read file: {exc}")
    return parse(file.path, data, found_by)


def analyze_deps_json(file: FileInput) -> AnalysisResult:
    return _analyze(parse_deps_json, DOTNET_DEPS.id, file)


def analyze_packages_lock(file: FileInput) -> AnalysisResult:
    return _analyze(parse_packages_lock, NUGET_LOCK.id, file)


DOTNET_DEPS = FunctionAnalyzer("dotnet-deps", 1, INSTALLED, wants_deps_json, analyze_deps_json)
NUGET_LOCK = FunctionAnalyzer("nuget-lock", 1, DECLARED, wants_packages_lock, analyze_packages_lock)

ANALYZERS = (DOTNET_DEPS, NUGET_LOCK)
