"""The YAML ignore file: sections per finding kind, paths and purls, expiry, reasons, errors with lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from stockade.engine import apply_suppressions, read_ignorefile
from stockade.engine.suppress import parse_ignorefile_yaml
from stockade.errors import ConfigError
from stockade.model import Finding, FindingKind, Location, Package, Severity

TEXT = """\
vulnerabilities:
  - id: CVE-2023-4863
    purls: [pkg:deb/debian/libwebp7]
    expires: 2026-12-31
    reason: the image never decodes WebP
  - id: GHSA-*
    paths: ["app/package-lock.json"]
    statement: dev tooling only
misconfigurations:
  - id: STK-K8S-0007
    paths:
      - deploy/legacy/*.yaml
secrets:
rules:
  - id: STK-DF-*
"""


def finding(kind: FindingKind, rule: str, path: str, purl: str = "", aliases: tuple[str, ...] = ()) -> Finding:
    package = Package(name="p", version="1", ecosystem="deb", purl=purl) if purl else None
    return Finding(kind, rule, "t", Severity.HIGH, Location(path), "m", package=package, aliases=aliases)


def test_entries_carry_kind_selectors_expiry_and_reason() -> None:
    ignore = parse_ignorefile_yaml("i.yaml", TEXT)
    got = [(e.rule, e.kind, e.selectors, e.expires, e.line, e.reason) for e in ignore.entries]
    assert got == [
        ("CVE-2023-4863", FindingKind.VULN, ("pkg:deb/debian/libwebp7",), dt.date(2026, 12, 31), 2,
         "the image never decodes WebP"),
        ("GHSA-*", FindingKind.VULN, ("app/package-lock.json",), None, 6, "dev tooling only"),
        ("STK-K8S-0007", FindingKind.MISCONFIG, ("deploy/legacy/*.yaml",), None, 10, ""),
        ("STK-DF-*", None, (), None, 15, ""),
    ]


def test_matching_respects_kind_purl_path_and_aliases() -> None:
    ignore = parse_ignorefile_yaml("i.yaml", TEXT)
    findings = [
        finding(FindingKind.VULN, "DSA-5496-1", "img", "pkg:deb/debian/libwebp7@1.2.4-0.2?arch=amd64",
                aliases=("CVE-2023-4863",)),  # an alias matches, the purl matches without version
        finding(FindingKind.VULN, "CVE-2023-4863", "img", "pkg:deb/debian/libwebp-dev@1.2.4"),  # other package
        finding(FindingKind.VULN, "GHSA-aaaa-bbbb-cccc", "app/package-lock.json"),
        finding(FindingKind.VULN, "GHSA-aaaa-bbbb-cccc", "other/package-lock.json"),
        finding(FindingKind.MISCONFIG, "STK-K8S-0007", "deploy/legacy/a.yaml"),
        finding(FindingKind.SECRET, "STK-K8S-0007", "deploy/legacy/a.yaml"),  # wrong kind for the section
        finding(FindingKind.MISCONFIG, "STK-DF-0003", "Dockerfile"),
    ]
    kept, suppressed, diagnostics = apply_suppressions(findings, ignore, dt.date(2026, 11, 24))
    assert [f.rule_id for f in kept] == ["CVE-2023-4863", "GHSA-aaaa-bbbb-cccc", "STK-K8S-0007"]
    assert [f.suppressed_by for f in suppressed] == [
        "ignorefile i.yaml:2: the image never decodes WebP",
        "ignorefile i.yaml:6: dev tooling only",
        "ignorefile i.yaml:10",
        "ignorefile i.yaml:15",
    ]
    assert diagnostics == []


def test_expired_entry_is_reported_and_not_applied() -> None:
    ignore = parse_ignorefile_yaml("i.yaml", "vulnerabilities:\n  - id: CVE-1\n    expired_at: 2025-01-01\n")
    kept, suppressed, diagnostics = apply_suppressions(
        [finding(FindingKind.VULN, "CVE-1", "x")], ignore, dt.date(2025, 1, 2))
    assert (len(kept), len(suppressed)) == (1, 0)
    assert [d.message for d in diagnostics] == ["ignore entry for CVE-1 expired on 2025-01-01; no longer applied"]
    assert diagnostics[0].location.line == 2


@pytest.mark.parametrize(("text", "message"), [
    ("- CVE-1\n", r"^i\.yaml:1: expected a mapping"),
    ("vulns:\n  - id: CVE-1\n", r"^i\.yaml:1: unknown section 'vulns'"),
    ("vulnerabilities: CVE-1\n", r"^i\.yaml:1: vulnerabilities must be a list"),
    ("vulnerabilities:\n  - CVE-1\n", r"^i\.yaml:2: an entry must be a mapping"),
    ("vulnerabilities:\n  - paths: [a]\n", r"^i\.yaml:2: an entry needs an id"),
    ("vulnerabilities:\n  - id: CVE-1\n    until: 2026-01-01\n", r"^i\.yaml:3: unknown key 'until'"),
    ("vulnerabilities:\n  - id: CVE-1\n    expires: soon\n", r"^i\.yaml:2: invalid expires 'soon'"),
    ("vulnerabilities:\n  - id: CVE-1\n    purls: [debian/libc6]\n", r"^i\.yaml:2: 'debian/libc6' in purls"),
    ("vulnerabilities:\n  - id: CVE-1\n    paths: {a: b}\n", r"^i\.yaml:3: paths must be a string or a list"),
    ("vulnerabilities:\n  - id: [CVE-1\n", r"^i\.yaml:\d+: not valid YAML"),
    ("a: &a [*a]\n", r"^i\.yaml:1: unknown section 'a'"),
])
def test_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_ignorefile_yaml("i.yaml", text)


def test_empty_file_and_empty_sections_ignore_nothing() -> None:
    assert parse_ignorefile_yaml("i.yaml", "").entries == ()
    assert parse_ignorefile_yaml("i.yaml", "secrets:\nrules: []\n").entries == ()


def test_the_reader_picks_the_form_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "ignore.yaml").write_text("rules:\n  - id: STK-K8S-0001\n")
    (tmp_path / "ignore").write_text("STK-K8S-0001  # plain form\n")
    yaml_form = read_ignorefile(str(tmp_path / "ignore.yaml"))
    line_form = read_ignorefile(str(tmp_path / "ignore"))
    assert yaml_form is not None and line_form is not None
    assert [(e.rule, e.line) for e in yaml_form.entries] == [("STK-K8S-0001", 2)]
    assert [(e.rule, e.reason) for e in line_form.entries] == [("STK-K8S-0001", "plain form")]
