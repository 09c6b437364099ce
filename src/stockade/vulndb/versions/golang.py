"""Go versions: module versions (SemVer with a ``v``) and Go toolchain versions (``go1.21.3``, ``go1.21rc2``).

Module versions follow Go's semver package: ``vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`` (``v1`` and ``v1.2``
are ``v1.0.0`` and ``v1.2.0``), SemVer 2.0.0 precedence, build metadata ignored (so ``+incompatible`` does not
change the order). Pseudo-versions (``v0.0.0-20191109021931-daa7c04131f5``, ``v1.2.4-0.2019...-abcdef``) are
SemVer pre-releases and need nothing special: they sort below the release they precede.

Toolchain versions follow Go's own rules (go/version): ``go1.21.3``; before Go 1.21 the first release of a
minor version had no patch number (``go1.20`` == ``1.20.0``) and pre-releases hung off the minor version
(``go1.20rc1`` < ``go1.20``); since Go 1.21 ``go1.21`` names the language version, which is older than
``go1.21rc1``, which is older than ``go1.21.0``. A custom suffix after ``-`` (``go1.21.0-bigcorp``) and
anything after a space (``go1.22.1 X:boringcrypto``) are ignored. Toolchain versions are placed among SemVer
versions as the Go vulnerability database writes them: ``go1.21rc2`` is ``1.21.0-rc.2``; the language
version ``go1.21`` is ``1.21.0-0``.

Text without ``v`` or ``go`` (OSV's Go ranges drop the ``v``: ``1.21.3``, ``0.0.0-2022...-abc``) is read as
SemVer when it is full SemVer, else as a toolchain version without its ``go`` (``1.21rc2``, ``1.20``).
"""

from __future__ import annotations

import functools
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign
from stockade.vulndb.versions import semver as _semver

SCHEME = "golang"


def _cut_int(text: str) -> tuple[str, str] | None:
    """Leading decimal number (no needless leading zero) and the rest, as Go's toolchain parser reads it."""
    i = 0
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    if i == 0 or (text[0] == "0" and i != 1):
        return None
    return text[:i], text[i:]


def _toolchain_key(text: str, version: str) -> tuple[Any, ...]:
    """Key of a toolchain version without its ``go`` prefix: ``1``, ``1.20``, ``1.21.3``, ``1.21rc2``."""
    bad = InvalidVersion(SCHEME, version, "not a Go toolchain version")
    cut = _cut_int(text)
    if cut is None:
        raise bad
    major, rest = cut
    if not rest:
        return ((len(major), major), (1, "0"), (1, "0"), _semver.RELEASE)
    if rest[0] != ".":
        raise bad
    cut = _cut_int(rest[1:])
    if cut is None:
        raise bad
    minor, rest = cut
    head = ((len(major), major), (len(minor), minor))
    if not rest:
        if (len(minor), minor) < (2, "21"):  # before Go 1.21 "1.N" is the release 1.N.0
            return (*head, (1, "0"), _semver.RELEASE)
        return (*head, (1, "0"), (0, (0, 1, "0")))  # the language version: before 1.N.0-<anything>
    if rest[0] == ".":
        cut = _cut_int(rest[1:])
        if cut is None or cut[1]:  # Go has no pre-releases of patch releases
            raise bad
        return (*head, (len(cut[0]), cut[0]), _semver.RELEASE)
    i = 0
    while i < len(rest) and "a" <= rest[i] <= "z":
        i += 1
    if i == 0:
        raise bad
    kind, rest = rest[:i], rest[i:]
    if not rest:
        return (*head, (1, "0"), (0, (1, kind)))
    cut = _cut_int(rest)
    if cut is None or cut[1]:
        raise bad
    return (*head, (1, "0"), (0, (1, kind), (0, len(cut[0]), cut[0])))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    if version.startswith("go"):
        text = version[2:].split(" ", 1)[0].split("-", 1)[0]
        return _toolchain_key(text, version)
    if version.startswith("v"):
        return _semver.parse_key(version[1:], version, SCHEME, shorthand=True)
    try:
        return _semver.parse_key(version, version, SCHEME, shorthand=False)
    except InvalidVersion:
        pass
    try:
        return _toolchain_key(version, version)
    except InvalidVersion:
        raise InvalidVersion(SCHEME, version, "neither SemVer nor a Go toolchain version") from None


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
