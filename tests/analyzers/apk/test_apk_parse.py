from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS, BytesFile
from stockade.analyzers.apk.analyzer import ANALYZERS, APK
from stockade.analyzers.apk.parse import parse_installed
from stockade.model import Location, Package

TESTDATA = Path(__file__).parent / "testdata"
DB = "lib/apk/db/installed"


def installed() -> bytes:
    return (TESTDATA / "installed").read_bytes()


def test_installed_packages() -> None:
    result = APK.analyze(BytesFile(DB, installed()))
    assert result.diagnostics == ()
    assert [(p.name, p.version, p.arch, p.source_name, p.source_version, p.licenses, p.locations[0].line)
            for p in result.packages] == [
        ("musl", "1.2.4_git20230717-r4", "x86_64", "musl", "1.2.4_git20230717-r4", ("MIT",), 1),
        ("busybox", "1.36.1-r15", "x86_64", "busybox", "1.36.1-r15", ("GPL-2.0-only",), 23),
        ("busybox-binsh", "1.36.1-r15", "x86_64", "busybox", "1.36.1-r15", ("GPL-2.0-only",), 57),
        ("libcrypto3", "3.1.4-r5", "x86_64", "openssl", "3.1.4-r5", ("Apache-2.0",), 78),
        # an SPDX expression stays one licence string
        ("ca-certificates-bundle", "20240226-r0", "x86_64", "ca-certificates", "20240226-r0",
         ("MPL-2.0 AND MIT",), 104),
    ]


def test_package_fields() -> None:
    result = APK.analyze(BytesFile(DB, installed()))
    assert result.packages[3] == Package(
        name="libcrypto3",
        version="3.1.4-r5",
        ecosystem="apk",
        purl="",
        locations=(Location(DB, line=78),),
        found_by="apk",
        metadata={
            "description": "Crypto library from openssl",
            "maintainer": "Ariadne Conill <ariadne@dereferenced.org>",
            "commit": "ad27d6c9e9d1b6bbf4c6b2c7f8b8a07e48d30b48",
            "depends": "so:libc.musl-x86_64.so.1",
            "provides": "so:libcrypto.so.3=3",
        },
        source_name="openssl",
        source_version="3.1.4-r5",
        licenses=("Apache-2.0",),
        arch="x86_64",
    )


def test_owned_files_join_directory_and_file() -> None:
    result = APK.analyze(BytesFile(DB, installed()))
    assert result.owned_files == (
        "lib/ld-musl-x86_64.so.1",
        "lib/libc.musl-x86_64.so.1",
        "bin/busybox",
        "etc/securetty",
        "etc/udhcpd.conf",
        "etc/logrotate.d/acpid",
        "bin/sh",
        "etc/ssl/openssl.cnf.dist",
        "usr/lib/libcrypto.so.3",
        "etc/ssl/cert.pem",
        "etc/ssl/certs/ca-certificates.crt",
    )


def test_origin_defaults_to_the_name_and_crlf_is_accepted() -> None:
    result = parse_installed(DB, b"P:zlib\r\nV:1.3.1-r0\r\nL:Zlib\r\nF:lib\r\nR:libz.so.1\r\n")
    assert [(p.name, p.version, p.source_name, p.arch) for p in result.packages] == [("zlib", "1.3.1-r0", "zlib", "")]
    assert result.owned_files == ("lib/libz.so.1",)
    assert result.diagnostics == ()


def test_file_without_directory_and_no_trailing_blank_line() -> None:
    result = parse_installed(DB, b"P:a\nV:1-r0\nR:top-level-file")
    assert result.owned_files == ("top-level-file",)
    assert [p.name for p in result.packages] == ["a"]


# --- hostile input -------------------------------------------------------------------------------------


def test_records_without_name_or_version_are_reported() -> None:
    data = b"P:noversion\nA:x86_64\n\nV:1.0-r0\nA:x86_64\n\nP:good\nV:2.0-r1\n"
    result = parse_installed(DB, data)
    assert [p.name for p in result.packages] == ["good"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (1, "package record without V (version)"),
        (4, "package record without P (name)"),
    ]


def test_missing_blank_line_between_records() -> None:
    data = b"P:first\nV:1-r0\nP:second\nV:2-r0\n"
    result = parse_installed(DB, data)
    assert [(p.name, p.version) for p in result.packages] == [("first", "1-r0")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "second P line in one record (missing blank line?)"),
        (4, "second V line in one record (missing blank line?)"),
    ]


def test_truncated_database_keeps_complete_records() -> None:
    data = installed()
    cut = data[: data.index(b"P:libcrypto3") + 5]  # "P:lib"
    result = parse_installed(DB, cut)
    assert [p.name for p in result.packages] == ["musl", "busybox", "busybox-binsh"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(78, "package record without V (version)")]


def test_bad_lines() -> None:
    data = b"P:a\nV:1-r0\nthis is not a field\n:empty letter\n1:digit\nR:with/slash\nR:\n"
    result = parse_installed(DB, data)
    assert [p.name for p in result.packages] == ["a"]
    assert result.owned_files == ()
    assert [d.location.line for d in result.diagnostics] == [3, 4, 5, 6, 7]


@pytest.mark.parametrize("data", [b"", b"\n\n\n"])
def test_empty_database(data: bytes) -> None:
    result = APK.analyze(BytesFile(DB, data))
    assert result == type(result)()


def test_binary_garbage() -> None:
    garbage = bytes(range(256)) * 100 + b"\n" + b"\x00\xff\xfe\n" * 300
    result = parse_installed(DB, garbage)
    assert result.packages == ()
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[-1].message.endswith("more problems in this file not shown")


def test_garbage_between_good_records_does_not_lose_them() -> None:
    data = b"P:a\nV:1-r0\n\n\xff\xfe\x00\n\nP:b\nV:2-r0\n"
    result = parse_installed(DB, data)
    assert [p.name for p in result.packages] == ["a", "b"]
    assert [d.location.line for d in result.diagnostics] == [4]


def test_huge_line() -> None:
    data = b"P:big\nV:1-r0\nT:" + b"x" * 3_000_000 + b"\np:" + b"so:lib.so=1 " * 2000 + b"\n"
    result = parse_installed(DB, data)
    assert [p.name for p in result.packages] == ["big"]
    assert len(result.packages[0].metadata["description"]) == 4096
    assert result.packages[0].metadata["provides"].endswith("...")


def test_owned_files_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from stockade.analyzers.apk import parse

    monkeypatch.setattr(parse, "MAX_OWNED_FILES", 2)
    result = parse.parse_installed(DB, b"P:a\nV:1\nF:d\nR:1\nR:2\nR:3\nR:4\n")
    assert result.owned_files == ("d/1", "d/2")
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (6, "more than 2 files; the rest is not recorded")
    ]


def test_file_above_the_read_limit() -> None:
    class Big(BytesFile):
        def read(self, limit: int = 1) -> bytes:
            return super().read(limit=4)

    result = APK.analyze(Big(DB, b"P:a\nV:1\n"))
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [f"{DB}: 8 bytes is above the 4 byte limit for this file type"]


# --- wiring --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "wanted"), [
    ("lib/apk/db/installed", True),
    ("lib/apk/db/installed.bak", False),
    ("usr/lib/apk/db/installed", False),
    ("lib/apk/db/scripts.tar", False),
    ("lib/apk/db/triggers", False),
])
def test_wants(path: str, wanted: bool) -> None:
    assert APK.wants(path, 10, 0o644) is wanted


def test_analyzer_identity() -> None:
    assert ANALYZERS == (APK,)
    assert (APK.id, APK.version, APK.targets) == ("apk", 1, frozenset({"image", "rootfs"}))
