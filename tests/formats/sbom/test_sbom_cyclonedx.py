from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from stockade.formats.cyclonedx import CycloneDxFormatter, license_choice, report_to_cyclonedx
from stockade.model import Artifact, LayerRef, Location, OSInfo, Package, Report, Tool

if TYPE_CHECKING:
    from conftest import SbomKit

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def render(report: Report) -> str:
    out = io.StringIO()
    CycloneDxFormatter().render(report, out)
    return out.getvalue()


def parse(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(report))
    return doc


def assert_valid(text: str) -> None:
    """Valid against the official CycloneDX 1.6 JSON schema (strict: no unknown properties)."""
    errors = VALIDATOR.validate_str(text, all_errors=True)
    assert errors is None, "\n".join(str(e) for e in errors)


def by_name(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in doc["components"] if c["name"] == name]


def one(doc: dict[str, Any], name: str) -> dict[str, Any]:
    (component,) = by_name(doc, name)
    return component


def props(component: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in component.get("properties", [])]


def depends(doc: dict[str, Any], ref: str) -> list[str]:
    (entry,) = [d for d in doc["dependencies"] if d["ref"] == ref]
    deps: list[str] = entry["dependsOn"]
    return deps


def test_golden(kit: SbomKit) -> None:
    text = render(kit.report())
    assert text.endswith("}\n")
    kit.golden("image.cdx.json", json.loads(text))


def test_valid_against_the_official_schema(kit: SbomKit) -> None:
    assert_valid(render(kit.report()))


@pytest.mark.parametrize(
    "artifact",
    [
        None,
        Artifact(kind="rootfs", name="/mnt/rootfs", os=OSInfo(family="alpine", version="3.19.1")),
        Artifact(kind="filesystem", name="."),
        Artifact(kind="image", name="image.tar"),  # no digest, no reference: no purl
        Artifact(kind="sbom", name="other.spdx.json"),
    ],
)
def test_other_artifacts_are_valid(kit: SbomKit, artifact: Artifact | None) -> None:
    report = kit.report(artifact=artifact)
    text = render(report)
    assert_valid(text)
    root = json.loads(text)["metadata"]["component"]
    expected_type = {None: "application", "rootfs": "file", "filesystem": "application", "image": "container",
                     "sbom": "file"}[artifact.kind if artifact else None]
    assert root["type"] == expected_type
    assert "purl" not in root


def test_empty_report_is_valid() -> None:
    report = Report(tool=Tool(), target="empty")
    text = render(report)
    assert_valid(text)
    doc = json.loads(text)
    assert doc["components"] == []
    assert doc["dependencies"] == [{"ref": "stockade:artifact:filesystem:empty", "dependsOn": []}]
    assert doc["metadata"]["tools"]["components"] == [{"type": "application", "name": "stockade"}]


def test_header(kit: SbomKit) -> None:
    doc = parse(kit.report())
    assert doc["bomFormat"] == "CycloneDX"
    assert doc["specVersion"] == "1.6"
    assert doc["version"] == 1
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        doc["serialNumber"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["metadata"]["timestamp"])
    assert doc["metadata"]["tools"]["components"] == [{"type": "application", "name": "stockade",
                                                       "version": "0.0.0-test"}]
    assert parse(kit.report())["serialNumber"] != doc["serialNumber"]


def test_deterministic_apart_from_serial_and_timestamp(kit: SbomKit) -> None:
    report = kit.report()
    first = report_to_cyclonedx(report, serial_number="urn:uuid:1", timestamp="t")
    shuffled = kit.report(packages=tuple(reversed(kit.packages())))
    assert report_to_cyclonedx(shuffled, serial_number="urn:uuid:1", timestamp="t") == first


def test_image_component(kit: SbomKit) -> None:
    root = parse(kit.report())["metadata"]["component"]
    digest = kit.digest("manifest")
    expected_purl = (f"pkg:oci/web@{digest}?arch=amd64&repository_url=registry.example.com%2Fshop%2Fweb"
                     "&tag=1.4.2")
    assert root["type"] == "container"
    assert root["name"] == "registry.example.com/shop/web:1.4.2"
    assert root["version"] == digest
    assert root["purl"] == expected_purl
    assert root["bom-ref"] == expected_purl
    assert props(root) == [
        ("stockade:artifact:kind", "image"),
        ("stockade:image:architecture", "amd64"),
        ("stockade:image:config_digest", kit.digest("config")),
        ("stockade:image:layer:0:created_by", kit.base_layer.created_by),
        ("stockade:image:layer:0:diff_id", kit.base_layer.diff_id),
        ("stockade:image:layer:0:digest", kit.base_layer.digest),
        ("stockade:image:layer:1:created_by", kit.app_layer.created_by),
        ("stockade:image:layer:1:diff_id", kit.app_layer.diff_id),
        ("stockade:image:layer:1:digest", kit.app_layer.digest),
        ("stockade:image:os", "linux"),
        ("stockade:image:repo_digest", f"registry.example.com/shop/web@{digest}"),
        ("stockade:image:repo_tag", "registry.example.com/shop/web:1.4.2"),
        ("stockade:image:repo_tag", "registry.example.com/shop/web:latest"),
    ]


def test_docker_hub_image_purl() -> None:
    digest = "sha256:" + "ab" * 32
    artifact = Artifact(kind="image", name="alpine:3.19", repo_digests=(f"alpine@{digest}",))
    root = parse(Report(tool=Tool(), target="alpine:3.19", artifact=artifact))["metadata"]["component"]
    assert root["purl"] == f"pkg:oci/alpine@{digest}?repository_url=docker.io%2Flibrary%2Falpine&tag=3.19"
    assert root["version"] == digest


def test_operating_system_component(kit: SbomKit) -> None:
    doc = parse(kit.report())
    os_component = doc["components"][0]
    assert os_component == {
        "type": "operating-system",
        "bom-ref": "stockade:os:debian@12",
        "name": "debian",
        "version": "12",
        "properties": [
            {"name": "stockade:os:codename", "value": "bookworm"},
            {"name": "stockade:os:name", "value": "Debian GNU/Linux 12 (bookworm)"},
        ],
    }


def test_os_package(kit: SbomKit) -> None:
    libssl = one(parse(kit.report()), "libssl3")
    assert libssl == {
        "type": "library",
        "bom-ref": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        "name": "libssl3",
        "version": "3.0.11-1~deb12u2",
        "licenses": [{"license": {"id": "Apache-2.0"}}],
        "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        "evidence": {"occurrences": [{"location": "var/lib/dpkg/status", "line": 2410}]},
        "properties": [
            {"name": "stockade:layer:created_by", "value": kit.base_layer.created_by},
            {"name": "stockade:layer:diff_id", "value": kit.base_layer.diff_id},
            {"name": "stockade:layer:digest", "value": kit.base_layer.digest},
            {"name": "stockade:layer:index", "value": "0"},
            {"name": "stockade:package:arch", "value": "amd64"},
            {"name": "stockade:package:ecosystem", "value": "deb"},
            {"name": "stockade:package:found_by", "value": "dpkg"},
            {"name": "stockade:package:source_name", "value": "openssl"},
            {"name": "stockade:package:source_version", "value": "3.0.11-1~deb12u2"},
        ],
    }


def test_package_without_purl_gets_a_stockade_ref(kit: SbomKit) -> None:
    tzdata = one(parse(kit.report()), "tzdata")
    assert tzdata["bom-ref"] == "stockade:package:deb/tzdata@2024a-0+deb12u1"
    assert "purl" not in tzdata


@pytest.mark.parametrize(
    ("group", "short"),
    [
        ("org.apache.logging.log4j", "log4j-core"),
        ("@babel", "core"),
        ("monolog", "monolog"),
        ("github.com/spf13", "cobra"),
        (None, "express"),
        (None, "serde"),
    ],
)
def test_namespace_goes_to_group(kit: SbomKit, group: str | None, short: str) -> None:
    """The name splits into group and name the way it reads back: no extra name property needed."""
    doc = parse(kit.report())
    (component,) = [c for c in doc["components"] if c["name"] == short and c.get("group") == group]
    assert "stockade:package:name" not in dict(props(component))


def test_maven_name_without_group_keeps_the_name() -> None:
    pkg = Package("log4j-core", "2.17.1", "maven", purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1")
    (component,) = parse(Report(tool=Tool(), target="x", packages=(pkg,)))["components"]
    assert component["group"] == "org.apache.logging.log4j"
    assert component["name"] == "log4j-core"
    assert ("stockade:package:name", "log4j-core") in props(component)


def test_npm_package_properties_and_evidence(kit: SbomKit) -> None:
    babel = one(parse(kit.report()), "core")
    assert babel["purl"] == "pkg:npm/%40babel/core@7.23.2"
    assert babel["evidence"] == {"occurrences": [{"location": "srv/app/package-lock.json", "line": 40}]}
    assert props(babel) == [
        ("stockade:layer:created_by", kit.app_layer.created_by),
        ("stockade:layer:diff_id", kit.app_layer.diff_id),
        ("stockade:layer:digest", kit.app_layer.digest),
        ("stockade:layer:index", "1"),
        ("stockade:metadata:resolved", "https://registry.npmjs.org/@babel/core/-/core-7.23.2.tgz"),
        ("stockade:package:dev", "true"),
        ("stockade:package:ecosystem", "npm"),
        ("stockade:package:found_by", "npm-lock"),
    ]


def test_location_without_line(kit: SbomKit) -> None:
    log4j = one(parse(kit.report()), "log4j-core")
    assert log4j["evidence"] == {"occurrences": [{"location": "srv/app/lib/log4j-core-2.17.1.jar"}]}


def test_licences(kit: SbomKit) -> None:
    doc = parse(kit.report())
    assert one(doc, "libc6")["licenses"] == [{"license": {"id": "GPL-2.0-or-later"}},
                                             {"license": {"id": "LGPL-2.1-or-later"}}]
    assert one(doc, "serde")["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert one(doc, "perl-base")["licenses"] == [{"license": {"name": "Artistic or GPL-1+"}}]
    assert "licenses" not in one(doc, "cobra")
    names = sorted(json.dumps(c["licenses"]) for c in by_name(doc, "requests"))
    assert names == ['[{"license": {"id": "Apache-2.0"}}]', '[{"license": {"name": "Apache 2.0"}}]']


@pytest.mark.parametrize(
    ("licenses", "expected", "read_back"),
    [
        ((), [], ()),
        (("MIT",), [{"license": {"id": "MIT"}}], ("MIT",)),
        (("mit",), [{"license": {"id": "MIT"}}], ("MIT",)),
        (("GPL-2.0+",), [{"license": {"id": "GPL-2.0+"}}], ("GPL-2.0+",)),
        (("MIT  OR  apache-2.0",), [{"expression": "MIT OR Apache-2.0"}], ("MIT OR Apache-2.0",)),
        (("(MIT OR Apache-2.0) AND BSD-3-Clause",), [{"expression": "(MIT OR Apache-2.0) AND BSD-3-Clause"}],
         ("(MIT OR Apache-2.0) AND BSD-3-Clause",)),
        (("GPL-2.0-only WITH Classpath-exception-2.0",),
         [{"expression": "GPL-2.0-only WITH Classpath-exception-2.0"}], ("GPL-2.0-only WITH Classpath-exception-2.0",)),
        (("LicenseRef-scancode-proprietary",), [{"expression": "LicenseRef-scancode-proprietary"}],
         ("LicenseRef-scancode-proprietary",)),
        (("MIT or Apache-2.0",), [{"license": {"name": "MIT or Apache-2.0"}}], ("MIT or Apache-2.0",)),
        (("GPL-2.0-only WITH Made-Up-exception",), [{"license": {"name": "GPL-2.0-only WITH Made-Up-exception"}}],
         ("GPL-2.0-only WITH Made-Up-exception",)),
        (("Apache 2.0",), [{"license": {"name": "Apache 2.0"}}], ("Apache 2.0",)),
        (("MIT", "MIT OR Apache-2.0", "BSD"),
         [{"license": {"id": "MIT"}}, {"license": {"name": "MIT OR Apache-2.0"}}, {"license": {"name": "BSD"}}],
         ("MIT", "MIT OR Apache-2.0", "BSD")),
        (("  ", "ISC"), [{"license": {"id": "ISC"}}], ("ISC",)),
    ],
)
def test_license_choice(licenses: tuple[str, ...], expected: list[dict[str, Any]],
                        read_back: tuple[str, ...]) -> None:
    assert license_choice(licenses) == (expected, read_back)


def test_licences_that_would_not_read_back_are_kept_as_properties() -> None:
    pkg = Package("left-pad", "1.3.0", "npm", purl="pkg:npm/left-pad@1.3.0", licenses=("wtfpl",))
    (component,) = parse(Report(tool=Tool(), target="x", packages=(pkg,)))["components"]
    assert component["licenses"] == [{"license": {"id": "WTFPL"}}]
    assert ("stockade:package:license", "wtfpl") in props(component)


def test_same_purl_twice_gets_two_stable_refs(kit: SbomKit) -> None:
    doc = parse(kit.report())
    refs = [c["bom-ref"] for c in by_name(doc, "requests")]
    assert len(refs) == 2
    assert all(re.fullmatch(r"pkg:pypi/requests@2\.31\.0\|[0-9a-f]{12}", ref) for ref in refs)
    assert refs == [c["bom-ref"] for c in by_name(parse(kit.report()), "requests")]
    all_refs = [doc["metadata"]["component"]["bom-ref"]] + [c["bom-ref"] for c in doc["components"]]
    assert len(all_refs) == len(set(all_refs))


def test_identical_packages_still_get_unique_refs() -> None:
    pkg = Package("six", "1.16.0", "pypi", purl="pkg:pypi/six@1.16.0")
    doc = parse(Report(tool=Tool(), target="x", packages=(pkg, pkg, pkg)))
    refs = [c["bom-ref"] for c in doc["components"]]
    assert len(set(refs)) == 3
    assert_valid(json.dumps(doc))


def test_dependencies(kit: SbomKit) -> None:
    doc = parse(kit.report())
    root = doc["metadata"]["component"]["bom-ref"]
    ref = {(c.get("group", ""), c["name"]): c["bom-ref"] for c in doc["components"] if c["name"] != "requests"}
    requests = sorted(c["bom-ref"] for c in by_name(doc, "requests"))
    # every component has exactly one entry
    assert sorted(d["ref"] for d in doc["dependencies"]) == sorted(
        [root] + [c["bom-ref"] for c in doc["components"]])
    # the artifact: the OS and the language packages nothing depends on
    assert depends(doc, root) == sorted([
        "stockade:os:debian@12", ref["", "express"], ref["@babel", "core"],
        ref["org.apache.logging.log4j", "log4j-core"], ref["github.com/spf13", "cobra"],
        ref["monolog", "monolog"], ref["", "serde"], *requests,
    ])
    # the OS: its packages nothing else depends on
    assert depends(doc, "stockade:os:debian@12") == sorted([ref["", "openssl"], ref["", "perl-base"],
                                                            ref["", "tzdata"]])
    assert depends(doc, ref["", "openssl"]) == sorted([ref["", "libssl3"], ref["", "libc6"]])
    assert depends(doc, ref["", "libssl3"]) == [ref["", "libc6"]]
    assert depends(doc, ref["", "libc6"]) == []
    assert depends(doc, ref["", "express"]) == sorted([ref["", "body-parser"], ref["", "cookie"]])
    assert depends(doc, ref["", "body-parser"]) == [ref["", "bytes"]]


def test_ids_are_resolved_within_their_file_first() -> None:
    """Two lockfiles both use the id "b"; each "a" depends on the "b" of its own file."""
    a1 = Package("a", "1.0.0", "npm", purl="pkg:npm/a@1.0.0", locations=(Location("one/package-lock.json"),),
                 found_by="npm-lock", id="a", depends_on=("b",))
    b1 = Package("b", "1.0.0", "npm", purl="pkg:npm/b@1.0.0", locations=(Location("one/package-lock.json"),),
                 found_by="npm-lock", id="b")
    a2 = Package("a", "2.0.0", "npm", purl="pkg:npm/a@2.0.0", locations=(Location("two/package-lock.json"),),
                 found_by="npm-lock", id="a", depends_on=("b", "missing", "a"))
    b2 = Package("b", "2.0.0", "npm", purl="pkg:npm/b@2.0.0", locations=(Location("two/package-lock.json"),),
                 found_by="npm-lock", id="b")
    doc = parse(Report(tool=Tool(), target="x", packages=(a1, b1, a2, b2)))
    assert depends(doc, "pkg:npm/a@1.0.0") == ["pkg:npm/b@1.0.0"]
    assert depends(doc, "pkg:npm/a@2.0.0") == ["pkg:npm/b@2.0.0"]
    assert depends(doc, "stockade:artifact:filesystem:x") == ["pkg:npm/a@1.0.0", "pkg:npm/a@2.0.0"]


def test_a_dependency_cycle_stays_reachable_from_the_artifact() -> None:
    a = Package("a", "1", "cargo", purl="pkg:cargo/a@1", id="a", depends_on=("b",))
    b = Package("b", "1", "cargo", purl="pkg:cargo/b@1", id="b", depends_on=("a",))
    doc = parse(Report(tool=Tool(), target="x", packages=(a, b)))
    assert depends(doc, "stockade:artifact:filesystem:x") == ["pkg:cargo/a@1"]
    assert depends(doc, "pkg:cargo/a@1") == ["pkg:cargo/b@1"]
    assert depends(doc, "pkg:cargo/b@1") == ["pkg:cargo/a@1"]


def test_odd_values_stay_valid() -> None:
    pkg = Package(
        name="wéird name/with:all\"sorts",
        version="",
        ecosystem="generic",
        licenses=("", "Ünïcode licence ✓"),
        locations=(Location("a b/c\u00e9.txt", line=0),),
        metadata={"key with space": "value\nwith newline"},
        layer=LayerRef(index=3),
    )
    text = render(Report(tool=Tool(version=""), target="", packages=(pkg,),
                         artifact=Artifact(kind="image", name="")))
    assert_valid(text)
    (component,) = json.loads(text)["components"]
    assert "version" not in component
    assert component["evidence"] == {"occurrences": [{"location": "a b/c\u00e9.txt"}]}


def test_formatter_attributes() -> None:
    assert CycloneDxFormatter.name == "cyclonedx"
    assert CycloneDxFormatter.media_type == "application/vnd.cyclonedx+json"
