"""Wiring of the Rust analyzers: ``rust-audit`` (executables built with cargo-auditable), ``cargo-lock``.

``rust-audit`` stays silent about ELF files whose headers are broken: ``go-binary`` looks at the same
files and reports those once.
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
    failed,
    reading,
)
from stockade.analyzers._elf import ElfError, open_elf, wants_executable
from stockade.analyzers.rust.parse import parse_audit_section, parse_cargo_lock

SECTION = ".dep-v0"
MAX_SECTION = 4 * 1024 * 1024  # compressed
MAX_LOCKFILE = 16 * 1024 * 1024


def analyze_rust_audit(file: FileInput) -> AnalysisResult:
    try:
        with file.open() as stream:
            try:
                elf = open_elf(stream)
            except ElfError:
                return EMPTY
            if elf is None:
                return EMPTY
            section = elf.section(SECTION)
            if section is None:
                return EMPTY
            try:
                data = elf.read_section(section, MAX_SECTION)
            except ElfError as exc:
                return failed(file.path, f"cargo-auditable data: {exc}")
    except OSError as exc:
        return failed(file.path, f"cannot read file: {exc}")
    return parse_audit_section(file.path, data, RUST_AUDIT.id)


def wants_cargo_lock(path: str, size: int, mode: int) -> bool:
    return path == "Cargo.lock" or path.endswith("/Cargo.lock")


def _cargo_lock(path: str, data: bytes) -> AnalysisResult:
    return parse_cargo_lock(path, decode(data), CARGO_LOCK.id)


RUST_AUDIT = FunctionAnalyzer("rust-audit", 1, INSTALLED, wants_executable, analyze_rust_audit)
CARGO_LOCK = FunctionAnalyzer("cargo-lock", 1, DECLARED, wants_cargo_lock, reading(_cargo_lock, MAX_LOCKFILE))

ANALYZERS = (RUST_AUDIT, CARGO_LOCK)
