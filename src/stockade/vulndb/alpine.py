"""Alpine's security database (secdb, ``https://secdb.alpinelinux.org/<release>/<repo>.json``) as advisories.

A file is ``{"distroversion": "v3.19", "reponame": "main", "packages": [{"pkg": {"name": …, "secfixes":
{"<fixed version>": ["CVE-…", …]}}}]}``: for each package, the version that fixed each issue (copied from
the ``# secfixes:`` block of its APKBUILD). Every issue id becomes one :class:`Advisory` (source
``alpine-secdb:<distroversion>/<reponame>``) with an ``affected`` entry per package in ``Alpine:<distroversion>``
(``Alpine:v3.19``, as OSV names Alpine releases): range ``introduced 0, fixed <version>``, state FIXED.
An issue listed under two fixed versions of one package (a partial fix, then the complete one) keeps both
ranges; by OSV's rules the package is affected below the later fix.

The version ``"0"`` means the issue never affected the package in this release: no entry. An entry may
hold several ids separated by white space; words that are not ids (``CVE-2020-1234 (partial)``) are
dropped with a warning.
"""

from __future__ import annotations

import os
import re
from typing import Any

from stockade.model import Diagnostic, DiagnosticLevel
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range
from stockade.vulndb.osv import diagnostic, json_pointer, kind_of, load_json_file

SOURCE_PREFIX = "alpine-secdb"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*")


def source_name(distroversion: str, reponame: str) -> str:
    """``alpine-secdb:v3.19/main``."""
    return f"{SOURCE_PREFIX}:{distroversion}/{reponame}" if reponame else f"{SOURCE_PREFIX}:{distroversion}"


def _ids(text: str) -> tuple[list[str], list[str]]:
    """(the ids in one secfixes entry, the words that are not ids)."""
    ids: list[str] = []
    other: list[str] = []
    for word in text.split():
        if _ID.fullmatch(word):
            ids.append(word.upper() if word[:4].lower() == "cve-" else word)
        else:
            other.append(word)
    return ids, other


def parse_secdb(doc: Any, origin: str, *, source: str = "") -> tuple[str, list[Advisory], list[Diagnostic]]:
    """(source name, advisories, problems) for a parsed secdb document.

    The source name is ``source`` or :func:`source_name` of the document; it is ``""`` (and there are no
    advisories) when the document has no ``distroversion`` to say which release it is about.
    """
    problems: list[Diagnostic] = []
    if not isinstance(doc, dict):
        return "", [], [diagnostic(origin, f"expected a secdb JSON object, not {kind_of(doc)}")]
    distro = doc.get("distroversion")
    if not isinstance(distro, str) or not distro.strip():
        return "", [], [diagnostic(origin, "'distroversion' must be a non-empty string (which Alpine release "
                                           "is this?)", pointer="/distroversion")]
    distro = distro.strip()
    repo = doc.get("reponame")
    repo = repo.strip() if isinstance(repo, str) else ""
    name = source or source_name(distro, repo)
    packages = doc.get("packages")
    if packages is None:
        packages = []
    if not isinstance(packages, list):
        return name, [], [diagnostic(origin, f"'packages' must be an array, not {kind_of(packages)}",
                                     pointer="/packages")]
    ecosystem = f"Alpine:{distro}"
    # issue id -> package -> fixed versions, in file order
    fixes: dict[str, dict[str, list[str]]] = {}
    for i, wrapper in enumerate(packages):
        ptr = json_pointer("packages", i)
        pkg = wrapper.get("pkg") if isinstance(wrapper, dict) else None
        if not isinstance(pkg, dict):
            problems.append(diagnostic(origin, "expected {\"pkg\": {\"name\", \"secfixes\"}}", pointer=ptr))
            continue
        pkg_name = pkg.get("name")
        if not isinstance(pkg_name, str) or not pkg_name.strip():
            problems.append(diagnostic(origin, "a package without a name", pointer=ptr + "/pkg/name"))
            continue
        pkg_name = pkg_name.strip()
        secfixes = pkg.get("secfixes")
        if secfixes is None:
            continue
        if not isinstance(secfixes, dict):
            problems.append(diagnostic(origin, f"{pkg_name}: 'secfixes' must be an object, not {kind_of(secfixes)}",
                                       pointer=ptr + "/pkg/secfixes"))
            continue
        for version, entries in secfixes.items():
            vptr = ptr + json_pointer("pkg", "secfixes", version)
            fixed = version.strip()
            if not fixed or any(c.isspace() for c in fixed):
                problems.append(diagnostic(origin, f"{pkg_name}: {version!r} is not a version", pointer=vptr))
                continue
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                problems.append(diagnostic(origin, f"{pkg_name} {fixed}: expected an array of ids", pointer=vptr))
                continue
            for j, entry in enumerate(entries):
                ids, other = _ids(entry)
                if other:
                    problems.append(diagnostic(origin, f"{pkg_name} {fixed}: not an id: {' '.join(other)!r}",
                                               pointer=f"{vptr}/{j}", level=DiagnosticLevel.WARNING))
                if fixed == "0":
                    continue  # never affected in this release
                for issue in ids:
                    versions = fixes.setdefault(issue, {}).setdefault(pkg_name, [])
                    if fixed not in versions:
                        versions.append(fixed)
    advisories = [
        Advisory(
            id=issue,
            affected=tuple(
                Affected(
                    ecosystem=ecosystem,
                    name=pkg_name,
                    purl=f"pkg:apk/alpine/{pkg_name}",
                    ranges=tuple(Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", v))) for v in versions),
                    fix_state=FixState.FIXED,
                )
                for pkg_name, versions in by_package.items()
            ),
            references=(("WEB", f"https://security.alpinelinux.org/vuln/{issue}"),) if issue.startswith("CVE-")
            else (),
            source=name,
        )
        for issue, by_package in fixes.items()
    ]
    return name, advisories, problems


def read_secdb(path: str | os.PathLike[str], *, source: str = "") -> tuple[str, list[Advisory], list[Diagnostic]]:
    """:func:`parse_secdb` on a file."""
    origin = os.fspath(path)
    doc, problem = load_json_file(origin)
    if problem is not None:
        return "", [], [problem]
    return parse_secdb(doc, origin, source=source)
