"""RubyGems versions, ordered as ``Gem::Version#<=>`` orders them.

A version is digits, then ``.``-separated runs of letters and digits, optionally a ``-`` part (which RubyGems
reads as ``.pre.``); surrounding whitespace is ignored. It is split into segments at dots and at every change
between letters and digits (``1.0.b1`` -> 1, 0, "b", 1). Trailing zeros of the numeric part and of the part
from the first letter on are dropped (``1.0`` == ``1``, ``1.a.0`` == ``1.a``). Segments compare in turn, a
missing segment counting as 0: numbers as numbers, strings as strings, and a string is older than any number,
so a version with a letter is a pre-release (``1.0.a`` < ``1.0`` < ``1.0.0.1``). Text RubyGems rejects (and the
empty version, which RubyGems reads as ``0``) raises :class:`InvalidVersion`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "rubygems"

_SPACE = " \t\r\n\f\v"
_PATTERN = re.compile(r"[0-9]+(?>\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?", re.ASCII)
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
_END = (1,)


def segments(version: str) -> list[int | str]:
    """Gem::Version#canonical_segments of a valid version."""
    text = version.strip(_SPACE).replace("-", ".pre.")
    parts: list[int | str] = [int(s) if s[0].isdigit() else s for s in _SEGMENT.findall(text)]
    first_string = next((i for i, s in enumerate(parts) if isinstance(s, str)), len(parts))
    numeric, strings = parts[:first_string], parts[first_string:]
    while numeric and numeric[-1] == 0:
        numeric.pop()
    while strings and strings[-1] == 0:
        strings.pop()
    return numeric + strings


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    if not _PATTERN.fullmatch(version.strip(_SPACE)):
        raise InvalidVersion(SCHEME, version, "not a RubyGems version")
    # Comparing with zeros as padding: write each segment with the number of zeros before it. A string (older
    # than a zero) is older the fewer zeros precede it; a number (newer than a zero) is newer the fewer zeros
    # precede it; the end (zeros for ever) lies between all strings and all numbers.
    out: list[tuple[Any, ...]] = []
    zeros = 0
    for segment in segments(version):
        if segment == 0:
            zeros += 1
        elif isinstance(segment, str):
            out.append((0, zeros, segment))
            zeros = 0
        else:
            out.append((2, -zeros, segment))
            zeros = 0
    out.append(_END)
    return tuple(out)


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
