"""The orchestration facade: sources -> checks -> suppressions -> filters -> Report."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from stockade.errors import UsageError
from stockade.model import Diagnostic, Finding, Report, Resource, ResourceRef, Tool
from stockade.options import PSS_LEVELS, ScanOptions

if TYPE_CHECKING:
    from stockade.checks import Check, CheckContext, Violation
    from stockade.model import Location
    from stockade.secrets import SecretScanner
    from stockade.source.manifests import LoadLimits, LoadResult, Unit

ProgressCallback = Callable[[str], None]

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200


def scan(
    targets: str | Sequence[str],
    options: ScanOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    stdin: BinaryIO | None = None,
) -> Report:
    """Scan Kubernetes manifests (files, directories, ``-`` for stdin) and return the report.

    ``progress`` is called with each file name as it is read (or once per batch when the scan runs in
    several processes). Raises UsageError/ConfigError for bad options; unreadable inputs become
    diagnostics in the report.
    """
    from stockade import __version__
    from stockade.checks import CheckContext, check_registry
    from stockade.checks.pss import parse_version
    from stockade.engine import apply_suppressions, evaluate, read_ignorefile
    from stockade.source.manifests import LoadLimits, LoadResult, discover, load_unit

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
    if opts.jobs < 0:
        raise UsageError(f"invalid number of jobs {opts.jobs} (0 means one per CPU)")

    ignore = read_ignorefile(opts.ignorefile)
    unknown = [s for s in opts.scanners if s not in ("misconfig", "secret")]
    if unknown:
        raise UsageError(f"unknown scanner {unknown[0]!r} (expected misconfig, secret or none)")
    secret_scanner = None
    if "secret" in opts.scanners:
        from stockade.engine.secrets import load_scanner

        secret_scanner = load_scanner(opts.secret_config)

    checks = check_registry(plugins=opts.plugins).select(opts.rules, opts.skip_rules)
    if "misconfig" not in opts.scanners:
        checks = []
    limits = LoadLimits(max_file_size=opts.max_file_size)
    base_ctx = CheckContext(pss_level=opts.pss_level, pss_version=opts.pss_version, settings=opts.settings)

    loaded = LoadResult()
    units = discover(paths, loaded)
    jobs = min(opts.jobs or os.cpu_count() or 1, 8)
    parallel = jobs > 1 and len(units) >= PARALLEL_MIN_FILES and _can_fork() and "-" not in (u.path for u in units)
    if parallel:
        if progress:
            progress(f"{len(units)} files in {jobs} processes")
        findings, diagnostics = _scan_parallel(units, jobs, limits, checks, base_ctx)
        diagnostics = [*loaded.diagnostics, *diagnostics]
    else:
        for unit in units:
            if progress:
                progress(unit.path)
            load_unit(unit, limits, loaded, stdin)
        ctx = _with_namespaces(base_ctx, [(i, r) for i, r in enumerate(loaded.resources)])
        findings, check_diagnostics = evaluate([*loaded.resources, *loaded.dockerfiles], checks, ctx)
        diagnostics = [*loaded.diagnostics, *check_diagnostics]
    if secret_scanner is not None:
        found, more = _secrets(secret_scanner, units, None if parallel else loaded, limits)
        findings = [*findings, *found]
        diagnostics = [*diagnostics, *more]

    kept, suppressed, ignore_diagnostics = apply_suppressions(findings, ignore, opts.today or dt.date.today())
    kept = [f for f in kept if f.severity in opts.severities]
    return Report(
        tool=Tool(version=__version__),
        target=", ".join(paths),
        findings=tuple(kept),
        suppressed=tuple(suppressed),
        diagnostics=(*diagnostics, *ignore_diagnostics),
    )


def _secrets(scanner: SecretScanner, units: Sequence[Unit], loaded: LoadResult | None,
             limits: LoadLimits) -> tuple[list[Finding], list[Diagnostic]]:
    """Secrets in the text of every file read (Dockerfile ARG/ENV/RUN lines, ConfigMaps, env values,
    Secret stringData ...) and in the base64-decoded data of Kubernetes Secrets. ``loaded``: the resources
    already read (None when workers read them: files that mention a Secret are then read again here)."""
    from stockade.engine.secrets import (
        drop_encoded_duplicates,
        file_findings,
        kubernetes_secret_findings,
        manifest_secret_findings,
    )
    from stockade.source.manifests import LoadResult, load_unit

    files = sorted({u.path for u in units if u.path != "-" and u.kustomize_dir is None})
    findings, diagnostics = file_findings(scanner, files)
    if loaded is not None:
        decoded = kubernetes_secret_findings(scanner, loaded.resources)
    else:
        manifests = [u.path for u in units if not u.dockerfile and u.kustomize_dir is None]
        decoded = manifest_secret_findings(scanner, [(p, p) for p in manifests], limits)
        rendered = LoadResult()
        for unit in units:
            if unit.kustomize_dir is not None:
                load_unit(unit, limits, rendered)
        decoded.extend(kubernetes_secret_findings(scanner, rendered.resources))
    return [*drop_encoded_duplicates(findings, decoded), *decoded], diagnostics


def _with_namespaces(ctx: CheckContext, ordered: Sequence[tuple[Any, Resource]]) -> CheckContext:
    """The context with the scanned Namespace objects; for a duplicate name the last one read wins."""
    from dataclasses import replace

    namespaces = {
        r.name: r for _, r in sorted(ordered, key=lambda pair: pair[0])
        if r.kind == "Namespace" and r.api_version == "v1" and r.name
    }
    return replace(ctx, namespaces=namespaces)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


# --- several processes -----------------------------------------------------------------------------
#
# The files are dealt out in turn to ``jobs`` shares: the parent scans the first share itself, and a
# forked worker scans each other one (it inherits its share, the selected checks and the base context,
# so nothing of that is pickled). Each side loads its files and shares the Namespace objects it found
# (PSS policies of a workload depend on its namespace, wherever that was read); then each evaluates,
# and workers send back findings as plain tuples, which pickle an order of magnitude faster than frozen
# dataclasses; the parent rebuilds them with the rule metadata it already has.

_Packed = tuple[int, str, str, int | None, int | None, str, str, str, str, tuple[str, str, str, str], str]


def _scan_parallel(
    units: Sequence[Unit], jobs: int, limits: LoadLimits, checks: Sequence[Check], base_ctx: CheckContext
) -> tuple[list[Finding], list[Diagnostic]]:
    import multiprocessing

    from stockade.engine import evaluate
    from stockade.errors import ScanError

    mp = multiprocessing.get_context("fork")
    shares = [[(i, u) for i, u in enumerate(units) if i % jobs == index] for index in range(jobs)]
    workers = []
    for index in range(1, jobs):
        parent_end, child_end = mp.Pipe()
        process = mp.Process(
            target=_worker, args=(child_end, shares[index], limits, checks, base_ctx), daemon=True,
            name=f"stockade-{index}",
        )
        process.start()
        child_end.close()
        workers.append((process, parent_end))
    try:
        loaded, origin = _load_share(shares[0], limits)
        found = [(key, r) for key, r in origin if r.kind == "Namespace"]
        for _, conn in workers:
            found.extend(_receive(conn))
        ctx = _with_namespaces(base_ctx, found)
        for _, conn in workers:
            conn.send(ctx.namespaces)
        findings, diagnostics = evaluate([*loaded.resources, *loaded.dockerfiles], checks, ctx)
        diagnostics = [*loaded.diagnostics, *diagnostics]
        for _, conn in workers:
            packed, worker_diagnostics = _receive(conn)
            findings.extend(_unpack(packed, checks))
            diagnostics.extend(worker_diagnostics)
    except (EOFError, OSError) as exc:
        raise ScanError(f"a scan worker process ended unexpectedly: {exc}") from exc
    finally:
        for process, conn in workers:
            conn.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    return findings, diagnostics


def _receive(conn: Any) -> Any:
    from stockade.errors import ScanError

    status, payload = conn.recv()
    if status != "ok":
        raise ScanError(f"a scan worker process failed: {payload}")
    return payload


def _worker(conn: Any, share: list[tuple[int, Unit]], limits: LoadLimits, checks: Sequence[Check],
            base_ctx: CheckContext) -> None:
    import gc
    import traceback
    from dataclasses import replace

    from stockade.engine import iter_violations

    gc.disable()  # a short-lived process that builds no reference cycles worth collecting
    try:
        loaded, origin = _load_share(share, limits)
        conn.send(("ok", [(key, r) for key, r in origin if r.kind == "Namespace"]))
        namespaces = conn.recv()
        ctx = replace(base_ctx, namespaces=namespaces)
        index = {c.meta.id: i for i, c in enumerate(checks)}
        diagnostics: list[Diagnostic] = []
        packed = [
            _pack(index[meta.id], location, ref, v, suppressed_by)
            for meta, location, ref, v, suppressed_by in iter_violations(
                [*loaded.resources, *loaded.dockerfiles], checks, ctx, diagnostics
            )
        ]
        conn.send(("ok", (packed, [*loaded.diagnostics, *diagnostics])))
    except BaseException as exc:  # reported to the parent, which raises ScanError
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        conn.close()


def _load_share(
    share: list[tuple[int, Unit]], limits: LoadLimits
) -> tuple[Any, list[tuple[tuple[int, int], Resource]]]:
    """Load a share of the units; each resource keeps its place in the whole scan's reading order."""
    from stockade.source.manifests import LoadResult, load_unit

    loaded = LoadResult()
    origin: list[tuple[tuple[int, int], Resource]] = []
    for order, unit in share:
        before = len(loaded.resources)
        load_unit(unit, limits, loaded)
        origin.extend(((order, n), r) for n, r in enumerate(loaded.resources[before:]))
    return loaded, origin


def _pack(check_index: int, loc: Location, ref: ResourceRef, v: Violation, suppressed_by: str) -> _Packed:
    ref_tuple = (ref.kind, ref.name, ref.namespace, ref.api_version)
    return (check_index, v.severity.value if v.severity else "", loc.path, loc.line, loc.column, loc.object_path,
            loc.snippet, v.message, v.remediation, ref_tuple, suppressed_by)


def _unpack(packed: Sequence[_Packed], checks: Sequence[Check]) -> list[Finding]:
    from stockade.model import FindingKind, Location, ResourceRef, Severity

    refs: dict[tuple[str, str, str, str], ResourceRef | None] = {}
    out = []
    for (check_index, severity, path, line, column, object_path, snippet, message, remediation, ref_tuple,
         suppressed) in packed:
        meta = checks[check_index].meta
        ref = refs.get(ref_tuple)
        if ref is None and ref_tuple not in refs:
            ref = refs[ref_tuple] = ResourceRef(*ref_tuple) if any(ref_tuple) else None
        out.append(Finding(
            kind=FindingKind.MISCONFIG,
            rule_id=meta.id,
            title=meta.title,
            severity=Severity(severity) if severity else meta.severity,
            location=Location(path, line, column, object_path, snippet=snippet),
            message=message,
            remediation=remediation or meta.remediation,
            resource=ref,
            references=meta.references,
            compliance=meta.compliance,
            suppressed_by=suppressed,
        ))
    return out
