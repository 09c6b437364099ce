"""Read tar streams (image layers) once, from front to back, without extracting anything.

:func:`decompressed` wraps a layer blob (gzip, zstd or plain tar, sniffed from the first bytes) in a
reader that inflates in bounded chunks and stops at a size limit, so a decompression bomb costs at most
the limit in time and nothing in memory. :func:`iter_entries` parses tar headers (POSIX ustar, GNU long
names/links, PAX extended headers) from that reader and yields one :class:`TarEntry` at a time; the
caller either reads the entry's content (:meth:`TarEntry.read`, bounded) or leaves it, and the reader
skips it. Names are normalised lexically: ``./a//b`` -> ``a/b``; names that climb out of the root with
``..`` are reported as :class:`TarEntry` with ``escapes=True`` and are never looked at.

Hostile input ends the stream with :class:`TarError` (bad checksum, truncated header or data, oversized
metadata), never an unbounded read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BLOCK = 512
CHUNK = 1024 * 1024  # compressed bytes read at a time
MAX_META = 1024 * 1024  # GNU long names and PAX headers larger than this are hostile
DEFAULT_MAX_OUTPUT = 64 * 1024**3  # uncompressed bytes of one layer before we call it a bomb
# Real layers compress a few times, rarely more than 50:1; gzip's ceiling is about 1030:1 (all zeros).
# Beyond RATIO_FLOOR bytes of output, a stream that expands more than DEFAULT_MAX_RATIO times is a bomb.
DEFAULT_MAX_RATIO = 500
RATIO_FLOOR = 256 * 1024 * 1024

# Entry types.
REGULAR = "file"
DIRECTORY = "dir"
SYMLINK = "symlink"
HARDLINK = "hardlink"
DEVICE = "device"  # character/block devices and FIFOs
OTHER = "other"

_TYPES = {
    b"0": REGULAR, b"\0": REGULAR, b"7": REGULAR, b"5": DIRECTORY, b"2": SYMLINK, b"1": HARDLINK,
    b"3": DEVICE, b"4": DEVICE, b"6": DEVICE,
}

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class TarError(Exception):
    """The stream is not a readable tar (or exceeds a safety limit); ``offset`` is where it went wrong."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


class _Reader:
    """A forward-only reader of decompressed bytes with exact reads and cheap skips."""

    def __init__(self, raw: BinaryIO, codec: str, head: bytes, max_output: int,
                 max_ratio: int = DEFAULT_MAX_RATIO) -> None:
        self._raw = _Counting(raw)
        self._max_ratio = max_ratio
        raw = self._raw  # type: ignore[assignment]
        self._codec = codec
        self._pending = head  # compressed bytes read while sniffing
        self._head_bytes = head
        self._buf = b""
        self._pos = 0
        self.offset = 0  # decompressed bytes consumed by the caller
        self._produced = 0
        self._max_output = max_output
        self._eof = False
        self._end: int | None = None
        if codec == "plain" and not head and _seekable(raw):
            # A plain seekable file (see decompressed()): skips become seeks.
            here = raw.tell()
            self._end = raw.seek(0, 2)
            raw.seek(here)
        self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._zstd: BinaryIO | None = None
        if codec == "zstd":
            import zstandard

            # The stream reader bounds the output of each read, whatever the compression ratio.
            self._zstd = zstandard.ZstdDecompressor().stream_reader(
                _Chain(head, raw), read_size=CHUNK, read_across_frames=True  # type: ignore[arg-type]
            )
            self._pending = b""

    # -- producing decompressed bytes ------------------------------------------------------------------

    def _fill(self) -> bytes:
        """The next piece of decompressed data (b"" at the end of the stream)."""
        while not self._eof:
            data = self._next_piece()
            if data:
                self._produced += len(data)
                if self._produced > self._max_output:
                    raise TarError(
                        f"layer expands beyond {self._max_output} bytes (decompression bomb?)", self.offset
                    )
                if (self._codec != "plain" and self._produced > RATIO_FLOOR
                        and self._produced > self._max_ratio * (self._raw.count + len(self._head_bytes))):
                    raise TarError(
                        f"layer expands more than {self._max_ratio} times its compressed size "
                        "(decompression bomb)", self.offset
                    )
                return data
        return b""

    def _next_piece(self) -> bytes:
        if self._codec == "plain":
            data = self._pending or self._raw.read(CHUNK)
            self._pending = b""
            if not data:
                self._eof = True
            return data
        if self._codec == "gzip":
            return self._inflate()
        return self._unzstd()

    def _inflate(self) -> bytes:
        dec = self._dec
        if dec.unconsumed_tail:
            return dec.decompress(dec.unconsumed_tail, CHUNK * 4)
        if dec.eof:
            rest = dec.unused_data
            if rest.strip(b"\0"):
                # Another gzip member follows (concatenated gzip is valid).
                self._dec = dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
                return dec.decompress(rest, CHUNK * 4)
            data = self._raw.read(CHUNK)
            if not data.strip(b"\0"):
                self._eof = not data
                return b""
            self._dec = dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return dec.decompress(data, CHUNK * 4)
        data = self._pending or self._raw.read(CHUNK)
        self._pending = b""
        if not data:
            self._eof = True
            if not dec.eof:
                raise TarError("compressed layer is truncated", self.offset)
            return b""
        try:
            return dec.decompress(data, CHUNK * 4)
        except zlib.error as exc:
            raise TarError(f"corrupt gzip data: {exc}", self.offset) from None

    def _unzstd(self) -> bytes:
        import zstandard

        assert self._zstd is not None
        try:
            data = self._zstd.read(CHUNK * 4)
        except zstandard.ZstdError as exc:
            raise TarError(f"corrupt zstd data: {exc}", self.offset) from None
        if not data:
            self._eof = True
        return data

    # -- consuming ---------------------------------------------------------------------------------

    def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes, or fewer at the end of the stream."""
        avail = len(self._buf) - self._pos
        if avail >= n:
            out = self._buf[self._pos:self._pos + n]
            self._pos += n
            self.offset += n
            return out
        parts = [self._buf[self._pos:]]
        need = n - avail
        self._buf, self._pos = b"", 0
        while need > 0:
            data = self._fill()
            if not data:
                break
            if len(data) > need:
                parts.append(data[:need])
                self._buf, self._pos = data, need
                need = 0
            else:
                parts.append(data)
                need -= len(data)
        out = b"".join(parts)
        self.offset += len(out)
        return out

    def skip(self, n: int) -> int:
        """Drop ``n`` bytes; returns how many were dropped (fewer at the end of the stream)."""
        done = 0
        avail = len(self._buf) - self._pos
        if self._codec == "plain" and self._end is not None and avail < n:
            # A plain seekable file (an image archive being indexed): seek over the data.
            start = self._raw.tell()
            target = min(start + n - avail, self._end)
            self._raw.seek(target)
            self._buf, self._pos = b"", 0
            done = avail + (target - start)
            self.offset += done
            return done
        if avail >= n:
            self._pos += n
            self.offset += n
            return n
        done = avail
        self._buf, self._pos = b"", 0
        while done < n:
            data = self._fill()
            if not data:
                break
            if done + len(data) > n:
                self._buf, self._pos = data, n - done
                done = n
            else:
                done += len(data)
        self.offset += done
        return done

    def drain(self) -> None:
        """Read to the end of the compressed stream (so a digest over the raw bytes covers all of them)."""
        while self._fill():
            pass


class _Counting:
    """Counts the compressed bytes read (for the expansion-ratio check)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.count += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def seekable(self) -> bool:
        return _seekable(self._raw)


class _Chain:
    """Bytes already read, then the rest of the stream."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._raw = raw

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        return self._raw.read(n)


def sniff(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "plain"


def decompressed(raw: BinaryIO, *, max_output: int = DEFAULT_MAX_OUTPUT) -> _Reader:
    """A reader over the decompressed bytes of ``raw`` (gzip, zstd or plain, sniffed)."""
    head = raw.read(CHUNK)
    codec = sniff(head)
    if codec == "plain" and head and _seekable(raw):
        raw.seek(-len(head), 1)
        head = b""
    return _Reader(raw, codec, head, max_output)


def _seekable(raw: BinaryIO) -> bool:
    try:
        return bool(raw.seekable())
    except (AttributeError, OSError, ValueError):
        return False


@dataclass(slots=True)
class TarEntry:
    """One member of the stream. ``path`` is normalised and relative (``""`` for the root itself)."""

    path: str
    kind: str
    size: int
    mode: int
    linkname: str
    offset: int  # of the header, in the decompressed stream
    escapes: bool = False  # the name climbs out of the root: never use it
    sparse: bool = False
    _reader: _Reader | None = None
    _left: int = 0

    def read(self, limit: int) -> bytes:
        """The content (at most once, before the next entry is requested); TarError when truncated."""
        if self._reader is None:
            raise TarError("entry content is no longer available", self.offset)
        if self.size > limit:
            raise ValueError(f"{self.path}: {self.size} bytes is over the {limit} byte limit")
        data = self._reader.read(self._left)
        self._left -= len(data)
        if self._left:
            raise TarError(f"{self.path}: content is truncated", self.offset)
        return data

    def copy_to(self, out: BinaryIO) -> None:
        """Stream the content into ``out`` in bounded chunks."""
        if self._reader is None:
            raise TarError("entry content is no longer available", self.offset)
        while self._left:
            data = self._reader.read(min(self._left, CHUNK))
            if not data:
                raise TarError(f"{self.path}: content is truncated", self.offset)
            out.write(data)
            self._left -= len(data)


def normalise(name: str) -> tuple[str, bool]:
    """``(path, escapes)``: the lexically normalised relative path and whether ``..`` left the root."""
    parts: list[str] = []
    escapes = False
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            else:
                escapes = True
            continue
        parts.append(part)
    return "/".join(parts), escapes


def _octal(field: bytes, what: str, offset: int) -> int:
    if field and field[0] & 0x80:
        # GNU base-256 for large numbers; a negative value (0xff lead) is hostile for sizes.
        if field[0] == 0xFF:
            raise TarError(f"negative {what} in tar header", offset)
        value = field[0] & 0x7F
        for byte in field[1:]:
            value = (value << 8) | byte
        return value
    text = field.split(b"\0", 1)[0].strip(b" \0")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarError(f"invalid {what} field {text[:20]!r} in tar header", offset) from None


def _checksum_ok(block: bytes) -> bool:
    stored = block[148:156].split(b"\0", 1)[0].strip(b" \0")
    try:
        want = int(stored, 8)
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 256 + sum(block[156:])
    if unsigned == want:
        return True
    signed = sum(b - 256 if b > 127 else b for b in block[:148] + block[156:]) + 256
    return signed == want


def _pax(data: bytes, offset: int) -> dict[str, str]:
    """Parse PAX records ``"%d %s=%s\\n"``."""
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if data[pos] == 0:
            break
        space = data.find(b" ", pos, pos + 20)
        if space < 0:
            raise TarError("malformed PAX header record", offset)
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarError("malformed PAX header length", offset) from None
        if length <= space - pos or pos + length > len(data):
            raise TarError("PAX header record length out of range", offset)
        record = data[space + 1:pos + length - 1]
        key, eq, value = record.partition(b"=")
        if eq:
            out[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return out


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def iter_entries(reader: _Reader) -> Iterator[TarEntry]:
    """Yield the members of the tar stream in order (see the module docstring)."""
    long_name: str | None = None
    long_link: str | None = None
    pax: dict[str, str] = {}
    global_pax: dict[str, str] = {}
    previous: TarEntry | None = None
    while True:
        if previous is not None:
            # Skip whatever the caller left of the previous entry, plus the padding.
            left = previous._left + (-previous.size % BLOCK)
            previous._reader = None
            if left and reader.skip(left) != left:
                raise TarError(f"{previous.path}: content is truncated", previous.offset)
            previous = None
        offset = reader.offset
        block = reader.read(BLOCK)
        if not block:
            return  # end of stream without the two zero blocks: tolerated, as tar does
        if len(block) < BLOCK:
            raise TarError("truncated tar header", offset)
        if block.count(0) == BLOCK:
            return  # end-of-archive marker
        if not _checksum_ok(block):
            raise TarError("invalid tar header checksum (not a tar stream, or corrupt)", offset)
        typeflag = block[156:157]
        size = _octal(block[124:136], "size", offset)
        if typeflag in (b"L", b"K", b"x", b"g"):
            if size > MAX_META:
                raise TarError(f"tar metadata entry of {size} bytes is over the {MAX_META} byte limit", offset)
            data = reader.read(size)
            if len(data) < size:
                raise TarError("truncated tar metadata entry", offset)
            reader.skip(-size % BLOCK)
            if typeflag == b"L":
                long_name = _name(data)
            elif typeflag == b"K":
                long_link = _name(data)
            elif typeflag == b"x":
                pax.update(_pax(data, offset))
            else:
                global_pax.update(_pax(data, offset))
            continue
        magic = block[257:263]
        name = _name(block[0:100])
        if magic == b"ustar\0":  # POSIX: a prefix field extends the name
            prefix = _name(block[345:500])
            if prefix:
                name = f"{prefix}/{name}"
        linkname = _name(block[157:257])
        if long_name is not None:
            name = long_name
        if long_link is not None:
            linkname = long_link
        merged = {**global_pax, **pax} if global_pax else pax
        if merged:
            name = merged.get("path", name)
            linkname = merged.get("linkpath", linkname)
            if "size" in merged:
                try:
                    size = int(merged["size"])
                except ValueError:
                    raise TarError("invalid PAX size", offset) from None
                if size < 0:
                    raise TarError("negative PAX size", offset)
        sparse = typeflag == b"S" or any(k.startswith("GNU.sparse.") for k in merged)
        long_name = long_link = None
        pax = {}
        kind = _TYPES.get(typeflag, REGULAR if sparse else OTHER)
        # Directories, symlinks and devices carry no data; a hard link may (rarely) carry some.
        data_size = 0 if kind in (DIRECTORY, SYMLINK, DEVICE) else size
        path, escapes = normalise(name)
        mode = _octal(block[100:108], "mode", offset) & 0o7777
        entry = TarEntry(path, kind, data_size, mode, linkname, offset, escapes, sparse, reader, data_size)
        previous = entry
        yield entry
