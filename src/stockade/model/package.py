"""A package found in an artifact: a fact, never a judgment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from stockade.model.location import Location


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    ecosystem: str
    purl: str = ""
    locations: tuple[Location, ...] = ()
    found_by: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
