"""Isolation between a pod and its node, and between the containers of a pod."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Workload, as_map, as_str
from stockade.model import Severity

UNTRUSTED_MARKER = "stockade.dev/untrusted"


def _marked(meta: Mapping[str, Any]) -> bool:
    value = meta.get(UNTRUSTED_MARKER)
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def marked_untrusted(w: Workload) -> bool:
    """The object or its pod template carries `stockade.dev/untrusted: "true"` as a label or annotation."""
    pod_labels = as_map(w.pod_metadata.get("labels"))
    return any(_marked(m) for m in (w.labels, w.annotations, pod_labels, w.pod_annotations))


@check(
    id="STK-K8S-0017",
    title="Untrusted workload runs without a sandboxed runtime class",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Run the workload under a sandboxing runtime (gVisor, Kata Containers ...) through a RuntimeClass:

        apiVersion: node.k8s.io/v1
        kind: RuntimeClass
        metadata:
          name: gvisor
        handler: runsc
        ---
        spec:
          runtimeClassName: gvisor
    """,
    compliance=("NSA-CISA:container-hardening",),
)
def untrusted_runtime_class(w: Workload) -> Iterator[Violation]:
    """Workloads that run code you do not trust (user-submitted jobs, third-party plugins, CI builds) are
    marked with the label or annotation `stockade.dev/untrusted: "true"` (on the object or its pod
    template). Such pods should not share the node's kernel directly: they need a `runtimeClassName`
    that selects a sandboxed runtime (gVisor, Kata Containers). The rule cannot tell whether the named
    class really sandboxes; any non-empty name passes."""
    if not marked_untrusted(w):
        return
    if as_str(w.spec.get("runtimeClassName")).strip():
        return
    yield Violation(
        w.spec_path / "runtimeClassName",
        f'the workload is marked {UNTRUSTED_MARKER}: "true" but sets no runtimeClassName',
    )


@check(
    id="STK-K8S-0022",
    title="Pod shares one process namespace between its containers",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Remove the setting (or set it to false); use an ephemeral debug container
    (`kubectl debug -it POD --target=CONTAINER`) to inspect a running container instead:

        spec:
          shareProcessNamespace: false
    """,
    compliance=("NSA-CISA:pod-security-enforcement",),
)
def share_process_namespace(w: Workload) -> Iterator[Violation]:
    """With `shareProcessNamespace: true` every container sees every other container's processes and can
    signal them, and (with the same UID) read their environment and filesystems through
    `/proc/PID/environ` and `/proc/PID/root`: a compromised sidecar reads the application's secrets."""
    if w.spec.get("shareProcessNamespace") is True:
        yield Violation(
            w.spec_path / "shareProcessNamespace",
            "shareProcessNamespace is true: containers of the pod can see and signal each other's processes",
        )
