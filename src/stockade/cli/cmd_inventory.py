"""``stockade image|rootfs|fs|sbom TARGET``: what is inside an artifact, as a package list or an SBOM."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from stockade.cli._common import exit_status, output_stream
from stockade.errors import UsageError
from stockade.model import Severity

INVENTORY_FORMATS = ("table", "json", "sarif", "cyclonedx", "spdx-json")

_COMMANDS = {
    "image": ("inventory of a container image: OS and language packages, per layer",
              "Inventory a container image: a docker-archive or OCI archive tarball (plain or gzipped), an OCI "
              "layout directory (PATH[:TAG] or PATH@DIGEST; oci:, oci-archive:, docker-archive: prefixes as in "
              "skopeo), or a registry reference (alpine:3.19, docker://host:5000/app@sha256:...)."),
    "rootfs": ("inventory of an unpacked root filesystem",
               "Inventory an unpacked root filesystem (OS packages and installed language packages)."),
    "fs": ("packages declared by a project's lockfiles and manifests",
           "List the packages a project tree declares in its lockfiles (requirements.txt, poetry.lock, "
           "package-lock.json, yarn.lock, go.mod, Cargo.lock, pom.xml, ...)."),
    "sbom": ("read a CycloneDX or SPDX JSON SBOM back into packages",
             "Read a CycloneDX (1.2-1.6) or SPDX (2.2/2.3) JSON SBOM and list its packages."),
}


def default_cache_dir() -> str:
    """``$STOCKADE_CACHE_DIR``, else ``$XDG_CACHE_HOME/stockade``, else ``~/.cache/stockade``."""
    explicit = os.environ.get("STOCKADE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "stockade")


def register(sub: Any) -> None:
    for name, (summary, description) in _COMMANDS.items():
        parser: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=description)
        parser.add_argument("target", metavar="TARGET" if name == "image" else "PATH")
        out = parser.add_argument_group("report")
        out.add_argument("-f", "--format", choices=INVENTORY_FORMATS, default="table",
                         help="report format: table, json, sarif (vulnerabilities), cyclonedx (CycloneDX 1.6 JSON "
                              "with a vulnerabilities section), spdx-json (SPDX 2.3)")
        out.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
        out.add_argument("-q", "--quiet", action="store_true", help="no progress and no messages on standard error")
        out.add_argument("--list-all-pkgs", action="store_true",
                         help="list every package in the table (JSON and SBOM formats always list them)")
        out.add_argument("--strict", action="store_true",
                         help="input problems (diagnostics of level warning or error) fail the run (exit 3)")
        vuln = parser.add_argument_group("vulnerabilities")
        vuln.add_argument("--scanners", default=None, metavar="LIST",
                          help="what to look for besides the inventory, comma-separated: vuln, secret "
                               "(default: vuln,secret; for sbom: vuln), or none")
        vuln.add_argument("--secret-config", metavar="FILE", action="append", default=[],
                          help="secret rule file: add, override or disable rules (repeatable; see docs/secrets.md)")
        vuln.add_argument("--db", metavar="PATH", default=None,
                          help="advisory database (default: <cache dir>/vulndb/osv.sqlite; see 'stockade db')")
        vuln.add_argument("--db-max-age", metavar="DAYS", type=int, default=7,
                          help="warn when the database is older than this (default: 7); never a failure")
        vuln.add_argument("--severity", metavar="LIST", default=",".join(s.value for s in Severity),
                          help="severities to report, comma-separated (default: all)")
        vuln.add_argument("--ignore-unfixed", action="store_true", help="only vulnerabilities with a released fix")
        vuln.add_argument("--ignore-status", metavar="LIST", default="",
                          help="drop these statuses (comma-separated): affected, will_not_fix, fix_deferred, "
                               "end_of_life")
        vuln.add_argument("--vex", metavar="FILE", action="append", default=[],
                          help="OpenVEX or CycloneDX VEX document (repeatable)")
        vuln.add_argument("--ignorefile", metavar="FILE", default=None,
                          help="ignore file (default: .stockadeignore when present): ID [PATH-GLOB|PURL] [exp:DATE]")
        vuln.add_argument("--show-suppressed", action="store_true", help="also list suppressed findings")
        vuln.add_argument("--vuln-severity-source", metavar="LIST", default="",
                          help="severity preference order: cvss_v3,cvss_v4,cvss_v2,source (default)")
        gate = parser.add_argument_group("exit status")
        gate.add_argument("--exit-code", metavar="N", type=int, default=0,
                          help="exit with N when findings remain after filtering (default: 0)")
        gate.add_argument("--fail-on", metavar="SEVERITY", default=None,
                          help="with --exit-code: only findings of this severity or higher count")
        gate.add_argument("--fixable-only", action="store_true",
                          help="with --exit-code: only findings with a released fix count")
        if name != "sbom":
            scan = parser.add_argument_group("scan")
            scan.add_argument("--cache-dir", metavar="DIR", default=None,
                              help="layer cache and temporary files (default: $XDG_CACHE_HOME/stockade)")
            scan.add_argument("--no-cache", action="store_true", help="neither read nor write the layer cache")
            scan.add_argument("-j", "--jobs", metavar="N", type=int, default=0,
                              help="layers analysed in parallel (default: one per CPU)")
            scan.add_argument("--max-file-size", metavar="SIZE", default="1G",
                              help="skip wanted files larger than SIZE (default 1G)")
        if name == "image":
            reg = parser.add_argument_group("image selection and registry")
            reg.add_argument("--platform", metavar="OS/ARCH[/VARIANT]", default="",
                             help="image of a multi-platform index to use (default: this machine's)")
            reg.add_argument("--insecure-registry", action="store_true",
                             help="talk plain HTTP to the registry (test registries)")
            reg.add_argument("--username", default="", help="registry user name (password from --password-stdin "
                             "or $STOCKADE_REGISTRY_PASSWORD)")
            reg.add_argument("--password-stdin", action="store_true", help="read the registry password from stdin")
            reg.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                             help="registry request timeout (default: 60)")
            reg.add_argument("--offline", action="store_true",
                             help="no network at all (scans never download advisories; this also refuses "
                                  "registry references)")
        parser.set_defaults(run=run, command_name=name)


def _vuln_options(args: argparse.Namespace) -> dict[str, Any]:
    from stockade.cli._common import parse_severities, resolve_ignorefile
    from stockade.vulndb.severity import KNOWN_SOURCES

    text = args.scanners if args.scanners is not None else "vuln,secret"
    scanners = tuple(s.strip() for s in text.split(",") if s.strip() and s.strip() != "none")
    unknown = [s for s in scanners if s not in ("vuln", "secret")]
    if unknown:
        raise UsageError(f"unknown scanner {unknown[0]!r} (expected vuln, secret or none)")
    order = tuple(s.strip() for s in args.vuln_severity_source.split(",") if s.strip())
    bad = [s for s in order if s not in KNOWN_SOURCES]
    if bad:
        raise UsageError(f"unknown severity source {bad[0]!r} (expected {', '.join(sorted(KNOWN_SOURCES))})")
    statuses = tuple(s.strip() for s in args.ignore_status.split(",") if s.strip())
    known = {"fixed", "affected", "will_not_fix", "fix_deferred", "end_of_life", "unknown"}
    if any(s not in known for s in statuses):
        raise UsageError(f"unknown status in --ignore-status (expected {', '.join(sorted(known))})")
    return {
        "scanners": scanners, "db_path": args.db, "severities": parse_severities(args.severity),
        "ignore_unfixed": args.ignore_unfixed, "ignore_status": statuses, "vex": tuple(args.vex),
        "ignorefile": resolve_ignorefile(args.ignorefile), "severity_order": order,
        "db_max_age_days": args.db_max_age, "secret_config": tuple(args.secret_config),
    }


def _options(args: argparse.Namespace) -> Any:
    from stockade.artifacts import ImageOptions
    from stockade.cli.cmd_config import parse_size

    if args.command_name == "sbom":
        return ImageOptions(cache_dir=default_cache_dir(), **_vuln_options(args))
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    if args.jobs < 0:
        raise UsageError(f"invalid number of jobs {args.jobs}")
    extra: dict[str, Any] = _vuln_options(args)
    if args.no_cache and not args.db:
        extra["db_path"] = os.path.join(args.cache_dir or default_cache_dir(), "vulndb", "osv.sqlite")
    if args.command_name == "image":
        password = ""
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        elif args.username:
            password = os.environ.get("STOCKADE_REGISTRY_PASSWORD", "")
        docker_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
        docker_config = os.path.join(docker_dir, "config.json")
        extra |= {
            "platform": args.platform, "insecure_registry": args.insecure_registry, "username": args.username,
            "password": password, "timeout": args.timeout, "offline": args.offline,
            "docker_config": docker_config if os.path.isfile(docker_config) else None,
        }
    return ImageOptions(cache_dir=cache_dir, jobs=args.jobs, max_file_size=parse_size(args.max_file_size), **extra)


def run(args: argparse.Namespace) -> int:
    from stockade import artifacts

    status = None
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from rich.console import Console

        status = Console(stderr=True).status(f"reading {args.target} ...")
        status.start()

        def progress(text: str) -> None:
            assert status is not None
            status.update(text)

    try:
        if args.command_name == "sbom":
            report = artifacts.scan_sbom(args.target, _options(args))
        else:
            scan = {"image": artifacts.scan_image, "rootfs": artifacts.scan_rootfs, "fs": artifacts.scan_fs}
            report = scan[args.command_name](args.target, _options(args), progress=progress)
    finally:
        if status is not None:
            status.stop()
    formatter = _formatter(args)
    with output_stream(args.output) as out:
        formatter.render(report, out)
    if not args.quiet and (args.output or args.format != "table"):
        dest = f" -> {args.output}" if args.output else ""
        from stockade.model import FindingKind

        count, problems = len(report.packages), len(report.diagnostics)
        vulns = sum(1 for f in report.findings if f.kind is FindingKind.VULN)
        secrets = sum(1 for f in report.findings if f.kind is FindingKind.SECRET)
        sys.stderr.write(f"stockade: {count} package{'' if count == 1 else 's'}, "
                         f"{vulns} vulnerabilit{'y' if vulns == 1 else 'ies'}, "
                         f"{secrets} secret{'' if secrets == 1 else 's'}, "
                         f"{problems} diagnostic{'' if problems == 1 else 's'}{dest}\n")
    return exit_status(report, args)



def _formatter(args: argparse.Namespace) -> Any:
    from stockade.formats import TableFormatter, get_formatter

    if args.format == "table":
        return TableFormatter(list_packages=args.list_all_pkgs, show_suppressed=args.show_suppressed)
    return get_formatter(args.format)
