"""Container security context hardening that Pod Security Standards do not require.

Windows pods (`spec.os.name: windows`) are skipped: these fields do not apply to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Container, Workload
from stockade.model import Severity

MIN_ID = 10000


@check(
    id="STK-K8S-0001",
    title="Container root filesystem is not read-only",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Make the root filesystem read-only and mount an emptyDir wherever the process must write:

        containers:
          - name: api
            securityContext:
              readOnlyRootFilesystem: true
            volumeMounts:
              - name: tmp
                mountPath: /tmp
        volumes:
          - name: tmp
            emptyDir: {}
    """,
    compliance=("CIS-5.7.3", "NSA-CISA:immutable-filesystems"),
    references=(
        "checkov:CKV_K8S_22",
        "kube-score:container-security-context-readonlyrootfilesystem",
        "polaris:notReadOnlyRootFilesystem",
    ),
)
def read_only_root_filesystem(w: Workload) -> Iterator[Violation]:
    """A writable root filesystem lets an intruder drop tools and binaries, modify the application or its
    configuration, and persist for the life of the container. Init and regular containers are checked;
    ephemeral (debug) containers are exempt."""
    if w.os_name == "windows":
        return
    for c in w.containers(("initContainers", "containers")):
        path = c.security_context_path / "readOnlyRootFilesystem"
        value = c.security_context.get("readOnlyRootFilesystem")
        if value is True:
            continue
        if value is None:
            yield Violation(path, f"{c.describe()} does not set securityContext.readOnlyRootFilesystem: true")
        else:
            yield Violation(path, f"{c.describe()} sets securityContext.readOnlyRootFilesystem to {value!r}")


def _numeric_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _too_low(field: str, value: int) -> bool:
    # runAsUser 0 is Pod Security Standards' business (restricted: "Running as Non-root user");
    # PSS says nothing about runAsGroup, so group 0 (root's group) is reported here.
    lowest = 1 if field == "runAsUser" else 0
    return lowest <= value < MIN_ID


def _describe_id(field: str, value: int) -> str:
    kind = "UID" if field == "runAsUser" else "GID"
    extra = " (the root group)" if field == "runAsGroup" and value == 0 else ""
    return f"{kind} {value}{extra}"


@check(
    id="STK-K8S-0016",
    title="Container runs with a user or group ID below 10000",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Run as a dedicated high UID and GID (set them on the pod; a container's own setting overrides it):

        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
            runAsGroup: 10001
            fsGroup: 10001
    """,
    compliance=("CIS-5.7.3", "NSA-CISA:non-root"),
    references=("checkov:CKV_K8S_40", "kube-score:container-security-context-user-group-id"),
)
def high_uid_gid(w: Workload) -> Iterator[Violation]:
    """Low IDs collide with real users and groups of the node (system accounts, the first human users at
    1000): a process that escapes its container with such an ID owns their files. The effective value is
    judged, per container: a container's securityContext overrides the pod's. An unset ID (the image's
    USER decides) is not reported, and neither is runAsUser 0, which Pod Security Standards cover."""
    if w.os_name == "windows":
        return
    pod_sc = w.pod_security_context
    containers = list(w.containers())
    for field in ("runAsUser", "runAsGroup"):
        pod_value = _numeric_id(pod_sc.get(field))
        inheriting: list[Container] = []
        for c in containers:
            own = c.security_context.get(field)
            if own is None:
                inheriting.append(c)
                continue
            value = _numeric_id(own)
            if value is not None and _too_low(field, value):
                yield Violation(
                    c.security_context_path / field,
                    f"{c.describe()} runs with {_describe_id(field, value)} ({field}), below {MIN_ID}",
                )
        if pod_value is not None and _too_low(field, pod_value) and inheriting:
            names = ", ".join(c.describe() for c in inheriting)
            yield Violation(
                w.pod_security_context_path / field,
                f"pod securityContext.{field} is {_describe_id(field, pod_value)}, below {MIN_ID}, "
                f"and applies to {names}",
            )
