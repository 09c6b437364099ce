"""A small, defensive ELF reader shared by the binary analyzers (Go build info, Rust audit data).

It reads only what it is asked for, with seeks on the stream it is given: the file header, the program
header table, the section header table and the section name table, and then single sections or ranges of
bytes at a virtual address. 32- and 64-bit files of either byte order are understood. Nothing here trusts
a count, an offset or a size from the file: every table and read is checked against the file size and a
fixed cap, and problems with the section table are recorded in :attr:`ElfFile.problems` (the program
headers alone still allow reads by address) rather than raised.

Only ELF: Mach-O and PE executables are not read. :func:`wants_executable` is the ``wants`` predicate the
binary analyzers share (by path, size and mode only).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

MAGIC = b"\x7fELF"

PT_LOAD = 1
PF_X = 1
PF_W = 2
SHT_NOBITS = 8

MAX_SECTIONS = 65536  # e_shnum is 16-bit; extended numbering may claim more, which we refuse
MAX_SEGMENTS = 65536
MAX_NAME_TABLE = 4 * 1024 * 1024


class ElfError(Exception):
    """The file starts like an ELF file but its headers cannot be read."""


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass(slots=True)
class ElfFile:
    """The headers of one ELF file and reads into it (the stream stays owned by the caller)."""

    stream: BinaryIO
    file_size: int
    is64: bool
    big_endian: bool
    machine: int
    segments: tuple[Segment, ...]
    sections: tuple[Section, ...]
    problems: tuple[str, ...]

    @property
    def ptr_size(self) -> int:
        return 8 if self.is64 else 4

    @property
    def byte_order(self) -> str:
        return ">" if self.big_endian else "<"

    def section(self, name: str) -> Section | None:
        for section in self.sections:
            if section.name == name:
                return section
        return None

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes at a file offset, fewer when the file ends first (never more)."""
        if offset < 0 or size <= 0 or offset >= self.file_size:
            return b""
        size = min(size, self.file_size - offset)
        self.stream.seek(offset)
        return self.stream.read(size)

    def read_section(self, section: Section, limit: int) -> bytes:
        """The section's bytes; ElfError when it has no file data, lies past the end or exceeds ``limit``."""
        if section.type == SHT_NOBITS:
            return b""
        if section.size > limit:
            raise ElfError(f"section {section.name} is {section.size} bytes, above the {limit} byte limit")
        if section.offset + section.size > self.file_size:
            raise ElfError(f"section {section.name} runs past the end of the file")
        return self.read_at(section.offset, section.size)

    def offset_of(self, addr: int, size: int = 1) -> int | None:
        """The file offset holding ``size`` bytes at virtual address ``addr`` (file-backed bytes only)."""
        for seg in self.segments:
            if seg.type == PT_LOAD and seg.vaddr <= addr and addr + size <= seg.vaddr + seg.filesz:
                offset = seg.offset + (addr - seg.vaddr)
                return offset if offset + size <= self.file_size else None
        if not any(seg.type == PT_LOAD for seg in self.segments):
            # relocatable objects have no program headers: their allocated sections carry addresses
            for sec in self.sections:
                if sec.type != SHT_NOBITS and sec.addr and sec.addr <= addr and addr + size <= sec.addr + sec.size:
                    offset = sec.offset + (addr - sec.addr)
                    return offset if offset + size <= self.file_size else None
        return None

    def read_addr(self, addr: int, size: int) -> bytes | None:
        """``size`` bytes at a virtual address, or None when no loaded, file-backed range holds them all."""
        offset = self.offset_of(addr, max(size, 1))
        if offset is None:
            return None
        data = self.read_at(offset, size)
        return data if len(data) == size else None

    def unpack_ptr(self, data: bytes) -> int:
        fmt = self.byte_order + ("Q" if self.is64 else "I")
        value: int = struct.unpack_from(fmt, data)[0]
        return value


def _file_size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def open_elf(stream: BinaryIO) -> ElfFile | None:
    """The ELF headers of ``stream``: None when it is not ELF, ElfError when the file header is unusable."""
    size = _file_size(stream)
    ident = stream.read(16)
    if len(ident) < 4 or ident[:4] != MAGIC:
        return None
    if len(ident) < 16:
        raise ElfError("truncated ELF identification")
    ei_class, ei_data = ident[4], ident[5]
    if ei_class not in (1, 2):
        raise ElfError(f"unknown ELF class {ei_class}")
    if ei_data not in (1, 2):
        raise ElfError(f"unknown ELF data encoding {ei_data}")
    is64 = ei_class == 2
    order = "<" if ei_data == 1 else ">"
    header_fmt = order + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    header = stream.read(struct.calcsize(header_fmt))
    if len(header) < struct.calcsize(header_fmt):
        raise ElfError("truncated ELF header")
    (_type, machine, _version, _entry, phoff, shoff, _flags, _ehsize, phentsize, phnum, shentsize, shnum,
     shstrndx) = struct.unpack(header_fmt, header)

    problems: list[str] = []
    sections: list[Section] = []
    raw_sections = _read_section_headers(stream, size, is64, order, shoff, shentsize, shnum, problems)
    if raw_sections:
        if phnum == 0xFFFF:  # PN_XNUM: the real count is in section 0's sh_info
            phnum = raw_sections[0][7]
        if shstrndx == 0xFFFF:  # SHN_XINDEX: the real index is in section 0's sh_link
            shstrndx = raw_sections[0][6]
    segments = _read_program_headers(stream, size, is64, order, phoff, phentsize, phnum, problems)
    if raw_sections:
        names = b""
        if 0 < shstrndx < len(raw_sections):
            _n, stype, _f, _a, soff, ssize, _l, _i = raw_sections[shstrndx]
            if stype != SHT_NOBITS and soff + min(ssize, MAX_NAME_TABLE) <= size:
                stream.seek(soff)
                names = stream.read(min(ssize, MAX_NAME_TABLE))
            else:
                problems.append("the section name table lies past the end of the file")
        elif shstrndx:
            problems.append(f"section name table index {shstrndx} is out of range")
        for name_off, stype, sflags, saddr, soff, ssize, _link, _info in raw_sections:
            name = ""
            if 0 <= name_off < len(names):
                end = names.find(b"\0", name_off)
                name = names[name_off : end if end >= 0 else len(names)].decode("latin-1")
            sections.append(Section(name, stype, sflags, saddr, soff, ssize))
    return ElfFile(stream, size, is64, order == ">", machine, tuple(segments), tuple(sections), tuple(problems))


RawSection = tuple[int, int, int, int, int, int, int, int]  # name, type, flags, addr, offset, size, link, info


def _read_section_headers(stream: BinaryIO, size: int, is64: bool, order: str, shoff: int, shentsize: int,
                          shnum: int, problems: list[str]) -> list[RawSection]:
    if shoff == 0:
        return []
    fmt = order + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    entsize = struct.calcsize(fmt)
    if shentsize < entsize:
        problems.append(f"section header entry size {shentsize} is too small")
        return []
    if shoff + shentsize > size:
        problems.append("the section header table lies past the end of the file")
        return []
    stream.seek(shoff)
    first = stream.read(entsize)
    fields = struct.unpack(fmt, first)
    if shnum == 0:  # extended numbering: the count is in section 0's sh_size
        shnum = fields[5]
    if shnum > MAX_SECTIONS:
        problems.append(f"{shnum} sections is above the limit of {MAX_SECTIONS}")
        return []
    if shoff + shnum * shentsize > size:
        problems.append(f"the section header table ({shnum} entries) runs past the end of the file")
        return []
    stream.seek(shoff)
    table = stream.read(shnum * shentsize)
    out: list[RawSection] = []
    for i in range(shnum):
        name, stype, flags, addr, offset, ssize, link, info, _align, _es = struct.unpack_from(fmt, table, i * shentsize)
        out.append((name, stype, flags, addr, offset, ssize, link, info))
    return out


def _read_program_headers(stream: BinaryIO, size: int, is64: bool, order: str, phoff: int, phentsize: int,
                          phnum: int, problems: list[str]) -> list[Segment]:
    if phoff == 0 or phnum == 0:
        return []
    fmt = order + ("IIQQQQQQ" if is64 else "IIIIIIII")
    entsize = struct.calcsize(fmt)
    if phentsize < entsize:
        problems.append(f"program header entry size {phentsize} is too small")
        return []
    if phnum > MAX_SEGMENTS or phoff + phnum * phentsize > size:
        problems.append(f"the program header table ({phnum} entries) runs past the end of the file")
        return []
    stream.seek(phoff)
    table = stream.read(phnum * phentsize)
    out: list[Segment] = []
    for i in range(phnum):
        fields = struct.unpack_from(fmt, table, i * phentsize)
        if is64:
            ptype, pflags, offset, vaddr, _paddr, filesz, memsz, _align = fields
        else:
            ptype, offset, vaddr, _paddr, filesz, memsz, pflags, _align = fields
        out.append(Segment(ptype, pflags, offset, vaddr, filesz, memsz))
    return out


# --- which files are worth opening -------------------------------------------------------------------

MIN_BINARY = 1024
MAX_BINARY = 512 * 1024 * 1024

# Trees that hold no executables worth opening, and name endings of executable-bit files that are not
# ELF programs (scripts, data, libraries loaded by interpreters).
_SKIP_DIRS = ("usr/share/", "usr/include/", "proc/", "sys/", "dev/", "etc/", "var/log/", "var/cache/")
_SKIP_SUFFIXES = frozenset({
    "sh", "bash", "zsh", "csh", "fish", "py", "pyc", "pyo", "pl", "pm", "rb", "js", "mjs", "cjs", "ts", "php",
    "lua", "tcl", "awk", "sed", "txt", "md", "rst", "html", "htm", "css", "json", "yaml", "yml", "xml", "toml",
    "conf", "cfg", "ini", "properties", "png", "jpg", "jpeg", "gif", "svg", "ico", "gz", "xz", "bz2", "zst",
    "zip", "tar", "tgz", "jar", "war", "ear", "whl", "egg", "h", "hpp", "c", "cc", "cpp", "go", "rs", "java",
    "class", "o", "a", "la", "ko", "mo", "po", "pem", "crt", "key", "csv", "log", "ps1", "bat", "cmd", "exe",
    "dll", "dylib",
})


def wants_executable(path: str, size: int, mode: int) -> bool:
    """A regular file with an executable bit that may be an ELF program (shared by the binary analyzers)."""
    if not mode & 0o111 or size < MIN_BINARY or size > MAX_BINARY:
        return False
    if path.startswith(_SKIP_DIRS):
        return False
    name = path.rpartition("/")[2]
    stem, dot, suffix = name.rpartition(".")
    return not (dot and stem and suffix.lower() in _SKIP_SUFFIXES)
