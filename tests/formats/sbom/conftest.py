"""A fixed report for the SBOM format tests, official-schema validators and golden-file comparison.

Regenerate the golden files with ``STOCKADE_UPDATE_GOLDEN=1 pytest tests/formats/sbom``; without it any
difference fails the test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stockade.model import Artifact, ImageConfig, LayerRef, Location, OSInfo, Package, Report, Tool, purl

TESTDATA = Path(__file__).parent / "testdata"
GOLDEN = TESTDATA / "golden"
REDACTED = "<redacted>"


def digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


BASE_LAYER = LayerRef(
    index=0,
    digest=digest("layer-0-blob"),
    diff_id=digest("layer-0-tar"),
    created_by="/bin/sh -c #(nop) ADD file:6ee5c2f0c4ee1a5d1a4c4e7e0b45d1d0 in / ",
)
APP_LAYER = LayerRef(
    index=1,
    digest=digest("layer-1-blob"),
    diff_id=digest("layer-1-tar"),
    created_by="RUN /bin/sh -c pip install --no-cache-dir requests==2.31.0 # buildkit",
)
IMAGE_DIGEST = digest("manifest")
CONFIG_DIGEST = digest("config")

DPKG = "var/lib/dpkg/status"
LOCK = "srv/app/package-lock.json"


def _deb(name: str, version: str, line: int, *, source: str = "", licenses: tuple[str, ...] = (),
         depends_on: tuple[str, ...] = (), with_purl: bool = True) -> Package:
    qualifiers = {"arch": "amd64", "distro": "debian-12"}
    if source and source != name:
        qualifiers["upstream"] = source
    return Package(
        name=name,
        version=version,
        ecosystem="deb",
        purl=purl.build("deb", name, namespace="debian", version=version, qualifiers=qualifiers) if with_purl else "",
        locations=(Location(DPKG, line=line),),
        found_by="dpkg",
        source_name=source or name,
        source_version=version,
        licenses=licenses,
        arch="amd64",
        layer=BASE_LAYER,
        id=name,
        depends_on=depends_on,
    )


def _npm(name: str, version: str, line: int, *, license_: str = "MIT", depends_on: tuple[str, ...] = (),
         dev: bool = False) -> Package:
    scope, _, bare = name.rpartition("/")
    package_url = purl.build("npm", bare, namespace=scope, version=version)
    return Package(
        name=name,
        version=version,
        ecosystem="npm",
        purl=package_url,
        locations=(Location(LOCK, line=line),),
        found_by="npm-lock",
        licenses=(license_,),
        layer=APP_LAYER,
        id=package_url,
        depends_on=depends_on,
        dev=dev,
        metadata={"resolved": f"https://registry.npmjs.org/{name}/-/{bare}-{version}.tgz"},
    )


EXPRESS = purl.build("npm", "express", version="4.18.2")
BODY_PARSER = purl.build("npm", "body-parser", version="1.20.1")
BYTES = purl.build("npm", "bytes", version="3.1.2")
COOKIE = purl.build("npm", "cookie", version="0.5.0")
REQUESTS = purl.build("pypi", "requests", version="2.31.0")


def sbom_packages() -> tuple[Package, ...]:
    return (
        _deb("libc6", "2.36-9+deb12u4", 1180, source="glibc", licenses=("GPL-2.0-or-later", "LGPL-2.1-or-later")),
        _deb("libssl3", "3.0.11-1~deb12u2", 2410, source="openssl", licenses=("Apache-2.0",), depends_on=("libc6",)),
        _deb("openssl", "3.0.11-1~deb12u2", 2475, licenses=("Apache-2.0",), depends_on=("libssl3", "libc6")),
        _deb("perl-base", "5.36.0-7+deb12u1", 3012, source="perl", licenses=("Artistic or GPL-1+",),
             depends_on=("libc6",)),
        _deb("tzdata", "2024a-0+deb12u1", 3990, licenses=("public-domain",), with_purl=False),
        _npm("express", "4.18.2", 14, depends_on=(BODY_PARSER, COOKIE)),
        _npm("body-parser", "1.20.1", 120, depends_on=(BYTES,)),
        _npm("bytes", "3.1.2", 188),
        _npm("cookie", "0.5.0", 201),
        _npm("@babel/core", "7.23.2", 40, dev=True),
        Package(
            name="org.apache.logging.log4j:log4j-core",
            version="2.17.1",
            ecosystem="maven",
            purl=purl.build("maven", "log4j-core", namespace="org.apache.logging.log4j", version="2.17.1"),
            locations=(Location("srv/app/lib/log4j-core-2.17.1.jar"),),
            found_by="java-archive",
            licenses=("Apache-2.0",),
            layer=APP_LAYER,
        ),
        Package(
            name="github.com/spf13/cobra",
            version="v1.8.0",
            ecosystem="golang",
            purl=purl.build("golang", "cobra", namespace="github.com/spf13", version="v1.8.0"),
            locations=(Location("usr/local/bin/webctl"),),
            found_by="go-binary",
            layer=APP_LAYER,
            metadata={"go_version": "go1.21.5", "main_module": "example.com/webctl"},
        ),
        Package(
            name="monolog/monolog",
            version="3.5.0",
            ecosystem="composer",
            purl=purl.build("composer", "monolog", namespace="monolog", version="3.5.0"),
            locations=(Location("srv/legacy/composer.lock", line=9),),
            found_by="composer-lock",
            licenses=("MIT",),
            layer=APP_LAYER,
        ),
        Package(
            name="serde",
            version="1.0.193",
            ecosystem="cargo",
            purl=purl.build("cargo", "serde", version="1.0.193"),
            locations=(Location("usr/local/bin/webctl-agent"),),
            found_by="cargo-auditable",
            licenses=("MIT OR Apache-2.0",),
            layer=APP_LAYER,
        ),
        # the same distribution twice (system Python and a virtualenv): one purl, two packages
        Package(
            name="requests",
            version="2.31.0",
            ecosystem="pypi",
            purl=REQUESTS,
            locations=(Location("usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"),),
            found_by="python-dist-info",
            licenses=("Apache 2.0",),
            layer=APP_LAYER,
        ),
        Package(
            name="requests",
            version="2.31.0",
            ecosystem="pypi",
            purl=REQUESTS,
            locations=(Location("opt/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"),),
            found_by="python-dist-info",
            licenses=("Apache-2.0",),
            layer=APP_LAYER,
        ),
    )


def sbom_artifact() -> Artifact:
    return Artifact(
        kind="image",
        name="registry.example.com/shop/web:1.4.2",
        digest=IMAGE_DIGEST,
        repo_tags=("registry.example.com/shop/web:1.4.2", "registry.example.com/shop/web:latest"),
        repo_digests=(f"registry.example.com/shop/web@{IMAGE_DIGEST}",),
        os=OSInfo(family="debian", version="12", codename="bookworm", name="Debian GNU/Linux 12 (bookworm)"),
        config=ImageConfig(os="linux", architecture="amd64"),
        layers=(BASE_LAYER, APP_LAYER),
        config_digest=CONFIG_DIGEST,
    )


def sbom_report(**changes: Any) -> Report:
    fields: dict[str, Any] = {
        "tool": Tool(name="stockade", version="0.0.0-test"),
        "target": "registry.example.com/shop/web:1.4.2",
        "packages": sbom_packages(),
        "artifact": sbom_artifact(),
    }
    fields.update(changes)
    return Report(**fields)


def redact(doc: dict[str, Any]) -> dict[str, Any]:
    """Blank the values that change on every run (serial number, namespace, times), in place."""
    if "serialNumber" in doc:
        doc["serialNumber"] = REDACTED
        doc["metadata"]["timestamp"] = REDACTED
    if "documentNamespace" in doc:
        doc["documentNamespace"] = REDACTED
        doc["creationInfo"]["created"] = REDACTED
        for package in doc.get("packages", []):
            for annotation in package.get("annotations", []):
                annotation["annotationDate"] = REDACTED
    return doc


@dataclass(frozen=True)
class SbomKit:
    """What the SBOM tests share (a fixture, so test modules never import conftest)."""

    report: Callable[..., Report]
    packages: Callable[[], tuple[Package, ...]]
    artifact: Callable[[], Artifact]
    golden: Callable[[str, dict[str, Any]], None]
    testdata: Path
    digest: Callable[[str], str]
    base_layer: LayerRef
    app_layer: LayerRef


@pytest.fixture
def kit(golden: Callable[..., None]) -> SbomKit:
    def assert_golden(name: str, doc: dict[str, Any]) -> None:
        """The shared golden comparison (tests/formats/conftest.py), on the redacted document."""
        golden(name, json.dumps(redact(doc), indent=2, ensure_ascii=False) + "\n", GOLDEN)

    return SbomKit(
        report=sbom_report,
        packages=sbom_packages,
        artifact=sbom_artifact,
        golden=assert_golden,
        testdata=TESTDATA,
        digest=digest,
        base_layer=BASE_LAYER,
        app_layer=APP_LAYER,
    )
