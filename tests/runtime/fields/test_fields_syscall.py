"""The syscall field table: exact values per field family, on a full record and on small hand-made ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.fields.api import ArgKind, FieldError, FieldTable, FieldType
from stockade.runtime.fields.syscall import SyscallFieldTable, event_time, event_type

TESTDATA = Path(__file__).parent / "testdata"
TABLE = SyscallFieldTable()
FULL: dict[str, Any] = json.loads((TESTDATA / "syscall-open.json").read_text())


def get(event: dict[str, Any], name: str, arg: str | None = None) -> object:
    return TABLE.extractor(name, arg)(event)


def test_table_is_a_field_table() -> None:
    table: FieldTable = TABLE
    assert table.source == "syscall"
    assert {"execve", "openat", "connect", "procexit", "ptrace", "dup2", "finit_module"} <= table.event_types()
    assert table.event_type(FULL) == "openat"
    assert event_type({"type": 3}) == ""
    assert event_time(FULL) == 1718000000123456789
    assert event_time({}) == 0
    assert TABLE.event_time(FULL) == 1718000000123456789


def test_lookup_and_argument_kinds() -> None:
    aname = TABLE.lookup("proc.aname")
    assert aname is not None and aname.arg is ArgKind.OPTIONAL_INDEX and aname.is_list is False
    arg = TABLE.lookup("evt.arg")
    assert arg is not None and arg.arg is ArgKind.KEY and arg.type is FieldType.STRING
    assert TABLE.lookup("evt.arg.flags") is None  # dotted arguments are resolved by the compiler
    types = TABLE.lookup("fd.types")
    assert types is not None and types.is_list is True
    assert TABLE.lookup("fd.sip").type is FieldType.IPADDR  # type: ignore[union-attr]
    assert TABLE.lookup("fd.snet").type is FieldType.IPNET  # type: ignore[union-attr]
    assert TABLE.lookup("no.such") is None
    names = [f.name for f in TABLE.fields()]
    assert len(names) == len(set(names))
    assert len(names) >= 200


@pytest.mark.parametrize(
    ("name", "arg", "message"),
    [
        ("no.such", None, "unknown field no.such for source syscall"),
        ("proc.name", "1", "field proc.name does not take an argument"),
        ("evt.arg", None, "field evt.arg requires an argument"),
        ("proc.aname", "x", "field proc.aname: the argument must be a non-negative integer, got 'x'"),
        ("proc.aname", "-1", "field proc.aname: the argument must be a non-negative integer, got '-1'"),
        ("fd.ip", "0", "this field does not take an argument"),
        ("k8s.pod.label", "", "field k8s.pod.label: the argument must not be empty"),
    ],
)
def test_bad_field_references(name: str, arg: str | None, message: str) -> None:
    with pytest.raises(FieldError) as exc:
        TABLE.extractor(name, arg)
    assert str(exc.value) == message


def test_evt_fields() -> None:
    assert get(FULL, "evt.num") == 42
    assert get(FULL, "evt.type") == "openat"
    assert get(FULL, "syscall.type") == "openat"
    assert get(FULL, "evt.dir") == "<"
    assert get(FULL, "evt.cpu") == 3
    assert get(FULL, "evt.time") == "06:13:20.123456789"
    assert get(FULL, "evt.time.s") == "06:13:20"
    assert get(FULL, "evt.time.iso8601") == "2024-06-10T06:13:20.123456789Z"
    assert get(FULL, "evt.datetime") == "2024-06-10 06:13:20.123456789"
    assert get(FULL, "evt.rawtime") == 1718000000123456789
    assert get(FULL, "evt.rawtime.s") == 1718000000
    assert get(FULL, "evt.rawtime.ns") == 123456789
    assert get(FULL, "evt.latency") == 1500
    assert get(FULL, "evt.latency.human") == "1.50us"
    assert get(FULL, "evt.deltatime") is None
    assert get(FULL, "evt.hostname") == "node-1"
    assert get(FULL, "evt.source") == "syscall"
    assert get(FULL, "evt.is_async") is False
    assert get(FULL, "evt.category") == "file"
    assert get(FULL, "evt.type.is", "openat") == 1
    assert get(FULL, "evt.type.is", "open") == 0
    assert get(FULL, "evt.count") == 1
    assert get(FULL, "evt.count.exit") == 1


def test_evt_args() -> None:
    assert get(FULL, "evt.args") == "dirfd=-100 name=../../etc/shadow flags=O_RDONLY|O_CLOEXEC mode=0 dev=2049"
    assert get(FULL, "evt.arg", "flags") == "O_RDONLY|O_CLOEXEC"
    assert get(FULL, "evt.arg", "name") == "../../etc/shadow"
    assert get(FULL, "evt.arg", "dirfd") == "-100"
    assert get(FULL, "evt.arg", "0") == "-100"
    assert get(FULL, "evt.arg", "1") == "../../etc/shadow"
    assert get(FULL, "evt.arg", "9") is None
    assert get(FULL, "evt.arg", "nope") is None
    assert get(FULL, "evt.rawarg", "dirfd") == -100
    assert get(FULL, "evt.rawarg", "name") is None
    listed = {"ts": 1, "type": "openat", "args": {"flags": ["O_WRONLY", "O_TRUNC"], "ok": True, "x": None}}
    assert get(listed, "evt.arg", "flags") == "O_WRONLY|O_TRUNC"
    assert get(listed, "evt.arg", "ok") == "true"
    assert get(listed, "evt.arg", "x") is None
    assert get(listed, "evt.args") == "flags=O_WRONLY|O_TRUNC ok=true x="
    assert get({"ts": 1, "type": "close"}, "evt.args") == ""
    execve = {"ts": 1, "type": "execve", "args": {"exe": "/bin/ls", "args": ["-l", "/tmp"], "flags": ["EXE_WRITABLE"]}}
    assert get(execve, "evt.arg", "args") == "-l /tmp"  # a word list joins with spaces
    assert get(execve, "evt.arg", "1") == "-l /tmp"
    assert get(execve, "evt.arg", "flags") == "EXE_WRITABLE"
    assert get(execve, "evt.args") == "exe=/bin/ls args=-l /tmp flags=EXE_WRITABLE"


@pytest.mark.parametrize(
    ("res", "text", "failed"),
    [(0, "SUCCESS", False), (5, "SUCCESS", False), (-2, "ENOENT", True), (-115, "EINPROGRESS", True),
     (-13, "EACCES", True), (-4095, "-4095", True)],
)
def test_evt_res(res: int, text: str, failed: bool) -> None:
    ev = {"ts": 1, "type": "connect", "res": res}
    assert get(ev, "evt.res") == text
    assert get(ev, "evt.rawres") == res
    assert get(ev, "evt.failed") is failed
    assert get(ev, "evt.count.error") == (1 if failed else 0)
    assert get(ev, "evt.count.error.net") == (1 if failed else 0)


def test_evt_res_missing() -> None:
    ev = {"ts": 1, "type": "connect"}
    assert get(ev, "evt.res") is None
    assert get(ev, "evt.rawres") is None
    assert get(ev, "evt.failed") is False


@pytest.mark.parametrize(
    ("etype", "flags", "mode", "read", "write", "create", "exec_"),
    [
        ("openat", "O_RDONLY", 0, True, False, False, False),
        ("openat", "O_RDONLY|O_CLOEXEC", 0, True, False, False, False),
        ("open", "O_WRONLY|O_CREAT|O_TRUNC", 0o644, False, True, True, False),
        ("openat2", "O_RDWR", 0, True, True, False, False),
        ("openat", "O_WRONLY|O_CREAT", "0755", False, True, True, True),
        ("openat", "O_WRONLY|O_F_CREATED", 0o700, False, True, True, True),
        ("openat", "O_CLOEXEC", 0, True, False, False, False),  # no access mode: O_RDONLY is 0
        ("creat", "", 0o755, False, False, True, True),
        ("read", "O_RDONLY", 0, False, False, False, False),
    ],
)
def test_open_flags(etype: str, flags: str, mode: object, read: bool, write: bool, create: bool,
                    exec_: bool) -> None:
    ev = {"ts": 1, "type": etype, "res": 3, "args": {"name": "/x", "flags": flags, "mode": mode}}
    assert get(ev, "evt.is_open_read") is read
    assert get(ev, "evt.is_open_write") is write
    assert get(ev, "evt.is_open_create") is create
    assert get(ev, "evt.is_open_exec") is exec_


def test_io_and_wait_fields() -> None:
    sock = {"num": 4, "type": "ipv4", "cip": "10.0.0.1", "cport": 1, "sip": "10.0.0.2", "sport": 2}
    read = {"ts": 1, "type": "recvfrom", "res": 5, "args": {"data": "hello"}, "fd": sock}
    assert get(read, "evt.is_io") is True
    assert get(read, "evt.is_io_read") is True
    assert get(read, "evt.is_io_write") is False
    assert get(read, "evt.io_dir") == "r"
    assert get(read, "evt.category") == "net"
    assert get(read, "evt.buffer") == b"hello"
    assert get(read, "evt.buflen") == 5
    write = {"ts": 1, "type": "write", "res": 10, "args": {"size": 10}, "fd": {"num": 3, "type": "file",
                                                                               "name": "/dev/log"}}
    assert get(write, "evt.io_dir") == "w"
    assert get(write, "evt.category") == "file"
    assert get(write, "evt.buflen") == 10
    assert get(write, "evt.is_syslog") is True
    assert get({"ts": 1, "type": "write"}, "evt.category") == "other"
    assert get({"ts": 1, "type": "epoll_wait"}, "evt.is_wait") is True
    assert get({"ts": 1, "type": "execve"}, "evt.category") == "process"
    assert get({"ts": 1, "type": "procexit"}, "syscall.type") is None


def test_proc_fields() -> None:
    assert get(FULL, "proc.name") == "cat"
    assert get(FULL, "proc.exe") == "cat"
    assert get(FULL, "proc.exepath") == "/usr/bin/cat"
    assert get(FULL, "proc.args") == "-n ../../etc/shadow"
    assert get(FULL, "proc.cmdline") == "cat -n ../../etc/shadow"
    assert get(FULL, "proc.exeline") == "cat -n ../../etc/shadow"
    assert get(FULL, "proc.cmdnargs") == 2
    assert get(FULL, "proc.cmdlenargs") == 18
    assert get(FULL, "proc.cwd") == "/var/www/html/"
    assert get(FULL, "proc.tty") == 34816
    assert get(FULL, "proc.pid") == 4242
    assert get(FULL, "proc.vpid") == 7
    assert get(FULL, "proc.ppid") == 4200
    assert get(FULL, "proc.pvpid") == 5
    assert get(FULL, "proc.sid") == 1
    assert get(FULL, "proc.vpgid") == 7
    assert get(FULL, "proc.env") == "PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8"
    assert get(FULL, "proc.env", "HOME") == "/root"
    assert get(FULL, "proc.env", "NOPE") is None
    assert get(FULL, "proc.pid.ts") == 1718000000000000000
    assert get(FULL, "proc.ppid.ts") == 1717999990000000000
    assert get(FULL, "proc.duration") == 123456789
    assert get(FULL, "proc.ppid.duration") == 10123456789
    assert get(FULL, "proc.is_exe_upper_layer") is True
    assert get(FULL, "proc.is_exe_writable") is False
    assert get(FULL, "proc.is_exe_from_memfd") is False
    assert get(FULL, "proc.is_container_healthcheck") is False
    assert get(FULL, "proc.exe_ino") == 1311
    assert get(FULL, "proc.exe_ino.ctime") == 1717000000000000000
    assert get(FULL, "proc.exe_ino.mtime") == 1716000000000000000
    assert get(FULL, "proc.exe_ino.ctime_duration_proc_start") == 1_000_000_000_000_000
    assert get(FULL, "proc.exe_ino.ctime_duration_pidns_start") is None  # ctime predates the namespace
    assert get(FULL, "proc.pidns_init_start_ts") == 1717990000000000000
    assert get(FULL, "proc.fdusage") == 10 / 1024
    assert get(FULL, "proc.nthreads") == 2


def test_ancestor_fields() -> None:
    assert get(FULL, "proc.pname") == "bash"
    assert get(FULL, "proc.pexe") == "/bin/bash"
    assert get(FULL, "proc.pexepath") == "/usr/bin/bash"
    assert get(FULL, "proc.pcmdline") == "bash -i"
    assert get(FULL, "proc.aname", "0") == "cat"
    assert get(FULL, "proc.aname", "1") == "bash"
    assert get(FULL, "proc.aname", "2") == "sh"
    assert get(FULL, "proc.aname", "4") == "systemd"
    assert get(FULL, "proc.aname", "5") is None
    assert get(FULL, "proc.aname") == ("bash", "sh", "containerd-shim", "systemd")
    assert get(FULL, "proc.apid") == (4200, 4100, 2210, 1)
    assert get(FULL, "proc.apid", "0") == 4242
    assert get(FULL, "proc.aexepath", "2") == "/usr/bin/dash"
    assert get(FULL, "proc.aexe", "3") == "/usr/bin/containerd-shim-runc-v2"
    assert get(FULL, "proc.acmdline", "2") == "sh -c bash -i"
    assert get(FULL, "proc.aenv", "1") == "HOME=/root SECRET_MODE=on"
    assert get(FULL, "proc.aenv", "SECRET_MODE") == "on"
    assert get(FULL, "proc.aenv", "PATH") is None
    assert get(FULL, "proc.aenv") == ("HOME=/root SECRET_MODE=on",)
    orphan = {"ts": 1, "type": "execve", "proc": {"pid": 9, "name": "x"}}
    assert get(orphan, "proc.pname") is None
    assert get(orphan, "proc.ppid") is None
    assert get(orphan, "proc.aname") is None
    assert get(orphan, "proc.aname", "0") == "x"


def test_session_and_group_leaders() -> None:
    assert get(FULL, "proc.sname") == "sh"  # the ancestor whose vpid is the sid
    assert get(FULL, "proc.sid.exe") == "/bin/sh"
    assert get(FULL, "proc.sid.exepath") == "/usr/bin/dash"
    assert get(FULL, "proc.is_sid_leader") is False
    assert get(FULL, "proc.vpgid.name") == "cat"
    assert get(FULL, "proc.is_vpgid_leader") is True
    assert get(FULL, "proc.loginshellid") == 4100  # the oldest shell of the chain
    eldest = copy.deepcopy(FULL)
    eldest["proc"]["sid"] = 99  # no process has vpid 99: the eldest with the same sid leads
    eldest["ancestors"][0]["sid"] = 99
    eldest["ancestors"][1]["sid"] = 99
    assert get(eldest, "proc.sname") == "sh"
    explicit = copy.deepcopy(FULL)
    explicit["proc"]["sname"] = "sshd"
    assert get(explicit, "proc.sname") == "sshd"


def test_proc_name_is_derived_from_the_executable() -> None:
    ev = {"ts": 1, "type": "execve", "proc": {"pid": 1, "exepath": "/usr/lib/jvm/bin/very-long-program-name"}}
    assert get(ev, "proc.name") == "very-long-progr"
    assert get(ev, "proc.cmdline") == "very-long-progr"
    assert get({"ts": 1, "type": "execve", "proc": {"pid": 1}}, "proc.name") is None


def test_thread_user_group_fields() -> None:
    assert get(FULL, "thread.cap_effective") == "CAP_CHOWN CAP_DAC_OVERRIDE CAP_SYS_ADMIN"
    assert get(FULL, "thread.cap_permitted") == "CAP_CHOWN CAP_DAC_OVERRIDE CAP_SYS_ADMIN CAP_SYS_MODULE"
    assert get(FULL, "thread.cap_inheritable") == ""
    assert get(FULL, "thread.tid") == 4243
    assert get(FULL, "thread.vtid") == 8
    assert get(FULL, "thread.ismain") is False
    assert get(FULL, "thread.vmsize") == 0  # not the main thread
    assert get(FULL, "thread.cgroup", "cpu") == "/kubepods/pod1/3ad7b26ded6d"
    assert get(FULL, "thread.cgroups") == "cpu=/kubepods/pod1/3ad7b26ded6d memory=/kubepods/pod1/3ad7b26ded6d"
    assert get(FULL, "user.uid") == 0
    assert get(FULL, "user.name") == "root"
    assert get(FULL, "user.homedir") == "/root"
    assert get(FULL, "user.shell") == "/bin/bash"
    assert get(FULL, "user.loginuid") == -1  # 4294967295 is "unset"
    assert get(FULL, "user.loginname") is None
    assert get(FULL, "group.gid") == 0
    assert get(FULL, "group.name") == "root"
    assert get({"ts": 1, "type": "x", "user": {"loginuid": 1000}}, "user.loginuid") == 1000


def test_fd_file_fields() -> None:
    assert get(FULL, "fd.num") == 7
    assert get(FULL, "fd.type") == "file"
    assert get(FULL, "fd.typechar") == "f"
    assert get(FULL, "fd.name") == "/etc/shadow"
    assert get(FULL, "fd.nameraw") == "../../etc/shadow"
    assert get(FULL, "fd.directory") == "/etc"
    assert get(FULL, "fd.filename") == "shadow"
    assert get(FULL, "fd.ino") == 393226
    assert get(FULL, "fd.dev") == 2097153
    assert get(FULL, "fd.dev.major") == 2
    assert get(FULL, "fd.dev.minor") == 1
    assert get(FULL, "fd.uid") == "42437"
    assert get(FULL, "fd.containername") == "3ad7b26ded6d/etc/shadow"
    assert get(FULL, "fd.containerdirectory") == "3ad7b26ded6d/etc"
    assert get(FULL, "fd.types") == ("file", "ipv4")
    assert get(FULL, "fd.types", "1") == ("ipv4",)
    assert get(FULL, "fd.types", "5") is None
    assert get(FULL, "fd.sip") is None
    assert get(FULL, "fd.l4proto") is None
    assert get(FULL, "fd.connected") is None
    root_file = {"ts": 1, "type": "openat", "fd": {"num": 3, "type": "file", "name": "/vmlinuz"}}
    assert get(root_file, "fd.directory") == "/"
    assert get(root_file, "fd.filename") == "vmlinuz"
    directory = {"ts": 1, "type": "openat", "fd": {"num": 3, "type": "directory", "name": "/etc/ssl"}}
    assert get(directory, "fd.directory") == "/etc/ssl"
    assert get(directory, "fd.filename") is None
    assert get(directory, "fd.typechar") == "d"


@pytest.mark.parametrize(
    ("args", "cwd", "res", "name", "num", "ftype"),
    [
        ({"dirfd": -100, "name": "../../etc/passwd", "flags": "O_RDONLY"}, "/var/www/html/", 3, "/var/etc/passwd", 3,
         "file"),
        ({"dirfd": -100, "name": "a/./b//c", "flags": "O_RDONLY"}, "/home/u/", 4, "/home/u/a/b/c", 4, "file"),
        ({"name": "/etc/shadow", "flags": "O_RDONLY"}, None, -13, "/etc/shadow", -1, "file"),
        ({"dirfd": 5, "name": "rel.txt", "flags": "O_RDONLY"}, "/tmp/", 6, "rel.txt", 6, "file"),
        ({"dirfd": -100, "name": "/proc", "flags": "O_RDONLY|O_DIRECTORY"}, "/", 3, "/proc", 3, "directory"),
    ],
)
def test_fd_derived_from_open_arguments(args: dict[str, Any], cwd: str | None, res: int, name: str, num: int,
                                        ftype: str) -> None:
    ev: dict[str, Any] = {"ts": 1, "type": "openat", "res": res, "args": args}
    if cwd is not None:
        ev["proc"] = {"pid": 1, "cwd": cwd}
    assert get(ev, "fd.name") == name
    assert get(ev, "fd.nameraw") == args["name"]
    assert get(ev, "fd.num") == num
    assert get(ev, "fd.type") == ftype
    assert get({"ts": 1, "type": "connect", "args": args}, "fd.name") is None  # only open-family events


def test_fd_socket_fields_client_side() -> None:
    ev = {"ts": 1, "type": "connect", "res": 0,
          "fd": {"num": 3, "type": "ipv4", "l4proto": "tcp", "cip": "192.168.1.50", "cport": 53312,
                 "sip": "198.51.100.20", "sport": 443, "connected": True, "sip_name": "tunnel.example"}}
    assert get(ev, "fd.name") == "192.168.1.50:53312->198.51.100.20:443"
    assert get(ev, "fd.typechar") == "4"
    assert get(ev, "fd.sockfamily") == "ip"
    assert get(ev, "fd.cip") == "192.168.1.50"
    assert get(ev, "fd.sip") == "198.51.100.20"
    assert get(ev, "fd.lip") == "192.168.1.50"
    assert get(ev, "fd.rip") == "198.51.100.20"
    assert get(ev, "fd.lport") == 53312
    assert get(ev, "fd.rport") == 443
    assert get(ev, "fd.ip") == ("192.168.1.50", "198.51.100.20")
    assert get(ev, "fd.port") == (53312, 443)
    assert get(ev, "fd.net") == ("192.168.1.50", "198.51.100.20")
    assert get(ev, "fd.snet") == "198.51.100.20"
    assert get(ev, "fd.is_server") is False
    assert get(ev, "fd.connected") is True
    assert get(ev, "fd.name_changed") is False
    assert get(ev, "fd.sip.name") == "tunnel.example"
    assert get(ev, "fd.rip.name") == "tunnel.example"
    assert get(ev, "fd.lip.name") is None
    assert get(ev, "fd.directory") is None
    assert get(ev, "fd.filename") is None


def test_fd_socket_fields_server_side() -> None:
    ev = {"ts": 1, "type": "accept4", "res": 12,
          "fd": {"num": 12, "type": "ipv6", "l4proto": "tcp", "cip": "2001:db8::9", "cport": 51234,
                 "sip": "2001:db8::1", "sport": 80, "is_server": True}}
    assert get(ev, "fd.typechar") == "6"
    assert get(ev, "fd.lip") == "2001:db8::1"
    assert get(ev, "fd.lport") == 80
    assert get(ev, "fd.rip") == "2001:db8::9"
    assert get(ev, "fd.rport") == 51234
    assert get(ev, "fd.is_server") is True
    unix = {"ts": 1, "type": "connect", "fd": {"num": 9, "type": "unix", "name": "/run/app.sock"}}
    assert get(unix, "fd.typechar") == "u"
    assert get(unix, "fd.sockfamily") == "unix"
    assert get(unix, "fd.name") == "/run/app.sock"
    assert get(unix, "fd.sip") is None
    assert get(unix, "fd.l4proto") is None


def test_fs_path_fields() -> None:
    assert get(FULL, "fs.path.name") == "/var/etc/shadow"
    assert get(FULL, "fs.path.nameraw") == "../../etc/shadow"
    ren = {"ts": 1, "type": "renameat2", "proc": {"pid": 1, "cwd": "/tmp/"},
           "args": {"olddirfd": -100, "oldpath": "a.txt", "newdirfd": -100, "newpath": "/etc/cron.d/x"}}
    assert get(ren, "fs.path.source") == "/tmp/a.txt"
    assert get(ren, "fs.path.sourceraw") == "a.txt"
    assert get(ren, "fs.path.target") == "/etc/cron.d/x"
    assert get(ren, "fs.path.name") is None
    assert get(ren, "evt.abspath.src") == "/tmp/a.txt"
    assert get(ren, "evt.abspath.dst") == "/etc/cron.d/x"
    sym = {"ts": 1, "type": "symlinkat", "proc": {"pid": 1, "cwd": "/tmp/"},
           "args": {"target": "../etc/shadow", "linkdirfd": -100, "linkpath": "s"}}
    assert get(sym, "fs.path.source") == "../etc/shadow"  # a symlink's target is kept as written
    assert get(sym, "fs.path.target") == "/tmp/s"
    unl = {"ts": 1, "type": "unlinkat", "proc": {"pid": 1, "cwd": "/srv/"}, "args": {"dirfd": 4, "name": "x"}}
    assert get(unl, "fs.path.nameraw") == "x"
    assert get(unl, "fs.path.name") is None  # relative to an unknown directory fd


def test_container_fields() -> None:
    assert get(FULL, "container.id") == "3ad7b26ded6d"
    assert get(FULL, "container.name") == "web"
    assert get(FULL, "container.image.repository") == "registry.example:5000/shop/web"
    assert get(FULL, "container.image.tag") == "1.4.2"
    assert get(FULL, "container.image.digest") == (
        "sha256:d977378f890d445c15e51795296e4e5062f109ce6da83e0a355fc4ad8699d27")
    assert get(FULL, "container.image.id") == "6f7e2741b66b"
    assert get(FULL, "container.type") == "containerd"
    assert get(FULL, "container.privileged") is True
    assert get(FULL, "container.start_ts") == 1717990000000000000
    assert get(FULL, "container.duration") == 10000123456789
    assert get(FULL, "container.healthcheck") == "curl -f http://localhost/"
    assert get(FULL, "container.liveness_probe") is None
    assert get(FULL, "container.ip") == "10.244.1.12"
    assert get(FULL, "container.label", "team") == "payments"
    assert get(FULL, "container.mounts") == (
        "/var/lib/kubelet/pods/x/volumes/data:/data::true:rprivate /lib/modules:/host/lib/modules:ro:false:rprivate")
    assert get(FULL, "container.mount", "1") == "/lib/modules:/host/lib/modules:ro:false:rprivate"
    assert get(FULL, "container.mount", "/lib/*") == "/lib/modules:/host/lib/modules:ro:false:rprivate"
    assert get(FULL, "container.mount", "7") == "none"
    assert get(FULL, "container.mount.dest", "/lib/modules") == "/host/lib/modules"
    assert get(FULL, "container.mount.source", "/data") == "/var/lib/kubelet/pods/x/volumes/data"
    assert get(FULL, "container.mount.rdwr", "0") == "true"
    assert get(FULL, "container.mount.mode", "/lib/modules") == "ro"


@pytest.mark.parametrize("container", [None, {"id": "host"}, "absent"])
def test_host_processes(container: object) -> None:
    ev: dict[str, Any] = {"ts": 1, "type": "execve", "k8s": {"ns_name": "x"}}
    if container != "absent":
        ev["container"] = container
    assert get(ev, "container.id") == "host"
    assert get(ev, "container.name") == "host"
    assert get(ev, "container.image") is None
    assert get(ev, "container.image.repository") is None
    assert get(ev, "container.privileged") is None
    assert get(ev, "k8s.ns.name") is None  # pod context only exists for containers


@pytest.mark.parametrize(
    ("image", "repo", "tag", "digest"),
    [
        ("nginx", "nginx", None, None),
        ("nginx:1.25", "nginx", "1.25", None),
        ("docker.io/library/nginx:1.25", "docker.io/library/nginx", "1.25", None),
        ("localhost:5000/app", "localhost:5000/app", None, None),
        ("localhost:5000/app:v2", "localhost:5000/app", "v2", None),
        ("app@sha256:abcd", "app", None, "sha256:abcd"),
    ],
)
def test_image_reference_parsing(image: str, repo: str, tag: str | None, digest: str | None) -> None:
    ev = {"ts": 1, "type": "execve", "container": {"id": "0123456789ab", "image": image}}
    assert get(ev, "container.image.repository") == repo
    assert get(ev, "container.image.tag") == tag
    assert get(ev, "container.image.digest") == digest


def test_k8s_fields() -> None:
    assert get(FULL, "k8s.ns.name") == "shop"  # from the io.kubernetes.pod.namespace label
    assert get(FULL, "k8s.pod.name") == "web-1"
    assert get(FULL, "k8s.pod.uid") == "3e41dc6b-08a8-44db-bc2a-3724b18ab19a"
    assert get(FULL, "k8s.pod.id") == "3e41dc6b-08a8-44db-bc2a-3724b18ab19a"
    assert get(FULL, "k8s.pod.sandbox_id") == "63060edc2d3a"
    assert get(FULL, "k8s.pod.label", "app.kubernetes.io/name") == "shop-web"
    assert get(FULL, "k8s.pod.labels") == "app:web,app.kubernetes.io/name:shop-web"
    explicit = copy.deepcopy(FULL)
    explicit["k8s"]["ns_name"] = "prod"
    assert get(explicit, "k8s.ns.name") == "prod"


def test_wrong_value_types_read_as_not_available() -> None:
    bad: dict[str, Any] = {
        "ts": 1, "type": "openat", "res": "3",
        "args": {"flags": 7, "name": ["x"]},
        "proc": {"pid": "1", "name": 5, "args": "not-a-list", "cwd": 3, "env": "A=1", "cap_effective": 3,
                 "start_ts": "x", "tty": True},
        "ancestors": [{"name": None}, "junk", 3],
        "user": {"uid": "0", "loginuid": "x"},
        "fd": {"num": "3", "type": 4, "name": None, "cip": 1, "sport": "80"},
        "container": {"id": 12, "image": 7, "mounts": "x", "labels": []},
        "k8s": {"pod_labels": "x"},
    }
    for fdef in TABLE.fields():
        if fdef.arg in (ArgKind.NONE, ArgKind.OPTIONAL_INDEX, ArgKind.OPTIONAL_KEY):
            value = TABLE.extractor(fdef.name, None)(bad)
            assert value is None or isinstance(value, str | int | float | bool | bytes | tuple), fdef.name
    assert get(bad, "proc.pid") is None
    assert get(bad, "proc.args") is None
    assert get(bad, "proc.tty") is None
    assert get(bad, "evt.rawres") is None
    assert get(bad, "fd.num") is None
    assert get(bad, "container.id") is None
    assert get(bad, "proc.aname") == ()
    assert get(bad, "evt.arg", "name") == "x"  # a list argument renders joined by '|'
    assert get(bad, "evt.is_open_read") is False
    for name, arg in [("proc.aname", "2"), ("container.mount", "0"), ("k8s.pod.label", "a"),
                      ("proc.env", "A"), ("thread.cgroup", "cpu"), ("container.label", "x")]:
        assert get(bad, name, arg) in (None, "none")


def test_empty_record_reads_as_not_available() -> None:
    ev = {"ts": 5, "type": "execve"}
    for fdef in TABLE.fields():
        if fdef.arg in (ArgKind.NONE, ArgKind.OPTIONAL_INDEX, ArgKind.OPTIONAL_KEY):
            value = TABLE.extractor(fdef.name, None)(ev)
            assert value is None or fdef.name in {
                "evt.type", "evt.dir", "evt.source", "evt.is_async", "evt.rawtime", "evt.rawtime.s", "evt.rawtime.ns",
                "evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s", "evt.category",
                "syscall.type", "evt.args", "evt.info", "evt.failed", "evt.is_io", "evt.is_io_read",
                "evt.is_io_write", "evt.is_wait", "evt.is_syslog", "evt.count", "evt.count.error",
                "evt.count.error.file", "evt.count.error.net", "evt.count.error.memory", "evt.count.error.other",
                "evt.count.exit", "evt.is_open_read", "evt.is_open_write", "evt.is_open_exec", "evt.is_open_create",
                "container.id", "container.name", "proc.is_container_healthcheck",
                "proc.is_container_liveness_probe", "proc.is_container_readiness_probe",
            }, (fdef.name, value)
