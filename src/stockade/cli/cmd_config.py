"""``stockade config PATH...``: misconfigurations and Pod Security Standards in Kubernetes manifests."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from stockade.cli._common import (
    add_report_flags,
    exit_status,
    parse_severities,
    resolve_ignorefile,
    split_globs,
    write_report,
)
from stockade.errors import UsageError
from stockade.options import CONFIG_FILE

NAME = "config"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        NAME,
        help="scan Kubernetes manifests for misconfigurations and Pod Security Standards violations",
        description="Scan Kubernetes manifests (files, directories, kustomizations, '-' for stdin).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or - for standard input")
    pss = parser.add_argument_group("Pod Security Standards")
    pss.add_argument("--pss-level", choices=("privileged", "baseline", "restricted"), default=None,
                     help="level to check workloads against when their namespace sets none (default: restricted)")
    pss.add_argument("--pss-version", default=None, metavar="VERSION",
                     help="policy version: latest or v1.N (default: latest)")
    parser.add_argument("--config", metavar="FILE", default=None,
                        help=f"settings file (default: {CONFIG_FILE} in the current directory, if present)")
    parser.add_argument("--max-file-size", metavar="SIZE", default="10M",
                        help="skip manifest files larger than SIZE (bytes, or with K/M/G suffix; default 10M)")
    parser.add_argument("-j", "--jobs", metavar="N", type=int, default=0,
                        help="worker processes for large scans (default: one per CPU; 1: none)")
    parser.add_argument("--scanners", metavar="LIST", default="misconfig",
                        help="what to look for, comma-separated: misconfig (default), secret")
    parser.add_argument("--secret-config", metavar="FILE", action="append", default=[],
                        help="secret rule file: add, override or disable rules (repeatable; see docs/secrets.md)")
    add_report_flags(parser)
    parser.set_defaults(run=run)


def parse_size(text: str) -> int:
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    body, mult = (text[:-1], units[text[-1].upper()]) if text and text[-1].upper() in units else (text, 1)
    try:
        value = int(body) * mult
    except ValueError:
        raise UsageError(f"invalid size {text!r} (expected bytes, or a number with K, M or G)") from None
    if value <= 0:
        raise UsageError(f"invalid size {text!r}: must be positive")
    return value


def read_config(path: str | None) -> dict[str, dict[str, object]]:
    """The settings file named by --config, or ./stockade.yaml when present; {} otherwise."""
    import os

    from stockade.options import load_config

    if path is None:
        if not os.path.isfile(CONFIG_FILE):
            return {}
        path = CONFIG_FILE
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(1024 * 1024)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read settings file {path}: {exc}") from None
    return load_config(path, text)


def run(args: argparse.Namespace) -> int:
    from stockade.options import ScanOptions
    from stockade.scanner import scan

    config = read_config(args.config)
    pss = config.get("pss", {})
    options = ScanOptions(
        pss_level=args.pss_level or str(pss.get("level", "restricted")),
        pss_version=args.pss_version or str(pss.get("version", "latest")),
        settings=dict(config),
        rules=split_globs(args.rules),
        skip_rules=split_globs(args.skip_rules),
        severities=parse_severities(args.severity),
        ignorefile=resolve_ignorefile(args.ignorefile),
        max_file_size=parse_size(args.max_file_size),
        jobs=args.jobs,
        scanners=tuple(x.strip() for x in args.scanners.split(",") if x.strip() and x.strip() != "none"),
        secret_config=tuple(args.secret_config),
    )
    progress = None
    status = None
    if not args.quiet and sys.stderr.isatty():
        from rich.console import Console

        status = Console(stderr=True).status("scanning ...")
        status.start()

        def progress(path: str) -> None:
            assert status is not None
            status.update(f"scanning {path}")

    # The scan builds many small objects and no reference cycles: the cyclic collector would only
    # re-walk them (about a sixth of the run time on large trees). Reference counting still frees them.
    gc.disable()
    try:
        try:
            report = scan(args.paths, options, progress=progress)
        finally:
            if status is not None:
                status.stop()
        write_report(report, args)
    finally:
        gc.enable()
    return exit_status(report, args)
