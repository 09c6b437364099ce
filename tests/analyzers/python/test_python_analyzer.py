"""Wiring of the Python analyzers: ids, targets, which paths they want, reading errors."""

from __future__ import annotations

import pytest

from stockade.analyzers import DECLARED, INSTALLED, BytesFile, FileTooLarge
from stockade.analyzers.python.analyzer import ANALYZERS

BY_ID = {a.id: a for a in ANALYZERS}


def test_ids_and_targets() -> None:
    assert {a.id: (a.version, a.targets) for a in ANALYZERS} == {
        "python-dist-info": (1, INSTALLED),
        "python-egg-info": (1, INSTALLED),
        "python-requirements": (1, DECLARED),
        "poetry-lock": (1, DECLARED),
        "pipfile-lock": (1, DECLARED),
        "uv-lock": (1, DECLARED),
    }


@pytest.mark.parametrize(
    ("path", "wanted_by"),
    [
        ("usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", "python-dist-info"),
        ("usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", "python-egg-info"),
        ("usr/lib/python3/dist-packages/PyYAML-5.3.1.egg-info", "python-egg-info"),
        ("requirements.txt", "python-requirements"),
        ("app/requirements-dev.txt", "python-requirements"),
        ("app/requirements_test.txt", "python-requirements"),
        ("requirements/base.txt", "python-requirements"),
        ("app/requirements/prod.txt", "python-requirements"),
        ("poetry.lock", "poetry-lock"),
        ("svc/poetry.lock", "poetry-lock"),
        ("Pipfile.lock", "pipfile-lock"),
        ("a/b/uv.lock", "uv-lock"),
        ("usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/RECORD", None),
        ("docs/notes.txt", None),
        ("usr/lib/python3/site-packages/pkg/requirements.txt", None),
        ("app/node_modules/x/requirements.txt", None),
        ("app/requirements.in", None),
        ("my-poetry.lock", None),
        ("Pipfile", None),
    ],
)
def test_wants(path: str, wanted_by: str | None) -> None:
    wanting = [a.id for a in ANALYZERS if a.wants(path, 100, 0o644)]
    assert wanting == ([wanted_by] if wanted_by else [])


def test_analyze_reads_the_file() -> None:
    result = BY_ID["python-requirements"].analyze(BytesFile("requirements.txt", b"six==1.16.0\n"))
    assert [(p.name, p.version, p.found_by) for p in result.packages] == [("six", "1.16.0", "python-requirements")]


class HugeFile(BytesFile):
    def read(self, limit: int = 1) -> bytes:
        raise FileTooLarge(self.path, 1 << 40, limit)


def test_too_large_file_is_a_diagnostic() -> None:
    for analyzer in ANALYZERS:
        result = analyzer.analyze(HugeFile("uv.lock", b""))
        assert result.packages == ()
        assert len(result.diagnostics) == 1
        assert "above the" in result.diagnostics[0].message
