"""The shared ELF reader: headers of every class and byte order, reads by address, hostile tables."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any

import pytest

from stockade.analyzers._elf import ElfError, open_elf


@pytest.mark.parametrize(("is64", "big"), [(True, False), (True, True), (False, False), (False, True)])
def test_reads_sections_and_segments(elf_builder: Callable[..., bytes], sec: Any, is64: bool, big: bool) -> None:
    data = elf_builder([sec(".text", b"\x90" * 64, addr=0x401000), sec(".data", b"hello world", addr=0x500000,
                                                                       writable=True),
                        sec(".note", b"abc")], is64=is64, big=big)
    elf = open_elf(io.BytesIO(data))
    assert elf is not None
    assert (elf.is64, elf.big_endian, elf.ptr_size) == (is64, big, 8 if is64 else 4)
    assert [s.name for s in elf.sections] == ["", ".text", ".data", ".note", ".shstrtab"]
    assert [(s.vaddr, s.filesz, s.flags) for s in elf.segments] == [(0x401000, 64, 5), (0x500000, 11, 6)]
    note = elf.section(".note")
    assert note is not None
    assert elf.read_section(note, 100) == b"abc"
    assert elf.read_addr(0x500006, 5) == b"world"
    assert elf.read_addr(0x500006, 6) is None  # one byte past the segment's file data
    assert elf.read_addr(0x600000, 1) is None
    assert elf.problems == ()


def test_not_elf_is_none() -> None:
    assert open_elf(io.BytesIO(b"#!/bin/sh\necho hi\n")) is None
    assert open_elf(io.BytesIO(b"")) is None
    assert open_elf(io.BytesIO(b"\x7fEL")) is None


@pytest.mark.parametrize("data", [b"\x7fELF\x02\x01", b"\x7fELF\x02\x01\x01" + b"\0" * 20,
                                  b"\x7fELF\x03\x01\x01" + b"\0" * 60, b"\x7fELF\x02\x07\x01" + b"\0" * 60])
def test_truncated_or_unknown_header_raises_elf_error(data: bytes) -> None:
    with pytest.raises(ElfError):
        open_elf(io.BytesIO(data))


def _patch_header(data: bytes, field: str, value: int) -> bytes:
    """Rewrite one field of a little-endian 64-bit ELF header."""
    offsets = {"phoff": (32, "<Q"), "shoff": (40, "<Q"), "phnum": (56, "<H"), "shentsize": (58, "<H"),
               "shnum": (60, "<H"), "shstrndx": (62, "<H")}
    off, fmt = offsets[field]
    out = bytearray(data)
    struct.pack_into(fmt, out, off, value)
    return bytes(out)


def test_section_table_past_eof_is_a_problem_not_an_error(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = _patch_header(elf_builder([sec(".data", b"xyz", addr=0x500000, writable=True)]), "shoff", 1 << 40)
    elf = open_elf(io.BytesIO(data))
    assert elf is not None
    assert elf.sections == ()
    assert elf.problems == ("the section header table lies past the end of the file",)
    assert elf.read_addr(0x500000, 3) == b"xyz"  # program headers still work


def test_huge_section_count(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = _patch_header(elf_builder([sec(".data", b"xyz", addr=0x500000, writable=True)]), "shnum", 0xFFFF)
    elf = open_elf(io.BytesIO(data))
    assert elf is not None
    assert elf.sections == ()
    assert elf.problems == ("the section header table (65535 entries) runs past the end of the file",)


def test_extended_section_count_above_limit(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = bytearray(_patch_header(elf_builder([sec(".a", b"1")]), "shnum", 0))
    shoff = struct.unpack_from("<Q", data, 40)[0]
    struct.pack_into("<Q", data, shoff + 32, 1 << 40)  # section 0 sh_size: the real count
    elf = open_elf(io.BytesIO(bytes(data)))
    assert elf is not None
    assert elf.problems == (f"{1 << 40} sections is above the limit of 65536",)


def test_bad_name_table_index_and_tiny_entry_size(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = _patch_header(elf_builder([sec(".a", b"1")]), "shstrndx", 99)
    elf = open_elf(io.BytesIO(data))
    assert elf is not None
    assert [s.name for s in elf.sections] == ["", "", ""]
    assert elf.problems == ("section name table index 99 is out of range",)
    elf = open_elf(io.BytesIO(_patch_header(elf_builder([sec(".a", b"1")]), "shentsize", 8)))
    assert elf is not None
    assert elf.problems == ("section header entry size 8 is too small",)


def test_program_header_table_past_eof(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = _patch_header(elf_builder([sec(".data", b"xyz", addr=0x500000)]), "phnum", 5000)
    elf = open_elf(io.BytesIO(data))
    assert elf is not None
    assert elf.segments == ()
    assert elf.problems == ("the program header table (5000 entries) runs past the end of the file",)


def test_section_past_eof_and_over_limit(elf_builder: Callable[..., bytes], sec: Any) -> None:
    elf = open_elf(io.BytesIO(elf_builder([sec(".big", b"x" * 100)])))
    assert elf is not None
    big = elf.section(".big")
    assert big is not None
    with pytest.raises(ElfError, match="above the 10 byte limit"):
        elf.read_section(big, 10)
    liar = type(big)(".liar", 1, 0, 0, elf.file_size - 4, 100)
    with pytest.raises(ElfError, match="runs past the end"):
        elf.read_section(liar, 1000)
