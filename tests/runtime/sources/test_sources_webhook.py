"""The audit webhook receiver: a real HTTPS server (self-signed certificate made with the openssl CLI) and a real
TLS client (urllib / http.client trusting that certificate)."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockade.errors import ConfigError, StockadeError
from stockade.model import Diagnostic
from stockade.runtime.sources.webhook import AuditWebhookServer


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is needed to make the test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


class Sink:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.diagnostics: list[Diagnostic] = []
        self.fail = False

    def on_event(self, ev: dict[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("queue full")
        self.events.append(ev)


@pytest.fixture
def server(certs: tuple[str, str]) -> Iterator[tuple[AuditWebhookServer, Sink, ssl.SSLContext]]:
    sink = Sink()
    srv = AuditWebhookServer("127.0.0.1", 0, certs[0], certs[1], sink.on_event, max_body=64 * 1024,
                             on_diagnostic=sink.diagnostics.append, timeout=2.0)
    ctx = ssl.create_default_context(cafile=certs[0])
    with srv:
        yield srv, sink, ctx


def event(n: int) -> dict[str, Any]:
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": f"id-{n}", "stage": "ResponseComplete",
            "verb": "create", "user": {"username": "alice"}}


def post(url: str, body: bytes, ctx: ssl.SSLContext, method: str = "POST") -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_event_list_is_delivered(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]) -> None:
    srv, sink, ctx = server
    assert srv.url == f"https://127.0.0.1:{srv.port}/k8s-audit"
    body = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [event(1), {"kind": "Pod"}, event(2)]}
    status, reply = post(srv.url, json.dumps(body).encode(), ctx)
    assert status == 200
    assert reply == {"code": 200, "message": "ok", "events": 2, "rejected": 1}
    assert [e["auditID"] for e in sink.events] == ["id-1", "id-2"]
    assert [(d.location.object_path, d.message) for d in sink.diagnostics] == [
        ("items[1]", "not an audit Event: kind is 'Pod', not 'Event'")]
    assert sink.diagnostics[0].location.path == srv.url
    # a single Event is accepted too, and the query string does not matter
    status, reply = post(srv.url + "?timeout=30s", json.dumps(event(3)).encode(), ctx)
    assert (status, reply["events"]) == (200, 1)
    assert [e["auditID"] for e in sink.events] == ["id-1", "id-2", "id-3"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"kind": "EventList", "items": [', "malformed body: invalid JSON: unexpected end of data"),
        (b"\xff\xfe{}", "malformed body: invalid UTF-8"),
        (b"[" * 2000 + b"]" * 2000, "malformed body: JSON nested too deeply"),
        (b'{"kind": "EventList", "items": {"a": 1}}', "malformed body: EventList 'items' is not a list"),
        (b'["not", "an", "object"]', "malformed body: expected an audit Event or EventList object"),
        (b'{"kind": "Pod"}', "malformed body: not an audit Event or EventList: kind is 'Pod', not 'Event'"),
        (b"", "malformed body: invalid JSON"),
    ],
)
def test_malformed_bodies_get_400(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext], body: bytes,
                                  message: str) -> None:
    srv, sink, ctx = server
    status, reply = post(srv.url, body, ctx)
    assert status == 400
    assert reply["message"].startswith(message)
    assert sink.events == []


def test_oversized_body_gets_413(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]) -> None:
    srv, sink, ctx = server
    big = json.dumps({"kind": "EventList", "items": [event(1)], "pad": "x" * (70 * 1024)}).encode()
    status, reply = post(srv.url, big, ctx)
    assert status == 413
    assert reply["message"] == f"body of {len(big)} bytes is larger than the limit of 64 KiB"
    assert sink.events == []
    # the server still works afterwards
    assert post(srv.url, json.dumps(event(1)).encode(), ctx)[0] == 200


def test_wrong_path_and_method(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]) -> None:
    srv, _, ctx = server
    base = f"https://127.0.0.1:{srv.port}"
    status, reply = post(base + "/other", b"{}", ctx)
    assert (status, reply["message"]) == (404, "no audit endpoint at /other; it is /k8s-audit")
    status, reply = post(srv.url, b"", ctx, method="GET")
    assert (status, reply["message"]) == (405, "only POST is accepted")


def test_missing_length_and_chunked_bodies(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]) -> None:
    srv, sink, ctx = server
    conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx, timeout=10)
    conn.putrequest("POST", "/k8s-audit")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 411
    assert json.loads(resp.read())["message"] == "Content-Length is required"
    conn.close()
    conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx, timeout=10)
    conn.putrequest("POST", "/k8s-audit")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()  # the server answers on the headers alone
    resp = conn.getresponse()
    assert resp.status == 411
    conn.close()
    conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx, timeout=10)
    conn.putrequest("POST", "/k8s-audit")
    conn.putheader("Content-Length", "-5")
    conn.endheaders()
    assert conn.getresponse().status == 400
    conn.close()
    # a body shorter than announced, then the client goes away: nothing is delivered, the server lives on
    conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx, timeout=10)
    conn.putrequest("POST", "/k8s-audit")
    conn.putheader("Content-Length", "100")
    conn.endheaders(b'{"kind":')
    conn.close()
    assert post(srv.url, json.dumps(event(1)).encode(), ctx)[0] == 200
    assert [e["auditID"] for e in sink.events] == ["id-1"]


def test_consumer_failure_gets_500(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]) -> None:
    srv, sink, ctx = server
    sink.fail = True
    status, reply = post(srv.url, json.dumps(event(1)).encode(), ctx)
    assert (status, reply["message"]) == (500, "the event handler failed: RuntimeError")


def test_silent_and_plaintext_clients_do_not_block_others(
    server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]
) -> None:
    srv, sink, ctx = server
    silent = socket.create_connection(("127.0.0.1", srv.port))  # never starts the TLS handshake
    plain = socket.create_connection(("127.0.0.1", srv.port))
    plain.sendall(b"POST /k8s-audit HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")  # plaintext HTTP to a TLS port
    try:
        results: list[int] = []

        def client() -> None:
            results.append(post(srv.url, json.dumps(event(5)).encode(), ctx)[0])

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == [200, 200, 200, 200]
        assert len(sink.events) == 4
    finally:
        silent.close()
        plain.close()


def test_untrusted_client_cannot_connect(server: tuple[AuditWebhookServer, Sink, ssl.SSLContext]) -> None:
    srv, _, _ = server
    with pytest.raises(urllib.error.URLError) as exc:
        post(srv.url, b"{}", ssl.create_default_context())  # the system CAs do not know the test certificate
    assert isinstance(exc.value.reason, ssl.SSLCertVerificationError)


def test_client_certificates_can_be_required(certs: tuple[str, str]) -> None:
    sink = Sink()
    srv = AuditWebhookServer("127.0.0.1", 0, certs[0], certs[1], sink.on_event, client_cafile=certs[0])
    with srv:
        anonymous = ssl.create_default_context(cafile=certs[0])
        with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
            post(srv.url, json.dumps(event(1)).encode(), anonymous)
        with_cert = ssl.create_default_context(cafile=certs[0])
        with_cert.load_cert_chain(certs[0], certs[1])
        assert post(srv.url, json.dumps(event(1)).encode(), with_cert)[0] == 200
    assert [e["auditID"] for e in sink.events] == ["id-1"]


def test_configuration_errors(certs: tuple[str, str], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot load the webhook's TLS certificate"):
        AuditWebhookServer("127.0.0.1", 0, str(tmp_path / "nope.pem"), certs[1], lambda e: None)
    (tmp_path / "bad.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="cannot load the webhook's TLS certificate"):
        AuditWebhookServer("127.0.0.1", 0, str(tmp_path / "bad.pem"), certs[1], lambda e: None)
    with pytest.raises(ConfigError, match="cannot load the client CA file"):
        AuditWebhookServer("127.0.0.1", 0, certs[0], certs[1], lambda e: None, client_cafile=str(tmp_path / "x"))
    with pytest.raises(ConfigError, match="must start with '/'"):
        AuditWebhookServer("127.0.0.1", 0, certs[0], certs[1], lambda e: None, path="audit")
    first = AuditWebhookServer("127.0.0.1", 0, certs[0], certs[1], lambda e: None)
    with first:
        second = AuditWebhookServer("127.0.0.1", first.port, certs[0], certs[1], lambda e: None)
        second._requested_port = first.port
        with pytest.raises(StockadeError, match=f"cannot listen on 127.0.0.1:{first.port}"):
            second.start()


def test_stop_is_idempotent(certs: tuple[str, str]) -> None:
    srv = AuditWebhookServer("127.0.0.1", 0, certs[0], certs[1], lambda e: None)
    srv.stop()
    srv.start()
    port = srv.port
    assert port != 0
    srv.stop()
    srv.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
