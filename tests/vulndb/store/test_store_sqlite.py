"""The SQLite advisory store: building, lookups by ecosystem/release/name, info, schema checks, rebuilds."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from stockade.errors import ScanError
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range
from stockade.vulndb.osv import iter_dir
from stockade.vulndb.store import (
    SCHEMA_VERSION,
    AddResult,
    AdvisoryStore,
    StoreError,
    ecosystem_parts,
    normalise_name,
    rebuild,
    store_lock,
)

if TYPE_CHECKING:
    from conftest import StoreKit

FIXED_1 = (Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", "1"))),)


def _osv_fixtures(kit: StoreKit) -> list[Advisory]:
    items = list(iter_dir(kit.testdata / "osv"))
    assert all(isinstance(i, Advisory) for i in items)
    return [i for i in items if isinstance(i, Advisory)]


def _adv(advisory_id: str, *affected: Affected, modified: str = "", **kw: str) -> Advisory:
    return Advisory(id=advisory_id, modified=modified, affected=affected, **kw)  # type: ignore[arg-type]


def _names(found: dict[str, list[tuple[Affected, Advisory]]]) -> dict[str, list[str]]:
    return {name: [f"{adv.id}@{adv.source}" for _, adv in pairs] for name, pairs in found.items()}


@pytest.mark.parametrize(("ecosystem", "name", "normalised"), [
    ("PyPI", "Foo_Bar.baz", "foo-bar-baz"),
    ("pypi", "  requests ", "requests"),
    ("PyPI", "zope--interface", "zope-interface"),
    ("crates.io", "Serde_JSON", "serde-json"),
    ("NuGet", "Newtonsoft.Json", "newtonsoft.json"),
    ("Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"),
    ("npm", "JSONStream", "JSONStream"),
    ("Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"),
    ("Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"),
    ("RubyGems", "Rack", "Rack"),
    ("Debian:12", "libxml2", "libxml2"),
    ("Alpine:v3.19", "py3-Pillow", "py3-Pillow"),
])
def test_normalise_name(ecosystem: str, name: str, normalised: str) -> None:
    assert normalise_name(ecosystem, name) == normalised


def test_ecosystem_parts() -> None:
    assert ecosystem_parts("Debian:12") == ("debian", "12")
    assert ecosystem_parts("Ubuntu:22.04:LTS") == ("ubuntu", "22.04:LTS")
    assert ecosystem_parts("Root:Debian:12") == ("root", "Debian:12")
    assert ecosystem_parts("PyPI") == ("pypi", "")
    assert ecosystem_parts(" Alpine:v3.19 ") == ("alpine", "v3.19")


def test_round_trip_returns_the_advisory_as_parsed(kit: StoreKit, tmp_path: Path) -> None:
    advisories = _osv_fixtures(kit)
    kit.build_store(tmp_path / "db.sqlite", {"osv:test": advisories})
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        found = store.lookup("PyPI", None, ["foo-bar"])
        pysec = next(a for a in advisories if a.id == "PYSEC-0000-1")
        assert found == {"foo-bar": [(pysec.affected[0], replace(pysec, source="osv:test"))]}
        go = next(a for a in advisories if a.id == "GO-0000-1")
        assert store.lookup("go", None, ["example.com/Mod"])["example.com/Mod"] == [
            (go.affected[0], replace(go, source="osv:test"))]


def test_lookup_normalises_names_and_skips_withdrawn(kit: StoreKit, tmp_path: Path) -> None:
    kit.build_store(tmp_path / "db.sqlite", {"osv:test": _osv_fixtures(kit)})
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        # PYSEC-0000-2 (foo.bar) is withdrawn: stored, never looked up
        assert _names(store.lookup("pypi", None, ["FOO_BAR", "foo.bar", "twin", "Twin", "unknown"])) == {
            "FOO_BAR": ["PYSEC-0000-1@osv:test"],
            "foo.bar": ["PYSEC-0000-1@osv:test"],
            "twin": ["GHSA-0000-multi@osv:test"],
            "Twin": ["GHSA-0000-multi@osv:test"],
            "unknown": [],
        }
        # npm names are case-sensitive
        assert _names(store.lookup("npm", None, ["twin", "Twin"])) == {"twin": [], "Twin": ["GHSA-0000-multi@osv:test"]}
        withdrawn = store.get("PYSEC-0000-2")
        assert [(a.id, a.withdrawn) for a in withdrawn] == [("PYSEC-0000-2", "2024-04-01T00:00:00Z")]
        assert store.lookup("PyPI", None, []) == {}
        assert store.lookup("cargo", None, ["serde"]) == {"serde": []}


def test_lookup_by_release(tmp_path: Path, kit: StoreKit) -> None:
    advisories = [
        _adv("DEB-1", Affected("Debian:12", "openssl", ranges=FIXED_1, fix_state=FixState.FIXED),
             Affected("Debian:11", "openssl", ranges=FIXED_1)),
        _adv("DEB-2", Affected("Debian:11", "openssl", ranges=FIXED_1)),
        _adv("UBU-1", Affected("Ubuntu:22.04:LTS", "openssl", ranges=FIXED_1),
             Affected("Ubuntu:Pro:22.04:LTS", "openssl", ranges=FIXED_1)),
    ]
    kit.build_store(tmp_path / "db.sqlite", {"t": advisories})
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        assert _names(store.lookup("debian", "12", ["openssl"])) == {"openssl": ["DEB-1@t"]}
        assert _names(store.lookup("Debian", "11", ["openssl"])) == {"openssl": ["DEB-1@t", "DEB-2@t"]}
        assert _names(store.lookup("debian", "13", ["openssl"])) == {"openssl": []}
        assert _names(store.lookup("debian", "", ["openssl"])) == {"openssl": []}
        assert [(a.ecosystem, adv.id) for a, adv in store.lookup("debian", None, ["openssl"])["openssl"]] == [
            ("Debian:12", "DEB-1"), ("Debian:11", "DEB-1"), ("Debian:11", "DEB-2")]
        assert _names(store.lookup("ubuntu", "22.04:LTS", ["openssl"])) == {"openssl": ["UBU-1@t"]}
        assert store.releases("debian") == ("11", "12")
        assert store.releases("ubuntu") == ("22.04:LTS", "Pro:22.04:LTS")
        # the matched entry comes with its advisory, which has all of its entries
        affected, advisory = store.lookup("debian", "12", ["openssl"])["openssl"][0]
        assert affected == Affected("Debian:12", "openssl", ranges=FIXED_1, fix_state=FixState.FIXED)
        assert advisory.affected == advisories[0].affected


def test_same_id_from_two_sources(tmp_path: Path, kit: StoreKit) -> None:
    shared = _adv("GHSA-1", Affected("PyPI", "twin", ranges=FIXED_1), Affected("npm", "twin", ranges=FIXED_1))
    distro_a = _adv("CVE-1", Affected("Debian:12", "zlib", ranges=FIXED_1), details="from the tracker")
    distro_b = _adv("CVE-1", Affected("Debian:12", "zlib", ranges=FIXED_1, fix_state=FixState.FIXED),
                    details="from somewhere else")
    kit.build_store(tmp_path / "db.sqlite", {"osv:PyPI": [shared, distro_a], "osv:npm": [shared, distro_b]})
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        # the same record in two ecosystems' exports is listed once
        assert _names(store.lookup("pypi", None, ["twin"])) == {"twin": ["GHSA-1@osv:PyPI"]}
        # different entries under one id are both listed, ordered by source
        assert _names(store.lookup("debian", "12", ["zlib"])) == {"zlib": ["CVE-1@osv:PyPI", "CVE-1@osv:npm"]}
        assert [a.details for a in store.get("CVE-1")] == ["from the tracker", "from somewhere else"]


def test_duplicate_ids_in_a_source_keep_the_newest(tmp_path: Path) -> None:
    older = _adv("X-1", Affected("npm", "old", ranges=FIXED_1), modified="2024-01-01T00:00:00Z")
    newer = _adv("X-1", Affected("npm", "new", ranges=FIXED_1), modified="2024-02-01T00:00:00Z")
    same_time = _adv("X-1", Affected("npm", "last", ranges=FIXED_1), modified="2024-02-01T00:00:00Z")
    with rebuild(tmp_path / "db.sqlite") as builder:
        builder.begin_source("s", kind="test", origin="t")
        assert builder.add(replace(newer, source="s")) is AddResult.ADDED
        assert builder.add(replace(older, source="s")) is AddResult.KEPT_EXISTING
        assert builder.add(replace(same_time, source="s")) is AddResult.REPLACED
        with pytest.raises(ValueError, match="source 'other' was not begun"):
            builder.add(replace(older, source="other"))
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        assert _names(store.lookup("npm", None, ["old", "new", "last"])) == {"old": [], "new": [], "last": ["X-1@s"]}
        assert store.info()["advisories"] == 1


def test_lookup_in_chunks(tmp_path: Path, kit: StoreKit) -> None:
    advisories = [_adv(f"M-{i:04}", Affected("PyPI", f"pkg-{i}", ranges=FIXED_1)) for i in range(1234)]
    kit.build_store(tmp_path / "db.sqlite", {"many": advisories})
    names = [f"PKG_{i}" for i in range(1234)] + ["absent"]
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        found = store.lookup("pypi", None, names)
    assert list(found) == names
    assert [[adv.id for _, adv in found[f"PKG_{i}"]] for i in range(1234)] == [[f"M-{i:04}"] for i in range(1234)]
    assert found["absent"] == []


def test_info(kit: StoreKit, tmp_path: Path) -> None:
    advisories = _osv_fixtures(kit)
    with rebuild(tmp_path / "db.sqlite") as builder:
        builder.begin_source("osv:test", kind="osv", origin="https://example.org/PyPI/all.zip", etag='"abc"',
                             last_modified="Tue, 01 Oct 2024 10:00:00 GMT")
        for advisory in advisories:
            builder.add(replace(advisory, source="osv:test"))
        builder.add_problems("osv:test", 2)
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        info = store.info()
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert stamp.fullmatch(info.pop("built"))
    assert stamp.fullmatch(info.pop("updated"))
    assert stamp.fullmatch(info["sources"]["osv:test"].pop("imported"))
    assert info == {
        "path": str(tmp_path / "db.sqlite"),
        "schema_version": SCHEMA_VERSION,
        "advisories": 4,
        "withdrawn": 1,
        "sources": {"osv:test": {"kind": "osv", "origin": "https://example.org/PyPI/all.zip", "etag": '"abc"',
                                 "last_modified": "Tue, 01 Oct 2024 10:00:00 GMT", "advisories": 4, "withdrawn": 1,
                                 "problems": 2}},
        "ecosystems": {"Go": {"advisories": 1, "withdrawn": 0}, "PyPI": {"advisories": 3, "withdrawn": 1},
                       "npm": {"advisories": 1, "withdrawn": 0}},
    }


def test_open_errors_say_how_to_build_it(tmp_path: Path, kit: StoreKit) -> None:
    with pytest.raises(StoreError) as caught:
        AdvisoryStore.open(tmp_path / "missing.sqlite")
    assert str(caught.value) == (f"advisory database {tmp_path / 'missing.sqlite'}: no such file; run `stockade db "
                                 "update` (or `stockade db import`) to build it")
    assert isinstance(caught.value, ScanError)

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"not a stockade advisory database \(file is not a database\); run "
                                         r"`stockade db update`"):
        AdvisoryStore.open(junk)

    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).executescript("CREATE TABLE t (x); ").close()
    with pytest.raises(StoreError, match=r"not a stockade advisory database \(no such table: meta\); run"):
        AdvisoryStore.open(other)

    old = tmp_path / "old.sqlite"
    kit.build_store(old, {"s": [_adv("A-1", Affected("npm", "a", ranges=FIXED_1))]})
    conn = sqlite3.connect(old)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as caught:
        AdvisoryStore.open(old)
    assert caught.value.reason == ("schema version 999, this stockade reads version 1; run `stockade db update` "
                                   "(or `stockade db import`) to build it")


def test_rebuild_replaces_imported_sources_and_keeps_the_others(tmp_path: Path, kit: StoreKit) -> None:
    db = tmp_path / "db.sqlite"
    kit.build_store(db, {"a": [_adv("A-1", Affected("npm", "a", ranges=FIXED_1))],
                         "b": [_adv("B-1", Affected("npm", "b", ranges=FIXED_1))]})
    with AdvisoryStore.open(db) as store:
        built = store.info()["built"]
    reader = AdvisoryStore.open(db)  # a store opened before the swap keeps reading the old file
    kit.build_store(db, {"b": [_adv("B-2", Affected("npm", "b", ranges=FIXED_1)),
                               _adv("B-3", Affected("npm", "a", ranges=FIXED_1))]})
    with AdvisoryStore.open(db) as store:
        assert _names(store.lookup("npm", None, ["a", "b"])) == {"a": ["A-1@a", "B-3@b"], "b": ["B-2@b"]}
        info = store.info()
        assert info["built"] == built
        assert {k: v["advisories"] for k, v in info["sources"].items()} == {"a": 1, "b": 2}
        assert info["sources"]["a"]["origin"] == "test:a"
        # carried-over rows get fresh keys: every advisory still has exactly its own entries
        assert [len(a.affected) for a in store.get("A-1") + store.get("B-2") + store.get("B-3")] == [1, 1, 1]
    assert _names(reader.lookup("npm", None, ["a", "b"])) == {"a": ["A-1@a"], "b": ["B-1@b"]}
    reader.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite", "db.sqlite.lock"]


def test_a_failed_rebuild_leaves_the_old_store(tmp_path: Path, kit: StoreKit) -> None:
    db = tmp_path / "db.sqlite"
    kit.build_store(db, {"a": [_adv("A-1", Affected("npm", "a", ranges=FIXED_1))]})
    before = db.read_bytes()
    with pytest.raises(RuntimeError, match="import went wrong"), rebuild(db) as builder:
        builder.begin_source("a", kind="test", origin="x")
        builder.add(_adv("A-2", Affected("npm", "a", ranges=FIXED_1), source="a"))
        raise RuntimeError("import went wrong")
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite", "db.sqlite.lock"]
    with AdvisoryStore.open(db) as store:
        assert _names(store.lookup("npm", None, ["a"])) == {"a": ["A-1@a"]}


def test_discard_source_keeps_the_previous_copy(tmp_path: Path, kit: StoreKit) -> None:
    db = tmp_path / "db.sqlite"
    kit.build_store(db, {"a": [_adv("A-1", Affected("npm", "a", ranges=FIXED_1))]})
    with rebuild(db) as builder:
        builder.begin_source("a", kind="test", origin="new")
        builder.add(_adv("A-2", Affected("npm", "a", ranges=FIXED_1), source="a"))
        builder.discard_source("a")
        builder.begin_source("c", kind="test", origin="new")
        builder.add(_adv("C-1", Affected("npm", "c", ranges=FIXED_1), source="c"))
    with AdvisoryStore.open(db) as store:
        assert _names(store.lookup("npm", None, ["a", "c"])) == {"a": ["A-1@a"], "c": ["C-1@c"]}
        assert store.info()["sources"]["a"]["origin"] == "test:a"


def test_importing_a_source_twice_in_one_build_keeps_the_second(tmp_path: Path) -> None:
    with rebuild(tmp_path / "db.sqlite") as builder:
        builder.begin_source("a", kind="test", origin="first")
        builder.add(_adv("A-1", Affected("npm", "a", ranges=FIXED_1), source="a"))
        builder.begin_source("a", kind="test", origin="second")
        builder.add(_adv("A-2", Affected("npm", "a", ranges=FIXED_1), source="a"))
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        assert _names(store.lookup("npm", None, ["a"])) == {"a": ["A-2@a"]}
        assert store.info()["sources"]["a"]["origin"] == "second"


def test_a_corrupt_store_is_rebuilt_from_scratch(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    db.write_bytes(b"garbage" * 1000)
    with rebuild(db) as builder:
        builder.begin_source("a", kind="test", origin="x")
        builder.add(_adv("A-1", Affected("npm", "a", ranges=FIXED_1), source="a"))
    assert builder.base_problem == "not a stockade advisory database (file is not a database); run `stockade db " \
                                   "update` (or `stockade db import`) to build it"
    with AdvisoryStore.open(db) as store:
        assert _names(store.lookup("npm", None, ["a"])) == {"a": ["A-1@a"]}


def test_the_write_lock(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    stale = tmp_path / ".db.sqlite.build.1234.deadbeef.tmp"
    stale.write_bytes(b"left by a killed writer")
    with store_lock(db):
        assert not stale.exists()
        with pytest.raises(StoreError, match="another process is updating it; try again when it has finished"), \
                rebuild(db):
            pass
    with rebuild(db) as builder:  # free again
        builder.begin_source("a", kind="test", origin="x")
    with AdvisoryStore.open(db) as store:
        assert store.info()["advisories"] == 0


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="refusing to build over an existing file"):
        AdvisoryStore.create(path)
