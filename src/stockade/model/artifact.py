"""What was scanned: an image, a root filesystem, a project tree or an SBOM, with its OS and image config."""

from __future__ import annotations

from dataclasses import dataclass

from stockade.model.package import LayerRef


@dataclass(frozen=True, slots=True)
class OSInfo:
    """The operating system of a root filesystem, from ``os-release`` (or the distro's own release file).

    ``family`` is the distro id stockade matches on (``debian``, ``ubuntu``, ``alpine``, ``rhel``,
    ``centos``, ``rocky``, ``almalinux``, ``fedora``, ``amazon``, ``opensuse-leap``, ``sles``, ``wolfi``,
    ``chainguard``, ...); ``distroless`` is set for Google's distroless images (Debian inside).
    """

    family: str
    version: str = ""  # VERSION_ID, e.g. "12", "3.19.1", "22.04"
    codename: str = ""  # VERSION_CODENAME, e.g. "bookworm"
    name: str = ""  # PRETTY_NAME
    distroless: bool = False
    eosl: bool = False


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    created: str = ""
    created_by: str = ""
    comment: str = ""
    empty_layer: bool = False


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The parts of an image's config the image checks use (OCI image-spec ``config`` + ``history``)."""

    os: str = ""
    architecture: str = ""
    variant: str = ""
    user: str = ""
    env: tuple[str, ...] = ()
    exposed_ports: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    working_dir: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    healthcheck: tuple[str, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    created: str = ""


@dataclass(frozen=True, slots=True)
class Artifact:
    """The scanned thing. ``kind`` is ``image``, ``rootfs``, ``filesystem`` or ``sbom``."""

    kind: str
    name: str
    digest: str = ""  # image manifest digest, when known
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    os: OSInfo | None = None
    config: ImageConfig | None = None
    layers: tuple[LayerRef, ...] = ()
    config_digest: str = ""  # image id
