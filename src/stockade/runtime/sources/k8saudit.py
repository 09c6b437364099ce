"""Kubernetes audit events from files: JSON lines of ``Event`` (or ``EventList``) objects, as the API server's
log backend writes them, or one whole JSON document holding a single ``Event`` or an ``EventList`` (as
``kubectl get --raw`` or a saved webhook body gives them).

Every malformed line, object or list item becomes a ``Diagnostic`` naming the file and line (and the item,
``items[3]``), and reading goes on. Records and documents are size-bounded; JSON nesting is bounded by the
decoder (1024 levels).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from stockade.model import Diagnostic
from stockade.runtime.fields.api import Event
from stockade.runtime.sources.jsonl import Line, decode_json, diag, display_name, human_size, iter_lines, json_lines

__all__ = [
    "DIAGNOSTIC_SOURCE",
    "MAX_DOCUMENT",
    "MAX_RECORD",
    "parse_audit_value",
    "read_audit_file",
    "validate_audit_event",
]

DIAGNOSTIC_SOURCE = "runtime-k8saudit"
MAX_RECORD = 4 << 20  # one JSONL line (an Event with request and response objects)
MAX_DOCUMENT = 64 << 20  # one whole-file document
MAX_ITEMS = 100_000  # events in one EventList

_OBJECT_KEYS = ("user", "impersonatedUser", "objectRef", "annotations", "responseStatus")
_STRING_KEYS = ("verb", "requestURI", "userAgent", "level", "stageTimestamp", "requestReceivedTimestamp")
_RX_POSITION = re.compile(r"line (\d+) column")


def validate_audit_event(obj: object) -> str | None:
    """Why ``obj`` is not an audit.k8s.io Event (None when it is one): its kind, the required auditID and stage,
    and the types of the top-level keys the fields read."""
    if not isinstance(obj, Mapping):
        return "not a JSON object"
    kind = obj.get("kind")
    if kind is not None and kind != "Event":
        return f"kind is {kind!r}, not 'Event'"
    for key in ("auditID", "stage"):
        v = obj.get(key)
        if v is None:
            return f"missing required key '{key}'"
        if type(v) is not str:
            return f"'{key}' must be a string"
    for key in _STRING_KEYS:
        v = obj.get(key)
        if v is not None and type(v) is not str:
            return f"'{key}' must be a string"
    for key in _OBJECT_KEYS:
        v = obj.get(key)
        if v is not None and not isinstance(v, Mapping):
            return f"'{key}' must be an object"
    ips = obj.get("sourceIPs")
    if ips is not None and type(ips) is not list:
        return "'sourceIPs' must be an array"
    return None


def parse_audit_value(value: object) -> tuple[list[dict[str, Any]], list[tuple[str, str]]] | str:
    """The events of one decoded JSON value (an Event or an EventList) and the problems of its items as
    (object path, message); a string when the value as a whole is neither."""
    if not isinstance(value, Mapping):
        return "expected an audit Event or EventList object"
    kind = value.get("kind")
    if kind == "EventList" or (kind is None and "items" in value and "auditID" not in value):
        items = value.get("items")
        if items is None:
            return "EventList without 'items'"
        if type(items) is not list:
            return "EventList 'items' is not a list"
        if len(items) > MAX_ITEMS:
            return f"EventList holds {len(items)} items, more than {MAX_ITEMS}"
        events: list[dict[str, Any]] = []
        problems: list[tuple[str, str]] = []
        for i, item in enumerate(items):
            why = validate_audit_event(item)
            if why is None:
                events.append(item)
            else:
                problems.append((f"items[{i}]", f"not an audit Event: {why}"))
        return events, problems
    why = validate_audit_event(value)
    if why is not None:
        return f"not an audit Event or EventList: {why}"
    return [value], []  # type: ignore[list-item]


def read_audit_file(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    max_record: int = MAX_RECORD,
    max_document: int = MAX_DOCUMENT,
) -> Iterator[Event | Diagnostic]:
    """Audit events of a file (path or open binary stream), in file order, with a diagnostic per problem."""
    path = display_name(source, name)
    if isinstance(source, str | os.PathLike):
        try:
            stream: BinaryIO = open(source, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            yield diag(path, None, DIAGNOSTIC_SOURCE, f"cannot read the audit log: {exc.strerror or exc}")
            return
        try:
            yield from _read(stream, path, max_record, max_document)
        finally:
            stream.close()
    else:
        yield from _read(source, path, max_record, max_document)


def _emit(value: object, path: str, line: int) -> Iterator[Event | Diagnostic]:
    parsed = parse_audit_value(value)
    if isinstance(parsed, str):
        yield diag(path, line, DIAGNOSTIC_SOURCE, parsed)
        return
    events, problems = parsed
    yield from events
    for where, message in problems:
        yield diag(path, line, DIAGNOSTIC_SOURCE, message, object_path=where)


def _read(stream: BinaryIO, path: str, max_record: int, max_document: int) -> Iterator[Event | Diagnostic]:
    try:
        yield from _read_unchecked(stream, path, max_record, max_document)
    except OSError as exc:
        yield diag(path, None, DIAGNOSTIC_SOURCE, f"reading the audit log failed: {exc.strerror or exc}")


def _read_unchecked(stream: BinaryIO, path: str, max_record: int, max_document: int) -> Iterator[Event | Diagnostic]:
    lines = iter_lines(stream, max_record)
    skipped: list[bytes] = []  # blank lines before the first record (kept for document mode)
    for first in lines:
        if first.data is not None and not first.data.strip():
            skipped.append(first.data)
            continue
        if first.data is not None:
            value, error = decode_json(first.data.strip())
            if error is None:
                yield from _emit(value, path, first.number)
                yield from _read_jsonl(lines, path, max_record)
                return
            if not first.data.lstrip().startswith((b"{", b"[")) or "depth" in error or "UTF-8" in error:
                yield diag(path, first.number, DIAGNOSTIC_SOURCE, f"{error}; record skipped")
                yield from _read_jsonl(lines, path, max_record)
                return
        # the first record spans several lines (or is longer than a record): read the file as one document
        if first.data is None:
            yield diag(path, first.number, DIAGNOSTIC_SOURCE,
                       f"record longer than {human_size(max_record)} ({first.length} bytes); skipped")
            yield from _read_jsonl(lines, path, max_record)
            return
        yield from _read_document(skipped, first, lines, path, max_record, max_document)
        return


def _read_jsonl(lines: Iterable[Line], path: str, max_record: int) -> Iterator[Event | Diagnostic]:
    for item in json_lines(lines, path, max_record, DIAGNOSTIC_SOURCE):
        if isinstance(item, Diagnostic):
            yield item
        else:
            yield from _emit(item[1], path, item[0])


def _read_document(
    skipped: list[bytes], first: Line, lines: Iterator[Line], path: str, max_record: int, max_document: int
) -> Iterator[Event | Diagnostic]:
    kept: list[Line] = [first]
    size = sum(len(b) + 1 for b in skipped) + first.length + 1
    for line in lines:
        kept.append(line)
        size += line.length + 1
        if line.data is None or size > max_document:
            break
    if size > max_document or any(line.data is None for line in kept[1:]):
        yield diag(path, first.number, DIAGNOSTIC_SOURCE,
                   f"the audit document is larger than {human_size(max_document)}; not read")
        return
    data = b"\n".join([*skipped, *(line.data or b"" for line in kept)])
    value, error = decode_json(data)
    if error is None:
        yield from _emit(value, path, first.number)
        return
    rest = [line for line in kept[1:] if line.data and line.data.strip()]
    if rest and rest[0].data is not None and decode_json(rest[0].data.strip())[1] is None:
        # not a document after all: JSON lines whose first line is broken
        _, first_error = decode_json((first.data or b"").strip())
        yield diag(path, first.number, DIAGNOSTIC_SOURCE, f"{first_error}; record skipped")
        yield from _read_jsonl(kept[1:], path, max_record)
        return
    m = _RX_POSITION.search(error)
    line_no = int(m.group(1)) if m else first.number
    yield diag(path, line_no, DIAGNOSTIC_SOURCE, f"{error}; document skipped")
