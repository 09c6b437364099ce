"""``stockade db`` and the vulnerability flags of the scan commands, on a small local advisory set."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockade import artifacts
from stockade.cli.main import main

ADVISORY = {
    "schema_version": "1.6.0", "id": "GHSA-9wx4-h78v-vm56", "modified": "2024-06-01T00:00:00Z",
    "aliases": ["CVE-2024-35195"], "summary": "Requests session keeps verify=False for later requests",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N"}],
    "database_specific": {"severity": "MODERATE"},
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("GHSA-9wx4-h78v-vm56.json", json.dumps(ADVISORY))
    return buf.getvalue()


@pytest.fixture()
def mirror() -> Iterator[tuple[str, list[str]]]:
    """A local OSV mirror serving PyPI/all.zip; the list records the paths asked for."""
    asked: list[str] = []
    body = _zip()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path != "/PyPI/all.zip":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"v1"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("requests==2.31.0\n")
    return root


def test_first_scan_records_what_db_update_then_fetches(capsys: pytest.CaptureFixture[str], project: Path,
                                                       tmp_path: Path, mirror: tuple[str, list[str]]) -> None:
    db = str(tmp_path / "db" / "osv.sqlite")
    code, out, _ = run(capsys, "fs", str(project), "--db", db, "--format", "json", "--no-cache")
    assert code == 0 and json.loads(out)["findings"] == []
    base, asked = mirror
    code, _, err = run(capsys, "db", "--db", db, "update", "--base-url", base)  # no --ecosystems
    assert code == 0, err
    assert asked == ["/PyPI/all.zip"]
    code, out, _ = run(capsys, "db", "--db", db, "info")
    assert "advisories 1 (0 withdrawn)" in out and "ecosystem  PyPI: 1 advisories" in out
    code, out, _ = run(capsys, "fs", str(project), "--db", db, "--format", "json", "--no-cache")
    (finding,) = json.loads(out)["findings"]
    assert (finding["rule_id"], finding["aliases"], finding["fixed_version"]) == (
        "CVE-2024-35195", ["GHSA-9wx4-h78v-vm56"], "2.32.0")


def test_update_from_a_mirror_without_the_export_fails_and_keeps_the_database(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, mirror: tuple[str, list[str]]) -> None:
    db = str(tmp_path / "osv.sqlite")
    base, _ = mirror
    assert run(capsys, "db", "--db", db, "update", "--base-url", base, "--ecosystems", "PyPI")[0] == 0
    code, _, err = run(capsys, "db", "--db", db, "update", "--base-url", base, "--ecosystems", "npm")
    assert code == 3 and "404" in err
    assert "advisories 1" in run(capsys, "db", "--db", db, "info")[1]


@pytest.fixture()
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    source = tmp_path / "advisories.json"
    source.write_text(json.dumps(ADVISORY))
    db = str(tmp_path / "osv.sqlite")
    assert run(capsys, "db", "--db", db, "import", str(source))[0] == 0
    return db


def test_severity_source_order(capsys: pytest.CaptureFixture[str], project: Path, database: str) -> None:
    def severity(*flags: str) -> tuple[str, str]:
        out = run(capsys, "fs", str(project), "--db", database, "--format", "json", "--no-cache", *flags)[1]
        (finding,) = json.loads(out)["findings"]
        return finding["severity"], finding["severity_source"]

    assert severity() == ("MEDIUM", "cvss_v3")  # CVSS 3.1 base score 6.0
    assert severity("--vuln-severity-source", "source,cvss_v3") == ("MEDIUM", "source")
    code, _, err = run(capsys, "fs", str(project), "--db", database, "--vuln-severity-source", "nvd")
    assert code == 2 and "unknown severity source 'nvd'" in err


def test_old_database_warns(project: Path, database: str) -> None:
    later = dt.date.today() + dt.timedelta(days=30)
    report = artifacts.scan_fs(str(project), artifacts.ImageOptions(db_path=database, today=later))
    warnings = [d.message for d in report.diagnostics if d.source == "vulndb"]
    assert warnings == ["the vulnerability database is 30 days old; run 'stockade db update'"]
    fresh = artifacts.scan_fs(str(project), artifacts.ImageOptions(db_path=database))
    assert not [d for d in fresh.diagnostics if d.source == "vulndb"]
    lenient = artifacts.scan_fs(str(project), artifacts.ImageOptions(db_path=database, today=later,
                                                                     db_max_age_days=30))
    assert not [d for d in lenient.diagnostics if d.source == "vulndb"]


def test_db_max_age_flag(capsys: pytest.CaptureFixture[str], project: Path, database: str) -> None:
    code, out, _ = run(capsys, "fs", str(project), "--db", database, "--format", "json", "--db-max-age", "-1")
    messages = [d["message"] for d in json.loads(out)["diagnostics"]]
    assert code == 0 and "the vulnerability database is 0 days old; run 'stockade db update'" in messages


def test_show_suppressed_lists_the_reason(capsys: pytest.CaptureFixture[str], project: Path, database: str,
                                          tmp_path: Path) -> None:
    ignore = tmp_path / "ignore"
    ignore.write_text("GHSA-9wx4-h78v-vm56 pkg:pypi/requests  # no sessions with verify=False here\n")
    out = run(capsys, "fs", str(project), "--db", database, "--ignorefile", str(ignore), "--show-suppressed",
              "--no-cache")[1]
    assert "Suppressed" in out
    assert f"ignorefile {ignore}:1: no sessions with verify=False here" in "".join(out.split("\n"))
    assert "CVE-2024-35195" in out
