"""Fixtures for the alert outputs: a stand-in alert, a scriptable local HTTP(S) server, a TLS certificate made
with the openssl CLI."""

from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass
class FakeAlert:
    rule: str = "Terminal shell in container"
    priority: str = "Notice"
    tags: tuple[str, ...] = ("container", "shell")
    output_fields: dict[str, Any] = field(default_factory=lambda: {"proc.name": "bash", "container.id": "3ad7b26ded6d"})
    source: str = "syscall"
    time: str = "2024-06-10T06:13:20.123456789Z"
    hostname: str = "node-1"

    def text(self) -> str:
        return f"06:13:20.123456789: {self.priority} A shell was spawned (proc={self.output_fields.get('proc.name')})"

    def to_falco_json(self) -> dict[str, Any]:
        return {"hostname": self.hostname, "output": self.text(), "output_fields": dict(self.output_fields),
                "priority": self.priority, "rule": self.rule, "source": self.source, "tags": list(self.tags),
                "time": self.time}


@pytest.fixture()
def make_alert() -> Callable[..., FakeAlert]:
    return FakeAlert


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


# A reply: (status, body) or a callable(request) -> (status, body); "sleep:<s>" delays before answering.
Reply = tuple[int, Any] | Callable[[Seen], tuple[int, Any]]


class Recorder(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, replies: list[Any], default: Any) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[Seen] = []
        self.replies = list(replies)
        self.default = default
        self.lock = threading.Lock()

    def next_reply(self, request: Seen) -> tuple[int, Any, float]:
        with self.lock:
            self.seen.append(request)
            reply = self.replies.pop(0) if self.replies else self.default
        delay = 0.0
        if isinstance(reply, tuple) and len(reply) == 3:
            status, body, delay = reply
            return status, body, delay
        if callable(reply):
            status, body = reply(request)
            return status, body, 0.0
        status, body = reply
        return status, body, delay

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Recorder

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        status, payload, delay = self.server.next_reply(request)
        if delay:
            time.sleep(delay)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def http_server() -> Iterator[Callable[..., Recorder]]:
    servers: list[Recorder] = []

    def start(replies: list[Any] | None = None, default: Any = (200, {}), tls: tuple[Path, Path] | None = None,
              ) -> Recorder:
        server = Recorder(replies or [], default)
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made by the openssl CLI: (cert.pem, key.pem)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the TLS tests need the openssl CLI (Debian package openssl)")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture()
def dead_url() -> str:
    """A URL on a local port nothing listens on (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
