"""Pure parsers for .NET: ``*.deps.json`` (what a built application loads) and NuGet ``packages.lock.json``.

Packages are ``pkg:nuget/<Id>@<version>``: NuGet ids keep their case in the purl (and in the name) but
compare without it. Lines point at the package's key in the JSON text where it can be found.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from stockade.analyzers._base import AnalysisResult, Problems, failed, load_json
from stockade.model import Location, Package
from stockade.model import purl as purls

ECOSYSTEM = "nuget"
MAX_FIELD = 1024
_ASSET_KINDS = ("runtime", "runtimeTargets", "native")


class _Lines:
    """Line numbers of JSON keys, found in document order (each search starts where the last one ended)."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8", errors="replace")
        self.newlines: list[int] = []
        pos = self.text.find("\n")
        while pos >= 0:
            self.newlines.append(pos)
            pos = self.text.find("\n", pos + 1)
        self.cursor = 0

    def seek_key(self, key: str, *, obj: bool = True) -> int | None:
        """The line of the next ``"key": {`` (``"key"`` when ``obj`` is false) after the last one found."""
        pattern = re.escape(f'"{key}"') + (r"\s*:\s*\{" if obj else "")
        match = re.compile(pattern).search(self.text, self.cursor)
        if match is None:
            return None
        self.cursor = match.end()
        return bisect.bisect_left(self.newlines, match.start()) + 1


def _short(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_FIELD else None


def _nuget_purl(name: str, version: str) -> str:
    return purls.build(ECOSYSTEM, name, version=version)


def _load(path: str, data: bytes) -> dict[str, Any] | AnalysisResult:
    value, error = load_json(data)
    if error is not None:
        return failed(path, error)
    if not isinstance(value, dict):
        return failed(path, "the top level is not a JSON object")
    return value


# --- *.deps.json ---------------------------------------------------------------------------------------


def parse_deps_json(path: str, data: bytes, found_by: str) -> AnalysisResult:
    """The NuGet packages of a ``.deps.json``: its ``libraries`` of type ``package``.

    Projects and assembly references are not packages. A ``runtimepack`` library (the runtime bundled by a
    self-contained publish, ``runtimepack.Microsoft.NETCore.App.Runtime.linux-x64``) is reported as the
    NuGet package it comes from, with ``metadata["type"] = "runtimepack"``. A package whose target
    entries carry no runtime, runtimeTargets or native assets is not loaded at run time (analyzers,
    reference-only and meta packages) and is marked ``dev``. ``depends_on`` comes from the target
    entries' ``dependencies``.
    """
    doc = _load(path, data)
    if isinstance(doc, AnalysisResult):
        return doc
    libraries = doc.get("libraries")
    if not isinstance(libraries, dict):
        return failed(path, "no 'libraries' object")
    problems = Problems(path)
    targets = doc.get("targets", {})
    if not isinstance(targets, dict):
        problems.add("'targets' is not an object")
        targets = {}
    entries: dict[str, list[dict[str, Any]]] = {}
    for target_name, target in targets.items():
        if not isinstance(target, dict):
            problems.add(f"target {target_name[:100]!r} is not an object")
            continue
        for key, entry in target.items():
            if isinstance(entry, dict):
                entries.setdefault(key, []).append(entry)

    lines = _Lines(data)
    if lines.seek_key("libraries", obj=False) is None:
        lines.cursor = 0
    found: list[tuple[str, str, str, int | None, dict[str, str]]] = []  # key, name, version, line, metadata
    ids: dict[str, str] = {}  # "Name/Version" (case-folded) -> id
    for key, library in libraries.items():
        line = lines.seek_key(key, obj=isinstance(library, dict))
        if not isinstance(library, dict):
            problems.add(f"library {key[:100]!r} is not an object", line)
            continue
        kind = library.get("type")
        if kind not in ("package", "runtimepack"):
            continue
        name, sep, version = key.partition("/")
        if not sep or not _short(name) or not _short(version):
            problems.add(f"library key {key[:100]!r} is not 'name/version'", line)
            continue
        metadata: dict[str, str] = {}
        if kind == "runtimepack":
            name = name.removeprefix("runtimepack.")
            metadata["type"] = "runtimepack"
        try:
            purl = _nuget_purl(name, version)
        except purls.PurlError as exc:
            problems.add(str(exc), line)
            continue
        ids.setdefault(key.casefold(), purl)
        found.append((key, name, version, line, metadata))

    packages: list[Package] = []
    for key, name, version, line, metadata in found:
        target_entries = entries.get(key, [])
        depends: list[str] = []
        for entry in target_entries:
            deps = entry.get("dependencies", {})
            if not isinstance(deps, dict):
                problems.add(f"dependencies of {key[:100]!r} are not an object", line)
                continue
            for dep_name, dep_version in deps.items():
                dep_id = ids.get(f"{dep_name}/{dep_version}".casefold()) if isinstance(dep_version, str) else None
                if dep_id is not None and dep_id not in depends:
                    depends.append(dep_id)
        dev = bool(target_entries) and not any(entry.get(asset) for entry in target_entries for asset in _ASSET_KINDS)
        pid = ids[key.casefold()]
        packages.append(Package(name, version, ECOSYSTEM, pid, (Location(path, line=line),), found_by, metadata,
                                id=pid, depends_on=tuple(depends), dev=dev))
    return AnalysisResult(tuple(packages), problems.done())


# --- packages.lock.json --------------------------------------------------------------------------------


def parse_packages_lock(path: str, data: bytes, found_by: str) -> AnalysisResult:
    """The packages of a NuGet lockfile, over all target frameworks (each name and version once).

    ``Direct`` packages get ``metadata["direct"] = "true"``; ``Transitive`` and ``CentralTransitive``
    ones do not; ``Project`` entries are other projects of the solution, not packages.
    ``metadata["frameworks"]`` lists the target frameworks that resolve the package. A dependency is
    resolved to the version the same framework locks.
    """
    doc = _load(path, data)
    if isinstance(doc, AnalysisResult):
        return doc
    frameworks = doc.get("dependencies")
    if not isinstance(frameworks, dict):
        return failed(path, "no 'dependencies' object")
    problems = Problems(path)
    lines = _Lines(data)
    # key (case-folded name, version) -> [name, version, line, frameworks, direct, depends]
    found: dict[tuple[str, str], tuple[str, str, int | None, list[str], list[bool], list[str]]] = {}
    for framework, deps in frameworks.items():
        fw_line = lines.seek_key(framework, obj=isinstance(deps, dict))
        if not isinstance(deps, dict):
            problems.add(f"framework {framework[:100]!r} is not an object", fw_line)
            continue
        resolved: dict[str, str | None] = {}  # case-folded name -> version (None: a project)
        for name, entry in deps.items():
            if isinstance(entry, dict):
                version = _short(entry.get("resolved"))
                resolved[name.casefold()] = None if entry.get("type") == "Project" else version
        for name, entry in deps.items():
            line = lines.seek_key(name, obj=isinstance(entry, dict))
            if not isinstance(entry, dict):
                problems.add(f"{name[:100]!r} in {framework[:100]!r} is not an object", line)
                continue
            if entry.get("type") == "Project":
                continue
            version = _short(entry.get("resolved"))
            if version is None or not _short(name):
                problems.add(f"{name[:100]!r} in {framework[:100]!r} has no resolved version", line)
                continue
            key = (name.casefold(), version)
            if key not in found:
                found[key] = (name, version, line, [], [False], [])
            _, _, _, fws, direct, depends = found[key]
            if framework not in fws:
                fws.append(framework)
            if entry.get("type") == "Direct":
                direct[0] = True
            dep_map = entry.get("dependencies", {})
            if not isinstance(dep_map, dict):
                problems.add(f"dependencies of {name[:100]!r} in {framework[:100]!r} are not an object", line)
                continue
            for dep_name in dep_map:
                dep_version = resolved.get(dep_name.casefold())
                if dep_version is not None:
                    depends.append(f"{dep_name.casefold()}/{dep_version}")

    ids: dict[str, str] = {}
    for (folded, version), (name, _, line, *_rest) in found.items():
        try:
            ids[f"{folded}/{version}"] = _nuget_purl(name, version)
        except purls.PurlError as exc:
            problems.add(str(exc), line)
    packages: list[Package] = []
    for (folded, version), (name, _, line, fws, direct, depends) in found.items():
        pid = ids.get(f"{folded}/{version}")
        if pid is None:
            continue
        metadata = {"frameworks": ",".join(fws)[:400]}
        if direct[0]:
            metadata["direct"] = "true"
        edges = list(dict.fromkeys(ids[d] for d in depends if d in ids))
        packages.append(Package(name, version, ECOSYSTEM, pid, (Location(path, line=line),), found_by, metadata,
                                id=pid, depends_on=tuple(edges)))
    return AnalysisResult(tuple(packages), problems.done())
