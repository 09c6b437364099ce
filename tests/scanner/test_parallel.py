"""A scan split over worker processes gives exactly the report of a serial scan."""

from __future__ import annotations

from pathlib import Path

import pytest

import stockade
from stockade.scanner import PARALLEL_MIN_FILES, _can_fork

POD = """apiVersion: v1
kind: Pod
metadata:
  name: pod-{n}
  namespace: {ns}
spec:
  hostNetwork: {host}
  containers:
    - name: app
      image: registry.example.com/app:{n}
      securityContext:
        privileged: {priv}
"""
NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: audited
  labels:
    pod-security.kubernetes.io/enforce: baseline
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for n in range(PARALLEL_MIN_FILES + 20):
        ns = "audited" if n % 3 == 0 else "other"
        text = POD.format(n=n, ns=ns, host="true" if n % 5 == 0 else "false", priv="true" if n % 7 == 0 else "false")
        (root / f"pod-{n:04d}.yaml").write_text(text)
    (root / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: [\n")
    # The namespace is read by one process; its label must apply to pods read by the other.
    (root / "zz-namespace.yaml").write_text(NAMESPACE)
    return root


@pytest.mark.skipif(not _can_fork(), reason="needs the fork start method")
def test_parallel_report_equals_serial(tree: Path) -> None:
    serial = stockade.scan([str(tree)], stockade.ScanOptions(jobs=1))
    parallel = stockade.scan([str(tree)], stockade.ScanOptions(jobs=2))
    assert parallel.findings == serial.findings
    assert parallel.diagnostics == serial.diagnostics
    assert len(serial.diagnostics) == 1
    # namespace labels reached every pod of the namespace, wherever it was read
    audited = [f for f in parallel.findings if f.resource and f.resource.namespace == "audited"]
    assert audited and all(
        "enforce would reject this pod" in f.message for f in audited if f.rule_id.startswith("STK-PSS-")
    )
    others = [f for f in parallel.findings if f.resource and f.resource.namespace == "other"]
    assert others and not any("namespace policy" in f.message for f in others)


@pytest.mark.skipif(not _can_fork(), reason="needs the fork start method")
def test_parallel_progress_reports_batches(tree: Path) -> None:
    seen: list[str] = []
    stockade.scan([str(tree)], stockade.ScanOptions(jobs=2), progress=seen.append)
    assert seen == [f"{PARALLEL_MIN_FILES + 22} files in 2 processes"]


def test_negative_jobs_is_a_usage_error(tree: Path) -> None:
    with pytest.raises(stockade.StockadeError) as exc:
        stockade.scan([str(tree)], stockade.ScanOptions(jobs=-1))
    assert exc.value.exit_code == 2
