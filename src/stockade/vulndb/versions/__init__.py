"""Exact version comparison, one module per versioning scheme.

Every scheme module exposes the same three names:

- ``SCHEME``: the scheme's name (a key of :data:`SCHEMES`);
- ``key(version)``: a hashable, comparable key (parsing is cached); raises :class:`InvalidVersion` for text
  the scheme rejects;
- ``compare(a, b)``: -1, 0 or 1.

Bad input never raises anything but :class:`InvalidVersion`: empty text, text longer than
:data:`MAX_VERSION_LENGTH` characters, NUL characters and non-strings are rejected by every scheme before it
parses; what else a scheme rejects is said in its module.

:func:`scheme_for` maps OSV ecosystem strings (``Debian:12``, ``Alpine:v3.19``, ``PyPI`` ...) to schemes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

#: Longer version strings are rejected. Keys are cached, so this also bounds the cache's memory.
MAX_VERSION_LENGTH = 1024

#: Size of each scheme's parse cache.
CACHE_SIZE = 65536


class InvalidVersion(ValueError):
    """A version string that a scheme rejects: says which scheme, the text and why."""

    def __init__(self, scheme: str, text: object, reason: str = "") -> None:
        self.scheme = scheme
        self.text = text
        self.reason = reason
        shown = repr(text)
        if len(shown) > 80:
            shown = shown[:60] + f"... ({len(text) if isinstance(text, str) else '?'} characters)"
        message = f"invalid {scheme} version {shown}"
        super().__init__(f"{message}: {reason}" if reason else message)


def checked(scheme: str, version: object) -> str:
    """Return ``version`` if every scheme may parse it, else raise :class:`InvalidVersion`."""
    if not isinstance(version, str):
        raise InvalidVersion(scheme, version, f"not a string but {type(version).__name__}")
    if not version:
        raise InvalidVersion(scheme, version, "empty")
    if len(version) > MAX_VERSION_LENGTH:
        raise InvalidVersion(scheme, version, f"longer than {MAX_VERSION_LENGTH} characters")
    if "\x00" in version:
        raise InvalidVersion(scheme, version, "contains a NUL character")
    return version


def sign(a: Any, b: Any) -> int:
    """-1, 0 or 1 as ``a`` is less than, equal to or greater than ``b``."""
    return -1 if a < b else (1 if a > b else 0)


class Scheme(Protocol):
    """What every scheme module provides."""

    SCHEME: str

    def key(self, version: str) -> Any: ...

    def compare(self, a: str, b: str) -> int: ...


# The scheme modules import InvalidVersion, checked and sign from this package: import them only now.
from stockade.vulndb.versions import (  # noqa: E402
    apk,
    composer,
    dpkg,
    generic,
    golang,
    maven,
    nuget,
    pep440,
    rpm,
    rubygems,
    semver,
)

SCHEMES: Mapping[str, Scheme] = MappingProxyType(
    {
        module.SCHEME: module
        for module in (apk, composer, dpkg, generic, golang, maven, nuget, pep440, rpm, rubygems, semver)
    }
)


def _scheme(name: str) -> Scheme:
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(f"unknown version scheme {name!r} (known: {', '.join(sorted(SCHEMES))})") from None


def compare(scheme: str, a: str, b: str) -> int:
    """Compare two versions under the named scheme: -1, 0 or 1."""
    return _scheme(scheme).compare(a, b)


def key(scheme: str, version: str) -> Any:
    """The comparable key of ``version`` under the named scheme."""
    return _scheme(scheme).key(version)


# OSV ecosystem names (lower-cased, the part before the first ":") and the scheme their versions follow.
_ECOSYSTEMS: Mapping[str, str] = MappingProxyType(
    {
        # Debian and derivatives
        "debian": "dpkg",
        "ubuntu": "dpkg",
        "kali": "dpkg",
        "raspbian": "dpkg",
        "devuan": "dpkg",
        # apk
        "alpine": "apk",
        "wolfi": "apk",
        "chainguard": "apk",
        "minimos": "apk",
        "alpaquita": "apk",
        "bellsoft hardened containers": "apk",
        "postmarketos": "apk",
        # rpm
        "red hat": "rpm",
        "redhat": "rpm",
        "almalinux": "rpm",
        "rocky linux": "rpm",
        "opensuse": "rpm",
        "suse": "rpm",
        "amazon linux": "rpm",
        "mageia": "rpm",
        "openeuler": "rpm",
        "photon os": "rpm",
        "oracle linux": "rpm",
        "azure linux": "rpm",
        "cbl-mariner": "rpm",
        "fedora": "rpm",
        "centos": "rpm",
        "openmandriva": "rpm",
        "euleros": "rpm",
        # language ecosystems
        "pypi": "pep440",
        "python": "pep440",
        "npm": "semver",
        "node": "semver",
        "crates.io": "semver",
        "hex": "semver",
        "pub": "semver",
        "swifturl": "semver",
        "bitnami": "semver",
        "julia": "semver",
        "github actions": "semver",
        "kubernetes": "semver",
        "nuget": "nuget",
        "packagist": "composer",
        "maven": "maven",
        "java": "maven",
        "rubygems": "rubygems",
        "go": "golang",
        # ecosystems whose versions are neither SemVer nor one of the schemes above
        "linux": "generic",
        "oss-fuzz": "generic",
        "hackage": "generic",
        "ghc": "generic",
        "cran": "generic",
        "bioconductor": "generic",
        "android": "generic",
    }
)


def _known(name: str) -> str | None:
    name = name.strip().lower()
    found = _ECOSYSTEMS.get(name)
    if found is None and (name.startswith("suse ") or name.startswith("opensuse ")):
        found = "rpm"
    return found


def scheme_for(ecosystem: str, *versions: str) -> str:
    """The scheme for an OSV ecosystem string (``Debian:12`` -> ``dpkg``, ``PyPI`` -> ``pep440`` ...).

    The ecosystem's name is the part before the first ``:``, matched without regard to case; when that name is
    not known and a second part follows (vendor feeds such as ``Root:Alpine:3.18`` or ``Seal:Red Hat:7``),
    the second part is tried. For an ecosystem still not known the answer is ``semver`` when every one of
    ``versions`` is a SemVer version (also when none is given), else ``generic``: give all the versions that
    will be compared with each other, so that they are compared under one scheme.
    """
    parts = ecosystem.split(":") if isinstance(ecosystem, str) else []
    for part in parts[:2]:
        found = _known(part)
        if found is not None:
            return found
    if all(semver.valid(version) for version in versions):
        return "semver"
    return "generic"


def semver_range_scheme(ecosystem: str = "") -> str:
    """The scheme for OSV ``SEMVER`` ranges: SemVer 2.0.0 precedence, a leading ``v`` tolerated.

    For the ``Go`` ecosystem it is ``golang``, which orders SemVer text the same way and also understands the
    Go toolchain's own version names (``go1.21.3``, ``go1.21rc2``) that stdlib packages are reported with.
    """
    parts = ecosystem.split(":") if isinstance(ecosystem, str) else []
    if parts and _known(parts[0]) == "golang":
        return "golang"
    return "semver"


__all__ = [
    "CACHE_SIZE",
    "MAX_VERSION_LENGTH",
    "SCHEMES",
    "InvalidVersion",
    "Scheme",
    "apk",
    "checked",
    "compare",
    "composer",
    "dpkg",
    "generic",
    "golang",
    "key",
    "maven",
    "nuget",
    "pep440",
    "rpm",
    "rubygems",
    "scheme_for",
    "semver",
    "semver_range_scheme",
    "sign",
]
