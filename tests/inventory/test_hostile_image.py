"""A hostile image end to end: evil layers are contained, diagnosed, and the rest of the image is read."""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import pytest
from tarbuild import E, header, oci_layout, tar_bytes

from stockade import artifacts
from stockade.model import Report

STATUS = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n\n"
OS_RELEASE = b"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"


def _gzip_bomb() -> bytes:
    """A layer that inflates to 320 MiB of zeros from about 320 KiB (past the ratio check's floor)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [comp.compress(header(b"zeros", f"{320 << 20:011o}\0".encode()))]
    chunk = b"\0" * (1 << 24)
    parts.extend(comp.compress(chunk) for _ in range(20))
    parts.append(comp.flush())
    return b"".join(parts)


def _layout(root: Path, blobs: list[bytes], diff_ids: list[str]) -> str:
    return oci_layout(root, blobs, diff_ids)


@pytest.fixture()
def evil_image(tmp_path: Path) -> str:
    good = tar_bytes([E("usr/lib/os-release", OS_RELEASE),
                      E("etc/os-release", kind="symlink", link="../usr/lib/os-release"),
                      E("var/lib/dpkg/status", STATUS)])
    evil = tar_bytes([
        E("../../../../tmp/stockade-escape.txt", b"escaped"),  # climbs out of the root
        E("/etc/cron.d/evil", b"* * * * * root sh"),  # absolute name
        E("usr/local/lib/python3.11/site-packages/x-1.dist-info/METADATA", kind="symlink", link="/etc/shadow"),
        E("usr/lib/python3/dist-packages/loop-1.dist-info", kind="symlink", link="loop-1.dist-info"),
        E("srv/a", kind="symlink", link="b"), E("srv/b", kind="symlink", link="a"),  # a loop
        E("srv/app/node_modules/y/package.json", kind="hardlink", link="does/not/exist"),
        E("dev/sda", kind="char"), E("run/fifo", kind="fifo"),
        E("opt/ok-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: ok\nVersion: 1.0\n"),
    ])
    truncated = gzip.compress(tar_bytes([E("opt/late-2.0.dist-info/METADATA", b"Name: late\nVersion: 2.0\n" * 2000)]))
    blobs = [gzip.compress(good), gzip.compress(evil), _gzip_bomb(), truncated[: len(truncated) // 2]]
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in (good, evil, b"bomb", b"truncated")]
    return _layout(tmp_path / "evil", blobs, diff_ids)


def test_hostile_layers_are_contained_and_diagnosed(evil_image: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    report: Report = artifacts.scan_image(f"oci:{evil_image}", artifacts.ImageOptions(cache_dir=str(cache)))
    packages = {(p.ecosystem, p.name, p.version, p.layer.index if p.layer else None) for p in report.packages}
    assert packages == {("deb", "bash", "5.2.15-2+b2", 0), ("pypi", "ok", "1.0", 1)}
    assert report.artifact is not None and report.artifact.os is not None
    assert report.artifact.os.family == "debian"
    messages = [d.message for d in report.diagnostics]
    assert any("climbs out of the image root" in m for m in messages)
    assert any("hard link to does/not/exist" in m for m in messages)
    assert any("decompression bomb" in m and "layer 3" in m for m in messages)
    assert any("layer 4" in m and ("truncated" in m or "unreadable" in m) for m in messages)
    # Nothing was written outside the cache directory, and nothing is left in its temporary folder.
    assert not os.path.exists("/tmp/stockade-escape.txt")
    assert list((cache / "tmp").iterdir()) == []
    # The broken layers are not cached: a second scan reads them again and reports the same.
    again = artifacts.scan_image(f"oci:{evil_image}", artifacts.ImageOptions(cache_dir=str(cache)))
    assert again.packages == report.packages
    assert sorted(d.message for d in again.diagnostics) == sorted(messages)


def test_rootfs_never_reads_through_symlinks_out_of_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "var/lib/dpkg").mkdir(parents=True)
    outside = tmp_path / "host-status"
    outside.write_bytes(STATUS.replace(b"bash", b"host-secret"))
    (root / "var/lib/dpkg/status").symlink_to(outside)
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/python3").symlink_to(tmp_path)  # a directory link out of the tree
    report = artifacts.scan_rootfs(str(root))
    assert report.packages == ()
