"""OSV records (ossf/osv-schema) parsed into :class:`~stockade.vulndb.model.Advisory`, and imported.

Parsing checks the types the schema gives every field it reads and ignores fields it does not know.
Where real exporters bend the schema in a way that loses nothing, the record is accepted: ``null`` for an
optional field is read as absent, a missing ``modified`` is kept as ``""``, an ``affected[]`` entry
without ``package`` (GIT-only) is dropped (it names nothing a scan could match), a reference without a
``type`` keeps ``""``, and severity entries of a type other than ``CVSS_V2``/``CVSS_V3``/``CVSS_V4``/
``Ubuntu`` are dropped. Anything else that is wrong (a field of the wrong type, a range without a known
``type``, an event that is not exactly one of ``introduced``/``fixed``/``last_affected``/``limit``)
rejects the record with an :class:`OsvError` naming the origin, the record id and the JSON pointer.

Reading files never stops at a bad record: :func:`iter_zip`, :func:`iter_dir` and :func:`iter_file` yield
each advisory or a :class:`~stockade.model.Diagnostic` naming the file (``archive.zip!/member`` inside an
archive), the line (JSON lines) and the record. Archives are read in place, never extracted, within
limits on member count, member size and total size; members with absolute or ``..`` names and nested
archives are skipped.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from stockade.errors import StockadeError
from stockade.model import Diagnostic, DiagnosticLevel, Location
from stockade.vulndb.model import Advisory, Affected, Event, Range

if TYPE_CHECKING:
    from stockade.vulndb.store import StoreBuilder

DIAGNOSTIC_SOURCE = "vulndb"

MAX_MEMBERS = 2_000_000  # members in one archive (OSV's largest per-ecosystem export has a few 100,000)
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # one record, uncompressed
MAX_TOTAL_BYTES = 16 * 1024 * 1024 * 1024  # all members of one archive, uncompressed
MAX_FILE_BYTES = 512 * 1024 * 1024  # one JSON document read whole (not JSON lines)
MAX_LINE_BYTES = MAX_MEMBER_BYTES  # one JSON-lines record
MAX_PROBLEMS = 1000  # diagnostics kept in an ImportSummary (the rest are only counted)

SEVERITY_TYPES = frozenset({"CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"})
RANGE_TYPES = frozenset({"SEMVER", "ECOSYSTEM", "GIT"})
EVENT_KINDS = frozenset({"introduced", "fixed", "last_affected", "limit"})
_JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
_ARCHIVE_SUFFIXES = (".zip", ".jar", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z")

Item = Advisory | Diagnostic
Found = tuple[str, Item]  # (where the item was read: a file, or archive!/member; the item)


class OsvError(StockadeError):
    """One record that does not follow the OSV schema: where it came from, its id, and what is wrong where."""

    def __init__(self, origin: str, pointer: str, reason: str, record_id: str = "", line: int | None = None) -> None:
        where = f"{origin}:{line}" if line is not None else origin
        subject = f" {record_id}" if record_id else ""
        super().__init__(f"{where}:{subject} {pointer or '/'}: {reason}")
        self.origin = origin
        self.pointer = pointer
        self.reason = reason
        self.record_id = record_id
        self.line = line

    def diagnostic(self) -> Diagnostic:
        text = f"{self.record_id}: {self.reason}" if self.record_id else self.reason
        return Diagnostic(Location(self.origin, self.line, object_path=self.pointer or "/"), DIAGNOSTIC_SOURCE,
                          DiagnosticLevel.ERROR, text)


def diagnostic(origin: str, message: str, *, line: int | None = None, pointer: str = "",
               level: DiagnosticLevel = DiagnosticLevel.ERROR) -> Diagnostic:
    """A vulndb diagnostic about ``origin`` (a file, or ``archive!/member``)."""
    return Diagnostic(Location(origin, line, object_path=pointer), DIAGNOSTIC_SOURCE, level, message)


def json_pointer(*parts: str | int) -> str:
    """RFC 6901: ``json_pointer("affected", 0, "a/b")`` is ``/affected/0/a~1b``."""
    return "".join("/" + (str(p).replace("~", "~0").replace("/", "~1")) for p in parts)


def kind_of(value: Any) -> str:
    """The JSON type name of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# ----------------------------------------------------------------------------------------------------------
# One record


class _Invalid(Exception):
    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(reason)
        self.pointer = pointer
        self.reason = reason


def _key(ptr: str, key: str) -> str:
    return ptr + "/" + key.replace("~", "~0").replace("/", "~1")


def _opt_str(obj: dict[str, Any], key: str, ptr: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid(_key(ptr, key), f"must be a string, not {kind_of(value)}")
    return value


def _req_str(obj: dict[str, Any], key: str, ptr: str) -> str:
    value = obj.get(key)
    if value is None:
        raise _Invalid(_key(ptr, key), "is required")
    if not isinstance(value, str):
        raise _Invalid(_key(ptr, key), f"must be a string, not {kind_of(value)}")
    if not value.strip():
        raise _Invalid(_key(ptr, key), "must not be empty")
    return value


def _opt_list(obj: dict[str, Any], key: str, ptr: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Invalid(_key(ptr, key), f"must be an array, not {kind_of(value)}")
    return value


def _strings(obj: dict[str, Any], key: str, ptr: str) -> tuple[str, ...]:
    items = _opt_list(obj, key, ptr)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _Invalid(f"{_key(ptr, key)}/{i}", f"must be a string, not {kind_of(item)}")
    return tuple(items)


def _object_text(obj: dict[str, Any], key: str, ptr: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, dict):
        raise _Invalid(_key(ptr, key), f"must be an object, not {kind_of(value)}")
    return orjson.dumps(value).decode()


def _object(value: Any, ptr: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(ptr, f"must be an object, not {kind_of(value)}")
    return value


def _severity(obj: dict[str, Any], ptr: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    base = _key(ptr, "severity")
    for i, item in enumerate(_opt_list(obj, "severity", ptr)):
        entry = _object(item, f"{base}/{i}")
        kind = _req_str(entry, "type", f"{base}/{i}")
        score = _req_str(entry, "score", f"{base}/{i}")
        if kind in SEVERITY_TYPES:
            out.append((kind, score))
    return tuple(out)


def _references(obj: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for i, item in enumerate(_opt_list(obj, "references", "")):
        ptr = f"/references/{i}"
        entry = _object(item, ptr)
        out.append((_opt_str(entry, "type", ptr), _req_str(entry, "url", ptr)))
    return tuple(out)


def _ranges(obj: dict[str, Any], ptr: str) -> tuple[Range, ...]:
    out: list[Range] = []
    base = _key(ptr, "ranges")
    for i, item in enumerate(_opt_list(obj, "ranges", ptr)):
        rptr = f"{base}/{i}"
        entry = _object(item, rptr)
        rtype = _req_str(entry, "type", rptr)
        if rtype not in RANGE_TYPES:
            raise _Invalid(rptr + "/type", f"unknown range type {rtype!r} (SEMVER, ECOSYSTEM or GIT)")
        repo = _opt_str(entry, "repo", rptr)
        raw_events = _opt_list(entry, "events", rptr)
        if not raw_events:
            raise _Invalid(rptr + "/events", "a range needs at least one event")
        events: list[Event] = []
        for j, raw in enumerate(raw_events):
            eptr = f"{rptr}/events/{j}"
            event = _object(raw, eptr)
            kinds = [k for k in event if k in EVENT_KINDS]
            if len(kinds) != 1:
                found = ", ".join(sorted(event)) or "nothing"
                raise _Invalid(eptr, f"an event must have exactly one of introduced, fixed, last_affected, "
                                     f"limit (found {found})")
            version = event[kinds[0]]
            if not isinstance(version, str):
                raise _Invalid(_key(eptr, kinds[0]), f"must be a string, not {kind_of(version)}")
            if not version:
                raise _Invalid(_key(eptr, kinds[0]), "must not be empty")
            events.append(Event(kinds[0], version))
        out.append(Range(rtype, tuple(events), repo))
    return tuple(out)


def _affected(item: Any, ptr: str) -> Affected | None:
    entry = _object(item, ptr)
    package = entry.get("package")
    if package is None:
        return None  # GIT-only entry: nothing a package scan can match
    package = _object(package, ptr + "/package")
    return Affected(
        ecosystem=_req_str(package, "ecosystem", ptr + "/package").strip(),
        name=_req_str(package, "name", ptr + "/package"),
        purl=_opt_str(package, "purl", ptr + "/package"),
        ranges=_ranges(entry, ptr),
        versions=_strings(entry, "versions", ptr),
        severity=_severity(entry, ptr),
        ecosystem_specific=_object_text(entry, "ecosystem_specific", ptr),
        database_specific=_object_text(entry, "database_specific", ptr),
    )


def _parse(doc: dict[str, Any], source: str) -> Advisory:
    affected: list[Affected] = []
    for i, item in enumerate(_opt_list(doc, "affected", "")):
        entry = _affected(item, f"/affected/{i}")
        if entry is not None:
            affected.append(entry)
    extra: dict[str, str] = {}
    upstream = _strings(doc, "upstream", "")
    if upstream:
        extra["upstream"] = orjson.dumps(list(upstream)).decode()
    return Advisory(
        id=doc["id"],
        modified=_opt_str(doc, "modified", ""),
        published=_opt_str(doc, "published", ""),
        withdrawn=_opt_str(doc, "withdrawn", ""),
        aliases=_strings(doc, "aliases", ""),
        related=_strings(doc, "related", ""),
        summary=_opt_str(doc, "summary", ""),
        details=_opt_str(doc, "details", ""),
        severity=_severity(doc, ""),
        affected=tuple(affected),
        references=_references(doc),
        database_specific=_object_text(doc, "database_specific", ""),
        source=source,
        schema_version=_opt_str(doc, "schema_version", ""),
        extra=extra,
    )


def parse_advisory(data: bytes | str | dict[str, Any], origin: str, *, source: str = "", line: int | None = None,
                   pointer: str = "") -> Advisory:
    """One OSV record (JSON text or an already parsed object) as an Advisory.

    ``origin`` names where it came from (a file, ``archive.zip!/member``) for the error; ``source`` is
    stored in :attr:`Advisory.source`; ``line``/``pointer`` locate the record inside its file (JSON lines,
    an array). Raises :class:`OsvError` for invalid JSON or a record that breaks the schema.
    """
    if isinstance(data, bytes | str):
        try:
            doc: Any = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise OsvError(origin, pointer, f"invalid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})",
                           line=line) from None
    else:
        doc = data
    if not isinstance(doc, dict):
        raise OsvError(origin, pointer, f"a record must be a JSON object, not {kind_of(doc)}", line=line)
    record_id = doc.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        reason = "is required" if record_id is None else (
            "must not be empty" if isinstance(record_id, str) else f"must be a string, not {kind_of(record_id)}")
        raise OsvError(origin, pointer + "/id", reason, line=line)
    try:
        return _parse(doc, source)
    except _Invalid as exc:
        raise OsvError(origin, pointer + exc.pointer, exc.reason, record_id, line) from None


# ----------------------------------------------------------------------------------------------------------
# Files


def _one(doc: Any, origin: str, source: str, line: int | None = None, pointer: str = "") -> Item:
    try:
        return parse_advisory(doc, origin, source=source, line=line, pointer=pointer)
    except OsvError as exc:
        return exc.diagnostic()


def _first_line_is_a_document(data: bytes) -> bool:
    """Whether the first non-blank line is a JSON object on its own (and not the whole data)."""
    lines = (line for line in data.splitlines() if line.strip())
    first = next(lines, b"")
    if not first.lstrip().startswith(b"{") or next(lines, None) is None:
        return False
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _records(data: bytes, origin: str, source: str) -> Iterator[Found]:
    """A JSON document holding one record or an array of records; several lines of JSON are JSON lines."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if _first_line_is_a_document(data):  # JSON lines
            yield from _json_lines(iter(data.splitlines(keepends=True)), origin, source)
        else:
            yield origin, diagnostic(origin, f"invalid JSON: {exc.msg}", line=exc.lineno)
        return
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield origin, _one(item, origin, source, pointer=f"/{i}")
    elif isinstance(doc, dict):
        yield origin, _one(doc, origin, source)
    else:
        yield origin, diagnostic(origin, f"expected an OSV record (a JSON object) or an array of them, "
                                         f"not {kind_of(doc)}")


def _json_lines(lines: Iterator[bytes | None], origin: str, source: str) -> Iterator[Found]:
    """One record per line; ``None`` stands for a line over the size limit."""
    for number, raw in enumerate(lines, 1):
        if raw is None:
            yield origin, diagnostic(origin, f"line longer than {MAX_LINE_BYTES} bytes: skipped", line=number)
            continue
        text = raw.strip()
        if not text:
            continue
        if number == 1 and text.startswith(b"\xef\xbb\xbf"):
            text = text[3:]
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield origin, diagnostic(origin, f"invalid JSON: {exc.msg} (column {exc.colno})", line=number)
            continue
        yield origin, _one(doc, origin, source, line=number)


def _bounded_lines(fh: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of a binary file, each at most ``limit`` bytes (longer ones are drained, yielded as None)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drain the rest of the over-long line without holding it
                rest = fh.readline(1024 * 1024)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _walk_file(path: str | os.PathLike[str], *, source: str = "", label: str = "") -> Iterator[Found]:
    """``label`` names the file in diagnostics (default: its path)."""
    filename = os.fspath(path)
    origin = label or filename
    source = source or default_source_name(path)
    try:
        st = os.stat(filename)
    except OSError as exc:
        yield origin, diagnostic(origin, f"cannot read: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(st.st_mode):
        yield origin, diagnostic(origin, "not a regular file: skipped")
        return
    try:
        if filename.lower().endswith(_JSON_LINES_SUFFIXES):
            with open(filename, "rb") as fh:
                yield from _json_lines(_bounded_lines(fh, MAX_LINE_BYTES), origin, source)
            return
        if st.st_size > MAX_FILE_BYTES:
            yield origin, diagnostic(origin, f"{st.st_size} bytes, more than the {MAX_FILE_BYTES} bytes read as "
                                             "one JSON document (name JSON lines *.jsonl): skipped")
            return
        with open(filename, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        yield origin, diagnostic(origin, f"cannot read: {exc.strerror or exc}")
        return
    yield from _records(data, origin, source)


def _walk_dir(path: str | os.PathLike[str], *, source: str = "") -> Iterator[Found]:
    root = os.fspath(path)
    source = source or default_source_name(path)
    if not os.path.isdir(root):
        yield root, diagnostic(root, "not a folder")
        return
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith((".json", *_JSON_LINES_SUFFIXES)):
                yield from _walk_file(os.path.join(folder, name), source=source)
    for exc in errors:
        where = os.fspath(exc.filename) if exc.filename else root
        yield where, diagnostic(where, f"cannot read the folder: {exc.strerror or exc}")


def _unsafe_member(name: str) -> bool:
    if not name or "\x00" in name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    return any(part == ".." for part in name.replace("\\", "/").split("/"))


def _walk_zip(path: str | os.PathLike[str], *, source: str = "", max_members: int = MAX_MEMBERS,
              max_member_bytes: int = MAX_MEMBER_BYTES, max_total_bytes: int = MAX_TOTAL_BYTES,
              label: str = "") -> Iterator[Found]:
    """``label`` names the archive in diagnostics (default: its path)."""
    origin = label or os.fspath(path)
    source = source or default_source_name(path)
    try:
        archive = zipfile.ZipFile(os.fspath(path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield origin, diagnostic(origin, f"not a readable zip archive: {reason}")
        return
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            yield origin, diagnostic(origin, f"{len(infos)} members, more than the limit of {max_members}: not read")
            return
        total = 0
        for info in infos:
            name = info.filename
            where = f"{origin}!/{name}"
            if info.is_dir():
                continue
            lower = name.lower()
            if _unsafe_member(name):
                yield where, diagnostic(where, "member name is absolute or contains '..': skipped",
                                 level=DiagnosticLevel.WARNING)
                continue
            if lower.endswith(_ARCHIVE_SUFFIXES):
                yield where, diagnostic(where, "archive inside the archive: not read", level=DiagnosticLevel.WARNING)
                continue
            if not lower.endswith((".json", *_JSON_LINES_SUFFIXES)):
                continue
            if info.flag_bits & 0x1:
                yield where, diagnostic(where, "encrypted member: skipped")
                continue
            if info.file_size > max_member_bytes:
                yield where, diagnostic(where, f"{info.file_size} bytes uncompressed, more than the limit of "
                                        f"{max_member_bytes}: skipped")
                continue
            if total + info.file_size > max_total_bytes:
                yield origin, diagnostic(origin, f"more than {max_total_bytes} bytes uncompressed in all: the members "
                                         f"from {name} on were not read")
                return
            try:
                with archive.open(info) as fh:
                    data = fh.read(max_member_bytes + 1)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError,
                    ValueError) as exc:
                yield where, diagnostic(where, f"cannot read the member: {exc}")
                continue
            if len(data) > max_member_bytes:
                yield where, diagnostic(where, f"more than {max_member_bytes} bytes uncompressed: skipped")
                continue
            total += len(data)
            if lower.endswith(_JSON_LINES_SUFFIXES):
                yield from _json_lines(iter(data.splitlines(keepends=True)), where, source)
            else:
                yield from _records(data, where, source)


def iter_file(path: str | os.PathLike[str], *, source: str = "") -> Iterator[Item]:
    """The records of one file: a single JSON object, a JSON array of them, or JSON lines (one per line;
    files named ``*.jsonl``/``*.ndjson`` are read a line at a time, any size; others up to
    ``MAX_FILE_BYTES``). ``source`` (default :func:`default_source_name`) goes into each Advisory."""
    return (item for _, item in _walk_file(path, source=source))


def iter_dir(path: str | os.PathLike[str], *, source: str = "") -> Iterator[Item]:
    """The records of every ``*.json``/``*.jsonl``/``*.ndjson`` file under a folder, in name order
    (symbolic links to folders are not followed; other files, archives included, are not read)."""
    return (item for _, item in _walk_dir(path, source=source))


def iter_zip(path: str | os.PathLike[str], *, source: str = "", max_members: int = MAX_MEMBERS,
             max_member_bytes: int = MAX_MEMBER_BYTES, max_total_bytes: int = MAX_TOTAL_BYTES) -> Iterator[Item]:
    """The records of every ``*.json`` (or JSON lines) member of a zip archive (OSV's ``all.zip``), read
    in place, never extracted.

    A member over ``max_member_bytes`` uncompressed, an absolute or ``..`` name, a nested archive, an
    encrypted or corrupt member is skipped with a diagnostic; an archive of more than ``max_members``
    members is not read, and reading stops once ``max_total_bytes`` have been decompressed.
    """
    return (item for _, item in _walk_zip(path, source=source, max_members=max_members,
                                          max_member_bytes=max_member_bytes, max_total_bytes=max_total_bytes))


# ----------------------------------------------------------------------------------------------------------
# Importing


@dataclass(frozen=True, slots=True)
class ImportSource:
    """One thing to import.

    ``kind`` is ``osv`` (a zip, a folder or a JSON file of OSV records), ``debian-tracker`` (the Debian
    security tracker's JSON), ``alpine-secdb`` (one secdb JSON file), or ``auto`` (decided from the
    file). ``name`` is the store's source name (default: ``osv:<ecosystem>`` for ``<ecosystem>/all.zip``
    and ``<ecosystem>-all.zip``, ``osv:<file or folder name>`` otherwise, ``debian-tracker``,
    ``alpine-secdb:<distroversion>/<reponame>``); importing a source replaces what the store had under
    that name. ``origin`` (default: the path), ``etag`` and ``last_modified`` are recorded with it.
    """

    path: str
    kind: str = "auto"
    name: str = ""
    origin: str = ""
    etag: str = ""
    last_modified: str = ""


KINDS = ("auto", "osv", "debian-tracker", "alpine-secdb")


@dataclass(slots=True)
class ImportSummary:
    """What an import did. ``counts``: advisories stored per ecosystem (as written in ``affected[]``)."""

    counts: dict[str, int] = field(default_factory=dict)
    advisories: int = 0  # records stored (a duplicate id within a source counts once)
    withdrawn: int = 0
    duplicates: int = 0  # records whose id the same source already had (the newest ``modified`` is kept)
    problems: list[Diagnostic] = field(default_factory=list)  # the first MAX_PROBLEMS
    problem_count: int = 0
    sources: list[str] = field(default_factory=list)

    def problem(self, diag: Diagnostic) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(diag)


def default_source_name(path: str | os.PathLike[str]) -> str:
    """``osv:PyPI`` for ``…/PyPI/all.zip`` or ``PyPI-all.zip``; ``osv:<name>`` for anything else."""
    p = Path(path)
    name = p.name
    if name.lower() == "all.zip" and p.parent.name:
        return f"osv:{p.parent.name}"
    if name.lower().endswith("-all.zip") and len(name) > len("-all.zip"):
        return f"osv:{name[:-len('-all.zip')]}"
    return f"osv:{name or p.resolve().name}"


def _store_all(builder: StoreBuilder, found: Iterable[Found], source: str, summary: ImportSummary) -> None:
    from stockade.vulndb.store import AddResult

    problems = 0
    kept: dict[str, tuple[str, bool, frozenset[str]]] = {}  # id -> (where read, withdrawn, ecosystems)

    def count(withdrawn: bool, ecosystems: frozenset[str], step: int) -> None:
        summary.advisories += step
        summary.withdrawn += step if withdrawn else 0
        for eco in ecosystems:
            summary.counts[eco] = summary.counts.get(eco, 0) + step
            if not summary.counts[eco]:
                del summary.counts[eco]

    for where, item in found:
        if isinstance(item, Diagnostic):
            problems += item.level is not DiagnosticLevel.INFO
            summary.problem(item)
            continue
        result = builder.add(item)
        entry = (where, bool(item.withdrawn), frozenset(a.ecosystem for a in item.affected))
        if result is AddResult.ADDED:
            kept[item.id] = entry
            count(entry[1], entry[2], 1)
            continue
        summary.duplicates += 1
        earlier = kept.get(item.id, (source, False, frozenset()))
        if result is AddResult.REPLACED:
            count(earlier[1], earlier[2], -1)
            count(entry[1], entry[2], 1)
            kept[item.id] = entry
            text = f"kept this one (modified {item.modified or 'never'}), not the one from {earlier[0]}"
        else:
            text = f"kept the one from {earlier[0]}, modified later"
        summary.problem(diagnostic(where, f"{item.id}: the source {source} has this id more than once; {text}",
                                   level=DiagnosticLevel.INFO))
    if problems:
        builder.add_problems(source, problems)


def load_json_file(path: str | os.PathLike[str]) -> tuple[Any, Diagnostic | None]:
    """(the parsed document, None) or (None, a diagnostic why not): at most ``MAX_FILE_BYTES``, parsed whole."""
    path = os.fspath(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            return None, diagnostic(path, f"{size} bytes, more than the limit of {MAX_FILE_BYTES}: not read")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, diagnostic(path, f"cannot read: {exc.strerror or exc}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        return None, diagnostic(path, f"invalid JSON: {exc.msg}", line=exc.lineno)


def detect_kind(doc: Any) -> str:
    """``alpine-secdb``, ``debian-tracker`` or ``osv`` for a parsed JSON document."""
    if isinstance(doc, dict):
        if "distroversion" in doc and "packages" in doc:
            return "alpine-secdb"
        if "id" not in doc and doc:
            first = next(iter(doc.values()))
            if isinstance(first, dict) and first:
                entry = next(iter(first.values()))
                if isinstance(entry, dict) and "releases" in entry:
                    return "debian-tracker"
    return "osv"


def import_into(builder: StoreBuilder, sources: Iterable[ImportSource | str | os.PathLike[str]]) -> ImportSummary:
    """Import each source into ``builder`` (see :class:`ImportSource`); bad records become problems.

    Raises ValueError for an unknown ``kind``; everything wrong with the data itself is in the summary.
    """
    from stockade.vulndb import alpine, debian

    summary = ImportSummary()
    for given in sources:
        src = given if isinstance(given, ImportSource) else ImportSource(os.fspath(given))
        if src.kind not in KINDS:
            raise ValueError(f"unknown source kind {src.kind!r} (one of {', '.join(KINDS)})")
        path = src.path
        origin = src.origin or path
        kind = src.kind
        doc: Any = None
        if kind != "osv" and os.path.isfile(path) and not zipfile.is_zipfile(path) \
                and not path.lower().endswith(_JSON_LINES_SUFFIXES):
            doc, problem = load_json_file(path)
            if problem is not None and kind == "auto":  # JSON lines, or broken: read record by record
                kind, doc = "osv", None
            elif problem is not None:
                summary.problem(problem)
                continue
            elif kind == "auto":
                kind = detect_kind(doc)
        elif kind == "auto":
            kind = "osv"
        if kind == "osv":
            name = src.name or default_source_name(path)
            builder.begin_source(name, kind="osv", origin=origin, etag=src.etag, last_modified=src.last_modified)
            summary.sources.append(name)
            if os.path.isdir(path):
                found: Iterable[Found] = _walk_dir(path, source=name)
            elif doc is not None:
                found = _records_of(doc, origin, name)
            elif os.path.isfile(path) and zipfile.is_zipfile(path):
                found = _walk_zip(path, source=name, label=origin)
            else:
                found = _walk_file(path, source=name, label=origin)
            _store_all(builder, found, name, summary)
        elif kind == "debian-tracker":
            if doc is None:
                doc, problem = load_json_file(path)
                if problem is not None:
                    summary.problem(problem)
                    continue
            name = src.name or debian.SOURCE_NAME
            advisories, problems = debian.parse_tracker(doc, origin, source=name)
            builder.begin_source(name, kind=kind, origin=origin, etag=src.etag, last_modified=src.last_modified)
            summary.sources.append(name)
            _store_all(builder, _at(origin, problems, advisories), name, summary)
        else:  # alpine-secdb
            if doc is None:
                doc, problem = load_json_file(path)
                if problem is not None:
                    summary.problem(problem)
                    continue
            secdb_name, advisories, problems = alpine.parse_secdb(doc, origin, source=src.name)
            if not secdb_name:
                for p in problems:
                    summary.problem(p)
                continue
            builder.begin_source(secdb_name, kind=kind, origin=origin, etag=src.etag,
                                 last_modified=src.last_modified)
            summary.sources.append(secdb_name)
            _store_all(builder, _at(origin, problems, advisories), secdb_name, summary)
    return summary


def _at(origin: str, problems: Iterable[Diagnostic], advisories: Iterable[Advisory]) -> Iterator[Found]:
    for problem in problems:
        yield origin, problem
    for advisory in advisories:
        yield origin, advisory


def _records_of(doc: Any, origin: str, source: str) -> Iterator[Found]:
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield origin, _one(item, origin, source, pointer=f"/{i}")
    else:
        yield origin, _one(doc, origin, source)
