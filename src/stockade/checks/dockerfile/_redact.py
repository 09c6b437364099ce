"""Secret recognition and redaction, shared by the secret rules and by every finding's message and snippet.

``scrub`` is applied to all text a Dockerfile finding carries, so a secret that happens to sit on an
offending line (``curl -k -u admin:pw ...``) is never reported, whatever rule reports the line.
"""

from __future__ import annotations

import functools
import re

from stockade.checks._secretnames import looks_secret

__all__ = ["REDACTED", "find_credentials", "is_placeholder", "looks_secret", "scrub"]

REDACTED = "<redacted>"

# --- recognisable credentials ---------------------------------------------------------------------------

CREDENTIAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key ID", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a GitHub token", re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])")),
    ("a GitHub token", re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,255}")),
    ("a GitLab token", re.compile(r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Stripe secret key", re.compile(r"(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{20,}")),
    ("a Google API key", re.compile(r"(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
    ("an npm token", re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])")),
    ("a PyPI token", re.compile(r"(?<![A-Za-z0-9_])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----")),
)
_URL_CREDENTIALS = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s:@'\"]+):([^/\s@'\"]+)@[^\s/'\"]")
_PLACEHOLDER = re.compile(r"^(\$.*|\{.*|\*+|x+|X+|<[^>]*>|%[A-Za-z_(].*|\.\.\.)$")


def is_placeholder(value: str) -> bool:
    return "${" in value or _PLACEHOLDER.match(value) is not None


# All credential patterns in one alternation: one pass over the text instead of one per pattern.
_ANY_CREDENTIAL = re.compile("|".join(f"(?P<c{i}>{p.pattern})" for i, (_, p) in enumerate(CREDENTIAL_PATTERNS)))
_KINDS = {f"c{i}": kind for i, (kind, _) in enumerate(CREDENTIAL_PATTERNS)}


@functools.lru_cache(maxsize=8192)
def find_credentials(text: str) -> tuple[tuple[str, int, int], ...]:
    """(kind, start, end) of each recognisable credential in ``text``; for a URL, its password part.

    Cached: rules look at the same instruction text many times."""
    found = [(_KINDS[m.lastgroup or ""], m.start(), m.end()) for m in _ANY_CREDENTIAL.finditer(text)]
    if "://" in text:
        for m in _URL_CREDENTIALS.finditer(text):
            if not is_placeholder(m.group(2)):
                found.append(("a password in a URL", m.start(2), m.end(2)))
    found.sort(key=lambda f: f[1])
    return tuple(found)


def _replace_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            continue
        out.append(text[position:start])
        out.append(REDACTED)
        position = end
    out.append(text[position:])
    return "".join(out)


_VALUE = r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s;&|\"']+)"
_ASSIGNED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>\s*=\s*)" + _VALUE)
_OPTION_VALUE = re.compile(r"(?<![\w-])(?P<name>--?[A-Za-z][A-Za-z0-9_-]*)(?P<sep>\s+)" + _VALUE)
_USER_OPTION = re.compile(r"(?<![\w-])(?:-u|-U|--user|--proxy-user|--http-password|--password)(?:\s*=?\s*|\s+)"
                          r"(?P<user>[^\s:'\"]*):(?P<value>[^\s'\"]+)")  # fmt: skip
_AUTH_HEADER = re.compile(r"(?i)(?P<head>authorization\s*:\s*(?:bearer|token|basic|digest)?\s*)(?P<value>[^\s'\"]+)")
_SPACE_FORM = re.compile(r"^(?P<head>\s*(?:ENV|ARG|LABEL)\s+(?P<name>[^\s=]+)\s+)(?P<value>\S.*)$", re.IGNORECASE)


def _secret_value(value: str) -> bool:
    bare = value.strip("'\"")
    return bool(bare) and not bare.startswith("$")


@functools.lru_cache(maxsize=8192)
def scrub(text: str, instruction: bool = True) -> str:
    """``text`` with secrets replaced by ``<redacted>``: recognisable credentials, passwords in URLs,
    values of secret-named assignments and options (``DB_PASSWORD=x``, ``--token x``), ``-u user:pass``
    and ``Authorization:`` header values; with ``instruction``, also the legacy ``ENV NAME value`` form.
    ``$VARIABLE`` references are kept (they are not secrets)."""
    if not text:
        return text
    spans = [(start, end) for _, start, end in find_credentials(text)]
    for m in _ASSIGNED.finditer(text):
        if looks_secret(m.group("name").lstrip("-")) and _secret_value(m.group("value")):
            spans.append((m.start("value"), m.end("value")))
    for m in _OPTION_VALUE.finditer(text):
        if looks_secret(m.group("name").lstrip("-")) and _secret_value(m.group("value")):
            spans.append((m.start("value"), m.end("value")))
    for pattern in (_USER_OPTION, _AUTH_HEADER, _SPACE_FORM) if instruction else (_USER_OPTION, _AUTH_HEADER):
        for m in pattern.finditer(text):
            if pattern is _SPACE_FORM and not looks_secret(m.group("name")):
                continue
            if _secret_value(m.group("value")):
                spans.append((m.start("value"), m.end("value")))
    return _replace_spans(text, spans) if spans else text
