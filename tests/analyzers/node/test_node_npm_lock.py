"""package-lock.json: v1 nested dependencies and v2/v3 packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockade.analyzers.node import parse

TESTDATA = Path(__file__).parent / "testdata"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def p(name: str, version: str) -> str:
    return parse.npm_purl(name, version)


def test_v3_packages() -> None:
    result = parse.parse_package_lock("web/package-lock.json", fixture("package-lock-v3.json"))
    assert result.diagnostics == ()
    got = {(x.name, x.version): (x.dev, x.depends_on) for x in result.packages}
    assert got == {
        # the workspace folder, through the node_modules/@acme/utils link
        ("@acme/utils", "0.2.0"): (False, (p("ms", "2.1.3"),)),
        ("accepts", "1.3.8"): (False, (p("mime-types", "2.1.35"), p("negotiator", "0.6.3"))),
        ("debug", "2.6.9"): (False, (p("ms", "2.0.0"),)),  # its nested copy of ms
        ("ms", "2.0.0"): (False, ()),
        ("express", "4.18.2"): (False, (p("accepts", "1.3.8"), p("debug", "2.6.9"))),
        ("fsevents", "2.3.3"): (False, ()),  # devOptional: installed in production as an optional dependency
        ("js-tokens", "4.0.0"): (False, ()),
        ("loose-envify", "1.4.0"): (False, (p("js-tokens", "4.0.0"),)),
        ("mime-db", "1.52.0"): (False, ()),
        ("mime-types", "2.1.35"): (False, (p("mime-db", "1.52.0"),)),
        ("ms", "2.1.3"): (False, ()),
        ("negotiator", "0.6.3"): (False, ()),
        ("react", "18.2.0"): (False, (p("loose-envify", "1.4.0"),)),
        ("react-dom", "18.2.0"): (False, (p("loose-envify", "1.4.0"), p("scheduler", "0.23.0"), p("react", "18.2.0"))),
        ("scheduler", "0.23.0"): (False, (p("loose-envify", "1.4.0"),)),
        ("string-width", "4.2.3"): (False, ()),  # installed under the alias string-width-cjs
        ("typescript", "5.2.2"): (True, ()),
    }
    by_name = {x.purl: x for x in result.packages}
    assert by_name["pkg:npm/%40acme/utils@0.2.0"].licenses == ("UNLICENSED",)
    assert by_name["pkg:npm/typescript@5.2.2"].licenses == ("Apache-2.0",)
    assert all(x.id == x.purl and x.found_by == "npm-lock" and x.ecosystem == "npm" for x in result.packages)
    assert all(x.locations[0].path == "web/package-lock.json" for x in result.packages)


def test_v1_nested_dependencies() -> None:
    result = parse.parse_package_lock("package-lock.json", fixture("package-lock-v1.json"))
    assert result.diagnostics == ()
    got = {(x.name, x.version): (x.dev, x.depends_on) for x in result.packages}
    assert got == {
        ("body-parser", "1.19.0"): (False, (p("bytes", "3.1.0"), p("debug", "2.6.9"), p("qs", "6.7.0"))),
        ("bytes", "3.1.0"): (False, ()),
        ("debug", "2.6.9"): (False, (p("ms", "2.0.0"),)),
        ("mocha", "10.2.0"): (True, (p("debug", "4.3.4"), p("ms", "2.1.3"))),
        ("debug", "4.3.4"): (True, (p("ms", "2.1.2"),)),
        ("ms", "2.0.0"): (False, ()),
        ("ms", "2.1.2"): (True, ()),
        ("ms", "2.1.3"): (True, ()),
        ("qs", "6.7.0"): (False, ()),
        ("qs", "6.11.0"): (False, ()),  # side-channel is required but not locked: no edge
        ("string-width", "4.2.3"): (False, ()),  # "npm:string-width@4.2.3" alias; local-lib (file:) skipped
    }


def test_same_package_in_two_places_is_one_package_runtime_wins() -> None:
    data = b"""{"lockfileVersion": 3, "packages": {
      "": {"name": "x"},
      "node_modules/a": {"version": "1.0.0", "dependencies": {"ms": "^2"}},
      "node_modules/a/node_modules/ms": {"version": "2.1.3", "dev": true},
      "node_modules/ms": {"version": "2.1.3"}
    }}"""
    result = parse.parse_package_lock("package-lock.json", data)
    assert [(x.name, x.version, x.dev, x.depends_on) for x in result.packages] == [
        ("a", "1.0.0", False, (p("ms", "2.1.3"),)),
        ("ms", "2.1.3", False, ()),
    ]


def test_lockfile_without_dependencies() -> None:
    result = parse.parse_package_lock("package-lock.json", b'{"name": "x", "lockfileVersion": 1, "requires": true}')
    assert (result.packages, result.diagnostics) == ((), ())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "invalid JSON: "),
        (b'{"lockfileVersion": 3, "packages": {"node_modules/a": {"vers', "invalid JSON: "),
        (b"\xff\xfe\x00\x00garbage", "invalid JSON: "),
        (b'{"dependencies":' * 2000 + b"{}" + b"}" * 2000, "invalid JSON: "),
        (b"3", "package-lock.json is not a JSON object"),
        (b'{"lockfileVersion": 3, "packages": []}', "'packages' is not an object"),
        (b'{"lockfileVersion": 1, "dependencies": "x"}', "'dependencies' is not an object"),
        (b'{"name": "x"}', "not a package-lock.json: no lockfileVersion, packages or dependencies"),
    ],
    ids=["empty", "truncated", "binary", "nested", "number", "packages-list", "dependencies-string", "other-json"],
)
def test_unreadable_lockfile(data: bytes, message: str) -> None:
    result = parse.parse_package_lock("package-lock.json", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith(message)


def test_v3_wrong_types_inside() -> None:
    data = b"""{"lockfileVersion": 3, "packages": {
      "node_modules/a": 5,
      "node_modules/b": {"version": 2},
      "node_modules/c": {"version": "1.0.0", "dependencies": ["d"]},
      "node_modules/@bad": {"version": "1.0.0"},
      "node_modules/e": {"version": "1.0.0"}
    }}"""
    result = parse.parse_package_lock("package-lock.json", data)
    assert [(x.name, x.version) for x in result.packages] == [("c", "1.0.0"), ("e", "1.0.0")]
    assert [d.message for d in result.diagnostics] == [
        "packages['node_modules/a'] is not an object",
        "packages['node_modules/b'] has no version",
        "invalid package name '@bad'",
        "dependencies of c@1.0.0 is not an object",
    ]


def test_v1_wrong_types_inside() -> None:
    data = b"""{"lockfileVersion": 1, "dependencies": {
      "a": [], "b": {"version": null}, "c": {"version": "1.0.0", "requires": "x", "dependencies": 3},
      "d": {"version": "2.0.0"}
    }}"""
    result = parse.parse_package_lock("package-lock.json", data)
    assert [(x.name, x.version) for x in result.packages] == [("c", "1.0.0"), ("d", "2.0.0")]
    assert [d.message for d in result.diagnostics] == [
        "dependencies['a'] is not an object",
        "dependencies['b'] has no version",
        "dependencies of c are not an object",
        "requires of c@1.0.0 is not an object",
    ]


def test_v3_absurd_install_path_is_skipped() -> None:
    deep = "node_modules/a/" * 300 + "node_modules/b"
    packages = {deep: {"version": "1.0.0"}, "node_modules/c": {"version": "1.0.0"}}
    data = json.dumps({"lockfileVersion": 3, "packages": packages}).encode()
    result = parse.parse_package_lock("package-lock.json", data)
    assert [x.name for x in result.packages] == ["c"]
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].message.startswith("install path too long: ")
