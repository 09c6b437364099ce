"""The tar stream reader: formats it must read, and hostile streams it must refuse without hanging."""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib

import pytest
import zstandard
from tarbuild import E, header, tar_bytes

from stockade.source.image import tarstream


def entries(blob: bytes, **kw: int) -> list[tarstream.TarEntry]:
    reader = tarstream.decompressed(io.BytesIO(blob), **kw)
    return list(tarstream.iter_entries(reader))


def contents(blob: bytes) -> dict[str, bytes]:
    reader = tarstream.decompressed(io.BytesIO(blob))
    return {e.path: e.read(1 << 20) for e in tarstream.iter_entries(reader) if e.kind == tarstream.REGULAR}


LAYER = [E("etc/", kind="dir"), E("etc/hostname", b"box\n"), E("usr/bin/tool", b"\x7fELF" + b"x" * 3000, mode=0o755),
         E("etc/os-release", kind="symlink", link="../usr/lib/os-release"),
         E("usr/bin/tool2", kind="hardlink", link="usr/bin/tool"), E("dev/null", kind="char")]


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
@pytest.mark.parametrize("codec", ["plain", "gzip", "zstd"])
def test_reads_every_format_and_codec(fmt: int, codec: str) -> None:
    raw = tar_bytes(LAYER, fmt)
    blob = {"plain": raw, "gzip": gzip.compress(raw), "zstd": zstandard.ZstdCompressor().compress(raw)}[codec]
    got = [(e.path, e.kind, e.size, e.mode, e.linkname) for e in entries(blob)]
    assert got == [
        ("etc", "dir", 0, 0o644, ""),
        ("etc/hostname", "file", 4, 0o644, ""),
        ("usr/bin/tool", "file", 3004, 0o755, ""),
        ("etc/os-release", "symlink", 0, 0o644, "../usr/lib/os-release"),
        ("usr/bin/tool2", "hardlink", 0, 0o644, "usr/bin/tool"),
        ("dev/null", "device", 0, 0o644, ""),
    ]
    assert contents(blob)["usr/bin/tool"] == b"\x7fELF" + b"x" * 3000


def test_long_names_gnu_and_pax() -> None:
    name = "opt/" + "d" * 120 + "/" + "f" * 120 + "/package.json"
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        assert contents(tar_bytes([E(name, b"{}")], fmt)) == {name: b"{}"}


def test_concatenated_gzip_members() -> None:
    raw = tar_bytes([E("a", b"1"), E("b", b"2")])
    blob = gzip.compress(raw[:1024]) + gzip.compress(raw[1024:])
    assert contents(blob) == {"a": b"1", "b": b"2"}


def test_names_are_normalised_and_escapes_flagged() -> None:
    got = {e.path: e.escapes for e in entries(tar_bytes([
        E("./a//b/./c", b""), E("/abs/path", b""), E("../../etc/passwd", b"x"), E("a/../../b", b""),
        E("a/b/../c", b""),
    ]))}
    assert got == {"a/b/c": False, "abs/path": False, "etc/passwd": True, "b": True, "a/c": False}


def test_unread_content_is_skipped_and_read_is_bounded() -> None:
    blob = tar_bytes([E("big", b"x" * 100_000), E("small", b"ok")])
    reader = tarstream.decompressed(io.BytesIO(blob))
    it = tarstream.iter_entries(reader)
    big = next(it)
    with pytest.raises(ValueError, match="over the 1000 byte limit"):
        big.read(1000)
    small = next(it)
    assert small.read(10) == b"ok"


def test_truncated_data_is_an_error_not_a_hang() -> None:
    blob = tar_bytes([E("a", b"x" * 5000), E("b", b"y")])[:2048]
    with pytest.raises(tarstream.TarError, match="truncated"):
        for e in entries(blob):
            e.read(1 << 20)


def test_truncated_gzip_is_an_error() -> None:
    blob = gzip.compress(tar_bytes([E("a", bytes(range(256)) * 400)]))
    with pytest.raises(tarstream.TarError):
        entries(blob[: len(blob) // 2])
    # Cut in the gzip trailer only: the tar is complete, draining the stream finds the damage.
    reader = tarstream.decompressed(io.BytesIO(blob[:-4]))
    list(tarstream.iter_entries(reader))
    with pytest.raises(tarstream.TarError, match="truncated"):
        reader.drain()


def test_truncated_header() -> None:
    with pytest.raises(tarstream.TarError, match="truncated tar header"):
        entries(tar_bytes([E("a", b"1")])[:300])


def test_bad_checksum_is_refused() -> None:
    with pytest.raises(tarstream.TarError, match="checksum"):
        entries(header(b"file", b"00000000001\0", fix_checksum=False) + b"\0" * 1024)


def test_garbage_is_not_a_tar() -> None:
    with pytest.raises(tarstream.TarError):
        entries(b"this is not a tar archive at all" * 40)


def test_hostile_size_field() -> None:
    # A base-256 size of 2^88 bytes: the reader runs out of data instead of allocating it.
    block = header(b"huge", b"\x80" + b"\xff" * 11)
    with pytest.raises(tarstream.TarError, match="truncated"):
        for e in entries(block + b"\0" * 1024):
            e.read(1 << 20) if e.size < (1 << 20) else None
    with pytest.raises(tarstream.TarError, match="negative"):
        entries(header(b"neg", b"\xff" * 12) + b"\0" * 1024)
    with pytest.raises(tarstream.TarError, match="invalid size"):
        entries(header(b"bad", b"99999999999\0") + b"\0" * 1024)


def test_oversized_metadata_entries_are_refused() -> None:
    block = header(b"././@LongLink", f"{tarstream.MAX_META + 1:011o}\0".encode(), b"L")
    with pytest.raises(tarstream.TarError, match="metadata entry"):
        entries(block + b"\0" * 1024)


def test_malformed_pax_record() -> None:
    record = b"99999 path=x\n"
    blob = header(b"pax", f"{len(record):011o}\0".encode(), b"x") + record.ljust(512, b"\0") + b"\0" * 1024
    with pytest.raises(tarstream.TarError, match="PAX"):
        entries(blob)


def test_gzip_bomb_stops_at_the_limit() -> None:
    # 64 MiB of zeros in a few tens of KiB; the limit is 1 MiB: refused quickly, in bounded memory.
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = comp.compress(tar_bytes([E("z", b"")])[:512]) + comp.compress(b"\0" * (64 << 20)) + comp.flush()
    bomb = b"".join([bomb])
    raw = header(b"zeros", f"{64 << 20:011o}\0".encode())
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = comp.compress(raw) + comp.compress(b"\0" * (64 << 20)) + comp.flush()
    assert len(bomb) < 200_000
    with pytest.raises(tarstream.TarError, match="decompression bomb"):
        entries(bomb, max_output=1 << 20)


def test_zstd_bomb_stops_at_the_limit() -> None:
    raw = header(b"zeros", f"{64 << 20:011o}\0".encode()) + b"\0" * (64 << 20)
    bomb = zstandard.ZstdCompressor(level=3).compress(raw)
    assert len(bomb) < 100_000
    with pytest.raises(tarstream.TarError, match="decompression bomb"):
        entries(bomb, max_output=1 << 20)


def test_corrupt_compressed_data() -> None:
    blob = bytearray(gzip.compress(tar_bytes([E("a", b"x" * 10_000)])))
    blob[30:60] = b"\xff" * 30
    with pytest.raises(tarstream.TarError, match="gzip"):
        entries(bytes(blob))


def test_empty_stream_has_no_entries() -> None:
    assert entries(b"") == []
    assert entries(b"\0" * 1024) == []
