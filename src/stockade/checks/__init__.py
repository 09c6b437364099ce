"""Misconfiguration checks: plain functions with ``@check`` metadata, listed in explicit tuples."""

from __future__ import annotations

from stockade.checks._check import Check, CheckContext, CheckMeta, Violation, check
from stockade.registry import Registry, load_entry_points

__all__ = ["Check", "CheckContext", "CheckMeta", "Violation", "builtin_checks", "check", "check_registry"]


def builtin_checks() -> tuple[Check, ...]:
    from stockade.checks.dockerfile import CHECKS as DOCKERFILE_CHECKS
    from stockade.checks.k8s import CHECKS as K8S_CHECKS
    from stockade.checks.pss.rules import CHECKS as PSS_CHECKS

    return (*PSS_CHECKS, *K8S_CHECKS, *DOCKERFILE_CHECKS)


def check_registry(plugins: bool = True) -> Registry[Check]:
    """Built-in checks, plus those third parties publish under the ``stockade.checks`` entry point."""
    registry = Registry("check", builtin_checks(), lambda c: c.meta.id)
    if plugins:
        for extra in load_entry_points("stockade.checks", lambda obj: isinstance(obj, Check)):
            registry.add(extra)
    return registry
