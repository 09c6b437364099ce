"""Fixtures for the registry tests: real ``docker-registry`` processes (anonymous, htpasswd, token auth) with
images pushed by skopeo, and small fake HTTP servers for the failure modes a real registry will not show.

The real-registry fixtures are session-scoped and skip with a message naming what is missing.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent


def _load_helpers() -> ModuleType:
    name = "stockade_tests_registry_helpers"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _HERE / "start_registry.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


helpers = _load_helpers()

_PACKAGES = {"docker-registry": "docker-registry", "skopeo": "skopeo", "openssl": "openssl"}


def _require(*tools: str) -> None:
    missing = helpers.missing_tools(*tools)
    if missing:
        packages = " ".join(_PACKAGES.get(tool, tool) for tool in missing)
        pytest.skip(f"needs {', '.join(missing)} on PATH (Debian: apt-get install {packages})")


@pytest.fixture(scope="session")
def reg_helpers() -> ModuleType:
    """The helper module (layouts, skopeo, token service), for tests that build their own images."""
    return helpers


# ----------------------------------------------------------------------------------------------------------
# Real registries


def _start(tmp_path_factory: pytest.TempPathFactory, auth: str, tls: bool = False) -> Iterator[Any]:
    registry = helpers.start_registry(tmp_path_factory.mktemp(f"registry-{auth}"), auth, tls=tls)
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def anon_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require("docker-registry", "skopeo")
    yield from _start(tmp_path_factory, "none")


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Anonymous, over HTTPS with a self-signed certificate (``registry.ssl_context()`` trusts it)."""
    _require("docker-registry", "skopeo", "openssl")
    yield from _start(tmp_path_factory, "none", tls=True)


@pytest.fixture(scope="session")
def htpasswd_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require("docker-registry", "skopeo")
    try:
        helpers.bcrypt_hash("probe")
    except LookupError as error:
        pytest.skip(f"htpasswd registry: {error}")
    yield from _start(tmp_path_factory, "htpasswd")


@pytest.fixture(scope="session")
def token_registry_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require("docker-registry", "skopeo", "openssl")
    yield from _start(tmp_path_factory, "token")


@pytest.fixture
def token_registry(token_registry_session: Any) -> Any:
    """The token-auth registry with its token service reset (default signing, no anonymous access)."""
    token_registry_session.token_server.reset()
    return token_registry_session


@dataclass
class PushedImage:
    """An image pushed to a registry, with everything the tests compare against."""

    repository: str  # 127.0.0.1:PORT/test/app
    tag: str
    digest: str  # of the manifest (or index) as pushed
    manifest: bytes = b""  # the layout's manifest bytes ("" when skopeo rewrote it)
    config_digest: str = ""
    config: bytes = b""
    layers: list[tuple[str, int, str]] = field(default_factory=list)  # (digest, size, media type)
    children: dict[str, str] = field(default_factory=dict)  # architecture -> manifest digest (indexes)

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"


def _blob(layout: Any, digest: str) -> bytes:
    data: bytes = (layout.root / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()
    return data


def push_images(registry: Any, workdir: Path, creds: str | None = None) -> dict[str, PushedImage]:
    """Push ``test/app:1.0`` (two gzip layers), ``test/multi:1.0`` (amd64 + arm64 index) and
    ``test/zstd:1.0`` (one layer recompressed to zstd by skopeo) into ``registry``."""
    import json

    layout = helpers.OCILayout(workdir / "layout")
    app = layout.add_image([helpers.alpine_like_files("3.19.1"), {"app/hello.txt": b"hello from stockade\n"}])
    layout.tag(app, "app")
    amd64 = layout.add_image([helpers.alpine_like_files("3.19.1"), {"app/arch": b"amd64\n"}], architecture="amd64")
    arm64 = layout.add_image([helpers.alpine_like_files("3.19.1"), {"app/arch": b"arm64\n"}], architecture="arm64")
    index = layout.add_index([amd64, arm64])
    layout.tag(index, "multi")
    # Random content, so no registry or skopeo cache holds a gzip twin that skopeo could reuse.
    zstd = layout.add_image([{"data/random.bin": os.urandom(4096), "data/text.txt": b"compressible " * 500}])
    layout.tag(zstd, "zstd")

    pushed: dict[str, PushedImage] = {}
    digest = helpers.skopeo_copy(
        f"oci:{layout.root}:app", f"docker://{registry.host}/test/app:1.0", workdir, creds=creds
    )
    manifest = _blob(layout, app["digest"])
    document = json.loads(manifest)
    pushed["app"] = PushedImage(
        f"{registry.host}/test/app",
        "1.0",
        digest,
        manifest,
        document["config"]["digest"],
        _blob(layout, document["config"]["digest"]),
        [(layer["digest"], layer["size"], layer["mediaType"]) for layer in document["layers"]],
    )
    digest = helpers.skopeo_copy(
        f"oci:{layout.root}:multi", f"docker://{registry.host}/test/multi:1.0", workdir, creds=creds, extra=["--all"]
    )
    pushed["multi"] = PushedImage(
        f"{registry.host}/test/multi",
        "1.0",
        digest,
        _blob(layout, index["digest"]),
        children={"amd64": amd64["digest"], "arm64": arm64["digest"]},
    )
    digest = helpers.skopeo_copy(
        f"oci:{layout.root}:zstd",
        f"docker://{registry.host}/test/zstd:1.0",
        workdir,
        creds=creds,
        extra=["--dest-compress-format", "zstd"],
    )
    pushed["zstd"] = PushedImage(f"{registry.host}/test/zstd", "1.0", digest)
    return pushed


@pytest.fixture(scope="session")
def anon_images(anon_registry: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PushedImage]:
    return push_images(anon_registry, tmp_path_factory.mktemp("push-anon"))


@pytest.fixture(scope="session")
def tls_images(tls_registry: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PushedImage]:
    return push_images(tls_registry, tmp_path_factory.mktemp("push-tls"))


@pytest.fixture(scope="session")
def htpasswd_images(htpasswd_registry: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PushedImage]:
    creds = f"{htpasswd_registry.username}:{htpasswd_registry.password}"
    return push_images(htpasswd_registry, tmp_path_factory.mktemp("push-htpasswd"), creds)


@pytest.fixture(scope="session")
def token_images(token_registry_session: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PushedImage]:
    creds = f"{token_registry_session.username}:{token_registry_session.password}"
    return push_images(token_registry_session, tmp_path_factory.mktemp("push-token"), creds)


# ----------------------------------------------------------------------------------------------------------
# Fake servers

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


class FakeServer:
    """A tiny HTTP/1.0 server in a thread. ``routes`` maps a request path (without query) to a function that
    writes the whole response; unknown paths get 404. Every request is recorded in ``requests``."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[SeenRequest] = []
        self.release = threading.Event()  # set at stop: handlers that hang return
        self._server = ThreadingHTTPServer((address, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-registry", daemon=True
        )
        self._thread.start()

    @property
    def host(self) -> str:
        address, port = self._server.server_address[:2]
        return f"{address!s}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def static(
        self,
        path: str,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        content_length: int | None = -1,
    ) -> None:
        """Answer ``path`` with a fixed response. ``content_length``: -1 = the body's, None = no header."""

        def handle(handler: BaseHTTPRequestHandler) -> None:
            reply(handler, status, body, headers, content_length=content_length)

        self.routes[path] = handle

    def seen(self, path: str) -> list[SeenRequest]:
        return [request for request in self.requests if request.path == path]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _dispatch(self) -> None:
                path = self.path.split("?", 1)[0]
                server.requests.append(SeenRequest(self.command, path, dict(self.headers.items())))
                route = server.routes.get(path)
                try:
                    if route is None:
                        reply(self, 404, b'{"errors":[{"code":"NOT_FOUND","message":"no route"}]}')
                    else:
                        route(self)
                except OSError:
                    pass  # the client went away (the tests provoke that)

            do_GET = _dispatch
            do_POST = _dispatch
            do_HEAD = _dispatch

        return RequestHandler


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    content_length: int | None = -1,
) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if content_length is not None:
        handler.send_header("Content-Length", str(len(body) if content_length == -1 else content_length))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def fake_server() -> Iterator[Callable[..., FakeServer]]:
    """A factory of fake servers (``fake_server()``, ``fake_server("127.0.0.2")``), all stopped afterwards."""
    servers: list[FakeServer] = []

    def make(address: str = "127.0.0.1") -> FakeServer:
        server = FakeServer(address)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def reply_fn() -> Callable[..., None]:
    """The ``reply(handler, status, body, headers, content_length=...)`` helper for custom routes."""
    return reply
