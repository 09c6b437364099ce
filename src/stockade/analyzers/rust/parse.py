"""Pure parsers for Rust: Cargo.lock and the cargo-auditable dependency list of a binary.

Packages are ``pkg:cargo/<name>@<version>``, identified by their purl (``purl|<source>`` when one lockfile
holds the same name and version from two sources); ``metadata["source"]`` keeps where a crate came from.
"""

from __future__ import annotations

import zlib
from typing import Any

from stockade.analyzers._base import AnalysisResult, Problems, failed, load_json, load_toml
from stockade.model import Location, Package
from stockade.model import purl as purls

ECOSYSTEM = "cargo"
MAX_AUDIT_JSON = 8 * 1024 * 1024  # decompressed; real lists are a few kilobytes
MAX_FIELD = 1024


def _text_field(entry: dict[str, Any], key: str) -> str | None:
    """A short string field, None when missing, not a string or unreasonably long."""
    value = entry.get(key)
    if isinstance(value, str) and 0 < len(value) <= MAX_FIELD:
        return value
    return None


class _Ids:
    """Unique package ids within one file: the purl, then ``purl|source``, then ``purl|source|n``."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def take(self, purl: str, source: str) -> str:
        candidates = [purl, f"{purl}|{source}"] if source else [purl]
        for candidate in candidates:
            if candidate not in self.seen:
                self.seen.add(candidate)
                return candidate
        n = 2
        while f"{candidates[-1]}|{n}" in self.seen:
            n += 1
        self.seen.add(f"{candidates[-1]}|{n}")
        return f"{candidates[-1]}|{n}"


# --- Cargo.lock --------------------------------------------------------------------------------------


def _package_lines(text: str) -> list[int]:
    """Line numbers of the ``[[package]]`` headers, in order."""
    return [number for number, line in enumerate(text.splitlines(), 1)
            if "package" in line and line.partition("#")[0].replace(" ", "").replace("\t", "") == "[[package]]"]


def parse_cargo_lock(path: str, text: str, found_by: str) -> AnalysisResult:
    """Every ``[[package]]`` of a Cargo.lock (workspace members included), with the dependency graph.

    A dependency is written ``name``, ``name version`` or ``name version (source)``: as much as is needed
    to tell it from the other packages of that name, and it is resolved the same way.
    """
    data, bad = load_toml(path, text)
    if data is None:
        return bad or failed(path, "unreadable")
    entries = data.get("package", [])
    if not isinstance(entries, list):
        return failed(path, "'package' is not an array of tables")
    problems = Problems(path)
    header_lines = _package_lines(text)
    lines: list[int | None] = list(header_lines) if len(header_lines) == len(entries) else [None] * len(entries)

    ids = _Ids()
    kept: list[tuple[dict[str, Any], str, str, str, int | None]] = []  # entry, name, version, source, line
    by_name: dict[str, list[tuple[str, str, str]]] = {}  # name -> [(version, source, id)]
    for entry, line in zip(entries, lines, strict=True):
        if not isinstance(entry, dict):
            problems.add("a [[package]] entry is not a table", line)
            continue
        name, version = _text_field(entry, "name"), _text_field(entry, "version")
        if name is None or version is None:
            problems.add("package without a valid name and version", line)
            continue
        source = _text_field(entry, "source") or ""
        kept.append((entry, name, version, source, line))

    packages: list[Package] = []
    pkg_ids: list[str] = []
    for _entry, name, version, source, _line in kept:
        pid = ids.take(purls.build(ECOSYSTEM, name, version=version), source)
        pkg_ids.append(pid)
        by_name.setdefault(name, []).append((version, source, pid))

    for (entry, name, version, source, line), pid in zip(kept, pkg_ids, strict=True):
        depends: list[str] = []
        raw_deps = entry.get("dependencies", [])
        if not isinstance(raw_deps, list):
            problems.add(f"dependencies of {name} {version} are not an array", line)
            raw_deps = []
        for raw in raw_deps:
            if not isinstance(raw, str) or not raw.strip():
                problems.add(f"a dependency of {name} {version} is not a string", line)
                continue
            target = _resolve(raw, by_name)
            if isinstance(target, str) and target.startswith("!"):
                problems.add(f"dependency {raw[:200]!r} of {name} {version}: {target[1:]}", line)
            elif target is not None:
                depends.append(target)
        metadata = {"source": source} if source else {}
        packages.append(Package(name, version, ECOSYSTEM, pid.partition("|")[0], (Location(path, line=line),),
                                found_by, metadata, id=pid, depends_on=tuple(depends)))
    return AnalysisResult(tuple(packages), problems.done())


def _resolve(text: str, by_name: dict[str, list[tuple[str, str, str]]]) -> str | None:
    """The id a dependency string refers to, or ``"!reason"``."""
    name, _, rest = text.strip().partition(" ")
    version, _, source = rest.strip().partition(" ")
    source = source.strip()
    if source.startswith("(") and source.endswith(")"):
        source = source[1:-1]
    candidates = by_name.get(name, [])
    if version:
        candidates = [c for c in candidates if c[0] == version]
    if source:
        candidates = [c for c in candidates if c[1] == source]
    if len(candidates) == 1:
        return candidates[0][2]
    if not candidates:
        return "!no such package in the lockfile"
    return "!ambiguous (several packages match)"


# --- cargo-auditable -----------------------------------------------------------------------------------


def decompress_audit_data(data: bytes) -> tuple[bytes | None, str | None]:
    """The JSON of a ``.dep-v0`` section, or an error message (bounded: a zlib bomb is refused)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_AUDIT_JSON)
    except zlib.error as exc:
        return None, f"cargo-auditable data: not a zlib stream ({exc})"
    if inflater.unconsumed_tail:
        return None, f"cargo-auditable data: decompresses to more than {MAX_AUDIT_JSON} bytes"
    if not inflater.eof:
        return None, "cargo-auditable data: the zlib stream is truncated"
    return out, None


def parse_audit_json(path: str, data: bytes, found_by: str) -> AnalysisResult:
    """The crates of a cargo-auditable dependency list.

    Build-time dependencies (``"kind": "build"``: build scripts and proc macros) are not part of the
    executable and are skipped, with the edges to them. The root package (the binary's own crate) is
    reported with ``metadata["root"] = "true"``.
    """
    value, error = load_json(data)
    if error is not None:
        return failed(path, f"cargo-auditable data: {error}")
    if not isinstance(value, dict) or not isinstance(value.get("packages"), list):
        return failed(path, "cargo-auditable data: no 'packages' array")
    entries: list[Any] = value["packages"]
    problems = Problems(path)
    ids = _Ids()
    index_ids: dict[int, str] = {}
    kept: list[tuple[int, dict[str, Any], str, str, str]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.add(f"cargo-auditable data: package {index} is not an object")
            continue
        name, version = _text_field(entry, "name"), _text_field(entry, "version")
        if name is None or version is None:
            problems.add(f"cargo-auditable data: package {index} has no valid name and version")
            continue
        kind = entry.get("kind", "runtime")
        if kind == "build":
            continue
        source = _text_field(entry, "source") or ""
        index_ids[index] = ids.take(purls.build(ECOSYSTEM, name, version=version), source)
        kept.append((index, entry, name, version, source))

    packages: list[Package] = []
    for index, entry, name, version, source in kept:
        depends: list[str] = []
        raw_deps = entry.get("dependencies", [])
        if not isinstance(raw_deps, list):
            problems.add(f"cargo-auditable data: dependencies of {name} {version} are not an array")
            raw_deps = []
        for dep in raw_deps:
            if not isinstance(dep, int) or isinstance(dep, bool) or not 0 <= dep < len(entries):
                problems.add(f"cargo-auditable data: {name} {version} has an invalid dependency index {dep!r:.40}")
            elif dep in index_ids:
                depends.append(index_ids[dep])
        metadata: dict[str, str] = {}
        if source:
            metadata["source"] = source
        if entry.get("root") is True:
            metadata["root"] = "true"
        pid = index_ids[index]
        packages.append(Package(name, version, ECOSYSTEM, pid.partition("|")[0], (Location(path),), found_by,
                                metadata, id=pid, depends_on=tuple(depends)))
    return AnalysisResult(tuple(packages), problems.done())


def parse_audit_section(path: str, section: bytes, found_by: str) -> AnalysisResult:
    data, error = decompress_audit_data(section)
    if data is None:
        return failed(path, error or "cargo-auditable data: unreadable")
    return parse_audit_json(path, data, found_by)
