"""Semantic Versioning 2.0.0 precedence (what OSV ``SEMVER`` ranges and npm, crates.io, Hex, Pub ... use).

``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``: numbers compare numerically; a version with a pre-release is
older than the same version without; pre-release identifiers compare one by one, numeric ones as numbers and
lower than alphanumeric ones, which compare in ASCII order; more identifiers win when all before are equal.
Build metadata is ignored. Numbers must not have leading zeros, identifiers must be non-empty
``[0-9A-Za-z-]``; anything else raises :class:`InvalidVersion`.

Tolerated, as OSV records in the wild need: a leading ``v`` (``v1.2.3``) and the shorthands ``MAJOR`` and
``MAJOR.MINOR`` without pre-release or build (``1.2`` == ``1.2.0``), as Go's semver package reads them.
(OSV's ``introduced: "0"`` means "since the first version": that is for the range matcher to handle; here
``0`` is ``0.0.0``, which is newer than ``0.0.0-alpha``.)
"""

from __future__ import annotations

import functools
import re
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "semver"

_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")
#: The pre-release part of a key for a release: after every pre-release.
RELEASE = (1,)


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _numeric(text: str, version: str, what: str, scheme: str) -> tuple[int, str]:
    if not _is_number(text):
        raise InvalidVersion(scheme, version, f"{what} {text!r} is not a number")
    if len(text) > 1 and text[0] == "0":
        raise InvalidVersion(scheme, version, f"{what} {text!r} has a leading zero")
    return (len(text), text)


def prerelease_key(prerelease: str, version: str, scheme: str) -> tuple[Any, ...]:
    """The precedence key of a dot-separated pre-release (without its ``-``)."""
    identifiers: list[tuple[Any, ...]] = []
    for identifier in prerelease.split("."):
        if not _IDENTIFIER.fullmatch(identifier):
            raise InvalidVersion(scheme, version, f"bad pre-release identifier {identifier!r}")
        if identifier.isdigit():
            identifiers.append((0, *_numeric(identifier, version, "numeric pre-release identifier", scheme)))
        else:
            identifiers.append((1, identifier))
    return (0, *identifiers)


def parse_key(text: str, version: str, scheme: str, shorthand: bool) -> tuple[Any, ...]:
    """The key of SemVer ``text`` (without a ``v``); ``shorthand`` allows ``MAJOR`` and ``MAJOR.MINOR``."""
    core, plus, build = text.partition("+")
    if plus:
        for identifier in build.split("."):
            if not _IDENTIFIER.fullmatch(identifier):
                raise InvalidVersion(scheme, version, f"bad build metadata identifier {identifier!r}")
    core, dash, prerelease = core.partition("-")
    numbers = core.split(".")
    if len(numbers) != 3 and not (shorthand and len(numbers) < 3 and not plus and not dash):
        raise InvalidVersion(scheme, version, "not MAJOR.MINOR.PATCH")
    parts = [_numeric(n, version, name, scheme) for n, name in zip(numbers, ("major", "minor", "patch"), strict=False)]
    while len(parts) < 3:
        parts.append((1, "0"))
    pre = prerelease_key(prerelease, version, scheme) if dash else RELEASE
    return (*parts, pre)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    text = version[1:] if version.startswith("v") else version
    return parse_key(text, version, SCHEME, shorthand=True)


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def valid(version: str) -> bool:
    """Whether ``version`` is SemVer as this module reads it."""
    try:
        key(version)
    except InvalidVersion:
        return False
    return True


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
