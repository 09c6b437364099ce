"""pnpm-lock.yaml: lockfile v5, v6 and v9."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers.node import parse

TESTDATA = Path(__file__).parent / "testdata"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def p(name: str, version: str) -> str:
    return parse.npm_purl(name, version)


def test_v5() -> None:
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", fixture("pnpm-lock-v5.yaml"))
    assert result.diagnostics == ()
    got = [(x.name, x.version, x.locations[0].line, x.dev, x.depends_on) for x in result.packages]
    assert got == [
        ("@babel/runtime", "7.23.2", 17, False, (p("regenerator-runtime", "0.14.0"),)),
        ("js-tokens", "4.0.0", 24, False, ()),
        ("loose-envify", "1.4.0", 28, False, (p("js-tokens", "4.0.0"),)),
        ("react-dom", "18.2.0", 35, False,
         (p("loose-envify", "1.4.0"), p("react", "18.2.0"), p("scheduler", "0.23.0"))),
        ("react", "18.2.0", 45, False, (p("loose-envify", "1.4.0"),)),
        ("regenerator-runtime", "0.14.0", 52, False, ()),
        ("scheduler", "0.23.0", 56, False, (p("loose-envify", "1.4.0"),)),
        ("typescript", "5.2.2", 62, True, ()),
    ]
    assert result.packages[0].purl == "pkg:npm/%40babel/runtime@7.23.2"
    assert all(x.id == x.purl and x.found_by == "pnpm-lock" for x in result.packages)


def test_v6() -> None:
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", fixture("pnpm-lock-v6.yaml"))
    assert result.diagnostics == ()
    got = [(x.name, x.version, x.locations[0].line, x.dev, x.depends_on) for x in result.packages]
    assert got == [
        ("@types/express", "4.17.20", 25, True, ()),
        ("accepts", "1.3.8", 29, False, (p("mime-types", "2.1.35"), p("negotiator", "0.6.3"))),
        ("express", "4.18.2", 37, False, (p("accepts", "1.3.8"),)),
        ("mime-db", "1.52.0", 44, False, ()),
        ("mime-types", "2.1.35", 49, False, (p("mime-db", "1.52.0"),)),
        ("negotiator", "0.6.3", 56, False, ()),
        ("string-width", "4.2.3", 61, False, ()),
    ]


def test_v9() -> None:
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", fixture("pnpm-lock-v9.yaml"))
    assert result.diagnostics == ()
    got = [(x.name, x.version, x.locations[0].line, x.dev, x.depends_on) for x in result.packages]
    assert got == [
        ("@types/prop-types", "15.7.12", 36, True, ()),
        ("@types/react", "18.3.1", 39, True, (p("@types/prop-types", "15.7.12"), p("csstype", "3.1.3"))),
        ("csstype", "3.1.3", 42, True, ()),
        ("js-tokens", "4.0.0", 45, False, ()),
        ("loose-envify", "1.4.0", 48, False, (p("js-tokens", "4.0.0"),)),
        ("react-dom", "18.2.0", 52, False,
         (p("loose-envify", "1.4.0"), p("react", "18.2.0"), p("scheduler", "0.23.2"))),
        ("react", "18.2.0", 57, False, (p("loose-envify", "1.4.0"),)),
        ("scheduler", "0.23.2", 61, False, (p("loose-envify", "1.4.0"),)),
        ("typescript", "5.4.5", 64, True, ()),
    ]


def test_v9_two_documents_and_aliases() -> None:
    data = b"""---
lockfileVersion: '9.0'
importers:
  .:
    packageManagerDependencies:
      pnpm: {specifier: 10.0.0, version: 10.0.0}
packages:
  pnpm@10.0.0:
    resolution: {integrity: sha512-x}
snapshots:
  pnpm@10.0.0: {}
---
lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      string-width-cjs:
        specifier: npm:string-width@^4.2.0
        version: string-width@4.2.3
      wrap:
        specifier: ^1.0.0
        version: 1.0.0
packages:
  string-width@4.2.3:
    resolution: {integrity: sha512-y}
  wrap@1.0.0:
    resolution: {integrity: sha512-z}
snapshots:
  string-width@4.2.3: {}
  wrap@1.0.0:
    dependencies:
      string-width-cjs: string-width@4.2.3
"""
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", data)
    assert result.diagnostics == ()
    assert [(x.name, x.version, x.dev, x.depends_on) for x in result.packages] == [
        ("string-width", "4.2.3", False, ()),
        ("wrap", "1.0.0", False, (p("string-width", "4.2.3"),)),
    ]


# --- hostile input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "not a pnpm lockfile: no lockfileVersion", None),
        (b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha",
         "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping)", 5),
        (b"lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: true\n   bad: x\n  /b/1.0.0: {}\n",
         "invalid YAML: did not find expected key (while parsing a block mapping)", 5),
        (b"\x00\x00\x00\x18ftypmp42", "not a text file (it contains NUL bytes)", None),
        (b"- lockfileVersion: 5.4\n", "not a pnpm lockfile: no lockfileVersion", None),
        (b"lockfileVersion: 5.4\npackages: [1, 2]\n", "'packages' is not a mapping", None),
        (b"lockfileVersion: 5.4\nx: " + b"{a: " * 5000 + b"1" + b"}" * 5000, "invalid YAML: nested deeper", None),
    ],
    ids=["empty", "truncated", "malformed", "binary", "list", "packages-list", "nested"],
)
def test_unreadable(data: bytes, message: str, line: int | None) -> None:
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", data)
    assert result.packages == ()
    (diag,) = result.diagnostics
    assert diag.message.startswith(message)
    assert diag.location.line == line


def test_wrong_types_inside() -> None:
    data = b"""lockfileVersion: '6.0'
packages:
  /a@1.0.0: 7
  /b@1.0.0:
    dependencies: [c]
  /@scope@2.0.0:
    dev: false
  /nothing:
    dev: true
  /c@1.0.0:
    dependencies:
      b: 1.0.0
"""
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", data)
    assert [(x.name, x.version, x.depends_on) for x in result.packages] == [
        ("b", "1.0.0", ()),
        ("c", "1.0.0", (p("b", "1.0.0"),)),
    ]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "entry '/a@1.0.0' is not a mapping"),
        (6, "invalid package name '@scope'"),
        (8, "cannot read a name and version from '/nothing'"),
        (4, "dependencies of b@1.0.0 are not a mapping"),
    ]


def test_huge_line() -> None:
    data = b"lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    resolution: {tarball: " + b"x" * 2_000_000 + b"}\n"
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", data)
    assert [(x.name, x.version) for x in result.packages] == [("a", "1.0.0")]
    assert result.diagnostics == ()


def test_alias_bomb_is_bounded() -> None:
    deps = "".join(f"      d{i}: 1.0.0\n" for i in range(300))
    entries = "".join(f"  /p{i}/1.0.0:\n    dependencies: *deps\n" for i in range(1, 500))
    data = ("lockfileVersion: 5.4\npackages:\n  /p0/1.0.0:\n    dependencies: &deps\n" + deps + entries).encode()
    result = parse.parse_pnpm_lock("pnpm-lock.yaml", data)
    assert len(result.packages) == 500
    assert [d.message for d in result.diagnostics] == [
        "more dependency edges than the file can hold: YAML aliases? the rest are skipped"
    ]
