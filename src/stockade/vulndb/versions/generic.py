"""The fallback for versions of no known scheme: runs of digits and runs of letters, compared in turn.

The version is split into runs of ASCII digits and runs of other letters or digits; everything else only
separates them (``1.2`` == ``1-2`` == ``1_2``). Runs compare in turn: digit runs as numbers (leading zeros
ignored), letter runs as lower-cased text, a digit run is newer than a letter run (``1.a`` < ``1.0``); when all
runs so far are equal the version with more runs is newer (``1.0`` < ``1.0.1``, ``1.0`` < ``1.0a``). A version
without any letter or digit raises :class:`InvalidVersion`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "generic"

_RUN = re.compile(r"[0-9]+|[^\W_0-9]+")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    runs: list[tuple[Any, ...]] = []
    for run in _RUN.findall(version):
        if "0" <= run[0] <= "9":
            digits = run.lstrip("0")
            runs.append((1, len(digits), digits))
        else:
            runs.append((0, run.lower()))
    if not runs:
        raise InvalidVersion(SCHEME, version, "has no letters or digits")
    return tuple(runs)


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
