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

import functools
import io
import itertools
import re
import tomllib
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

# The most diagnostics one file gets (see Problems); the rest are counted in one summary diagnostic.
MAX_DIAGNOSTICS = 50

# The deepest YAML nesting loaded (see load_yaml): the C YAML loader recurses without a limit and crashes
# the interpreter on input nested about 100,000 levels deep, so deeper input is refused before loading.
MAX_YAML_DEPTH = 1000


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

Parser = Callable[[str, bytes], AnalysisResult]
"""A pure parser: the FileInput path and the file's content in, what was found in it out."""


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


def basename(path: str) -> str:
    return path.rpartition("/")[2]


def clip(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks a cut), to quote input in a diagnostic."""
    return text if len(text) <= limit else text[:limit] + "..."


def unique_ids(purl_list: Iterable[str]) -> list[str]:
    """Package ids in file order: the purl, or ``purl|n`` for the n-th occurrence of a repeated one."""
    seen: dict[str, int] = {}
    ids: list[str] = []
    for purl in purl_list:
        count = seen.get(purl, 0)
        seen[purl] = count + 1
        ids.append(purl if count == 0 else f"{purl}|{count + 1}")
    return ids


class Problems:
    """The diagnostics of one file, capped so that a garbage file cannot flood the report.

    The first :data:`MAX_DIAGNOSTICS` problems are kept; the rest are only counted, and :meth:`done` ends
    the list with one diagnostic saying how many were left out.
    """

    __slots__ = ("dropped", "items", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[Diagnostic] = []
        self.dropped = 0

    def add(self, message: str, line: int | None = None, *, level: DiagnosticLevel = DiagnosticLevel.WARNING,
            where: str | None = None, always: bool = False) -> None:
        """Record a problem at a 1-based ``line``.

        ``where`` locates it at another path than the file's own (a member of an archive); ``always`` keeps
        it even past the cap (the one problem that explains an empty result).
        """
        if always or len(self.items) < MAX_DIAGNOSTICS:
            self.items.append(diagnostic(where or self.path, message, line=line, level=level))
        else:
            self.dropped += 1

    def done(self) -> tuple[Diagnostic, ...]:
        """The kept diagnostics, then the count of the others when there were any."""
        if self.dropped:
            return (*self.items, diagnostic(self.path, f"{self.dropped} more problems in this file not shown"))
        return tuple(self.items)


def never_raises(parse: Parser) -> Parser:
    """Decorate a parser so that it never raises: bad input is normal input.

    Whatever slips past the parser's own checks (deep recursion included) becomes a ``failed`` result
    saying the file could not be parsed, not an exception.
    """

    @functools.wraps(parse)
    def run(path: str, data: bytes) -> AnalysisResult:
        try:
            return parse(path, data)
        except RecursionError:
            return failed(path, "could not parse: nested too deeply")
        except Exception as exc:  # a parser never raises: report the input as unreadable instead
            return failed(path, f"could not parse: {type(exc).__name__}: {exc}")

    return run


def read_or_fail(file: FileInput, limit: int = MAX_READ) -> bytes | AnalysisResult:
    """The content of ``file``, or the ``failed`` result of a file that is too large or cannot be read."""
    try:
        return file.read(limit)
    except FileTooLarge as exc:
        return failed(file.path, str(exc))
    except OSError as exc:
        return failed(file.path, f"cannot read file: {exc}")


def reading(parser: Parser, limit: int = MAX_READ) -> Callable[[FileInput], AnalysisResult]:
    """The ``analyze`` function of an analyzer that reads the whole file (at most ``limit`` bytes) and parses it.

    A file that is too large or cannot be read gives a diagnostic (:func:`read_or_fail`), not an exception.
    """

    def run(file: FileInput) -> AnalysisResult:
        data = read_or_fail(file, limit)
        if isinstance(data, AnalysisResult):
            return data
        return parser(file.path, data)

    return run


_TOML_LINE = re.compile(r"at line (\d+)")


def load_toml(path: str, text: str) -> tuple[dict[str, Any] | None, AnalysisResult | None]:
    """Parse a TOML document: ``(table, None)``, or ``(None, failed result)`` located at the error's line."""
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) if found else text.count("\n") + 1 if "end of document" in str(exc) else None
        return None, failed(path, f"invalid TOML: {exc}", line=line)
    except RecursionError:
        return None, failed(path, "invalid TOML: nested too deeply")


_DEEP_BLOCK = re.compile(rf"^[ \t?-]{{{MAX_YAML_DEPTH},}}", re.MULTILINE)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def yaml_too_deep(text: str) -> bool:
    """Whether YAML text may nest deeper than :data:`MAX_YAML_DEPTH` (block indentation or flow brackets).

    It looks at indentation and brackets without parsing, so it errs on the side of refusing: a bracket
    inside a string counts, and so does a long indentation of a shallow document.
    """
    if _DEEP_BLOCK.search(text):
        return True
    brackets = _NOT_BRACKET.sub("", text)
    if brackets.count("[") + brackets.count("{") <= MAX_YAML_DEPTH:
        return False
    depth = itertools.accumulate(_BRACKET_STEP[char] for char in brackets)
    return max(depth, default=0) > MAX_YAML_DEPTH


def load_yaml(path: str, text: str) -> tuple[list[Any], AnalysisResult | None]:
    """The non-empty documents of a YAML stream, loaded safely (plain data only, bounded nesting).

    ``(documents, None)``, or ``([], failed result)`` for text that is nested too deeply
    (:func:`yaml_too_deep`, checked before loading) or is not valid YAML (located at the error's line).
    Uses libyaml's ``CSafeLoader`` when PyYAML has it, else the pure Python ``SafeLoader``.
    """
    import yaml

    if yaml_too_deep(text):
        return [], failed(path, f"invalid YAML: nested deeper than {MAX_YAML_DEPTH} levels")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None], None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["unreadable"])[0]
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        return [], failed(path, message, line=mark.line + 1 if mark is not None else None)
