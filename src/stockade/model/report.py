"""The report: everything a scan found, sorted at construction so output is deterministic."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stockade.model.artifact import Artifact
from stockade.model.diagnostic import Diagnostic
from stockade.model.finding import Finding
from stockade.model.package import Package
from stockade.model.severity import Severity

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Tool:
    name: str = "stockade"
    version: str = ""
    information_uri: str = ""


@dataclass(frozen=True)
class Report:
    tool: Tool
    target: str
    findings: tuple[Finding, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    packages: tuple[Package, ...] = ()
    schema_version: str = SCHEMA_VERSION
    suppressed: tuple[Finding, ...] = field(default=())
    artifact: Artifact | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(sorted(self.findings, key=Finding.sort_key)))
        object.__setattr__(self, "suppressed", tuple(sorted(self.suppressed, key=Finding.sort_key)))
        object.__setattr__(
            self,
            "diagnostics",
            tuple(
                sorted(
                    self.diagnostics,
                    key=lambda d: (d.location.path, d.location.line or 0, d.source, d.message),
                )
            ),
        )
        object.__setattr__(
            self, "packages", tuple(sorted(self.packages, key=Package.sort_key))
        )

    def severity_counts(self) -> dict[Severity, int]:
        counts = Counter(f.severity for f in self.findings)
        return {sev: counts.get(sev, 0) for sev in Severity}
