"""Walk a Java archive (and the archives nested in it) for the packages it holds.

One package per ``META-INF/maven/<groupId>/<artifactId>/pom.properties``; an archive without any is one
package from its ``META-INF/MANIFEST.MF`` and file name (see :func:`package_from_manifest`). Archives
inside (``WEB-INF/lib/*.jar``, ``BOOT-INF/lib/*.jar``, ``lib/*.jar``, any member with an archive suffix)
are opened in memory and walked the same way; their packages are located at ``outer!/member``.

The zip is read through the seekable stream it is given. Everything it says about itself is distrusted:
the number of members, their declared sizes and the nesting depth are capped, members are read with a
hard cap on the decompressed size (a zip bomb stops at the cap), and all nested reads of one file share
one budget.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from stockade.analyzers._base import AnalysisResult, Problems, decode
from stockade.analyzers.java.parse import (
    package_from_manifest,
    package_from_pom_properties,
    parse_manifest,
    split_bundle_license,
    split_filename,
)
from stockade.model import Package

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi")
MAX_DEPTH = 3  # archives nested up to three levels below the file itself are opened
MAX_MEMBERS = 200_000
MAX_METADATA = 1024 * 1024  # a manifest or pom.properties
MAX_NESTED = 64 * 1024 * 1024  # one nested archive, held in memory
MAX_TOTAL = 512 * 1024 * 1024  # everything decompressed for one file

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
               ValueError, zlib.error, KeyError, OverflowError)


@dataclass(slots=True)
class _Walk:
    found_by: str
    budget: int
    problems: Problems
    packages: list[Package] = field(default_factory=list)

    def problem(self, path: str, message: str) -> None:
        self.problems.add(message, where=path)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, walk: _Walk, where: str) -> bytes | None:
    """A member's bytes, at most ``cap`` (and what is left of the budget); None with a diagnostic otherwise."""
    limit = min(cap, walk.budget)
    if info.file_size > limit:
        walk.problem(where, f"{info.filename}: {info.file_size} bytes is above the {limit} byte limit; not read")
        return None
    try:
        with zf.open(info) as member:
            data = member.read(limit + 1)
    except _ZIP_ERRORS as exc:
        walk.problem(where, f"{info.filename}: cannot read archive member: {exc}")
        return None
    walk.budget -= min(len(data), walk.budget)
    if len(data) > limit:
        walk.problem(where, f"{info.filename}: decompresses to more than {limit} bytes; not read")
        return None
    return data


def _walk(stream: BinaryIO, where: str, filename: str, depth: int, walk: _Walk) -> None:
    try:
        zf = zipfile.ZipFile(stream)
    except _ZIP_ERRORS as exc:
        walk.problem(where, f"not a readable Java archive: {exc}")
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            walk.problem(where, f"{len(infos)} archive members is above the limit of {MAX_MEMBERS}; "
                                f"only the first {MAX_MEMBERS} are read")
            infos = infos[:MAX_MEMBERS]
        manifest: zipfile.ZipInfo | None = None
        poms: list[zipfile.ZipInfo] = []
        nested: list[zipfile.ZipInfo] = []
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if name.upper() == "META-INF/MANIFEST.MF":
                manifest = manifest or info
            elif name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                poms.append(info)
            elif name.lower().endswith(ARCHIVE_SUFFIXES):
                nested.append(info)

        attrs: dict[str, str] = {}
        if manifest is not None:
            data = _read_member(zf, manifest, MAX_METADATA, walk, where)
            if data is not None:
                attrs = parse_manifest(decode(data))

        own: list[Package] = []
        for info in poms:
            data = _read_member(zf, info, MAX_METADATA, walk, where)
            if data is None:
                continue
            found = package_from_pom_properties(decode(data), where, walk.found_by)
            if isinstance(found, str):
                walk.problem(where, f"{info.filename}: {found}")
            else:
                own.append(found)
        if own:
            own = _with_licenses(own, attrs, filename)
        else:
            pkg = package_from_manifest(attrs, filename, where, walk.found_by)
            if pkg is not None:
                own.append(pkg)
        walk.packages.extend(own)

        for info in nested:
            inner = f"{where}!/{info.filename}"
            if depth + 1 > MAX_DEPTH:
                walk.problem(inner, f"archive nested more than {MAX_DEPTH} levels deep; not opened")
                continue
            data = _read_member(zf, info, MAX_NESTED, walk, where)
            if data is not None:
                _walk(io.BytesIO(data), inner, info.filename, depth + 1, walk)


def _with_licenses(packages: list[Package], attrs: dict[str, str], filename: str) -> list[Package]:
    """The manifest's Bundle-License belongs to the archive's own artifact: the pom.properties whose
    artifactId the file name, the Bundle-SymbolicName, Implementation-Title or Bundle-Name carries (not a
    shaded dependency's)."""
    licenses = split_bundle_license(attrs.get("bundle-license", ""))
    if not licenses:
        return packages
    symbolic = attrs.get("bundle-symbolicname", "").split(";", 1)[0].strip()
    names = {split_filename(filename)[0], attrs.get("implementation-title", ""), attrs.get("bundle-name", ""),
             symbolic.rpartition(".")[2]}

    def own(pkg: Package) -> bool:
        group, _, artifact = pkg.name.rpartition(":")
        return artifact in names or symbolic == f"{group}.{artifact}"

    return [dataclasses.replace(p, licenses=licenses) if own(p) else p for p in packages]


def scan_archive(stream: BinaryIO, path: str, found_by: str) -> AnalysisResult:
    """Packages of the archive at ``path`` (read through ``stream``) and of the archives nested in it."""
    walk = _Walk(found_by, MAX_TOTAL, Problems(path))
    _walk(stream, path, path.rpartition("/")[2], 0, walk)
    return AnalysisResult(tuple(walk.packages), walk.problems.done())
