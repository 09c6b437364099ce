"""Real data from the shared data folder (skipped when it is absent): OSV exports, OSV samples, Debian feeds."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from stockade.model import Diagnostic
from stockade.vulndb.debian import read_tracker
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range
from stockade.vulndb.osv import import_into, iter_dir, parse_advisory
from stockade.vulndb.store import AdvisoryStore, rebuild

if TYPE_CHECKING:
    from conftest import StoreKit


def test_three_osv_exports(kit: StoreKit, tmp_path: Path) -> None:
    zips = [kit.shared("osv", name) for name in ("PyPI-all.zip", "Go-all.zip", "crates.io-all.zip")]
    db = tmp_path / "osv.sqlite"
    start = time.perf_counter()
    with rebuild(db) as builder:
        summary = import_into(builder, zips)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"importing 8,158 advisories took {elapsed:.1f} s"
    assert summary.sources == ["osv:PyPI", "osv:Go", "osv:crates.io"]
    assert (summary.advisories, summary.withdrawn, summary.duplicates, summary.problem_count) == (8158, 40, 0, 0)
    assert summary.counts == {"PyPI": 2661, "Go": 4291, "crates.io": 1206}
    with AdvisoryStore.open(db) as store:
        info = store.info()
        assert {k: (v["advisories"], v["withdrawn"], v["problems"]) for k, v in info["sources"].items()} == {
            "osv:Go": (4291, 17, 0), "osv:PyPI": (2661, 10, 0), "osv:crates.io": (1206, 13, 0)}
        assert info["ecosystems"] == {"Go": {"advisories": 4291, "withdrawn": 17},
                                      "PyPI": {"advisories": 2661, "withdrawn": 10},
                                      "crates.io": {"advisories": 1206, "withdrawn": 13}}
        found = store.lookup("PyPI", None, ["Jinja2", "requests", "Django"])
        assert [adv.id for _, adv in found["Jinja2"]] == [
            "PYSEC-2014-8", "PYSEC-2014-82", "PYSEC-2019-217", "PYSEC-2019-220", "PYSEC-2021-66"]
        assert [adv.id for _, adv in found["requests"]] == [
            "PYSEC-2014-13", "PYSEC-2014-14", "PYSEC-2015-17", "PYSEC-2018-28", "PYSEC-2023-74"]
        assert len(found["Django"]) == 116
        assert [adv.id for _, adv in store.lookup("crates.io", None, ["smallvec"])["smallvec"]] == [
            "RUSTSEC-2018-0003", "RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"]
        assert len(store.lookup("go", None, ["stdlib"])["stdlib"]) == 168
        # the 10 withdrawn PYSEC records are stored, never looked up
        assert [(a.id, a.withdrawn) for a in store.get("PYSEC-2022-15")] == [("PYSEC-2022-15", "2022-02-22T16:15:07Z")]
        assert "PYSEC-2022-15" not in [adv.id for _, adv in store.lookup("pypi", None, ["loguru"])["loguru"]]
        assert "PYSEC-2023-73" not in [adv.id for _, adv in store.lookup("pypi", None, ["redis"])["redis"]]


def test_osv_samples_parse_or_explain(kit: StoreKit, tmp_path: Path) -> None:
    samples = kit.shared("osv-samples")
    items = list(iter_dir(samples))
    assert len(items) == 258
    problems = [i for i in items if isinstance(i, Diagnostic)]
    # the two kubernetes records have a range without the "type" the schema requires
    assert [(Path(d.location.path).relative_to(samples).as_posix(), d.location.object_path, d.message)
            for d in problems] == [
        ("kubernetes/CVE-2023-2727__8c630d17e5.json", "/affected/0/ranges/0/type", "CVE-2023-2727: is required"),
        ("kubernetes/CVE-2023-2727__b626fbcdcb.json", "/affected/0/ranges/0/type", "CVE-2023-2727: is required"),
    ]
    advisories = [i for i in items if isinstance(i, Advisory)]
    assert len(advisories) == 256
    julia = next(a for a in advisories if a.id == "JLSEC-2025-1")
    assert julia.modified == ""  # the schema requires "modified"; this record has none and is kept
    with rebuild(tmp_path / "db.sqlite") as builder:
        summary = import_into(builder, [samples])
    # many samples are versions of the same record: the newest of each id is kept
    assert (summary.advisories, summary.withdrawn, summary.duplicates, summary.problem_count) == (195, 7, 61, 63)
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        assert {k: v["advisories"] for k, v in store.info()["ecosystems"].items()} == summary.counts
        assert len(summary.counts) == 69
        found = store.lookup("root", "Debian:12", ["rootio-imagemagick"])["rootio-imagemagick"]
        assert [(a.ecosystem, adv.id) for a, adv in found] == [
            ("Root:Debian:12", "ROOT-OS-DEBIAN-bookworm-CVE-2025-53014")]
        assert store.releases("alpine") == ("v3.10", "v3.11", "v3.12", "v3.13", "v3.14", "v3.15", "v3.16", "v3.8",
                                            "v3.9")


def test_debian_tracker_samples(kit: StoreKit) -> None:
    advisories, problems = read_tracker(kit.shared("debian-formats", "security-tracker-debian.json"))
    assert problems == []  # an empty "releases" array (chromium-browser) is read as no releases
    assert [a.id for a in advisories] == ["CVE-2008-7220", "CVE-2013-1444", "CVE-2005-3111", "CVE-2022-0456",
                                          "CVE-2025-53603"]
    assert Counter((f.ecosystem, f.fix_state) for a in advisories for f in a.affected) == Counter({
        ("Debian:sid", FixState.FIXED): 5, ("Debian:8", FixState.FIXED): 3, ("Debian:9", FixState.FIXED): 3,
        ("Debian:10", FixState.FIXED): 3, ("Debian:11", FixState.FIXED): 2, ("Debian:12", FixState.FIXED): 2,
        ("Debian:13", FixState.FIXED): 1, ("Debian:9", FixState.END_OF_LIFE): 1, ("Debian:10", FixState.END_OF_LIFE): 1,
    })
    prototype = advisories[0]
    assert [(f.ecosystem, f.name, f.ranges) for f in prototype.affected] == [
        (eco, "prototypejs", (Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", "1.6.0.2-1"))),))
        for eco in ("Debian:9", "Debian:8", "Debian:10", "Debian:sid")]

    mock, problems = read_tracker(kit.shared("debian-formats", "debian_security_tracker_mock.json"))
    assert problems == []
    assert [a.id for a in mock] == ["CVE-2016-1585", "CVE-2017-6507"]  # CVE-2014-1424 affects no release
    assert [(f.ecosystem, f.fix_state, f.ranges[0].events[-1].version) for f in mock[0].affected] == [
        ("Debian:12", FixState.AFFECTED, "0"), ("Debian:11", FixState.AFFECTED, "0"),
        ("Debian:10", FixState.AFFECTED, "0"), ("Debian:sid", FixState.FIXED, "3.0.12-1"),
        ("Debian:13", FixState.FIXED, "3.0.12-1")]


def test_debian_osv_records(kit: StoreKit) -> None:
    dsa = parse_advisory(kit.shared("debian-formats", "DSA-3029-1.osv.json").read_bytes(), "DSA-3029-1.osv.json")
    assert (dsa.id, dsa.aliases, dsa.summary, dsa.affected) == (
        "DSA-3029-1", ("CVE-2014-3616",), "nginx - security update",
        (Affected("Debian:7", "nginx", ranges=(Range("ECOSYSTEM", (Event("introduced", "0"),
                                                                   Event("fixed", "1.2.1-2.2+wheezy3"))),)),))
    root = parse_advisory(kit.shared("debian-formats", "ROOT-OS-DEBIAN-bookworm-CVE-2025-53014.osv.json").read_bytes(),
                          "root.json")
    assert (root.affected[0].ecosystem, root.severity, root.database_specific) == (
        "Root:Debian:12", (("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"),),
        '{"source":"Root","anchore":{"record_type":"advisory"}}')
