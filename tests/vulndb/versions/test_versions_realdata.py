"""Every version in the shared real OSV data, under the scheme its ecosystem maps to: what parses, what does
not, and whether each range's introduced version comes before its fixed one."""

from __future__ import annotations

import itertools
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockade.vulndb.versions import InvalidVersion, key, scheme_for, semver_range_scheme

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
_LOWER_EVENTS = ("introduced",)
_UPPER_EVENTS = ("fixed", "last_affected")


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (it lives beside the repository, in shared/data)")
    return path


def _sample_docs() -> Iterator[tuple[str, Any]]:
    for path in sorted(_need(DATA / "osv-samples").rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for item in doc if isinstance(doc, list) else [doc]:
            yield path.name, item


def _zip_docs(name: str) -> Iterator[tuple[str, Any]]:
    with zipfile.ZipFile(_need(DATA / "osv" / name)) as archive:
        for member in sorted(archive.namelist()):
            if member.endswith(".json"):
                yield member, json.loads(archive.read(member))


class Tally:
    def __init__(self) -> None:
        self.parsed = 0
        self.invalid: Counter[tuple[str, str, str]] = Counter()  # (ecosystem, scheme, version)
        self.ordered = 0
        self.empty_ranges: list[str] = []  # introduced == fixed
        self.out_of_order: list[tuple[str, str, str]] = []

    def version(self, ecosystem: str, scheme: str, text: str) -> Any:
        try:
            result = key(scheme, text)
        except InvalidVersion:
            self.invalid[(ecosystem, scheme, text)] += 1
            return None
        self.parsed += 1
        return result

    def document(self, name: str, doc: Any) -> None:
        for affected in doc.get("affected") or []:
            ecosystem = (affected.get("package") or {}).get("ecosystem", "")
            for rng in affected.get("ranges") or []:
                if rng.get("type") not in ("SEMVER", "ECOSYSTEM"):
                    continue
                events = [(k, v) for event in rng.get("events") or [] for k, v in event.items()]
                texts = [v for _, v in events if v != "0"]
                scheme = semver_range_scheme(ecosystem) if rng["type"] == "SEMVER" else scheme_for(ecosystem, *texts)
                keyed = [(k, v, None if v == "0" else self.version(ecosystem, scheme, v)) for k, v in events]
                for (k1, v1, low), (k2, v2, high) in itertools.pairwise(keyed):
                    if k1 in _LOWER_EVENTS and k2 in _UPPER_EVENTS and low is not None and high is not None:
                        self.ordered += 1
                        if low == high:
                            self.empty_ranges.append(name)
                        elif not low < high:
                            self.out_of_order.append((name, v1, v2))
            listed = affected.get("versions") or []
            scheme = scheme_for(ecosystem, *listed)
            for text in listed:
                self.version(ecosystem, scheme, text)


def test_osv_samples() -> None:
    tally = Tally()
    for name, doc in _sample_docs():
        tally.document(name, doc)
    assert tally.parsed == 2533
    assert tally.ordered == 135
    assert tally.out_of_order == []
    assert tally.empty_ranges == [  # introduced == fixed, as the records have it
        "PYSEC-2023-120__d7fb8c5f56.json",
        "BIT-2020-12603__4fec7ce604.json",
        "BIT-2020-12603__4fec7ce604.json",
    ]
    assert sorted(tally.invalid.items()) == [
        (("Go", "golang", "branch-v0.1.1"), 7),
        (("Go", "golang", "branch_1_cherrypick_regress"), 1),
        (("PyPI", "pep440", "2.0.0-final"), 1),
        (("PyPI", "pep440", "4.36.-1"), 1),
        (("PyPI", "pep440", "branch-v0.1.1"), 1),
    ]


def test_go_vulndb_export() -> None:
    tally = Tally()
    for name, doc in _zip_docs("Go-all.zip"):
        tally.document(name, doc)
    assert tally.parsed == 7742
    assert tally.ordered == 2268
    assert tally.invalid == Counter()
    assert tally.out_of_order == []
    assert tally.empty_ranges == []


def test_crates_io_export() -> None:
    tally = Tally()
    for name, doc in _zip_docs("crates.io-all.zip"):
        tally.document(name, doc)
    assert tally.parsed == 2466
    assert tally.ordered == 1000
    assert tally.invalid == Counter()
    assert tally.out_of_order == []
    # RUSTSEC records whose last range is introduced == fixed (an empty range, as the source has it)
    assert tally.empty_ranges == [
        "RUSTSEC-2022-0012.json",
        "RUSTSEC-2023-0039.json",
        "RUSTSEC-2024-0399.json",
        "RUSTSEC-2026-0149.json",
    ]


def test_pypi_export() -> None:
    tally = Tally()
    for name, doc in _zip_docs("PyPI-all.zip"):
        tally.document(name, doc)
    assert tally.ordered == 2986
    assert tally.out_of_order == []
    assert tally.empty_ranges == []
    # legacy (pre-PEP 440) versions listed by the advisories: packaging rejects them
    assert sum(tally.invalid.values()) == 110
    assert len(tally.invalid) == 77
    assert tally.invalid[("PyPI", "pep440", "0.7.4.svn.r2010")] == 6
    assert tally.parsed == 148664
