"""A reader of rpm's own "ndb" package database (``var/lib/rpm/Packages.db``, SUSE), in pure Python.

Layout (all integers little-endian): a 32-byte file header (magic ``RpmP``, version 0, generation, number
of 4096-byte slot pages, next package index), then slots of 16 bytes filling the slot pages (magic
``Slot``, package index, block offset, block count; offset 0 = a free slot). Blocks are 16 bytes; a
package's blob starts at ``offset * 16`` with a 16-byte head (magic ``BlbS``, package index, timestamp,
length), the header blob, padding and a 12-byte tail (adler32 of head, blob and padding; length; magic
``BlbE``). Every slot and blob is checked against the file size and its own head and tail.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

HEADER_MAGIC = int.from_bytes(b"RpmP", "little")
SLOT_MAGIC = int.from_bytes(b"Slot", "little")
BLOB_HEAD_MAGIC = int.from_bytes(b"BlbS", "little")
BLOB_TAIL_MAGIC = int.from_bytes(b"BlbE", "little")
PAGE_SIZE = 4096
SLOT_SIZE = 16
BLOCK_SIZE = 16
HEADER_SIZE = 32
BLOB_HEAD = 16
BLOB_TAIL = 12
MAX_PROBLEMS = 50
MAX_BLOB_BLOCKS = (257 * 1024 * 1024) // BLOCK_SIZE  # rpm caps a header's data at 256 MiB


class NDBError(ValueError):
    """The file is not an ndb package database."""


class PackageDB:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.problems: list[str] = []
        try:
            stream.seek(0, 2)
            self.file_size = stream.tell()
            stream.seek(0)
            head = stream.read(HEADER_SIZE)
        except OSError as exc:
            raise NDBError(f"cannot read the database: {exc}") from exc
        if len(head) < HEADER_SIZE:
            raise NDBError(f"{len(head)} bytes is too short for an ndb header")
        magic, version, _generation, self.slot_pages = struct.unpack_from("<IIII", head, 0)
        if magic != HEADER_MAGIC:
            raise NDBError(f"not an ndb package database (magic {magic:#010x})")
        if version != 0:
            raise NDBError(f"unsupported ndb version {version}")
        if self.slot_pages == 0 or self.slot_pages * PAGE_SIZE > self.file_size:
            raise NDBError(f"{self.slot_pages} slot pages do not fit in a file of {self.file_size} bytes")

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def _read(self, offset: int, size: int) -> bytes | None:
        try:
            self.stream.seek(offset)
            data = self.stream.read(size)
        except OSError as exc:
            self.problem(f"offset {offset}: {exc}")
            return None
        return data if len(data) == size else None

    def slots(self) -> Iterator[tuple[int, int, int]]:
        """``(package index, block offset, block count)`` of every used slot."""
        first_data_block = self.slot_pages * PAGE_SIZE // BLOCK_SIZE
        file_blocks = self.file_size // BLOCK_SIZE
        for page_number in range(self.slot_pages):
            page = self._read(page_number * PAGE_SIZE, PAGE_SIZE)
            if page is None:
                self.problem(f"slot page {page_number} is truncated")
                return
            for offset in range(HEADER_SIZE if page_number == 0 else 0, PAGE_SIZE, SLOT_SIZE):
                magic, index, block, count = struct.unpack_from("<IIII", page, offset)
                if magic != SLOT_MAGIC:
                    self.problem(f"bad slot magic at offset {page_number * PAGE_SIZE + offset}; slots end here")
                    return
                if block == 0:
                    continue
                if count > MAX_BLOB_BLOCKS:
                    self.problem(f"slot of package {index} claims a blob of {count * BLOCK_SIZE} bytes")
                    continue
                if index == 0 or count == 0 or block < first_data_block or block + count > file_blocks:
                    self.problem(f"slot of package {index} points outside the blob area")
                    continue
                yield index, block, count

    def blob(self, index: int, block: int, count: int) -> bytes | None:
        data = self._read(block * BLOCK_SIZE, count * BLOCK_SIZE)
        if data is None:
            self.problem(f"package {index}: blob past the end of the file")
            return None
        magic, owner, _stamp, length = struct.unpack_from("<IIII", data, 0)
        if magic != BLOB_HEAD_MAGIC or owner != index:
            self.problem(f"package {index}: bad blob head")
            return None
        if count != (BLOB_HEAD + length + BLOB_TAIL + BLOCK_SIZE - 1) // BLOCK_SIZE:
            self.problem(f"package {index}: blob length {length} does not match its {count} blocks")
            return None
        checksum, tail_length, tail_magic = struct.unpack_from("<III", data, len(data) - BLOB_TAIL)
        if tail_magic != BLOB_TAIL_MAGIC or tail_length != length:
            self.problem(f"package {index}: bad blob tail")
            return None
        if zlib.adler32(data[: len(data) - BLOB_TAIL]) != checksum:
            self.problem(f"package {index}: blob checksum mismatch")
            return None
        return data[BLOB_HEAD : BLOB_HEAD + length]

    def items(self) -> Iterator[tuple[int, bytes]]:
        for index, block, count in self.slots():
            blob = self.blob(index, block, count)
            if blob is not None:
                yield index, blob
