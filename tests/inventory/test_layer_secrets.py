"""Secrets in image layers (files a later layer deletes too), in the image config, and never in any output."""

from __future__ import annotations

import gzip
import hashlib
import random
import string
from pathlib import Path

import pytest
from tarbuild import E, oci_layout, tar_bytes

from stockade import artifacts
from stockade.cli.main import main
from stockade.model import FindingKind, Report

RNG = random.Random(20261124)


def _token(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


AWS_KEY = "AKIA" + _token("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
GITHUB = "ghp_" + _token(string.ascii_letters + string.digits, 36)
GITHUB_2 = "ghp_" + _token(string.ascii_letters + string.digits, 36)
SLACK = f"xoxb-{_token(string.digits, 11)}-{_token(string.digits, 12)}-{_token(string.ascii_letters, 24)}"
SECRETS = (AWS_KEY, GITHUB, GITHUB_2, SLACK)
BIG_LINES = 9 * 1024 * 1024 // 41  # lines of 41 bytes: a file over 8 MiB, under the 10 MiB secret limit


def _layer(entries: list[E]) -> tuple[bytes, str]:
    raw = tar_bytes(entries)
    return gzip.compress(raw, mtime=0), "sha256:" + hashlib.sha256(raw).hexdigest()


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    big = b"# padding line of a large generated file\n" * BIG_LINES + f"token = {GITHUB_2}\n".encode()
    first = _layer([
        E("etc/app/", kind="dir"),
        E("etc/app/.env", f"# app settings\nAWS_ACCESS_KEY_ID={AWS_KEY}\n".encode()),
        E("srv/big.log", big),  # over 8 MiB: spooled to disk, scanned from there
        E("usr/lib/blob.bin", b"\x00\x01" + GITHUB.encode()),  # binary: not scanned
        E("srv/allowed.txt", f"{GITHUB}  # stockade:allow-secret\n".encode()),
    ])
    second = _layer([E("etc/app/.wh..env"), E("srv/notes.md", f"deploy with\n\n  {GITHUB}\n".encode())])
    config = {"Env": ["PATH=/usr/bin", f"SLACK_BOT_TOKEN={SLACK}"]}
    root = tmp_path_factory.mktemp("secret-image")
    history = ["COPY app /", f"RUN curl -H 'Authorization: token {GITHUB}' https://api.github.com/x > /srv/notes.md"]
    layout = oci_layout(root, [first[0], second[0]], [first[1], second[1]], config, history)
    return f"oci:{layout}"


def _secrets(report: Report) -> list[tuple[str, str, int | None, str, int | None]]:
    return sorted((f.rule_id, f.location.path, f.location.line, f.location.object_path,
                   f.layer.index if f.layer else None) for f in report.findings if f.kind is FindingKind.SECRET)


def test_every_layer_is_scanned_and_deleted_files_are_said_to_be(image: str, tmp_path: Path) -> None:
    report = artifacts.scan_image(image, artifacts.ImageOptions(cache_dir=str(tmp_path), scanners=("secret",)))
    assert _secrets(report) == [
        ("STK-SEC-0001", "/etc/app/.env", 2, "", 0),  # deleted by layer 1, still in layer 0's bytes
        ("STK-SEC-0025", "/srv/big.log", BIG_LINES + 1, "", 0),
        ("STK-SEC-0025", "/srv/notes.md", 3, "", 1),
        ("STK-SEC-0025", image, None, "history[1].created_by", None),
        ("STK-SEC-0066", image, None, "config.Env[1]", None),
    ]
    by_path = {f.location.path: f for f in report.findings}
    assert by_path["/etc/app/.env"].message == "AKIA***** (AWS) in a file layer 1 deletes: the bytes stay in layer 0"
    assert by_path["/etc/app/.env"].location.snippet == "AWS_ACCESS_KEY_ID=AKIA*****"
    # the layer's command held a secret: every place that shows it shows it redacted
    redacted_command = "RUN curl -H 'Authorization: token ghp_*****' https://api.github.com/x > /srv/notes.md"
    assert by_path["/srv/notes.md"].layer is not None
    assert by_path["/srv/notes.md"].layer.created_by == redacted_command
    assert report.artifact is not None and report.artifact.config is not None
    assert report.artifact.config.history[1].created_by == redacted_command
    assert report.artifact.layers[1].created_by == redacted_command
    assert report.artifact.config.env == ("PATH=/usr/bin", "SLACK_BOT_TOKEN=xoxb*****")
    # the layer cache keeps what was found (redacted): a second scan gives the same findings
    again = artifacts.scan_image(image, artifacts.ImageOptions(cache_dir=str(tmp_path), scanners=("secret",)))
    assert _secrets(again) == _secrets(report)


def test_secret_scanning_can_be_turned_off(image: str) -> None:
    report = artifacts.scan_image(image, artifacts.ImageOptions(scanners=()))
    assert _secrets(report) == []


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "cyclonedx"])
def test_no_output_format_carries_a_secret(image: str, fmt: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["image", image, "--no-cache", "--scanners", "secret", "--format", fmt, "--output", str(out),
                 "--show-suppressed"])
    text = out.read_text() + "".join(capsys.readouterr())
    assert code == 0
    assert "AKIA*****" in text or fmt == "cyclonedx"  # an SBOM lists packages, not secrets
    for secret in SECRETS:
        assert secret not in text
        assert secret[8:] not in text  # no tail of it either
