"""Suppressions: the ignore file (``.stockadeignore``) and the ``stockade.dev/ignore`` annotation.

Ignore file, one entry per line, ``#`` starts a comment::

    STK-K8S-0001                              # everywhere
    STK-K8S-0007  deploy/legacy/*.yaml        # only in files matching the glob
    STK-PSS-*     charts/**  exp:2026-12-31   # until that day (inclusive)
    CVE-2023-4863 pkg:deb/debian/libwebp7     # a vulnerability (any of its ids) in one package (purl)
    GHSA-*        pkg:npm/*  exp:2027-01-31   # the comment after an entry is its reason, shown in reports

The purl selector compares without version and qualifiers unless it has them; globs are allowed.

Annotation on an object (or on a pod template)::

    metadata:
      annotations:
        stockade.dev/ignore: "STK-K8S-0003,STK-K8S-0004"
        stockade.dev/ignore-reason: "batch job, probes make no sense"
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from stockade.errors import ConfigError
from stockade.model import Diagnostic, DiagnosticLevel, Finding, Location
from stockade.model import purl as purls

IGNORE_ANNOTATION = "stockade.dev/ignore"
IGNORE_REASON_ANNOTATION = "stockade.dev/ignore-reason"


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    rule: str
    path_glob: str = ""
    expires: dt.date | None = None
    line: int = 0
    reason: str = ""

    def matches(self, finding: Finding) -> bool:
        rule = self.rule.upper()
        if not any(fnmatch.fnmatchcase(i.upper(), rule) for i in (finding.rule_id, *finding.aliases)):
            return False
        if not self.path_glob:
            return True
        if self.path_glob.startswith("pkg:"):
            return _purl_matches(self.path_glob, finding)
        path = finding.location.path.replace("\\", "/").removeprefix("./")
        return fnmatch.fnmatchcase(path, self.path_glob.removeprefix("./")) or fnmatch.fnmatchcase(
            path.lstrip("/"), self.path_glob.removeprefix("./").lstrip("/"))


def _purl_matches(selector: str, finding: Finding) -> bool:
    pkg = finding.package
    if pkg is None or not pkg.purl:
        return False
    if "?" in selector or "#" in selector:
        have = pkg.purl
    else:
        have = purls.base(pkg.purl, version="@" in selector.rsplit("/", 1)[-1])
    return fnmatch.fnmatchcase(have, selector)


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    path: str
    entries: tuple[IgnoreEntry, ...]


def parse_ignorefile(path: str, text: str) -> IgnoreFile:
    """Parse an ignore file; a malformed line is a configuration error naming file and line."""
    entries: list[IgnoreEntry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line, _, comment = raw.partition("#")
        line = line.strip()
        if not line:
            continue
        tokens = line.split()
        rule, rest = tokens[0], tokens[1:]
        glob = ""
        expires: dt.date | None = None
        for token in rest:
            if token.startswith("exp:"):
                if expires is not None:
                    raise ConfigError(f"{path}:{number}: more than one exp: date")
                try:
                    expires = dt.date.fromisoformat(token[4:])
                except ValueError:
                    raise ConfigError(
                        f"{path}:{number}: invalid expiry {token!r} (expected exp:YYYY-MM-DD)"
                    ) from None
            elif not glob:
                glob = token
            else:
                raise ConfigError(
                    f"{path}:{number}: unexpected {token!r} (expected: RULE [PATH-GLOB] [exp:YYYY-MM-DD])"
                )
        entries.append(IgnoreEntry(rule, glob, expires, number, comment.strip()))
    return IgnoreFile(path, tuple(entries))


def read_ignorefile(path: str | None) -> IgnoreFile | None:
    """The ignore file at ``path`` (None: none); ConfigError when it cannot be read or parsed."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_ignorefile(path, handle.read(1024 * 1024))
    except OSError as exc:
        raise ConfigError(f"cannot read ignore file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read ignore file {path}: not UTF-8 text") from None


def apply_suppressions(
    findings: Iterable[Finding], ignore: IgnoreFile | None, today: dt.date
) -> tuple[list[Finding], list[Finding], list[Diagnostic]]:
    """Split findings into (kept, suppressed); expired entries are reported, not applied."""
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    diagnostics: list[Diagnostic] = []
    active: list[IgnoreEntry] = []
    if ignore is not None:
        for entry in ignore.entries:
            if entry.expires is not None and entry.expires < today:
                diagnostics.append(Diagnostic(
                    Location(ignore.path, entry.line), "ignorefile", DiagnosticLevel.INFO,
                    f"ignore entry for {entry.rule} expired on {entry.expires.isoformat()}; no longer applied",
                ))
            else:
                active.append(entry)
    if not active:
        for finding in findings:
            (suppressed if finding.suppressed_by else kept).append(finding)
        return kept, suppressed, diagnostics
    for finding in findings:
        if finding.suppressed_by:
            suppressed.append(finding)
            continue
        match = next((e for e in active if e.matches(finding)), None)
        if match is None or ignore is None:
            kept.append(finding)
        else:
            reason = f": {match.reason}" if match.reason else ""
            suppressed.append(replace(finding, suppressed_by=f"ignorefile {ignore.path}:{match.line}{reason}"))
    return kept, suppressed, diagnostics


def annotation_ignores(*annotation_maps: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """Rule-id globs and the reason from ``stockade.dev/ignore`` annotations (object, then pod template)."""
    rules: list[str] = []
    reason = ""
    for mapping in annotation_maps:
        value = mapping.get(IGNORE_ANNOTATION)
        if isinstance(value, str):
            rules.extend(r.strip() for r in value.split(",") if r.strip())
        why = mapping.get(IGNORE_REASON_ANNOTATION)
        if isinstance(why, str) and why.strip() and not reason:
            reason = why.strip()
    return tuple(rules), reason


def matches_any(rule_id: str, globs: Iterable[str]) -> bool:
    upper = rule_id.upper()
    return any(fnmatch.fnmatchcase(upper, g.upper()) for g in globs)
