"""The stockade JSON report (``--format json``), described by ``schemas/report.schema.json``.

Shape rules (documented in docs/report-format.md):

- every key of an object is always present, in a fixed order;
- an optional scalar that is not known or does not apply is ``null`` (never ``""`` and never missing);
- lists are always lists (possibly empty);
- ``findings`` holds the findings that count, ``suppressed`` the ones a suppression removed; a finding in
  ``findings`` has ``"suppressed_by": null``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TextIO

from stockade.formats._json import dumps_pretty
from stockade.model import Artifact, Diagnostic, Finding, LayerRef, Location, Package, Report, ResourceRef, Severity

__all__ = ["JsonFormatter", "report_to_dict"]

JsonObject = dict[str, Any]


class JsonFormatter:
    """``--format json``: the full report as one JSON document, newline-terminated."""

    name: ClassVar[str] = "json"
    media_type: ClassVar[str] = "application/json"

    def render(self, report: Report, out: TextIO) -> None:
        out.write(dumps_pretty(report_to_dict(report)))
        out.write("\n")


def report_to_dict(report: Report) -> JsonObject:
    """The JSON report as plain Python data (dicts in wire key order)."""
    counts = _severity_counts(report.findings)
    return {
        "schema_version": report.schema_version,
        "tool": {"name": report.tool.name, "version": report.tool.version or None},
        "target": report.target,
        "artifact": _artifact(report.artifact),
        "findings": [_finding(f, suppressed=False) for f in report.findings],
        "suppressed": [_finding(f, suppressed=True) for f in report.suppressed],
        "diagnostics": [_diagnostic(d) for d in report.diagnostics],
        "packages": [_package(p) for p in report.packages],
        "summary": {
            "total": len(report.findings),
            "by_severity": {sev.value: counts[sev] for sev in Severity},
            "suppressed": len(report.suppressed),
            "diagnostics": len(report.diagnostics),
            "packages": len(report.packages),
        },
    }


def _severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def _opt(text: str) -> str | None:
    return text or None


def _position(number: int | None) -> int | None:
    """1-based line or column; 0 and negative numbers (unknown) become null."""
    return number if number is not None and number >= 1 else None


def _location(loc: Location) -> JsonObject:
    return {
        "path": loc.path,
        "line": _position(loc.line),
        "column": _position(loc.column),
        "end_line": _position(loc.end_line),
        "snippet": _opt(loc.snippet),
        "object_path": _opt(loc.object_path),
    }


def _resource(ref: ResourceRef | None) -> JsonObject | None:
    if ref is None:
        return None
    return {
        "kind": ref.kind,
        "namespace": _opt(ref.namespace),
        "name": ref.name,
        "api_version": _opt(ref.api_version),
    }


def _package(pkg: Package) -> JsonObject:
    return {
        "id": _opt(pkg.id),
        "name": pkg.name,
        "version": pkg.version,
        "ecosystem": pkg.ecosystem,
        "purl": _opt(pkg.purl),
        "source_name": _opt(pkg.source_name),
        "source_version": _opt(pkg.source_version),
        "arch": _opt(pkg.arch),
        "licenses": list(pkg.licenses),
        "found_by": _opt(pkg.found_by),
        "layer": _layer(pkg.layer) if pkg.layer is not None else None,
        "locations": [_location(loc) for loc in pkg.locations],
        "depends_on": list(pkg.depends_on),
        "dev": pkg.dev,
        "metadata": _metadata(pkg.metadata),
    }


def _layer(ref: LayerRef) -> JsonObject:
    return {"index": ref.index, "digest": _opt(ref.digest), "diff_id": _opt(ref.diff_id),
            "created_by": _opt(ref.created_by)}


def _artifact(art: Artifact | None) -> JsonObject | None:
    if art is None:
        return None
    os_info = art.os
    cfg = art.config
    return {
        "kind": art.kind,
        "name": art.name,
        "digest": _opt(art.digest),
        "config_digest": _opt(art.config_digest),
        "repo_tags": list(art.repo_tags),
        "repo_digests": list(art.repo_digests),
        "os": None if os_info is None else {
            "family": os_info.family, "version": _opt(os_info.version), "codename": _opt(os_info.codename),
            "name": _opt(os_info.name), "distroless": os_info.distroless,
        },
        "config": None if cfg is None else {
            "os": _opt(cfg.os), "architecture": _opt(cfg.architecture), "variant": _opt(cfg.variant),
            "user": _opt(cfg.user), "env": list(cfg.env), "exposed_ports": list(cfg.exposed_ports),
            "entrypoint": list(cfg.entrypoint), "cmd": list(cfg.cmd), "working_dir": _opt(cfg.working_dir),
            "labels": {k: v for k, v in cfg.labels}, "healthcheck": list(cfg.healthcheck),
            "created": _opt(cfg.created),
            "history": [{"created": _opt(h.created), "created_by": _opt(h.created_by), "comment": _opt(h.comment),
                         "empty_layer": h.empty_layer} for h in cfg.history],
        },
        "layers": [_layer(ref) for ref in art.layers],
    }


def _metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    return {key: metadata[key] for key in sorted(metadata)}


def _finding(f: Finding, *, suppressed: bool) -> JsonObject:
    return {
        "kind": f.kind.value,
        "rule_id": f.rule_id,
        "severity": f.severity.value,
        "title": f.title,
        "message": f.message,
        "remediation": _opt(f.remediation),
        "location": _location(f.location),
        "resource": _resource(f.resource),
        "references": list(f.references),
        "compliance": list(f.compliance),
        "package": _package(f.package) if f.package is not None else None,
        "installed_version": _opt(f.installed_version),
        "fixed_version": _opt(f.fixed_version),
        "status": _opt(f.status),
        "aliases": list(f.aliases),
        "score": f.score,
        "severity_source": _opt(f.severity_source),
        "layer": _layer(f.layer) if f.layer is not None else None,
        # A suppressed finding always says by what; the model should never hand us an empty reason.
        "suppressed_by": (f.suppressed_by or "unspecified") if suppressed else None,
    }


def _diagnostic(d: Diagnostic) -> JsonObject:
    return {
        "level": d.level.value,
        "source": d.source,
        "message": d.message,
        "location": _location(d.location),
    }
