"""Advisories as stored and matched: the OSV schema's shape, frozen, with ranges already parsed.

OSV (ossf/osv-schema) is the canonical record. Distro sources that carry fix *states* (the Debian security
tracker, Alpine secdb) are imported into the same shape: their state goes into :attr:`Affected.fix_state`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple


class FixState(enum.Enum):
    """What the source says about a package version it lists (Trivy's statuses, named plainly)."""

    FIXED = "fixed"  # a released fix exists (the range has a `fixed` event, or the distro says resolved)
    AFFECTED = "affected"  # affected, no fix released yet
    WILL_NOT_FIX = "will_not_fix"  # the distro decided not to fix it (Debian `ignored`)
    FIX_DEFERRED = "fix_deferred"  # the distro postponed the fix (Debian `postponed`, `no-dsa`)
    END_OF_LIFE = "end_of_life"  # the release is out of support (Debian `end-of-life`)
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Event(NamedTuple):
    """One OSV range event: ``introduced``, ``fixed``, ``last_affected`` or ``limit``, and its version.

    Events, ranges and affected entries are named tuples rather than frozen dataclasses: a match decodes
    thousands of them from the store, and a tuple is several times cheaper to build.
    """

    kind: str
    version: str


class Range(NamedTuple):
    """An OSV range: ``type`` is ``ECOSYSTEM``, ``SEMVER`` or ``GIT`` (GIT ranges are kept, never matched)."""

    type: str
    events: tuple[Event, ...]
    repo: str = ""


class Affected(NamedTuple):
    """One ``affected[]`` entry: a package in an ecosystem and the versions of it that are affected.

    ``ecosystem`` is the OSV ecosystem string as written (``Debian:12``, ``PyPI``, ``Alpine:v3.19``);
    ``name`` the package name as written; ``fix_state`` is set by importers of distro formats (and is
    ``None`` for plain OSV records, where the ranges say it all).
    """

    ecosystem: str
    name: str
    purl: str = ""
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    fix_state: FixState | None = None
    severity: tuple[tuple[str, str], ...] = ()  # per-package severity: (type, score/vector)
    ecosystem_specific: str = ""  # JSON text, kept for display and later use
    database_specific: str = ""  # JSON text


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    modified: str = ""
    published: str = ""
    withdrawn: str = ""
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: tuple[tuple[str, str], ...] = ()  # (type, score): CVSS_V2 / CVSS_V3 / CVSS_V4 vectors, Ubuntu ...
    affected: tuple[Affected, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # (type, url)
    database_specific: str = ""  # JSON text; e.g. GHSA's {"severity": "HIGH"}
    source: str = ""  # where it was imported from (osv:PyPI, debian-tracker, alpine-secdb ...)
    schema_version: str = ""
    extra: dict[str, str] = field(default_factory=dict)
