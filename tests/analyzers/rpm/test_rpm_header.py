"""The RPM header reader on headers assembled by hand: every field type, and every way a header can lie."""

from __future__ import annotations

import struct

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS
from stockade.analyzers.rpm import parse
from stockade.analyzers.rpm.parse import (
    HeaderError,
    header_package,
    packages_from_blobs,
    read_header,
    split_source_rpm,
)
from stockade.model import Location, Package

Entry = tuple[int, int, bytes, int]
PATH = "var/lib/rpm/rpmdb.sqlite"


def header(*entries: Entry) -> bytes:
    """A header blob from (tag, type, data, count) entries, data laid out in order (INT32 aligned)."""
    index, store = b"", b""
    for tag, type_, data, count in entries:
        if type_ == 4:
            store += b"\0" * (-len(store) % 4)
        index += struct.pack(">IIII", tag, type_, len(store), count)
        store += data
    return struct.pack(">II", len(entries), len(store)) + index + store


def string(tag: int, text: str, type_: int = 6) -> Entry:
    return (tag, type_, text.encode() + b"\0", 1)


def strings(tag: int, *texts: str) -> Entry:
    return (tag, 8, b"".join(t.encode() + b"\0" for t in texts), len(texts))


def int32(tag: int, *values: int) -> Entry:
    return (tag, 4, struct.pack(f">{len(values)}I", *values), len(values))


OPENSSL_LIBS = (
    string(1000, "openssl-libs"),
    string(1001, "3.0.7"),
    string(1002, "24.el9"),
    int32(1003, 1),
    string(1004, "A general purpose cryptography library", type_=9),
    string(1011, "Red Hat, Inc."),
    string(1014, "ASL 2.0"),
    string(1022, "x86_64"),
    string(1044, "openssl-3.0.7-24.el9.src.rpm"),
    int32(1116, 0, 0, 1),
    strings(1117, "libcrypto.so.3", "libssl.so.3", "openssl-libs"),
    strings(1118, "/usr/lib64/", "/usr/share/licenses/"),
)


def test_read_header_decodes_each_type() -> None:
    parsed = read_header(header(*OPENSSL_LIBS))
    assert parsed.problems == ()
    assert parsed.string(1000) == "openssl-libs"
    assert parsed.ints(1003) == [1]
    assert parsed.ints(1116) == [0, 0, 1]
    assert parsed.strings(1117) == ["libcrypto.so.3", "libssl.so.3", "openssl-libs"]
    assert 1004 not in parsed.tags  # not wanted


def test_header_package() -> None:
    result = header_package(PATH, header(*OPENSSL_LIBS))
    assert result.problems == []
    assert result.files == ["usr/lib64/libcrypto.so.3", "usr/lib64/libssl.so.3", "usr/share/licenses/openssl-libs"]
    assert result.package == Package(
        name="openssl-libs",
        version="1:3.0.7-24.el9",
        ecosystem="rpm",
        locations=(Location(PATH),),
        found_by="rpm",
        metadata={"vendor": "Red Hat, Inc.", "source_rpm": "openssl-3.0.7-24.el9.src.rpm"},
        source_name="openssl",
        source_version="1:3.0.7-24.el9",
        licenses=("ASL 2.0",),
        arch="x86_64",
    )


def test_package_without_epoch_source_or_files() -> None:
    blob = header(string(1000, "tzdata"), string(1001, "2024a"), string(1002, "1.el9"), string(1022, "noarch"),
                  string(5096, "postgresql:15:9030020231120082734:rhel9"))
    result = header_package(PATH, blob)
    assert result.package is not None
    assert (result.package.version, result.package.source_name, result.package.source_version) == (
        "2024a-1.el9", "tzdata", "2024a-1.el9")
    assert result.package.metadata == {"modularity_label": "postgresql:15:9030020231120082734:rhel9"}
    assert result.files == []


def test_epoch_zero_is_kept_and_old_file_names_are_read() -> None:
    blob = header(string(1000, "setup"), string(1001, "2.8.71"), string(1002, "7.el7"), int32(1003, 0),
                  strings(1027, "/etc/passwd", "/etc/group", "/"))
    result = header_package(PATH, blob)
    assert result.package is not None and result.package.version == "0:2.8.71-7.el7"
    assert result.files == ["etc/passwd", "etc/group"]


def test_gpg_pubkey_is_not_a_package() -> None:
    blob = header(string(1000, "gpg-pubkey"), string(1001, "fd431d51"), string(1002, "4ae0493b"))
    assert header_package(PATH, blob) == parse.HeaderResult(None, [], [])


@pytest.mark.parametrize(("filename", "parts"), [
    ("bash-5.1.8-6.el9.src.rpm", ("bash", "5.1.8", "6.el9")),
    ("python3.11-3.11.5-1.el9_3.src.rpm", ("python3.11", "3.11.5", "1.el9_3")),
    ("kernel-rt-5.14.0-362.8.1.rt14.293.el9_3.nosrc.rpm", ("kernel-rt", "5.14.0", "362.8.1.rt14.293.el9_3")),
    ("bash-5.1.8.src.rpm", None),
    ("bash-5.1.8-6.el9.x86_64.rpm", None),
    ("-1-2.src.rpm", None),
    ("", None),
])
def test_split_source_rpm(filename: str, parts: tuple[str, str, str] | None) -> None:
    assert split_source_rpm(filename) == parts


def test_bad_source_rpm_name_falls_back_to_the_binary() -> None:
    blob = header(string(1000, "bash"), string(1001, "5.1.8"), string(1002, "6.el9"), string(1044, "garbage"))
    result = header_package(PATH, blob)
    assert result.package is not None
    assert (result.package.source_name, result.package.source_version) == ("bash", "5.1.8-6.el9")
    assert result.problems == ["bash: SOURCERPM 'garbage' is not name-version-release.src.rpm"]


# --- hostile headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("blob", "message"), [
    (b"", "header blob of 0 bytes is shorter than its 8-byte preamble"),
    (b"\0\0\0\1", "header blob of 4 bytes is shorter than its 8-byte preamble"),
    (struct.pack(">II", 1 << 31, 16) + b"\0" * 64, "header claims 2147483648 index entries (valid: 1 to 65535)"),
    (struct.pack(">II", 0xFFFFFFFF, 0xFFFFFFFF), "header claims 4294967295 index entries (valid: 1 to 65535)"),
    (struct.pack(">II", 0, 0), "header claims 0 index entries (valid: 1 to 65535)"),
    (struct.pack(">II", 1, 1 << 30) + b"\0" * 16, "header claims 1073741824 bytes of data (more than 268435456)"),
    (struct.pack(">II", 2, 100) + b"\0" * 40,
     "header claims 2 entries and 100 bytes of data, but the blob has only 48 bytes"),
])
def test_unreadable_headers(blob: bytes, message: str) -> None:
    with pytest.raises(HeaderError) as caught:
        read_header(blob)
    assert str(caught.value) == message
    assert header_package(PATH, blob) == parse.HeaderResult(None, [], [message])


def test_truncated_real_looking_header() -> None:
    blob = header(*OPENSSL_LIBS)
    for cut in range(0, len(blob) - 1, 7):
        result = header_package(PATH, blob[:cut])
        assert result.package is None
        assert len(result.problems) == 1


def raw(entries: list[tuple[int, int, int, int]], store: bytes) -> bytes:
    index = b"".join(struct.pack(">IIII", *entry) for entry in entries)
    return struct.pack(">II", len(entries), len(store)) + index + store


def test_entries_pointing_outside_the_store() -> None:
    store = b"bash\x005.1.8\x006.el9\x00"
    blob = raw([(1000, 6, 0, 1), (1001, 6, 5, 1), (1002, 6, 11, 1),
                (1014, 6, 4096, 1),            # offset past the end
                (1117, 8, 0, 0x7FFFFFFF),      # count far beyond the store
                (1022, 6, 11, 0)], store)      # zero count
    result = header_package(PATH, blob)
    assert result.package is not None
    assert (result.package.name, result.package.version, result.package.licenses) == ("bash", "5.1.8-6.el9", ())
    assert result.problems == [
        "tag 1014: offset 4096 / count 1 outside the 17-byte data store",
        "tag 1117: offset 0 / count 2147483647 outside the 17-byte data store",
        "tag 1022: offset 11 / count 0 outside the 17-byte data store",
    ]


def test_unterminated_strings_and_wrong_types() -> None:
    store = b"bash\x005.1.8\x00" + struct.pack(">I", 7) + b"no terminator"
    blob = raw([(1000, 6, 0, 1), (1001, 6, 5, 1),
                (1002, 6, 15, 1),              # runs off the end without a NUL
                (1003, 6, 0, 1),               # EPOCH as a string
                (1022, 4, 11, 1),              # ARCH as an integer
                (1014, 99, 0, 1),              # unknown type
                (1116, 4, 11, 5)], store)      # 5 integers do not fit
    result = header_package(PATH, blob)
    assert result.package is not None and result.package.version == "5.1.8"
    assert result.problems == [
        "tag 1002: string not terminated inside the data store",
        "tag 1003: string type 6 where an integer was expected",
        "tag 1022: integer type 4 where a string was expected",
        "tag 1014: unexpected type 99",
        "tag 1116: 5 integers do not fit in the data store",
    ]


def test_file_lists_that_disagree() -> None:
    base = (string(1000, "bash"), string(1001, "5.1.8"), string(1002, "6.el9"))
    out_of_range = header(*base, int32(1116, 0, 3), strings(1117, "bash", "sh"), strings(1118, "/usr/bin/"))
    result = header_package(PATH, out_of_range)
    assert result.package is not None
    assert result.files == ["usr/bin/bash"]
    assert result.problems == ["bash: DIRINDEXES value 3 past the 1 DIRNAMES"]
    mismatch = header(*base, int32(1116, 0), strings(1117, "bash", "sh"), strings(1118, "/usr/bin/"))
    result = header_package(PATH, mismatch)
    assert result.files == []
    assert result.problems == ["bash: 2 BASENAMES but 1 DIRINDEXES"]


def test_headers_without_name_or_version() -> None:
    assert header_package(PATH, header(string(1001, "1.0"))).problems == ["header without NAME"]
    assert header_package(PATH, header(string(1000, "bash"))).problems == ["header of bash without VERSION"]


def test_binary_garbage_blobs() -> None:
    import random

    rng = random.Random(7)
    good = header(*OPENSSL_LIBS)
    for _ in range(500):
        blob = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        result = header_package(PATH, bytes(blob))  # never raises
        assert result.package is None or result.package.ecosystem == "rpm"
    noise = bytes(rng.randrange(256) for _ in range(4096))
    assert header_package(PATH, noise).package is None


# --- many blobs ----------------------------------------------------------------------------------------


def test_packages_from_blobs_caps_diagnostics() -> None:
    blobs = [(n, b"junk") for n in range(1, 101)] + [(101, header(*OPENSSL_LIBS))]
    result = packages_from_blobs(PATH, blobs)
    assert [p.name for p in result.packages] == ["openssl-libs"]
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[0].message == (
        "package record 1: header blob of 4 bytes is shorter than its 8-byte preamble")
    assert result.diagnostics[-1].message == "50 more problems in this file not shown"
    assert result.owned_files == ("usr/lib64/libcrypto.so.3", "usr/lib64/libssl.so.3",
                                  "usr/share/licenses/openssl-libs")


def test_owned_files_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_OWNED_FILES", 4)
    blob = header(*OPENSSL_LIBS)
    result = packages_from_blobs(PATH, [(1, blob), (2, blob)])
    assert len(result.packages) == 2
    assert result.owned_files == ("usr/lib64/libcrypto.so.3", "usr/lib64/libssl.so.3",
                                  "usr/share/licenses/openssl-libs", "usr/lib64/libcrypto.so.3")
    assert [d.message for d in result.diagnostics] == ["more than 4 owned files; the rest is not recorded"]
