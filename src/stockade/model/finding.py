"""A finding is a judgment about an artifact: a vulnerability, misconfiguration, secret or runtime event."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from stockade.model.location import Location
from stockade.model.package import LayerRef, Package
from stockade.model.severity import Severity


class FindingKind(enum.Enum):
    VULN = "vuln"
    MISCONFIG = "misconfig"
    SECRET = "secret"
    RUNTIME = "runtime"
    POSTURE = "posture"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """The Kubernetes (or other) object a finding is about."""

    kind: str
    name: str
    namespace: str = ""
    api_version: str = ""

    def __str__(self) -> str:
        name = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind}/{name}" if name else self.kind


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    rule_id: str
    title: str
    severity: Severity
    location: Location
    message: str
    remediation: str = ""
    resource: ResourceRef | None = None
    references: tuple[str, ...] = ()
    compliance: tuple[str, ...] = ()
    package: Package | None = None
    installed_version: str = ""
    fixed_version: str = ""
    suppressed_by: str = ""
    status: str = ""  # vulnerabilities: fixed, affected, will_not_fix, fix_deferred, end_of_life
    aliases: tuple[str, ...] = ()  # other ids of the same vulnerability (CVE, GHSA, PYSEC, DSA ...)
    score: float | None = None  # CVSS base score behind the severity, when computed
    severity_source: str = ""  # where the severity came from (cvss_v3, cvss_v4, cvss_v2, source)
    layer: LayerRef | None = None  # secrets: the image layer whose bytes hold the file

    def sort_key(self) -> tuple[str, int, tuple[str, str, str], int, str, str]:
        loc = self.location
        ref = self.resource
        return (
            loc.path,
            loc.line or 0,
            (ref.kind, ref.namespace, ref.name) if ref is not None else ("", "", ""),
            -self.severity.rank,
            self.rule_id,
            loc.object_path,
        )
