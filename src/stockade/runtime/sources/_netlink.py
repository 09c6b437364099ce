"""Netlink: the proc connector (process fork/exec/exit events) and sock_diag (TCP socket dumps).

Message layouts follow the kernel's UAPI headers: ``linux/netlink.h`` (nlmsghdr), ``linux/connector.h``
(cn_msg), ``linux/cn_proc.h`` (proc_event) and ``linux/inet_diag.h`` (inet_diag_req_v2, inet_diag_msg).
The parsers take bytes and never raise on malformed input: what cannot be parsed is skipped and counted.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_SOCK_DIAG = 4
NETLINK_AUDIT = 9
NETLINK_CONNECTOR = 11

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300

_NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
_CN_MSG = struct.Struct("=IIIIHH")  # id.idx, id.val, seq, ack, len, flags
_PROC_EVENT_HEAD = struct.Struct("=IIQ")  # what, cpu, timestamp_ns (aligned at 8: no padding here)

CN_IDX_PROC = 0x1
CN_VAL_PROC = 0x1
PROC_CN_MCAST_LISTEN = 1
PROC_CN_MCAST_IGNORE = 2

PROC_EVENT_NONE = 0x0
PROC_EVENT_FORK = 0x1
PROC_EVENT_EXEC = 0x2
PROC_EVENT_UID = 0x4
PROC_EVENT_GID = 0x40
PROC_EVENT_SID = 0x80
PROC_EVENT_PTRACE = 0x100
PROC_EVENT_COMM = 0x200
PROC_EVENT_NONZERO_EXIT = 0x20000000
PROC_EVENT_COREDUMP = 0x40000000
PROC_EVENT_EXIT = 0x80000000

_KINDS = {
    PROC_EVENT_FORK: "fork", PROC_EVENT_EXEC: "exec", PROC_EVENT_UID: "uid", PROC_EVENT_GID: "gid",
    PROC_EVENT_SID: "sid", PROC_EVENT_PTRACE: "ptrace", PROC_EVENT_COMM: "comm",
    PROC_EVENT_COREDUMP: "coredump", PROC_EVENT_EXIT: "exit", PROC_EVENT_NONZERO_EXIT: "exit",
    PROC_EVENT_NONE: "ack",
}


@dataclass(frozen=True, slots=True)
class ProcEvent:
    """One proc connector event. ``pid``/``tgid`` name the process the event is about (the child for fork)."""

    kind: str  # fork exec uid gid sid ptrace comm coredump exit ack
    cpu: int
    timestamp_ns: int  # CLOCK_MONOTONIC
    pid: int
    tgid: int
    parent_pid: int = 0  # fork: the parent; exit/coredump: the parent (kernels >= 4.18)
    parent_tgid: int = 0
    exit_code: int = 0  # exit: the wait status
    exit_signal: int = 0  # exit: the signal sent to the parent
    tracer_pid: int = 0  # ptrace: 0 on detach
    tracer_tgid: int = 0
    rid: int = 0  # uid/gid: the new real id
    eid: int = 0  # uid/gid: the new effective id
    comm: str = ""


def subscribe_message(op: int = PROC_CN_MCAST_LISTEN) -> bytes:
    """The datagram that starts (or stops) the proc connector's multicast to this socket."""
    payload = struct.pack("=I", op)
    cn = _CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(payload), 0) + payload
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(cn), NLMSG_DONE, 0, 0, 0) + cn


def iter_nlmsgs(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, payload) of each netlink message in a datagram; stops at the first malformed header."""
    offset = 0
    while offset + _NLMSGHDR.size <= len(data):
        length, mtype, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or offset + length > len(data):
            return
        yield mtype, data[offset + _NLMSGHDR.size:offset + length]
        offset += (length + 3) & ~3  # NLMSG_ALIGN


def parse_proc_event(payload: bytes) -> ProcEvent | None:
    """A cn_msg carrying a proc_event, or None when it is something else or malformed."""
    if len(payload) < _CN_MSG.size + _PROC_EVENT_HEAD.size:
        return None
    idx, val, _seq, _ack, length, _flags = _CN_MSG.unpack_from(payload, 0)
    if idx != CN_IDX_PROC or val != CN_VAL_PROC:
        return None
    body = payload[_CN_MSG.size:_CN_MSG.size + length]
    if len(body) < _PROC_EVENT_HEAD.size:
        return None
    what, cpu, ts = _PROC_EVENT_HEAD.unpack_from(body, 0)
    data = body[_PROC_EVENT_HEAD.size:]
    kind = _KINDS.get(what)
    if kind is None:
        return None

    def ints(count: int, fmt: str = "i") -> tuple[int, ...] | None:
        size = struct.calcsize("=" + fmt * count)
        if len(data) < size:
            return None
        return struct.unpack_from("=" + fmt * count, data, 0)

    try:
        if kind == "fork":
            v = ints(4)
            if v is None:
                return None
            return ProcEvent(kind, cpu, ts, pid=v[2], tgid=v[3], parent_pid=v[0], parent_tgid=v[1])
        if kind in ("exec", "sid"):
            v = ints(2)
            return None if v is None else ProcEvent(kind, cpu, ts, pid=v[0], tgid=v[1])
        if kind in ("uid", "gid"):
            if len(data) < 16:
                return None
            pid, tgid, rid, eid = struct.unpack_from("=iiII", data, 0)
            return ProcEvent(kind, cpu, ts, pid=pid, tgid=tgid, rid=rid, eid=eid)
        if kind == "ptrace":
            v = ints(4)
            if v is None:
                return None
            return ProcEvent(kind, cpu, ts, pid=v[0], tgid=v[1], tracer_pid=v[2], tracer_tgid=v[3])
        if kind == "comm":
            if len(data) < 24:
                return None
            pid, tgid = struct.unpack_from("=ii", data, 0)
            comm = data[8:24].split(b"\0", 1)[0].decode("utf-8", "replace")
            return ProcEvent(kind, cpu, ts, pid=pid, tgid=tgid, comm=comm)
        if kind == "coredump":
            v = ints(2)
            return None if v is None else ProcEvent(kind, cpu, ts, pid=v[0], tgid=v[1])
        if kind == "exit":
            if len(data) < 16:
                return None
            pid, tgid, code, sig = struct.unpack_from("=iiII", data, 0)
            ppid = ptgid = 0
            if len(data) >= 24:
                ppid, ptgid = struct.unpack_from("=ii", data, 16)
            return ProcEvent(kind, cpu, ts, pid=pid, tgid=tgid, exit_code=code, exit_signal=sig,
                             parent_pid=ppid, parent_tgid=ptgid)
        return ProcEvent("ack", cpu, ts, pid=0, tgid=0)
    except struct.error:
        return None


class ProcConnector:
    """A subscribed proc connector socket. ``recv()`` returns the events of one datagram; an overflow of the
    socket buffer (the kernel dropped events) raises ``ConnectorOverflow``."""

    def __init__(self, rcvbuf: int = 8 << 20) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
        try:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE: root may exceed rmem_max
            except OSError:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.bind((0, CN_IDX_PROC))  # port id 0: the kernel picks a unique one
            self.sock.send(subscribe_message(PROC_CN_MCAST_LISTEN))
        except OSError:
            self.sock.close()
            raise

    def fileno(self) -> int:
        return self.sock.fileno()

    def recv(self) -> list[ProcEvent]:
        try:
            data = self.sock.recv(65536)
        except OSError as exc:
            if exc.errno == errno.ENOBUFS:
                raise ConnectorOverflow() from None
            raise
        events = []
        for mtype, payload in iter_nlmsgs(data):
            if mtype == NLMSG_DONE:
                event = parse_proc_event(payload)
                if event is not None and event.kind != "ack":
                    events.append(event)
        return events

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.send(subscribe_message(PROC_CN_MCAST_IGNORE))
        self.sock.close()


class ConnectorOverflow(Exception):
    """The socket's receive buffer overflowed: the kernel dropped an unknown number of events."""


# sock_diag ------------------------------------------------------------------------------------------------

SOCK_DIAG_BY_FAMILY = 20
TCP_ESTABLISHED, TCP_SYN_SENT, TCP_LISTEN = 1, 2, 10
_INET_DIAG_REQ_V2 = struct.Struct("=BBBxI")  # family, protocol, ext, pad, states  (+ 48-byte sockid)
_INET_DIAG_SOCKID = struct.Struct("!HH16s16s")  # sport, dport (big endian), src, dst
_INET_DIAG_MSG_HEAD = struct.Struct("=BBBB")
_INET_DIAG_MSG_TAIL = struct.Struct("=IIIII")  # expires, rqueue, wqueue, uid, inode
_SOCKID_SIZE = 48
_INET_DIAG_MSG_SIZE = 4 + _SOCKID_SIZE + 20


@dataclass(frozen=True, slots=True)
class InetSocket:
    family: int  # AF_INET / AF_INET6
    state: int
    src: str
    sport: int
    dst: str
    dport: int
    uid: int
    inode: int
    cookie: int


def diag_request(family: int, states: int, seq: int = 1) -> bytes:
    req = _INET_DIAG_REQ_V2.pack(family, socket.IPPROTO_TCP, 0, states) + b"\0" * _SOCKID_SIZE
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(req), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + req


def _addr(family: int, raw: bytes) -> str:
    if family == socket.AF_INET:
        return str(ipaddress.IPv4Address(raw[:4]))
    addr = ipaddress.IPv6Address(raw[:16])
    return str(addr.ipv4_mapped) if addr.ipv4_mapped is not None else str(addr)


def parse_diag_msg(payload: bytes) -> InetSocket | None:
    if len(payload) < _INET_DIAG_MSG_SIZE:
        return None
    family, state, _timer, _retrans = _INET_DIAG_MSG_HEAD.unpack_from(payload, 0)
    if family not in (socket.AF_INET, socket.AF_INET6):
        return None
    sport, dport, src, dst = _INET_DIAG_SOCKID.unpack_from(payload, 4)
    _ifindex, c0, c1 = struct.unpack_from("=III", payload, 4 + 36)
    _exp, _rq, _wq, uid, inode = _INET_DIAG_MSG_TAIL.unpack_from(payload, 4 + _SOCKID_SIZE)
    return InetSocket(family, state, _addr(family, src), sport, _addr(family, dst), dport, uid, inode,
                      c0 | (c1 << 32))


class SockDiag:
    """Dumps of the host's TCP sockets in the given states (the caller's network namespace)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
        self.sock.settimeout(5.0)
        self._seq = 0

    def dump(self, states: int, max_sockets: int = 1 << 20) -> list[InetSocket]:
        found: list[InetSocket] = []
        for family in (socket.AF_INET, socket.AF_INET6):
            self._seq += 1
            self.sock.sendto(diag_request(family, states, self._seq), (0, 0))
            done = False
            while not done:
                data = self.sock.recv(1 << 17)
                if not data:
                    break
                for mtype, payload in iter_nlmsgs(data):
                    if mtype == NLMSG_DONE:
                        done = True
                        break
                    if mtype == NLMSG_ERROR:
                        code = struct.unpack_from("=i", payload, 0)[0] if len(payload) >= 4 else -errno.EIO
                        if code:
                            raise OSError(-code, os.strerror(-code))
                        continue
                    if mtype == SOCK_DIAG_BY_FAMILY and len(found) < max_sockets:
                        item = parse_diag_msg(payload)
                        if item is not None:
                            found.append(item)
        return found

    def close(self) -> None:
        self.sock.close()


def audit_available() -> tuple[bool, str]:
    """Whether the audit netlink socket answers an AUDIT_GET status request (read-only; nothing is changed)."""
    audit_get = 1000
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    except OSError as exc:
        return False, f"cannot open the audit netlink socket: {exc.strerror}"
    try:
        sock.settimeout(1.0)
        sock.sendto(_NLMSGHDR.pack(_NLMSGHDR.size, audit_get, NLM_F_REQUEST, 1, 0), (0, 0))
        data = sock.recv(8192)
        for mtype, payload in iter_nlmsgs(data):
            if mtype == NLMSG_ERROR and len(payload) >= 4:
                code = struct.unpack_from("=i", payload, 0)[0]
                if code:
                    return False, f"audit status request refused: {os.strerror(-code)}"
            elif mtype == audit_get:
                return True, "the audit status request was answered"
        return True, "the audit socket answered"
    except OSError as exc:
        return False, f"audit status request failed: {exc.strerror or exc}"
    finally:
        sock.close()
