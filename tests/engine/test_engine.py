"""Evaluation, the registry, and suppressions."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest

from stockade.checks import Check, CheckContext, Violation, check, check_registry
from stockade.checks._resources import WORKLOADS, Workload
from stockade.engine import apply_suppressions, evaluate, parse_ignorefile
from stockade.errors import ConfigError, RegistryError
from stockade.model import ObjectPath, Severity
from stockade.registry import Registry
from stockade.source.manifests import load_manifests

POD = b"""apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: a
      image: busybox:1.36
"""


@check(id="TEST-0001", title="Always fails on containers", severity=Severity.LOW, kinds=WORKLOADS)
def flags_containers(w: Workload) -> Iterator[Violation]:
    for c in w.containers():
        yield Violation(c.path / "image", f"{c.describe()} flagged")


@check(id="TEST-0002", title="Crashes", severity=Severity.HIGH, kinds=WORKLOADS)
def crashes(w: Workload) -> Iterator[Violation]:
    yield Violation(ObjectPath(("spec",)), "half-way")
    raise RuntimeError("boom")


def resources() -> list:  # type: ignore[type-arg]
    return load_manifests(["-"], stdin=io.BytesIO(POD)).resources


def test_a_crashing_check_is_a_diagnostic_and_others_still_run() -> None:
    findings, diagnostics = evaluate(resources(), [crashes, flags_containers], CheckContext())
    assert [(f.rule_id, f.location.line, f.location.object_path) for f in findings] == [
        ("TEST-0001", 8, "spec.containers[0].image")
    ]
    (diag,) = diagnostics
    assert diag.source == "check:TEST-0002"
    assert "RuntimeError: boom" in diag.message and "Pod/p" in diag.message


def test_registry_rejects_duplicates_and_selects_by_glob() -> None:
    with pytest.raises(RegistryError, match="duplicate check id 'TEST-0001'"):
        Registry("check", [flags_containers, flags_containers], lambda c: c.meta.id)
    registry: Registry[Check] = Registry("check", [flags_containers, crashes], lambda c: c.meta.id)
    assert [c.meta.id for c in registry.select(["test-*"], ["*2"])] == ["TEST-0001"]
    assert [c.meta.id for c in registry.select()] == ["TEST-0001", "TEST-0002"]


def test_builtin_rule_ids_are_unique_and_stable_in_shape() -> None:
    registry = check_registry(plugins=False)
    ids = registry.ids()
    assert len(ids) == len(set(ids))
    assert all(i.startswith(("STK-PSS-", "STK-K8S-", "STK-DF-")) and len(i.split("-")[-1]) == 4 for i in ids)
    for chk in registry:
        assert chk.meta.remediation and chk.meta.compliance, chk.meta.id


def test_ignorefile_parsing_and_expiry() -> None:
    # stdin findings have the path "-", which the glob "[-]" matches
    ignore = parse_ignorefile(".stockadeignore", "# c\nTEST-0001 [-] exp:2026-01-31\n\nTEST-*\n")
    assert [(e.rule, e.path_glob, e.expires, e.line) for e in ignore.entries] == [
        ("TEST-0001", "[-]", dt.date(2026, 1, 31), 2),
        ("TEST-*", "", None, 4),
    ]
    findings, _ = evaluate(resources(), [flags_containers], CheckContext())
    kept, suppressed, diagnostics = apply_suppressions(findings, ignore, dt.date(2026, 1, 31))
    assert (len(kept), suppressed[0].suppressed_by) == (0, "ignorefile .stockadeignore:2")
    kept, suppressed, diagnostics = apply_suppressions(findings, ignore, dt.date(2026, 2, 1))
    assert suppressed[0].suppressed_by == "ignorefile .stockadeignore:4"
    assert "expired on 2026-01-31" in diagnostics[0].message


@pytest.mark.parametrize(
    "text",
    ["TEST-0001 exp:2026-13-01\n", "TEST-0001 a b\n", "TEST-0001 exp:2026-01-01 exp:2026-01-02\n"],
)
def test_ignorefile_errors_name_file_and_line(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^\.stockadeignore:1: "):
        parse_ignorefile(".stockadeignore", text)


def test_hadolint_pragma_silences_only_the_code_it_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import stockade

    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM debian:12\n"
        "# hadolint ignore=DL3009\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl=1 && pip install flask==3.0.0\n"
    )
    report = stockade.scan([str(dockerfile)], stockade.ScanOptions(rules=("STK-DF-0026",)))
    assert [f.message for f in report.findings] == [
        "pip install without --no-cache-dir leaves the pip cache in the layer"
    ]
    assert [f.suppressed_by for f in report.suppressed] == ["hadolint ignore comment on line 2"]
