"""The live host source: syscall event records (docs/runtime-events.md) from the running Linux host, without
a kernel module or eBPF.

Mechanisms (each optional; ``probe()`` says which work here and what that means for the loaded rules):

- the proc connector (NETLINK_CONNECTOR): ``execve``, ``clone``, ``procexit``, ``ptrace``; every process
  enriched from /proc/PID (exe, cmdline, cwd, credentials and names, loginuid, tty, session, process group,
  capabilities, environment, cgroups -> container id, the ancestor chain);
- fanotify (FAN_CLASS_NOTIF, filesystem marks): ``openat`` for files opened, read or written;
- sock_diag (NETLINK_SOCK_DIAG) polling: ``connect`` and ``accept`` for new TCP connections.

Every reader thread hands records to one bounded queue; when the consumer falls behind, records are dropped
and counted (``stats()``), never queued without bound and never blocking the readers. What each mechanism
can and cannot see is in docs/runtime-live.md.

    with LiveSource(LiveOptions()) as source:
        for event in source.events():   # blocks; source.stop() from another thread or a signal handler ends it
            ...
"""

from __future__ import annotations

import collections
import contextlib
import errno
import os
import platform
import queue
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from stockade.errors import StockadeError
from stockade.runtime.sources import _fanotify as fan
from stockade.runtime.sources._collectors import (
    FD_NUM_UNKNOWN,
    Collector,
    Counters,
    FileCollector,
    NetCollector,
    ProcCollector,
)
from stockade.runtime.sources._netlink import ProcConnector, SockDiag, audit_available
from stockade.runtime.sources._procfs import AccountDB, ProcReader
from stockade.runtime.sources._proctable import ProcessTable

Event = dict[str, Any]

MAX_RECORD_LINE = 1 << 20  # the recording format's line limit

PROCESS_TYPES = ProcCollector.event_types
FILE_TYPES = FileCollector.event_types
NETWORK_TYPES = NetCollector.event_types


class LiveSourceError(StockadeError):
    """The live source cannot run at all (no mechanism could be started) or its recording failed."""


@dataclass(frozen=True)
class LiveOptions:
    process_events: bool = True  # proc connector
    file_events: bool = True  # fanotify
    network_events: bool = True  # sock_diag polling
    event_types: frozenset[str] | None = None  # emit only these evt.type values (None: all the source has)
    file_paths: tuple[str, ...] = ("/",)  # fanotify marks: the filesystem (or mount) of each path
    file_mark: str = "filesystem"  # filesystem | mount
    file_directories: bool = False  # also report opens of directories (busy: every ls, find, shell glob)
    unknown_fd_num: int | None = FD_NUM_UNKNOWN  # fd.num when the descriptor was closed before it was found
    queue_size: int = 65536  # records between the readers and the consumer
    table_size: int = 65536  # processes remembered
    ancestors_max: int = 16  # ancestors per record (the schema allows 64)
    read_env: bool = True
    net_poll_interval: float = 0.2  # seconds
    netlink_rcvbuf: int = 8 << 20
    ignore_self: bool = True  # drop events caused by stockade's own process
    proc_root: str = "/proc"
    passwd: str = "/etc/passwd"
    group: str = "/etc/group"
    hostname: str | None = None  # evt.hostname; None: this host's name


# probe ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mechanism:
    name: str
    available: bool
    event_types: frozenset[str]  # what it delivers when available
    detail: str


@dataclass(frozen=True)
class ProbeReport:
    root: bool
    kernel: str
    mechanisms: tuple[Mechanism, ...]
    event_types: frozenset[str]  # what this host can deliver
    rules_cannot_fire: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rule -> its event types

    def mechanism(self, name: str) -> Mechanism | None:
        return next((m for m in self.mechanisms if m.name == name), None)

    def warnings(self) -> list[str]:
        lines = [f"{m.name}: not available ({m.detail})" for m in self.mechanisms
                 if not m.available and m.event_types]
        for rule, types in sorted(self.rules_cannot_fire.items()):
            lines.append(f"rule {rule!r} cannot fire on this host: it needs event type(s) "
                         f"{', '.join(sorted(types))}, which the live source does not deliver")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "kernel": self.kernel,
            "mechanisms": [{"name": m.name, "available": m.available, "event_types": sorted(m.event_types),
                            "detail": m.detail} for m in self.mechanisms],
            "event_types": sorted(self.event_types),
            "rules_cannot_fire": {rule: list(types) for rule, types in sorted(self.rules_cannot_fire.items())},
        }


def rules_that_cannot_fire(rule_event_types: Mapping[str, Iterable[str] | None],
                           deliverable: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Rules none of whose event types the source delivers. A rule with no event-type restriction (None or
    empty: it is evaluated for every event) can always fire."""
    have = frozenset(deliverable)
    out: dict[str, tuple[str, ...]] = {}
    for rule, types in rule_event_types.items():
        wanted = tuple(sorted(set(types or ())))
        if wanted and not have.intersection(wanted):
            out[rule] = wanted
    return out


def probe(rule_event_types: Mapping[str, Iterable[str] | None] | None = None,
          options: LiveOptions | None = None) -> ProbeReport:
    """Try each mechanism briefly (nothing is left open or changed) and report what this host can deliver.

    ``rule_event_types`` maps rule names to their event types (the engine's index of rules by event type);
    rules that cannot fire here are listed, as Falco warns about them.
    """
    opts = options or LiveOptions()
    mechanisms = [_probe_connector(), _probe_fanotify(opts), _probe_sock_diag()]
    ok, detail = audit_available()
    mechanisms.append(Mechanism("audit", ok, frozenset(),
                                ("answers, but is not used: configuring audit rules changes host-wide state owned "
                                 "by auditd" if ok else detail)))
    mechanisms.append(Mechanism("ebpf", False, frozenset(), "not implemented: the live source uses netlink, "
                                "fanotify and /proc only"))
    wanted = {"proc_connector": opts.process_events, "fanotify": opts.file_events, "sock_diag": opts.network_events}
    types: set[str] = set()
    for m in mechanisms:
        if m.available and wanted.get(m.name, False):
            types |= m.event_types
    if opts.event_types is not None:
        types &= set(opts.event_types)
    deliverable = frozenset(types)
    cannot = rules_that_cannot_fire(rule_event_types or {}, deliverable)
    return ProbeReport(os.geteuid() == 0, platform.release(), tuple(mechanisms), deliverable, cannot)


def _probe_connector() -> Mechanism:
    try:
        conn = ProcConnector(rcvbuf=1 << 16)
    except OSError as exc:
        return Mechanism("proc_connector", False, PROCESS_TYPES, _why(exc, "proc connector"))
    conn.close()
    return Mechanism("proc_connector", True, PROCESS_TYPES, "subscribed to process events")


def _probe_fanotify(opts: LiveOptions) -> Mechanism:
    try:
        group = fan.Fanotify()
    except OSError as exc:
        return Mechanism("fanotify", False, FILE_TYPES, _why(exc, "fanotify_init"))
    try:
        filesystem = opts.file_mark != "mount"
        marked, failed = [], []
        for path in opts.file_paths:
            try:
                group.mark(path, fan.FAN_OPEN | fan.FAN_CLOSE_WRITE, filesystem=filesystem)
                marked.append(path)
            except OSError as exc:
                failed.append(f"{path}: {exc.strerror}")
        kind = "filesystem" if filesystem else "mount"
        if not marked:
            return Mechanism("fanotify", False, FILE_TYPES, f"no {kind} mark could be placed ({'; '.join(failed)})")
        note = f" (failed: {'; '.join(failed)})" if failed else ""
        return Mechanism("fanotify", True, FILE_TYPES, f"{kind} marks on {', '.join(marked)}{note}")
    finally:
        group.close()


def _probe_sock_diag() -> Mechanism:
    try:
        diag = SockDiag()
        try:
            diag.dump(1 << 10)
        finally:
            diag.close()
    except OSError as exc:
        return Mechanism("sock_diag", False, NETWORK_TYPES, _why(exc, "sock_diag"))
    return Mechanism("sock_diag", True, NETWORK_TYPES, "TCP socket dumps answered (polled)")


def _why(exc: OSError, what: str) -> str:
    if exc.errno in (errno.EPERM, errno.EACCES):
        return f"{what}: permission denied (needs root or CAP_SYS_ADMIN/CAP_NET_ADMIN)"
    return f"{what}: {exc.strerror or exc}"


# the source -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveStats:
    n_evts: int  # records the readers produced
    n_drops: int  # sum of drops
    drops: Mapping[str, int]  # reason -> count; kernel_* reasons count overflow occurrences (each >= 1 event)
    n_delivered: int  # records handed to the consumer
    n_enrich_missing: int  # exec'd processes gone before /proc could be read
    n_unattributed: int  # file/network records whose process is unknown
    by_type: Mapping[str, int]
    queue_depth: int
    mechanisms: tuple[str, ...]  # running
    errors: tuple[str, ...]
    network_namespaces: int = 0  # network namespaces whose sockets are dumped (stockade's own included)

    def to_dict(self) -> dict[str, Any]:
        return {"n_evts": self.n_evts, "n_drops": self.n_drops, "drops": dict(self.drops),
                "n_delivered": self.n_delivered, "n_enrich_missing": self.n_enrich_missing,
                "n_unattributed": self.n_unattributed, "by_type": dict(self.by_type),
                "queue_depth": self.queue_depth, "mechanisms": list(self.mechanisms), "errors": list(self.errors),
                "network_namespaces": self.network_namespaces}


class LiveSource:
    """Events from this host. Start it with ``with`` (or ``start()``/``close()``)."""

    def __init__(self, options: LiveOptions | None = None) -> None:
        self.options = opts = options or LiveOptions()
        if opts.file_mark not in ("filesystem", "mount"):
            raise LiveSourceError(f"invalid file_mark {opts.file_mark!r} (expected filesystem or mount)")
        if opts.queue_size < 1:
            raise LiveSourceError("queue_size must be at least 1")
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=opts.queue_size)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._counters = Counters()
        self._n_evts = 0
        self._n_delivered = 0
        self._by_type: collections.Counter[str] = collections.Counter()
        self._num = 0
        self._collectors: list[Collector] = []
        self._threads: list[threading.Thread] = []
        self._started = False
        self.startup_errors: list[str] = []
        self.table = ProcessTable(ProcReader(opts.proc_root, read_env=opts.read_env),
                                  AccountDB(opts.passwd, opts.group), max_entries=opts.table_size,
                                  ancestors_max=opts.ancestors_max)

    # lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        opts = self.options
        hostname = opts.hostname if opts.hostname is not None else socket.gethostname()
        own = os.getpid() if opts.ignore_self else -1
        common: dict[str, Any] = {"hostname": hostname, "own_pid": own}
        args = (self.table, self._sink, self._counters)
        wanted: list[Collector] = []
        if opts.process_events:
            wanted.append(ProcCollector(*args, rcvbuf=opts.netlink_rcvbuf, emit_types=opts.event_types, **common))
        if opts.file_events and (opts.event_types is None or "openat" in opts.event_types):
            wanted.append(FileCollector(*args, paths=opts.file_paths, filesystem=opts.file_mark == "filesystem",
                                        directories=opts.file_directories, unknown_fd_num=opts.unknown_fd_num,
                                        **common))
        if opts.network_events and (opts.event_types is None or opts.event_types & NetCollector.event_types):
            wanted.append(NetCollector(*args, interval=opts.net_poll_interval, **common))
        for collector in wanted:
            try:
                collector.open()
            except OSError as exc:
                self.startup_errors.append(_why(exc, collector.name))
                continue
            self._collectors.append(collector)
        if not self._collectors:
            detail = "; ".join(self.startup_errors) or "every mechanism is disabled in the options"
            raise LiveSourceError(f"the live source cannot start: {detail}")
        self._stop.clear()
        for collector in self._collectors:
            thread = threading.Thread(target=collector.safe_run, args=(self._stop,),
                                      name=f"stockade-live-{collector.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._started = True

    def stop(self) -> None:
        """Ask the source to stop: ``events()`` returns after handing out what is already queued. Safe to call
        from another thread or a signal handler."""
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5.0)
        for collector in self._collectors:
            with contextlib.suppress(OSError):
                collector.close()
        self._threads.clear()
        self._collectors.clear()
        self._started = False

    def __enter__(self) -> LiveSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def mechanisms(self) -> tuple[str, ...]:
        return tuple(c.name for c in self._collectors)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # producer side ---------------------------------------------------------------------------------------

    def _sink(self, event: Event) -> None:
        wanted = self.options.event_types
        if wanted is not None and event["type"] not in wanted:
            return
        with self._lock:
            self._n_evts += 1
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._counters.drop("buffer")

    # consumer side ---------------------------------------------------------------------------------------

    def next_event(self, timeout: float | None = None) -> Event | None:
        """The next record, or None when none arrives within ``timeout`` seconds."""
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return self._number(event)

    def _number(self, event: Event) -> Event:
        with self._lock:
            self._num += 1
            self._n_delivered += 1
            self._by_type[event["type"]] += 1
            event["num"] = self._num
        return event

    def events(self) -> Iterator[Event]:
        """Records as they come, until ``stop()`` (then what is already queued) or every reader has died."""
        if not self._started:
            raise LiveSourceError("the live source is not started: use it as a context manager")
        while True:
            try:
                event = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set() or not any(t.is_alive() for t in self._threads):
                    return
                continue
            yield self._number(event)
            if self._stop.is_set():
                break
        # stopped: hand out what was queued before the stop, no more
        for _ in range(self._queue.qsize()):
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return
            yield self._number(event)

    def stats(self) -> LiveStats:
        netns = sum(c.namespaces() for c in self._collectors if isinstance(c, NetCollector))
        c = self._counters
        with self._lock, c._lock:
            drops = dict(c.drops)
            return LiveStats(
                n_evts=self._n_evts, n_drops=sum(drops.values()), drops=drops, n_delivered=self._n_delivered,
                n_enrich_missing=c.enrich_missing, n_unattributed=c.unattributed, by_type=dict(self._by_type),
                queue_depth=self._queue.qsize(), mechanisms=self.mechanisms,
                errors=tuple(self.startup_errors) + tuple(c.errors), network_namespaces=netns,
            )


# record -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordStats:
    events: int
    bytes: int
    skipped: int  # records larger than the format's line limit


def record(source: LiveSource | Iterable[Mapping[str, Any]], out: IO[bytes], *, max_events: int | None = None,
           duration: float | None = None, flush_every: int = 256) -> RecordStats:
    """Write records as JSON lines (the syscall event record format) until the source stops, ``max_events``
    records are written or ``duration`` seconds have passed. What `stockade runtime record` calls."""
    import orjson

    events = source.events() if isinstance(source, LiveSource) else iter(source)
    deadline = time.monotonic() + duration if duration is not None else None
    timer: threading.Timer | None = None
    if deadline is not None and isinstance(source, LiveSource):
        timer = threading.Timer(duration or 0.0, source.stop)
        timer.daemon = True
        timer.start()
    written = nbytes = skipped = 0
    try:
        for event in events:
            line = orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS) + b"\n"
            if len(line) > MAX_RECORD_LINE:
                skipped += 1
                continue
            try:
                out.write(line)
                if written % flush_every == 0:
                    out.flush()
            except OSError as exc:
                raise LiveSourceError(f"cannot write the recording: {exc.strerror or exc}") from None
            written += 1
            nbytes += len(line)
            if max_events is not None and written >= max_events:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
        try:
            out.flush()
        except OSError as exc:
            raise LiveSourceError(f"cannot write the recording: {exc.strerror or exc}") from None
    finally:
        if timer is not None:
            timer.cancel()
    return RecordStats(written, nbytes, skipped)
