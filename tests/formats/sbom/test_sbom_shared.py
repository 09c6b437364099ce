from __future__ import annotations

import json
from importlib.resources import files

import pytest

from stockade.formats import _sbom
from stockade.model import Artifact, ImageConfig, LayerRef, Location, Package


def _official_spdx_ids() -> set[str]:
    """The SPDX License List (licences and exceptions) as published with the CycloneDX schemas."""
    schema = json.loads((files("cyclonedx.schema") / "_res" / "spdx.SNAPSHOT.schema.json").read_text("utf-8"))
    return set(schema["enum"])


def test_shipped_ids_are_on_the_spdx_license_list() -> None:
    official = _official_spdx_ids()
    assert _sbom.LICENSE_IDS - official == set()
    assert _sbom.EXCEPTION_IDS - official == set()
    assert not _sbom.LICENSE_IDS & _sbom.EXCEPTION_IDS
    assert len(_sbom.LICENSE_IDS) >= 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("  Apache-2.0 ", "Apache-2.0"),
        ("GPL-2.0-or-later", "GPL-2.0-or-later"),
        ("Apache 2.0", None),
        ("MIT OR Apache-2.0", None),
        ("Classpath-exception-2.0", None),  # an exception is not a licence
        ("", None),
    ],
)
def test_spdx_license_id(text: str, expected: str | None) -> None:
    assert _sbom.spdx_license_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MIT", "MIT"),
        ("mit or apache-2.0", None),  # operators are case-sensitive
        ("mit OR apache-2.0", "MIT OR Apache-2.0"),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
        ("( MIT  OR Apache-2.0 )AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
        ("((MIT))", "((MIT))"),
        ("GPL-2.0-only WITH classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
        ("GPL-2.0-only WITH MIT", None),
        ("MIT WITH", None),
        ("WITH Classpath-exception-2.0", None),
        ("GPL-2.0+", "GPL-2.0+"),
        ("LGPL-2.1+ OR MIT", "LGPL-2.1+ OR MIT"),
        ("GPL-2.0-only+", None),
        ("LicenseRef-my-licence", "LicenseRef-my-licence"),
        ("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"),
        ("LicenseRef-", None),
        ("MIT AND", None),
        ("AND MIT", None),
        ("(MIT", None),
        ("MIT)", None),
        ("()", None),
        ("MIT Apache-2.0", None),
        ("Not-A-Licence", None),
        ("", None),
        ("(" * 33 + "MIT" + ")" * 33, None),  # nesting is bounded
        ("(" * 32 + "MIT" + ")" * 32, "(" * 32 + "MIT" + ")" * 32),
        (" OR ".join(["MIT"] * 300), None),  # so is the length
        ("(" * 5000, None),
    ],
)
def test_canonical_expression(text: str, expected: str | None) -> None:
    assert _sbom.canonical_expression(text) == expected


def test_licence_refs_can_be_refused() -> None:
    assert _sbom.canonical_expression("MIT OR LicenseRef-x", allow_refs=False) is None
    assert _sbom.canonical_expression("MIT OR LicenseRef-x") == "MIT OR LicenseRef-x"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("alpine", ("docker.io/library/alpine", "", "")),
        ("alpine:3.19", ("docker.io/library/alpine", "3.19", "")),
        ("bitnami/redis:7.2", ("docker.io/bitnami/redis", "7.2", "")),
        ("index.docker.io/library/nginx:1.25", ("docker.io/library/nginx", "1.25", "")),
        ("ghcr.io/org/app/api:v1.2.3", ("ghcr.io/org/app/api", "v1.2.3", "")),
        ("localhost:5000/app", ("localhost:5000/app", "", "")),
        ("registry.example.com:8443/team/app:2", ("registry.example.com:8443/team/app", "2", "")),
        ("alpine@sha256:" + "a" * 64, ("docker.io/library/alpine", "", "sha256:" + "a" * 64)),
        ("quay.io/x/y:1@sha256:" + "b" * 64, ("quay.io/x/y", "1", "sha256:" + "b" * 64)),
        ("Alpine:3", None),
        ("/srv/images/image.tar", None),
        ("image.tar", ("docker.io/library/image.tar", "", "")),
        ("alpine@sha256:short", None),
        ("alpine:bad tag", None),
        ("", None),
    ],
)
def test_parse_reference(ref: str, expected: tuple[str, str, str] | None) -> None:
    assert _sbom.parse_reference(ref) == expected


def test_oci_purl() -> None:
    digest = "sha256:" + "c" * 64
    image = Artifact(kind="image", name="ghcr.io/org/app:1.0", digest=digest, config=ImageConfig(architecture="arm64"))
    assert _sbom.oci_purl(image) == f"pkg:oci/app@{digest}?arch=arm64&repository_url=ghcr.io%2Forg%2Fapp&tag=1.0"
    assert _sbom.oci_purl(Artifact(kind="image", name="ghcr.io/org/app:1.0")) == ""  # no digest
    assert _sbom.oci_purl(Artifact(kind="rootfs", name="ghcr.io/org/app:1.0", digest=digest)) == ""
    assert _sbom.oci_purl(Artifact(kind="image", name="/srv/images/x.tar", digest=digest)) == ""  # no reference
    assert _sbom.oci_purl(Artifact(kind="image", name="image.tar", digest=digest)) == ""  # an archive
    from_repo_digest = Artifact(kind="image", name="/srv/images/x.tar", repo_digests=(f"quay.io/a/b@{digest}",))
    assert _sbom.oci_purl(from_repo_digest) == f"pkg:oci/b@{digest}?repository_url=quay.io%2Fa%2Fb"


def test_unique_names() -> None:
    names = _sbom.unique_names(["a", "b", "a", "a", "c"], ["k1", "k2", "k3", "k3", "k5"], "|", taken={"c"})
    assert names[1] == "b"
    assert names[0].startswith("a|") and names[2].startswith("a|") and names[4].startswith("c|")
    assert names[3] == names[2] + "|2"  # same base and key: a counter
    assert len(set(names)) == 5
    assert _sbom.unique_names(["a", "b", "a", "a", "c"], ["k1", "k2", "k3", "k3", "k5"], "|", taken={"c"}) == names


@pytest.mark.parametrize(
    ("name", "ecosystem", "namespace", "split"),
    [
        ("org.slf4j:slf4j-api", "maven", "org.slf4j", ("org.slf4j", "slf4j-api")),
        ("slf4j-api", "maven", "org.slf4j", ("org.slf4j", "slf4j-api")),
        ("@types/node", "npm", "@types", ("@types", "node")),
        ("lodash", "npm", "", ("", "lodash")),
        ("symfony/console", "composer", "symfony", ("symfony", "console")),
        ("golang.org/x/net", "golang", "golang.org/x", ("golang.org/x", "net")),
        ("stdlib", "golang", "", ("", "stdlib")),
        ("openssl", "deb", "debian", ("", "openssl")),
        ("Newtonsoft.Json", "nuget", "", ("", "Newtonsoft.Json")),
    ],
)
def test_split_and_join_names(name: str, ecosystem: str, namespace: str, split: tuple[str, str]) -> None:
    pkg = Package(name, "1", ecosystem)
    assert _sbom.split_name(pkg, namespace) == split
    group, short = split
    expected = name if ":" in name or "/" in name or not group else (
        f"{group}:{short}" if ecosystem == "maven" else f"{group}/{short}")
    assert _sbom.join_name(ecosystem, group, short) == expected


def test_dependency_graph_and_roots() -> None:
    lock = (Location("a/poetry.lock"),)
    other = (Location("b/poetry.lock"),)
    packages = [
        Package("app-dep", "1", "pypi", locations=lock, found_by="poetry", id="x", depends_on=("y", "x")),
        Package("y", "1", "pypi", locations=lock, found_by="poetry", id="y"),
        Package("y", "2", "pypi", locations=other, found_by="poetry", id="y"),
        Package("z", "1", "pypi", locations=other, found_by="poetry", id="z", depends_on=("y", "nowhere")),
        Package("solo", "1", "pypi", id="solo", depends_on=("y",)),  # "y" is ambiguous report-wide
        Package("c1", "1", "cargo", id="c1", depends_on=("c2",)),
        Package("c2", "1", "cargo", id="c2", depends_on=("c1",)),
    ]
    graph = _sbom.dependency_graph(packages)
    assert graph == [[1], [], [], [2], [], [6], [5]]
    assert _sbom.roots(graph) == [0, 3, 4, 5]


def test_package_key_tells_locations_and_layers_apart() -> None:
    a = Package("x", "1", "npm", locations=(Location("p", 1),), layer=LayerRef(0))
    b = Package("x", "1", "npm", locations=(Location("p", 1),), layer=LayerRef(1))
    assert _sbom.package_key(a) != _sbom.package_key(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("npm-@babel/core-7.23.2", "npm-babel-core-7.23.2"), ("", "unnamed"), ("ü", "unnamed"), ("a..b", "a..b")],
)
def test_sanitise(text: str, expected: str) -> None:
    assert _sbom.sanitise(text) == expected


def test_sanitise_bounds_the_length() -> None:
    long = _sbom.sanitise("x" * 500)
    assert len(long) <= 80 + 13
    assert long != _sbom.sanitise("x" * 501)
