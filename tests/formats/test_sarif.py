from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from stockade.formats.sarif import SarifFormatter, artifact_location, fingerprint, report_to_sarif
from stockade.model import Diagnostic, DiagnosticLevel, Location, Report, ResourceRef, Severity, Tool

if TYPE_CHECKING:
    from conftest import Builder

OFFICIAL_SCHEMA = Path(__file__).parent / "testdata" / "sarif-schema-2.1.0.json"
VALIDATOR = jsonschema.Draft4Validator(
    json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
)

APE = "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"

# RFC 3986 URI-reference characters (unreserved, reserved and percent-encoded octets only).
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def render(report: Report, **options: Any) -> str:
    out = io.StringIO()
    SarifFormatter(**options).render(report, out)
    return out.getvalue()


def parse(report: Report, **options: Any) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(report, **options))
    return log


def assert_valid(log: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert_github_ready(log)


def assert_github_ready(log: dict[str, Any]) -> None:
    """What GitHub code scanning needs beyond the schema (and what our mapping promises)."""
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids))
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert rule["properties"]["tags"][0] == "security"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        assert len(result["locations"]) == 1
        physical = result["locations"][0]["physicalLocation"]
        assert URI_REFERENCE.match(physical["artifactLocation"]["uri"]), physical["artifactLocation"]["uri"]
        assert physical["region"]["startLine"] >= 1
        assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["stockadeFindingHash/v1"])
    assert run["invocations"][0]["executionSuccessful"] is True


def test_vendored_schema_is_the_official_one() -> None:
    schema = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    digest = hashlib.sha256(OFFICIAL_SCHEMA.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.mark.parametrize("name", ["full", "empty"])
def test_golden(name: str, request: pytest.FixtureRequest, golden: Callable[[str, str], None], build: Builder) -> None:
    report: Report = request.getfixturevalue(name)
    text = render(report)
    log = json.loads(text)
    assert_valid(log)
    assert text == json.dumps(log, indent=2, ensure_ascii=False) + "\n"
    golden(f"{name}.sarif", json.dumps(build.redact(log), indent=2, ensure_ascii=False) + "\n")


def test_log_header(full: Report) -> None:
    log = parse(full)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == ("stockade", "0.0.0-test", "0.0.0-test")
    assert driver["informationUri"] == "https://example.org/stockade"


def test_empty_report_has_no_information_uri_and_no_results(empty: Report) -> None:
    log = parse(empty)
    assert_valid(log)
    run = log["runs"][0]
    assert "informationUri" not in run["tool"]["driver"]
    assert run["tool"]["driver"]["rules"] == []
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert "originalUriBaseIds" not in run


def test_no_version_no_version_fields(build: Builder) -> None:
    log = parse(build.report(tool=Tool(version="")))
    assert_valid(log)
    assert set(log["runs"][0]["tool"]["driver"]) == {"name", "rules"}


@pytest.mark.parametrize(
    ("version", "semantic"), [("0.1.0", True), ("1.2.3-rc.1+g1234", True), ("0.2.0.dev3", False), ("1.2", False)]
)
def test_semantic_version_only_when_it_is_one(build: Builder, version: str, semantic: bool) -> None:
    driver = parse(build.report(tool=Tool(version=version)))["runs"][0]["tool"]["driver"]
    assert driver["version"] == version
    assert ("semanticVersion" in driver) is semantic


def test_rule_mapping(full: Report) -> None:
    rules = {r["id"]: r for r in parse(full)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["STK-K8S-0002"] == {
        "id": "STK-K8S-0002",
        "name": "PrivilegedContainer",
        "shortDescription": {"text": "Privileged container"},
        "fullDescription": {"text": "Privileged container"},
        "defaultConfiguration": {"level": "error"},
        "help": {
            "text": "Privileged container\n\nRemediation: Set securityContext.privileged to false.\n\nReferences:\n"
            "- https://kubernetes.io/docs/concepts/security/pod-security-standards/\n"
            "- https://cwe.mitre.org/data/definitions/250.html",
            "markdown": "**Privileged container**\n\n**Remediation:** Set securityContext.privileged to false.\n\n"
            "**References:**\n\n- <https://kubernetes.io/docs/concepts/security/pod-security-standards/>\n"
            "- <https://cwe.mitre.org/data/definitions/250.html>",
        },
        "helpUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
        "properties": {
            "tags": ["security", "misconfig"],
            "precision": "very-high",
            "security-severity": "9.5",
            "compliance": ["CIS-5.2.1", "PSS:baseline"],
        },
    }
    # Found HIGH in one place and MEDIUM in another: the rule takes the highest.
    assert rules["STK-K8S-0001"]["properties"]["security-severity"] == "8.0"
    assert "helpUri" not in rules["STK-K8S-0001"]  # its only reference is not a URL
    assert rules["CVE-2024-12345"]["helpUri"] == "https://nvd.nist.gov/vuln/detail/CVE-2024-12345"
    assert rules["CVE-2024-12345"]["properties"]["tags"] == ["security", "vuln"]
    assert rules["CVE-2023-99999"]["properties"]["security-severity"] == "0.0"
    assert rules["CVE-2023-99999"]["defaultConfiguration"] == {"level": "note"}


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        (Severity.CRITICAL, "error", "9.5"),
        (Severity.HIGH, "error", "8.0"),
        (Severity.MEDIUM, "warning", "5.5"),
        (Severity.LOW, "note", "2.0"),
        (Severity.UNKNOWN, "note", "0.0"),
    ],
)
def test_severity_mapping(build: Builder, severity: Severity, level: str, score: str) -> None:
    log = parse(build.report((build.finding(severity=severity),)))
    assert_valid(log)
    run = log["runs"][0]
    assert run["results"][0]["level"] == level
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == score
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == level


def test_result_mapping(build: Builder) -> None:
    finding = build.finding(column=13)
    log = parse(build.report((finding,)))
    (result,) = log["runs"][0]["results"]
    assert result == {
        "ruleId": "STK-K8S-0001",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": "set it to false (Deployment/prod/web)"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 20, "startColumn": 13},
                },
                "logicalLocations": [
                    {
                        "fullyQualifiedName": APE,
                        "kind": "property",
                    }
                ],
            }
        ],
        "partialFingerprints": {
            "stockadeFindingHash/v1": hashlib.sha256(
                b"STK-K8S-0001\0deploy/app.yaml\0"
                b"spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation\0"
                b"Deployment/prod/web"
            ).hexdigest()
        },
    }


def test_fingerprint_ignores_line_and_message(build: Builder) -> None:
    a = build.finding(line=20, message="one")
    assert fingerprint(a) == fingerprint(build.finding(line=42, message="two"))
    assert fingerprint(a) == fingerprint(build.finding(path="./deploy/app.yaml"))
    assert fingerprint(a) != fingerprint(build.finding(resource=ResourceRef("Deployment", "api", "prod")))
    assert fingerprint(a) != fingerprint(build.finding(object_path="spec"))


def test_finding_without_line_points_at_line_one(build: Builder) -> None:
    log = parse(build.report((build.finding(line=None, column=None, object_path="", resource=None),)))
    assert_valid(log)
    (location,) = log["runs"][0]["results"][0]["locations"]
    assert location == {
        "physicalLocation": {
            "artifactLocation": {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1},
        }
    }
    assert log["runs"][0]["results"][0]["message"] == {"text": "set it to false"}


def test_unicode_and_long_messages(build: Builder) -> None:
    findings = (
        build.finding(message=build.UNICODE_MESSAGE, path="deploy/ünïcode dir/app.yaml"),
        build.finding(message=build.LONG_MESSAGE * 20, line=30),
    )
    text = render(build.report(findings))
    log = json.loads(text)
    assert_valid(log)
    results = log["runs"][0]["results"]
    assert build.UNICODE_MESSAGE in text
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert "deploy/%C3%BCn%C3%AFcode%20dir/app.yaml" in uris
    assert any(r["message"]["text"].startswith(build.LONG_MESSAGE * 20) for r in results)


def test_suppressed_findings_are_results_with_suppressions(full: Report) -> None:
    results = parse(full)["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        (
            "STK-K8S-0003",
            [{"kind": "inSource", "justification": "annotation stockade.dev/ignore: probes are handled by the mesh"}],
        ),
        ("STK-K8S-0007", [{"kind": "external", "justification": "ignorefile .stockadeignore:3"}]),
    ]
    assert len(results) == len(full.findings) + len(full.suppressed)


def test_diagnostics_become_notifications(full: Report) -> None:
    invocation = parse(full)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["note", "warning", "error", "warning"]
    assert notes[2] == {
        "level": "error",
        "message": {"text": "mapping values are not allowed here"},
        "descriptor": {"id": "yaml"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "deploy/broken.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 7, "startColumn": 3},
                }
            }
        ],
    }


def test_diagnostics_only(build: Builder) -> None:
    report = build.report(diagnostics=(Diagnostic(Location("-"), "yaml", DiagnosticLevel.ERROR, "empty input"),))
    log = parse(report)
    assert_valid(log)
    assert log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ] == {"uri": "stdin"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("deploy/app.yaml", {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("./deploy/app.yaml", {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("deploy\\win\\app.yaml", {"uri": "deploy/win/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("my dir/a#b?.yaml", {"uri": "my%20dir/a%23b%3F.yaml", "uriBaseId": "%SRCROOT%"}),
        ("alpine:3.19", {"uri": "alpine%3A3.19", "uriBaseId": "%SRCROOT%"}),
        ("-", {"uri": "stdin"}),
        (
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            {"uri": "file:///etc/kubernetes/manifests/kube-apiserver.yaml"},
        ),
        ("/tmp/ü x.yaml", {"uri": "file:///tmp/%C3%BC%20x.yaml"}),
        ("C:\\work\\k8s\\app.yaml", {"uri": "file:///C:/work/k8s/app.yaml"}),
    ],
)
def test_artifact_location(path: str, expected: dict[str, str]) -> None:
    assert artifact_location(path) == expected
    assert URI_REFERENCE.match(expected["uri"])


@pytest.mark.parametrize(
    ("root", "uri"),
    [("/home/ci/repo", "file:///home/ci/repo/"), ("file:///home/ci/repo/", "file:///home/ci/repo/")],
)
def test_source_root_is_opt_in(full: Report, root: str, uri: str) -> None:
    log = parse(full, source_root=root)
    assert_valid(log)
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": uri}}
    assert "originalUriBaseIds" not in parse(full)["runs"][0]


def test_report_to_sarif_matches_render(full: Report) -> None:
    assert json.loads(render(full)) == report_to_sarif(full)
