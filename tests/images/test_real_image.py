"""Inventory of the real multi-layer Debian image, checked against dpkg itself and the build recipe."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from builder import dpkg_query

from stockade import artifacts
from stockade.model import Package, Report

pytestmark = pytest.mark.image


def _scan(target: str, cache_dir: str | None = None) -> Report:
    return artifacts.scan_image(target, artifacts.ImageOptions(cache_dir=cache_dir))


def _by_name(report: Report, ecosystem: str) -> dict[str, Package]:
    return {p.name: p for p in report.packages if p.ecosystem == ecosystem}


@pytest.fixture(scope="module")
def oci_report(real_image) -> Report:  # type: ignore[no-untyped-def]
    return _scan(f"oci:{real_image.layout}:test")


def test_deb_packages_match_dpkg_exactly(real_image, oci_report: Report) -> None:  # type: ignore[no-untyped-def]
    want = dpkg_query(real_image.rootfs)
    got = {(p.name, p.version, p.arch, p.source_name, p.source_version) for p in oci_report.packages
           if p.ecosystem == "deb"}
    assert got == want
    assert len(got) > 80


def test_source_packages_differ_from_binaries_where_debian_says(oci_report: Report) -> None:
    debs = _by_name(oci_report, "deb")
    assert (debs["libc6"].source_name, debs["libc6"].source_version) == ("glibc", debs["libc6"].version)
    lib = debs["stockade-fixture-lib"]
    assert (lib.version, lib.source_name, lib.source_version) == ("3.1-2+b1", "stockade-fixture-src", "3.1-2")
    assert lib.purl.startswith("pkg:deb/debian/stockade-fixture-lib@3.1-2%2Bb1?")
    assert "distro=debian-12" in lib.purl


def test_origin_layers_follow_what_each_layer_changed(oci_report: Report) -> None:
    debs = _by_name(oci_report, "deb")
    assert debs["libc6"].layer is not None and debs["libc6"].layer.index == 0
    assert debs["libc6"].layer.created_by == "debootstrap --variant=minbase bookworm"
    tool = debs["stockade-fixture-tool"]
    assert tool.version == "1.5-1"  # downgraded by dpkg in the second layer
    assert tool.layer is not None and tool.layer.index == 1
    assert tool.layer.created_by.startswith("dpkg -i")
    assert "adduser" not in debs  # purged in the second layer
    for layer in oci_report.artifact.layers:  # type: ignore[union-attr]
        assert layer.digest.startswith("sha256:") and layer.diff_id.startswith("sha256:")


def test_language_packages_of_every_installed_ecosystem(oci_report: Report) -> None:
    found = {(p.ecosystem, p.name, p.version, p.layer.index if p.layer else None) for p in oci_report.packages
             if p.ecosystem != "deb"}
    go_version = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()
    expected = {
        ("pypi", "six", "1.16.0", 2),
        ("pypi", "idna", "3.7", 2),
        ("npm", "is-number", "7.0.0", 2),
        ("npm", "ms", "2.1.3", 2),
        ("golang", "stdlib", go_version.removeprefix("go"), 2),
        ("golang", "example.com/fixturelib", "v1.2.3", 2),
        ("maven", "org.apache.commons:commons-text", "1.10.0", 2),
        ("gem", "rack", "2.2.8", 2),
        ("composer", "monolog/monolog", "3.5.0", 2),
        ("composer", "psr/log", "3.0.0", 2),
        ("nuget", "Newtonsoft.Json", "13.0.3", 2),
        ("cargo", "serde", "1.0.197", 2),
        ("rpm", "stockade-rpm-fixture", "2:1.4.0-3.el9", 2),
    }
    missing = {e for e in expected if e not in found}
    assert not missing


def test_whiteout_removes_a_package_of_a_lower_layer(oci_report: Report) -> None:
    assert "oldlib" not in _by_name(oci_report, "pypi")


def test_python_package_owned_by_dpkg_is_reported_once(oci_report: Report) -> None:
    assert "fixturelib" not in _by_name(oci_report, "pypi")
    assert "python3-fixturelib" in _by_name(oci_report, "deb")


def test_image_config_and_os(oci_report: Report) -> None:
    art = oci_report.artifact
    assert art is not None and art.os is not None and art.config is not None
    assert (art.os.family, art.os.version, art.os.codename) == ("debian", "12", "bookworm")
    assert art.config.user == "1000:1000"
    assert art.config.exposed_ports == ("8080/tcp",)
    assert art.config.entrypoint == ("/usr/local/bin/fixtureapp",)
    assert len(art.layers) == 3


def _summary(report: Report) -> set[tuple[str, str, str, str, int | None]]:
    return {(p.ecosystem, p.name, p.version, p.purl, p.layer.index if p.layer else None) for p in report.packages}


def test_docker_archive_gives_the_same_inventory(real_image, oci_report: Report) -> None:  # type: ignore[no-untyped-def]
    report = _scan(str(real_image.docker_archive))
    assert _summary(report) == _summary(oci_report)
    assert report.artifact is not None and report.artifact.repo_tags == ("docker.io/stockade/test:test",)


def test_gzipped_docker_archive(real_image, oci_report: Report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip
    import shutil

    target = tmp_path / "image.tar.gz"
    with open(real_image.docker_archive, "rb") as src, gzip.open(target, "wb", compresslevel=1) as dst:
        shutil.copyfileobj(src, dst)
    assert _summary(_scan(str(target))) == _summary(oci_report)


def test_rootfs_gives_the_same_packages_without_layers(real_image, oci_report: Report) -> None:  # type: ignore[no-untyped-def]
    report = artifacts.scan_rootfs(str(real_image.rootfs))
    assert {(e, n, v, u) for e, n, v, u, _ in _summary(report)} == {(e, n, v, u) for e, n, v, u, _ in
                                                                     _summary(oci_report)}
    assert all(p.layer is None for p in report.packages)


def test_second_scan_reads_every_layer_from_the_cache(real_image, cache_dir: str) -> None:  # type: ignore[no-untyped-def]
    messages: list[str] = []
    first = artifacts.scan_image(f"oci:{real_image.layout}:test", artifacts.ImageOptions(cache_dir=cache_dir),
                                 progress=messages.append)
    second = artifacts.scan_image(f"oci:{real_image.layout}:test", artifacts.ImageOptions(cache_dir=cache_dir),
                                  progress=messages.append)
    assert messages[0] == "3 layers, 0 cached"
    assert messages[-1] == "3 layers, 3 cached"
    assert _summary(first) == _summary(second)
    assert first.diagnostics == second.diagnostics


def _round_trip_key(report: Report) -> set[tuple[str, str, str, str, str, str, int | None]]:
    return {(p.ecosystem, p.name, p.version, p.purl, p.source_name, p.source_version,
             p.layer.index if p.layer else None) for p in report.packages}


def test_cyclonedx_of_the_real_image_is_valid_and_reads_back(oci_report: Report, tmp_path: Path) -> None:
    import io

    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from stockade.formats import CycloneDxFormatter

    out = io.StringIO()
    CycloneDxFormatter().render(oci_report, out)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.getvalue(), all_errors=True)
    assert errors is None, "\n".join(str(e) for e in errors)
    path = tmp_path / "image.cdx.json"
    path.write_text(out.getvalue())
    assert _round_trip_key(artifacts.scan_sbom(str(path))) == _round_trip_key(oci_report)


def test_spdx_of_the_real_image_is_valid_and_reads_back(oci_report: Report, tmp_path: Path) -> None:
    import io

    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    from stockade.formats import SpdxJsonFormatter

    out = io.StringIO()
    SpdxJsonFormatter().render(oci_report, out)
    path = tmp_path / "image.spdx.json"
    path.write_text(out.getvalue())
    messages = validate_full_spdx_document(parse_file(str(path)), "SPDX-2.3")
    assert not messages, "\n".join(m.validation_message for m in messages[:20])
    assert _round_trip_key(artifacts.scan_sbom(str(path))) == _round_trip_key(oci_report)


def test_fs_reads_lockfiles_the_tools_wrote(real_image) -> None:  # type: ignore[no-untyped-def]
    report = artifacts.scan_fs(str(real_image.rootfs / "srv"))
    found = {(p.ecosystem, p.name, p.version, p.found_by, p.dev) for p in report.packages}
    expected = {
        ("npm", "is-number", "7.0.0", "npm-lock", False),  # package-lock.json written by npm
        ("npm", "ms", "2.1.3", "npm-lock", False),
        ("pypi", "six", "1.16.0", "python-requirements", False),  # requirements.txt written by pip freeze
        ("pypi", "idna", "3.7", "python-requirements", False),
        ("golang", "example.com/fixturelib", "v1.2.3", "go-mod", False),  # the go.mod go build used
        ("maven", "org.apache.commons:commons-text", "1.10.0", "maven-pom", False),
        ("maven", "junit:junit", "4.13.2", "maven-pom", True),
    }
    if (real_image.rootfs / "srv/project/Cargo.lock").exists():  # written by cargo where it is installed
        expected |= {("cargo", "fixture-crate", "0.2.0", "cargo-lock", False),
                     ("cargo", "fixture-helper", "0.1.1", "cargo-lock", False)}
    assert found == expected
    crate = [p for p in report.packages if p.name == "fixture-crate"]
    helper = [p for p in report.packages if p.name == "fixture-helper"]
    if crate:
        assert crate[0].depends_on == (helper[0].id,)
