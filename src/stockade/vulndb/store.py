"""The advisory store: one SQLite file holding parsed advisories, looked up by ecosystem, release and name.

Layout (``SCHEMA_VERSION``):

- ``meta(key, value)``: ``schema_version``, ``built`` (when the first version of this database was built),
  ``updated`` (when this file was written), ``ecosystems`` and ``releases`` (JSON summaries computed
  when the file is written, so :meth:`AdvisoryStore.info` and lookups need no table scan).
- ``source(name, kind, origin, etag, last_modified, imported, advisories, withdrawn, problems)``: one row
  per imported source (``osv:PyPI``, ``debian-tracker``, ``alpine-secdb:v3.19/main`` ...) with the
  HTTP validators of the URL it came from.
- ``advisory``: the parsed top-level fields of each record (never the raw JSON). The same id may come from
  two sources (a CVE in the Debian tracker and in Alpine's secdb): each source keeps its own row, so the
  key is ``(id, source)``; within one source an id is unique (the newest ``modified`` wins).
- ``affected``: one row per ``affected[]`` entry with the ecosystem as written, its base (the part before
  the first ``:``, lower case), its release (the part after the first ``:``), the name as written and
  normalised (:func:`normalise_name`), and the ranges already parsed (JSON); indexed on
  ``(ecosystem_base, release, name_norm)``.

A store is written once and then only read: :func:`rebuild` builds a new file next to the old one and
swaps it in with :func:`os.replace`, so a reader (or a killed update) never sees a half-written database.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from stockade.errors import ScanError
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range

SCHEMA_VERSION = 1
LOOKUP_CHUNK = 500  # names (or advisory keys) per query; well below SQLite's bound-parameter limit
_FLUSH_EVERY = 2000  # advisories buffered before an executemany
_CREATE_HINT = "run `stockade db update` (or `stockade db import`) to build it"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE source (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, origin TEXT NOT NULL, etag TEXT NOT NULL,
    last_modified TEXT NOT NULL, imported TEXT NOT NULL, advisories INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL, problems INTEGER NOT NULL
);
CREATE TABLE advisory (
    pk INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, modified TEXT NOT NULL,
    published TEXT NOT NULL, withdrawn TEXT NOT NULL, aliases TEXT NOT NULL, related TEXT NOT NULL,
    summary TEXT NOT NULL, details TEXT NOT NULL, severity TEXT NOT NULL, refs TEXT NOT NULL,
    database_specific TEXT NOT NULL, schema_version TEXT NOT NULL, extra TEXT NOT NULL
);
CREATE TABLE affected (
    advisory_pk INTEGER NOT NULL, seq INTEGER NOT NULL, ecosystem TEXT NOT NULL, ecosystem_base TEXT NOT NULL,
    release TEXT NOT NULL, name TEXT NOT NULL, name_norm TEXT NOT NULL, purl TEXT NOT NULL,
    ranges TEXT NOT NULL, versions TEXT NOT NULL, fix_state TEXT, severity TEXT NOT NULL,
    ecosystem_specific TEXT NOT NULL, database_specific TEXT NOT NULL
);
"""
# created once the rows are in (faster than maintaining them while inserting)
_INDEXES = """
CREATE UNIQUE INDEX advisory_id_source ON advisory (id, source);
CREATE INDEX advisory_source ON advisory (source);
CREATE INDEX affected_lookup ON affected (ecosystem_base, release, name_norm);
CREATE INDEX affected_advisory ON affected (advisory_pk, seq);
"""

_ADVISORY_COLUMNS = ("pk, id, source, modified, published, withdrawn, aliases, related, summary, details, "
                     "severity, refs, database_specific, schema_version, extra")
_AFFECTED_COLUMNS = ("advisory_pk, seq, ecosystem, ecosystem_base, release, name, name_norm, purl, ranges, "
                     "versions, fix_state, severity, ecosystem_specific, database_specific")
_SOURCE_COLUMNS = "name, kind, origin, etag, last_modified, imported, advisories, withdrawn, problems"


class StoreError(ScanError):
    """The advisory database is missing, unreadable, of another schema version, or cannot be written."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"advisory database {os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


class AddResult(enum.Enum):
    """What :meth:`StoreBuilder.add` did with a record."""

    ADDED = "added"
    REPLACED = "replaced"  # the source already had this id with an older (or equal) ``modified``: replaced
    KEPT_EXISTING = "kept_existing"  # the source already had this id with a newer ``modified``: ignored


# ----------------------------------------------------------------------------------------------------------
# Names


_PEP503 = re.compile(r"[-_.]+")


def ecosystem_parts(ecosystem: str) -> tuple[str, str]:
    """``("debian", "12")`` for ``Debian:12``; ``("ubuntu", "22.04:LTS")`` for ``Ubuntu:22.04:LTS``;
    ``("pypi", "")`` for ``PyPI``. The base is lower-cased, the release kept as written."""
    base, _, release = ecosystem.strip().partition(":")
    return base.strip().lower(), release.strip()


def normalise_name(ecosystem: str, name: str) -> str:
    """The name advisories are indexed and looked up by, for an ecosystem (as written, or its base).

    PyPI: PEP 503 (``Foo_Bar.baz`` -> ``foo-bar-baz``); NuGet and Packagist ids are case-insensitive
    (lower-cased); crates.io treats case and ``-``/``_`` as equal (lower-cased, ``_`` -> ``-``). Every
    other ecosystem keeps the name as written (npm, RubyGems and Go module paths are case-sensitive, Maven
    ``group:artifact`` and distro package names are exact), apart from surrounding white space.
    """
    base = ecosystem_parts(ecosystem)[0]
    name = name.strip()
    if base == "pypi":
        return _PEP503.sub("-", name).lower()
    if base in ("nuget", "packagist"):
        return name.lower()
    if base == "crates.io":
        return name.lower().replace("_", "-")
    return name


# ----------------------------------------------------------------------------------------------------------
# Row encoding


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _pairs(value: Sequence[tuple[str, str]]) -> str:
    return _dumps([list(p) for p in value]) if value else "[]"


def _strings(value: Sequence[str]) -> str:
    return _dumps(list(value)) if value else "[]"


def _ranges_json(ranges: Sequence[Range]) -> str:
    if not ranges:
        return "[]"
    return _dumps([[r.type, r.repo, [[e.kind, e.version] for e in r.events]] for r in ranges])


def _load_ranges(text: str) -> tuple[Range, ...]:
    if text == "[]":
        return ()
    return tuple(Range(t, tuple(Event(k, v) for k, v in events), repo) for t, repo, events in orjson.loads(text))


def _load_pairs(text: str) -> tuple[tuple[str, str], ...]:
    if text == "[]":
        return ()
    return tuple((a, b) for a, b in orjson.loads(text))


def _load_strings(text: str) -> tuple[str, ...]:
    if text == "[]":
        return ()
    return tuple(orjson.loads(text))


def _affected_row(pk: int, seq: int, a: Affected) -> tuple[Any, ...]:
    base, release = ecosystem_parts(a.ecosystem)
    return (pk, seq, a.ecosystem, base, release, a.name, normalise_name(base, a.name), a.purl,
            _ranges_json(a.ranges), _strings(a.versions), a.fix_state.value if a.fix_state else None,
            _pairs(a.severity), a.ecosystem_specific, a.database_specific)


def _advisory_row(pk: int, adv: Advisory) -> tuple[Any, ...]:
    return (pk, adv.id, adv.source, adv.modified, adv.published, adv.withdrawn, _strings(adv.aliases),
            _strings(adv.related), adv.summary, adv.details, _pairs(adv.severity), _pairs(adv.references),
            adv.database_specific, adv.schema_version, _dumps(adv.extra) if adv.extra else "{}")


def _affected_from(row: Sequence[Any]) -> Affected:
    # row: ecosystem, name, purl, ranges, versions, fix_state, severity, ecosystem_specific, database_specific
    return Affected(
        ecosystem=row[0], name=row[1], purl=row[2], ranges=_load_ranges(row[3]), versions=_load_strings(row[4]),
        fix_state=FixState(row[5]) if row[5] else None, severity=_load_pairs(row[6]),
        ecosystem_specific=row[7], database_specific=row[8],
    )


_AFFECTED_FIELDS = "ecosystem, name, purl, ranges, versions, fix_state, severity, ecosystem_specific, database_specific"


def _advisory_from(row: Sequence[Any], affected: tuple[Affected, ...]) -> Advisory:
    # row: pk, id, source, modified, published, withdrawn, aliases, related, summary, details, severity, refs,
    #      database_specific, schema_version, extra
    return Advisory(
        id=row[1], source=row[2], modified=row[3], published=row[4], withdrawn=row[5],
        aliases=_load_strings(row[6]), related=_load_strings(row[7]), summary=row[8], details=row[9],
        severity=_load_pairs(row[10]), references=_load_pairs(row[11]), database_specific=row[12],
        schema_version=row[13], extra=dict(orjson.loads(row[14])) if row[14] != "{}" else {},
        affected=affected,
    )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _read_meta(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> dict[str, str]:
    """The meta table, after checking the file is a store of this schema version (StoreError if not)."""
    try:
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.DatabaseError as exc:  # not a database, or no meta table
        raise StoreError(path, f"not a stockade advisory database ({exc}); {_CREATE_HINT}") from None
    meta = {str(k): str(v) for k, v in rows}
    version = meta.get("schema_version", "")
    if version != str(SCHEMA_VERSION):
        raise StoreError(path, f"schema version {version or 'unknown'}, this stockade reads version "
                               f"{SCHEMA_VERSION}; {_CREATE_HINT}")
    return meta


# ----------------------------------------------------------------------------------------------------------
# Reading


class AdvisoryStore:
    """A store opened for reading. ``lookup`` is what a scan needs; ``info`` what ``db status`` shows.

    Not thread-safe (one SQLite connection); open one store per thread.
    """

    def __init__(self, path: str | os.PathLike[str], conn: sqlite3.Connection, meta: Mapping[str, str]) -> None:
        self.path = os.fspath(path)
        self._conn = conn
        self._meta = dict(meta)
        self._cache: dict[int, Advisory] = {}
        releases = orjson.loads(self._meta.get("releases", "{}"))
        self._releases: dict[str, list[str]] = {str(k): [str(r) for r in v] for k, v in releases.items()}

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> AdvisoryStore:
        """Open an existing store read-only (StoreError when missing, unreadable or of another schema)."""
        p = Path(path)
        if not p.is_file():
            raise StoreError(p, f"no such file; {_CREATE_HINT}")
        # immutable: the file is never changed in place (updates replace it), so no locking is needed and
        # a store on a read-only file system (baked into an image) opens too
        uri = p.resolve().as_uri() + "?mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise StoreError(p, f"cannot open ({exc}); {_CREATE_HINT}") from None
        try:
            meta = _read_meta(conn, p)
        except BaseException:
            conn.close()
            raise
        return cls(p, conn, meta)

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None) -> StoreBuilder:
        """Start building a new store file at ``path`` (which must not exist).

        With ``base`` (an existing store), every source of ``base`` that is not imported again into the
        builder is carried over when the builder finishes. Most callers want :func:`rebuild` instead.
        """
        return StoreBuilder(path, base=base)

    def __enter__(self) -> AdvisoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()
        self._cache.clear()

    def releases(self, ecosystem_base: str) -> tuple[str, ...]:
        """The releases the store has advisories for in an ecosystem (``("10", "11", "12")`` for debian)."""
        return tuple(self._releases.get(ecosystem_base.strip().lower(), ()))

    def lookup(self, ecosystem_base: str, release: str | None,
               names: Iterable[str]) -> dict[str, list[tuple[Affected, Advisory]]]:
        """Every non-withdrawn ``(affected entry, advisory)`` for each name, in one ecosystem and release.

        ``ecosystem_base`` is matched case-insensitively (``PyPI``/``pypi``); ``release`` exactly
        (``"12"``, ``"v3.19"``, ``"22.04:LTS"``; ``""`` for ecosystems without releases), or ``None`` for
        any release. Names are normalised with :func:`normalise_name`; the result is keyed by the names as
        given, each with a (possibly empty) list ordered by advisory id. The same id and affected entry
        from two sources (an advisory in two ecosystems' exports) is listed once.
        """
        base = ecosystem_base.strip().lower()
        wanted: dict[str, list[str]] = {}
        result: dict[str, list[tuple[Affected, Advisory]]] = {}
        for name in names:
            result.setdefault(name, [])
            wanted.setdefault(normalise_name(base, name), []).append(name)
        if not wanted:
            return result
        if release is None:
            releases = self._releases.get(base)
            if not releases:
                return result
        else:
            releases = [release]
        found: dict[str, list[tuple[int, int]]] = {}  # normalised name -> (advisory key, affected index)
        sql_head = ("SELECT f.name_norm, f.advisory_pk, f.seq FROM affected f JOIN advisory v ON v.pk = f.advisory_pk "
                    f"WHERE f.ecosystem_base = ? AND f.release IN ({_marks(len(releases))}) ")
        try:
            for chunk in _chunks(sorted(wanted)):
                sql = sql_head + f"AND f.name_norm IN ({_marks(len(chunk))}) AND v.withdrawn = '' " \
                                 "ORDER BY f.advisory_pk, f.seq"
                for norm, pk, seq in self._conn.execute(sql, (base, *releases, *chunk)):
                    found.setdefault(norm, []).append((pk, seq))
            self._fetch(sorted({pk for hits in found.values() for pk, _ in hits}))
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, f"cannot read ({exc}); {_CREATE_HINT}") from None
        for norm, hits in found.items():
            seen: set[tuple[object, ...]] = set()
            pairs: list[tuple[Affected, Advisory]] = []
            for pk, seq in hits:
                advisory = self._cache[pk]
                affected = advisory.affected[seq]
                # The fields that decide a match (hashing the frozen dataclass rehashes every field each time).
                same = (advisory.id, affected.ecosystem, affected.name, affected.ranges, affected.versions,
                        affected.fix_state)
                if same in seen:
                    continue
                seen.add(same)
                pairs.append((affected, advisory))
            pairs.sort(key=lambda p: (p[1].id, p[1].source))
            for name in wanted[norm]:
                result[name] = list(pairs)
        return result

    def _fetch(self, pks: Sequence[int]) -> None:
        """Load (once) the advisories with these keys, each with all of its affected entries."""
        missing = [pk for pk in pks if pk not in self._cache]
        for chunk in _chunks(missing):
            marks = _marks(len(chunk))
            affected: dict[int, list[Affected]] = {}
            for row in self._conn.execute(
                    f"SELECT advisory_pk, {_AFFECTED_FIELDS} FROM affected WHERE advisory_pk IN ({marks}) "
                    "ORDER BY advisory_pk, seq", tuple(chunk)):
                affected.setdefault(row[0], []).append(_affected_from(row[1:]))
            for row in self._conn.execute(f"SELECT {_ADVISORY_COLUMNS} FROM advisory WHERE pk IN ({marks})",
                                          tuple(chunk)):
                self._cache[row[0]] = _advisory_from(row, tuple(affected.get(row[0], ())))

    def get(self, advisory_id: str) -> list[Advisory]:
        """Every stored record with this id (one per source), withdrawn ones included."""
        try:
            pks = [r[0] for r in self._conn.execute("SELECT pk FROM advisory WHERE id = ? ORDER BY source",
                                                    (advisory_id,))]
            self._fetch(pks)
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, f"cannot read ({exc}); {_CREATE_HINT}") from None
        return [self._cache[pk] for pk in pks]

    @property
    def updated(self) -> str:
        """When the database was last updated (or built), ISO 8601; read at open, no query."""
        return self._meta.get("updated") or self._meta.get("built", "")

    def info(self) -> dict[str, Any]:
        """Schema version, build times, sources (with counts and HTTP validators), counts per ecosystem."""
        try:
            sources = {row[0]: _source_dict(row) for row in
                       self._conn.execute(f"SELECT {_SOURCE_COLUMNS} FROM source ORDER BY name")}
            total, withdrawn = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(withdrawn != ''), 0) FROM advisory").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, f"cannot read ({exc}); {_CREATE_HINT}") from None
        return {
            "path": self.path,
            "schema_version": int(self._meta["schema_version"]),
            "built": self._meta.get("built", ""),
            "updated": self._meta.get("updated", ""),
            "advisories": int(total),
            "withdrawn": int(withdrawn),
            "sources": sources,
            "ecosystems": orjson.loads(self._meta.get("ecosystems", "{}")),
        }


def _source_dict(row: Sequence[Any]) -> dict[str, Any]:
    return {"kind": row[1], "origin": row[2], "etag": row[3], "last_modified": row[4], "imported": row[5],
            "advisories": int(row[6]), "withdrawn": int(row[7]), "problems": int(row[8])}


# ----------------------------------------------------------------------------------------------------------
# Building


class StoreBuilder:
    """Writes a new store file. Import each source with :meth:`begin_source` then :meth:`add` per record,
    then :meth:`finish` (or :meth:`abort`). Importing a source replaces everything it had in ``base``."""

    def __init__(self, path: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise StoreError(self.path, "refusing to build over an existing file")
        self.base = Path(base) if base is not None else None
        self.base_problem = ""  # why ``base`` could not be carried over, if it could not
        self._base_meta: dict[str, str] = {}
        try:
            self._conn = sqlite3.connect(self.path.resolve().as_uri(), uri=True, isolation_level=None)
            self._conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                                     "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;" + _SCHEMA)
            self._conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise StoreError(self.path, f"cannot create ({exc})") from None
        self._next_pk = 1
        self._seen: dict[tuple[str, str], tuple[int, str]] = {}  # (source, id) -> (pk, modified)
        self._sources: dict[str, dict[str, Any]] = {}
        self._adv_rows: list[tuple[Any, ...]] = []
        self._aff_rows: list[tuple[Any, ...]] = []
        self._pending: set[int] = set()
        self._done = False

    def __enter__(self) -> StoreBuilder:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._done:
            return
        if exc_type is None:
            self.finish()
        else:
            self.abort()

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources begun in this builder so far."""
        return tuple(self._sources)

    def begin_source(self, name: str, *, kind: str, origin: str, etag: str = "", last_modified: str = "") -> None:
        """Start (or restart) importing source ``name``: whatever it had in ``base`` is not carried over."""
        if not name:
            raise ValueError("a source needs a name")
        if name in self._sources:  # imported again within this build: start over
            self._flush()
            self._delete("SELECT pk FROM advisory WHERE source = ?", (name,))
            self._seen = {k: v for k, v in self._seen.items() if k[0] != name}
        self._sources[name] = {"kind": kind, "origin": origin, "etag": etag, "last_modified": last_modified,
                               "imported": _now(), "problems": 0}

    def discard_source(self, name: str) -> None:
        """Undo :meth:`begin_source`: drop what was added under ``name``; ``base``'s copy is carried over."""
        if name not in self._sources:
            return
        self._flush()
        self._delete("SELECT pk FROM advisory WHERE source = ?", (name,))
        self._seen = {k: v for k, v in self._seen.items() if k[0] != name}
        del self._sources[name]

    def add_problems(self, source: str, count: int) -> None:
        """Count ``count`` unreadable records against a source (shown by ``info()``)."""
        self._sources[source]["problems"] += count

    def add(self, advisory: Advisory) -> AddResult:
        """Store one advisory under ``advisory.source`` (which must have been begun)."""
        source = advisory.source
        if source not in self._sources:
            raise ValueError(f"source {source!r} was not begun")
        key = (source, advisory.id)
        result = AddResult.ADDED
        old = self._seen.get(key)
        if old is not None:
            if old[1] > advisory.modified:
                return AddResult.KEPT_EXISTING
            if old[0] in self._pending:
                self._flush()
            self._conn.execute("DELETE FROM affected WHERE advisory_pk = ?", (old[0],))
            self._conn.execute("DELETE FROM advisory WHERE pk = ?", (old[0],))
            result = AddResult.REPLACED
        pk = self._next_pk
        self._next_pk += 1
        self._seen[key] = (pk, advisory.modified)
        self._adv_rows.append(_advisory_row(pk, advisory))
        self._aff_rows.extend(_affected_row(pk, seq, a) for seq, a in enumerate(advisory.affected))
        self._pending.add(pk)
        if len(self._adv_rows) >= _FLUSH_EVERY:
            self._flush()
        return result

    def _flush(self) -> None:
        if self._adv_rows:
            self._conn.executemany(f"INSERT INTO advisory ({_ADVISORY_COLUMNS}) VALUES ({_marks(15)})",
                                   self._adv_rows)
            self._adv_rows = []
        if self._aff_rows:
            self._conn.executemany(f"INSERT INTO affected ({_AFFECTED_COLUMNS}) VALUES ({_marks(14)})",
                                   self._aff_rows)
            self._aff_rows = []
        self._pending.clear()

    def _delete(self, select_pks: str, params: tuple[Any, ...]) -> None:
        self._conn.execute(f"DELETE FROM affected WHERE advisory_pk IN ({select_pks})", params)
        self._conn.execute(f"DELETE FROM advisory WHERE pk IN ({select_pks})", params)

    def _carry_over_base(self) -> None:
        """Copy every source of ``base`` not imported in this build (keys shifted past the new rows)."""
        if self.base is None or not self.base.is_file():
            return
        try:
            with contextlib.closing(sqlite3.connect(self.base.resolve().as_uri() + "?mode=ro", uri=True)) as old:
                self._base_meta = _read_meta(old, self.base)
        except (StoreError, sqlite3.Error) as exc:
            self.base_problem = exc.reason if isinstance(exc, StoreError) else str(exc)
            return
        conn = self._conn
        conn.execute("COMMIT")  # SQLite attaches only outside a transaction
        conn.execute("ATTACH DATABASE ? AS old", (self.base.resolve().as_uri() + "?mode=ro",))
        try:
            conn.execute("BEGIN")
            keep = [r[0] for r in conn.execute("SELECT name FROM old.source ORDER BY name")
                    if r[0] not in self._sources]
            if keep:
                offset = self._next_pk
                marks = _marks(len(keep))
                conn.execute(f"INSERT INTO source ({_SOURCE_COLUMNS}) SELECT {_SOURCE_COLUMNS} FROM old.source "
                             f"WHERE name IN ({marks})", keep)
                cols = _ADVISORY_COLUMNS.replace("pk, ", "", 1)
                conn.execute(f"INSERT INTO advisory ({_ADVISORY_COLUMNS}) SELECT pk + ?, {cols} FROM old.advisory "
                             f"WHERE source IN ({marks})", (offset, *keep))
                acols = ", ".join("f." + c for c in _AFFECTED_COLUMNS.split(", ")[1:])
                conn.execute(f"INSERT INTO affected ({_AFFECTED_COLUMNS}) SELECT f.advisory_pk + ?, {acols} "
                             "FROM old.affected f JOIN old.advisory v ON v.pk = f.advisory_pk "
                             f"WHERE v.source IN ({marks})", (offset, *keep))
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE old")
            conn.execute("BEGIN")

    def finish(self) -> None:
        """Write the remaining rows, carry ``base``'s other sources over, index, summarise and close."""
        if self._done:
            raise ValueError("the builder has finished")
        conn = self._conn
        try:
            self._flush()
            self._carry_over_base()
            for statement in _INDEXES.split(";"):
                if statement.strip():
                    conn.execute(statement)
            now = _now()
            for name, src in self._sources.items():
                advisories, withdrawn = conn.execute(
                    "SELECT COUNT(*), COALESCE(SUM(withdrawn != ''), 0) FROM advisory WHERE source = ?",
                    (name,)).fetchone()
                conn.execute(f"INSERT OR REPLACE INTO source ({_SOURCE_COLUMNS}) VALUES ({_marks(9)})",
                             (name, src["kind"], src["origin"], src["etag"], src["last_modified"], src["imported"],
                              advisories, withdrawn, src["problems"]))
            meta = {
                "schema_version": str(SCHEMA_VERSION),
                "built": self._base_meta.get("built", now),
                "updated": now,
                "ecosystems": _dumps(self._ecosystem_counts()),
                "releases": _dumps(self._release_lists()),
            }
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
            conn.close()
            with open(self.path, "rb+") as fh:  # the journal is off: make the file durable before any rename
                os.fsync(fh.fileno())
        except sqlite3.Error as exc:
            self.abort()
            raise StoreError(self.path, f"cannot write ({exc})") from None
        except OSError as exc:
            self.abort()
            raise StoreError(self.path, f"cannot write ({exc.strerror or exc})") from None
        self._done = True

    def _ecosystem_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for eco, n, withdrawn in self._conn.execute(
                "SELECT f.ecosystem, COUNT(DISTINCT f.advisory_pk), "
                "COUNT(DISTINCT CASE WHEN v.withdrawn != '' THEN f.advisory_pk END) "
                "FROM affected f JOIN advisory v ON v.pk = f.advisory_pk GROUP BY f.ecosystem ORDER BY f.ecosystem"):
            counts[eco] = {"advisories": int(n), "withdrawn": int(withdrawn)}
        return counts

    def _release_lists(self) -> dict[str, list[str]]:
        releases: dict[str, list[str]] = {}
        for base, release in self._conn.execute(
                "SELECT DISTINCT ecosystem_base, release FROM affected ORDER BY ecosystem_base, release"):
            releases.setdefault(base, []).append(release)
        return releases

    def abort(self) -> None:
        """Give up: close and delete the file being built."""
        self._done = True
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def temp_path_for(store_path: str | os.PathLike[str], purpose: str) -> Path:
    """A unique hidden file name next to the store (same file system, so ``os.replace`` is atomic)."""
    p = Path(store_path)
    return p.with_name(f".{p.name}.{purpose}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _stale_temp_files(store_path: Path) -> list[Path]:
    prefix = f".{store_path.name}."
    try:
        return [p for p in store_path.parent.iterdir() if p.name.startswith(prefix) and p.name.endswith(".tmp")]
    except OSError:
        return []


@contextlib.contextmanager
def store_lock(store_path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the store's write lock (``<store>.lock``, an advisory ``flock``) or raise StoreError at once.

    Every writer (:func:`rebuild`, an update) holds it, so temporary files left next to the store by a
    writer that was killed are known to be stale and are removed here.
    """
    target = Path(store_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target.with_name(target.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(target, f"cannot create its lock file ({exc.strerror or exc})") from None
    try:
        try:
            import fcntl
        except ImportError:  # not POSIX: no locking
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise StoreError(target, "another process is updating it; try again when it has finished") from None
        for stale in _stale_temp_files(target):
            with contextlib.suppress(OSError):
                stale.unlink()
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def rebuild(store_path: str | os.PathLike[str], *, locked: bool = False) -> Iterator[StoreBuilder]:
    """Build a new version of the store at ``store_path`` and swap it in atomically.

    Yields a builder whose ``base`` is the current store (if any): sources imported into it replace
    theirs, the others are carried over. On success the new file replaces the old with ``os.replace``;
    on any exception the new file is deleted and the old store is left as it was. Takes the store's
    write lock (:func:`store_lock`) unless the caller says it holds it (``locked=True``).
    """
    target = Path(store_path)
    with contextlib.ExitStack() as stack:
        if not locked:
            stack.enter_context(store_lock(target))
        builder = StoreBuilder(temp_path_for(target, "build"), base=target if target.exists() else None)
        try:
            yield builder
            if not builder._done:
                builder.finish()
            try:
                os.replace(builder.path, target)
            except OSError as exc:
                raise StoreError(target, f"cannot replace it ({exc.strerror or exc})") from None
        except BaseException:
            builder.abort()
            raise
        with contextlib.suppress(OSError):  # make the rename durable (POSIX; not possible everywhere)
            fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
