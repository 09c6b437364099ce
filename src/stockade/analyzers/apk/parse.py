"""apk's installed database, ``lib/apk/db/installed`` (Alpine, Wolfi, Chainguard).

One record per package, records separated by blank lines, each line ``<letter>:<value>``: ``P`` name,
``V`` version, ``A`` architecture, ``L`` licence, ``o`` origin (the source package), ``m`` maintainer,
``T`` description, ``c`` aports commit, ``D`` dependencies, ``p`` provides; ``F`` names a directory and
the ``R`` lines after it the files installed in it (``a``/``M``/``Z`` lines describe those entries).

Pure functions: bytes in, :class:`AnalysisResult` out, never an exception.
"""

from __future__ import annotations

from stockade.analyzers._base import AnalysisResult, Problems, decode
from stockade.model import Location, Package

ECOSYSTEM = "apk"
MAX_OWNED_FILES = 2_000_000
MAX_METADATA_VALUE = 4096

_METADATA = (("T", "description"), ("m", "maintainer"), ("c", "commit"), ("D", "depends"), ("p", "provides"))


def _short(value: str) -> str:
    return value if len(value) <= MAX_METADATA_VALUE else value[: MAX_METADATA_VALUE - 3] + "..."


def parse_installed(path: str, data: bytes, *, found_by: str = "apk") -> AnalysisResult:
    packages: list[Package] = []
    owned: list[str] = []
    problems = Problems(path)

    record: dict[str, str] = {}
    start = 0
    directory = ""
    owned_full = False

    def finish() -> None:
        if not record:
            return
        name, version = record.get("P", ""), record.get("V", "")
        if not name or not version:
            problems.add(f"package record without {'P (name)' if not name else 'V (version)'}", start)
            return
        packages.append(Package(
            name=name,
            version=version,
            ecosystem=ECOSYSTEM,
            locations=(Location(path, line=start),),
            found_by=found_by,
            metadata={key: _short(record[letter]) for letter, key in _METADATA if record.get(letter)},
            source_name=record.get("o") or name,
            source_version=version,
            licenses=(record["L"],) if record.get("L") else (),
            arch=record.get("A", ""),
        ))

    for number, line in enumerate(decode(data).splitlines(), start=1):
        if not line.strip():
            finish()
            record, directory = {}, ""
            continue
        if len(line) < 2 or line[1] != ":" or not line[0].isascii() or not line[0].isalpha():
            problems.add(f"not a '<letter>:<value>' line: {line[:80]!r}", number)
            continue
        if not record:
            start = number
        letter, value = line[0], line[2:]
        if letter == "F":
            directory = value.strip("/")
        elif letter == "R":
            if not value or "/" in value:
                problems.add(f"bad file name in an R line: {value[:80]!r}", number)
            elif len(owned) < MAX_OWNED_FILES:
                owned.append(f"{directory}/{value}" if directory else value)
            elif not owned_full:
                owned_full = True
                problems.add(f"more than {MAX_OWNED_FILES} files; the rest is not recorded", number)
        elif letter in record and letter in "PV":
            problems.add(f"second {letter} line in one record (missing blank line?)", number)
        else:
            record.setdefault(letter, value)
    finish()
    if not packages and data.strip() and not problems.items:
        problems.add("no package record found", 1)
    return AnalysisResult(packages=tuple(packages), diagnostics=problems.done(), owned_files=tuple(owned))
