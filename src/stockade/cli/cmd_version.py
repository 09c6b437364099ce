"""``stockade version``: the version, as text or JSON."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from typing import Any

from stockade import __version__


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("version", help="print the version")
    parser.add_argument("-f", "--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    info = {
        "version": __version__,
        "python": platform.python_version(),
        "yaml_parser": "libyaml" if getattr(yaml, "__with_libyaml__", False) else "pure-python",
    }
    if args.format == "json":
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    else:
        sys.stdout.write(f"stockade {__version__} (Python {info['python']}, YAML parser: {info['yaml_parser']})\n")
    return 0
