"""Evaluate a pod against a Pod Security Standards level and version, the way PSA does."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from stockade.checks.pss.controls import (
    CONTROLS,
    RULE_IDS,
    VOLUME_SOURCES,
    Control,
    PodPath,
    VersionedCheck,
    go_quote,
    is_map,
)
from stockade.checks.pss.versions import PolicyVersion, parse_version

__all__ = [
    "LEVELS",
    "ControlResult",
    "apply_api_defaults",
    "controls_for",
    "evaluate_pod",
    "format_message",
    "resolve_checks",
]

LEVELS: Final = ("privileged", "baseline", "restricted")


@dataclass(frozen=True)
class ControlResult:
    """A control that forbids the pod: PSA's reason and detail, plus the offending paths."""

    control_id: str
    level: str
    reason: str
    detail: str
    paths: tuple[PodPath, ...]

    @property
    def rule_id(self) -> str:
        return RULE_IDS[self.control_id]


def _level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"invalid Pod Security level {level!r}: must be one of {', '.join(LEVELS)}")
    return level


def _version(version: PolicyVersion | str) -> PolicyVersion:
    if isinstance(version, PolicyVersion):
        return version
    return parse_version(version)


# PSA orders results by check id: all baseline ids sorted, then all restricted ids sorted.
_ORDERED: Final = tuple(sorted((c for c in CONTROLS if c.level == "baseline"), key=lambda c: c.id)) + tuple(
    sorted((c for c in CONTROLS if c.level == "restricted"), key=lambda c: c.id)
)


def resolve_checks(level: str, version: PolicyVersion | str) -> tuple[tuple[Control, VersionedCheck], ...]:
    """The controls PSA runs for ``level`` at ``version``, each with the revision in force, in order."""
    if _level(level) == "privileged":
        return ()
    return _resolve(level, _version(version).resolved())


@functools.cache
def _resolve(level: str, resolved: tuple[int, int]) -> tuple[tuple[Control, VersionedCheck], ...]:
    active = [(control, control.entry_for(resolved)) for control in _ORDERED]
    present = [(control, entry) for control, entry in active if entry is not None]
    if level == "baseline":
        return tuple(pair for pair in present if pair[0].level == "baseline")
    overridden = {
        override for control, entry in present if control.level == "restricted" for override in entry.overrides
    }
    return tuple(pair for pair in present if pair[0].id not in overridden)


def controls_for(level: str, version: PolicyVersion | str) -> tuple[Control, ...]:
    """The controls that apply to ``level`` at ``version`` after overrides, in PSA's order."""
    return tuple(control for control, _entry in resolve_checks(level, version))


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _default_volumes(volumes: Any) -> list[Any] | None:
    """SetDefaults_Volume: a volume with no source set becomes an emptyDir."""
    if not isinstance(volumes, list | tuple):
        return None
    changed = False
    result = list(volumes)
    for index, volume in enumerate(volumes):
        if volume is None:
            result[index] = {"emptyDir": {}}
            changed = True
        elif is_map(volume) and not any(
            volume.get(source) is not None and is_map(volume.get(source)) for source in VOLUME_SOURCES
        ):
            result[index] = {**volume, "emptyDir": {}}
            changed = True
    return result if changed else None


def _default_host_ports(containers: Any) -> list[Any] | None:
    """defaultHostNetworkPorts: with hostNetwork, an unset hostPort takes the containerPort."""
    if not isinstance(containers, list | tuple):
        return None
    changed = False
    result = list(containers)
    for c_index, container in enumerate(containers):
        if not is_map(container) or not isinstance(container.get("ports"), list | tuple):
            continue
        ports = list(container["ports"])
        ports_changed = False
        for p_index, port in enumerate(ports):
            if not is_map(port):
                continue  # a null port is all zeroes: containerPort 0 leaves hostPort 0
            container_port = _int_or_zero(port.get("containerPort"))
            if _int_or_zero(port.get("hostPort")) == 0 and container_port != 0:
                ports[p_index] = {**port, "hostPort": container_port}
                ports_changed = True
        if ports_changed:
            result[c_index] = {**container, "ports": ports}
            changed = True
    return result if changed else None


def apply_api_defaults(pod: Mapping[str, Any], *, pod_template: bool = False) -> Mapping[str, Any]:
    """The pod as PSA sees it after API-server defaulting; the input is never modified.

    * a volume with no source becomes ``emptyDir: {}`` (SetDefaults_Volume);
    * with ``hostNetwork: true``, each container and init container port whose hostPort is unset or 0
      gets hostPort = containerPort (SetDefaults_Pod / defaultHostNetworkPorts). Since Kubernetes 1.28
      this applies to Pods only, so ``pod_template=True`` skips it for workload pod templates.
    """
    if not is_map(pod):
        return {}
    spec = pod.get("spec")
    if not is_map(spec):
        return pod
    updates: dict[str, Any] = {}
    volumes = _default_volumes(spec.get("volumes"))
    if volumes is not None:
        updates["volumes"] = volumes
    if not pod_template and spec.get("hostNetwork") is True:
        for list_name in ("containers", "initContainers"):
            containers = _default_host_ports(spec.get(list_name))
            if containers is not None:
                updates[list_name] = containers
    if not updates:
        return pod
    return {**pod, "spec": {**spec, **updates}}


def evaluate_pod(
    pod: Mapping[str, Any], level: str, version: PolicyVersion | str, *, pod_template: bool = False
) -> list[ControlResult]:
    """The controls that forbid ``pod`` at ``level``/``version``, in PSA's order (empty when allowed).

    ``level`` must be privileged, baseline or restricted (ValueError otherwise); ``version`` is a
    PolicyVersion or its text. Any input pod is accepted without raising (see ``controls``).
    """
    if _level(level) == "privileged":
        return []
    checks = resolve_checks(level, version)
    defaulted = apply_api_defaults(pod, pod_template=pod_template)
    results: list[ControlResult] = []
    for control, entry in checks:
        failure = entry.check(defaulted)
        if failure is not None:
            results.append(ControlResult(control.id, control.level, failure.reason, failure.detail, failure.paths))
    return results


UNKNOWN_FORBIDDEN_REASON: Final = "unknown forbidden reason"


def format_message(level: str, version: PolicyVersion | str, results: Sequence[ControlResult]) -> str:
    """PSA's denial text: ``violates PodSecurity "LEVEL:VERSION": reason (detail), ...``; "" if allowed.

    The version is written as requested (``latest``, or e.g. ``v1.40`` even though v1.40 is
    evaluated as the newest known version), as PSA writes the namespace's policy.
    """
    policy = f"{_level(level)}:{_version(version)}"
    if not results:
        return ""
    parts = []
    for result in results:
        reason = result.reason or UNKNOWN_FORBIDDEN_REASON
        parts.append(f"{reason} ({result.detail})" if result.detail else reason)
    return f"violates PodSecurity {go_quote(policy)}: {', '.join(parts)}"
