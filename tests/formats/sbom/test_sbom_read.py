from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from stockade.formats.cyclonedx import CycloneDxFormatter
from stockade.formats.sbomread import MAX_DEPTH, MAX_DIAGNOSTICS, read_sbom
from stockade.formats.spdx import SpdxJsonFormatter
from stockade.model import (
    Artifact,
    Diagnostic,
    DiagnosticLevel,
    ImageConfig,
    LayerRef,
    Location,
    OSInfo,
    Package,
    Report,
    Tool,
)

if TYPE_CHECKING:
    from conftest import SbomKit

FORMATTERS = {"cyclonedx": CycloneDxFormatter(), "spdx-json": SpdxJsonFormatter()}
PATH = "scan/sbom.json"


def render(fmt: str, report: Report) -> bytes:
    out = io.StringIO()
    FORMATTERS[fmt].render(report, out)
    return out.getvalue().encode()


def read(data: Any) -> tuple[list[Package], Artifact | None, list[Diagnostic]]:
    """Read bytes as they are, anything else as its JSON text."""
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    return read_sbom(data, PATH)


def problems(diags: list[Diagnostic]) -> list[tuple[str, str]]:
    """(JSON pointer, message) of each diagnostic; every one names the SBOM path."""
    assert all(d.location.path == PATH and d.source == "sbom" for d in diags)
    return [(d.location.object_path, d.message) for d in diags]


def named(packages: list[Package], name: str) -> Package:
    (found,) = [p for p in packages if p.name == name]
    return found


def edges(packages: list[Package]) -> dict[tuple[str, str, str], list[tuple[str, str, str]]]:
    """Dependency edges by (name, version, first location), independent of the ids."""
    def key(p: Package) -> tuple[str, str, str]:
        return p.name, p.version, p.locations[0].path if p.locations else ""
    by_id = {p.id: p for p in packages}
    assert len(by_id) == len(packages), "package ids are not unique"
    return {key(p): sorted(key(by_id[d]) for d in p.depends_on) for p in packages}


def original_edges(packages: tuple[Package, ...]) -> dict[tuple[str, str, str], list[tuple[str, str, str]]]:
    def key(p: Package) -> tuple[str, str, str]:
        return p.name, p.version, p.locations[0].path if p.locations else ""
    by_id = {(p.found_by, p.id): p for p in packages if p.id}
    return {key(p): sorted(key(by_id[p.found_by, d]) for d in p.depends_on) for p in packages}


def without_graph(packages: list[Package] | tuple[Package, ...]) -> list[Package]:
    return sorted((replace(p, id="", depends_on=()) for p in packages), key=repr)


# --- round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx-json"])
def test_round_trip(kit: SbomKit, fmt: str) -> None:
    report = kit.report()
    packages, artifact, diags = read(render(fmt, report))
    assert diags == []
    assert artifact == report.artifact
    assert len(packages) == len(report.packages)
    assert without_graph(packages) == without_graph(report.packages)
    assert edges(packages) == original_edges(report.packages)
    assert named(packages, "express").depends_on == ("pkg:npm/body-parser@1.20.1", "pkg:npm/cookie@0.5.0")


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx-json"])
def test_round_trip_of_awkward_packages(fmt: str) -> None:
    packages = (
        Package("log4j-core", "2.17.1", "maven", purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1",
                licenses=("apache-2.0", "MIT OR Apache-2.0", "Apache 2.0"), dev=True,
                locations=(Location("a/pom.xml", 3), Location("b/pom.xml"), Location("c d/ünï.jar", 12)),
                metadata={"key: with colon": "v: w", "%": "100%", "empty": ""}),
        Package("left-pad", "", "npm", purl="pkg:npm/left-pad", licenses=("WTFPL",)),
        Package("zlib", "1.3.1-r0", "apk", layer=LayerRef(index=4), arch="aarch64", source_name="zlib",
                licenses=("Zlib",), found_by="apk"),
        Package("github.com/BurntSushi/toml", "v1.3.2", "golang", purl="pkg:golang/github.com/burntsushi/toml@v1.3.2",
                licenses=("LicenseRef-scancode-unknown",)),
    )
    report = Report(tool=Tool(), target="project", packages=packages,
                    artifact=Artifact(kind="rootfs", name="/mnt/root", os=OSInfo("alpine", "3.19.1", distroless=True,
                                                                                eosl=True)))
    read_back, artifact, diags = read(render(fmt, report))
    assert diags == []
    assert without_graph(read_back) == without_graph(report.packages)
    assert artifact == report.artifact


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx-json"])
def test_round_trip_without_artifact(kit: SbomKit, fmt: str) -> None:
    report = kit.report(artifact=None, target="srv/app")
    packages, artifact, diags = read(render(fmt, report))
    assert diags == []
    assert artifact == Artifact(kind="filesystem", name="srv/app")
    assert without_graph(packages) == without_graph(report.packages)


# --- foreign SBOMs --------------------------------------------------------------------------------


def test_trivy_cyclonedx(kit: SbomKit) -> None:
    packages, artifact, diags = read((kit.testdata / "trivy-node-alpine.cdx.json").read_bytes())
    assert diags == []
    l0 = "sha256:677fdeafca9723a7c5ec2617f171e0bd09820677680da4faa8e7432c9c42a4f8"
    l1 = "sha256:fc046f16348005c5144a22b34228b006e6e61a1b3856fa8d8771ebcbb56c98eb"
    digest = "sha256:72bff3258084d8b1ae76cf16afae49650fded950ce0c42b96c07da22d047b5d8"
    assert artifact == Artifact(
        kind="image",
        name="node:20.11.1-alpine3.19",
        digest=digest,
        repo_tags=("node:20.11.1-alpine3.19",),
        repo_digests=(f"node@{digest}",),
        os=OSInfo(family="alpine", version="3.19.1"),
        config=ImageConfig(architecture="amd64"),
        layers=(LayerRef(0, diff_id=l0), LayerRef(1, diff_id=l1)),
        config_digest="sha256:2bea519d09ed7b74826a6bf26236b23ca1c19875a3278f9b7568725fd89c9a14",
    )
    assert sorted(p.name for p in packages) == ["@npmcli/arborist", "busybox", "libcrypto3", "libssl3", "ms", "musl"]
    libssl = named(packages, "libssl3")
    assert libssl == Package(
        name="libssl3",
        version="3.1.4-r5",
        ecosystem="apk",
        purl="pkg:apk/alpine/libssl3@3.1.4-r5?arch=x86_64&distro=3.19.1",
        source_name="openssl",
        source_version="3.1.4-r5",
        licenses=("Apache-2.0",),
        arch="x86_64",
        layer=LayerRef(0, digest="sha256:1d6cca107b9ef3d1ae2ea9d4bffb3966ae4dde0ada7ad93bf0b60876896066fc",
                       diff_id=l0),
        id="pkg:apk/alpine/libssl3@3.1.4-r5?arch=x86_64&distro=3.19.1",
        depends_on=("pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=3.19.1",
                    "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1"),
    )
    arborist = named(packages, "@npmcli/arborist")
    assert arborist.purl == "pkg:npm/%40npmcli/arborist@7.2.1"
    arborist_json = "usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json"
    assert arborist.locations == (Location(arborist_json),)
    assert arborist.layer is not None and arborist.layer.index == 1
    assert arborist.depends_on == ("pkg:npm/ms@2.1.3",)
    assert arborist.licenses == ("ISC",)


def test_syft_cyclonedx(kit: SbomKit) -> None:
    packages, artifact, diags = read((kit.testdata / "syft-debian.cdx.json").read_bytes())
    assert diags == []
    assert artifact == Artifact(
        kind="image",
        name="debian",
        digest="sha256:63f2f6cf6db12e37e067f76cf8262d734692ae3ae856eff72250a91fb975e9a3",
        os=OSInfo(family="debian", version="12", name="Debian GNU/Linux 12 (bookworm)"),
    )
    assert [p.name for p in packages] == ["libc6", "libssl3", "tzdata"]  # the file component is not a package
    libc = named(packages, "libc6")
    assert libc == Package(
        name="libc6",
        version="2.36-9+deb12u4",
        ecosystem="deb",
        purl="pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12",
        locations=(Location("/var/lib/dpkg/status"), Location("/usr/share/doc/libc6/copyright")),
        source_name="glibc",
        source_version="2.36-9+deb12u4",
        licenses=("GPL-2.0-only", "LGPL-2.1"),
        arch="amd64",
        layer=LayerRef(-1, diff_id="sha256:df93f901ab470a69da71ff63fcbed5b971f6fd70013870b764610e8c962b024d"),
        id=libc.purl,
    )
    assert named(packages, "libssl3").depends_on == (libc.id,)
    assert named(packages, "libssl3").source_name == "openssl"
    tzdata = named(packages, "tzdata")
    assert (tzdata.source_name, tzdata.arch, tzdata.licenses) == ("", "all", ())


def test_syft_spdx(kit: SbomKit) -> None:
    packages, artifact, diags = read((kit.testdata / "syft-debian.spdx.json").read_bytes())
    assert diags == []
    assert artifact == Artifact(
        kind="image",
        name="debian",
        digest="sha256:63f2f6cf6db12e37e067f76cf8262d734692ae3ae856eff72250a91fb975e9a3",
        os=OSInfo(family="debian", version="12"),  # from the distro qualifier of the deb purls
        config=ImageConfig(architecture="amd64"),
    )
    assert [p.name for p in packages] == ["libc6", "libssl3", "dpkg"]
    libc = named(packages, "libc6")
    assert libc.licenses == ("GPL-2.0-only AND LicenseRef-LGPL-2.1",)
    assert (libc.source_name, libc.source_version) == ("glibc", "2.36-9+deb12u4")
    # DEPENDENCY_OF: libc6 is a dependency of libssl3 and of dpkg
    assert named(packages, "libssl3").depends_on == (libc.id,)
    assert named(packages, "dpkg").depends_on == (libc.id,)
    # a lone LicenseRef reads back as its text; PACKAGE_MANAGER (2.2 spelling) is accepted
    assert named(packages, "dpkg").licenses == ("public-domain-md5",)
    assert named(packages, "dpkg").purl == "pkg:deb/debian/dpkg@1.21.22?arch=amd64&distro=debian-12"


def test_cyclonedx_1_2_with_nested_components(kit: SbomKit) -> None:
    packages, artifact, diags = read((kit.testdata / "cyclonedx-1.2-nested.json").read_bytes())
    assert problems(diags) == [("/components", "/components: 1 library component without a purl skipped")]
    assert diags[0].level is DiagnosticLevel.INFO
    assert artifact == Artifact(kind="filesystem", name="spring-petclinic")
    assert sorted((p.name, p.version, p.licenses) for p in packages) == [
        ("com.h2database:h2", "2.2.224", ("MPL-2.0 OR EPL-1.0",)),
        ("org.springframework.boot:spring-boot", "3.2.0", ("Apache-2.0",)),
        ("org.springframework:spring-core", "6.1.1", ("Apache-2.0",)),
        ("org.springframework:spring-jcl", "6.1.1", ()),
    ]
    assert named(packages, "org.springframework:spring-core").depends_on == (
        "pkg:maven/org.springframework/spring-jcl@6.1.1?type=jar",)


def test_trivy_spdx_annotations_and_source_info() -> None:
    diff_id = "sha256:" + "5" * 64
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "alpine:3.15",
        "documentNamespace": "http://trivy.dev/container_image/alpine:3.15-12db86e1",
        "creationInfo": {"creators": ["Tool: trivy-0.58.0"], "created": "2025-02-11T07:43:38Z"},
        "packages": [
            {"name": "alpine:3.15", "SPDXID": "SPDXRef-ContainerImage-d8b2a386253047e7", "downloadLocation": "NONE",
             "primaryPackagePurpose": "CONTAINER", "filesAnalyzed": False},
            {"name": "alpine", "SPDXID": "SPDXRef-OperatingSystem-c24750c3b737d897", "versionInfo": "3.15.11",
             "downloadLocation": "NONE", "primaryPackagePurpose": "OPERATING-SYSTEM", "filesAnalyzed": False},
            {"name": "libc-utils", "SPDXID": "SPDXRef-Package-43343abe5c1a0439", "versionInfo": "0.7.2-r3",
             "downloadLocation": "NONE", "primaryPackagePurpose": "LIBRARY", "filesAnalyzed": False,
             "sourceInfo": "built package from: libc-dev 0.7.2-r3",
             "licenseConcluded": "BSD-2-Clause AND BSD-3-Clause", "licenseDeclared": "NOASSERTION",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                               "referenceLocator": "pkg:apk/alpine/libc-utils@0.7.2-r3?arch=x86_64&distro=3.15.11"}],
             "annotations": [
                 {"annotator": "Tool: trivy-0.58.0", "annotationDate": "2025-02-11T07:43:38Z",
                  "annotationType": "OTHER", "comment": f"LayerDiffID: {diff_id}"},
                 {"annotator": "Tool: trivy-0.58.0", "annotationDate": "2025-02-11T07:43:38Z",
                  "annotationType": "OTHER", "comment": "PkgType: alpine"},
             ]},
        ],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": "SPDXRef-ContainerImage-d8b2a386253047e7"},
            {"spdxElementId": "SPDXRef-OperatingSystem-c24750c3b737d897", "relationshipType": "CONTAINS",
             "relatedSpdxElement": "SPDXRef-Package-43343abe5c1a0439"},
        ],
    }
    packages, artifact, diags = read(doc)
    assert diags == []
    assert artifact == Artifact(kind="image", name="alpine:3.15", os=OSInfo(family="alpine", version="3.15.11"))
    (libc,) = packages
    assert (libc.source_name, libc.source_version) == ("libc-dev", "0.7.2-r3")
    assert libc.licenses == ("BSD-2-Clause AND BSD-3-Clause",)
    assert libc.layer == LayerRef(-1, diff_id=diff_id)


def test_spdx_2_2_document_describes_and_packages_without_purl() -> None:
    doc = {
        "spdxVersion": "SPDX-2.2",
        "SPDXID": "SPDXRef-DOCUMENT",
        "documentDescribes": ["SPDXRef-Root"],
        "packages": [
            {"SPDXID": "SPDXRef-Root", "name": "my-service", "downloadLocation": "NOASSERTION"},
            {"SPDXID": "SPDXRef-a", "name": "flask", "versionInfo": "3.0.2", "licenseDeclared": "BSD-3-Clause",
             "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
                               "referenceLocator": "pkg:pypi/flask@3.0.2"}]},
            {"SPDXID": "SPDXRef-b", "name": "internal-lib", "versionInfo": "1"},
        ],
    }
    packages, artifact, diags = read(doc)
    assert artifact == Artifact(kind="filesystem", name="my-service")
    assert [(p.name, p.version, p.ecosystem, p.licenses) for p in packages] == [
        ("flask", "3.0.2", "pypi", ("BSD-3-Clause",))]
    assert problems(diags) == [("/packages", "/packages: 1 package without a purl skipped")]


def test_rpm_upstream_qualifier_and_distro_from_purl() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{
            "type": "library",
            "name": "openssl-libs",
            "version": "1:3.0.7-24.el9",
            "purl": "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1"
                    "&upstream=openssl-3.0.7-24.el9.src.rpm&distro=rhel-9.3",
        }],
    }
    packages, artifact, diags = read(doc)
    assert diags == []
    (openssl,) = packages
    assert (openssl.source_name, openssl.source_version, openssl.arch) == ("openssl", "3.0.7-24.el9", "x86_64")
    assert openssl.version == "1:3.0.7-24.el9"
    assert artifact == Artifact(kind="sbom", name=PATH, os=OSInfo(family="rhel", version="9.3"))


def test_trivy_rpm_source_with_epoch_and_release() -> None:
    props = [{"name": f"aquasecurity:trivy:{k}", "value": v}
             for k, v in (("SrcName", "openssl"), ("SrcVersion", "3.0.7"), ("SrcRelease", "24.el9"), ("SrcEpoch", "1"))]
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"type": "library", "name": "openssl-libs", "version": "1:3.0.7-24.el9", "properties": props,
         "purl": "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=redhat-9.3&epoch=1"}]}
    packages, artifact, _ = read(doc)
    assert (packages[0].source_name, packages[0].source_version) == ("openssl", "1:3.0.7-24.el9")
    assert artifact is not None and artifact.os == OSInfo(family="rhel", version="9.3")


def test_same_purl_twice_gets_distinct_ids() -> None:
    component = {"type": "library", "name": "six", "version": "1.16.0", "purl": "pkg:pypi/six@1.16.0"}
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6",
           "components": [dict(component, **{"bom-ref": "a"}), dict(component, **{"bom-ref": "b"})],
           "dependencies": [{"ref": "a", "dependsOn": ["b"]}]}
    packages, _, diags = read(doc)
    assert diags == []
    first, second = packages
    assert first.id != second.id
    assert all(p.id.startswith("pkg:pypi/six@1.16.0|") for p in packages)
    assert first.depends_on == (second.id,)


# --- hostile input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the SBOM is empty"),
        (b"   \n", "the SBOM is empty"),
        (b"not json {", "not valid JSON"),
        (b"\x00\xff\xfe\x01garbage\x89PNG\r\n", "not valid JSON"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "a"', "not valid JSON"),
        (b"[]", "the SBOM is an array in JSON, not an object"),
        (b'"CycloneDX"', "the SBOM is a string in JSON, not an object"),
        (b"{}", "neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)"),
        (b'{"name": "x", "packages": []}', "neither CycloneDX"),
        (b'{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}', "SPDX 3"),
        (b'{"bomFormat": "SPDX"}', "bomFormat is 'SPDX', not \"CycloneDX\""),
        (b'{"bomFormat": 7}', "bomFormat is a number"),
        (b'{"spdxVersion": "SPDX-3.0"}', "only SPDX 2.2 and 2.3 are supported"),
        (b'{"spdxVersion": 2.3}', "spdxVersion is a number"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_unreadable_documents(data: bytes, message: str) -> None:
    packages, artifact, diags = read(data)
    assert packages == []
    assert artifact is None
    (diag,) = diags
    assert diag.level is DiagnosticLevel.ERROR
    assert diag.location.path == PATH
    assert message in diag.message


def test_truncated_sbom(kit: SbomKit) -> None:
    data = render("cyclonedx", kit.report())
    packages, artifact, diags = read(data[: len(data) // 2])
    assert (packages, artifact) == ([], None)
    assert "not valid JSON" in diags[0].message


def test_utf8_bom_is_accepted() -> None:
    packages, _, diags = read(b"\xef\xbb\xbf" + json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.4",
         "components": [{"type": "library", "name": "ms", "version": "2.1.3", "purl": "pkg:npm/ms@2.1.3"}]}).encode())
    assert diags == []
    assert [p.name for p in packages] == ["ms"]


def test_cyclonedx_wrong_types_everywhere() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": 1.6,
        "metadata": {"component": ["not", "an", "object"]},
        "components": [
            1,
            "text",
            {"type": "library", "name": 5},
            {"type": "library", "name": "a", "purl": 7},
            {"type": "library", "name": "b", "purl": "not a purl"},
            {"type": "library", "name": "c", "purl": "pkg:npm/c@1.0.0", "version": 1.5, "licenses": "MIT",
             "properties": {"a": 1}, "evidence": [], "group": ["x"]},
            {"type": "library", "name": "d", "purl": "pkg:npm/d@2.0.0", "bom-ref": "d",
             "licenses": [1, {"license": 3}, {"license": {}}, {"expression": 4}, {"license": {"id": "MIT"}}],
             "properties": [1, {"name": 2}, {"name": "stockade:layer:index", "value": "x"},
                            {"name": "stockade:package:found_by", "value": 9}],
             "evidence": {"occurrences": [1, {"location": 5}, {"location": "p", "line": "7"},
                                          {"location": "q", "line": 4}]},
             "components": "no"},
            {"type": "library", "name": "e", "bom-ref": "e"},
        ],
        "dependencies": [1, {"ref": 2}, {"ref": "d", "dependsOn": [3, "missing", "d", "e"]}],
    }
    packages, artifact, diags = read(doc)
    assert artifact is None
    # the version falls back to the purl's
    assert [(p.name, p.version, p.purl) for p in packages] == [("c", "1.0.0", "pkg:npm/c@1.0.0"),
                                                                ("d", "2.0.0", "pkg:npm/d@2.0.0")]
    d = packages[1]
    assert d.licenses == ("MIT",)
    assert d.locations == (Location("p"), Location("q", line=4))
    assert d.layer == LayerRef(-1)
    assert d.found_by == ""
    assert d.depends_on == ()
    assert problems(diags) == [
        ("/specVersion", "/specVersion: specVersion is missing or not a string; reading as CycloneDX 1.6"),
        ("/metadata/component", "/metadata/component: component is an array, not an object"),
        ("/components/0", "/components/0: component is a number, not an object"),
        ("/components/1", "/components/1: component is a string, not an object"),
        ("/components/2/name", "/components/2/name: name is a number, not a string"),
        ("/components/3/purl", "/components/3/purl: purl is a number, not a string"),
        ("/components/4/purl", "/components/4/purl: invalid purl: not a purl (no 'pkg:' scheme): 'not a purl'"),
        ("/components/5/version", "/components/5/version: version is a number, not a string"),
        ("/components/5/group", "/components/5/group: group is an array, not a string"),
        ("/components/5/licenses", "/components/5/licenses: licenses is a string, not an array"),
        ("/components/5/evidence", "/components/5/evidence: evidence is an array, not an object"),
        ("/components/5/properties", "/components/5/properties: properties is an object, not an array"),
        ("/components/6/licenses/0", "/components/6/licenses/0: licence choice is a number, not an object"),
        ("/components/6/licenses/1/license", "/components/6/licenses/1/license: license is a number, not an object"),
        ("/components/6/licenses/1",
         "/components/6/licenses/1: licence choice has neither a license nor an expression"),
        ("/components/6/licenses/2/license",
         "/components/6/licenses/2/license: licence has neither an id nor a name"),
        ("/components/6/licenses/3/expression",
         "/components/6/licenses/3/expression: expression is a number, not a string"),
        ("/components/6/evidence/occurrences/0",
         "/components/6/evidence/occurrences/0: occurrence is a number, not an object"),
        ("/components/6/evidence/occurrences/1/location",
         "/components/6/evidence/occurrences/1/location: location is a number, not a string"),
        ("/components/6/evidence/occurrences/1", "/components/6/evidence/occurrences/1: occurrence without a location"),
        ("/components/6/evidence/occurrences/2/line",
         "/components/6/evidence/occurrences/2/line: line is a string, not an integer"),
        ("/components/6/properties/0", "/components/6/properties/0: property is a number, not an object"),
        ("/components/6/properties/1",
         "/components/6/properties/1: property without a name (or a name that is not a string)"),
        ("/components/6/properties/3/value", "/components/6/properties/3/value: value is a number, not a string"),
        ("/components/6", "/components/6: stockade:layer:index is 'x', not a number"),
        ("/components/6/components", "/components/6/components: components is a string, not an array"),
        ("/components", "/components: 1 library component without a purl skipped"),
        ("/dependencies/0", "/dependencies/0: dependency is a number, not an object"),
        ("/dependencies/1/ref", "/dependencies/1/ref: ref is a number, not a string"),
        ("/dependencies/1", "/dependencies/1: dependency without a ref"),
        ("/dependencies/2/dependsOn/0", "/dependencies/2/dependsOn/0: dependsOn entry is a number, not a string"),
    ]
    assert {d.level for d in diags} == {DiagnosticLevel.WARNING, DiagnosticLevel.INFO}


def test_spdx_wrong_types_everywhere() -> None:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "hasExtractedLicensingInfos": "none",
        "documentDescribes": [5],
        "packages": [
            3,
            {"name": "no-id"},
            {"SPDXID": "SPDXRef-x", "name": 4, "externalRefs": [{"referenceType": "purl",
                                                                 "referenceLocator": "pkg:npm/x@1"}]},
            {"SPDXID": "SPDXRef-y", "name": "y", "versionInfo": ["1"], "licenseDeclared": 5,
             "annotations": "oops", "externalRefs": [7, {"referenceType": "purl", "referenceLocator": "pkg:"}]},
            {"SPDXID": "SPDXRef-z", "name": "z", "versionInfo": "2.0.0", "primaryPackagePurpose": 1,
             "annotations": [1, {"comment": 5}, {"comment": "stockade:package:ecosystem: cargo"},
                             {"comment": "stockade:location:0:line: seven"},
                             {"comment": "stockade:location:0:path: lib/z"}, {"comment": "no separator"}],
             "externalRefs": {"referenceType": "purl"}, "sourceInfo": None},
            {"SPDXID": "SPDXRef-w", "name": "w", "versionInfo": "1.0.0",
             "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:cargo/w@1.0.0"}]},
            {"SPDXID": "SPDXRef-v", "name": "v", "versionInfo": "1"},
        ],
        "relationships": [1, {"spdxElementId": "SPDXRef-w"},
                          {"spdxElementId": "SPDXRef-w", "relationshipType": "DEPENDS_ON",
                           "relatedSpdxElement": "SPDXRef-z"}],
    }
    packages, artifact, diags = read(doc)
    assert artifact is None
    z, w = packages
    assert (z.name, z.version, z.ecosystem, z.purl, z.locations) == ("z", "2.0.0", "cargo", "", (Location("lib/z"),))
    assert (w.name, w.version, w.ecosystem, w.purl) == ("w", "1.0.0", "cargo", "pkg:cargo/w@1.0.0")
    assert w.depends_on == (z.id,)
    assert problems(diags) == [
        ("/hasExtractedLicensingInfos",
         "/hasExtractedLicensingInfos: hasExtractedLicensingInfos is a string, not an array"),
        ("/relationships/0", "/relationships/0: relationship is a number, not an object"),
        ("/relationships/1",
         "/relationships/1: relationship without spdxElementId, relationshipType or relatedSpdxElement"),
        ("/documentDescribes/0", "/documentDescribes/0: documentDescribes entry is a number, not a string"),
        ("/packages/0", "/packages/0: package is a number, not an object"),
        ("/packages/1", "/packages/1: package without an SPDXID"),
        ("/packages/3/annotations", "/packages/3/annotations: annotations is a string, not an array"),
        ("/packages/3/externalRefs/0", "/packages/3/externalRefs/0: external reference is a number, not an object"),
        ("/packages/4/annotations/0", "/packages/4/annotations/0: annotation is a number, not an object"),
        ("/packages/4/annotations/1/comment", "/packages/4/annotations/1/comment: comment is a number, not a string"),
        ("/packages/4/primaryPackagePurpose",
         "/packages/4/primaryPackagePurpose: primaryPackagePurpose is a number, not a string"),
        ("/packages/4/externalRefs", "/packages/4/externalRefs: externalRefs is an object, not an array"),
        ("/packages", "/packages: 1 package without a purl skipped"),
        ("/packages/2/name", "/packages/2/name: name is a number, not a string"),
        ("/packages/2", "/packages/2: package without a name"),
        ("/packages/3/versionInfo", "/packages/3/versionInfo: versionInfo is an array, not a string"),
        ("/packages/3/externalRefs", "/packages/3/externalRefs: invalid purl: invalid purl type in 'pkg:'"),
        ("/packages/3/licenseDeclared", "/packages/3/licenseDeclared: licenseDeclared is a number, not a string"),
        ("/packages/4", "/packages/4: location line 'seven' is not a number"),
    ]


def test_components_nested_too_deeply() -> None:
    depth = MAX_DEPTH + 10
    component: dict[str, Any] = {"type": "library", "name": f"n{depth}", "purl": f"pkg:npm/n{depth}@1.0.0"}
    for i in reversed(range(depth)):
        component = {"type": "library", "name": f"n{i}", "purl": f"pkg:npm/n{i}@1.0.0", "components": [component]}
    packages, _, diags = read({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [component]})
    assert [p.name for p in packages] == [f"n{i}" for i in range(MAX_DEPTH + 1)]
    pointer = "/components/0" + "/components/0" * MAX_DEPTH + "/components"
    assert problems(diags) == [(pointer, f"{pointer}: components nested deeper than {MAX_DEPTH} levels are ignored")]


def test_100k_components() -> None:
    n = 100_000
    components = ",".join(
        f'{{"type":"library","bom-ref":"r{i}","name":"pkg{i}","version":"1.{i}.0","purl":"pkg:npm/pkg{i}@1.{i}.0"}}'
        for i in range(n)
    )
    dependencies = ",".join(f'{{"ref":"r{i}","dependsOn":["r{i + 1}"]}}' for i in range(n - 1))
    data = (f'{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{components}],'
            f'"dependencies":[{dependencies}]}}').encode()
    start = time.perf_counter()
    packages, _, diags = read(data)
    elapsed = time.perf_counter() - start
    assert diags == []
    assert len(packages) == n
    assert len({p.id for p in packages}) == n
    assert packages[0].depends_on == ("pkg:npm/pkg1@1.1.0",)
    assert packages[-1].depends_on == ()
    assert elapsed < 60


def test_diagnostics_are_capped() -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [7] * 1000}
    packages, _, diags = read(doc)
    assert packages == []
    assert len(diags) == MAX_DIAGNOSTICS + 1
    assert diags[-1].message == "900 more problems in this SBOM are not shown"


def test_duplicate_bom_ref() -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "bom-ref": "x", "name": "a", "purl": "pkg:npm/a@1"},
        {"type": "library", "bom-ref": "x", "name": "b", "purl": "pkg:npm/b@1"},
    ]}
    packages, _, diags = read(doc)
    assert [p.name for p in packages] == ["a", "b"]
    assert problems(diags) == [("/components/1", "/components/1: duplicate reference 'x'; dependency edges go to "
                                                 "the first one")]


def test_unknown_cyclonedx_version_is_read_anyway() -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.7",
           "components": [{"type": "library", "name": "ms", "purl": "pkg:npm/ms@2.1.3"}]}
    packages, _, diags = read(doc)
    assert [(p.name, p.version) for p in packages] == [("ms", "2.1.3")]
    assert problems(diags) == [("/specVersion", "/specVersion: CycloneDX 1.7 is not a version stockade knows "
                                                "(1.2 to 1.6); reading it anyway")]
    assert diags[0].level is DiagnosticLevel.INFO


def test_huge_numbers_in_property_names_and_values() -> None:
    nines = "9" * 5000
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{
        "type": "library", "name": "x", "purl": "pkg:npm/x@1.0.0",
        "properties": [{"name": f"stockade:image:layer:{nines}:digest", "value": "sha256:0"},
                       {"name": "stockade:package:ecosystem", "value": "npm"},
                       {"name": "stockade:layer:index", "value": nines}],
    }]}
    packages, _, diags = read(doc)
    assert [p.name for p in packages] == ["x"]
    assert packages[0].layer == LayerRef(-1)
    assert problems(diags) == [("/components/0", f"/components/0: stockade:layer:index is '{nines[:40]}', "
                                                 "not a number")]


_JUNK: list[Any] = [None, 0, -1, 1.5, True, "", "x", "pkg:", [], [1], {}, {"a": 1}, "9" * 50]


def _nodes(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.extend(_nodes(value, (*path, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.extend(_nodes(value, (*path, i)))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


@pytest.mark.parametrize("source", ["cyclonedx", "spdx-json", "trivy-node-alpine.cdx.json", "syft-debian.spdx.json",
                                    "syft-debian.cdx.json", "cyclonedx-1.2-nested.json"])
def test_random_wrong_types_never_break_the_reader(kit: SbomKit, source: str) -> None:
    import random

    rng = random.Random(source)
    if source in FORMATTERS:
        original = render(source, kit.report()).decode()
    else:
        original = (kit.testdata / source).read_text(encoding="utf-8")
    nodes = _nodes(json.loads(original))
    for _ in range(300):
        doc = json.loads(original)
        for path in rng.sample(nodes, 3):
            try:
                doc = _mutate(doc, path, rng.choice(_JUNK))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation removed the parent
        packages, _, diags = read(doc)
        assert not [d for d in diags if "cannot read the SBOM" in d.message], diags
        assert len({p.id for p in packages}) == len(packages)
