"""dpkg's database: the status file (deb822 stanzas), copyright files and the per-package file lists.

* ``var/lib/dpkg/status``: one deb822 stanza per package that dpkg knows; only those whose ``Status`` says
  the package is installed are packages of the filesystem. Distroless images have no status file but
  ``var/lib/dpkg/status.d/<name>`` files, one or more stanzas each and usually without ``Status``.
* ``usr/share/doc/<package>/copyright``: in the machine-readable format (DEP-5) the ``License:`` first
  line of each ``Files`` paragraph is a licence short name; other copyright files often point at
  ``/usr/share/common-licenses/<name>``.
* ``var/lib/dpkg/info/<package>.list`` (one absolute path per line) and ``<package>.md5sums`` (``<md5>``,
  two spaces, relative path): the files a package installed.

Pure functions: bytes in, :class:`AnalysisResult` out, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stockade.analyzers._base import AnalysisResult, Problems, decode, diagnostic
from stockade.model import Location, Package

ECOSYSTEM = "deb"
MAX_OWNED_FILES = 500_000  # per .list/.md5sums file; the largest real packages list about 100,000 paths
MAX_METADATA_VALUE = 4096

# The dpkg Status field is "<want> <error flag> <status>"; these statuses mean the files are on disk and the
# package is configured (held and to-be-removed packages included).
_INSTALLED_STATUSES = frozenset({"installed", "triggers-pending", "triggers-awaited"})

_SOURCE = re.compile(r"(?P<name>[^\s(]+)\s*(?:\((?P<version>[^)]*)\))?\s*$")
_FIELD_NAME = re.compile(r"[!-9;-~][!-9;-~]*")  # deb822: printable ASCII but ':' (and not starting with '#'/'-')
_COMMON_LICENSE = re.compile(r"/usr/share/common-licenses/([A-Za-z0-9][A-Za-z0-9.+_-]*[A-Za-z0-9+])")
_MD5 = re.compile(r"[0-9a-fA-F]{32}")


@dataclass
class Stanza:
    """One deb822 paragraph: field names lower-cased, continuation lines joined with newlines."""

    line: int
    fields: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name.lower(), "")


def parse_deb822(text: str, problems: Problems) -> list[Stanza]:
    """Paragraphs of ``Field: value`` lines separated by blank lines; bad lines are reported and skipped."""
    stanzas: list[Stanza] = []
    current: Stanza | None = None
    last: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current, last = None, None
            continue
        if line[0] in " \t":
            if current is None or last is None:
                problems.add("continuation line outside a field", number)
                continue
            current.fields[last] += "\n" + line.strip()
            continue
        if line.startswith("#"):
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _FIELD_NAME.fullmatch(name):
            problems.add(f"not a 'Field: value' line: {line[:80]!r}", number)
            last = None
            continue
        if current is None:
            current = Stanza(number)
            stanzas.append(current)
        key = name.lower()
        if key in current.fields:
            problems.add(f"duplicate field {name!r} in the paragraph starting at line {current.line}", number)
        current.fields[key] = value.strip()
        current.lines[key] = number
        last = key
    return stanzas


def parse_source(source: str, name: str, version: str) -> tuple[str, str]:
    """``Source: glibc (2.36-9)`` -> ``("glibc", "2.36-9")``; the binary's name/version fill what is absent."""
    match = _SOURCE.match(source.strip()) if source.strip() else None
    if match is None:
        return name, version
    return match.group("name"), (match.group("version") or "").strip() or version


def is_installed(status: str) -> bool:
    words = status.split()
    return len(words) == 3 and words[2] in _INSTALLED_STATUSES


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_METADATA_VALUE else value[: MAX_METADATA_VALUE - 3] + "..."


def stanza_package(path: str, stanza: Stanza, *, found_by: str) -> Package:
    name, version = stanza.get("Package"), stanza.get("Version")
    source_name, source_version = parse_source(stanza.get("Source"), name, version)
    metadata = {key: _short(value) for key, value in (
        ("maintainer", stanza.get("Maintainer")),
        ("installed_size", stanza.get("Installed-Size")),
        ("depends", stanza.get("Depends")),
    ) if value}
    return Package(
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        locations=(Location(path, line=stanza.line),),
        found_by=found_by,
        metadata=metadata,
        source_name=source_name,
        source_version=source_version,
        arch=stanza.get("Architecture"),
    )


def parse_status(path: str, data: bytes, *, require_status: bool = True, found_by: str = "dpkg") -> AnalysisResult:
    """Installed packages of a dpkg status file (``require_status``) or a distroless ``status.d`` file.

    In ``status.d`` files a stanza without ``Status`` is an installed package; one with ``Status`` is
    judged like in the status file.
    """
    problems = Problems(path)
    packages: list[Package] = []
    stanzas = parse_deb822(decode(data), problems)
    for stanza in stanzas:
        name, version = stanza.get("Package"), stanza.get("Version")
        status = stanza.get("Status")
        if "status" in stanza.fields or require_status:
            if not status:
                problems.add(f"package {name or '?'} has no Status field", stanza.line)
                continue
            if not is_installed(status):
                continue
        if not name or not version:
            what = "Package" if not name else "Version"
            problems.add(f"paragraph without a {what} field", stanza.line)
            continue
        packages.append(stanza_package(path, stanza, found_by=found_by))
    if not stanzas and data.strip() and not problems.items:
        problems.add("no deb822 paragraph found")
    return AnalysisResult(packages=tuple(packages), diagnostics=problems.done())


# --- copyright ------------------------------------------------------------------------------------------


def copyright_package_name(path: str) -> str:
    """``usr/share/doc/<name>/copyright`` -> ``<name>`` (empty for any other path)."""
    parts = path.split("/")
    if len(parts) == 5 and parts[:3] == ["usr", "share", "doc"] and parts[4] == "copyright":
        return parts[3]
    return ""


def _is_machine_readable(text: str) -> bool:
    for line in text.splitlines():
        if line.strip():
            return line.lower().startswith("format:")
    return False


def _add_unique(found: list[str], value: str) -> None:
    if value and value not in found:
        found.append(value)


def parse_copyright_licenses(path: str, data: bytes) -> tuple[list[str], Problems]:
    """Licence short names of a copyright file, in the order first seen, without duplicates."""
    problems = Problems(path)
    text = decode(data)
    found: list[str] = []
    if _is_machine_readable(text):
        stanzas = parse_deb822(text, problems)
        for stanza in stanzas:
            if "files" in stanza.fields:
                _add_unique(found, stanza.get("License").partition("\n")[0].strip())
        if not found and stanzas:  # a header paragraph that licenses the whole package
            _add_unique(found, stanzas[0].get("License").partition("\n")[0].strip())
    else:
        for match in _COMMON_LICENSE.finditer(text):
            _add_unique(found, match.group(1))
    return found, problems


def parse_copyright(path: str, data: bytes, *, found_by: str = "dpkg-copyright") -> AnalysisResult:
    """A licence-only package record (``metadata={"kind": "license"}``) for the package the path names."""
    name = copyright_package_name(path)
    if not name:
        return AnalysisResult(diagnostics=(diagnostic(path, "not a usr/share/doc/<package>/copyright path"),))
    licenses, problems = parse_copyright_licenses(path, data)
    if not licenses:
        return AnalysisResult(diagnostics=problems.done())
    package = Package(name=name, version="", ecosystem=ECOSYSTEM, locations=(Location(path),), found_by=found_by,
                      licenses=tuple(licenses), metadata={"kind": "license"})
    return AnalysisResult(packages=(package,), diagnostics=problems.done())


# --- file lists -----------------------------------------------------------------------------------------


def parse_file_list(path: str, data: bytes) -> AnalysisResult:
    """``info/<package>.list``: absolute paths, one per line (directories included) -> owned_files."""
    problems = Problems(path)
    owned: list[str] = []
    for number, line in enumerate(decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        if not line.startswith("/"):
            problems.add(f"not an absolute path: {line[:80]!r}", number)
            continue
        relative = line.lstrip("/")
        if not relative or relative == ".":
            continue
        if len(owned) >= MAX_OWNED_FILES:
            problems.add(f"more than {MAX_OWNED_FILES} paths; the rest is ignored", number)
            break
        owned.append(relative)
    return AnalysisResult(diagnostics=problems.done(), owned_files=tuple(owned))


def parse_md5sums(path: str, data: bytes) -> AnalysisResult:
    """``<package>.md5sums``: ``<32 hex digits>  <relative path>`` per line -> owned_files."""
    problems = Problems(path)
    owned: list[str] = []
    for number, line in enumerate(decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, rest = line.partition("  ")
        relative = rest.lstrip("/")
        if not sep or not _MD5.fullmatch(digest) or not relative:
            problems.add(f"not an '<md5>  <path>' line: {line[:80]!r}", number)
            continue
        if len(owned) >= MAX_OWNED_FILES:
            problems.add(f"more than {MAX_OWNED_FILES} paths; the rest is ignored", number)
            break
        owned.append(relative)
    return AnalysisResult(diagnostics=problems.done(), owned_files=tuple(owned))
