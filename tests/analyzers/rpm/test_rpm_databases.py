"""The rpm analyzer against real databases built at test time.

Three spec files (testdata/specs) are built with ``rpmbuild`` and installed with ``rpm --justdb`` into a
fresh SQLite rpmdb; ``rpm -qa`` on that database is the expected answer. The header blobs are then copied
out of the SQLite database into Berkeley DB hash files written by ``db_load`` (several page sizes, both
byte orders) and into an ndb file, and every format must give exactly what rpm printed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from stockade.analyzers._base import BytesFile
from stockade.analyzers.rpm.analyzer import ANALYZERS, RPM
from stockade.model import Package

SPECS = Path(__file__).parent / "testdata" / "specs"
NONE = "(none)"
QUERY = (
    "%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{ARCH}\t%{LICENSE}\t%{SOURCERPM}\t%{VENDOR}\t"
    "%{MODULARITYLABEL}\n"
)

Row = tuple[str, ...]


def require(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH (Debian packages rpm, db-util) to build rpm databases")


def run(*args: str | Path, home: Path) -> str:
    env = {**os.environ, "HOME": str(home), "LC_ALL": "C"}
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class Database:
    sqlite: Path
    expected: list[Row]
    files: set[str]
    blobs: list[tuple[int, bytes]]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Database:
    require("rpmbuild", "rpm")
    root = tmp_path_factory.mktemp("rpmdb")
    top = root / "rpmbuild"
    for spec in sorted(SPECS.glob("*.spec")):
        run("rpmbuild", "-bb", "--quiet", "--define", f"_topdir {top}", "--define", "debug_package %{nil}",
            "--define", "__os_install_post %{nil}", "--define", "_build_id_links none", spec, home=root)
    rpms = sorted(top.glob("RPMS/*/*.rpm"))
    assert len(rpms) == 4
    dbpath = root / "db"
    dbpath.mkdir()
    run("rpm", "--dbpath", dbpath, "--initdb", home=root)
    run("rpm", "--dbpath", dbpath, "-i", "--justdb", "--nodeps", "--noscripts", "--nosignature", *rpms, home=root)
    out = run("rpm", "--dbpath", dbpath, "-qa", "--qf", QUERY, home=root)
    expected = sorted(tuple("" if field == NONE else field for field in line.split("\t"))
                      for line in out.splitlines())
    listing = run("rpm", "--dbpath", dbpath, "-qal", home=root)
    files = {line.lstrip("/") for line in listing.splitlines() if line.startswith("/")}
    sqlite = dbpath / "rpmdb.sqlite"
    with sqlite3.connect(sqlite) as connection:
        blobs = [(hnum, bytes(blob)) for hnum, blob in connection.execute("SELECT hnum, blob FROM Packages")]
    return Database(sqlite, expected, files, blobs)


def rows(packages: tuple[Package, ...]) -> list[Row]:
    return sorted(
        (p.name, p.version, p.arch, p.licenses[0] if p.licenses else "", p.metadata.get("source_rpm", ""),
         p.metadata.get("vendor", ""), p.metadata.get("modularity_label", ""))
        for p in packages
    )


def assert_same_as_rpm(result_packages: tuple[Package, ...], owned: tuple[str, ...], db: Database) -> None:
    assert rows(result_packages) == db.expected
    assert set(owned) == db.files
    by_name = {p.name: p for p in result_packages}
    extra = by_name["libstockade-extra"]
    assert (extra.version, extra.source_name, extra.source_version) == ("2:1.2.3-4.el9", "stockade-hello",
                                                                        "2:1.2.3-4.el9")
    big = by_name["stockade-big"]
    assert (big.version, big.source_name, big.source_version) == ("0.9.1-1.el9_3", "stockade-big", "0.9.1-1.el9_3")
    assert big.licenses == ("GPL-2.0-or-later",)
    assert by_name["stockade-hello"].licenses == ("MIT AND (Apache-2.0 OR BSD-3-Clause)",)
    assert all(p.ecosystem == "rpm" and p.found_by == "rpm" and p.purl == "" for p in result_packages)


def test_expected_answer_is_what_the_specs_say(database: Database) -> None:
    arch = next(row[2] for row in database.expected if row[0] == "stockade-big")
    assert database.expected == sorted([
        ("libstockade-extra", "2:1.2.3-4.el9", "noarch", "LGPL-2.1-or-later", "stockade-hello-1.2.3-4.el9.src.rpm",
         "Stockade Test Vendor", ""),
        ("stockade-big", "0.9.1-1.el9_3", arch, "GPL-2.0-or-later", "stockade-big-0.9.1-1.el9_3.src.rpm", "", ""),
        ("stockade-hello", "2:1.2.3-4.el9", "noarch", "MIT AND (Apache-2.0 OR BSD-3-Clause)",
         "stockade-hello-1.2.3-4.el9.src.rpm", "Stockade Test Vendor", ""),
        ("stockade-nodejs", "18.19.0-1.module+el9.3.0+20970+8f6f8a2d", "noarch", "MIT AND ISC AND BSD-3-Clause",
         "stockade-nodejs-18.19.0-1.module+el9.3.0+20970+8f6f8a2d.src.rpm", "Stockade Test Vendor",
         "nodejs:18:9030020231120082734:rhel9"),
    ])
    assert len(database.files) > 1500
    assert "usr/share/stockade-hello/greeting.txt" in database.files


# --- SQLite --------------------------------------------------------------------------------------------


def test_sqlite_database(database: Database) -> None:
    path = "var/lib/rpm/rpmdb.sqlite"
    result = RPM.analyze(BytesFile(path, database.sqlite.read_bytes()))
    assert result.diagnostics == ()
    assert_same_as_rpm(result.packages, result.owned_files, database)
    assert {p.locations[0].path for p in result.packages} == {path}


def test_sqlite_database_in_usr_lib_sysimage(database: Database) -> None:
    result = RPM.analyze(BytesFile("usr/lib/sysimage/rpm/rpmdb.sqlite", database.sqlite.read_bytes()))
    assert result.diagnostics == ()
    assert len(result.packages) == 4


def sqlite_bytes(tmp_path: Path, *statements: str, params: tuple[object, ...] = ()) -> bytes:
    path = tmp_path / "made.sqlite"
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement, params if "?" in statement else ())
    connection.close()
    return path.read_bytes()


def test_sqlite_without_packages_table(tmp_path: Path) -> None:
    data = sqlite_bytes(tmp_path, "CREATE TABLE Other (x)")
    result = RPM.analyze(BytesFile("var/lib/rpm/rpmdb.sqlite", data))
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == ["no Packages table: not an rpm database"]


def test_sqlite_packages_as_a_view_is_refused(tmp_path: Path) -> None:
    data = sqlite_bytes(tmp_path, "CREATE TABLE t (hnum, blob)",
                        "CREATE VIEW Packages AS SELECT hnum, blob FROM t")
    result = RPM.analyze(BytesFile("var/lib/rpm/rpmdb.sqlite", data))
    assert [d.message for d in result.diagnostics] == ["no Packages table: not an rpm database"]


def test_sqlite_rows_of_the_wrong_type(tmp_path: Path) -> None:
    data = sqlite_bytes(tmp_path, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob)",
                        "INSERT INTO Packages VALUES (1, 'text, not a blob')",
                        "INSERT INTO Packages VALUES (2, ?)", params=(b"\x00\x00",))
    result = RPM.analyze(BytesFile("var/lib/rpm/rpmdb.sqlite", data))
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [
        "package record 1: header blob of 0 bytes is shorter than its 8-byte preamble",
        "package record 2: header blob of 2 bytes is shorter than its 8-byte preamble",
    ]


@pytest.mark.parametrize("data", [b"", b"SQLite format 3\x00" + b"\xff" * 200, bytes(range(256)) * 64])
def test_sqlite_garbage(data: bytes) -> None:
    result = RPM.analyze(BytesFile("var/lib/rpm/rpmdb.sqlite", data))
    assert result.packages == ()
    assert len(result.diagnostics) == 1


def test_sqlite_truncated(database: Database) -> None:
    data = database.sqlite.read_bytes()
    result = RPM.analyze(BytesFile("var/lib/rpm/rpmdb.sqlite", data[: len(data) // 3]))
    assert len(result.diagnostics) >= 1  # whatever SQLite can still read, it never raises


# --- Berkeley DB ---------------------------------------------------------------------------------------


def header(*entries: tuple[int, int, bytes, int]) -> bytes:
    """A header blob from (tag, type, data, count) entries (test helper; data laid out in order)."""
    index, store = b"", b""
    for tag, type_, data, count in entries:
        if type_ == 4:
            store += b"\0" * (-len(store) % 4)
        index += struct.pack(">IIII", tag, type_, len(store), count)
        store += data
    return struct.pack(">II", len(entries), len(store)) + index + store


def string(tag: int, text: str) -> tuple[int, int, bytes, int]:
    return (tag, 6, text.encode() + b"\0", 1)


GPG_PUBKEY = header(string(1000, "gpg-pubkey"), string(1001, "fd431d51"), string(1002, "4ae0493b"))


def bdb_file(tmp_path: Path, records: list[tuple[int, bytes]], *, page_size: int, order: str) -> bytes:
    """A Berkeley DB hash file written by db_load from (key, value) records."""
    pack = "<I" if order == "1234" else ">I"
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "HEADER=END"]
    for key, value in records:
        lines += [" " + struct.pack(pack, key).hex(), " " + value.hex()]
    lines.append("DATA=END")
    dump = tmp_path / f"dump-{page_size}-{order}"
    dump.write_text("\n".join(lines) + "\n")
    target = tmp_path / f"Packages-{page_size}-{order}"
    run("db_load", "-c", f"db_pagesize={page_size}", "-c", f"db_lorder={order}", "-f", dump, target, home=tmp_path)
    return target.read_bytes()


def page_types(data: bytes, page_size: int) -> list[int]:
    return [data[number * page_size + 25] for number in range(len(data) // page_size)]


@pytest.mark.parametrize(("page_size", "order"), [(512, "1234"), (512, "4321"), (4096, "1234"), (4096, "4321"),
                                                  (16384, "1234"), (65536, "4321")])
def test_berkeley_db(database: Database, tmp_path: Path, page_size: int, order: str) -> None:
    require("db_load")
    records = [(0, struct.pack("<I", 100)), *database.blobs, (99, GPG_PUBKEY)]
    data = bdb_file(tmp_path, records, page_size=page_size, order=order)
    assert 7 in page_types(data, page_size)  # the large header lives on overflow pages
    result = RPM.analyze(BytesFile("var/lib/rpm/Packages", data))
    assert result.diagnostics == ()
    assert_same_as_rpm(result.packages, result.owned_files, database)


def test_berkeley_db_with_many_records_and_small_items(tmp_path: Path) -> None:
    require("db_load")
    small = [(n, header(string(1000, f"pkg{n}"), string(1001, "1.0"), string(1002, str(n)))) for n in range(1, 301)]
    data = bdb_file(tmp_path, small, page_size=4096, order="1234")
    assert 7 not in page_types(data, 4096)  # every item inline
    result = RPM.analyze(BytesFile("var/lib/rpm/Packages", data))
    assert result.diagnostics == ()
    assert sorted(p.version for p in result.packages) == sorted(f"1.0-{n}" for n in range(1, 301))


@pytest.fixture
def berkeley(database: Database, tmp_path: Path) -> bytes:
    require("db_load")
    return bdb_file(tmp_path, database.blobs, page_size=512, order="1234")


def analyze_bdb(data: bytes) -> tuple[list[str], list[str]]:
    result = RPM.analyze(BytesFile("var/lib/rpm/Packages", data))
    return sorted(p.name for p in result.packages), [d.message for d in result.diagnostics]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "rpm database: 0 bytes is too short for a Berkeley DB meta page"),
    (b"\0" * 4096, "rpm database: not a Berkeley DB hash database (magic 0x00000000)"),
    (b"\0" * 12 + struct.pack("<I", 0x053162) + b"\0" * 4080, "rpm database: a Berkeley DB btree, not a hash database"),
    (bytes(range(256)) * 16, "rpm database: not a Berkeley DB hash database (magic 0x0f0e0d0c)"),
])
def test_berkeley_db_not_a_hash_file(data: bytes, message: str) -> None:
    assert analyze_bdb(data) == ([], [message])


def patch(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def test_berkeley_db_bad_meta_fields(berkeley: bytes) -> None:
    assert analyze_bdb(patch(berkeley, 16, "<I", 3)) == ([], ["rpm database: unsupported hash version 3"])
    assert analyze_bdb(patch(berkeley, 20, "<I", 1000)) == ([], ["rpm database: invalid page size 1000"])
    assert analyze_bdb(patch(berkeley, 20, "<I", 1 << 20)) == ([], ["rpm database: invalid page size 1048576"])
    assert analyze_bdb(patch(berkeley, 24, "<B", 1)) == ([], ["rpm database: encrypted database"])
    names, messages = analyze_bdb(patch(berkeley, 72, "<I", 0xFFFFFFFF))
    assert names == [] and messages[0].startswith("rpm database: max bucket 4294967295 beyond the last page")


def test_berkeley_db_truncated(berkeley: bytes) -> None:
    for cut in (512, 513, len(berkeley) // 2, len(berkeley) - 512, len(berkeley) - 1):
        names, messages = analyze_bdb(berkeley[:cut])
        assert messages, cut
        assert messages[0].startswith("the database says it has"), cut
        assert set(names) <= {"libstockade-extra", "stockade-big", "stockade-hello", "stockade-nodejs"}


def test_berkeley_db_cyclic_overflow_chain_terminates(berkeley: bytes) -> None:
    page_size = 512
    data = bytearray(berkeley)
    looped = 0
    for number, kind in enumerate(page_types(berkeley, page_size)):
        base = number * page_size
        if kind == 7 and struct.unpack_from("<I", data, base + 16)[0] != 0:
            struct.pack_into("<I", data, base + 16, number)  # next page: itself
            looped += 1
    assert looped > 0
    names, messages = analyze_bdb(bytes(data))
    assert names == []  # every header is larger than a page: all of them were on a looped chain
    assert any("reached twice (cycle or shared chain)" in m for m in messages)
    assert len(messages) <= 21


def test_berkeley_db_bucket_chain_cycle_terminates(berkeley: bytes) -> None:
    page_size = 512
    data = bytearray(berkeley)
    for number, kind in enumerate(page_types(berkeley, page_size)):
        if kind == 13:
            struct.pack_into("<I", data, number * page_size + 16, number)
    names, messages = analyze_bdb(bytes(data))
    assert names == ["libstockade-extra", "stockade-big", "stockade-hello", "stockade-nodejs"]
    assert any("reached twice (cycle in bucket chains)" in m for m in messages)


def test_berkeley_db_item_offsets_past_the_page(berkeley: bytes) -> None:
    page_size = 512
    data = bytearray(berkeley)
    for number, kind in enumerate(page_types(berkeley, page_size)):
        if kind == 13:
            struct.pack_into("<H", data, number * page_size + 20, 5000)  # entries
    names, messages = analyze_bdb(bytes(data))
    assert names == []
    assert any(m.endswith("claims 5000 entries") for m in messages)
    data = bytearray(berkeley)
    for number, kind in enumerate(page_types(berkeley, page_size)):
        if kind == 13:
            struct.pack_into("<H", data, number * page_size + 26, 0xFFF0)  # first item offset
    names, messages = analyze_bdb(bytes(data))
    assert any("is out of bounds" in m for m in messages)


def test_berkeley_db_overflow_length_lies(berkeley: bytes) -> None:
    page_size = 512
    data = bytearray(berkeley)
    for number, kind in enumerate(page_types(berkeley, page_size)):
        if kind == 7:
            struct.pack_into("<H", data, number * page_size + 22, 0xFFFF)
    names, messages = analyze_bdb(bytes(data))
    assert names == []
    assert any("holds an invalid length 65535" in m for m in messages)


def test_berkeley_db_header_claiming_2_to_the_31_entries(tmp_path: Path) -> None:
    require("db_load")
    hostile = struct.pack(">II", 1 << 31, 16) + b"\0" * 64
    good = header(string(1000, "bash"), string(1001, "4.4.20"), string(1002, "4.el8_6"), string(1022, "x86_64"))
    data = bdb_file(tmp_path, [(1, hostile), (2, good)], page_size=4096, order="1234")
    result = RPM.analyze(BytesFile("var/lib/rpm/Packages", data))
    assert [(p.name, p.version, p.arch) for p in result.packages] == [("bash", "4.4.20-4.el8_6", "x86_64")]
    assert [d.message for d in result.diagnostics] == [
        "package record 1: header claims 2147483648 index entries (valid: 1 to 65535)"
    ]


def test_berkeley_db_random_corruption_never_raises(berkeley: bytes) -> None:
    import random

    rng = random.Random(20240301)
    for _ in range(300):
        data = bytearray(berkeley)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            data[position] = rng.randrange(256)
        result = RPM.analyze(BytesFile("var/lib/rpm/Packages", bytes(data)))
        assert len(result.packages) <= 4
        assert len(result.diagnostics) <= 21


# --- ndb -----------------------------------------------------------------------------------------------


def ndb_file(blobs: list[tuple[int, bytes]]) -> bytes:
    """An ndb database laid out as rpm's backend/ndb/rpmpkg.c writes it (one slot page)."""
    slots = bytearray(4096)
    struct.pack_into("<IIIII", slots, 0, int.from_bytes(b"RpmP", "little"), 0, 7, 1, len(blobs) + 1)
    for offset in range(32, 4096, 16):
        struct.pack_into("<I", slots, offset, int.from_bytes(b"Slot", "little"))
    area = bytearray()
    block = 4096 // 16
    for slot, (index, blob) in enumerate(blobs):
        count = (16 + len(blob) + 12 + 15) // 16
        body = struct.pack("<IIII", int.from_bytes(b"BlbS", "little"), index, 1700000000, len(blob)) + blob
        body += b"\0" * (count * 16 - 12 - len(body))
        area += body + struct.pack("<III", zlib.adler32(body), len(blob), int.from_bytes(b"BlbE", "little"))
        struct.pack_into("<IIII", slots, 32 + 16 * slot, int.from_bytes(b"Slot", "little"), index, block, count)
        block += count
    return bytes(slots + area)


def test_ndb_database(database: Database) -> None:
    data = ndb_file([*database.blobs, (9, GPG_PUBKEY)])
    result = RPM.analyze(BytesFile("var/lib/rpm/Packages.db", data))
    assert result.diagnostics == ()
    assert_same_as_rpm(result.packages, result.owned_files, database)
    sysimage = RPM.analyze(BytesFile("usr/lib/sysimage/rpm/Packages.db", data))
    assert len(sysimage.packages) == 4


def analyze_ndb(data: bytes) -> tuple[list[str], list[str]]:
    result = RPM.analyze(BytesFile("var/lib/rpm/Packages.db", data))
    return sorted(p.name for p in result.packages), [d.message for d in result.diagnostics]


SMALL_BLOBS = [
    (1, header(string(1000, "bash"), string(1001, "5.2.15"), string(1002, "150500.3.5"))),
    (2, header(string(1000, "libzypp"), string(1001, "17.31.31"), string(1002, "150400.3.61.1"))),
    (3, header(string(1000, "zypper"), string(1001, "1.14.68"), string(1002, "150400.3.49.1"))),
]


def test_ndb_hostile() -> None:
    good = ndb_file(SMALL_BLOBS)
    assert analyze_ndb(good) == (["bash", "libzypp", "zypper"], [])
    assert analyze_ndb(b"") == ([], ["rpm database: 0 bytes is too short for an ndb header"])
    assert analyze_ndb(b"X" * 4096) == ([], ["rpm database: not an ndb package database (magic 0x58585858)"])
    assert analyze_ndb(patch(good, 4, "<I", 1)) == ([], ["rpm database: unsupported ndb version 1"])
    assert analyze_ndb(patch(good, 12, "<I", 1 << 30)) == (
        [], [f"rpm database: 1073741824 slot pages do not fit in a file of {len(good)} bytes"])
    # truncated: the blobs past the cut are reported, the ones before it kept
    names, messages = analyze_ndb(good[: len(good) - 100])
    assert names == ["bash", "libzypp"]
    assert messages == ["slot of package 3 points outside the blob area"]
    # a flipped byte inside a blob fails its checksum
    names, messages = analyze_ndb(patch(good, 4096 + 40, "<B", good[4096 + 40] ^ 0xFF))
    assert names == ["libzypp", "zypper"]
    assert messages == ["package 1: blob checksum mismatch"]
    # a slot that claims an absurd blob
    names, messages = analyze_ndb(patch(good, 32 + 12, "<I", 0xFFFFFFFF))
    assert names == ["libzypp", "zypper"]
    assert messages == [f"slot of package 1 claims a blob of {0xFFFFFFFF * 16} bytes"]
    # a blob head that names another package
    names, messages = analyze_ndb(patch(good, 4096 + 4, "<I", 2))
    assert names == ["libzypp", "zypper"]
    assert messages == ["package 1: bad blob head"]
    # bad slot magic ends the slot list
    names, messages = analyze_ndb(patch(good, 32, "<I", 0))
    assert names == [] and messages == ["bad slot magic at offset 32; slots end here"]


# --- wiring --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "wanted"), [
    ("var/lib/rpm/rpmdb.sqlite", True), ("var/lib/rpm/Packages", True), ("var/lib/rpm/Packages.db", True),
    ("usr/lib/sysimage/rpm/rpmdb.sqlite", True), ("usr/lib/sysimage/rpm/Packages", True),
    ("var/lib/rpm/rpmdb.sqlite-wal", False), ("var/lib/rpm/Name", False), ("var/lib/rpm/Basenames", False),
    ("var/lib/rpm/Index.db", False), ("opt/var/lib/rpm/Packages", False),
])
def test_wants(path: str, wanted: bool) -> None:
    assert RPM.wants(path, 10, 0o644) is wanted


def test_database_above_the_size_limit() -> None:
    class Huge(BytesFile):
        @property
        def size(self) -> int:
            return 3 * 1024 ** 3

    result = RPM.analyze(Huge("var/lib/rpm/Packages", b""))
    assert [d.message for d in result.diagnostics] == [
        "rpm database of 3221225472 bytes is above the 2147483648 byte limit"
    ]


def test_analyzer_identity() -> None:
    assert ANALYZERS == (RPM,)
    assert (RPM.id, RPM.version, RPM.targets) == ("rpm", 1, frozenset({"image", "rootfs"}))
