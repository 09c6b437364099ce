from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from rich.cells import cell_len

from stockade.formats.table import TableFormatter, summary_line
from stockade.model import Diagnostic, DiagnosticLevel, Location, Report, Severity

if TYPE_CHECKING:
    from conftest import Builder


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def render(report: Report, width: int = 120, color: bool | None = None) -> str:
    out = io.StringIO()
    TableFormatter(width=width, color=color).render(report, out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "width"), [("full", 120), ("full", 80), ("empty", 120)])
def test_golden(name: str, width: int, request: pytest.FixtureRequest, golden: Callable[[str, str], None]) -> None:
    report: Report = request.getfixturevalue(name)
    golden(f"{name}-{width}.txt", render(report, width))


def test_plain_text_when_not_a_terminal(full: Report) -> None:
    assert "\x1b" not in render(full)


def test_lines_fit_the_width(full: Report) -> None:
    for width in (60, 80, 120):
        lines = render(full, width).splitlines()
        tables = [ln for ln in lines if not ln.startswith("Findings:") and not ln.startswith("deploy/ünïcode")]
        assert max(cell_len(ln) for ln in tables) <= width
        assert all(ln == ln.rstrip() for ln in lines), "no trailing blanks"


def test_colour_on_a_terminal(build: Builder) -> None:
    out = FakeTerminal()
    TableFormatter(width=100).render(build.report((build.finding(severity=Severity.CRITICAL),)), out)
    assert "\x1b[1;31mCRITICAL" in out.getvalue()


@pytest.mark.parametrize(
    ("severity", "sgr"),
    [(Severity.HIGH, "31"), (Severity.MEDIUM, "33"), (Severity.LOW, "34"), (Severity.UNKNOWN, "2")],
)
def test_severity_colours(build: Builder, severity: Severity, sgr: str) -> None:
    out = FakeTerminal()
    TableFormatter(width=100).render(build.report((build.finding(severity=severity),)), out)
    assert f"\x1b[{sgr}m{severity.value}" in out.getvalue()


def test_no_color_is_honoured_by_rich(build: Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = FakeTerminal()
    TableFormatter(width=100).render(build.report((build.finding(severity=Severity.HIGH),)), out)
    assert "\x1b[31m" not in out.getvalue()


def test_color_false_never_colours(build: Builder) -> None:
    out = FakeTerminal()
    TableFormatter(width=100, color=False).render(build.report((build.finding(severity=Severity.CRITICAL),)), out)
    assert "\x1b" not in out.getvalue()


def test_color_true_always_colours(build: Builder) -> None:
    text = render(build.report((build.finding(severity=Severity.CRITICAL),)), color=True)
    assert "\x1b[" in text


def test_empty_report(empty: Report) -> None:
    assert render(empty) == "No findings.\n"


def test_no_findings_but_suppressed_and_diagnostics(build: Builder) -> None:
    report = build.report(
        suppressed=(build.finding(suppressed_by="ignorefile .stockadeignore:1"),),
        diagnostics=(Diagnostic(Location("a.yaml", 2), "yaml", DiagnosticLevel.ERROR, "bad indentation"),),
    )
    text = render(report)
    assert text.endswith("\nNo findings · suppressed: 1 · diagnostics: 1\n")
    assert "a.yaml:2" in text
    assert "STK-K8S-0001" not in text  # suppressed findings are counted, not listed


def test_summary_line(full: Report) -> None:
    assert summary_line(full) == (
        "Findings: 10 (CRITICAL: 1, HIGH: 4, MEDIUM: 3, LOW: 1, UNKNOWN: 1) · suppressed: 2 · diagnostics: 4"
        " · files with findings: 6"
    )
    assert render(full).endswith(summary_line(full) + "\n")


def test_grouped_by_file_then_object(full: Report) -> None:
    lines = render(full).splitlines()
    headings = [ln for ln in lines if ln and not ln.startswith(" ") and not ln.startswith("Findings:")]
    assert headings == [
        "(standard input)",
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "app/.env",
        "deploy/app.yaml",
        "deploy/ünïcode dir/app.yaml",
        "lib/apk/db/installed",
        "Diagnostics",
    ]
    objects = [ln.strip() for ln in lines if ln.startswith("  ") and not ln.startswith("   ")]
    assert [o for o in objects if "/" in o and not o.startswith("─")] == [
        "Pod/hostnet",
        "Pod/kube-system/kube-apiserver",
        "Deployment/prod/web",
        "CronJob/prod/cleanup",
        "Pod/default/café",
    ]


def row_of(text: str, rule_id: str = "STK-K8S-0001") -> list[str]:
    return next(ln for ln in text.splitlines() if rule_id in ln).split()


def test_line_and_field(build: Builder) -> None:
    text = render(build.report((build.finding(object_path="spec.hostNetwork", line=12),)))
    assert row_of(text)[:3] == ["HIGH", "STK-K8S-0001", "12"]
    assert "spec.hostNetwork" in [ln.strip() for ln in text.splitlines()]


def test_long_object_path_breaks_between_fields_and_stays_in_reading_order(build: Builder) -> None:
    path = "spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsNonRoot"
    text = render(build.report((build.finding(object_path=path, line=44),)), width=60)
    lines = text.splitlines()
    pieces = [ln.strip() for ln in lines if ln.strip().startswith(("spec.", "."))]
    assert len(pieces) > 1
    assert "".join(pieces) == path
    assert all(p.startswith(".") for p in pieces[1:])
    assert any("containers[0]" in p for p in pieces)  # an index stays with its field
    assert path in "".join(text.split())  # copy or grep of the squeezed output finds it


def test_finding_without_line(build: Builder) -> None:
    text = render(build.report((build.finding(line=None, object_path="", resource=None, message="m"),)))
    assert row_of(text) == ["HIGH", "STK-K8S-0001", "-", "Container", "allows", "privilege", "escalation"]


def test_finding_without_line_with_field(build: Builder) -> None:
    text = render(build.report((build.finding(line=None, object_path="spec.hostPID"),)))
    assert row_of(text)[:3] == ["HIGH", "STK-K8S-0001", "-"]
    assert "spec.hostPID" in text


def test_unicode_message(build: Builder) -> None:
    text = render(build.report((build.finding(message=build.UNICODE_MESSAGE),)), width=200)
    assert build.UNICODE_MESSAGE in text


def test_long_message_is_wrapped_not_cut(build: Builder) -> None:
    text = render(build.report((build.finding(message=build.LONG_MESSAGE),)), width=100)
    words = [w for ln in text.splitlines() for w in ln.split()]
    for word in build.LONG_MESSAGE.split():
        assert word in words


def test_markup_in_input_is_printed_literally(build: Builder) -> None:
    message = "image [bold red]evil[/] :smile: [link=http://x]y[/link]"
    text = render(build.report((build.finding(message=message),)), width=160)
    assert message in text


def test_hostile_text_cannot_drive_the_terminal(build: Builder) -> None:
    finding = build.finding(
        title="t\x1b]0;owned\x07",
        path="evil\x1b[2J\n.yaml",
        object_path="spec.x\x1b[31m",
        message="a\x1b[31mred\x1b[0m \u202egnp.exe\nsecond line\tend",
        resource=build.WEB,
    )
    diag = Diagnostic(Location("x\x9b.yaml", 1), "yaml\x1b", DiagnosticLevel.ERROR, "bad\x1b[H")
    text = render(build.report((finding,), diagnostics=(diag,)), width=160)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\x9b" not in text
    assert "evil\\x1b[2J\\x0a.yaml" in text
    assert "t\\x1b]0;owned\\x07" in text
    assert "a\\x1b[31mred\\x1b[0m \\u202egnp.exe" in text
    assert "second line end" in text  # line breaks kept in messages, tabs become spaces
    assert "spec.x\\x1b[31m" in text
    assert "x\\x9b.yaml:1" in text and "bad\\x1b[H [yaml\\x1b]" in text


def test_vuln_row_shows_package_and_fix(full: Report) -> None:
    text = render(full, width=200)
    libssl = next(line for line in text.splitlines() if "libssl3" in line).split()
    assert libssl[:6] == ["libssl3", "CVE-2024-12345", "HIGH", "-", "3.1.4-r0", "3.1.4-r1"]
    musl = next(line for line in text.splitlines() if line.strip().startswith("musl")).split()
    assert musl[:6] == ["musl", "CVE-2023-99999", "UNKNOWN", "-", "1.2.4_git20230717-r4", "-"]


def test_diagnostics_table(full: Report) -> None:
    text = render(full)
    diag = text[text.index("\nDiagnostics\n") :]
    rows = [ln.split(None, 2) for ln in diag.splitlines() if ln.startswith(("   info", "   warning", "   error"))]
    assert [r[:2] for r in rows] == [
        ["info", ".stockadeignore:4"],
        ["warning", "deploy/app.yaml:5"],
        ["error", "deploy/broken.yaml:7"],
        ["warning", "deploy/huge.yaml"],
    ]
    assert "mapping values are not allowed here [yaml]" in diag


def test_no_diagnostics_section_without_diagnostics(build: Builder) -> None:
    assert "Diagnostics" not in render(build.report((build.finding(),)))
