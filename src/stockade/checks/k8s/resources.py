"""Compute resources: memory and CPU limits, and the requests the scheduler places pods by.

Init and regular containers are checked (ephemeral containers cannot declare resources). A limit or request
set at pod level (`spec.resources`, Pod Level Resources) covers every container for that resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Container, Workload, as_map
from stockade.model import Severity

_CONTAINERS = ("initContainers", "containers")
_NUMBER = re.compile(r"^\s*\+?(\d+(?:\.\d*)?|\.\d+)")


def quantity_set(value: Any) -> bool:
    """A positive resource quantity (`"512Mi"`, `"250m"`, `1`); missing, empty, zero or junk is not."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value > 0
    if isinstance(value, str):
        match = _NUMBER.match(value)
        return match is not None and float(match.group(1)) > 0
    return False


def _resources(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    res = as_map(data.get("resources"))
    return as_map(res.get("requests")), as_map(res.get("limits"))


def _missing(w: Workload, section: str, resource: str) -> Iterator[Container]:
    """Containers with no positive `resources.<section>.<resource>`, unless the pod sets it for all."""
    pod_requests, pod_limits = _resources(w.spec)
    pod_value = (pod_limits if section == "limits" else pod_requests).get(resource)
    if quantity_set(pod_value):
        return
    for c in w.containers(_CONTAINERS):
        requests, limits = _resources(c.data)
        if not quantity_set((limits if section == "limits" else requests).get(resource)):
            yield c


@check(
    id="STK-K8S-0002",
    title="Container has no memory limit",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Give every container a memory limit (and a request, which the scheduler uses):

        resources:
          requests:
            memory: 128Mi
          limits:
            memory: 256Mi
    """,
    compliance=("NSA-CISA:resource-policies",),
    references=("checkov:CKV_K8S_13", "kube-score:container-resources", "polaris:memoryLimitsMissing"),
)
def memory_limit(w: Workload) -> Iterator[Violation]:
    """Without a memory limit one container (a leak, or an attacker) can use all of the node's memory until
    the kernel's OOM killer starts killing other pods and node daemons: a denial of service beyond the
    workload itself. A LimitRange can fill a default in, but a manifest should not rely on it."""
    for c in _missing(w, "limits", "memory"):
        yield Violation(
            c.path / "resources" / "limits" / "memory", f"{c.describe()} has no memory limit (resources.limits.memory)"
        )


@check(
    id="STK-K8S-0003",
    title="Container has no CPU limit",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Give every container a CPU limit that leaves headroom above its request:

        resources:
          requests:
            cpu: 250m
          limits:
            cpu: "1"
    """,
    compliance=("NSA-CISA:resource-policies",),
    references=("checkov:CKV_K8S_11", "kube-score:container-resources", "polaris:cpuLimitsMissing"),
)
def cpu_limit(w: Workload) -> Iterator[Violation]:
    """Without a CPU limit a container can take all idle CPU of its node (a crypto miner's favourite
    setting). CPU is compressible, so the harm is slowness rather than kills: a low-severity finding, and
    some teams deliberately run without CPU limits (suppress the rule then)."""
    for c in _missing(w, "limits", "cpu"):
        yield Violation(
            c.path / "resources" / "limits" / "cpu", f"{c.describe()} has no CPU limit (resources.limits.cpu)"
        )


@check(
    id="STK-K8S-0004",
    title="Container has no CPU or memory request",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Declare what the container needs so the scheduler places it on a node that has it:

        resources:
          requests:
            cpu: 250m
            memory: 128Mi
    """,
    compliance=("NSA-CISA:resource-policies",),
    references=(
        "checkov:CKV_K8S_10",
        "checkov:CKV_K8S_12",
        "kube-score:container-resources",
        "polaris:cpuRequestsMissing",
        "polaris:memoryRequestsMissing",
    ),
)
def resource_requests(w: Workload) -> Iterator[Violation]:
    """A container without requests is scheduled as if it needed nothing (BestEffort), so nodes get
    overcommitted and the pod is the first evicted under pressure. A request that is omitted while the
    limit is set is not reported: the API server then copies the limit into the request."""
    for resource, label in (("cpu", "CPU"), ("memory", "memory")):
        limited = {c.path for c in _missing(w, "limits", resource)}
        for c in _missing(w, "requests", resource):
            if c.path not in limited:
                continue  # the request defaults to the limit
            yield Violation(
                c.path / "resources" / "requests" / resource,
                f"{c.describe()} has no {label} request (resources.requests.{resource})",
            )
