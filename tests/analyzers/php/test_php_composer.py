"""Composer: vendor/composer/installed.json (1 and 2) and composer.lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS, Parser
from stockade.analyzers.php import parse
from stockade.model import Location

TESTDATA = Path(__file__).parent / "testdata"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def c(name: str, version: str) -> str:
    return f"pkg:composer/{name}@{version}"


def test_composer_lock() -> None:
    result = parse.parse_composer_lock("app/composer.lock", fixture("composer.lock"))
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.purl, p.licenses, p.dev, p.depends_on) for p in result.packages]
    assert got == [
        ("monolog/monolog", "3.4.0", c("monolog/monolog", "3.4.0"), ("MIT",), False, (c("psr/log", "3.0.0"),)),
        ("psr/container", "2.0.2", c("psr/container", "2.0.2"), ("MIT",), False, ()),
        ("psr/log", "3.0.0", c("psr/log", "3.0.0"), ("MIT",), False, ()),
        ("symfony/console", "v6.3.4", c("symfony/console", "v6.3.4"), ("MIT",), False, (
            c("symfony/deprecation-contracts", "v3.3.0"), c("symfony/polyfill-mbstring", "v1.28.0"),
            c("symfony/service-contracts", "v3.3.0"), c("symfony/string", "v6.3.2"),
        )),
        ("symfony/deprecation-contracts", "v3.3.0", c("symfony/deprecation-contracts", "v3.3.0"), ("MIT",), False, ()),
        ("symfony/polyfill-mbstring", "v1.28.0", c("symfony/polyfill-mbstring", "v1.28.0"), ("MIT",), False, ()),
        ("symfony/service-contracts", "v3.3.0", c("symfony/service-contracts", "v3.3.0"), ("MIT",), False,
         (c("psr/container", "2.0.2"),)),
        ("symfony/string", "v6.3.2", c("symfony/string", "v6.3.2"), ("MIT",), False,
         (c("symfony/polyfill-mbstring", "v1.28.0"),)),
        ("phpunit/phpunit", "10.3.5", c("phpunit/phpunit", "10.3.5"), ("BSD-3-Clause",), True,
         (c("sebastian/version", "4.0.1"),)),
        ("sebastian/version", "4.0.1", c("sebastian/version", "4.0.1"), ("BSD-3-Clause",), True, ()),
    ]
    assert all(p.id == p.purl and p.found_by == "composer-lock" and p.ecosystem == "composer" for p in result.packages)
    assert all(p.locations == (Location("app/composer.lock"),) for p in result.packages)


def test_installed_json_composer_2() -> None:
    path = "var/www/html/vendor/composer/installed.json"
    result = parse.parse_installed_json(path, fixture("installed-v2.json"))
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.purl, p.licenses, p.dev, p.depends_on) for p in result.packages]
    assert got == [
        ("guzzlehttp/guzzle", "7.8.0", c("guzzlehttp/guzzle", "7.8.0"), ("MIT",), False,
         (c("guzzlehttp/promises", "2.0.1"),)),
        ("guzzlehttp/promises", "2.0.1", c("guzzlehttp/promises", "2.0.1"), ("MIT",), False, ()),
        ("mockery/mockery", "1.6.6", c("mockery/mockery", "1.6.6"), ("BSD-3-Clause",), True, ()),
    ]
    assert all(p.found_by == "php-installed" and p.locations == (Location(path),) for p in result.packages)


def test_installed_json_composer_1() -> None:
    result = parse.parse_installed_json("vendor/composer/installed.json", fixture("installed-v1.json"))
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.purl, p.licenses, p.depends_on) for p in result.packages]
    assert got == [
        ("doctrine/inflector", "v1.1.0", c("doctrine/inflector", "v1.1.0"), ("MIT",), ()),
        # a mixed-case name is lower case in the purl; a licence string instead of a list is accepted
        ("Laravel/Framework", "v5.2.45", c("laravel/framework", "v5.2.45"), ("MIT",),
         (c("doctrine/inflector", "v1.1.0"),)),
    ]


# --- hostile input ----------------------------------------------------------------------------------

PARSERS = [parse.parse_installed_json, parse.parse_composer_lock]


@pytest.mark.parametrize("parser", PARSERS, ids=["installed", "lock"])
@pytest.mark.parametrize(
    "data",
    [b"", b'{"packages": [{"name": "psr/log", "vers', b"\x89PNG\r\n\x1a\n\x00", b"[" * 3000 + b"]" * 3000],
    ids=["empty", "truncated", "binary", "nested"],
)
def test_invalid_json(parser: Parser, data: bytes) -> None:
    result = parser("composer.lock", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith("invalid JSON: ")


@pytest.mark.parametrize(
    ("parser", "data", "message"),
    [
        (parse.parse_installed_json, b'"x"', "not a Composer installed.json: neither a list nor an object with"),
        (parse.parse_installed_json, b'{"dev": true}', "not a Composer installed.json: neither a list nor an object"),
        (parse.parse_composer_lock, b"[]", "not a composer.lock: the top level is not an object"),
        (parse.parse_composer_lock, b'{"content-hash": "x"}', "not a composer.lock: no packages or packages-dev"),
    ],
)
def test_not_composer_files(parser: Parser, data: bytes, message: str) -> None:
    result = parser("x.json", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith(message)


def test_wrong_types_in_lock() -> None:
    data = b"""{"packages": [
        3,
        {"name": "psr/log"},
        {"name": ["psr/log"], "version": "3.0.0"},
        {"name": "nologs", "version": "1.0.0"},
        {"name": "psr/log", "version": "3.0.0", "require": ["php"], "license": 5},
        {"name": "monolog/monolog", "version": "3.4.0", "require": {"psr/log": 3}}
    ], "packages-dev": {"name": "x"}}"""
    result = parse.parse_composer_lock("composer.lock", data)
    got = [(p.name, p.version, p.licenses, p.depends_on) for p in result.packages]
    assert got == [
        ("psr/log", "3.0.0", (), ()),
        ("monolog/monolog", "3.4.0", (), (c("psr/log", "3.0.0"),)),
    ]
    assert [d.message for d in result.diagnostics] == [
        "packages[0] is not an object",
        "packages[1] has no name or version",
        "packages[2] has no name or version",
        "packages[3]: invalid package name 'nologs'",
        "'packages-dev' is not a list",
        "require of psr/log is not an object",
    ]


def test_wrong_types_in_installed() -> None:
    data = b'{"packages": "none", "dev-package-names": "all"}'
    result = parse.parse_installed_json("vendor/composer/installed.json", data)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == ["'dev-package-names' is not a list", "'packages' is not a list"]


def test_huge_value() -> None:
    data = b'[{"name": "a/b", "version": "1.0.0", "description": "' + b"x" * 5_000_000 + b'"}]'
    result = parse.parse_installed_json("vendor/composer/installed.json", data)
    assert [(p.name, p.version) for p in result.packages] == [("a/b", "1.0.0")]


def test_same_package_twice_gets_distinct_ids() -> None:
    data = b'{"packages": [{"name": "a/b", "version": "1.0.0"}], "packages-dev": [{"name": "a/b", "version": "1.0.0"}]}'
    result = parse.parse_composer_lock("composer.lock", data)
    assert [(p.id, p.dev) for p in result.packages] == [(c("a/b", "1.0.0"), False), (c("a/b", "1.0.0") + "|2", True)]


def test_many_bad_entries_are_capped() -> None:
    data = b"[" + b",".join([b"1"] * 500) + b"]"
    result = parse.parse_installed_json("vendor/composer/installed.json", data)
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[-1].message == "450 more problems in this file not shown"
