"""Inventory scans as library calls: images, root filesystems, project trees and SBOMs -> Report.

::

    import stockade.artifacts as artifacts
    report = artifacts.scan_image("registry.example.com/app:1.2", artifacts.ImageOptions(cache_dir="..."))
    for pkg in report.packages:
        print(pkg.purl, pkg.layer.created_by if pkg.layer else "")
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stockade.errors import ScanError, UsageError
from stockade.inventory.layer import Limits
from stockade.inventory.run import InventoryOptions, Progress, inventory_image, inventory_tree
from stockade.model import Artifact, Diagnostic, DiagnosticLevel, Finding, Location, Package, Report, Severity, Tool
from stockade.source.image.image import Platform, open_image
from stockade.source.image.store import BlobStore

if TYPE_CHECKING:
    from stockade.secrets import SecretScanner

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
    offline: bool = False  # no network at all: registry references are refused
    max_file_size: int = Limits().max_file_size
    plugins: bool = True
    analyzers: tuple[str, ...] = ()
    skip_analyzers: tuple[str, ...] = ()
    # what to look for besides the inventory: vuln, secret; () = inventory only
    scanners: tuple[str, ...] = ("vuln", "secret")
    secret_config: tuple[str, ...] = ()  # user secret rule files (add, override or disable rules)
    # vulnerability matching
    db_path: str | None = None  # the advisory database; None: <cache_dir>/vulndb/osv.sqlite
    db_max_age_days: int = 7  # an older database gives a warning
    severity_order: tuple[str, ...] = ()  # --vuln-severity-source; () = the default order
    severities: frozenset[Severity] = frozenset(Severity)
    ignore_unfixed: bool = False
    ignore_status: tuple[str, ...] = ()
    vex: tuple[str, ...] = ()  # OpenVEX / CycloneDX VEX files
    ignorefile: str | None = None
    today: dt.date | None = None

    def inventory(self, secrets: SecretScanner | None = None) -> InventoryOptions:
        return InventoryOptions(
            cache_dir=self.cache_dir, jobs=self.jobs, limits=Limits(max_file_size=self.max_file_size),
            plugins=self.plugins, analyzers=self.analyzers, skip_analyzers=self.skip_analyzers, secrets=secrets,
        )

    def secret_scanner(self) -> SecretScanner | None:
        """The compiled secret rules when secret scanning is on (ConfigError for a broken rule file)."""
        if "secret" not in self.scanners:
            return None
        from stockade.engine.secrets import load_scanner

        return load_scanner(self.secret_config)


def db_path_for(options: ImageOptions) -> str | None:
    if options.db_path:
        return options.db_path
    if options.cache_dir:
        return os.path.join(options.cache_dir, "vulndb", "osv.sqlite")
    return None


def _report(target: str, packages: Sequence[Package], diagnostics: list[Diagnostic], artifact: Artifact,
            options: ImageOptions | None = None, secrets: Sequence[Finding] = ()) -> Report:
    from stockade import __version__
    from stockade.engine import apply_suppressions, read_ignorefile

    opts = options or ImageOptions()
    findings: list[Finding] = []
    suppressed: list[Finding] = []
    if "vuln" in opts.scanners:
        findings, suppressed, more = _vulnerabilities(packages, artifact, opts)
        diagnostics = [*diagnostics, *more]
    findings.extend(f for f in secrets if f.severity in opts.severities)
    # one ignore file for every kind of finding (its expired entries are reported once)
    kept, hidden, more = apply_suppressions(findings, read_ignorefile(opts.ignorefile), opts.today or dt.date.today())
    findings, suppressed, diagnostics = kept, [*suppressed, *hidden], [*diagnostics, *more]
    return Report(tool=Tool(version=__version__), target=target, packages=tuple(packages),
                  diagnostics=tuple(diagnostics), artifact=artifact, findings=tuple(findings),
                  suppressed=tuple(suppressed))


def _vulnerabilities(packages: Sequence[Package], artifact: Artifact,
                     opts: ImageOptions) -> tuple[list[Finding], list[Finding], list[Diagnostic]]:
    """Match against the local advisory database (never the network), then filter and apply VEX (the ignore
    file is applied by the caller, to every kind of finding)."""
    from stockade.engine.vex import apply_vex, load_vex
    from stockade.errors import ConfigError
    from stockade.vulndb.match import findings as to_findings
    from stockade.vulndb.match import match, needed_exports
    from stockade.vulndb.severity import DEFAULT_ORDER
    from stockade.vulndb.store import AdvisoryStore
    from stockade.vulndb.update import record_needs

    diagnostics: list[Diagnostic] = []
    path = db_path_for(opts)
    if path is not None:
        record_needs(path, needed_exports(packages, artifact.os))
    if path is None or not os.path.exists(path):
        if packages:
            diagnostics.append(Diagnostic(Location(path or "vulndb"), "vulndb", DiagnosticLevel.INFO,
                                          "no vulnerability database: run 'stockade db update' (or 'stockade db "
                                          "import PATH' offline) to match packages against advisories"))
        return [], [], diagnostics
    store = AdvisoryStore.open(path)
    try:
        updated = store.updated
        result = match(packages, artifact.os, store)
    finally:
        store.close()
    today = opts.today or dt.date.today()
    try:
        age = (today - dt.date.fromisoformat(updated[:10])).days if updated else None
    except ValueError:
        age = None
    if age is not None and age > opts.db_max_age_days:
        diagnostics.append(Diagnostic(Location(path), "vulndb", DiagnosticLevel.WARNING,
                                      f"the vulnerability database is {age} days old; run 'stockade db update'"))
    diagnostics.extend(result.diagnostics)
    found = to_findings(result, opts.severity_order or DEFAULT_ORDER)
    found = [f for f in found if f.severity in opts.severities]
    if opts.ignore_unfixed:
        found = [f for f in found if f.status == "fixed"]
    if opts.ignore_status:
        found = [f for f in found if f.status not in opts.ignore_status]
    statements = []
    for vex_path in opts.vex:
        try:
            with open(vex_path, "rb") as handle:
                statements.extend(load_vex(vex_path, handle.read()))
        except OSError as exc:
            raise ConfigError(f"cannot read VEX document {vex_path}: {exc.strerror or exc}") from None
    kept, suppressed = apply_vex(found, statements) if statements else (found, [])
    return kept, suppressed, diagnostics


def registry_factory(options: ImageOptions) -> Callable[[str], BlobStore]:
    def make(reference: str) -> BlobStore:
        if options.offline:
            raise UsageError(f"{reference} is a registry reference, and --offline allows no network; scan an "
                             "archive or OCI layout of it instead (skopeo copy docker://... oci:DIR)")
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
    scanner = opts.secret_scanner()
    image = open_image(target, platform=platform, tmp_dir=tmp, registry=registry_factory(opts))
    try:
        inv, artifact = inventory_image(image, opts.inventory(scanner), progress)
    finally:
        image.close()
    secrets: list[Finding] = []
    packages = list(inv.packages)
    if scanner is not None:
        from stockade.engine.secrets import image_config_findings, place_layer_secrets, redact_image

        secrets = place_layer_secrets(scanner.ruleset, inv.secrets, artifact.layers)
        if artifact.config is not None:
            in_config, redacted = image_config_findings(scanner, artifact.config, target)
            secrets.extend(in_config)
            # the report shows the config and each layer's command: never with the secret in them
            artifact, packages, secrets = redact_image(artifact, packages, secrets, redacted)
    return _report(target, packages, inv.diagnostics, artifact, opts, secrets)


def _tree_secrets(root: str, opts: ImageOptions, rootfs: bool,
                  progress: Progress | None) -> tuple[list[Finding], list[Diagnostic]]:
    scanner = opts.secret_scanner()
    if scanner is None:
        return [], []
    from stockade.engine.secrets import display_for, tree_findings

    if progress:
        progress(f"secrets in {root}")
    return tree_findings(scanner, root, display_for(root, rootfs), jobs=opts.jobs)


def scan_rootfs(root: str, options: ImageOptions | None = None, *, progress: Progress | None = None) -> Report:
    """Inventory of an unpacked root filesystem (OS and installed language packages)."""
    from stockade.analyzers import ROOTFS

    opts = options or ImageOptions()
    inv, artifact = inventory_tree(root, ROOTFS, opts.inventory(), progress)
    secrets, more = _tree_secrets(root, opts, True, progress)
    return _report(root, inv.packages, [*inv.diagnostics, *more], artifact, opts, secrets)


def scan_fs(root: str, options: ImageOptions | None = None, *, progress: Progress | None = None) -> Report:
    """Inventory of a project tree: the packages its lockfiles and manifests declare."""
    from stockade.analyzers import FILESYSTEM

    opts = options or ImageOptions()
    inv, artifact = inventory_tree(root, FILESYSTEM, opts.inventory(), progress)
    secrets, more = _tree_secrets(root, opts, False, progress)
    return _report(root, inv.packages, [*inv.diagnostics, *more], artifact, opts, secrets)


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


def scan_sbom(path: str, options: ImageOptions | None = None) -> Report:
    """The packages of a CycloneDX or SPDX JSON SBOM, and their vulnerabilities."""
    packages, artifact, diagnostics = read_sbom_file(path)
    if artifact is None:
        artifact = Artifact(kind="sbom", name=path)
    if not packages and not any(d.level is DiagnosticLevel.ERROR for d in diagnostics):
        diagnostics.append(Diagnostic(Location(path), "sbom", DiagnosticLevel.INFO, "the SBOM lists no packages"))
    return _report(path, packages, diagnostics, artifact, options)
