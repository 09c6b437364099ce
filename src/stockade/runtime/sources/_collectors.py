"""The live source's kernel readers, one thread each: process events (proc connector), file opens
(fanotify), TCP connections (sock_diag polling). Each turns what the kernel reports into syscall event
records (docs/runtime-events.md) and hands them to ``sink``; none of them ever blocks on the consumer.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import errno
import os
import select
import stat
import threading
import time
from collections.abc import Callable
from typing import Any

from stockade.runtime.sources import _fanotify as fan
from stockade.runtime.sources._netlink import (
    TCP_ESTABLISHED,
    TCP_LISTEN,
    TCP_SYN_SENT,
    ConnectorOverflow,
    InetSocket,
    ProcConnector,
    ProcEvent,
    SockDiag,
)
from stockade.runtime.sources._procfs import ProcInfo, read_bounded, readlink, strip_root
from stockade.runtime.sources._proctable import ProcessTable, with_exe

Sink = Callable[[dict[str, Any]], None]

EINPROGRESS = -errno.EINPROGRESS
# fd.num of a successful open whose descriptor was closed before it could be found: no real descriptor can
# have this number (the kernel caps descriptors at fs.nr_open <= 2**30), and it keeps `fd.num >= 0` true.
FD_NUM_UNKNOWN = 2**31 - 1


class Counters:
    """Drop and attribution counters shared by the collectors (Falco-like drop statistics)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.drops: collections.Counter[str] = collections.Counter()
        self.enrich_missing = 0  # exec events whose process was gone before /proc could be read
        self.unattributed = 0  # file/network events whose process could not be identified
        self.ignored_self = 0
        self.errors: collections.deque[str] = collections.deque(maxlen=20)

    def drop(self, reason: str, n: int = 1) -> None:
        with self._lock:
            self.drops[reason] += n

    def bump(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)


def _base(ts: int, etype: str, hostname: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"ts": ts, "type": etype, "dir": "<"}
    if hostname:
        event["hostname"] = hostname
    return event


class Collector:
    name = "collector"
    event_types: frozenset[str] = frozenset()

    def __init__(self, table: ProcessTable, sink: Sink, counters: Counters, *, hostname: str | None,
                 own_pid: int) -> None:
        self.table = table
        self.sink = sink
        self.counters = counters
        self.hostname = hostname
        self.own_pid = own_pid

    def open(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self, stop: threading.Event) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def safe_run(self, stop: threading.Event) -> None:
        try:
            self.run(stop)
        except Exception as exc:  # a reader must not die silently
            self.counters.error(f"{self.name} reader stopped: {exc!r}")


# process events ---------------------------------------------------------------------------------------------


class ProcCollector(Collector):
    """execve, clone, procexit and ptrace events from the proc connector, enriched from /proc.

    The connector only says *that* a process forked, exec'd or exited; everything else is read from
    /proc/PID when the event is processed. A process that has already exited by then keeps what the
    connector and the table knew (its pid and parent), its other fields are not available, and it is
    counted (``enrich_missing``).
    """

    name = "proc_connector"
    event_types = frozenset({"execve", "clone", "procexit", "ptrace"})

    def __init__(self, *args: Any, rcvbuf: int = 8 << 20, emit_types: frozenset[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rcvbuf = rcvbuf
        self.emit_types = self.event_types if emit_types is None else emit_types & self.event_types
        self.conn: ProcConnector | None = None

    def open(self) -> None:
        self.conn = ProcConnector(self.rcvbuf)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def run(self, stop: threading.Event) -> None:
        conn = self.conn
        assert conn is not None
        while not stop.is_set():
            ready, _, _ = select.select([conn], [], [], 0.2)
            if not ready:
                continue
            try:
                events = conn.recv()
            except ConnectorOverflow:
                self.counters.drop("kernel_netlink_overflow")
                continue
            except OSError as exc:
                if exc.errno in (errno.EINTR, errno.EAGAIN):
                    continue
                raise
            for event in events:
                self.handle(event)

    def handle(self, ev: ProcEvent) -> None:
        table = self.table
        ts = table.mono_to_epoch(ev.timestamp_ns)
        if ev.kind == "fork":
            if ev.pid != ev.tgid:  # a new thread, not a process
                return
            parent = table.lookup(ev.parent_tgid) if "clone" in self.emit_types else None
            table.on_fork(ev.parent_tgid, ev.tgid, ts)
            if "clone" in self.emit_types and ev.parent_tgid != self.own_pid:
                event = _base(ts, "clone", self.hostname)
                event["res"] = ev.tgid
                event["cpu"] = ev.cpu
                event.update(table.describe(parent, ev.parent_tgid))
                self.sink(event)
        elif ev.kind == "exec":
            if ev.tgid == self.own_pid:
                return
            known = table.get(ev.tgid)  # what the fork left: the parent's image, and what survives an exec
            info = table.read(ev.tgid)
            if info is None or info.extra.get("zombie"):
                # Gone (or exited, not reaped) before /proc could be read: keep what survives an exec (parent,
                # credentials, terminal, session, container, root and working directory) from the entry its
                # fork left, and the name when a zombie still shows it; the new image's arguments, executable
                # and environment are not available.
                self.counters.bump("enrich_missing")
                base = known if known is not None else ProcInfo(pid=ev.tgid)
                info = dataclasses.replace(
                    base, comm=info.comm if info is not None else None, args=None, exepath=None, env=None,
                    cap_inh=None, cap_prm=None, cap_eff=None, complete=False,
                    extra={**{k: v for k, v in base.extra.items() if k == "start_ts"}, "exe_pending": True})
                hint = table.take_exec_hint(ev.tgid, ev.timestamp_ns)
                if hint is not None:
                    info = with_exe(info, hint)
                table.put(info)
            else:
                table.take_exec_hint(ev.tgid, ev.timestamp_ns)
            if "execve" in self.emit_types:
                event = _base(ts, "execve", self.hostname)
                event["res"] = 0
                event["cpu"] = ev.cpu
                args: dict[str, Any] = {}
                if info.args is not None:
                    args["exe"] = info.args[0] if info.args else ""
                    args["args"] = list(info.args[1:])
                args["pid"] = ev.tgid
                if info.ppid is not None:
                    args["ptid"] = info.ppid
                if info.exepath is not None:
                    args["trusted_exepath"] = info.exepath
                event["args"] = args
                event.update(table.describe(info, ev.tgid, env=True))
                self.sink(event)
        elif ev.kind == "exit":
            if ev.pid != ev.tgid:
                return
            info = table.on_exit(ev.tgid)
            if "procexit" in self.emit_types and ev.tgid != self.own_pid:
                event = _base(ts, "procexit", self.hostname)
                status = ev.exit_code
                event["res"] = 0
                event["cpu"] = ev.cpu
                event["args"] = {"status": status, "ret": (status >> 8) & 0xFF, "sig": status & 0x7F,
                                 "core": bool(status & 0x80)}
                event.update(table.describe(info, ev.tgid))
                self.sink(event)
        elif ev.kind == "uid":
            table.update(ev.tgid, uid=ev.rid, euid=ev.eid)
        elif ev.kind == "gid":
            table.update(ev.tgid, gid=ev.rid, egid=ev.eid)
        elif ev.kind == "sid":
            table.update(ev.tgid, sid=ev.tgid)
        elif ev.kind == "comm":
            table.update(ev.tgid, comm=ev.comm)
        elif ev.kind == "ptrace" and ev.tracer_tgid > 0 and "ptrace" in self.emit_types:
            # The connector reports attach (PTRACE_ATTACH and PTRACE_SEIZE alike, and PTRACE_TRACEME as an
            # attach by the parent); it is attributed to the tracer, as Falco's ptrace event is.
            tracer = table.lookup(ev.tracer_tgid)
            event = _base(ts, "ptrace", self.hostname)
            event["res"] = 0
            event["cpu"] = ev.cpu
            event["args"] = {"request": "PTRACE_ATTACH", "pid": ev.tgid}
            event.update(table.describe(tracer, ev.tracer_tgid))
            self.sink(event)


# file events ------------------------------------------------------------------------------------------------

_O_FLAGS = (
    (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"), (0o40000, "O_DIRECT"), (0o200000, "O_DIRECTORY"), (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"), (0o10000000, "O_PATH"),
)
O_SYNC = 0o4010000
O_DSYNC = 0o10000
O_TMPFILE = 0o20200000


def open_flags_text(flags: int) -> str:
    """Open flags as Falco renders them: the access mode first, then the other flags (``O_RDONLY|O_CLOEXEC``).

    O_LARGEFILE is left out: the kernel adds it to every open on 64-bit systems.
    """
    names = [("O_RDONLY", "O_WRONLY", "O_RDWR", "O_RDWR")[flags & 3]]
    if flags & O_TMPFILE == O_TMPFILE:
        names.append("O_TMPFILE")
        flags &= ~O_TMPFILE
    if flags & O_SYNC == O_SYNC:
        names.append("O_SYNC")
        flags &= ~O_SYNC
    elif flags & O_DSYNC:
        names.append("O_DSYNC")
    for bit, name in _O_FLAGS:
        if flags & bit:
            names.append(name)
    return "|".join(names)


def encode_dev(st_dev: int) -> int:
    """The kernel's new_encode_dev(), the form Falco reports fd.dev in."""
    major, minor = os.major(st_dev), os.minor(st_dev)
    return (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)


def parse_fdinfo_flags(data: bytes) -> int | None:
    for line in data.decode("ascii", "replace").splitlines():
        if line.startswith("flags:"):
            try:
                return int(line.split(":", 1)[1].strip(), 8)
            except ValueError:
                return None
    return None


class FileCollector(Collector):
    """openat events from fanotify (FAN_OPEN, FAN_OPEN_EXEC, FAN_CLOSE_WRITE).

    fanotify reports *that* a process opened a file, not the call: the descriptor number and the open
    flags are found by looking through /proc/PID/fd for a descriptor on the same inode, and read from its
    /proc/PID/fdinfo entry. When the process has already closed it, the flags are approximated (FAN_OPEN:
    O_RDONLY; FAN_CLOSE_WRITE: O_WRONLY) and the descriptor number is not known; see docs/runtime-live.md.
    An open for execution (FAN_OPEN_EXEC) is the execve itself, which the proc connector reports: it is not
    turned into an openat.
    """

    name = "fanotify"
    event_types = frozenset({"openat"})

    def __init__(self, *args: Any, paths: tuple[str, ...] = ("/",), filesystem: bool = True,
                 directories: bool = False, max_fd_scan: int = 256, unknown_fd_num: int | None = FD_NUM_UNKNOWN,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paths = paths
        self.filesystem = filesystem
        self.directories = directories
        self.max_fd_scan = max_fd_scan
        self.unknown_fd_num = unknown_fd_num
        self.fan: fan.Fanotify | None = None
        self.marked: list[str] = []
        self.mark_errors: list[str] = []
        self._recent: collections.OrderedDict[tuple[int, int, int], bool] = collections.OrderedDict()

    def open(self) -> None:
        self.fan = fan.Fanotify()
        mask = fan.FAN_OPEN | fan.FAN_OPEN_EXEC | fan.FAN_CLOSE_WRITE
        if self.directories:
            mask |= fan.FAN_ONDIR
        for path in self.paths:
            try:
                self.fan.mark(path, mask, filesystem=self.filesystem)
                self.marked.append(path)
            except fan.FanotifyError as exc:
                self.mark_errors.append(str(exc.strerror))
        if not self.marked:
            self.fan.close()
            self.fan = None
            raise OSError(errno.EINVAL, "; ".join(self.mark_errors) or "no path could be marked")

    def close(self) -> None:
        if self.fan is not None:
            self.fan.close()
            self.fan = None

    def run(self, stop: threading.Event) -> None:
        group = self.fan
        assert group is not None
        while not stop.is_set():
            ready, _, _ = select.select([group], [], [], 0.2)
            if not ready:
                continue
            try:
                buf = group.read()
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    self.counters.drop("fd_exhausted")  # the kernel could not open the event's file for us
                    continue
                if exc.errno == errno.EINTR:
                    continue
                raise
            events, malformed = fan.parse_events(buf)
            if malformed:
                self.counters.drop("malformed")
            for event in events:
                try:
                    self.handle(event)
                except Exception as exc:  # one odd event must not stop the reader
                    self.counters.error(f"fanotify event: {exc!r}")
                finally:
                    if event.fd >= 0:
                        with contextlib.suppress(OSError):
                            os.close(event.fd)

    def handle(self, ev: fan.FanEvent) -> None:
        if ev.mask & fan.FAN_Q_OVERFLOW:
            self.counters.drop("kernel_fanotify_overflow")
            return
        if ev.fd < 0:
            return
        if ev.pid == self.own_pid:
            self.counters.bump("ignored_self")
            return
        is_open = bool(ev.mask & fan.FAN_OPEN)
        close_write = bool(ev.mask & fan.FAN_CLOSE_WRITE)
        path = readlink(f"/proc/self/fd/{ev.fd}")
        if path is None:
            return
        if ev.mask & fan.FAN_OPEN_EXEC and not close_write:
            # the execve itself, which the proc connector reports; its path completes the process's entry
            # when the process is gone before /proc could be read
            self.table.exec_hint(ev.pid, path, time.monotonic_ns())
            return
        try:
            st = os.fstat(ev.fd)
        except OSError:
            return
        key = (ev.pid, st.st_dev, st.st_ino)
        found = self.find_fd(ev.pid, st.st_dev, st.st_ino) if is_open else None
        approx: list[str] = []
        fdnum = found[0] if found is not None else None
        known_flags = found[1] if found is not None else None
        if known_flags is not None:
            flags = known_flags
            is_write = flags & 3 in (1, 2)
        else:
            if is_open:
                flags, is_write = (1, True) if close_write else (0, False)
            else:
                flags, is_write = 1, True
            approx.append("flags")
        if fdnum is None:
            approx.append("fd.num")
        if not is_open and self._recent.get(key):
            return  # a close after writing, whose open was reported already
        self._remember(key, is_write)
        info = self.table.lookup(ev.pid)
        if info is None:
            self.counters.bump("unattributed")
        root = info.root if info is not None else None
        name = strip_root(path, root) or path
        event = _base(self._now(), "openat", self.hostname)
        num = fdnum if fdnum is not None else self.unknown_fd_num
        if num is not None:
            event["res"] = num
        is_dir = stat.S_ISDIR(st.st_mode)
        flags_text = open_flags_text(flags | (0o200000 if is_dir else 0))
        event["args"] = {"name": name, "flags": flags_text, "mode": 0, "dev": encode_dev(st.st_dev),
                         "ino": st.st_ino}
        fd: dict[str, Any] = {"type": "directory" if is_dir else "file", "name": name,
                              "dev": encode_dev(st.st_dev), "ino": st.st_ino}
        if num is not None:
            fd["num"] = num
            event["args"]["fd"] = num
        event["fd"] = fd
        event["live"] = {"mechanism": "fanotify", "approximated": approx} if approx else {"mechanism": "fanotify"}
        event.update(self.table.describe(info, ev.pid))
        self.sink(event)

    @staticmethod
    def _now() -> int:
        return time.time_ns()

    def _remember(self, key: tuple[int, int, int], is_write: bool) -> None:
        self._recent[key] = is_write
        self._recent.move_to_end(key)
        while len(self._recent) > 4096:
            self._recent.popitem(last=False)

    def find_fd(self, pid: int, dev: int, ino: int) -> tuple[int, int | None] | None:
        """(descriptor number, open flags) of a descriptor process ``pid`` holds on (dev, ino)."""
        base = f"/proc/{pid}/fd"
        try:
            names = os.listdir(base)
        except OSError:
            return None
        numbers = sorted(int(n) for n in names if n.isdigit())[: self.max_fd_scan]
        for n in numbers:
            try:
                st = os.stat(f"{base}/{n}")
            except OSError:
                continue
            if st.st_ino == ino and st.st_dev == dev:
                info = read_bounded(f"/proc/{pid}/fdinfo/{n}", 4096)
                return n, parse_fdinfo_flags(info) if info else None
        return None


# network events ---------------------------------------------------------------------------------------------


CLONE_NEWNET = 0x40000000
PRUNE_SECONDS = 5.0


class _Namespace:
    """One network namespace being dumped: its sock_diag socket and the sockets already reported."""

    def __init__(self, diag: SockDiag, known: set[int], pid: int) -> None:
        self.diag = diag
        self.known = known
        self.pid = pid  # a process in it (the namespace is dropped when none is left)


class NetCollector(Collector):
    """connect and accept events from polling sock_diag for new TCP sockets (ESTABLISHED or SYN_SENT).

    A socket seen for the first time becomes one event: ``accept`` when its local port is a listening port
    (the process holds the server end), ``connect`` otherwise. The owning process is found by the socket's
    inode in /proc/PID/fd. Connections that open and close between two polls are not seen.

    sock_diag answers for the network namespace its socket was created in: besides stockade's own, every
    namespace a process in the table lives in (containers) gets its own socket, created inside it with
    setns(2) on this collector's thread. Sockets that exist when a namespace is first seen are reported when
    the process that revealed it started after the source; otherwise they are taken as the baseline.
    """

    name = "sock_diag"
    event_types = frozenset({"connect", "accept"})

    def __init__(self, *args: Any, interval: float = 0.2, max_fd_scan_total: int = 500_000,
                 namespaces: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interval = interval
        self.max_fd_scan_total = max_fd_scan_total
        self.follow_namespaces = namespaces
        self.diag: SockDiag | None = None
        self._spaces: dict[int, _Namespace] = {}
        self._failed: set[int] = set()
        self._own_ns: int | None = None
        self._inodes: dict[int, tuple[int, int]] = {}
        self._started_ns = 0
        self._setns: Any = None

    def open(self) -> None:
        self.diag = SockDiag()
        states = (1 << TCP_ESTABLISHED) | (1 << TCP_SYN_SENT)
        known = {s.cookie for s in self.diag.dump(states)}  # what exists already is not news
        try:
            self._own_ns = os.stat("/proc/self/ns/net").st_ino
        except OSError:
            self._own_ns = None
        self._spaces = {self._own_ns if self._own_ns is not None else -1: _Namespace(self.diag, known, self.own_pid)}
        self._started_ns = time.time_ns()

    def namespaces(self) -> int:
        """How many network namespaces are being dumped (stockade's own included)."""
        return len(self._spaces)

    def close(self) -> None:
        for space in list(self._spaces.values()):
            space.diag.close()
        self._spaces.clear()
        self.diag = None

    def run(self, stop: threading.Event) -> None:
        polls = 0
        while not stop.wait(self.interval):
            if self.follow_namespaces:
                self.discover()
            self.poll()
            polls += 1
            if polls % max(1, int(PRUNE_SECONDS / max(self.interval, 0.01))) == 0:
                self.prune()

    def prune(self) -> None:
        """Close the sockets of namespaces no process lives in any more: an open socket keeps its namespace
        alive, so a finished container's network namespace would otherwise never be freed."""
        own = self._own_ns if self._own_ns is not None else -1
        orphans = []
        for inode, space in self._spaces.items():
            if inode == own:
                continue
            try:
                if os.stat(f"/proc/{space.pid}/ns/net").st_ino == inode:
                    continue
            except OSError:
                pass
            orphans.append(inode)
        if not orphans:
            return
        found: dict[int, int] = {}
        wanted = set(orphans)
        for pid in self.table.reader.pids():
            try:
                ino = os.stat(f"{self.table.reader.proc_root}/{pid}/ns/net").st_ino
            except OSError:
                continue
            if ino in wanted and ino not in found:
                found[ino] = pid
                if len(found) == len(wanted):
                    break
        for inode in orphans:
            if inode in found:
                self._spaces[inode].pid = found[inode]
            else:
                self._spaces.pop(inode).diag.close()
                self.table.forget_netns(inode)
                self._failed.discard(inode)

    # namespaces ----------------------------------------------------------------------------------------------

    def discover(self) -> None:
        """Open a sock_diag socket inside each network namespace the process table has seen."""
        for inode, (pid, start) in list(self.table.netns.items()):
            if inode in self._spaces or inode in self._failed:
                continue
            diag = self._diag_in(pid)
            if diag is None:
                self.table.forget_netns(inode)  # the process is gone; another one may reveal it again
                continue
            try:
                established = diag.dump((1 << TCP_ESTABLISHED) | (1 << TCP_SYN_SENT))
            except OSError:
                diag.close()
                if len(self._failed) > 4096:
                    self._failed.clear()
                self._failed.add(inode)
                continue
            # revealed by a process younger than the source (start times have clock-tick resolution: 10 ms)
            fresh = start >= self._started_ns - 50_000_000
            self._spaces[inode] = _Namespace(diag, set() if fresh else {s.cookie for s in established}, pid)

    def _diag_in(self, pid: int) -> SockDiag | None:
        if self._setns is None:
            import ctypes
            import ctypes.util

            libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
            self._setns = libc.setns
        try:
            target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            os.close(target)
            return None
        try:
            if self._setns(target, CLONE_NEWNET) != 0:
                return None
            try:
                return SockDiag()
            except OSError:
                return None
            finally:
                if self._setns(own, CLONE_NEWNET) != 0:  # cannot get back: stop following namespaces
                    self.follow_namespaces = False
                    self.counters.error("sock_diag: could not return to the original network namespace")
        finally:
            os.close(target)
            os.close(own)

    # polling ---------------------------------------------------------------------------------------------

    def poll(self) -> None:
        states = (1 << TCP_ESTABLISHED) | (1 << TCP_SYN_SENT) | (1 << TCP_LISTEN)
        new: list[tuple[InetSocket, set[tuple[str, int]]]] = []
        for inode, space in list(self._spaces.items()):
            try:
                socks = space.diag.dump(states)
            except OSError:
                if inode != (self._own_ns if self._own_ns is not None else -1):
                    space.diag.close()
                    del self._spaces[inode]
                continue
            listening = {(s.src, s.sport) for s in socks if s.state == TCP_LISTEN}
            current: set[int] = set()
            for s in socks:
                if s.state == TCP_LISTEN:
                    continue
                current.add(s.cookie)
                if s.cookie not in space.known:
                    new.append((s, listening))
            space.known = current
        if not new:
            return
        if any(s.inode and s.inode not in self._inodes for s, _ in new):
            self._inodes = self.scan_inodes()
        for s, listening in new:
            self.emit(s, listening)

    def emit(self, s: InetSocket, listening: set[tuple[str, int]]) -> None:
        server = any((addr, s.sport) in listening for addr in (s.src, "0.0.0.0", "::"))
        owner = self._inodes.get(s.inode) if s.inode else None
        if owner is not None and owner[0] == self.own_pid:
            self.counters.bump("ignored_self")
            return
        event = _base(self._now(), "accept" if server else "connect", self.hostname)
        family = "ipv4" if "." in s.src else "ipv6"
        fd: dict[str, Any] = {"type": family, "l4proto": "tcp", "connected": s.state == TCP_ESTABLISHED,
                              "is_server": server}
        if server:
            fd.update(cip=s.dst, cport=s.dport, sip=s.src, sport=s.sport)
        else:
            fd.update(cip=s.src, cport=s.sport, sip=s.dst, sport=s.dport)
        args: dict[str, Any] = {}
        event["res"] = 0 if (server or s.state == TCP_ESTABLISHED) else EINPROGRESS
        if owner is not None:
            fd["num"] = owner[1]
            args["fd"] = owner[1]
            if server:
                event["res"] = owner[1]
        event["args"] = args
        event["fd"] = fd
        event["live"] = {"mechanism": "sock_diag"}
        if owner is None:
            self.counters.bump("unattributed")
            self.sink(event)
            return
        info = self.table.lookup(owner[0])
        event.update(self.table.describe(info, owner[0]))
        self.sink(event)

    @staticmethod
    def _now() -> int:
        return time.time_ns()

    def scan_inodes(self) -> dict[int, tuple[int, int]]:
        """socket inode -> (pid, fd) over every process's descriptors (bounded)."""
        found: dict[int, tuple[int, int]] = {}
        budget = self.max_fd_scan_total
        for pid in self.table.reader.pids():
            base = f"{self.table.reader.proc_root}/{pid}/fd"
            try:
                names = os.listdir(base)
            except OSError:
                continue
            for name in names:
                budget -= 1
                if budget <= 0:
                    return found
                try:
                    target = os.readlink(f"{base}/{name}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    try:
                        found.setdefault(int(target[8:-1]), (pid, int(name)))
                    except ValueError:
                        continue
        return found
