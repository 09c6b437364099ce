"""Wiring of the Go analyzers: ``go-binary`` (installed executables), ``go-mod`` (declared modules).

``go-binary`` reads ELF executables only (Linux images); Mach-O and PE files give nothing.

``go-sum`` parses go.sum files but is not in :data:`ANALYZERS`: go.sum is only a fallback for a directory
without go.mod, and an analyzer sees one file at a time, so it cannot tell; running it next to ``go-mod``
would report every module twice.
"""

from __future__ import annotations

from stockade.analyzers._base import (
    DECLARED,
    EMPTY,
    INSTALLED,
    AnalysisResult,
    FileInput,
    FunctionAnalyzer,
    decode,
    diagnostic,
    failed,
    reading,
)
from stockade.analyzers._elf import ElfError, open_elf, wants_executable
from stockade.analyzers.golang.buildinfo import BuildInfoError, read_buildinfo
from stockade.analyzers.golang.parse import parse_go_mod, parse_go_sum, parse_modinfo

MAX_MANIFEST = 8 * 1024 * 1024


def analyze_go_binary(file: FileInput) -> AnalysisResult:
    """Packages of a Go executable; also the one place that reports ELF files with broken headers."""
    try:
        with file.open() as stream:
            try:
                elf = open_elf(stream)
            except ElfError as exc:
                return failed(file.path, f"unreadable ELF file: {exc}")
            if elf is None:
                return EMPTY
            problems = tuple(diagnostic(file.path, f"ELF file: {problem}") for problem in elf.problems)
            try:
                found = read_buildinfo(elf)
            except BuildInfoError as exc:
                return AnalysisResult(diagnostics=(*problems, diagnostic(file.path, str(exc))))
    except OSError as exc:
        return failed(file.path, f"cannot read file: {exc}")
    if found is None:
        return AnalysisResult(diagnostics=problems)
    go_version, modinfo = found
    result = parse_modinfo(file.path, go_version, modinfo, GO_BINARY.id)
    return AnalysisResult(result.packages, (*problems, *result.diagnostics))


def wants_go_mod(path: str, size: int, mode: int) -> bool:
    return path == "go.mod" or path.endswith("/go.mod")


def wants_go_sum(path: str, size: int, mode: int) -> bool:
    return path == "go.sum" or path.endswith("/go.sum")


def _go_mod(path: str, data: bytes) -> AnalysisResult:
    return parse_go_mod(path, decode(data), GO_MOD.id)


def _go_sum(path: str, data: bytes) -> AnalysisResult:
    return parse_go_sum(path, decode(data), GO_SUM.id)


GO_BINARY = FunctionAnalyzer("go-binary", 1, INSTALLED, wants_executable, analyze_go_binary)
GO_MOD = FunctionAnalyzer("go-mod", 1, DECLARED, wants_go_mod, reading(_go_mod, MAX_MANIFEST))
GO_SUM = FunctionAnalyzer("go-sum", 1, DECLARED, wants_go_sum, reading(_go_sum, MAX_MANIFEST))

ANALYZERS = (GO_BINARY, GO_MOD)
