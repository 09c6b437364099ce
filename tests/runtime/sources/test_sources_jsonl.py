"""Recorded syscall events (JSONL): good records come through, every bad line becomes a diagnostic naming the file
and line, and reading goes on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from stockade.model import Diagnostic, DiagnosticLevel
from stockade.runtime.sources.jsonl import MAX_LINE, read_events, validate_event

GOOD = {"ts": 1718000000000000000, "type": "execve", "proc": {"pid": 1, "name": "sh"}}


def line(obj: object) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def split(items: list[Any]) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    events = [x for x in items if isinstance(x, dict)]
    diags = [x for x in items if isinstance(x, Diagnostic)]
    assert len(events) + len(diags) == len(items)
    return events, diags


def messages(diags: list[Diagnostic]) -> list[tuple[int | None, str]]:
    return [(d.location.line, d.message) for d in diags]


def test_good_file(tmp_path: Path) -> None:
    p = tmp_path / "rec.jsonl"
    p.write_bytes(line(GOOD) + b"\n   \n" + line({**GOOD, "type": "openat", "ts": 2}) + line({**GOOD, "ts": 3})[:-1])
    events, diags = split(list(read_events(p)))
    assert diags == []
    assert [e["ts"] for e in events] == [1718000000000000000, 2, 3]
    assert events[0] == GOOD


def test_every_bad_line_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(
        line(GOOD)                                     # 1
        + b'{"ts": 1, "type": "openat"\n'              # 2 truncated JSON
        + b'{"ts": 1, "type": "\xff\xfe"}\n'           # 3 invalid UTF-8
        + b'{"ts": 1, "type": "a\x00b"}\n'             # 4 NUL byte
        + b"[1, 2, 3]\n"                               # 5 not an object
        + line({"type": "execve"})                     # 6 no ts
        + line({"ts": "now", "type": "execve"})        # 7 mistyped ts
        + line({"ts": 1, "type": 5})                   # 8 mistyped type
        + line({"ts": 1, "type": "execve", "proc": []})  # 9 proc not an object
        + b"[" * 5000 + b"]" * 5000 + b"\n"            # 10 deeply nested
        + b"not json at all\n"                         # 11
        + line({**GOOD, "ts": 42})                     # 12 good again
    )
    events, diags = split(list(read_events(p)))
    assert [e["ts"] for e in events] == [1718000000000000000, 42]
    assert all(d.location.path == str(p) and d.level is DiagnosticLevel.ERROR for d in diags)
    assert all(d.source == "runtime-events" for d in diags)
    got = messages(diags)
    assert [n for n, _ in got] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert got[0][1].startswith("invalid JSON: unexpected end of data")
    assert got[1] == (3, "invalid UTF-8; record skipped")
    assert got[2] == (4, "NUL byte in the record; record skipped")
    assert got[3] == (5, "not a syscall event record: the record is a JSON array, not an object")
    assert got[4] == (6, "not a syscall event record: missing required key 'ts'")
    assert got[5] == (7, "not a syscall event record: 'ts' must be a non-negative integer (ns since the epoch)")
    assert got[6] == (8, "not a syscall event record: 'type' must be a non-empty string of at most 64 characters")
    assert got[7] == (9, "not a syscall event record: 'proc' must be an object")
    assert got[8] == (10, "JSON nested too deeply; record skipped")
    assert got[9][1].startswith("invalid JSON: ")
    assert str(diags[0]).startswith(f"{p}:2: error: invalid JSON")


def test_huge_line_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    p = tmp_path / "huge.jsonl"
    with p.open("wb") as fh:
        fh.write(line(GOOD))
        fh.write(b'{"ts": 1, "type": "execve", "pad": "' + b"x" * (3 * MAX_LINE) + b'"}\n')
        fh.write(line({**GOOD, "ts": 7}))
        fh.write(b"y" * (MAX_LINE + 10))  # a last line without newline, too long as well
    events, diags = split(list(read_events(p)))
    assert [e["ts"] for e in events] == [1718000000000000000, 7]
    assert messages(diags) == [
        (2, f"record longer than 1 MiB ({3 * MAX_LINE + 38} bytes); skipped"),
        (4, f"record longer than 1 MiB ({MAX_LINE + 10} bytes); skipped"),
    ]


def test_custom_line_limit_and_stream_input() -> None:
    data = line(GOOD) + line({**GOOD, "pad": "x" * 200})
    events, diags = split(list(read_events(io.BytesIO(data), name="-", max_line=100)))
    assert len(events) == 1
    assert [(d.location.path, d.location.line) for d in diags] == [("-", 2)]
    assert diags[0].message.startswith("record longer than 100 bytes")


def test_unreadable_file(tmp_path: Path) -> None:
    events, diags = split(list(read_events(tmp_path / "missing.jsonl")))
    assert events == []
    assert len(diags) == 1
    assert diags[0].location.line is None
    assert diags[0].message == "cannot read the recording: No such file or directory"
    events, diags = split(list(read_events(tmp_path)))  # a directory
    assert len(diags) == 1 and diags[0].message.startswith("cannot read the recording: ")


def test_empty_and_blank_files(tmp_path: Path) -> None:
    p = tmp_path / "empty.jsonl"
    p.write_bytes(b"")
    assert list(read_events(p)) == []
    p.write_bytes(b"\n\n  \r\n")
    assert list(read_events(p)) == []


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (GOOD, None),
        ({"ts": 1, "type": "x", "dir": ">"}, None),
        ({"ts": 1, "type": "x", "container": None, "k8s": None}, None),
        ({"ts": -5, "type": "x"}, "'ts' must be a non-negative integer (ns since the epoch)"),
        ({"ts": True, "type": "x"}, "'ts' must be a non-negative integer (ns since the epoch)"),
        ({"ts": 1}, "missing required key 'type'"),
        ({"ts": 1, "type": "x" * 65}, "'type' must be a non-empty string of at most 64 characters"),
        ({"ts": 1, "type": "x", "dir": "<>"}, "'dir' must be '<' or '>'"),
        ({"ts": 1, "type": "x", "res": "ok"}, "'res' must be an integer"),
        ({"ts": 1, "type": "x", "args": [1]}, "'args' must be an object"),
        ({"ts": 1, "type": "x", "container": "host"}, "'container' must be an object or null"),
        ({"ts": 1, "type": "x", "ancestors": {}}, "'ancestors' must be an array"),
        ({"ts": 1, "type": "x", "ancestors": [{}, 3]}, "'ancestors[1]' must be an object"),
        ({"ts": 1, "type": "x", "ancestors": [{}] * 65}, "'ancestors' holds 65 entries, more than 64"),
        ({"ts": 1, "type": "x", "hostname": 1}, "'hostname' must be a string"),
        ("text", "the record is a JSON string, not an object"),
        (None, "the record is a JSON null, not an object"),
    ],
)
def test_validate_event(record: object, problem: str | None) -> None:
    assert validate_event(record) == problem


def test_recorded_traces_read_cleanly() -> None:
    traces = Path(__file__).resolve().parents[1] / "traces" / "testdata"
    total = 0
    for path in sorted(traces.glob("*.jsonl")):
        events, diags = split(list(read_events(path)))
        assert diags == [], path.name
        total += len(events)
    assert total > 80
