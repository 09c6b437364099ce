"""Wiring of the apk analyzer (id ``apk``): ``lib/apk/db/installed`` -> installed ``apk`` packages and the
files they own. The purl is left empty: :func:`stockade.analyzers._ospurl.os_purl` builds it once the
distribution (Alpine, Wolfi, Chainguard) is known.
"""

from __future__ import annotations

from stockade.analyzers._base import INSTALLED, AnalysisResult, FunctionAnalyzer, reading
from stockade.analyzers.apk.parse import parse_installed

INSTALLED_DB = "lib/apk/db/installed"


def _wants(path: str, size: int, mode: int) -> bool:
    return path == INSTALLED_DB


def _parse(path: str, data: bytes) -> AnalysisResult:
    return parse_installed(path, data, found_by="apk")


APK = FunctionAnalyzer(id="apk", version=1, targets=INSTALLED, want=_wants, parse=reading(_parse))

ANALYZERS = (APK,)
