"""RegistryStore against a real ``docker-registry`` (distribution 2.8) with images pushed by skopeo:
anonymous, htpasswd (Basic) and token (Bearer, JWT RS256) authentication."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from stockade.errors import ScanError
from stockade.source.image import store
from stockade.source.image.auth import Credentials, load_docker_config
from stockade.source.image.registry import RegistryStore

pytestmark = pytest.mark.image

ZSTD_MAGIC = bytes.fromhex("28b52ffd")


def _read(stream: Any, chunk: int = 4096) -> bytes:
    parts = []
    with stream:
        while data := stream.read(chunk):
            parts.append(data)
    return b"".join(parts)


def _files(layer: bytes) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as tar:
        for member in tar:
            if member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                out[member.name] = handle.read()
    return out


def _check_app(reg: RegistryStore, pushed: Any) -> None:
    """Pull the two-layer app image through ``reg`` and compare with what was pushed."""
    raw, media_type, digest = reg.manifest(reg.selector)
    assert (raw, media_type, digest) == (pushed.manifest, store.OCI_MANIFEST, pushed.digest)
    document = json.loads(raw)
    assert document["config"]["digest"] == pushed.config_digest
    assert _read(reg.blob(pushed.config_digest, document["config"]["size"])) == pushed.config
    contents = [_read(reg.blob(digest, size)) for digest, size, _ in pushed.layers]
    assert _files(contents[0])["etc/os-release"].startswith(b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n')
    assert _files(contents[1]) == {"app/hello.txt": b"hello from stockade\n"}


# ----------------------------------------------------------------------------------------------------------
# Anonymous, plain HTTP


def test_pull_by_tag(anon_images: dict[str, Any]) -> None:
    pushed = anon_images["app"]
    reg = RegistryStore(pushed.ref, insecure=True)
    assert (reg.selector, reg.tag, reg.repository) == ("1.0", "1.0", pushed.repository)
    _check_app(reg, pushed)


def test_pull_by_digest(anon_images: dict[str, Any]) -> None:
    pushed = anon_images["app"]
    reg = RegistryStore(f"{pushed.repository}@{pushed.digest}", insecure=True)
    assert (reg.selector, reg.tag) == (pushed.digest, "")
    _check_app(reg, pushed)


def test_pull_by_tag_and_digest_uses_the_digest(anon_images: dict[str, Any]) -> None:
    pushed = anon_images["app"]
    reg = RegistryStore(f"{pushed.repository}:no-such-tag@{pushed.digest}", insecure=True)
    assert reg.selector == pushed.digest
    assert reg.manifest(reg.selector)[2] == pushed.digest


def test_multi_arch_index(anon_images: dict[str, Any]) -> None:
    pushed = anon_images["multi"]
    reg = RegistryStore(pushed.ref, insecure=True)
    raw, media_type, digest = reg.manifest("1.0")
    assert (raw, media_type, digest) == (pushed.manifest, store.OCI_INDEX, pushed.digest)
    entries = json.loads(raw)["manifests"]
    platforms = {entry["platform"]["architecture"]: entry["digest"] for entry in entries}
    assert platforms == pushed.children
    for architecture, child in pushed.children.items():
        child_raw, child_type, child_digest = reg.manifest(child)
        assert (child_type, child_digest) == (store.OCI_MANIFEST, child)
        config_descriptor = json.loads(child_raw)["config"]
        config = json.loads(_read(reg.blob(config_descriptor["digest"], config_descriptor["size"])))
        assert (config["architecture"], config["os"]) == (architecture, "linux")
        layer = json.loads(child_raw)["layers"][1]
        assert _files(_read(reg.blob(layer["digest"], layer["size"]))) == {"app/arch": f"{architecture}\n".encode()}


def test_zstd_layer(anon_images: dict[str, Any]) -> None:
    pushed = anon_images["zstd"]
    reg = RegistryStore(pushed.ref, insecure=True)
    raw, media_type, digest = reg.manifest("1.0")
    assert (media_type, digest) == (store.OCI_MANIFEST, pushed.digest)
    (layer,) = json.loads(raw)["layers"]
    assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd"
    data = _read(reg.blob(layer["digest"], layer["size"]), chunk=1000)  # verified at the end
    assert data[:4] == ZSTD_MAGIC
    assert len(data) == layer["size"]


def test_unknown_tag_repository_and_blob(anon_registry: Any, anon_images: dict[str, Any]) -> None:
    reg = RegistryStore(f"{anon_registry.host}/test/app:9.9", insecure=True)
    with pytest.raises(ScanError) as excinfo:
        reg.manifest("9.9")
    assert excinfo.value.message == (
        f"{anon_registry.host}/test/app:9.9: manifest 9.9: registry {anon_registry.host} answered HTTP 404: "
        "not found (wrong repository, tag or digest?) [MANIFEST_UNKNOWN: manifest unknown]"
    )
    missing = "sha256:" + "0" * 64
    with pytest.raises(ScanError, match=r"HTTP 404: .*\[MANIFEST_UNKNOWN: manifest unknown\]"):
        reg.manifest(missing)
    with pytest.raises(ScanError, match=r"HTTP 404: .*\[BLOB_UNKNOWN: blob unknown to registry\]"):
        reg.blob(missing)
    # distribution 2.8 answers MANIFEST_UNKNOWN (not NAME_UNKNOWN) for a manifest of an unknown repository.
    with pytest.raises(ScanError, match=r"answered HTTP 404: not found .*\[MANIFEST_UNKNOWN"):
        RegistryStore(f"{anon_registry.host}/test/nothing:1", insecure=True).manifest("1")


def test_blob_size_disagreeing_with_the_registry(anon_images: dict[str, Any]) -> None:
    pushed = anon_images["app"]
    digest, size, _ = pushed.layers[0]
    with pytest.raises(ScanError, match=f"announced {size} bytes for blob {digest}, the manifest says {size - 1}"):
        RegistryStore(pushed.ref, insecure=True).blob(digest, size - 1)


def test_https_against_the_plain_http_registry(anon_images: dict[str, Any]) -> None:
    with pytest.raises(ScanError, match="TLS failure"):
        RegistryStore(anon_images["app"].ref, timeout=5).manifest("1.0")


# ----------------------------------------------------------------------------------------------------------
# HTTPS (the default: insecure=False)


def test_https_with_a_private_ca(tls_registry: Any, tls_images: dict[str, Any]) -> None:
    pushed = tls_images["app"]
    reg = RegistryStore(pushed.ref, ssl_context=tls_registry.ssl_context())
    _check_app(reg, pushed)


def test_https_certificate_not_trusted(tls_images: dict[str, Any]) -> None:
    with pytest.raises(ScanError) as excinfo:
        RegistryStore(tls_images["app"].ref, timeout=5).manifest("1.0")
    assert "TLS failure talking to" in excinfo.value.message
    assert "CERTIFICATE_VERIFY_FAILED" in excinfo.value.message


def test_insecure_means_plain_http_not_unverified_https(tls_images: dict[str, Any]) -> None:
    # Go's TLS server answers a plain-HTTP request with 400 "Client sent an HTTP request to an HTTPS server".
    with pytest.raises(ScanError, match="answered HTTP 400"):
        RegistryStore(tls_images["app"].ref, insecure=True, timeout=5).manifest("1.0")


# ----------------------------------------------------------------------------------------------------------
# htpasswd (Basic)


def test_basic_auth_pull(htpasswd_registry: Any, htpasswd_images: dict[str, Any]) -> None:
    pushed = htpasswd_images["app"]
    reg = RegistryStore(pushed.ref, insecure=True, credentials=(htpasswd_registry.username, htpasswd_registry.password))
    _check_app(reg, pushed)
    assert reg.authenticator.token_requests == 0
    assert reg.authenticator.cached(
        htpasswd_registry.host,
        "repository:test/app:pull",
    ) == (Credentials(htpasswd_registry.username, htpasswd_registry.password).basic_header())


def test_basic_auth_from_docker_config(htpasswd_registry: Any, htpasswd_images: dict[str, Any], tmp_path: Path) -> None:
    import base64

    auth = base64.b64encode(f"{htpasswd_registry.username}:{htpasswd_registry.password}".encode()).decode()
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {f"http://{htpasswd_registry.host}": {"auth": auth}}}))
    pushed = htpasswd_images["multi"]
    reg = RegistryStore(pushed.ref, insecure=True, credentials=load_docker_config(str(config)))
    assert reg.manifest("1.0")[1:] == (store.OCI_INDEX, pushed.digest)


def test_basic_auth_missing_or_wrong(htpasswd_registry: Any, htpasswd_images: dict[str, Any]) -> None:
    pushed = htpasswd_images["app"]
    with pytest.raises(ScanError) as excinfo:
        RegistryStore(pushed.ref, insecure=True).manifest("1.0")
    assert "answered HTTP 401: the registry requires authentication and no credentials were given" in (
        excinfo.value.message
    )
    assert "[UNAUTHORIZED: authentication required]" in excinfo.value.message
    with pytest.raises(ScanError) as excinfo:
        RegistryStore(pushed.ref, insecure=True, credentials=(htpasswd_registry.username, "wrong-pw")).manifest("1.0")
    assert "answered HTTP 401: the registry refused the credentials" in excinfo.value.message
    assert "wrong-pw" not in excinfo.value.message


# ----------------------------------------------------------------------------------------------------------
# Token (Bearer)


def test_token_auth_pull_caches_the_token(token_registry: Any, token_images: dict[str, Any]) -> None:
    pushed = token_images["app"]
    reg = RegistryStore(pushed.ref, insecure=True, credentials=(token_registry.username, token_registry.password))
    _check_app(reg, pushed)
    requests = token_registry.token_server.requests
    assert len(requests) == 1  # one token for the manifest, the config and both layers
    (request,) = requests
    assert request.method == "GET"
    assert request.query == {
        "scope": "repository:test/app:pull",
        "service": "stockade-test-registry",
        "account": token_registry.username,
    }
    assert request.authorization == Credentials(token_registry.username, token_registry.password).basic_header()
    assert reg.authenticator.token_requests == 1


def test_token_signed_with_x5c_header(token_registry: Any, token_images: dict[str, Any]) -> None:
    token_registry.token_server.header_style = "x5c"
    token_registry.token_server.field_name = "access_token"
    pushed = token_images["multi"]
    reg = RegistryStore(pushed.ref, insecure=True, credentials=(token_registry.username, token_registry.password))
    assert reg.manifest("1.0")[1:] == (store.OCI_INDEX, pushed.digest)
    assert reg.manifest(pushed.children["arm64"])[1:] == (store.OCI_MANIFEST, pushed.children["arm64"])
    assert len(token_registry.token_server.requests) == 1


def test_token_from_identity_token(token_registry: Any, token_images: dict[str, Any], tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {token_registry.host: {"identitytoken": token_registry.identity_token}}}))
    pushed = token_images["app"]
    reg = RegistryStore(pushed.ref, insecure=True, credentials=load_docker_config(str(config)))
    _check_app(reg, pushed)
    (request,) = token_registry.token_server.requests
    assert request.method == "POST"
    assert request.form["grant_type"] == "refresh_token"
    assert request.form["scope"] == "repository:test/app:pull"
    assert request.authorization is None


def test_token_anonymous_pull_of_a_public_repository(token_registry: Any, token_images: dict[str, Any]) -> None:
    token_registry.token_server.anonymous_actions = ["pull"]
    pushed = token_images["app"]
    _check_app(RegistryStore(pushed.ref, insecure=True), pushed)
    assert [r.authorization for r in token_registry.token_server.requests] == [None]


def test_token_anonymous_pull_of_a_private_repository(token_registry: Any, token_images: dict[str, Any]) -> None:
    pushed = token_images["app"]
    with pytest.raises(ScanError) as excinfo:
        RegistryStore(pushed.ref, insecure=True).manifest("1.0")
    assert excinfo.value.message == (
        f"{pushed.ref}: manifest 1.0: registry {token_registry.host} answered HTTP 401: the registry requires "
        "authentication and no credentials were given for it [UNAUTHORIZED: authentication required]"
    )


def test_token_service_rejects_the_password(token_registry: Any, token_images: dict[str, Any]) -> None:
    pushed = token_images["app"]
    reg = RegistryStore(pushed.ref, insecure=True, credentials=(token_registry.username, "not-the-password"))
    with pytest.raises(ScanError) as excinfo:
        reg.manifest("1.0")
    realm_host = token_registry.token_server.realm.split("/")[2]
    assert excinfo.value.message == (
        f"{pushed.ref}: the token service '{realm_host}' refused the credentials (HTTP 401)"
    )
