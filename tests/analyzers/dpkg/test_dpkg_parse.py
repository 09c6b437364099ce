from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS, BytesFile
from stockade.analyzers.dpkg.analyzer import ANALYZERS, DPKG, DPKG_COPYRIGHT, DPKG_FILES
from stockade.analyzers.dpkg.parse import (
    parse_copyright,
    parse_file_list,
    parse_md5sums,
    parse_source,
    parse_status,
)
from stockade.model import Location, Package

TESTDATA = Path(__file__).parent / "testdata"
STATUS = "var/lib/dpkg/status"


def fixture(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def summary(packages: tuple[Package, ...]) -> list[tuple[str, str, str, str, str, int | None]]:
    return [(p.name, p.version, p.arch, p.source_name, p.source_version, p.locations[0].line) for p in packages]


# --- status --------------------------------------------------------------------------------------------


def test_status_keeps_installed_packages_with_their_source() -> None:
    result = DPKG.analyze(BytesFile(STATUS, fixture("status")))
    assert result.diagnostics == ()
    assert summary(result.packages) == [
        ("base-files", "12.4+deb12u5", "amd64", "base-files", "12.4+deb12u5", 1),
        ("libc6", "2.36-9+deb12u4", "amd64", "glibc", "2.36-9+deb12u4", 23),
        ("libc6", "2.36-9+deb12u4", "i386", "glibc", "2.36-9+deb12u4", 46),
        ("libgcc-s1", "12.2.0-14", "amd64", "gcc-12", "12.2.0-14", 62),
        # binNMU: the binary is 3.4-1+b5, built from source 3.4-1
        ("libsemanage2", "3.4-1+b5", "amd64", "libsemanage", "3.4-1", 80),
        # epoch and binNMU: both versions keep the epoch
        ("login", "1:4.13+dfsg1-1+b1", "amd64", "shadow", "1:4.13+dfsg1-1", 98),
        # Source without a version: the binary version, epoch included
        ("libaudit1", "1:3.0.9-1", "amd64", "audit", "1:3.0.9-1", 122),
        # "hold ok installed" is installed (held at its version); deinstall/purge/unpacked are not
        ("tzdata", "2024a-0+deb12u1", "all", "tzdata", "2024a-0+deb12u1", 171),
        ("zlib1g", "1:1.2.13.dfsg-1", "amd64", "zlib", "1:1.2.13.dfsg-1", 189),
    ]


def test_status_package_fields() -> None:
    result = DPKG.analyze(BytesFile(STATUS, fixture("status")))
    libc = result.packages[1]
    assert libc == Package(
        name="libc6",
        version="2.36-9+deb12u4",
        ecosystem="deb",
        purl="",
        locations=(Location(STATUS, line=23),),
        found_by="dpkg",
        metadata={
            "maintainer": "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
            "installed_size": "12986",
            "depends": "libgcc-s1",
        },
        source_name="glibc",
        source_version="2.36-9+deb12u4",
        licenses=(),
        arch="amd64",
    )
    login = result.packages[5]
    assert "depends" not in login.metadata  # login only has Pre-Depends
    semanage = result.packages[4]
    assert semanage.metadata["depends"] == (
        "libsemanage-common (>= 3.4-1), libaudit1 (>= 1:2.2.1), libbz2-1.0, libc6 (>= 2.33), "
        "libselinux1 (>= 3.4), libsepol2 (>= 3.4)"
    )


@pytest.mark.parametrize(("source", "expected"), [
    ("", ("libc6", "2.36-9")),
    ("glibc", ("glibc", "2.36-9")),
    ("glibc (2.36-8)", ("glibc", "2.36-8")),
    ("shadow (1:4.13+dfsg1-1)", ("shadow", "1:4.13+dfsg1-1")),
    ("glibc(2.36-8)", ("glibc", "2.36-8")),
    ("glibc ()", ("glibc", "2.36-9")),
    ("   ", ("libc6", "2.36-9")),
])
def test_parse_source(source: str, expected: tuple[str, str]) -> None:
    assert parse_source(source, "libc6", "2.36-9") == expected


def test_distroless_status_d_files_have_no_status() -> None:
    one = DPKG.analyze(BytesFile("var/lib/dpkg/status.d/libssl3", fixture("status.d/libssl3")))
    assert one.diagnostics == ()
    assert summary(one.packages) == [("libssl3", "3.0.11-1~deb12u2", "amd64", "openssl", "3.0.11-1~deb12u2", 1)]
    assert one.packages[0].locations == (Location("var/lib/dpkg/status.d/libssl3", line=1),)
    several = DPKG.analyze(BytesFile("var/lib/dpkg/status.d/base", fixture("status.d/base")))
    assert several.diagnostics == ()
    assert summary(several.packages) == [
        ("base-files", "12.4+deb12u5", "amd64", "base-files", "12.4+deb12u5", 1),
        ("netbase", "6.4", "all", "netbase", "6.4", 11),
        ("tzdata", "2024a-0+deb12u1", "all", "tzdata", "2024a-0+deb12u1", 23),
    ]


def test_status_d_stanza_with_a_status_is_judged_by_it() -> None:
    data = b"Package: a\nVersion: 1\nStatus: deinstall ok config-files\n\nPackage: b\nVersion: 2\n"
    result = parse_status("var/lib/dpkg/status.d/x", data, require_status=False)
    assert [p.name for p in result.packages] == ["b"]


def test_status_file_stanza_without_status_is_reported() -> None:
    data = b"Package: a\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n"
    result = parse_status(STATUS, data)
    assert [p.name for p in result.packages] == ["b"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(1, "package a has no Status field")]


def test_status_continuation_lines_and_crlf() -> None:
    data = (b"Package: foo\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\nDepends: a,\r\n b (>= 2),\r\n"
            b" c\r\nDescription: x\r\n long\r\n .\r\n text\r\n")
    result = parse_status(STATUS, data)
    assert result.diagnostics == ()
    assert result.packages[0].metadata == {"depends": "a, b (>= 2), c"}


# --- hostile status input -------------------------------------------------------------------------------


def test_missing_version_or_name_is_reported_and_others_kept() -> None:
    data = (b"Package: nover\nStatus: install ok installed\n\n"
            b"Status: install ok installed\nVersion: 1\n\n"
            b"Package: good\nStatus: install ok installed\nVersion: 3\n")
    result = parse_status(STATUS, data)
    assert [p.name for p in result.packages] == ["good"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (1, "paragraph without a Version field"),
        (4, "paragraph without a Package field"),
    ]


def test_truncated_status_keeps_complete_stanzas() -> None:
    data = fixture("status")
    cut = data[: data.index(b"Package: libgcc-s1") + 20]
    result = parse_status(STATUS, cut)
    assert [p.name for p in result.packages] == ["base-files", "libc6", "libc6"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (63, "not a 'Field: value' line: 'S'"),
        (62, "package libgcc-s1 has no Status field"),
    ]


def test_malformed_lines_are_reported_with_line_numbers() -> None:
    data = (b" orphan continuation\nPackage: a\nStatus: install ok installed\nthis line has no colon\n"
            b"Version: 1\nVersion: 2\n")
    result = parse_status(STATUS, data)
    assert [(p.name, p.version) for p in result.packages] == [("a", "2")]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (1, "continuation line outside a field"),
        (4, "not a 'Field: value' line: 'this line has no colon'"),
        (6, "duplicate field 'Version' in the paragraph starting at line 2"),
    ]


@pytest.mark.parametrize("data", [b"", b"\n\n\n", b"   \n\t\n"])
def test_empty_status(data: bytes) -> None:
    result = parse_status(STATUS, data)
    assert result.packages == ()
    assert result.diagnostics == ()


def test_binary_garbage_status_is_capped_diagnostics() -> None:
    garbage = bytes(range(256)) * 200 + b"\n" + b"\xff\xfe\x00garbage\n" * 500
    result = DPKG.analyze(BytesFile(STATUS, garbage))
    assert result.packages == ()
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[-1].message.endswith("more problems in this file not shown")


def test_huge_line_status() -> None:
    data = b"Package: big\nStatus: install ok installed\nVersion: 1\nDescription: " + b"x" * 5_000_000 + b"\n"
    result = parse_status(STATUS, data)
    assert [p.name for p in result.packages] == ["big"]
    assert result.diagnostics == ()


def test_huge_depends_is_shortened_in_metadata() -> None:
    data = b"Package: big\nStatus: install ok installed\nVersion: 1\nDepends: " + b"a, " * 10_000 + b"z\n"
    result = parse_status(STATUS, data)
    depends = result.packages[0].metadata["depends"]
    assert len(depends) == 4096 and depends.endswith("...")


def test_status_above_the_read_limit() -> None:
    class Big(BytesFile):
        def read(self, limit: int = 1) -> bytes:
            return super().read(limit=8)

    result = DPKG.analyze(Big(STATUS, b"Package: a\nVersion: 1\n"))
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [
        f"{STATUS}: 22 bytes is above the 8 byte limit for this file type"
    ]


# --- copyright -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "licenses"), [
    ("libssl3", ("Apache-2.0",)),
    ("libgcrypt20", ("LGPL-2.1+", "GPL-2+", "BSD-3-clause", "GPL-2+ or LGPL-2.1+")),
    ("bash", ("GPL-3", "GFDL-1.3")),
    ("ca-certificates", ("GPL-2+ and MPL-2.0",)),
])
def test_copyright_licenses(name: str, licenses: tuple[str, ...]) -> None:
    path = f"usr/share/doc/{name}/copyright"
    result = DPKG_COPYRIGHT.analyze(BytesFile(path, fixture(f"copyright/{name}")))
    assert result.diagnostics == ()
    assert result.packages == (Package(
        name=name, version="", ecosystem="deb", locations=(Location(path),), found_by="dpkg-copyright",
        licenses=licenses, metadata={"kind": "license"},
    ),)


@pytest.mark.parametrize("data", [
    b"",
    b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\n",
    b"Copyright (c) someone. All rights reserved, no licence named here.\n",
])
def test_copyright_without_licences_gives_no_record(data: bytes) -> None:
    result = parse_copyright("usr/share/doc/foo/copyright", data)
    assert result.packages == ()
    assert result.diagnostics == ()


def test_copyright_binary_garbage() -> None:
    data = b"Format: x\n" + bytes(range(256)) * 100
    result = parse_copyright("usr/share/doc/foo/copyright", data)
    assert result.packages == ()
    assert 1 <= len(result.diagnostics) <= MAX_DIAGNOSTICS + 1


def test_copyright_of_a_path_that_names_no_package() -> None:
    result = parse_copyright("usr/share/doc/copyright", b"see /usr/share/common-licenses/GPL-2\n")
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == ["not a usr/share/doc/<package>/copyright path"]


# --- file lists ----------------------------------------------------------------------------------------


def test_list_file_owned_files() -> None:
    path = "var/lib/dpkg/info/zlib1g:amd64.list"
    result = DPKG_FILES.analyze(BytesFile(path, fixture("info/zlib1g.list")))
    assert result.diagnostics == ()
    assert result.packages == ()
    assert result.owned_files == (
        "usr", "usr/lib", "usr/lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "usr/share",
        "usr/share/doc", "usr/share/doc/zlib1g", "usr/share/doc/zlib1g/changelog.Debian.gz",
        "usr/share/doc/zlib1g/changelog.gz", "usr/share/doc/zlib1g/copyright", "usr/lib/x86_64-linux-gnu/libz.so.1",
    )


def test_md5sums_owned_files() -> None:
    result = DPKG_FILES.analyze(BytesFile("var/lib/dpkg/info/zlib1g:amd64.md5sums", fixture("info/zlib1g.md5sums")))
    assert result.diagnostics == ()
    assert result.owned_files == (
        "usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "usr/share/doc/zlib1g/changelog.Debian.gz",
        "usr/share/doc/zlib1g/changelog.gz", "usr/share/doc/zlib1g/copyright",
    )
    distroless = DPKG_FILES.analyze(BytesFile("var/lib/dpkg/status.d/libssl3.md5sums",
                                              fixture("status.d/libssl3.md5sums")))
    assert distroless.owned_files[1] == "usr/lib/x86_64-linux-gnu/libcrypto.so.3"
    assert len(distroless.owned_files) == 4


def test_hostile_file_lists() -> None:
    listing = parse_file_list("x.list", b"/usr/bin/a\nrelative/path\n\n/\n/usr/bin/b\n")
    assert listing.owned_files == ("usr/bin/a", "usr/bin/b")
    assert [(d.location.line, d.message) for d in listing.diagnostics] == [
        (2, "not an absolute path: 'relative/path'")
    ]
    sums = parse_md5sums("x.md5sums", b"0123456789abcdef0123456789abcdef  usr/bin/a\nnothex  usr/bin/b\n"
                                      b"0123456789abcdef0123456789abcdef usr/bin/one-space\n"
                                      b"0123456789abcdef0123456789abcdef  \n")
    assert sums.owned_files == ("usr/bin/a",)
    assert [d.location.line for d in sums.diagnostics] == [2, 3, 4]
    garbage = parse_md5sums("x.md5sums", bytes(range(256)) * 50 + b"\n" * 3 + b"\x00junk\n" * 100)
    assert garbage.owned_files == ()
    assert len(garbage.diagnostics) == MAX_DIAGNOSTICS + 1


def test_file_list_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from stockade.analyzers.dpkg import parse

    monkeypatch.setattr(parse, "MAX_OWNED_FILES", 3)
    result = parse.parse_file_list("x.list", b"".join(b"/f%d\n" % i for i in range(10)))
    assert result.owned_files == ("f0", "f1", "f2")
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (4, "more than 3 paths; the rest is ignored")
    ]


# --- wiring --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "status", "copyright", "files"), [
    ("var/lib/dpkg/status", True, False, False),
    ("var/lib/dpkg/status-old", False, False, False),
    ("var/lib/dpkg/status.d/libssl3", True, False, False),
    ("var/lib/dpkg/status.d/libssl3.md5sums", False, False, True),
    ("var/lib/dpkg/status.d/sub/x", False, False, False),
    ("var/lib/dpkg/info/zlib1g:amd64.list", False, False, True),
    ("var/lib/dpkg/info/zlib1g:amd64.md5sums", False, False, True),
    ("var/lib/dpkg/info/zlib1g:amd64.conffiles", False, False, False),
    ("var/lib/dpkg/info/zlib1g:amd64.postinst", False, False, False),
    ("usr/share/doc/zlib1g/copyright", False, True, False),
    ("usr/share/doc/zlib1g/examples/copyright", False, False, False),
    ("usr/share/doc/copyright", False, False, False),
    ("opt/var/lib/dpkg/status", False, False, False),
])
def test_wants(path: str, status: bool, copyright: bool, files: bool) -> None:
    assert DPKG.wants(path, 10, 0o644) is status
    assert DPKG_COPYRIGHT.wants(path, 10, 0o644) is copyright
    assert DPKG_FILES.wants(path, 10, 0o644) is files


def test_analyzer_identity() -> None:
    assert [(a.id, a.version, a.targets) for a in ANALYZERS] == [
        ("dpkg", 1, frozenset({"image", "rootfs"})),
        ("dpkg-copyright", 1, frozenset({"image", "rootfs"})),
        ("dpkg-files", 1, frozenset({"image", "rootfs"})),
    ]
