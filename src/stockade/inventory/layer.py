"""Analyse one layer (a tar stream) or one directory tree: run the analyzers on the files they want.

The result, :class:`LayerScan`, is what the per-layer cache stores and what :mod:`merge` stacks into the
final filesystem: analysis results per path, whiteouts, opaque directories, symlinks, and diagnostics
about the layer itself.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from stockade.analyzers import MAX_READ, AnalysisResult, Analyzer, BytesFile, FileTooLarge
from stockade.errors import StockadeError
from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.source.image import tarstream

if TYPE_CHECKING:
    from stockade.secrets import FileScan, SecretScanner

# Files up to this size are held in memory while the analyzers that want them run; larger ones are
# spooled to a temporary file in the cache directory and read from there.
IN_MEMORY = 8 * 1024 * 1024
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_size: int = 1024 * 1024 * 1024  # larger wanted files are skipped with a diagnostic
    max_layer_size: int = tarstream.DEFAULT_MAX_OUTPUT  # uncompressed bytes per layer
    max_symlinks: int = 200_000  # symlinks recorded per layer


# A secret found in a layer, as the cache stores it: rule id, path, line, column, end line, end column,
# the redacted secret and the line with it redacted. The raw secret is never kept.
SecretHit = tuple[str, str, int, int, int, int, str, str]


def secret_hits(found: FileScan) -> list[SecretHit]:
    return [(m.rule.id, m.path, m.line, m.column, m.end_line, m.end_column, m.redacted, m.snippet)
            for m in found.matches]


@dataclass(slots=True)
class LayerScan:
    """What one layer contributes. ``complete`` is False when the stream broke off (never cached).

    ``secrets``: secrets in this layer's files (also those a later layer deletes: the bytes stay in the image).
    """

    files: dict[str, list[tuple[str, AnalysisResult]]] = field(default_factory=dict)
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)
    symlinks: dict[str, str] = field(default_factory=dict)
    hardlinks: dict[str, str] = field(default_factory=dict)  # wanted path -> link target, resolved later
    diagnostics: list[Diagnostic] = field(default_factory=list)
    complete: bool = True
    secrets: list[SecretHit] = field(default_factory=list)


class _DiskFile:
    """A large file: spooled once into a temporary file (in the cache directory), re-opened per reader."""

    __slots__ = ("_fd", "mode", "path", "size")

    def __init__(self, path: str, mode: int, size: int, fd: int) -> None:
        self.path = path
        self.mode = mode
        self.size = size
        self._fd = fd

    def read(self, limit: int = MAX_READ) -> bytes:
        if self.size > limit:
            raise FileTooLarge(self.path, self.size, limit)
        return os.pread(self._fd, self.size, 0)

    def open(self) -> BinaryIO:
        return os.fdopen(os.dup(self._fd), "rb", closefd=True)


class _TreeFile:
    """A regular file of a directory tree, opened without following symlinks."""

    __slots__ = ("_full", "mode", "path", "size")

    def __init__(self, path: str, full: str, mode: int, size: int) -> None:
        self.path = path
        self._full = full
        self.mode = mode
        self.size = size

    def open(self) -> BinaryIO:
        fd = os.open(self._full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{self.path} is no longer a regular file")
            return os.fdopen(fd, "rb", closefd=True)
        except BaseException:
            os.close(fd)
            raise

    def read(self, limit: int = MAX_READ) -> bytes:
        if self.size > limit:
            raise FileTooLarge(self.path, self.size, limit)
        with self.open() as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise FileTooLarge(self.path, len(data), limit)
        return data


def run_analyzers(analyzers: Sequence[Analyzer], file: object, scan: LayerScan) -> None:
    """Run each analyzer on ``file``; an analyzer that fails becomes a diagnostic, never a traceback."""
    found: list[tuple[str, AnalysisResult]] = []
    path: str = file.path  # type: ignore[attr-defined]
    for analyzer in analyzers:
        try:
            result = analyzer.analyze(file)  # type: ignore[arg-type]
        except FileTooLarge as exc:
            result = AnalysisResult(diagnostics=(_diag(path, str(exc), analyzer.id),))
        except Exception as exc:  # an analyzer bug must not end the scan
            result = AnalysisResult(
                diagnostics=(_diag(path, f"analyzer {analyzer.id} failed: {type(exc).__name__}: {exc}",
                                   analyzer.id, DiagnosticLevel.ERROR),)
            )
        if result.packages or result.diagnostics or result.os or result.owned_files:
            found.append((analyzer.id, result))
    # An empty list still records that the path was analysed, so a lower layer's result is replaced.
    scan.files[path] = found


def _diag(path: str, message: str, source: str = "image",
          level: DiagnosticLevel = DiagnosticLevel.WARNING) -> Diagnostic:
    return Diagnostic(Location(path), source, level, message)


def _wanting(analyzers: Sequence[Analyzer], path: str, size: int, mode: int) -> list[Analyzer]:
    return [a for a in analyzers if a.wants(path, size, mode)]


def scan_layer(
    open_blob: Callable[[], BinaryIO],
    analyzers: Sequence[Analyzer],
    *,
    tmp_dir: str | None = None,
    limits: Limits = Limits(),
    only: Iterable[str] | None = None,
    secrets: SecretScanner | None = None,
) -> LayerScan:
    """Stream the layer blob once and analyse the files the analyzers want.

    ``only``: analyse just these paths (the second look at hard-link targets); whiteouts and symlinks
    are not recorded then. ``secrets``: also scan every file it wants for secrets.
    """
    scan = LayerScan()
    wanted_only = set(only) if only is not None else None
    try:
        with open_blob() as raw:
            reader = tarstream.decompressed(raw, max_output=limits.max_layer_size)
            for entry in tarstream.iter_entries(reader):
                if entry.escapes:
                    scan.diagnostics.append(_diag(entry.path or "/", "entry name climbs out of the image root "
                                                  "with '..'; ignored"))
                    continue
                path = entry.path
                if not path:
                    continue
                if wanted_only is not None:
                    if path in wanted_only and entry.kind == tarstream.REGULAR:
                        _analyse_entry(entry, analyzers, scan, tmp_dir, limits)
                    continue
                name = path.rpartition("/")[2]
                if name.startswith(WHITEOUT):
                    parent = path.rpartition("/")[0]
                    if name == OPAQUE:
                        scan.opaque.append(parent)
                    elif not name.startswith(WHITEOUT + WHITEOUT):  # other .wh..wh. names are AUFS metadata
                        target = name[len(WHITEOUT):]
                        scan.whiteouts.append(f"{parent}/{target}" if parent else target)
                    continue
                kind = entry.kind
                if kind == tarstream.REGULAR:
                    if entry.sparse:
                        if _wanting(analyzers, path, entry.size, entry.mode):
                            scan.diagnostics.append(_diag(path, "sparse file not analysed"))
                        continue
                    _analyse_entry(entry, analyzers, scan, tmp_dir, limits, secrets)
                elif kind == tarstream.SYMLINK:
                    if len(scan.symlinks) < limits.max_symlinks:
                        scan.symlinks[path] = entry.linkname
                    scan.files.pop(path, None)
                elif kind == tarstream.HARDLINK:
                    target, escapes = tarstream.normalise(entry.linkname)
                    if _wanting(analyzers, path, entry.size, entry.mode):
                        if escapes:
                            scan.diagnostics.append(_diag(path, "hard link target climbs out of the image "
                                                          "root; ignored"))
                        else:
                            scan.hardlinks[path] = target
                else:
                    scan.files.pop(path, None)
            reader.drain()  # to the end of the blob, so a digest check covers all of it
    except tarstream.TarError as exc:
        scan.complete = False
        scan.diagnostics.append(
            _diag("/", f"layer is unreadable at byte {exc.offset}: {exc}; files after it were not analysed",
                  level=DiagnosticLevel.ERROR)
        )
    except StockadeError as exc:  # a digest mismatch, a registry that went away
        scan.complete = False
        scan.diagnostics.append(_diag("/", exc.message, level=DiagnosticLevel.ERROR))
    except OSError as exc:
        scan.complete = False
        scan.diagnostics.append(_diag("/", f"cannot read layer: {exc}", level=DiagnosticLevel.ERROR))
    return scan


def _analyse_entry(entry: tarstream.TarEntry, analyzers: Sequence[Analyzer], scan: LayerScan,
                   tmp_dir: str | None, limits: Limits, secrets: SecretScanner | None = None) -> None:
    path, size, mode = entry.path, entry.size, entry.mode
    chosen = _wanting(analyzers, path, size, mode)
    want_secrets = secrets is not None and secrets.wants(path, size)
    if not chosen:
        scan.files.pop(path, None)  # a later regular file replaces an earlier analysed one
        if not want_secrets:
            return
    elif size > limits.max_file_size:
        scan.files[path] = []
        scan.diagnostics.append(_diag(path, f"{size} bytes is over the {limits.max_file_size} byte file limit; "
                                      "not analysed"))
        chosen = []
        if not want_secrets:
            return
    if size <= IN_MEMORY:
        data = entry.read(IN_MEMORY)
        if want_secrets and secrets is not None:
            _scan_secrets(secrets, io.BytesIO(data), path, size, scan)
        if chosen:
            run_analyzers(chosen, BytesFile(path, data, mode), scan)
        return
    fd, name = tempfile.mkstemp(prefix="layer-", dir=tmp_dir)
    try:
        os.unlink(name)  # nothing stays behind, whatever happens next
        with os.fdopen(os.dup(fd), "wb") as out:
            entry.copy_to(out)
        if want_secrets and secrets is not None:
            with os.fdopen(os.dup(fd), "rb") as stream:
                stream.seek(0)  # the duplicate shares the offset the copy left at the end
                _scan_secrets(secrets, stream, path, size, scan)
        if chosen:
            run_analyzers(chosen, _DiskFile(path, mode, size, fd), scan)
    finally:
        os.close(fd)


def _scan_secrets(secrets: SecretScanner, stream: BinaryIO, path: str, size: int, scan: LayerScan) -> None:
    found = secrets.scan_stream(stream, path, size)
    scan.secrets.extend(secret_hits(found))
    scan.diagnostics.extend(found.diagnostics)


def scan_tree(root: str, analyzers: Sequence[Analyzer], *, limits: Limits = Limits(),
              skip_dirs: frozenset[str] = frozenset({".git"})) -> LayerScan:
    """Walk a directory tree without following symlinks and analyse the files the analyzers want.

    Device files, sockets and FIFOs are never opened. Symlinks are recorded (for in-root resolution),
    never followed. ``skip_dirs``: directory names not descended into.
    """
    scan = LayerScan()
    stack = [""]
    while stack:
        rel = stack.pop()
        full = os.path.join(root, rel) if rel else root
        try:
            with os.scandir(full) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.diagnostics.append(_diag(rel or ".", f"cannot read directory: {exc.strerror or exc}"))
            continue
        for item in entries:
            path = f"{rel}/{item.name}" if rel else item.name
            try:
                st = item.stat(follow_symlinks=False)
            except OSError as exc:
                scan.diagnostics.append(_diag(path, f"cannot stat: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if item.name not in skip_dirs:
                    stack.append(path)
            elif stat.S_ISLNK(st.st_mode):
                try:
                    if len(scan.symlinks) < limits.max_symlinks:
                        scan.symlinks[path] = os.readlink(item.path)
                except OSError:
                    pass
            elif stat.S_ISREG(st.st_mode):
                mode = st.st_mode & 0o7777
                chosen = _wanting(analyzers, path, st.st_size, mode)
                if not chosen:
                    continue
                if st.st_size > limits.max_file_size:
                    scan.diagnostics.append(
                        _diag(path, f"{st.st_size} bytes is over the {limits.max_file_size} byte file limit; "
                              "not analysed"))
                    continue
                run_analyzers(chosen, _TreeFile(path, item.path, mode, st.st_size), scan)
    return scan
