"""Python package metadata and lockfiles, parsed without I/O: ``(path, bytes)`` in, packages and diagnostics out.

Installed distributions:

* ``*.dist-info/METADATA`` and ``*.egg-info/PKG-INFO`` (or a bare ``*.egg-info`` file, as old distutils
  wrote it) are RFC 822 style headers (core metadata). ``Name``/``Version`` make the package; the licence is
  ``License-Expression`` (PEP 639) when present, else a one-line ``License``, else the ``License ::``
  classifiers. ``Requires-Dist`` names (those not behind an extra) go into ``metadata["requires"]``.

Project lockfiles:

* ``requirements*.txt``: only pinned ``==``/``===`` requirements become packages. Comments, line
  continuations, extras, environment markers and per-requirement options (``--hash``) are understood;
  option lines (``-r``/``-c`` includes, ``-e``, index options) are skipped: included files are NOT followed
  (they are analysed on their own when they are requirements files themselves); URL, path and VCS
  requirements have no version and are skipped.
* ``poetry.lock``: ``[[package]]`` with ``[package.dependencies]`` for edges; ``category = "dev"`` (lock
  format 1.x) or ``groups`` without ``main`` (lock format 2.1) mark dev packages.
* ``Pipfile.lock``: ``default`` and ``develop`` (dev) sections; no dependency graph.
* ``uv.lock``: ``[[package]]`` with ``dependencies``, ``optional-dependencies`` and ``dev-dependencies``;
  the project's own root (``source = { editable = "." }`` or ``{ virtual = "." }``) is not reported, and a
  package is dev when it is reachable only through the workspace's dev dependencies.

The purl name is the PEP 503 normalised name (``zope.interface`` -> ``pkg:pypi/zope-interface``); the
package keeps the declared name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from stockade.analyzers._base import (
    AnalysisResult,
    Problems,
    clip,
    decode,
    failed,
    load_json,
    load_toml,
    never_raises,
    unique_ids,
)
from stockade.model import Location, Package
from stockade.model import purl as purls

DIST_INFO = "python-dist-info"
EGG_INFO = "python-egg-info"
REQUIREMENTS = "python-requirements"
POETRY = "poetry-lock"
PIPENV = "pipfile-lock"
UV = "uv-lock"

ECOSYSTEM = "pypi"
MAX_LINE = 64 * 1024  # longest physical line read from a line-based file


# --- common pieces ----------------------------------------------------------------------------------


_SEPARATORS = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """The PEP 503 normalised form of a distribution name."""
    return _SEPARATORS.sub("-", name).lower()


def _purl(name: str, version: str) -> str:
    try:
        return purls.build(ECOSYSTEM, normalise(name), version=version)
    except purls.PurlError:
        return ""


def _text(path: str, data: bytes) -> tuple[str | None, AnalysisResult | None]:
    """The text of a line-based file, or the result for a file that is not text at all."""
    if b"\x00" in data:
        return None, failed(path, "not a text file (it contains NUL bytes)")
    return decode(data), None


def _load_toml(path: str, data: bytes) -> tuple[dict[str, Any] | None, AnalysisResult | None]:
    text, bad = _text(path, data)
    if text is None:
        return None, bad
    return load_toml(path, text)


# --- installed: core metadata (METADATA, PKG-INFO) ---------------------------------------------------

_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA_MARKER = re.compile(r"\bextra\s*==")
_UNKNOWN_LICENSES = frozenset({"", "UNKNOWN", "NONE"})


def _headers(text: str, problems: Problems) -> list[tuple[str, str]]:
    """The header fields (lower-case name, value) up to the first blank line; the body is the description."""
    fields: list[list[str]] = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line:
            break  # a whitespace-only line is a continuation; only an empty one ends the headers
        if len(line) > MAX_LINE:
            problems.add(f"line is too long ({len(line)} characters)", number)
            continue
        if line[0] in " \t":
            if fields:
                fields[-1][1] += "\n" + line.strip()
            else:
                problems.add("continuation line before any header", number)
            continue
        name, colon, value = line.partition(":")
        if not colon or not _HEADER_NAME.fullmatch(name):
            problems.add(f"not a metadata header: {clip(line)!r}", number)
            continue
        fields.append([name.lower(), value.strip()])
    return [(name, value) for name, value in fields]


def _first(fields: list[tuple[str, str]], key: str) -> str:
    for name, value in fields:
        if name == key:
            return value
    return ""


def _metadata_licenses(fields: list[tuple[str, str]]) -> tuple[str, ...]:
    expression = _first(fields, "license-expression")
    if expression:
        return (expression,)
    declared = _first(fields, "license")
    if declared.upper() not in _UNKNOWN_LICENSES and "\n" not in declared and len(declared) <= 200:
        return (declared,)  # a longer or multi-line License field is the licence text, not its name
    found: list[str] = []
    for name, value in fields:
        if name == "classifier":
            parts = [part.strip() for part in value.split("::")]
            if len(parts) > 1 and parts[0] == "License" and parts[-1] and parts[-1] != "OSI Approved":
                found.append(parts[-1])
    return tuple(dict.fromkeys(found))


def _requires(fields: list[tuple[str, str]]) -> str:
    names: list[str] = []
    for name, value in fields:
        if name != "requires-dist":
            continue
        requirement, _, marker = value.partition(";")
        match = _REQUIREMENT_NAME.match(requirement)
        if match and not _EXTRA_MARKER.search(marker):
            names.append(normalise(match.group(1)))
    return ", ".join(dict.fromkeys(names))


def _core_metadata(path: str, data: bytes, found_by: str) -> AnalysisResult:
    text, bad = _text(path, data)
    if text is None:
        return bad or failed(path, "unreadable")
    problems = Problems(path)
    fields = _headers(text, problems)
    name, version = _first(fields, "name"), _first(fields, "version")
    if not name or not version:
        problems.add("no Name and Version headers: not a distribution's metadata", always=True)
        return AnalysisResult(diagnostics=problems.done())
    requires = _requires(fields)
    package = Package(
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        purl=_purl(name, version),
        locations=(Location(path),),
        found_by=found_by,
        licenses=_metadata_licenses(fields),
        metadata={"requires": requires} if requires else {},
    )
    return AnalysisResult(packages=(package,), diagnostics=problems.done())


@never_raises
def parse_dist_info(path: str, data: bytes) -> AnalysisResult:
    """``*.dist-info/METADATA`` of an installed wheel."""
    return _core_metadata(path, data, DIST_INFO)


@never_raises
def parse_egg_info(path: str, data: bytes) -> AnalysisResult:
    """``*.egg-info/PKG-INFO`` or a bare ``*.egg-info`` file (same format)."""
    return _core_metadata(path, data, EGG_INFO)


# --- requirements.txt -------------------------------------------------------------------------------

_COMMENT = re.compile(r"(^|\s+)#.*$")
_COMMENT_LINE = re.compile(r"^\s*#")
_OPTION = re.compile(r"\s--?[A-Za-z]")
_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\[\]]*)\])?\s*(?P<spec>.*)"
)
_SPECIFIER = re.compile(r"(?P<op>~=|===|==|!=|<=|>=|<|>)\s*(?P<version>[^\s,;()]+)")
_VERSION_CHARS = re.compile(r"[A-Za-z0-9.*+!_-]+")
_NOT_INDEX = ("./", "../", "/", "git+", "hg+", "svn+", "bzr+", "file:")


def _pinned(spec: str) -> tuple[str | None, str | None]:
    """``(version, None)`` for a pin, ``(None, None)`` for an unpinned requirement, ``(None, error)``."""
    spec = spec.strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1].strip()
    if not spec:
        return None, None
    pins: list[str] = []
    for item in spec.split(","):
        match = _SPECIFIER.fullmatch(item.strip())
        if not match:
            return None, f"invalid version specifier {clip(item.strip())!r}"
        op, version = match.group("op"), match.group("version")
        if op != "===" and not _VERSION_CHARS.fullmatch(version):
            return None, f"invalid version {clip(version)!r}"
        if op in ("==", "===") and "*" not in version:
            pins.append(version)
    return (pins[0], None) if len(pins) == 1 else (None, None)


def _requirement(path: str, text: str, number: int, problems: Problems) -> Package | None:
    line = _COMMENT.sub("", text).strip()
    if not line or line.startswith("-"):
        return None  # blank, comment, or an option line (-r/-c includes are not followed, -e, --index-url...)
    if "${" in line:
        return None  # an environment variable pip expands at install time: no version to read here
    option = _OPTION.search(line)
    if option:
        line = line[: option.start()]  # per-requirement options: --hash=..., --config-settings ...
    requirement, _, marker = line.partition(";")
    requirement = requirement.strip()
    if "://" in requirement or requirement.startswith(_NOT_INDEX):
        return None  # URL, VCS or local path: no version from an index
    match = _REQUIREMENT.fullmatch(requirement)
    if not match:
        problems.add(f"not a requirement: {clip(requirement)!r}", number)
        return None
    spec = match.group("spec")
    if spec.startswith("@"):
        return None  # PEP 508 direct reference ``name @ url``
    version, error = _pinned(spec)
    if error:
        problems.add(error, number)
        return None
    if version is None:
        return None
    name = match.group("name")
    metadata: dict[str, str] = {}
    extras = ",".join(part.strip() for part in (match.group("extras") or "").split(",") if part.strip())
    if extras:
        metadata["extras"] = extras
    if marker.strip():
        metadata["markers"] = marker.strip()
    return Package(
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        purl=_purl(name, version),
        locations=(Location(path, line=number),),
        found_by=REQUIREMENTS,
        metadata=metadata,
    )


@never_raises
def parse_requirements(path: str, data: bytes) -> AnalysisResult:
    """A pip requirements file: one package per pinned requirement, located at its (first) line."""
    text, bad = _text(path, data)
    if text is None:
        return bad or failed(path, "unreadable")
    problems = Problems(path)
    packages: list[Package] = []
    pending: list[str] = []
    start = 0

    def finish() -> None:
        package = _requirement(path, " ".join(pending), start, problems)
        if package is not None:
            packages.append(package)
        pending.clear()

    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if len(line) > MAX_LINE:
            problems.add(f"line is too long ({len(line)} characters)", number)
            pending.clear()
            continue
        if not pending:
            start = number
        if line.endswith("\\") and not _COMMENT_LINE.match(line):
            pending.append(line[:-1])
            continue
        pending.append(line)
        finish()
    if pending:
        finish()
    return AnalysisResult(packages=tuple(packages), diagnostics=problems.done())


# --- poetry.lock ------------------------------------------------------------------------------------


def _table_entries(doc: dict[str, Any], problems: Problems) -> list[tuple[int, dict[str, Any]]]:
    """The ``[[package]]`` tables of a TOML lockfile, with their 1-based index."""
    raw = doc.get("package", [])
    if not isinstance(raw, list):
        problems.add("'package' is not an array of tables")
        return []
    entries: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(raw, 1):
        if isinstance(entry, dict):
            entries.append((index, entry))
        else:
            problems.add(f"package #{index} is not a table")
    return entries


def _name_version(entry: dict[str, Any]) -> tuple[str, str]:
    name, version = entry.get("name"), entry.get("version")
    return (name if isinstance(name, str) else "", version if isinstance(version, str) else "")


@never_raises
def parse_poetry_lock(path: str, data: bytes) -> AnalysisResult:
    """``poetry.lock``: packages, dependency edges by name, dev from ``category`` or ``groups``."""
    doc, bad = _load_toml(path, data)
    if doc is None:
        return bad or failed(path, "unreadable")
    if "package" not in doc and "metadata" not in doc:
        return failed(path, "not a poetry lockfile: no [[package]] or [metadata]")
    problems = Problems(path)
    kept: list[tuple[str, str, dict[str, Any]]] = []
    for index, entry in _table_entries(doc, problems):
        name, version = _name_version(entry)
        if not name or not version:
            problems.add(f"package #{index} has no name or version")
            continue
        kept.append((name, version, entry))
    ids = unique_ids(_purl(name, version) for name, version, _ in kept)
    by_name: dict[str, list[str]] = {}
    for (name, _, _), package_id in zip(kept, ids, strict=True):
        by_name.setdefault(normalise(name), []).append(package_id)
    packages: list[Package] = []
    for (name, version, entry), package_id in zip(kept, ids, strict=True):
        depends: list[str] = []
        dependencies = entry.get("dependencies", {})
        if isinstance(dependencies, dict):
            for dependency in dependencies:
                depends.extend(i for i in by_name.get(normalise(str(dependency)), ()) if i != package_id)
        else:
            problems.add(f"dependencies of {name} {version} are not a table")
        category, groups = entry.get("category"), entry.get("groups")
        if isinstance(category, str):
            dev = category == "dev"
        else:
            dev = isinstance(groups, list) and bool(groups) and "main" not in groups
        metadata: dict[str, str] = {}
        source = entry.get("source")
        if isinstance(source, dict) and isinstance(source.get("type"), str):
            metadata["source"] = source["type"]
        packages.append(
            Package(
                name=name,
                version=version,
                ecosystem=ECOSYSTEM,
                purl=_purl(name, version),
                locations=(Location(path),),
                found_by=POETRY,
                metadata=metadata,
                id=package_id,
                depends_on=tuple(dict.fromkeys(depends)),
                dev=dev,
            )
        )
    return AnalysisResult(packages=tuple(packages), diagnostics=problems.done())


# --- Pipfile.lock -----------------------------------------------------------------------------------


@never_raises
def parse_pipfile_lock(path: str, data: bytes) -> AnalysisResult:
    """``Pipfile.lock``: ``default`` and ``develop`` (dev) packages; VCS, path and editable entries skipped."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    if not isinstance(doc, dict):
        return failed(path, "not a Pipfile.lock: the top level is not an object")
    if not any(key in doc for key in ("_meta", "default", "develop")):
        return failed(path, "not a Pipfile.lock: no _meta, default or develop section")
    problems = Problems(path)
    packages: dict[tuple[str, str], Package] = {}
    for section, dev in (("default", False), ("develop", True)):
        entries = doc.get(section, {})
        if not isinstance(entries, dict):
            problems.add(f"{section!r} is not an object")
            continue
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                problems.add(f"{section}.{clip(name)} is not an object")
                continue
            version = entry.get("version")
            if version is None:
                continue  # git, path, file or editable requirement: no pinned version
            if not isinstance(version, str) or not version.startswith("=="):
                problems.add(f"{section}.{clip(name)}: version {clip(str(version))!r} is not a pin")
                continue
            version = version.lstrip("=").strip()
            key = (normalise(name), version)
            if not version or key in packages:
                continue  # in both sections: reported once, as a runtime package
            markers = entry.get("markers")
            packages[key] = Package(
                name=name,
                version=version,
                ecosystem=ECOSYSTEM,
                purl=_purl(name, version),
                locations=(Location(path),),
                found_by=PIPENV,
                metadata={"markers": markers} if isinstance(markers, str) and markers else {},
                dev=dev,
            )
    return AnalysisResult(packages=tuple(packages.values()), diagnostics=problems.done())


# --- uv.lock ----------------------------------------------------------------------------------------


def _uv_local(entry: dict[str, Any]) -> tuple[bool, bool]:
    """(is a workspace member, is the project's root) from the ``source`` table."""
    source = entry.get("source")
    if not isinstance(source, dict):
        return False, False
    for kind in ("editable", "virtual"):
        if kind in source:
            return True, source[kind] == "."
    return False, False


def _uv_dependency_lists(entry: dict[str, Any], key: str) -> list[Any]:
    value = entry.get(key)
    if isinstance(value, list):
        return value
    if isinstance(value, dict):  # optional-dependencies / dev-dependencies: group -> list
        return [item for group in value.values() if isinstance(group, list) for item in group]
    return []


@never_raises
def parse_uv_lock(path: str, data: bytes) -> AnalysisResult:
    """``uv.lock``: packages with edges; the root project is left out, dev packages derived from the graph."""
    doc, bad = _load_toml(path, data)
    if doc is None:
        return bad or failed(path, "unreadable")
    if "package" not in doc and "version" not in doc:
        return failed(path, "not a uv lockfile: no version or [[package]]")
    problems = Problems(path)
    entries: list[dict[str, Any]] = []
    names: list[str] = []
    for index, entry in _table_entries(doc, problems):
        name, version = _name_version(entry)
        local, _ = _uv_local(entry)
        if not name or (not version and not local):
            problems.add(f"package #{index} has no name or version")
            continue
        entries.append(entry)
        names.append(name)
    by_name: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        by_name.setdefault(normalise(name), []).append(position)

    def resolve(items: list[Any], owner: int) -> list[int]:
        found: list[int] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                problems.add(f"a dependency of {names[owner]} is not a table with a name")
                continue
            candidates = by_name.get(normalise(item["name"]), [])
            if "version" in item:
                candidates = [c for c in candidates if entries[c].get("version") == item["version"]]
            if "source" in item:
                candidates = [c for c in candidates if entries[c].get("source") == item["source"]]
            found.extend(c for c in candidates if c != owner)
        return found

    runtime_edges: list[list[int]] = []
    dev_edges: list[list[int]] = []
    for position, entry in enumerate(entries):
        runtime = resolve(_uv_dependency_lists(entry, "dependencies"), position)
        runtime += resolve(_uv_dependency_lists(entry, "optional-dependencies"), position)
        runtime_edges.append(runtime)
        dev_edges.append(resolve(_uv_dependency_lists(entry, "dev-dependencies"), position))

    local_flags = [_uv_local(entry) for entry in entries]
    members = [position for position, (local, _) in enumerate(local_flags) if local]
    runtime_reach = _reachable(members, runtime_edges)
    dev_seeds = [target for member in members for target in dev_edges[member]]
    dev_reach = _reachable(dev_seeds, runtime_edges)

    kept = [position for position, (_, root) in enumerate(local_flags) if not root and entries[position].get("version")]
    ids = dict(zip(kept, unique_ids(_purl(names[p], str(entries[p]["version"])) for p in kept), strict=True))
    packages: list[Package] = []
    for position in kept:
        entry = entries[position]
        version = str(entry["version"])
        depends = [ids[t] for t in runtime_edges[position] + dev_edges[position] if t in ids]
        metadata: dict[str, str] = {}
        source = entry.get("source")
        if isinstance(source, dict):
            kinds = [kind for kind in source if kind != "registry"]
            if kinds:
                metadata["source"] = str(kinds[0])
        packages.append(
            Package(
                name=names[position],
                version=version,
                ecosystem=ECOSYSTEM,
                purl=_purl(names[position], version),
                locations=(Location(path),),
                found_by=UV,
                metadata=metadata,
                id=ids[position],
                depends_on=tuple(dict.fromkeys(depends)),
                dev=position in dev_reach and position not in runtime_reach,
            )
        )
    return AnalysisResult(packages=tuple(packages), diagnostics=problems.done())


def _reachable(seeds: Iterable[int], edges: list[list[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(seeds)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges[node])
    return seen
