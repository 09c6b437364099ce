"""Wiring of the Debian analyzers.

* ``dpkg``: ``var/lib/dpkg/status`` and distroless ``var/lib/dpkg/status.d/<name>`` (not ``*.md5sums``)
  -> installed ``deb`` packages (purl left empty: :func:`stockade.analyzers._ospurl.os_purl` builds it once
  the distribution is known).
* ``dpkg-copyright``: ``usr/share/doc/<package>/copyright`` -> licences. dpkg's status file declares no
  licence, so this analyzer returns, per copyright file, one licence-only record
  ``Package(name=<package>, version="", ecosystem="deb", licenses=(...), found_by="dpkg-copyright",
  metadata={"kind": "license"})``. It is not a package of its own: the runner merges its ``licenses``
  into the ``deb`` packages of the same name found by ``dpkg`` in the same root filesystem and then drops
  the record (a record without a matching package is dropped too).
* ``dpkg-files``: ``var/lib/dpkg/info/*.list``, ``var/lib/dpkg/info/*.md5sums`` and distroless
  ``var/lib/dpkg/status.d/*.md5sums`` -> ``owned_files`` (the files dpkg installed).
"""

from __future__ import annotations

from stockade.analyzers._base import INSTALLED, AnalysisResult, FileInput, FunctionAnalyzer, read_or_fail
from stockade.analyzers.dpkg.parse import parse_copyright, parse_file_list, parse_md5sums, parse_status

STATUS = "var/lib/dpkg/status"
STATUS_D = "var/lib/dpkg/status.d/"
INFO = "var/lib/dpkg/info/"
DOC = "usr/share/doc/"
MAX_COPYRIGHT = 8 * 1024 * 1024


def _wants_status(path: str, size: int, mode: int) -> bool:
    if path == STATUS:
        return True
    return path.startswith(STATUS_D) and not path.endswith(".md5sums") and "/" not in path[len(STATUS_D):]


def _wants_copyright(path: str, size: int, mode: int) -> bool:
    return path.startswith(DOC) and path.endswith("/copyright") and path.count("/") == 4


def _wants_files(path: str, size: int, mode: int) -> bool:
    if path.startswith(INFO):
        return (path.endswith(".list") or path.endswith(".md5sums")) and "/" not in path[len(INFO):]
    return path.startswith(STATUS_D) and path.endswith(".md5sums") and "/" not in path[len(STATUS_D):]


def _analyze_status(file: FileInput) -> AnalysisResult:
    data = read_or_fail(file)
    if isinstance(data, AnalysisResult):
        return data
    return parse_status(file.path, data, require_status=file.path == STATUS, found_by="dpkg")


def _analyze_copyright(file: FileInput) -> AnalysisResult:
    data = read_or_fail(file, MAX_COPYRIGHT)
    if isinstance(data, AnalysisResult):
        return data
    return parse_copyright(file.path, data, found_by="dpkg-copyright")


def _analyze_files(file: FileInput) -> AnalysisResult:
    data = read_or_fail(file)
    if isinstance(data, AnalysisResult):
        return data
    if file.path.endswith(".md5sums"):
        return parse_md5sums(file.path, data)
    return parse_file_list(file.path, data)


DPKG = FunctionAnalyzer(id="dpkg", version=1, targets=INSTALLED, want=_wants_status, parse=_analyze_status)
DPKG_COPYRIGHT = FunctionAnalyzer(id="dpkg-copyright", version=1, targets=INSTALLED, want=_wants_copyright,
                                  parse=_analyze_copyright)
DPKG_FILES = FunctionAnalyzer(id="dpkg-files", version=1, targets=INSTALLED, want=_wants_files,
                              parse=_analyze_files)

ANALYZERS = (DPKG, DPKG_COPYRIGHT, DPKG_FILES)
