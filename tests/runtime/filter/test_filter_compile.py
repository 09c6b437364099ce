"""Compiled conditions: every operator (match, no match, missing field), precedence, lists, macros,
transformers, field comparisons, event types and compile errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from stockade.runtime.filter import CompiledFilter, FilterCompileError, compile, parse

EV: dict[str, Any] = {
    "evt.type": "openat",
    "evt.num": 7,
    "evt.res": "ENOENT",
    "evt.rawres": -2,
    "evt.buffer": b"\xca\xfe\xba\xbe\x00rest",
    "evt.is_open_read": True,
    "evt.arg": {"flags": "O_RDONLY|O_TRUNC", "fd": "3"},
    "proc.name": "bash",
    "proc.pname": "nginx",
    "proc.cmdline": "bash -c 'id'",
    "proc.exe": "/usr/bin/bash",
    "proc.pid": 4242,
    "proc.aname": ["nginx", "containerd-shim", "systemd"],
    "user.name": "Root",
    "fd.name": "/etc/shadow",
    "fd.directory": "/etc",
    "fd.num": 3,
    "fd.sip": "10.1.2.3",
    "fd.snet": "192.168.7.1",
    "fd.types": ["ipv4", "file"],
    "container.id": "abc123",
    "container.privileged": False,
}


def compiled(table: Any, cond: str, macros: Mapping[str, str] | None = None,
             lists: Mapping[str, Sequence[str]] | None = None) -> CompiledFilter:
    return compile(parse(cond), table, {k: parse(v) for k, v in (macros or {}).items()}, lists)


def matches(table: Any, cond: str, event: Mapping[str, Any] = EV, **kw: Any) -> bool:
    return compiled(table, cond, **kw).matches(event)


# (condition, expected on EV, expected on an event without the field)
OPERATORS = [
    ("proc.name = bash", True, False),
    ("proc.name == bash", True, False),
    ("proc.name = sh", False, False),
    ("proc.name != sh", True, False),  # a missing field makes != false too
    ("proc.name != bash", False, False),
    ("proc.pid = 4242", True, False),
    ("proc.pid = 0x1092", True, False),
    ("proc.pid != 1", True, False),
    ("proc.pid < 5000", True, False),
    ("proc.pid <= 4242", True, False),
    ("proc.pid > 4242", False, False),
    ("proc.pid >= 4242", True, False),
    ("evt.rawres < 0", True, False),
    ("evt.rawres = -2", True, False),
    ("proc.cmdline contains -c", True, False),
    ("proc.cmdline contains zz", False, False),
    ("user.name icontains ROO", True, False),
    ("user.name icontains root", True, False),
    ("user.name contains root", False, False),
    ("proc.exe startswith /usr/", True, False),
    ("proc.exe startswith /bin/", False, False),
    ("proc.exe endswith /bash", True, False),
    ("proc.exe endswith /sh", False, False),
    ("fd.name glob '/etc/*'", True, False),
    ("fd.name glob '/e?c/sha[a-z]ow'", True, False),
    ("fd.name glob '/etc'", False, False),
    ("fd.name glob '*'", True, False),
    ("fd.name glob '/ETC/*'", False, False),
    ("fd.name iglob '/ETC/*'", True, False),
    ("fd.name regex '/etc/[a-z]+'", True, False),
    ("fd.name regex 'etc'", False, False),  # a full match, not a search
    ("fd.name regex '/etc/(shadow|passwd)'", True, False),
    ("proc.name in (sh, bash)", True, False),
    ("proc.name in (sh, zsh)", False, False),
    ("proc.name intersects (bash)", True, False),
    ("proc.pid in (1, 4242)", True, False),
    ("fd.name pmatch (/etc)", True, False),
    ("fd.name pmatch (/etc/shadow)", True, False),
    ("fd.name pmatch (/etc/sha)", False, False),
    ("fd.name pmatch (/var, /e*)", True, False),
    ("fd.name pmatch (/usr)", False, False),
    ("proc.name exists", True, False),
    ("evt.buffer bcontains CAFE", True, False),
    ("evt.buffer bcontains 00", True, False),
    ("evt.buffer bcontains BEEF", False, False),
    ("evt.buffer bstartswith cafeba", True, False),
    ("evt.buffer bstartswith BABE", False, False),
    ("container.privileged = false", True, False),
    ("container.privileged = true", False, False),
    ("container.privileged != true", True, False),
    ("evt.is_open_read = true", True, False),
    ("fd.sip = 10.1.2.3", True, False),
    ("fd.sip = 10.1.2.4", False, False),
    ("fd.sip = '10.0.0.0/8'", True, False),
    ("fd.sip != '10.0.0.0/8'", False, False),
    ("fd.sip in ('192.168.0.0/16', 10.1.2.3)", True, False),
    ("fd.snet in ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16')", True, False),
    ("fd.snet = '172.16.0.0/12'", False, False),
    ("evt.arg.flags contains O_TRUNC", True, False),
    ("evt.arg[flags] contains O_TRUNC", True, False),
    ("evt.arg.fd = 3", True, False),
]


@pytest.mark.parametrize(("cond", "on_event", "on_missing"), OPERATORS)
def test_filter_compile_operators(table: Any, cond: str, on_event: bool, on_missing: bool) -> None:
    f = compiled(table, cond)
    assert f.matches(EV) is on_event
    assert f.matches({"evt.type": "openat"}) is on_missing


def test_filter_compile_not_of_missing_field_is_true(table: Any) -> None:
    # `not` is its own node: not (false) = true, even where the field cannot be extracted
    assert matches(table, "not proc.name in (bash)", {}) is True
    assert matches(table, "not proc.name = x", {}) is True
    assert matches(table, "not proc.name exists", {}) is True


def test_filter_compile_precedence(table: Any) -> None:
    # not > and > or
    assert matches(table, "proc.name = x and proc.pid = 1 or proc.name = bash") is True
    assert matches(table, "proc.name = x and (proc.pid = 1 or proc.name = bash)") is False
    assert matches(table, "not proc.name = x and proc.name = bash") is True
    assert matches(table, "not (proc.name = x or proc.name = bash)") is False
    assert matches(table, "proc.name = bash or proc.name = x and proc.pid = 1") is True


def test_filter_compile_ancestors_any(table: Any) -> None:
    # proc.aname without index: true when ANY ancestor satisfies the check
    assert matches(table, "proc.aname = systemd") is True
    assert matches(table, "proc.aname = bash") is False
    assert matches(table, "proc.aname in (x, containerd-shim)") is True
    assert matches(table, "proc.aname startswith contain") is True
    assert matches(table, "proc.aname != nginx") is True  # some ancestor is not nginx
    assert matches(table, "proc.aname[1] = nginx") is True
    assert matches(table, "proc.aname[2] = nginx") is False
    assert matches(table, "proc.aname[3] = systemd") is True
    assert matches(table, "proc.aname[9] = systemd") is False
    assert matches(table, "proc.aname[0] = bash") is True
    assert matches(table, "proc.aname = x", {"proc.aname": []}) is False


def test_filter_compile_list_fields(table: Any) -> None:
    # in: every value is in the set; intersects: at least one
    assert matches(table, "fd.types in (ipv4, file, unix)") is True
    assert matches(table, "fd.types in (ipv4)") is False
    assert matches(table, "fd.types intersects (ipv4)") is True
    assert matches(table, "fd.types intersects (unix)") is False
    assert matches(table, "fd.types in (ipv4)", {"fd.types": []}) is True  # the empty list is in any set
    assert matches(table, "fd.types exists") is True
    assert matches(table, "fd.types exists", {}) is False
    assert matches(table, "fd.types[0] = ipv4") is True


def test_filter_compile_list_field_rejects_scalar_operators(table: Any) -> None:
    with pytest.raises(FilterCompileError) as exc:
        compiled(table, "fd.types = ipv4")
    assert exc.value.reason == "list filter 'fd.types' only supports operators 'exists', 'in' and 'intersects'"


def test_filter_compile_lists_and_macros(table: Any) -> None:
    lists = {"shells": ["sh", "bash"], "all_bins": ["ls", "shells"], "deep": ["all_bins", "x"]}
    macros = {"shell": "proc.name in (shells)", "twice": "shell and evt.type = openat"}
    assert matches(table, "proc.name in (deep)", lists=lists) is True
    assert matches(table, "proc.name in all_bins", lists=lists) is True
    assert matches(table, "proc.name in ('shells')", lists=lists) is False  # quoted: a value, not a list name
    assert matches(table, "twice", macros=macros, lists=lists) is True
    assert matches(table, "not twice", macros=macros, lists=lists) is False
    f = compiled(table, "twice", macros=macros, lists=lists)
    assert f.event_types == frozenset({"openat"})


def test_filter_compile_recursive_list_is_bounded(table: Any) -> None:
    lists = {"a": ["b", "x"], "b": ["a", "y"]}
    assert matches(table, "proc.name in (a)", {"proc.name": "y"}, lists=lists) is True


def test_filter_compile_undefined_macro(table: Any) -> None:
    with pytest.raises(FilterCompileError) as exc:
        compiled(table, "proc.name = x and nope")
    assert exc.value.reason == "Undefined macro 'nope' used in filter."
    assert exc.value.pos is not None and exc.value.pos.col == 19


def test_filter_compile_recursive_macro(table: Any) -> None:
    with pytest.raises(FilterCompileError) as exc:
        compiled(table, "a", macros={"a": "b or proc.name = x", "b": "a"})
    assert exc.value.reason == "Macro 'a' refers to itself (a -> b -> a)"


def test_filter_compile_unknown_field(table: Any) -> None:
    with pytest.raises(FilterCompileError) as exc:
        compiled(table, "proc.nmae = bash")
    assert exc.value.reason == "filter_check called with nonexistent field proc.nmae"
    assert exc.value.unknown_field is True


def test_filter_compile_bad_field_argument(table: Any) -> None:
    with pytest.raises(FilterCompileError) as exc:
        compiled(table, "proc.name[2] = bash")
    assert exc.value.reason == "field 'proc.name' does not accept an argument"


@pytest.mark.parametrize(
    ("cond", "reason"),
    [
        ("proc.pid = abc", "'abc' is not a valid number"),
        ("proc.pid in (1, two)", "'two' is not a valid number"),
        ("proc.pid contains 1", "'contains' not supported for numeric filters"),
        ("proc.pid startswith 1", "'startswith' not supported for numeric filters"),
        ("proc.pid glob 1", "'glob' not supported for numeric filters"),
        ("proc.pid pmatch (1)", "'pmatch' not supported for numeric filters"),
        ("container.privileged = maybe", "'maybe' is not a valid boolean"),
        ("container.privileged contains t", "'contains' not supported for boolean filters"),
        ("fd.sip = not-an-ip", "'not-an-ip' is not a valid IP address"),
        ("fd.sip contains 10", "'contains' not supported for ip address filters"),
        ("evt.buffer bcontains XYZ", "'bcontains' requires a hexadecimal string, got 'XYZ'"),
        ("evt.buffer glob x", "'glob' not supported for buffer filters"),
        ("proc.name bcontains 00", "'bcontains' not supported for string filters"),
        ("proc.name = 'a\x00b'", "filter values containing NUL are allowed only for byte buffer fields"),
        ("fd.name regex '(unclosed'", "invalid regular expression '(unclosed': missing ): (unclosed"),
        ("tolower(proc.pid) = 1",
         "can't add field transformer: type 'number' is not supported by 'tolower' transformer applied on field "
         "'proc.pid'"),
        ("proc.name = val(proc.pid)",
         "field 'proc.name' has type 'string' while the right-hand side field 'val(proc.pid)' has incompatible type "
         "'number'"),
        ("fd.types in val(proc.name)",
         "field 'fd.types' has type 'string (list)' while the right-hand side field 'val(proc.name)' has "
         "incompatible type 'string'"),
    ],
)
def test_filter_compile_errors(table: Any, cond: str, reason: str) -> None:
    with pytest.raises(FilterCompileError) as exc:
        compiled(table, cond)
    assert exc.value.reason == reason


def test_filter_compile_transformers(table: Any) -> None:
    assert matches(table, "tolower(user.name) = root") is True
    assert matches(table, "toupper(user.name) = ROOT") is True
    assert matches(table, "basename(proc.exe) = bash") is True
    assert matches(table, "basename(fd.directory) = etc") is True
    assert matches(table, "basename(proc.exe) = bash", {"proc.exe": "/usr/bin/"}) is False  # "" for a directory
    assert matches(table, "len(proc.name) = 4") is True
    assert matches(table, "len(proc.name) > 4") is False
    assert matches(table, "len(fd.types) = 2") is True
    assert matches(table, "len(evt.buffer) = 9") is True
    assert matches(table, "b64(proc.cmdline) = hello", {"proc.cmdline": "aGVsbG8="}) is True
    assert matches(table, "b64(proc.cmdline) = hello", {"proc.cmdline": "not base64!"}) is False
    assert matches(table, "tolower(toupper(user.name)) = root") is True
    assert matches(table, "tolower(proc.aname) = systemd", {"proc.aname": ["SYSTEMD"]}) is True
    assert matches(table, "tolower(user.name) = root", {}) is False


def test_filter_compile_field_comparisons(table: Any) -> None:
    ev = dict(EV, **{"proc.pname": "bash"})
    assert matches(table, "proc.name = val(proc.pname)", ev) is True
    assert matches(table, "proc.name = val(proc.pname)") is False
    assert matches(table, "proc.name != val(proc.pname)") is True
    assert matches(table, "proc.name = val(proc.pname)", {"proc.name": "x"}) is False  # right side missing
    assert matches(table, "tolower(user.name) = tolower(proc.pname)", {"user.name": "NGINX", "proc.pname": "Nginx"})
    assert matches(table, "fd.num < val(proc.pid)") is True
    assert matches(table, "proc.aname = val(proc.pname)") is True  # any ancestor equals the parent name
    assert matches(table, "proc.name in val(proc.pname)", ev) is True


def test_filter_compile_event_types(table: Any) -> None:
    all_types = table.event_types()

    def et(cond: str) -> frozenset[str] | None:
        return compiled(table, cond).event_types

    assert et("evt.type = execve") == frozenset({"execve"})
    assert et("evt.type in (execve, execveat) and proc.name = bash") == frozenset({"execve", "execveat"})
    assert et("evt.type = execve or evt.type = open") == frozenset({"execve", "open"})
    assert et("proc.name = bash") is None
    assert et("evt.type = execve or proc.name = bash") is None
    assert et("evt.type != execve") == all_types - {"execve"}
    assert et("not evt.type = execve") == all_types - {"execve"}
    assert et("not evt.type in (execve, open)") == all_types - {"execve", "open"}
    assert et("not (evt.type != execve)") == frozenset({"execve"})
    assert et("not (evt.type = execve or evt.type = open)") == all_types - {"execve", "open"}
    assert et("not (evt.type = execve and proc.name = x)") is None
    assert et("not proc.name = bash") is None
    assert et("evt.type = execve and evt.type = open") == frozenset()
    assert et("evt.type = brand_new_syscall") == frozenset({"brand_new_syscall"})
    assert et("evt.type startswith exec") is None


def test_filter_compile_event_types_without_types(fake: Any) -> None:
    k8s = fake.k8s_table()
    f = compile(parse("ka.verb = create"), k8s)
    assert f.event_types is None
    assert f.matches({"ka.verb": "create"}) is True


def test_filter_compile_k8s_list_fields(fake: Any) -> None:
    k8s = fake.k8s_table()
    ev = {"ka.req.pod.containers.image": ["nginx", "busybox"]}
    assert compile(parse("ka.req.pod.containers.image intersects (busybox)"), k8s).matches(ev) is True
    assert compile(parse("ka.req.pod.containers.image in (busybox)"), k8s).matches(ev) is False
    assert compile(parse("ka.req.pod.containers.image[0] = nginx"), k8s).matches(ev) is True
    assert compile(parse("jevt.value[/a/b] = x"), k8s).matches({"jevt.value": {"/a/b": "x"}}) is True


def test_filter_compile_fields_are_extracted_once(fake: Any) -> None:
    table = fake.FakeTable()
    f = compile(parse("proc.name = x or proc.name = y or proc.name = bash or proc.name startswith b"), table)
    assert f.matches(EV) is True
    assert table.extractor_calls["proc.name"] == 1


def test_filter_compile_malformed_values_do_not_match(table: Any) -> None:
    # wrong types in the event are "no match" for string operators, never an exception
    bad = {"proc.name": 12, "fd.name": ["x"], "proc.exe": None, "user.name": b"x"}
    for cond in ("proc.name startswith b", "proc.name contains 1", "fd.name glob '*'", "proc.exe endswith x",
                 "user.name icontains x", "fd.name pmatch (/)", "fd.name regex '.*'"):
        assert compiled(table, cond).matches(bad) is False, cond
