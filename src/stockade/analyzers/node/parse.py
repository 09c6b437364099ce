"""Node.js package metadata and lockfiles, parsed without I/O: ``(path, bytes)`` in, packages and diagnostics out.

* ``node_modules/**/package.json`` (installed): ``name``, ``version`` and the licence (``license`` string or
  legacy ``{"type": ...}`` object, or the legacy ``licenses`` array). A package.json without a name or a
  version is not an installed package (test fixtures and sub-folder manifests ship inside packages) and is
  skipped silently; one whose name or version is not a string gets a diagnostic.
* ``package-lock.json`` / ``npm-shrinkwrap.json``: v1 (nested ``dependencies`` with ``requires`` resolved
  the way Node resolves modules, innermost scope first) and v2/v3 (``packages`` keyed by install path; the
  root ``""`` is the project itself and skipped; ``link: true`` entries take name and version from the
  folder they link to; edges follow Node's lookup up the ``node_modules`` chain). ``dev: true`` marks dev
  packages; ``devOptional`` does not, as such a package is installed in production as an optional one.
* ``yarn.lock``: classic v1 (its own line format; a malformed line is reported at its line number and
  skipped) and berry v2+ (YAML with ``__metadata``; ``workspace:``/``link:``/``portal:`` entries are the
  project's own folders and not reported; ``patch:`` entries stand for the package they patch).
* ``pnpm-lock.yaml``: lockfile v5 (``/name/1.2.3_peer@1`` keys), v6 (``/name@1.2.3(peer@1)``) and v9
  (``packages`` + ``snapshots`` keyed ``name@1.2.3(peer@1)``); ``dev`` flags in v5/v6, and in v9 dev is
  derived from the importers' ``devDependencies`` through the snapshot graph.

In lockfiles a package is identified by its purl (one package per name and version, whatever the number of
copies in the tree); ``depends_on`` lists the ids of resolved direct dependencies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stockade.analyzers._base import (
    EMPTY,
    AnalysisResult,
    Problems,
    clip,
    decode,
    failed,
    load_json,
    load_yaml,
    never_raises,
)
from stockade.model import Location, Package
from stockade.model import purl as purls

PACKAGE_JSON = "node-pkg"
NPM_LOCK = "npm-lock"
YARN_LOCK = "yarn-lock"
PNPM_LOCK = "pnpm-lock"

ECOSYSTEM = "npm"
MAX_LINE = 64 * 1024
MAX_INSTALL_PATH = 4096  # longest package-lock "packages" key considered (a file system path)


# --- common pieces ----------------------------------------------------------------------------------


def npm_purl(name: str, version: str) -> str:
    """``pkg:npm/%40scope/name@1.0.0``; "" for a name that cannot be one."""
    namespace, base = "", name
    if name.startswith("@"):
        namespace, slash, base = name.partition("/")
        if not slash or not base:
            return ""
    try:
        return purls.build(ECOSYSTEM, base, namespace=namespace, version=version)
    except purls.PurlError:
        return ""


def _license_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return _license_names(value["type"])
    if isinstance(value, list):
        return [name for item in value for name in _license_names(item) if not isinstance(item, list)]
    return []


def licenses_of(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The declared licence: ``license`` (string or legacy object), else the legacy ``licenses`` array."""
    found = _license_names(manifest.get("license"))
    if not found:
        found = _license_names(manifest.get("licenses"))
    return tuple(dict.fromkeys(found))


@dataclass(slots=True)
class _Node:
    name: str
    version: str
    purl: str
    line: int | None = None
    dev: bool = False
    licenses: tuple[str, ...] = ()
    depends: dict[str, None] = field(default_factory=dict)


class _Graph:
    """Lockfile packages by purl: copies of one name and version merge (runtime wins over dev)."""

    def __init__(self, path: str, found_by: str, problems: Problems) -> None:
        self.path = path
        self.found_by = found_by
        self.problems = problems
        self.nodes: dict[str, _Node] = {}

    def add(self, name: str, version: str, *, line: int | None = None, dev: bool = False,
            licenses: tuple[str, ...] = ()) -> _Node | None:
        purl = npm_purl(name, version)
        if not purl:
            self.problems.add(f"invalid package name {clip(name)!r}", line)
            return None
        node = self.nodes.get(purl)
        if node is None:
            node = self.nodes[purl] = _Node(name, version, purl, line, dev, licenses)
        else:
            node.dev = node.dev and dev
            node.licenses = node.licenses or licenses
            if node.line is None:
                node.line = line
        return node

    def link(self, source: _Node, target_id: str | None) -> None:
        if target_id and target_id != source.purl:
            source.depends[target_id] = None

    def result(self) -> AnalysisResult:
        packages = tuple(
            Package(
                name=node.name,
                version=node.version,
                ecosystem=ECOSYSTEM,
                purl=node.purl,
                locations=(Location(self.path, line=node.line),),
                found_by=self.found_by,
                licenses=node.licenses,
                id=node.purl,
                depends_on=tuple(node.depends),
                dev=node.dev,
            )
            for node in self.nodes.values()
        )
        return AnalysisResult(packages=packages, diagnostics=self.problems.done())


def _reachable(seeds: Iterable[str], nodes: dict[str, _Node]) -> set[str]:
    seen: set[str] = set()
    stack = list(seeds)
    while stack:
        current = stack.pop()
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        stack.extend(nodes[current].depends)
    return seen


def _split_spec(spec: str) -> tuple[str, str]:
    """``@scope/name@range`` -> (``@scope/name``, ``range``); the range may itself contain ``@``."""
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1 :])


# --- installed: node_modules/**/package.json ----------------------------------------------------------


@never_raises
def parse_package_json(path: str, data: bytes) -> AnalysisResult:
    """The package.json of an installed package."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    if not isinstance(doc, dict):
        return failed(path, "package.json is not a JSON object")
    name, version = doc.get("name"), doc.get("version")
    if name is None or version is None:
        return EMPTY  # not an installed package (a fixture or a folder manifest inside one)
    if not isinstance(name, str) or not isinstance(version, str):
        return failed(path, "package.json name and version must be strings")
    if not name or not version:
        return EMPTY
    purl = npm_purl(name, version)
    if not purl:
        return failed(path, f"invalid package name {clip(name)!r}")
    package = Package(
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        purl=purl,
        locations=(Location(path),),
        found_by=PACKAGE_JSON,
        licenses=licenses_of(doc),
    )
    return AnalysisResult(packages=(package,))


# --- package-lock.json ------------------------------------------------------------------------------

_DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


def _resolve_install_path(packages: dict[str, Any], base: str, name: str) -> str | None:
    """Where Node finds ``name`` required from the package installed at ``base``."""
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def _lock_packages(graph: _Graph, packages: dict[str, Any]) -> None:
    """lockfileVersion 2 and 3: the flat ``packages`` map."""
    problems = graph.problems
    ids: dict[str, str] = {}
    plan: list[tuple[_Node, str, dict[str, Any]]] = []
    for key, entry in packages.items():
        if key == "" or "node_modules/" not in key:
            continue  # the project itself, or a workspace folder (reported through the link to it)
        if len(key) > MAX_INSTALL_PATH or key.count("node_modules/") > 200:
            problems.add(f"install path too long: {clip(key)!r}")
            continue
        if not isinstance(entry, dict):
            problems.add(f"packages[{clip(key)!r}] is not an object")
            continue
        base, manifest = key, entry
        if entry.get("link") is True:
            resolved = entry.get("resolved")
            target = packages.get(resolved) if isinstance(resolved, str) else None
            if not isinstance(target, dict):
                continue  # a link to a folder the lockfile does not describe
            base, manifest = str(resolved), target
        declared = manifest.get("name")
        name = declared if isinstance(declared, str) and declared else key.rpartition("node_modules/")[2]
        version = manifest.get("version")
        if not isinstance(version, str) or not version:
            problems.add(f"packages[{clip(key)!r}] has no version")
            continue
        dev = entry.get("dev") is True or (manifest is not entry and manifest.get("dev") is True)
        node = graph.add(name, version, dev=dev, licenses=licenses_of(manifest))
        if node is not None:
            ids[key] = node.purl
            plan.append((node, base, manifest))
    for node, base, manifest in plan:
        for kind in _DEPENDENCY_FIELDS:
            wanted = manifest.get(kind)
            if wanted is None:
                continue
            if not isinstance(wanted, dict):
                problems.add(f"{kind} of {node.name}@{node.version} is not an object")
                continue
            for dependency in wanted:
                found = _resolve_install_path(packages, base, dependency)
                graph.link(node, ids.get(found) if found else None)


def _lock_dependencies(graph: _Graph, dependencies: dict[str, Any]) -> None:
    """lockfileVersion 1: nested ``dependencies``; ``requires`` resolve innermost scope first."""
    problems = graph.problems
    ids: dict[int, str] = {}  # id() of an entry object -> its package id
    plan: list[tuple[_Node, dict[str, Any], tuple[dict[str, Any], ...]]] = []
    stack: list[tuple[dict[str, Any], tuple[dict[str, Any], ...]]] = [(dependencies, ())]
    while stack:
        current, outer = stack.pop()
        scope = (*outer, current)
        for name, entry in current.items():
            if not isinstance(entry, dict):
                problems.add(f"dependencies[{clip(name)!r}] is not an object")
                continue
            version = entry.get("version")
            if not isinstance(version, str) or not version:
                problems.add(f"dependencies[{clip(name)!r}] has no version")
                continue
            if version.startswith(("file:", "link:")):
                continue  # a local folder or tarball of the project
            real_name = name
            if version.startswith("npm:"):  # an alias: "string-width-cjs": {"version": "npm:string-width@4.2.3"}
                real_name, version = _split_spec(version[4:])
            node = graph.add(real_name, version, dev=entry.get("dev") is True)
            nested = entry.get("dependencies")
            inner = scope
            if isinstance(nested, dict):
                inner = (*scope, nested)
                stack.append((nested, scope))
            elif nested is not None:
                problems.add(f"dependencies of {clip(name)} are not an object")
            if node is not None:
                ids[id(entry)] = node.purl
                plan.append((node, entry, inner))
    for node, entry, scope in plan:
        requires = entry.get("requires")
        if requires is None:
            continue
        if not isinstance(requires, dict):
            problems.add(f"requires of {node.name}@{node.version} is not an object")
            continue
        for dependency in requires:
            for level in reversed(scope):
                target = level.get(dependency)
                if target is not None:
                    graph.link(node, ids.get(id(target)))
                    break


@never_raises
def parse_package_lock(path: str, data: bytes) -> AnalysisResult:
    """``package-lock.json`` or ``npm-shrinkwrap.json``, any lockfileVersion."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    if not isinstance(doc, dict):
        return failed(path, "package-lock.json is not a JSON object")
    graph = _Graph(path, NPM_LOCK, Problems(path))
    packages, dependencies = doc.get("packages"), doc.get("dependencies")
    if packages is not None:
        if not isinstance(packages, dict):
            return failed(path, "'packages' is not an object")
        _lock_packages(graph, packages)
    elif dependencies is not None:
        if not isinstance(dependencies, dict):
            return failed(path, "'dependencies' is not an object")
        _lock_dependencies(graph, dependencies)
    elif "lockfileVersion" not in doc:
        return failed(path, "not a package-lock.json: no lockfileVersion, packages or dependencies")
    return graph.result()


# --- yarn.lock (classic v1) ---------------------------------------------------------------------------


def _yarn_token(text: str, start: int) -> tuple[str, int] | None:
    """A quoted (JSON-style escapes) or bare token at ``start``: (value, end), None when unterminated."""
    if start < len(text) and text[start] == '"':
        out: list[str] = []
        index = start + 1
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                out.append(text[index + 1])
                index += 2
            elif char == '"':
                return "".join(out), index + 1
            else:
                out.append(char)
                index += 1
        return None
    end = start
    while end < len(text) and text[end] not in " ,":
        end += 1
    return text[start:end], end


def _yarn_header(text: str) -> list[str] | None:
    """``"a@^1", a@~1.2`` (the header without its colon) -> the specifiers."""
    specs: list[str] = []
    index = 0
    while index < len(text):
        while index < len(text) and text[index] == " ":
            index += 1
        token = _yarn_token(text, index)
        if token is None or not token[0]:
            return None
        specs.append(token[0])
        index = token[1]
        while index < len(text) and text[index] == " ":
            index += 1
        if index < len(text):
            if text[index] != ",":
                return None
            index += 1
    return specs or None


def _yarn_pair(text: str) -> tuple[str, str | None] | None:
    """``key value`` -> (key, value); ``key:`` -> (key, None) for a block; None when malformed."""
    token = _yarn_token(text, 0)
    if token is None or not token[0]:
        return None
    key, end = token
    rest = text[end:].strip()
    if not rest:
        if key.endswith(":") and text[0] != '"':
            return key[:-1], None
        return None
    if rest == ":":
        return key, None
    if rest.startswith('"'):
        value = _yarn_token(rest, 0)
        if value is None or rest[value[1] :].strip():
            return None
        return key, value[0]
    return key, rest


@dataclass(slots=True)
class _YarnEntry:
    specs: list[str]
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, dict[str, str]] = field(default_factory=dict)


def _yarn_classic(graph: _Graph, text: str) -> None:
    problems = graph.problems
    entries: list[_YarnEntry] = []
    current: _YarnEntry | None = None
    block: dict[str, str] | None = None
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) > MAX_LINE:
            problems.add(f"line is too long ({len(line)} characters)", number)
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line[indent:]
        if indent == 0:
            block = None
            specs = _yarn_header(body[:-1]) if body.endswith(":") else None
            if specs is None:
                problems.add(f"malformed package header: {clip(body)!r}", number)
                current = None
                continue
            current = _YarnEntry(specs, number)
            entries.append(current)
        elif indent == 2:
            block = None
            pair = _yarn_pair(body)
            if current is None or pair is None:
                what = "field outside a package entry" if current is None else "malformed field"
                problems.add(f"{what}: {clip(body)!r}", number)
                continue
            key, value = pair
            if value is None:
                block = current.blocks.setdefault(key, {})
            else:
                current.fields[key] = value
        elif indent == 4:
            pair = _yarn_pair(body)
            if block is None or pair is None or pair[1] is None:
                what = "value outside a block" if block is None else "malformed dependency"
                problems.add(f"{what}: {clip(body)!r}", number)
                continue
            block[pair[0]] = pair[1]
        else:
            problems.add(f"unexpected indentation of {indent} spaces", number)

    by_spec: dict[str, str] = {}
    plan: list[tuple[_Node, _YarnEntry]] = []
    for entry in entries:
        version = entry.fields.get("version")
        if not version:
            problems.add(f"entry {clip(entry.specs[0])!r} has no version", entry.line)
            continue
        name, spec_range = _split_spec(entry.specs[0])
        if spec_range.startswith("npm:"):  # an alias: "string-width-cjs@npm:string-width@^4.2.0"
            name = _split_spec(spec_range[4:])[0]
        node = graph.add(name, version, line=entry.line)
        if node is None:
            continue
        for spec in entry.specs:
            by_spec[spec] = node.purl
        plan.append((node, entry))
    for node, entry in plan:
        for kind in ("dependencies", "optionalDependencies"):
            for dependency, wanted in entry.blocks.get(kind, {}).items():
                graph.link(node, by_spec.get(f"{dependency}@{wanted}"))


# --- YAML (yarn berry, pnpm) --------------------------------------------------------------------------


def _load_yaml(path: str, text: str) -> tuple[Any, AnalysisResult | None]:
    """The last document of a YAML stream (pnpm may write an env document before the project's)."""
    documents, bad = load_yaml(path, text)
    return (documents[-1] if documents else None), bad


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key


def _key_lines(text: str, section: str | None, indent: int) -> dict[str, int]:
    """Line numbers of the mapping keys at ``indent`` (inside top-level ``section`` when given)."""
    lines: dict[str, int] = {}
    inside = section is None
    prefix = " " * indent
    for number, line in enumerate(text.split("\n"), 1):
        if line and line[0] not in " #":
            inside = section is None or line.rstrip().rstrip(":") == section
            if indent:
                continue
        if not inside or not line.startswith(prefix) or line[indent : indent + 1] in (" ", "#", ""):
            continue
        body = line[indent:].rstrip()
        key = body[:-1] if body.endswith(":") else body.partition(": ")[0]
        lines.setdefault(_unquote(key), number)
    return lines


# --- yarn.lock (berry, v2+) ---------------------------------------------------------------------------

_PROTOCOL = re.compile(r"[a-z][a-z0-9+.-]*:")
_LOCAL_PROTOCOLS = ("workspace:", "link:", "portal:")


def _yarn_berry(graph: _Graph, text: str, doc: Any) -> None:
    problems = graph.problems
    if not isinstance(doc, dict):
        problems.add("yarn.lock is not a YAML mapping")
        return
    lines = _key_lines(text, None, 0)
    by_descriptor: dict[str, str] = {}
    plan: list[tuple[_Node, dict[str, Any]]] = []
    patches: list[tuple[list[str], str, str]] = []
    for key, entry in doc.items():
        if key == "__metadata":
            continue
        line = lines.get(str(key))
        if not isinstance(key, str) or not isinstance(entry, dict):
            problems.add(f"entry {clip(str(key))!r} is not a mapping", line)
            continue
        resolution = entry.get("resolution")
        if not isinstance(resolution, str) or "@" not in resolution[1:]:
            problems.add(f"entry {clip(key)!r} has no resolution", line)
            continue
        name, reference = _split_spec(resolution)
        descriptors = [part.strip() for part in key.split(",") if part.strip()]
        if reference.startswith(_LOCAL_PROTOCOLS):
            continue  # the project's own workspaces and linked folders
        raw_version = entry.get("version")
        version = reference[4:] if reference.startswith("npm:") else str(raw_version or "")
        if reference.startswith("patch:"):
            patches.append((descriptors, name, version))
            continue
        if not version:
            problems.add(f"entry {clip(key)!r} has no version", line)
            continue
        node = graph.add(name, version, line=line)
        if node is None:
            continue
        for descriptor in descriptors:
            by_descriptor[descriptor] = node.purl
        plan.append((node, entry))
    for descriptors, name, version in patches:
        target = graph.nodes.get(npm_purl(name, version))
        if target is not None:  # a patched package stands for the package it patches
            for descriptor in descriptors:
                by_descriptor[descriptor] = target.purl
    budget = len(text) + 1000  # every edge costs text, unless YAML aliases repeat one mapping
    for node, entry in plan:
        dependencies = entry.get("dependencies")
        if dependencies is None:
            continue
        if not isinstance(dependencies, dict):
            problems.add(f"dependencies of {node.name}@{node.version} are not a mapping", node.line)
            continue
        budget -= len(dependencies)
        if budget < 0:
            problems.add("more dependency edges than the file can hold: YAML aliases? the rest are skipped")
            return
        for dependency, wanted in dependencies.items():
            wanted_text = str(wanted)
            descriptor = (f"{dependency}@{wanted_text}" if _PROTOCOL.match(wanted_text)
                          else f"{dependency}@npm:{wanted_text}")
            graph.link(node, by_descriptor.get(descriptor))


@never_raises
def parse_yarn_lock(path: str, data: bytes) -> AnalysisResult:
    """``yarn.lock``: classic (v1) or berry (v2+, YAML), told apart by berry's ``__metadata`` entry."""
    if b"\x00" in data:
        return failed(path, "not a text file (it contains NUL bytes)")
    text = decode(data)
    if not text.strip():
        return failed(path, "empty yarn.lock")
    graph = _Graph(path, YARN_LOCK, Problems(path))
    if text.startswith("__metadata:") or "\n__metadata:" in text:
        doc, bad = _load_yaml(path, text)
        if bad is not None:
            return bad
        _yarn_berry(graph, text, doc)
    else:
        _yarn_classic(graph, text)
    return graph.result()


# --- pnpm-lock.yaml -----------------------------------------------------------------------------------


def _lockfile_major(value: Any) -> float:
    try:
        return float(str(value).strip("'\""))
    except ValueError:
        return 0.0


def _strip_peers(key: str, style: str) -> str:
    if style == "v5":
        head, slash, last = key.rpartition("/")
        return f"{head}{slash}{last.partition('_')[0]}"
    return key.partition("(")[0]


def _pnpm_name_version(key: str, style: str) -> tuple[str, str]:
    """``/@scope/name/1.0.0_peer`` (v5), ``/@scope/name@1.0.0(peer)`` (v6), ``@scope/name@1.0.0(peer)`` (v9)."""
    plain = _strip_peers(key, style)
    if style == "v5":
        name, _, version = plain.lstrip("/").rpartition("/")
        return name, version
    return _split_spec(plain.lstrip("/") if style == "v6" else plain)


def _pnpm_target(style: str, name: str, reference: str) -> str:
    """The packages/snapshots key a dependency ``name: reference`` points to."""
    if style == "v9":
        return reference if "@" in reference.partition("(")[0][1:] else f"{name}@{reference}"
    if reference.startswith("/"):
        return reference
    return f"/{name}/{reference}" if style == "v5" else f"/{name}@{reference}"


def _importer_references(importer: Any, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not isinstance(importer, dict):
        return out
    for kind in kinds:
        section = importer.get(kind)
        if not isinstance(section, dict):
            continue
        for name, value in section.items():
            reference = value.get("version") if isinstance(value, dict) else value
            if isinstance(reference, str | int | float):
                out.append((str(name), str(reference)))
    return out


@never_raises
def parse_pnpm_lock(path: str, data: bytes) -> AnalysisResult:
    """``pnpm-lock.yaml`` v5, v6 or v9."""
    if b"\x00" in data:
        return failed(path, "not a text file (it contains NUL bytes)")
    text = decode(data)
    doc, bad = _load_yaml(path, text)
    if bad is not None:
        return bad
    if not isinstance(doc, dict) or "lockfileVersion" not in doc:
        return failed(path, "not a pnpm lockfile: no lockfileVersion")
    problems = Problems(path)
    graph = _Graph(path, PNPM_LOCK, problems)
    major = _lockfile_major(doc.get("lockfileVersion"))
    snapshots = doc.get("snapshots")
    style = "v9" if major >= 7 or snapshots is not None else "v6" if major >= 6 else "v5"
    packages = doc.get("packages") or {}
    if not isinstance(packages, dict):
        return failed(path, "'packages' is not a mapping")
    if not isinstance(snapshots, dict):
        if snapshots is not None:
            problems.add("'snapshots' is not a mapping")
        snapshots = {}
    lines = _key_lines(text, "packages", 2)
    by_key: dict[str, str] = {}
    plan: list[tuple[_Node, dict[str, Any]]] = []

    def add(key: Any, entry: Any, *, graph_entry: bool) -> None:
        line = lines.get(str(key))
        if not isinstance(key, str) or not isinstance(entry, dict):
            problems.add(f"entry {clip(str(key))!r} is not a mapping", line)
            return
        name, version = _pnpm_name_version(key, style)
        if isinstance(entry.get("name"), str):
            name = entry["name"]
        if isinstance(entry.get("version"), str):
            version = entry["version"]
        if not name or not version:
            problems.add(f"cannot read a name and version from {clip(key)!r}", line)
            return
        if version.startswith(("link:", "file:")):
            return  # a folder of the project
        node = graph.add(name, version, line=line, dev=entry.get("dev") is True)
        if node is None:
            return
        by_key[key] = by_key[_strip_peers(key, style)] = node.purl
        if graph_entry:
            plan.append((node, entry))

    for key, entry in packages.items():
        add(key, entry, graph_entry=style != "v9")
    for key, entry in snapshots.items():
        add(key, entry, graph_entry=True)

    budget = len(text) + 1000  # every edge costs text, unless YAML aliases repeat one mapping
    for node, entry in plan:
        for kind in ("dependencies", "optionalDependencies"):
            dependencies = entry.get(kind)
            if dependencies is None:
                continue
            if not isinstance(dependencies, dict):
                problems.add(f"{kind} of {node.name}@{node.version} are not a mapping", node.line)
                continue
            budget -= len(dependencies)
            if budget < 0:
                problems.add("more dependency edges than the file can hold: YAML aliases? the rest are skipped")
                return graph.result()
            for dependency, reference in dependencies.items():
                target = _pnpm_target(style, str(dependency), str(reference))
                graph.link(node, by_key.get(target) or by_key.get(_strip_peers(target, style)))

    if style == "v9":  # no dev flags: dev = reachable only from the importers' devDependencies
        importers = doc.get("importers")
        importers = importers.values() if isinstance(importers, dict) else ()
        runtime: list[str] = []
        develop: list[str] = []
        for importer in importers:
            for bucket, kinds in ((runtime, ("dependencies", "optionalDependencies")), (develop, ("devDependencies",))):
                for name, reference in _importer_references(importer, kinds):
                    target = _pnpm_target(style, name, reference)
                    found = by_key.get(target) or by_key.get(_strip_peers(target, style))
                    if found:
                        bucket.append(found)
        runtime_reach = _reachable(runtime, graph.nodes)
        for purl in _reachable(develop, graph.nodes) - runtime_reach:
            graph.nodes[purl].dev = True
    return graph.result()
