"""A package found in an artifact: a fact, never a judgment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from stockade.model.location import Location


@dataclass(frozen=True, slots=True)
class LayerRef:
    """The image layer a package (or file) came from.

    ``digest`` is the layer blob's digest as the manifest names it, ``diff_id`` the digest of the
    uncompressed tar (the config's ``rootfs.diff_ids``), ``created_by`` the history command that made it.
    """

    index: int
    digest: str = ""
    diff_id: str = ""
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class Package:
    """One package.

    ``ecosystem`` is the package type as a purl names it (``deb``, ``apk``, ``rpm``, ``pypi``, ``npm``,
    ``golang``, ``maven``, ``gem``, ``composer``, ``nuget``, ``cargo``); the distribution of an OS package
    is in its purl qualifiers and in the report's :class:`~stockade.model.artifact.OSInfo`.
    ``source_name``/``source_version`` are the source package (dpkg ``Source:``, apk origin, the source
    RPM) when it differs from nothing: vulnerability data for OS packages is keyed by source.
    ``id`` identifies the package within one inventory (dependency edges refer to it);
    ``depends_on`` holds the ids of its direct dependencies where a lockfile or database says so.
    """

    name: str
    version: str
    ecosystem: str
    purl: str = ""
    locations: tuple[Location, ...] = ()
    found_by: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    source_name: str = ""
    source_version: str = ""
    licenses: tuple[str, ...] = ()
    arch: str = ""
    layer: LayerRef | None = None
    id: str = ""
    depends_on: tuple[str, ...] = ()
    dev: bool = False  # a development-only dependency (lockfiles that say so)

    def sort_key(self) -> tuple[str, str, str, str]:
        path = self.locations[0].path if self.locations else ""
        return (self.ecosystem, self.name, self.version, path)
