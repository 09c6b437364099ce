"""A read-only reader of Berkeley DB hash files (``var/lib/rpm/Packages``), in pure Python.

Layout (Berkeley DB 4.x/5.x, hash versions 8 to 10; integers in the byte order of the machine that wrote
the file, told apart by the magic number 0x061561 at offset 12 of page 0):

* page 0, the hash meta page: page size at 20, last page number at 32, ``max_bucket`` at 72, and at 96 the
  32 ``spares`` words: bucket ``b`` lives on page ``b + spares[bit_length(b)]``.
* every page starts with a 26-byte header: page number at 8, previous/next page at 12/16, number of
  entries at 20 (u16), ``hf_offset`` at 22 (u16; on overflow pages the number of data bytes), type at 25
  (2/13 hash, 7 overflow).
* a hash page holds ``entries`` u16 offsets after the header; items alternate key, value; item ``i`` runs
  from its offset to the offset of item ``i - 1`` (item 0: to the end of the page). The first byte of an
  item is its kind: 1 data inline, 3 off-page (``pgno`` u32 at +4, total length u32 at +8: the value is
  the data of the overflow pages chained by ``next``, 26 bytes of header each).

The reader walks the buckets and their chains of pages, checks every page number, offset and length
against the file, and never visits a page twice, so cycles and lies end the walk with a problem instead of
a hang.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

HASH_MAGIC = 0x061561
BTREE_MAGIC = 0x053162
PAGE_HEADER = 26
P_HASH_UNSORTED = 2
P_OVERFLOW = 7
P_HASHMETA = 8
P_HASH = 13
H_KEYDATA = 1
H_DUPLICATE = 2
H_OFFPAGE = 3
H_OFFDUP = 4
MAX_PROBLEMS = 50


class BDBError(ValueError):
    """The file is not a Berkeley DB hash database stockade can read."""


class HashDB:
    """A Berkeley DB hash file over a seekable binary stream (the caller closes the stream)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.problems: list[str] = []
        try:
            stream.seek(0, 2)
            self.file_size = stream.tell()
            stream.seek(0)
            meta = stream.read(512)
        except OSError as exc:
            raise BDBError(f"cannot read the database: {exc}") from exc
        if len(meta) < 512:
            raise BDBError(f"{len(meta)} bytes is too short for a Berkeley DB meta page")
        little = struct.unpack_from("<I", meta, 12)[0]
        big = struct.unpack_from(">I", meta, 12)[0]
        if HASH_MAGIC in (little, big):
            self.order = "<" if little == HASH_MAGIC else ">"
        elif BTREE_MAGIC in (little, big):
            raise BDBError("a Berkeley DB btree, not a hash database")
        else:
            raise BDBError(f"not a Berkeley DB hash database (magic {little:#010x})")
        o = self.order
        version, self.page_size = struct.unpack_from(o + "II", meta, 16)
        if not 8 <= version <= 10:
            raise BDBError(f"unsupported hash version {version}")
        if self.page_size < 512 or self.page_size > 65536 or self.page_size & (self.page_size - 1):
            raise BDBError(f"invalid page size {self.page_size}")
        if meta[24]:
            raise BDBError("encrypted database")
        if meta[25] != P_HASHMETA:
            raise BDBError(f"page 0 has type {meta[25]}, not the hash meta page")
        last_page = struct.unpack_from(o + "I", meta, 32)[0]
        pages_in_file = self.file_size // self.page_size
        if pages_in_file == 0:
            raise BDBError("shorter than one page")
        self.max_bucket = struct.unpack_from(o + "I", meta, 72)[0]
        self.spares = struct.unpack_from(o + "32I", meta, 96)
        if self.max_bucket > last_page:
            raise BDBError(f"max bucket {self.max_bucket} beyond the last page {last_page}")
        if last_page >= pages_in_file:
            self.problem(f"the database says it has {last_page + 1} pages but the file holds {pages_in_file}"
                         " (truncated?)")
            last_page = pages_in_file - 1
        self.last_page = last_page
        self._seen_overflow: set[int] = set()

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def _page(self, number: int) -> bytes | None:
        if number == 0 or number > self.last_page:
            return None
        try:
            self.stream.seek(number * self.page_size)
            page = self.stream.read(self.page_size)
        except OSError as exc:
            self.problem(f"page {number}: {exc}")
            return None
        return page if len(page) == self.page_size else None

    def _bucket_page(self, bucket: int) -> int:
        return bucket + int(self.spares[bucket.bit_length()])

    def _overflow(self, first: int, total: int) -> bytes | None:
        if total == 0 or total > self.file_size:
            self.problem(f"overflow item of {total} bytes (file has {self.file_size})")
            return None
        o = self.order
        chunks: list[bytes] = []
        got = 0
        number = first
        while got < total:
            if number in self._seen_overflow:
                self.problem(f"overflow page {number} reached twice (cycle or shared chain)")
                return None
            self._seen_overflow.add(number)
            page = self._page(number)
            if page is None:
                self.problem(f"overflow chain points at missing page {number}")
                return None
            stored, _, following = struct.unpack_from(o + "III", page, 8)
            length = struct.unpack_from(o + "H", page, 22)[0]
            if stored != number or page[25] != P_OVERFLOW:
                self.problem(f"page {number} is not an overflow page")
                return None
            if length == 0 or PAGE_HEADER + length > self.page_size or length > total - got:
                self.problem(f"overflow page {number} holds an invalid length {length}")
                return None
            chunks.append(page[PAGE_HEADER : PAGE_HEADER + length])
            got += length
            number = following
        return b"".join(chunks)

    def _item(self, page: bytes, number: int, start: int, end: int) -> bytes | None:
        kind = page[start]
        if kind == H_KEYDATA:
            return page[start + 1 : end]
        if kind == H_OFFPAGE:
            if end - start != 12:
                self.problem(f"page {number}: off-page item of {end - start} bytes (expected 12)")
                return None
            first, total = struct.unpack_from(self.order + "II", page, start + 4)
            return self._overflow(first, total)
        if kind in (H_DUPLICATE, H_OFFDUP):
            self.problem(f"page {number}: duplicate items are not used by rpm; skipped")
            return None
        self.problem(f"page {number}: unknown item kind {kind}")
        return None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every key/value pair, in bucket order."""
        o = self.order
        visited: set[int] = set()
        for bucket in range(self.max_bucket + 1):
            number = self._bucket_page(bucket)
            if number > self.last_page:
                self.problem(f"buckets {bucket} to {self.max_bucket} lie past the end of the file")
                return
            while number:
                if number in visited:
                    self.problem(f"page {number} reached twice (cycle in bucket chains)")
                    break
                visited.add(number)
                page = self._page(number)
                if page is None:
                    self.problem(f"bucket {bucket} points at missing page {number}")
                    break
                stored, _, following = struct.unpack_from(o + "III", page, 8)
                if stored == 0 and page[25] == 0:
                    break  # a bucket page that was never written: an empty bucket
                if stored != number or page[25] not in (P_HASH, P_HASH_UNSORTED):
                    self.problem(f"page {number} (bucket {bucket}) is not a hash page")
                    break
                yield from self._pairs(page, number)
                number = following

    def _pairs(self, page: bytes, number: int) -> Iterator[tuple[bytes, bytes]]:
        o = self.order
        entries = struct.unpack_from(o + "H", page, 20)[0]
        if PAGE_HEADER + 2 * entries > self.page_size:
            self.problem(f"page {number} claims {entries} entries")
            return
        offsets = struct.unpack_from(f"{o}{entries}H", page, PAGE_HEADER)
        floor = PAGE_HEADER + 2 * entries
        for index in range(0, entries - 1, 2):
            bounds = []
            for item in (index, index + 1):
                start = offsets[item]
                end = self.page_size if item == 0 else offsets[item - 1]
                if not floor <= start < end <= self.page_size:
                    self.problem(f"page {number}: item {item} at offset {start} is out of bounds")
                    return
                bounds.append((start, end))
            key = self._item(page, number, *bounds[0])
            value = self._item(page, number, *bounds[1])
            if key is not None and value is not None:
                yield key, value
        if entries % 2:
            self.problem(f"page {number}: odd number of entries ({entries})")
