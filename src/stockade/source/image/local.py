"""Images on disk: OCI image layout directories, OCI archives and docker-archive tarballs.

Archives are never extracted. A plain tar is indexed once (member name -> offset, size: headers only,
data is seeked over) and blobs are read as slices of it; a gzipped archive is first inflated into a
temporary file in the cache directory (unlinked at once, so nothing stays behind).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from stockade.errors import ScanError
from stockade.source.image import tarstream
from stockade.source.image.store import MAX_MANIFEST_SIZE, OCI_INDEX

_DIGEST = re.compile(r"(sha256):([a-f0-9]{64})|(sha512):([a-f0-9]{128})")
REF_NAME = "org.opencontainers.image.ref.name"


def check_digest(digest: str) -> tuple[str, str]:
    """``(algorithm, hex)`` of a well-formed digest; ScanError otherwise (also keeps paths safe)."""
    m = _DIGEST.fullmatch(digest)
    if not m:
        raise ScanError(f"invalid digest {digest[:100]!r}")
    algo = m.group(1) or m.group(3)
    return algo, digest.split(":", 1)[1]


class SliceFile(io.RawIOBase):
    """A read-only stream over ``size`` bytes at ``offset`` of a file (its own descriptor)."""

    def __init__(self, path: str, offset: int, size: int) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._start = offset
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, min(self._size, base + offset))
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._size - self._pos)
        if n <= 0:
            return 0
        data = os.pread(self._fd, n, self._start + self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        n = min(size, self._size - self._pos)
        if n <= 0:
            return b""
        data = os.pread(self._fd, n, self._start + self._pos)
        self._pos += len(data)
        return data

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


class VerifyingReader(io.RawIOBase):
    """Hashes what passes through; at the end of the stream a digest mismatch raises ScanError."""

    def __init__(self, raw: BinaryIO, digest: str, what: str) -> None:
        super().__init__()
        algo, self._want = check_digest(digest)
        self._raw = raw
        self._hash = hashlib.new(algo)
        self._what = what
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self._hash.update(data)
        elif not self._done and size != 0:
            self._done = True
            if self._hash.hexdigest() != self._want:
                raise ScanError(f"{self._what}: content does not match its digest")
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True, slots=True)
class Member:
    offset: int  # of the data
    size: int


class ArchiveIndex:
    """Names of a tar archive's regular files -> where their data is. Built from headers only."""

    def __init__(self, path: str, tmp_dir: str | None = None) -> None:
        self.source = path
        self.members: dict[str, Member] = {}
        self.links: dict[str, str] = {}
        self._tmp = ""
        fd = os.open(path, os.O_RDONLY)
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(4)
            handle.seek(0)
            if tarstream.sniff(head) != "plain":
                self.path = self._inflate(handle, tmp_dir)
            else:
                self.path = path
        with open(self.path, "rb") as handle:
            reader = tarstream.decompressed(handle)
            try:
                for entry in tarstream.iter_entries(reader):
                    if entry.escapes:
                        continue
                    if entry.kind == tarstream.REGULAR:
                        self.members[entry.path] = Member(entry.offset + tarstream.BLOCK, entry.size)
                    elif entry.kind in (tarstream.SYMLINK, tarstream.HARDLINK):
                        self.links[entry.path] = entry.linkname
            except tarstream.TarError as exc:
                raise ScanError(f"{path}: not a readable image archive (byte {exc.offset}: {exc})") from None

    def _inflate(self, handle: BinaryIO, tmp_dir: str | None) -> str:
        reader = tarstream.decompressed(handle)
        fd, name = tempfile.mkstemp(prefix="archive-", suffix=".tar", dir=tmp_dir)
        self._tmp = name
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    data = reader.read(tarstream.CHUNK)
                    if not data:
                        break
                    out.write(data)
        except tarstream.TarError as exc:
            os.unlink(name)
            raise ScanError(f"{self.source}: cannot decompress the archive: {exc}") from None
        return name

    def close(self) -> None:
        tmp = self._tmp
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            self._tmp = ""

    def _member(self, name: str) -> Member:
        name, _ = tarstream.normalise(name)
        for _ in range(8):  # docker save writes layer files as symlinks to shared blobs
            if name in self.members:
                return self.members[name]
            target = self.links.get(name)
            if target is None:
                break
            base = name.rpartition("/")[0]
            name, escapes = tarstream.normalise(target if target.startswith("/") else f"{base}/{target}")
            if escapes:
                break
        raise ScanError(f"{self.source}: the archive has no member {name!r}")

    def has(self, name: str) -> bool:
        try:
            self._member(name)
        except ScanError:
            return False
        return True

    def open(self, name: str) -> BinaryIO:
        m = self._member(name)
        return SliceFile(self.path, m.offset, m.size)  # type: ignore[return-value]

    def size(self, name: str) -> int:
        return self._member(name).size

    def read_small(self, name: str, limit: int = MAX_MANIFEST_SIZE) -> bytes:
        m = self._member(name)
        if m.size > limit:
            raise ScanError(f"{self.source}: {name} is {m.size} bytes, over the {limit} byte limit")
        with self.open(name) as handle:
            return handle.read()


class LayoutStore:
    """A BlobStore over an OCI image layout: a directory, or an archive index of one (OCI archive)."""

    def __init__(self, name: str, *, directory: str | None = None, archive: ArchiveIndex | None = None) -> None:
        self.name = name
        self._dir = directory
        self._archive = archive
        self.index = self._read_index()

    def _read(self, rel: str, limit: int = MAX_MANIFEST_SIZE) -> bytes:
        if self._archive is not None:
            return self._archive.read_small(rel, limit)
        assert self._dir is not None
        full = os.path.join(self._dir, rel)
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise ScanError(f"{self.name}: cannot read {rel}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ScanError(f"{self.name}: {rel} is not a regular file")
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ScanError(f"{self.name}: {rel} is over the {limit} byte limit")
        return data

    def _read_index(self) -> dict[str, object]:
        import orjson

        try:
            index = orjson.loads(self._read("index.json"))
        except orjson.JSONDecodeError as exc:
            raise ScanError(f"{self.name}: index.json is not valid JSON: {exc}") from None
        if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
            raise ScanError(f"{self.name}: index.json has no 'manifests' list")
        return index

    def tags(self) -> list[str]:
        manifests = self.index.get("manifests")
        assert isinstance(manifests, list)
        return [str(d.get("annotations", {}).get(REF_NAME)) for d in manifests
                if isinstance(d, dict) and isinstance(d.get("annotations"), dict)
                and d["annotations"].get(REF_NAME)]

    def manifest(self, reference: str) -> tuple[bytes, str, str]:
        import orjson

        if reference.startswith(("sha256:", "sha512:")):
            data = self._blob_bytes(reference)
            try:
                media = orjson.loads(data).get("mediaType", "")
            except (orjson.JSONDecodeError, AttributeError):
                media = ""
            return data, str(media), reference
        manifests = [d for d in self.index.get("manifests", []) if isinstance(d, dict)]  # type: ignore[attr-defined]
        if reference:
            chosen = [d for d in manifests if isinstance(d.get("annotations"), dict)
                      and d["annotations"].get(REF_NAME) == reference]
            if not chosen:
                known = ", ".join(self.tags()) or "none"
                raise ScanError(f"{self.name}: no image tagged {reference!r} (tags: {known})")
        else:
            chosen = manifests
            if len(chosen) > 1:
                # Several entries: the whole index is the image (a multi-platform image), as skopeo does.
                return orjson.dumps(self.index), OCI_INDEX, ""
            if not chosen:
                raise ScanError(f"{self.name}: index.json lists no images")
        desc = chosen[0]
        digest = str(desc.get("digest", ""))
        return self._blob_bytes(digest), str(desc.get("mediaType", "")), digest

    def _blob_path(self, digest: str) -> str:
        algo, hexa = check_digest(digest)
        return f"blobs/{algo}/{hexa}"

    def _blob_bytes(self, digest: str) -> bytes:
        data = self._read(self._blob_path(digest))
        algo, hexa = check_digest(digest)
        if hashlib.new(algo, data).hexdigest() != hexa:
            raise ScanError(f"{self.name}: blob {digest} does not match its digest")
        return data

    def blob(self, digest: str, size: int | None = None) -> BinaryIO:
        rel = self._blob_path(digest)
        if self._archive is not None:
            raw = self._archive.open(rel)
        else:
            assert self._dir is not None
            try:
                fd = os.open(os.path.join(self._dir, rel), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError as exc:
                raise ScanError(f"{self.name}: cannot read blob {digest}: {exc.strerror or exc}") from None
            raw = os.fdopen(fd, "rb")
        return VerifyingReader(raw, digest, f"{self.name}: blob {digest}")  # type: ignore[return-value]
