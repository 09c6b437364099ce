"""OpenVEX and CycloneDX VEX: which findings a statement suppresses, and bad documents."""

from __future__ import annotations

import json

import pytest

from stockade.engine.vex import apply_vex, load_vex
from stockade.errors import ConfigError
from stockade.model import Finding, FindingKind, Location, Package, Severity

PKG = Package("openssl", "3.0.11-1~deb12u2", "deb", purl="pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64",
              id="pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64")
OTHER = Package("zlib1g", "1:1.2.13", "deb", purl="pkg:deb/debian/zlib1g@1:1.2.13?arch=amd64", id="z")


def vuln(rule: str, pkg: Package = PKG, aliases: tuple[str, ...] = ()) -> Finding:
    return Finding(FindingKind.VULN, rule, "t", Severity.HIGH, Location("/var/lib/dpkg/status"), "m",
                   package=pkg, aliases=aliases)


def openvex(*statements: dict[str, object]) -> bytes:
    return json.dumps({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
                       "timestamp": "2026-01-01T00:00:00Z", "version": 1, "statements": list(statements)}).encode()


def test_openvex_not_affected_suppresses_the_named_package_only() -> None:
    doc = openvex({"vulnerability": {"name": "CVE-2024-0727"}, "status": "not_affected",
                   "justification": "vulnerable_code_not_in_execute_path",
                   "products": [{"@id": "pkg:deb/debian/openssl@3.0.11-1~deb12u2"}]})
    kept, gone = apply_vex([vuln("CVE-2024-0727"), vuln("CVE-2024-0727", OTHER), vuln("CVE-2023-5678")],
                           load_vex("a.vex.json", doc))
    assert [(f.rule_id, f.package.name) for f in kept] == [("CVE-2024-0727", "zlib1g"), ("CVE-2023-5678", "openssl")]  # type: ignore[union-attr]
    assert gone[0].suppressed_by == "VEX a.vex.json: not_affected (vulnerable_code_not_in_execute_path)"


def test_openvex_matches_aliases_and_statements_without_products() -> None:
    doc = openvex({"vulnerability": {"name": "GHSA-xxxx-yyyy-zzzz"}, "status": "fixed"},
                  {"vulnerability": "CVE-1", "status": "affected"})
    kept, gone = apply_vex([vuln("CVE-2", aliases=("GHSA-xxxx-yyyy-zzzz",)), vuln("CVE-1")], load_vex("v", doc))
    assert [f.rule_id for f in gone] == ["CVE-2"] and [f.rule_id for f in kept] == ["CVE-1"]


def test_openvex_purl_with_qualifiers_must_match_them() -> None:
    doc = openvex({"vulnerability": {"name": "CVE-3"}, "status": "not_affected",
                   "products": [{"@id": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=arm64"}]})
    kept, gone = apply_vex([vuln("CVE-3")], load_vex("v", doc))
    assert len(kept) == 1 and not gone


def test_cyclonedx_vex_by_bom_ref_and_purl() -> None:
    doc = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
        {"id": "CVE-4", "analysis": {"state": "false_positive"}, "affects": [{"ref": "z"}]},
        {"id": "CVE-5", "analysis": {"state": "exploitable"}, "affects": [{"ref": PKG.purl}]},
        {"id": "CVE-6", "analysis": {"state": "resolved"}, "affects": [{"ref": PKG.purl}]},
    ]}).encode()
    kept, gone = apply_vex([vuln("CVE-4", OTHER), vuln("CVE-5"), vuln("CVE-6")], load_vex("c.json", doc))
    assert sorted(f.rule_id for f in gone) == ["CVE-4", "CVE-6"]
    assert [f.rule_id for f in kept] == ["CVE-5"]


@pytest.mark.parametrize("data, message", [
    (b"{not json", "not valid JSON"),
    (b"[]", "is a JSON object"),
    (b'{"hello": 1}', "neither an OpenVEX nor a CycloneDX VEX"),
    (b'{"statements": [3]}', r"statements\[0\] is not an object"),
])
def test_bad_documents_are_config_errors_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_vex("bad.json", data)
