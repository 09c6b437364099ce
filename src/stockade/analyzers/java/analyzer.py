"""Wiring of the Java analyzers: ``java-archive`` (installed archives), ``maven-pom`` (declared POMs)."""

from __future__ import annotations

from stockade.analyzers._base import DECLARED, INSTALLED, AnalysisResult, FileInput, FunctionAnalyzer, failed, reading
from stockade.analyzers.java.archive import ARCHIVE_SUFFIXES, scan_archive
from stockade.analyzers.java.parse import parse_pom

MAX_POM = 8 * 1024 * 1024


def wants_archive(path: str, size: int, mode: int) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def analyze_archive(file: FileInput) -> AnalysisResult:
    try:
        with file.open() as stream:
            return scan_archive(stream, file.path, JAVA_ARCHIVE.id)
    except OSError as exc:
        return failed(file.path, f"cannot read file: {exc}")


def wants_pom(path: str, size: int, mode: int) -> bool:
    return path == "pom.xml" or path.endswith("/pom.xml")


def _pom(path: str, data: bytes) -> AnalysisResult:
    return parse_pom(path, data, MAVEN_POM.id)


JAVA_ARCHIVE = FunctionAnalyzer("java-archive", 1, INSTALLED, wants_archive, analyze_archive)
MAVEN_POM = FunctionAnalyzer("maven-pom", 1, DECLARED, wants_pom, reading(_pom, MAX_POM))

ANALYZERS = (JAVA_ARCHIVE, MAVEN_POM)
