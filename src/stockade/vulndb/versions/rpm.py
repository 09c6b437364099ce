"""RPM versions: rpmvercmp for each of epoch, version and release (``[epoch:]version[-release]``).

rpmvercmp splits a string into runs of ASCII digits and runs of ASCII letters; every other character only
separates them, except ``~`` and ``^``. Runs are compared in turn: digits as numbers, letters as strings, a digit
run is newer than a letter run; ``~`` sorts before anything, even the end of the string; ``^`` sorts after the
end but before any other run; of two strings equal so far, the one with a run left is newer.

``[epoch:]version[-release]`` is split as rpm's parseEVR splits it: the epoch is the leading digits when a
colon follows them (missing or empty means 0), the release is what follows the last hyphen. Epochs compare as
numbers, then versions, then releases. rpm itself skips the release when either side has none (so that
``1.0`` matches every ``1.0-*`` in a dependency); that is not an order, so here a missing release compares like
an empty one. Every non-empty string is a valid RPM version.
"""

from __future__ import annotations

import functools
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, checked, sign

SCHEME = "rpm"

_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

# Token ranks: ~ < end < ^ < letters < digits.
_TILDE = (0,)
_END = (1,)
_CARET = (2,)


def vercmp_key(text: str) -> tuple[Any, ...]:
    """A key whose tuple order is rpmvercmp's order of plain strings."""
    tokens: list[tuple[Any, ...]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _DIGITS:
            j = i
            while j < n and text[j] in _DIGITS:
                j += 1
            digits = text[i:j].lstrip("0")
            tokens.append((4, len(digits), digits))
            i = j
        elif c in _LETTERS:
            j = i
            while j < n and text[j] in _LETTERS:
                j += 1
            tokens.append((3, text[i:j]))
            i = j
        else:
            if c == "~":
                tokens.append(_TILDE)
            elif c == "^":
                tokens.append(_CARET)
            i += 1
    tokens.append(_END)
    return tuple(tokens)


def vercmp(a: str, b: str) -> int:
    """rpmvercmp of two plain strings (no epoch/release splitting)."""
    return sign(vercmp_key(a), vercmp_key(b))


def parse_evr(version: str) -> tuple[str, str, str | None]:
    """(epoch, version, release) as rpm's parseEVR splits them; epoch "0" when missing, release None."""
    i = 0
    while i < len(version) and version[i] in _DIGITS:
        i += 1
    if i < len(version) and version[i] == ":":
        epoch, rest = version[:i] or "0", version[i + 1 :]
    else:
        epoch, rest = "0", version
    ver, hyphen, release = rest.rpartition("-")
    if not hyphen:
        return epoch, rest, None
    return epoch, ver, release


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    epoch, ver, release = parse_evr(version)
    digits = epoch.lstrip("0")
    return ((len(digits), digits), vercmp_key(ver), vercmp_key(release or ""))


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
