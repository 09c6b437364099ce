"""Secrets from the CLI: fs, rootfs and config targets, custom rule files, ignores, and redaction everywhere."""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest

from stockade.cli.main import main

RNG = random.Random(7)
ALNUM = string.ascii_letters + string.digits
GITHUB = "ghp_" + "".join(RNG.choice(ALNUM) for _ in range(36))
AWS_KEY = "AKIA" + "".join(RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
SLACK = "xoxb-" + "".join(RNG.choice(string.digits) for _ in range(11)) + "-" + \
    "".join(RNG.choice(string.digits) for _ in range(12)) + "-" + "".join(RNG.choice(ALNUM) for _ in range(24))
INTERNAL = "acme_live_" + "".join(RNG.choice("0123456789abcdef") for _ in range(32))
ALL = (GITHUB, AWS_KEY, SLACK, INTERNAL)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "deploy").mkdir(parents=True)
    (root / ".env").write_text(f"# local settings\nAWS_ACCESS_KEY_ID={AWS_KEY}\n")
    (root / "Dockerfile").write_text(f"FROM debian:12\nARG GITHUB_TOKEN={GITHUB}\nRUN echo build\n")
    (root / "settings.py").write_text(f'API_KEY = "{INTERNAL}"\nDEBUG = False\n')
    (root / "deploy" / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: chat\n  namespace: prod\ntype: Opaque\ndata:\n"
        f"  token: {base64.b64encode(SLACK.encode()).decode()}\n")
    (root / "deploy" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    image: app:1\n"
        f"    env:\n    - name: GITHUB_TOKEN\n      value: {GITHUB}\n")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def secrets_of(out: str) -> list[tuple[str, str, int | None, str]]:
    report = json.loads(out)
    return sorted((Path(f["location"]["path"]).name, f["rule_id"], f["location"]["line"],
                   f["location"]["object_path"] or "") for f in report["findings"] if f["kind"] == "secret")


def assert_redacted(*texts: str) -> None:
    for text in texts:
        for secret in ALL:
            assert secret not in text and secret[6:] not in text


def test_fs_reports_secrets_on_by_default(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, out, err = run(capsys, "fs", str(project), "--no-cache", "--format", "json")
    assert code == 0
    found = secrets_of(out)
    assert ("Dockerfile", "STK-SEC-0025", 2, "") in found
    assert (".env", "STK-SEC-0001", 2, "") in found
    assert ("pod.yaml", "STK-SEC-0025", 11, "") in found
    # a Secret manifest in the tree is judged by what its base64 values decode to, reported once
    assert [f for f in found if f[0] == "secret.yaml"] == [("secret.yaml", "STK-SEC-0066", 8, "data.token")]
    assert_redacted(out, err)
    code, out, _ = run(capsys, "fs", str(project), "--no-cache", "--format", "json", "--scanners", "vuln")
    assert secrets_of(out) == []


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_no_format_prints_a_secret(capsys: pytest.CaptureFixture[str], project: Path, fmt: str,
                                   tmp_path: Path) -> None:
    out_file = tmp_path / "report"
    code, out, err = run(capsys, "fs", str(project), "--no-cache", "--format", fmt, "--output", str(out_file))
    text = out_file.read_text()
    assert code == 0 and "AKIA*****" in text
    assert_redacted(text, out, err)
    assert err == f"stockade: 0 packages, 0 vulnerabilities, 5 secrets, 0 diagnostics -> {out_file}\n"


def test_config_scans_dockerfiles_manifests_and_decoded_secret_data(capsys: pytest.CaptureFixture[str],
                                                                     project: Path) -> None:
    code, out, err = run(capsys, "config", str(project / "deploy"), str(project / "Dockerfile"),
                         "--scanners", "secret", "--format", "json")
    assert code == 0
    assert secrets_of(out) == [
        ("Dockerfile", "STK-SEC-0025", 2, ""),
        ("pod.yaml", "STK-SEC-0025", 11, ""),
        ("secret.yaml", "STK-SEC-0066", 8, "data.token"),  # found in the base64-decoded value
    ]
    report = json.loads(out)
    decoded = next(f for f in report["findings"] if f["location"]["object_path"] == "data.token")
    assert decoded["resource"] == {"kind": "Secret", "name": "chat", "namespace": "prod", "api_version": "v1"}
    assert "in the base64-decoded value" in decoded["message"]
    assert all(f["kind"] == "secret" for f in report["findings"])  # misconfig not asked for
    assert_redacted(out, err)


def test_custom_rule_file_adds_and_disables_rules(capsys: pytest.CaptureFixture[str], project: Path,
                                                  tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\n"
        "disable: [aws-access-key-id]\n"
        "rules:\n"
        "  - id: ACME-0001\n"
        "    name: acme-live-key\n"
        "    title: ACME live API key\n"
        "    severity: HIGH\n"
        "    category: ACME\n"
        "    keywords: [acme_live_]\n"
        "    regex: '\\b(acme_live_[0-9a-f]{32})\\b'\n"
        "    secret_group: 1\n"
        "    remediation: Revoke the key in the ACME console.\n")
    code, out, err = run(capsys, "fs", str(project), "--no-cache", "--format", "json", "--secret-config", str(rules))
    found = secrets_of(out)
    assert code == 0
    assert ("settings.py", "ACME-0001", 1, "") in found
    assert not any(rule == "STK-SEC-0001" for _, rule, _, _ in found)
    assert_redacted(out, err)


def test_broken_rule_file_is_a_configuration_error(capsys: pytest.CaptureFixture[str], project: Path,
                                                   tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nrules:\n  - id: X-1\n    name: x\n    title: x\n    severity: HIGH\n"
                     "    keywords: [abc]\n    regex: '(?=abc)abc'\n")
    code, _, err = run(capsys, "fs", str(project), "--no-cache", "--secret-config", str(rules))
    assert code == 2 and f"{rules}:" in err


def test_yaml_ignore_file_suppresses_a_secret_with_its_reason(capsys: pytest.CaptureFixture[str], project: Path,
                                                              tmp_path: Path) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("secrets:\n  - id: STK-SEC-0001\n    paths: ['*/.env']\n    reason: rotated, local only\n")
    code, out, _ = run(capsys, "fs", str(project), "--no-cache", "--format", "json", "--ignorefile", str(ignore))
    report = json.loads(out)
    assert code == 0
    assert not any(f["rule_id"] == "STK-SEC-0001" for f in report["findings"])
    (hidden,) = [f for f in report["suppressed"] if f["kind"] == "secret"]
    assert hidden["suppressed_by"] == f"ignorefile {ignore}:2: rotated, local only"


def test_rootfs_reports_paths_from_the_root(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc" / "app").mkdir(parents=True)
    (root / "etc" / "app" / "app.conf").write_text(f"[auth]\ntoken = {GITHUB}\n")
    code, out, _ = run(capsys, "rootfs", str(root), "--no-cache", "--format", "json")
    paths = [(f["location"]["path"], f["location"]["line"]) for f in json.loads(out)["findings"]
             if f["kind"] == "secret"]
    assert code == 0 and paths == [("/etc/app/app.conf", 2)]


def test_config_secret_scan_is_the_same_in_worker_processes(tmp_path: Path) -> None:
    import stockade
    from stockade.scanner import PARALLEL_MIN_FILES

    for i in range(PARALLEL_MIN_FILES):
        (tmp_path / f"cm-{i:03d}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  mode: fast\n")
    (tmp_path / "zz-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: chat\ndata:\n"
        f"  token: {base64.b64encode(SLACK.encode()).decode()}\n")

    def secrets(jobs: int) -> list[tuple[str, str, int | None, str]]:
        report = stockade.scan([str(tmp_path)], stockade.ScanOptions(scanners=("secret",), jobs=jobs))
        return sorted((Path(f.location.path).name, f.rule_id, f.location.line, f.location.object_path)
                      for f in report.findings)

    assert secrets(1) == secrets(2) == [("zz-secret.yaml", "STK-SEC-0066", 6, "data.token")]
