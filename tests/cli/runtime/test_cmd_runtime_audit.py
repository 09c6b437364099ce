"""``stockade runtime serve-audit`` as a process: the API server's audit webhook over real TLS, alerts out."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

RULES = """\
- rule: Exec into pod
  desc: kubectl exec
  condition: ka.target.subresource = exec and ka.verb = create
  output: exec by %ka.user.name into %ka.target.namespace/%ka.target.name
  priority: NOTICE
  source: k8s_audit
"""


def _event(audit_id: str, verb: str) -> dict[str, object]:
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": audit_id,
            "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/prod/pods/web-0/exec?command=sh",
            "verb": verb, "user": {"username": "alice"},
            "objectRef": {"resource": "pods", "namespace": "prod", "name": "web-0", "subresource": "exec"},
            "responseStatus": {"code": 101}, "stageTimestamp": "2024-06-10T06:13:20.100000Z"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_audit_alerts_on_posted_event_lists(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "stockade", "runtime", "serve-audit", "-r", str(rules),
                             "--host", "127.0.0.1", "--port", str(port), "--cert", str(cert), "--key", str(key),
                             "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        body = json.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1",
                           "items": [_event("a1", "create"), _event("a2", "get")]}).encode()
        status = 0
        for _ in range(100):  # until the server listens
            try:
                request = urllib.request.Request(f"https://127.0.0.1:{port}/k8s-audit", data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, context=context, timeout=5) as response:
                    status = response.status
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        assert status == 200
        time.sleep(0.5)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    alerts = [json.loads(line) for line in out.decode().splitlines()]
    assert [(a["rule"], a["source"], a["output"]) for a in alerts] == [
        ("Exec into pod", "k8s_audit", "06:13:20.100000000: Notice exec by alice into prod/web-0")]
    assert "Exec into pod: 1" in err.decode()
