"""The Kubernetes audit webhook backend's receiving end: an HTTPS server the API server POSTs ``EventList``
bodies to (``--audit-webhook-config-file``; Falco's k8saudit plugin listens on ``/k8s-audit``).

Responses: 200 when the body is an ``EventList`` (or a single ``Event``) — its good events are handed to
``on_event`` and its bad items to ``on_diagnostic``; 400 for a body that is not JSON or not an audit object;
404 for another path; 405 for another method; 411 without Content-Length; 413 for a body over ``max_body``;
500 when ``on_event`` raises. A connection beyond ``max_connections`` is closed at once. Each connection gets
``timeout`` seconds for the TLS handshake and each read, so slow or silent clients cannot pin a thread.

``on_event`` and ``on_diagnostic`` are called from the server's threads, one call at a time (under a lock),
so a plain list append or ``queue.Queue.put`` is enough.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from stockade.errors import ConfigError, StockadeError
from stockade.model import Diagnostic
from stockade.runtime.fields.api import Event
from stockade.runtime.sources.jsonl import decode_json, diag, human_size
from stockade.runtime.sources.k8saudit import parse_audit_value

__all__ = ["DEFAULT_MAX_BODY", "DEFAULT_PATH", "DIAGNOSTIC_SOURCE", "AuditWebhookServer"]

DIAGNOSTIC_SOURCE = "runtime-k8saudit-webhook"
DEFAULT_PATH = "/k8s-audit"
DEFAULT_MAX_BODY = 12 << 20  # the k8saudit plugin's default webhook batch limit
READ_CHUNK = 1 << 16
DRAIN_LIMIT = 1 << 20  # an oversized body up to this much over the limit is read and dropped before the 413


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: AuditWebhookServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Broken connections are normal for a server on the network; the library never prints."""

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.owner._slots.acquire(blocking=False):
            self.owner._reject_busy(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.owner._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.owner._slots.release()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "stockade-audit-webhook"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        conn = self.connection
        conn.settimeout(self.server.owner.timeout)
        if isinstance(conn, ssl.SSLSocket):
            conn.do_handshake()  # bounded by the socket timeout set in setup()

    def handle(self) -> None:
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """No logging: the library never prints."""

    def _reply(self, code: int, message: str, *, close: bool = False, extra: dict[str, Any] | None = None) -> None:
        body = json.dumps({"code": code, "message": message, **(extra or {})}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _not_allowed(self) -> None:
        self._reply(405, "only POST is accepted", close=True)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _not_allowed

    def do_POST(self) -> None:
        owner = self.server.owner
        if urlsplit(self.path).path != owner.path:
            self._reply(404, f"no audit endpoint at {urlsplit(self.path).path}; it is {owner.path}", close=True)
            return
        if self.headers.get("Transfer-Encoding"):
            self._reply(411, "chunked bodies are not accepted; send Content-Length", close=True)
            return
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            self._reply(411, "Content-Length is required", close=True)
            return
        if not raw_length.strip().isdigit() or len(raw_length.strip()) > 15:
            self._reply(400, "invalid Content-Length", close=True)
            return
        length = int(raw_length)
        if length > owner.max_body:
            if length <= owner.max_body + DRAIN_LIMIT:
                self._read_body(length, keep=False)  # let the client finish sending, so that it reads the answer
            self._reply(413, f"body of {length} bytes is larger than the limit of {human_size(owner.max_body)}",
                        close=True)
            return
        body = self._read_body(length)
        if body is None:
            self._reply(400, f"body shorter than its Content-Length of {length} bytes", close=True)
            return
        value, error = decode_json(body)
        if error is not None:
            self._reply(400, f"malformed body: {error}")
            return
        parsed = parse_audit_value(value)
        if isinstance(parsed, str):
            self._reply(400, f"malformed body: {parsed}")
            return
        events, problems = parsed
        try:
            owner._deliver(events, [diag(owner.url, None, DIAGNOSTIC_SOURCE, message, object_path=where)
                                    for where, message in problems])
        except Exception as exc:  # the consumer failed: tell the API server to retry
            self._reply(500, f"the event handler failed: {type(exc).__name__}")
            return
        self._reply(200, "ok", extra={"events": len(events), "rejected": len(problems)})

    def _read_body(self, length: int, keep: bool = True) -> bytes | None:
        parts: list[bytes] = []
        left = length
        while left > 0:
            chunk = self.rfile.read(min(left, READ_CHUNK))
            if not chunk:
                return None
            if keep:
                parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)


class AuditWebhookServer:
    """An HTTPS endpoint for the API server's audit webhook backend.

    ``start()`` binds and serves in a background thread; ``stop()`` shuts it down; the object is also a
    context manager. ``port=0`` binds a free port (read it back from ``port``).
    """

    def __init__(
        self,
        host: str,
        port: int,
        certfile: str,
        keyfile: str,
        on_event: Callable[[Event], object],
        *,
        path: str = DEFAULT_PATH,
        max_body: int = DEFAULT_MAX_BODY,
        client_cafile: str | None = None,
        on_diagnostic: Callable[[Diagnostic], object] | None = None,
        timeout: float = 10.0,
        max_connections: int = 64,
    ) -> None:
        if not path.startswith("/"):
            raise ConfigError(f"the webhook path must start with '/', got {path!r}")
        self.host = host
        self.path = path
        self.max_body = max_body
        self.timeout = timeout
        self._on_event = on_event
        self._on_diagnostic = on_diagnostic
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._context = self._tls_context(certfile, keyfile, client_cafile)
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    @staticmethod
    def _tls_context(certfile: str, keyfile: str, client_cafile: str | None) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            ctx.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"cannot load the webhook's TLS certificate {certfile} and key {keyfile}: {exc}"
            ) from None
        if client_cafile is not None:
            try:
                ctx.load_verify_locations(client_cafile)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"cannot load the client CA file {client_cafile}: {exc}") from None
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    @property
    def port(self) -> int:
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"https://{host}:{self.port}{self.path}"

    def bind(self) -> None:
        """Bind the listening socket (start() does it when needed)."""
        if self._server is not None:
            return
        try:
            server = _Server((self.host, self._requested_port), _Handler, bind_and_activate=False)
            if ":" in self.host:
                server.address_family = socket.AF_INET6
                server.socket = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            raise StockadeError(f"cannot listen on {self.host}:{self._requested_port}: {exc.strerror or exc}") from None
        server.socket = self._context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.owner = self
        self._server = server

    def start(self) -> None:
        self.bind()
        if self._thread is not None:
            return
        self._serving.set()
        self._thread = threading.Thread(target=self._serve, name="stockade-audit-webhook", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() is called from another one."""
        self.bind()
        self._serving.set()
        self._serve()

    def _serve(self) -> None:
        server = self._server
        if server is not None:
            server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            if self._serving.is_set():
                self._serving.clear()
                server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> AuditWebhookServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- called by the handler threads --

    def _deliver(self, events: list[dict[str, Any]], problems: list[Diagnostic]) -> None:
        with self._lock:
            for event in events:
                self._on_event(event)
            if self._on_diagnostic is not None:
                for d in problems:
                    self._on_diagnostic(d)

    def _reject_busy(self, request: Any) -> None:
        """Too many connections: close this one at once (a TLS handshake here would stall the accept loop)."""
        with contextlib.suppress(OSError):
            request.close()
