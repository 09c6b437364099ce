"""RPM headers, as the rpm database stores them, to packages.

A header blob (the header structure without the lead and the 8-byte magic): two big-endian 32-bit counts,
``il`` index entries and ``dl`` bytes of data, then ``il`` entries of 16 bytes (tag, type, offset,
count), then the data store. Strings are NUL-terminated, string arrays are ``count`` such strings in a
row, INT32 arrays ``count`` big-endian words. Every offset and count is checked against the blob: a
hostile header yields a diagnostic, never an exception or an oversized allocation.

Pure functions: bytes in, :class:`AnalysisResult` out.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from stockade.analyzers._base import AnalysisResult, Problems
from stockade.model import Location, Package

ECOSYSTEM = "rpm"

# Tags (rpmtag.h).
NAME = 1000
VERSION = 1001
RELEASE = 1002
EPOCH = 1003
VENDOR = 1011
LICENSE = 1014
ARCH = 1022
OLDFILENAMES = 1027
SOURCERPM = 1044
DIRINDEXES = 1116
BASENAMES = 1117
DIRNAMES = 1118
MODULARITYLABEL = 5096

# Types (rpmtag.h).
CHAR, INT8, INT16, INT32, INT64, STRING, BIN, STRING_ARRAY, I18NSTRING = 1, 2, 3, 4, 5, 6, 7, 8, 9
_INT_SIZES = {CHAR: 1, INT8: 1, INT16: 2, INT32: 4, INT64: 8}
_INT_FORMATS = {1: "B", 2: "H", 4: "I", 8: "Q"}
_STRING_TYPES = frozenset({STRING, STRING_ARRAY, I18NSTRING})

_STRING_TAGS = frozenset({NAME, VERSION, RELEASE, VENDOR, LICENSE, ARCH, SOURCERPM, MODULARITYLABEL})
_ARRAY_TAGS = frozenset({BASENAMES, DIRNAMES, OLDFILENAMES})
_INT_TAGS = frozenset({EPOCH, DIRINDEXES})
WANTED = _STRING_TAGS | _ARRAY_TAGS | _INT_TAGS

# rpm's own limits (hdrchkTags / hdrchkData): at most 0xffff index entries and 256 MiB of data.
MAX_INDEX_ENTRIES = 0xFFFF
MAX_DATA = 256 * 1024 * 1024
MAX_OWNED_FILES = 2_000_000

Value = str | list[str] | list[int]


class HeaderError(ValueError):
    """A header blob that cannot be read at all."""


@dataclass(frozen=True, slots=True)
class Header:
    """The tags of one header that stockade reads, decoded; ``problems`` lists entries that were skipped."""

    tags: dict[int, Value]
    problems: tuple[str, ...] = ()

    def string(self, tag: int) -> str:
        value = self.tags.get(tag)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
        return ""

    def strings(self, tag: int) -> list[str]:
        value = self.tags.get(tag)
        if isinstance(value, list) and all(isinstance(x, str) for x in value):
            return [x for x in value if isinstance(x, str)]
        return [value] if isinstance(value, str) else []

    def ints(self, tag: int) -> list[int]:
        value = self.tags.get(tag)
        if isinstance(value, list) and all(isinstance(x, int) for x in value):
            return [x for x in value if isinstance(x, int)]
        return []


def _strings(store: bytes, offset: int, count: int) -> list[str] | None:
    out: list[str] = []
    pos = offset
    for _ in range(count):
        end = store.find(b"\0", pos)
        if end < 0:
            return None
        out.append(store[pos:end].decode("utf-8", errors="replace"))
        pos = end + 1
    return out


def read_header(blob: bytes, wanted: frozenset[int] = WANTED) -> Header:
    """Decode the ``wanted`` tags of a header blob; raises :class:`HeaderError` when the blob is not one."""
    if len(blob) < 8:
        raise HeaderError(f"header blob of {len(blob)} bytes is shorter than its 8-byte preamble")
    count, size = struct.unpack_from(">II", blob, 0)
    if count == 0 or count > MAX_INDEX_ENTRIES:
        raise HeaderError(f"header claims {count} index entries (valid: 1 to {MAX_INDEX_ENTRIES})")
    if size > MAX_DATA:
        raise HeaderError(f"header claims {size} bytes of data (more than {MAX_DATA})")
    start = 8 + 16 * count
    if start + size > len(blob):
        raise HeaderError(f"header claims {count} entries and {size} bytes of data, but the blob has only "
                          f"{len(blob)} bytes")
    store = blob[start : start + size]
    tags: dict[int, Value] = {}
    problems: list[str] = []
    for index in range(count):
        tag, type_, offset, items = struct.unpack_from(">IIII", blob, 8 + 16 * index)
        if tag not in wanted or tag in tags:
            continue
        if offset >= size or items == 0 or items > size - offset:
            problems.append(f"tag {tag}: offset {offset} / count {items} outside the {size}-byte data store")
            continue
        if type_ in _STRING_TYPES:
            if tag in _INT_TAGS:
                problems.append(f"tag {tag}: string type {type_} where an integer was expected")
                continue
            # STRING and I18NSTRING have one (I18N: per locale) value; the first is the one wanted
            strings = _strings(store, offset, items if type_ == STRING_ARRAY else 1)
            if strings is None:
                problems.append(f"tag {tag}: string not terminated inside the data store")
                continue
            tags[tag] = strings if tag in _ARRAY_TAGS else strings[0]
        elif type_ in _INT_SIZES:
            width = _INT_SIZES[type_]
            if tag not in _INT_TAGS:
                problems.append(f"tag {tag}: integer type {type_} where a string was expected")
                continue
            if items > (size - offset) // width:
                problems.append(f"tag {tag}: {items} integers do not fit in the data store")
                continue
            tags[tag] = list(struct.unpack_from(f">{items}{_INT_FORMATS[width]}", store, offset))
        else:
            problems.append(f"tag {tag}: unexpected type {type_}")
    return Header(tags, tuple(problems))


def split_source_rpm(filename: str) -> tuple[str, str, str] | None:
    """``bash-5.1.8-6.el9.src.rpm`` -> ``("bash", "5.1.8", "6.el9")``; None when it is not such a name."""
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            break
    else:
        return None
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def owned_files(header: Header) -> tuple[list[str], str | None]:
    """The file paths of a header (relative, no leading ``/``) and a problem, if the lists disagree."""
    basenames = header.strings(BASENAMES)
    if basenames:
        dirnames = header.strings(DIRNAMES)
        indexes = header.ints(DIRINDEXES)
        if len(indexes) != len(basenames):
            return [], f"{len(basenames)} BASENAMES but {len(indexes)} DIRINDEXES"
        paths: list[str] = []
        for base, index in zip(basenames, indexes, strict=True):
            if index >= len(dirnames):
                return paths, f"DIRINDEXES value {index} past the {len(dirnames)} DIRNAMES"
            paths.append((dirnames[index] + base).lstrip("/"))
        return paths, None
    return [name.lstrip("/") for name in header.strings(OLDFILENAMES) if name.strip("/")], None


@dataclass(frozen=True, slots=True)
class HeaderResult:
    package: Package | None
    files: list[str]
    problems: list[str]


def header_package(path: str, blob: bytes, *, found_by: str = "rpm") -> HeaderResult:
    """The package one header blob describes (None for ``gpg-pubkey`` entries and unreadable headers)."""
    try:
        header = read_header(blob)
    except HeaderError as exc:
        return HeaderResult(None, [], [str(exc)])
    problems = list(header.problems)
    name, version, release = header.string(NAME), header.string(VERSION), header.string(RELEASE)
    if name == "gpg-pubkey":  # imported signing keys, not packages
        return HeaderResult(None, [], [])
    if not name or not version:
        problems.append("header without NAME" if not name else f"header of {name} without VERSION")
        return HeaderResult(None, [], problems)
    epochs = header.ints(EPOCH)
    epoch = f"{epochs[0]}:" if epochs else ""
    evr = f"{epoch}{version}-{release}" if release else f"{epoch}{version}"
    source_rpm = header.string(SOURCERPM)
    source_name, source_version = name, evr
    if source_rpm:
        parts = split_source_rpm(source_rpm)
        if parts is None:
            problems.append(f"{name}: SOURCERPM {source_rpm[:80]!r} is not name-version-release.src.rpm")
        else:
            source_name, source_version = parts[0], f"{epoch}{parts[1]}-{parts[2]}"
    metadata = {key: value for key, value in (
        ("vendor", header.string(VENDOR)),
        ("modularity_label", header.string(MODULARITYLABEL)),
        ("source_rpm", source_rpm),
    ) if value}
    license_ = header.string(LICENSE)
    files, problem = owned_files(header)
    if problem:
        problems.append(f"{name}: {problem}")
    package = Package(
        name=name,
        version=evr,
        ecosystem=ECOSYSTEM,
        locations=(Location(path),),
        found_by=found_by,
        metadata=metadata,
        source_name=source_name,
        source_version=source_version,
        licenses=(license_,) if license_ else (),
        arch=header.string(ARCH),
    )
    return HeaderResult(package, files, problems)


class Collector:
    """Packages, owned files and (capped) diagnostics of one rpm database."""

    def __init__(self, path: str, found_by: str = "rpm") -> None:
        self.path = path
        self.found_by = found_by
        self.packages: list[Package] = []
        self.owned: list[str] = []
        self.problems = Problems(path)
        self.owned_full = False

    def problem(self, message: str) -> None:
        self.problems.add(message)

    def add_blob(self, key: int, blob: bytes) -> None:
        result = header_package(self.path, blob, found_by=self.found_by)
        for message in result.problems:
            self.problem(f"package record {key}: {message}")
        if result.package is None:
            return
        self.packages.append(result.package)
        room = MAX_OWNED_FILES - len(self.owned)
        if len(result.files) > room and not self.owned_full:
            self.owned_full = True
            self.problem(f"more than {MAX_OWNED_FILES} owned files; the rest is not recorded")
        self.owned.extend(result.files[: max(room, 0)])

    def result(self) -> AnalysisResult:
        return AnalysisResult(packages=tuple(self.packages), diagnostics=self.problems.done(),
                              owned_files=tuple(self.owned))


def packages_from_blobs(path: str, blobs: Iterable[tuple[int, bytes]], *, found_by: str = "rpm") -> AnalysisResult:
    """Packages of ``(record number, header blob)`` pairs."""
    collector = Collector(path, found_by)
    for key, blob in blobs:
        collector.add_blob(key, blob)
    return collector.result()
