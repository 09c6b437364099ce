"""Health probes on long-running containers.

Only regular containers are checked, and only in pods that are meant to keep running: Jobs, CronJobs,
Pods created by a Job and pods whose `restartPolicy` is `Never` or `OnFailure` run to completion,
where probes are pointless.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Container, Workload, as_list, as_str
from stockade.model import Severity

_BATCH_KINDS = frozenset({"Job", "CronJob"})


def runs_to_completion(w: Workload) -> bool:
    if w.kind in _BATCH_KINDS:
        return True
    if as_str(w.spec.get("restartPolicy")) in ("Never", "OnFailure"):
        return True
    for owner in as_list(w.metadata.get("ownerReferences")):
        if isinstance(owner, Mapping) and owner.get("kind") in _BATCH_KINDS:
            return True
    return False


def _without(w: Workload, probe: str) -> Iterator[Container]:
    if runs_to_completion(w):
        return
    for c in w.containers(("containers",)):
        if not isinstance(c.data.get(probe), Mapping):
            yield c


@check(
    id="STK-K8S-0005",
    title="Container has no liveness probe",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Let the kubelet restart a container that is stuck (probe something cheap that only fails when the
    process is beyond recovery, and not the same endpoint as the readiness probe):

        livenessProbe:
          httpGet:
            path: /livez
            port: 8080
          periodSeconds: 10
          failureThreshold: 3
    """,
    compliance=("CIS-Docker-4.6",),
    references=("checkov:CKV_K8S_8", "kube-score:pod-probes", "polaris:livenessProbeMissing"),
)
def liveness_probe(w: Workload) -> Iterator[Violation]:
    """A deadlocked or wedged process that has not exited keeps its pod Running, and Ready if it has no
    readiness probe either: the service degrades and nothing recovers it. Availability is a security
    property; the CIS Docker Benchmark asks for health checks for that reason."""
    for c in _without(w, "livenessProbe"):
        yield Violation(c.path / "livenessProbe", f"{c.describe()} has no livenessProbe")


@check(
    id="STK-K8S-0006",
    title="Container has no readiness probe",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Tell Kubernetes when the container can take traffic:

        readinessProbe:
          httpGet:
            path: /readyz
            port: 8080
          periodSeconds: 5
    """,
    compliance=("CIS-Docker-4.6",),
    references=("checkov:CKV_K8S_9", "kube-score:pod-probes", "polaris:readinessProbeMissing"),
)
def readiness_probe(w: Workload) -> Iterator[Violation]:
    """Without a readiness probe a pod receives Service traffic as soon as its process starts, before it can
    answer, and keeps receiving it while it cannot; rolling updates then proceed over broken replicas."""
    for c in _without(w, "readinessProbe"):
        yield Violation(c.path / "readinessProbe", f"{c.describe()} has no readinessProbe")
