"""Reports built directly from model objects, and golden-file comparison for the format tests.

Regenerate the golden files with ``STOCKADE_UPDATE_GOLDEN=1 pytest tests/formats``; without it any
difference fails the test.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stockade.model import (
    Diagnostic,
    DiagnosticLevel,
    Finding,
    FindingKind,
    Location,
    Package,
    Report,
    ResourceRef,
    Severity,
    Tool,
)

TESTDATA = Path(__file__).parent / "testdata"
GOLDEN = TESTDATA / "golden"
REDACTED = "<redacted>"

TOOL = Tool(name="stockade", version="0.0.0-test", information_uri="https://example.org/stockade")

WEB = ResourceRef(kind="Deployment", name="web", namespace="prod", api_version="apps/v1")
CLEANUP = ResourceRef(kind="CronJob", name="cleanup", namespace="prod", api_version="batch/v1")
CAFE = ResourceRef(kind="Pod", name="café", namespace="default", api_version="v1")
APISERVER = ResourceRef(kind="Pod", name="kube-apiserver", namespace="kube-system", api_version="v1")
HOSTNET = ResourceRef(kind="Pod", name="hostnet", api_version="v1")

CONTAINER0 = "spec.template.spec.containers[0]"

LONG_MESSAGE = (
    'Container "cleanup" runs as root because neither the container nor the pod sets runAsNonRoot; '
    "an attacker who escapes the process gets root in the container, and with a writable host path "
    "or a kernel bug that is root on the node. Set runAsNonRoot: true and a non-zero runAsUser in the "
    "pod's securityContext, and make sure the image works without root (USER in the Dockerfile)."
)

UNICODE_MESSAGE = "Image „nginx:latest“ ist nicht gepinnt — 使用固定标签 ✓ 🚀"


def make_finding(
    rule_id: str = "STK-K8S-0001",
    *,
    kind: FindingKind = FindingKind.MISCONFIG,
    title: str = "Container allows privilege escalation",
    severity: Severity = Severity.HIGH,
    path: str = "deploy/app.yaml",
    line: int | None = 20,
    column: int | None = None,
    object_path: str = f"{CONTAINER0}.securityContext.allowPrivilegeEscalation",
    message: str = "set it to false",
    remediation: str = "",
    resource: ResourceRef | None = WEB,
    references: tuple[str, ...] = (),
    compliance: tuple[str, ...] = (),
    package: Package | None = None,
    installed_version: str = "",
    fixed_version: str = "",
    suppressed_by: str = "",
) -> Finding:
    return Finding(
        kind=kind,
        rule_id=rule_id,
        title=title,
        severity=severity,
        location=Location(path=path, line=line, column=column, object_path=object_path),
        message=message,
        remediation=remediation,
        resource=resource,
        references=references,
        compliance=compliance,
        package=package,
        installed_version=installed_version,
        fixed_version=fixed_version,
        suppressed_by=suppressed_by,
    )


def make_report(
    findings: tuple[Finding, ...] = (),
    *,
    suppressed: tuple[Finding, ...] = (),
    diagnostics: tuple[Diagnostic, ...] = (),
    packages: tuple[Package, ...] = (),
    tool: Tool = TOOL,
    target: str = "deploy",
) -> Report:
    return Report(
        tool=tool,
        target=target,
        findings=findings,
        suppressed=suppressed,
        diagnostics=diagnostics,
        packages=packages,
    )


LIBSSL = Package(
    name="libssl3",
    version="3.1.4-r0",
    ecosystem="apk",
    purl="pkg:apk/alpine/libssl3@3.1.4-r0?arch=x86_64&distro=alpine-3.19",
    locations=(Location("lib/apk/db/installed", 120),),
    found_by="apk",
    metadata={"origin": "openssl", "arch": "x86_64"},
)
MUSL = Package(name="musl", version="1.2.4_git20230717-r4", ecosystem="apk", found_by="apk")


def full_report() -> Report:
    """Every feature the formats have to carry, in one report."""
    findings = (
        make_finding(
            "STK-K8S-0002",
            title="Privileged container",
            severity=Severity.CRITICAL,
            line=21,
            column=13,
            object_path=f"{CONTAINER0}.securityContext.privileged",
            message='Container "web" runs privileged.',
            remediation="Set securityContext.privileged to false.",
            references=(
                "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
                "https://cwe.mitre.org/data/definitions/250.html",
            ),
            compliance=("PSS:baseline", "CIS-5.2.1"),
        ),
        make_finding(
            "STK-K8S-0001",
            line=20,
            column=13,
            remediation="Set allowPrivilegeEscalation to false.",
            references=("NSA-CISA Kubernetes Hardening Guide",),
            compliance=("PSS:restricted", "CIS-5.2.5", "NSA"),
        ),
        make_finding(
            "STK-K8S-0010",
            title="Container runs as root",
            severity=Severity.MEDIUM,
            line=44,
            column=17,
            object_path="spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsNonRoot",
            message=LONG_MESSAGE,
            resource=CLEANUP,
            compliance=("PSS:restricted",),
        ),
        make_finding(
            "STK-K8S-0007",
            title="Image tag is not pinned",
            severity=Severity.LOW,
            path="deploy/ünïcode dir/app.yaml",
            line=9,
            column=14,
            object_path="spec.containers[0].image",
            message=UNICODE_MESSAGE,
            remediation="Pin the image by digest (image@sha256:…).",
            resource=CAFE,
        ),
        make_finding(
            "STK-SEC-0003",
            kind=FindingKind.SECRET,
            title="AWS access key",
            path="app/.env",
            line=None,
            object_path="",
            message="AWS access key AKIA************MPLE found",
            remediation="Revoke the key and load it from a secret store at run time.",
            resource=None,
        ),
        make_finding(
            "CVE-2024-12345",
            kind=FindingKind.VULN,
            title="openssl: buffer over-read in X.509 name printing",
            path="lib/apk/db/installed",
            line=None,
            object_path="",
            message="libssl3 3.1.4-r0 is affected by CVE-2024-12345",
            remediation="Upgrade libssl3 to 3.1.4-r1.",
            resource=None,
            references=("https://nvd.nist.gov/vuln/detail/CVE-2024-12345", "GHSA-aaaa-bbbb-cccc"),
            package=LIBSSL,
            installed_version="3.1.4-r0",
            fixed_version="3.1.4-r1",
        ),
        make_finding(
            "CVE-2023-99999",
            kind=FindingKind.VULN,
            title="musl: crash in iconv",
            severity=Severity.UNKNOWN,
            path="lib/apk/db/installed",
            line=None,
            object_path="",
            message="musl 1.2.4_git20230717-r4 is affected by CVE-2023-99999",
            resource=None,
            package=MUSL,
            installed_version="1.2.4_git20230717-r4",
        ),
        make_finding(
            "STK-NODE-0001",
            kind=FindingKind.POSTURE,
            title="API server allows anonymous requests",
            severity=Severity.MEDIUM,
            path="/etc/kubernetes/manifests/kube-apiserver.yaml",
            line=15,
            column=5,
            object_path="spec.containers[0].command",
            message="--anonymous-auth is not set to false",
            resource=APISERVER,
            compliance=("CIS-1.2.1",),
        ),
        make_finding(
            "STK-K8S-0005",
            title="Pod uses the host network",
            path="-",
            line=7,
            column=3,
            object_path="spec.hostNetwork",
            message="hostNetwork is true",
            resource=HOSTNET,
        ),
        make_finding(
            "STK-K8S-0001",
            severity=Severity.MEDIUM,
            path="-",
            line=12,
            column=7,
            object_path="spec.containers[0].securityContext.allowPrivilegeEscalation",
            resource=HOSTNET,
        ),
    )
    suppressed = (
        make_finding(
            "STK-K8S-0003",
            title="Container has no liveness probe",
            severity=Severity.LOW,
            line=18,
            object_path=f"{CONTAINER0}.livenessProbe",
            message='Container "web" has no liveness probe.',
            suppressed_by="annotation stockade.dev/ignore: probes are handled by the mesh",
        ),
        make_finding(
            "STK-K8S-0007",
            title="Image tag is not pinned",
            severity=Severity.LOW,
            path="deploy/legacy.yaml",
            line=30,
            object_path="spec.template.spec.containers[1].image",
            message='Image "busybox" has no tag.',
            resource=ResourceRef("Deployment", "legacy", "prod", "apps/v1"),
            suppressed_by="ignorefile .stockadeignore:3",
        ),
    )
    diagnostics = (
        Diagnostic(
            Location("deploy/broken.yaml", 7, 3),
            "yaml",
            DiagnosticLevel.ERROR,
            "mapping values are not allowed here",
        ),
        Diagnostic(
            Location("deploy/app.yaml", 5, 5, "metadata.annotations"),
            "suppression",
            DiagnosticLevel.WARNING,
            "Deployment/prod/web suppresses STK-K8S-0003 without a reason "
            "(add the annotation stockade.dev/ignore-reason)",
        ),
        Diagnostic(
            Location(".stockadeignore", 4),
            "ignorefile",
            DiagnosticLevel.INFO,
            "ignore entry for STK-K8S-0009 expired on 2024-01-01; no longer applied",
        ),
        Diagnostic(
            Location("deploy/huge.yaml"),
            "limits",
            DiagnosticLevel.WARNING,
            "file is larger than 10 MiB; skipped",
        ),
    )
    return make_report(findings, suppressed=suppressed, diagnostics=diagnostics, packages=(MUSL, LIBSSL))


def empty_report() -> Report:
    return make_report(tool=Tool(name="stockade", version="0.0.0-test"))


@pytest.fixture
def full() -> Report:
    return full_report()


@pytest.fixture
def empty() -> Report:
    return empty_report()


def redact_tool_version(doc: Any) -> Any:
    """Replace volatile values (the tool version) in a parsed JSON or SARIF document, in place."""
    if isinstance(doc, dict) and "runs" in doc:
        for run in doc["runs"]:
            driver = run["tool"]["driver"]
            for key in ("version", "semanticVersion"):
                if key in driver:
                    driver[key] = REDACTED
    elif isinstance(doc, dict) and isinstance(doc.get("tool"), dict) and doc["tool"].get("version"):
        doc["tool"]["version"] = REDACTED
    return doc


def _assert_golden(name: str, actual: str, directory: Path = GOLDEN) -> None:
    path = directory / name
    if os.environ.get("STOCKADE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with STOCKADE_UPDATE_GOLDEN=1")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="actual",
            )
        )
        pytest.fail(f"output differs from golden/{name} (STOCKADE_UPDATE_GOLDEN=1 regenerates):\n{diff}")


class Builder:
    """What the tests use to build reports (a fixture, so test modules never import conftest)."""

    finding = staticmethod(make_finding)
    report = staticmethod(make_report)
    full = staticmethod(full_report)
    empty = staticmethod(empty_report)
    redact = staticmethod(redact_tool_version)
    LONG_MESSAGE = LONG_MESSAGE
    UNICODE_MESSAGE = UNICODE_MESSAGE
    WEB = WEB
    TESTDATA = TESTDATA


@pytest.fixture
def build() -> Builder:
    return Builder()


@pytest.fixture
def golden() -> Callable[..., None]:
    """``golden(name, text, directory=testdata/golden)``: compare ``text`` with ``<directory>/<name>``."""
    return _assert_golden


@pytest.fixture(autouse=True)
def _plain_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich honours these variables; a CI that sets them must not change the expected output."""
    for var in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "TERM"):
        monkeypatch.delenv(var, raising=False)
