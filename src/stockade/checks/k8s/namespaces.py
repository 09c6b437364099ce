"""Namespaces: Pod Security Admission labels on Namespace objects, and workloads in the wrong namespace.

A workload whose `metadata.namespace` is unset lands wherever it is applied (`kubectl -n`, the
current context), which a manifest scan cannot know: only an explicit namespace is judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, K8sObject, Workload, as_str
from stockade.model import ObjectPath, Severity

NAMESPACE = frozenset({"Namespace"})
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
PSS_LEVELS = ("privileged", "baseline", "restricted")
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")

_ENFORCE_PATH = ObjectPath(("metadata", "labels", ENFORCE_LABEL))
_NAMESPACE_PATH = ObjectPath(("metadata", "namespace"))


@check(
    id="STK-K8S-0018",
    title="Namespace does not enforce a Pod Security Standard",
    severity=Severity.MEDIUM,
    kinds=NAMESPACE,
    remediation="""
    Label the namespace so Pod Security Admission rejects pods that break the standard (and warns and
    audits at the same level, pinned to the version you tested):

        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels:
            pod-security.kubernetes.io/enforce: restricted
            pod-security.kubernetes.io/enforce-version: latest
            pod-security.kubernetes.io/warn: restricted
            pod-security.kubernetes.io/audit: restricted
    """,
    compliance=("CIS-5.2.1", "NSA-CISA:pod-security-enforcement"),
)
def namespace_enforces_pss(obj: K8sObject) -> Iterator[Violation]:
    """Without a `pod-security.kubernetes.io/enforce` label, Pod Security Admission applies the cluster's
    default, which is `privileged` (no restriction) unless an administrator configured otherwise: any
    pod, privileged or with host access, is admitted into the namespace."""
    raw = obj.labels.get(ENFORCE_LABEL)
    level = as_str(raw)
    if level in PSS_LEVELS:
        return
    if raw is None:
        message = f'Namespace "{obj.name}" has no {ENFORCE_LABEL} label, so the cluster default applies'
    else:
        shown = level if level else repr(raw)
        message = (
            f'Namespace "{obj.name}" has {ENFORCE_LABEL}: "{shown}", which is not a Pod Security level '
            f"({', '.join(PSS_LEVELS)})"
        )
    yield Violation(_ENFORCE_PATH, message)


@check(
    id="STK-K8S-0019",
    title="Namespace enforces the privileged Pod Security Standard",
    severity=Severity.HIGH,
    kinds=NAMESPACE,
    remediation="""
    Enforce baseline at least, restricted for application namespaces:

        metadata:
          labels:
            pod-security.kubernetes.io/enforce: restricted
            pod-security.kubernetes.io/enforce-version: latest
    """,
    compliance=("CIS-5.2.1", "NSA-CISA:pod-security-enforcement"),
)
def namespace_not_privileged(obj: K8sObject) -> Iterator[Violation]:
    """`enforce: privileged` explicitly turns Pod Security Admission off for the namespace: privileged
    containers, host namespaces and hostPath volumes are all admitted. Keep it for the few system namespaces
    that need it (suppress the finding there, with a reason)."""
    if as_str(obj.labels.get(ENFORCE_LABEL)) == "privileged":
        yield Violation(_ENFORCE_PATH, f'Namespace "{obj.name}" enforces the privileged level: no pod is rejected')


@check(
    id="STK-K8S-0020",
    title="Workload runs in the default namespace",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Give the application its own namespace (with its own Pod Security level, quotas and network policies):

        metadata:
          name: api
          namespace: shop
    """,
    compliance=("CIS-5.7.4", "CIS-5.7.1", "NSA-CISA:namespaces"),
    references=("checkov:CKV_K8S_21",),
)
def not_default_namespace(w: Workload) -> Iterator[Violation]:
    """The `default` namespace is where everything lands that nobody placed: it rarely has a Pod Security
    label, quotas or network policies, and whatever is granted there is granted to every stray object.
    Only an explicit `metadata.namespace: default` is reported."""
    if w.namespace == "default":
        yield Violation(_NAMESPACE_PATH, f'{w.kind} "{w.name}" is in the default namespace')


@check(
    id="STK-K8S-0021",
    title="Workload runs in a Kubernetes system namespace",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Move the workload to a namespace of its own; kube-system is for the cluster's own components:

        metadata:
          name: api
          namespace: shop
    """,
    compliance=("CIS-5.7.1", "NSA-CISA:namespaces"),
)
def not_system_namespace(w: Workload) -> Iterator[Violation]:
    """`kube-system` holds the control plane's components and their highly privileged service accounts and
    is usually exempt from Pod Security Admission and policy engines; `kube-public` is readable by every
    client, even unauthenticated ones; `kube-node-lease` holds node heartbeats. An application placed in
    one of them inherits those exemptions and exposures."""
    if w.namespace in SYSTEM_NAMESPACES:
        yield Violation(_NAMESPACE_PATH, f'{w.kind} "{w.name}" is in the system namespace "{w.namespace}"')
