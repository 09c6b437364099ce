"""Vulnerabilities on the real image: real OSV data (Go, PyPI) and Debian tracker states, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockade.cli.main import main

pytestmark = pytest.mark.image

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "osv"
TRACKER = Path(__file__).parent / "testdata" / "debian-tracker.json"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    zips = [SHARED / "Go-all.zip", SHARED / "PyPI-all.zip"]
    if not all(z.exists() for z in zips):
        pytest.skip("the shared OSV data (../shared/data/osv) is not present")
    path = str(tmp_path_factory.mktemp("vulndb") / "osv.sqlite")
    assert main(["db", "--db", path, "import", "--quiet", *map(str, zips)]) == 0
    assert main(["db", "--db", path, "import", "--quiet", "--kind", "debian-tracker", str(TRACKER)]) == 0
    return path


def scan(capsys: pytest.CaptureFixture[str], image, database: str, *flags: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    code = main(["image", f"oci:{image.layout}:test", "--no-cache", "--db", database, "--format", "json",
                 "--quiet", *flags])
    return code, json.loads(capsys.readouterr().out)


def found(report: dict) -> dict[tuple[str, str], tuple[str, str | None, str, str]]:  # type: ignore[type-arg]
    return {(f["package"]["name"], f["rule_id"]): (f["status"], f["fixed_version"], f["installed_version"],
                                                   f["severity"]) for f in report["findings"]}


def test_debian_fix_states_by_source_package(real_image, database: str,  # type: ignore[no-untyped-def]
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _, report = scan(capsys, real_image, database)
    got = found(report)
    # downgraded to 1.5-1 by dpkg: the fix in 2.0-1 is released
    assert got[("stockade-fixture-tool", "CVE-2099-0001")] == ("fixed", "2.0-1", "1.5-1", "MEDIUM")
    # the binNMU 3.1-2+b1 was built from source 3.1-2, which is the fixed version: not affected
    assert ("stockade-fixture-lib", "CVE-2099-0002") not in got
    assert got[("stockade-fixture-lib", "CVE-2099-0003")][:2] == ("fix_deferred", None)
    # every binary package of glibc's source carries the source's state
    glibc = {name for name, rule in got if rule == "CVE-2099-0004"}
    assert {"libc6", "libc-bin"} <= glibc
    assert got[("libc6", "CVE-2099-0004")][:2] == ("will_not_fix", None)
    assert not any(rule == "CVE-2099-0005" for _, rule in got)  # bullseye only


def test_language_packages_against_real_osv_data(real_image, database: str,  # type: ignore[no-untyped-def]
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, report = scan(capsys, real_image, database)
    got = found(report)
    stdlib = {rule: v for (name, rule), v in got.items() if name == "stdlib"}
    # GO-2023-1751 (alias CVE-2023-24539) is fixed in 1.19.9 for the 1.19 line the binary was built with
    assert stdlib["CVE-2023-24539"][:2] == ("fixed", "1.19.9")
    finding = next(f for f in report["findings"] if f["rule_id"] == "CVE-2023-24539")
    assert finding["aliases"] == ["GO-2023-1751"]
    assert finding["package"]["layer"]["index"] == 2
    # idna 3.7 is the version that fixed PYSEC-2024-60: not reported
    assert not any(name == "idna" for name, _ in got)


def test_filters_vex_ignores_and_gates(real_image, database: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, everything = scan(capsys, real_image, database)
    total = len(everything["findings"])
    _, fixed_only = scan(capsys, real_image, database, "--ignore-unfixed")
    assert {f["status"] for f in fixed_only["findings"]} == {"fixed"}
    _, no_deferred = scan(capsys, real_image, database, "--ignore-status", "fix_deferred,will_not_fix")
    assert len(no_deferred["findings"]) == total - sum(
        1 for f in everything["findings"] if f["status"] in ("fix_deferred", "will_not_fix"))
    vex = tmp_path / "vex.json"
    vex.write_text(json.dumps({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/1", "author": "tests",
        "timestamp": "2026-11-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "CVE-2099-0001"}, "status": "not_affected",
                        "justification": "vulnerable_code_not_present",
                        "products": [{"@id": "pkg:deb/debian/stockade-fixture-tool@1.5-1"}]}],
    }))
    ignore = tmp_path / "ignore"
    ignore.write_text("GO-2023-1751 pkg:golang/stdlib  exp:2999-01-01  # reviewed: html/template not used\n")
    _, filtered = scan(capsys, real_image, database, "--vex", str(vex), "--ignorefile", str(ignore))
    rules = {f["rule_id"] for f in filtered["findings"]}
    assert "CVE-2099-0001" not in rules and "CVE-2023-24539" not in rules
    reasons = {f["rule_id"]: f["suppressed_by"] for f in filtered["suppressed"]}
    assert reasons["CVE-2099-0001"].endswith("not_affected (vulnerable_code_not_present)")
    assert reasons["CVE-2023-24539"].endswith(": reviewed: html/template not used")
    # display everything, fail only on what is fixable and HIGH or worse
    code, _ = scan(capsys, real_image, database, "--exit-code", "4", "--fail-on", "CRITICAL", "--fixable-only",
                   "--severity", "LOW")
    assert code == 0
    code, _ = scan(capsys, real_image, database, "--exit-code", "4", "--fail-on", "MEDIUM")
    assert code == 4


def test_cyclonedx_vulnerabilities_and_sarif_validate(real_image, database: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    bom = tmp_path / "bom.json"
    assert main(["image", f"oci:{real_image.layout}:test", "--no-cache", "--db", database, "--format", "cyclonedx",
                 "--output", str(bom), "--quiet"]) == 0
    text = bom.read_text()
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    assert errors is None, "\n".join(str(e) for e in errors)
    doc = json.loads(text)
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    go = vulns["CVE-2023-24539"]
    assert go["references"] == [{"id": "GO-2023-1751", "source": {"name": "Go Vulnerability Database"}}]
    assert go["affects"][0]["ref"].startswith("pkg:golang/stdlib@1.19.8")
    assert "stdlib 1.19.9" in go["recommendation"]
    glibc = vulns["CVE-2099-0004"]
    assert {a["ref"].split("?")[0] for a in glibc["affects"]} >= {"pkg:deb/debian/libc6@2.36-9%2Bdeb12u14"}

    sarif = tmp_path / "out.sarif"
    assert main(["image", f"oci:{real_image.layout}:test", "--no-cache", "--db", database, "--format", "sarif",
                 "--output", str(sarif), "--quiet"]) == 0
    schema = json.loads((Path(__file__).parents[1] / "formats" / "testdata" / "sarif-schema-2.1.0.json").read_text())
    log = json.loads(sarif.read_text())
    jsonschema.validate(log, schema)
    fingerprints = [r["partialFingerprints"]["stockadeFindingHash/v1"] for r in log["runs"][0]["results"]]
    assert len(fingerprints) == len(set(fingerprints))  # one advisory in several packages: distinct alerts
    capsys.readouterr()


def keys(report: dict) -> set[tuple[str, str, str, str | None]]:  # type: ignore[type-arg]
    return {(f["package"]["name"], f["rule_id"], f["status"], f["fixed_version"]) for f in report["findings"]}


def test_rootfs_and_sbom_report_what_the_image_reports(real_image, database: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, image_report = scan(capsys, real_image, database)
    expected = keys(image_report)
    assert ("libc6", "CVE-2099-0004", "will_not_fix", None) in expected
    assert main(["rootfs", str(real_image.rootfs), "--no-cache", "--db", database, "--format", "json",
                 "--quiet"]) == 0
    assert keys(json.loads(capsys.readouterr().out)) == expected
    # the image's SBOM, read back: the same packages (with their distro) give the same findings
    bom = tmp_path / "image.cdx.json"
    assert main(["image", f"oci:{real_image.layout}:test", "--no-cache", "--offline", "--format", "cyclonedx",
                 "--output", str(bom), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["sbom", str(bom), "--db", database, "--format", "json", "--quiet"]) == 0
    assert keys(json.loads(capsys.readouterr().out)) == expected


def test_fs_reports_vulnerable_lockfile_pins(database: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\nidna==3.7\n")
    assert main(["fs", str(project), "--no-cache", "--db", database, "--format", "json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    got = {(f["package"]["name"], f["rule_id"]): (f["status"], f["fixed_version"], f["location"]["path"])
           for f in report["findings"]}
    assert got[("requests", "CVE-2018-18074")] == ("fixed", "2.20.0", str(project / "requirements.txt"))
    assert not any(name == "idna" for name, _ in got)
