"""SecretScanner: the library API over the engine, for buffers, streams, files and directory trees."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import BinaryIO

from stockade.errors import ScanError
from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.secrets.engine import FileState, Tuning, read_full, resolve, scan_buffer, scan_chunks
from stockade.secrets.model import FileScan, SecretLimits, SecretMatch, SkipReason
from stockade.secrets.ruleset import RuleSet

SOURCE = "secrets"
WARM_UP_BYTES = 4 * 1024 * 1024

# Files with these extensions are not read at all: their content is binary (or compressed) by format.
BINARY_EXTENSIONS = frozenset((
    "7z", "a", "apk", "avi", "bin", "bmp", "bz2", "class", "dat", "db", "deb", "dll", "dmg", "dylib", "ear",
    "eot", "exe", "flac", "gif", "gz", "ico", "icns", "iso", "jar", "jpeg", "jpg", "lz", "lz4", "lzma", "mkv",
    "mo", "mov", "mp3", "mp4", "mpeg", "mpg", "o", "obj", "ogg", "otf", "pack", "pdf", "png", "psd", "pyc",
    "pyd", "pyo", "rar", "rlib", "rpm", "so", "sqlite", "sqlite3", "swf", "tar", "tbz2", "tgz", "tif", "tiff",
    "ttf", "txz", "war", "wasm", "wav", "webm", "webp", "whl", "woff", "woff2", "xz", "zip", "zst",
))  # fmt: skip


class SecretScanner:
    """Scans bytes, streams, files and trees with a RuleSet.

    Paths given to the scanner are the relative, ``/``-separated paths that rule and allowlist globs and
    results use (e.g. ``app/config/.env`` or ``etc/ssl/private/key.pem`` inside an image)."""

    def __init__(self, ruleset: RuleSet, limits: SecretLimits | None = None) -> None:
        self.ruleset = ruleset
        self.limits = limits if limits is not None else SecretLimits()
        self._engine = ruleset.engine
        self._tuning = Tuning(self._engine)  # learned keyword density: speed only, never results

    def __reduce__(self) -> tuple[type[SecretScanner], tuple[RuleSet, SecretLimits]]:
        return (SecretScanner, (self.ruleset, self.limits))

    # -- decisions on the path alone --

    def _decide(self, path: str, size: int | None) -> tuple[SkipReason | None, list[bool] | None]:
        """Why a file is skipped, judging by path and size (None: it is read), and the per-rule flags for its
        path (None: all rules apply)."""
        engine = self._engine
        if engine.allow_paths is not None and engine.allow_paths.matches(path):
            return SkipReason.ALLOWLISTED, None
        active = None
        if not engine.rules:
            return SkipReason.NO_RULES, None
        if engine.filtered:
            active = [True] * len(engine.rules)
            for index in engine.filtered:
                crule = engine.rules[index]
                outside = crule.only_paths is not None and not crule.only_paths.matches(path)
                if outside or (crule.skip_paths is not None and crule.skip_paths.matches(path)):
                    active[index] = False
            if not any(active):
                return SkipReason.NO_RULES, None
        name = path.rpartition("/")[2]
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and suffix.lower() in BINARY_EXTENSIONS:
            return SkipReason.BINARY, active
        if size is not None and size > self.limits.max_file_size:
            return SkipReason.TOO_LARGE, active
        return None, active

    def skip_reason(self, path: str, size: int | None = None) -> SkipReason | None:
        """Why the file at ``path`` (of ``size`` bytes, when known) would not be scanned, judging by path and
        size alone; None when it would be read."""
        return self._decide(path, size)[0]

    def wants(self, path: str, size: int) -> bool:
        """True when a file at ``path`` of ``size`` bytes should be read and scanned (cheap: no I/O)."""
        return self._decide(path, size)[0] is None

    # -- scanning --

    def scan_bytes(self, data: bytes, path: str) -> list[SecretMatch]:
        """Matches in ``data`` as the content of ``path`` (path allowlists and rule path filters apply;
        binary content and size limits are the caller's business here)."""
        reason, active = self._decide(path, None)
        if reason is not None and reason is not SkipReason.BINARY:
            return []
        st = FileState(path, active, self.limits.max_matches_per_file)
        scan_buffer(self._engine, bytes(data), 0, 0, len(data), st, self._tuning, last=True)
        return resolve(st.matches)[: self.limits.max_matches_per_file]

    def scan_stream(self, stream: BinaryIO, path: str, size: int | None = None) -> FileScan:
        """Scan a readable binary stream (a file, a tar member) in bounded memory: binary sniffing, size
        limit, chunked reading. ``size`` (when known) lets a too-large file be skipped without reading it."""
        reason, active = self._decide(path, size)
        if reason is not None:
            return self._skipped(path, reason, size)
        return self._scan_reader(stream.read, path, size, active)

    def _scan_reader(
        self, read: Callable[[int], bytes], path: str, size: int | None, active: list[bool] | None, head: bytes = b""
    ) -> FileScan:
        limits = self.limits
        try:
            if len(head) < limits.sniff_size:
                head += read_full(read, min(limits.sniff_size, limits.max_file_size + 1) - len(head))
            if b"\x00" in head[: limits.sniff_size]:
                return FileScan(path, skipped=SkipReason.BINARY, size=size or 0)
            st = FileState(path, active, limits.max_matches_per_file)
            scanned, cut = scan_chunks(self._engine, head, read, limits.chunk_size, limits.max_file_size, st,
                                       self._tuning)
            more = not st.truncated and (cut or (scanned >= limits.max_file_size and bool(read(1))))
        except OSError as exc:
            return self._unreadable(path, exc)
        return self._result(path, st, more, size if size is not None else scanned)

    def _result(self, path: str, st: FileState, more: bool, size: int) -> FileScan:
        limits = self.limits
        diagnostics: list[Diagnostic] = []
        if st.truncated:
            diagnostics.append(self._diag(path, DiagnosticLevel.WARNING,
                                          f"more than {limits.max_matches_per_file} secrets in this file; the rest "
                                          "were not reported (SecretLimits.max_matches_per_file)"))
        if more:
            diagnostics.append(self._diag(path, DiagnosticLevel.WARNING,
                                          f"only the first {_mib(limits.max_file_size)} were scanned for secrets "
                                          "(SecretLimits.max_file_size)"))
        matches = resolve(st.matches)[: limits.max_matches_per_file] if st.matches else []
        return FileScan(path, tuple(matches), None, tuple(diagnostics), size)

    def scan_file(self, fs_path: str | os.PathLike[str], path: str) -> FileScan:
        """Scan the regular file at ``fs_path`` (not followed if it is a symlink), reported as ``path``."""
        try:
            info = os.lstat(fs_path)
        except OSError as exc:
            return self._unreadable(path, exc)
        if not stat.S_ISREG(info.st_mode):
            return FileScan(path, skipped=SkipReason.NOT_REGULAR)
        return self._scan_regular(fs_path, path, info.st_size)

    def _scan_regular(self, fs_path: str | os.PathLike[str], path: str, size: int) -> FileScan:
        """Scan a file lstat() found regular, of ``size`` bytes. Opened without following symlinks and
        without blocking, and read at most up to the limits, so a file swapped for a link or a device in
        the meantime is refused or read in bounded time and memory."""
        reason, active = self._decide(path, size)
        if reason is not None and reason is not SkipReason.TOO_LARGE:
            return FileScan(path, skipped=reason, size=size)
        try:
            fd = os.open(fs_path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            return self._unreadable(path, exc)
        try:
            return self._scan_fd(fd, path, size, reason, active)
        except OSError as exc:
            return self._unreadable(path, exc)
        finally:
            os.close(fd)

    def _scan_fd(self, fd: int, path: str, size: int, reason: SkipReason | None, active: list[bool] | None
                 ) -> FileScan:
        limits = self.limits
        if reason is SkipReason.TOO_LARGE or size > limits.max_file_size:
            # A big binary is just a binary; a big text file is worth a word in the report.
            if b"\x00" in os.read(fd, limits.sniff_size):
                return FileScan(path, skipped=SkipReason.BINARY, size=size)
            return self._skipped(path, SkipReason.TOO_LARGE, size)
        if size < limits.chunk_size:
            data = os.read(fd, size + 1)  # the whole file in one read
            if len(data) <= size:
                if b"\x00" in data[: limits.sniff_size]:
                    return FileScan(path, skipped=SkipReason.BINARY, size=size)
                st = FileState(path, active, limits.max_matches_per_file)
                scan_buffer(self._engine, data, 0, 0, len(data), st, self._tuning, last=True)
                return self._result(path, st, False, size)
            return self._scan_reader(functools.partial(os.read, fd), path, size, active, data)  # it grew
        return self._scan_reader(functools.partial(os.read, fd), path, size, active)

    def scan_tree(self, root: str | os.PathLike[str], *, jobs: int = 0) -> Iterator[FileScan]:
        """Scan every regular file under ``root`` (symlinks below it are not followed; special files are
        skipped), in a deterministic order (sorted paths, depth first). ``jobs``: 0 = as many worker processes
        as CPUs when there is enough to read (``SecretLimits.parallel_threshold``), 1 = in this process,
        n = n processes. Paths in results are relative to ``root``."""
        root = Path(root)
        try:
            info = os.stat(root)  # the root itself may be a symlink (to a directory); nothing below is followed
        except OSError as exc:
            raise ScanError(f"cannot scan {root} for secrets: {exc.strerror or exc}") from exc
        if not stat.S_ISDIR(info.st_mode):
            yield self.scan_file(os.path.realpath(root), root.name)
            return
        entries: list[tuple[str, str, int]] = []
        problems: list[FileScan] = []
        for item in _walk(root):
            if isinstance(item, FileScan):
                problems.append(item)
            else:
                entries.append(item)
        yield from problems
        total = sum(size for _, _, size in entries)
        workers = jobs if jobs > 0 else (_cpus() if total >= self.limits.parallel_threshold else 1)
        if workers <= 1 or len(entries) < 2:
            for fs, rel, size in entries:
                yield self._scan_regular(fs, rel, size)
            return
        # Scan the first few MiB here: the rules' automata and what the scanner learns about keyword density
        # are then inherited by the forked workers instead of being rebuilt by each.
        warm = min(WARM_UP_BYTES, total // 20)
        done = 0
        while done < len(entries) and warm > 0:
            fs, rel, size = entries[done]
            yield self._scan_regular(fs, rel, size)
            warm -= size
            done += 1
        if done < len(entries):
            yield from self._parallel(entries[done:], workers)

    def _parallel(self, files: list[tuple[str, str, int]], workers: int) -> Iterator[FileScan]:
        import multiprocessing

        batches = _batches(files, workers)
        done = 0
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = None
        try:
            pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(self,))
            for results in pool.map(_scan_batch, batches):
                yield from results
                done += 1
        except (BrokenProcessPool, OSError):
            # A worker died (or none could start): finish in this process, in the same order.
            for batch in batches[done:]:
                yield from _scan_batch_with(self, batch)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    # -- helpers --

    def _diag(self, path: str, level: DiagnosticLevel, message: str) -> Diagnostic:
        return Diagnostic(Location(path), SOURCE, level, message)

    def _skipped(self, path: str, reason: SkipReason, size: int | None) -> FileScan:
        diagnostics: tuple[Diagnostic, ...] = ()
        if reason is SkipReason.TOO_LARGE:
            diagnostics = (self._diag(path, DiagnosticLevel.INFO,
                                      f"not scanned for secrets: {_mib(size or 0)} is larger than the "
                                      f"{_mib(self.limits.max_file_size)} limit (SecretLimits.max_file_size)"),)
        return FileScan(path, skipped=reason, diagnostics=diagnostics, size=size or 0)

    def _unreadable(self, path: str, exc: OSError) -> FileScan:
        message = f"cannot read for secret scanning: {exc.strerror or exc}"
        return FileScan(path, skipped=SkipReason.UNREADABLE,
                        diagnostics=(self._diag(path, DiagnosticLevel.WARNING, message),))


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _walk(root: Path) -> Iterator[tuple[str, str, int] | FileScan]:
    """(filesystem path, relative path, size) of regular files under root, sorted depth-first; unreadable
    directories come back as FileScan values with a diagnostic. Symlinks are never followed."""
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    while stack:
        directory, rel = stack.pop()
        try:
            with os.scandir(directory) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            shown = rel or "."
            yield FileScan(shown, skipped=SkipReason.UNREADABLE, diagnostics=(Diagnostic(
                Location(shown), SOURCE, DiagnosticLevel.WARNING,
                f"cannot list directory for secret scanning: {exc.strerror or exc}"),))  # fmt: skip
            continue
        subdirs = []
        for entry in children:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append((entry.path, child_rel))
                elif entry.is_file(follow_symlinks=False):
                    yield (entry.path, child_rel, entry.stat(follow_symlinks=False).st_size)
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def _batches(files: list[tuple[str, str, int]], workers: int) -> list[list[tuple[str, str, int]]]:
    """Consecutive runs of files of roughly equal total size (order kept), several per worker."""
    total = sum(size for _, _, size in files)
    target = max(256 * 1024, min(8 * 1024 * 1024, total // (workers * 8) or 1))
    batches: list[list[tuple[str, str, int]]] = []
    current: list[tuple[str, str, int]] = []
    weight = 0
    for item in files:
        current.append(item)
        weight += item[2] + 512  # a file costs something even when empty
        if weight >= target or len(current) >= 256:
            batches.append(current)
            current, weight = [], 0
    if current:
        batches.append(current)
    return batches


_WORKER: list[SecretScanner] = []  # the scanner of this worker process


def _init_worker(scanner: SecretScanner) -> None:
    _WORKER[:] = [scanner]


def _scan_batch(batch: list[tuple[str, str, int]]) -> list[FileScan]:
    return _scan_batch_with(_WORKER[0], batch)


def _scan_batch_with(scanner: SecretScanner, batch: Iterable[tuple[str, str, int]]) -> list[FileScan]:
    return [scanner._scan_regular(fs, rel, size) for fs, rel, size in batch]
