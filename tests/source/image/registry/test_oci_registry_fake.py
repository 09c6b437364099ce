"""RegistryStore against small fake servers: the failure modes a well-behaved registry never shows."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from stockade.errors import ScanError, UsageError
from stockade.source.image import store
from stockade.source.image.registry import RegistryStore

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": store.OCI_MANIFEST,
        "config": {"mediaType": store.OCI_CONFIG, "digest": "sha256:" + "c" * 64, "size": 2},
        "layers": [],
    }
).encode()
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
# 200 KiB that gzip cannot shrink: several reads' worth, so streaming behaviour shows.
LAYER = gzip.compress(b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(6400)), mtime=0)
LAYER_DIGEST = "sha256:" + hashlib.sha256(LAYER).hexdigest()


def _store(server: Any, repo: str = "app", tag: str = "1.0", **kwargs: Any) -> RegistryStore:
    kwargs.setdefault("insecure", True)
    kwargs.setdefault("timeout", 5.0)
    return RegistryStore(f"{server.host}/{repo}:{tag}", **kwargs)


def _read_all(stream: Any, chunk: int = 1000) -> bytes:
    parts: list[bytes] = []
    with stream:
        while True:
            data = stream.read(chunk)
            if not data:
                return b"".join(parts)
            parts.append(data)


# ----------------------------------------------------------------------------------------------------------
# Manifests


def test_manifest_request_and_result(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(
        "/v2/app/manifests/1.0",
        200,
        MANIFEST,
        {"Content-Type": store.OCI_MANIFEST, "Docker-Content-Digest": MANIFEST_DIGEST},
    )
    reg = _store(server, user_agent="stockade-test/1")
    assert reg.manifest("1.0") == (MANIFEST, store.OCI_MANIFEST, MANIFEST_DIGEST)
    (request,) = server.requests
    assert request.method == "GET"
    assert request.headers["Accept"] == ", ".join(store.ACCEPT)
    assert request.headers["User-Agent"] == "stockade-test/1"
    assert "Authorization" not in request.headers
    assert reg.name == f"{server.host}/app:1.0"
    assert (reg.selector, reg.repository, reg.tag) == ("1.0", f"{server.host}/app", "1.0")


def test_manifest_by_digest_must_hash_to_it(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(f"/v2/app/manifests/{MANIFEST_DIGEST}", 200, MANIFEST, {"Content-Type": store.OCI_MANIFEST})
    other = "sha256:" + "0" * 64
    server.static(f"/v2/app/manifests/{other}", 200, MANIFEST, {"Content-Type": store.OCI_MANIFEST})
    reg = RegistryStore(f"{server.host}/app@{MANIFEST_DIGEST}", insecure=True)
    assert (reg.selector, reg.tag) == (MANIFEST_DIGEST, "")
    assert reg.manifest(MANIFEST_DIGEST)[2] == MANIFEST_DIGEST
    with pytest.raises(ScanError) as excinfo:
        reg.manifest(other)
    assert excinfo.value.message == (
        f"{server.host}/app@{MANIFEST_DIGEST}: the registry sent a manifest for {other} "
        f"whose digest is {MANIFEST_DIGEST}"
    )


def test_manifest_by_sha512_digest(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    digest = "sha512:" + hashlib.sha512(MANIFEST).hexdigest()
    server.static(f"/v2/app/manifests/{digest}", 200, MANIFEST, {"Content-Type": store.OCI_MANIFEST})
    assert _store(server).manifest(digest) == (MANIFEST, store.OCI_MANIFEST, digest)


def test_truncated_manifest(fake_server: Callable[..., Any], reply_fn: Callable[..., None]) -> None:
    server = fake_server()
    server.routes["/v2/app/manifests/1.0"] = lambda handler: reply_fn(
        handler, 200, MANIFEST[:50], {"Content-Type": store.OCI_MANIFEST}, content_length=len(MANIFEST)
    )
    with pytest.raises(ScanError) as excinfo:
        _store(server).manifest("1.0")
    assert excinfo.value.message == (
        f"{server.host}/app:1.0: manifest 1.0: the connection closed before the end of the data "
        f"(got 50 of {len(MANIFEST)} bytes)"
    )


def test_manifest_header_digest_mismatch(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(
        "/v2/app/manifests/1.0",
        200,
        MANIFEST,
        {"Content-Type": store.OCI_MANIFEST, "Docker-Content-Digest": "sha256:" + "1" * 64},
    )
    with pytest.raises(ScanError, match="does not match the Docker-Content-Digest header"):
        _store(server).manifest("1.0")
    server.static(
        "/v2/app/manifests/1.0", 200, MANIFEST, {"Content-Type": store.OCI_MANIFEST, "Docker-Content-Digest": "junk"}
    )
    with pytest.raises(ScanError, match="malformed Docker-Content-Digest"):
        _store(server).manifest("1.0")


def test_manifest_media_type_from_body_when_content_type_is_generic(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    index = json.dumps({"schemaVersion": 2, "manifests": []}).encode()
    bare = json.dumps({"schemaVersion": 2, "config": {}, "layers": []}).encode()
    server.static("/v2/app/manifests/typed", 200, MANIFEST, {"Content-Type": "application/json; charset=utf-8"})
    server.static("/v2/app/manifests/index", 200, index, {"Content-Type": "text/plain"})
    server.static("/v2/app/manifests/bare", 200, bare)
    server.static("/v2/app/manifests/param", 200, MANIFEST, {"Content-Type": f"{store.OCI_MANIFEST}; x=1"})
    reg = _store(server)
    assert reg.manifest("typed")[1] == store.OCI_MANIFEST
    assert reg.manifest("index")[1] == store.OCI_INDEX
    assert reg.manifest("bare")[1] == store.OCI_MANIFEST
    assert reg.manifest("param")[1] == store.OCI_MANIFEST


@pytest.mark.parametrize(
    "body", [b"not json", b"\x00\xff\xfe", b"[1]", b'{"schemaVersion": 2}', b"[" * 100_000 + b"]" * 100_000]
)
def test_manifest_unrecognisable_body(fake_server: Callable[..., Any], body: bytes) -> None:
    server = fake_server()
    server.static("/v2/app/manifests/1.0", 200, body, {"Content-Type": "application/json"})
    with pytest.raises(ScanError, match=r"manifest 1\.0 (is not JSON|has no media type)"):
        _store(server).manifest("1.0")


def test_schema1_manifest_is_refused_clearly(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    body = json.dumps({"schemaVersion": 1, "name": "app", "tag": "1.0", "fsLayers": []}).encode()
    server.static(
        "/v2/app/manifests/1.0",
        200,
        body,
        {"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"},
    )
    server.static("/v2/app/manifests/untyped", 200, body)
    with pytest.raises(ScanError, match="Docker schema 1 manifest"):
        _store(server).manifest("1.0")
    with pytest.raises(ScanError, match="Docker schema 1 manifest"):
        _store(server).manifest("untyped")


def test_oversized_manifest_with_content_length(fake_server: Callable[..., Any], reply_fn: Callable[..., None]) -> None:
    server = fake_server()
    size = store.MAX_MANIFEST_SIZE + 1
    server.routes["/v2/app/manifests/1.0"] = lambda handler: reply_fn(
        handler, 200, b"", {"Content-Type": store.OCI_MANIFEST}, content_length=size
    )
    with pytest.raises(ScanError) as excinfo:
        _store(server).manifest("1.0")
    assert excinfo.value.message == (
        f"{server.host}/app:1.0: manifest 1.0 is {size} bytes, more than the {store.MAX_MANIFEST_SIZE} bytes "
        "a manifest may have"
    )


def test_oversized_manifest_without_content_length(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    body = b"{" + b" " * (store.MAX_MANIFEST_SIZE + 10) + b"}"
    server.static("/v2/app/manifests/1.0", 200, body, {"Content-Type": store.OCI_MANIFEST}, content_length=None)
    with pytest.raises(ScanError, match=f"larger than the {store.MAX_MANIFEST_SIZE} bytes"):
        _store(server).manifest("1.0")


@pytest.mark.parametrize("ref", ["", "bad/tag", "-x", "sha256:abc", "md5:" + "a" * 32, "../../etc"])
def test_invalid_manifest_reference_is_rejected_before_any_request(fake_server: Callable[..., Any], ref: str) -> None:
    server = fake_server()
    with pytest.raises(ScanError, match="cannot ask for manifest"):
        _store(server).manifest(ref)
    assert server.requests == []


# ----------------------------------------------------------------------------------------------------------
# HTTP errors


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            404,
            b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"1.0"}}]}',
            "answered HTTP 404: not found (wrong repository, tag or digest?) [MANIFEST_UNKNOWN: manifest unknown]",
        ),
        (
            404,
            b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}',
            "HTTP 404: not found (wrong repository, tag or digest?) [NAME_UNKNOWN: repository name not known",
        ),
        (
            403,
            b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
            "HTTP 403: access denied [DENIED: requested access to the resource is denied]",
        ),
        (
            429,
            b'{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}',
            "HTTP 429: rate limited by the registry; try again later or authenticate [TOOMANYREQUESTS: You have",
        ),
        (500, b"<html>Internal Server Error</html>", "answered HTTP 500: Internal Server Error"),
        (502, b"", "answered HTTP 502: Bad Gateway"),
        (404, b'{"errors": "nope"}', "HTTP 404: not found (wrong repository, tag or digest?)"),
        (404, b'{"errors": [42, {"message": "m"}]}', "[ERROR: m]"),
        (404, b'{"errors": [{"code": "X\\u0000\\n", "message": "' + b"y" * 5000 + b'"}]}', "[X??: yyyy"),
    ],
)
def test_http_errors_name_reference_status_and_registry_codes(
    fake_server: Callable[..., Any], status: int, body: bytes, expected: str
) -> None:
    server = fake_server()
    server.static("/v2/app/manifests/1.0", status, body, {"Content-Type": "application/json"})
    with pytest.raises(ScanError) as excinfo:
        _store(server).manifest("1.0")
    message = excinfo.value.message
    assert message.startswith(f"{server.host}/app:1.0: manifest 1.0: registry {server.host} answered HTTP {status}")
    assert expected in message
    assert len(message) < 1500


def test_blob_404(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(
        f"/v2/app/blobs/{LAYER_DIGEST}", 404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}'
    )
    with pytest.raises(ScanError) as excinfo:
        _store(server).blob(LAYER_DIGEST, len(LAYER))
    assert f"blob {LAYER_DIGEST}: registry {server.host} answered HTTP 404" in excinfo.value.message
    assert "[BLOB_UNKNOWN: blob unknown]" in excinfo.value.message


def test_401_without_credentials(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(
        "/v2/app/manifests/1.0",
        401,
        b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
        {"WWW-Authenticate": 'Basic realm="fake"'},
    )
    with pytest.raises(ScanError) as excinfo:
        _store(server).manifest("1.0")
    assert excinfo.value.message == (
        f"{server.host}/app:1.0: manifest 1.0: registry {server.host} answered HTTP 401: the registry requires "
        "authentication and no credentials were given for it [UNAUTHORIZED: authentication required]"
    )
    assert len(server.requests) == 1  # nothing to retry with


def test_401_with_rejected_credentials_retries_once(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static("/v2/app/manifests/1.0", 401, b"", {"WWW-Authenticate": 'Basic realm="fake"'})
    with pytest.raises(ScanError) as excinfo:
        _store(server, credentials=("alice", "hunter2")).manifest("1.0")
    assert "refused the credentials" in excinfo.value.message
    assert "hunter2" not in excinfo.value.message
    assert [("Authorization" in r.headers) for r in server.requests] == [False, True]


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ScanError) as excinfo:
        RegistryStore(f"127.0.0.1:{port}/app:1", insecure=True).manifest("1")
    assert excinfo.value.message == (
        f"127.0.0.1:{port}/app:1: manifest 1: cannot connect to registry 127.0.0.1:{port}: connection refused"
    )


def test_https_to_a_plain_http_server_is_a_tls_failure(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static("/v2/app/manifests/1.0", 200, MANIFEST, {"Content-Type": store.OCI_MANIFEST})
    with pytest.raises(ScanError) as excinfo:
        _store(server, insecure=False).manifest("1.0")
    assert "TLS failure talking to" in excinfo.value.message
    assert "needs the insecure option" in excinfo.value.message


def test_invalid_options() -> None:
    with pytest.raises(UsageError, match="timeout must be positive"):
        RegistryStore("alpine", timeout=0)
    with pytest.raises(UsageError, match="invalid image reference"):
        RegistryStore("Alpine")


# ----------------------------------------------------------------------------------------------------------
# Timeouts


def test_registry_that_never_answers_times_out(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.routes["/v2/app/manifests/1.0"] = lambda handler: server.release.wait(20)
    started = time.monotonic()
    with pytest.raises(ScanError) as excinfo:
        _store(server, timeout=0.5).manifest("1.0")
    assert time.monotonic() - started < 5
    assert excinfo.value.message == (
        f"{server.host}/app:1.0: manifest 1.0: registry {server.host} did not answer within 0.5 s"
    )


def test_listener_that_never_accepts_times_out() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port = sock.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(ScanError, match=r"did not answer within 0\.4 s"):
            RegistryStore(f"127.0.0.1:{port}/app:1", insecure=True, timeout=0.4).manifest("1")
        assert time.monotonic() - started < 5


def test_blob_that_stalls_mid_stream_times_out(fake_server: Callable[..., Any]) -> None:
    server = fake_server()

    def stall(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(LAYER)))
        handler.end_headers()
        handler.wfile.write(LAYER[:100])
        handler.wfile.flush()
        server.release.wait(20)

    server.routes[f"/v2/app/blobs/{LAYER_DIGEST}"] = stall
    stream = _store(server, timeout=0.5).blob(LAYER_DIGEST, len(LAYER))
    started = time.monotonic()
    with pytest.raises(ScanError, match=r"did not answer within 0\.5 s"):
        _read_all(stream)
    assert time.monotonic() - started < 5


# ----------------------------------------------------------------------------------------------------------
# Blob verification


def test_blob_streams_and_verifies(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(f"/v2/app/blobs/{LAYER_DIGEST}", 200, LAYER, {"Content-Type": "application/octet-stream"})
    reg = _store(server)
    assert _read_all(reg.blob(LAYER_DIGEST, len(LAYER))) == LAYER
    assert _read_all(reg.blob(LAYER_DIGEST)) == LAYER  # size unknown: the digest still decides
    with reg.blob(LAYER_DIGEST) as stream:
        assert stream.read() == LAYER
        assert stream.read() == b""


def test_blob_with_wrong_content_fails_at_end_of_stream(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    wrong = bytearray(LAYER)
    wrong[-1] ^= 0xFF
    server.static(f"/v2/app/blobs/{LAYER_DIGEST}", 200, bytes(wrong))
    stream = _store(server).blob(LAYER_DIGEST, len(LAYER))
    first = stream.read(100)
    assert first == LAYER[:100]  # handed out as it streams
    with pytest.raises(ScanError) as excinfo:
        while stream.read(1000):
            pass
    actual = "sha256:" + hashlib.sha256(bytes(wrong)).hexdigest()
    assert excinfo.value.message == (
        f"{server.host}/app:1.0: blob {LAYER_DIGEST}: the content's digest is {actual}; the blob is corrupt or altered"
    )
    with pytest.raises(ScanError):
        stream.read(10)  # stays failed
    stream.close()


def test_blob_longer_than_expected_fails_without_reading_it_all(
    fake_server: Callable[..., Any], reply_fn: Callable[..., None]
) -> None:
    server = fake_server()
    huge = 50 * 1024 * 1024
    chunk = b"\0" * (1024 * 1024)

    def endless(handler: Any) -> None:
        handler.send_response(200)
        handler.end_headers()  # no Content-Length: close-delimited
        for _ in range(huge // len(chunk)):
            handler.wfile.write(chunk)

    server.routes[f"/v2/app/blobs/{LAYER_DIGEST}"] = endless
    stream = _store(server).blob(LAYER_DIGEST, len(LAYER))
    with pytest.raises(ScanError, match=f"sent more than the expected {len(LAYER)} bytes"):
        _read_all(stream, 1 << 20)


def test_blob_content_length_disagrees_with_manifest_size(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(f"/v2/app/blobs/{LAYER_DIGEST}", 200, LAYER)
    with pytest.raises(ScanError) as excinfo:
        _store(server).blob(LAYER_DIGEST, len(LAYER) + 1)
    assert f"announced {len(LAYER)} bytes for blob {LAYER_DIGEST}, the manifest says {len(LAYER) + 1}" in (
        excinfo.value.message
    )


def test_blob_shorter_than_expected(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(f"/v2/app/blobs/{LAYER_DIGEST}", 200, LAYER[:-10], content_length=None)
    with pytest.raises(ScanError, match=f"got {len(LAYER) - 10} bytes, expected {len(LAYER)}"):
        _read_all(_store(server).blob(LAYER_DIGEST, len(LAYER)))


def test_blob_connection_closed_early(fake_server: Callable[..., Any], reply_fn: Callable[..., None]) -> None:
    server = fake_server()
    server.routes[f"/v2/app/blobs/{LAYER_DIGEST}"] = lambda handler: reply_fn(
        handler, 200, LAYER[:500], content_length=len(LAYER)
    )
    with pytest.raises(ScanError, match="closed before the end of the data"):
        _read_all(_store(server).blob(LAYER_DIGEST))


@pytest.mark.parametrize("digest", ["sha256:abc", "latest", "md5:" + "a" * 32, "sha256:" + "G" * 64])
def test_invalid_blob_digest_is_rejected_before_any_request(fake_server: Callable[..., Any], digest: str) -> None:
    server = fake_server()
    with pytest.raises(ScanError, match="cannot ask for blob"):
        _store(server).blob(digest)
    assert server.requests == []


def test_blob_negative_size(fake_server: Callable[..., Any]) -> None:
    with pytest.raises(ScanError, match="negative size"):
        _store(fake_server()).blob(LAYER_DIGEST, -1)


# ----------------------------------------------------------------------------------------------------------
# Redirects and where the Authorization header goes


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _protected(server: Any, path: str, reply_fn: Callable[..., None], then: Callable[[Any], None]) -> None:
    """``path`` answers 401 (Basic challenge) until the request carries alice's credentials."""

    def handle(handler: Any) -> None:
        if handler.headers.get("Authorization") != _basic("alice", "pw"):
            reply_fn(handler, 401, b"", {"WWW-Authenticate": 'Basic realm="fake"'})
        else:
            then(handler)

    server.routes[path] = handle


def _other_host(fake_server: Callable[..., Any]) -> Any:
    try:
        return fake_server("127.0.0.2")
    except OSError:  # no 127.0.0.2 here: another port is another origin all the same
        return fake_server()


def test_redirect_to_another_host_drops_authorization(
    fake_server: Callable[..., Any], reply_fn: Callable[..., None]
) -> None:
    registry = fake_server()
    storage = _other_host(fake_server)
    storage.static("/bucket/layer", 200, LAYER)
    location = f"{storage.url}/bucket/layer?X-Amz-Signature=abc"
    _protected(
        registry,
        f"/v2/app/blobs/{LAYER_DIGEST}",
        reply_fn,
        lambda handler: reply_fn(handler, 307, b"", {"Location": location}),
    )
    reg = _store(registry, credentials=("alice", "pw"))
    assert _read_all(reg.blob(LAYER_DIGEST, len(LAYER))) == LAYER
    assert [("Authorization" in r.headers) for r in registry.requests] == [False, True]
    (fetched,) = storage.requests
    assert "Authorization" not in fetched.headers
    assert fetched.headers["User-Agent"].startswith("stockade/")


def test_redirect_on_the_same_host_keeps_authorization(
    fake_server: Callable[..., Any], reply_fn: Callable[..., None]
) -> None:
    registry = fake_server()
    _protected(
        registry,
        f"/v2/app/blobs/{LAYER_DIGEST}",
        reply_fn,
        lambda handler: reply_fn(handler, 302, b"", {"Location": "/storage/layer"}),
    )
    _protected(registry, "/storage/layer", reply_fn, lambda handler: reply_fn(handler, 200, LAYER))
    reg = _store(registry, credentials=("alice", "pw"))
    assert _read_all(reg.blob(LAYER_DIGEST, len(LAYER))) == LAYER
    assert [(r.path, "Authorization" in r.headers) for r in registry.requests] == [
        (f"/v2/app/blobs/{LAYER_DIGEST}", False),
        (f"/v2/app/blobs/{LAYER_DIGEST}", True),
        ("/storage/layer", True),
    ]


def test_redirect_to_another_host_that_asks_for_credentials_gets_none(
    fake_server: Callable[..., Any], reply_fn: Callable[..., None]
) -> None:
    registry = fake_server()
    storage = _other_host(fake_server)
    _protected(storage, "/bucket/layer", reply_fn, lambda handler: reply_fn(handler, 200, LAYER))
    _protected(
        registry,
        f"/v2/app/blobs/{LAYER_DIGEST}",
        reply_fn,
        lambda handler: reply_fn(handler, 307, b"", {"Location": f"{storage.url}/bucket/layer"}),
    )
    with pytest.raises(ScanError, match="answered HTTP 401"):
        _store(registry, credentials=("alice", "pw")).blob(LAYER_DIGEST, len(LAYER))
    assert [("Authorization" in r.headers) for r in storage.requests] == [False]


def test_too_many_redirects(fake_server: Callable[..., Any], reply_fn: Callable[..., None]) -> None:
    server = fake_server()
    server.routes[f"/v2/app/blobs/{LAYER_DIGEST}"] = lambda handler: reply_fn(
        handler, 302, b"", {"Location": "/loop/0"}
    )
    for i in range(10):
        server.static(f"/loop/{i}", 301, b"", {"Location": f"/loop/{i + 1}"})
    with pytest.raises(ScanError, match="more than 5 redirects"):
        _store(server).blob(LAYER_DIGEST)
    assert len(server.requests) == 6


def test_five_redirects_are_fine(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static(f"/v2/app/blobs/{LAYER_DIGEST}", 308, b"", {"Location": "/hop/1"})
    for i in range(1, 5):
        server.static(f"/hop/{i}", 303, b"", {"Location": f"/hop/{i + 1}"})
    server.static("/hop/5", 200, LAYER)
    assert _read_all(_store(server).blob(LAYER_DIGEST, len(LAYER))) == LAYER


@pytest.mark.parametrize(
    ("location", "message"),
    [(None, "redirect 307 without a Location"), ("ftp://127.0.0.1/x", "redirected to a ftp URL")],
)
def test_bad_redirects(fake_server: Callable[..., Any], location: str | None, message: str) -> None:
    server = fake_server()
    server.static(f"/v2/app/blobs/{LAYER_DIGEST}", 307, b"", {"Location": location} if location else {})
    with pytest.raises(ScanError, match=message):
        _store(server).blob(LAYER_DIGEST)


# ----------------------------------------------------------------------------------------------------------
# Bearer tokens: cached for the store, refreshed once when the registry stops accepting one


def test_bearer_token_is_cached_and_refreshed_once(
    fake_server: Callable[..., Any], reply_fn: Callable[..., None]
) -> None:
    server = fake_server()
    issued: list[str] = []
    valid: set[str] = set()

    def token(handler: Any) -> None:
        value = f"tok-{len(issued)}"
        issued.append(value)
        valid.add(value)
        reply_fn(handler, 200, json.dumps({"token": value}).encode())

    challenge = f'Bearer realm="{server.url}/token",service="fake",scope="repository:app:pull"'

    def manifest(handler: Any) -> None:
        if handler.headers.get("Authorization", "").removeprefix("Bearer ") not in valid:
            reply_fn(handler, 401, b"", {"WWW-Authenticate": challenge})
        else:
            reply_fn(handler, 200, MANIFEST, {"Content-Type": store.OCI_MANIFEST})

    server.routes["/token"] = token
    server.routes["/v2/app/manifests/1.0"] = manifest
    reg = _store(server)
    reg.manifest("1.0")
    reg.manifest("1.0")
    assert issued == ["tok-0"]
    assert reg.authenticator.token_requests == 1
    valid.clear()  # the token expired
    reg.manifest("1.0")
    assert issued == ["tok-0", "tok-1"]
    valid.clear()
    server.routes["/token"] = lambda handler: reply_fn(handler, 200, b'{"token": "never-valid"}')
    with pytest.raises(ScanError, match="answered HTTP 401"):
        reg.manifest("1.0")
