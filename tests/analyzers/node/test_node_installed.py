"""Installed Node.js packages: node_modules/**/package.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers.node import parse
from stockade.model import Location

TESTDATA = Path(__file__).parent / "testdata"
NM = "usr/src/app/node_modules"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def test_plain_package() -> None:
    path = f"{NM}/express/package.json"
    result = parse.parse_package_json(path, fixture("express.package.json"))
    assert result.diagnostics == ()
    (package,) = result.packages
    assert (package.name, package.version, package.ecosystem) == ("express", "4.18.2", "npm")
    assert package.purl == "pkg:npm/express@4.18.2"
    assert package.licenses == ("MIT",)
    assert package.locations == (Location(path),)
    assert package.found_by == "node-pkg"
    assert (package.id, package.depends_on, package.dev) == ("", (), False)


def test_scoped_package() -> None:
    (package,) = parse.parse_package_json(f"{NM}/@babel/core/package.json", fixture("babel-core.package.json")).packages
    assert package.name == "@babel/core"
    assert package.purl == "pkg:npm/%40babel/core@7.23.2"


def test_legacy_licenses_array() -> None:
    (package,) = parse.parse_package_json("n/json-schema/package.json", fixture("json-schema.package.json")).packages
    assert package.licenses == ("AFLv2.1", "BSD")


def test_legacy_license_object() -> None:
    (package,) = parse.parse_package_json("n/buffer-crc32/package.json", fixture("buffer-crc32.package.json")).packages
    assert package.licenses == ("MIT",)


def test_spdx_expression_is_one_licence() -> None:
    data = b'{"name": "rc", "version": "1.2.8", "license": "(BSD-2-Clause OR MIT OR Apache-2.0)"}'
    (package,) = parse.parse_package_json("n/rc/package.json", data).packages
    assert package.licenses == ("(BSD-2-Clause OR MIT OR Apache-2.0)",)


def test_uppercase_name_is_lower_case_in_the_purl() -> None:
    data = b'{"name": "JSONStream", "version": "1.3.5"}'
    (package,) = parse.parse_package_json("n/JSONStream/package.json", data).packages
    assert (package.name, package.purl) == ("JSONStream", "pkg:npm/jsonstream@1.3.5")


@pytest.mark.parametrize(
    "data",
    [b'{"name": "fixture"}', b'{"version": "1.0.0"}', b'{"private": true}', b'{"name": "", "version": "1.0.0"}'],
)
def test_manifest_without_name_or_version_is_skipped_silently(data: bytes) -> None:
    result = parse.parse_package_json("n/x/package.json", data)
    assert (result.packages, result.diagnostics) == ((), ())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "invalid JSON: "),
        (b'{"name": "express", "vers', "invalid JSON: "),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff", "invalid JSON: "),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "invalid JSON: "),
        (b'["express"]', "package.json is not a JSON object"),
        (b'{"name": 42, "version": "1.0.0"}', "package.json name and version must be strings"),
        (b'{"name": "x", "version": ["1"]}', "package.json name and version must be strings"),
        (b'{"name": "@scope", "version": "1.0.0"}', "invalid package name '@scope'"),
    ],
    ids=["empty", "truncated", "binary", "nested", "array", "name-number", "version-list", "bad-scope"],
)
def test_hostile_manifest(data: bytes, message: str) -> None:
    result = parse.parse_package_json("n/x/package.json", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith(message)
    assert diag.location.path == "n/x/package.json"


def test_licence_of_wrong_type_is_ignored() -> None:
    data = b'{"name": "x", "version": "1.0.0", "license": 7}'
    (package,) = parse.parse_package_json("n/x/package.json", data).packages
    assert package.licenses == ()


def test_huge_manifest_line() -> None:
    data = b'{"name": "big", "version": "1.0.0", "description": "' + b"d" * 3_000_000 + b'", "license": "ISC"}'
    (package,) = parse.parse_package_json("n/big/package.json", data).packages
    assert (package.name, package.licenses) == ("big", ("ISC",))
