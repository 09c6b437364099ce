"""A minimal HTTP(S) client over http.client: one request, explicit TLS, no proxies from the environment,
no redirects followed. Shared by the webhook output and the Kubernetes response actions."""

from __future__ import annotations

import http.client
import ssl
import urllib.parse
from dataclasses import dataclass

from stockade.errors import ConfigError

MAX_RESPONSE_BYTES = 1 << 20  # responses are read for status and error text only


@dataclass(frozen=True, slots=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    base_path: str  # without a trailing slash

    @classmethod
    def parse(cls, url: str, what: str = "URL") -> Endpoint:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"invalid {what} {url!r}: expected http://host[:port]/path or https://...")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ConfigError(f"invalid {what} {url!r}: bad port") from None
        path = parts.path.rstrip("/")
        if parts.query:
            path += "?" + parts.query
        return cls(parts.scheme, parts.hostname, port, path)

    def target(self, path: str = "") -> str:
        base = self.base_path
        if "?" in base and path:
            raise ConfigError("a base URL with a query string cannot take a sub-path")
        return (base + path) or "/"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    reason: str
    body: bytes


def tls_context(*, ca_file: str | None = None, ca_data: str | None = None, insecure: bool = False,
                cert_file: str | None = None, key_file: str | None = None) -> ssl.SSLContext:
    """A client TLS context: the system trust store, or only the given CA; optional client certificate."""
    try:
        if ca_file or ca_data:
            ctx = ssl.create_default_context(cafile=ca_file, cadata=ca_data)
        else:
            ctx = ssl.create_default_context()
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if cert_file:
            ctx.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"cannot set up TLS: {exc}") from None
    return ctx


def request(endpoint: Endpoint, method: str, path: str, body: bytes | None, headers: dict[str, str], *,
            timeout: float, context: ssl.SSLContext | None = None) -> Response:
    """Send one request and read (at most MAX_RESPONSE_BYTES of) the response.

    Raises OSError (connection refused, reset, TLS failure) and TimeoutError; the caller decides on retries.
    """
    conn: http.client.HTTPConnection
    if endpoint.scheme == "https":
        conn = http.client.HTTPSConnection(endpoint.host, endpoint.port, timeout=timeout,
                                           context=context or ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)
    try:
        all_headers = dict(headers)
        if body is not None:
            all_headers.setdefault("Content-Length", str(len(body)))
        conn.request(method, endpoint.target(path), body=body, headers=all_headers)
        resp = conn.getresponse()
        data = resp.read(MAX_RESPONSE_BYTES)
        return Response(resp.status, resp.reason, data)
    except http.client.HTTPException as exc:  # malformed response: treat like a broken connection
        raise OSError(f"bad HTTP response: {exc!r}") from None
    finally:
        conn.close()
