"""Pure parsers for Java: pom.properties, JAR manifests, archive file names and Maven pom.xml files.

A Maven package is named ``groupId:artifactId`` (the name vulnerability databases use), or the bare
artifactId when the group is unknown, with purl ``pkg:maven/<groupId>/<artifactId>@<version>``.
"""

from __future__ import annotations

import dataclasses
import re
import xml.parsers.expat
from dataclasses import dataclass, field

from stockade.analyzers._base import AnalysisResult, Problems, failed
from stockade.model import DiagnosticLevel, Location, Package
from stockade.model import purl as purls

ECOSYSTEM = "maven"
MAX_FIELD = 1024
MAX_XML_DEPTH = 100
MAX_XML_ELEMENTS = 200_000
MAX_XML_TEXT = 64 * 1024  # characters kept per element
MAX_PROPERTY_ROUNDS = 10


def maven_package(group: str, artifact: str, version: str, location: str, found_by: str, *,
                  licenses: tuple[str, ...] = (), metadata: dict[str, str] | None = None,
                  qualifiers: dict[str, str] | None = None, line: int | None = None, dev: bool = False) -> Package:
    purl = purls.build(ECOSYSTEM, artifact, namespace=group, version=version, qualifiers=qualifiers)
    name = f"{group}:{artifact}" if group else artifact
    return Package(name, version, ECOSYSTEM, purl, (Location(location, line=line),), found_by, metadata or {},
                   licenses=licenses, dev=dev)


def _valid(value: str) -> bool:
    return 0 < len(value) <= MAX_FIELD and not any(c.isspace() or c in "/\\" for c in value)


# --- pom.properties ---------------------------------------------------------------------------------

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u" and i + 6 <= n and all(h in "0123456789abcdefABCDEF" for h in text[i + 2 : i + 6]):
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


def parse_properties(text: str) -> dict[str, str]:
    """A Java ``.properties`` file (``key=value``, ``key: value``, ``key value``, continuation lines)."""
    props: dict[str, str] = {}
    logical: list[str] = []
    for raw in text.splitlines():
        line = raw.lstrip(" \t\f")
        if not logical and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            logical.append(line[:-1])
            continue
        logical.append(line)
        entry = "".join(logical)
        logical = []
        i, n = 0, len(entry)
        while i < n and entry[i] not in "=: \t\f":
            i += 2 if entry[i] == "\\" else 1
        key = entry[:i]
        while i < n and entry[i] in " \t\f":
            i += 1
        if i < n and entry[i] in "=:":
            i += 1
        while i < n and entry[i] in " \t\f":
            i += 1
        props[_unescape(key)] = _unescape(entry[i:])
    return props


def package_from_pom_properties(text: str, location: str, found_by: str) -> Package | str:
    """The package a ``META-INF/maven/<group>/<artifact>/pom.properties`` names, or why there is none."""
    props = parse_properties(text)
    group = props.get("groupId", "").strip()
    artifact = props.get("artifactId", "").strip()
    version = props.get("version", "").strip()
    if not (_valid(group) and _valid(artifact) and version and len(version) <= MAX_FIELD):
        return "pom.properties without a valid groupId, artifactId and version"
    return maven_package(group, artifact, version, location, found_by, metadata={"evidence": "pom.properties"})


# --- MANIFEST.MF -------------------------------------------------------------------------------------


def parse_manifest(text: str) -> dict[str, str]:
    """The main section of a JAR manifest, names in lower case (they are case-insensitive).

    Lines are at most 72 bytes; a line starting with one space continues the previous one; the main
    section ends at the first empty line.
    """
    attrs: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if attrs:
                break
            continue
        if line.startswith(" "):
            if last:
                attrs[last] += line[1:]
            continue
        name, sep, value = line.partition(":")
        if not sep:
            last = ""
            continue
        last = name.strip().lower()
        attrs[last] = value[1:] if value.startswith(" ") else value
    return {k: v.strip() for k, v in attrs.items()}


def split_bundle_license(value: str) -> tuple[str, ...]:
    """``Bundle-License``: a comma-separated list of licences, each maybe with ``;attribute=...`` parts."""
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for c in value:
        if c == '"':
            quoted = not quoted
        if c == "," and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    out.append("".join(current))
    licenses = []
    for item in out:
        head = item.split(";", 1)[0].strip().strip('"').strip()
        if head and len(head) <= MAX_FIELD and head not in licenses:
            licenses.append(head)
    return tuple(licenses)


_VERSION_START = re.compile(r"\d")


def split_filename(filename: str) -> tuple[str, str]:
    """``commons-lang3-3.12.0.jar`` -> (``commons-lang3``, ``3.12.0``); the version starts at the last
    ``-`` followed by a digit (``log4j-1.2-api-2.17.1`` -> ``log4j-1.2-api``, ``2.17.1``)."""
    stem = filename.rpartition("/")[2]
    stem = stem.rpartition(".")[0] if "." in stem else stem
    parts = stem.split("-")
    for i in range(len(parts) - 1, 0, -1):
        if _VERSION_START.match(parts[i]):
            return "-".join(parts[:i]), "-".join(parts[i:])
    return stem, ""


def _symbolic_name(value: str) -> str:
    return value.split(";", 1)[0].strip()


def package_from_manifest(attrs: dict[str, str], filename: str, location: str, found_by: str) -> Package | None:
    """The archive's own package from its manifest and file name (when it has no pom.properties).

    Version: Implementation-Version, Bundle-Version, Specification-Version, then the file name's version.
    artifactId: the file name's, else a one-word Implementation-Title, else the last part of the
    Bundle-SymbolicName. groupId: Implementation-Vendor-Id, else the Bundle-SymbolicName without its
    ``.<artifactId>`` suffix when it has one; otherwise unknown.
    """
    file_artifact, file_version = split_filename(filename)
    manifest_version = (attrs.get("implementation-version") or attrs.get("bundle-version")
                        or attrs.get("specification-version") or "")
    version = manifest_version or file_version
    evidence = "MANIFEST.MF" if manifest_version else "file name"
    symbolic = _symbolic_name(attrs.get("bundle-symbolicname", ""))
    title = attrs.get("implementation-title", "")
    artifact = file_artifact if file_version or not _valid(title) else title
    if not _valid(artifact):
        artifact = symbolic.rpartition(".")[2] if symbolic else ""
    if not (_valid(artifact) and version and len(version) <= MAX_FIELD):
        return None
    group = attrs.get("implementation-vendor-id", "")
    if not (_valid(group) and "." in group):
        group = symbolic[: -len(artifact) - 1] if symbolic.endswith("." + artifact) else ""
    if group and not _valid(group):
        group = ""
    licenses = split_bundle_license(attrs.get("bundle-license", ""))
    return maven_package(group, artifact, version, location, found_by, licenses=licenses,
                         metadata={"evidence": evidence})


# --- pom.xml ---------------------------------------------------------------------------------------------


class XmlError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(slots=True)
class Node:
    tag: str
    line: int
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def child(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str) -> str:
        node = self.child(tag)
        return node.text.strip() if node is not None else ""


def _declares_doctype(data: bytes) -> bool:
    """Whether the document has a DOCTYPE or ENTITY declaration (looked for in its UTF-16/32 text too)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return True
    if b"\x00" in data[:4] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
            text = data.decode(encoding, errors="replace")
            if "<!DOCTYPE" in text or "<!ENTITY" in text:
                return True
    return False


def parse_xml(data: bytes) -> Node:
    """A small element tree of an XML document (namespace prefixes dropped), with line numbers.

    Documents with a DOCTYPE or an ENTITY declaration are refused before parsing (no entity expansion,
    no external resources), and the expat handlers refuse them again; depth and element count are bounded.
    """
    if _declares_doctype(data):
        raise XmlError("XML with a DOCTYPE or ENTITY declaration is not accepted")
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    stack: list[Node] = []
    texts: list[list[str]] = []
    roots: list[Node] = []
    count = 0

    def refuse(*_args: object) -> None:
        raise XmlError("XML with a DOCTYPE or ENTITY declaration is not accepted", parser.CurrentLineNumber)

    def refuse_external(*_args: object) -> int:
        raise XmlError("XML with an external entity is not accepted", parser.CurrentLineNumber)

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_XML_ELEMENTS:
            raise XmlError(f"more than {MAX_XML_ELEMENTS} XML elements", parser.CurrentLineNumber)
        if len(stack) >= MAX_XML_DEPTH:
            raise XmlError(f"XML nested deeper than {MAX_XML_DEPTH} elements", parser.CurrentLineNumber)
        node = Node(name.rpartition(":")[2], parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)
        texts.append([])

    def end(_name: str) -> None:
        node = stack.pop()
        node.text = "".join(texts.pop())[:MAX_XML_TEXT]

    def chars(data: str) -> None:
        if texts and sum(map(len, texts[-1])) < MAX_XML_TEXT:
            texts[-1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_external
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise XmlError(f"invalid XML: {xml.parsers.expat.ErrorString(exc.code)}", exc.lineno) from None
    if not roots:
        raise XmlError("no XML element")
    return roots[0]


_PROPERTY = re.compile(r"\$\{([^}]{1,200})\}")


class _Properties:
    def __init__(self, project: Node) -> None:
        parent = project.child("parent")
        self.values: dict[str, str] = {}
        props = project.child("properties")
        if props is not None:
            for prop in props.children:
                self.values[prop.tag] = prop.text.strip()
        coords = {"groupId": project.value("groupId"), "artifactId": project.value("artifactId"),
                  "version": project.value("version")}
        if parent is not None:
            for key in ("groupId", "artifactId", "version"):
                value = parent.value(key)
                for prefix in ("project.parent.", "parent.", "pom.parent."):
                    self.values.setdefault(prefix + key, value)
            coords["groupId"] = coords["groupId"] or parent.value("groupId")
            coords["version"] = coords["version"] or parent.value("version")
        for key, value in coords.items():
            for prefix in ("project.", "pom.", ""):
                self.values.setdefault(prefix + key, value)

    def resolve(self, text: str) -> str:
        """``text`` with ``${...}`` references replaced from this POM; unresolvable ones stay."""
        for _ in range(MAX_PROPERTY_ROUNDS):
            if "${" not in text:
                break
            new = _PROPERTY.sub(lambda m: self.values.get(m.group(1)) or m.group(0), text)
            if new == text:
                break
            text = new[: MAX_FIELD * 4]
        return text


def parse_pom(path: str, data: bytes, found_by: str) -> AnalysisResult:
    """The dependencies a pom.xml declares, with versions resolved from this file only.

    ``${...}`` references resolve from ``<properties>``, the project's and its parent's coordinates; a
    dependency without a version takes it from ``<dependencyManagement>`` in the same file. Parent POMs
    and imported BOMs are not fetched: dependencies whose version comes from them are skipped with an
    informational diagnostic. Scope ``test`` makes a dev dependency; ``<profiles>`` and plugins are not
    read; the project itself is not reported.
    """
    try:
        root = parse_xml(data)
    except XmlError as exc:
        return failed(path, str(exc), line=exc.line)
    if root.tag != "project":
        return failed(path, f"not a Maven POM (root element {root.tag[:60]!r})", line=root.line)
    problems = Problems(path)
    props = _Properties(root)

    managed: dict[tuple[str, str], tuple[str, str]] = {}
    management = root.child("dependencyManagement")
    deps_node = management.child("dependencies") if management is not None else None
    for dep in deps_node.all("dependency") if deps_node is not None else []:
        key = (props.resolve(dep.value("groupId")), props.resolve(dep.value("artifactId")))
        managed.setdefault(key, (dep.value("version"), dep.value("scope")))

    packages: list[Package] = []
    seen: set[str] = set()
    deps_node = root.child("dependencies")
    for dep in deps_node.all("dependency") if deps_node is not None else []:
        group = props.resolve(dep.value("groupId"))
        artifact = props.resolve(dep.value("artifactId"))
        if not (_valid(group) and _valid(artifact)) or "${" in group + artifact:
            problems.add("dependency without a resolvable groupId and artifactId", dep.line)
            continue
        raw_version = dep.value("version")
        scope = dep.value("scope")
        if (group, artifact) in managed:
            managed_version, managed_scope = managed[(group, artifact)]
            raw_version = raw_version or managed_version
            scope = scope or managed_scope
        if not raw_version:
            problems.add(f"the version of {group}:{artifact} is not declared in this file (a parent POM or an "
                         "imported BOM manages it)", dep.line, level=DiagnosticLevel.INFO)
            continue
        version = props.resolve(raw_version)
        if "${" in version:
            problems.add(f"the version {raw_version[:200]} of {group}:{artifact} cannot be resolved from this file",
                         dep.line, level=DiagnosticLevel.INFO)
            continue
        if version[:1] in "[(" or len(version) > MAX_FIELD:
            problems.add(f"the version of {group}:{artifact} is a range or invalid: {version[:200]}", dep.line)
            continue
        metadata: dict[str, str] = {}
        scope = props.resolve(scope)
        if scope and scope != "compile":
            metadata["scope"] = scope[:40]
        if dep.value("optional") == "true":
            metadata["optional"] = "true"
        qualifiers = {"classifier": props.resolve(dep.value("classifier"))[:100]}
        dep_type = dep.value("type")
        if dep_type and dep_type != "jar":
            qualifiers["type"] = dep_type[:40]
        try:
            pkg = maven_package(group, artifact, version, path, found_by, metadata=metadata, qualifiers=qualifiers,
                                line=dep.line, dev=scope == "test")
        except purls.PurlError as exc:
            problems.add(str(exc), dep.line)
            continue
        pid, n = pkg.purl, 1
        while pid in seen:
            n += 1
            pid = f"{pkg.purl}|{n}"
        seen.add(pid)
        packages.append(dataclasses.replace(pkg, id=pid))
    return AnalysisResult(tuple(packages), problems.done())
