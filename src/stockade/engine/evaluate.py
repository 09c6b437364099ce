"""Evaluate checks over inputs (Kubernetes objects, Dockerfiles): each check only meets the kinds it declares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from stockade.checks import Check, CheckContext, CheckMeta, Violation
from stockade.engine.targets import DOCKERFILE_KIND, target_for
from stockade.model import (
    Diagnostic,
    DiagnosticLevel,
    Dockerfile,
    Finding,
    FindingKind,
    Location,
    Resource,
    ResourceRef,
)

Input = Resource | Dockerfile


def evaluate(
    inputs: Iterable[Input], checks: Sequence[Check], ctx: CheckContext
) -> tuple[list[Finding], list[Diagnostic]]:
    """Findings of ``checks`` over ``inputs``; a check that fails on odd input becomes a diagnostic."""
    diagnostics: list[Diagnostic] = []
    findings = [
        Finding(
            kind=FindingKind.MISCONFIG,
            rule_id=meta.id,
            title=meta.title,
            severity=v.severity or meta.severity,
            location=location,
            message=v.message,
            remediation=v.remediation or meta.remediation,
            resource=ref,
            references=meta.references,
            compliance=meta.compliance,
            suppressed_by=suppressed_by,
        )
        for meta, location, ref, v, suppressed_by in iter_violations(inputs, checks, ctx, diagnostics)
    ]
    return findings, diagnostics


def iter_violations(
    inputs: Iterable[Input], checks: Sequence[Check], ctx: CheckContext, diagnostics: list[Diagnostic]
) -> Iterator[tuple[CheckMeta, Location, ResourceRef, Violation, str]]:
    """Each violation with its check, location, object and suppression (``""`` when not suppressed).

    Problems (a check failing on odd input, a suppression without a reason) are appended to
    ``diagnostics``.
    """
    by_kind: dict[str, list[Check]] = defaultdict(list)
    for chk in checks:
        for kind in chk.meta.kinds:
            by_kind[kind].append(chk)
    for item in inputs:
        applicable = by_kind.get(item.kind if isinstance(item, Resource) else DOCKERFILE_KIND)
        if not applicable:
            continue
        target = target_for(item)
        diagnostics.extend(target.diagnostics)
        for chk in applicable:
            meta = chk.meta
            try:
                # Materialised inside the try: a check that fails half-way contributes nothing.
                violations = list(chk.evaluate(target.obj, ctx))
            except Exception as exc:  # a check must never take the scan down
                diagnostics.append(
                    Diagnostic(
                        Location(item.path, target.line),
                        f"check:{meta.id}",
                        DiagnosticLevel.ERROR,
                        f"check {meta.id} failed on {target.ref}: {type(exc).__name__}: {exc}",
                    )
                )
                continue
            may_suppress = target.may_suppress
            for v in violations:
                yield meta, target.locate(v), target.ref, v, target.suppression(meta, v) if may_suppress else ""
