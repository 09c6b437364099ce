"""Secrets written into manifests: literal secret-looking env values, Secret `stringData`, bad `data`.

No message ever contains a value: at most its length. The names of variables and keys are shown; they are
what the user needs to find the line, and they are not secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, K8sObject, Workload, as_map, as_str
from stockade.checks._secretnames import looks_secret
from stockade.model import ObjectPath, Severity

SECRET = frozenset({"Secret"})

_VAR_REF = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_.-]*\)$")
_FLAGS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})


def _literal_length(value: Any) -> int | None:
    """Length of a literal value worth reporting; `None` for empty values, flags and `$(VAR)` references."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    if not text or text.lower() in _FLAGS or _VAR_REF.match(text):
        return None
    return len(text)


@check(
    id="STK-K8S-0013",
    title="Secret passed as a literal environment variable value",
    severity=Severity.HIGH,
    kinds=WORKLOADS,
    remediation="""
    Move the value into a Secret (created outside the repository, or by a secrets operator) and mount it as a
    file; if the application only reads the environment, reference the Secret instead of the value:

        volumeMounts:
          - name: db-credentials
            mountPath: /run/secrets/db
            readOnly: true
        env:
          - name: DB_PASSWORD_FILE
            value: /run/secrets/db/password
        # or, at the least:
        env:
          - name: DB_PASSWORD
            valueFrom:
              secretKeyRef:
                name: db-credentials
                key: password
    """,
    compliance=("CIS-5.4.1", "NSA-CISA:secrets"),
    references=("polaris:sensitiveContainerEnvVar",),
)
def literal_secret_env(w: Workload) -> Iterator[Violation]:
    """An environment variable whose name marks a secret (PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, APIKEY,
    PRIVATE_KEY, ACCESS_KEY, CREDENTIAL ...) with a literal `value`: the secret is in the manifest, so in
    version control, CI logs and every copy of the object (`kubectl get -o yaml` shows it to anyone who
    can read the workload, which is far wider than who can read Secrets). Names that describe a secret
    without holding one (`..._FILE`, `..._PATH`, `..._TTL` ...), flags (`true`) and `$(VAR)`
    references are not reported. The value is never shown."""
    for c in w.containers():
        env = c.data.get("env")
        if not isinstance(env, list):
            continue
        for i, item in enumerate(env):
            if not isinstance(item, Mapping):
                continue
            name = as_str(item.get("name"))
            if not name or not looks_secret(name) or "value" not in item:
                continue
            length = _literal_length(item.get("value"))
            if length is None:
                continue
            yield Violation(
                c.path / "env" / i / "value",
                f'{c.describe()} sets env var "{name}" to a literal value ({length} characters) in the manifest',
            )


def _str_key(key: Any) -> str:
    return key if isinstance(key, str) else str(key)


@check(
    id="STK-K8S-0014",
    title="Secret has plaintext stringData in the manifest",
    severity=Severity.MEDIUM,
    kinds=SECRET,
    remediation="""
    Do not commit secret values. Create the Secret out of band (kubectl create secret ... from a vault), or
    commit it encrypted (Sealed Secrets, SOPS) or as a reference (External Secrets Operator):

        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata:
          name: db-credentials
        spec:
          secretStoreRef:
            name: vault
            kind: ClusterSecretStore
          target:
            name: db-credentials
          data:
            - secretKey: password
              remoteRef:
                key: shop/db
                property: password
    """,
    compliance=("CIS-5.4.2", "NSA-CISA:secrets"),
)
def secret_string_data(obj: K8sObject) -> Iterator[Violation]:
    """`stringData` holds secret values in plain text, readable by anyone who reads the manifest: the
    repository, its forks and CI logs. (`data` is only base64, which hides nothing either, but
    `stringData` is the unmistakable sign of a secret written by hand into a file.) Values are never
    shown, only key names and lengths."""
    string_data = obj.data.get("stringData")
    if not isinstance(string_data, Mapping):
        return
    for key, value in string_data.items():
        name = _str_key(key)
        size = f" ({len(value)} characters)" if isinstance(value, str) else ""
        yield Violation(
            ObjectPath(("stringData", name)),
            f'Secret "{obj.name}" has key "{name}" in plaintext stringData{size}',
        )


_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_RE = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def base64_problem(value: Any) -> str | None:
    """Why `value` is not what the API server accepts in `Secret.data` (standard, padded base64; line
    breaks are ignored, as by Go's decoder), or `None` if it is fine. Never quotes the value."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"is a YAML {_yaml_type(value)}, not a base64 string"
    text = value.replace("\r", "").replace("\n", "")
    if _B64_RE.match(text):
        return None
    body = text.rstrip("=")
    if any(ch in "-_" for ch in body) and all(ch in _B64_ALPHABET or ch in "-_" for ch in body):
        return "uses the URL-safe base64 alphabet (- and _); the API server expects the standard one (+ and /)"
    if any(ch not in _B64_ALPHABET and ch != "=" for ch in body):
        return "contains characters outside the base64 alphabet (plain text where base64 belongs?)"
    if "=" in body:
        return "has '=' padding in the middle"
    if len(text) % 4:
        hint = "wrong" if text.endswith("=") else "missing"
        return f"has length {len(text)}, not a multiple of 4 ({hint} '=' padding?)"
    return "has wrong '=' padding"


@check(
    id="STK-K8S-0015",
    title="Secret data value is not valid base64",
    severity=Severity.LOW,
    kinds=SECRET,
    remediation="""
    Encode each value with standard, padded base64 (`printf %s "$VALUE" | base64 -w0`), or put plain text
    under stringData if it must be in the file at all:

        data:
          password: cGxhY2Vob2xkZXI=
    """,
    compliance=("NSA-CISA:secrets",),
)
def secret_data_base64(obj: K8sObject) -> Iterator[Violation]:
    """The API server rejects a Secret whose `data` values are not standard, padded base64; the usual
    cause is a plain-text value written under `data` instead of `stringData` (which also means the
    secret is in the file in clear text). Values are never shown, only what is wrong with them."""
    data = as_map(obj.data.get("data"))
    for key, value in data.items():
        problem = base64_problem(value)
        if problem is None:
            continue
        name = _str_key(key)
        yield Violation(ObjectPath(("data", name)), f'Secret "{obj.name}" data key "{name}" {problem}')
