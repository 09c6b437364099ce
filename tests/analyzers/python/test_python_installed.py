"""Installed Python distributions: *.dist-info/METADATA, *.egg-info/PKG-INFO and bare *.egg-info files."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS
from stockade.analyzers.python import parse
from stockade.model import Location

TESTDATA = Path(__file__).parent / "testdata"
SITE = "usr/local/lib/python3.11/site-packages"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def test_dist_info_requests() -> None:
    path = f"{SITE}/requests-2.31.0.dist-info/METADATA"
    result = parse.parse_dist_info(path, fixture("requests.METADATA"))
    assert result.diagnostics == ()
    (package,) = result.packages
    assert (package.name, package.version, package.ecosystem) == ("requests", "2.31.0", "pypi")
    assert package.purl == "pkg:pypi/requests@2.31.0"
    assert package.licenses == ("Apache 2.0",)
    assert package.locations == (Location(path),)
    assert package.found_by == "python-dist-info"
    # PySocks and chardet are behind extras; the description body is not read as headers
    assert dict(package.metadata) == {"requires": "charset-normalizer, idna, urllib3, certifi"}
    assert package.dev is False


def test_dist_info_name_is_normalised_in_the_purl_only() -> None:
    result = parse.parse_dist_info("x/zope.interface-5.4.0.dist-info/METADATA", fixture("zope.interface.METADATA"))
    (package,) = result.packages
    assert package.name == "zope.interface"
    assert package.purl == "pkg:pypi/zope-interface@5.4.0"
    assert package.licenses == ("ZPL 2.1",)
    assert dict(package.metadata) == {"requires": "setuptools"}


def test_dist_info_license_expression_wins() -> None:
    (package,) = parse.parse_dist_info("a/attrs-25.3.0.dist-info/METADATA", fixture("attrs.METADATA")).packages
    assert package.licenses == ("MIT",)
    assert dict(package.metadata) == {}  # both requirements are behind the 'tests' extra


def test_dist_info_license_from_classifiers() -> None:
    data = fixture("typing_extensions.METADATA")
    (package,) = parse.parse_dist_info("t/typing_extensions-4.8.0.dist-info/METADATA", data).packages
    assert package.name == "typing_extensions"
    assert package.purl == "pkg:pypi/typing-extensions@4.8.0"
    assert package.licenses == ("Python Software Foundation License",)


def test_spdx_expression_kept_as_one_string() -> None:
    data = b"Name: cryptography\nVersion: 44.0.0\nLicense-Expression: Apache-2.0 OR BSD-3-Clause\n"
    (package,) = parse.parse_dist_info("c/cryptography-44.0.0.dist-info/METADATA", data).packages
    assert package.licenses == ("Apache-2.0 OR BSD-3-Clause",)


def test_license_text_falls_back_to_classifiers() -> None:
    data = (
        b"Metadata-Version: 2.1\nName: example\nVersion: 1.0\nLicense: Copyright (c) 2020 Example\n"
        b"        Permission is hereby granted, free of charge...\n"
        b"Classifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved\n"
    )
    (package,) = parse.parse_dist_info("e/example-1.0.dist-info/METADATA", data).packages
    assert package.licenses == ("MIT License",)


def test_unknown_license_is_no_license() -> None:
    data = b"Metadata-Version: 1.0\nName: legacy\nVersion: 0.1\nLicense: UNKNOWN\n"
    (package,) = parse.parse_egg_info("l/legacy-0.1.egg-info/PKG-INFO", data).packages
    assert package.licenses == ()


def test_egg_info_pkg_info_with_continuation_lines() -> None:
    path = "usr/lib/python3/dist-packages/six-1.16.0-py3.11.egg-info/PKG-INFO"
    result = parse.parse_egg_info(path, fixture("six.PKG-INFO"))
    assert result.diagnostics == ()
    (package,) = result.packages
    assert (package.name, package.version, package.purl) == ("six", "1.16.0", "pkg:pypi/six@1.16.0")
    assert package.licenses == ("MIT",)
    assert package.found_by == "python-egg-info"
    assert package.locations == (Location(path),)


def test_bare_egg_info_file() -> None:
    path = "usr/lib/python3/dist-packages/PyYAML-5.3.1.egg-info"
    (package,) = parse.parse_egg_info(path, fixture("PyYAML.egg-info")).packages
    assert (package.name, package.version, package.purl) == ("PyYAML", "5.3.1", "pkg:pypi/pyyaml@5.3.1")
    assert package.licenses == ("MIT",)


# --- hostile input ----------------------------------------------------------------------------------


def test_malformed_header_line_is_reported_and_parsing_goes_on() -> None:
    data = b"Metadata-Version: 2.1\nName: idna\nthis line has no colon\nVersion: 3.6\n"
    result = parse.parse_dist_info("i/idna-3.6.dist-info/METADATA", data)
    assert [(p.name, p.version) for p in result.packages] == [("idna", "3.6")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "not a metadata header: 'this line has no colon'")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no Name and Version headers: not a distribution's metadata"),
        (b"Metadata-Version: 2.1\nName: reque", "no Name and Version headers: not a distribution's metadata"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00garbage\xff\xfe", "not a text file (it contains NUL bytes)"),
    ],
    ids=["empty", "truncated", "binary"],
)
def test_unusable_metadata_gives_a_diagnostic(data: bytes, message: str) -> None:
    result = parse.parse_dist_info("p/x.dist-info/METADATA", data)
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [message]
    assert result.diagnostics[0].location.path == "p/x.dist-info/METADATA"


def test_huge_line_is_skipped_with_a_diagnostic() -> None:
    data = b"Metadata-Version: 2.1\nSummary: " + b"x" * 200_000 + b"\nName: certifi\nVersion: 2024.8.30\n"
    result = parse.parse_dist_info("c/certifi.dist-info/METADATA", data)
    assert [(p.name, p.version) for p in result.packages] == [("certifi", "2024.8.30")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(2, "line is too long (200009 characters)")]


def test_garbage_lines_are_capped() -> None:
    data = b"\n".join(b"garbage line %d" % i for i in range(500))
    result = parse.parse_egg_info("g.egg-info", data)
    assert result.packages == ()
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 2  # the cap, the missing Name, the summary
    assert [d.message for d in result.diagnostics[-2:]] == [
        "no Name and Version headers: not a distribution's metadata",
        "450 more problems in this file not shown",
    ]


def test_undecodable_bytes_do_not_stop_the_parser() -> None:
    data = b"Metadata-Version: 2.1\nName: caf\xe9\nVersion: 1.0\n"
    (package,) = parse.parse_dist_info("c/caf.dist-info/METADATA", data).packages
    assert package.name == "caf\ufffd"
