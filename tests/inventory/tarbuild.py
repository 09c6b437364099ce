"""Build tar layers (good and evil) in memory for the inventory tests."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class E:
    """One member: kind is file|dir|symlink|hardlink|char|fifo."""

    name: str
    data: bytes = b""
    kind: str = "file"
    link: str = ""
    mode: int = 0o644


def tar_bytes(entries: Iterable[E], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for e in entries:
            info = tarfile.TarInfo(e.name)
            info.mode = e.mode
            if e.kind == "file":
                info.size = len(e.data)
                tar.addfile(info, io.BytesIO(e.data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "char": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[e.kind]
            info.linkname = e.link
            tar.addfile(info)
    return buf.getvalue()


def header(name: bytes, size_field: bytes, typeflag: bytes = b"0", fix_checksum: bool = True) -> bytes:
    """A raw ustar header with arbitrary (hostile) fields."""
    block = bytearray(512)
    block[0:len(name)] = name[:100]
    block[100:108] = b"0000644\0"
    block[124:124 + len(size_field)] = size_field
    block[156:157] = typeflag
    block[257:263] = b"ustar\0"
    block[263:265] = b"00"
    block[148:156] = b" " * 8
    if fix_checksum:
        block[148:156] = f"{sum(block):06o}\0 ".encode()
    return bytes(block)
