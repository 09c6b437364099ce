"""Wiring of the rpm analyzer (id ``rpm``): the rpm database in any of its three formats.

* ``rpmdb.sqlite`` (rpm >= 4.16: Fedora 33+, RHEL 9, Amazon Linux 2023, Rocky/Alma 9): copied to a
  temporary file (SQLite needs one) and read read-only.
* ``Packages`` (Berkeley DB hash: RHEL/CentOS 7 and 8, Amazon Linux 2, Oracle Linux): read in pure Python.
* ``Packages.db`` (ndb: openSUSE, SLES 15): read in pure Python.

Each under ``var/lib/rpm/`` or ``usr/lib/sysimage/rpm/`` (where Fedora and openSUSE moved it; ``var/lib/rpm``
is then a symlink). Packages carry no purl: :func:`stockade.analyzers._ospurl.os_purl` builds it once the
distribution is known. ``owned_files`` lists every file of every package.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from stockade.analyzers._base import INSTALLED, AnalysisResult, FileInput, FunctionAnalyzer, failed
from stockade.analyzers.rpm.bdb import BDBError, HashDB
from stockade.analyzers.rpm.ndb import NDBError, PackageDB
from stockade.analyzers.rpm.parse import Collector
from stockade.analyzers.rpm.sqlitedb import SQLiteError, blobs

DIRECTORIES = ("var/lib/rpm/", "usr/lib/sysimage/rpm/")
SQLITE, BERKELEY, NDB = "rpmdb.sqlite", "Packages", "Packages.db"
PATHS = frozenset(directory + name for directory in DIRECTORIES for name in (SQLITE, BERKELEY, NDB))
MAX_DATABASE = 2 * 1024 * 1024 * 1024  # the rpm database of a large distribution is a few hundred MiB


def _wants(path: str, size: int, mode: int) -> bool:
    return path in PATHS


def _sqlite(file: FileInput) -> AnalysisResult:
    collector = Collector(file.path, "rpm")
    with tempfile.TemporaryDirectory(prefix="stockade-rpmdb-") as directory:
        copy = Path(directory) / SQLITE
        try:
            with file.open() as source, copy.open("wb") as target:
                shutil.copyfileobj(source, target)
            for hnum, blob in blobs(copy):
                collector.add_blob(hnum, blob)
        except SQLiteError as exc:
            collector.problem(str(exc))
        except OSError as exc:
            collector.problem(f"cannot copy the database for reading: {exc}")
    return collector.result()


def _berkeley(file: FileInput) -> AnalysisResult:
    collector = Collector(file.path, "rpm")
    with file.open() as stream:
        try:
            database = HashDB(stream)
        except BDBError as exc:
            return failed(file.path, f"rpm database: {exc}")
        for key, value in database.items():
            number = int.from_bytes(key, "little" if database.order == "<" else "big") if len(key) == 4 else -1
            if number == 0:
                continue  # record 0 holds rpm's next-instance counter, not a header
            collector.add_blob(number, value)
        for problem in database.problems:
            collector.problem(problem)
    return collector.result()


def _ndb(file: FileInput) -> AnalysisResult:
    collector = Collector(file.path, "rpm")
    with file.open() as stream:
        try:
            database = PackageDB(stream)
        except NDBError as exc:
            return failed(file.path, f"rpm database: {exc}")
        for index, blob in database.items():
            collector.add_blob(index, blob)
        for problem in database.problems:
            collector.problem(problem)
    return collector.result()


def _analyze(file: FileInput) -> AnalysisResult:
    if file.size > MAX_DATABASE:
        return failed(file.path, f"rpm database of {file.size} bytes is above the {MAX_DATABASE} byte limit")
    name = file.path.rpartition("/")[2]
    try:
        if name == SQLITE:
            return _sqlite(file)
        if name == NDB:
            return _ndb(file)
        return _berkeley(file)
    except OSError as exc:
        return failed(file.path, f"cannot read the rpm database: {exc}")


RPM = FunctionAnalyzer(id="rpm", version=1, targets=INSTALLED, want=_wants, parse=_analyze)

ANALYZERS = (RPM,)
