"""Package inventory plug-ins, one folder per ecosystem (``parse.py`` pure, ``analyzer.py`` wiring).

Each folder's ``analyzer`` module exports ``ANALYZERS``, a tuple of :class:`Analyzer`. The built-in set is
the explicit list :data:`ECOSYSTEMS`; third parties add theirs through the ``stockade.analyzers`` entry
point group. Nothing registers itself on import, and nothing is imported until an inventory runs.
"""

from __future__ import annotations

import importlib

from stockade.analyzers._base import (
    DECLARED,
    EVERYWHERE,
    FILESYSTEM,
    IMAGE,
    INSTALLED,
    MAX_READ,
    ROOTFS,
    AnalysisResult,
    Analyzer,
    BytesFile,
    FileInput,
    FileTooLarge,
    FunctionAnalyzer,
)
from stockade.registry import Registry, load_entry_points

ECOSYSTEMS = (
    "osrelease",
    "dpkg",
    "apk",
    "rpm",
    "python",
    "node",
    "ruby",
    "php",
    "golang",
    "rust",
    "java",
    "dotnet",
)


def builtin_analyzers() -> tuple[Analyzer, ...]:
    found: list[Analyzer] = []
    for name in ECOSYSTEMS:
        module = importlib.import_module(f"stockade.analyzers.{name}.analyzer")
        found.extend(module.ANALYZERS)
    return tuple(found)


def _is_analyzer(obj: object) -> bool:
    return all(hasattr(obj, attr) for attr in ("id", "version", "targets", "wants", "analyze"))


def analyzer_registry(*, plugins: bool = True) -> Registry[Analyzer]:
    registry: Registry[Analyzer] = Registry("analyzer", builtin_analyzers(), lambda a: a.id)
    if plugins:
        for item in load_entry_points("stockade.analyzers", _is_analyzer):
            registry.add(item)
    return registry


__all__ = [
    "DECLARED",
    "ECOSYSTEMS",
    "EVERYWHERE",
    "FILESYSTEM",
    "IMAGE",
    "INSTALLED",
    "MAX_READ",
    "ROOTFS",
    "AnalysisResult",
    "Analyzer",
    "BytesFile",
    "FileInput",
    "FileTooLarge",
    "FunctionAnalyzer",
    "analyzer_registry",
    "builtin_analyzers",
]
