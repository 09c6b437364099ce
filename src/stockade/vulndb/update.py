"""Download OSV's per-ecosystem exports (``<base>/<ECOSYSTEM>/all.zip``) into the advisory store.

For each ecosystem the request carries ``If-None-Match``/``If-Modified-Since`` from what the store
recorded for that URL, so an unchanged export costs one ``304``. A changed one is streamed to a temporary
file next to the store (at most ``max_bytes``), checked to be a readable zip, and imported into a *new*
database file that also carries over every other source of the current one; that file then replaces the
current one with :func:`os.replace`. A failed download (HTTP error, connection lost, truncated or corrupt
archive, an archive with no readable record) leaves that ecosystem's old data in place and is reported
in the result with the URL and the reason; a process killed at any point leaves the old database as it
was (the next update removes the temporary files it left).

Only :mod:`urllib` is used; the default opener honours the usual proxy environment variables.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from stockade._version import __version__
from stockade.errors import ScanError
from stockade.vulndb.osv import ImportSource, ImportSummary, import_into
from stockade.vulndb.store import AdvisoryStore, StoreError, rebuild, store_lock, temp_path_for

DEFAULT_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com"
MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0  # seconds, for connecting and for each read
MAX_SECONDS = 3600.0  # one download, in all
_CHUNK = 1024 * 1024

UPDATED = "updated"
NOT_MODIFIED = "not-modified"
FAILED = "failed"

Progress = Callable[[int, "int | None"], None]  # (bytes downloaded so far, total bytes or None if unknown)


class UpdateError(ScanError):
    """One download or import failed: the URL and what went wrong."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot update the advisory database from {url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EcosystemUpdate:
    """What happened to one ecosystem: ``status`` is ``updated``, ``not-modified`` or ``failed``."""

    ecosystem: str
    url: str
    status: str
    downloaded: int = 0  # bytes
    advisories: int = 0  # records imported
    problems: int = 0  # records (or members) that could not be read
    error: UpdateError | None = None


@dataclass(slots=True)
class UpdateResult:
    store_path: str
    ecosystems: list[EcosystemUpdate] = field(default_factory=list)
    summary: ImportSummary = field(default_factory=ImportSummary)  # the imports' problems, counts
    replaced: bool = False  # a new database file was swapped in
    base_problem: str = ""  # why the previous database's other sources could not be carried over, if so

    @property
    def errors(self) -> list[UpdateError]:
        return [e.error for e in self.ecosystems if e.error is not None]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise the first failure (its message names the URL and the reason), if there was one."""
        errors = self.errors
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise UpdateError(", ".join(e.url for e in errors), "; ".join(e.reason for e in errors))


DEBIAN_TRACKER_URL = "https://security-tracker.debian.org/tracker/data/json"
ALPINE_SECDB_URL = "https://secdb.alpinelinux.org"
DEBIAN_TRACKER = "debian-tracker"
ALPINE_SECDB = "alpine-secdb"


@dataclass(frozen=True, slots=True)
class Feed:
    """One thing ``update`` downloads: an OSV export or a distro feed that carries fix states."""

    name: str  # as asked for: ``PyPI``, ``debian-tracker``, ``alpine-secdb:v3.19/main``
    url: str
    kind: str  # the import kind: osv, debian-tracker, alpine-secdb
    source: str  # the store's source name

    @staticmethod
    def of(name: str, base_url: str, debian_tracker_url: str = DEBIAN_TRACKER_URL,
           alpine_secdb_url: str = ALPINE_SECDB_URL) -> Feed:
        """``debian-tracker`` -> the Debian security tracker's JSON; ``alpine-secdb:v3.19/main`` -> that secdb
        file; anything else is an OSV ecosystem (``<base_url>/<name>/all.zip``)."""
        if name == DEBIAN_TRACKER:
            return Feed(name, debian_tracker_url, DEBIAN_TRACKER, DEBIAN_TRACKER)
        if name.startswith(ALPINE_SECDB + ":"):
            branch, _, repo = name[len(ALPINE_SECDB) + 1:].partition("/")
            if not branch or not repo or not all(p.replace(".", "").replace("-", "").isalnum() for p in (branch, repo)):
                raise UpdateError(name, "expected alpine-secdb:<branch>/<repository>, e.g. alpine-secdb:v3.19/main")
            url = f"{alpine_secdb_url.rstrip('/')}/{branch}/{repo}.json"
            return Feed(name, url, ALPINE_SECDB, f"{ALPINE_SECDB}:{branch}/{repo}")
        return Feed(name, osv_url(base_url, name), "osv", f"osv:{name}")


def osv_url(base_url: str, ecosystem: str) -> str:
    """``<base_url>/<ecosystem, URL-encoded>/all.zip``."""
    return f"{base_url.rstrip('/')}/{quote(ecosystem, safe='')}/all.zip"


def _header(headers: Any, name: str) -> str:
    value = headers.get(name) if headers is not None else None
    return str(value).strip() if value else ""


def _download(opener: urllib.request.OpenerDirector, url: str, dest: Path, etag: str, last_modified: str, *,
              timeout: float, max_bytes: int, progress: Progress | None) -> tuple[int, str, str] | None:
    """Stream ``url`` to ``dest``: (bytes, ETag, Last-Modified), or None for ``304 Not Modified``."""
    headers = {"User-Agent": f"stockade/{__version__}", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:
            return None
        if exc.code == 404:
            raise UpdateError(url, "HTTP 404 Not Found (is the ecosystem name spelt as OSV spells it?)") from None
        raise UpdateError(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise UpdateError(url, f"cannot connect: {exc.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise UpdateError(url, f"cannot connect: {exc}") from None
    with response:
        if response.status != 200:
            raise UpdateError(url, f"unexpected HTTP {response.status} {response.reason}")
        length = _header(response.headers, "Content-Length")
        total = int(length) if length.isdigit() else None
        if total is not None and total > max_bytes:
            raise UpdateError(url, f"{total} bytes, more than the limit of {max_bytes}")
        if progress is not None:
            progress(0, total)
        deadline = time.monotonic() + MAX_SECONDS
        received = 0
        try:
            with open(dest, "wb") as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > max_bytes:
                        raise UpdateError(url, f"more than the limit of {max_bytes} bytes: stopped")
                    if time.monotonic() > deadline:
                        raise UpdateError(url, f"the download took more than {MAX_SECONDS:.0f} s: stopped")
                    out.write(chunk)
                    if progress is not None:
                        progress(received, total)
        except (OSError, http.client.HTTPException) as exc:
            detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            if isinstance(exc, http.client.IncompleteRead):
                detail = "the connection closed early"
            raise UpdateError(url, f"the download broke off after {received} bytes ({detail})") from None
        if total is not None and received != total:
            raise UpdateError(url, f"the connection closed after {received} of {total} bytes")
        return received, _header(response.headers, "ETag"), _header(response.headers, "Last-Modified")


def _check_zip(url: str, path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UpdateError(url, f"the download is not a readable zip archive (truncated or corrupt: {exc})") from None


def _known_sources(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    try:
        with AdvisoryStore.open(path) as store:
            sources: dict[str, dict[str, Any]] = store.info()["sources"]
            return sources
    except StoreError:
        return {}  # unreadable or another schema: it is rebuilt from what this update downloads


@dataclass(slots=True)
class _Download:
    ecosystem: str
    url: str
    path: Path
    size: int
    etag: str
    last_modified: str
    feed: Feed


def update(store_path: str | os.PathLike[str], base_url: str = DEFAULT_BASE_URL, ecosystems: Sequence[str] = (),
           *, etag_cache: bool = True, progress: Progress | None = None, timeout: float = DEFAULT_TIMEOUT,
           max_bytes: int = MAX_DOWNLOAD_BYTES, opener: urllib.request.OpenerDirector | None = None,
           debian_tracker_url: str = DEBIAN_TRACKER_URL, alpine_secdb_url: str = ALPINE_SECDB_URL) -> UpdateResult:
    """Bring the OSV ecosystems (``PyPI``, ``Go``, ``Debian`` ... as OSV spells them) up to date, and the distro
    feeds that carry fix states: ``debian-tracker`` (the Debian security tracker's JSON) and
    ``alpine-secdb:<branch>/<repository>`` (an Alpine secdb file).

    ``ecosystems`` empty: the ones the store already has from ``base_url``, and the distro feeds it has from
    their URLs. ``etag_cache``: send the
    ETag/Last-Modified recorded for each URL (False downloads everything again). ``progress`` is called
    with (bytes so far, total or None) as each export downloads. Failures are in the result
    (:attr:`UpdateResult.errors`, :meth:`UpdateResult.raise_for_errors`); what did download is applied.
    Raises UpdateError for a base URL that is not http(s) or nothing to update, StoreError when the
    database cannot be written (another update holds its lock, disk full ...).
    """
    target = Path(store_path)
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise UpdateError(base_url, "only http:// and https:// URLs can be downloaded")
    opener = opener if opener is not None else urllib.request.build_opener()
    result = UpdateResult(os.fspath(target))
    with store_lock(target):
        known = _known_sources(target)
        wanted = list(dict.fromkeys(e.strip() for e in ecosystems if e.strip()))
        if not wanted:
            prefix = base_url.rstrip("/") + "/"
            for name, src in sorted(known.items()):
                origin = str(src.get("origin", ""))
                if name.startswith("osv:") and origin.startswith(prefix):
                    wanted.append(name[len("osv:"):])
                elif (name == DEBIAN_TRACKER and origin == debian_tracker_url) or (
                        name.startswith(ALPINE_SECDB + ":") and origin.startswith(alpine_secdb_url.rstrip("/") + "/")):
                    wanted.append(name)
        feeds = {eco: Feed.of(eco, base_url, debian_tracker_url, alpine_secdb_url) for eco in wanted}
        for feed in feeds.values():
            if urlsplit(feed.url).scheme not in ("http", "https"):
                raise UpdateError(feed.url, "only http:// and https:// URLs can be downloaded")
        if not wanted:
            raise UpdateError(base_url, "no ecosystems given, and the database has none from this URL to update")
        outcomes: dict[str, EcosystemUpdate] = {}
        downloads: list[_Download] = []
        try:
            for eco in wanted:
                feed = feeds[eco]
                url = feed.url
                src = known.get(feed.source, {})
                use_validators = etag_cache and src.get("origin") == url
                etag = str(src.get("etag", "")) if use_validators else ""
                last_modified = str(src.get("last_modified", "")) if use_validators else ""
                tmp = temp_path_for(target, "download")
                try:
                    got = _download(opener, url, tmp, etag, last_modified, timeout=timeout, max_bytes=max_bytes,
                                    progress=progress)
                    if got is not None and feed.kind == "osv":
                        _check_zip(url, tmp)
                except UpdateError as exc:
                    with contextlib.suppress(OSError):
                        tmp.unlink()
                    outcomes[eco] = EcosystemUpdate(eco, url, FAILED, error=exc)
                    continue
                except BaseException:
                    with contextlib.suppress(OSError):
                        tmp.unlink()
                    raise
                if got is None:
                    outcomes[eco] = EcosystemUpdate(eco, url, NOT_MODIFIED)
                    continue
                downloads.append(_Download(eco, url, tmp, got[0], got[1], got[2], feed))
            if downloads:
                with rebuild(target, locked=True) as builder:
                    for d in downloads:
                        name = d.feed.source
                        part = import_into(builder, [ImportSource(os.fspath(d.path), kind=d.feed.kind, name=name,
                                                                  origin=d.url, etag=d.etag,
                                                                  last_modified=d.last_modified)])
                        _merge(result.summary, part)
                        if part.advisories == 0 and part.problem_count > 0:
                            builder.discard_source(name)
                            first = part.problems[0].message if part.problems else ""
                            outcomes[d.ecosystem] = EcosystemUpdate(
                                d.ecosystem, d.url, FAILED, d.size, 0, part.problem_count,
                                UpdateError(d.url, f"none of its records could be read ({first})"))
                        else:
                            outcomes[d.ecosystem] = EcosystemUpdate(d.ecosystem, d.url, UPDATED, d.size,
                                                                    part.advisories, part.problem_count)
                result.replaced = True
                result.base_problem = builder.base_problem
        finally:
            for d in downloads:
                with contextlib.suppress(OSError):
                    d.path.unlink()
    result.ecosystems = [outcomes[eco] for eco in wanted]
    return result


def _merge(into: ImportSummary, part: ImportSummary) -> None:
    for eco, n in part.counts.items():
        into.counts[eco] = into.counts.get(eco, 0) + n
    into.advisories += part.advisories
    into.withdrawn += part.withdrawn
    into.duplicates += part.duplicates
    for problem in part.problems:
        into.problem(problem)
    into.problem_count += part.problem_count - len(part.problems)
    into.sources.extend(part.sources)


# --- the exports scans needed -------------------------------------------------------------------------------
# Scans record the OSV exports their packages need next to the database, so an update without a list of
# ecosystems fetches those (and a first scan can tell the user exactly what 'db update' will download).


def _seen_path(store_path: str | os.PathLike[str]) -> Path:
    return Path(store_path).parent / "seen-ecosystems.json"


def recorded_needs(store_path: str | os.PathLike[str]) -> list[str]:
    """The OSV export names scans recorded for this database ([] when none or unreadable)."""
    try:
        data = orjson.loads(_seen_path(store_path).read_bytes()[: 1024 * 1024])
    except (OSError, orjson.JSONDecodeError):
        return []
    return [str(e) for e in data] if isinstance(data, list) else []


def record_needs(store_path: str | os.PathLike[str], needed: Sequence[str]) -> None:
    """Add ``needed`` to the recorded exports (best effort: a cache directory that cannot be written is fine)."""
    if not needed:
        return
    old = recorded_needs(store_path)
    merged = sorted(set(old) | set(needed))
    if merged == old:
        return
    seen = _seen_path(store_path)
    with contextlib.suppress(OSError):
        seen.parent.mkdir(parents=True, exist_ok=True)
        tmp = seen.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(merged))
        os.replace(tmp, seen)
