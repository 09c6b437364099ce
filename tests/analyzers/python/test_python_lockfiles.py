"""poetry.lock, Pipfile.lock and uv.lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import Parser
from stockade.analyzers.python import parse

TESTDATA = Path(__file__).parent / "testdata"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def purl(name: str, version: str) -> str:
    return f"pkg:pypi/{name}@{version}"


# --- poetry.lock ------------------------------------------------------------------------------------


def test_poetry_lock_1_1_with_categories() -> None:
    result = parse.parse_poetry_lock("poetry.lock", fixture("poetry-1.1.lock"))
    assert result.diagnostics == ()
    got = {p.name: (p.version, p.dev, p.depends_on) for p in result.packages}
    assert got == {
        "certifi": ("2023.7.22", False, ()),
        "charset-normalizer": ("3.3.2", False, ()),
        "idna": ("3.4", False, ()),
        "iniconfig": ("2.0.0", True, ()),
        "packaging": ("23.2", True, ()),
        "pluggy": ("1.3.0", True, ()),
        # colorama is not in the lock (Windows only): no edge to it
        "pytest": ("7.4.3", True, (purl("iniconfig", "2.0.0"), purl("packaging", "23.2"), purl("pluggy", "1.3.0"))),
        "requests": (
            "2.31.0",
            False,
            (purl("certifi", "2023.7.22"), purl("charset-normalizer", "3.3.2"), purl("idna", "3.4"),
             purl("urllib3", "2.0.7")),
        ),
        "urllib3": ("2.0.7", False, ()),
    }
    assert all(p.id == p.purl and p.found_by == "poetry-lock" for p in result.packages)
    assert all(p.locations[0].path == "poetry.lock" for p in result.packages)


def test_poetry_lock_2_1_with_groups() -> None:
    result = parse.parse_poetry_lock("svc/poetry.lock", fixture("poetry.lock"))
    assert result.diagnostics == ()
    by_name = {p.name: p for p in result.packages}
    assert [name for name, p in by_name.items() if p.dev] == ["pytest"]  # anyio is in main and dev: runtime
    assert by_name["fastapi"].depends_on == (
        purl("pydantic", "2.5.3"), purl("starlette", "0.35.1"), purl("typing-extensions", "4.9.0"),
    )
    assert by_name["starlette"].depends_on == (purl("anyio", "4.2.0"),)
    assert by_name["internal-auth"].metadata == {"source": "git"}
    assert by_name["zope-interface"].purl == "pkg:pypi/zope-interface@6.1"
    assert len(result.packages) == 11


def test_poetry_same_name_twice_gets_distinct_ids() -> None:
    data = b"""
[[package]]
name = "numpy"
version = "1.26.4"
[[package]]
name = "numpy"
version = "1.26.4"
[[package]]
name = "pandas"
version = "2.2.0"
[package.dependencies]
numpy = [{version = ">=1.23.2", python = "<3.11"}, {version = ">=1.26.0", python = ">=3.12"}]
"""
    result = parse.parse_poetry_lock("poetry.lock", data)
    ids = [p.id for p in result.packages]
    assert ids == [purl("numpy", "1.26.4"), purl("numpy", "1.26.4") + "|2", purl("pandas", "2.2.0")]
    assert result.packages[2].depends_on == (ids[0], ids[1])


# --- Pipfile.lock -----------------------------------------------------------------------------------


def test_pipfile_lock() -> None:
    result = parse.parse_pipfile_lock("Pipfile.lock", fixture("Pipfile.lock"))
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.purl, p.dev, dict(p.metadata)) for p in result.packages]
    assert got == [
        ("asgiref", "3.7.2", purl("asgiref", "3.7.2"), False, {"markers": "python_version >= '3.7'"}),
        ("django", "4.2.7", purl("django", "4.2.7"), False, {}),
        ("sqlparse", "0.4.4", purl("sqlparse", "0.4.4"), False, {"markers": "python_version >= '3.5'"}),
        ("iniconfig", "2.0.0", purl("iniconfig", "2.0.0"), True, {"markers": "python_version >= '3.7'"}),
        ("pytest", "7.4.3", purl("pytest", "7.4.3"), True, {}),
    ]
    assert all(p.found_by == "pipfile-lock" for p in result.packages)


# --- uv.lock ----------------------------------------------------------------------------------------


def test_uv_lock() -> None:
    result = parse.parse_uv_lock("uv.lock", fixture("uv.lock"))
    assert result.diagnostics == ()
    by_name = {p.name: p for p in result.packages}
    assert "my-service" not in by_name  # the project itself (source = { editable = "." })
    assert sorted(by_name) == [
        "anyio", "certifi", "colorama", "h11", "httpcore", "httpx", "idna", "iniconfig", "packaging", "pluggy",
        "pytest", "sniffio",
    ]
    assert sorted(name for name, p in by_name.items() if p.dev) == [
        "colorama", "iniconfig", "packaging", "pluggy", "pytest",
    ]
    assert by_name["anyio"].version == "4.6.2.post1"
    assert by_name["anyio"].purl == "pkg:pypi/anyio@4.6.2.post1"
    assert by_name["httpx"].depends_on == (
        purl("anyio", "4.6.2.post1"), purl("certifi", "2024.8.30"), purl("httpcore", "1.0.6"),
        purl("idna", "3.10"), purl("sniffio", "1.3.1"),
    )
    assert by_name["pytest"].depends_on == (
        purl("colorama", "0.4.6"), purl("iniconfig", "2.0.0"), purl("packaging", "24.1"), purl("pluggy", "1.5.0"),
    )
    assert all(p.id == p.purl and p.found_by == "uv-lock" for p in result.packages)


def test_uv_lock_versioned_dependencies_and_workspace_members() -> None:
    data = b"""
version = 1
requires-python = ">=3.10"

[[package]]
name = "app"
version = "1.0.0"
source = { virtual = "." }
dependencies = [
    { name = "lib" },
    { name = "numpy", version = "2.1.3", source = { registry = "https://pypi.org/simple" } },
]

[[package]]
name = "lib"
source = { editable = "packages/lib" }
version = "0.3.0"
dependencies = [{ name = "numpy", version = "1.26.4", source = { registry = "https://pypi.org/simple" } }]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "2.1.3"
source = { registry = "https://pypi.org/simple" }
"""
    result = parse.parse_uv_lock("uv.lock", data)
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.depends_on, p.dev, dict(p.metadata)) for p in result.packages]
    assert got == [
        ("lib", "0.3.0", (purl("numpy", "1.26.4"),), False, {"source": "editable"}),
        ("numpy", "1.26.4", (), False, {}),
        ("numpy", "2.1.3", (), False, {}),
    ]


# --- hostile input ----------------------------------------------------------------------------------

TOML_PARSERS = [parse.parse_poetry_lock, parse.parse_uv_lock]


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_truncated_toml(parser: Parser) -> None:
    data = b'version = 1\n\n[[package]]\nname = "idna"\nversion = "3.'
    result = parser("x.lock", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith("invalid TOML: ")
    assert diag.location.line == 5


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_malformed_toml(parser: Parser) -> None:
    data = b'version = 1\n[[package]]\nname "idna"\nversion = "3.6"\n'
    result = parser("x.lock", data)
    assert result.packages == ()
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "invalid TOML: Expected '=' after a key in a key/value pair (at line 3, column 6)")
    ]


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_empty_toml(parser: Parser) -> None:
    result = parser("x.lock", b"")
    assert result.packages == ()
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].message.startswith("not a ")


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_deeply_nested_toml(parser: Parser) -> None:
    data = b"version = 1\nx = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    result = parser("x.lock", data)
    assert result.packages == ()
    assert len(result.diagnostics) == 1


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_binary_toml(parser: Parser) -> None:
    result = parser("x.lock", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert [d.message for d in result.diagnostics] == ["not a text file (it contains NUL bytes)"]


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_huge_line_toml(parser: Parser) -> None:
    data = b'version = 1\n[[package]]\nname = "' + b"x" * 5_000_000 + b'"\n[[package]]\nname = "six"\nversion = "1"\n'
    result = parser("x.lock", data)
    assert [(p.name, p.version) for p in result.packages] == [("six", "1")]
    assert [d.message for d in result.diagnostics] == ["package #1 has no name or version"]


@pytest.mark.parametrize("parser", TOML_PARSERS, ids=["poetry", "uv"])
def test_wrong_types_toml(parser: Parser) -> None:
    result = parser("x.lock", b'version = 1\npackage = "nope"\n')
    assert [d.message for d in result.diagnostics] == ["'package' is not an array of tables"]
    data = b'version = 1\npackage = [1, {name = 2, version = "1"}, {name = "six", version = "1.16.0"}]\n'
    result = parser("x.lock", data)
    assert [p.name for p in result.packages] == ["six"]
    assert [d.message for d in result.diagnostics] == ["package #1 is not a table", "package #2 has no name or version"]


def test_poetry_dependencies_of_the_wrong_type() -> None:
    data = b'[[package]]\nname = "six"\nversion = "1.16.0"\ndependencies = ["idna"]\n'
    result = parse.parse_poetry_lock("poetry.lock", data)
    assert [p.name for p in result.packages] == ["six"]
    assert [d.message for d in result.diagnostics] == ["dependencies of six 1.16.0 are not a table"]


def test_uv_dependency_of_the_wrong_type() -> None:
    data = b'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\ndependencies = ["idna", { name = 3 }]\n'
    result = parse.parse_uv_lock("uv.lock", data)
    assert [p.name for p in result.packages] == ["six"]
    assert [d.message for d in result.diagnostics] == ["a dependency of six is not a table with a name"] * 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "invalid JSON: "),
        (b'{"default": {"django": {"version": "==4.2', "invalid JSON: "),
        (b"[" * 5000 + b"]" * 5000, "invalid JSON: "),
        (b"\x00\x01\x02\xff", "invalid JSON: "),
        (b"[]", "not a Pipfile.lock: the top level is not an object"),
        (b'{"name": "x"}', "not a Pipfile.lock: no _meta, default or develop section"),
    ],
    ids=["empty", "truncated", "nested", "binary", "array", "other-json"],
)
def test_pipfile_lock_unreadable(data: bytes, message: str) -> None:
    result = parse.parse_pipfile_lock("Pipfile.lock", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith(message)


def test_pipfile_lock_wrong_types() -> None:
    data = (
        b'{"_meta": {}, "default": {"six": {"version": "==1.16.0"}, "bad": 3, "idna": {"version": 3.6},'
        b' "flask": {"version": ">=3"}}, "develop": []}'
    )
    result = parse.parse_pipfile_lock("Pipfile.lock", data)
    assert [(p.name, p.version) for p in result.packages] == [("six", "1.16.0")]
    assert [d.message for d in result.diagnostics] == [
        "default.bad is not an object",
        "default.idna: version '3.6' is not a pin",
        "default.flask: version '>=3' is not a pin",
        "'develop' is not an object",
    ]
