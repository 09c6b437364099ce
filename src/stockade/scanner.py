"""The orchestration facade: sources -> checks -> suppressions -> filters -> Report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import BinaryIO

from stockade.errors import ConfigError, UsageError
from stockade.model import Report, Resource, Tool
from stockade.options import PSS_LEVELS, ScanOptions

ProgressCallback = Callable[[str], None]


def scan(
    targets: str | Sequence[str],
    options: ScanOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    stdin: BinaryIO | None = None,
) -> Report:
    """Scan Kubernetes manifests (files, directories, ``-`` for stdin) and return the report.

    ``progress`` is called with each file name as it is read. Raises UsageError/ConfigError for bad
    options; unreadable inputs become diagnostics in the report.
    """
    from stockade import __version__
    from stockade.checks import CheckContext, check_registry
    from stockade.checks.pss import parse_version
    from stockade.engine import apply_suppressions, evaluate, parse_ignorefile
    from stockade.source.manifests import LoadLimits, load_manifests

    opts = options or ScanOptions()
    paths = [targets] if isinstance(targets, str) else list(targets)
    if not paths:
        raise UsageError("nothing to scan: give at least one file or directory")
    if opts.pss_level not in PSS_LEVELS:
        raise UsageError(f"unknown Pod Security level {opts.pss_level!r} (expected {', '.join(PSS_LEVELS)})")
    try:
        parse_version(opts.pss_version)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    ignore = None
    if opts.ignorefile:
        try:
            with open(opts.ignorefile, encoding="utf-8") as handle:
                ignore = parse_ignorefile(opts.ignorefile, handle.read(1024 * 1024))
        except OSError as exc:
            raise ConfigError(f"cannot read ignore file {opts.ignorefile}: {exc.strerror or exc}") from None

    registry = check_registry(plugins=opts.plugins)
    selected = registry.select(opts.rules, opts.skip_rules)

    loaded = load_manifests(paths, LoadLimits(max_file_size=opts.max_file_size), stdin=stdin, on_file=progress)
    ctx = CheckContext(
        pss_level=opts.pss_level,
        pss_version=opts.pss_version,
        namespaces=_namespaces(loaded.resources),
        settings=opts.settings,
    )
    findings, check_diagnostics = evaluate(loaded.resources, selected, ctx)
    kept, suppressed, ignore_diagnostics = apply_suppressions(findings, ignore, opts.today or dt.date.today())
    kept = [f for f in kept if f.severity in opts.severities]
    return Report(
        tool=Tool(version=__version__),
        target=", ".join(paths),
        findings=tuple(kept),
        suppressed=tuple(suppressed),
        diagnostics=(*loaded.diagnostics, *check_diagnostics, *ignore_diagnostics),
    )


def _namespaces(resources: Sequence[Resource]) -> dict[str, Resource]:
    return {r.name: r for r in resources if r.kind == "Namespace" and r.api_version == "v1" and r.name}
