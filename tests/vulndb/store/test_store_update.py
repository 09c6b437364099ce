"""Downloading OSV exports over HTTP: conditional requests, failures that keep the old database, atomic swaps.

Every test talks to a local HTTP server started in a thread; no test uses the network.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from stockade.vulndb.store import AdvisoryStore, StoreError, store_lock
from stockade.vulndb.update import (
    FAILED,
    NOT_MODIFIED,
    UPDATED,
    UpdateError,
    osv_url,
    update,
)


@dataclass
class Route:
    body: bytes
    etag: str = ""
    last_modified: str = ""
    die_after: int | None = None  # close the connection after this many bytes of the body
    send_length: bool = True
    stall: threading.Event | None = None  # after die_after bytes, wait for this instead of closing


@dataclass
class Server:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base_url: str = ""
    sent_partial: threading.Event = field(default_factory=threading.Event)


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            if not route.etag and route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            self.end_headers()
            if route.die_after is None:
                self.wfile.write(route.body)
                return
            self.wfile.write(route.body[:route.die_after])
            self.wfile.flush()
            state.sent_partial.set()
            if route.stall is not None:
                route.stall.wait(30)
            self.close_connection = True

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        for route in state.routes.values():
            if route.stall is not None:
                route.stall.set()
        httpd.shutdown()
        httpd.server_close()


# never the environment's proxies: the server is local
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _zip(records: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in records.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _record(advisory_id: str, ecosystem: str, name: str, fixed: str = "1.0") -> bytes:
    return (b'{"id": "%s", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "%s", '
            b'"name": "%s"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]}]}'
            % (advisory_id.encode(), ecosystem.encode(), name.encode(), fixed.encode()))


PYPI_V1 = _zip({"PYSEC-1.json": _record("PYSEC-1", "PyPI", "requests"),
                "PYSEC-2.json": _record("PYSEC-2", "PyPI", "Django")})
PYPI_V2 = _zip({"PYSEC-1.json": _record("PYSEC-1", "PyPI", "requests"),
                "PYSEC-2.json": _record("PYSEC-2", "PyPI", "Django"),
                "PYSEC-3.json": _record("PYSEC-3", "PyPI", "flask")})
GO_V1 = _zip({"GO-1.json": _record("GO-1", "Go", "golang.org/x/net")})


def _ids(db: Path, ecosystem: str, *names: str) -> dict[str, list[str]]:
    with AdvisoryStore.open(db) as store:
        return {n: [adv.id for _, adv in pairs] for n, pairs in store.lookup(ecosystem, None, names).items()}


def _statuses(result_ecosystems: list[object]) -> list[tuple[str, str, int]]:
    return [(e.ecosystem, e.status, e.advisories) for e in result_ecosystems]  # type: ignore[attr-defined]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _seed(server: Server, db: Path) -> None:
    """A database with PyPI (v1) and Go from the server."""
    server.routes["/PyPI/all.zip"] = Route(PYPI_V1, etag='"pypi-1"')
    server.routes["/Go/all.zip"] = Route(GO_V1, last_modified="Tue, 01 Oct 2024 10:00:00 GMT")
    result = update(db, server.base_url, ["PyPI", "Go"], opener=OPENER)
    assert result.ok


def test_first_update_then_not_modified(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "vulndb" / "osv.sqlite"
    server.routes["/PyPI/all.zip"] = Route(PYPI_V1, etag='"pypi-1"')
    server.routes["/Go/all.zip"] = Route(GO_V1, last_modified="Tue, 01 Oct 2024 10:00:00 GMT")
    progress: list[tuple[int, int | None]] = []
    result = update(db, server.base_url, ["PyPI", "Go"], opener=OPENER,
                    progress=lambda done, total: progress.append((done, total)))
    assert result.ok and result.replaced
    assert _statuses(result.ecosystems) == [("PyPI", UPDATED, 2), ("Go", UPDATED, 1)]
    assert [e.downloaded for e in result.ecosystems] == [len(PYPI_V1), len(GO_V1)]
    assert progress == [(0, len(PYPI_V1)), (len(PYPI_V1), len(PYPI_V1)), (0, len(GO_V1)), (len(GO_V1), len(GO_V1))]
    assert _ids(db, "pypi", "requests", "django") == {"requests": ["PYSEC-1"], "django": ["PYSEC-2"]}
    with AdvisoryStore.open(db) as store:
        sources = store.info()["sources"]
    assert {k: (v["origin"], v["etag"], v["last_modified"], v["advisories"]) for k, v in sources.items()} == {
        "osv:Go": (f"{server.base_url}/Go/all.zip", "", "Tue, 01 Oct 2024 10:00:00 GMT", 1),
        "osv:PyPI": (f"{server.base_url}/PyPI/all.zip", '"pypi-1"', "", 2),
    }
    assert [h.get("if-none-match") for _, h in server.requests] == [None, None]

    stat_before = db.stat()
    server.requests.clear()
    again = update(db, server.base_url, ["PyPI", "Go"], opener=OPENER)
    assert _statuses(again.ecosystems) == [("PyPI", NOT_MODIFIED, 0), ("Go", NOT_MODIFIED, 0)]
    assert not again.replaced
    assert [(p, h.get("if-none-match"), h.get("if-modified-since")) for p, h in server.requests] == [
        ("/PyPI/all.zip", '"pypi-1"', None), ("/Go/all.zip", None, "Tue, 01 Oct 2024 10:00:00 GMT")]
    assert (db.stat().st_ino, db.stat().st_mtime_ns) == (stat_before.st_ino, stat_before.st_mtime_ns)
    assert _leftovers(db.parent) == []


def test_changed_export_replaces_its_source_only(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"')
    result = update(db, server.base_url, opener=OPENER)  # no list: the ecosystems the store has from this URL
    assert _statuses(result.ecosystems) == [("Go", NOT_MODIFIED, 0), ("PyPI", UPDATED, 3)]
    assert _ids(db, "pypi", "flask") == {"flask": ["PYSEC-3"]}
    assert _ids(db, "go", "golang.org/x/net") == {"golang.org/x/net": ["GO-1"]}


def test_etag_cache_off_downloads_again(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.requests.clear()
    result = update(db, server.base_url, ["PyPI"], opener=OPENER, etag_cache=False)
    assert _statuses(result.ecosystems) == [("PyPI", UPDATED, 2)]
    assert server.requests[0][1].get("if-none-match") is None


def test_unknown_ecosystem_is_a_404(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    result = update(db, server.base_url, ["Nope", "PyPI"], opener=OPENER)
    assert _statuses(result.ecosystems) == [("Nope", FAILED, 0), ("PyPI", NOT_MODIFIED, 0)]
    error = result.errors[0]
    assert str(error) == (f"cannot update the advisory database from {server.base_url}/Nope/all.zip: HTTP 404 Not "
                          "Found (is the ecosystem name spelt as OSV spells it?)")
    with pytest.raises(UpdateError) as caught:
        result.raise_for_errors()
    assert caught.value is error
    assert _ids(db, "pypi", "requests") == {"requests": ["PYSEC-1"]}


def test_truncated_zip_keeps_the_old_data(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2[: len(PYPI_V2) // 2], etag='"pypi-2"')
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert _statuses(result.ecosystems) == [("PyPI", FAILED, 0)]
    assert result.errors[0].reason == ("the download is not a readable zip archive (truncated or corrupt: File is "
                                       "not a zip file)")
    assert not result.replaced
    assert _ids(db, "pypi", "requests", "flask") == {"requests": ["PYSEC-1"], "flask": []}
    assert _leftovers(tmp_path) == []


def test_malformed_record_is_a_problem_and_the_rest_imports(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    body = _zip({"PYSEC-3.json": _record("PYSEC-3", "PyPI", "flask"),
                 "PYSEC-4.json": b'{"id": "PYSEC-4", "aliases": "CVE-1"}'})
    server.routes["/PyPI/all.zip"] = Route(body, etag='"pypi-3"')
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert result.ok
    assert [(e.status, e.advisories, e.problems) for e in result.ecosystems] == [(UPDATED, 1, 1)]
    url = f"{server.base_url}/PyPI/all.zip"
    assert [(d.location.path, d.location.object_path, d.message) for d in result.summary.problems] == [
        (f"{url}!/PYSEC-4.json", "/aliases", "PYSEC-4: must be an array, not a string")]
    assert _ids(db, "pypi", "requests", "flask") == {"requests": [], "flask": ["PYSEC-3"]}
    with AdvisoryStore.open(db) as store:
        assert store.info()["sources"]["osv:PyPI"]["problems"] == 1


def test_export_with_no_readable_record_keeps_the_old_data(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.routes["/PyPI/all.zip"] = Route(_zip({"x.json": b"{not json"}), etag='"pypi-4"')
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert _statuses(result.ecosystems) == [("PyPI", FAILED, 0)]
    assert result.errors[0].reason == ("none of its records could be read (invalid JSON: unexpected character, "
                                       "expected a string key)")
    assert _ids(db, "pypi", "requests") == {"requests": ["PYSEC-1"]}
    with AdvisoryStore.open(db) as store:
        assert store.info()["sources"]["osv:PyPI"]["etag"] == '"pypi-1"'  # still the old export's


def test_server_dies_mid_download(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"', die_after=100)
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert _statuses(result.ecosystems) == [("PyPI", FAILED, 0)]
    assert result.errors[0].reason == f"the connection closed after 100 of {len(PYPI_V2)} bytes"
    assert _ids(db, "pypi", "requests", "flask") == {"requests": ["PYSEC-1"], "flask": []}
    # without a Content-Length the cut is only seen in the archive
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"', die_after=len(PYPI_V2) - 30, send_length=False)
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert result.errors[0].reason.startswith("the download is not a readable zip archive (truncated or corrupt: ")
    assert _ids(db, "pypi", "requests", "flask") == {"requests": ["PYSEC-1"], "flask": []}
    assert _leftovers(tmp_path) == []


def test_size_limit(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"')
    result = update(db, server.base_url, ["PyPI"], opener=OPENER, max_bytes=100)
    assert result.errors[0].reason == f"{len(PYPI_V2)} bytes, more than the limit of 100"
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"', send_length=False)
    result = update(db, server.base_url, ["PyPI"], opener=OPENER, max_bytes=100)
    assert result.errors[0].reason == "more than the limit of 100 bytes: stopped"
    assert _ids(db, "pypi", "requests") == {"requests": ["PYSEC-1"]}
    assert _leftovers(tmp_path) == []


def test_an_interrupted_update_leaves_the_old_database(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"')

    def interrupt(done: int, total: int | None) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update(db, server.base_url, ["PyPI"], opener=OPENER, progress=interrupt)
    assert _ids(db, "pypi", "flask", "requests") == {"flask": [], "requests": ["PYSEC-1"]}
    assert _leftovers(tmp_path) == []


def test_a_killed_update_leaves_the_old_database(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    stall = threading.Event()
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"', die_after=200, stall=stall)
    script = ("import sys, urllib.request\n"
              "from stockade.vulndb.update import update\n"
              "opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n"
              "update(sys.argv[1], sys.argv[2], ['PyPI'], opener=opener)\n")
    src = Path(__file__).resolve().parents[3] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", script, str(db), server.base_url], env=env)
    try:
        deadline = time.monotonic() + 30
        while not server.sent_partial.wait(0.05):
            assert proc.poll() is None, f"the update process ended early (exit status {proc.returncode})"
            assert time.monotonic() < deadline, "the update never started downloading"
        deadline = time.monotonic() + 10
        while not _leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stall.set()
    assert len(_leftovers(tmp_path)) == 1  # the partial download
    assert _ids(db, "pypi", "flask", "requests") == {"flask": [], "requests": ["PYSEC-1"]}
    # the next update cleans up and succeeds
    server.routes["/PyPI/all.zip"] = Route(PYPI_V2, etag='"pypi-2"')
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert result.ok
    assert _leftovers(tmp_path) == []
    assert _ids(db, "pypi", "flask") == {"flask": ["PYSEC-3"]}


def test_another_update_holds_the_lock(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    server.routes["/PyPI/all.zip"] = Route(PYPI_V1)
    with store_lock(db), pytest.raises(StoreError, match="another process is updating it"):
        update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert not db.exists()


def test_bad_arguments(tmp_path: Path, server: Server) -> None:
    with pytest.raises(UpdateError, match="only http:// and https:// URLs can be downloaded"):
        update(tmp_path / "osv.sqlite", "file:///etc", ["PyPI"])
    with pytest.raises(UpdateError, match="no ecosystems given, and the database has none from this URL to update"):
        update(tmp_path / "osv.sqlite", server.base_url, [], opener=OPENER)


def test_ecosystem_names_are_url_encoded(server: Server, tmp_path: Path) -> None:
    assert osv_url("https://osv.example/", "Red Hat") == "https://osv.example/Red%20Hat/all.zip"
    assert osv_url("https://osv.example", "Ubuntu:22.04:LTS") == "https://osv.example/Ubuntu%3A22.04%3ALTS/all.zip"
    server.routes["/Red%20Hat/all.zip"] = Route(_zip({"RHSA-1.json": _record("RHSA-1", "Red Hat:9", "openssl")}))
    result = update(tmp_path / "osv.sqlite", server.base_url, ["Red Hat"], opener=OPENER)
    assert _statuses(result.ecosystems) == [("Red Hat", UPDATED, 1)]
    with AdvisoryStore.open(tmp_path / "osv.sqlite") as store:
        assert [adv.id for _, adv in store.lookup("red hat", "9", ["openssl"])["openssl"]] == ["RHSA-1"]
        assert list(store.info()["sources"]) == ["osv:Red Hat"]


def test_a_connection_refused_is_reported(tmp_path: Path) -> None:
    result = update(tmp_path / "osv.sqlite", "http://127.0.0.1:9", ["PyPI"], opener=OPENER, timeout=5)
    assert _statuses(result.ecosystems) == [("PyPI", FAILED, 0)]
    assert result.errors[0].reason.startswith("cannot connect: ")
    assert not (tmp_path / "osv.sqlite").exists()


def test_a_database_of_another_schema_is_rebuilt(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    _seed(server, db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    server.requests.clear()
    result = update(db, server.base_url, ["PyPI"], opener=OPENER)
    assert _statuses(result.ecosystems) == [("PyPI", UPDATED, 2)]
    assert server.requests[0][1].get("if-none-match") is None  # nothing known about the old file is trusted
    assert result.base_problem == ("schema version 0, this stockade reads version 1; run `stockade db update` (or "
                                   "`stockade db import`) to build it")
    with AdvisoryStore.open(db) as store:
        assert list(store.info()["sources"]) == ["osv:PyPI"]  # Go could not be carried over


TESTDATA = Path(__file__).parent / "testdata"


def test_distro_feeds_download_import_and_revalidate(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    server.routes["/tracker/data/json"] = Route((TESTDATA / "debian-tracker.json").read_bytes(), etag='"t1"')
    server.routes["/secdb/v3.19/main.json"] = Route((TESTDATA / "alpine-v3.19-main.json").read_bytes(),
                                                    last_modified="Tue, 01 Oct 2024 10:00:00 GMT")
    server.routes["/PyPI/all.zip"] = Route(PYPI_V1, etag='"pypi-1"')
    urls = {"debian_tracker_url": server.base_url + "/tracker/data/json",
            "alpine_secdb_url": server.base_url + "/secdb"}
    result = update(db, server.base_url, ["PyPI", "debian-tracker", "alpine-secdb:v3.19/main"], opener=OPENER, **urls)
    assert result.ok and result.replaced
    assert [(e.ecosystem, e.status) for e in result.ecosystems] == [
        ("PyPI", UPDATED), ("debian-tracker", UPDATED), ("alpine-secdb:v3.19/main", UPDATED)]
    with AdvisoryStore.open(db) as store:
        sources = store.info()["sources"]
        assert sources["debian-tracker"]["origin"] == urls["debian_tracker_url"]
        assert sources["alpine-secdb:v3.19/main"]["origin"] == server.base_url + "/secdb/v3.19/main.json"
        assert "CVE-2099-1001" in [a.id for _, a in store.lookup("debian", "12", ["openssl"])["openssl"]]
        assert "CVE-2099-2001" in [a.id for _, a in store.lookup("alpine", "v3.19", ["busybox"])["busybox"]]
    # without a list: every source the database has from these URLs, revalidated with ETag / Last-Modified
    server.requests.clear()
    again = update(db, server.base_url, opener=OPENER, **urls)
    assert sorted((e.ecosystem, e.status) for e in again.ecosystems) == [
        ("PyPI", NOT_MODIFIED), ("alpine-secdb:v3.19/main", NOT_MODIFIED), ("debian-tracker", NOT_MODIFIED)]
    sent = {path: headers for path, headers in server.requests}
    assert sent["/tracker/data/json"]["if-none-match"] == '"t1"'
    assert sent["/secdb/v3.19/main.json"]["if-modified-since"] == "Tue, 01 Oct 2024 10:00:00 GMT"


def test_a_broken_distro_feed_keeps_the_old_data(server: Server, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    good = (TESTDATA / "debian-tracker.json").read_bytes()
    server.routes["/tracker/data/json"] = Route(good, etag='"t1"')
    url = server.base_url + "/tracker/data/json"
    assert update(db, server.base_url, ["debian-tracker"], opener=OPENER, debian_tracker_url=url).ok
    server.routes["/tracker/data/json"] = Route(good[: len(good) // 2], etag='"t2"')  # truncated JSON
    result = update(db, server.base_url, ["debian-tracker"], opener=OPENER, debian_tracker_url=url)
    assert [(e.ecosystem, e.status) for e in result.ecosystems] == [("debian-tracker", FAILED)]
    with AdvisoryStore.open(db) as store:
        assert store.info()["sources"]["debian-tracker"]["etag"] == '"t1"'
        assert store.lookup("debian", "12", ["openssl"])["openssl"]


@pytest.mark.parametrize("name", ["alpine-secdb:v3.19", "alpine-secdb:/main", "alpine-secdb:../x/main"])
def test_malformed_secdb_feed_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UpdateError, match="alpine-secdb:<branch>/<repository>"):
        update(tmp_path / "db.sqlite", "http://127.0.0.1:9", [name], opener=OPENER)
