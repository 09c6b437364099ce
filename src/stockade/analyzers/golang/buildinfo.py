"""Find and decode the build information the Go linker embeds in an executable.

The linker writes a 32-byte header, aligned to 16 bytes, at the start of the ``.go.buildinfo`` section
(in the first writable PT_LOAD segment when section headers are stripped)::

    "\\xff Go buildinf:"  pointer size (1 byte)  flags (1 byte)  16 bytes

Go 1.18 and later set flag 0x2 and follow the header with two varint-length-prefixed strings: the Go
version and the module information. Earlier versions put two pointers (in the byte order flag 0x1 gives)
to Go string headers (data pointer, length) after the flags; those are followed through the virtual
address to file offset mapping of the loaded segments. The module information is framed by two 16-byte
sentinels, which are removed here.
"""

from __future__ import annotations

import struct

from stockade.analyzers._elf import PF_W, PF_X, PT_LOAD, ElfFile

BUILDINFO_MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
ALIGN = 16
SEARCH_SIZE = 64 * 1024  # how much of the data segment is searched when there is no section
MAX_VERSION = 4096
MAX_MODINFO = 8 * 1024 * 1024
FLAG_BIG_ENDIAN = 0x1
FLAG_INLINE = 0x2


class BuildInfoError(Exception):
    """Build information was found but cannot be decoded."""


def _find_header(data: bytes) -> int:
    """Offset of the first 16-byte aligned header in ``data``, or -1."""
    start = 0
    while True:
        i = data.find(BUILDINFO_MAGIC, start)
        if i < 0 or len(data) - i < HEADER_SIZE:
            return -1
        if i % ALIGN == 0:
            return i
        start = i + 1


def locate(elf: ElfFile) -> tuple[int, int, bytes] | None:
    """The file offset of the build info header, the end of the region holding it, and its 32 bytes."""
    section = elf.section(".go.buildinfo")
    if section is not None and section.size:
        base, size = section.offset, section.size
    else:
        segment = next((s for s in elf.segments if s.type == PT_LOAD and s.flags & (PF_X | PF_W) == PF_W), None)
        if segment is None:
            return None
        base, size = segment.offset, segment.filesz
    end = min(base + size, elf.file_size)
    data = elf.read_at(base, min(size, SEARCH_SIZE))
    i = _find_header(data)
    if i < 0:
        return None
    return base + i, end, data[i : i + HEADER_SIZE]


def _read_uvarint(elf: ElfFile, offset: int, end: int) -> tuple[int, int]:
    """A varint at ``offset`` (before ``end``): (value, offset after it)."""
    raw = elf.read_at(offset, min(10, end - offset))
    value = 0
    shift = 0
    for i, byte in enumerate(raw):
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset + i + 1
        shift += 7
    raise BuildInfoError("Go build info: truncated string length")


def _inline_string(elf: ElfFile, offset: int, end: int, limit: int, what: str) -> tuple[str, int]:
    length, offset = _read_uvarint(elf, offset, end)
    if length > limit:
        raise BuildInfoError(f"Go build info: {what} length {length} is above the {limit} byte limit")
    if offset + length > end:
        raise BuildInfoError(f"Go build info: {what} length {length} runs past the end of the build info")
    return elf.read_at(offset, length).decode("utf-8", errors="replace"), offset + length


def _pointer_string(elf: ElfFile, addr: int, ptr_size: int, order: str, limit: int, what: str) -> str:
    fmt = order + ("Q" if ptr_size == 8 else "I")
    header = elf.read_addr(addr, 2 * ptr_size)
    if header is None:
        raise BuildInfoError(f"Go build info: the {what} string header at {addr:#x} is not in the file")
    data_ptr: int = struct.unpack_from(fmt, header, 0)[0]
    length: int = struct.unpack_from(fmt, header, ptr_size)[0]
    if length > limit:
        raise BuildInfoError(f"Go build info: {what} length {length} is above the {limit} byte limit")
    if length == 0:
        return ""
    data = elf.read_addr(data_ptr, length)
    if data is None:
        raise BuildInfoError(f"Go build info: the {what} ({length} bytes at {data_ptr:#x}) is not in the file")
    return data.decode("utf-8", errors="replace")


def strip_sentinels(modinfo: str) -> str:
    """The module information without its 16-byte framing (empty when the framing is not there)."""
    if len(modinfo) >= 33 and modinfo[-17] == "\n":
        return modinfo[16:-16]
    return ""


def read_buildinfo(elf: ElfFile) -> tuple[str, str] | None:
    """(Go version, module information) of a Go executable, None for other files; BuildInfoError if broken."""
    found = locate(elf)
    if found is None:
        return None
    offset, end, header = found
    ptr_size, flags = header[14], header[15]
    if flags & FLAG_INLINE:
        version, after = _inline_string(elf, offset + HEADER_SIZE, end, MAX_VERSION, "Go version")
        modinfo, _ = _inline_string(elf, after, end, MAX_MODINFO, "module information")
    else:
        if ptr_size not in (4, 8):
            raise BuildInfoError(f"Go build info: unsupported pointer size {ptr_size}")
        order = ">" if flags & FLAG_BIG_ENDIAN else "<"
        fmt = order + ("Q" if ptr_size == 8 else "I")
        version_addr: int = struct.unpack_from(fmt, header, 16)[0]
        modinfo_addr: int = struct.unpack_from(fmt, header, 16 + ptr_size)[0]
        version = _pointer_string(elf, version_addr, ptr_size, order, MAX_VERSION, "Go version")
        modinfo = _pointer_string(elf, modinfo_addr, ptr_size, order, MAX_MODINFO, "module information")
    return version, strip_sentinels(modinfo)
