"""Kubernetes audit log files: JSON lines of Events or EventLists, one whole Event or EventList document, and
hostile input — each problem a diagnostic naming file, line (and list item), and reading goes on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from stockade.model import Diagnostic
from stockade.runtime.sources.k8saudit import parse_audit_value, read_audit_file, validate_audit_event


def event(n: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"id-{n}",
            "stage": "ResponseComplete", "verb": "get", "requestURI": f"/api/v1/pods/{n}",
            "user": {"username": "alice"}, **extra}


def event_list(*events: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": list(events)}


def jl(*objs: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objs)


def run(data: bytes, tmp_path: Path, **kw: Any) -> tuple[list[str], list[tuple[int | None, str, str]]]:
    p = tmp_path / "audit.log"
    p.write_bytes(data)
    ids: list[str] = []
    diags: list[tuple[int | None, str, str]] = []
    for item in read_audit_file(p, **kw):
        if isinstance(item, Diagnostic):
            assert item.location.path == str(p)
            assert item.source == "runtime-k8saudit"
            diags.append((item.location.line, item.location.object_path, item.message))
        else:
            ids.append(item["auditID"])
    return ids, diags


def test_jsonl_of_events(tmp_path: Path) -> None:
    ids, diags = run(jl(event(1), event(2)) + b"\n" + jl(event(3)), tmp_path)
    assert ids == ["id-1", "id-2", "id-3"]
    assert diags == []


def test_jsonl_with_event_lists_per_line(tmp_path: Path) -> None:
    ids, diags = run(jl(event_list(event(1), event(2)), event(3), event_list()), tmp_path)
    assert ids == ["id-1", "id-2", "id-3"]
    assert diags == []


def test_single_pretty_printed_event(tmp_path: Path) -> None:
    ids, diags = run(b"\n" + json.dumps(event(7), indent=2).encode() + b"\n", tmp_path)
    assert ids == ["id-7"]
    assert diags == []


def test_pretty_printed_event_list_with_bad_items(tmp_path: Path) -> None:
    doc = event_list(event(1), {"kind": "Pod"}, event(2), "text", {"auditID": 5, "stage": "x"}, event(3))
    ids, diags = run(json.dumps(doc, indent=2).encode(), tmp_path)
    assert ids == ["id-1", "id-2", "id-3"]
    assert diags == [
        (1, "items[1]", "not an audit Event: kind is 'Pod', not 'Event'"),
        (1, "items[3]", "not an audit Event: not a JSON object"),
        (1, "items[4]", "not an audit Event: 'auditID' must be a string"),
    ]


def test_event_list_with_non_list_items(tmp_path: Path) -> None:
    ids, diags = run(jl({"kind": "EventList", "items": {"0": event(1)}}, event(2),
                        {"kind": "EventList"}), tmp_path)
    assert ids == ["id-2"]
    assert diags == [(1, "", "EventList 'items' is not a list"), (3, "", "EventList without 'items'")]


def test_hostile_lines(tmp_path: Path) -> None:
    data = (
        jl(event(1))                                   # 1
        + b'{"kind": "Event", "auditID": "x"\n'        # 2 truncated
        + b'{"auditID": "\xff\xfe", "stage": "a"}\n'   # 3 invalid UTF-8
        + b'{"auditID": "a\x00", "stage": "a"}\n'      # 4 NUL
        + b"[" * 3000 + b"]" * 3000 + b"\n"            # 5 deeply nested
        + jl([event(9)])                               # 6 an array, not an object
        + jl({"kind": "Event", "stage": "x"})          # 7 no auditID
        + jl(event(4, user="bob"))                     # 8 mistyped user
        + jl({"kind": "Status", "apiVersion": "v1"})   # 9 another kind
        + jl(event(5))                                 # 10
    )
    ids, diags = run(data, tmp_path)
    assert ids == ["id-1", "id-5"]
    assert [(n, m.split(":")[0] if m.startswith("invalid JSON") else m) for n, _, m in diags] == [
        (2, "invalid JSON"),
        (3, "invalid UTF-8; record skipped"),
        (4, "NUL byte in the record; record skipped"),
        (5, "JSON nested too deeply; record skipped"),
        (6, "expected an audit Event or EventList object"),
        (7, "not an audit Event or EventList: missing required key 'auditID'"),
        (8, "not an audit Event or EventList: 'user' must be an object"),
        (9, "not an audit Event or EventList: kind is 'Status', not 'Event'"),
    ]


def test_broken_first_line_then_good_lines(tmp_path: Path) -> None:
    ids, diags = run(b'{"kind": "Event", "auditID": \n' + jl(event(2), event(3)), tmp_path)
    assert ids == ["id-2", "id-3"]
    assert len(diags) == 1 and diags[0][0] == 1 and diags[0][2].startswith("invalid JSON")


def test_truncated_document(tmp_path: Path) -> None:
    text = json.dumps(event_list(event(1), event(2)), indent=2)
    ids, diags = run(text[: len(text) // 2].encode(), tmp_path)
    assert ids == []
    assert len(diags) == 1
    line, _, message = diags[0]
    assert message.startswith("invalid JSON: unexpected end of data") and message.endswith("; document skipped")
    assert line == text[: len(text) // 2].count("\n") + 1


def test_huge_record_and_document_limits(tmp_path: Path) -> None:
    big = event(2, requestObject={"data": "x" * 5000})
    ids, diags = run(jl(event(1), big, event(3)), tmp_path, max_record=2000)
    assert ids == ["id-1", "id-3"]
    assert len(diags) == 1 and diags[0][0] == 2
    assert diags[0][2].startswith("record longer than 2000 bytes")
    doc = json.dumps(event_list(*[event(i) for i in range(200)]), indent=1).encode()
    ids, diags = run(doc, tmp_path, max_document=10_000)
    assert ids == []
    assert diags == [(1, "", "the audit document is larger than 10000 bytes; not read")]
    ids, diags = run(doc, tmp_path)
    assert len(ids) == 200 and diags == []


def test_non_json_first_line_and_garbage(tmp_path: Path) -> None:
    ids, diags = run(b"hello world\n" + jl(event(1)), tmp_path)
    assert ids == ["id-1"]
    assert [(n, m.split(":")[0]) for n, _, m in diags] == [(1, "invalid JSON")]
    ids, diags = run(b"\x00\x01\x02" * 100, tmp_path)
    assert ids == [] and len(diags) == 1


def test_stream_input_and_missing_file(tmp_path: Path) -> None:
    items = list(read_audit_file(io.BytesIO(jl(event(1))), name="-"))
    assert [i["auditID"] for i in items if isinstance(i, dict)] == ["id-1"]
    items = list(read_audit_file(tmp_path / "nope.log"))
    assert len(items) == 1 and isinstance(items[0], Diagnostic)
    assert items[0].message == "cannot read the audit log: No such file or directory"


def test_parse_audit_value() -> None:
    assert parse_audit_value(event(1)) == ([event(1)], [])
    assert parse_audit_value([]) == "expected an audit Event or EventList object"
    assert parse_audit_value({"items": [event(1)]}) == ([event(1)], [])  # a list without kind
    assert parse_audit_value({"kind": "EventList", "items": []}) == ([], [])
    assert validate_audit_event({**event(1), "sourceIPs": "1.1.1.1"}) == "'sourceIPs' must be an array"
    assert validate_audit_event({**event(1), "verb": 1}) == "'verb' must be a string"


@pytest.mark.parametrize("n", [0, 1, 3])
def test_event_count_in_lists(tmp_path: Path, n: int) -> None:
    ids, diags = run(jl(event_list(*[event(i) for i in range(n)])), tmp_path)
    assert ids == [f"id-{i}" for i in range(n)]
    assert diags == []
