"""fanotify through ctypes: notification-class group (FAN_CLASS_NOTIF), filesystem or mount marks, and a
parser for the event records read from the group's descriptor (``struct fanotify_event_metadata`` of
``linux/fanotify.h``).

Each event carries an open descriptor on the file (opened by the kernel for us, without generating events)
that must be closed; the reader resolves its path with ``readlink(/proc/self/fd/N)`` and closes it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

FAN_CLASS_NOTIF = 0x0
FAN_CLOEXEC = 0x1
FAN_NONBLOCK = 0x2

FAN_MARK_ADD = 0x1
FAN_MARK_REMOVE = 0x2
FAN_MARK_MOUNT = 0x10
FAN_MARK_FILESYSTEM = 0x100

FAN_ACCESS = 0x1
FAN_MODIFY = 0x2
FAN_CLOSE_WRITE = 0x8
FAN_CLOSE_NOWRITE = 0x10
FAN_OPEN = 0x20
FAN_OPEN_EXEC = 0x1000
FAN_Q_OVERFLOW = 0x4000
FAN_ONDIR = 0x40000000

FAN_NOFD = -1
FANOTIFY_METADATA_VERSION = 3
AT_FDCWD = -100

_METADATA = struct.Struct("=IBBHQii")  # event_len, vers, reserved, metadata_len, mask, fd, pid
METADATA_SIZE = _METADATA.size  # 24


@dataclass(frozen=True, slots=True)
class FanEvent:
    mask: int
    fd: int  # FAN_NOFD for overflow events
    pid: int


def parse_events(buf: bytes) -> tuple[list[FanEvent], int]:
    """Events in a buffer read from the fanotify descriptor, and how many bytes were malformed (skipped).

    A record whose version differs from FANOTIFY_METADATA_VERSION or whose length is impossible ends the
    parse: the rest of the buffer cannot be framed. The caller must still close every ``fd`` >= 0 returned.
    """
    events: list[FanEvent] = []
    offset = 0
    while offset + METADATA_SIZE <= len(buf):
        event_len, vers, _reserved, metadata_len, mask, fd, pid = _METADATA.unpack_from(buf, offset)
        if vers != FANOTIFY_METADATA_VERSION or event_len < METADATA_SIZE or metadata_len < METADATA_SIZE \
                or offset + event_len > len(buf):
            return events, len(buf) - offset
        events.append(FanEvent(mask, fd, pid))
        offset += event_len
    return events, len(buf) - offset


class FanotifyError(OSError):
    pass


class _Lib:
    _instance: _Lib | None = None

    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        self.init = libc.fanotify_init
        self.init.argtypes = [ctypes.c_uint, ctypes.c_uint]
        self.init.restype = ctypes.c_int
        self.mark = libc.fanotify_mark
        self.mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
        self.mark.restype = ctypes.c_int

    @classmethod
    def get(cls) -> _Lib:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance


class Fanotify:
    """A fanotify notification group. Raises FanotifyError (with errno) when the kernel refuses."""

    def __init__(self) -> None:
        try:
            lib = _Lib.get()
        except (OSError, AttributeError) as exc:
            raise FanotifyError(0, f"fanotify is not available in the C library: {exc}") from None
        self._lib = lib
        flags = os.O_RDONLY | os.O_LARGEFILE | os.O_CLOEXEC | getattr(os, "O_NOATIME", 0)
        fd = lib.init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, flags)
        if fd < 0 and getattr(os, "O_NOATIME", 0):
            fd = lib.init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, flags & ~os.O_NOATIME)
        if fd < 0:
            err = ctypes.get_errno()
            raise FanotifyError(err, f"fanotify_init: {os.strerror(err)}")
        self.fd: int = int(fd)

    def mark(self, path: str, mask: int, *, filesystem: bool = True) -> None:
        flags = FAN_MARK_ADD | (FAN_MARK_FILESYSTEM if filesystem else FAN_MARK_MOUNT)
        if self._lib.mark(self.fd, flags, mask, AT_FDCWD, os.fsencode(path)) < 0:
            err = ctypes.get_errno()
            kind = "filesystem" if filesystem else "mount"
            raise FanotifyError(err, f"fanotify_mark({kind}, {path}): {os.strerror(err)}")

    def fileno(self) -> int:
        return self.fd

    def read(self, size: int = 1 << 16) -> bytes:
        """One read of queued events; b"" when none are queued (the descriptor is non-blocking)."""
        try:
            data: bytes = os.read(self.fd, size)
            return data
        except BlockingIOError:
            return b""

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def close_fds(events: Iterator[FanEvent] | list[FanEvent]) -> None:
    for event in events:
        if event.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(event.fd)
