"""Stack layer scans into the final filesystem and turn what is left into the inventory.

Whiteouts and opaque directories of a layer remove what lower layers put there (before the layer's own
files are added, as the OCI image spec says); a later regular file or symlink at the same path replaces
an earlier one. Each package keeps its origin layer: the lowest layer from which the file that lists it
said the same thing (same name, version and architecture) without interruption up to the top, so a
package installed in the base image keeps the base layer even when later layers rewrite the dpkg status
file, while a downgraded or reinstalled package points at the layer that changed it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from stockade.analyzers import AnalysisResult
from stockade.inventory.layer import LayerScan, SecretHit
from stockade.model import Diagnostic, LayerRef, Location, OSInfo, Package

MAX_LINK_HOPS = 40
OS_ECOSYSTEMS = frozenset({"deb", "apk", "rpm"})

Version = tuple[int, list[tuple[str, AnalysisResult]]]  # (layer position, results of that file)


@dataclass(slots=True)
class Inventory:
    packages: list[Package] = field(default_factory=list)
    os: OSInfo | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # secrets found in image layers: (layer index, the hit, index of the later layer whose whiteout deletes
    # the file, or None)
    secrets: list[tuple[int, SecretHit, int | None]] = field(default_factory=list)


def resolve_in_root(path: str, symlinks: dict[str, str], max_hops: int = MAX_LINK_HOPS) -> str | None:
    """The path with every symlink component resolved inside the root, or None for a loop/too many hops.

    ``..`` at the root stays at the root and absolute targets start from the root, as they would inside
    a chroot: resolution can never leave the image.
    """
    todo = [p for p in path.split("/") if p not in ("", ".")]
    todo.reverse()
    done: list[str] = []
    hops = 0
    while todo:
        part = todo.pop()
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = "/".join([*done, part])
        target = symlinks.get(candidate)
        if target is None:
            done.append(part)
            continue
        hops += 1
        if hops > max_hops:
            return None
        if target.startswith("/"):
            done = []
        todo.extend(reversed([p for p in target.split("/") if p not in ("", ".")]))
    return "/".join(done)


def _under(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


def layer_secrets(layers: Sequence[LayerScan]) -> list[tuple[int, SecretHit, int | None]]:
    """Every layer's secrets, each with the later layer (if any) whose whiteout or opaque directory deletes
    its file: the bytes stay in the image all the same."""
    out: list[tuple[int, SecretHit, int | None]] = []
    for index, scan in enumerate(layers):
        for hit in scan.secrets:
            path = hit[1]
            removed = None
            for later in range(index + 1, len(layers)):
                upper = layers[later]
                if any(_under(path, w) for w in upper.whiteouts) or any(
                        o != path and _under(path, o) for o in upper.opaque):
                    removed = later
                    break
            out.append((index, hit, removed))
    return out


def stack(layers: Sequence[LayerScan]) -> tuple[dict[str, list[Version]], dict[str, str]]:
    """The final filesystem: for each analysed path its uninterrupted versions, and the final symlinks."""
    state: dict[str, list[Version]] = {}
    symlinks: dict[str, str] = {}
    for pos, scan in enumerate(layers):
        for prefix in scan.opaque:
            # An opaque directory hides the lower layers' contents, not the directory itself.
            for key in [k for k in state if k != prefix and _under(k, prefix)]:
                del state[key]
            for key in [k for k in symlinks if k != prefix and _under(k, prefix)]:
                del symlinks[key]
        for prefix in scan.whiteouts:
            for key in [k for k in state if _under(k, prefix)]:
                del state[key]
            for key in [k for k in symlinks if _under(k, prefix)]:
                del symlinks[key]
        for path, target in scan.symlinks.items():
            state.pop(path, None)
            symlinks[path] = target
        for path, results in scan.files.items():
            symlinks.pop(path, None)
            state.setdefault(path, []).append((pos, results))
    return state, symlinks


def _key(pkg: Package) -> tuple[str, str, str, str]:
    return (pkg.found_by, pkg.name, pkg.version, pkg.arch)


def _origins(versions: list[Version], analyzer: str, packages: Sequence[Package]) -> list[int]:
    """For each package of the top version, the lowest layer from which this file listed it unchanged.

    Each earlier version's keys are collected once, so a status file rewritten by many layers costs
    O(packages x versions), not O(packages^2 x versions).
    """
    earlier = [(pos, {_key(p) for aid, r in results if aid == analyzer for p in r.packages})
               for pos, results in reversed(versions[:-1])]
    top = versions[-1][0]
    out = []
    for pkg in packages:
        key = _key(pkg)
        origin = top
        for pos, keys in earlier:
            if key not in keys:
                break
            origin = pos
        out.append(origin)
    return out


def merge(
    layers: Sequence[LayerScan],
    refs: Sequence[LayerRef] | None,
    *,
    display: Callable[[str], str],
    select_os: Callable[[list[tuple[str, OSInfo]]], OSInfo | None],
    os_purl: Callable[[Package, OSInfo | None], str],
) -> Inventory:
    """The inventory of the stacked layers.

    ``refs``: one LayerRef per layer (None for a directory tree: packages then carry no layer);
    ``display``: turns an analyzer path into the path users see (``/usr/lib/...`` or ``app/poetry.lock``).
    """
    state, symlinks = stack(layers)
    inv = Inventory()
    found_os: list[tuple[str, OSInfo]] = []
    owned: set[str] = set()
    licences: dict[str, tuple[str, ...]] = {}
    raw: list[tuple[str, str, int, Package]] = []  # (path, analyzer, origin layer position, package)
    for path in sorted(state):
        versions = state[path]
        top_pos, results = versions[-1]
        for analyzer, result in results:
            if result.os is not None:
                found_os.append((path, result.os))
            owned.update(result.owned_files)
            inv.diagnostics.extend(_place(d, display, refs[top_pos] if refs else None) for d in result.diagnostics)
            listed = [p for p in result.packages if not (p.metadata.get("kind") == "license" and not p.version)]
            for pkg in result.packages:
                if pkg.metadata.get("kind") == "license" and not pkg.version:
                    licences[pkg.name] = pkg.licenses
            origins = _origins(versions, analyzer, listed) if len(versions) > 1 else [top_pos] * len(listed)
            raw.extend((path, analyzer, origin, pkg) for origin, pkg in zip(origins, listed, strict=True))
    # etc/os-release is usually a symlink to usr/lib/os-release: it counts as the file it points to.
    if "etc/os-release" in symlinks:
        target = resolve_in_root("etc/os-release", symlinks)
        found_os.extend(("etc/os-release", info) for path, info in list(found_os) if path == target)
    inv.os = select_os(found_os) if found_os else None
    owned_resolved: set[str] | None = None

    used_ids: dict[str, int] = {}
    id_maps: dict[tuple[str, str], dict[str, str]] = {}
    placed: list[tuple[tuple[str, str], Package]] = []
    for path, analyzer, origin, pkg in raw:
        if pkg.ecosystem not in OS_ECOSYSTEMS and owned:
            where = pkg.locations[0].path if pkg.locations else path
            where = where.split("!/", 1)[0]
            if where in owned:
                continue
            if owned_resolved is None:
                owned_resolved = {resolve_in_root(p, symlinks) or p for p in owned}
            if (resolve_in_root(where, symlinks) or where) in owned_resolved:
                continue
        changes: dict[str, object] = {}
        if pkg.ecosystem in OS_ECOSYSTEMS and not pkg.purl:
            changes["purl"] = os_purl(pkg, inv.os)
        if pkg.ecosystem == "deb" and not pkg.licenses and pkg.name in licences:
            changes["licenses"] = licences[pkg.name]
        if refs is not None:
            changes["layer"] = refs[origin]
        changes["locations"] = tuple(replace(loc, path=display(loc.path)) for loc in pkg.locations) or (
            Location(display(path)),)
        base = str(changes.get("purl") or pkg.purl) or f"{pkg.ecosystem}/{pkg.name}@{pkg.version}"
        count = used_ids.get(base, 0)
        used_ids[base] = count + 1
        new_id = base if count == 0 else f"{base}|{count}"
        id_maps.setdefault((path, analyzer), {})[pkg.id or new_id] = new_id
        changes["id"] = new_id
        placed.append(((path, analyzer), replace(pkg, **changes)))  # type: ignore[arg-type]
    for group, pkg in placed:
        mapping = id_maps[group]
        deps = tuple(mapping[d] for d in pkg.depends_on if d in mapping)
        inv.packages.append(replace(pkg, depends_on=deps) if deps != pkg.depends_on else pkg)
    for pos, scan in enumerate(layers):
        inv.diagnostics.extend(_place(d, display, refs[pos] if refs else None) for d in scan.diagnostics)
    return inv


def _place(diag: Diagnostic, display: Callable[[str], str], ref: LayerRef | None) -> Diagnostic:
    message = diag.message
    if ref is not None:
        message = f"{message} (layer {ref.index + 1}, {ref.digest or ref.diff_id})"
    return replace(diag, location=replace(diag.location, path=display(diag.location.path)), message=message)


__all__ = ["Inventory", "merge", "resolve_in_root", "stack"]
