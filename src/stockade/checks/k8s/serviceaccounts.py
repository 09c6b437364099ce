"""Service account use by pods: token automounting and the namespace's `default` account."""

from __future__ import annotations

from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Workload, as_str
from stockade.model import Severity


@check(
    id="STK-K8S-0010",
    title="Pod automounts a service account token",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Opt out of the token in the pod spec; a pod that does call the API can mount a short-lived,
    audience-bound token through a projected volume instead:

        spec:
          automountServiceAccountToken: false
    """,
    compliance=("CIS-5.1.6", "NSA-CISA:service-account-tokens"),
    references=("checkov:CKV_K8S_38", "polaris:automountServiceAccountToken"),
)
def automount_service_account_token(w: Workload) -> Iterator[Violation]:
    """Unless told otherwise Kubernetes mounts an API token of the pod's service account into every
    container: code execution in any of them becomes an authenticated API client with that account's
    permissions. Most applications never call the API. Only the pod spec is judged (it overrides the
    ServiceAccount's own setting): `automountServiceAccountToken` must be `false` there."""
    value = w.spec.get("automountServiceAccountToken")
    if value is False:
        return
    path = w.spec_path / "automountServiceAccountToken"
    if value is None:
        yield Violation(
            path,
            "automountServiceAccountToken is not set in the pod spec, so the token is mounted unless the "
            "service account disables it; set it on the pod, where it cannot be changed from elsewhere",
        )
    else:
        yield Violation(path, f"automountServiceAccountToken is {value!r}, so the service account token is mounted")


@check(
    id="STK-K8S-0011",
    title="Pod uses the default service account",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Create a ServiceAccount for the workload and name it in the pod spec:

        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: api
        automountServiceAccountToken: false
        ---
        spec:
          serviceAccountName: api
    """,
    compliance=("CIS-5.1.5", "NSA-CISA:service-account-tokens"),
    references=("checkov:CKV_K8S_41", "checkov:CKV_K8S_42"),
)
def dedicated_service_account(w: Workload) -> Iterator[Violation]:
    """Every pod of a namespace that names no service account runs as `default`, so a permission granted
    to one of them (a RoleBinding to `default`) is granted to all, and their API activity cannot be told
    apart in audit logs. Reported when `serviceAccountName` (or the deprecated `serviceAccount`) is
    unset or `default`."""
    name = as_str(w.spec.get("serviceAccountName")) or as_str(w.spec.get("serviceAccount"))
    if name and name != "default":
        return
    how = 'is "default"' if name else 'is not set, so the pod runs as "default"'
    yield Violation(w.spec_path / "serviceAccountName", f"serviceAccountName {how}")
