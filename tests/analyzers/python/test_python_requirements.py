"""requirements.txt: pinned requirements only, located at their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS
from stockade.analyzers.python import parse

TESTDATA = Path(__file__).parent / "testdata"


def test_pinned_requirements() -> None:
    result = parse.parse_requirements("app/requirements.txt", (TESTDATA / "requirements.txt").read_bytes())
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.purl, p.locations[0].line, dict(p.metadata)) for p in result.packages]
    assert got == [
        ("Django", "4.2.7", "pkg:pypi/django@4.2.7", 6, {}),
        ("djangorestframework", "3.14.0", "pkg:pypi/djangorestframework@3.14.0", 7, {}),
        ("psycopg2-binary", "2.9.9", "pkg:pypi/psycopg2-binary@2.9.9", 8, {"markers": 'sys_platform == "linux"'}),
        ("celery", "5.3.4", "pkg:pypi/celery@5.3.4", 9, {"extras": "redis"}),
        ("requests", "2.31.0", "pkg:pypi/requests@2.31.0", 10, {}),  # continued over lines 10-12 with hashes
        ("urllib3", "2.0.7", "pkg:pypi/urllib3@2.0.7", 14, {}),
        ("zope.interface", "6.1", "pkg:pypi/zope-interface@6.1", 15, {}),
        ("Pillow", "10.1.0", "pkg:pypi/pillow@10.1.0", 20, {}),
        ("typing_extensions", "4.8.0", "pkg:pypi/typing-extensions@4.8.0", 21, {"markers": 'python_version < "3.11"'}),
        ("redis", "5.0.1", "pkg:pypi/redis@5.0.1", 22, {}),
        ("sentry-sdk", "1.38.0", "pkg:pypi/sentry-sdk@1.38.0", 23, {"extras": "django,celery"}),
    ]
    assert all(p.found_by == "python-requirements" and p.ecosystem == "pypi" for p in result.packages)
    assert all(p.locations[0].path == "app/requirements.txt" for p in result.packages)
    assert all(p.id == "" and not p.dev for p in result.packages)


def test_includes_are_not_followed() -> None:
    result = parse.parse_requirements("requirements.txt", b"-r base.txt\n--requirement=dev.txt\n-c constraints.txt\n")
    assert result.packages == ()
    assert result.diagnostics == ()


def test_empty_file_is_a_valid_requirements_file() -> None:
    result = parse.parse_requirements("requirements.txt", b"")
    assert (result.packages, result.diagnostics) == ((), ())


def test_crlf_and_trailing_continuation() -> None:
    data = b"flask==3.0.0\r\n# comment \\\r\nitsdangerous==2.1.2 \\"
    result = parse.parse_requirements("requirements/base.txt", data)
    assert [(p.name, p.version, p.locations[0].line) for p in result.packages] == [
        ("flask", "3.0.0", 1),
        ("itsdangerous", "2.1.2", 3),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"Django=4.2.7", "invalid version specifier '=4.2.7'"),
        (b"!!!", "not a requirement: '!!!'"),
        (b"requests==2.31.0,", "invalid version specifier ''"),
        (b"name[extra==1.0", "invalid version specifier '[extra==1.0'"),
        (b"flask==3.0 0", "invalid version specifier '==3.0 0'"),
    ],
)
def test_malformed_line_gives_a_diagnostic_with_its_line(line: bytes, message: str) -> None:
    data = b"# header\n" + line + b"\nsix==1.16.0\n"
    result = parse.parse_requirements("requirements.txt", data)
    assert [(p.name, p.version) for p in result.packages] == [("six", "1.16.0")]
    assert [(d.location.path, d.location.line, d.message) for d in result.diagnostics] == [
        ("requirements.txt", 2, message)
    ]


def test_huge_line() -> None:
    data = b"six==1.16.0\n" + b"a" * 100_000 + b"==1.0\nidna==3.6\n"
    result = parse.parse_requirements("requirements.txt", data)
    assert [p.name for p in result.packages] == ["six", "idna"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(2, "line is too long (100005 characters)")]


def test_binary_garbage() -> None:
    result = parse.parse_requirements("requirements.txt", bytes(range(256)) * 10)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == ["not a text file (it contains NUL bytes)"]


def test_truncated_in_a_continuation() -> None:
    data = b"numpy==1.26.2 \\\n    --hash=sha256:0a"
    result = parse.parse_requirements("requirements.txt", data)
    assert [(p.name, p.version) for p in result.packages] == [("numpy", "1.26.2")]
    assert result.diagnostics == ()


def test_many_bad_lines_are_capped() -> None:
    data = b"\n".join([b"%%%"] * 300)
    result = parse.parse_requirements("requirements.txt", data)
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[-1].message == "250 more problems in this file not shown"


def test_unpinned_and_direct_references_are_skipped_silently() -> None:
    data = b"flask>=3\nflask-cors\nnumpy==1.*\nfoo @ https://example.com/foo-1.0.tar.gz\ngit+https://github.com/a/b.git\nbar==${BAR}\n"
    result = parse.parse_requirements("requirements.txt", data)
    assert (result.packages, result.diagnostics) == ((), ())
