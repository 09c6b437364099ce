"""SPDX 2.3 JSON (``--format spdx-json``): the package inventory of a report as an SPDX document.

Mapping:

- the scanned artifact is a package with ``primaryPackagePurpose`` CONTAINER (image), FILE (root filesystem,
  SBOM) or APPLICATION (project tree), and a ``pkg:oci`` purl when the image digest is known; the document
  DESCRIBES it; the operating system is an ``OPERATING_SYSTEM`` package (spelt as the SPDX 2.3 JSON schema
  has it, which is authoritative for JSON; the tag-value text of the specification writes OPERATING-SYSTEM);
  the artifact CONTAINS the OS and every package, and a package DEPENDS_ON the packages of its ``depends_on``;
- each package has ``SPDXRef-Package-<ecosystem>-<name>-<version>`` as its id (characters outside
  ``[A-Za-z0-9.-]`` replaced, a hash of where it was found added when two would be equal), its purl as a
  PACKAGE-MANAGER external reference, ``licenseDeclared`` as a valid SPDX expression (several declared
  licences joined with AND; a licence that is not a valid expression becomes ``LicenseRef-<name>`` with its
  text in ``hasExtractedLicensingInfos``), ``licenseConcluded`` NOASSERTION, and ``sourceInfo`` saying where it
  was found and what it was built from (``built package from: <source> <version>``, as Trivy writes it);
- what SPDX 2.3 has no field for (analyzer, layer, source package, locations, architecture, metadata, dev
  flag) is carried in package annotations of type OTHER whose comment is ``<stockade property>: <value>``
  (the convention Trivy uses for its own properties), so the document reads back into the same packages.

The output is deterministic apart from ``documentNamespace`` and the creation time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, TextIO
from urllib.parse import quote

from stockade.formats import _sbom
from stockade.formats._json import dumps_pretty
from stockade.model import Artifact, Package, Report

__all__ = ["NAMESPACE_BASE", "SPDX_VERSION", "SpdxJsonFormatter", "report_to_spdx"]

SPDX_VERSION = "SPDX-2.3"
NAMESPACE_BASE = "https://stockade.dev/spdx/"
NOASSERTION = "NOASSERTION"

JsonObject = dict[str, Any]

_PURPOSE = {"image": "CONTAINER", "rootfs": "FILE", "sbom": "FILE", "filesystem": "APPLICATION"}
_ID_PREFIX = {"image": "ContainerImage", "rootfs": "RootFilesystem", "sbom": "Sbom", "filesystem": "Filesystem"}


class SpdxJsonFormatter:
    """``--format spdx-json``: SPDX 2.3 JSON, newline-terminated."""

    name: ClassVar[str] = "spdx-json"
    media_type: ClassVar[str] = "application/spdx+json"

    def render(self, report: Report, out: TextIO) -> None:
        out.write(dumps_pretty(report_to_spdx(report)))
        out.write("\n")


def report_to_spdx(report: Report, *, namespace: str = "", created: str = "") -> JsonObject:
    """The SPDX document of ``report`` as plain Python data.

    ``namespace`` (the ``documentNamespace`` URI) defaults to a unique one under :data:`NAMESPACE_BASE`,
    ``created`` to the current time.
    """
    artifact = report.artifact or Artifact(kind="filesystem", name=report.target)
    created = created or _sbom.utc_now()
    tool = f"{report.tool.name or 'stockade'}-{report.tool.version}" if report.tool.version else (
        report.tool.name or "stockade")
    doc_name = artifact.name or report.target or "stockade"
    writer = _Writer(annotator=f"Tool: {tool}", created=created)

    packages = report.packages
    artifact_id = f"SPDXRef-{_ID_PREFIX.get(artifact.kind, 'Artifact')}-{_sbom.sanitise(doc_name)}"
    os_package = writer.os_package(artifact)
    bases = [f"SPDXRef-Package-{_sbom.sanitise(f'{p.ecosystem}-{p.name}-{p.version}', 160)}" for p in packages]
    ids = _sbom.unique_names(bases, [_sbom.package_key(p) for p in packages], "-")
    order = sorted(range(len(packages)), key=lambda i: (packages[i].sort_key(), ids[i]))
    graph = _sbom.dependency_graph(packages)

    spdx_packages = [writer.artifact_package(artifact, artifact_id, doc_name)]
    relationships = [_relationship("SPDXRef-DOCUMENT", "DESCRIBES", artifact_id)]
    if os_package is not None:
        spdx_packages.append(os_package)
        relationships.append(_relationship(artifact_id, "CONTAINS", os_package["SPDXID"]))
    for i in order:
        spdx_packages.append(writer.package(packages[i], ids[i]))
        relationships.append(_relationship(artifact_id, "CONTAINS", ids[i]))
    for i in order:
        targets = sorted({ids[d] for d in graph[i]})
        relationships.extend(_relationship(ids[i], "DEPENDS_ON", target) for target in targets)

    document: JsonObject = {
        "spdxVersion": SPDX_VERSION,
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": doc_name,
        "documentNamespace": namespace or f"{NAMESPACE_BASE}{_sbom.sanitise(doc_name)}-{uuid.uuid4()}",
        "creationInfo": {"created": created, "creators": [f"Tool: {tool}"]},
        "packages": spdx_packages,
        "relationships": relationships,
    }
    if writer.license_refs:
        document["hasExtractedLicensingInfos"] = [
            {"licenseId": ref, "extractedText": text, "name": text}
            for text, ref in sorted(writer.license_refs.items(), key=lambda item: item[1])
        ]
    return document


def _relationship(element: str, kind: str, related: str) -> JsonObject:
    return {"spdxElementId": element, "relationshipType": kind, "relatedSpdxElement": related}


def annotation_comment(name: str, value: str) -> str:
    """``<name>: <value>``; a metadata key is percent-encoded so the first ``": "`` always ends the name."""
    if name.startswith(_sbom.P_METADATA):
        name = _sbom.P_METADATA + quote(name[len(_sbom.P_METADATA):], safe="-._~/")
    return f"{name}: {value}"


class _Writer:
    def __init__(self, *, annotator: str, created: str) -> None:
        self.annotator = annotator
        self.created = created
        self.license_refs: dict[str, str] = {}  # licence text -> LicenseRef id

    def _annotations(self, props: Sequence[tuple[str, str]]) -> list[JsonObject]:
        ordered = sorted(props, key=lambda p: p[0])
        return [
            {
                "annotator": self.annotator,
                "annotationDate": self.created,
                "annotationType": "OTHER",
                "comment": annotation_comment(name, value),
            }
            for name, value in ordered
        ]

    def artifact_package(self, artifact: Artifact, spdx_id: str, name: str) -> JsonObject:
        package = _base_package(spdx_id, name, _sbom.image_digest(artifact) if artifact.kind == "image" else "")
        package["primaryPackagePurpose"] = _PURPOSE.get(artifact.kind, "OTHER")
        package["licenseConcluded"] = NOASSERTION
        package["licenseDeclared"] = NOASSERTION
        oci = _sbom.oci_purl(artifact)
        if oci:
            package["externalRefs"] = [_purl_ref(oci)]
        package["annotations"] = self._annotations(_sbom.artifact_properties(artifact))
        return package

    def os_package(self, artifact: Artifact) -> JsonObject | None:
        os_info = artifact.os
        if os_info is None or not os_info.family:
            return None
        spdx_id = "SPDXRef-OperatingSystem-" + _sbom.sanitise(f"{os_info.family}-{os_info.version}".rstrip("-"))
        package = _base_package(spdx_id, os_info.family, os_info.version)
        package["primaryPackagePurpose"] = "OPERATING_SYSTEM"
        package["licenseConcluded"] = NOASSERTION
        package["licenseDeclared"] = NOASSERTION
        props = _sbom.os_properties(artifact)
        if props:
            package["annotations"] = self._annotations(props)
        return package

    def package(self, pkg: Package, spdx_id: str) -> JsonObject:
        package = _base_package(spdx_id, pkg.name or "unnamed", pkg.version)
        package["primaryPackagePurpose"] = "LIBRARY"
        declared, read_back = self.declared(pkg.licenses)
        package["licenseConcluded"] = NOASSERTION
        package["licenseDeclared"] = declared
        source_info = _source_info(pkg)
        if source_info:
            package["sourceInfo"] = source_info
        if pkg.purl:
            package["externalRefs"] = [_purl_ref(pkg.purl)]
        props = _sbom.package_properties(pkg)
        if not pkg.name:
            props.append((_sbom.P_NAME, pkg.name))
        for n, loc in enumerate(pkg.locations):
            props.append((f"{_sbom.P_LOCATION}{n}:path", loc.path))
            if loc.line is not None and loc.line >= 1:
                props.append((f"{_sbom.P_LOCATION}{n}:line", str(loc.line)))
        if read_back != tuple(pkg.licenses):
            props.extend((_sbom.P_LICENSE, text) for text in pkg.licenses)
        package["annotations"] = self._annotations(props)
        return package

    def declared(self, licenses: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        """``licenseDeclared`` for the declared licences, and what a reader gets back from it."""
        texts = [t.strip() for t in licenses if t.strip()]
        if not texts:
            return NOASSERTION, ()
        parts: list[str] = []
        for text in texts:
            expression = _sbom.canonical_expression(text, allow_refs=False)
            if expression is None:
                parts.append(self._license_ref(text))
            elif len(texts) > 1 and _sbom.is_compound(expression):
                parts.append(f"({expression})")
            else:
                parts.append(expression)
        if len(texts) == 1:
            back = texts[0] if parts[0].startswith("LicenseRef-") else parts[0]
            return parts[0], (back,)
        return " AND ".join(parts), (" AND ".join(parts),)

    def _license_ref(self, text: str) -> str:
        ref = self.license_refs.get(text)
        if ref is None:
            base = "LicenseRef-" + _sbom.sanitise(text, 64)
            ref, n = base, 2
            taken = {r.lower() for r in self.license_refs.values()}  # licence ids match case-insensitively
            while ref.lower() in taken:
                ref = f"{base}-{n}"
                n += 1
            self.license_refs[text] = ref
        return ref


def _base_package(spdx_id: str, name: str, version: str) -> JsonObject:
    package: JsonObject = {"SPDXID": spdx_id, "name": name}
    if version:
        package["versionInfo"] = version
    package["downloadLocation"] = NOASSERTION
    package["filesAnalyzed"] = False
    return package


def _purl_ref(locator: str) -> JsonObject:
    return {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": locator}


def _source_info(pkg: Package) -> str:
    parts: list[str] = []
    if pkg.source_name:
        parts.append(f"built package from: {pkg.source_name} {pkg.source_version}".rstrip())
    if pkg.locations:
        places = ", ".join(f"{loc.path}:{loc.line}" if loc.line else loc.path for loc in pkg.locations)
        parts.append(f"acquired package info from {places}")
    layer = pkg.layer
    if layer is not None:
        digest = layer.digest or layer.diff_id
        parts.append(f"in layer {layer.index} ({digest})" if digest else f"in layer {layer.index}")
    return "; ".join(parts)
