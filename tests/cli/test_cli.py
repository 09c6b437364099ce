"""The command line: flags, formats, exit codes, suppressions and namespace-label policies."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from stockade.cli.main import main

DATA = Path(__file__).parent / "testdata"
POD = str(DATA / "privileged-pod.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def findings(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    code, out, _ = run(capsys, "config", "--format", "json", *argv)
    assert code == 0
    result: list[dict[str, object]] = json.loads(out)["findings"]
    return result


def test_table_names_file_line_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", POD, "--rules", "STK-PSS-0002")
    assert code == 0
    assert "privileged-pod.yaml" in out
    assert "STK-PSS-0002" in out
    assert "spec.containers[0].securityContext.privileged" in "".join(out.split())


def test_exit_code_only_when_findings_remain(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "config", POD, "--exit-code", "5")[0] == 5
    assert run(capsys, "config", POD, "--exit-code", "5", "--severity", "LOW,UNKNOWN",
               "--rules", "STK-PSS-*")[0] == 0
    assert run(capsys, "config", POD, "--exit-code", "5", "--skip-rules", "*")[0] == 0


def test_rule_selection_globs(capsys: pytest.CaptureFixture[str]) -> None:
    ids = {f["rule_id"] for f in findings(capsys, POD, "--rules", "stk-pss-*", "--skip-rules", "STK-PSS-0002")}
    assert ids and all(str(i).startswith("STK-PSS-") for i in ids)
    assert "STK-PSS-0002" not in ids


def test_json_finding_shape(capsys: pytest.CaptureFixture[str]) -> None:
    (finding,) = findings(capsys, POD, "--rules", "STK-PSS-0002")
    assert finding["rule_id"] == "STK-PSS-0002"
    assert finding["location"] == {
        "path": POD, "line": 11, "column": 9, "end_line": None, "snippet": None,
        "object_path": "spec.containers[0].securityContext.privileged",
    }
    assert finding["resource"] == {"kind": "Pod", "namespace": "tools", "name": "debug", "api_version": "v1"}
    assert "PSS:baseline:privileged" in finding["compliance"]  # type: ignore[operator]
    assert finding["message"] == (
        'violates PodSecurity "restricted:latest": privileged '
        '(container "shell" must not set securityContext.privileged=true)'
    )


def test_sarif_to_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.sarif"
    code, out, err = run(capsys, "config", POD, "--format", "sarif", "--output", str(target))
    assert code == 0 and out == ""
    assert "findings" in err
    sarif = json.loads(target.read_text())
    assert sarif["version"] == "2.1.0"
    assert any(r["ruleId"] == "STK-PSS-0002" for r in sarif["runs"][0]["results"])


def test_quiet_prints_nothing_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "config", POD, "--format", "json", "--quiet", "-o", str(tmp_path / "r.json"))
    assert (code, err) == (0, "")


def test_strict_turns_diagnostics_into_failure(capsys: pytest.CaptureFixture[str]) -> None:
    broken = str(DATA / "broken.yaml")
    assert run(capsys, "config", broken)[0] == 0
    assert run(capsys, "config", broken, "--strict")[0] == 3


@pytest.mark.parametrize(
    "argv",
    [
        ("config", POD, "--pss-version", "v2.0"),
        ("config", POD, "--severity", "SEVERE"),
        ("config", POD, "--format", "xml"),
        ("config", POD, "--ignorefile", "/nonexistent/.stockadeignore"),
        ("config", POD, "--max-file-size", "lots"),
        ("rules", "explain", "STK-NOPE-0001"),
        ("config",),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exc:
        code = main(list(argv))
        raise SystemExit(code)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_ignorefile_with_path_glob_and_expiry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ignore = tmp_path / "ignore"
    ignore.write_text(
        "# reviewed\n"
        "STK-PSS-0002 *privileged-pod.yaml exp:2999-01-01\n"
        "STK-PSS-0014 exp:2000-01-01  # expired: applies no more\n"
        "STK-PSS-0015 other/*.yaml\n"
    )
    _, out, _ = run(capsys, "config", POD, "--format", "json", "--ignorefile", str(ignore), "--rules", "STK-PSS-*")
    report = json.loads(out)
    kept = {f["rule_id"] for f in report["findings"]}
    assert "STK-PSS-0002" not in kept and {"STK-PSS-0014", "STK-PSS-0015"} <= kept
    (sup,) = report["suppressed"]
    assert sup["rule_id"] == "STK-PSS-0002" and sup["suppressed_by"] == f"ignorefile {ignore}:2"
    assert any("expired on 2000-01-01" in d["message"] for d in report["diagnostics"])


def test_yaml_ignorefile_found_by_default_in_the_working_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".stockadeignore.yaml").write_text(
        "misconfigurations:\n  - id: STK-PSS-0002\n    reason: reviewed\n")
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "config", POD, "--format", "json", "--rules", "STK-PSS-0002")
    (sup,) = json.loads(out)["suppressed"]
    assert sup["suppressed_by"] == "ignorefile .stockadeignore.yaml:2: reviewed"


def test_bad_ignorefile_line_is_a_config_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ignore = tmp_path / "ignore"
    ignore.write_text("STK-PSS-0002 exp:31-12-2026\n")
    code, _, err = run(capsys, "config", POD, "--ignorefile", str(ignore))
    assert code == 2 and f"{ignore}:1: invalid expiry" in err


def test_annotation_suppression(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "config", str(DATA / "suppressed.yaml"), "--format", "json", "--rules", "STK-PSS-0002")
    report = json.loads(out)
    assert report["findings"] == []
    reasons = sorted(s["suppressed_by"] for s in report["suppressed"])
    assert reasons == [
        "annotation stockade.dev/ignore",
        "annotation stockade.dev/ignore: node agent needs host access; reviewed in SEC-142",
    ]
    (warning,) = report["diagnostics"]
    assert "without a reason" in warning["message"] and warning["location"]["line"] == 22


def test_namespace_labels_decide_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    got = findings(capsys, str(DATA / "labelled-namespace.yaml"), "--rules", "STK-PSS-*", "--pss-level", "privileged")
    by_object = {(f["resource"]["name"], f["rule_id"]): f["message"] for f in got}  # type: ignore[index]
    # hostNetwork violates baseline: enforce would reject the Deployment's pods, and warn flags it too
    msg = by_object[("cart", "STK-PSS-0001")]
    assert "enforce" in str(msg) and "baseline:v1.30" in str(msg)
    # restricted-only controls come from the warn label
    assert "warn" in str(by_object[("cart", "STK-PSS-0015")])
    assert ("cart-debug", "STK-PSS-0001") not in by_object
    assert "warn" in str(by_object[("cart-debug", "STK-PSS-0015")])


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(POD).read_bytes())))
    code, out, _ = run(capsys, "config", "-", "--format", "json", "--rules", "STK-PSS-0002")
    assert code == 0
    assert json.loads(out)["findings"][0]["location"]["path"] == "-"


def test_rules_list_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    rules = json.loads(out)
    ids = [r["id"] for r in rules]
    assert code == 0 and len(ids) == len(set(ids)) and "STK-PSS-0001" in ids
    code, out, _ = run(capsys, "rules", "explain", "stk-pss-0002")
    assert code == 0 and out.startswith("STK-PSS-0002")
    assert "Remediation:" in out
    # the secret rules are rules too
    secret = next(r for r in rules if r["id"] == "STK-SEC-0001")
    assert secret["kinds"] == ["secret"] and secret["references"][0].startswith("https://")
    code, out, _ = run(capsys, "rules", "list", "--format", "json", "--kind", "secret", "--rules", "STK-SEC-000*")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [f"STK-SEC-000{i}" for i in range(1, 10)]
    code, out, _ = run(capsys, "rules", "explain", "STK-SEC-0001")
    assert code == 0 and out.startswith("STK-SEC-0001  AWS access key ID") and "Applies to: secret" in out


def test_rules_doc_is_generated_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "list", "--kind", "misconfig", "--format", "markdown")
    doc = Path(__file__).parents[2] / "docs" / "rules.md"
    assert code == 0
    assert doc.read_text() == out, "docs/rules.md is stale: run `make rules-doc`"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "version", "--format", "json")
    assert code == 0 and json.loads(out)["version"]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2 and "config" in err


def test_library_entry_point() -> None:
    import stockade

    report = stockade.scan([POD], stockade.ScanOptions(rules=("STK-PSS-0002",)))
    assert isinstance(report, stockade.Report)
    assert [f.rule_id for f in report.findings] == ["STK-PSS-0002"]
    assert report.findings[0].severity is stockade.Severity.HIGH


def test_settings_file_sets_pss_defaults_and_flags_win(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "stockade.yaml"
    config.write_text("pss:\n  level: baseline\n  version: v1.30\ndockerfile:\n  allowed_registries: [docker.io]\n")
    ids = {f["rule_id"] for f in findings(capsys, POD, "--config", str(config), "--rules", "STK-PSS-*")}
    assert ids == {"STK-PSS-0002"}  # baseline: only the privileged control fails
    ids = {f["rule_id"] for f in findings(capsys, POD, "--config", str(config), "--rules", "STK-PSS-*",
                                          "--pss-level", "restricted")}
    assert "STK-PSS-0015" in ids


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("pss: [1]\n", "stockade.yaml:1: section 'pss' must be a mapping"),
        ("nope: {}\n", "stockade.yaml:1: unknown section 'nope'"),
        ("pss:\n  level: 3\n", "stockade.yaml:2: pss.level must be a string"),
        ("dockerfile:\n  allowed_registries: [1]\n", "stockade.yaml:2: dockerfile.allowed_registries must be a list"),
        ("pss:\n  lvl: x\n", "stockade.yaml:2: unknown setting pss.lvl"),
        ("pss: {\n", "stockade.yaml:2: invalid YAML"),
    ],
)
def test_bad_settings_file_is_a_config_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, error: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stockade.yaml").write_text(text)
    code, _, err = run(capsys, "config", POD)
    assert code == 2
    assert f"stockade: error: {error}" in err
