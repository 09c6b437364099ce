"""``stockade`` command line: parse arguments, dispatch to one command module, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from stockade import __version__
from stockade.cli import cmd_config, cmd_db, cmd_inventory, cmd_rules, cmd_runtime, cmd_version
from stockade.errors import EXIT_FAILURE, EXIT_USAGE, StockadeError

COMMANDS = (cmd_config, cmd_inventory, cmd_db, cmd_rules, cmd_runtime, cmd_version)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"stockade: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stockade",
        description="Container security across build, ship and run: one finding model, one report.",
    )
    parser.add_argument("--version", action="version", version=f"stockade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
        return code
    except StockadeError as exc:
        sys.stderr.write(f"stockade: error: {exc.message}\n")
        for diag in exc.diagnostics():
            sys.stderr.write(f"  {diag}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("stockade: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_FAILURE


def entry() -> None:
    code = main()
    # Exit without tearing down the heap: freeing a large report object by object only costs time.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or EXIT_FAILURE
    os._exit(code)
