"""The ``syscall`` field table: Falco's syscall fields (evt, proc, thread, user, group, fd, fs.path, container,
k8s) over stockade's syscall event record (``event-schema.json``, described in docs/runtime-events.md).

Conventions the condition compiler relies on:

* an extractor returns None when the event lacks the data (libsinsp's "not available");
* ancestor fields (``proc.aname``, ``proc.apid``, ``proc.aexe``, ``proc.aexepath``, ``proc.acmdline``,
  ``proc.aenv``) take an optional argument. With an index they return one value (``[0]`` is the process
  itself, ``[1]`` its parent); without it they return the tuple of all ancestors' values (parent first, the
  process itself excluded) and the compiler applies "any ancestor" semantics (``FieldDef.is_list`` is False,
  ``FieldDef.arg`` is ``OPTIONAL_INDEX``/``OPTIONAL_KEY``);
* ``fd.ip``, ``fd.port`` and ``fd.net`` match either end of a connection, so they return the tuple of both
  ends and are declared ``OPTIONAL_INDEX`` (any argument is refused) so that the compiler applies the same
  "any of" semantics;
* dotted arguments (``evt.arg.flags``, ``k8s.pod.label.app``) are looked up by the compiler as ``evt.arg``
  with argument ``flags``: ``lookup()`` knows only the base names.

Extractors are closures over plain dict lookups; nothing is computed per event unless a rule asks for it.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeGuard

from stockade.runtime.fields._syscall_data import (
    CATEGORIES,
    ERRNO_NAMES,
    EVENT_TYPES,
    FD_IO_CATEGORY,
    FD_TYPECHARS,
    IO_READ_TYPES,
    IO_WRITE_TYPES,
    NON_SYSCALL_TYPES,
    OPEN_CREATE_TYPES,
    OPEN_TYPES,
    SHELL_NAMES,
    WAIT_TYPES,
)
from stockade.runtime.fields._table import EMPTY, Maker, SpecBuilder, Table, parse_index
from stockade.runtime.fields.api import ArgKind, Event, Extractor, FieldError, FieldType

__all__ = ["SOURCE", "SyscallFieldTable", "event_time", "event_type"]

SOURCE = "syscall"

S = FieldType.STRING
N = FieldType.NUMBER
B = FieldType.BOOL
IP = FieldType.IPADDR
NET = FieldType.IPNET

AT_FDCWD = -100
LOGINUID_UNSET = 4294967295
MAX_ANCESTORS = 64
COMM_LEN = 15  # TASK_COMM_LEN - 1


def event_type(event: Event) -> str:
    """The event's type (``evt.type``); ``""`` for a record without a string type."""
    t = event.get("type")
    return t if type(t) is str else ""


def event_time(event: Event) -> int:
    """The event's timestamp in ns since the epoch (``ts``); 0 when the record has none."""
    t = event.get("ts")
    return t if type(t) is int else 0


# ---------------------------------------------------------------------------------------------------------------
# small readers


def _is_map(v: object) -> TypeGuard[Mapping[str, Any]]:
    """A JSON object: a dict (the fast path) or any other mapping."""
    return type(v) is dict or isinstance(v, Mapping)


def _str(v: object) -> str | None:
    return v if type(v) is str else None


def _int(v: object) -> int | None:
    return v if type(v) is int else None


def _section_str(section: str, key: str) -> Extractor:
    def ex(ev: Event) -> object:
        d = ev.get(section)
        if d:
            v = d.get(key)
            if type(v) is str:
                return v
        return None

    return ex


def _section_int(section: str, key: str) -> Extractor:
    def ex(ev: Event) -> object:
        d = ev.get(section)
        if d:
            v = d.get(key)
            if type(v) is int:
                return v
        return None

    return ex


def _section_bool(section: str, key: str, default: bool | None) -> Extractor:
    def ex(ev: Event) -> object:
        d = ev.get(section)
        if d:
            v = d.get(key)
            if type(v) is bool:
                return v
        return default

    return ex


def _join(v: object, sep: str) -> str | None:
    if type(v) is str:
        return v
    if type(v) is list:
        return sep.join(x for x in v if type(x) is str)
    return None


def _octal(v: object) -> int | None:
    if type(v) is int:
        return v
    if type(v) is str:
        t = v.strip()
        try:
            return int(t, 8)
        except ValueError:
            return None
    return None


def _resolve(path: str, cwd: object, dirfd: object = AT_FDCWD) -> str | None:
    """An absolute, normalised path: ``path`` itself when absolute, else relative to the cwd (only when the
    call was relative to the cwd: dirfd AT_FDCWD or absent)."""
    if path.startswith("/"):
        base = path
    elif type(cwd) is str and cwd.startswith("/") and (dirfd is None or dirfd == AT_FDCWD):
        base = cwd.rstrip("/") + "/" + path
    else:
        return None
    if "/." not in base and "//" not in base and (len(base) == 1 or not base.endswith("/")):
        return base  # already normal: the common case, without normpath's cost
    out = posixpath.normpath(base)
    if out.startswith("//"):
        out = "/" + out.lstrip("/")
    return out


# ---------------------------------------------------------------------------------------------------------------
# processes


def _p_name(p: Mapping[str, Any]) -> str | None:
    v = p.get("name")
    if type(v) is str:
        return v
    path = p.get("exepath")
    if type(path) is not str:
        path = p.get("exe")
    if type(path) is str and path:
        base = path.rsplit("/", 1)[-1]
        return base.encode("utf-8", "surrogateescape")[:COMM_LEN].decode("utf-8", "ignore") or None
    return None


def _p_args(p: Mapping[str, Any]) -> list[str] | None:
    a = p.get("args")
    if type(a) is list:
        return [x for x in a if type(x) is str]
    return None


def _join_words(a: list[Any]) -> str:
    try:
        return " ".join(a)
    except TypeError:  # a non-string item: skip it
        return " ".join(x for x in a if type(x) is str)


def _p_args_str(p: Mapping[str, Any]) -> str | None:
    a = p.get("args")
    return _join_words(a) if type(a) is list else None


def _p_cmdline(p: Mapping[str, Any]) -> str | None:
    name = _p_name(p)
    if name is None:
        return None
    a = p.get("args")
    if type(a) is list and a:
        return name + " " + _join_words(a)
    return name


def _p_exeline(p: Mapping[str, Any]) -> str | None:
    exe = p.get("exe")
    if type(exe) is not str:
        return None
    a = p.get("args")
    if type(a) is list and a:
        return exe + " " + _join_words(a)
    return exe


def _p_exe(p: Mapping[str, Any]) -> str | None:
    return _str(p.get("exe"))


def _p_exepath(p: Mapping[str, Any]) -> str | None:
    return _str(p.get("exepath"))


def _p_pid(p: Mapping[str, Any]) -> int | None:
    return _int(p.get("pid"))


def _p_vpid(p: Mapping[str, Any]) -> int | None:
    v = p.get("vpid")
    return v if type(v) is int else _int(p.get("pid"))


def _p_env(p: Mapping[str, Any]) -> str | None:
    e = p.get("env")
    if type(e) is list:
        return " ".join(x for x in e if type(x) is str)
    return None


def _env_value(p: Mapping[str, Any], name: str) -> str | None:
    e = p.get("env")
    if type(e) is list:
        prefix = name + "="
        for x in e:
            if type(x) is str and x.startswith(prefix):
                return x[len(prefix) :]
    return None


_ProcAttr = Callable[[Mapping[str, Any]], object]


def _ancestors(ev: Event) -> Sequence[Mapping[str, Any]]:
    a = ev.get("ancestors")
    return a if type(a) is list else ()


def _level(ev: Event, n: int) -> Mapping[str, Any] | None:
    """The process ``n`` levels up: 0 = the process itself, 1 = its parent."""
    if n == 0:
        p = ev.get("proc")
        return p if p else None
    a = ev.get("ancestors")
    if type(a) is list and len(a) >= n:
        x = a[n - 1]
        return x if _is_map(x) else None
    return None


def _self(attr: _ProcAttr) -> Extractor:
    def ex(ev: Event) -> object:
        p = ev.get("proc")
        return attr(p) if p else None

    return ex


def _parent(attr: _ProcAttr) -> Extractor:
    def ex(ev: Event) -> object:
        a = ev.get("ancestors")
        if type(a) is list and a:
            x = a[0]
            if _is_map(x):
                return attr(x)
        return None

    return ex


def _ancestor_maker(attr: _ProcAttr) -> Maker:
    """proc.aX[N] / proc.aX: one level, or the tuple of every ancestor's value."""

    def make(arg: str | None) -> Extractor:
        if arg is None:

            def every(ev: Event) -> object:
                a = ev.get("ancestors")
                if type(a) is not list:
                    return None
                out = []
                for x in a[:MAX_ANCESTORS]:
                    if _is_map(x):
                        v = attr(x)
                        if v is not None:
                            out.append(v)
                return tuple(out)

            return every
        n = parse_index("proc.a*", arg)

        def one(ev: Event) -> object:
            p = _level(ev, n)
            return None if p is None else attr(p)

        return one

    return make


def _chain(ev: Event) -> list[Mapping[str, Any]]:
    p = ev.get("proc")
    out: list[Mapping[str, Any]] = [p] if p else []
    out.extend(x for x in _ancestors(ev)[:MAX_ANCESTORS] if _is_map(x))
    return out


def _leader(ev: Event, key: str) -> Mapping[str, Any] | None:
    """The session (key 'sid') or process-group (key 'vpgid') leader: the process whose vpid is the id, else the
    eldest ancestor with the same id."""
    p = ev.get("proc")
    if not p:
        return None
    ident = p.get(key)
    if type(ident) is not int:
        return None
    found: Mapping[str, Any] | None = None
    for x in _chain(ev):
        if _p_vpid(x) == ident:
            return x
        if x.get(key) == ident:
            found = x
    return found


def _leader_attr(key: str, explicit: str, attr: _ProcAttr) -> Extractor:
    def ex(ev: Event) -> object:
        p = ev.get("proc")
        if p:
            v = p.get(explicit)
            if type(v) is str:
                return v
        leader = _leader(ev, key)
        return None if leader is None else attr(leader)

    return ex


def _is_leader(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        p = ev.get("proc")
        if not p:
            return None
        ident = p.get(key)
        vpid = _p_vpid(p)
        if type(ident) is not int or vpid is None:
            return None
        return ident == vpid

    return ex


def _ppid(ev: Event) -> object:
    p = ev.get("proc")
    if p:
        v = p.get("ppid")
        if type(v) is int:
            return v
    parent = _level(ev, 1)
    return None if parent is None else _p_pid(parent)


def _pvpid(ev: Event) -> object:
    p = ev.get("proc")
    if p:
        v = p.get("pvpid")
        if type(v) is int:
            return v
    parent = _level(ev, 1)
    return None if parent is None else _p_vpid(parent)


def _vpid(ev: Event) -> object:
    p = ev.get("proc")
    return _p_vpid(p) if p else None


def _tid(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    v = p.get("tid")
    return v if type(v) is int else _int(p.get("pid"))


def _vtid(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    v = p.get("vtid")
    return v if type(v) is int else _p_vpid(p)


def _ismain(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    tid = p.get("tid")
    return True if type(tid) is not int else tid == p.get("pid")


def _loginshellid(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    v = p.get("loginshellid")
    if type(v) is int:
        return v
    found = None
    for x in _chain(ev):
        if _p_name(x) in SHELL_NAMES:
            found = _p_pid(x)
    return found


def _duration_since(get_start: Callable[[Event], object]) -> Extractor:
    def ex(ev: Event) -> object:
        start = get_start(ev)
        ts = ev.get("ts")
        if type(start) is int and start > 0 and type(ts) is int and ts >= start:
            return ts - start
        return None

    return ex


def _parent_start(ev: Event) -> object:
    parent = _level(ev, 1)
    return None if parent is None else _int(parent.get("start_ts"))


def _proc_start(ev: Event) -> object:
    p = ev.get("proc")
    return _int(p.get("start_ts")) if p else None


def _exe_ctime_since_start(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    ctime, start = p.get("exe_ino_ctime"), p.get("start_ts")
    if type(ctime) is int and type(start) is int and ctime > 0 and start >= ctime:
        return start - ctime
    return None


def _exe_ctime_since_pidns(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    ctime, start = p.get("exe_ino_ctime"), p.get("pidns_init_start_ts")
    if type(ctime) is int and type(start) is int and start > 0 and ctime >= start:
        return ctime - start
    return None


def _fdusage(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    n, limit = p.get("fdopencount"), p.get("fdlimit")
    if type(n) is int and type(limit) is int and limit > 0:
        return n / limit
    return None


def _caps(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        p = ev.get("proc")
        return _join(p.get(key), " ") if p else None

    return ex


def _env_maker(arg: str | None) -> Extractor:
    if arg is None:
        return _self(_p_env)
    name = arg

    def ex(ev: Event) -> object:
        p = ev.get("proc")
        return _env_value(p, name) if p else None

    return ex


def _aenv_maker(arg: str | None) -> Extractor:
    if arg is None or arg.strip().isdigit():
        return _ancestor_maker(_p_env)(arg)
    name = arg

    def ex(ev: Event) -> object:
        for x in _ancestors(ev)[:20]:
            if _is_map(x):
                v = _env_value(x, name)
                if v is not None:
                    return v
        return None

    return ex


def _cgroups(ev: Event) -> object:
    p = ev.get("proc")
    if not p:
        return None
    c = p.get("cgroups")
    if not _is_map(c):
        return None
    return " ".join(f"{k}={v}" for k, v in c.items() if type(v) is str)


def _cgroup_maker(arg: str | None) -> Extractor:
    key = arg or ""

    def ex(ev: Event) -> object:
        p = ev.get("proc")
        if not p:
            return None
        c = p.get("cgroups")
        return _str(c.get(key)) if _is_map(c) else None

    return ex


def _main_thread_int(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        p = ev.get("proc")
        if not p:
            return None
        tid = p.get("tid")
        if type(tid) is int and tid != p.get("pid"):
            return 0
        return _int(p.get(key))

    return ex


def _loginuid(ev: Event) -> object:
    u = ev.get("user")
    if not u:
        return None
    v = u.get("loginuid")
    if type(v) is not int:
        return None
    return -1 if v in (LOGINUID_UNSET, -1) else v


# ---------------------------------------------------------------------------------------------------------------
# evt


def _fmt_time(fmt: str, with_ns: bool, iso: bool = False) -> Extractor:
    def ex(ev: Event) -> object:
        ts = ev.get("ts")
        if type(ts) is not int:
            return None
        try:
            dt = datetime.fromtimestamp(ts // 1_000_000_000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        out = dt.strftime(fmt)
        if with_ns:
            out += f".{ts % 1_000_000_000:09d}"
        if iso:
            out += "Z"
        return out

    return ex


def _ts_part(div: int, mod: int | None) -> Extractor:
    def ex(ev: Event) -> object:
        ts = ev.get("ts")
        if type(ts) is not int:
            return None
        return ts % mod if mod else ts // div

    return ex


def _int_key_part(key: str, part: str) -> Extractor:
    def ex(ev: Event) -> object:
        v = ev.get(key)
        if type(v) is not int:
            return None
        if part == "s":
            return v // 1_000_000_000
        if part == "ns":
            return v % 1_000_000_000
        return v

    return ex


def _latency_human(ev: Event) -> object:
    v = ev.get("latency")
    if type(v) is not int:
        return None
    if v >= 1_000_000_000:
        return f"{v / 1e9:.2f}s"
    if v >= 1_000_000:
        return f"{v / 1e6:.2f}ms"
    if v >= 1_000:
        return f"{v / 1e3:.2f}us"
    return f"{v}ns"


def _evt_type(ev: Event) -> object:
    return _str(ev.get("type"))


def _evt_dir(ev: Event) -> object:
    d = ev.get("dir")
    return d if type(d) is str else "<"


def _syscall_type(ev: Event) -> object:
    t = ev.get("type")
    return t if type(t) is str and t not in NON_SYSCALL_TYPES else None


def _type_is_maker(arg: str | None) -> Extractor:
    want = arg or ""

    def ex(ev: Event) -> object:
        return 1 if ev.get("type") == want else 0

    return ex


def _fd_type_of(ev: Event) -> str | None:
    fd = _fd(ev)
    return None if fd is None else _str(fd.get("type"))


def _category(ev: Event) -> object:
    t = ev.get("type")
    if type(t) is not str:
        return None
    if t in IO_READ_TYPES or t in IO_WRITE_TYPES:
        ft = _fd_type_of(ev)
        return FD_IO_CATEGORY.get(ft, "other") if ft else "other"
    return CATEGORIES.get(t, "other")


# list-valued parameters that are word lists (joined by spaces); every other list is a flag set (joined by '|')
_WORD_LIST_ARGS = frozenset({"args", "env", "argv"})


def _render_arg(v: object, key: str = "") -> str | None:
    if type(v) is str:
        return v
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is int or type(v) is float:
        return str(v)
    if type(v) is list:
        sep = " " if key in _WORD_LIST_ARGS else "|"
        return sep.join(str(x) for x in v if type(x) in (str, int))
    return None


def _args(ev: Event) -> Mapping[str, Any]:
    a = ev.get("args")
    return a if a else EMPTY


def _evt_args(ev: Event) -> object:
    a = ev.get("args")
    if not a:
        return ""
    parts = []
    for k, v in a.items():
        r = _render_arg(v, k)
        parts.append(f"{k}={r if r is not None else ''}")
    return " ".join(parts)


def _arg_item(ev: Event, key: str, index: int | None) -> tuple[str, object]:
    """(parameter name, value) of ``evt.arg[key]`` / ``evt.arg[index]``; value None when absent."""
    a = ev.get("args")
    if not a:
        return key, None
    if index is None:
        return key, a.get(key)
    if index < len(a):
        for i, item in enumerate(a.items()):
            if i == index:
                return item  # type: ignore[no-any-return]
    return key, None


def _arg_maker(arg: str | None) -> Extractor:
    key = arg or ""
    index = int(key) if key.isdigit() and len(key) < 10 else None

    def ex(ev: Event) -> object:
        name, value = _arg_item(ev, key, index)
        return _render_arg(value, name)

    return ex


def _rawarg_maker(arg: str | None) -> Extractor:
    key = arg or ""
    index = int(key) if key.isdigit() and len(key) < 10 else None

    def ex(ev: Event) -> object:
        v = _arg_item(ev, key, index)[1]
        if type(v) is int:
            return v
        if type(v) is bool:
            return int(v)
        if type(v) is str:
            try:
                return int(v, 0)
            except ValueError:
                return None
        return None

    return ex


def _buffer(ev: Event) -> object:
    a = ev.get("args")
    if not a:
        return None
    v = a.get("data")
    if type(v) is str:
        return v.encode("utf-8", "surrogateescape")
    return None


def _buflen(ev: Event) -> object:
    a = ev.get("args")
    if not a:
        return None
    v = a.get("data")
    if type(v) is str:
        return len(v.encode("utf-8", "surrogateescape"))
    return _int(a.get("size"))


def _res(ev: Event) -> object:
    r = ev.get("res")
    if type(r) is not int:
        return None
    if r >= 0:
        return "SUCCESS"
    return ERRNO_NAMES.get(-r, str(r))


def _rawres(ev: Event) -> object:
    return _int(ev.get("res"))


def _failed(ev: Event) -> object:
    r = ev.get("res")
    return type(r) is int and r < 0


def _count_error(category: str | None) -> Extractor:
    def ex(ev: Event) -> object:
        r = ev.get("res")
        if type(r) is not int or r >= 0:
            return 0
        if category is None:
            return 1
        c = _category(ev)
        if category == "other":
            return 1 if c not in ("file", "net", "memory") else 0
        return 1 if c == category else 0

    return ex


def _is_type_in(types: frozenset[str]) -> Extractor:
    def ex(ev: Event) -> object:
        return ev.get("type") in types

    return ex


def _io_dir(ev: Event) -> object:
    t = ev.get("type")
    if t in IO_READ_TYPES:
        return "r"
    if t in IO_WRITE_TYPES:
        return "w"
    return None


def _is_syslog(ev: Event) -> object:
    if ev.get("type") not in IO_WRITE_TYPES:
        return False
    fd = _fd(ev)
    return fd is not None and fd.get("name") in ("/dev/log", "/run/systemd/journal/dev-log")


def _flag_set(ev: Event) -> frozenset[str] | None:
    a = ev.get("args")
    if not a:
        return None
    f = a.get("flags")
    if type(f) is str:
        return frozenset(f.split("|"))
    if type(f) is list:
        return frozenset(x for x in f if type(x) is str)
    return None


def _open_mode(want_read: bool) -> Extractor:
    def ex(ev: Event) -> object:
        if ev.get("type") not in OPEN_TYPES:
            return False
        a = ev.get("args")
        if not a:
            return False
        f = a.get("flags")
        if type(f) is str:  # the rendered form: substring tests, no split
            if "O_RDWR" in f:
                return True
            return ("O_WRONLY" not in f) if want_read else ("O_WRONLY" in f)
        flags = _flag_set(ev)
        if flags is None:
            return False
        if "O_RDWR" in flags:
            return True
        if "O_WRONLY" in flags:
            return not want_read
        return want_read

    return ex


def _is_open_create(ev: Event) -> object:
    t = ev.get("type")
    if t == "creat":
        return True
    if t not in OPEN_TYPES:
        return False
    flags = _flag_set(ev)
    return flags is not None and ("O_F_CREATED" in flags or "O_CREAT" in flags)


def _is_open_exec(ev: Event) -> object:
    t = ev.get("type")
    if t not in OPEN_CREATE_TYPES:
        return False
    if t != "creat":
        flags = _flag_set(ev)
        if flags is None or not ("O_CREAT" in flags or "O_F_CREATED" in flags):
            return False
    mode = _args(ev).get("mode")
    if type(mode) is str and "S_IX" in mode:
        return True
    m = _octal(mode)
    return m is not None and (m & 0o111) != 0


# path arguments per event type: (name-ish key, source key, target key)
_PATH_KEYS = ("path", "name", "filename", "pathname")
_SRC_TGT: Mapping[str, tuple[str, str, str | None, str | None]] = {
    # type: (source key, target key, source dirfd key, target dirfd key)
    "symlink": ("target", "linkpath", None, None),
    "symlinkat": ("target", "linkpath", None, "linkdirfd"),
    "link": ("oldpath", "newpath", None, None),
    "linkat": ("oldpath", "newpath", "olddirfd", "newdirfd"),
    "rename": ("oldpath", "newpath", None, None),
    "renameat": ("oldpath", "newpath", "olddirfd", "newdirfd"),
    "renameat2": ("oldpath", "newpath", "olddirfd", "newdirfd"),
}


def _cwd(ev: Event) -> object:
    p = ev.get("proc")
    return p.get("cwd") if p else None


def _path_raw(ev: Event) -> tuple[str, object] | None:
    if ev.get("type") in _SRC_TGT:
        return None
    a = ev.get("args")
    if not a:
        return None
    for k in _PATH_KEYS:
        v = a.get(k)
        if type(v) is str:
            return v, a.get("dirfd", AT_FDCWD)
    return None


def _fs_path(resolved: bool) -> Extractor:
    def ex(ev: Event) -> object:
        found = _path_raw(ev)
        if found is None:
            return None
        raw, dirfd = found
        return _resolve(raw, _cwd(ev), dirfd) if resolved else raw

    return ex


def _fs_src_tgt(which: int, resolved: bool) -> Extractor:
    def ex(ev: Event) -> object:
        spec = _SRC_TGT.get(ev.get("type"))  # type: ignore[arg-type]
        if spec is None:
            return None
        a = _args(ev)
        raw = a.get(spec[0] if which == 0 else spec[1])
        if type(raw) is not str:
            return None
        if not resolved:
            return raw
        if which == 0 and ev.get("type") in ("symlink", "symlinkat"):
            return raw  # a symlink's target is stored as given
        dirfd_key = spec[2 + which]
        return _resolve(raw, _cwd(ev), a.get(dirfd_key, AT_FDCWD) if dirfd_key else AT_FDCWD)

    return ex


def _abspath_maker(which: int | None) -> Extractor:
    def ex(ev: Event) -> object:
        if which is None:
            found = _path_raw(ev)
            if found is None:
                return None
            return _resolve(found[0], _cwd(ev), found[1])
        return _fs_src_tgt(which, True)(ev)

    return ex


# ---------------------------------------------------------------------------------------------------------------
# fd


def _fd(ev: Event) -> Mapping[str, Any] | None:
    fd = ev.get("fd")
    if fd:
        return fd  # type: ignore[no-any-return]
    if ev.get("type") not in OPEN_CREATE_TYPES:
        return None
    cached = ev.get("_fd")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    derived = _derive_open_fd(ev)
    if derived is not None and isinstance(ev, dict):
        ev["_fd"] = derived  # computed once per event, whatever number of fd.* fields the rules read
    return derived


def _derive_open_fd(ev: Event) -> dict[str, Any] | None:
    """The fd of an open-family record without an ``fd`` object, from its arguments."""
    a = ev.get("args")
    if not a:
        return None
    raw = a.get("name")
    if type(raw) is not str:
        raw = a.get("pathname")
        if type(raw) is not str:
            return None
    res = ev.get("res")
    f = a.get("flags")
    is_dir = type(f) in (str, list) and "O_DIRECTORY" in f  # substring of the rendered set, or a list item
    if raw.startswith("/") and "/." not in raw and "//" not in raw:
        name = raw
    else:
        name = _resolve(raw, _cwd(ev), a.get("dirfd", AT_FDCWD)) or raw
    return {
        "num": res if type(res) is int and res >= 0 else -1,
        "type": "directory" if is_dir else "file",
        "name": name,
        "nameraw": raw,
    }


def _is_ip(fd: Mapping[str, Any]) -> bool:
    return fd.get("type") in ("ipv4", "ipv6")


def _fd_str(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        fd = _fd(ev)
        return None if fd is None else _str(fd.get(key))

    return ex


def _fd_int(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        fd = _fd(ev)
        return None if fd is None else _int(fd.get(key))

    return ex


def _fd_name_of(fd: Mapping[str, Any]) -> str | None:
    v = fd.get("name")
    if type(v) is str:
        return v
    if _is_ip(fd):
        cip, cport, sip, sport = fd.get("cip"), fd.get("cport"), fd.get("sip"), fd.get("sport")
        if type(cip) is str and type(sip) is str:
            return f"{cip}:{cport if type(cport) is int else 0}->{sip}:{sport if type(sport) is int else 0}"
    return None


def _fd_name(ev: Event) -> object:
    fd = _fd(ev)
    return None if fd is None else _fd_name_of(fd)


def _fd_nameraw(ev: Event) -> object:
    fd = _fd(ev)
    if fd is None:
        return None
    v = fd.get("nameraw")
    return v if type(v) is str else _fd_name_of(fd)


def _fd_typechar(ev: Event) -> object:
    fd = _fd(ev)
    if fd is None:
        return None
    t = fd.get("type")
    return FD_TYPECHARS.get(t, "o") if type(t) is str else None


def _fd_directory(ev: Event) -> object:
    fd = _fd(ev)
    if fd is None:
        return None
    t = fd.get("type")
    name = _str(fd.get("name"))
    if name is None:
        return None
    if t == "directory":
        return name
    if t in ("file", "memfd") or t is None:
        d = name.rsplit("/", 1)[0] if "/" in name else None
        return d if d else ("/" if name.startswith("/") else None)
    return None


def _fd_filename(ev: Event) -> object:
    fd = _fd(ev)
    if fd is None:
        return None
    t = fd.get("type")
    name = _str(fd.get("name"))
    if name is None or t not in ("file", "memfd", None):
        return None
    return name.rsplit("/", 1)[-1]


def _fd_end(server: bool | None, ip: bool, local: bool | None = None) -> Extractor:
    """Client/server (server=False/True) or local/remote (local=True/False) address (ip) or port."""
    suffix = "ip" if ip else "port"

    def ex(ev: Event) -> object:
        fd = _fd(ev)
        if fd is None or not _is_ip(fd):
            return None
        srv = server
        if local is not None:
            is_server = fd.get("is_server") is True
            srv = is_server if local else not is_server
        v = fd.get(("s" if srv else "c") + suffix)
        return v if type(v) is (str if ip else int) else None

    return ex


def _fd_either(ip: bool) -> Maker:
    suffix = "ip" if ip else "port"

    def make(arg: str | None) -> Extractor:
        if arg is not None:
            raise FieldError("this field does not take an argument")

        def ex(ev: Event) -> object:
            fd = _fd(ev)
            if fd is None or not _is_ip(fd):
                return None
            want = str if ip else int
            out = tuple(v for v in (fd.get("c" + suffix), fd.get("s" + suffix)) if type(v) is want)
            return out or None

        return ex

    return make


def _fd_name_of_end(server: bool | None, local: bool | None = None) -> Extractor:
    def ex(ev: Event) -> object:
        fd = _fd(ev)
        if fd is None or not _is_ip(fd):
            return None
        srv = server
        if local is not None:
            is_server = fd.get("is_server") is True
            srv = is_server if local else not is_server
        return _str(fd.get("sip_name" if srv else "cip_name"))

    return ex


def _fd_sock_bool(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        fd = _fd(ev)
        if fd is None or fd.get("type") not in ("ipv4", "ipv6", "unix"):
            return None
        v = fd.get(key)
        return v if type(v) is bool else False

    return ex


def _fd_l4proto(ev: Event) -> object:
    fd = _fd(ev)
    if fd is None or not _is_ip(fd):
        return None
    return _str(fd.get("l4proto"))


def _fd_sockfamily(ev: Event) -> object:
    fd = _fd(ev)
    if fd is None:
        return None
    t = fd.get("type")
    if t in ("ipv4", "ipv6"):
        return "ip"
    return "unix" if t == "unix" else None


def _fd_dev_part(part: str) -> Extractor:
    def ex(ev: Event) -> object:
        fd = _fd(ev)
        if fd is None:
            return None
        dev = fd.get("dev")
        if type(dev) is not int:
            return None
        if part == "major":
            return dev >> 20
        if part == "minor":
            return dev & 0xFFFFF
        return dev

    return ex


def _fd_uid(ev: Event) -> object:
    fd = _fd(ev)
    tid = _tid(ev)
    if fd is None or tid is None:
        return None
    num = fd.get("num")
    return f"{tid}{num}" if type(num) is int else None


def _container_join(second: Extractor) -> Extractor:
    def ex(ev: Event) -> object:
        v = second(ev)
        if v is None:
            return None
        return f"{_container_id(ev)}{v}"

    return ex


def _fd_types_maker(arg: str | None) -> Extractor:
    index = None if arg is None else arg.strip()

    def ex(ev: Event) -> object:
        p = ev.get("proc")
        if not p:
            return None
        m = p.get("fd_types")
        if not _is_map(m):
            return None
        if index is not None:
            v = m.get(index)
            return (v,) if type(v) is str else None
        seen: dict[str, None] = {}
        for k in sorted(m, key=lambda s: int(s) if s.isdigit() else 1 << 62):
            v = m[k]
            if type(v) is str:
                seen[v] = None
        return tuple(seen)

    return ex


# ---------------------------------------------------------------------------------------------------------------
# container and k8s


def _container(ev: Event) -> Mapping[str, Any] | None:
    c = ev.get("container")
    if not c or c.get("id") == "host":
        return None
    return c  # type: ignore[no-any-return]


def _container_id(ev: Event) -> object:
    c = ev.get("container")
    if not c:
        return "host"
    v = c.get("id")
    return v if type(v) is str else None


def _container_name(ev: Event) -> object:
    c = ev.get("container")
    if not c or c.get("id") == "host":
        return "host"
    return _str(c.get("name"))


def _c_str(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        c = _container(ev)
        return None if c is None else _str(c.get(key))

    return ex


def _c_int(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        c = _container(ev)
        return None if c is None else _int(c.get(key))

    return ex


def _c_bool(key: str) -> Extractor:
    def ex(ev: Event) -> object:
        c = _container(ev)
        if c is None:
            return None
        v = c.get(key)
        return v if type(v) is bool else None

    return ex


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``registry/repo:tag@sha256:...`` -> (repository, tag, digest)."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        image, tag = image[:colon], image[colon + 1 :]
    return image, tag, digest


def _image_part(key: str, part: int) -> Extractor:
    def ex(ev: Event) -> object:
        c = _container(ev)
        if c is None:
            return None
        v = c.get(key)
        if type(v) is str:
            return v
        image = c.get("image")
        if type(image) is not str or not image:
            return None
        return split_image(image)[part]

    return ex


def _mounts(c: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    m = c.get("mounts")
    return [x for x in m if _is_map(x)] if type(m) is list else []


def _mount_text(m: Mapping[str, Any]) -> str:
    rdwr = m.get("rdwr")
    parts = [
        _str(m.get("source")) or "",
        _str(m.get("dest")) or "",
        _str(m.get("mode")) or "",
        ("true" if rdwr else "false") if type(rdwr) is bool else "",
        _str(m.get("propagation")) or "",
    ]
    return ":".join(parts)


def _container_mounts(ev: Event) -> object:
    c = _container(ev)
    if c is None:
        return None
    if "mounts" not in c:
        return None
    return " ".join(_mount_text(m) for m in _mounts(c))


def _mount_maker(match_key: str, render: Callable[[Mapping[str, Any]], str | None]) -> Maker:
    """container.mount*[N] by index, or [PATH] by ``match_key`` (a glob); "none" when nothing matches."""

    def make(arg: str | None) -> Extractor:
        key = (arg or "").strip()
        index = int(key) if key.isdigit() and len(key) < 10 else None

        def ex(ev: Event) -> object:
            c = _container(ev)
            if c is None:
                return None
            mounts = _mounts(c)
            if index is not None:
                return render(mounts[index]) if index < len(mounts) else "none"
            for m in mounts:
                v = m.get(match_key)
                if type(v) is str and (v == key or fnmatch.fnmatchcase(v, key)):
                    return render(m)
            return "none"

        return ex

    return make


def _mount_field(key: str) -> Callable[[Mapping[str, Any]], str | None]:
    def render(m: Mapping[str, Any]) -> str | None:
        v = m.get(key)
        if type(v) is bool:
            return "true" if v else "false"
        return _str(v)

    return render


def _c_label_maker(arg: str | None) -> Extractor:
    key = arg or ""

    def ex(ev: Event) -> object:
        c = _container(ev)
        if c is None:
            return None
        labels = c.get("labels")
        return _str(labels.get(key)) if _is_map(labels) else None

    return ex


def _k8s_str(key: str, label: str | None) -> Extractor:
    def ex(ev: Event) -> object:
        c = _container(ev)
        if c is None:
            return None
        k = ev.get("k8s")
        if k:
            v = k.get(key)
            if type(v) is str:
                return v
        if label is not None:
            labels = c.get("labels")
            if _is_map(labels):
                return _str(labels.get(label))
        return None

    return ex


def _k8s_labels(ev: Event) -> Mapping[str, Any] | None:
    if _container(ev) is None:
        return None
    k = ev.get("k8s")
    if not k:
        return None
    labels = k.get("pod_labels")
    return labels if _is_map(labels) else None


def _k8s_label_maker(arg: str | None) -> Extractor:
    key = arg or ""

    def ex(ev: Event) -> object:
        labels = _k8s_labels(ev)
        return None if labels is None else _str(labels.get(key))

    return ex


def _k8s_labels_str(ev: Event) -> object:
    labels = _k8s_labels(ev)
    if labels is None:
        return None
    return ",".join(f"{k}:{v}" for k, v in labels.items() if type(v) is str)


# ---------------------------------------------------------------------------------------------------------------
# the table


def _build() -> SpecBuilder:
    b = SpecBuilder()
    add, plain = b.add, b.plain
    one_arg = ArgKind.OPTIONAL_INDEX

    # evt
    plain("evt.num", N, "event number", lambda ev: _int(ev.get("num")))
    plain("evt.time", S, "event timestamp as a time string with nanoseconds (UTC)", _fmt_time("%H:%M:%S", True))
    plain("evt.time.s", S, "event timestamp as a time string without nanoseconds (UTC)", _fmt_time("%H:%M:%S", False))
    plain("evt.time.iso8601", S, "event timestamp in ISO 8601 format with nanoseconds (UTC)",
          _fmt_time("%Y-%m-%dT%H:%M:%S", True, iso=True))
    plain("evt.datetime", S, "event timestamp as a date and time string with nanoseconds (UTC)",
          _fmt_time("%Y-%m-%d %H:%M:%S", True))
    plain("evt.datetime.s", S, "event timestamp as a date and time string (UTC)", _fmt_time("%Y-%m-%d %H:%M:%S", False))
    plain("evt.rawtime", N, "absolute event timestamp, ns since the epoch", lambda ev: _int(ev.get("ts")))
    plain("evt.rawtime.s", N, "integer part of the event timestamp (seconds since the epoch)",
          _ts_part(1_000_000_000, None))
    plain("evt.rawtime.ns", N, "fractional part of the event timestamp (ns)", _ts_part(1, 1_000_000_000))
    plain("evt.source", S, "the name of the source that produced the event", lambda ev: SOURCE)
    plain("evt.is_async", B, "true for asynchronous events", lambda ev: ev.get("async") is True)
    plain("evt.hostname", S, "the hostname of the underlying host", lambda ev: _str(ev.get("hostname")))
    plain("evt.latency", N, "delta between the exit and the enter event, ns", _int_key_part("latency", ""))
    plain("evt.latency.s", N, "integer part of the event latency", _int_key_part("latency", "s"))
    plain("evt.latency.ns", N, "fractional part of the event latency", _int_key_part("latency", "ns"))
    plain("evt.latency.human", S, "event latency as a human readable string (10.30ms)", _latency_human)
    plain("evt.deltatime", N, "delta between this event and the previous one, ns", _int_key_part("deltatime", ""))
    plain("evt.deltatime.s", N, "integer part of evt.deltatime", _int_key_part("deltatime", "s"))
    plain("evt.deltatime.ns", N, "fractional part of evt.deltatime", _int_key_part("deltatime", "ns"))
    plain("evt.dir", S, "event direction: '>' enter, '<' exit", _evt_dir)
    plain("evt.type", S, "the name of the event (open, execve ...)", _evt_type)
    add("evt.type.is", N, "1 for events of the type given as argument (evt.type.is.open), else 0", _type_is_maker,
        arg=ArgKind.KEY)
    plain("syscall.type", S, "for system call events, the name of the system call", _syscall_type)
    plain("evt.category", S, "the event category (file, net, process, memory, IPC ...)", _category)
    plain("evt.cpu", N, "number of the CPU where the event happened", lambda ev: _int(ev.get("cpu")))
    plain("evt.args", S, "all the event arguments, aggregated into a single string", _evt_args)
    add("evt.arg", S, "one event argument by name (evt.arg.flags, evt.arg[flags]) or by number (evt.arg[0])",
        _arg_maker, arg=ArgKind.KEY)
    add("evt.rawarg", N, "one event argument by name, as a number (evt.rawarg.res)", _rawarg_maker, arg=ArgKind.KEY)
    plain("evt.info", S, "the same as evt.args", _evt_args)
    plain("evt.buffer", FieldType.BYTES, "the data buffer of I/O events (args.data)", _buffer)
    plain("evt.buflen", N, "the length of the data buffer of I/O events", _buflen)
    plain("evt.res", S, "return value as a string: SUCCESS, or the error code name (ENOENT)", _res)
    plain("evt.rawres", N, "return value as a number (-2)", _rawres)
    plain("evt.failed", B, "true for events that returned an error status", _failed)
    plain("evt.is_io", B, "true for events that read or write to FDs", _is_type_in(IO_READ_TYPES | IO_WRITE_TYPES))
    plain("evt.is_io_read", B, "true for events that read from FDs", _is_type_in(IO_READ_TYPES))
    plain("evt.is_io_write", B, "true for events that write to FDs", _is_type_in(IO_WRITE_TYPES))
    plain("evt.io_dir", S, "'r' for events that read from FDs, 'w' for events that write to FDs", _io_dir)
    plain("evt.is_wait", B, "true for events that make the thread wait", _is_type_in(WAIT_TYPES))
    plain("evt.is_syslog", B, "true for writes to /dev/log", _is_syslog)
    plain("evt.count", N, "always 1", lambda ev: 1)
    plain("evt.count.error", N, "1 for events that returned an error", _count_error(None))
    plain("evt.count.error.file", N, "1 for file events that returned an error", _count_error("file"))
    plain("evt.count.error.net", N, "1 for network events that returned an error", _count_error("net"))
    plain("evt.count.error.memory", N, "1 for memory events that returned an error", _count_error("memory"))
    plain("evt.count.error.other", N, "1 for other events that returned an error", _count_error("other"))
    plain("evt.count.exit", N, "1 for exit events", lambda ev: 1 if _evt_dir(ev) == "<" else 0)
    plain("evt.abspath", S, "absolute path of the path argument, resolved against the cwd", _abspath_maker(None))
    plain("evt.abspath.src", S, "absolute source path (link, rename, symlink)", _abspath_maker(0))
    plain("evt.abspath.dst", S, "absolute destination path (link, rename, symlink)", _abspath_maker(1))
    plain("evt.is_open_read", B, "true for open events where the path was opened for reading", _open_mode(True))
    plain("evt.is_open_write", B, "true for open events where the path was opened for writing", _open_mode(False))
    plain("evt.is_open_exec", B, "true for open/creat events that create a file with execute permissions",
          _is_open_exec)
    plain("evt.is_open_create", B, "true for open events where a file is created", _is_open_create)

    # proc
    plain("proc.exe", S, "the first command line argument (argv[0])", _self(_p_exe))
    plain("proc.pexe", S, "proc.exe of the parent", _parent(_p_exe))
    add("proc.aexe", S, "proc.exe of an ancestor ([1] parent ...); without index: any ancestor",
        _ancestor_maker(_p_exe), arg=one_arg)
    plain("proc.exepath", S, "the full executable path", _self(_p_exepath))
    plain("proc.pexepath", S, "proc.exepath of the parent", _parent(_p_exepath))
    add("proc.aexepath", S, "proc.exepath of an ancestor; without index: any ancestor",
        _ancestor_maker(_p_exepath), arg=one_arg)
    plain("proc.name", S, "the process name (task->comm, at most 15 characters)", _self(_p_name))
    plain("proc.pname", S, "proc.name of the parent", _parent(_p_name))
    add("proc.aname", S, "proc.name of an ancestor ([0] the process, [1] parent ...); without index: any ancestor",
        _ancestor_maker(_p_name), arg=one_arg)
    plain("proc.args", S, "the command line arguments without argv[0], joined by spaces", _self(_p_args_str))
    plain("proc.cmdline", S, "proc.name + proc.args", _self(_p_cmdline))
    plain("proc.pcmdline", S, "proc.cmdline of the parent", _parent(_p_cmdline))
    add("proc.acmdline", S, "proc.cmdline of an ancestor; without index: any ancestor",
        _ancestor_maker(_p_cmdline), arg=one_arg)
    plain("proc.cmdnargs", N, "the number of command line args",
          _self(lambda p: None if (a := _p_args(p)) is None else len(a)))
    plain("proc.cmdlenargs", N, "the total length of the command line args, without separators",
          _self(lambda p: None if (a := _p_args(p)) is None else sum(len(x) for x in a)))
    plain("proc.exeline", S, "proc.exe + proc.args", _self(_p_exeline))
    add("proc.env", S, "the environment 'NAME=value NAME1=value1', or one variable's value (proc.env[NAME])",
        _env_maker, arg=ArgKind.OPTIONAL_KEY)
    add("proc.aenv", S, "environment of an ancestor (proc.aenv[2]), the first value of a variable in the lineage "
        "(proc.aenv[NAME]), or any ancestor's environment", _aenv_maker, arg=ArgKind.OPTIONAL_KEY)
    plain("proc.cwd", S, "the current working directory", _section_str("proc", "cwd"))
    plain("proc.loginshellid", N, "the pid of the oldest shell among the ancestors", _loginshellid)
    plain("proc.tty", N, "the controlling terminal, 0 for none", _section_int("proc", "tty"))
    plain("proc.pid", N, "the id of the process", _section_int("proc", "pid"))
    plain("proc.ppid", N, "the pid of the parent", _ppid)
    add("proc.apid", N, "the pid of an ancestor; without index: any ancestor", _ancestor_maker(_p_pid), arg=one_arg)
    plain("proc.vpid", N, "the pid as seen from its PID namespace", _vpid)
    plain("proc.pvpid", N, "the parent's pid as seen from its PID namespace", _pvpid)
    plain("proc.sid", N, "the session id", _section_int("proc", "sid"))
    plain("proc.sname", S, "the name of the session leader", _leader_attr("sid", "sname", _p_name))
    plain("proc.sid.exe", S, "argv[0] of the session leader", _leader_attr("sid", "sid_exe", _p_exe))
    plain("proc.sid.exepath", S, "executable path of the session leader",
          _leader_attr("sid", "sid_exepath", _p_exepath))
    plain("proc.vpgid", N, "the process group id as seen from its PID namespace", _section_int("proc", "vpgid"))
    plain("proc.vpgid.name", S, "the name of the process group leader", _leader_attr("vpgid", "vpgid_name", _p_name))
    plain("proc.vpgid.exe", S, "argv[0] of the process group leader", _leader_attr("vpgid", "vpgid_exe", _p_exe))
    plain("proc.vpgid.exepath", S, "executable path of the process group leader",
          _leader_attr("vpgid", "vpgid_exepath", _p_exepath))
    plain("proc.duration", N, "ns since the process started", _duration_since(_proc_start))
    plain("proc.ppid.duration", N, "ns since the parent started", _duration_since(_parent_start))
    plain("proc.pid.ts", N, "start of the process, ns since the epoch", _proc_start)
    plain("proc.ppid.ts", N, "start of the parent, ns since the epoch", _parent_start)
    plain("proc.is_exe_writable", B, "the executable is writable by the user that ran it",
          _section_bool("proc", "is_exe_writable", None))
    plain("proc.is_exe_upper_layer", B, "the executable is in the upper overlayfs layer",
          _section_bool("proc", "is_exe_upper_layer", None))
    plain("proc.is_exe_from_memfd", B, "the executable is a memfd_create() file",
          _section_bool("proc", "is_exe_from_memfd", None))
    plain("proc.is_sid_leader", B, "the process leads its session (sid == vpid)", _is_leader("sid"))
    plain("proc.is_vpgid_leader", B, "the process leads its process group (vpgid == vpid)", _is_leader("vpgid"))
    plain("proc.exe_ino", N, "inode number of the executable", _section_int("proc", "exe_ino"))
    plain("proc.exe_ino.ctime", N, "ctime of the executable, ns since the epoch", _section_int("proc", "exe_ino_ctime"))
    plain("proc.exe_ino.mtime", N, "mtime of the executable, ns since the epoch", _section_int("proc", "exe_ino_mtime"))
    plain("proc.exe_ino.ctime_duration_proc_start", N, "ns between the executable's ctime and the process start",
          _exe_ctime_since_start)
    plain("proc.exe_ino.ctime_duration_pidns_start", N, "ns between the PID namespace start and the executable's "
          "ctime", _exe_ctime_since_pidns)
    plain("proc.pidns_init_start_ts", N, "start of the PID namespace, ns since the epoch",
          _section_int("proc", "pidns_init_start_ts"))
    plain("proc.is_container_healthcheck", B, "the process runs as the container's health check",
          _section_bool("proc", "is_container_healthcheck", False))
    plain("proc.is_container_liveness_probe", B, "the process runs as the container's liveness probe",
          _section_bool("proc", "is_container_liveness_probe", False))
    plain("proc.is_container_readiness_probe", B, "the process runs as the container's readiness probe",
          _section_bool("proc", "is_container_readiness_probe", False))
    plain("proc.fdopencount", N, "number of open FDs", _section_int("proc", "fdopencount"))
    plain("proc.fdlimit", N, "maximum number of FDs", _section_int("proc", "fdlimit"))
    plain("proc.fdusage", N, "open FDs / maximum FDs", _fdusage)
    plain("proc.vmsize", N, "total virtual memory (kB)", _section_int("proc", "vmsize"))
    plain("proc.vmrss", N, "resident memory (kB)", _section_int("proc", "vmrss"))
    plain("proc.vmswap", N, "swapped memory (kB)", _section_int("proc", "vmswap"))
    plain("proc.nthreads", N, "number of live threads", _section_int("proc", "nthreads"))
    plain("proc.nchilds", N, "number of live non-leader threads", _section_int("proc", "nchilds"))

    # thread
    plain("thread.cap_permitted", S, "the permitted capability set", _caps("cap_permitted"))
    plain("thread.cap_inheritable", S, "the inheritable capability set", _caps("cap_inheritable"))
    plain("thread.cap_effective", S, "the effective capability set", _caps("cap_effective"))
    plain("thread.tid", N, "the thread id", _tid)
    plain("thread.ismain", B, "the thread is the main one of its process", _ismain)
    plain("thread.vtid", N, "the thread id as seen from its PID namespace", _vtid)
    plain("thread.cgroups", S, "all cgroups of the thread, 'subsys=path' joined by spaces", _cgroups)
    add("thread.cgroup", S, "the cgroup of one subsystem (thread.cgroup.cpuacct)", _cgroup_maker, arg=ArgKind.KEY)
    plain("thread.vmsize", N, "virtual memory (kB) for the main thread, 0 for others", _main_thread_int("vmsize"))
    plain("thread.vmrss", N, "resident memory (kB) for the main thread, 0 for others", _main_thread_int("vmrss"))

    # user, group
    plain("user.uid", N, "user id", _section_int("user", "uid"))
    plain("user.name", S, "user name", _section_str("user", "name"))
    plain("user.homedir", S, "home directory of the user", _section_str("user", "homedir"))
    plain("user.shell", S, "the user's shell", _section_str("user", "shell"))
    plain("user.loginuid", N, "audit user id (auid); -1 when unset", _loginuid)
    plain("user.loginname", S, "audit user name", _section_str("user", "loginname"))
    plain("group.gid", N, "group id", _section_int("group", "gid"))
    plain("group.name", S, "group name", _section_str("group", "name"))

    # container
    plain("container.id", S, "the container id (12 characters), 'host' for host processes", _container_id)
    plain("container.full_id", S, "the full container id", _c_str("full_id"))
    plain("container.name", S, "the container name, 'host' for host processes", _container_name)
    plain("container.image", S, "the container image name", _c_str("image"))
    plain("container.image.id", S, "the container image id", _c_str("image_id"))
    plain("container.type", S, "the container type (docker, containerd, cri-o ...)", _c_str("type"))
    plain("container.privileged", B, "true for privileged containers", _c_bool("privileged"))
    plain("container.mounts", S, "the mounts, space-separated 'source:dest:mode:rdwr:propagation'",
          _container_mounts)
    add("container.mount", S, "one mount by number or by source (a glob); 'none' when absent",
        _mount_maker("source", _mount_text), arg=ArgKind.KEY)
    add("container.mount.source", S, "a mount's source by number or by destination",
        _mount_maker("dest", _mount_field("source")), arg=ArgKind.KEY)
    add("container.mount.dest", S, "a mount's destination by number or by source",
        _mount_maker("source", _mount_field("dest")), arg=ArgKind.KEY)
    add("container.mount.mode", S, "a mount's mode by number or by source",
        _mount_maker("source", _mount_field("mode")), arg=ArgKind.KEY)
    add("container.mount.rdwr", S, "a mount's rdwr value by number or by source",
        _mount_maker("source", _mount_field("rdwr")), arg=ArgKind.KEY)
    add("container.mount.propagation", S, "a mount's propagation by number or by source",
        _mount_maker("source", _mount_field("propagation")), arg=ArgKind.KEY)
    plain("container.image.repository", S, "the image repository", _image_part("image_repository", 0))
    plain("container.image.tag", S, "the image tag", _image_part("image_tag", 1))
    plain("container.image.digest", S, "the image digest", _image_part("image_digest", 2))
    plain("container.healthcheck", S, "the container's health check command line", _c_str("healthcheck"))
    plain("container.liveness_probe", S, "the container's liveness probe command line", _c_str("liveness_probe"))
    plain("container.readiness_probe", S, "the container's readiness probe command line", _c_str("readiness_probe"))
    plain("container.start_ts", N, "container start, ns since the epoch", _c_int("start_ts"))
    plain("container.duration", N, "ns since container.start_ts", _duration_since(_c_int("start_ts")))
    plain("container.ip", S, "the container's primary IPv4 address", _c_str("ip"))
    plain("container.cni.json", S, "the container's CNI result as JSON", _c_str("cni_json"))
    add("container.label", S, "a container label (container.label[io.kubernetes.pod.name])", _c_label_maker,
        arg=ArgKind.KEY)

    # fd
    plain("fd.num", N, "the file descriptor number", _fd_int("num"))
    plain("fd.type", S, "type of FD: file, directory, ipv4, ipv6, unix, pipe, event, ...", _fd_str("type"))
    plain("fd.typechar", S, "type of FD as one character (f, d, 4, 6, u, p, e, s, l, i, t, n, b, r, m, P, o)",
          _fd_typechar)
    plain("fd.name", S, "full path of a file; the connection tuple of a socket", _fd_name)
    plain("fd.directory", S, "the directory containing the file", _fd_directory)
    plain("fd.filename", S, "the file name without the path", _fd_filename)
    add("fd.ip", IP, "matches the client or the server IP address", _fd_either(True), arg=one_arg)
    plain("fd.cip", IP, "client IP address", _fd_end(False, True))
    plain("fd.sip", IP, "server IP address", _fd_end(True, True))
    plain("fd.lip", IP, "local IP address", _fd_end(None, True, local=True))
    plain("fd.rip", IP, "remote IP address", _fd_end(None, True, local=False))
    add("fd.port", N, "matches the client or the server port", _fd_either(False), arg=one_arg)
    plain("fd.cport", N, "client port", _fd_end(False, False))
    plain("fd.sport", N, "server port", _fd_end(True, False))
    plain("fd.lport", N, "local port", _fd_end(None, False, local=True))
    plain("fd.rport", N, "remote port", _fd_end(None, False, local=False))
    plain("fd.l4proto", S, "the IP protocol of a socket: tcp, udp, icmp or raw", _fd_l4proto)
    plain("fd.sockfamily", S, "the socket family: ip or unix", _fd_sockfamily)
    plain("fd.is_server", B, "the process owns the server end of the connection", _fd_sock_bool("is_server"))
    plain("fd.uid", S, "a unique identifier for the FD: thread id and FD number", _fd_uid)
    plain("fd.containername", S, "container id and FD name", _container_join(_fd_name))
    plain("fd.containerdirectory", S, "container id and directory", _container_join(_fd_directory))
    add("fd.net", NET, "matches the client or the server IP network", _fd_either(True), arg=one_arg)
    plain("fd.cnet", NET, "the client IP network", _fd_end(False, True))
    plain("fd.snet", NET, "the server IP network", _fd_end(True, True))
    plain("fd.lnet", NET, "the local IP network", _fd_end(None, True, local=True))
    plain("fd.rnet", NET, "the remote IP network", _fd_end(None, True, local=False))
    plain("fd.connected", B, "the socket is connected", _fd_sock_bool("connected"))
    plain("fd.name_changed", B, "this event changed the FD's name", _fd_sock_bool("name_changed"))
    plain("fd.cip.name", S, "domain name of the client IP", _fd_name_of_end(False))
    plain("fd.sip.name", S, "domain name of the server IP", _fd_name_of_end(True))
    plain("fd.lip.name", S, "domain name of the local IP", _fd_name_of_end(None, local=True))
    plain("fd.rip.name", S, "domain name of the remote IP", _fd_name_of_end(None, local=False))
    plain("fd.dev", N, "device number of the file", _fd_dev_part(""))
    plain("fd.dev.major", N, "major device number of the file", _fd_dev_part("major"))
    plain("fd.dev.minor", N, "minor device number of the file", _fd_dev_part("minor"))
    plain("fd.ino", N, "inode number of the file", _fd_int("ino"))
    plain("fd.nameraw", S, "the file path as the syscall got it", _fd_nameraw)
    add("fd.types", S, "the types of the process's open FDs; fd.types[N] of one", _fd_types_maker, arg=one_arg,
        is_list=True)

    # fs.path
    plain("fs.path.name", S, "the resolved path the syscall operates on", _fs_path(True))
    plain("fs.path.nameraw", S, "the path as the syscall got it", _fs_path(False))
    plain("fs.path.source", S, "the resolved source path (link, rename, symlink)", _fs_src_tgt(0, True))
    plain("fs.path.sourceraw", S, "the source path as the syscall got it", _fs_src_tgt(0, False))
    plain("fs.path.target", S, "the resolved target path (link, rename, symlink)", _fs_src_tgt(1, True))
    plain("fs.path.targetraw", S, "the target path as the syscall got it", _fs_src_tgt(1, False))

    # k8s
    plain("k8s.ns.name", S, "the Kubernetes namespace", _k8s_str("ns_name", "io.kubernetes.pod.namespace"))
    plain("k8s.pod.name", S, "the Kubernetes pod name", _k8s_str("pod_name", "io.kubernetes.pod.name"))
    plain("k8s.pod.id", S, "[legacy] the pod UID", _k8s_str("pod_uid", "io.kubernetes.pod.uid"))
    plain("k8s.pod.uid", S, "the pod UID", _k8s_str("pod_uid", "io.kubernetes.pod.uid"))
    plain("k8s.pod.sandbox_id", S, "the pod sandbox id (12 characters)", _k8s_str("pod_sandbox_id", None))
    plain("k8s.pod.full_sandbox_id", S, "the full pod sandbox id", _k8s_str("pod_full_sandbox_id", None))
    add("k8s.pod.label", S, "a pod label (k8s.pod.label[app], k8s.pod.label.app)", _k8s_label_maker, arg=ArgKind.KEY)
    plain("k8s.pod.labels", S, "the pod labels, 'k1:v1,k2:v2'", _k8s_labels_str)
    plain("k8s.pod.ip", S, "the pod IP", _k8s_str("pod_ip", None))
    plain("k8s.pod.cni.json", S, "the pod CNI result as JSON", _k8s_str("pod_cni_json", None))
    return b


class SyscallFieldTable(Table):
    """Falco's syscall fields over stockade's syscall event record."""

    def __init__(self) -> None:
        super().__init__(SOURCE, _build().specs, EVENT_TYPES, event_type)

    def event_type(self, event: Event) -> str:
        t = event.get("type")
        return t if type(t) is str else ""

    def event_time(self, event: Event) -> int:
        t = event.get("ts")
        return t if type(t) is int else 0
