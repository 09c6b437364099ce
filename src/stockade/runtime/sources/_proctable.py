"""The live source's process table (libsinsp's thread table, in small): what is known about each process,
kept from its exec until well after its exit, so events that arrive late (a file opened by a process that
has exited since) are still attributed. Bounded: least recently used entries are evicted.

Also the mapping from a ``ProcInfo`` to the keys of the syscall event record (``proc``, ``ancestors``,
``user``, ``group``, ``container``, ``k8s``): see docs/runtime-events.md.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import re
import threading
import time
from typing import Any

from stockade.runtime.sources._cgroup import HOST_ID
from stockade.runtime.sources._procfs import AccountDB, ProcInfo, ProcReader, cap_names, strip_root

MAX_ANCESTOR_ARGS_BYTES = 4096
_POD_UID = re.compile(r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})")
_V2_CONTROLLERS = ("cpu", "cpuset", "io", "memory", "pids")
HINT_WINDOW_NS = 50_000_000
MAX_NETNS = 4096


def with_exe(info: ProcInfo, path: str) -> ProcInfo:
    """An entry whose exec could not be read, completed with the executable fanotify saw it open."""
    exepath = strip_root(path, info.root) or path
    comm = info.comm if info.comm is not None else os.path.basename(exepath)[:15]
    extra = {k: v for k, v in info.extra.items() if k != "exe_pending"}
    return dataclasses.replace(info, exepath=exepath, comm=comm, extra=extra)


def clock_offsets() -> tuple[int, int]:
    """(epoch - CLOCK_MONOTONIC, epoch - CLOCK_BOOTTIME) in ns: converts the proc connector's timestamps and
    /proc/PID/stat start times to wall-clock time."""
    now = time.time_ns()
    mono = time.monotonic_ns()
    boot = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    return now - mono, now - boot


class ProcessTable:
    def __init__(self, reader: ProcReader, accounts: AccountDB, *, max_entries: int = 65536,
                 ancestors_max: int = 16) -> None:
        self.reader = reader
        self.accounts = accounts
        self.max_entries = max_entries
        self.ancestors_max = ancestors_max
        self._lock = threading.RLock()
        self._procs: collections.OrderedDict[int, ProcInfo] = collections.OrderedDict()
        self._exited: set[int] = set()
        self._hints: collections.OrderedDict[int, tuple[int, str]] = collections.OrderedDict()
        # network namespaces seen: inode -> (a pid in it, that process's start time in ns since the epoch)
        self.netns: dict[int, tuple[int, int]] = {}
        self._mono_offset, self._boot_offset = clock_offsets()
        try:
            self._clk_tck = os.sysconf("SC_CLK_TCK")
        except (ValueError, OSError):
            self._clk_tck = 100
        self.reads = 0
        self.read_failures = 0

    # time ----------------------------------------------------------------------------------------------

    def mono_to_epoch(self, mono_ns: int) -> int:
        return mono_ns + self._mono_offset

    def _start_ts(self, info: ProcInfo) -> ProcInfo:
        if info.starttime is None:
            return info
        start = self._boot_offset + info.starttime * 1_000_000_000 // self._clk_tck
        return dataclasses.replace(info, extra={**info.extra, "start_ts": start})

    # entries -------------------------------------------------------------------------------------------

    def _put(self, info: ProcInfo) -> None:
        if info.netns is not None and info.netns not in self.netns and len(self.netns) < MAX_NETNS:
            start = info.extra.get("start_ts")
            self.netns[info.netns] = (info.pid, start if isinstance(start, int) else 0)
        self._procs[info.pid] = info
        self._procs.move_to_end(info.pid)
        self._exited.discard(info.pid)
        while len(self._procs) > self.max_entries:
            old, _ = self._procs.popitem(last=False)
            self._exited.discard(old)

    # executable hints: the path of a file opened for execution (fanotify FAN_OPEN_EXEC), for processes that
    # exit before /proc can be read

    def exec_hint(self, pid: int, path: str, mono_ns: int) -> None:
        """Remember the first file ``pid`` opened for execution (the binary; the ELF interpreter comes after
        it). Completes a table entry whose exec could not be read."""
        with self._lock:
            old = self._hints.get(pid)
            if old is not None and mono_ns - old[0] < HINT_WINDOW_NS:
                return
            self._hints[pid] = (mono_ns, path)
            self._hints.move_to_end(pid)
            while len(self._hints) > 4096:
                self._hints.popitem(last=False)
            info = self._procs.get(pid)
            if info is not None and info.extra.get("exe_pending"):
                self._hints.pop(pid, None)
                self._procs[pid] = with_exe(info, path)

    def take_exec_hint(self, pid: int, exec_mono_ns: int) -> str | None:
        """The hint for the exec of ``pid`` at ``exec_mono_ns`` (hints older than HINT_WINDOW_NS belong to an
        earlier exec and are discarded)."""
        with self._lock:
            hint = self._hints.pop(pid, None)
        if hint is None or exec_mono_ns - hint[0] > HINT_WINDOW_NS:
            return None
        return hint[1]

    def put(self, info: ProcInfo) -> None:
        with self._lock:
            self._put(info)

    def get(self, pid: int) -> ProcInfo | None:
        with self._lock:
            info = self._procs.get(pid)
            if info is not None:
                self._procs.move_to_end(pid)
            return info

    def read(self, pid: int) -> ProcInfo | None:
        """Read /proc/PID now and store the result (None when the process is gone)."""
        self.reads += 1
        info = self.reader.read(pid)
        if info is None:
            self.read_failures += 1
            return None
        info = self._start_ts(info)
        with self._lock:
            self._put(info)
        return info

    def lookup(self, pid: int) -> ProcInfo | None:
        """The table's entry, or a fresh read of /proc when the table has none."""
        if pid <= 0:
            return None
        info = self.get(pid)
        if info is not None:
            return info
        return self.read(pid)

    def on_fork(self, parent: int, child: int, ts_ns: int) -> ProcInfo:
        """The child starts as a copy of its parent (same image, credentials, container)."""
        with self._lock:
            base = self._procs.get(parent)
        if base is None:
            base = self.lookup(parent)
        if base is None:
            info = ProcInfo(pid=child, ppid=parent, extra={"start_ts": ts_ns})
        else:
            info = dataclasses.replace(base, pid=child, ppid=parent, vpid=None, starttime=None, complete=False,
                                       extra={"start_ts": ts_ns, "inherited": True})
        with self._lock:
            self._put(info)
        return info

    def on_exit(self, pid: int) -> ProcInfo | None:
        """Mark exited; the entry stays (until evicted) for events still in flight."""
        with self._lock:
            info = self._procs.get(pid)
            self._exited.add(pid)
            return info

    def update(self, pid: int, **changes: Any) -> None:
        with self._lock:
            info = self._procs.get(pid)
            if info is not None:
                self._procs[pid] = dataclasses.replace(info, **changes)

    def ancestors(self, info: ProcInfo) -> list[ProcInfo]:
        chain: list[ProcInfo] = []
        seen = {info.pid}
        ppid = info.ppid
        while ppid and ppid > 0 and ppid not in seen and len(chain) < self.ancestors_max:
            seen.add(ppid)
            parent = self.lookup(ppid)
            if parent is None:
                break
            chain.append(parent)
            ppid = parent.ppid
        return chain

    def forget_netns(self, inode: int) -> None:
        with self._lock:
            self.netns.pop(inode, None)

    def __len__(self) -> int:
        return len(self._procs)

    # the event record ----------------------------------------------------------------------------------

    def describe(self, info: ProcInfo | None, pid: int, *, env: bool = False) -> dict[str, Any]:
        """The ``proc``, ``ancestors``, ``user``, ``group``, ``container`` and ``k8s`` keys for an event of
        process ``pid`` (``info`` None: only the pid is known). The environment is included only when
        ``env`` is set (execve records): repeating it in every record would multiply their size."""
        if info is None:
            return {"proc": {"pid": pid, "tid": pid}}
        out: dict[str, Any] = {"proc": proc_record(info, full=True, env=env)}
        chain = self.ancestors(info)
        if chain:
            out["ancestors"] = [proc_record(a, full=False) for a in chain]
        if info.euid is not None:
            user: dict[str, Any] = {"uid": info.euid}
            account = self.accounts.user(info.euid)
            if account is not None:
                user.update(name=account.name, homedir=account.home, shell=account.shell)
            if info.loginuid is not None:
                user["loginuid"] = info.loginuid
                if info.loginuid >= 0:
                    login = self.accounts.user(info.loginuid)
                    if login is not None:
                        user["loginname"] = login.name
            out["user"] = user
        if info.egid is not None:
            group: dict[str, Any] = {"gid": info.egid}
            name = self.accounts.group(info.egid)
            if name is not None:
                group["name"] = name
            out["group"] = group
        ref = info.container
        if ref is None:
            if info.cgroups:
                out["container"] = {"id": HOST_ID}
        else:
            out["container"] = {"id": ref.id, "full_id": ref.full_id, "type": ref.runtime}
            match = _POD_UID.search(ref.cgroup)
            if match:
                out["k8s"] = {"pod_uid": match.group(1).replace("_", "-")}
        return out


def proc_record(info: ProcInfo, *, full: bool, env: bool = False) -> dict[str, Any]:
    """The ``proc`` object (full) or one ``ancestors`` entry (a bounded subset) for a process."""
    rec: dict[str, Any] = {"pid": info.pid}
    if info.vpid is not None:
        rec["vpid"] = info.vpid
    if info.comm is not None:
        rec["name"] = info.comm
    if info.args is not None:
        if info.args:
            rec["exe"] = info.args[0]
        args = list(info.args[1:])
        if not full:
            args = _bounded(args, MAX_ANCESTOR_ARGS_BYTES)
        rec["args"] = args
    if info.exepath is not None:
        rec["exepath"] = info.exepath
    if info.sid is not None:
        rec["sid"] = info.sid
    if info.vpgid is not None:
        rec["vpgid"] = info.vpgid
    if info.tty_nr is not None:
        rec["tty"] = info.tty_nr
    start = info.extra.get("start_ts")
    if isinstance(start, int):
        rec["start_ts"] = start
    if not full:
        return rec
    rec["tid"] = info.pid
    if info.ppid is not None:
        rec["ppid"] = info.ppid
    if info.cwd is not None:
        rec["cwd"] = info.cwd if info.cwd.endswith("/") else info.cwd + "/"
    if env and info.env is not None:
        rec["env"] = list(info.env)
    for key, mask in (("cap_permitted", info.cap_prm), ("cap_effective", info.cap_eff),
                      ("cap_inheritable", info.cap_inh)):
        if mask is not None:
            rec[key] = list(cap_names(mask))
    if info.cgroups:
        rec["cgroups"] = cgroup_map(info.cgroups)
    if info.exepath is not None:
        rec["is_exe_from_memfd"] = info.exepath.startswith("/memfd:")
    return rec


def cgroup_map(lines: tuple[str, ...]) -> dict[str, str]:
    """``ID:controllers:path`` lines as {subsystem: path}; a cgroup v2 line fills the usual controllers not
    already given by a v1 hierarchy."""
    out: dict[str, str] = {}
    unified: str | None = None
    for line in lines[:64]:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[1] == "":
            unified = parts[2]
            continue
        for controller in parts[1].split(","):
            if controller:
                out[controller] = parts[2]
    if unified is not None:
        for controller in _V2_CONTROLLERS:
            out.setdefault(controller, unified)
    return out


def _bounded(args: list[str], limit: int) -> list[str]:
    kept, total = [], 0
    for arg in args:
        total += len(arg) + 1
        if total > limit:
            break
        kept.append(arg)
    return kept
