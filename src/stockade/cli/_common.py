"""Flags and output handling shared by the scanning commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from stockade.errors import EXIT_FAILURE, EXIT_OK, UsageError
from stockade.model import DiagnosticLevel, Report, Severity

DEFAULT_IGNOREFILE = ".stockadeignore"
DEFAULT_IGNOREFILE_YAML = ".stockadeignore.yaml"
REPORT_FORMATS = ("table", "json", "sarif")


def add_report_flags(parser: argparse.ArgumentParser) -> None:
    out = parser.add_argument_group("report")
    out.add_argument("-f", "--format", choices=REPORT_FORMATS, default="table", help="report format (default: table)")
    out.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress and no messages on standard error")
    sel = parser.add_argument_group("selection and filtering")
    sel.add_argument(
        "--severity", metavar="LIST", default=",".join(s.value for s in Severity),
        help="severities to report, comma-separated (default: all)",
    )
    sel.add_argument("--rules", metavar="GLOB", action="append", default=[],
                     help="run only rules whose id matches (repeatable, comma-separated)")
    sel.add_argument("--skip-rules", metavar="GLOB", action="append", default=[],
                     help="do not run rules whose id matches (repeatable, comma-separated)")
    sel.add_argument("--ignorefile", metavar="FILE", default=None,
                     help=f"ignore file: RULE [PATH-GLOB] [exp:YYYY-MM-DD] per line, or the YAML form in *.yaml "
                          f"(default: {DEFAULT_IGNOREFILE}, else {DEFAULT_IGNOREFILE_YAML})")
    gate = parser.add_argument_group("exit status")
    gate.add_argument("--exit-code", metavar="N", type=int, default=0,
                      help="exit with N when findings remain after filtering (default: 0)")
    gate.add_argument("--strict", action="store_true",
                      help="input problems (diagnostics of level warning or error) fail the run (exit 3)")


def parse_severities(text: str) -> frozenset[Severity]:
    try:
        return frozenset(Severity.parse(s) for s in text.split(",") if s.strip())
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def split_globs(values: list[str]) -> tuple[str, ...]:
    return tuple(g.strip() for v in values for g in v.split(",") if g.strip())


def resolve_ignorefile(value: str | None) -> str | None:
    if value is not None:
        if not os.path.isfile(value):
            raise UsageError(f"ignore file {value} does not exist")
        return value
    for default in (DEFAULT_IGNOREFILE, DEFAULT_IGNOREFILE_YAML):
        if os.path.isfile(default):
            return default
    return None


@contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def write_report(report: Report, args: argparse.Namespace) -> None:
    from stockade.formats import get_formatter

    formatter = get_formatter(args.format)
    with output_stream(args.output) as out:
        formatter.render(report, out)
    if not args.quiet and (args.output or args.format != "table"):
        counts = report.severity_counts()
        summary = ", ".join(f"{sev.value}: {n}" for sev, n in counts.items() if n)
        dest = f" -> {args.output}" if args.output else ""
        sys.stderr.write(
            f"stockade: {len(report.findings)} findings"
            + (f" ({summary})" if summary else "")
            + f", {len(report.diagnostics)} diagnostics{dest}\n"
        )


def exit_status(report: Report, args: argparse.Namespace) -> int:
    """``--strict`` diagnostics -> 3; else ``--exit-code N`` when findings count: all of them, or (for the
    commands that have these flags) only those at or above ``--fail-on`` and, with ``--fixable-only``, fixable."""
    if args.strict and any(d.level is not DiagnosticLevel.INFO for d in report.diagnostics):
        return EXIT_FAILURE
    counted = list(report.findings)
    fail_on = getattr(args, "fail_on", None)
    if fail_on:
        try:
            threshold = Severity.parse(fail_on)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        counted = [f for f in counted if f.severity.rank >= threshold.rank]
    if getattr(args, "fixable_only", False):
        counted = [f for f in counted if f.fixed_version]
    if counted and args.exit_code:
        code: int = args.exit_code
        return code
    return EXIT_OK
