from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from stockade.formats.spdx import SpdxJsonFormatter, annotation_comment, report_to_spdx
from stockade.model import Artifact, LayerRef, Location, OSInfo, Package, Report, Tool

if TYPE_CHECKING:
    from conftest import SbomKit

SPDX_ID = re.compile(r"SPDXRef-[A-Za-z0-9.-]+")


def render(report: Report) -> str:
    out = io.StringIO()
    SpdxJsonFormatter().render(report, out)
    return out.getvalue()


def parse(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(report))
    return doc


def assert_valid(text: str, tmp_path: Path) -> None:
    """The official SPDX tools parse the document and their SPDX 2.3 validator finds nothing wrong."""
    path = tmp_path / "sbom.spdx.json"
    path.write_text(text, encoding="utf-8")
    document = parse_file(str(path))
    messages = validate_full_spdx_document(document, "SPDX-2.3")
    assert not messages, "\n".join(m.validation_message for m in messages)


def package(doc: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [p for p in doc["packages"] if p["name"] == name]
    return found


def comments(pkg: dict[str, Any]) -> list[str]:
    return [a["comment"] for a in pkg.get("annotations", [])]


def relationships(doc: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    return [(r["spdxElementId"], r["relatedSpdxElement"]) for r in doc["relationships"]
            if r["relationshipType"] == kind]


def test_golden(kit: SbomKit) -> None:
    text = render(kit.report())
    assert text.endswith("}\n")
    kit.golden("image.spdx.json", json.loads(text))


def test_valid_for_the_spdx_tools(kit: SbomKit, tmp_path: Path) -> None:
    assert_valid(render(kit.report()), tmp_path)


@pytest.mark.parametrize(
    "artifact",
    [
        None,
        Artifact(kind="rootfs", name="/mnt/rootfs", os=OSInfo(family="alpine", version="3.19.1")),
        Artifact(kind="filesystem", name="."),
        Artifact(kind="image", name="image.tar"),
    ],
)
def test_other_artifacts_are_valid(kit: SbomKit, artifact: Artifact | None, tmp_path: Path) -> None:
    text = render(kit.report(artifact=artifact))
    assert_valid(text, tmp_path)
    doc = json.loads(text)
    (described,) = relationships(doc, "DESCRIBES")
    root = next(p for p in doc["packages"] if p["SPDXID"] == described[1])
    expected = {None: "APPLICATION", "rootfs": "FILE", "filesystem": "APPLICATION", "image": "CONTAINER"}
    assert root["primaryPackagePurpose"] == expected[artifact.kind if artifact else None]
    assert "externalRefs" not in root


def test_empty_report_is_valid(tmp_path: Path) -> None:
    text = render(Report(tool=Tool(), target="empty"))
    assert_valid(text, tmp_path)
    doc = json.loads(text)
    assert [p["SPDXID"] for p in doc["packages"]] == ["SPDXRef-Filesystem-empty"]
    assert doc["creationInfo"]["creators"] == ["Tool: stockade"]
    assert "hasExtractedLicensingInfos" not in doc


def test_header(kit: SbomKit) -> None:
    doc = parse(kit.report())
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["dataLicense"] == "CC0-1.0"
    assert doc["SPDXID"] == "SPDXRef-DOCUMENT"
    assert doc["name"] == "registry.example.com/shop/web:1.4.2"
    uuid4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert re.fullmatch(r"https://stockade\.dev/spdx/registry\.example\.com-shop-web-1\.4\.2-" + uuid4,
                        doc["documentNamespace"])
    assert parse(kit.report())["documentNamespace"] != doc["documentNamespace"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["creationInfo"]["created"])
    assert doc["creationInfo"]["creators"] == ["Tool: stockade-0.0.0-test"]


def test_deterministic_apart_from_namespace_and_time(kit: SbomKit) -> None:
    first = report_to_spdx(kit.report(), namespace="https://example.org/x", created="t")
    shuffled = kit.report(packages=tuple(reversed(kit.packages())))
    assert report_to_spdx(shuffled, namespace="https://example.org/x", created="t") == first


def test_artifact_and_os_packages(kit: SbomKit) -> None:
    doc = parse(kit.report())
    image, os_package = doc["packages"][:2]
    digest = kit.digest("manifest")
    assert image["SPDXID"] == "SPDXRef-ContainerImage-registry.example.com-shop-web-1.4.2"
    assert image["primaryPackagePurpose"] == "CONTAINER"
    assert image["versionInfo"] == digest
    assert image["externalRefs"] == [{
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": f"pkg:oci/web@{digest}?arch=amd64&repository_url=registry.example.com%2Fshop%2Fweb"
                            "&tag=1.4.2",
    }]
    assert "stockade:image:repo_tag: registry.example.com/shop/web:latest" in comments(image)
    assert f"stockade:image:layer:1:diff_id: {kit.app_layer.diff_id}" in comments(image)
    assert {k: v for k, v in os_package.items() if k != "annotations"} == {
        "SPDXID": "SPDXRef-OperatingSystem-debian-12",
        "name": "debian",
        "versionInfo": "12",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "primaryPackagePurpose": "OPERATING_SYSTEM",
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
    }
    assert comments(os_package) == ["stockade:os:codename: bookworm",
                                    "stockade:os:name: Debian GNU/Linux 12 (bookworm)"]


def test_os_package_entry(kit: SbomKit) -> None:
    libssl = package(parse(kit.report()), "libssl3")
    annotations = libssl.pop("annotations")
    assert libssl == {
        "SPDXID": "SPDXRef-Package-deb-libssl3-3.0.11-1-deb12u2",
        "name": "libssl3",
        "versionInfo": "3.0.11-1~deb12u2",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "primaryPackagePurpose": "LIBRARY",
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "Apache-2.0",
        "sourceInfo": "built package from: openssl 3.0.11-1~deb12u2; acquired package info from "
                      f"var/lib/dpkg/status:2410; in layer 0 ({kit.base_layer.digest})",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
                                "&upstream=openssl",
        }],
    }
    assert [a["comment"] for a in annotations] == [
        f"stockade:layer:created_by: {kit.base_layer.created_by}",
        f"stockade:layer:diff_id: {kit.base_layer.diff_id}",
        f"stockade:layer:digest: {kit.base_layer.digest}",
        "stockade:layer:index: 0",
        "stockade:location:0:line: 2410",
        "stockade:location:0:path: var/lib/dpkg/status",
        "stockade:package:arch: amd64",
        "stockade:package:ecosystem: deb",
        "stockade:package:found_by: dpkg",
        "stockade:package:source_name: openssl",
        "stockade:package:source_version: 3.0.11-1~deb12u2",
    ]
    assert {(a["annotator"], a["annotationType"]) for a in annotations} == {("Tool: stockade-0.0.0-test", "OTHER")}


def test_spdx_ids_are_sanitised_and_unique(kit: SbomKit) -> None:
    doc = parse(kit.report())
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    assert all(SPDX_ID.fullmatch(i) for i in ids)
    assert package(doc, "@babel/core")["SPDXID"] == "SPDXRef-Package-npm-babel-core-7.23.2"
    requests = sorted(p["SPDXID"] for p in doc["packages"] if p["name"] == "requests")
    assert all(re.fullmatch(r"SPDXRef-Package-pypi-requests-2\.31\.0-[0-9a-f]{12}", i) for i in requests)


def test_identical_packages_get_unique_ids(tmp_path: Path) -> None:
    pkg = Package("six", "1.16.0", "pypi", purl="pkg:pypi/six@1.16.0")
    text = render(Report(tool=Tool(), target="x", packages=(pkg, pkg)))
    ids = [p["SPDXID"] for p in json.loads(text)["packages"]]
    assert len(set(ids)) == 3
    assert_valid(text, tmp_path)


def test_licences(kit: SbomKit) -> None:
    doc = parse(kit.report())
    assert package(doc, "libc6")["licenseDeclared"] == "GPL-2.0-or-later AND LGPL-2.1-or-later"
    assert "stockade:package:license: GPL-2.0-or-later" in comments(package(doc, "libc6"))
    assert package(doc, "serde")["licenseDeclared"] == "MIT OR Apache-2.0"
    assert package(doc, "perl-base")["licenseDeclared"] == "LicenseRef-Artistic-or-GPL-1"
    assert package(doc, "tzdata")["licenseDeclared"] == "LicenseRef-public-domain"
    assert package(doc, "github.com/spf13/cobra")["licenseDeclared"] == "NOASSERTION"
    assert not any(c.startswith("stockade:package:license") for c in comments(package(doc, "serde")))
    assert doc["hasExtractedLicensingInfos"] == [
        {"licenseId": "LicenseRef-Apache-2.0", "extractedText": "Apache 2.0", "name": "Apache 2.0"},
        {"licenseId": "LicenseRef-Artistic-or-GPL-1", "extractedText": "Artistic or GPL-1+",
         "name": "Artistic or GPL-1+"},
        {"licenseId": "LicenseRef-public-domain", "extractedText": "public-domain", "name": "public-domain"},
    ]


def test_mixed_licences_are_one_valid_expression(tmp_path: Path) -> None:
    pkg = Package("x", "1", "npm", purl="pkg:npm/x@1", licenses=("MIT OR Apache-2.0", "BSD", "bsd", "isc"))
    text = render(Report(tool=Tool(), target="project", packages=(pkg,)))
    assert_valid(text, tmp_path)
    doc = json.loads(text)
    assert package(doc, "x")["licenseDeclared"] == "(MIT OR Apache-2.0) AND LicenseRef-BSD AND LicenseRef-bsd-2 AND ISC"
    assert [c for c in comments(package(doc, "x")) if "license" in c] == [
        "stockade:package:license: MIT OR Apache-2.0",
        "stockade:package:license: BSD",
        "stockade:package:license: bsd",
        "stockade:package:license: isc",
    ]


def test_relationships(kit: SbomKit) -> None:
    doc = parse(kit.report())
    ids = {p["name"]: p["SPDXID"] for p in doc["packages"]}
    image = "SPDXRef-ContainerImage-registry.example.com-shop-web-1.4.2"
    assert relationships(doc, "DESCRIBES") == [("SPDXRef-DOCUMENT", image)]
    contains = relationships(doc, "CONTAINS")
    assert [c[0] for c in contains] == [image] * (len(doc["packages"]) - 1)
    assert sorted(c[1] for c in contains) == sorted(p["SPDXID"] for p in doc["packages"][1:])
    assert sorted(relationships(doc, "DEPENDS_ON")) == sorted([
        (ids["libssl3"], ids["libc6"]),
        (ids["openssl"], ids["libc6"]),
        (ids["openssl"], ids["libssl3"]),
        (ids["perl-base"], ids["libc6"]),
        (ids["express"], ids["body-parser"]),
        (ids["express"], ids["cookie"]),
        (ids["body-parser"], ids["bytes"]),
    ])


def test_metadata_keys_are_encoded_in_annotations() -> None:
    assert annotation_comment("stockade:metadata:a: b%", "v: w") == "stockade:metadata:a%3A%20b%25: v: w"
    assert annotation_comment("stockade:package:found_by", "dpkg") == "stockade:package:found_by: dpkg"


def test_odd_values_stay_valid(tmp_path: Path) -> None:
    pkg = Package(
        name="wéird name/with:all\"sorts",
        version="",
        ecosystem="generic",
        licenses=("", "Ünïcode licence ✓", "LicenseRef-already"),
        locations=(Location("a b/c\u00e9.txt", line=0),),
        metadata={"key: with colon": "value\nwith newline"},
        layer=LayerRef(index=3),
    )
    text = render(Report(tool=Tool(version=""), target="", packages=(pkg,), artifact=Artifact(kind="image", name="")))
    assert_valid(text, tmp_path)
    doc = json.loads(text)
    assert doc["name"] == "stockade"
    assert [p["SPDXID"] for p in doc["packages"]] == ["SPDXRef-ContainerImage-stockade",
                                                      "SPDXRef-Package-generic-w-ird-name-with-all-sorts"]


def test_formatter_attributes() -> None:
    assert SpdxJsonFormatter.name == "spdx-json"
    assert SpdxJsonFormatter.media_type == "application/spdx+json"
