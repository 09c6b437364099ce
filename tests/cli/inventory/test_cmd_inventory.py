"""``stockade image|rootfs|fs|sbom``: targets, formats, the package table, SBOM round trips, exit codes."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from stockade.cli.main import main

STATUS = b"""Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library

Package: bash
Status: install ok installed
Essential: yes
Architecture: amd64
Version: 5.2.15-2+b2
Source: bash (5.2.15-2)
Description: GNU Bourne Again SHell
"""
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
METADATA = b"Metadata-Version: 2.1\nName: Flask_Login\nVersion: 0.6.3\nLicense: MIT\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


ROOTFS = {
    "usr/lib/os-release": OS_RELEASE,
    "var/lib/dpkg/status": STATUS,
    "usr/local/lib/python3.11/site-packages/Flask_Login-0.6.3.dist-info/METADATA": METADATA,
}


@pytest.fixture()
def rootfs(tmp_path: Path) -> Path:
    root = write(tmp_path / "rootfs", ROOTFS)
    (root / "etc").mkdir()
    (root / "etc" / "os-release").symlink_to("../usr/lib/os-release")
    return root


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture()
def image(tmp_path: Path) -> Path:
    """A two-layer OCI layout: the OS, then a Python package."""
    root = tmp_path / "oci"
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return "sha256:" + digest

    layers = [_tar({k: v for k, v in ROOTFS.items() if "python" not in k}),
              _tar({k: v for k, v in ROOTFS.items() if "python" in k})]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"User": "10001"},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(x).hexdigest()
                                                                  for x in layers]},
                         "history": [{"created_by": "ADD rootfs.tar /"}, {"created_by": "RUN pip install"}]}).encode()
    compressed = [gzip.compress(x) for x in layers]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config),
                                      "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(c),
                                       "size": len(c)} for c in compressed]}).encode()
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(manifest), "size": len(manifest),
         "annotations": {"org.opencontainers.image.ref.name": "1.0"}}]}))
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    return root


def packages(out: str) -> set[tuple[str, str, str]]:
    return {(p["ecosystem"], p["name"], p["version"]) for p in json.loads(out)["packages"]}


EXPECTED = {("deb", "libc6", "2.36-9+deb12u4"), ("deb", "bash", "5.2.15-2+b2"), ("pypi", "Flask_Login", "0.6.3")}


def test_rootfs_json(capsys: pytest.CaptureFixture[str], rootfs: Path) -> None:
    code, out, _ = run(capsys, "rootfs", str(rootfs), "--format", "json", "--no-cache")
    assert code == 0
    assert packages(out) == EXPECTED
    by_name = {p["name"]: p for p in json.loads(out)["packages"]}
    assert by_name["bash"]["purl"] == ("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"
                                       "&upstream=bash%405.2.15-2")
    assert by_name["Flask_Login"]["purl"] == "pkg:pypi/flask-login@0.6.3"


def test_image_table_summarises_and_lists(capsys: pytest.CaptureFixture[str], image: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "image", f"{image}:1.0", "--cache-dir", str(tmp_path / "cache"))
    assert code == 0
    assert "Debian GNU/Linux 12 (bookworm)" in out and "10001" in out
    assert "Packages: 3 (deb 2, pypi 1) (--list-all-pkgs lists them)" in out
    code, out, _ = run(capsys, "image", f"{image}:1.0", "--no-cache", "--list-all-pkgs")
    assert "src:glibc" in out and "(layer 1)" in out
    assert "Flask_Login" in out and "(layer 2)" in out


def test_image_json_has_layers_and_history(capsys: pytest.CaptureFixture[str], image: Path) -> None:
    code, out, _ = run(capsys, "image", f"oci:{image}:1.0", "--format", "json", "--no-cache")
    assert code == 0
    assert packages(out) == EXPECTED


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx-json"])
def test_sbom_round_trip_through_the_cli(capsys: pytest.CaptureFixture[str], image: Path, tmp_path: Path,
                                         fmt: str) -> None:
    sbom = tmp_path / f"sbom.{fmt}.json"
    code, _, err = run(capsys, "image", f"{image}:1.0", "--format", fmt, "--output", str(sbom), "--no-cache")
    assert code == 0 and "3 packages" in err
    code, out, _ = run(capsys, "sbom", str(sbom), "--format", "json")
    assert code == 0
    assert packages(out) == EXPECTED


def test_fs_lists_lockfile_packages(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = write(tmp_path / "proj", {
        "requirements.txt": b"flask==3.0.3\nrequests>=2\n",
        "node_modules/left-pad/package.json": b'{"name": "left-pad", "version": "1.3.0"}',
    })
    code, out, _ = run(capsys, "fs", str(project), "--format", "json", "--no-cache")
    assert code == 0
    assert packages(out) == {("pypi", "flask", "3.0.3")}
    assert json.loads(out)["packages"][0]["locations"][0]["path"] == f"{project}/requirements.txt"


def test_missing_targets_are_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "image", str(tmp_path / "nope.tar"), "--no-cache")
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "sbom", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err


def test_broken_layer_is_a_diagnostic_and_strict_fails(capsys: pytest.CaptureFixture[str], image: Path) -> None:
    index = json.loads((image / "index.json").read_text())
    manifest = json.loads((image / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]).read_text())
    layer = image / "blobs" / "sha256" / manifest["layers"][1]["digest"][7:]
    layer.write_bytes(layer.read_bytes()[:40])
    code, out, _ = run(capsys, "image", f"{image}:1.0", "--format", "json", "--no-cache")
    assert code == 0
    report = json.loads(out)
    assert packages(out) == EXPECTED - {("pypi", "Flask_Login", "0.6.3")}
    assert any("layer 2" in d["message"] for d in report["diagnostics"])
    assert run(capsys, "image", f"{image}:1.0", "--no-cache", "--strict", "--quiet")[0] == 3


def test_offline_refuses_registry_references(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "image", "registry.example.com/app:1", "--offline", "--no-cache")
    assert code == 2 and "--offline allows no network" in err


def test_no_database_is_an_info_diagnostic_not_a_failure(capsys: pytest.CaptureFixture[str], rootfs: Path,
                                                         tmp_path: Path) -> None:
    code, out, _ = run(capsys, "rootfs", str(rootfs), "--format", "json", "--db", str(tmp_path / "none.sqlite"),
                       "--strict")
    assert code == 0
    (diag,) = [d for d in json.loads(out)["diagnostics"] if d["source"] == "vulndb"]
    assert diag["level"] == "info" and "stockade db update" in diag["message"]
