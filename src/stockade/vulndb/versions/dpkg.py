"""Debian package versions, compared as ``dpkg --compare-versions`` does (Debian Policy 5.6.12).

``[epoch:]upstream_version[-debian_revision]``: the epoch is a number (missing means 0); the revision is what
follows the last hyphen (missing compares like ``0``). Upstream version and revision are compared part by part:
first the longest run of non-digits, character by character, where ``~`` sorts before everything (even the
end of the part), then letters, then every other character; then the longest run of digits, as a number.

What dpkg rejects is rejected here (:class:`InvalidVersion`): blanks inside the version, an empty or
non-numeric, negative or too big epoch, nothing after the epoch's colon, an empty revision after a hyphen, an
empty upstream version. What dpkg only warns about (an upstream version not starting with a digit, characters
outside the allowed sets) is compared anyway, as dpkg does; :func:`parse` returns the warning. Characters are
compared as the bytes of their UTF-8 encoding, as dpkg compares the bytes it is given.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "dpkg"

_INT_MAX = 2**31 - 1
_BLANKS = " \t"
_C_SPACE = " \t\n\v\f\r"  # what strtol skips before a number
_DIGITS = frozenset(b"0123456789")
_ALNUM = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPSTREAM_OK = frozenset(b".-+~:") | _ALNUM
_REVISION_OK = frozenset(b".+~") | _ALNUM


def _order(byte: int) -> int:
    """dpkg's weight of one non-digit byte: ``~`` < (end) < letters < everything else."""
    if byte == 0x7E:  # '~'
        return -1
    if (0x41 <= byte <= 0x5A) or (0x61 <= byte <= 0x7A):
        return byte
    if byte >= 0x80:  # a negative (signed) char in dpkg: c + 256 is the byte value again
        return byte
    return byte + 256


_ORDER = tuple(_order(b) for b in range(256))

# One (non-digit run, digit run) pair of an empty part: what a part compares like once it has run out.
_NULL_PAIR: tuple[tuple[int, ...], tuple[int, bytes]] = ((0,), (0, b""))


class Version(NamedTuple):
    epoch: int
    upstream: str
    revision: str  # "" when there is none
    warning: str  # what dpkg warns about this version ("" when nothing)


def _part_key(part: bytes) -> tuple[Any, ...]:
    """A key whose tuple order is dpkg's order of upstream versions (or revisions)."""
    pairs: list[tuple[tuple[int, ...], tuple[int, bytes]]] = []
    i, n = 0, len(part)
    while True:
        j = i
        while j < n and part[j] not in _DIGITS:
            j += 1
        letters = (*(_ORDER[b] for b in part[i:j]), 0)
        k = j
        while k < n and part[k] in _DIGITS:
            k += 1
        digits = part[j:k].lstrip(b"0")
        pairs.append((letters, (len(digits), digits)))
        i = k
        if i >= n:
            break
    # Only the first pair can equal _NULL_PAIR (the others start with a non-digit), so one _NULL_PAIR at the
    # end compares like the endless padding dpkg compares a finished part with.
    pairs.append(_NULL_PAIR)
    return tuple(pairs)


def _strtol_epoch(text: str, version: str) -> int:
    """The epoch before the colon, read as C's strtol reads it (spaces, then a sign, then digits)."""
    i = 0
    while i < len(text) and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < len(text) and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    digits = text[i:]
    if not digits:
        raise InvalidVersion(SCHEME, version, "epoch in version is empty")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidVersion(SCHEME, version, "epoch in version is not number")
    value = int(digits) if len(digits) < 30 else _INT_MAX + 1
    if negative and value:
        raise InvalidVersion(SCHEME, version, "epoch in version is negative")
    if value > _INT_MAX:
        raise InvalidVersion(SCHEME, version, "epoch in version is too big")
    return value


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse(version: str) -> Version:
    text = version.strip(_BLANKS)
    if not text:
        raise InvalidVersion(SCHEME, version, "version string is empty")
    if any(c in _BLANKS for c in text):
        raise InvalidVersion(SCHEME, version, "version string has embedded spaces")
    epoch = 0
    colon = text.find(":")
    if colon >= 0:
        epoch = _strtol_epoch(text[:colon], version)
        text = text[colon + 1 :]
        if not text:
            raise InvalidVersion(SCHEME, version, "nothing after colon in version number")
    upstream, hyphen, revision = text.rpartition("-")
    if not hyphen:
        upstream, revision = text, ""
    elif not revision:
        raise InvalidVersion(SCHEME, version, "revision number is empty")
    if not upstream:
        raise InvalidVersion(SCHEME, version, "upstream version is empty")
    warning = ""
    raw_upstream = upstream.encode("utf-8", "surrogatepass")
    if raw_upstream[0] not in _DIGITS:
        warning = "version number does not start with digit"
    elif any(b not in _UPSTREAM_OK for b in raw_upstream):
        warning = "invalid character in version number"
    elif any(b not in _REVISION_OK for b in revision.encode("utf-8", "surrogatepass")):
        warning = "invalid character in revision number"
    return Version(epoch, upstream, revision, warning)


def parse(version: str) -> Version:
    """Epoch, upstream version, revision and dpkg's warning (if any); :class:`InvalidVersion` on errors."""
    return _parse(checked(SCHEME, version))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    parsed = _parse(version)
    return (
        parsed.epoch,
        _part_key(parsed.upstream.encode("utf-8", "surrogatepass")),
        _part_key(parsed.revision.encode("utf-8", "surrogatepass")),
    )


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
