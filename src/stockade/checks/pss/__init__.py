"""Pod Security Standards evaluator matching the Pod Security Admission controller, v1.0 to latest."""

from __future__ import annotations

from stockade.checks.pss.controls import (
    CONTROLS,
    CONTROLS_BY_ID,
    RULE_IDS,
    SAFE_SYSCTLS,
    CheckFn,
    Control,
    ControlFailure,
    PodPath,
    VersionedCheck,
)
from stockade.checks.pss.policy import (
    LEVELS,
    ControlResult,
    apply_api_defaults,
    controls_for,
    evaluate_pod,
    format_message,
    resolve_checks,
)
from stockade.checks.pss.versions import LATEST, LATEST_KNOWN, PolicyVersion, parse_version

__all__ = [
    "CONTROLS",
    "CONTROLS_BY_ID",
    "LATEST",
    "LATEST_KNOWN",
    "LEVELS",
    "RULE_IDS",
    "SAFE_SYSCTLS",
    "CheckFn",
    "Control",
    "ControlFailure",
    "ControlResult",
    "PodPath",
    "PolicyVersion",
    "VersionedCheck",
    "apply_api_defaults",
    "controls_for",
    "evaluate_pod",
    "format_message",
    "parse_version",
    "resolve_checks",
]
