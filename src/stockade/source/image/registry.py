"""Pulling manifests and blobs from an OCI distribution registry (Docker Hub, GHCR, a local registry...).

:class:`RegistryStore` implements :class:`stockade.source.image.store.BlobStore` over the OCI distribution
API with the standard library only:

* ``GET /v2/<repository>/manifests/<tag or digest>`` with an ``Accept`` header listing the index and
  manifest media types stockade understands; the body is capped at ``store.MAX_MANIFEST_SIZE`` and
  verified: it must hash to the requested digest (when pulling by digest) and to the registry's
  ``Docker-Content-Digest`` header (when it sends one);
* ``GET /v2/<repository>/blobs/<digest>`` streamed: the returned stream hashes what it hands out, never
  holds more than one read's worth of a layer, and raises ScanError at end of stream (or as soon as the
  registry sends more than the expected size) when the bytes are not the blob that was asked for;
* redirects (blobs are commonly served from a CDN or object store) are followed by hand, at most
  ``max_redirects`` (5) times: the ``Authorization`` header goes only to the registry's own
  scheme://host:port, never to another host; an HTTPS registry may not redirect to plain HTTP;
* authentication as described in :mod:`stockade.source.image.auth` (401 -> token or Basic, retry);
* HTTP and network failures become ScanError naming the image, the HTTP status and the registry's own
  error codes (``MANIFEST_UNKNOWN``, ``NAME_UNKNOWN``, ``UNAUTHORIZED``, ``DENIED``, ``TOOMANYREQUESTS``...).

``timeout`` bounds each network operation (connecting, and every read), so a registry that stops
answering fails within it; a very slow but steady transfer is not cut short.

``insecure=True`` means plain HTTP, like Docker's ``--insecure-registry``, Trivy's ``--insecure`` or
skopeo's ``--tls-verify=false`` towards a local registry: there is no "HTTPS without certificate checks"
mode. A registry with a certificate from a private CA is reached over HTTPS by passing an
``ssl_context`` that trusts that CA.

Proxies are used only when the caller passes them (``proxies={"https": "http://proxy:3128"}``); this
module does not read the environment.
"""

from __future__ import annotations

import hashlib
import io
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from http.client import HTTPException, HTTPResponse, IncompleteRead
from typing import Any, BinaryIO, NoReturn

from stockade import __version__
from stockade.errors import ScanError, UsageError
from stockade.source.image import store
from stockade.source.image.auth import Authenticator, CredentialSource, build_opener
from stockade.source.image.reference import ImageReference, digest_problem, is_digest, parse_reference, tag_problem

DEFAULT_USER_AGENT = f"stockade/{__version__}"
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
MAX_ERROR_BODY = 64 * 1024
READ_CHUNK = 64 * 1024

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_SCHEMA1_TYPES = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    }
)
_GENERIC_TYPES = frozenset({"", "application/json", "text/plain", "application/octet-stream"})


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _hasher(digest: str) -> Any:
    algorithm = digest.partition(":")[0]
    return hashlib.new(algorithm)


class RegistryStore:
    """A :class:`~stockade.source.image.store.BlobStore` over one repository of a registry."""

    def __init__(
        self,
        reference: ImageReference | str,
        *,
        insecure: bool = False,
        credentials: CredentialSource = None,
        timeout: float = DEFAULT_TIMEOUT,
        user_agent: str = DEFAULT_USER_AGENT,
        proxies: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        if isinstance(reference, str):
            self._name = reference
            reference = parse_reference(reference)
        else:
            self._name = str(reference)
        if timeout <= 0:
            raise UsageError(f"the registry timeout must be positive, not {timeout!r}")
        self.reference = reference
        self.insecure = insecure
        self.timeout = timeout
        self.user_agent = user_agent
        self.max_redirects = max_redirects
        self._scheme = "http" if insecure else "https"
        self._base = f"{self._scheme}://{reference.api_host}/v2/{reference.repository}"
        self._origin = _origin(self._base)
        self._scope = f"repository:{reference.repository}:pull"
        self._opener = build_opener(proxies=proxies, ssl_context=ssl_context)
        self._auth = Authenticator(
            credentials,
            opener=self._opener,
            timeout=timeout,
            user_agent=user_agent,
            allow_http_realm=insecure,
            label=self._name,
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def selector(self) -> str:
        """The tag or digest the user asked for (what to pass to :meth:`manifest` first)."""
        return self.reference.reference

    @property
    def repository(self) -> str:
        """``registry/repository`` (``docker.io/library/alpine``), for RepoTags/RepoDigests."""
        return self.reference.name

    @property
    def tag(self) -> str:
        """The tag of the reference, or "" when it names only a digest."""
        return self.reference.tag or ""

    @property
    def authenticator(self) -> Authenticator:
        return self._auth

    def __repr__(self) -> str:
        return f"RegistryStore({self._name!r}, insecure={self.insecure})"

    # ------------------------------------------------------------------------------------------------------
    # BlobStore

    def manifest(self, reference: str) -> tuple[bytes, str, str]:
        """Fetch and verify the manifest or index for a tag or digest: ``(raw, media type, digest)``."""
        by_digest = is_digest(reference)
        problem = digest_problem(reference) if by_digest else tag_problem(reference)
        if problem is not None:
            raise ScanError(f"{self._name}: cannot ask for manifest {reference!r}: {problem}")
        what = f"manifest {reference}"
        response = self._open(f"{self._base}/manifests/{reference}", {"Accept": ", ".join(store.ACCEPT)}, what)
        with response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > store.MAX_MANIFEST_SIZE:
                raise ScanError(
                    f"{self._name}: {what} is {length} bytes, more than the {store.MAX_MANIFEST_SIZE} "
                    "bytes a manifest may have"
                )
            try:
                body = response.read(store.MAX_MANIFEST_SIZE + 1)
            except (OSError, HTTPException) as error:
                raise self._network_error(error, what) from None
            content_type = response.headers.get("Content-Type") or ""
            header_digest = (response.headers.get("Docker-Content-Digest") or "").strip()
        if len(body) > store.MAX_MANIFEST_SIZE:
            raise ScanError(
                f"{self._name}: {what} is larger than the {store.MAX_MANIFEST_SIZE} bytes a manifest may have"
            )
        if length is not None and length.isdigit() and len(body) < int(length):
            raise ScanError(
                f"{self._name}: {what}: the connection closed before the end of the data "
                f"(got {len(body)} of {length} bytes)"
            )

        # Integrity first, interpretation second.
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if by_digest:
            actual = digest if reference.startswith("sha256:") else self._digest_of(reference, body)
            if actual != reference:
                raise ScanError(f"{self._name}: the registry sent a manifest for {reference} whose digest is {actual}")
            digest = reference
        if header_digest:
            if digest_problem(header_digest) is not None:
                raise ScanError(f"{self._name}: {what}: the registry sent a malformed Docker-Content-Digest header")
            if self._digest_of(header_digest, body) != header_digest:
                raise ScanError(
                    f"{self._name}: {what}: the body does not match the Docker-Content-Digest header "
                    f"({header_digest}); the manifest was altered or truncated in transit"
                )
        media_type = self._media_type(content_type, body, what)
        if media_type in _SCHEMA1_TYPES:
            raise ScanError(
                f"{self._name}: {what} is a Docker schema 1 manifest, a format stockade does not support "
                "(re-push the image with a current client to convert it)"
            )
        return body, media_type, digest

    def blob(self, digest: str, size: int | None = None) -> BinaryIO:
        """A verifying stream over the blob; ScanError from ``read`` when it is not what was asked for."""
        problem = digest_problem(digest)
        if problem is not None:
            raise ScanError(f"{self._name}: cannot ask for blob {digest!r}: {problem}")
        if size is not None and size < 0:
            raise ScanError(f"{self._name}: blob {digest} has a negative size ({size})")
        what = f"blob {digest}"
        response = self._open(f"{self._base}/blobs/{digest}", {"Accept": "*/*"}, what)
        length = response.headers.get("Content-Length")
        if size is not None and length is not None and length.isdigit() and int(length) != size:
            response.close()
            raise ScanError(f"{self._name}: the registry announced {length} bytes for {what}, the manifest says {size}")
        raw = _VerifyingStream(
            response, digest, size, f"{self._name}: {what}", lambda error: self._network_error(error, what)
        )
        return io.BufferedReader(raw, READ_CHUNK)

    # ------------------------------------------------------------------------------------------------------
    # HTTP

    def _open(self, url: str, headers: Mapping[str, str], what: str) -> HTTPResponse:
        """GET ``url`` following redirects by hand and answering auth challenges; a 2xx response."""
        redirects = 0
        retried_auth = False
        while True:
            request_headers = {"User-Agent": self.user_agent, **headers}
            same_origin = _origin(url) == self._origin
            authorization = self._auth.cached(self._origin[1], self._scope) if same_origin else None
            if authorization is not None:
                request_headers["Authorization"] = authorization
            request = urllib.request.Request(url, headers=request_headers)
            try:
                response: HTTPResponse = self._opener.open(request, timeout=self.timeout)
                return response
            except urllib.error.HTTPError as error:
                with error:
                    status = error.code
                    error_headers = error.headers
                    if status in _REDIRECT_CODES:
                        location = error_headers.get("Location")
                        if not location:
                            raise ScanError(f"{self._name}: {what}: redirect {status} without a Location") from None
                        redirects += 1
                        if redirects > self.max_redirects:
                            raise ScanError(f"{self._name}: {what}: more than {self.max_redirects} redirects") from None
                        url = self._redirect_target(url, location, what)
                        continue
                    if status == 401 and same_origin and not retried_auth:
                        retried_auth = True
                        if authorization is not None:
                            self._auth.forget(self._origin[1], self._scope)
                        challenges = error_headers.get_all("WWW-Authenticate") or []
                        answer = self._auth.respond(self.reference.registry, self._origin[1], self._scope, challenges)
                        if answer is not None:
                            continue
                    raise self._http_error(error, what) from None
            except (OSError, HTTPException, ValueError) as error:
                raise self._network_error(error, what) from None

    def _redirect_target(self, url: str, location: str, what: str) -> str:
        target = urllib.parse.urljoin(url, location)
        scheme = urllib.parse.urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            raise ScanError(f"{self._name}: {what}: redirected to a {scheme or 'relative'} URL")
        if scheme == "http" and not self.insecure:
            raise ScanError(f"{self._name}: {what}: refusing a redirect from HTTPS to plain HTTP")
        return target

    def _http_error(self, error: urllib.error.HTTPError, what: str) -> ScanError:
        status = error.code
        codes = _registry_errors(error)
        host = self.reference.api_host
        if status == 401:
            has_credentials = self._auth.credentials_for(self.reference.registry) is not None
            hint = (
                "the registry refused the credentials or they do not grant pull access"
                if has_credentials
                else "the registry requires authentication and no credentials were given for it"
            )
        elif status == 403:
            hint = "access denied"
        elif status == 404:
            hint = "not found (wrong repository, tag or digest?)"
        elif status == 429:
            hint = "rate limited by the registry; try again later or authenticate"
        else:
            hint = str(error.reason or "").strip() or "request failed"
        message = f"{self._name}: {what}: registry {host} answered HTTP {status}: {hint}"
        if codes:
            message += f" [{codes}]"
        return ScanError(message)

    def _network_error(self, error: BaseException, what: str) -> ScanError:
        host = self.reference.api_host
        reason: Any = error
        if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
            reason = error.reason
        if isinstance(reason, TimeoutError):
            return ScanError(f"{self._name}: {what}: registry {host} did not answer within {self.timeout:g} s")
        if isinstance(reason, ssl.SSLError):
            hint = "" if self.insecure else " (a registry that only speaks plain HTTP needs the insecure option)"
            return ScanError(f"{self._name}: {what}: TLS failure talking to {host}: {reason}{hint}")
        if isinstance(reason, ConnectionRefusedError):
            return ScanError(f"{self._name}: {what}: cannot connect to registry {host}: connection refused")
        if isinstance(reason, IncompleteRead):
            return ScanError(f"{self._name}: {what}: the connection to {host} closed before the end of the data")
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return ScanError(f"{self._name}: {what}: cannot talk to registry {host}: {text}")

    # ------------------------------------------------------------------------------------------------------
    # helpers

    def _digest_of(self, digest: str, body: bytes) -> str:
        hasher = _hasher(digest)
        hasher.update(body)
        return f"{digest.partition(':')[0]}:{hasher.hexdigest()}"

    def _media_type(self, content_type: str, body: bytes, what: str) -> str:
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in _GENERIC_TYPES:
            return media_type
        # No useful Content-Type: trust the manifest's own mediaType field, else its shape.
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise ScanError(f"{self._name}: {what} is not JSON") from None
        if isinstance(document, dict):
            declared = document.get("mediaType")
            if isinstance(declared, str) and declared:
                return declared
            if isinstance(document.get("manifests"), list):
                return store.OCI_INDEX
            if isinstance(document.get("layers"), list) and isinstance(document.get("config"), dict):
                return store.OCI_MANIFEST
            if document.get("schemaVersion") == 1:
                return "application/vnd.docker.distribution.manifest.v1+json"
        raise ScanError(f"{self._name}: {what} has no media type and is not a recognisable manifest or index")


def _registry_errors(error: urllib.error.HTTPError) -> str:
    """``CODE: message; CODE: message`` from a distribution error body, bounded; "" when there is none."""
    try:
        body = error.read(MAX_ERROR_BODY)
    except (OSError, HTTPException):
        return ""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    entries = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return ""
    parts = []
    for entry in entries[:5]:
        if not isinstance(entry, dict):
            continue
        code = entry.get("code")
        message = entry.get("message")
        text = str(code) if isinstance(code, str) else "ERROR"
        if isinstance(message, str) and message:
            text += f": {message}"
        parts.append(_printable(text, 200))
    return "; ".join(parts)


def _printable(text: str, limit: int) -> str:
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


class _VerifyingStream(io.RawIOBase):
    """Reads a blob response, hashing and counting; raises ScanError at EOF when digest or size differ."""

    def __init__(
        self,
        response: HTTPResponse,
        digest: str,
        size: int | None,
        label: str,
        network_error: Callable[[BaseException], ScanError],
    ) -> None:
        super().__init__()
        self._response = response
        self._digest = digest
        self._size = size
        self._label = label
        self._network_error = network_error
        self._hasher = _hasher(digest)
        self._count = 0
        self._verified = False
        self._failure: ScanError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._failure is not None:
            raise self._failure
        if self._verified:
            return 0
        view = memoryview(buffer).cast("B")
        want = len(view)
        if self._size is not None:
            # Ask for one byte past the expected end, to notice a blob that is too long without reading it.
            want = min(want, self._size - self._count + 1)
        want = min(want, READ_CHUNK)
        try:
            n = self._response.readinto(view[:want])
        except (OSError, HTTPException) as error:
            self._fail(self._network_error(error))
        if n:
            self._count += n
            if self._size is not None and self._count > self._size:
                self._fail(ScanError(f"{self._label}: the registry sent more than the expected {self._size} bytes"))
            self._hasher.update(view[:n])
            return n
        self._finish()
        return 0

    def _finish(self) -> None:
        announced = self._response.headers.get("Content-Length")
        if announced is not None and announced.isdigit() and self._count < int(announced):
            self._fail(
                ScanError(
                    f"{self._label}: the connection closed before the end of the data "
                    f"(got {self._count} of {announced} bytes)"
                )
            )
        if self._size is not None and self._count != self._size:
            self._fail(ScanError(f"{self._label}: got {self._count} bytes, expected {self._size}"))
        algorithm = self._digest.partition(":")[0]
        actual = f"{algorithm}:{self._hasher.hexdigest()}"
        if actual != self._digest:
            self._fail(ScanError(f"{self._label}: the content's digest is {actual}; the blob is corrupt or altered"))
        self._verified = True
        self._response.close()

    def _fail(self, error: ScanError) -> NoReturn:
        self._failure = error
        self._response.close()
        raise error

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()
