"""CycloneDX 1.6 JSON (``--format cyclonedx``): the package inventory of a report as an SBOM.

Mapping:

- ``metadata.component`` is the scanned artifact: an image is a ``container`` (version = manifest digest,
  ``pkg:oci`` purl when the digest is known), a root filesystem or SBOM a ``file``, a project tree an
  ``application``; ``metadata.tools.components`` names stockade;
- the operating system is a component of type ``operating-system`` (name = distro family, version);
- every package is a ``library`` with a unique, stable ``bom-ref`` (its purl, plus ``|`` and a hash of where it
  was found when two packages share a purl), the namespace of maven, scoped npm, composer and golang packages
  in ``group`` (as Trivy writes it), licences as SPDX ids, one SPDX expression or names,
  ``evidence.occurrences`` for its locations and ``stockade:`` properties for the rest (analyzer, layer,
  source package, architecture, dev flag, metadata), so the SBOM reads back into the same packages;
- ``dependencies`` has an entry for every component: the artifact depends on the OS and on the top-level
  language packages, the OS on the top-level OS packages, each package on its ``depends_on``.

The output is deterministic apart from ``serialNumber`` and ``metadata.timestamp``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, TextIO

from stockade.formats import _sbom
from stockade.formats._json import dumps_pretty
from stockade.model import Artifact, Finding, FindingKind, Package, Report, purl

__all__ = ["SCHEMA_URI", "SPEC_VERSION", "CycloneDxFormatter", "license_choice", "report_to_cyclonedx"]

SPEC_VERSION = "1.6"
SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"

JsonObject = dict[str, Any]

_ARTIFACT_TYPE = {"image": "container", "rootfs": "file", "sbom": "file", "filesystem": "application"}


class CycloneDxFormatter:
    """``--format cyclonedx``: CycloneDX 1.6 JSON, newline-terminated."""

    name: ClassVar[str] = "cyclonedx"
    media_type: ClassVar[str] = "application/vnd.cyclonedx+json"

    def render(self, report: Report, out: TextIO) -> None:
        out.write(dumps_pretty(report_to_cyclonedx(report)))
        out.write("\n")


def report_to_cyclonedx(report: Report, *, serial_number: str = "", timestamp: str = "") -> JsonObject:
    """The CycloneDX BOM of ``report`` as plain Python data.

    ``serial_number`` (``urn:uuid:...``) and ``timestamp`` default to a random UUID and the current time.
    """
    artifact = report.artifact or Artifact(kind="filesystem", name=report.target)
    packages = report.packages
    root = _artifact_component(artifact)
    root_ref: str = root["bom-ref"]
    os_component = _os_component(artifact)
    os_ref: str = os_component["bom-ref"] if os_component else ""

    bases = [p.purl or f"stockade:package:{p.ecosystem}/{p.name}@{p.version}" for p in packages]
    refs = _sbom.unique_names(bases, [_sbom.package_key(p) for p in packages], "|", {root_ref, os_ref})
    order = sorted(range(len(packages)), key=lambda i: (packages[i].sort_key(), refs[i]))
    graph = _sbom.dependency_graph(packages)

    components: list[JsonObject] = []
    if os_component:
        components.append(os_component)
    components.extend(_component(packages[i], refs[i]) for i in order)

    top = _sbom.roots(graph)
    under_os = [i for i in top if os_ref and packages[i].ecosystem in _sbom.OS_ECOSYSTEMS]
    under_root = [i for i in top if not (os_ref and packages[i].ecosystem in _sbom.OS_ECOSYSTEMS)]
    dependencies = [_dependency(root_ref, ([os_ref] if os_ref else []) + [refs[i] for i in under_root])]
    if os_ref:
        dependencies.append(_dependency(os_ref, [refs[i] for i in under_os]))
    dependencies.extend(_dependency(refs[i], [refs[d] for d in graph[i]]) for i in order)

    tool: JsonObject = {"type": "application", "name": report.tool.name or "stockade"}
    if report.tool.version:
        tool["version"] = report.tool.version
    by_id = {p.id: refs[i] for i, p in enumerate(packages) if p.id}
    vulnerabilities = _vulnerabilities(report, by_id)
    bom = {
        "$schema": SCHEMA_URI,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial_number or f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": timestamp or _sbom.utc_now(),
            "tools": {"components": [tool]},
            "component": root,
        },
        "components": components,
        "dependencies": dependencies,
    }
    if vulnerabilities:
        bom["vulnerabilities"] = vulnerabilities
    return bom


_RATING_METHOD = {"cvss_v3": "CVSSv3", "cvss_v4": "CVSSv4", "cvss_v2": "CVSSv2"}


def _vulnerabilities(report: Report, refs: dict[str, str]) -> list[JsonObject]:
    """One entry per vulnerability id, affecting every component it was found in (CycloneDX 1.6)."""
    grouped: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.kind is FindingKind.VULN and f.package is not None and f.package.id in refs:
            grouped.setdefault(f.rule_id, []).append(f)
    out: list[JsonObject] = []
    for vuln_id in sorted(grouped):
        found = grouped[vuln_id]
        first = found[0]
        rating: JsonObject = {"severity": first.severity.value.lower()}
        if first.score is not None:
            rating["score"] = first.score
        rating["method"] = _RATING_METHOD.get(first.severity_source, "other")
        entry: JsonObject = {"bom-ref": f"vulnerability:{vuln_id}", "id": vuln_id}
        aliases = sorted({a for f in found for a in f.aliases})
        if aliases:
            entry["references"] = [{"id": a, "source": {"name": _source_of(a)}} for a in aliases]
        entry["ratings"] = [rating]
        if first.title:
            entry["description"] = first.title
        fixes = sorted({f"{f.package.name} {f.fixed_version}" for f in found if f.package and f.fixed_version})
        if fixes:
            entry["recommendation"] = "upgrade to the fixed versions: " + ", ".join(fixes)
        urls = [u for u in dict.fromkeys(u for f in found for u in f.references) if u.startswith(("http://", "https://"))]
        if urls:
            entry["advisories"] = [{"url": u} for u in urls[:20]]
        affects = []
        for f in sorted(found, key=lambda f: refs[f.package.id] if f.package else ""):
            assert f.package is not None
            version = f.installed_version or f.package.version
            affects.append({"ref": refs[f.package.id], "versions": [{"version": version, "status": "affected"}]})
        entry["affects"] = affects
        props = sorted({(f"stockade:vulnerability:status:{f.package.name if f.package else ''}", f.status)
                        for f in found if f.status})
        props += sorted({(f"stockade:vulnerability:fixed_version:{f.package.name if f.package else ''}",
                          f.fixed_version) for f in found if f.fixed_version})
        if props:
            entry["properties"] = [{"name": k, "value": v} for k, v in props]
        out.append(entry)
    return out


def _source_of(vuln_id: str) -> str:
    for prefix, name in (("CVE-", "NVD"), ("GHSA-", "GitHub Advisory Database"), ("GO-", "Go Vulnerability Database"),
                         ("PYSEC-", "PyPA Advisory Database"), ("RUSTSEC-", "RustSec"), ("DSA-", "Debian"),
                         ("DLA-", "Debian"), ("USN-", "Ubuntu"), ("ALSA-", "AlmaLinux"), ("RLSA-", "Rocky Linux")):
        if vuln_id.startswith(prefix):
            return name
    return "OSV"


def _artifact_component(artifact: Artifact) -> JsonObject:
    oci = _sbom.oci_purl(artifact)
    kind = artifact.kind
    ref = oci or f"stockade:artifact:{kind}:{artifact.name}"
    component: JsonObject = {"type": _ARTIFACT_TYPE.get(kind, "application"), "bom-ref": ref,
                             "name": artifact.name or "unnamed"}
    digest = _sbom.image_digest(artifact) if kind == "image" else ""
    if digest:
        component["version"] = digest
    if oci:
        component["purl"] = oci
    _add_properties(component, _sbom.artifact_properties(artifact))
    return component


def _os_component(artifact: Artifact) -> JsonObject | None:
    os_info = artifact.os
    if os_info is None or not os_info.family:
        return None
    ref = f"stockade:os:{os_info.family}@{os_info.version}" if os_info.version else f"stockade:os:{os_info.family}"
    component: JsonObject = {"type": "operating-system", "bom-ref": ref, "name": os_info.family}
    if os_info.version:
        component["version"] = os_info.version
    _add_properties(component, _sbom.os_properties(artifact))
    return component


def _component(pkg: Package, ref: str) -> JsonObject:
    namespace = ""
    if pkg.purl:
        try:
            namespace = purl.parse(pkg.purl).namespace
        except purl.PurlError:
            namespace = ""
    group, name = _sbom.split_name(pkg, namespace)
    component: JsonObject = {"type": "library", "bom-ref": ref}
    if group:
        component["group"] = group
    component["name"] = name or pkg.name or "unnamed"
    if pkg.version:
        component["version"] = pkg.version
    licenses, read_back = license_choice(pkg.licenses)
    if licenses:
        component["licenses"] = licenses
    if pkg.purl:
        component["purl"] = pkg.purl
    occurrences = []
    for loc in pkg.locations:
        occurrence: JsonObject = {"location": loc.path}
        if loc.line is not None and loc.line >= 1:
            occurrence["line"] = loc.line
        occurrences.append(occurrence)
    if occurrences:
        component["evidence"] = {"occurrences": occurrences}
    props = _sbom.package_properties(pkg)
    if _sbom.join_name(pkg.ecosystem, group, component["name"]) != pkg.name:
        props.append((_sbom.P_NAME, pkg.name))
    if read_back != tuple(pkg.licenses):
        props.extend((_sbom.P_LICENSE, text) for text in pkg.licenses)
    _add_properties(component, props)
    return component


def license_choice(licenses: Iterable[str]) -> tuple[list[JsonObject], tuple[str, ...]]:
    """The CycloneDX ``licenses`` of declared licences, and the licences a reader gets back from it.

    One licence: an SPDX id -> ``{"license": {"id"}}``, another valid SPDX expression -> ``{"expression"}``,
    anything else -> ``{"license": {"name"}}``. Several: one ``license`` each (id or name), because the schema
    allows a single expression only and joining them would lose how they were declared.
    """
    texts = [t.strip() for t in licenses if t.strip()]
    if len(texts) == 1:
        text = texts[0]
        lid = _sbom.spdx_license_id(text)
        if lid:
            return [{"license": {"id": lid}}], (lid,)
        expression = _sbom.canonical_expression(text)
        if expression:
            return [{"expression": expression}], (expression,)
        return [{"license": {"name": text}}], (text,)
    out: list[JsonObject] = []
    back: list[str] = []
    for text in texts:
        lid = _sbom.spdx_license_id(text)
        out.append({"license": {"id": lid} if lid else {"name": text}})
        back.append(lid or text)
    return out, tuple(back)


def _dependency(ref: str, depends_on: Sequence[str]) -> JsonObject:
    return {"ref": ref, "dependsOn": sorted(set(depends_on))}


def _add_properties(component: JsonObject, props: list[tuple[str, str]]) -> None:
    """Properties sorted by name; values of a repeated name keep their order (licences, repo tags)."""
    if props:
        ordered = sorted(props, key=lambda p: p[0])
        component["properties"] = [{"name": name, "value": value} for name, value in ordered]
