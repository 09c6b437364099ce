from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from stockade.formats.jsonreport import JsonFormatter, report_to_dict
from stockade.model import Diagnostic, DiagnosticLevel, Location, Report, Severity, Tool

if TYPE_CHECKING:
    from conftest import Builder


def _schema() -> dict[str, Any]:
    text = (files("stockade") / "schemas" / "report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


VALIDATOR = jsonschema.Draft202012Validator(_schema())


def render(report: Report) -> str:
    out = io.StringIO()
    JsonFormatter().render(report, out)
    return out.getvalue()


def parse(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(report))
    return doc


def assert_valid(doc: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())


@pytest.mark.parametrize("name", ["full", "empty"])
def test_golden(name: str, request: pytest.FixtureRequest, golden: Callable[[str, str], None], build: Builder) -> None:
    report: Report = request.getfixturevalue(name)
    text = render(report)
    doc = json.loads(text)
    assert_valid(doc)
    # The exact serialisation is part of the contract: 2-space indent, UTF-8 as is, trailing newline.
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    redacted = json.dumps(build.redact(doc), indent=2, ensure_ascii=False) + "\n"
    golden(f"{name}.json", redacted)


def test_render_is_deterministic(full: Report) -> None:
    shuffled = Report(
        tool=full.tool,
        target=full.target,
        findings=tuple(reversed(full.findings)),
        suppressed=tuple(reversed(full.suppressed)),
        diagnostics=tuple(reversed(full.diagnostics)),
        packages=tuple(reversed(full.packages)),
    )
    assert render(shuffled) == render(full)


def test_top_level_keys_in_documented_order(full: Report) -> None:
    assert list(parse(full)) == [
        "schema_version",
        "tool",
        "target",
        "artifact",
        "findings",
        "suppressed",
        "diagnostics",
        "packages",
        "summary",
    ]


def test_empty_report(build: Builder) -> None:
    doc = parse(build.report(tool=Tool(version="")))
    assert_valid(doc)
    assert doc["tool"] == {"name": "stockade", "version": None}
    assert doc["findings"] == doc["suppressed"] == doc["diagnostics"] == doc["packages"] == []
    assert doc["summary"] == {
        "total": 0,
        "by_severity": {"CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0},
        "suppressed": 0,
        "diagnostics": 0,
        "packages": 0,
    }


def test_summary_counts_only_unsuppressed_findings(full: Report) -> None:
    summary = parse(full)["summary"]
    assert summary == {
        "total": 10,
        "by_severity": {"CRITICAL": 1, "HIGH": 4, "MEDIUM": 3, "LOW": 1, "UNKNOWN": 1},
        "suppressed": 2,
        "diagnostics": 4,
        "packages": 2,
    }


def test_unicode_is_written_as_is(build: Builder) -> None:
    text = render(build.report((build.finding(message=build.UNICODE_MESSAGE, path="deploy/ünïcode.yaml"),)))
    assert build.UNICODE_MESSAGE in text
    assert '"path": "deploy/ünïcode.yaml"' in text
    assert "\\u" not in text


def test_long_message_is_not_truncated(build: Builder) -> None:
    doc = parse(build.report((build.finding(message=build.LONG_MESSAGE * 20),)))
    assert doc["findings"][0]["message"] == build.LONG_MESSAGE * 20


def test_finding_without_line_or_field(build: Builder) -> None:
    doc = parse(build.report((build.finding(line=None, object_path="", resource=None),)))
    assert_valid(doc)
    finding = doc["findings"][0]
    assert finding["location"] == {
        "path": "deploy/app.yaml",
        "line": None,
        "column": None,
        "end_line": None,
        "snippet": None,
        "object_path": None,
    }
    assert finding["resource"] is None


def test_zero_line_means_unknown(build: Builder) -> None:
    doc = parse(build.report((build.finding(line=0, column=0),)))
    assert_valid(doc)
    assert doc["findings"][0]["location"]["line"] is None
    assert doc["findings"][0]["location"]["column"] is None


def test_misconfig_finding_shape(build: Builder) -> None:
    doc = parse(build.report((build.finding(column=13, compliance=("NSA",)),)))
    assert doc["findings"][0] == {
        "kind": "misconfig",
        "rule_id": "STK-K8S-0001",
        "severity": "HIGH",
        "title": "Container allows privilege escalation",
        "message": "set it to false",
        "remediation": None,
        "location": {
            "path": "deploy/app.yaml",
            "line": 20,
            "column": 13,
            "end_line": None,
            "snippet": None,
            "object_path": "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        },
        "resource": {"kind": "Deployment", "namespace": "prod", "name": "web", "api_version": "apps/v1"},
        "references": [],
        "compliance": ["NSA"],
        "package": None,
        "installed_version": None,
        "fixed_version": None,
        "status": None,
        "aliases": [],
        "score": None,
        "severity_source": None,
        "layer": None,
        "suppressed_by": None,
    }


def test_vuln_finding_carries_package_and_versions(full: Report) -> None:
    doc = parse(full)
    vuln = next(f for f in doc["findings"] if f["rule_id"] == "CVE-2024-12345")
    assert vuln["kind"] == "vuln"
    assert vuln["package"]["name"] == "libssl3"
    assert vuln["package"]["metadata"] == {"arch": "x86_64", "origin": "openssl"}  # keys sorted
    assert (vuln["installed_version"], vuln["fixed_version"]) == ("3.1.4-r0", "3.1.4-r1")
    unfixed = next(f for f in doc["findings"] if f["rule_id"] == "CVE-2023-99999")
    assert unfixed["fixed_version"] is None


def test_suppressed_findings_are_listed_apart(full: Report) -> None:
    doc = parse(full)
    assert all(f["suppressed_by"] is None for f in doc["findings"])
    assert [(f["rule_id"], f["suppressed_by"]) for f in doc["suppressed"]] == [
        ("STK-K8S-0003", "annotation stockade.dev/ignore: probes are handled by the mesh"),
        ("STK-K8S-0007", "ignorefile .stockadeignore:3"),
    ]


def test_diagnostics(full: Report) -> None:
    diags = parse(full)["diagnostics"]
    assert [d["level"] for d in diags] == ["info", "warning", "error", "warning"]
    assert diags[2] == {
        "level": "error",
        "source": "yaml",
        "message": "mapping values are not allowed here",
        "location": {
            "path": "deploy/broken.yaml", "line": 7, "column": 3,
            "end_line": None, "snippet": None, "object_path": None,
        },
    }


def test_diagnostic_only_report(build: Builder) -> None:
    report = build.report(diagnostics=(Diagnostic(Location("-"), "yaml", DiagnosticLevel.ERROR, "empty input"),))
    doc = parse(report)
    assert_valid(doc)
    assert doc["summary"]["diagnostics"] == 1


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.update(extra=1), "unknown top-level key"),
        (lambda d: d["findings"][0].update(severity="SEVERE"), "severity outside the enum"),
        (lambda d: d["findings"][0].update(kind="bug"), "kind outside the enum"),
        (lambda d: d["findings"][0].update(suppressed_by="x"), "suppressed_by in findings[]"),
        (lambda d: d["suppressed"][0].update(suppressed_by=None), "suppressed finding without reason"),
        (lambda d: d["diagnostics"][0].update(level="fatal"), "level outside the enum"),
        (lambda d: d["findings"][0]["location"].pop("line"), "missing key"),
        (lambda d: d["findings"][0]["location"].update(line=0), "line 0"),
        (lambda d: d["summary"]["by_severity"].pop("LOW"), "severity count missing"),
    ],
)
def test_schema_rejects(full: Report, mutate: Callable[[dict[str, Any]], Any], where: str) -> None:
    doc = copy.deepcopy(report_to_dict(full))
    assert_valid(doc)
    mutate(doc)
    assert list(VALIDATOR.iter_errors(doc)), f"schema accepted {where}"


def test_severity_enum_matches_model() -> None:
    assert _schema()["$defs"]["severity"]["enum"] == [s.value for s in Severity]
