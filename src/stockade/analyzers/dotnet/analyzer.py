"""Wiring of the .NET analyzers: ``dotnet-deps`` (built applications), ``nuget-lock`` (lockfiles)."""

from __future__ import annotations

from stockade.analyzers._base import DECLARED, INSTALLED, AnalysisResult, FunctionAnalyzer, reading
from stockade.analyzers.dotnet.parse import parse_deps_json, parse_packages_lock

MAX_JSON = 32 * 1024 * 1024


def wants_deps_json(path: str, size: int, mode: int) -> bool:
    return path.endswith(".deps.json")


def wants_packages_lock(path: str, size: int, mode: int) -> bool:
    return path == "packages.lock.json" or path.endswith("/packages.lock.json")


def _deps_json(path: str, data: bytes) -> AnalysisResult:
    return parse_deps_json(path, data, DOTNET_DEPS.id)


def _packages_lock(path: str, data: bytes) -> AnalysisResult:
    return parse_packages_lock(path, data, NUGET_LOCK.id)


DOTNET_DEPS = FunctionAnalyzer("dotnet-deps", 1, INSTALLED, wants_deps_json, reading(_deps_json, MAX_JSON))
NUGET_LOCK = FunctionAnalyzer("nuget-lock", 1, DECLARED, wants_packages_lock, reading(_packages_lock, MAX_JSON))

ANALYZERS = (DOTNET_DEPS, NUGET_LOCK)
