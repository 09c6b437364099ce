"""Installed gems: specifications/*.gemspec, read as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers.ruby import parse
from stockade.model import Location

TESTDATA = Path(__file__).parent / "testdata"
SPECS = "usr/local/lib/ruby/gems/3.2.0/specifications"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def test_rake() -> None:
    path = f"{SPECS}/rake-13.0.6.gemspec"
    result = parse.parse_gemspec(path, fixture("rake-13.0.6.gemspec"))
    assert result.diagnostics == ()
    (package,) = result.packages
    assert (package.name, package.version, package.ecosystem) == ("rake", "13.0.6", "gem")
    assert package.purl == "pkg:gem/rake@13.0.6"
    assert package.licenses == ("MIT",)
    assert package.locations == (Location(path),)
    assert package.found_by == "ruby-gemspec"
    assert dict(package.metadata) == {}


def test_platform_gem() -> None:
    result = parse.parse_gemspec("s/nokogiri.gemspec", fixture("nokogiri-1.15.4-x86_64-linux.gemspec"))
    (package,) = result.packages
    assert (package.name, package.version) == ("nokogiri", "1.15.4")
    assert package.purl == "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux"
    assert dict(package.metadata) == {"platform": "x86_64-linux"}


def test_default_gem_with_two_licences() -> None:
    (package,) = parse.parse_gemspec(f"{SPECS}/default/json-2.6.1.gemspec", fixture("json-2.6.1.gemspec")).packages
    assert (package.name, package.version, package.licenses) == ("json", "2.6.1", ("Ruby", "BSD-2-Clause"))


def test_old_style_literals_and_version_object() -> None:
    (package,) = parse.parse_gemspec("s/mime-types-1.25.gemspec", fixture("mime-types-1.25.gemspec")).packages
    assert (package.name, package.version, package.licenses) == ("mime-types", "1.25", ("MIT",))
    assert package.purl == "pkg:gem/mime-types@1.25"


def test_stub_line_when_assignments_are_missing() -> None:
    data = b"# -*- encoding: utf-8 -*-\n# stub: racc 1.7.1 java lib\n\nGem::Specification.new do |s|\nend\n"
    (package,) = parse.parse_gemspec("s/racc-1.7.1-java.gemspec", data).packages
    assert (package.name, package.version, package.purl) == ("racc", "1.7.1", "pkg:gem/racc@1.7.1?platform=java")


def test_spec_variable_name_and_single_quotes() -> None:
    data = (
        b"Gem::Specification.new do |spec|\n  spec.name    = 'tzinfo'\n  spec.version = '2.0.6'\n"
        b"  spec.license = 'MIT'\nend\n"
    )
    (package,) = parse.parse_gemspec("s/tzinfo-2.0.6.gemspec", data).packages
    assert (package.name, package.version, package.licenses) == ("tzinfo", "2.0.6", ("MIT",))


def test_other_version_attributes_are_not_the_version() -> None:
    data = b's.name = "x"\ns.required_ruby_version = "2.7"\ns.rubygems_version = "3.4.10"\n'
    result = parse.parse_gemspec("s/x.gemspec", data)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == ["no gem name and version found in the specification"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no gem name and version found in the specification"),
        (b'Gem::Specification.new do |s|\n  s.name = "rake".freeze\n  s.vers',
         "no gem name and version found in the specification"),
        (b"\x00\x01\x02\x03\xff\xfe", "not a text file (it contains NUL bytes)"),
        (b's.name = "../../etc"\ns.version = "1"\n', "invalid gem name '../../etc'"),
        (b"x" * 1_000_000, "no gem name and version found in the specification"),
        (b"[" * 100_000, "no gem name and version found in the specification"),
    ],
    ids=["empty", "truncated", "binary", "bad-name", "huge-line", "nested"],
)
def test_hostile(data: bytes, message: str) -> None:
    result = parse.parse_gemspec("s/x.gemspec", data)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [message]
