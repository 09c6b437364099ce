"""The live source's parsers on real layouts and hostile input: netlink (proc connector, sock_diag), fanotify
records, /proc files, cgroup paths, passwd/group, open flags."""

from __future__ import annotations

import random
import socket
import struct
from pathlib import Path

import pytest

from stockade.runtime.sources import _fanotify as fan
from stockade.runtime.sources import _netlink as nl
from stockade.runtime.sources._cgroup import container_from_cgroup_lines, container_from_path
from stockade.runtime.sources._collectors import encode_dev, open_flags_text, parse_fdinfo_flags
from stockade.runtime.sources._procfs import (
    cap_names,
    parse_group,
    parse_nul_list,
    parse_passwd,
    parse_stat,
    parse_status,
    tty_device,
    tty_name,
)
from stockade.runtime.sources._proctable import cgroup_map

DATA = Path(__file__).parent / "testdata"


# proc connector -------------------------------------------------------------------------------------------------

def connector_datagram(what: int, body: bytes, *, cpu: int = 1, ts: int = 123_456_789, idx: int = 1) -> bytes:
    """One netlink datagram as the kernel sends it: nlmsghdr + cn_msg + proc_event."""
    event = struct.pack("=IIQ", what, cpu, ts) + body
    cn = struct.pack("=IIIIHH", idx, 1, 0, 0, len(event), 0) + event
    return struct.pack("=IHHII", 16 + len(cn), 3, 0, 0, 0) + cn


def parse_one(datagram: bytes) -> nl.ProcEvent | None:
    msgs = list(nl.iter_nlmsgs(datagram))
    assert len(msgs) == 1
    return nl.parse_proc_event(msgs[0][1])


def test_subscribe_message_layout() -> None:
    msg = nl.subscribe_message()
    assert len(msg) == 40
    assert struct.unpack("=IHHII", msg[:16]) == (40, 3, 0, 0, 0)
    assert struct.unpack("=IIIIHH", msg[16:36]) == (1, 1, 0, 0, 4, 0)
    assert struct.unpack("=I", msg[36:]) == (1,)
    assert struct.unpack("=I", nl.subscribe_message(nl.PROC_CN_MCAST_IGNORE)[36:]) == (2,)


def test_fork_exec_exit_events() -> None:
    fork = parse_one(connector_datagram(0x1, struct.pack("=iiii", 100, 100, 200, 200)))
    assert fork == nl.ProcEvent("fork", 1, 123_456_789, pid=200, tgid=200, parent_pid=100, parent_tgid=100)
    exe = parse_one(connector_datagram(0x2, struct.pack("=ii", 200, 200)))
    assert exe == nl.ProcEvent("exec", 1, 123_456_789, pid=200, tgid=200)
    ext = parse_one(connector_datagram(0x80000000, struct.pack("=iiIIii", 200, 200, 0x100, 17, 100, 100)))
    assert ext == nl.ProcEvent("exit", 1, 123_456_789, pid=200, tgid=200, exit_code=0x100, exit_signal=17,
                               parent_pid=100, parent_tgid=100)
    old_exit = parse_one(connector_datagram(0x80000000, struct.pack("=iiII", 200, 200, 9, 17)))
    assert old_exit is not None and (old_exit.exit_code, old_exit.parent_pid) == (9, 0)


def test_id_ptrace_comm_sid_events() -> None:
    uid = parse_one(connector_datagram(0x4, struct.pack("=iiII", 5, 5, 1000, 0)))
    assert uid is not None and (uid.kind, uid.rid, uid.eid) == ("uid", 1000, 0)
    ptrace = parse_one(connector_datagram(0x100, struct.pack("=iiii", 5, 5, 9, 9)))
    assert ptrace is not None and (ptrace.kind, ptrace.tracer_tgid) == ("ptrace", 9)
    comm = parse_one(connector_datagram(0x200, struct.pack("=ii", 5, 5) + b"kworker\0garbage!"))
    assert comm is not None and comm.comm == "kworker"
    sid = parse_one(connector_datagram(0x80, struct.pack("=ii", 5, 5)))
    assert sid is not None and sid.kind == "sid"


def test_several_messages_in_one_datagram() -> None:
    data = connector_datagram(0x2, struct.pack("=ii", 1, 1)) + connector_datagram(0x2, struct.pack("=ii", 2, 2))
    events = [nl.parse_proc_event(p) for _t, p in nl.iter_nlmsgs(data)]
    assert [e.pid for e in events if e] == [1, 2]


@pytest.mark.parametrize("datagram", [
    connector_datagram(0x1, struct.pack("=iii", 1, 1, 2)),  # fork body truncated
    connector_datagram(0x2, b"\0\0"),  # exec body truncated
    connector_datagram(0x4, b"\0" * 8),  # uid body truncated
    connector_datagram(0x200, b"\0" * 10),  # comm truncated
    connector_datagram(0x80000000, b"\0" * 12),  # exit truncated
    connector_datagram(0x12345, b"\0" * 16),  # unknown event kind
    connector_datagram(0x2, struct.pack("=ii", 1, 1), idx=7),  # another connector
])
def test_malformed_connector_payloads_are_skipped(datagram: bytes) -> None:
    assert parse_one(datagram) is None


def test_hostile_netlink_framing_never_raises() -> None:
    good = connector_datagram(0x2, struct.pack("=ii", 1, 1))
    assert list(nl.iter_nlmsgs(good[:10])) == []  # shorter than a header
    huge_len = struct.pack("=IHHII", 0xFFFFFFFF, 3, 0, 0, 0) + good[16:]
    assert list(nl.iter_nlmsgs(huge_len)) == []
    zero_len = struct.pack("=IHHII", 0, 3, 0, 0, 0) + good[16:]
    assert list(nl.iter_nlmsgs(zero_len)) == []
    cn_len_lies = bytearray(good)
    struct.pack_into("=H", cn_len_lies, 16 + 16, 60000)  # cn_msg.len far beyond the datagram
    msgs = list(nl.iter_nlmsgs(bytes(cn_len_lies)))
    assert nl.parse_proc_event(msgs[0][1]) == nl.ProcEvent("exec", 1, 123_456_789, pid=1, tgid=1)
    rng = random.Random(20240610)
    for _ in range(2000):
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 120)))
        for _t, payload in nl.iter_nlmsgs(blob):
            nl.parse_proc_event(payload)
        nl.parse_proc_event(blob)
        nl.parse_diag_msg(blob)


# sock_diag ------------------------------------------------------------------------------------------------------

def diag_msg(family: int, state: int, src: str, sport: int, dst: str, dport: int, inode: int, cookie: int) -> bytes:
    if family == socket.AF_INET:
        s, d = socket.inet_pton(family, src) + b"\0" * 12, socket.inet_pton(family, dst) + b"\0" * 12
    else:
        s, d = socket.inet_pton(family, src), socket.inet_pton(family, dst)
    sockid = struct.pack("!HH", sport, dport) + s + d + struct.pack("=III", 0, cookie & 0xFFFFFFFF, cookie >> 32)
    return struct.pack("=BBBB", family, state, 0, 0) + sockid + struct.pack("=IIIII", 0, 0, 0, 1000, inode)


def test_diag_request_layout() -> None:
    req = nl.diag_request(socket.AF_INET6, (1 << 1) | (1 << 10), seq=7)
    assert len(req) == 16 + 56
    assert struct.unpack("=IHHII", req[:16]) == (72, 20, 0x301, 7, 0)
    assert struct.unpack("=BBBxI", req[16:24]) == (socket.AF_INET6, socket.IPPROTO_TCP, 0, 0x402)


def test_diag_messages() -> None:
    v4 = nl.parse_diag_msg(diag_msg(socket.AF_INET, 1, "10.0.0.5", 43210, "93.184.216.34", 443, 777, (5 << 32) | 9))
    assert v4 == nl.InetSocket(socket.AF_INET, 1, "10.0.0.5", 43210, "93.184.216.34", 443, 1000, 777, (5 << 32) | 9)
    v6 = nl.parse_diag_msg(diag_msg(socket.AF_INET6, 10, "::", 22, "::", 0, 5, 1))
    assert v6 is not None and (v6.src, v6.sport, v6.state) == ("::", 22, 10)
    mapped = nl.parse_diag_msg(diag_msg(socket.AF_INET6, 1, "::ffff:127.0.0.1", 8080, "::ffff:10.1.2.3", 5555, 5, 2))
    assert mapped is not None and (mapped.src, mapped.dst) == ("127.0.0.1", "10.1.2.3")
    assert nl.parse_diag_msg(diag_msg(socket.AF_INET, 1, "1.2.3.4", 1, "1.2.3.4", 2, 3, 4)[:71]) is None
    unix = bytearray(diag_msg(socket.AF_INET, 1, "1.2.3.4", 1, "1.2.3.4", 2, 3, 4))
    unix[0] = socket.AF_UNIX
    assert nl.parse_diag_msg(bytes(unix)) is None


# fanotify -------------------------------------------------------------------------------------------------------

def fan_record(mask: int, fd: int, pid: int, *, vers: int = 3, extra: bytes = b"") -> bytes:
    return struct.pack("=IBBHQii", 24 + len(extra), vers, 0, 24, mask, fd, pid) + extra


def test_fanotify_records() -> None:
    buf = fan_record(fan.FAN_OPEN, 5, 100) + fan_record(fan.FAN_CLOSE_WRITE, 6, 101, extra=b"\0" * 8) \
        + fan_record(fan.FAN_Q_OVERFLOW, -1, 0)
    events, bad = fan.parse_events(buf)
    assert events == [fan.FanEvent(fan.FAN_OPEN, 5, 100), fan.FanEvent(fan.FAN_CLOSE_WRITE, 6, 101),
                      fan.FanEvent(fan.FAN_Q_OVERFLOW, -1, 0)]
    assert bad == 0


@pytest.mark.parametrize(("buf", "count", "bad"), [
    (fan_record(fan.FAN_OPEN, 5, 1)[:20], 0, 20),  # truncated record
    (fan_record(fan.FAN_OPEN, 5, 1, vers=2), 0, 24),  # another metadata version: cannot be framed
    (fan_record(fan.FAN_OPEN, 5, 1) + struct.pack("=IBBHQii", 4, 3, 0, 24, 1, 7, 1), 1, 24),  # impossible length
    (fan_record(fan.FAN_OPEN, 5, 1) + struct.pack("=IBBHQii", 10_000, 3, 0, 24, 1, 7, 1), 1, 24),  # beyond buffer
    (b"", 0, 0),
])
def test_fanotify_malformed_records(buf: bytes, count: int, bad: int) -> None:
    events, malformed = fan.parse_events(buf)
    assert (len(events), malformed) == (count, bad)


# /proc files ----------------------------------------------------------------------------------------------------

def test_stat_with_hostile_command_name() -> None:
    st = parse_stat((DATA / "proc/666/stat").read_bytes())
    assert st is not None
    assert (st.pid, st.comm, st.state, st.ppid, st.session, st.tty_nr, st.starttime) == (666, "a) b (c", "S", 1, 666,
                                                                                         0, 99)


@pytest.mark.parametrize("data", [b"", b"12 (x", b"12 x) S 1", b"(x) S 1 2 3 4", b"1 (x) S", b"\xff\x00" * 50,
                                  b"1 (x) S a b c d e f g h i j k l m n o p q r s t u"])
def test_stat_malformed(data: bytes) -> None:
    assert parse_stat(data) is None


def test_status_and_its_garbage() -> None:
    good = parse_status((DATA / "proc/4242/status").read_bytes())
    assert (good.name, good.tgid, good.uids, good.gids) == ("cat", 4242, (1000,) * 4, (33,) * 4)
    assert (good.cap_prm, good.cap_eff, good.cap_inh) == (0x200003, 1, 0)
    assert (good.nspid, good.nspgid, good.nssid) == ((4242, 7), (4242, 7), (4100, 1))
    bad = parse_status((DATA / "proc/666/status").read_bytes())
    assert (bad.tgid, bad.uids, bad.gids, bad.cap_prm, bad.cap_eff) == (None, (), (), None, None)
    assert parse_status(b"") == parse_status(b"\0" * 100000)


def test_nul_lists() -> None:
    assert parse_nul_list(b"cat\0/etc/shadow\0") == ("cat", "/etc/shadow")
    assert parse_nul_list(b"") == ()
    assert parse_nul_list(b"ev\xffil\0\0x") == ("ev\ufffdil", "", "x")
    assert len(parse_nul_list(b"a\0" * 10000)) == 4096


def test_capabilities() -> None:
    assert cap_names(0) == ()
    assert cap_names(0x200003) == ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN")
    assert cap_names((1 << 40) | (1 << 41)) == ("CAP_CHECKPOINT_RESTORE", "CAP_41")
    assert len(cap_names(0x1FFFFFFFFFF)) == 41


@pytest.mark.parametrize(("tty_nr", "name"), [
    (0, None), (34816, "/dev/pts/0"), (34819, "/dev/pts/3"), (1024 + 1, "/dev/tty1"), (1024 + 64, "/dev/ttyS0"),
    (1280, "/dev/tty"), (1281, "/dev/console"), ((137 << 8) | 2, "/dev/pts/258"),
    ((136 << 8) | (1 << 20) | 5, "/dev/pts/261"),
])
def test_tty_names(tty_nr: int, name: str | None) -> None:
    assert tty_name(tty_nr, sys_root="/nonexistent") == name


def test_tty_device_split() -> None:
    assert tty_device(34816) == (136, 0)
    assert tty_device((136 << 8) | (1 << 20) | 5) == (136, 261)
    assert tty_name((200 << 8) | 1, sys_root="/nonexistent") == "/dev/char/200:1"


def test_passwd_and_group() -> None:
    users = parse_passwd((DATA / "passwd").read_bytes())
    assert sorted(users) == [0, 33, 1000]
    assert (users[1000].name, users[1000].home, users[1000].shell) == ("alice", "/home/alice", "/bin/zsh")
    groups = parse_group((DATA / "group").read_bytes())
    assert groups == {0: "root", 33: "www-data", 1000: "alice"}
    assert parse_passwd(b"\xff\xfe\x00:::::\n" * 1000) == {}


# cgroups --------------------------------------------------------------------------------------------------------

CGROUPS = {
    "docker-cgroupfs.txt": ("3ad7b26ded6d", "docker"),
    "docker-systemd.txt": ("4c0ec0a1b9b3", "docker"),
    "cri-containerd-systemd.txt": ("9f86d081884c", "containerd"),
    "kubepods-cgroupfs.txt": ("e3b0c44298fc", "cri"),
    "crio.txt": ("2c26b46b68ff", "cri-o"),
    "crio-conmon.txt": None,
    "podman.txt": ("fcde2b2edba5", "podman"),
    "podman-conmon.txt": None,
    "podman-cgroupfs.txt": ("fcde2b2edba5", "podman"),
    "generic.txt": ("18ac3e7343f0", "generic"),
    "host.txt": None,
    "host-session.txt": None,
    "malformed.txt": None,
}


@pytest.mark.parametrize("name", sorted(CGROUPS))
def test_container_from_cgroup_file(name: str) -> None:
    lines = (DATA / "cgroup" / name).read_bytes().decode("utf-8", "replace").splitlines()
    ref = container_from_cgroup_lines(lines)
    expected = CGROUPS[name]
    if expected is None:
        assert ref is None
    else:
        assert ref is not None and (ref.id, ref.runtime) == expected
        assert len(ref.full_id) == 64 and ref.full_id.startswith(ref.id)


def test_cgroup_bounds() -> None:
    hexid = "a" * 64
    assert container_from_cgroup_lines(["0::/"] * 300 + [f"0::/docker/{hexid}"]) is None  # past MAX_LINES
    assert container_from_path("/" + "x/" * 10000 + f"docker/{hexid}") is not None
    assert container_from_path(f"/docker/{hexid}0") is None  # 65 hex digits


def test_cgroup_map() -> None:
    assert cgroup_map(("4:memory:/a", "3:cpu,cpuacct:/b", "1:name=systemd:/c", "0::/d", "junk")) == {
        "memory": "/a", "cpu": "/b", "cpuacct": "/b", "name=systemd": "/c", "cpuset": "/d", "io": "/d", "pids": "/d",
    }


# open flags -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("flags", "text"), [
    (0o100000, "O_RDONLY"), (0o2100000, "O_RDONLY|O_CLOEXEC"), (0o1, "O_WRONLY"), (0o2 | 0o2000, "O_RDWR|O_APPEND"),
    (0o4010001, "O_WRONLY|O_SYNC"), (0o10001, "O_WRONLY|O_DSYNC"), (0o20200002, "O_RDWR|O_TMPFILE"),
    (0o200000 | 0o4000, "O_RDONLY|O_NONBLOCK|O_DIRECTORY"), (0o10000000, "O_RDONLY|O_PATH"),
])
def test_open_flags_text(flags: int, text: str) -> None:
    assert open_flags_text(flags) == text


def test_fdinfo_flags_and_dev() -> None:
    assert parse_fdinfo_flags(b"pos:\t0\nflags:\t02100002\nmnt_id:\t24\n") == 0o2100002
    assert parse_fdinfo_flags(b"flags:\tzz\n") is None
    assert parse_fdinfo_flags(b"\xff\x00") is None
    import os

    assert encode_dev(os.makedev(254, 0)) == 65024
    assert encode_dev(os.makedev(8, 300)) == (300 & 0xFF) | (8 << 8) | ((300 & ~0xFF) << 12)
