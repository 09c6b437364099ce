"""A small FieldTable for the filter, rules and engine tests: events are flat dicts keyed by field name.

``proc.aname`` holds the ancestors' names (parent first): ``proc.aname[0]`` is ``proc.name``, ``proc.aname[1]``
the parent, and ``proc.aname`` without index every ancestor. ``evt.arg[x]`` / ``evt.arg.x`` read
``event["evt.arg"][x]``. ``fd.types`` and ``ka.images`` are list fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from stockade.runtime.fields.api import ArgKind, Event, Extractor, FieldDef, FieldError, FieldType

S, N, B, IP, NET, BY = (FieldType.STRING, FieldType.NUMBER, FieldType.BOOL, FieldType.IPADDR, FieldType.IPNET,
                        FieldType.BYTES)

_SYSCALL_FIELDS = [
    FieldDef("evt.type", S, "event type"),
    FieldDef("evt.num", N, "event number"),
    FieldDef("evt.res", S, "result as text"),
    FieldDef("evt.rawres", N, "result"),
    FieldDef("evt.time", N, "time ns"),
    FieldDef("evt.buffer", BY, "buffer"),
    FieldDef("evt.is_open_read", B, "open for read"),
    FieldDef("evt.arg", S, "argument", arg=ArgKind.KEY),
    FieldDef("evt.args", S, "all arguments"),
    FieldDef("proc.name", S, "process name"),
    FieldDef("proc.pname", S, "parent name"),
    FieldDef("proc.cmdline", S, "command line"),
    FieldDef("proc.args", S, "arguments"),
    FieldDef("proc.exe", S, "exe"),
    FieldDef("proc.pid", N, "pid"),
    FieldDef("proc.duration", N, "duration ns"),
    FieldDef("proc.tty", N, "tty"),
    FieldDef("proc.aname", S, "ancestor name", arg=ArgKind.OPTIONAL_INDEX),
    FieldDef("user.name", S, "user name"),
    FieldDef("user.uid", N, "uid"),
    FieldDef("fd.name", S, "fd name"),
    FieldDef("fd.directory", S, "fd directory"),
    FieldDef("fd.num", N, "fd number"),
    FieldDef("fd.typechar", S, "fd type char"),
    FieldDef("fd.sport", N, "server port"),
    FieldDef("fd.sip", IP, "server ip"),
    FieldDef("fd.snet", NET, "server net"),
    FieldDef("fd.types", S, "fd types", is_list=True, arg=ArgKind.OPTIONAL_INDEX),
    FieldDef("container.id", S, "container id"),
    FieldDef("container.privileged", B, "privileged"),
    FieldDef("container.image.repository", S, "image repo"),
]

EVENT_TYPES = frozenset(
    {"execve", "execveat", "open", "openat", "openat2", "connect", "ptrace", "dup", "dup2", "dup3", "close",
     "socket", "symlink", "symlinkat", "link", "linkat", "init_module", "finit_module", "sendto", "sendmsg"}
)


class FakeTable:
    def __init__(self, source: str = "syscall", fields: Iterable[FieldDef] = _SYSCALL_FIELDS,
                 event_types: frozenset[str] = EVENT_TYPES) -> None:
        self.source = source
        self._fields = {f.name: f for f in fields}
        self._types = event_types
        self.extractor_calls: dict[str, int] = {}

    def lookup(self, name: str) -> FieldDef | None:
        return self._fields.get(name)

    def fields(self) -> Iterable[FieldDef]:
        return list(self._fields.values())

    def event_types(self) -> frozenset[str]:
        return self._types

    def event_type(self, event: Event) -> str:
        t = event.get("evt.type", "")
        return t if isinstance(t, str) else ""

    def extractor(self, name: str, arg: str | None) -> Extractor:
        fdef = self._fields.get(name)
        if fdef is None:
            raise FieldError(f"nonexistent field {name}")
        if fdef.arg == ArgKind.NONE and arg is not None:
            raise FieldError(f"field '{name}' does not accept an argument")
        if fdef.arg in (ArgKind.INDEX, ArgKind.KEY) and arg is None:
            raise FieldError(f"field '{name}' requires an argument")
        calls = self.extractor_calls

        if name == "proc.aname":
            if arg is None:
                def all_anc(ev: Event) -> object:
                    calls[name] = calls.get(name, 0) + 1
                    anc = ev.get("proc.aname")
                    return tuple(anc) if isinstance(anc, list | tuple) else None
                return all_anc
            if not arg.isdigit():
                raise FieldError(f"invalid index '{arg}' for field 'proc.aname'")
            idx = int(arg)

            def one_anc(ev: Event) -> object:
                if idx == 0:
                    return ev.get("proc.name")
                anc = ev.get("proc.aname")
                if isinstance(anc, list | tuple) and idx <= len(anc):
                    return anc[idx - 1]
                return None
            return one_anc
        if fdef.arg in (ArgKind.KEY, ArgKind.OPTIONAL_KEY) and arg is not None:
            key = arg

            def by_key(ev: Event) -> object:
                args = ev.get(name)
                return args.get(key) if isinstance(args, Mapping) else None
            return by_key
        if fdef.is_list:
            def as_list(ev: Event) -> object:
                v = ev.get(name)
                if v is None:
                    return None
                vals = tuple(v)
                if arg is not None:
                    i = int(arg)
                    return vals[i] if i < len(vals) else None
                return vals
            return as_list

        def plain(ev: Event) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return ev.get(name)
        return plain


K8S_FIELDS = [
    FieldDef("ka.verb", S, "verb"),
    FieldDef("ka.user.name", S, "user"),
    FieldDef("ka.target.resource", S, "resource"),
    FieldDef("ka.images", S, "images", is_list=True),
    FieldDef("ka.req.pod.containers.image", S, "images", is_list=True, arg=ArgKind.OPTIONAL_INDEX),
    FieldDef("jevt.value", S, "json value", arg=ArgKind.KEY),
]


def k8s_table() -> FakeTable:
    return FakeTable("k8s_audit", K8S_FIELDS, frozenset())
