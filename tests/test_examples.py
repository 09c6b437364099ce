"""The bundled example app: ``examples/hardened`` is clean, ``examples/insecure`` has exactly the expected
STK-K8S findings (rule, file, object, field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stockade.checks._check import CheckContext
from stockade.checks._resources import Workload, view
from stockade.checks.k8s import CHECKS
from stockade.model import DiagnosticLevel, Resource
from stockade.source.manifests import load_manifests

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

Finding = tuple[str, str, str, str]  # rule id, file name, kind/name, object path


def load(directory: Path) -> list[Resource]:
    result = load_manifests([str(directory)])
    assert not [d for d in result.diagnostics if d.level is DiagnosticLevel.ERROR], result.diagnostics
    return result.resources


def k8s_findings(directory: Path) -> list[Finding]:
    found: list[Finding] = []
    for resource in load(directory):
        for check in CHECKS:
            if resource.kind in check.meta.kinds:
                for v in check.evaluate(view(resource), CheckContext()):
                    found.append(
                        (check.meta.id, Path(resource.path).name, f"{resource.kind}/{resource.name}", str(v.path))
                    )
    return sorted(found)


def test_hardened_example_has_no_stk_k8s_finding() -> None:
    resources = load(EXAMPLES / "hardened")
    assert {r.kind for r in resources} >= {
        "Namespace",
        "Deployment",
        "StatefulSet",
        "Service",
        "ServiceAccount",
        "Secret",
    }
    assert k8s_findings(EXAMPLES / "hardened") == []


def _pss_failures(directory: Path) -> dict[str, list[str]]:
    pss: Any = pytest.importorskip("stockade.checks.pss")
    evaluate_pod = getattr(pss, "evaluate_pod", None)
    if evaluate_pod is None:
        pytest.skip("stockade.checks.pss has no evaluate_pod")
    failures: dict[str, list[str]] = {}
    for resource in load(directory):
        w = view(resource)
        if isinstance(w, Workload):
            results = evaluate_pod(w.pod, "restricted", "latest", pod_template=not w.is_pod)
            failures[f"{resource.kind}/{resource.name}"] = [r.control_id for r in results]
    return failures


def test_hardened_example_meets_pss_restricted_latest() -> None:
    failures = _pss_failures(EXAMPLES / "hardened")
    assert failures == {"Deployment/web": [], "Deployment/api": [], "StatefulSet/db": []}


def test_insecure_example_breaks_pss_restricted() -> None:
    failures = _pss_failures(EXAMPLES / "insecure")
    assert set(failures) == {"Deployment/web", "Deployment/api", "StatefulSet/db"}
    assert all(failures.values())


C0 = "spec.template.spec.containers[0]"
C1 = "spec.template.spec.containers[1]"
POD = "spec.template.spec"

INSECURE: list[Finding] = [
    # api: docker socket, literal DB_PASSWORD, low UID, cached unpinned image, no memory limit, no liveness
    ("STK-K8S-0001", "api.yaml", "Deployment/api", f"{C0}.securityContext.readOnlyRootFilesystem"),
    ("STK-K8S-0002", "api.yaml", "Deployment/api", f"{C0}.resources.limits.memory"),
    ("STK-K8S-0005", "api.yaml", "Deployment/api", f"{C0}.livenessProbe"),
    ("STK-K8S-0008", "api.yaml", "Deployment/api", f"{C0}.image"),
    ("STK-K8S-0009", "api.yaml", "Deployment/api", f"{C0}.imagePullPolicy"),
    ("STK-K8S-0010", "api.yaml", "Deployment/api", f"{POD}.automountServiceAccountToken"),
    ("STK-K8S-0012", "api.yaml", "Deployment/api", f"{POD}.volumes[0].hostPath.path"),
    ("STK-K8S-0013", "api.yaml", "Deployment/api", f"{C0}.env[2].value"),
    ("STK-K8S-0016", "api.yaml", "Deployment/api", f"{C0}.securityContext.runAsUser"),
    # db: untagged postgres, exporter with a literal password, shared process namespace, default account
    ("STK-K8S-0001", "db.yaml", "StatefulSet/db", f"{C0}.securityContext.readOnlyRootFilesystem"),
    ("STK-K8S-0001", "db.yaml", "StatefulSet/db", f"{C1}.securityContext.readOnlyRootFilesystem"),
    ("STK-K8S-0002", "db.yaml", "StatefulSet/db", f"{C0}.resources.limits.memory"),
    ("STK-K8S-0002", "db.yaml", "StatefulSet/db", f"{C1}.resources.limits.memory"),
    ("STK-K8S-0003", "db.yaml", "StatefulSet/db", f"{C0}.resources.limits.cpu"),
    ("STK-K8S-0003", "db.yaml", "StatefulSet/db", f"{C1}.resources.limits.cpu"),
    ("STK-K8S-0004", "db.yaml", "StatefulSet/db", f"{C0}.resources.requests.cpu"),
    ("STK-K8S-0004", "db.yaml", "StatefulSet/db", f"{C0}.resources.requests.memory"),
    ("STK-K8S-0004", "db.yaml", "StatefulSet/db", f"{C1}.resources.requests.cpu"),
    ("STK-K8S-0004", "db.yaml", "StatefulSet/db", f"{C1}.resources.requests.memory"),
    ("STK-K8S-0005", "db.yaml", "StatefulSet/db", f"{C0}.livenessProbe"),
    ("STK-K8S-0005", "db.yaml", "StatefulSet/db", f"{C1}.livenessProbe"),
    ("STK-K8S-0006", "db.yaml", "StatefulSet/db", f"{C0}.readinessProbe"),
    ("STK-K8S-0006", "db.yaml", "StatefulSet/db", f"{C1}.readinessProbe"),
    ("STK-K8S-0007", "db.yaml", "StatefulSet/db", f"{C0}.image"),
    ("STK-K8S-0008", "db.yaml", "StatefulSet/db", f"{C0}.image"),
    ("STK-K8S-0008", "db.yaml", "StatefulSet/db", f"{C1}.image"),
    ("STK-K8S-0009", "db.yaml", "StatefulSet/db", f"{C1}.imagePullPolicy"),
    ("STK-K8S-0010", "db.yaml", "StatefulSet/db", f"{POD}.automountServiceAccountToken"),
    ("STK-K8S-0011", "db.yaml", "StatefulSet/db", f"{POD}.serviceAccountName"),
    ("STK-K8S-0013", "db.yaml", "StatefulSet/db", f"{C1}.env[2].value"),
    ("STK-K8S-0022", "db.yaml", "StatefulSet/db", f"{POD}.shareProcessNamespace"),
    # namespace without Pod Security Admission labels
    ("STK-K8S-0018", "namespace.yaml", "Namespace/shop", 'metadata.labels["pod-security.kubernetes.io/enforce"]'),
    # credentials in plain text
    ("STK-K8S-0014", "secret.yaml", "Secret/db-credentials", "stringData.POSTGRES_PASSWORD"),
    ("STK-K8S-0014", "secret.yaml", "Secret/db-credentials", "stringData.POSTGRES_USER"),
    # web: nginx:latest, nothing else set
    ("STK-K8S-0001", "web.yaml", "Deployment/web", f"{C0}.securityContext.readOnlyRootFilesystem"),
    ("STK-K8S-0002", "web.yaml", "Deployment/web", f"{C0}.resources.limits.memory"),
    ("STK-K8S-0003", "web.yaml", "Deployment/web", f"{C0}.resources.limits.cpu"),
    ("STK-K8S-0004", "web.yaml", "Deployment/web", f"{C0}.resources.requests.cpu"),
    ("STK-K8S-0004", "web.yaml", "Deployment/web", f"{C0}.resources.requests.memory"),
    ("STK-K8S-0005", "web.yaml", "Deployment/web", f"{C0}.livenessProbe"),
    ("STK-K8S-0006", "web.yaml", "Deployment/web", f"{C0}.readinessProbe"),
    ("STK-K8S-0007", "web.yaml", "Deployment/web", f"{C0}.image"),
    ("STK-K8S-0008", "web.yaml", "Deployment/web", f"{C0}.image"),
    ("STK-K8S-0010", "web.yaml", "Deployment/web", f"{POD}.automountServiceAccountToken"),
]


def test_insecure_example_has_exactly_the_expected_findings() -> None:
    assert k8s_findings(EXAMPLES / "insecure") == sorted(INSECURE)


def test_hardened_example_is_clean_for_every_rule_family() -> None:
    import stockade

    report = stockade.scan([str(EXAMPLES / "hardened")],
                           stockade.ScanOptions(plugins=False, scanners=("misconfig", "secret")))
    assert report.findings == () and report.diagnostics == ()


def test_hardened_example_tree_holds_no_secret() -> None:
    from stockade import artifacts

    report = artifacts.scan_fs(str(EXAMPLES / "hardened"), artifacts.ImageOptions(scanners=("secret",)))
    assert report.findings == ()


def test_insecure_dockerfile_has_exactly_the_expected_findings() -> None:
    import stockade

    report = stockade.scan([str(EXAMPLES / "insecure" / "api")], stockade.ScanOptions(plugins=False))
    assert sorted((f.rule_id, f.location.line) for f in report.findings) == [
        ("STK-DF-0001", 1), ("STK-DF-0005", 1), ("STK-DF-0006", 1), ("STK-DF-0008", 12), ("STK-DF-0010", 15),
        ("STK-DF-0011", 7), ("STK-DF-0012", 13), ("STK-DF-0015", 4), ("STK-DF-0015", 5), ("STK-DF-0018", 15),
        ("STK-DF-0019", 17), ("STK-DF-0021", 7), ("STK-DF-0021", 18), ("STK-DF-0024", 7), ("STK-DF-0026", 7),
        ("STK-DF-0026", 13), ("STK-DF-0028", 12), ("STK-DF-0029", 1), ("STK-DF-0031", 19), ("STK-DF-0032", 16),
        ("STK-DF-0036", 2),
    ]  # fmt: skip
    # the secret in ENV is never shown, in messages or snippets
    assert not any("changeme-please-123" in f.message + f.location.snippet for f in report.findings)
