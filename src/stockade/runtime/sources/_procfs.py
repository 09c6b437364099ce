"""Process facts from ``/proc/PID``: parsers for its files (pure functions, tested on hostile input) and a
reader that assembles them into a ``ProcInfo``.

Every read is bounded; every parser returns None (or an empty value) for malformed input instead of
raising. A process that has exited (or a pid that was never there) reads as None.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from stockade.runtime.sources._cgroup import ContainerRef, container_from_cgroup_lines

MAX_CMDLINE = 64 * 1024
MAX_ENVIRON = 64 * 1024
MAX_SMALL = 16 * 1024  # stat, status, cgroup, loginuid
MAX_PASSWD = 4 * 1024 * 1024
MAX_ARGS = 4096  # arguments kept per process
LOGINUID_UNSET = 4294967295  # (uid_t)-1: no login session

CAP_NAMES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)


def cap_names(mask: int) -> tuple[str, ...]:
    """Capability names of a CapPrm/CapEff/CapInh bit mask, in bit order (``CAP_<n>`` for unknown bits)."""
    names = []
    bit = 0
    while mask and bit < 64:
        if mask & 1:
            names.append(CAP_NAMES[bit] if bit < len(CAP_NAMES) else f"CAP_{bit}")
        mask >>= 1
        bit += 1
    return tuple(names)


def tty_device(tty_nr: int) -> tuple[int, int]:
    """(major, minor) of the ``tty_nr`` field of /proc/PID/stat (the kernel's new_encode_dev)."""
    major = (tty_nr >> 8) & 0xFFF
    minor = (tty_nr & 0xFF) | ((tty_nr >> 12) & 0xFFF00)
    return major, minor


def tty_name(tty_nr: int, sys_root: str = "/sys") -> str | None:
    """The device name of a controlling terminal (``/dev/pts/3``), None for no terminal."""
    if tty_nr <= 0:
        return None
    major, minor = tty_device(tty_nr)
    if 136 <= major <= 143:
        return f"/dev/pts/{(major - 136) * 256 + minor}"
    if major == 4:
        return f"/dev/tty{minor}" if minor < 64 else f"/dev/ttyS{minor - 64}"
    if major == 5:
        return {0: "/dev/tty", 1: "/dev/console", 2: "/dev/ptmx"}.get(minor, f"/dev/char/{major}:{minor}")
    uevent = read_bounded(f"{sys_root}/dev/char/{major}:{minor}/uevent", 4096)
    if uevent:
        for line in uevent.decode("utf-8", "replace").splitlines():
            if line.startswith("DEVNAME="):
                return "/dev/" + line[len("DEVNAME="):]
    return f"/dev/char/{major}:{minor}"


def read_bounded(path: str, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a file, or None when it cannot be opened or read (process gone, EACCES)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        chunks = []
        total = 0
        while total < limit:
            chunk = os.read(fd, min(65536, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def readlink(path: str) -> str | None:
    """A link's target as text; bytes that are not UTF-8 (file names are bytes) become U+FFFD, so records
    stay valid UTF-8 JSON."""
    try:
        return os.readlink(os.fsencode(path)).decode("utf-8", "replace")
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class Stat:
    pid: int
    comm: str
    state: str
    ppid: int
    pgrp: int
    session: int
    tty_nr: int
    starttime: int  # clock ticks after boot


def parse_stat(data: bytes) -> Stat | None:
    """``/proc/PID/stat``: the command name is in parentheses and may itself contain spaces and parentheses,
    so the fields after it are split from the last ``)``."""
    try:
        text = data.decode("utf-8", "replace")
        open_paren, close_paren = text.index("("), text.rindex(")")
        if close_paren < open_paren:
            return None
        rest = text[close_paren + 1:].split()
        return Stat(
            pid=int(text[:open_paren]),
            comm=text[open_paren + 1:close_paren][:64],
            state=rest[0],
            ppid=int(rest[1]),
            pgrp=int(rest[2]),
            session=int(rest[3]),
            tty_nr=int(rest[4]),
            starttime=int(rest[19]),
        )
    except (ValueError, IndexError):
        return None


@dataclass(frozen=True, slots=True)
class Status:
    name: str | None = None
    tgid: int | None = None
    uids: tuple[int, ...] = ()  # real, effective, saved, filesystem
    gids: tuple[int, ...] = ()
    cap_inh: int | None = None
    cap_prm: int | None = None
    cap_eff: int | None = None
    nspid: tuple[int, ...] = ()  # pid in each nested pid namespace, outermost first
    nspgid: tuple[int, ...] = ()
    nssid: tuple[int, ...] = ()


def parse_status(data: bytes) -> Status:
    """``/proc/PID/status`` (``Key:\\tvalue`` lines); unknown or malformed lines are skipped."""
    values: dict[str, str] = {}
    for raw in data.decode("utf-8", "replace").splitlines()[:256]:
        key, sep, value = raw.partition(":")
        if sep:
            values[key.strip()] = value.strip()

    def ints(key: str) -> tuple[int, ...]:
        try:
            return tuple(int(v) for v in values.get(key, "").split()[:8])
        except ValueError:
            return ()

    def hexmask(key: str) -> int | None:
        try:
            return int(values[key], 16) if key in values else None
        except ValueError:
            return None

    tgid = ints("Tgid")
    return Status(
        name=values.get("Name"),
        tgid=tgid[0] if tgid else None,
        uids=ints("Uid"),
        gids=ints("Gid"),
        cap_inh=hexmask("CapInh"),
        cap_prm=hexmask("CapPrm"),
        cap_eff=hexmask("CapEff"),
        nspid=ints("NSpid"),
        nspgid=ints("NSpgid"),
        nssid=ints("NSsid"),
    )


def parse_nul_list(data: bytes, limit: int = MAX_ARGS) -> tuple[str, ...]:
    """NUL-separated strings (cmdline, environ); invalid UTF-8 is replaced, at most ``limit`` items."""
    if not data:
        return ()
    if data.endswith(b"\0"):
        data = data[:-1]
    return tuple(item.decode("utf-8", "replace") for item in data.split(b"\0")[:limit])


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    home: str
    shell: str


def parse_passwd(data: bytes) -> dict[int, Account]:
    """uid -> account from an /etc/passwd file; malformed lines are skipped, the first entry for a uid wins."""
    users: dict[int, Account] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) < 7 or line.startswith("#"):
            continue
        try:
            uid = int(fields[2])
        except ValueError:
            continue
        users.setdefault(uid, Account(fields[0], fields[5], fields[6]))
    return users


def parse_group(data: bytes) -> dict[int, str]:
    groups: dict[int, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) < 3 or line.startswith("#"):
            continue
        try:
            groups.setdefault(int(fields[2]), fields[0])
        except ValueError:
            continue
    return groups


class AccountDB:
    """The host's users and groups (/etc/passwd and /etc/group), re-read when a file changes (checked at most
    once a second)."""

    def __init__(self, passwd: str = "/etc/passwd", group: str = "/etc/group") -> None:
        self._paths = (passwd, group)
        self._lock = threading.Lock()
        self._stamp: tuple[object, object] | None = None
        self._checked = 0.0
        self._users: dict[int, Account] = {}
        self._groups: dict[int, str] = {}

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._stamp is not None and now - self._checked < 1.0:
            return
        self._checked = now
        stamp = tuple(self._mtime(p) for p in self._paths)
        if stamp == self._stamp:
            return
        self._stamp = (stamp[0], stamp[1])
        self._users = parse_passwd(read_bounded(self._paths[0], MAX_PASSWD) or b"")
        self._groups = parse_group(read_bounded(self._paths[1], MAX_PASSWD) or b"")

    @staticmethod
    def _mtime(path: str) -> object:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def user(self, uid: int | None) -> Account | None:
        if uid is None:
            return None
        with self._lock:
            self._refresh()
            return self._users.get(uid)

    def group(self, gid: int | None) -> str | None:
        if gid is None:
            return None
        with self._lock:
            self._refresh()
            return self._groups.get(gid)


@dataclass(frozen=True, slots=True)
class ProcInfo:
    """What is known about one process (thread group). None means "could not be read"."""

    pid: int
    ppid: int | None = None
    comm: str | None = None  # the task name (15 characters at most): Falco's proc.name
    args: tuple[str, ...] | None = None  # argv, argv[0] included
    exepath: str | None = None  # the executable (readlink of /proc/PID/exe), relative to the process root
    cwd: str | None = None
    root: str | None = None  # the process's root directory as seen from the host ("/" unless chrooted)
    uid: int | None = None
    euid: int | None = None
    gid: int | None = None
    egid: int | None = None
    loginuid: int | None = None  # -1 when unset
    tty_nr: int | None = None
    tty: str | None = None  # the terminal's device name
    sid: int | None = None
    pgid: int | None = None
    vpid: int | None = None  # as seen from the process's own pid namespace
    vpgid: int | None = None
    cap_inh: int | None = None
    cap_prm: int | None = None
    cap_eff: int | None = None
    env: tuple[str, ...] | None = None
    container: ContainerRef | None = None
    cgroups: tuple[str, ...] = ()
    starttime: int | None = None  # clock ticks after boot (identifies the process across pid reuse)
    netns: int | None = None  # inode of its network namespace
    complete: bool = False  # every /proc file was read
    extra: Mapping[str, object] = field(default_factory=dict)


def strip_root(path: str | None, root: str | None) -> str | None:
    """A host path made relative to a chroot (``/srv/rootfs/usr/bin/bash`` -> ``/usr/bin/bash``)."""
    if path is None or not root or root == "/":
        return path
    if path == root:
        return "/"
    if path.startswith(root + "/"):
        return path[len(root):]
    return path


class ProcReader:
    """Reads ``ProcInfo`` for a pid from a procfs mount (``/proc`` by default; tests may point elsewhere)."""

    def __init__(self, proc_root: str = "/proc", sys_root: str = "/sys", *, read_env: bool = True) -> None:
        self.proc_root = proc_root.rstrip("/") or "/"
        self.sys_root = sys_root
        self.read_env = read_env

    def read(self, pid: int) -> ProcInfo | None:
        base = f"{self.proc_root}/{pid}"
        stat_raw = read_bounded(f"{base}/stat", MAX_SMALL)
        st = parse_stat(stat_raw) if stat_raw else None
        if st is None:
            return None
        status = parse_status(read_bounded(f"{base}/status", MAX_SMALL) or b"")
        if status.tgid is not None and status.tgid != pid:
            # a thread id: describe its thread group instead
            return self.read(status.tgid)
        if st.state in ("Z", "X"):
            # exited, not yet reaped: the name is still there, the image (arguments, executable, working
            # directory, environment) is gone
            return ProcInfo(pid=pid, ppid=st.ppid, comm=st.comm, uid=status.uids[0] if status.uids else None,
                            euid=status.uids[1] if len(status.uids) > 1 else None,
                            gid=status.gids[0] if status.gids else None,
                            egid=status.gids[1] if len(status.gids) > 1 else None, tty_nr=st.tty_nr,
                            tty=tty_name(st.tty_nr, self.sys_root), sid=st.session, pgid=st.pgrp,
                            starttime=st.starttime, complete=False, extra={"zombie": True})
        complete = True
        cmdline = read_bounded(f"{base}/cmdline", MAX_CMDLINE)
        args = parse_nul_list(cmdline) if cmdline is not None else None
        if cmdline is None:
            complete = False
        root = readlink(f"{base}/root")
        exepath = strip_root(readlink(f"{base}/exe"), root)
        cwd = strip_root(readlink(f"{base}/cwd"), root)
        loginuid: int | None = None
        raw_login = read_bounded(f"{base}/loginuid", 64)
        if raw_login is not None:
            try:
                value = int(raw_login.strip() or b"-1")
                loginuid = -1 if value == LOGINUID_UNSET else value
            except ValueError:
                loginuid = None
        env: tuple[str, ...] | None = None
        if self.read_env:
            raw_env = read_bounded(f"{base}/environ", MAX_ENVIRON)
            env = parse_nul_list(raw_env) if raw_env is not None else None
        try:
            netns: int | None = os.stat(f"{base}/ns/net").st_ino
        except OSError:
            netns = None
        cgroup_raw = read_bounded(f"{base}/cgroup", MAX_SMALL)
        cgroups = tuple(cgroup_raw.decode("utf-8", "replace").splitlines()) if cgroup_raw else ()
        if cgroup_raw is None or exepath is None:
            complete = False
        uids, gids = status.uids, status.gids
        return ProcInfo(
            pid=pid,
            ppid=st.ppid,
            comm=st.comm,
            args=args,
            exepath=exepath,
            cwd=cwd,
            root=root,
            uid=uids[0] if uids else None,
            euid=uids[1] if len(uids) > 1 else None,
            gid=gids[0] if gids else None,
            egid=gids[1] if len(gids) > 1 else None,
            loginuid=loginuid,
            tty_nr=st.tty_nr,
            tty=tty_name(st.tty_nr, self.sys_root),
            sid=st.session,
            pgid=st.pgrp,
            vpid=status.nspid[-1] if status.nspid else pid,
            vpgid=status.nspgid[-1] if status.nspgid else st.pgrp,
            cap_inh=status.cap_inh,
            cap_prm=status.cap_prm,
            cap_eff=status.cap_eff,
            env=env,
            container=container_from_cgroup_lines(cgroups),
            cgroups=cgroups,
            starttime=st.starttime,
            netns=netns,
            complete=complete,
        )

    def pids(self) -> list[int]:
        try:
            return [int(name) for name in os.listdir(self.proc_root) if name.isdigit()]
        except OSError:
            return []
