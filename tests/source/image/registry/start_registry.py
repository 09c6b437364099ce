"""Test helpers for the registry tests: a real ``docker-registry`` process, a JWT token service, OCI layouts.

Used by ``conftest.py`` (loaded from its file, as tests here are not a package) and runnable on its own to
get a registry to poke at by hand::

    python tests/source/image/registry/start_registry.py --auth token --push demo:1.0

It prints the registry's address (and the credentials, for ``htpasswd`` and ``token``) and serves until
interrupted. Everything it writes lives in a temporary directory that is removed at exit.

Tools used, each optional (the tests skip with a message naming what is missing):

* ``docker-registry`` (Debian's build of distribution 2.8): the registry;
* ``skopeo``: pushes OCI layouts into it;
* ``openssl``: makes the token service's RSA key and self-signed certificate and signs the JWTs (RS256);
* a bcrypt implementation for ``htpasswd`` files: the C library's ``crypt(3)`` through Python's ``crypt``
  module (libxcrypt does bcrypt), else the ``bcrypt`` package, else Apache's ``htpasswd -B``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import hashlib
import io
import json
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
REF_NAME = "org.opencontainers.image.ref.name"

SERVICE = "stockade-test-registry"
ISSUER = "stockade-test-token-issuer"


# --------------------------------------------------------------------------------------------------------------
# Tools


def missing_tools(*names: str) -> list[str]:
    """The names among ``names`` that are not on PATH."""
    return [name for name in names if shutil.which(name) is None]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# OCI image layouts


def make_layer(files: Mapping[str, bytes]) -> tuple[bytes, str]:
    """A reproducible gzip-compressed tar holding ``files``: ``(compressed bytes, diff_id)``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs: set[str] = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                directory = "/".join(parts[:depth])
                if directory not in dirs:
                    dirs.add(directory)
                    info = tarfile.TarInfo(directory)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    tar.addfile(info)
            data = files[path]
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    uncompressed = raw.getvalue()
    compressed = gzip.compress(uncompressed, mtime=0)
    return compressed, sha256_digest(uncompressed)


@dataclass
class OCILayout:
    """An OCI image layout directory being written: blobs plus the top-level index.json."""

    root: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (self.root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')

    def add_blob(self, data: bytes) -> tuple[str, int]:
        digest = sha256_digest(data)
        (self.root / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(data)
        return digest, len(data)

    def add_json(self, media_type: str, document: Mapping[str, Any]) -> dict[str, Any]:
        digest, size = self.add_blob(json.dumps(document, indent=2).encode())
        return {"mediaType": media_type, "digest": digest, "size": size}

    def add_image(
        self, layers: Sequence[Mapping[str, bytes]], *, architecture: str = "amd64", os_name: str = "linux"
    ) -> dict[str, Any]:
        """Write layers, config and manifest; returns the manifest's descriptor (with its platform)."""
        layer_descriptors = []
        diff_ids = []
        for files in layers:
            compressed, diff_id = make_layer(files)
            digest, size = self.add_blob(compressed)
            layer_descriptors.append({"mediaType": OCI_LAYER_GZIP, "digest": digest, "size": size})
            diff_ids.append(diff_id)
        config = {
            "created": "2024-01-01T00:00:00Z",
            "architecture": architecture,
            "os": os_name,
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "stockade test"} for _ in layers],
        }
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.add_json(OCI_CONFIG, config),
            "layers": layer_descriptors,
        }
        descriptor = self.add_json(OCI_MANIFEST, manifest)
        descriptor["platform"] = {"architecture": architecture, "os": os_name}
        return descriptor

    def add_index(self, manifests: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return self.add_json(OCI_INDEX, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list(manifests)})

    def tag(self, descriptor: Mapping[str, Any], name: str) -> None:
        """Name ``descriptor`` in index.json (``oci:<root>:<name>`` then refers to it)."""
        entry = {key: descriptor[key] for key in ("mediaType", "digest", "size")}
        entry["annotations"] = {REF_NAME: name}
        self.entries.append(entry)
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.entries}
        (self.root / "index.json").write_text(json.dumps(index, indent=2))


def alpine_like_files(version: str) -> dict[str, bytes]:
    return {
        "etc/os-release": (
            f'NAME="Alpine Linux"\nID=alpine\nVERSION_ID={version}\nPRETTY_NAME="Alpine Linux v{version}"\n'
        ).encode(),
        "etc/alpine-release": f"{version}\n".encode(),
    }


# --------------------------------------------------------------------------------------------------------------
# Secrets material: bcrypt for htpasswd, RSA + self-signed certificate + RS256 for the token service


def bcrypt_hash(password: str) -> tuple[str, str]:
    """``(hash, how)``: a bcrypt hash of ``password`` and which implementation made it.

    Raises LookupError when no implementation is available.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt  # removed in Python 3.13; present in 3.11/3.12

        if crypt.METHOD_BLOWFISH in crypt.methods:
            hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))
            if hashed and hashed.startswith("$2"):
                return hashed, "crypt(3)"
    except ImportError:
        pass
    try:
        import bcrypt  # type: ignore[import-not-found,unused-ignore]

        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode(), "bcrypt package"
    except ImportError:
        pass
    htpasswd = shutil.which("htpasswd")
    if htpasswd is not None:
        line = subprocess.run(
            [htpasswd, "-nbBC", "5", "user", password], check=True, capture_output=True, text=True
        ).stdout.strip()
        return line.split(":", 1)[1], "htpasswd -B"
    raise LookupError("no bcrypt implementation (crypt(3) with bcrypt, the bcrypt package or htpasswd)")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(spki_der: bytes) -> str:
    """The key id format distribution's token verifier looks ``kid`` up by (libtrust fingerprint).

    SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32 without padding, in groups of four
    characters joined by colons.
    """
    encoded = base64.b32encode(hashlib.sha256(spki_der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


@dataclass
class SigningKey:
    """An RSA key with a self-signed certificate (the registry's ``rootcertbundle``), driven by openssl."""

    key_path: Path
    cert_path: Path
    cert_der: bytes
    key_id: str

    @classmethod
    def create(cls, directory: Path, common_name: str = ISSUER) -> SigningKey:
        key_path = directory / "token-signing.key"
        cert_path = directory / "token-signing.crt"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
                "-subj", f"/CN={common_name}", "-keyout", str(key_path), "-out", str(cert_path),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        cert_der = subprocess.run(
            ["openssl", "x509", "-in", str(cert_path), "-outform", "DER"], check=True, capture_output=True
        ).stdout
        spki = subprocess.run(
            ["openssl", "pkey", "-in", str(key_path), "-pubout", "-outform", "DER"], check=True, capture_output=True
        ).stdout
        return cls(key_path, cert_path, cert_der, libtrust_key_id(spki))

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (JWS ``RS256``)."""
        return subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key_path)], input=data, check=True, capture_output=True
        ).stdout

    def jwt(self, claims: Mapping[str, Any], *, header_style: str = "kid") -> str:
        header: dict[str, Any] = {"typ": "JWT", "alg": "RS256"}
        if header_style == "x5c":
            header["x5c"] = [base64.b64encode(self.cert_der).decode()]
        else:
            header["kid"] = self.key_id
        signing_input = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        return signing_input + "." + _b64url(self.sign(signing_input.encode()))


def make_tls_certificate(directory: Path, ip: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed server certificate for ``ip`` (and localhost): ``(certificate, key)`` PEM paths."""
    cert_path = directory / "registry-tls.crt"
    key_path = directory / "registry-tls.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
            "-subj", f"/CN={ip}", "-addext", f"subjectAltName=IP:{ip},DNS:localhost",
            "-keyout", str(key_path), "-out", str(cert_path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert_path, key_path


# --------------------------------------------------------------------------------------------------------------
# The token service (distribution's token authentication, plus the OAuth2 refresh_token grant)


@dataclass
class TokenRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorization: str | None


class TokenServer:
    """A token service in a thread: ``GET /token`` (Basic or anonymous) and ``POST /token`` (refresh_token).

    Users in ``users`` get pull and push on every repository; anonymous requests get ``anonymous_actions``
    (none by default, so the registry answers 401 again). ``header_style`` chooses how the JWT names its
    signing key: ``kid`` (libtrust fingerprint) or ``x5c`` (the certificate itself). Every request is
    recorded in ``requests``.
    """

    def __init__(
        self, key: SigningKey, users: Mapping[str, str], *, refresh_tokens: Mapping[str, str] | None = None
    ) -> None:
        self.key = key
        self.users = dict(users)
        self.refresh_tokens = dict(refresh_tokens or {})
        self.header_style = "kid"
        self.anonymous_actions: list[str] = []
        self.field_name = "token"
        self.requests: list[TokenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="token-server", daemon=True
        )

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def start(self) -> TokenServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.header_style = "kid"
            self.anonymous_actions = []
            self.field_name = "token"

    def issue(self, subject: str, scopes: Sequence[str], actions_for: list[str] | None) -> str:
        now = int(time.time())
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name = ":".join(parts[1:-1])
            wanted = parts[-1].split(",")
            granted = [a for a in wanted if actions_for is None or a in actions_for]
            access.append({"type": "repository", "name": name, "actions": granted})
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        return self.key.jwt(claims, header_style=self.header_style)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Mapping[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="stockade-test-token"')
                self.end_headers()
                self.wfile.write(data)

            def _record(self, form: dict[str, str]) -> TokenRequest:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                request = TokenRequest(self.command, url.path, query, form, self.headers.get("Authorization"))
                with server._lock:
                    server.requests.append(request)
                return request

            def do_GET(self) -> None:
                request = self._record({})
                if request.path != "/token":
                    self._answer(404, {"error": "not found"})
                    return
                scopes = [s for s in request.query.get("scope", "").split(" ") if s]
                if request.query.get("service") != SERVICE:
                    self._answer(400, {"error": "unknown service"})
                    return
                subject, actions = "", list(server.anonymous_actions)
                if request.authorization is not None:
                    user = _check_basic(request.authorization, server.users)
                    if user is None:
                        self._answer(401, {"details": "incorrect username or password"})
                        return
                    subject, actions = user, ["pull", "push"]
                token = server.issue(subject, scopes, actions)
                self._answer(200, {server.field_name: token, "expires_in": 300})

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 65536)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                self._record(form)
                if form.get("grant_type") != "refresh_token" or form.get("service") != SERVICE:
                    self._answer(400, {"error": "unsupported_grant_type"})
                    return
                user = server.refresh_tokens.get(form.get("refresh_token", ""))
                if user is None:
                    self._answer(401, {"error": "invalid_grant"})
                    return
                scopes = [s for s in form.get("scope", "").split(" ") if s]
                token = server.issue(user, scopes, ["pull", "push"])
                self._answer(200, {"access_token": token, "expires_in": 300, "scope": form.get("scope", "")})

        return Handler


def _check_basic(header: str, users: Mapping[str, str]) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user if users.get(user) == password else None


# --------------------------------------------------------------------------------------------------------------
# The registry process


@dataclass
class Registry:
    """A running ``docker-registry`` on 127.0.0.1 (plain HTTP, or HTTPS with ``tls_certificate``)."""

    host: str  # 127.0.0.1:PORT
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    auth: str = "none"
    username: str = ""
    password: str = ""
    token_server: TokenServer | None = None
    tls_certificate: Path | None = None  # the self-signed certificate it serves (trust it to connect)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls_certificate else 'http'}://{self.host}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting this registry's certificate (TLS registries only)."""
        assert self.tls_certificate is not None
        return ssl.create_default_context(cafile=str(self.tls_certificate))

    @property
    def identity_token(self) -> str:
        """A refresh token the token service accepts for ``username`` (token auth only)."""
        return f"refresh-{self.password}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.token_server is not None:
            self.token_server.stop()


def _registry_config(
    port: int, data_dir: Path, auth: Mapping[str, Any] | None, tls: tuple[Path, Path] | None = None
) -> str:
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(data_dir)}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
    }
    if auth is not None:
        config["auth"] = dict(auth)
    if tls is not None:
        config["http"]["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    return json.dumps(config, indent=2)  # JSON is YAML


def start_registry(workdir: Path, auth: str = "none", *, tls: bool = False, startup_timeout: float = 20.0) -> Registry:
    """Start ``docker-registry`` with ``auth`` = ``none``, ``htpasswd`` or ``token`` (and HTTPS with a
    self-signed certificate when ``tls``); wait until ``/v2/`` answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    tls_files = make_tls_certificate(workdir) if tls else None
    username, password = ("stockade", "s3cret-" + secrets.token_hex(4)) if auth != "none" else ("", "")
    token_server: TokenServer | None = None
    auth_config: dict[str, Any] | None = None
    if auth == "htpasswd":
        hashed, _ = bcrypt_hash(password)
        (workdir / "htpasswd").write_text(f"{username}:{hashed}\n")
        auth_config = {"htpasswd": {"realm": "stockade-test", "path": str(workdir / "htpasswd")}}
    elif auth == "token":
        key = SigningKey.create(workdir)
        token_server = TokenServer(key, {username: password}, refresh_tokens={f"refresh-{password}": username})
        token_server.start()
        auth_config = {
            "token": {
                "realm": token_server.realm,
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": str(key.cert_path),
            }
        }
    elif auth != "none":
        raise ValueError(f"unknown auth {auth!r}")

    last_error = ""
    for _attempt in range(3):
        port = free_port()
        config_path = workdir / "config.yml"
        config_path.write_text(_registry_config(port, workdir / "data", auth_config, tls_files))
        log_path = workdir / "registry.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                ["docker-registry", "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT
            )
        registry = Registry(
            f"127.0.0.1:{port}", workdir, process, log_path, auth, username, password, token_server,
            tls_files[0] if tls_files else None,
        )  # fmt: skip
        context = registry.ssl_context() if tls_files else None
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{registry.url}/v2/", timeout=2, context=context) as response:
                    response.read()
                return registry
            except urllib.error.HTTPError as error:
                error.close()
                if error.code == 401:  # up, and asking for credentials
                    return registry
            except OSError:
                pass
            time.sleep(0.05)
        last_error = registry.log_tail()
        process.kill()
        process.wait(10)
    if token_server is not None:
        token_server.stop()
    raise RuntimeError(f"docker-registry did not start:\n{last_error}")


# --------------------------------------------------------------------------------------------------------------
# Pushing with skopeo


def skopeo_copy(
    source: str,
    destination: str,
    workdir: Path,
    *,
    creds: str | None = None,
    extra: Sequence[str] = (),
) -> str:
    """``skopeo copy`` to a test registry (no TLS verification); returns the pushed manifest's digest."""
    policy = workdir / "skopeo-policy.json"
    policy.write_text('{"default": [{"type": "insecureAcceptAnything"}]}')
    authfile = workdir / "skopeo-auth.json"
    authfile.write_text('{"auths": {}}')
    digest_file = workdir / f"digest-{uuid.uuid4().hex}"
    command = [
        "skopeo", "--policy", str(policy), "copy", "--quiet", "--dest-tls-verify=false",
        "--authfile", str(authfile), "--digestfile", str(digest_file),
    ]  # fmt: skip
    command += ["--dest-creds", creds] if creds else ["--dest-no-creds"]
    command += [*extra, source, destination]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"skopeo copy failed ({result.returncode}): {result.stderr.strip()}")
    return digest_file.read_text().strip()


# --------------------------------------------------------------------------------------------------------------
# By hand


@contextlib.contextmanager
def _serving(auth: str, tls: bool) -> Iterator[Registry]:
    with tempfile.TemporaryDirectory(prefix="stockade-registry-") as tmp:
        registry = start_registry(Path(tmp), auth, tls=tls)
        try:
            yield registry
        finally:
            registry.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--auth", choices=("none", "htpasswd", "token"), default="none")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    parser.add_argument("--push", metavar="REPO:TAG", help="push a small two-layer test image")
    args = parser.parse_args(argv)
    missing = missing_tools("docker-registry", *(["openssl"] if args.auth == "token" or args.tls else []))
    if missing:
        print(f"missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    with _serving(args.auth, args.tls) as registry:
        print(f"registry: {registry.url}  (auth: {registry.auth})")
        if registry.tls_certificate:
            print(f"certificate: {registry.tls_certificate}")
        if registry.username:
            print(f"username: {registry.username}\npassword: {registry.password}")
        if args.push:
            layout = OCILayout(registry.workdir / "layout")
            image = layout.add_image([alpine_like_files("3.19.1"), {"app/hello.txt": b"hello\n"}])
            layout.tag(image, "demo")
            creds = f"{registry.username}:{registry.password}" if registry.username else None
            digest = skopeo_copy(
                f"oci:{layout.root}:demo", f"docker://{registry.host}/{args.push}", registry.workdir, creds=creds
            )
            print(f"pushed {registry.host}/{args.push} ({digest})")
        print("serving; interrupt to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while registry.process.poll() is None:
                time.sleep(0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
