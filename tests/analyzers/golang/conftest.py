"""Builders for synthetic ELF files (the layout the ELF specification gives) used by the Go tests."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Sec:
    name: str
    data: bytes
    addr: int = 0
    writable: bool = False
    nobits: bool = False


def make_elf(sections: list[Sec], *, is64: bool = True, big: bool = False, with_sections: bool = True,
             with_segments: bool = True, machine: int = 62) -> bytes:
    """An ELF executable with the given sections, each loaded (PT_LOAD) at its address when it has one."""
    o = ">" if big else "<"
    ehsize = 64 if is64 else 52
    phentsize = 56 if is64 else 32
    shentsize = 64 if is64 else 40
    loaded = [s for s in sections if s.addr and not s.nobits] if with_segments else []
    phoff = ehsize if loaded else 0
    cursor = ehsize + len(loaded) * phentsize
    body = bytearray()
    offsets: list[int] = []
    for sec in sections:
        pad = (-cursor) % 16
        body += b"\0" * pad
        cursor += pad
        offsets.append(cursor)
        if not sec.nobits:
            body += sec.data
            cursor += len(sec.data)
    names = bytearray(b"\0")
    name_offsets = []
    for sec in [*sections, Sec(".shstrtab", b"")]:
        name_offsets.append(len(names))
        names += sec.name.encode() + b"\0"
    shstr_off = cursor
    body += names
    cursor += len(names)
    pad = (-cursor) % 8
    body += b"\0" * pad
    cursor += pad
    shoff = cursor if with_sections else 0
    shnum = len(sections) + 2 if with_sections else 0
    shstrndx = len(sections) + 1 if with_sections else 0

    ident = b"\x7fELF" + bytes([2 if is64 else 1, 2 if big else 1, 1, 0]) + b"\0" * 8
    if is64:
        header = struct.pack(o + "HHIQQQIHHHHHH", 2, machine, 1, 0x401000, phoff, shoff, 0, ehsize, phentsize,
                             len(loaded), shentsize, shnum, shstrndx)
    else:
        header = struct.pack(o + "HHIIIIIHHHHHH", 2, machine, 1, 0x401000, phoff, shoff, 0, ehsize, phentsize,
                             len(loaded), shentsize, shnum, shstrndx)
    phdrs = bytearray()
    for sec in loaded:
        off = offsets[sections.index(sec)]
        flags = 4 | (2 if sec.writable else 1)  # R, and W or X
        if is64:
            phdrs += struct.pack(o + "IIQQQQQQ", 1, flags, off, sec.addr, sec.addr, len(sec.data), len(sec.data),
                                 0x1000)
        else:
            phdrs += struct.pack(o + "IIIIIIII", 1, off, sec.addr, sec.addr, len(sec.data), len(sec.data), flags,
                                 0x1000)
    shdrs = bytearray()

    def shdr(name: int, stype: int, flags: int, addr: int, off: int, size: int) -> bytes:
        if is64:
            return struct.pack(o + "IIQQQQIIQQ", name, stype, flags, addr, off, size, 0, 0, 1, 0)
        return struct.pack(o + "IIIIIIIIII", name, stype, flags, addr, off, size, 0, 0, 1, 0)

    if with_sections:
        shdrs += shdr(0, 0, 0, 0, 0, 0)
        for i, sec in enumerate(sections):
            flags = 2 | (1 if sec.writable else 0)
            shdrs += shdr(name_offsets[i], 8 if sec.nobits else 1, flags, sec.addr, offsets[i], len(sec.data))
        shdrs += shdr(name_offsets[-1], 3, 0, 0, shstr_off, len(names))
    return ident + header + bytes(phdrs) + bytes(body) + bytes(shdrs)


@pytest.fixture(scope="session")
def elf_builder() -> Callable[..., bytes]:
    return make_elf


@pytest.fixture(scope="session")
def sec() -> type[Sec]:
    return Sec
