from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import stockade.formats
from stockade.formats import FORMATTERS, Formatter, get_formatter
from stockade.model import Report

SRC = Path(stockade.formats.__file__).resolve().parents[2]


def test_builtin_formatters_in_order() -> None:
    assert [(f.name, f.media_type) for f in FORMATTERS] == [
        ("table", "text/plain"),
        ("json", "application/json"),
        ("sarif", "application/sarif+json"),
        ("cyclonedx", "application/vnd.cyclonedx+json"),
        ("spdx-json", "application/spdx+json"),
    ]


@pytest.mark.parametrize("name", ["table", "json", "sarif"])
def test_get_formatter(name: str) -> None:
    formatter: Formatter = get_formatter(name)
    assert formatter.name == name


def test_unknown_format_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"'xml'.*table, json, sarif"):
        get_formatter("xml")


@pytest.mark.parametrize("formatter", FORMATTERS, ids=lambda f: f.name)
def test_every_formatter_renders_every_report(formatter: Formatter, full: Report, empty: Report) -> None:
    for report in (full, empty):
        out = io.StringIO()
        formatter.render(report, out)
        assert out.getvalue().endswith("\n")
        assert not out.closed


def test_importing_formats_does_not_import_rich() -> None:
    code = "import sys, stockade.formats; sys.exit('rich' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
