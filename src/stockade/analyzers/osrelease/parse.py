"""Which distribution a root filesystem is: os-release and the older per-distribution release files.

``os-release`` (freedesktop.org) is a list of shell-style ``KEY=value`` assignments: values may be
unquoted, double-quoted (backslash escapes ``$ " \\ ``` and ``\\``) or single-quoted (no escapes), lines
starting with ``#`` are comments. ``etc/lsb-release`` uses the same syntax with ``DISTRIB_*`` keys. The
legacy files are one line each: ``etc/alpine-release`` (``3.19.1``), ``etc/debian_version`` (``12.5`` or
``bookworm/sid``), ``etc/redhat-release``/``etc/centos-release``/``etc/system-release``
(``Rocky Linux release 9.3 (Blue Onyx)``).

Every function here is pure: bytes in, :class:`AnalysisResult` (with ``os`` set) out, never an exception.
"""

from __future__ import annotations

import re

from stockade.analyzers._base import AnalysisResult, basename, decode, diagnostic
from stockade.model import Diagnostic, OSInfo

# os-release ID (and a few historical spellings) -> the family name stockade matches on.
_FAMILY = {
    "amzn": "amazon",
    "ol": "oracle",
    "oracle": "oracle",
    "redhat": "rhel",
    "rhel": "rhel",
    "alma": "almalinux",
    "almalinux": "almalinux",
    "rocky": "rocky",
    "centos": "centos",
    "fedora": "fedora",
    "opensuse": "opensuse-leap",  # openSUSE Leap 42.x said ID=opensuse
    "opensuse-leap": "opensuse-leap",
    "opensuse-tumbleweed": "opensuse-tumbleweed",
    "sles": "sles",
    "sles_sap": "sles",
    "cbl-mariner": "mariner",
    "mariner": "mariner",
    "azurelinux": "azurelinux",
    "photon": "photon",
    "wolfi": "wolfi",
    "chainguard": "chainguard",
    "debian": "debian",
    "ubuntu": "ubuntu",
    "alpine": "alpine",
}

# Prefixes of the product name in "<product> release <version> (<codename>)" files.
_RELEASE_PRODUCTS = (
    ("red hat enterprise linux", "rhel"),
    ("centos", "centos"),
    ("rocky linux", "rocky"),
    ("almalinux", "almalinux"),
    ("oracle linux", "oracle"),
    ("fedora", "fedora"),
    ("amazon linux", "amazon"),
)

# Preference when several files were seen: os-release over the legacy files, etc/ over usr/lib/.
_PRIORITY = {
    "etc/os-release": 0,
    "usr/lib/os-release": 1,
    "etc/lsb-release": 2,
    "etc/alpine-release": 3,
    "etc/centos-release": 3,
    "etc/redhat-release": 4,
    "etc/system-release": 5,
    "etc/debian_version": 6,
}

RELEASE_FILES = frozenset(_PRIORITY)

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RELEASE_LINE = re.compile(r"(?P<product>.+?)\s+release\s+(?P<version>[0-9][0-9A-Za-z._-]*)(?:\s*\((?P<code>[^)]*)\))?")
_NUMERIC_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_PARENTHESISED = re.compile(r"\(([^()]+)\)")
_MAX_DIAGNOSTICS = 10


def normalise_family(os_id: str) -> str:
    """The family name for an os-release ``ID`` (``amzn`` -> ``amazon``, ``ol`` -> ``oracle``)."""
    os_id = os_id.strip().lower()
    return _FAMILY.get(os_id, os_id)


def _unquote(raw: str) -> str | None:
    """The value of a shell-style assignment's right-hand side; None when a quote is not closed."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char == '"':
            i += 1
            while i < n and raw[i] != '"':
                if raw[i] == "\\" and i + 1 < n and raw[i + 1] in '$"\\`':
                    out.append(raw[i + 1])
                    i += 2
                    continue
                out.append(raw[i])
                i += 1
            if i >= n:
                return None
            i += 1
        elif char == "'":
            end = raw.find("'", i + 1)
            if end < 0:
                return None
            out.append(raw[i + 1 : end])
            i = end + 1
        elif char == "\\" and i + 1 < n:
            out.append(raw[i + 1])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_assignments(path: str, text: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """``KEY=value`` lines (os-release, lsb-release) as a dict; bad lines become diagnostics."""
    values: dict[str, str] = {}
    problems: list[Diagnostic] = []

    def problem(message: str, line: int) -> None:
        if len(problems) < _MAX_DIAGNOSTICS:
            problems.append(diagnostic(path, message, line=line))

    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        key, eq, raw = line.partition("=")
        key = key.strip()
        if not eq or not _KEY.fullmatch(key):
            problem(f"not a KEY=value assignment: {line[:80]!r}", number)
            continue
        value = _unquote(raw.strip())
        if value is None:
            problem(f"unterminated quote in the value of {key}", number)
            continue
        values[key] = value
    return values, problems


def _codename_from_version(version: str) -> str:
    """``12 (bookworm)`` -> ``bookworm``; Ubuntu's ``22.04.3 LTS (Jammy Jellyfish)`` has its own key."""
    match = _PARENTHESISED.search(version)
    if match and " " not in match.group(1).strip():
        return match.group(1).strip()
    return ""


def parse_os_release(path: str, data: bytes) -> AnalysisResult:
    values, problems = parse_assignments(path, decode(data))
    if not values:
        problems.append(diagnostic(path, "no KEY=value assignment found in os-release"))
        return AnalysisResult(diagnostics=tuple(problems[: _MAX_DIAGNOSTICS + 1]))
    family = normalise_family(values.get("ID", "")) or "linux"  # the specification's default for ID
    pretty = values.get("PRETTY_NAME", "")
    name = pretty or " ".join(x for x in (values.get("NAME", ""), values.get("VERSION", "")) if x)
    codename = (
        values.get("VERSION_CODENAME", "")
        or values.get("UBUNTU_CODENAME", "")
        or _codename_from_version(values.get("VERSION", ""))
    )
    home = values.get("HOME_URL", "").lower()
    distroless = family == "debian" and (pretty.strip().lower() == "distroless"
                                         or "googlecontainertools/distroless" in home)
    info = OSInfo(family=family, version=values.get("VERSION_ID", ""), codename=codename, name=name,
                  distroless=distroless)
    return AnalysisResult(diagnostics=tuple(problems), os=info)


def parse_lsb_release(path: str, data: bytes) -> AnalysisResult:
    values, problems = parse_assignments(path, decode(data))
    distrib = values.get("DISTRIB_ID", "")
    if not distrib:
        problems.append(diagnostic(path, "lsb-release has no DISTRIB_ID"))
        return AnalysisResult(diagnostics=tuple(problems))
    info = OSInfo(family=normalise_family(distrib), version=values.get("DISTRIB_RELEASE", ""),
                  codename=values.get("DISTRIB_CODENAME", ""), name=values.get("DISTRIB_DESCRIPTION", ""))
    return AnalysisResult(diagnostics=tuple(problems), os=info)


def _first_line(data: bytes) -> str:
    text = decode(data[:4096])
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def parse_alpine_release(path: str, data: bytes) -> AnalysisResult:
    version = _first_line(data)
    if not version or not version[0].isdigit() or len(version) > 64:
        return AnalysisResult(diagnostics=(diagnostic(path, f"not an Alpine version: {version[:80]!r}", line=1),))
    return AnalysisResult(os=OSInfo(family="alpine", version=version))


def parse_debian_version(path: str, data: bytes) -> AnalysisResult:
    text = _first_line(data)
    if not text or len(text) > 64 or not text.isprintable():
        return AnalysisResult(diagnostics=(diagnostic(path, f"not a Debian version: {text[:80]!r}", line=1),))
    if _NUMERIC_VERSION.fullmatch(text):
        return AnalysisResult(os=OSInfo(family="debian", version=text))
    # testing/unstable (and Ubuntu) say "bookworm/sid": a codename, no number
    return AnalysisResult(os=OSInfo(family="debian", codename=text.partition("/")[0]))


def parse_release_line(path: str, data: bytes) -> AnalysisResult:
    """``etc/redhat-release``, ``etc/centos-release``, ``etc/system-release``."""
    line = _first_line(data)
    match = _RELEASE_LINE.match(line)
    if match is None:
        return AnalysisResult(diagnostics=(diagnostic(path, f"not a '<product> release <version>' line: "
                                                      f"{line[:80]!r}", line=1),))
    product = match.group("product").strip().lower()
    family = next((fam for prefix, fam in _RELEASE_PRODUCTS if product.startswith(prefix)), "")
    if not family:
        return AnalysisResult(diagnostics=(diagnostic(path, f"unknown distribution {match.group('product')!r}",
                                                      line=1),))
    return AnalysisResult(os=OSInfo(family=family, version=match.group("version"),
                                    codename=(match.group("code") or "").strip(), name=line))


def parse_release_file(path: str, data: bytes) -> AnalysisResult:
    """Dispatch on the file name: any of :data:`RELEASE_FILES`."""
    name = basename(path)
    if name == "os-release":
        return parse_os_release(path, data)
    if name == "lsb-release":
        return parse_lsb_release(path, data)
    if name == "alpine-release":
        return parse_alpine_release(path, data)
    if name == "debian_version":
        return parse_debian_version(path, data)
    return parse_release_line(path, data)


def select_os(found: list[tuple[str, OSInfo]]) -> OSInfo | None:
    """The best of several ``(path, OSInfo)``: os-release over the legacy files, ``etc/`` over ``usr/lib/``.

    Empty version/codename/name of the winner are filled in from the other files of the same family (Debian
    testing's os-release has no VERSION_ID; its ``debian_version`` names the codename).
    """
    if not found:
        return None
    ranked = sorted(found, key=lambda item: (_PRIORITY.get(item[0].lstrip("/"), len(_PRIORITY) + 1), item[0]))
    best = ranked[0][1]
    version, codename, name = best.version, best.codename, best.name
    for _, other in ranked[1:]:
        if other.family != best.family:
            continue
        version = version or other.version
        codename = codename or other.codename
        name = name or other.name
    if (version, codename, name) == (best.version, best.codename, best.name):
        return best
    return OSInfo(family=best.family, version=version, codename=codename, name=name, distroless=best.distroless,
                  eosl=best.eosl)
