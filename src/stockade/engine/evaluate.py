"""Evaluate checks over resources: each check only meets the kinds it declares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from stockade.checks import Check, CheckContext, CheckMeta, Violation
from stockade.checks._resources import Workload, view
from stockade.engine.suppress import IGNORE_ANNOTATION, annotation_ignores, matches_any
from stockade.model import (
    Diagnostic,
    DiagnosticLevel,
    Finding,
    FindingKind,
    Location,
    ObjectPath,
    Resource,
    ResourceRef,
)


def evaluate(
    resources: Iterable[Resource], checks: Sequence[Check], ctx: CheckContext
) -> tuple[list[Finding], list[Diagnostic]]:
    """Findings of ``checks`` over ``resources``; a check that fails on odd input becomes a diagnostic."""
    diagnostics: list[Diagnostic] = []
    findings = [
        Finding(
            kind=FindingKind.MISCONFIG,
            rule_id=meta.id,
            title=meta.title,
            severity=v.severity or meta.severity,
            location=resource.locate(v.path),
            message=v.message,
            remediation=v.remediation or meta.remediation,
            resource=ref,
            references=meta.references,
            compliance=meta.compliance,
            suppressed_by=suppressed_by,
        )
        for meta, resource, ref, v, suppressed_by in iter_violations(resources, checks, ctx, diagnostics)
    ]
    return findings, diagnostics


def iter_violations(
    resources: Iterable[Resource], checks: Sequence[Check], ctx: CheckContext, diagnostics: list[Diagnostic]
) -> Iterator[tuple[CheckMeta, Resource, ResourceRef, Violation, str]]:
    """Each violation with its check, object and suppression (``""`` when not suppressed).

    Problems (a check failing on odd input, a suppression without a reason) are appended to
    ``diagnostics``.
    """
    by_kind: dict[str, list[Check]] = defaultdict(list)
    for chk in checks:
        for kind in chk.meta.kinds:
            by_kind[kind].append(chk)
    for resource in resources:
        applicable = by_kind.get(resource.kind)
        if not applicable:
            continue
        obj = view(resource)
        ref = resource.ref()
        maps = [obj.annotations]
        if isinstance(obj, Workload):
            maps.append(obj.pod_annotations)
        ignored, reason = annotation_ignores(*maps)
        if ignored and not reason:
            diagnostics.append(
                Diagnostic(
                    resource.locate(ObjectPath(("metadata", "annotations", IGNORE_ANNOTATION))),
                    "suppression",
                    DiagnosticLevel.WARNING,
                    f"{ref} suppresses {', '.join(ignored)} without a reason "
                    "(add the annotation stockade.dev/ignore-reason)",
                )
            )
        for chk in applicable:
            meta = chk.meta
            suppressed_by = ""
            if ignored and matches_any(meta.id, ignored):
                suppressed_by = f"annotation {IGNORE_ANNOTATION}" + (f": {reason}" if reason else "")
            try:
                # Materialised inside the try: a check that fails half-way contributes nothing.
                violations = list(chk.evaluate(obj, ctx))
            except Exception as exc:  # a check must never take the scan down
                diagnostics.append(
                    Diagnostic(
                        Location(resource.path, resource.line or None),
                        f"check:{meta.id}",
                        DiagnosticLevel.ERROR,
                        f"check {meta.id} failed on {ref}: {type(exc).__name__}: {exc}",
                    )
                )
                continue
            for v in violations:
                yield meta, resource, ref, v, suppressed_by
