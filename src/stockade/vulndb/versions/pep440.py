"""Python package versions (PEP 440), parsed and ordered by the ``packaging`` library.

Epochs (``1!2.0``), pre-releases (``a``/``b``/``rc`` and their spellings), post-releases, development
releases and local versions (``1.0+ubuntu1``) all order as PEP 440 says; leading and trailing whitespace is
ignored and spellings are normalised (``1.0-ALPHA1`` == ``1.0a1``). Legacy versions that PEP 440 rejects
raise :class:`InvalidVersion`. The key is a :class:`packaging.version.Version`.
"""

from __future__ import annotations

import functools

from packaging.version import InvalidVersion as _PackagingInvalidVersion
from packaging.version import Version

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "pep440"


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> Version:
    try:
        return Version(version)
    except _PackagingInvalidVersion:
        raise InvalidVersion(SCHEME, version, "not a PEP 440 version") from None


def key(version: str) -> Version:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
