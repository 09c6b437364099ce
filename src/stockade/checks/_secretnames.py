"""Whether a variable or option name says its value is a secret: shared by the Kubernetes and Dockerfile
rules (an env var in a pod spec and an ENV in a Dockerfile are judged alike)."""

from __future__ import annotations

import itertools
import re

# A name token that is, or ends with, one of these marks a secret (DB_PASSWORD, AUTHTOKEN, githubToken).
_SECRET_WORDS = ("PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "TOKENS", "APIKEY",
                 "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "CREDENTIAL", "CREDENTIALS")  # fmt: skip
# Tokens too short or too common to match as a suffix: only a whole token counts (DB_PASS, MYSQL_PWD).
_EXACT_WORDS = frozenset({"PASS", "PWD", "CREDS"})
# Adjacent token pairs (API_KEY, PRIVATE_KEY ...). A lone KEY is not enough: GPG_KEY holds a fingerprint.
_SECRET_PAIRS = frozenset({("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("AUTH", "KEY"),
                           ("ENCRYPTION", "KEY"), ("SIGNING", "KEY"), ("MASTER", "KEY"), ("CLIENT", "KEY"),
                           ("SSH", "KEY"), ("DEPLOY", "KEY"), ("LICENSE", "KEY"), ("APP", "KEY"),
                           ("SECRET", "KEY")})  # fmt: skip
# A name ending with one of these describes a secret (where it is, how long it lives ...), it is not one.
_NOT_SECRET_SUFFIXES = frozenset(
    {
        "FILE", "PATH", "DIR", "NAME", "URL", "URI", "ENDPOINT", "HOST", "PORT", "ID", "USER", "USERNAME",
        "TTL", "EXPIRY", "EXPIRES", "EXPIRATION", "LIFETIME", "TIMEOUT", "INTERVAL", "DURATION", "SECONDS",
        "PERIOD", "LENGTH", "LEN", "SIZE", "MIN", "MAX", "COUNT", "LIMIT", "RETRIES", "HEADER", "TYPE",
        "ENABLED", "ENABLE", "DISABLED", "DISABLE", "REQUIRED", "POLICY", "ROTATION", "PREFIX", "FORMAT",
        "MODE", "ALGORITHM", "AUDIENCE", "ISSUER", "VERSION", "NAMESPACE", "REF", "KEYREF", "SOURCE",
        "PARALLELISM", "REGION", "SCOPE", "SCOPES",
    }
)  # fmt: skip
# Well-known credential variables whose last token would otherwise exempt them.
_KNOWN_SECRET_NAMES = frozenset({"AWS_ACCESS_KEY_ID", "NPM_CONFIG__AUTH", "NPM_CONFIG__AUTHTOKEN"})
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[^A-Z0-9]+")


def name_tokens(name: str) -> list[str]:
    return [t for t in _SPLIT.split(_CAMEL.sub(r"\1_\2", name).upper()) if t]


def looks_secret(name: str) -> bool:
    """Whether a variable (or option) name says its value is a secret (PASSWORD, TOKEN, API_KEY ...);
    names that only describe one (``..._FILE``, ``..._URL``, ``..._USER``, ``..._TTL``) do not."""
    if name.upper() in _KNOWN_SECRET_NAMES:
        return True
    tokens = name_tokens(name)
    if not tokens or tokens[-1] in _NOT_SECRET_SUFFIXES:
        return False
    if len(tokens) == 1 and tokens[0] in ("PWD", "PASS"):
        return False  # the shell's working directory; a bare PASS is too vague
    for token in tokens:
        if token in _EXACT_WORDS or any(token == w or token.endswith(w) for w in _SECRET_WORDS):
            return True
    if tokens[-1] == "AUTH" and len(tokens) > 1:
        return True  # BASIC_AUTH, NPM_CONFIG__AUTH
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(tokens))
