"""Recorded syscall events: JSON lines of stockade's syscall event record (docs/runtime-events.md).

``read_events(path)`` yields one event (a dict) per good line and one ``Diagnostic`` per bad line — too long,
not UTF-8, a NUL byte, not JSON, not an object, missing or mistyped keys — naming the file and line, and goes
on. Memory stays bounded by the line limit whatever the file holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, BinaryIO, NamedTuple

import orjson

from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.runtime.fields.api import Event

__all__ = ["DIAGNOSTIC_SOURCE", "MAX_LINE", "read_events", "validate_event"]

DIAGNOSTIC_SOURCE = "runtime-events"
MAX_LINE = 1 << 20  # 1 MiB per record
MAX_TYPE_LEN = 64
MAX_ANCESTORS = 64


# ---------------------------------------------------------------------------------------------------------------
# bounded line reading and strict JSON decoding (shared with the Kubernetes audit sources)

CHUNK = 1 << 16


class Line(NamedTuple):
    number: int  # 1-based
    data: bytes | None  # None: longer than the limit (and skipped)
    length: int  # bytes seen, the newline excluded


def iter_lines(stream: BinaryIO, max_line: int) -> Iterator[Line]:
    """Lines of a binary stream without their newline; a line longer than ``max_line`` is reported with
    ``data=None`` and skipped in bounded chunks, so memory stays below ``max_line`` + one chunk."""
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if raw.endswith(b"\n"):
            yield Line(number, raw[:-1], len(raw) - 1)
            continue
        if len(raw) <= max_line:
            yield Line(number, raw, len(raw))  # last line without a newline
            return
        seen = len(raw)
        while True:
            chunk = stream.readline(CHUNK)
            if not chunk:
                yield Line(number, None, seen)
                return
            if chunk.endswith(b"\n"):
                seen += len(chunk) - 1
                break
            seen += len(chunk)
        yield Line(number, None, seen)


def display_name(source: str | os.PathLike[str] | BinaryIO, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "-"))


def decode_json(data: bytes) -> tuple[object, str | None]:
    """(value, None) or (None, why it is not acceptable JSON)."""
    if b"\x00" in data:
        return None, "NUL byte in the record"
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        text = str(exc)
        if "utf-8" in text.lower() or "surrogate" in text.lower():
            return None, "invalid UTF-8"
        if "depth" in text.lower() or "recursion" in text.lower():
            return None, "JSON nested too deeply"
        return None, f"invalid JSON: {text}"


def diag(path: str, line: int | None, source: str, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR,
         object_path: str = "") -> Diagnostic:
    return Diagnostic(Location(path, line, object_path=object_path), source, level, message)


def human_size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} bytes"


# ---------------------------------------------------------------------------------------------------------------
# the syscall event record


def _is_int(v: object) -> bool:
    return type(v) is int


def _is_object(v: object) -> bool:
    return type(v) is dict or isinstance(v, Mapping)


def _is_str(v: object) -> bool:
    return type(v) is str


def _is_dir(v: object) -> bool:
    return v in ("<", ">")


# the optional top-level keys whose type is checked when present: key -> (check, what it must be)
_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "dir": (_is_dir, "'dir' must be '<' or '>'"),
    **{k: (_is_int, f"'{k}' must be an integer") for k in ("num", "cpu", "res", "latency", "deltatime")},
    **{k: (_is_object, f"'{k}' must be an object") for k in ("args", "proc", "user", "group", "fd")},
    **{k: (_is_object, f"'{k}' must be an object or null") for k in ("container", "k8s")},
    "hostname": (_is_str, "'hostname' must be a string"),
}


def validate_event(record: object) -> str | None:
    """Why ``record`` is not a syscall event record (None when it is one): the required keys and the types of
    the top-level keys; deeper values are type-checked by the field extractors when read."""
    if type(record) is not dict and not isinstance(record, Mapping):
        return f"the record is a JSON {_json_kind(record)}, not an object"
    ts = record.get("ts")
    if type(ts) is not int or ts < 0:
        return "missing required key 'ts'" if ts is None else "'ts' must be a non-negative integer (ns since the epoch)"
    t = record.get("type")
    if type(t) is not str or not t or len(t) > MAX_TYPE_LEN:
        if t is None:
            return "missing required key 'type'"
        return f"'type' must be a non-empty string of at most {MAX_TYPE_LEN} characters"
    checks = _CHECKS
    for key, value in record.items():
        check = checks.get(key)
        if check is not None:
            if value is not None and not check[0](value):
                return check[1]
        elif key == "ancestors" and value is not None:
            problem = _check_ancestors(value)
            if problem is not None:
                return problem
    return None


def _check_ancestors(anc: object) -> str | None:
    if type(anc) is not list:
        return "'ancestors' must be an array"
    if len(anc) > MAX_ANCESTORS:
        return f"'ancestors' holds {len(anc)} entries, more than {MAX_ANCESTORS}"
    for i, a in enumerate(anc):
        if type(a) is not dict and not isinstance(a, Mapping):
            return f"'ancestors[{i}]' must be an object"
    return None


def _json_kind(v: object) -> str:
    if isinstance(v, list):
        return "array"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    return "null"


def read_events(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    max_line: int = MAX_LINE,
) -> Iterator[Event | Diagnostic]:
    """Events of a JSONL recording, from a path or an open binary stream (``sys.stdin.buffer``; pass
    ``name="-"``). Blank lines are skipped. An unreadable file yields one diagnostic."""
    path = display_name(source, name)
    if isinstance(source, str | os.PathLike):
        try:
            stream: BinaryIO = open(source, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            yield diag(path, None, DIAGNOSTIC_SOURCE, f"cannot read the recording: {exc.strerror or exc}")
            return
        try:
            yield from _read(stream, path, max_line)
        finally:
            stream.close()
    else:
        yield from _read(source, path, max_line)


def json_lines(lines: Iterable[Line], path: str, max_line: int,
               source: str = DIAGNOSTIC_SOURCE) -> Iterator[tuple[int, object] | Diagnostic]:
    """(line number, decoded JSON value) per non-blank line; an oversized or malformed line is a diagnostic."""
    for line in lines:
        if line.data is None:
            yield diag(path, line.number, source,
                       f"record longer than {human_size(max_line)} ({line.length} bytes); skipped")
            continue
        data = line.data.strip()
        if not data:
            continue
        value, error = decode_json(data)
        if error is not None:
            yield diag(path, line.number, source, f"{error}; record skipped")
            continue
        yield line.number, value


def _read(stream: BinaryIO, path: str, max_line: int) -> Iterator[Event | Diagnostic]:
    try:
        for item in json_lines(iter_lines(stream, max_line), path, max_line):
            if isinstance(item, Diagnostic):
                yield item
                continue
            number, value = item
            problem = validate_event(value)
            if problem is not None:
                yield diag(path, number, DIAGNOSTIC_SOURCE, f"not a syscall event record: {problem}")
                continue
            event: dict[str, Any] = value  # type: ignore[assignment]
            yield event
    except OSError as exc:
        yield diag(path, None, DIAGNOSTIC_SOURCE, f"reading the recording failed: {exc.strerror or exc}")
