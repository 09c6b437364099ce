"""``stockade runtime record`` and ``watch`` as processes on the live host (root and the proc connector)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

STOCKADE = [sys.executable, "-m", "stockade"]


@pytest.fixture(scope="module")
def live() -> None:
    if os.geteuid() != 0:
        pytest.skip("the live source needs root")
    from stockade.runtime.sources.live import probe

    connector = probe().mechanism("proc_connector")
    if connector is None or not connector.available:
        pytest.skip("the proc connector is not available here")


def _marker(tmp_path: Path) -> Path:
    """A copy of `sleep` under a name nothing else on the host runs."""
    sleep = shutil.which("sleep")
    assert sleep is not None
    marker = tmp_path / "stockade-marker-proc"
    shutil.copy(sleep, marker)
    return marker


def _run_marker_while(proc: subprocess.Popen[bytes], marker: Path, ready: float = 1.5) -> None:
    time.sleep(ready)  # the source subscribes before the marker runs
    for _ in range(3):
        subprocess.run([str(marker), "0.05"], check=True)
        time.sleep(0.2)


def test_record_writes_replayable_events(live: None, tmp_path: Path) -> None:
    marker = _marker(tmp_path)
    out = tmp_path / "live.jsonl"
    proc = subprocess.Popen([*STOCKADE, "runtime", "record", "--duration", "4", "--no-file-events",
                             "--no-network-events", "-o", str(out)], stderr=subprocess.PIPE)
    _run_marker_while(proc, marker)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    records = [json.loads(line) for line in out.read_text().splitlines()]
    execs = [r for r in records if r["type"] == "execve" and r["proc"].get("exepath") == str(marker)]
    assert execs and execs[0]["proc"]["args"] == ["0.05"]
    assert execs[0]["container"]["id"] == "host"
    rules = tmp_path / "rules.yaml"
    rules.write_text("- rule: Marker ran\n  desc: test\n  condition: evt.type = execve and proc.name = "
                     f"{marker.name[:15]}\n  output: marker %proc.exepath\n  priority: NOTICE\n")
    replay = subprocess.run([*STOCKADE, "runtime", "replay", "-r", str(rules), str(out)], check=False,
                            capture_output=True,
                            timeout=60)
    assert replay.returncode == 0
    assert replay.stdout.decode().count(f"Notice marker {marker}") >= 3


def test_watch_alerts_on_a_live_process_and_stops_on_sigterm(live: None, tmp_path: Path) -> None:
    marker = _marker(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text("- rule: Marker ran\n  desc: test\n  condition: evt.type = execve and proc.name = "
                     f"{marker.name[:15]}\n  output: marker %proc.exepath args=%proc.args\n  priority: WARNING\n")
    alerts = tmp_path / "alerts.json"
    proc = subprocess.Popen([*STOCKADE, "runtime", "watch", "-r", str(rules), "--format", "json", "--no-file-events",
                             "--no-network-events", "--output-file", str(alerts)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _run_marker_while(proc, marker, ready=2.0)
    time.sleep(0.5)
    proc.terminate()  # SIGTERM: stop the source, flush the outputs, print the summary
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert len(lines) >= 3 and {a["rule"] for a in lines} == {"Marker ran"}
    assert lines[0]["output_fields"]["proc.exepath"] == str(marker)
    assert "Marker ran: " in err.decode()
    assert [json.loads(line)["rule"] for line in alerts.read_text().splitlines()] == [a["rule"] for a in lines]


def test_watch_sends_webhooks_and_logs_dry_run_responses(live: None, tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict[str, object]] = []

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    marker = _marker(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text("- rule: Marker ran\n  desc: test\n  condition: evt.type = execve and proc.name = "
                     f"{marker.name[:15]}\n  output: marker %proc.exepath\n  priority: CRITICAL\n")
    response = tmp_path / "response.yaml"
    response.write_text("- match: {rules: [Marker ran]}\n  action: kill\n")  # dry run unless it says otherwise
    proc = subprocess.Popen([*STOCKADE, "runtime", "watch", "-r", str(rules), "--no-file-events",
                             "--no-network-events", "--webhook", f"http://127.0.0.1:{server.server_address[1]}/",
                             "--response", str(response)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    victim = None
    try:
        time.sleep(2.0)
        victim = subprocess.Popen([str(marker), "5"])
        time.sleep(1.5)
        proc.terminate()
        out, err = proc.communicate(timeout=60)
        assert victim.poll() is None  # a dry run kills nothing
        assert "Critical marker" in out.decode()  # stdout still gets every alert
    finally:
        if victim is not None:
            victim.kill()
            victim.wait()
        server.shutdown()
    assert proc.returncode == 0, err.decode()
    assert [r["rule"] for r in received] == ["Marker ran"]
    assert received[0]["priority"] == "Critical" and received[0]["output_fields"]["proc.exepath"] == str(marker)
    logged = [json.loads(line.split("stockade: response ", 1)[1]) for line in err.decode().splitlines()
              if line.startswith("stockade: response ")]
    assert [(r["action"], r["outcome"], r["dry_run"]) for r in logged] == [("kill", "dry-run", True)]
    assert str(victim.pid) in logged[0]["target"]
