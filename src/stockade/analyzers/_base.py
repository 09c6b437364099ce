"""The analyzer contract: what an analyzer is given and what it hands back.

An analyzer is a pure parser of a few kinds of files plus its wiring. The inventory runner streams each
layer (or walks a tree) once and, for every regular file, asks each analyzer whether it ``wants`` it (by
path, size and mode, never by content); only wanted files are read, and each one is analysed on its own.
Results are cached per layer under the analyzer's ``id`` and ``version``, so bump ``version`` whenever the
output for the same input changes.

Paths handed to analyzers are relative to the root, normalised, without a leading ``/``
(``var/lib/dpkg/status``). Packages and diagnostics use ``file.path`` as their location path; the runner
turns it into what the user sees (``/var/lib/dpkg/status`` in an image, ``app/poetry.lock`` in a tree) and
adds the layer.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from stockade.model import Diagnostic, DiagnosticLevel, Location, OSInfo, Package

# Targets an analyzer can run on.
IMAGE = "image"
ROOTFS = "rootfs"
FILESYSTEM = "filesystem"
INSTALLED = frozenset({IMAGE, ROOTFS})  # what is installed in a root filesystem
DECLARED = frozenset({FILESYSTEM})  # what a project declares (lockfiles)
EVERYWHERE = frozenset({IMAGE, ROOTFS, FILESYSTEM})

# The most any analyzer reads into memory at once through FileInput.read(); larger files are opened as
# seekable streams (spooled to the cache directory) by analyzers that can handle them.
MAX_READ = 64 * 1024 * 1024


class FileTooLarge(Exception):
    """``FileInput.read`` was asked for a file above its limit."""

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(f"{path}: {size} bytes is above the {limit} byte limit for this file type")
        self.path = path
        self.size = size
        self.limit = limit


class FileInput(Protocol):
    """One regular file of the artifact, as an analyzer sees it."""

    @property
    def path(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def mode(self) -> int:
        """Permission bits (``0o755``)."""
        ...

    def read(self, limit: int = MAX_READ) -> bytes:
        """The whole content; raises FileTooLarge when the file is larger than ``limit``."""
        ...

    def open(self) -> BinaryIO:
        """A seekable binary stream over the content (for zip and ELF readers); the caller closes it."""
        ...


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """What one analyzer found in one file.

    ``owned_files``: paths (relative, no leading ``/``) that OS package metadata says belong to OS packages,
    so language packages installed by the OS package manager are not reported twice.
    """

    packages: tuple[Package, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    os: OSInfo | None = None
    owned_files: tuple[str, ...] = ()


EMPTY = AnalysisResult()


class Analyzer(Protocol):
    """A package inventory plug-in (see the module docstring)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def targets(self) -> frozenset[str]:
        """Where it runs: a subset of {IMAGE, ROOTFS, FILESYSTEM}."""
        ...

    def wants(self, path: str, size: int, mode: int) -> bool: ...

    def analyze(self, file: FileInput) -> AnalysisResult: ...


@dataclass(frozen=True, slots=True)
class FunctionAnalyzer:
    """The common shape: a ``wants`` predicate and a pure parse function, wired together."""

    id: str
    version: int
    targets: frozenset[str]
    want: Callable[[str, int, int], bool]
    parse: Callable[[FileInput], AnalysisResult]

    def wants(self, path: str, size: int, mode: int) -> bool:
        return self.want(path, size, mode)

    def analyze(self, file: FileInput) -> AnalysisResult:
        return self.parse(file)


@dataclass(frozen=True, slots=True)
class BytesFile:
    """A FileInput over bytes in memory (tests, small files)."""

    path: str
    data: bytes
    mode: int = 0o644

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, limit: int = MAX_READ) -> bytes:
        if len(self.data) > limit:
            raise FileTooLarge(self.path, len(self.data), limit)
        return self.data

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


# --- helpers for parsers ----------------------------------------------------------------------------


def diagnostic(path: str, message: str, *, line: int | None = None, source: str = "inventory",
               level: DiagnosticLevel = DiagnosticLevel.WARNING) -> Diagnostic:
    """A diagnostic about ``path`` (the FileInput path), optionally at a 1-based line."""
    return Diagnostic(Location(path, line=line), source, level, message)


def failed(path: str, message: str, *, line: int | None = None, source: str = "inventory") -> AnalysisResult:
    """The result for a file that could not be parsed at all."""
    return AnalysisResult(diagnostics=(diagnostic(path, message, line=line, source=source),))


def decode(data: bytes) -> str:
    """Text of a metadata file: UTF-8, undecodable bytes replaced (never an exception)."""
    return data.decode("utf-8", errors="replace")


def load_json(data: bytes) -> tuple[Any, str | None]:
    """Parse JSON safely (bounded nesting, no exceptions): ``(value, None)`` or ``(None, error message)``."""
    import orjson

    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc}"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"


def location(file: FileInput, line: int | None = None) -> tuple[Location, ...]:
    return (Location(file.path, line=line),)


def basename(path: str) -> str:
    return path.rpartition("/")[2]


def results(items: Iterable[AnalysisResult]) -> AnalysisResult:
    """Several results (e.g. of nested archives) as one."""
    packages: list[Package] = []
    diagnostics: list[Diagnostic] = []
    owned: list[str] = []
    os_info = None
    for item in items:
        packages.extend(item.packages)
        diagnostics.extend(item.diagnostics)
        owned.extend(item.owned_files)
        os_info = os_info or item.os
    return AnalysisResult(tuple(packages), tuple(diagnostics), os_info, tuple(owned))
