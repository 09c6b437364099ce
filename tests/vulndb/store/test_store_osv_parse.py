"""OSV records parsed into Advisory objects; files, folders and zip archives read record by record."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.vulndb.model import Advisory, Affected, Event, Range
from stockade.vulndb.osv import (
    OsvError,
    default_source_name,
    iter_dir,
    iter_file,
    iter_zip,
    json_pointer,
    parse_advisory,
)

if TYPE_CHECKING:
    from conftest import StoreKit

EXPECTED_PYSEC = Advisory(
    id="PYSEC-0000-1",
    modified="2024-03-01T10:00:00Z",
    published="2024-02-01T00:00:00Z",
    aliases=("CVE-0000-0001", "GHSA-aaaa-bbbb-cccc"),
    related=("OSV-0000-9",),
    summary="Path traversal in foo-bar",
    details="A crafted archive writes outside the target folder.",
    severity=(("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),),  # FUTURE_SCORE dropped
    affected=(Affected(
        ecosystem="PyPI",
        name="Foo_Bar",
        purl="pkg:pypi/foo-bar",
        ranges=(
            Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", "1.2.0"))),
            Range("GIT", (Event("introduced", "0"), Event("fixed", "0123456789abcdef")),
                  "https://example.org/foo-bar.git"),
        ),
        versions=("1.0.0", "1.1.0"),
        ecosystem_specific='{"affected_functions":["foo_bar.extract"]}',
        database_specific='{"source":"https://example.org/advisories/PYSEC-0000-1.yaml"}',
    ),),
    references=(("ADVISORY", "https://example.org/advisories/PYSEC-0000-1"),
                ("FIX", "https://example.org/foo-bar/commit/0123456789abcdef")),
    database_specific='{"severity":"HIGH"}',
    source="osv:test",
    schema_version="1.6.0",
)


def test_parse_a_full_record(kit: StoreKit) -> None:
    data = (kit.testdata / "osv" / "PYSEC-0000-1.json").read_bytes()
    assert parse_advisory(data, "PYSEC-0000-1.json", source="osv:test") == EXPECTED_PYSEC
    # an already parsed object gives the same
    assert parse_advisory(orjson.loads(data), "x", source="osv:test") == EXPECTED_PYSEC


def test_parse_null_fields_package_less_entries_and_upstream(kit: StoreKit) -> None:
    advisory = parse_advisory((kit.testdata / "osv" / "GO-0000-1.json").read_bytes(), "GO-0000-1.json")
    assert advisory == Advisory(
        id="GO-0000-1",
        modified="2024-05-05T05:05:05Z",
        affected=(Affected(  # the GIT-only entry without a package is dropped
            ecosystem="Go",
            name="example.com/Mod",
            ranges=(Range("SEMVER", (Event("introduced", "1.0.0"), Event("last_affected", "1.4.2"))),),
            severity=(("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"),),
        ),),
        extra={"upstream": '["CVE-0000-0002"]'},
    )


def test_minimal_record_and_missing_modified() -> None:
    assert parse_advisory(b'{"id": "X-1"}', "x.json") == Advisory(id="X-1")
    assert parse_advisory('{"id": "X-2", "affected": null, "references": null}', "x.json") == Advisory(id="X-2")


def test_reference_without_type_and_limit_events() -> None:
    record = {"id": "X-3", "references": [{"url": "https://example.org"}],
              "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "2.0.0"}]}]}]}
    advisory = parse_advisory(record, "x.json")
    assert advisory.references == (("", "https://example.org"),)
    assert advisory.affected[0].ranges == (Range("SEMVER", (Event("introduced", "0"), Event("limit", "2.0.0"))),)


AFFECTED_OK: dict[str, Any] = {"package": {"ecosystem": "npm", "name": "a"}}


def _with_range(rng: Any) -> dict[str, Any]:
    return {"id": "R-1", "affected": [{**AFFECTED_OK, "ranges": [rng]}]}


@pytest.mark.parametrize(("record", "pointer", "reason"), [
    ([], "", "a record must be a JSON object, not an array"),
    ({"modified": "2024-01-01T00:00:00Z"}, "/id", "is required"),
    ({"id": 7}, "/id", "must be a string, not a number"),
    ({"id": "  "}, "/id", "must not be empty"),
    ({"id": "R-1", "aliases": "CVE-1"}, "/aliases", "must be an array, not a string"),
    ({"id": "R-1", "aliases": ["CVE-1", 2]}, "/aliases/1", "must be a string, not a number"),
    ({"id": "R-1", "summary": True}, "/summary", "must be a string, not a boolean"),
    ({"id": "R-1", "modified": 20240101}, "/modified", "must be a string, not a number"),
    ({"id": "R-1", "affected": {}}, "/affected", "must be an array, not an object"),
    ({"id": "R-1", "affected": [1]}, "/affected/0", "must be an object, not a number"),
    ({"id": "R-1", "affected": [{"package": "npm/a"}]}, "/affected/0/package", "must be an object, not a string"),
    ({"id": "R-1", "affected": [{"package": {"ecosystem": "npm"}}]}, "/affected/0/package/name", "is required"),
    ({"id": "R-1", "affected": [{"package": {"ecosystem": "", "name": "a"}}]}, "/affected/0/package/ecosystem",
     "must not be empty"),
    ({"id": "R-1", "affected": [{**AFFECTED_OK, "versions": ["1.0", None]}]}, "/affected/0/versions/1",
     "must be a string, not null"),
    ({"id": "R-1", "affected": [{**AFFECTED_OK, "ecosystem_specific": "x"}]}, "/affected/0/ecosystem_specific",
     "must be an object, not a string"),
    (_with_range({"events": [{"introduced": "0"}]}), "/affected/0/ranges/0/type", "is required"),
    (_with_range({"type": "NUMBERS", "events": [{"introduced": "0"}]}), "/affected/0/ranges/0/type",
     "unknown range type 'NUMBERS' (SEMVER, ECOSYSTEM or GIT)"),
    (_with_range({"type": "SEMVER", "events": []}), "/affected/0/ranges/0/events",
     "a range needs at least one event"),
    (_with_range({"type": "SEMVER"}), "/affected/0/ranges/0/events", "a range needs at least one event"),
    (_with_range({"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1"}]}), "/affected/0/ranges/0/events/0",
     "an event must have exactly one of introduced, fixed, last_affected, limit (found fixed, introduced)"),
    (_with_range({"type": "SEMVER", "events": [{"unfixed": "1"}]}), "/affected/0/ranges/0/events/0",
     "an event must have exactly one of introduced, fixed, last_affected, limit (found unfixed)"),
    (_with_range({"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": 1.5}]}),
     "/affected/0/ranges/0/events/1/fixed", "must be a string, not a number"),
    (_with_range({"type": "SEMVER", "events": [{"introduced": ""}]}),
     "/affected/0/ranges/0/events/0/introduced", "must not be empty"),
    ({"id": "R-1", "severity": [{"type": "CVSS_V3"}]}, "/severity/0/score", "is required"),
    ({"id": "R-1", "affected": [{**AFFECTED_OK, "severity": [{"type": 3, "score": "x"}]}]},
     "/affected/0/severity/0/type", "must be a string, not a number"),
    ({"id": "R-1", "references": [{"type": "WEB"}]}, "/references/0/url", "is required"),
    ({"id": "R-1", "database_specific": []}, "/database_specific", "must be an object, not an array"),
])
def test_invalid_records_name_the_pointer(record: Any, pointer: str, reason: str) -> None:
    with pytest.raises(OsvError) as caught:
        parse_advisory(record, "feed.json")
    err = caught.value
    assert (err.origin, err.pointer, err.reason) == ("feed.json", pointer, reason)
    record_id = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else ""
    assert err.record_id == (record_id if record_id.strip() else "")
    subject = f" {err.record_id}" if err.record_id else ""
    assert str(err) == f"feed.json:{subject} {pointer or '/'}: {reason}"


def test_invalid_json_and_its_diagnostic() -> None:
    with pytest.raises(OsvError) as caught:
        parse_advisory(b'{"id": "A",\n "x": }', "a.json", line=4)
    assert caught.value.reason == "invalid JSON: unexpected character, expected a JSON value (line 2 column 7)"
    assert caught.value.diagnostic() == Diagnostic(
        Location("a.json", 4, object_path="/"), "vulndb", DiagnosticLevel.ERROR,
        "invalid JSON: unexpected character, expected a JSON value (line 2 column 7)")


def test_json_pointer_escapes() -> None:
    assert json_pointer("a/b", "c~d", 0) == "/a~1b/c~0d/0"
    with pytest.raises(OsvError) as caught:
        parse_advisory({"id": "P-1", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                                                    "ecosystem_specific": 1}]}, "f")
    assert caught.value.pointer == "/affected/0/ecosystem_specific"


def test_default_source_names() -> None:
    assert default_source_name("/data/PyPI/all.zip") == "osv:PyPI"
    assert default_source_name("crates.io-all.zip") == "osv:crates.io"
    assert default_source_name("/data/osv-samples") == "osv:osv-samples"
    assert default_source_name("records.jsonl") == "osv:records.jsonl"


# ----------------------------------------------------------------------------------------------------------
# Files and folders


def _ids(items: list[Advisory | Diagnostic]) -> list[str]:
    return [i.id if isinstance(i, Advisory) else f"!{i.location.line}:{i.location.object_path}:{i.message}"
            for i in items]


def test_json_lines_file(kit: StoreKit) -> None:
    items = list(iter_file(kit.testdata / "records.jsonl", source="osv:lines"))
    assert _ids(items) == [
        "LINE-1",
        "!3:/affected/0/ranges/0/type:LINE-2: unknown range type 'NUMBERS' (SEMVER, ECOSYSTEM or GIT)",
        "!4::invalid JSON: invalid literal, expected 'null' (column 1)",
        "!5:/:a record must be a JSON object, not an array",
        "LINE-3",
    ]
    assert all(i.location.path == str(kit.testdata / "records.jsonl") for i in items if isinstance(i, Diagnostic))
    assert {i.source for i in items if isinstance(i, Advisory)} == {"osv:lines"}


def test_json_array_single_object_and_concatenated_lines(tmp_path: Path) -> None:
    array = tmp_path / "array.json"
    array.write_bytes(b'[{"id": "A-1"}, 5, {"id": "A-2", "aliases": [1]}]')
    assert _ids(list(iter_file(array))) == [
        "A-1", "!None:/1:a record must be a JSON object, not a number", "!None:/2/aliases/0:A-2: must be a string, "
        "not a number"]
    single = tmp_path / "one.json"
    single.write_bytes(b'\xef\xbb\xbf{"id": "B-1"}')  # a byte order mark is tolerated
    assert list(iter_file(single, source="s")) == [Advisory(id="B-1", source="s")]
    lines = tmp_path / "lines.json"  # JSON lines in a file not named .jsonl
    lines.write_bytes(b'{"id": "C-1"}\n{"id": "C-2"}\n')
    assert _ids(list(iter_file(lines))) == ["C-1", "C-2"]
    scalar = tmp_path / "scalar.json"
    scalar.write_bytes(b'"just a string"')
    assert _ids(list(iter_file(scalar))) == [
        "!None::expected an OSV record (a JSON object) or an array of them, not a string"]


def test_unreadable_files(kit: StoreKit, tmp_path: Path) -> None:
    assert _ids(list(iter_file(kit.testdata / "bad" / "broken.json"))) == [
        "!4::invalid JSON: unexpected end of data"]
    assert _ids(list(iter_file(tmp_path / "missing.json"))) == ["!None::cannot read: No such file or directory"]
    assert _ids(list(iter_file(tmp_path))) == ["!None::not a regular file: skipped"]


def test_over_long_json_line_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stockade.vulndb.osv.MAX_LINE_BYTES", 64)
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"id": "S-1"}\n{"id": "L-1", "details": "' + b"x" * 200 + b'"}\n{"id": "S-2"}\n')
    assert _ids(list(iter_file(path))) == ["S-1", "!2::line longer than 64 bytes: skipped", "S-2"]


def test_folder_in_name_order(kit: StoreKit) -> None:
    assert _ids(list(iter_dir(kit.testdata / "osv"))) == ["GHSA-0000-multi", "GO-0000-1", "PYSEC-0000-1",
                                                         "PYSEC-0000-2"]
    bad = list(iter_dir(kit.testdata / "bad"))
    assert [(Path(d.location.path).name, d.location.object_path, d.message) for d in bad
            if isinstance(d, Diagnostic)] == [
        ("aliases-not-array.json", "/aliases", "BAD-1: must be an array, not a string"),
        ("broken.json", "", "invalid JSON: unexpected end of data"),
        ("two-kinds-in-event.json", "/affected/0/ranges/0/events/0",
         "BAD-2: an event must have exactly one of introduced, fixed, last_affected, limit (found fixed, introduced)"),
    ]
    assert _ids(list(iter_dir(kit.testdata / "osv" / "GO-0000-1.json"))) == ["!None::not a folder"]


# ----------------------------------------------------------------------------------------------------------
# Zip archives


def _zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            if name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, data)
    return path


def _messages(items: list[Advisory | Diagnostic]) -> list[str]:
    return [i.id if isinstance(i, Advisory) else f"{i.level}|{i.location.path}|{i.message}" for i in items]


def test_zip_reads_json_members_in_place(tmp_path: Path) -> None:
    path = _zip(tmp_path / "PyPI-all.zip", {
        "PYSEC-1.json": b'{"id": "PYSEC-1"}',
        "sub/": b"",
        "sub/PYSEC-2.json": b'{"id": "PYSEC-2"}',
        "README.txt": b"not a record",
        "lines.jsonl": b'{"id": "PYSEC-3"}\n{"id": 3}\n',
    })
    items = list(iter_zip(path))
    assert _messages(items) == ["PYSEC-1", "PYSEC-2", "PYSEC-3",
                                f"error|{path}!/lines.jsonl|must be a string, not a number"]
    assert {i.source for i in items if isinstance(i, Advisory)} == {"osv:PyPI"}
    diag = items[3]
    assert isinstance(diag, Diagnostic)
    assert (diag.location.line, diag.location.object_path) == (2, "/id")
    assert not (tmp_path / "sub").exists()  # nothing extracted


def test_zip_skips_unsafe_nested_and_oversized_members(tmp_path: Path) -> None:
    path = _zip(tmp_path / "evil.zip", {
        "../escape.json": b'{"id": "E-1"}',
        "/etc/absolute.json": b'{"id": "E-2"}',
        "C:/windows.json": b'{"id": "E-3"}',
        "inner.zip": b"PK\x05\x06" + b"\x00" * 18,
        "big.json": b'{"id": "E-4", "details": "' + b"x" * 500 + b'"}',
        "ok.json": b'{"id": "OK-1"}',
    })
    assert _messages(list(iter_zip(path, max_member_bytes=200))) == [
        f"warning|{path}!/../escape.json|member name is absolute or contains '..': skipped",
        f"warning|{path}!//etc/absolute.json|member name is absolute or contains '..': skipped",
        f"warning|{path}!/C:/windows.json|member name is absolute or contains '..': skipped",
        f"warning|{path}!/inner.zip|archive inside the archive: not read",
        f"error|{path}!/big.json|528 bytes uncompressed, more than the limit of 200: skipped",
        "OK-1",
    ]


def test_zip_member_count_and_total_size_limits(tmp_path: Path) -> None:
    path = _zip(tmp_path / "many.zip", {f"R-{i}.json": b'{"id": "R-%d"}' % i for i in range(5)})
    assert _messages(list(iter_zip(path, max_members=4))) == [f"error|{path}|5 members, more than the limit of 4: "
                                                                 "not read"]
    # each member is 13 bytes: two fit in 30
    assert _messages(list(iter_zip(path, max_total_bytes=30))) == [
        "R-0", "R-1",
        f"error|{path}|more than 30 bytes uncompressed in all: the members from R-2.json on were not read"]


def test_zip_corrupt_member_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    path = _zip(tmp_path / "crc.zip", {"A.json": b'{"id": "AAAA"}', "B.json": b'{"id": "BBBB"}'},
                compression=zipfile.ZIP_STORED)
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'{"id": "AAAA"}', b'{"id": "AAAB"}'))  # content no longer matches its CRC
    assert _messages(list(iter_zip(path))) == [f"error|{path}!/A.json|cannot read the member: Bad CRC-32 for file "
                                               "'A.json'", "BBBB"]


def test_zip_encrypted_member_is_skipped(tmp_path: Path) -> None:
    path = _zip(tmp_path / "enc.zip", {"S.json": b'{"id": "S"}', "T.json": b'{"id": "T"}'})
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")  # the first central directory entry (S.json): set "encrypted"
    raw[central + 8] |= 0x1
    path.write_bytes(bytes(raw))
    assert _messages(list(iter_zip(path))) == [f"error|{path}!/S.json|encrypted member: skipped", "T"]


def test_truncated_and_non_zip_files(tmp_path: Path) -> None:
    whole = _zip(tmp_path / "whole.zip", {f"R-{i}.json": b'{"id": "R-%d"}' % i for i in range(20)})
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert _messages(list(iter_zip(truncated))) == [f"error|{truncated}|not a readable zip archive: File is not a "
                                                    "zip file"]
    assert _messages(list(iter_zip(tmp_path / "nope.zip"))) == [
        f"error|{tmp_path / 'nope.zip'}|not a readable zip archive: No such file or directory"]
