"""What the advisory store tests share: fixture paths, the shared real data, building a store.

Test modules get them through the ``kit`` fixture (they never import this file).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from stockade.vulndb.model import Advisory
from stockade.vulndb.store import rebuild

TESTDATA = Path(__file__).parent / "testdata"
# the repository's shared real data lives next to the repository (tests skip without it)
SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


class StoreKit:
    testdata = TESTDATA

    @staticmethod
    def shared(*parts: str) -> Path:
        """A path in the shared data folder, or a skip when it is not there."""
        path = SHARED_DATA.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"shared data not present: {path} (see the shared data README)")
        return path

    @staticmethod
    def build_store(path: Path, sources: Mapping[str, Iterable[Advisory]]) -> None:
        """(Re)build the store at ``path`` with each source's advisories (``source`` set to its name)."""
        with rebuild(path) as builder:
            for name, advisories in sources.items():
                builder.begin_source(name, kind="test", origin=f"test:{name}")
                for advisory in advisories:
                    builder.add(replace(advisory, source=name))


@pytest.fixture
def kit() -> StoreKit:
    return StoreKit()
