"""Pod Security Standards as checks: one STK-PSS rule per Pod Security Admission control.

Which policy a workload is held to:

* its namespace is among the scanned objects and carries ``pod-security.kubernetes.io/<mode>`` labels:
  each labelled mode (enforce, warn, audit) at its level and version, resolved as the admission
  controller resolves them (an invalid enforce level or version means restricted/latest; an invalid warn
  or audit level fails open to privileged). An unlabelled enforce mode takes the scan's level/version,
  the way the cluster-wide default applies to it;
* otherwise, the scan's level and version (``--pss-level``/``--pss-version``).

Enforce applies to Pods; for a workload resource it means its pods would be rejected, and the finding says
so. One finding per violated control and workload, at the first offending field; the message carries PSA's
own words for every offending field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stockade.checks._check import Check, CheckContext, CheckMeta, Violation
from stockade.checks._resources import WORKLOADS, Workload, as_map
from stockade.checks.pss.controls import CONTROLS, Control
from stockade.checks.pss.policy import ControlResult, evaluate_pod, format_message
from stockade.checks.pss.versions import LATEST, PolicyVersion, parse_version
from stockade.model import ObjectPath, Severity

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "warn", "audit")
DOCS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

# CIS Kubernetes Benchmark (v1.8/v1.9 numbering) and NSA/CISA Kubernetes Hardening Guide mappings.
_COMPLIANCE: dict[str, tuple[str, ...]] = {
    "hostNamespaces": ("CIS-5.2.3", "CIS-5.2.4", "CIS-5.2.5", "NSA-CISA:pod-security"),
    "privileged": ("CIS-5.2.2", "NSA-CISA:non-privileged-containers"),
    "capabilities_baseline": ("CIS-5.2.9", "NSA-CISA:pod-security"),
    "hostPathVolumes": ("CIS-5.2.12", "NSA-CISA:pod-security"),
    "hostPorts": ("CIS-5.2.13",),
    "appArmorProfile": ("CIS-5.7.2", "NSA-CISA:pod-security"),
    "seLinuxOptions": ("NSA-CISA:pod-security",),
    "procMount": ("NSA-CISA:pod-security",),
    "seccompProfile_baseline": ("CIS-5.7.2", "NSA-CISA:pod-security"),
    "sysctls": ("NSA-CISA:pod-security",),
    "windowsHostProcess": ("CIS-5.2.11",),
    "hostProbesAndHostLifecycle": ("NSA-CISA:pod-security",),
    "restrictedVolumes": ("NSA-CISA:pod-security",),
    "allowPrivilegeEscalation": ("CIS-5.2.6", "NSA-CISA:pod-security"),
    "runAsNonRoot": ("CIS-5.2.7", "NSA-CISA:non-root-containers"),
    "runAsUser": ("CIS-5.2.7", "NSA-CISA:non-root-containers"),
    "seccompProfile_restricted": ("CIS-5.7.2", "NSA-CISA:pod-security"),
    "capabilities_restricted": ("CIS-5.2.8", "CIS-5.2.10", "NSA-CISA:pod-security"),
    "procMount_restricted": ("NSA-CISA:pod-security",),
}

# checkov / kube-score / Polaris equivalents, where one exists.
_REFERENCES: dict[str, tuple[str, ...]] = {
    "hostNamespaces": ("checkov:CKV_K8S_17", "checkov:CKV_K8S_18", "checkov:CKV_K8S_19",
                       "polaris:hostNetworkSet", "polaris:hostPIDSet", "polaris:hostIPCSet"),
    "privileged": ("checkov:CKV_K8S_16", "polaris:runAsPrivileged"),
    "capabilities_baseline": ("checkov:CKV_K8S_39", "polaris:dangerousCapabilities"),
    "hostPorts": ("checkov:CKV_K8S_26", "polaris:hostPortSet"),
    "seccompProfile_baseline": ("checkov:CKV_K8S_31",),
    "allowPrivilegeEscalation": ("checkov:CKV_K8S_20", "polaris:privilegeEscalationAllowed"),
    "runAsNonRoot": ("checkov:CKV_K8S_23", "polaris:runAsRootAllowed"),
    "runAsUser": ("checkov:CKV_K8S_40",),
    "seccompProfile_restricted": ("checkov:CKV_K8S_31",),
    "capabilities_restricted": ("checkov:CKV_K8S_28", "checkov:CKV_K8S_37", "polaris:insecureCapabilities"),
}

_EVALUATION_KEY = object()  # memo key: one PSA evaluation per workload, shared by every control


def _policies(w: Workload, ctx: CheckContext) -> list[tuple[tuple[str, ...], str, PolicyVersion]]:
    """(modes, level, version) groups the workload is held to; modes is () for the scan's own policy."""
    default_version = parse_version(ctx.pss_version)
    namespace = ctx.namespaces.get(w.namespace) if w.namespace else None
    labels = as_map(as_map(namespace.data.get("metadata")).get("labels")) if namespace is not None else {}
    labelled = {k: v for k, v in labels.items() if k.startswith(LABEL_PREFIX)}
    if not labelled:
        return [((), ctx.pss_level, default_version)]
    groups: dict[tuple[str, PolicyVersion], list[str]] = {}
    for mode in MODES:
        level, version = _mode_policy(labelled, mode, ctx.pss_level if mode == "enforce" else "privileged",
                                      default_version)
        if level != "privileged":
            groups.setdefault((level, version), []).append(mode)
    return [(tuple(modes), level, version) for (level, version), modes in groups.items()]


def _mode_policy(
    labels: Mapping[str, Any], mode: str, default_level: str, default_version: PolicyVersion
) -> tuple[str, PolicyVersion]:
    level = default_level
    raw_level = labels.get(f"{LABEL_PREFIX}{mode}")
    if raw_level is not None:
        if raw_level in ("privileged", "baseline", "restricted"):
            level = str(raw_level)
        else:
            level = "restricted" if mode == "enforce" else "privileged"  # PSA: enforce fails closed
    version = default_version
    raw_version = labels.get(f"{LABEL_PREFIX}{mode}-version")
    if raw_version is not None:
        try:
            version = parse_version(str(raw_version))
        except ValueError:
            version = LATEST
    return level, version


def _evaluate(w: Workload, ctx: CheckContext) -> list[tuple[tuple[str, ...], str, PolicyVersion, list[ControlResult]]]:
    cached = w.memo.get(_EVALUATION_KEY)
    if cached is None:
        cached = [
            (modes, level, version, evaluate_pod(w.pod, level, version, pod_template=not w.is_pod))
            for modes, level, version in _policies(w, ctx)
        ]
        w.memo[_EVALUATION_KEY] = cached
    result: list[tuple[tuple[str, ...], str, PolicyVersion, list[ControlResult]]] = cached
    return result


def _mode_phrase(modes: tuple[str, ...], w: Workload) -> str:
    parts = []
    if "enforce" in modes:
        parts.append("enforce would reject this pod" if w.is_pod
                     else f"enforce would reject the pods this {w.kind} creates")
    flagged = [m for m in modes if m != "enforce"]
    if flagged:
        parts.append(" and ".join(flagged) + " would flag it")
    return "namespace policy: " + ", ".join(parts) + "; "


def _make(control: Control) -> Check:
    def evaluate(w: Workload, ctx: CheckContext) -> Iterator[Violation]:
        messages: list[str] = []
        first_path: ObjectPath | None = None
        for modes, level, version, results in _evaluate(w, ctx):
            mine = [r for r in results if r.control_id == control.id]
            if not mine:
                continue
            if first_path is None:
                first_path = w.pod_path / mine[0].paths[0] if mine[0].paths else w.spec_path
            prefix = _mode_phrase(modes, w) if modes else ""
            messages.append(prefix + format_message(level, version, mine))
        if first_path is not None:
            yield Violation(first_path, " | ".join(messages))

    meta = CheckMeta(
        id=control.rule_id,
        title=control.title,
        severity=Severity.parse(control.severity),
        kinds=WORKLOADS,
        description=(
            f"Pod Security Standards, {control.level} level: the Pod Security Admission control "
            f"{control.id!r}, evaluated for the policy version selected (in force from "
            f"v{control.min_version[0]}.{control.min_version[1]})."
        ),
        remediation=control.remediation,
        references=(DOCS, *_REFERENCES.get(control.id, ())),
        compliance=(f"PSS:{control.level}:{control.id}", *_COMPLIANCE.get(control.id, ())),
        tags=frozenset({"pss", control.level}),
    )
    return Check(meta=meta, function=evaluate, wants_context=True)


CHECKS: tuple[Check, ...] = tuple(sorted((_make(c) for c in CONTROLS), key=lambda c: c.meta.id))
