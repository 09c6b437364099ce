"""Severity of an advisory: computed from its CVSS vectors, else the source's own rating.

The preference order (``--vuln-severity-source``) lists sources by name: ``cvss_v4``, ``cvss_v3``,
``cvss_v2`` (a score computed from the vector with the ``cvss`` package) and ``source`` (the rating the
advisory database itself gives: GHSA's ``database_specific.severity``, the Debian tracker's urgency,
Ubuntu's priority). The first source that yields a rating wins; nothing at all is UNKNOWN.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from stockade.model import Severity
from stockade.vulndb.model import Advisory, Affected

DEFAULT_ORDER = ("cvss_v3", "cvss_v4", "cvss_v2", "source")
KNOWN_SOURCES = frozenset(DEFAULT_ORDER)

# Ratings as the sources write them.
_WORDS = {
    "critical": Severity.CRITICAL, "high": Severity.HIGH, "important": Severity.HIGH,
    "moderate": Severity.MEDIUM, "medium": Severity.MEDIUM, "low": Severity.LOW, "negligible": Severity.LOW,
    "unimportant": Severity.LOW, "none": Severity.LOW,
}


@dataclass(frozen=True, slots=True)
class Rating:
    severity: Severity
    score: float | None = None  # the CVSS base score, when computed
    vector: str = ""
    source: str = ""  # which preference source gave it


@functools.lru_cache(maxsize=16384)
@functools.lru_cache(maxsize=8192)
def cvss_rating(kind: str, vector: str) -> Rating | None:
    """The base score and rating of a CVSS vector; None when the vector does not parse (memoised: the same
    few thousand vectors recur across packages and scans)."""
    try:
        if kind == "CVSS_V4":
            from cvss import CVSS4

            c4 = CVSS4(vector)
            return Rating(_from_word(str(c4.severity)), float(c4.base_score), vector, "cvss_v4")
        if kind == "CVSS_V3":
            from cvss import CVSS3

            c3 = CVSS3(vector)
            return Rating(_from_word(c3.severities()[0]), float(c3.scores()[0]), vector, "cvss_v3")
        if kind == "CVSS_V2":
            from cvss import CVSS2

            c2 = CVSS2(vector)
            return Rating(_from_word(c2.severities()[0]), float(c2.scores()[0]), vector, "cvss_v2")
    except Exception:  # the cvss package raises its own error types for malformed vectors
        return None
    return None


def _from_word(word: str) -> Severity:
    return _WORDS.get(word.strip().lower(), Severity.UNKNOWN)


def _source_rating(advisory: Advisory, affected: Affected | None) -> Rating | None:
    """The rating the database itself gives (GHSA database_specific.severity, distro urgency/priority)."""
    for text in ((affected.database_specific if affected else ""), advisory.database_specific,
                 (affected.ecosystem_specific if affected else "")):
        if text:
            sev = _specific_severity(text)
            if sev is not Severity.UNKNOWN:
                return Rating(sev, None, "", "source")
    for kind, score in (*(affected.severity if affected else ()), *advisory.severity):
        if kind.lower() == "ubuntu":
            sev = _from_word(score)
            if sev is not Severity.UNKNOWN:
                return Rating(sev, None, "", "source")
    return None


_VECTOR_KINDS = {"cvss_v4": "CVSS_V4", "cvss_v3": "CVSS_V3", "cvss_v2": "CVSS_V2"}


@functools.lru_cache(maxsize=8192)
def _specific_severity(text: str) -> Severity:
    """The severity word in a database_specific / ecosystem_specific JSON object (UNKNOWN: none)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return Severity.UNKNOWN
    if not isinstance(data, dict):
        return Severity.UNKNOWN
    for key in ("severity", "urgency", "priority"):
        value = data.get(key)
        if isinstance(value, str):
            sev = _from_word(value.replace("**", "").split()[0] if value.strip() else "")
            if sev is not Severity.UNKNOWN:
                return sev
    return Severity.UNKNOWN


def rate(advisory: Advisory, affected: Affected | None = None, order: Sequence[str] = DEFAULT_ORDER) -> Rating:
    """The advisory's rating by the preference ``order`` (see the module docstring)."""
    vectors = (*(affected.severity if affected else ()), *advisory.severity)
    for source in order:
        if source == "source":
            found = _source_rating(advisory, affected)
            if found is not None:
                return found
            continue
        kind = _VECTOR_KINDS.get(source)
        for vkind, vector in vectors:
            if vkind == kind:
                rating = cvss_rating(vkind, vector)
                if rating is not None:
                    return rating
    return Rating(Severity.UNKNOWN)
