"""What the SBOM writers and the SBOM reader share: property names, SPDX licence expressions, image references,
unique identifiers and the dependency graph of a report.

Property names (CycloneDX ``properties``, SPDX package annotations ``"<name>: <value>"``) live in the
``stockade:`` namespace; they carry the fields neither format has a place for, so that an SBOM stockade wrote
reads back into the same packages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from stockade.model import Artifact, Package, purl

PREFIX = "stockade:"
# package fields
P_FOUND_BY = "stockade:package:found_by"
P_ECOSYSTEM = "stockade:package:ecosystem"
P_NAME = "stockade:package:name"
P_SOURCE_NAME = "stockade:package:source_name"
P_SOURCE_VERSION = "stockade:package:source_version"
P_ARCH = "stockade:package:arch"
P_DEV = "stockade:package:dev"
P_LICENSE = "stockade:package:license"  # written only when the format's own licence field would not read back
P_LAYER_INDEX = "stockade:layer:index"
P_LAYER_DIGEST = "stockade:layer:digest"
P_LAYER_DIFF_ID = "stockade:layer:diff_id"
P_LAYER_CREATED_BY = "stockade:layer:created_by"
P_METADATA = "stockade:metadata:"  # + key
P_LOCATION = "stockade:location:"  # + "<n>:path" / "<n>:line" (SPDX only; CycloneDX has evidence.occurrences)
# the scanned artifact
P_ARTIFACT_KIND = "stockade:artifact:kind"
P_REPO_TAG = "stockade:image:repo_tag"
P_REPO_DIGEST = "stockade:image:repo_digest"
P_CONFIG_DIGEST = "stockade:image:config_digest"
P_IMAGE_OS = "stockade:image:os"
P_IMAGE_ARCH = "stockade:image:architecture"
P_IMAGE_VARIANT = "stockade:image:variant"
P_IMAGE_LAYER = "stockade:image:layer:"  # + "<index>:digest" / ":diff_id" / ":created_by"
# the operating system
P_OS_CODENAME = "stockade:os:codename"
P_OS_NAME = "stockade:os:name"
P_OS_DISTROLESS = "stockade:os:distroless"
P_OS_EOSL = "stockade:os:eosl"

ARTIFACT_KINDS = frozenset({"image", "rootfs", "filesystem", "sbom"})
OS_ECOSYSTEMS = frozenset({"deb", "apk", "rpm", "alpm"})

Properties = list[tuple[str, str]]


def utc_now() -> str:
    """The current time as an RFC 3339 UTC timestamp with seconds, e.g. ``2024-05-01T12:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_hash(*parts: object) -> str:
    text = "\x00".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()[:12]


# --- properties shared by both writers -------------------------------------------------------------


def package_properties(pkg: Package) -> Properties:
    """The stockade properties of a package (not its name, licences or locations: those are per format)."""
    props: Properties = [(P_ECOSYSTEM, pkg.ecosystem)]
    if pkg.found_by:
        props.append((P_FOUND_BY, pkg.found_by))
    if pkg.source_name:
        props.append((P_SOURCE_NAME, pkg.source_name))
    if pkg.source_version:
        props.append((P_SOURCE_VERSION, pkg.source_version))
    if pkg.arch:
        props.append((P_ARCH, pkg.arch))
    if pkg.dev:
        props.append((P_DEV, "true"))
    if pkg.layer is not None:
        props.append((P_LAYER_INDEX, str(pkg.layer.index)))
        if pkg.layer.digest:
            props.append((P_LAYER_DIGEST, pkg.layer.digest))
        if pkg.layer.diff_id:
            props.append((P_LAYER_DIFF_ID, pkg.layer.diff_id))
        if pkg.layer.created_by:
            props.append((P_LAYER_CREATED_BY, pkg.layer.created_by))
    for key in sorted(pkg.metadata):
        value = pkg.metadata[key]
        if isinstance(key, str) and isinstance(value, str):
            props.append((P_METADATA + key, value))
    return props


def artifact_properties(artifact: Artifact) -> Properties:
    props: Properties = [(P_ARTIFACT_KIND, artifact.kind)]
    props.extend((P_REPO_TAG, tag) for tag in artifact.repo_tags)
    props.extend((P_REPO_DIGEST, digest) for digest in artifact.repo_digests)
    if artifact.config_digest:
        props.append((P_CONFIG_DIGEST, artifact.config_digest))
    config = artifact.config
    if config is not None:
        for name, value in ((P_IMAGE_OS, config.os), (P_IMAGE_ARCH, config.architecture),
                            (P_IMAGE_VARIANT, config.variant)):
            if value:
                props.append((name, value))
    for layer in artifact.layers:
        base = f"{P_IMAGE_LAYER}{layer.index}:"
        for field, value in (("digest", layer.digest), ("diff_id", layer.diff_id), ("created_by", layer.created_by)):
            if value:
                props.append((base + field, value))
    return props


def os_properties(artifact: Artifact) -> Properties:
    os_info = artifact.os
    if os_info is None:
        return []
    props: Properties = []
    if os_info.codename:
        props.append((P_OS_CODENAME, os_info.codename))
    if os_info.name:
        props.append((P_OS_NAME, os_info.name))
    if os_info.distroless:
        props.append((P_OS_DISTROLESS, "true"))
    if os_info.eosl:
        props.append((P_OS_EOSL, "true"))
    return props


# --- names -----------------------------------------------------------------------------------------

_GROUPED = frozenset({"maven", "npm", "composer", "golang"})


def split_name(pkg: Package, namespace: str) -> tuple[str, str]:
    """``(group, name)`` as CycloneDX (and Trivy) write them: the namespace of maven, scoped npm, composer
    and golang packages goes to ``group``. ``namespace`` is the purl's, used when the name does not carry it."""
    name = pkg.name
    eco = pkg.ecosystem
    if eco not in _GROUPED:
        return "", name
    if eco == "maven":
        group, colon, artifact = name.rpartition(":")
        if colon and group and artifact:
            return group, artifact
        return namespace, name
    if eco == "npm":
        if name.startswith("@") and "/" in name:
            scope, _, rest = name.partition("/")
            if rest:
                return scope, rest
        return "", name
    if eco == "composer":
        vendor, slash, rest = name.partition("/")
        return (vendor, rest) if slash and vendor and rest else (namespace, name)
    group, slash, rest = name.rpartition("/")  # golang: the module path without its last element
    return (group, rest) if slash and group and rest else (namespace, name)


def join_name(ecosystem: str, group: str, name: str) -> str:
    """The package name back from CycloneDX ``group`` and ``name`` (inverse of :func:`split_name`)."""
    if not group or name.startswith((group + "/", group + ":")):
        return name
    return f"{group}:{name}" if ecosystem == "maven" else f"{group}/{name}"


_SPDX_ID_CHARS = re.compile(r"[^A-Za-z0-9.-]+")
_DASHES = re.compile(r"-{2,}")


def sanitise(text: str, limit: int = 80) -> str:
    """``text`` with only the characters SPDX identifiers allow (``[A-Za-z0-9.-]``), never empty."""
    clean = _SPDX_ID_CHARS.sub("-", text)
    clean = _DASHES.sub("-", clean).strip("-") or "unnamed"
    if len(clean) > limit:
        clean = clean[:limit].rstrip("-") + "-" + short_hash(text)
    return clean


def unique_names(bases: Sequence[str], keys: Sequence[str], sep: str, taken: Iterable[str] = ()) -> list[str]:
    """One unique name per item: its base when no other item (or ``taken``) has that base, else the base plus
    ``sep`` and a hash of the item's key, plus a counter if even that collides. Stable for the same input."""
    used = set(taken)
    counts: dict[str, int] = {}
    for base in bases:
        counts[base] = counts.get(base, 0) + 1
    out: list[str] = []
    for base, key in zip(bases, keys, strict=True):
        name = base if counts[base] == 1 and base not in used else f"{base}{sep}{short_hash(base, key)}"
        candidate, n = name, 2
        while candidate in used:
            candidate = f"{name}{sep}{n}"
            n += 1
        used.add(candidate)
        out.append(candidate)
    return out


def package_key(pkg: Package) -> str:
    """What tells two packages with the same name and version apart (a bom-ref / SPDX id disambiguator)."""
    loc = pkg.locations[0] if pkg.locations else None
    layer = pkg.layer
    return "\x00".join(
        (
            pkg.found_by,
            loc.path if loc else "",
            str(loc.line or "") if loc else "",
            str(layer.index) if layer else "",
            layer.digest if layer else "",
            pkg.id,
            pkg.arch,
        )
    )


# --- dependency graph ------------------------------------------------------------------------------


def dependency_graph(packages: Sequence[Package]) -> list[list[int]]:
    """For each package, the indexes of its direct dependencies.

    Package ids are unique within one analysed file, not necessarily within a report, so an id is looked up
    first among the packages of the same file (same analyzer, first location and layer) and only then in
    the whole report, where it must name exactly one package. Unresolvable edges and self-edges are dropped.
    """
    scoped: dict[tuple[str, str, int | None, str], int] = {}
    anywhere: dict[str, list[int]] = {}
    for i, pkg in enumerate(packages):
        if not pkg.id:
            continue
        scoped.setdefault((*_scope(pkg), pkg.id), i)
        anywhere.setdefault(pkg.id, []).append(i)
    graph: list[list[int]] = []
    for i, pkg in enumerate(packages):
        deps: dict[int, None] = {}
        scope = _scope(pkg)
        for dep in pkg.depends_on:
            target = scoped.get((*scope, dep))
            if target is None:
                candidates = anywhere.get(dep, [])
                target = candidates[0] if len(candidates) == 1 else None
            if target is not None and target != i:
                deps[target] = None
        graph.append(list(deps))
    return graph


def _scope(pkg: Package) -> tuple[str, str, int | None]:
    return (
        pkg.found_by,
        pkg.locations[0].path if pkg.locations else "",
        pkg.layer.index if pkg.layer is not None else None,
    )


def roots(graph: Sequence[Sequence[int]]) -> list[int]:
    """Packages nothing depends on, plus one member of each cycle no root reaches (so all are reachable)."""
    has_parent = [False] * len(graph)
    for deps in graph:
        for d in deps:
            has_parent[d] = True
    top = [i for i, parent in enumerate(has_parent) if not parent]
    seen = [False] * len(graph)
    stack = list(top)
    for i in top:
        seen[i] = True
    while True:
        while stack:
            for d in graph[stack.pop()]:
                if not seen[d]:
                    seen[d] = True
                    stack.append(d)
        unreached = next((i for i, s in enumerate(seen) if not s), None)
        if unreached is None:
            return top
        top.append(unreached)
        seen[unreached] = True
        stack.append(unreached)


# --- image references and the oci purl -------------------------------------------------------------

_REPOSITORY = re.compile(r"[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*")
_DOMAIN = re.compile(r"(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+:[0-9]+|"
                     r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+:[0-9]+)")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}")


def parse_reference(ref: str) -> tuple[str, str, str] | None:
    """``(repository, tag, digest)`` of an image reference, the repository with its registry
    (``alpine:3.19`` -> ``docker.io/library/alpine``, ``3.19``); None when ``ref`` is not a reference."""
    name, at, digest = ref.strip().partition("@")
    if at and not _DIGEST.fullmatch(digest):
        return None
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
        if not _TAG.fullmatch(tag):
            return None
    first, sep, rest = name.partition("/")
    if sep and _DOMAIN.fullmatch(first):
        domain, path = first.lower(), rest
    else:
        domain, path = "docker.io", name
    if domain in ("index.docker.io", "registry-1.docker.io"):
        domain = "docker.io"
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if not _REPOSITORY.fullmatch(path):
        return None
    return f"{domain}/{path}", tag, digest


def image_digest(artifact: Artifact) -> str:
    """The image's manifest digest: the artifact's own, else the one of its first repo digest."""
    if artifact.digest:
        return artifact.digest
    for ref in artifact.repo_digests:
        parsed = parse_reference(ref)
        if parsed is not None and parsed[2]:
            return parsed[2]
    return ""


def oci_purl(artifact: Artifact) -> str:
    """``pkg:oci/<name>@<digest>?arch=..&repository_url=..&tag=..`` for an image whose digest is known."""
    if artifact.kind != "image":
        return ""
    digest = image_digest(artifact)
    if not digest:
        return ""
    parsed = None
    name = "" if artifact.name.endswith((".tar", ".tar.gz", ".tgz")) else artifact.name  # an archive, not a ref
    for ref in (*artifact.repo_digests, *artifact.repo_tags, name):
        parsed = parse_reference(ref)
        if parsed is not None:
            break
    if parsed is None:
        return ""
    repository, _, _ = parsed
    tag = next((p[1] for p in map(parse_reference, (*artifact.repo_tags, name)) if p and p[1]), "")
    qualifiers = {"repository_url": repository, "tag": tag}
    if artifact.config is not None and artifact.config.architecture:
        qualifiers["arch"] = artifact.config.architecture
    try:
        return purl.build("oci", repository.rpartition("/")[2], version=digest, qualifiers=qualifiers)
    except purl.PurlError:
        return ""


# --- SPDX licence expressions ----------------------------------------------------------------------

# A selection of the SPDX License List (licences that are common in OS and language packages) and of its
# exceptions. An identifier not listed here is written as a licence name / LicenseRef, never as an SPDX id.
_LICENSE_IDS = (
    "0BSD", "AFL-1.1", "AFL-1.2", "AFL-2.0", "AFL-2.1", "AFL-3.0", "AGPL-1.0", "AGPL-1.0-only", "AGPL-1.0-or-later",
    "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "AML", "Apache-1.0", "Apache-1.1", "Apache-2.0", "APSL-1.0",
    "APSL-1.1", "APSL-1.2", "APSL-2.0", "Artistic-1.0", "Artistic-1.0-cl8", "Artistic-1.0-Perl", "Artistic-2.0",
    "Beerware", "BitTorrent-1.0", "BitTorrent-1.1", "blessing", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause",
    "BSD-2-Clause-Patent", "BSD-2-Clause-Views", "BSD-3-Clause", "BSD-3-Clause-Attribution", "BSD-3-Clause-Clear",
    "BSD-3-Clause-HP", "BSD-3-Clause-LBNL", "BSD-3-Clause-Modification", "BSD-3-Clause-No-Nuclear-License",
    "BSD-3-Clause-Open-MPI", "BSD-4-Clause", "BSD-4-Clause-UC", "BSD-Source-Code", "BSD-Systemics", "BSL-1.0",
    "BUSL-1.1", "bzip2-1.0.5", "bzip2-1.0.6", "CAL-1.0", "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0",
    "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-SA-2.0", "CC-BY-SA-2.5", "CC-BY-SA-3.0",
    "CC-BY-SA-4.0", "CC-PDDC", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "CDLA-Permissive-1.0", "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0", "CECILL-2.0", "CECILL-2.1", "CECILL-B", "CECILL-C", "ClArtistic", "CNRI-Python",
    "Condor-1.1", "CPAL-1.0", "CPL-1.0", "curl", "ECL-1.0", "ECL-2.0", "EFL-1.0", "EFL-2.0", "Elastic-2.0",
    "EPL-1.0", "EPL-2.0", "ErlPL-1.1", "EUDatagrid", "EUPL-1.0", "EUPL-1.1", "EUPL-1.2", "FSFAP", "FSFUL",
    "FSFULLR", "FTL", "GFDL-1.1", "GFDL-1.1-only", "GFDL-1.1-or-later", "GFDL-1.2", "GFDL-1.2-only",
    "GFDL-1.2-or-later", "GFDL-1.3", "GFDL-1.3-only", "GFDL-1.3-or-later", "GPL-1.0", "GPL-1.0+", "GPL-1.0-only",
    "GPL-1.0-or-later", "GPL-2.0", "GPL-2.0+", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0", "GPL-3.0+",
    "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "HPND-Markus-Kuhn", "HPND-sell-variant", "ICU", "IJG",
    "ImageMagick", "Imlib2", "Info-ZIP", "Intel", "IPA", "IPL-1.0", "ISC", "JasPer-2.0", "JSON", "LAL-1.2",
    "LAL-1.3", "Latex2e", "LGPL-2.0", "LGPL-2.0+", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1+",
    "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0", "LGPL-3.0+", "LGPL-3.0-only", "LGPL-3.0-or-later", "LGPLLR",
    "Libpng", "libpng-2.0", "libtiff", "LiLiQ-P-1.1", "Linux-OpenIB", "LPL-1.0", "LPL-1.02", "LPPL-1.0",
    "LPPL-1.3a", "LPPL-1.3c", "MirOS", "MIT", "MIT-0", "MIT-advertising", "MIT-CMU", "MIT-enna", "MIT-feh",
    "MIT-Modern-Variant", "MIT-open-group", "MIT-Wu", "MITNFA", "MPL-1.0", "MPL-1.1", "MPL-2.0", "MS-PL", "MS-RL",
    "MulanPSL-1.0", "MulanPSL-2.0", "NCSA", "Net-SNMP", "NIST-PD", "NLPL", "NPL-1.0", "NPL-1.1", "NTP", "OFL-1.0",
    "OFL-1.1", "OGL-UK-3.0", "OLDAP-2.0.1", "OLDAP-2.8", "OpenSSL", "OPL-1.0", "OSL-1.0", "OSL-1.1", "OSL-2.0",
    "OSL-2.1", "OSL-3.0", "PHP-3.0", "PHP-3.01", "Plexus", "PostgreSQL", "PSF-2.0", "Python-2.0", "Python-2.0.1",
    "Qhull", "QPL-1.0", "Ruby", "SAX-PD", "Sendmail", "Sendmail-8.23", "SGI-B-2.0", "SISSL", "Sleepycat", "SMLNJ",
    "Spencer-86", "Spencer-94", "Spencer-99", "SSPL-1.0", "TCL", "TCP-wrappers", "TU-Berlin-2.0", "UCL-1.0",
    "Unicode-3.0", "Unicode-DFS-2015", "Unicode-DFS-2016", "Unicode-TOU", "Unlicense", "UPL-1.0", "Vim", "W3C",
    "W3C-19980720", "W3C-20150513", "WTFPL", "X11", "X11-distribute-modifications-variant", "XFree86-1.1", "Xnet",
    "xpp", "Zed", "Zend-2.0", "Zlib", "zlib-acknowledgement", "ZPL-1.1", "ZPL-2.0", "ZPL-2.1",
)

_EXCEPTION_IDS = (
    "389-exception", "Autoconf-exception-2.0", "Autoconf-exception-3.0", "Bison-exception-2.2",
    "Bootloader-exception", "Classpath-exception-2.0", "CLISP-exception-2.0", "DigiRule-FOSS-exception",
    "eCos-exception-2.0", "Fawkes-Runtime-exception", "FLTK-exception", "Font-exception-2.0",
    "freertos-exception-2.0", "GCC-exception-2.0", "GCC-exception-3.1", "gnu-javamail-exception",
    "GPL-3.0-linking-exception", "GPL-3.0-linking-source-exception", "GPL-CC-1.0", "GStreamer-exception-2005",
    "GStreamer-exception-2008", "i2p-gpl-java-exception", "KiCad-libraries-exception", "LGPL-3.0-linking-exception",
    "Libtool-exception", "Linux-syscall-note", "LLVM-exception", "LZMA-exception", "mif-exception",
    "Nokia-Qt-exception-1.1", "OCaml-LGPL-linking-exception", "OCCT-exception-1.0",
    "OpenJDK-assembly-exception-1.0", "openvpn-openssl-exception", "PCRE2-exception",
    "PS-or-PDF-font-exception-20170817", "Qt-GPL-exception-1.0", "Qt-LGPL-exception-1.1", "Qwt-exception-1.0",
    "SHL-2.0", "SHL-2.1", "Swift-exception", "u-boot-exception-2.0", "Universal-FOSS-exception-1.0",
    "WxWindows-exception-3.1",
)

LICENSE_IDS = frozenset(_LICENSE_IDS)
EXCEPTION_IDS = frozenset(_EXCEPTION_IDS)
_LICENSE_BY_LOWER = {lid.lower(): lid for lid in _LICENSE_IDS}
_EXCEPTION_BY_LOWER = {eid.lower(): eid for eid in _EXCEPTION_IDS}
_LICENSE_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")
_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_MAX_TOKENS = 512
_MAX_PARENS = 32


def spdx_license_id(text: str) -> str | None:
    """The SPDX licence identifier ``text`` names (matched case-insensitively), in its canonical case."""
    return _LICENSE_BY_LOWER.get(text.strip().lower())


def canonical_expression(text: str, *, allow_refs: bool = True) -> str | None:
    """``text`` as a canonical SPDX licence expression (known ids in their canonical case, operators upper case,
    single spaces), or None when it is not one. ``allow_refs``: accept ``LicenseRef-`` identifiers."""
    tokens = _TOKEN.findall(text)
    if not tokens or len(tokens) > _MAX_TOKENS:
        return None
    parser = _ExpressionParser(tokens, allow_refs)
    return parser.parse()


class _ExpressionParser:
    """SPDX license-expression grammar (SPDX 2.3 annex D), recursive descent with bounded nesting.

    expression := and-expr ("OR" and-expr)* ; and-expr := term ("AND" term)* ;
    term := "(" expression ")" | simple ["WITH" exception] ; simple := id ["+"] | LicenseRef
    """

    def __init__(self, tokens: list[str], allow_refs: bool) -> None:
        self.tokens = tokens
        self.pos = 0
        self.allow_refs = allow_refs
        self.depth = 0

    def parse(self) -> str | None:
        out = self._expression()
        if out is None or self.pos != len(self.tokens):
            return None
        return out

    def _peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def _expression(self) -> str | None:
        parts = [self._and()]
        while self._peek() == "OR":
            self.pos += 1
            parts.append(self._and())
        if any(p is None for p in parts):
            return None
        return " OR ".join(p for p in parts if p is not None)

    def _and(self) -> str | None:
        parts = [self._term()]
        while self._peek() == "AND":
            self.pos += 1
            parts.append(self._term())
        if any(p is None for p in parts):
            return None
        return " AND ".join(p for p in parts if p is not None)

    def _term(self) -> str | None:
        token = self._peek()
        if token == "(":
            self.depth += 1
            if self.depth > _MAX_PARENS:
                return None
            self.pos += 1
            inner = self._expression()
            if inner is None or self._peek() != ")":
                return None
            self.pos += 1
            self.depth -= 1
            return f"({inner})"
        simple = self._simple(token)
        if simple is None:
            return None
        self.pos += 1
        if self._peek() == "WITH":
            self.pos += 1
            exception = _EXCEPTION_BY_LOWER.get(self._peek().lower())
            if exception is None:
                return None
            self.pos += 1
            return f"{simple} WITH {exception}"
        return simple

    def _simple(self, token: str) -> str | None:
        if token in ("", "(", ")", "AND", "OR", "WITH"):
            return None
        if _LICENSE_REF.fullmatch(token):
            return token if self.allow_refs else None
        plus = token.endswith("+")
        lid = _LICENSE_BY_LOWER.get(token[:-1].lower() if plus else token.lower())
        if lid is None:
            return None
        if plus:
            if lid.endswith(("-only", "-or-later", "+")):
                return None
            return lid + "+"
        return lid


def is_compound(expression: str) -> bool:
    return " " in expression
