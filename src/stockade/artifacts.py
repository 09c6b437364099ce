"""Inventory scans as library calls: images, root filesystems, project trees and SBOMs -> Report.

::

    import stockade.artifacts as artifacts
    report = artifacts.scan_image("registry.example.com/app:1.2", artifacts.ImageOptions(cache_dir="..."))
    for pkg in report.packages:
        print(pkg.purl, pkg.layer.created_by if pkg.layer else "")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stockade.errors import ScanError, UsageError
from stockade.inventory.layer import Limits
from stockade.inventory.run import InventoryOptions, Progress, inventory_image, inventory_tree
from stockade.model import Artifact, Diagnostic, DiagnosticLevel, Location, Package, Report, Tool
from stockade.source.image.image import Platform, open_image
from stockade.source.image.store import BlobStore

__all__ = ["ImageOptions", "read_sbom_file", "scan_fs", "scan_image", "scan_rootfs", "scan_sbom"]


@dataclass(frozen=True, slots=True)
class ImageOptions:
    cache_dir: str | None = None  # where the layer cache and temporary files live; None: no cache
    jobs: int = 0
    platform: str = ""  # os/arch[/variant] for multi-platform images; "" = this machine's
    insecure_registry: bool = False  # plain HTTP to the registry
    username: str = ""
    password: str = ""
    docker_config: str | None = None  # a Docker config.json with registry credentials
    timeout: float = 60.0
    max_file_size: int = Limits().max_file_size
    plugins: bool = True
    analyzers: tuple[str, ...] = ()
    skip_analyzers: tuple[str, ...] = ()

    def inventory(self) -> InventoryOptions:
        return InventoryOptions(
            cache_dir=self.cache_dir, jobs=self.jobs, limits=Limits(max_file_size=self.max_file_size),
            plugins=self.plugins, analyzers=self.analyzers, skip_analyzers=self.skip_analyzers,
        )


def _report(target: str, packages: list[Package], diagnostics: list[Diagnostic], artifact: Artifact) -> Report:
    from stockade import __version__

    return Report(tool=Tool(version=__version__), target=target, packages=tuple(packages),
                  diagnostics=tuple(diagnostics), artifact=artifact)


def registry_factory(options: ImageOptions) -> Callable[[str], BlobStore]:
    def make(reference: str) -> BlobStore:
        from stockade.source.image import registry
        from stockade.source.image.auth import CredentialSource

        credentials: CredentialSource = None
        if options.username:
            credentials = (options.username, options.password)
        elif options.docker_config:
            from stockade.source.image.auth import load_docker_config

            credentials = load_docker_config(options.docker_config)
        store: BlobStore = registry.RegistryStore(reference, insecure=options.insecure_registry,
                                                  credentials=credentials, timeout=options.timeout)
        return store

    return make


def scan_image(target: str, options: ImageOptions | None = None, *, progress: Progress | None = None) -> Report:
    """Inventory of an image: archive, OCI layout or registry reference (see source.image.image)."""
    opts = options or ImageOptions()
    platform = Platform.parse(opts.platform) if opts.platform else None
    tmp = None
    if opts.cache_dir:
        import os

        tmp = os.path.join(opts.cache_dir, "tmp")
        os.makedirs(tmp, mode=0o700, exist_ok=True)
    image = open_image(target, platform=platform, tmp_dir=tmp, registry=registry_factory(opts))
    try:
        inv, artifact = inventory_image(image, opts.inventory(), progress)
    finally:
        image.close()
    return _report(target, inv.packages, inv.diagnostics, artifact)


def scan_rootfs(root: str, options: ImageOptions | None = None, *, progress: Progress | None = None) -> Report:
    """Inventory of an unpacked root filesystem (OS and installed language packages)."""
    from stockade.analyzers import ROOTFS

    inv, artifact = inventory_tree(root, ROOTFS, (options or ImageOptions()).inventory(), progress)
    return _report(root, inv.packages, inv.diagnostics, artifact)


def scan_fs(root: str, options: ImageOptions | None = None, *, progress: Progress | None = None) -> Report:
    """Inventory of a project tree: the packages its lockfiles and manifests declare."""
    from stockade.analyzers import FILESYSTEM

    inv, artifact = inventory_tree(root, FILESYSTEM, (options or ImageOptions()).inventory(), progress)
    return _report(root, inv.packages, inv.diagnostics, artifact)


MAX_SBOM_SIZE = 512 * 1024 * 1024


def read_sbom_file(path: str) -> tuple[list[Package], Artifact | None, list[Diagnostic]]:
    from stockade.formats.sbomread import read_sbom

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SBOM_SIZE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SBOM_SIZE:
        raise ScanError(f"{path}: over the {MAX_SBOM_SIZE} byte limit for SBOMs")
    return read_sbom(data, path)


def scan_sbom(path: str) -> Report:
    """The packages of a CycloneDX or SPDX JSON SBOM (the input for later scans)."""
    packages, artifact, diagnostics = read_sbom_file(path)
    if artifact is None:
        artifact = Artifact(kind="sbom", name=path)
    if not packages and not any(d.level is DiagnosticLevel.ERROR for d in diagnostics):
        diagnostics.append(Diagnostic(Location(path), "sbom", DiagnosticLevel.INFO, "the SBOM lists no packages"))
    return _report(path, packages, diagnostics, artifact)
