"""The Debian security tracker JSON and Alpine secdb importers, and importing them into a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.vulndb.alpine import parse_secdb, read_secdb
from stockade.vulndb.debian import DEBIAN_RELEASES, parse_tracker, read_tracker, release_for
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range
from stockade.vulndb.osv import ImportSource, detect_kind, import_into
from stockade.vulndb.store import AdvisoryStore, rebuild

if TYPE_CHECKING:
    from conftest import StoreKit

ALL = (Range("ECOSYSTEM", (Event("introduced", "0"),)),)


def _fixed(version: str) -> tuple[Range, ...]:
    return (Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", version))),)


def _deb(eco: str, name: str, ranges: tuple[Range, ...], state: FixState, specific: dict[str, object]) -> Affected:
    return Affected(eco, name, f"pkg:deb/debian/{name}?arch=source", ranges, fix_state=state,
                    ecosystem_specific=json.dumps(specific, separators=(",", ":")))


def test_debian_tracker(kit: StoreKit) -> None:
    path = kit.testdata / "debian-tracker.json"
    advisories, problems = read_tracker(path)
    origin = str(path)
    tracker = "https://security-tracker.debian.org/tracker/"
    assert advisories == [
        Advisory(
            id="CVE-2099-1001", details="A flaw fixed in every release.", source="debian-tracker",
            references=(("WEB", tracker + "CVE-2099-1001"),), extra={"scope": "remote"},
            affected=(
                _deb("Debian:12", "openssl", _fixed("3.0.13-1~deb12u1"), FixState.FIXED, {
                    "status": "resolved", "codename": "bookworm", "urgency": "high**",
                    "repositories": {"bookworm": "3.0.11-1~deb12u2", "bookworm-security": "3.0.13-1~deb12u1"},
                    "debianbug": 1000001}),
                _deb("Debian:13", "openssl", _fixed("3.1.4-1"), FixState.FIXED, {
                    "status": "resolved", "codename": "trixie", "urgency": "high**",
                    "repositories": {"trixie": "3.1.4-2"}, "debianbug": 1000001}),
                _deb("Debian:sid", "openssl", _fixed("3.1.4-1"), FixState.FIXED, {
                    "status": "resolved", "codename": "sid", "urgency": "high**",
                    "repositories": {"sid": "3.1.4-2"}, "debianbug": 1000001}),
                _deb("Debian:15", "openssl1.1", _fixed("1.1.1w-1"), FixState.FIXED, {
                    "status": "resolved", "codename": "duke", "urgency": "medium",
                    "repositories": {"duke": "1.1.1w-1"}, "debianbug": 1000002}),
                _deb("Debian:excalibur", "openssl1.1", _fixed("1.1.1w-2"), FixState.FIXED, {
                    "status": "resolved", "codename": "excalibur", "urgency": "medium",
                    "repositories": {"excalibur": "1.1.1w-2"}, "debianbug": 1000002}),
            ),
        ),
        # CVE-2099-1002 is "fixed" in version 0 everywhere: never affected, no advisory
        Advisory(
            id="CVE-2099-1003", details="Open everywhere, each release for a different reason.",
            source="debian-tracker", references=(("WEB", tracker + "CVE-2099-1003"),),
            affected=(
                _deb("Debian:11", "openssl", ALL, FixState.END_OF_LIFE, {
                    "status": "open", "codename": "bullseye", "urgency": "end-of-life",
                    "repositories": {"bullseye": "1.1.1w-0+deb11u1"}}),
                _deb("Debian:12", "openssl", ALL, FixState.FIX_DEFERRED, {
                    "status": "open", "codename": "bookworm", "urgency": "low",
                    "repositories": {"bookworm": "3.0.11-1~deb12u2"}, "nodsa": "Minor issue",
                    "nodsa_reason": "postponed"}),
                _deb("Debian:13", "openssl", ALL, FixState.WILL_NOT_FIX, {
                    "status": "open", "codename": "trixie", "urgency": "low", "repositories": {"trixie": "3.1.4-2"},
                    "nodsa": "Not built", "nodsa_reason": "ignored"}),
                _deb("Debian:14", "openssl", ALL, FixState.FIX_DEFERRED, {
                    "status": "open", "codename": "forky", "urgency": "low", "repositories": {"forky": "3.1.4-2"},
                    "nodsa": ""}),
                # a fix waiting for the next point release is not released: affected
                _deb("Debian:sid", "openssl", ALL, FixState.AFFECTED, {
                    "status": "open", "codename": "sid", "urgency": "not yet assigned",
                    "repositories": {"sid": "3.1.4-2"}, "next_point_update": True}),
            ),
        ),
        Advisory(
            id="TEMP-0000000-ABCDEF", source="debian-tracker", references=(("WEB", tracker + "TEMP-0000000-ABCDEF"),),
            affected=(
                _deb("Debian:12", "openssl", ALL, FixState.UNKNOWN, {
                    "status": "undetermined", "codename": "bookworm", "urgency": "not yet assigned",
                    "repositories": {"bookworm": "3.0.11-1~deb12u2"}}),
                _deb("Debian:10", "openssl", ALL, FixState.END_OF_LIFE, {
                    "status": "undetermined", "codename": "buster", "urgency": "end-of-life",
                    "repositories": {"buster": "1.1.1n-0+deb10u6"}}),
            ),
        ),
        Advisory(
            id="CVE-2099-1004", source="debian-tracker", references=(("WEB", tracker + "CVE-2099-1004"),),
            affected=(_deb("Debian:sid", "openssl1.1", ALL, FixState.UNKNOWN, {
                "status": "reopened", "codename": "sid", "urgency": "low"}),),
        ),
    ]
    pointer = "/openssl1.1/CVE-2099-1004/releases/"
    assert problems == [
        Diagnostic(Location(origin, object_path=pointer + "bookworm"), "vulndb", DiagnosticLevel.WARNING,
                   "CVE-2099-1004: resolved without a fixed_version: skipped"),
        Diagnostic(Location(origin, object_path=pointer + "trixie/status"), "vulndb", DiagnosticLevel.ERROR,
                   "CVE-2099-1004: 'status' must be a string, not a number"),
        Diagnostic(Location(origin, object_path=pointer + "sid/status"), "vulndb", DiagnosticLevel.WARNING,
                   "CVE-2099-1004: unknown status 'reopened': stored as unknown"),
        Diagnostic(Location(origin, object_path=pointer + "forky"), "vulndb", DiagnosticLevel.ERROR,
                   "CVE-2099-1004: expected an object, not a string"),
        Diagnostic(Location(origin, object_path="/openssl1.1/CVE-2099-1006/releases"), "vulndb",
                   DiagnosticLevel.ERROR, "CVE-2099-1006: 'releases' must be an object, not a string"),
        Diagnostic(Location(origin, object_path="/broken-package"), "vulndb", DiagnosticLevel.ERROR,
                   "source package 'broken-package': expected an object of issues, not an array"),
        Diagnostic(Location(origin), "vulndb", DiagnosticLevel.INFO,
                   "release 'excalibur' has no known number: its entries are stored as Debian:excalibur"),
    ]


def test_debian_codenames_and_bad_documents(tmp_path: Path) -> None:
    assert release_for("bookworm") == "12"
    assert release_for(" Trixie ") == "13"
    assert release_for("sid") == "sid"
    assert release_for("experimental") == "experimental"
    assert release_for("excalibur", {**DEBIAN_RELEASES, "excalibur": "16"}) == "16"
    assert parse_tracker([], "t.json") == ([], [Diagnostic(
        Location("t.json"), "vulndb", DiagnosticLevel.ERROR,
        "expected the tracker's JSON object of source packages, not an array")])
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"zlib": {')
    assert read_tracker(broken) == ([], [Diagnostic(Location(str(broken), 1), "vulndb", DiagnosticLevel.ERROR,
                                                    "invalid JSON: unexpected end of data")])


def test_alpine_secdb(kit: StoreKit) -> None:
    path = kit.testdata / "alpine-v3.19-main.json"
    name, advisories, problems = read_secdb(path)
    origin = str(path)
    assert name == "alpine-secdb:v3.19/main"

    def apk(pkg: str, *fixed: str) -> Affected:
        return Affected("Alpine:v3.19", pkg, f"pkg:apk/alpine/{pkg}",
                        tuple(r for v in fixed for r in _fixed(v)), fix_state=FixState.FIXED)

    def web(issue: str) -> tuple[tuple[str, str], ...]:
        return (("WEB", f"https://security.alpinelinux.org/vuln/{issue}"),)

    assert advisories == [
        # fixed twice in busybox (the second time completely): both ranges kept
        Advisory("CVE-2099-2001", affected=(apk("busybox", "1.36.1-r6", "1.36.1-r16"),),
                 references=web("CVE-2099-2001"), source=name),
        Advisory("CVE-2099-2002", affected=(apk("busybox", "1.36.1-r6"), apk("openssl", "3.1.4-r1")),
                 references=web("CVE-2099-2002"), source=name),
        Advisory("CVE-2099-2003", affected=(apk("busybox", "1.36.1-r6"),), references=web("CVE-2099-2003"),
                 source=name),
        Advisory("XSA-400", affected=(apk("openssl", "3.1.4-r1"),), source=name),
        # CVE-2099-2004 is listed under "0": busybox was never affected; no advisory
    ]
    assert [(d.level, d.location.object_path, d.message) for d in problems] == [
        (DiagnosticLevel.WARNING, "/packages/0/pkg/secfixes/1.36.1-r16/0", "busybox 1.36.1-r16: not an id: "
                                                                           "'(complete fix)'"),
        (DiagnosticLevel.ERROR, "/packages/1/pkg/secfixes/3.1.4 r2", "openssl: '3.1.4 r2' is not a version"),
        (DiagnosticLevel.ERROR, "/packages/1/pkg/secfixes/3.1.4-r3", "openssl 3.1.4-r3: expected an array of ids"),
        (DiagnosticLevel.ERROR, "/packages/3/pkg/name", "a package without a name"),
        (DiagnosticLevel.ERROR, "/packages/4", 'expected {"pkg": {"name", "secfixes"}}'),
    ]
    assert {d.location.path for d in problems} == {origin}


def test_alpine_bad_documents() -> None:
    assert parse_secdb({"packages": []}, "s.json") == ("", [], [Diagnostic(
        Location("s.json", object_path="/distroversion"), "vulndb", DiagnosticLevel.ERROR,
        "'distroversion' must be a non-empty string (which Alpine release is this?)")])
    assert parse_secdb({"distroversion": "v3.20", "packages": {}}, "s.json") == ("alpine-secdb:v3.20", [], [Diagnostic(
        Location("s.json", object_path="/packages"), "vulndb", DiagnosticLevel.ERROR,
        "'packages' must be an array, not an object")])
    assert parse_secdb({"distroversion": "edge", "reponame": "community", "packages": None}, "s.json") == (
        "alpine-secdb:edge/community", [], [])
    assert parse_secdb("x", "s.json")[2][0].message == "expected a secdb JSON object, not a string"


def test_detect_kind(kit: StoreKit) -> None:
    assert detect_kind(json.loads((kit.testdata / "debian-tracker.json").read_text())) == "debian-tracker"
    assert detect_kind(json.loads((kit.testdata / "alpine-v3.19-main.json").read_text())) == "alpine-secdb"
    assert detect_kind(json.loads((kit.testdata / "osv" / "GO-0000-1.json").read_text())) == "osv"
    assert detect_kind([{"id": "x"}]) == "osv"
    assert detect_kind({}) == "osv"


def test_import_every_kind_into_one_store(kit: StoreKit, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    with rebuild(db) as builder:
        summary = import_into(builder, [
            kit.testdata / "osv",
            kit.testdata / "debian-tracker.json",
            ImportSource(str(kit.testdata / "alpine-v3.19-main.json")),
            ImportSource(str(kit.testdata / "records.jsonl"), name="osv:lines"),
            kit.testdata / "bad",
        ])
    assert summary.sources == ["osv:osv", "debian-tracker", "alpine-secdb:v3.19/main", "osv:lines", "osv:bad"]
    assert (summary.advisories, summary.withdrawn, summary.duplicates) == (14, 1, 0)
    assert summary.counts == {
        "PyPI": 3, "npm": 2, "Go": 1, "Debian:12": 3, "Debian:13": 2, "Debian:sid": 3, "Debian:15": 1,
        "Debian:excalibur": 1, "Debian:11": 1, "Debian:14": 1, "Debian:10": 1, "Alpine:v3.19": 4,
    }
    # the tracker's 7 + secdb's 5 + 3 bad lines + 3 bad files
    assert summary.problem_count == len(summary.problems) == 18
    with AdvisoryStore.open(db) as store:
        info = store.info()
        assert {k: (v["kind"], v["advisories"], v["problems"]) for k, v in info["sources"].items()} == {
            "alpine-secdb:v3.19/main": ("alpine-secdb", 4, 5),
            "debian-tracker": ("debian-tracker", 4, 6),  # the info diagnostic is not a problem
            "osv:bad": ("osv", 0, 3),
            "osv:lines": ("osv", 2, 3),
            "osv:osv": ("osv", 4, 0),
        }
        found = store.lookup("debian", "12", ["openssl"])["openssl"]
        assert [(adv.id, a.fix_state) for a, adv in found] == [
            ("CVE-2099-1001", FixState.FIXED), ("CVE-2099-1003", FixState.FIX_DEFERRED),
            ("TEMP-0000000-ABCDEF", FixState.UNKNOWN)]
        found = store.lookup("alpine", "v3.19", ["busybox"])["busybox"]
        assert [(adv.id, a.ranges) for a, adv in found] == [
            ("CVE-2099-2001", _fixed("1.36.1-r6") + _fixed("1.36.1-r16")),
            ("CVE-2099-2002", _fixed("1.36.1-r6")), ("CVE-2099-2003", _fixed("1.36.1-r6"))]


def test_duplicates_name_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "a.json").write_text('{"id": "D-1", "modified": "2024-01-01T00:00:00Z"}')
    (folder / "b.json").write_text('{"id": "D-1", "modified": "2024-03-01T00:00:00Z"}')
    (folder / "c.json").write_text('{"id": "D-1", "modified": "2024-02-01T00:00:00Z"}')
    with rebuild(tmp_path / "db.sqlite") as builder:
        summary = import_into(builder, [folder])
    a, b, c = (str(folder / n) for n in ("a.json", "b.json", "c.json"))
    assert (summary.advisories, summary.duplicates) == (1, 2)
    assert [(d.level, d.location.path, d.message) for d in summary.problems] == [
        (DiagnosticLevel.INFO, b, f"D-1: the source osv:feed has this id more than once; kept this one (modified "
                                  f"2024-03-01T00:00:00Z), not the one from {a}"),
        (DiagnosticLevel.INFO, c, f"D-1: the source osv:feed has this id more than once; kept the one from {b}, "
                                  "modified later"),
    ]
    with AdvisoryStore.open(tmp_path / "db.sqlite") as store:
        assert [a.modified for a in store.get("D-1")] == ["2024-03-01T00:00:00Z"]
        assert store.info()["sources"]["osv:feed"]["problems"] == 0


def test_import_unreadable_inputs(tmp_path: Path) -> None:
    broken = tmp_path / "tracker.json"
    broken.write_bytes(b'{"zlib": ')
    with rebuild(tmp_path / "db.sqlite") as builder:
        summary = import_into(builder, [ImportSource(str(broken), kind="debian-tracker"),
                                        ImportSource(str(tmp_path / "absent.json"), kind="alpine-secdb"),
                                        ImportSource(str(broken))])
    assert [(d.location.path, d.message) for d in summary.problems] == [
        (str(broken), "invalid JSON: unexpected end of data"),
        (str(tmp_path / "absent.json"), "cannot read: No such file or directory"),
        (str(broken), "invalid JSON: unexpected end of data"),  # auto: read as OSV, still broken
    ]
    assert summary.sources == ["osv:tracker.json"]
