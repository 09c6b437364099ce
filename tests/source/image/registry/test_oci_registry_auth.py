from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stockade.errors import ConfigError, ScanError
from stockade.source.image.auth import (
    MAX_CONFIG_SIZE,
    Authenticator,
    Challenge,
    Credentials,
    DockerConfig,
    build_opener,
    load_docker_config,
    normalize_registry_key,
    parse_docker_config,
    parse_www_authenticate,
    resolve_credentials,
)

# ----------------------------------------------------------------------------------------------------------
# WWW-Authenticate


def test_bearer_challenge_with_comma_in_quoted_scope() -> None:
    header = (
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:samalba/my-app:pull,push"'
    )
    assert parse_www_authenticate([header]) == [
        Challenge(
            "bearer",
            {
                "realm": "https://auth.docker.io/token",
                "service": "registry.docker.io",
                "scope": "repository:samalba/my-app:pull,push",
            },
        )
    ]


def test_several_challenges_and_headers() -> None:
    challenges = parse_www_authenticate(
        ['Basic realm="Registry Realm", Bearer realm="https://auth.example/token" , service=reg', "Negotiate"]
    )
    assert [c.scheme for c in challenges] == ["basic", "bearer", "negotiate"]
    assert challenges[0].params == {"realm": "Registry Realm"}
    assert challenges[1].params == {"realm": "https://auth.example/token", "service": "reg"}
    assert challenges[2].params == {}


def test_challenge_parameter_names_are_case_insensitive_and_escapes_unquoted() -> None:
    (challenge,) = parse_www_authenticate(['BEARER Realm="https://a/t\\"x",SERVICE=svc,error="insufficient_scope"'])
    assert challenge.scheme == "bearer"
    assert challenge.params == {"realm": 'https://a/t"x', "service": "svc", "error": "insufficient_scope"}


@pytest.mark.parametrize(
    "header",
    [
        "",
        ",,,",
        '"',
        'Bearer realm="unterminated',
        "Bearer realm=",
        "Bearer =value",
        "Bearer realm==x",
        "Negotiate abc==",
        "\x00\xff garbage \u2603",
        'Bearer realm="x",' * 5000,
        "Basic " + "a" * 100_000,
    ],
)
def test_malformed_challenges_never_raise(header: str) -> None:
    challenges = parse_www_authenticate([header])
    assert isinstance(challenges, list)
    assert all(isinstance(c, Challenge) for c in challenges)


def test_unterminated_quote_keeps_what_was_read() -> None:
    (challenge,) = parse_www_authenticate(['Bearer service="svc",realm="https://auth.example/tok'])
    assert challenge.params == {"service": "svc", "realm": "https://auth.example/tok"}


# ----------------------------------------------------------------------------------------------------------
# Credentials and Docker config files


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_credentials_repr_hides_secrets() -> None:
    creds = Credentials("alice", "hunter2", "refresh-xyz")
    assert "hunter2" not in repr(creds)
    assert "refresh-xyz" not in repr(creds)
    assert "alice" in repr(creds)
    assert creds.basic_header() == "Basic " + _b64("alice:hunter2")
    assert creds.has_basic
    assert not Credentials("alice").has_basic


def test_resolve_credentials_forms() -> None:
    explicit = Credentials("u", "p")
    assert resolve_credentials(None, "ghcr.io") is None
    assert resolve_credentials(explicit, "ghcr.io") is explicit
    assert resolve_credentials(("u", "p"), "ghcr.io") == explicit
    assert resolve_credentials(lambda host: explicit if host == "ghcr.io" else None, "ghcr.io") is explicit
    assert resolve_credentials(lambda host: explicit if host == "ghcr.io" else None, "quay.io") is None


@pytest.mark.parametrize(
    ("key", "normalised"),
    [
        ("https://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("docker.io", "docker.io"),
        ("https://ghcr.io", "ghcr.io"),
        ("http://localhost:5000/v2/", "localhost:5000"),
        ("Registry.Example.com:443", "registry.example.com:443"),
        ("  quay.io/ ", "quay.io"),
    ],
)
def test_normalize_registry_key(key: str, normalised: str) -> None:
    assert normalize_registry_key(key) == normalised


def test_docker_config_all_credential_forms(tmp_path: Path) -> None:
    config = {
        "auths": {
            "https://index.docker.io/v1/": {"auth": _b64("hubuser:hub:pass:with:colons")},
            "ghcr.io": {"username": "octocat", "password": "ghp_example"},
            "myregistry.azurecr.io": {"identitytoken": "eyJhbGciOi.refresh"},
            "http://localhost:5000": {"auth": _b64("local:pw"), "email": "ignored@example.com"},
            "quay.io": {},
        },
        "credHelpers": {"123456789012.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"},
        "credsStore": "desktop",
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    docker = load_docker_config(str(path))
    assert docker.hosts == ("docker.io", "ghcr.io", "localhost:5000", "myregistry.azurecr.io")
    assert docker("docker.io") == Credentials("hubuser", "hub:pass:with:colons")
    assert docker("index.docker.io") == Credentials("hubuser", "hub:pass:with:colons")
    assert docker.lookup("ghcr.io") == Credentials("octocat", "ghp_example")
    assert docker("GHCR.IO") == Credentials("octocat", "ghp_example")
    assert docker("myregistry.azurecr.io") == Credentials("", "", "eyJhbGciOi.refresh")
    assert docker("localhost:5000") == Credentials("local", "pw")
    # Helper-only and empty entries are not run or guessed: no credentials.
    assert docker("quay.io") is None
    assert docker("123456789012.dkr.ecr.us-east-1.amazonaws.com") is None
    assert docker("localhost:5001") is None
    assert "hub:pass" not in repr(docker)
    assert "ghp_example" not in repr(docker)


def test_missing_config_file_means_no_credentials(tmp_path: Path) -> None:
    docker = load_docker_config(str(tmp_path / "nope" / "config.json"))
    assert isinstance(docker, DockerConfig)
    assert docker.hosts == ()
    assert docker("docker.io") is None


def test_empty_config_files(tmp_path: Path) -> None:
    assert parse_docker_config(b"").hosts == ()
    assert parse_docker_config(b"  \n").hosts == ()
    assert parse_docker_config(b"{}").hosts == ()
    assert parse_docker_config(b'{"auths": null}').hosts == ()
    assert parse_docker_config(b'{"auths": {"ghcr.io": null}}').hosts == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "is not valid JSON"),
        (b"\x00\xff\xfe binary", "is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "is not valid JSON"),
        (b"[]", "is not a JSON object"),
        (b'"auths"', "is not a JSON object"),
        (b'{"auths": []}', "'auths' is not an object"),
        (b'{"auths": {"ghcr.io": "dXNlcjpwYXNz"}}', "auths['ghcr.io'] is not an object"),
        (b'{"auths": {"ghcr.io": {"auth": 42}}}', "'auth' is not a string"),
        (b'{"auths": {"ghcr.io": {"username": ["u"], "password": "p"}}}', "'username' is not a string"),
        (b'{"auths": {"ghcr.io": {"auth": "not base64!!"}}}', "'auth' is not base64 of username:password"),
        (b'{"auths": {"ghcr.io": {"auth": "c2VjcmV0LW5vLWNvbG9u"}}}', "'auth' is not base64 of username:password"),
        (b'{"auths": {"ghcr.io": {"auth": "/w=="}}}', "'auth' is not base64 of username:password"),
    ],
)
def test_invalid_config_files_raise_config_error(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_docker_config(data, "cfg.json")
    assert message in excinfo.value.message
    assert "cfg.json" in excinfo.value.message
    assert "secret-no-colon" not in excinfo.value.message


def test_oversized_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b" " * (MAX_CONFIG_SIZE + 1))
    with pytest.raises(ConfigError, match="larger than"):
        load_docker_config(str(path))


def test_unreadable_config_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the Docker config file"):
        load_docker_config(str(tmp_path))  # a directory


# ----------------------------------------------------------------------------------------------------------
# Authenticator against fake token services


def _authenticator(credentials: Any = None, *, allow_http_realm: bool = True, timeout: float = 5.0) -> Authenticator:
    return Authenticator(
        credentials,
        opener=build_opener(),
        timeout=timeout,
        user_agent="stockade-test",
        allow_http_realm=allow_http_realm,
        label="reg.example/app:1",
    )


def _bearer(server: Any, path: str = "/token", service: str = "fake-registry") -> str:
    return f'Bearer realm="{server.url}{path}",service="{service}",scope="repository:app:pull"'


def test_bearer_flow_sends_basic_credentials_and_caches(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static("/token", 200, b'{"token": "tok-1", "access_token": "other", "expires_in": 300}')
    auth = _authenticator(("alice", "pw"))
    value = auth.respond("reg.example", "reg.example", "repository:app:pull", [_bearer(server)])
    assert value == "Bearer tok-1"
    assert auth.cached("reg.example", "repository:app:pull") == "Bearer tok-1"
    assert auth.cached("reg.example", "repository:other:pull") is None
    (request,) = server.requests
    assert request.headers["Authorization"] == "Basic " + _b64("alice:pw")
    assert request.headers["User-Agent"] == "stockade-test"
    assert auth.token_requests == 1
    auth.forget("reg.example", "repository:app:pull")
    assert auth.cached("reg.example", "repository:app:pull") is None


def test_bearer_flow_query_parameters(fake_server: Callable[..., Any], reply_fn: Callable[..., None]) -> None:
    server = fake_server()
    seen: list[dict[str, str]] = []

    def token(handler: Any) -> None:
        seen.append(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(handler.path).query)))
        reply_fn(handler, 200, b'{"access_token": "tok-2"}')

    server.routes["/token"] = token
    auth = _authenticator(None)
    challenge = f'Bearer realm="{server.url}/token?foo=bar",service="svc one"'
    assert auth.respond("reg.example", "reg.example", "repository:team/app:pull", [challenge]) == "Bearer tok-2"
    assert seen == [{"foo": "bar", "scope": "repository:team/app:pull", "service": "svc one"}]
    assert "Authorization" not in server.requests[0].headers  # anonymous


def test_identity_token_uses_the_refresh_token_grant(
    fake_server: Callable[..., Any], reply_fn: Callable[..., None]
) -> None:
    server = fake_server()
    forms: list[dict[str, str]] = []

    def token(handler: Any) -> None:
        length = int(handler.headers["Content-Length"])
        forms.append(dict(urllib.parse.parse_qsl(handler.rfile.read(length).decode())))
        reply_fn(handler, 200, b'{"access_token": "oauth-tok", "scope": "repository:app:pull"}')

    server.routes["/token"] = token
    auth = _authenticator(Credentials(identity_token="idt-123"))
    assert auth.respond("reg.example", "reg.example", "repository:app:pull", [_bearer(server)]) == "Bearer oauth-tok"
    assert server.requests[0].method == "POST"
    assert forms == [
        {
            "grant_type": "refresh_token",
            "refresh_token": "idt-123",
            "scope": "repository:app:pull",
            "client_id": "stockade",
            "service": "fake-registry",
        }
    ]


def test_basic_challenge_uses_credentials_or_gives_up() -> None:
    auth = _authenticator(("bob", "pw"))
    assert auth.respond("h", "h", "s", ['Basic realm="r"']) == "Basic " + _b64("bob:pw")
    assert auth.cached("h", "s") == "Basic " + _b64("bob:pw")
    assert _authenticator(None).respond("h", "h", "s", ['Basic realm="r"']) is None
    assert _authenticator(Credentials(identity_token="x")).respond("h", "h", "s", ['Basic realm="r"']) is None
    assert _authenticator(("bob", "pw")).respond("h", "h", "s", ['Negotiate, Digest realm="x"']) is None
    assert _authenticator(("bob", "pw")).respond("h", "h", "s", []) is None


def test_credentials_are_looked_up_by_registry_name(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static("/token", 200, b'{"token": "t"}')
    asked: list[str] = []

    def lookup(host: str) -> Credentials | None:
        asked.append(host)
        return Credentials("carol", "pw")

    auth = _authenticator(lookup)
    auth.respond("docker.io", "registry-1.docker.io", "repository:library/alpine:pull", [_bearer(server)])
    assert asked == ["docker.io"]
    assert server.requests[0].headers["Authorization"] == "Basic " + _b64("carol:pw")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, b'{"details": "incorrect username or password"}', "refused the credentials (HTTP 401)"),
        (403, b"", "refused the credentials (HTTP 403)"),
        (500, b"oops", "answered HTTP 500"),
        (200, b"<html>not json</html>", "did not answer with JSON"),
        (200, b"[1, 2]", "answered without a token"),
        (200, b'{"token": ""}', "answered without a token"),
        (200, b'{"token": 42}', "answered without a token"),
        (200, b'{"token": "abc\\r\\nX-Injected: 1"}', "malformed token"),
        (200, b'{"token": "caf\\u00e9"}', "malformed token"),
        (200, b"[" * 50_000 + b"]" * 50_000, "did not answer with JSON"),
        (200, b'{"token": "' + b"a" * (1024 * 1024) + b'"}', "larger than"),
    ],
)
def test_token_service_failures(fake_server: Callable[..., Any], status: int, body: bytes, message: str) -> None:
    server = fake_server()
    server.static("/token", status, body)
    auth = _authenticator(("alice", "hunter2"))
    with pytest.raises(ScanError) as excinfo:
        auth.respond("reg.example", "reg.example", "repository:app:pull", [_bearer(server)])
    assert message in excinfo.value.message
    assert excinfo.value.message.startswith(f"reg.example/app:1: the token service '{server.host}'")
    assert "hunter2" not in excinfo.value.message
    assert auth.cached("reg.example", "repository:app:pull") is None


def test_token_service_redirect_is_not_followed(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static("/token", 302, b"", {"Location": "http://127.0.0.1:9/steal"})
    with pytest.raises(ScanError, match="answered HTTP 302"):
        _authenticator(("a", "b")).respond("r", "r", "s", [_bearer(server)])


def test_plain_http_realm_refused_for_https_registries(fake_server: Callable[..., Any]) -> None:
    server = fake_server()
    server.static("/token", 200, b'{"token": "t"}')
    auth = _authenticator(("alice", "pw"), allow_http_realm=False)
    with pytest.raises(ScanError, match="is on plain HTTP"):
        auth.respond("r", "r", "s", [_bearer(server)])
    assert server.requests == []  # the credentials never left


@pytest.mark.parametrize("realm", ["ftp://auth.example/token", "/relative/token", "javascript:alert(1)"])
def test_realm_must_be_an_http_url(realm: str) -> None:
    with pytest.raises(ScanError, match="is not an http"):
        _authenticator(None).respond("r", "r", "s", [f'Bearer realm="{realm}"'])


def test_unreachable_and_hanging_token_services(fake_server: Callable[..., Any]) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ScanError, match="could not be reached"):
        _authenticator(None).respond("r", "r", "s", [f'Bearer realm="http://127.0.0.1:{port}/token"'])

    server = fake_server()
    server.routes["/token"] = lambda handler: server.release.wait(10)
    with pytest.raises(ScanError, match=r"did not answer within 0.3 s"):
        _authenticator(None, timeout=0.3).respond("r", "r", "s", [_bearer(server)])
