"""Build tar layers (good and evil) in memory for the inventory tests."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


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


def oci_layout(root: Path, blobs: list[bytes], diff_ids: list[str], config: dict[str, object] | None = None,
               history: list[str] | None = None) -> str:
    """An OCI image layout in ``root`` with these (gzipped) layer blobs; ``config``: the image's ``config``;
    ``history``: each layer's ``created_by`` (default ``layer N``)."""
    out = root / "blobs" / "sha256"
    out.mkdir(parents=True)

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (out / digest).write_bytes(data)
        return "sha256:" + digest

    image_config = json.dumps({
        "architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "config": config or {},
        "history": [{"created_by": history[i] if history else f"layer {i}"} for i in range(len(blobs))],
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(image_config),
                   "size": len(image_config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(b), "size": len(b)}
                   for b in blobs],
    }).encode()
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(manifest), "size": len(manifest)}]}))
    return str(root)
