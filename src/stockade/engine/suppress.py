"""Suppressions: the ignore file (``.stockadeignore``) and the ``stockade.dev/ignore`` annotation.

Ignore file, one entry per line, ``#`` starts a comment::

    STK-K8S-0001                              # everywhere
    STK-K8S-0007  deploy/legacy/*.yaml        # only in files matching the glob
    STK-PSS-*     charts/**  exp:2026-12-31   # until that day (inclusive)
    CVE-2023-4863 pkg:deb/debian/libwebp7     # a vulnerability (any of its ids) in one package (purl)
    GHSA-*        pkg:npm/*  exp:2027-01-31   # the comment after an entry is its reason, shown in reports

The purl selector compares without version and qualifiers unless it has them; globs are allowed.

The YAML form (``.stockadeignore.yaml``; any ignore file whose name ends in ``.yaml``/``.yml``) has one list
per kind of finding (``vulnerabilities``, ``misconfigurations``, ``secrets``) and ``rules`` for any kind; an
entry names an ``id`` (a glob over rule ids and aliases) and optionally ``paths``, ``purls``, ``expires`` and
``reason``::

    vulnerabilities:
      - id: CVE-2023-4863
        purls: [pkg:deb/debian/libwebp7]
        expires: 2026-12-31
        reason: not reachable, the image never decodes WebP
    misconfigurations:
      - id: STK-K8S-0007
        paths: [deploy/legacy/*.yaml]

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
from stockade.model import Diagnostic, DiagnosticLevel, Finding, FindingKind, Location
from stockade.model import purl as purls

IGNORE_ANNOTATION = "stockade.dev/ignore"
IGNORE_REASON_ANNOTATION = "stockade.dev/ignore-reason"


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    rule: str
    path_glob: str = ""  # one path glob or purl selector (the line form); the YAML form may give several
    expires: dt.date | None = None
    line: int = 0
    reason: str = ""
    kind: FindingKind | None = None  # the YAML form's section: only findings of this kind
    selectors: tuple[str, ...] = ()  # the YAML form's paths and purls: any of them

    def matches(self, finding: Finding) -> bool:
        if self.kind is not None and finding.kind is not self.kind:
            return False
        rule = self.rule.upper()
        if not any(fnmatch.fnmatchcase(i.upper(), rule) for i in (finding.rule_id, *finding.aliases)):
            return False
        selectors = self.selectors or ((self.path_glob,) if self.path_glob else ())
        return not selectors or any(_selector_matches(s, finding) for s in selectors)


def _selector_matches(selector: str, finding: Finding) -> bool:
    if selector.startswith("pkg:"):
        return _purl_matches(selector, finding)
    path = finding.location.path.replace("\\", "/").removeprefix("./")
    glob = selector.removeprefix("./")
    return fnmatch.fnmatchcase(path, glob) or fnmatch.fnmatchcase(path.lstrip("/"), glob.lstrip("/"))


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


_YAML_SECTIONS: dict[str, FindingKind | None] = {
    "vulnerabilities": FindingKind.VULN,
    "misconfigurations": FindingKind.MISCONFIG,
    "secrets": FindingKind.SECRET,
    "rules": None,
}
_YAML_ENTRY_KEYS = frozenset({"id", "paths", "purls", "expires", "expired_at", "reason", "statement"})


def parse_ignorefile_yaml(path: str, text: str) -> IgnoreFile:
    """Parse the YAML form; every problem is a configuration error naming file and line."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if root is None:
        return IgnoreFile(path, ())
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}:{root.start_mark.line + 1}: expected a mapping of "
                          f"{', '.join(_YAML_SECTIONS)}")
    entries: list[IgnoreEntry] = []
    for key_node, value_node in root.value:
        where = f"{path}:{key_node.start_mark.line + 1}"
        section = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if section not in _YAML_SECTIONS:
            raise ConfigError(f"{where}: unknown section {section!r} (expected one of {', '.join(_YAML_SECTIONS)})")
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null"):
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            raise ConfigError(f"{where}: {section} must be a list of entries")
        for item in value_node.value:
            entries.append(_yaml_entry(path, item, _YAML_SECTIONS[section]))
    return IgnoreFile(path, tuple(entries))


def _yaml_entry(path: str, node: Any, kind: FindingKind | None) -> IgnoreEntry:
    import yaml

    line = node.start_mark.line + 1
    where = f"{path}:{line}"
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{where}: an entry must be a mapping with at least an id")
    fields: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in _YAML_ENTRY_KEYS:
            raise ConfigError(f"{path}:{key_node.start_mark.line + 1}: unknown key {key!r} "
                              f"(expected {', '.join(sorted(_YAML_ENTRY_KEYS))})")
        if isinstance(value_node, yaml.ScalarNode):
            fields[key] = value_node.value
        elif isinstance(value_node, yaml.SequenceNode) and all(
                isinstance(v, yaml.ScalarNode) for v in value_node.value):
            fields[key] = [v.value for v in value_node.value]
        else:
            raise ConfigError(f"{path}:{key_node.start_mark.line + 1}: {key} must be a string or a list of strings")
    rule = fields.get("id")
    if not isinstance(rule, str) or not rule.strip():
        raise ConfigError(f"{where}: an entry needs an id (a rule id, vulnerability id or glob)")
    selectors: list[str] = []
    for key in ("paths", "purls"):
        value = fields.get(key, [])
        values = [value] if isinstance(value, str) else value
        for selector in values:
            if key == "purls" and not selector.startswith("pkg:"):
                raise ConfigError(f"{where}: {selector!r} in purls is not a package URL (pkg:...)")
            selectors.append(selector)
    expires: dt.date | None = None
    for key in ("expires", "expired_at"):
        value = fields.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a date")
        try:
            expires = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ConfigError(f"{where}: invalid {key} {value!r} (expected YYYY-MM-DD)") from None
    reason = fields.get("reason") or fields.get("statement") or ""
    if not isinstance(reason, str):
        raise ConfigError(f"{where}: reason must be a string")
    return IgnoreEntry(rule.strip(), "", expires, line, reason.strip(), kind, tuple(selectors))


def read_ignorefile(path: str | None) -> IgnoreFile | None:
    """The ignore file at ``path`` (None: none); ConfigError when it cannot be read or parsed."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(1024 * 1024)
            if path.endswith((".yaml", ".yml")):
                return parse_ignorefile_yaml(path, text)
            return parse_ignorefile(path, text)
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
