"""Inventory of an image, a root filesystem or a project tree: the orchestration of layer, cache and merge."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from stockade.analyzers import FILESYSTEM, IMAGE, ROOTFS, AnalysisResult, Analyzer, FileInput, analyzer_registry
from stockade.errors import ScanError
from stockade.inventory.cache import LayerCache, cache_key
from stockade.inventory.layer import LayerScan, Limits, scan_layer, scan_tree
from stockade.inventory.merge import Inventory, layer_secrets, merge
from stockade.model import Artifact, Diagnostic, DiagnosticLevel, LayerRef, Location, OSInfo, Package
from stockade.source.image.image import Image, created_by

if TYPE_CHECKING:
    from stockade.secrets import SecretScanner

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class InventoryOptions:
    cache_dir: str | None = None  # None: no layer cache
    jobs: int = 0  # processes for layers; 0 = one per CPU
    limits: Limits = field(default_factory=Limits)
    plugins: bool = True
    analyzers: tuple[str, ...] = ()  # analyzer id globs to run (all when empty)
    skip_analyzers: tuple[str, ...] = ()
    secrets: SecretScanner | None = None  # also scan every layer's files for secrets


def secrets_fingerprint(scanner: SecretScanner | None) -> str:
    """What the per-layer cache key needs to know of the secret scanner: its rules, allowlist and limits."""
    if scanner is None:
        return ""
    import hashlib

    from stockade.secrets import ENGINE_VERSION

    text = repr((ENGINE_VERSION, scanner.ruleset.rules, scanner.ruleset.allow, scanner.limits))
    return "secrets:" + hashlib.sha256(text.encode()).hexdigest()


def select_analyzers(target: str, opts: InventoryOptions) -> list[Analyzer]:
    registry = analyzer_registry(plugins=opts.plugins)
    chosen = registry.select(opts.analyzers, opts.skip_analyzers) if (opts.analyzers or opts.skip_analyzers) \
        else list(registry)
    return [a for a in chosen if target in a.targets]


def _helpers() -> tuple[Callable[[list[tuple[str, OSInfo]]], OSInfo | None], Callable[[Package, OSInfo | None], str]]:
    from stockade.analyzers._ospurl import os_purl
    from stockade.analyzers.osrelease.analyzer import select_os

    return select_os, os_purl


# --- images -----------------------------------------------------------------------------------------------

_JOBS: list[Callable[[], LayerScan]] = []  # set before forking; the children inherit it


def _run_job(index: int) -> LayerScan:
    return _JOBS[index]()


def _map_parallel(jobs: Sequence[Callable[[], LayerScan]], workers: int) -> list[LayerScan]:
    if workers <= 1 or len(jobs) <= 1:
        return [job() for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [job() for job in jobs]
    _JOBS[:] = list(jobs)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run_job, range(len(jobs))))
    except Exception as exc:  # a worker died (killed, out of memory): say so
        raise ScanError(f"a layer worker process failed: {type(exc).__name__}: {exc}") from exc
    finally:
        _JOBS.clear()


def inventory_image(
    image: Image, opts: InventoryOptions, progress: Progress | None = None
) -> tuple[Inventory, Artifact]:
    analyzers = select_analyzers(IMAGE, opts)
    history = created_by(image.config, len(image.layers))
    refs = [LayerRef(i, layer.digest, layer.diff_id, history[i]) for i, layer in enumerate(image.layers)]
    cache = LayerCache(opts.cache_dir) if opts.cache_dir else None
    tmp_dir = _tmp_dir(opts.cache_dir)
    scans: list[LayerScan | None] = []
    keys: list[str] = []
    extra = secrets_fingerprint(opts.secrets)
    for layer in image.layers:
        # Only layers whose bytes are checked against a digest are cached (a claimed diff-id alone could
        # poison the cache for another image).
        key = cache_key(layer.digest, layer.diff_id, analyzers, IMAGE, extra) if layer.digest else ""
        keys.append(key)
        scans.append(cache.get(key) if cache is not None and key else None)
    missing = [i for i, s in enumerate(scans) if s is None]
    if progress:
        progress(f"{len(image.layers)} layers, {len(image.layers) - len(missing)} cached")

    def job(i: int) -> Callable[[], LayerScan]:
        layer = image.layers[i]
        return lambda: _scan_blob(layer.opener, analyzers, tmp_dir, opts.limits, opts.secrets)

    workers = opts.jobs or os.cpu_count() or 1
    for i, scan in zip(missing, _map_parallel([job(i) for i in missing], workers), strict=True):
        scans[i] = scan
        if cache is not None and keys[i]:
            cache.put(keys[i], scan)
    if cache is not None:
        cache.close()
    done = [s for s in scans if s is not None]
    select_os, os_purl = _helpers()
    inv = merge(done, refs, display=lambda p: p if p.startswith("/") else "/" + p, select_os=select_os,
                os_purl=os_purl)
    inv.secrets = layer_secrets(done)
    if cache is not None and cache.problem:
        inv.diagnostics.append(Diagnostic(Location(image.name), "cache", DiagnosticLevel.WARNING, cache.problem))
    for warning in image.warnings:
        inv.diagnostics.append(Diagnostic(Location(image.name), "image", DiagnosticLevel.WARNING, warning))
    artifact = Artifact(
        kind="image", name=image.name, digest=image.manifest_digest, repo_tags=image.repo_tags,
        repo_digests=image.repo_digests, os=inv.os, config=image.config, layers=tuple(refs),
        config_digest=image.config_digest,
    )
    return inv, artifact


def _scan_blob(opener: Callable[[], object], analyzers: Sequence[Analyzer], tmp_dir: str | None,
               limits: Limits, secrets: SecretScanner | None = None) -> LayerScan:
    scan = scan_layer(opener, analyzers, tmp_dir=tmp_dir, limits=limits, secrets=secrets)  # type: ignore[arg-type]
    if scan.hardlinks:
        # Hard links to wanted files: a second look at the layer for their targets, analysed under the
        # link's name (rare: a few images hard-link metadata files).
        targets = set(scan.hardlinks.values())
        renaming: list[Analyzer] = [_Renaming(a, scan.hardlinks) for a in analyzers]
        second = scan_layer(opener, renaming, tmp_dir=tmp_dir, limits=limits, only=targets)  # type: ignore[arg-type]
        for link, target in scan.hardlinks.items():
            if target in second.files:
                scan.files[link] = [
                    (aid, replace(r, packages=tuple(_relocate(p, target, link) for p in r.packages)))
                    for aid, r in second.files[target]
                ]
            else:
                scan.diagnostics.append(Diagnostic(Location(link), "image", DiagnosticLevel.WARNING,
                                                   f"hard link to {target}, which is not in the layer; ignored"))
        scan.hardlinks = {}
    return scan


class _Renaming:
    """Asks the wrapped analyzer whether it wants a hard link's *name*, for the target's content."""

    def __init__(self, inner: Analyzer, links: dict[str, str]) -> None:
        self._inner = inner
        self._names: dict[str, list[str]] = {}
        for link, target in links.items():
            self._names.setdefault(target, []).append(link)
        self.id = inner.id
        self.version = inner.version
        self.targets = inner.targets

    def wants(self, path: str, size: int, mode: int) -> bool:
        return any(self._inner.wants(name, size, mode) for name in self._names.get(path, ()))

    def analyze(self, file: FileInput) -> AnalysisResult:
        return self._inner.analyze(file)


def _relocate(pkg: Package, old: str, new: str) -> Package:
    """Locations under ``old`` (the file itself, or an archive member ``old!/...``) moved to ``new``."""

    def moved(path: str) -> str:
        if path == old:
            return new
        if path.startswith(old + "!/"):
            return new + path[len(old):]
        return path

    return replace(pkg, locations=tuple(replace(loc, path=moved(loc.path)) for loc in pkg.locations))


def _tmp_dir(cache_dir: str | None) -> str | None:
    if not cache_dir:
        return None
    path = os.path.join(cache_dir, "tmp")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return path


# --- directory trees --------------------------------------------------------------------------------------


def inventory_tree(root: str, kind: str, opts: InventoryOptions,
                   progress: Progress | None = None) -> tuple[Inventory, Artifact]:
    """``kind`` is ROOTFS (an unpacked root filesystem) or FILESYSTEM (a project tree with lockfiles)."""
    if not os.path.isdir(root):
        raise ScanError(f"{root}: not a directory")
    analyzers = select_analyzers(kind, opts)
    skip = frozenset({".git"}) if kind == ROOTFS else frozenset({".git", "node_modules", ".venv", "__pycache__"})
    if progress:
        progress(f"walking {root}")
    scan = scan_tree(root, analyzers, limits=opts.limits, skip_dirs=skip)
    select_os, os_purl = _helpers()
    if kind == FILESYSTEM:
        base = root.rstrip("/") or "/"

        def display(p: str) -> str:
            return p if base == "." else os.path.join(base, p)
    else:
        def display(p: str) -> str:
            return p if p.startswith("/") else "/" + p
    inv = merge([scan], None, display=display, select_os=select_os, os_purl=os_purl)
    artifact = Artifact(kind="rootfs" if kind == ROOTFS else "filesystem", name=root, os=inv.os)
    return inv, artifact
