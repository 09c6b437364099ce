"""Human-readable output (``--format table``), rendered with rich.

Findings are grouped by file, then by object (``Deployment/ns/name``); diagnostics follow in a table of
their own, then one summary line. Colour is used only when ``out`` is a terminal (rich decides, and honours
``NO_COLOR``); this module never reads the environment itself. Text from the scanned input is printed with
control characters escaped, so it cannot drive the terminal. ``rich`` is imported inside ``render`` so
importing the formats stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TextIO, TypeVar

from stockade.model import Diagnostic, DiagnosticLevel, Finding, FindingKind, Report, ResourceRef, Severity

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement
    from rich.table import Table

__all__ = ["TableFormatter", "summary_line"]

K = TypeVar("K", bound=Hashable)

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.UNKNOWN: "dim",
}

LEVEL_STYLE = {
    DiagnosticLevel.ERROR: "red",
    DiagnosticLevel.WARNING: "yellow",
    DiagnosticLevel.INFO: "dim",
}


@dataclass(frozen=True, slots=True)
class TableFormatter:
    """``--format table``.

    ``width`` fixes the line width (default: the terminal's width, or 80 when ``out`` is not a terminal).
    ``color``: ``None`` lets rich decide from ``out`` (colour only on a terminal, ``NO_COLOR`` honoured),
    ``False`` never colours, ``True`` always does.
    """

    width: int | None = None
    color: bool | None = None
    list_packages: bool = False  # one row per package (else a count per ecosystem), for inventory reports
    show_suppressed: bool = False  # also list suppressed findings, with what suppressed them
    name: ClassVar[str] = "table"
    media_type: ClassVar[str] = "text/plain"

    def render(self, report: Report, out: TextIO) -> None:
        from rich.console import Console

        console = Console(
            file=out,
            width=self.width,
            force_terminal=True if self.color else None,
            no_color=True if self.color is False else None,
            color_system=None if self.color is False else "auto",
            highlight=False,
            emoji=False,
            markup=False,
            soft_wrap=False,
        )
        with console.capture() as capture:
            if report.artifact is not None:
                _render_inventory(console, report, self.list_packages)
            _render(console, report, self.show_suppressed)
        text = capture.get()
        # Table cells are padded to the column width; trailing blanks only get in the way of a reader
        # who copies the output (and of golden files).
        out.write("\n".join(line.rstrip(" ") for line in text.split("\n")))


def _render(console: Console, report: Report, show_suppressed: bool = False) -> None:
    from rich.padding import Padding
    from rich.text import Text

    # Columns line up across the per-object tables: the rule column is as wide as the widest rule id.
    rule_width = max((len(f.rule_id) for f in report.findings if f.kind is not FindingKind.VULN), default=0)
    for path, findings in _group(report.findings, key=lambda f: f.location.path):
        console.print(Text(_path_label(path), style="bold underline"), soft_wrap=True)
        vulns = [f for f in findings if f.kind is FindingKind.VULN]
        if vulns:  # a package database or lockfile: one table of its vulnerabilities
            console.print(Padding(_vuln_table(vulns), (0, 0, 0, 2)))
        for resource, group in _group([f for f in findings if f.kind is not FindingKind.VULN],
                                      key=lambda f: f.resource):
            if resource is not None:
                console.print(Text(f"  {_resource_label(resource)}", style="bold"), soft_wrap=True)
            console.print(Padding(_findings_table(group, rule_width), (0, 0, 0, 2)))
        console.print()

    if show_suppressed and report.suppressed:
        console.print(Text("Suppressed", style="bold underline"))
        for f in report.suppressed:
            console.print(Text(f"  {_safe(f.rule_id)} {_safe(f.location.path)}: {_safe(f.suppressed_by)}"),
                          soft_wrap=True)
        console.print()

    if report.diagnostics:
        console.print(Text("Diagnostics", style="bold underline"))
        console.print(Padding(_diagnostics_table(report.diagnostics), (0, 0, 0, 2)))
        console.print()

    console.print(Text(summary_line(report)), soft_wrap=True)


def _group(items: Iterable[Finding], key: Callable[[Finding], K]) -> list[tuple[K, list[Finding]]]:
    """Group by ``key`` in order of first appearance (the report's sort order), keeping item order."""
    groups: dict[K, list[Finding]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.items())


def _path_label(path: str) -> str:
    if path == "-":
        return "(standard input)"
    return _safe(path) or "(no path)"


def _resource_label(ref: ResourceRef) -> str:
    return _safe(str(ref) if ref.name or ref.namespace else ref.kind) or "(unnamed object)"


def _unsafe_characters() -> dict[int, str]:
    codes = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F)]
    codes += range(0x2066, 0x206A)
    return {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in codes}


# Control characters (terminal escape sequences, carriage returns) and bidirectional overrides in file
# names, YAML values or advisory text would let a scanned artifact rewrite what the terminal shows. They are
# printed escaped, as ``\x1b`` or ``\u202e``. Messages may keep their line breaks.
_UNSAFE = _unsafe_characters()
_UNSAFE_IN_TEXT = {**{c: v for c, v in _UNSAFE.items() if c != 0x0A}, 0x09: " "}


def _safe(text: str, *, multiline: bool = False) -> str:
    return text.translate(_UNSAFE_IN_TEXT if multiline else _UNSAFE)


def _vuln_table(findings: Sequence[Finding]) -> Table:
    """Library / Vulnerability / Severity / Status / Installed / Fixed / Title, most severe first."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False, expand=True)
    table.add_column("Library", overflow="fold", ratio=2)
    table.add_column("Vulnerability", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Status", overflow="fold")
    table.add_column("Installed", overflow="fold", ratio=1)
    table.add_column("Fixed", overflow="fold", ratio=1)
    table.add_column("Title", overflow="fold", ratio=3)
    ordered = sorted(findings, key=lambda f: (f.package.name if f.package else "", -f.severity.rank, f.rule_id))
    for f in ordered:
        library = Text(_safe(f.package.name if f.package else "-"))
        if f.package is not None and f.package.layer is not None:
            library.append(f"\nlayer {f.package.layer.index + 1}", style="dim")
        table.add_row(
            library, Text(_safe(f.rule_id)), Text(f.severity.value, style=SEVERITY_STYLE[f.severity]),
            Text(_safe(f.status.replace("_", " ")) or "-"), Text(_safe(f.installed_version) or "-"),
            Text(_safe(f.fixed_version) or "-"), Text(_safe(f.title)),
        )
    return table


def _findings_table(findings: Sequence[Finding], rule_width: int) -> Table:
    from rich import box
    from rich.console import Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False, expand=True)
    table.add_column("Severity", no_wrap=True, min_width=8)
    table.add_column("Rule", no_wrap=True, min_width=rule_width)
    table.add_column("Line", no_wrap=True, justify="right", min_width=4)
    table.add_column("Finding / field", overflow="fold", ratio=1)
    for f in findings:
        what = Text(_safe(f.title or f.rule_id), style="bold")
        if f.message and f.message != f.title:
            what.append("\n")
            what.append(_safe(f.message, multiline=True))
        cell: list[RenderableType] = [what]
        if f.location.object_path:
            cell.append(_ObjectPath(_safe(f.location.object_path)))
        elif f.location.snippet:
            cell.append(Text(_safe(f.location.snippet), style="dim"))
        pkg = _package_line(f)
        if pkg:
            cell.append(Text(_safe(pkg), style="dim"))
        if f.layer is not None:
            created = f" {f.layer.created_by}" if f.layer.created_by else ""
            cell.append(Text(_safe(f"layer {f.layer.index}{created}"), style="dim"))
        table.add_row(
            Text(f.severity.value, style=SEVERITY_STYLE[f.severity]),
            Text(_safe(f.rule_id)),
            Text(str(f.location.line) if f.location.line else "-"),
            Group(*cell) if len(cell) > 1 else what,
        )
    return table


class _ObjectPath:
    """``spec.template.spec.containers[0].securityContext.privileged``, wrapped before ``.field`` (and before
    a quoted key) so a long path breaks between fields instead of inside a name. It is the last thing in the
    last column, so its pieces stay in reading order: copy or grep still finds the whole path."""

    def __init__(self, object_path: str) -> None:
        self.path = object_path
        self.tokens = [t for t in _PATH_BREAK.split(object_path) if t]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        longest = max((len(t) for t in self.tokens), default=0)
        return Measurement(min(longest, 24), len(self.path))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        width = max(options.max_width, 1)
        lines: list[str] = []
        current = ""
        for token in self.tokens:
            if current and len(current) + len(token) > width:
                lines.append(current)
                current = ""
            rest = token
            while len(current) + len(rest) > width:  # a single name longer than the column: fold it
                room = max(width - len(current), 1)
                lines.append(current + rest[:room])
                rest, current = rest[room:], ""
            current += rest
        lines.append(current)
        yield Text("\n".join(lines), style="cyan", no_wrap=True, overflow="fold")


# Break before ".field" and before '["quoted key"]', never before an index ("containers[0]" stays whole).
_PATH_BREAK = re.compile(r'(?=\.)|(?=\[")')


def _package_line(f: Finding) -> str:
    name = f.package.name if f.package is not None else ""
    installed = f.installed_version or (f.package.version if f.package is not None else "")
    if not name and not installed:
        return ""
    text = " ".join(p for p in (name, installed) if p)
    fixed = f"fixed in {f.fixed_version}" if f.fixed_version else "no fix available"
    return f"{text} ({fixed})"


def _render_inventory(console: Console, report: Report, list_packages: bool) -> None:
    """The artifact (name, OS, digest, config user) and its packages, before any findings."""
    from rich import box
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    artifact = report.artifact
    assert artifact is not None
    console.print(Text(f"{artifact.kind.capitalize()} {_safe(artifact.name)}", style="bold underline"), soft_wrap=True)
    facts = []
    if artifact.os is not None:
        facts.append(("OS", _safe(artifact.os.name or f"{artifact.os.family} {artifact.os.version}".strip())))
    if artifact.digest:
        facts.append(("Digest", artifact.digest))
    if artifact.config is not None:
        cfg = artifact.config
        if cfg.architecture:
            facts.append(("Platform", "/".join(p for p in (cfg.os, cfg.architecture, cfg.variant) if p)))
        facts.append(("User", _safe(cfg.user) or "(root)"))
    if artifact.layers:
        facts.append(("Layers", str(len(artifact.layers))))
    for label, value in facts:
        console.print(Text(f"  {label + ':':<10}{value}"), soft_wrap=True)
    console.print()
    if not report.packages:
        console.print(Text("No packages found."))
        console.print()
        return
    if list_packages:
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False, expand=True)
        table.add_column("Package", overflow="fold", ratio=2)
        table.add_column("Version", overflow="fold", ratio=1)
        table.add_column("Type", no_wrap=True)
        table.add_column("Source / location", overflow="fold", ratio=3)
        for pkg in report.packages:
            where = pkg.locations[0].path if pkg.locations else ""
            if pkg.source_name and (pkg.source_name, pkg.source_version) != (pkg.name, pkg.version):
                where = f"src:{pkg.source_name} {pkg.source_version}".rstrip()
            if pkg.layer is not None:
                where += f" (layer {pkg.layer.index + 1})"
            table.add_row(_safe(pkg.name), _safe(pkg.version), pkg.ecosystem, _safe(where))
        console.print(Padding(table, (0, 0, 0, 2)))
        console.print()
    counts: dict[str, int] = {}
    for pkg in report.packages:
        counts[pkg.ecosystem] = counts.get(pkg.ecosystem, 0) + 1
    listing = ", ".join(f"{eco} {n}" for eco, n in sorted(counts.items()))
    hint = "" if list_packages else " (--list-all-pkgs lists them)"
    console.print(Text(f"Packages: {len(report.packages)} ({listing}){hint}"), soft_wrap=True)
    console.print()


def _diagnostics_table(diagnostics: Sequence[Diagnostic]) -> Table:
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    # Location and message share one column, the location on its own line: a long path must not squeeze
    # the message into a sliver on a narrow terminal.
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False, expand=True)
    table.add_column("Level", no_wrap=True, min_width=7)
    table.add_column("Location / message", overflow="fold", ratio=1)
    for d in diagnostics:
        where = d.location.path + (f":{d.location.line}" if d.location.line else "")
        message = Text(_safe(d.message, multiline=True))
        if d.source:
            message.append(f" [{_safe(d.source)}]", style="dim")
        table.add_row(
            Text(d.level.value, style=LEVEL_STYLE[d.level]), Group(Text(_safe(where) or "-", style="bold"), message)
        )
    return table


def summary_line(report: Report) -> str:
    """``Findings: 12 (CRITICAL: 1, ...) · suppressed: 1 · diagnostics: 2 · files with findings: 3``."""
    extras = f"suppressed: {len(report.suppressed)} · diagnostics: {len(report.diagnostics)}"
    if not report.findings:
        if not report.suppressed and not report.diagnostics:
            return "No findings."
        return f"No findings · {extras}"
    counts = dict.fromkeys(Severity, 0)
    for f in report.findings:
        counts[f.severity] += 1
    by_severity = ", ".join(f"{sev.value}: {n}" for sev, n in counts.items())
    files = len({f.location.path for f in report.findings})
    return f"Findings: {len(report.findings)} ({by_severity}) · {extras} · files with findings: {files}"
