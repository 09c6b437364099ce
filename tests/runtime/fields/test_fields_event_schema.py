"""The syscall event record's JSON Schema: valid, shipped in the package, and satisfied by every record the
tests use (the crafted traces and the field fixtures)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

HERE = Path(__file__).resolve().parent
TRACES = HERE.parent / "traces" / "testdata"


def _schema() -> dict[str, object]:
    text = resources.files("stockade.runtime.fields").joinpath("event-schema.json").read_text()
    schema = json.loads(text)
    assert isinstance(schema, dict)
    return schema


def test_schema_is_valid_draft_2020_12() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["ts", "type"]


def test_trace_and_fixture_records_conform() -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    records = [json.loads((HERE / "testdata" / "syscall-open.json").read_text())]
    for path in sorted(TRACES.glob("*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    assert len(records) > 80
    for record in records:
        errors = [e.message for e in validator.iter_errors(record)]
        assert errors == [], (record.get("type"), errors)


@pytest.mark.parametrize(
    "record",
    [
        {"type": "execve"},
        {"ts": -1, "type": "execve"},
        {"ts": 1, "type": ""},
        {"ts": 1, "type": "execve", "dir": "x"},
        {"ts": 1, "type": "execve", "proc": []},
        {"ts": 1, "type": "execve", "fd": {"type": "socket"}},
    ],
)
def test_schema_rejects_malformed_records(record: dict[str, object]) -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    assert list(validator.iter_errors(record)) != []
