"""An image, wherever it comes from: its config, its layers (as blobs to stream) and its names.

:func:`open_image` understands these targets::

    PATH                      a docker-archive or OCI archive tarball (plain or gzipped), or an OCI layout dir
    PATH:TAG, PATH@DIGEST     the same, choosing one image of several
    oci:DIR[:TAG]  oci-archive:FILE[:TAG]  docker-archive:FILE[:TAG]   explicit transports (as skopeo)
    docker://REF, REF         a registry reference (``alpine:3.19``, ``localhost:5000/app@sha256:...``)
"""

from __future__ import annotations

import os
import platform as host_platform
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from stockade.errors import ScanError, UsageError
from stockade.model import HistoryEntry, ImageConfig
from stockade.source.image.local import ArchiveIndex, LayoutStore, VerifyingReader, check_digest
from stockade.source.image.store import INDEX_TYPES, BlobStore
from stockade.source.image.tarstream import sniff

MAX_CONFIG_SIZE = 16 * 1024 * 1024
MAX_INDEX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class LayerBlob:
    digest: str  # blob digest ("" when the source does not say, as in older docker-archives)
    diff_id: str
    media_type: str
    size: int
    opener: Callable[[], BinaryIO]


@dataclass(slots=True)
class Image:
    name: str
    config: ImageConfig
    layers: list[LayerBlob]
    manifest_digest: str = ""
    config_digest: str = ""
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()
        self.closers.clear()


@dataclass(frozen=True, slots=True)
class Platform:
    os: str = "linux"
    architecture: str = ""
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if not 2 <= len(parts) <= 3 or not all(parts):
            raise UsageError(f"invalid platform {text!r} (expected os/arch[/variant], e.g. linux/arm64)")
        return cls(parts[0], _normal_arch(parts[1]), parts[2] if len(parts) == 3 else "")

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


def _normal_arch(arch: str) -> str:
    return {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm", "i386": "386"}.get(arch, arch)


def host() -> Platform:
    return Platform("linux", _normal_arch(host_platform.machine().lower()))


def _json(data: bytes, what: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ScanError(f"{what} is not valid JSON: {exc}") from None


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def parse_config(raw: bytes, what: str) -> tuple[ImageConfig, list[str]]:
    """The image config (OCI image-spec / Docker v1 image JSON) and its ``rootfs.diff_ids``."""
    doc = _json(raw, what)
    if not isinstance(doc, dict):
        raise ScanError(f"{what} is not a JSON object")
    cfg = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    assert isinstance(cfg, dict)
    history = []
    for h in doc.get("history") or []:
        if isinstance(h, dict):
            history.append(HistoryEntry(str(h.get("created", "")), str(h.get("created_by", "")),
                                        str(h.get("comment", "")), h.get("empty_layer") is True))
    ports = cfg.get("ExposedPorts")
    labels = cfg.get("Labels")
    health = cfg.get("Healthcheck")
    rootfs = doc.get("rootfs") if isinstance(doc.get("rootfs"), dict) else {}
    assert isinstance(rootfs, dict)
    config = ImageConfig(
        os=str(doc.get("os", "")), architecture=str(doc.get("architecture", "")), variant=str(doc.get("variant", "")),
        user=str(cfg.get("User") or ""), env=_strs(cfg.get("Env")),
        exposed_ports=tuple(sorted(map(str, ports))) if isinstance(ports, dict) else (),
        entrypoint=_strs(cfg.get("Entrypoint")), cmd=_strs(cfg.get("Cmd")),
        working_dir=str(cfg.get("WorkingDir") or ""),
        labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())) if isinstance(labels, dict) else (),
        healthcheck=_strs(health.get("Test")) if isinstance(health, dict) else (),
        history=tuple(history), created=str(doc.get("created", "")),
    )
    return config, [str(d) for d in _strs(rootfs.get("diff_ids"))]


def created_by(config: ImageConfig, count: int) -> list[str]:
    """The history command of each of ``count`` layers (history entries marked empty_layer are skipped)."""
    real = [h.created_by for h in config.history if not h.empty_layer]
    if len(real) != count:
        return [""] * count
    return real


# --- content-addressed stores (OCI layout, OCI archive, registry) -----------------------------------------


def from_store(store: BlobStore, reference: str, platform: Platform | None) -> Image:
    """Resolve ``reference`` in ``store``: index -> the platform's manifest -> config and layers."""
    data, media, digest = store.manifest(reference)
    doc = _json(data, f"{store.name}: manifest")
    for _ in range(MAX_INDEX_DEPTH):
        if not isinstance(doc, dict):
            raise ScanError(f"{store.name}: manifest is not a JSON object")
        if media not in INDEX_TYPES and not isinstance(doc.get("manifests"), list):
            break
        desc = _choose(store.name, doc.get("manifests"), platform)
        digest = str(desc.get("digest", ""))
        data, media, _ = store.manifest(digest)
        doc = _json(data, f"{store.name}: manifest {digest}")
    else:
        raise ScanError(f"{store.name}: image indexes nested more than {MAX_INDEX_DEPTH} deep")
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict) or not isinstance(doc.get("layers"), list):
        raise ScanError(f"{store.name}: not an image manifest (no config and layers)")
    config_digest = str(doc["config"].get("digest", ""))
    check_digest(config_digest)
    chunks: list[bytes] = []
    read = 0
    with store.blob(config_digest) as handle:
        # To the end (where the stream verifies the digest), refusing a config over the limit as soon as
        # it gets there rather than after reading all of it.
        while chunk := handle.read(65536):
            read += len(chunk)
            if read > MAX_CONFIG_SIZE:
                raise ScanError(f"{store.name}: image config is over {MAX_CONFIG_SIZE} bytes")
            chunks.append(chunk)
    raw = b"".join(chunks)
    config, diff_ids = parse_config(raw, f"{store.name}: image config")
    layers = []
    warnings = []
    descs = [d for d in doc["layers"] if isinstance(d, dict)]
    if len(diff_ids) != len(descs):
        warnings.append(f"the config lists {len(diff_ids)} diff_ids for {len(descs)} layers")
        diff_ids = [""] * len(descs)
    for desc, diff_id in zip(descs, diff_ids, strict=True):
        ldigest = str(desc.get("digest", ""))
        check_digest(ldigest)
        size = desc.get("size")
        layers.append(LayerBlob(ldigest, diff_id, str(desc.get("mediaType", "")),
                                int(size) if isinstance(size, int) else -1,
                                _opener(store, ldigest, size if isinstance(size, int) else None)))
    return Image(store.name, config, layers, manifest_digest=digest, config_digest=config_digest,
                 warnings=warnings)


def _opener(store: BlobStore, digest: str, size: int | None) -> Callable[[], BinaryIO]:
    return lambda: store.blob(digest, size)


def _choose(name: str, manifests: object, platform: Platform | None) -> dict[str, Any]:
    if not isinstance(manifests, list) or not manifests:
        raise ScanError(f"{name}: the image index lists no manifests")
    entries = [m for m in manifests if isinstance(m, dict) and isinstance(m.get("digest"), str)]
    images = [m for m in entries if isinstance(m.get("platform"), dict)]
    want = platform or host()
    for m in images:
        p = m["platform"]
        if (p.get("os") == want.os and _normal_arch(str(p.get("architecture", ""))) == want.architecture
                and (not want.variant or p.get("variant") == want.variant)):
            return m
    if platform is None and len(entries) == 1:
        return entries[0]
    available = ", ".join(
        str(Platform(str(m["platform"].get("os", "")), str(m["platform"].get("architecture", "")),
                     str(m["platform"].get("variant", "")))) for m in images
    ) or "none"
    raise ScanError(f"{name}: no image for platform {want} in the index (available: {available}); "
                    "choose one with --platform")


# --- docker-archive -------------------------------------------------------------------------------------


def from_docker_archive(index: ArchiveIndex, name: str, tag: str) -> Image:
    manifest = _json(index.read_small("manifest.json"), f"{name}: manifest.json")
    if not isinstance(manifest, list) or not manifest:
        raise ScanError(f"{name}: manifest.json lists no images")
    entries = [m for m in manifest if isinstance(m, dict)]
    chosen = entries[0] if entries else None
    if tag:
        matches = [m for m in entries if tag in _strs(m.get("RepoTags")) or any(
            t.rpartition(":")[2] == tag or t.endswith("/" + tag) for t in _strs(m.get("RepoTags")))]
        if not matches:
            known = ", ".join(t for m in entries for t in _strs(m.get("RepoTags"))) or "none"
            raise ScanError(f"{name}: no image tagged {tag!r} in the archive (tags: {known})")
        chosen = matches[0]
    elif len(entries) > 1:
        known = ", ".join(t for m in entries for t in _strs(m.get("RepoTags"))) or "untagged images"
        raise ScanError(f"{name}: the archive holds {len(entries)} images ({known}); choose one with {name}:TAG")
    assert chosen is not None
    config_name = str(chosen.get("Config", ""))
    raw = index.read_small(config_name, MAX_CONFIG_SIZE)
    config, diff_ids = parse_config(raw, f"{name}: {config_name}")
    layer_names = list(_strs(chosen.get("Layers")))
    warnings = []
    if len(diff_ids) != len(layer_names):
        warnings.append(f"the config lists {len(diff_ids)} diff_ids for {len(layer_names)} layers")
        diff_ids = [""] * len(layer_names)
    layers = []
    for layer_name, diff_id in zip(layer_names, diff_ids, strict=True):
        layers.append(LayerBlob(*_archive_layer(index, name, layer_name, diff_id)))
    config_digest = ""
    if config_name.startswith("blobs/sha256/"):
        config_digest = "sha256:" + config_name.rsplit("/", 1)[1]
    elif config_name.endswith(".json") and len(config_name) == 69:
        config_digest = "sha256:" + config_name[:-5]
    return Image(name, config, layers, config_digest=config_digest, repo_tags=_strs(chosen.get("RepoTags")),
                 warnings=warnings)


def _archive_layer(index: ArchiveIndex, name: str, member: str,
                   diff_id: str) -> tuple[str, str, str, int, Callable[[], BinaryIO]]:
    """A docker-archive layer with the digest its bytes are checked against as they stream.

    Docker 25+ names layers ``blobs/sha256/<hex>``: that is the blob's digest. Older archives (and skopeo's)
    hold uncompressed ``layer.tar`` files, whose digest is the diff-id. A compressed member with no digest
    in its name is read unverified, and so never cached (the cache key must be a digest of what was read).
    """
    parts = member.split("/")
    digest = ""
    if len(parts) == 3 and parts[0] == "blobs":
        digest = f"{parts[1]}:{parts[2]}"
    elif diff_id:
        with index.open(member) as handle:
            if sniff(handle.read(4)) == "plain":
                digest = diff_id
    if digest:
        check_digest(digest)
        what = f"{name}: layer {member}"
        return digest, diff_id, "", index.size(member), lambda: VerifyingReader(index.open(member), digest, what)  # type: ignore[return-value]
    return "", diff_id, "", index.size(member), lambda: index.open(member)


# --- dispatch -------------------------------------------------------------------------------------------


def _split_selector(target: str) -> tuple[str, str]:
    """``PATH:TAG`` or ``PATH@DIGEST`` where PATH exists on disk; otherwise ``(target, "")``.

    The first separator after which the rest is a selector and before which the path exists wins, so a
    docker-archive tag with a repository (``image.tar:app:2``) works.
    """
    if os.path.exists(target):
        return target, ""
    for pos, char in enumerate(target):
        if char in ":@" and pos and os.path.exists(target[:pos]):
            return target[:pos], target[pos + 1:]
    return target, ""


def open_image(target: str, *, platform: Platform | None = None, tmp_dir: str | None = None,
               registry: Callable[[str], BlobStore] | None = None) -> Image:
    """Open ``target`` (see the module docstring). ``registry`` builds a BlobStore for a registry reference."""
    transport, sep, rest = target.partition(":")
    if sep and transport in ("oci", "oci-archive", "docker-archive") and rest:
        path, selector = _split_selector(rest)
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
        return _open_local(path, selector, target, platform, tmp_dir, transport)
    if target.startswith("docker://"):
        return _open_registry(target[len("docker://"):], platform, registry)
    path, selector = _split_selector(target)
    if os.path.exists(path):
        return _open_local(path, selector, target, platform, tmp_dir, "")
    if target.startswith(("/", "./", "../")) or target.endswith((".tar", ".tar.gz", ".tgz")):
        raise UsageError(f"{target}: no such file or directory")
    return _open_registry(target, platform, registry)


def _open_registry(reference: str, platform: Platform | None,
                   registry: Callable[[str], BlobStore] | None) -> Image:
    if registry is None:
        raise UsageError(f"{reference}: registry images are not available here")
    store = registry(reference)
    selector = getattr(store, "selector", "")
    image = from_store(store, str(selector), platform)
    image.repo_digests = (f"{getattr(store, 'repository', reference)}@{image.manifest_digest}",) \
        if image.manifest_digest else ()
    tag = getattr(store, "tag", "")
    if tag:
        image.repo_tags = (f"{getattr(store, 'repository', reference)}:{tag}",)
    return image


def _open_local(path: str, selector: str, name: str, platform: Platform | None, tmp_dir: str | None,
                transport: str) -> Image:
    if os.path.isdir(path):
        if transport not in ("", "oci"):
            raise UsageError(f"{path} is a directory; {transport} expects a file")
        if not os.path.isfile(os.path.join(path, "index.json")):
            raise UsageError(f"{path}: not an OCI image layout (no index.json); for an unpacked root filesystem "
                             "use 'stockade rootfs'")
        store = LayoutStore(name, directory=path)
        return from_store(store, selector, platform)
    index = ArchiveIndex(path, tmp_dir)
    try:
        is_docker = index.has("manifest.json")
        is_oci = index.has("index.json")
        if transport == "docker-archive" or (is_docker and transport != "oci-archive"):
            if not is_docker:
                raise ScanError(f"{path}: not a docker-archive (no manifest.json)")
            image = from_docker_archive(index, name, selector)
        elif is_oci:
            image = from_store(LayoutStore(name, archive=index), selector, platform)
        else:
            raise ScanError(f"{path}: not an image archive (neither manifest.json nor index.json inside)")
    except BaseException:
        index.close()
        raise
    image.closers.append(index.close)
    return image
