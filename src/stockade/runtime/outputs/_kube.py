"""Just enough of a Kubernetes API client for the response actions: delete a pod, patch its labels, create a
NetworkPolicy. Plain http.client over TLS with the cluster CA and a bearer token (or a client certificate).

Configuration comes from the in-cluster service account (the caller passes the environment: the library
never reads it) or from a kubeconfig file (token, token file, client certificate; exec plug-ins are not
supported).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import ssl
import tempfile
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stockade.errors import ConfigError, StockadeError
from stockade.runtime.outputs._http import Endpoint, request, tls_context

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
MAX_KUBECONFIG_BYTES = 1 << 20
MAX_TOKEN_BYTES = 64 * 1024


class KubeAPIError(StockadeError):
    """The API server refused a request or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class KubeConfig:
    server: str  # https://host:port
    token: str | None = None
    token_file: str | None = None  # re-read per request: bound service-account tokens rotate
    ca_file: str | None = None
    ca_data: str | None = None  # PEM
    insecure_skip_verify: bool = False
    cert_file: str | None = None
    key_file: str | None = None
    timeout: float = 10.0
    default_namespace: str = "default"

    @classmethod
    def in_cluster(cls, environ: Mapping[str, str], sa_dir: str | os.PathLike[str] = SERVICE_ACCOUNT_DIR,
                   *, timeout: float = 10.0) -> KubeConfig:
        """The pod's service account: KUBERNETES_SERVICE_HOST/PORT from ``environ`` (the caller passes
        ``os.environ``), token, CA and namespace from ``sa_dir``."""
        host = environ.get("KUBERNETES_SERVICE_HOST", "").strip()
        port = environ.get("KUBERNETES_SERVICE_PORT", "443").strip() or "443"
        if not host:
            raise ConfigError("not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set")
        sa = Path(sa_dir)
        token_file, ca_file = sa / "token", sa / "ca.crt"
        for needed in (token_file, ca_file):
            if not needed.is_file():
                raise ConfigError(f"in-cluster configuration: {needed} is missing")
        namespace = "default"
        with contextlib.suppress(OSError):
            namespace = (sa / "namespace").read_text(encoding="utf-8").strip() or "default"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return cls(server=f"https://{host}:{port}", token_file=str(token_file), ca_file=str(ca_file),
                   timeout=timeout, default_namespace=namespace)

    @classmethod
    def from_kubeconfig(cls, path: str | os.PathLike[str], context: str | None = None, *,
                        timeout: float = 10.0) -> KubeConfig:
        """The cluster and user of ``context`` (default: current-context) in a kubeconfig file."""
        p = Path(path)
        try:
            with p.open("rb") as handle:
                raw = handle.read(MAX_KUBECONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read kubeconfig {p}: {exc.strerror or exc}") from None
        if len(raw) > MAX_KUBECONFIG_BYTES:
            raise ConfigError(f"kubeconfig {p} is larger than {MAX_KUBECONFIG_BYTES} bytes")
        try:
            doc = yaml.safe_load(raw.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            where = f"{p}:{line + 1}" if line is not None else str(p)
            raise ConfigError(f"{where}: kubeconfig is not valid YAML: {exc}") from None
        if not isinstance(doc, dict):
            raise ConfigError(f"{p}: kubeconfig is not a mapping")
        name = context or doc.get("current-context")
        if not name:
            raise ConfigError(f"{p}: no context given and no current-context set")
        ctx = _named(doc, "contexts", "context", name, p)
        cluster = _named(doc, "clusters", "cluster", ctx.get("cluster"), p)
        user = _named(doc, "users", "user", ctx.get("user"), p) if ctx.get("user") else {}
        base = p.parent
        server = cluster.get("server")
        if not isinstance(server, str) or not server:
            raise ConfigError(f"{p}: cluster {ctx.get('cluster')!r} has no server")
        if "exec" in user or "auth-provider" in user:
            raise ConfigError(f"{p}: user {ctx.get('user')!r} uses an exec/auth-provider plug-in, which stockade "
                              "does not run; use a token or a client certificate")
        ca_data = _b64(cluster.get("certificate-authority-data"), p, "certificate-authority-data")
        cert_file, key_file = _rel(base, user.get("client-certificate")), _rel(base, user.get("client-key"))
        cert_data = _b64(user.get("client-certificate-data"), p, "client-certificate-data")
        key_data = _b64(user.get("client-key-data"), p, "client-key-data")
        if cert_data and key_data:
            cert_file, key_file = _private_files(cert_data, key_data)
        token = user.get("token")
        return cls(
            server=server,
            token=str(token) if token else None,
            token_file=_rel(base, user.get("tokenFile")),
            ca_file=_rel(base, cluster.get("certificate-authority")),
            ca_data=ca_data,
            insecure_skip_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
            cert_file=cert_file,
            key_file=key_file,
            timeout=timeout,
            default_namespace=str(ctx.get("namespace") or "default"),
        )


def _named(doc: dict[str, Any], section: str, key: str, name: object, path: Path) -> dict[str, Any]:
    entries = doc.get(section) or []
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get(key), dict):
                return dict(entry[key])
    raise ConfigError(f"{path}: no {key} named {name!r} in {section}")


def _rel(base: Path, value: object) -> str | None:
    if not value:
        return None
    p = Path(str(value))
    return str(p if p.is_absolute() else base / p)


def _b64(value: object, path: Path, what: str) -> str | None:
    if not value:
        return None
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"{path}: {what} is not valid base64 PEM") from None


def _private_files(cert_pem: str, key_pem: str) -> tuple[str, str]:
    """ssl loads client certificates from files only: write them to a private directory (mode 0700)."""
    directory = tempfile.mkdtemp(prefix="stockade-kube-")
    paths = []
    for name, text in (("client.crt", cert_pem), ("client.key", key_pem)):
        fd = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        paths.append(os.path.join(directory, name))
    return paths[0], paths[1]


class KubeClient:
    """The three calls the response actions make, each one HTTP request."""

    def __init__(self, config: KubeConfig) -> None:
        self.config = config
        self._endpoint = Endpoint.parse(config.server, "Kubernetes API server URL")
        self._context: ssl.SSLContext | None = None
        if self._endpoint.scheme == "https":
            self._context = tls_context(ca_file=config.ca_file, ca_data=config.ca_data,
                                        insecure=config.insecure_skip_verify, cert_file=config.cert_file,
                                        key_file=config.key_file)

    def _token(self) -> str | None:
        if self.config.token_file:
            try:
                with open(self.config.token_file, "rb") as handle:
                    return handle.read(MAX_TOKEN_BYTES).decode("utf-8", "replace").strip() or None
            except OSError as exc:
                raise KubeAPIError(f"cannot read token file {self.config.token_file}: {exc.strerror}") from None
        return self.config.token

    def call(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> Any:
        headers = {"Accept": "application/json", "User-Agent": "stockade"}
        token = self._token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = content_type
        try:
            resp = request(self._endpoint, method, path, data, headers, timeout=self.config.timeout,
                           context=self._context)
        except TimeoutError:
            raise KubeAPIError(f"{method} {path}: API server did not answer in {self.config.timeout:g} s") from None
        except OSError as exc:
            raise KubeAPIError(f"{method} {path}: cannot reach the API server: {exc.strerror or exc}") from None
        if not 200 <= resp.status < 300:
            raise KubeAPIError(f"{method} {path}: HTTP {resp.status} {_status_message(resp.body) or resp.reason}",
                               resp.status)
        try:
            return json.loads(resp.body) if resp.body else None
        except ValueError:
            return None

    def delete_pod(self, namespace: str, name: str, grace_period_seconds: int | None = None) -> str:
        path = f"/api/v1/namespaces/{_seg(namespace)}/pods/{_seg(name)}"
        body = None
        if grace_period_seconds is not None:
            body = {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": grace_period_seconds}
        self.call("DELETE", path, body)
        return f"DELETE {path}"

    def label_pod(self, namespace: str, name: str, labels: Mapping[str, str]) -> str:
        path = f"/api/v1/namespaces/{_seg(namespace)}/pods/{_seg(name)}"
        self.call("PATCH", path, {"metadata": {"labels": dict(labels)}}, "application/merge-patch+json")
        return f"PATCH {path}"

    def create_network_policy(self, namespace: str, policy: Mapping[str, Any]) -> tuple[str, bool]:
        """POST the policy; (request, created). An existing policy of that name (409) is not an error."""
        path = f"/apis/networking.k8s.io/v1/namespaces/{_seg(namespace)}/networkpolicies"
        try:
            self.call("POST", path, dict(policy))
        except KubeAPIError as exc:
            if exc.status == 409:
                return f"POST {path}", False
            raise
        return f"POST {path}", True


def _seg(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _status_message(body: bytes) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return ""
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return str(doc["message"])[:300]
    return ""
