"""Kubernetes hardening checks beyond the Pod Security Standards (rule family `STK-K8S-NNNN`).

Pod Security Standards controls live in `stockade.checks.pss`; nothing here repeats them. Rule ids are
stable forever: a retired rule keeps its number, and new rules take the next free one.
"""

from __future__ import annotations

from stockade.checks._check import Check
from stockade.checks.k8s.containers import high_uid_gid, read_only_root_filesystem
from stockade.checks.k8s.hostpath import sensitive_host_path
from stockade.checks.k8s.images import image_pinned_by_digest, image_pull_policy_always, image_tag_not_latest
from stockade.checks.k8s.isolation import share_process_namespace, untrusted_runtime_class
from stockade.checks.k8s.namespaces import (
    namespace_enforces_pss,
    namespace_not_privileged,
    not_default_namespace,
    not_system_namespace,
)
from stockade.checks.k8s.probes import liveness_probe, readiness_probe
from stockade.checks.k8s.resources import cpu_limit, memory_limit, resource_requests
from stockade.checks.k8s.secrets import literal_secret_env, secret_data_base64, secret_string_data
from stockade.checks.k8s.serviceaccounts import automount_service_account_token, dedicated_service_account

CHECKS: tuple[Check, ...] = (
    read_only_root_filesystem,  # STK-K8S-0001
    memory_limit,  # STK-K8S-0002
    cpu_limit,  # STK-K8S-0003
    resource_requests,  # STK-K8S-0004
    liveness_probe,  # STK-K8S-0005
    readiness_probe,  # STK-K8S-0006
    image_tag_not_latest,  # STK-K8S-0007
    image_pinned_by_digest,  # STK-K8S-0008
    image_pull_policy_always,  # STK-K8S-0009
    automount_service_account_token,  # STK-K8S-0010
    dedicated_service_account,  # STK-K8S-0011
    sensitive_host_path,  # STK-K8S-0012
    literal_secret_env,  # STK-K8S-0013
    secret_string_data,  # STK-K8S-0014
    secret_data_base64,  # STK-K8S-0015
    high_uid_gid,  # STK-K8S-0016
    untrusted_runtime_class,  # STK-K8S-0017
    namespace_enforces_pss,  # STK-K8S-0018
    namespace_not_privileged,  # STK-K8S-0019
    not_default_namespace,  # STK-K8S-0020
    not_system_namespace,  # STK-K8S-0021
    share_process_namespace,  # STK-K8S-0022
)

__all__ = ["CHECKS"]
