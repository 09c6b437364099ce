"""Gemfile.lock: GEM, GIT and PATH specs with their dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS
from stockade.analyzers.ruby import parse

TESTDATA = Path(__file__).parent / "testdata"


def g(name: str, version: str, platform: str = "") -> str:
    return parse.gem_purl(name, version, platform)


def test_gemfile_lock() -> None:
    result = parse.parse_gemfile_lock("app/Gemfile.lock", (TESTDATA / "Gemfile.lock").read_bytes())
    assert result.diagnostics == ()
    got = [(p.name, p.version, p.locations[0].line, p.depends_on) for p in result.packages]
    assert got == [
        ("activesupport", "7.2.0.alpha", 6, (g("concurrent-ruby", "1.2.2"), g("i18n", "1.14.1"), g("tzinfo", "2.0.6"))),
        ("billing", "0.1.0", 14,
         (g("activesupport", "7.2.0.alpha"), g("nokogiri", "1.15.4", "arm64-darwin"),
          g("nokogiri", "1.15.4", "x86_64-linux"))),
        ("concurrent-ruby", "1.2.2", 21, ()),
        ("i18n", "1.14.1", 22, (g("concurrent-ruby", "1.2.2"),)),
        ("nokogiri", "1.15.4", 24, (g("racc", "1.7.1"),)),
        ("nokogiri", "1.15.4", 26, (g("racc", "1.7.1"),)),
        ("pg", "1.5.4", 28, ()),
        ("puma", "6.4.0", 29, (g("nio4r", "2.5.9"),)),
        ("nio4r", "2.5.9", 31, ()),
        ("racc", "1.7.1", 32, ()),
        ("rack", "3.0.8", 33, ()),
        ("rspec-core", "3.12.2", 34, (g("rspec-support", "3.12.1"),)),
        ("rspec-support", "3.12.1", 36, ()),
        ("tzinfo", "2.0.6", 37, (g("concurrent-ruby", "1.2.2"),)),
    ]
    by_line = {p.locations[0].line: p for p in result.packages}
    assert by_line[26].purl == "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux"
    assert dict(by_line[26].metadata) == {"platform": "x86_64-linux"}
    assert dict(by_line[6].metadata) == {
        "source": "git",
        "remote": "https://github.com/rails/rails.git",
        "revision": "5f3ff60084ab5d5921ca3499814e4697f8350ee7",
    }
    assert dict(by_line[14].metadata) == {"source": "path", "remote": "."}
    assert all(p.id == p.purl and p.found_by == "gemfile-lock" and not p.dev for p in result.packages)
    assert all(p.ecosystem == "gem" and p.locations[0].path == "app/Gemfile.lock" for p in result.packages)


def test_malformed_lines_are_reported_and_skipped() -> None:
    data = b"""  stray
GEM
  remote: https://rubygems.org/
  specs:
    rack (3.0.8)
    nokogiri 1.15.4
      racc (~> 1.4)
    puma (6.4.0
     odd
      nio4r (~> 2.0)
    racc (1.7.1)
      (oops)
  remote https://x
lowercase junk

PLATFORMS
  ruby
"""
    result = parse.parse_gemfile_lock("Gemfile.lock", data)
    assert [(p.name, p.version) for p in result.packages] == [("rack", "3.0.8"), ("racc", "1.7.1")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (1, "line before any section: 'stray'"),
        (6, "malformed spec line: 'nokogiri 1.15.4'"),
        (8, "malformed spec line: 'puma (6.4.0'"),
        (9, "unexpected indentation of 5 spaces"),
        (12, "malformed dependency line: '(oops)'"),
        (13, "malformed source line: 'remote https://x'"),
        (14, "unexpected line: 'lowercase junk'"),
    ]


def test_truncated() -> None:
    text = (TESTDATA / "Gemfile.lock").read_bytes()
    data = text[: text.index(b"    puma (6.4.0)") + len(b"    pum")]
    result = parse.parse_gemfile_lock("Gemfile.lock", data)
    assert [p.name for p in result.packages][-1] == "pg"
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(29, "malformed spec line: 'pum'")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty Gemfile.lock"),
        (b"\n\n  \n", "empty Gemfile.lock"),
        (b"\x7fELF\x02\x01\x01\x00", "not a text file (it contains NUL bytes)"),
        (b"PLATFORMS\n  ruby\n", "not a Gemfile.lock: no GEM, GIT or PATH section"),
    ],
)
def test_unreadable(data: bytes, message: str) -> None:
    result = parse.parse_gemfile_lock("Gemfile.lock", data)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [message]


def test_huge_line() -> None:
    data = b"GEM\n  remote: https://rubygems.org/\n  specs:\n    " + b"a" * 100_000 + b" (1.0)\n    rack (3.0.8)\n"
    result = parse.parse_gemfile_lock("Gemfile.lock", data)
    assert [p.name for p in result.packages] == ["rack"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(4, "line is too long (100010 characters)")]


def test_garbage_is_capped() -> None:
    result = parse.parse_gemfile_lock("Gemfile.lock", bytes(range(1, 256)) * 1000)
    assert result.packages == ()
    assert 1 <= len(result.diagnostics) <= MAX_DIAGNOSTICS + 1
    assert result.diagnostics[-1].message.endswith("not shown") or len(result.diagnostics) <= MAX_DIAGNOSTICS


def test_deeply_indented_lines() -> None:
    data = b"GEM\n  specs:\n" + b"".join(b" " * (8 + i) + b"x (1)\n" for i in range(100)) + b"    rack (3.0.8)\n"
    result = parse.parse_gemfile_lock("Gemfile.lock", data)
    assert [p.name for p in result.packages] == ["rack"]
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[0].message == "unexpected indentation of 8 spaces"
    assert result.diagnostics[-1].message == "50 more problems in this file not shown"


def test_same_spec_twice_gets_distinct_ids() -> None:
    section = b"GEM\n  remote: https://%s/\n  specs:\n    rack (3.0.8)\n\n"
    data = section % b"a" + section % b"b"
    result = parse.parse_gemfile_lock("Gemfile.lock", data)
    assert [p.id for p in result.packages] == ["pkg:gem/rack@3.0.8", "pkg:gem/rack@3.0.8|2"]
