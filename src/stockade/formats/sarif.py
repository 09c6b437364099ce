"""SARIF 2.1.0 (``--format sarif``), shaped for GitHub code scanning.

Mapping (documented in docs/report-format.md):

- one run; ``tool.driver.rules`` holds one rule per rule id present in the report (findings and suppressed
  findings), sorted by id; a rule's severity is the highest severity among its findings;
- result ``level``: CRITICAL/HIGH -> error, MEDIUM -> warning, LOW/UNKNOWN -> note; the rule carries
  ``properties["security-severity"]`` (the number GitHub ranks alerts by);
- locations: relative paths become ``%SRCROOT%``-relative URIs, absolute paths ``file://`` URIs, standard
  input (``-``) the relative URI ``stdin``; a location without a line points at line 1;
- ``partialFingerprints["stockadeFindingHash/v1"]`` = sha256(rule id, path, object path, resource, and for
  a package's finding the package name), so an alert survives lines moving around it and an upgrade of
  the package;
- suppressed findings are results with ``suppressions``; diagnostics are tool execution notifications.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, ClassVar, TextIO
from urllib.parse import quote

from stockade.formats._json import dumps_pretty
from stockade.model import Diagnostic, DiagnosticLevel, Finding, Location, Report, Severity

__all__ = ["SARIF_SCHEMA_URI", "SarifFormatter", "artifact_location", "fingerprint", "report_to_sarif"]

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "stockadeFindingHash/v1"

JsonObject = dict[str, Any]

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "note",
}

_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.UNKNOWN: "0.0",
}

_NOTIFICATION_LEVEL = {
    DiagnosticLevel.ERROR: "error",
    DiagnosticLevel.WARNING: "warning",
    DiagnosticLevel.INFO: "note",
}

# Suppressions whose reason starts with one of these were written in the scanned input itself.
_IN_SOURCE_PREFIXES = ("annotation", "inline", "comment")

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")

# semver.org 2.0.0; a PEP 440 development version such as 0.2.0.dev3 is a ``version`` but not a semantic one.
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@dataclass(frozen=True, slots=True)
class SarifFormatter:
    """``--format sarif``.

    ``source_root`` is the absolute directory (or ``file:`` URI) that relative paths are relative to. When
    set, it is written to ``run.originalUriBaseIds["%SRCROOT%"]``; by default it is left out, so the log
    names no path of the machine it was made on (GitHub resolves ``%SRCROOT%`` to the repository root).
    """

    source_root: str = ""
    name: ClassVar[str] = "sarif"
    media_type: ClassVar[str] = "application/sarif+json"

    def render(self, report: Report, out: TextIO) -> None:
        log = report_to_sarif(report, source_root=self.source_root)
        out.write(dumps_pretty(log))
        out.write("\n")


def report_to_sarif(report: Report, *, source_root: str = "") -> JsonObject:
    """The SARIF log for ``report`` as plain Python data."""
    entries = [*report.findings, *report.suppressed]
    rules, rule_index = _rules(entries)
    driver: JsonObject = {"name": report.tool.name or "stockade"}
    if report.tool.version:
        driver["version"] = report.tool.version
        if _SEMVER.match(report.tool.version):
            driver["semanticVersion"] = report.tool.version
    if report.tool.information_uri:
        driver["informationUri"] = report.tool.information_uri
    driver["rules"] = rules

    run: JsonObject = {"tool": {"driver": driver}}
    run["invocations"] = [_invocation(report.diagnostics)]
    if source_root:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": _root_uri(source_root)}}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = [_result(f, rule_index[f.rule_id]) for f in entries]
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


# --- rules -------------------------------------------------------------------------------------------


def _rules(findings: Iterable[Finding]) -> tuple[list[JsonObject], dict[str, int]]:
    by_id: dict[str, list[Finding]] = {}
    for finding in findings:
        by_id.setdefault(finding.rule_id, []).append(finding)
    rules: list[JsonObject] = []
    index: dict[str, int] = {}
    for rule_id in sorted(by_id):
        index[rule_id] = len(rules)
        rules.append(_rule(rule_id, by_id[rule_id]))
    return rules, index


def _rule(rule_id: str, findings: list[Finding]) -> JsonObject:
    first = findings[0]
    severity = max((f.severity for f in findings), key=lambda s: s.rank)
    title = first.title or rule_id
    remediation = next((f.remediation for f in findings if f.remediation), "")
    references = _unique(ref for f in findings for ref in f.references)
    compliance = sorted(set(c for f in findings for c in f.compliance))
    kinds = sorted({f.kind.value for f in findings})

    rule: JsonObject = {
        "id": rule_id,
        "name": _camel_case(title) or _camel_case(rule_id),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "help": {
            "text": _help_text(title, remediation, references),
            "markdown": _help_markdown(title, remediation, references),
        },
    }
    help_uri = next((r for r in references if _is_http(r)), "")
    if help_uri:
        rule["helpUri"] = help_uri
    properties: JsonObject = {
        "tags": ["security", *kinds],
        "precision": "very-high",
        "security-severity": _SECURITY_SEVERITY[severity],
    }
    if compliance:
        properties["compliance"] = compliance
    rule["properties"] = properties
    return rule


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _is_http(reference: str) -> bool:
    return reference.startswith(("https://", "http://"))


def _camel_case(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words)


def _help_text(title: str, remediation: str, references: list[str]) -> str:
    parts = [title]
    if remediation:
        parts.append(f"Remediation: {remediation}")
    if references:
        parts.append("References:\n" + "\n".join(f"- {r}" for r in references))
    return "\n\n".join(parts)


def _help_markdown(title: str, remediation: str, references: list[str]) -> str:
    parts = [f"**{_md_escape(title)}**"]
    if remediation:
        parts.append(f"**Remediation:** {_md_escape(remediation)}")
    if references:
        lines = [f"- <{r}>" if _is_http(r) else f"- {_md_escape(r)}" for r in references]
        parts.append("**References:**\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


# --- results -----------------------------------------------------------------------------------------


def _result(finding: Finding, rule_index: int) -> JsonObject:
    message = finding.message or finding.title or finding.rule_id
    if finding.resource is not None:
        message = f"{message} ({finding.resource})"
    location = _location(finding.location)
    if finding.location.object_path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.location.object_path, "kind": "property"}]
    result: JsonObject = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
    }
    if finding.suppressed_by:
        result["suppressions"] = [
            {"kind": _suppression_kind(finding.suppressed_by), "justification": finding.suppressed_by}
        ]
    return result


def fingerprint(finding: Finding) -> str:
    """Stable identity of a finding across scans: independent of line numbers and message wording."""
    parts: tuple[str, ...] = (
        finding.rule_id,
        _normalize_path(finding.location.path),
        finding.location.object_path,
        str(finding.resource or ""),
    )
    if finding.package is not None:  # one advisory, several packages listed in one file
        parts = (*parts, finding.package.ecosystem, finding.package.name)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _suppression_kind(suppressed_by: str) -> str:
    return "inSource" if suppressed_by.lower().startswith(_IN_SOURCE_PREFIXES) else "external"


def _location(loc: Location) -> JsonObject:
    region: JsonObject = {"startLine": loc.line if loc.line is not None and loc.line >= 1 else 1}
    if loc.column is not None and loc.column >= 1:
        region["startColumn"] = loc.column
    if loc.end_line is not None and loc.end_line >= region["startLine"]:
        region["endLine"] = loc.end_line
    if loc.snippet:
        region["snippet"] = {"text": loc.snippet}
    return {"physicalLocation": {"artifactLocation": artifact_location(loc.path), "region": region}}


def artifact_location(path: str) -> JsonObject:
    """SARIF ``artifactLocation`` for a report path."""
    if path == "-":
        return {"uri": "stdin"}
    if path.startswith("/") or _WINDOWS_DRIVE.match(path):
        return {"uri": _file_uri(path)}
    return {"uri": quote(_normalize_path(path), safe="/"), "uriBaseId": SRCROOT}


def _normalize_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _file_uri(path: str) -> str:
    if _WINDOWS_DRIVE.match(path):
        posix = PureWindowsPath(path).as_posix()
        return "file:///" + posix[:2] + quote(posix[2:], safe="/")
    return "file://" + quote(str(PurePosixPath(path)), safe="/")


def _root_uri(source_root: str) -> str:
    uri = source_root if source_root.startswith("file:") else _file_uri(source_root)
    return uri if uri.endswith("/") else uri + "/"


# --- diagnostics ---------------------------------------------------------------------------------------


def _invocation(diagnostics: Iterable[Diagnostic]) -> JsonObject:
    notifications = [_notification(d) for d in diagnostics]
    invocation: JsonObject = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _notification(diagnostic: Diagnostic) -> JsonObject:
    notification: JsonObject = {
        "level": _NOTIFICATION_LEVEL[diagnostic.level],
        "message": {"text": diagnostic.message or diagnostic.source},
        "descriptor": {"id": diagnostic.source or "stockade"},
    }
    if diagnostic.location.path:
        notification["locations"] = [_location(diagnostic.location)]
    return notification
