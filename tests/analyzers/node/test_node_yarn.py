"""yarn.lock: classic (v1) line format and berry (v2+) YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS
from stockade.analyzers.node import parse

TESTDATA = Path(__file__).parent / "testdata"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def p(name: str, version: str) -> str:
    return parse.npm_purl(name, version)


def test_classic() -> None:
    result = parse.parse_yarn_lock("yarn.lock", fixture("yarn-v1.lock"))
    assert result.diagnostics == ()
    got = [(x.name, x.version, x.locations[0].line, x.depends_on) for x in result.packages]
    assert got == [
        ("@babel/code-frame", "7.22.13", 5, (p("@babel/highlight", "7.22.20"), p("chalk", "2.4.2"))),
        ("@babel/helper-validator-identifier", "7.22.20", 13, ()),
        ("@babel/highlight", "7.22.20", 18,
         (p("@babel/helper-validator-identifier", "7.22.20"), p("chalk", "2.4.2"), p("js-tokens", "4.0.0"))),
        ("ansi-styles", "3.2.1", 27, (p("color-convert", "1.9.3"),)),
        ("chalk", "2.4.2", 34,
         (p("ansi-styles", "3.2.1"), p("escape-string-regexp", "1.0.5"), p("supports-color", "5.5.0"))),
        ("chokidar", "3.5.3", 43, (p("fsevents", "2.3.3"),)),  # optionalDependencies
        ("color-convert", "1.9.3", 50, (p("color-name", "1.1.3"),)),
        ("color-name", "1.1.3", 57, ()),
        ("emoji-regex", "8.0.0", 62, ()),
        ("escape-string-regexp", "1.0.5", 67, ()),
        ("fsevents", "2.3.3", 72, ()),
        ("has-flag", "3.0.0", 77, ()),
        ("js-tokens", "4.0.0", 82, ()),
        ("string-width", "4.2.3", 87, (p("emoji-regex", "8.0.0"),)),  # the alias resolves to the real name
        ("supports-color", "5.5.0", 94, (p("has-flag", "3.0.0"),)),
    ]
    assert result.packages[0].purl == "pkg:npm/%40babel/code-frame@7.22.13"
    assert all(x.id == x.purl and x.found_by == "yarn-lock" and not x.dev for x in result.packages)


def test_berry() -> None:
    result = parse.parse_yarn_lock("yarn.lock", fixture("yarn-berry.lock"))
    assert result.diagnostics == ()
    got = [(x.name, x.version, x.locations[0].line, x.depends_on) for x in result.packages]
    assert got == [
        ("@types/node", "20.8.7", 8, (p("undici-types", "5.25.3"),)),
        ("function-bind", "1.1.2", 17, ()),
        ("hasown", "2.0.0", 24, (p("function-bind", "1.1.2"),)),
        ("is-core-module", "2.13.1", 33, (p("hasown", "2.0.0"),)),
        # my-app@workspace:. is the project itself; the patch: entry stands for resolve@1.22.8
        ("path-parse", "1.0.7", 52, ()),
        ("resolve", "1.22.8", 59,
         (p("is-core-module", "2.13.1"), p("path-parse", "1.0.7"), p("supports-preserve-symlinks-flag", "1.0.0"))),
        ("string-width", "4.2.3", 85, ()),
        ("supports-preserve-symlinks-flag", "1.0.0", 92, ()),
        ("undici-types", "5.25.3", 99, ()),
    ]


def test_berry_v6_plain_ranges_and_patch_descriptors() -> None:
    data = b"""__metadata:
  version: 6
  cacheKey: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    typescript: ^5.2.2

"tool@npm:1.0.0":
  version: 1.0.0
  resolution: "tool@npm:1.0.0"
  dependencies:
    typescript: "patch:typescript@npm%3A^5.2.2#~builtin<compat/typescript>"
    lib: 2

"lib@npm:2":
  version: 2.0.1
  resolution: "lib@npm:2.0.1"

"typescript@npm:^5.2.2":
  version: 5.2.2
  resolution: "typescript@npm:5.2.2"

"typescript@patch:typescript@npm%3A^5.2.2#~builtin<compat/typescript>":
  version: 5.2.2
  resolution: "typescript@patch:typescript@npm%3A5.2.2#~builtin<compat/typescript>::version=5.2.2&hash=f3b441"
"""
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert result.diagnostics == ()
    assert [(x.name, x.version, x.depends_on) for x in result.packages] == [
        ("tool", "1.0.0", (p("typescript", "5.2.2"), p("lib", "2.0.1"))),
        ("lib", "2.0.1", ()),
        ("typescript", "5.2.2", ()),
    ]


# --- hostile input: classic -----------------------------------------------------------------------


def test_classic_malformed_lines_are_reported_with_their_line() -> None:
    data = b"""# yarn lockfile v1

  version "1.0.0"
ms@^2.1.1
ms@^2.1.3:
  version "2.1.3"
  resolved "https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz
    "stray" "1"
   odd-indent "x"
  dependencies:
    "unterminated ^1
    has-flag

"quoted@^1", bare@^2 junk:
  version "1.0.0"

debug@^4:
  resolved "https://registry.yarnpkg.com/debug/-/debug-4.3.4.tgz"
"""
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert [(x.name, x.version) for x in result.packages] == [("ms", "2.1.3")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "field outside a package entry: 'version \"1.0.0\"'"),
        (4, "malformed package header: 'ms@^2.1.1'"),
        (7, "malformed field: 'resolved \"https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz'"),
        (8, "value outside a block: '\"stray\" \"1\"'"),
        (9, "unexpected indentation of 3 spaces"),
        (11, "malformed dependency: '\"unterminated ^1'"),
        (12, "malformed dependency: 'has-flag'"),
        (14, "malformed package header: '\"quoted@^1\", bare@^2 junk:'"),
        (15, "field outside a package entry: 'version \"1.0.0\"'"),
        (17, "entry 'debug@^4' has no version"),
    ]


def test_classic_truncated() -> None:
    text = fixture("yarn-v1.lock")
    cut = text[: text.index(b"chokidar@^3.5.3:") + len(b"chokidar@^3.5.3:\n  vers")]
    result = parse.parse_yarn_lock("yarn.lock", cut)
    assert [x.name for x in result.packages][-1] == "chalk"
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (44, "malformed field: 'vers'"),
        (43, "entry 'chokidar@^3.5.3' has no version"),
    ]


def test_classic_huge_line() -> None:
    data = b'ms@^2.1.3:\n  version "2.1.3"\n  resolved "' + b"x" * 100_000 + b'"\n'
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert [(x.name, x.version) for x in result.packages] == [("ms", "2.1.3")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(3, "line is too long (100013 characters)")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty yarn.lock"),
        (b"  \n\n", "empty yarn.lock"),
        (b"\x00\x01binary\x00", "not a text file (it contains NUL bytes)"),
    ],
)
def test_unreadable(data: bytes, message: str) -> None:
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [message]


def test_classic_garbage_is_capped() -> None:
    result = parse.parse_yarn_lock("yarn.lock", bytes(range(1, 256)) * 400)
    assert result.packages == ()
    assert 1 <= len(result.diagnostics) <= MAX_DIAGNOSTICS + 1


# --- hostile input: berry -------------------------------------------------------------------------


def test_berry_invalid_yaml_has_a_line() -> None:
    data = b'__metadata:\n  version: 8\n\n"ms@npm:^2.1.3":\n  version: 2.1.3\n  resolution: "ms@npm:2.1.3\n'
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith("invalid YAML: ")
    assert diag.location.line == 7


def test_berry_deeply_nested() -> None:
    data = b"__metadata:\n  version: 8\nx: " + b"[" * 200_000 + b"]" * 200_000 + b"\n"
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert [d.message for d in result.diagnostics] == ["invalid YAML: nested deeper than 1000 levels"]


def test_berry_deep_block_nesting() -> None:
    data = b"__metadata:\n  version: 8\n" + b"".join(b" " * i + b"k:\n" for i in range(1, 1200))
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert [d.message for d in result.diagnostics] == ["invalid YAML: nested deeper than 1000 levels"]


def test_berry_wrong_types() -> None:
    data = b"""__metadata:
  version: 8
"a@npm:1": 5
"b@npm:1":
  version: 1.0.0
"c@npm:1":
  version: 1.0.0
  resolution: "c@npm:1.0.0"
  dependencies: [a]
"d@npm:1":
  resolution: "d@npm:1.0.0"
"""
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert [(x.name, x.version) for x in result.packages] == [("c", "1.0.0"), ("d", "1.0.0")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "entry 'a@npm:1' is not a mapping"),
        (4, "entry 'b@npm:1' has no resolution"),
        (6, "dependencies of c@1.0.0 are not a mapping"),
    ]


def test_berry_top_level_not_a_mapping() -> None:
    result = parse.parse_yarn_lock("yarn.lock", b"__metadata:\n  version: 8\n---\n- x\n")
    assert [d.message for d in result.diagnostics] == ["yarn.lock is not a YAML mapping"]


def test_berry_alias_bomb_is_bounded() -> None:
    deps = "".join(f"    d{i}: npm:1.0.0\n" for i in range(200))
    entries = "".join(f'"p{i}@npm:1":\n  version: 1.0.0\n  resolution: "p{i}@npm:1.0.0"\n  dependencies: *deps\n'
                      for i in range(1, 400))
    data = ('__metadata:\n  version: 8\n"p0@npm:1":\n  version: 1.0.0\n  resolution: "p0@npm:1.0.0"\n'
            "  dependencies: &deps\n" + deps + entries).encode()
    result = parse.parse_yarn_lock("yarn.lock", data)
    assert len(result.packages) == 400
    assert [d.message for d in result.diagnostics] == [
        "more dependency edges than the file can hold: YAML aliases? the rest are skipped"
    ]
