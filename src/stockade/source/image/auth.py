"""Registry authentication: credentials, Docker config files, and the ``Bearer``/``Basic`` challenge flows.

How a pull authenticates (distribution's token authentication, as Docker and containerd do it):

1. the registry answers ``401`` with ``WWW-Authenticate: Bearer realm="...",service="...",scope="..."``;
2. we ask the realm for a token: ``GET realm?service=...&scope=repository:<repo>:pull`` with HTTP Basic
   credentials when we have some (anonymously otherwise), or, when the credentials are an identity token,
   ``POST realm`` with ``grant_type=refresh_token`` (the OAuth2 flow Docker uses for ``identitytoken``);
3. we retry with ``Authorization: Bearer <token>`` (``token`` or ``access_token`` of the JSON answer) and
   keep the token per (registry host, scope) for the lifetime of the store; a later 401 drops it and asks
   again once.

``WWW-Authenticate: Basic realm=...`` is answered with the Basic credentials directly.

Credentials come from an explicit :class:`Credentials` (or ``(username, password)``), or from a Docker
config file through :func:`load_docker_config` (``auths.<host>.auth``, ``username``/``password``,
``identitytoken``). Credential helpers (``credHelpers``, ``credsStore``) are programs named by the config
file; running them is out of scope, so hosts served only by a helper are treated as having no credentials.
This module never reads the environment: the caller decides which config file applies.

Secrets never appear in ``repr`` or in error messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPResponse
from typing import Any, TypeAlias

from stockade.errors import ConfigError, ScanError

MAX_CONFIG_SIZE = 4 * 1024 * 1024
MAX_TOKEN_RESPONSE = 1024 * 1024
MAX_CHALLENGE_LENGTH = 16 * 1024

DOCKER_HUB = "docker.io"
# Keys under which Docker Hub credentials are stored, after normalisation (the CLI writes
# "https://index.docker.io/v1/").
_DOCKER_HUB_KEYS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})


@dataclass(frozen=True)
class Credentials:
    """A username and password, or an identity (refresh) token. The secrets are left out of ``repr``."""

    username: str = ""
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)

    @property
    def has_basic(self) -> bool:
        return bool(self.username) and bool(self.password)

    def basic_header(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


CredentialLookup: TypeAlias = Callable[[str], "Credentials | None"]
CredentialSource: TypeAlias = "Credentials | tuple[str, str] | CredentialLookup | None"


def resolve_credentials(source: CredentialSource, registry: str) -> Credentials | None:
    """The credentials ``source`` has for ``registry`` (a host[:port] as in the image reference)."""
    if source is None:
        return None
    if isinstance(source, Credentials):
        return source
    if isinstance(source, tuple):
        username, password = source
        return Credentials(username, password)
    return source(registry)


def normalize_registry_key(key: str) -> str:
    """``https://index.docker.io/v1/`` -> ``docker.io``; ``http://host:5000/v2/`` -> ``host:5000``."""
    text = key.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].lower()
    return DOCKER_HUB if text in _DOCKER_HUB_KEYS else text


class DockerConfig:
    """Credentials read from a Docker ``config.json``; call it (or :meth:`lookup`) with a registry host."""

    def __init__(self, entries: Mapping[str, Credentials], source: str = "") -> None:
        self._entries = {normalize_registry_key(key): value for key, value in entries.items()}
        self.source = source

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted(self._entries))

    def lookup(self, registry: str) -> Credentials | None:
        return self._entries.get(normalize_registry_key(registry))

    def __call__(self, registry: str) -> Credentials | None:
        return self.lookup(registry)

    def __repr__(self) -> str:
        return f"DockerConfig(source={self.source!r}, hosts={list(self.hosts)!r})"


def load_docker_config(path: str) -> DockerConfig:
    """Read a Docker config file. A missing file means no credentials (as for Docker itself).

    Raises ConfigError (naming the file and the registry key, never a secret) when the file is not a
    valid config.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_SIZE + 1)
    except FileNotFoundError:
        return DockerConfig({}, path)
    except OSError as error:
        raise ConfigError(f"cannot read the Docker config file {path}: {error.strerror or error}") from None
    if len(data) > MAX_CONFIG_SIZE:
        raise ConfigError(f"the Docker config file {path} is larger than {MAX_CONFIG_SIZE} bytes")
    return parse_docker_config(data, path)


def parse_docker_config(data: bytes, source: str = "config.json") -> DockerConfig:
    """The credentials of a Docker config file's ``auths`` (helpers are not run, see module docs)."""
    if not data.strip():
        return DockerConfig({}, source)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise ConfigError(f"the Docker config file {source} is not valid JSON") from None
    if not isinstance(document, dict):
        raise ConfigError(f"the Docker config file {source} is not a JSON object")
    auths = document.get("auths", {})
    if auths is None:
        auths = {}
    if not isinstance(auths, dict):
        raise ConfigError(f"the Docker config file {source}: 'auths' is not an object")
    entries: dict[str, Credentials] = {}
    for key, entry in auths.items():
        credentials = _entry_credentials(entry, f"the Docker config file {source}, auths[{key!r}]")
        if credentials is not None:
            entries[key] = credentials
    return DockerConfig(entries, source)


def _entry_credentials(entry: Any, where: str) -> Credentials | None:
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not an object")
    for name in ("auth", "username", "password", "identitytoken"):
        if entry.get(name) is not None and not isinstance(entry.get(name), str):
            raise ConfigError(f"{where}: {name!r} is not a string")
    username = entry.get("username") or ""
    password = entry.get("password") or ""
    auth = entry.get("auth") or ""
    if auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise ConfigError(f"{where}: 'auth' is not base64 of username:password") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise ConfigError(f"{where}: 'auth' is not base64 of username:password")
    identity_token = entry.get("identitytoken") or ""
    if not (username and password) and not identity_token:
        return None  # an empty entry: the credentials live in a helper
    return Credentials(username, password, identity_token)


# ----------------------------------------------------------------------------------------------------------
# WWW-Authenticate


@dataclass(frozen=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header: the scheme (lowercase) and its parameters."""

    scheme: str
    params: Mapping[str, str]


_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def parse_www_authenticate(values: Iterable[str]) -> list[Challenge]:
    """Parse ``WWW-Authenticate`` header values (RFC 7235: several challenges, quoted strings with commas).

    Malformed input gives whatever challenges could be read; it never raises.
    """
    challenges: list[Challenge] = []
    for value in values:
        challenges.extend(_parse_challenges(value[:MAX_CHALLENGE_LENGTH]))
    return challenges


def _parse_challenges(text: str) -> list[Challenge]:
    n = len(text)
    pos = 0

    def skip(chars: str) -> None:
        nonlocal pos
        while pos < n and text[pos] in chars:
            pos += 1

    def token() -> str:
        nonlocal pos
        start = pos
        while pos < n and text[pos] in _TOKEN_CHARS:
            pos += 1
        return text[start:pos]

    def quoted() -> str:
        nonlocal pos
        pos += 1  # opening quote
        out: list[str] = []
        while pos < n and text[pos] != '"':
            if text[pos] == "\\" and pos + 1 < n:
                pos += 1
            out.append(text[pos])
            pos += 1
        pos += 1  # closing quote (or end)
        return "".join(out)

    result: list[Challenge] = []
    while pos < n:
        skip(" \t,")
        scheme = token()
        if not scheme:
            pos += 1  # not a token character: skip it
            continue
        params: dict[str, str] = {}
        while True:
            skip(" \t")
            mark = pos
            name = token()
            skip(" \t")
            if not name or pos >= n or text[pos] != "=":
                pos = mark  # the next challenge's scheme, a token68, or garbage
                if name and pos < n and text[pos] in _TOKEN_CHARS and not params:
                    token()  # token68 credentials: ignore
                    skip("=")
                break
            pos += 1
            skip(" \t")
            value = quoted() if pos < n and text[pos] == '"' else token()
            params.setdefault(name.lower(), value)
            skip(" \t")
            if pos < n and text[pos] == ",":
                pos += 1
                continue
            break
        result.append(Challenge(scheme.lower(), params))
    return result


# ----------------------------------------------------------------------------------------------------------
# The flows


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx back as an HTTPError: the registry store follows redirects itself (deciding where
    the ``Authorization`` header may go), and a token service has no business redirecting credentials."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        return None


def build_opener(
    *, proxies: Mapping[str, str] | None = None, ssl_context: ssl.SSLContext | None = None
) -> urllib.request.OpenerDirector:
    """A urllib opener that never follows redirects, uses only the ``proxies`` given (never the
    environment's) and verifies TLS with ``ssl_context`` (default: the system's trust store)."""
    context = ssl_context if ssl_context is not None else ssl.create_default_context()
    return urllib.request.build_opener(
        urllib.request.ProxyHandler(dict(proxies or {})),
        urllib.request.HTTPSHandler(context=context),
        _NoRedirects(),
    )


class Authenticator:
    """Answers registry challenges and caches the resulting ``Authorization`` values per (host, scope).

    ``opener`` should come from :func:`build_opener` (no redirects); ``allow_http_realm`` permits
    a token service on plain HTTP (only for registries that are themselves reached over plain HTTP).
    Thread-safe.
    """

    def __init__(
        self,
        credentials: CredentialSource,
        *,
        opener: urllib.request.OpenerDirector | None = None,
        timeout: float,
        user_agent: str,
        allow_http_realm: bool = False,
        label: str = "",
    ) -> None:
        self._credentials = credentials
        self._opener = opener if opener is not None else build_opener()
        self._timeout = timeout
        self._user_agent = user_agent
        self._allow_http_realm = allow_http_realm
        self._label = label
        self._cache: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.token_requests = 0  # how many times a token service was asked (for diagnostics and tests)

    def cached(self, host: str, scope: str) -> str | None:
        """The ``Authorization`` header value already obtained for ``host`` and ``scope``."""
        with self._lock:
            return self._cache.get((host, scope))

    def forget(self, host: str, scope: str) -> None:
        with self._lock:
            self._cache.pop((host, scope), None)

    def credentials_for(self, registry: str) -> Credentials | None:
        return resolve_credentials(self._credentials, registry)

    def respond(self, registry: str, host: str, scope: str, challenge_headers: Iterable[str]) -> str | None:
        """Answer a 401: the ``Authorization`` value to retry with, or None when we cannot authenticate.

        ``registry`` names the registry for the credential lookup (``docker.io``), ``host`` is the API
        host the challenge came from (the cache key with ``scope``). Raises ScanError when the token
        service fails.
        """
        challenges = parse_www_authenticate(challenge_headers)
        credentials = self.credentials_for(registry)
        bearer = next((c for c in challenges if c.scheme == "bearer" and c.params.get("realm")), None)
        value: str | None = None
        if bearer is not None:
            token = self._fetch_token(bearer, scope, credentials)
            value = f"Bearer {token}"
        elif any(c.scheme == "basic" for c in challenges) and credentials is not None and credentials.has_basic:
            value = credentials.basic_header()
        if value is not None:
            with self._lock:
                self._cache[(host, scope)] = value
        return value

    def _fetch_token(self, challenge: Challenge, scope: str, credentials: Credentials | None) -> str:
        realm = challenge.params["realm"]
        parts = urllib.parse.urlsplit(realm)
        where = f"{self._label}: the token service {parts.netloc or realm!r}"
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ScanError(f"{where} is not an http(s) URL")
        if parts.scheme == "http" and not self._allow_http_realm:
            raise ScanError(f"{where} is on plain HTTP; refusing to use it for a registry reached over HTTPS")
        service = challenge.params.get("service", "")
        headers = {"User-Agent": self._user_agent, "Accept": "application/json"}
        with self._lock:
            self.token_requests += 1
        if credentials is not None and credentials.identity_token:
            form = {"grant_type": "refresh_token", "refresh_token": credentials.identity_token, "scope": scope}
            form["client_id"] = "stockade"
            if service:
                form["service"] = service
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            request = urllib.request.Request(realm, data=body, headers=headers, method="POST")
            what = "the identity token"
        else:
            query = {"scope": scope}
            if service:
                query["service"] = service
            if credentials is not None and credentials.has_basic:
                query["account"] = credentials.username
                headers["Authorization"] = credentials.basic_header()
                what = "the credentials"
            else:
                what = "anonymous access"
            separator = "&" if parts.query else "?"
            request = urllib.request.Request(realm + separator + urllib.parse.urlencode(query), headers=headers)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                data = _read_bounded(response, MAX_TOKEN_RESPONSE)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code in (401, 403):
                raise ScanError(f"{where} refused {what} (HTTP {error.code})") from None
            raise ScanError(f"{where} answered HTTP {error.code} {error.reason}") from None
        except TimeoutError:
            raise ScanError(f"{where} did not answer within {self._timeout:g} s") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            raise ScanError(f"{where} could not be reached: {reason}") from None
        if data is None:
            raise ScanError(f"{where} sent an answer larger than {MAX_TOKEN_RESPONSE} bytes")
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            raise ScanError(f"{where} did not answer with JSON") from None
        token = None
        if isinstance(document, dict):
            token = document.get("token") or document.get("access_token")
        if not isinstance(token, str) or not token:
            raise ScanError(f"{where} answered without a token")
        if not token.isascii() or not token.isprintable() or " " in token:
            raise ScanError(f"{where} answered with a malformed token")
        return token


def _read_bounded(response: HTTPResponse, limit: int) -> bytes | None:
    """The body, or None when it is longer than ``limit``."""
    data = response.read(limit + 1)
    return None if len(data) > limit else data
