"""Wiring of the apk analyzer (id ``apk``): ``lib/apk/db/installed`` -> installed ``apk`` packages and the
files they own. The purl is left empty: :func:`stockade.analyzers._ospurl.os_purl` builds it once the
distribution (Alpine, Wolfi, Chainguard) is known.
"""

from __future__ import annotations

from stockade.analyzers._base import INSTALLED, AnalysisResult, FileInput, FileTooLarge, FunctionAnalyzer, failed
from stockade.analyzers.apk.parse import parse_installed

INSTALLED_DB = "lib/apk/db/installed"


def _wants(path: str, size: int, mode: int) -> bool:
    return path == INSTALLED_DB


def _analyze(file: FileInput) -> AnalysisResult:
    try:
        data = file.read()
    except FileTooLarge as exc:
        return failed(file.path, str(exc))
    return parse_installed(file.path, data, found_by="apk")


APK = FunctionAnalyzer(id="apk", version=1, targets=INSTALLED, want=_wants, parse=_analyze)

ANALYZERS = (APK,)
