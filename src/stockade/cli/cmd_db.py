"""``stockade db update|import|info``: the local advisory database (OSV records in SQLite)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from stockade.errors import EXIT_OK, UsageError

NAME = "db"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        NAME, help="manage the local vulnerability database (update, import, info)",
        description="The advisory database scans match against. Scans never download it: 'db update' does.",
    )
    parser.add_argument("--db", metavar="PATH", default=None,
                        help="database file (default: $XDG_CACHE_HOME/stockade/vulndb/osv.sqlite)")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION")
    update = actions.add_parser("update", help="download OSV exports (<ECOSYSTEM>/all.zip) and rebuild the database")
    update.add_argument("--ecosystems", metavar="LIST", default="",
                        help="OSV ecosystems, comma-separated (Debian, Alpine, PyPI, npm, Go, Maven, crates.io, "
                             "RubyGems, Packagist, NuGet ...), and distro feeds with fix states: debian-tracker, "
                             "alpine-secdb:v3.19/main ...; default: those the database has and the last scans saw")
    update.add_argument("--base-url", default=os.environ.get("STOCKADE_OSV_URL"),
                        help="where the exports are (a mirror; default: $STOCKADE_OSV_URL, else OSV's public bucket)")
    update.add_argument("--debian-tracker-url", default=None, metavar="URL",
                        help="the Debian security tracker's JSON (default: security-tracker.debian.org)")
    update.add_argument("--alpine-secdb-url", default=None, metavar="URL",
                        help="the Alpine secdb base URL (default: secdb.alpinelinux.org)")
    update.add_argument("--force", action="store_true", help="download even when the server says not modified")
    update.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS")
    update.add_argument("-q", "--quiet", action="store_true")
    imp = actions.add_parser("import", help="import OSV records (zip, folder, JSON / JSON lines), the Debian "
                                          "security tracker JSON or an Alpine secdb file, offline")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--kind", choices=("auto", "osv", "debian-tracker", "alpine-secdb"), default="auto")
    imp.add_argument("-q", "--quiet", action="store_true")
    actions.add_parser("info", help="what the database holds: sources, counts, age")
    parser.set_defaults(run=run)


def db_path(args: argparse.Namespace) -> str:
    from stockade.cli.cmd_inventory import default_cache_dir

    return str(args.db or os.path.join(default_cache_dir(), "vulndb", "osv.sqlite"))


def run(args: argparse.Namespace) -> int:
    path = db_path(args)
    action = getattr(args, "db_action", None)
    if action is None:
        raise UsageError("stockade db: give an action: update, import or info")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if action == "info":
        return _info(path)
    if action == "import":
        return _import(path, args)
    return _update(path, args)


def _info(path: str) -> int:
    from stockade.vulndb.store import AdvisoryStore

    if not os.path.exists(path):
        sys.stdout.write(f"no database at {path}: run 'stockade db update' or 'stockade db import PATH'\n")
        return EXIT_OK
    store = AdvisoryStore.open(path)
    try:
        info = store.info()
    finally:
        store.close()
    out = sys.stdout
    out.write(f"database   {info['path']}\n")
    out.write(f"schema     {info['schema_version']}\n")
    out.write(f"built      {info.get('built') or '-'}\nupdated    {info.get('updated') or '-'}\n")
    out.write(f"advisories {info['advisories']} ({info['withdrawn']} withdrawn)\n")
    for name, source in sorted(info.get("sources", {}).items()):
        count = source.get("advisories", source.get("count", ""))
        out.write(f"source     {name}: {count} advisories from {source.get('origin', '')}\n")
    for eco, counts in sorted(info.get("ecosystems", {}).items()):
        if isinstance(counts, dict):
            text = f"{counts.get('advisories', 0)} advisories ({counts.get('withdrawn', 0)} withdrawn)"
        else:
            text = str(counts)
        out.write(f"ecosystem  {eco}: {text}\n")
    return EXIT_OK


def _import(path: str, args: argparse.Namespace) -> int:
    from stockade.vulndb.osv import ImportSource, import_into
    from stockade.vulndb.store import rebuild

    for given in args.paths:
        if not os.path.exists(given):
            raise UsageError(f"{given}: no such file or directory")
    with rebuild(path) as builder:
        summary = import_into(builder, [ImportSource(p, kind=args.kind) for p in args.paths])
    if not args.quiet:
        sys.stderr.write(f"stockade: imported {summary.advisories} advisories ({summary.withdrawn} withdrawn) "
                         f"into {path}\n")
        for problem in summary.problems[:20]:
            sys.stderr.write(f"  {problem}\n")
        if summary.problem_count > 20:
            sys.stderr.write(f"  ... and {summary.problem_count - 20} more problems\n")
    return EXIT_OK


def _update(path: str, args: argparse.Namespace) -> int:
    from stockade.vulndb.update import ALPINE_SECDB_URL, DEBIAN_TRACKER_URL, DEFAULT_BASE_URL, recorded_needs, update

    ecosystems = [e.strip() for e in args.ecosystems.split(",") if e.strip()] or recorded_needs(path)
    progress = None
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        bar = Progress("downloading", BarColumn(), DownloadColumn(), TransferSpeedColumn(), transient=True)
        task = bar.add_task("osv", total=None)
        bar.start()

        def progress(done: int, total: int | None) -> None:
            assert bar is not None
            bar.update(task, completed=done, total=total)
    try:
        result = update(path, args.base_url or DEFAULT_BASE_URL, ecosystems, etag_cache=not args.force,
                        progress=progress, timeout=args.timeout,
                        debian_tracker_url=args.debian_tracker_url or DEBIAN_TRACKER_URL,
                        alpine_secdb_url=args.alpine_secdb_url or ALPINE_SECDB_URL)
    finally:
        if bar is not None:
            bar.stop()
    if not args.quiet:
        for eco in result.ecosystems:
            detail = f"{eco.advisories} advisories" if eco.status == "updated" else (
                str(eco.error.reason) if eco.error else "")
            sys.stderr.write(f"stockade: {eco.ecosystem}: {eco.status} {detail}\n".rstrip() + "\n")
    result.raise_for_errors()
    return EXIT_OK
