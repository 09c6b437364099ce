"""Reading an SBOM (CycloneDX 1.2–1.6 JSON or SPDX 2.2/2.3 JSON) back into packages.

An SBOM stockade wrote carries ``stockade:`` properties (CycloneDX) or annotations (SPDX) and reads back
into the same packages: name, version, ecosystem, purl, licences, source package, layer, locations,
analyzer, architecture, metadata and dependency edges (re-keyed to new package ids). A foreign SBOM
(Syft, Trivy, ...) gives what its purls, versions and licences say, plus the few properties of those tools
that map onto stockade fields (Trivy's source package and layer, Syft's locations); the distribution comes
from the operating-system component or, failing that, from the ``distro`` qualifier of OS package purls.

Components or packages without a purl (and without stockade properties) are not packages stockade can
match, and are skipped: Trivy's per-lockfile ``application`` components, files, the artifact itself.

Bad input is normal input: :func:`read_sbom` never raises. Every problem is a diagnostic naming the SBOM
path and, in ``object_path``, the JSON pointer of the offending element; whatever could be read is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from stockade.formats import _sbom
from stockade.model import (
    Artifact,
    Diagnostic,
    DiagnosticLevel,
    ImageConfig,
    LayerRef,
    Location,
    OSInfo,
    Package,
    purl,
)

__all__ = ["MAX_COMPONENTS", "MAX_DEPTH", "MAX_DIAGNOSTICS", "SOURCE", "read_sbom"]

SOURCE = "sbom"
MAX_DEPTH = 32  # nesting of CycloneDX components
MAX_COMPONENTS = 1_000_000
MAX_DIAGNOSTICS = 100

CYCLONEDX_VERSIONS = frozenset({"1.2", "1.3", "1.4", "1.5", "1.6"})
SPDX_VERSIONS = frozenset({"SPDX-2.2", "SPDX-2.3"})

_TRIVY = "aquasecurity:trivy:"
_SYFT_LOCATION = re.compile(r"syft:location:(\d{1,9}):(path|layerID)")
_STOCKADE_LOCATION = re.compile(re.escape(_sbom.P_LOCATION) + r"(\d{1,9}):(path|line)")
_STOCKADE_LAYER = re.compile(re.escape(_sbom.P_IMAGE_LAYER) + r"(\d{1,9}):(digest|diff_id|created_by)")
_BUILT_FROM = re.compile(r"built package from: (\S+)(?: (\S+))?")
_LICENSE_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")
_NO_LICENSE = frozenset({"", "NOASSERTION", "NONE"})
_FAMILY = {"redhat": "rhel", "amzn": "amazon", "ol": "oracle"}
# SPDX purposes of a described package that is the scanned thing rather than a package in it.
_ARTIFACT_PURPOSES = frozenset({"CONTAINER", "FILE", "OTHER", "SOURCE", "ARCHIVE", "INSTALL", "DEVICE", "FIRMWARE"})

JsonObject = dict[str, Any]
Props = dict[str, list[str]]


def read_sbom(data: bytes, path: str) -> tuple[list[Package], Artifact | None, list[Diagnostic]]:
    """The packages and the described artifact of a CycloneDX or SPDX JSON document, and its problems."""
    diags = _Diagnostics(path)
    try:
        packages, artifact = _read(data, path, diags)
    except RecursionError:
        diags.error("", "the SBOM is nested too deeply to read")
        packages, artifact = [], None
    except Exception as exc:  # a reader bug must cost this SBOM, not the scan
        diags.error("", f"cannot read the SBOM ({type(exc).__name__}: {str(exc)[:200]})")
        packages, artifact = [], None
    return packages, artifact, diags.finish()


def _read(data: bytes, path: str, diags: _Diagnostics) -> tuple[list[Package], Artifact | None]:
    doc, error = _load_json(data)
    if error is not None:
        diags.error("", error)
        return [], None
    if not isinstance(doc, dict):
        diags.error("", f"the SBOM is {_kind(doc)} in JSON, not an object: neither CycloneDX nor SPDX")
        return [], None
    if "bomFormat" in doc:
        if doc["bomFormat"] != "CycloneDX":
            diags.error("/bomFormat", f"bomFormat is {_show(doc['bomFormat'])}, not \"CycloneDX\"")
            return [], None
        return _CycloneDx(diags, path).read(doc)
    if "spdxVersion" in doc:
        return _Spdx(diags, path).read(doc)
    if "@context" in doc:
        diags.error("", "SPDX 3 / JSON-LD documents are not supported (only SPDX 2.2 and 2.3 JSON)")
        return [], None
    diags.error("", "the JSON document is neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)")
    return [], None


def _load_json(data: bytes) -> tuple[Any, str | None]:
    import orjson

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        return None, "the SBOM is empty"
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc}"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"


# --- diagnostics and typed access -----------------------------------------------------------------


class _Diagnostics:
    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[Diagnostic] = []
        self.dropped = 0

    def add(self, pointer: str, message: str, level: DiagnosticLevel = DiagnosticLevel.WARNING) -> None:
        if len(self.items) >= MAX_DIAGNOSTICS:
            self.dropped += 1
            return
        text = f"{pointer}: {message}" if pointer else message
        self.items.append(Diagnostic(Location(self.path, object_path=pointer), SOURCE, level, text))

    def error(self, pointer: str, message: str) -> None:
        self.add(pointer, message, DiagnosticLevel.ERROR)

    def info(self, pointer: str, message: str) -> None:
        self.add(pointer, message, DiagnosticLevel.INFO)

    def finish(self) -> list[Diagnostic]:
        if self.dropped:
            self.items.append(
                Diagnostic(Location(self.path), SOURCE, DiagnosticLevel.WARNING,
                           f"{self.dropped} more problems in this SBOM are not shown")
            )
            self.dropped = 0
        return self.items


def _ptr(base: str, key: str | int) -> str:
    """The JSON pointer (RFC 6901) of ``key`` under ``base``."""
    if isinstance(key, int):
        return f"{base}/{key}"
    return f"{base}/" + key.replace("~", "~0").replace("/", "~1")


def _kind(value: Any) -> str:
    """The JSON type of ``value`` with its article: "a string", "an array", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _kind(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class _Reader:
    diags: _Diagnostics
    path: str

    def string(self, obj: JsonObject, key: str, base: str) -> str:
        """``obj[key]`` when it is a string; "" when missing or null; a diagnostic for any other type."""
        value = obj.get(key)
        if value is None or isinstance(value, str):
            return value or ""
        self.diags.add(_ptr(base, key), f"{key} is {_kind(value)}, not a string")
        return ""

    def array(self, obj: JsonObject, key: str, base: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.diags.add(_ptr(base, key), f"{key} is {_kind(value)}, not an array")
        return []

    def object(self, obj: JsonObject, key: str, base: str) -> JsonObject | None:
        value = obj.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.diags.add(_ptr(base, key), f"{key} is {_kind(value)}, not an object")
        return None

    def objects(self, items: list[Any], base: str, what: str) -> Iterator[tuple[JsonObject, str]]:
        for i, item in enumerate(items):
            pointer = _ptr(base, i)
            if isinstance(item, dict):
                yield item, pointer
            else:
                self.diags.add(pointer, f"{what} is {_kind(item)}, not an object")

    def parse_purl(self, text: str, pointer: str) -> purl.PackageURL | None:
        if not text:
            return None
        try:
            return purl.parse(text)
        except purl.PurlError as exc:
            self.diags.add(pointer, f"invalid purl: {exc}")
            return None


# --- building packages (shared by both formats) ---------------------------------------------------


@dataclass
class _Found:
    """A package as read, before ids and dependency edges are assigned."""

    ref: str
    package: Package
    pointer: str


@dataclass
class _Fields:
    name: str
    version: str
    purl_text: str
    parsed: purl.PackageURL | None
    group: str = ""
    licenses: list[str] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    source_hint: tuple[str, str] = ("", "")


def _first(props: Props, key: str) -> str:
    values = props.get(key)
    return values[0] if values else ""


def _is_stockade(props: Props) -> bool:
    return any(key.startswith(_sbom.PREFIX) for key in props)


def _build_package(
    reader: _Reader, fields: _Fields, props: Props, layers: tuple[LayerRef, ...], pointer: str
) -> Package | None:
    """The package of a component / SPDX package, or None when it names no ecosystem (no purl)."""
    parsed = fields.parsed
    ecosystem = _first(props, _sbom.P_ECOSYSTEM) or (parsed.type if parsed else "")
    if not ecosystem:
        return None
    stockade = _is_stockade(props)
    if _sbom.P_NAME in props:
        name = _first(props, _sbom.P_NAME)
    elif stockade:
        name = _sbom.join_name(ecosystem, fields.group, fields.name)
    else:
        namespace = fields.group or (parsed.namespace if parsed and ecosystem in ("maven", "npm", "composer",
                                                                               "golang") else "")
        name = _sbom.join_name(ecosystem, namespace, fields.name)
    source_name = _first(props, _sbom.P_SOURCE_NAME)
    source_version = _first(props, _sbom.P_SOURCE_VERSION)
    if not stockade and not source_name:
        if _TRIVY + "SrcName" in props:
            source_name, source_version = _trivy_source(props)
        elif fields.source_hint[0]:
            source_name, source_version = fields.source_hint
        elif parsed is not None:
            source_name, source_version = _upstream(parsed)
            if source_name and not source_version and parsed.type in ("deb", "apk"):
                source_version = fields.version or parsed.version  # no version: the binary package's own
    licenses = props.get(_sbom.P_LICENSE) or fields.licenses
    metadata = {key[len(_sbom.P_METADATA):]: values[0] for key, values in props.items()
                if key.startswith(_sbom.P_METADATA) and values}
    return Package(
        name=name,
        version=fields.version or (parsed.version if parsed else ""),
        ecosystem=ecosystem,
        purl=fields.purl_text if parsed is not None else "",
        locations=tuple(fields.locations) or _foreign_locations(props),
        found_by=_first(props, _sbom.P_FOUND_BY),
        metadata=metadata,
        source_name=source_name,
        source_version=source_version,
        licenses=tuple(licenses),
        arch=_first(props, _sbom.P_ARCH) or (parsed.qualifiers.get("arch", "") if parsed and not stockade else ""),
        layer=_layer(reader, props, layers, pointer),
        dev=_first(props, _sbom.P_DEV) == "true",
    )


def _trivy_source(props: Props) -> tuple[str, str]:
    name = _first(props, _TRIVY + "SrcName")
    version = _first(props, _TRIVY + "SrcVersion")
    release = _first(props, _TRIVY + "SrcRelease")
    epoch = _first(props, _TRIVY + "SrcEpoch")
    if version and release:
        version = f"{version}-{release}"
    if version and epoch and epoch != "0":
        version = f"{epoch}:{version}"
    return name, version


def _upstream(parsed: purl.PackageURL) -> tuple[str, str]:
    """The source package a purl's ``upstream`` qualifier names (Syft): ``glibc`` or ``glibc@2.36-9`` for deb and
    apk, the source RPM file name (``openssl-3.0.7-24.el9.src.rpm``) for rpm."""
    upstream = parsed.qualifiers.get("upstream", "")
    if not upstream:
        return "", ""
    if parsed.type == "rpm" and upstream.endswith(".src.rpm"):
        nvr = upstream[: -len(".src.rpm")]
        name_version, dash, release = nvr.rpartition("-")
        name, dash2, version = name_version.rpartition("-")
        if dash and dash2 and name:
            return name, f"{version}-{release}"
        return nvr, ""
    name, _, version = upstream.partition("@")
    return name, version


def _foreign_locations(props: Props) -> tuple[Location, ...]:
    syft: dict[int, str] = {}
    for key, values in props.items():
        match = _SYFT_LOCATION.fullmatch(key)
        if match and match.group(2) == "path" and values:
            syft[int(match.group(1))] = values[0]
    if syft:
        return tuple(Location(syft[n]) for n in sorted(syft))
    return tuple(Location(p) for p in props.get(_TRIVY + "FilePath", []) if p)


def _layer(reader: _Reader, props: Props, layers: tuple[LayerRef, ...], pointer: str) -> LayerRef | None:
    digest = _first(props, _sbom.P_LAYER_DIGEST) or _first(props, _TRIVY + "LayerDigest")
    diff_id = _first(props, _sbom.P_LAYER_DIFF_ID) or _first(props, _TRIVY + "LayerDiffID") or _first(
        props, "syft:location:0:layerID")
    created_by = _first(props, _sbom.P_LAYER_CREATED_BY)
    index_text = _first(props, _sbom.P_LAYER_INDEX)
    if not (digest or diff_id or created_by or index_text):
        return None
    index = -1  # unknown position
    if index_text:
        try:
            index = int(index_text)
        except ValueError:
            reader.diags.add(pointer, f"{_sbom.P_LAYER_INDEX} is {index_text[:40]!r}, not a number")
    if index < 0:
        for layer in layers:
            if (digest and layer.digest == digest) or (diff_id and layer.diff_id == diff_id):
                index = layer.index
                break
    return LayerRef(index=index, digest=digest, diff_id=diff_id, created_by=created_by)


def _finish(found: list[_Found], edges: dict[str, list[str]], diags: _Diagnostics) -> list[Package]:
    """Packages with ids (the purl, or purl + "|" + a hash when two share it) and their dependency edges."""
    bases = [f.package.purl or f.ref or f"{f.package.ecosystem}:{f.package.name}@{f.package.version}" for f in found]
    ids = _sbom.unique_names(bases, [f"{f.ref}\x00{f.pointer}" for f in found], "|")
    by_ref: dict[str, int] = {}
    for i, f in enumerate(found):
        if not f.ref:
            continue
        if f.ref in by_ref:
            diags.add(f.pointer, f"duplicate reference {f.ref[:80]!r}; dependency edges go to the first one")
            continue
        by_ref[f.ref] = i
    packages: list[Package] = []
    for i, f in enumerate(found):
        deps: dict[str, None] = {}
        for target in edges.get(f.ref, []) if f.ref else []:
            j = by_ref.get(target)
            if j is not None and j != i:
                deps[ids[j]] = None
        packages.append(replace(f.package, id=ids[i], depends_on=tuple(deps)))
    return packages


def _os_from_purls(packages: list[Package]) -> OSInfo | None:
    """The distribution of the first OS package whose purl says it (``distro=debian-12``, ``distro=3.19.1``)."""
    for pkg in packages:
        if pkg.ecosystem not in _sbom.OS_ECOSYSTEMS or not pkg.purl:
            continue
        try:
            parsed = purl.parse(pkg.purl)
        except purl.PurlError:
            continue
        distro = parsed.qualifiers.get("distro", "")
        family = parsed.namespace.lower()
        if not distro:
            continue
        left, dash, right = distro.rpartition("-")
        if dash and left and not left[0].isdigit():
            family, version = left.lower(), right
        else:
            version = distro
        if family:
            return OSInfo(family=_FAMILY.get(family, family), version=version)
    return None


def _os_info(family: str, version: str, props: Props, description: str = "") -> OSInfo:
    return OSInfo(
        family=_FAMILY.get(family.lower(), family.lower()),
        version=version,
        codename=_first(props, _sbom.P_OS_CODENAME),
        name=_first(props, _sbom.P_OS_NAME) or description,
        distroless=_first(props, _sbom.P_OS_DISTROLESS) == "true",
        eosl=_first(props, _sbom.P_OS_EOSL) == "true",
    )


def _artifact(
    *, kind_hint: str, name: str, version: str, purl_text: str, props: Props, os_info: OSInfo | None
) -> Artifact:
    kind = _first(props, _sbom.P_ARTIFACT_KIND)
    if kind not in _sbom.ARTIFACT_KINDS:
        kind = kind_hint
    parsed = None
    if purl_text:
        try:
            parsed = purl.parse(purl_text)
        except purl.PurlError:
            parsed = None
    digest = ""
    if kind == "image":
        if ":" in version:
            digest = version
        elif parsed is not None and parsed.type == "oci":
            digest = parsed.version
    layers: dict[int, dict[str, str]] = {}
    for key, values in props.items():
        match = _STOCKADE_LAYER.fullmatch(key)
        if match and values:
            layers.setdefault(int(match.group(1)), {})[match.group(2)] = values[0]
    layer_refs = tuple(LayerRef(index=i, **layers[i]) for i in sorted(layers))
    if not layer_refs:
        layer_refs = tuple(LayerRef(index=i, diff_id=d) for i, d in enumerate(props.get(_TRIVY + "DiffID", [])))
    arch = _first(props, _sbom.P_IMAGE_ARCH) or (parsed.qualifiers.get("arch", "") if parsed else "")
    image_os = _first(props, _sbom.P_IMAGE_OS)
    variant = _first(props, _sbom.P_IMAGE_VARIANT)
    config = ImageConfig(os=image_os, architecture=arch, variant=variant) if (arch or image_os or variant) else None
    return Artifact(
        kind=kind,
        name=name,
        digest=digest,
        repo_tags=tuple(props.get(_sbom.P_REPO_TAG) or props.get(_TRIVY + "RepoTag", [])),
        repo_digests=tuple(props.get(_sbom.P_REPO_DIGEST) or props.get(_TRIVY + "RepoDigest", [])),
        os=os_info,
        config=config,
        layers=layer_refs,
        config_digest=_first(props, _sbom.P_CONFIG_DIGEST) or _first(props, _TRIVY + "ImageID"),
    )


# --- CycloneDX ------------------------------------------------------------------------------------


class _CycloneDx(_Reader):
    def read(self, doc: JsonObject) -> tuple[list[Package], Artifact | None]:
        spec = doc.get("specVersion")
        if not isinstance(spec, str):
            self.diags.add("/specVersion", "specVersion is missing or not a string; reading as CycloneDX 1.6")
        elif spec not in CYCLONEDX_VERSIONS:
            self.diags.info("/specVersion", f"CycloneDX {spec[:20]} is not a version stockade knows (1.2 to 1.6); "
                                            "reading it anyway")
        metadata = self.object(doc, "metadata", "") or {}
        root = self.object(metadata, "component", "/metadata")
        root_props = self.properties(root, "/metadata/component") if root is not None else {}
        layers = _artifact(kind_hint="image", name="", version="", purl_text="", props=root_props,
                           os_info=None).layers

        found: list[_Found] = []
        os_info: OSInfo | None = None
        skipped = 0
        for component, pointer in self.walk(doc, root):
            ctype = component.get("type")
            if ctype == "operating-system":
                if os_info is None:
                    os_info = self.operating_system(component, pointer)
                continue
            if ctype in ("container", "file", "operating-system", "device", "firmware", "data", "platform",
                         "machine-learning-model", "device-driver", "cryptographic-asset"):
                continue
            package = self.component(component, pointer, layers)
            if package is None:
                skipped += (ctype in ("library", "framework", None) and "purl" not in component
                            and isinstance(component.get("name"), str))
                continue
            ref = component.get("bom-ref")
            found.append(_Found(ref if isinstance(ref, str) else "", package, pointer))
        if skipped:
            self.diags.info("/components", f"{_count(skipped, 'library component')} without a purl skipped")

        packages = _finish(found, self.dependencies(doc), self.diags)
        if os_info is None and _sbom.P_ARTIFACT_KIND not in root_props:  # stockade says when there is no OS
            os_info = _os_from_purls(packages)
        artifact = None
        if root is not None:
            ctype = root.get("type")
            artifact = _artifact(
                kind_hint="image" if ctype == "container" else "filesystem",
                name=self.string(root, "name", "/metadata/component"),
                version=self.string(root, "version", "/metadata/component"),
                purl_text=self.string(root, "purl", "/metadata/component"),
                props=root_props,
                os_info=os_info,
            )
        elif os_info is not None:
            artifact = Artifact(kind="sbom", name=self.path, os=os_info)
        return packages, artifact

    def walk(self, doc: JsonObject, root: JsonObject | None) -> Iterator[tuple[JsonObject, str]]:
        """Every component, nested ones included, depth first, without recursion and to a bounded depth."""
        stack: list[tuple[list[Any], str, int]] = []
        if root is not None:
            stack.append((self.array(root, "components", "/metadata/component"), "/metadata/component/components", 1))
        stack.append((self.array(doc, "components", ""), "/components", 0))
        seen = 0
        while stack:
            items, base, depth = stack.pop()
            nested: list[tuple[list[Any], str, int]] = []
            for component, pointer in self.objects(items, base, "component"):
                seen += 1
                if seen > MAX_COMPONENTS:
                    self.diags.error(pointer, f"more than {MAX_COMPONENTS} components; the rest are ignored")
                    return
                yield component, pointer
                children = component.get("components")
                if children is None:
                    continue
                if depth + 1 > MAX_DEPTH:
                    self.diags.add(_ptr(pointer, "components"),
                                   f"components nested deeper than {MAX_DEPTH} levels are ignored")
                    continue
                nested.append((self.array(component, "components", pointer), _ptr(pointer, "components"), depth + 1))
            stack.extend(reversed(nested))

    def properties(self, obj: JsonObject, base: str) -> Props:
        props: Props = {}
        for prop, pointer in self.objects(self.array(obj, "properties", base), _ptr(base, "properties"), "property"):
            name = prop.get("name")
            if not isinstance(name, str) or not name:
                self.diags.add(pointer, "property without a name (or a name that is not a string)")
                continue
            props.setdefault(name, []).append(self.string(prop, "value", pointer))
        return props

    def operating_system(self, component: JsonObject, pointer: str) -> OSInfo | None:
        family = self.string(component, "name", pointer)
        if not family:
            self.diags.add(pointer, "operating-system component without a name")
            return None
        return _os_info(family, self.string(component, "version", pointer), self.properties(component, pointer),
                        self.string(component, "description", pointer))

    def component(self, component: JsonObject, pointer: str, layers: tuple[LayerRef, ...]) -> Package | None:
        name = self.string(component, "name", pointer)
        if not name:
            if "name" not in component:
                self.diags.add(pointer, "component without a name")
            return None
        purl_text = self.string(component, "purl", pointer)
        fields = _Fields(
            name=name,
            version=self.string(component, "version", pointer),
            purl_text=purl_text,
            parsed=self.parse_purl(purl_text, _ptr(pointer, "purl")),
            group=self.string(component, "group", pointer),
            licenses=self.licenses(component, pointer),
            locations=self.occurrences(component, pointer),
        )
        return _build_package(self, fields, self.properties(component, pointer), layers, pointer)

    def licenses(self, component: JsonObject, pointer: str) -> list[str]:
        out: list[str] = []
        base = _ptr(pointer, "licenses")
        for choice, at in self.objects(self.array(component, "licenses", pointer), base, "licence choice"):
            if "expression" in choice:
                expression = self.string(choice, "expression", at).strip()
                if expression:
                    out.append(expression)
                continue
            license_ = self.object(choice, "license", at)
            if license_ is None:
                self.diags.add(at, "licence choice has neither a license nor an expression")
                continue
            where = _ptr(at, "license")
            text = self.string(license_, "id", where) or self.string(license_, "name", where)
            if text.strip():
                out.append(text.strip())
            else:
                self.diags.add(where, "licence has neither an id nor a name")
        return out

    def occurrences(self, component: JsonObject, pointer: str) -> list[Location]:
        evidence = self.object(component, "evidence", pointer)
        if evidence is None:
            return []
        base = _ptr(pointer, "evidence")
        out: list[Location] = []
        occurrences = self.array(evidence, "occurrences", base)
        for occurrence, at in self.objects(occurrences, _ptr(base, "occurrences"), "occurrence"):
            path = self.string(occurrence, "location", at)
            if not path:
                self.diags.add(at, "occurrence without a location")
                continue
            line = occurrence.get("line")
            if line is not None and (isinstance(line, bool) or not isinstance(line, int)):
                self.diags.add(_ptr(at, "line"), f"line is {_kind(line)}, not an integer")
                line = None
            out.append(Location(path, line=line if line is not None and line >= 1 else None))
        return out

    def dependencies(self, doc: JsonObject) -> dict[str, list[str]]:
        edges: dict[str, list[str]] = {}
        for entry, at in self.objects(self.array(doc, "dependencies", ""), "/dependencies", "dependency"):
            ref = self.string(entry, "ref", at)
            if not ref:
                self.diags.add(at, "dependency without a ref")
                continue
            targets = edges.setdefault(ref, [])
            for i, target in enumerate(self.array(entry, "dependsOn", at)):
                if isinstance(target, str):
                    targets.append(target)
                else:
                    self.diags.add(_ptr(_ptr(at, "dependsOn"), i), f"dependsOn entry is {_kind(target)}, "
                                                                   "not a string")
        return edges


# --- SPDX -----------------------------------------------------------------------------------------


class _Spdx(_Reader):
    def read(self, doc: JsonObject) -> tuple[list[Package], Artifact | None]:
        version = doc.get("spdxVersion")
        if not isinstance(version, str) or not version.startswith("SPDX-2."):
            self.diags.error("/spdxVersion", f"spdxVersion is {_show(version)}; only SPDX 2.2 and 2.3 are supported")
            return [], None
        if version not in SPDX_VERSIONS:
            self.diags.info("/spdxVersion", f"{version[:20]} is not a version stockade knows (SPDX-2.2, SPDX-2.3); "
                                            "reading it anyway")
        document_id = self.string(doc, "SPDXID", "") or "SPDXRef-DOCUMENT"
        extracted = self.extracted_licenses(doc)
        edges, described = self.relationships(doc, document_id)
        for i, item in enumerate(self.array(doc, "documentDescribes", "")):
            if isinstance(item, str):
                described.add(item)
            else:
                self.diags.add(f"/documentDescribes/{i}", f"documentDescribes entry is {_kind(item)}, not a string")

        root: tuple[JsonObject, str, Props, str, str] | None = None
        os_info: OSInfo | None = None
        candidates: list[tuple[JsonObject, str, str, Props, str]] = []
        skipped = 0
        packages_json = self.array(doc, "packages", "")
        for n, (package, pointer) in enumerate(self.objects(packages_json, "/packages", "package")):
            if n >= MAX_COMPONENTS:
                self.diags.error(pointer, f"more than {MAX_COMPONENTS} packages; the rest are ignored")
                break
            spdx_id = self.string(package, "SPDXID", pointer)
            if not spdx_id:
                self.diags.add(pointer, "package without an SPDXID")
                continue
            props = self.annotations(package, pointer)
            purpose = self.string(package, "primaryPackagePurpose", pointer)
            purl_text = self.purl(package, pointer)
            if purpose in ("OPERATING_SYSTEM", "OPERATING-SYSTEM") and _sbom.P_ECOSYSTEM not in props:
                if os_info is None:
                    os_info = self.operating_system(package, pointer, props)
                continue
            if root is None and spdx_id in described and (
                _sbom.P_ARTIFACT_KIND in props
                or (_sbom.P_ECOSYSTEM not in props
                    and (purpose in _ARTIFACT_PURPOSES or not purl_text or purl_text.startswith("pkg:oci/")))
            ):
                root = (package, pointer, props, purpose, purl_text)
                continue
            if not purl_text and _sbom.P_ECOSYSTEM not in props:
                skipped += purpose != "APPLICATION"
                continue
            candidates.append((package, pointer, spdx_id, props, purl_text))
        if skipped:
            self.diags.info("/packages", f"{_count(skipped, 'package')} without a purl skipped")

        artifact = None
        if root is not None:
            package, pointer, props, purpose, root_purl = root
            artifact = _artifact(
                kind_hint="image" if purpose == "CONTAINER" or root_purl.startswith("pkg:oci/") else "filesystem",
                name=self.string(package, "name", pointer),
                version=self.string(package, "versionInfo", pointer),
                purl_text=root_purl,
                props=props,
                os_info=os_info,
            )
        layers = artifact.layers if artifact is not None else ()
        found: list[_Found] = []
        for package, pointer, spdx_id, props, purl_text in candidates:
            built = self.package(package, pointer, props, purl_text, extracted, layers)
            if built is not None:
                found.append(_Found(spdx_id, built, pointer))
        packages = _finish(found, edges, self.diags)
        if os_info is None and (root is None or _sbom.P_ARTIFACT_KIND not in root[2]):
            os_info = _os_from_purls(packages)
            if artifact is not None and os_info is not None:
                artifact = replace(artifact, os=os_info)
        if artifact is None and os_info is not None:
            artifact = Artifact(kind="sbom", name=self.path, os=os_info)
        return packages, artifact

    def purl(self, package: JsonObject, pointer: str) -> str:
        refs = self.array(package, "externalRefs", pointer)
        for ref, at in self.objects(refs, _ptr(pointer, "externalRefs"), "external reference"):
            if ref.get("referenceType") == "purl":
                return self.string(ref, "referenceLocator", at)
        return ""

    def annotations(self, package: JsonObject, pointer: str) -> Props:
        """Annotation comments ``<name>: <value>``: stockade's properties, and Trivy's under its prefix."""
        props: Props = {}
        base = _ptr(pointer, "annotations")
        for annotation, at in self.objects(self.array(package, "annotations", pointer), base, "annotation"):
            comment = self.string(annotation, "comment", at)
            name, sep, value = comment.partition(": ")
            if not sep:
                continue
            if name.startswith(_sbom.PREFIX):
                if name.startswith(_sbom.P_METADATA):
                    name = _sbom.P_METADATA + unquote(name[len(_sbom.P_METADATA):])
                props.setdefault(name, []).append(value)
            elif self.string(annotation, "annotator", at).startswith("Tool: trivy") and name.isalnum():
                props.setdefault(_TRIVY + name, []).append(value)
        return props

    def operating_system(self, package: JsonObject, pointer: str, props: Props) -> OSInfo | None:
        family = self.string(package, "name", pointer)
        if not family:
            self.diags.add(pointer, "operating-system package without a name")
            return None
        return _os_info(family, self.string(package, "versionInfo", pointer), props)

    def package(
        self,
        package: JsonObject,
        pointer: str,
        props: Props,
        purl_text: str,
        extracted: dict[str, str],
        layers: tuple[LayerRef, ...],
    ) -> Package | None:
        name = self.string(package, "name", pointer)
        if not name and _sbom.P_NAME not in props:
            self.diags.add(pointer, "package without a name")
            return None
        locations: dict[int, dict[str, str]] = {}
        for key, values in props.items():
            match = _STOCKADE_LOCATION.fullmatch(key)
            if match and values:
                locations.setdefault(int(match.group(1)), {})[match.group(2)] = values[0]
        source_hint = ("", "")
        match = _BUILT_FROM.search(self.string(package, "sourceInfo", pointer))
        if match:
            source_hint = (match.group(1), match.group(2) or "")
        fields = _Fields(
            name=name,
            version=self.string(package, "versionInfo", pointer),
            purl_text=purl_text,
            parsed=self.parse_purl(purl_text, _ptr(pointer, "externalRefs")),
            licenses=self.licenses(package, pointer, extracted),
            locations=[self.location(loc, pointer) for _, loc in sorted(locations.items())],
            source_hint=source_hint,
        )
        return _build_package(self, fields, props, layers, pointer)

    def location(self, parts: dict[str, str], pointer: str) -> Location:
        line_text = parts.get("line", "")
        line = None
        if line_text:
            try:
                line = int(line_text)
            except ValueError:
                self.diags.add(pointer, f"location line {line_text[:40]!r} is not a number")
        return Location(parts.get("path", ""), line=line)

    def licenses(self, package: JsonObject, pointer: str, extracted: dict[str, str]) -> list[str]:
        for key in ("licenseDeclared", "licenseConcluded"):
            text = self.string(package, key, pointer).strip()
            if text in _NO_LICENSE:
                continue
            if _LICENSE_REF.fullmatch(text) and text in extracted:
                return [extracted[text]]
            return [text]
        return []

    def extracted_licenses(self, doc: JsonObject) -> dict[str, str]:
        """LicenseRef id -> its name (or its text when short): what a lone LicenseRef reads back as."""
        out: dict[str, str] = {}
        items = self.array(doc, "hasExtractedLicensingInfos", "")
        for info, at in self.objects(items, "/hasExtractedLicensingInfos", "extracted licence"):
            license_id = self.string(info, "licenseId", at)
            name = self.string(info, "name", at).strip()
            text = self.string(info, "extractedText", at).strip()
            if license_id and (name or (text and len(text) <= 200)):
                out[license_id] = name or text
        return out

    def relationships(self, doc: JsonObject, document_id: str) -> tuple[dict[str, list[str]], set[str]]:
        edges: dict[str, list[str]] = {}
        described: set[str] = set()
        for rel, at in self.objects(self.array(doc, "relationships", ""), "/relationships", "relationship"):
            element = self.string(rel, "spdxElementId", at)
            kind = self.string(rel, "relationshipType", at)
            related = self.string(rel, "relatedSpdxElement", at)
            if not (element and kind and related):
                self.diags.add(at, "relationship without spdxElementId, relationshipType or relatedSpdxElement")
                continue
            if kind == "DEPENDS_ON":
                edges.setdefault(element, []).append(related)
            elif kind == "DEPENDENCY_OF":
                edges.setdefault(related, []).append(element)
            elif kind == "DESCRIBES" and element == document_id:
                described.add(related)
            elif kind == "DESCRIBED_BY" and related == document_id:
                described.add(element)
        return edges, described
