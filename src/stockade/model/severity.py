"""Severity scale shared by every kind of finding (Trivy's scale, which users already filter on)."""

from __future__ import annotations

import enum


class Severity(enum.Enum):
    """Finding severity, ordered from most to least severe."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    UNKNOWN = "UNKNOWN"

    @property
    def rank(self) -> int:
        """Higher is more severe: CRITICAL=4 ... UNKNOWN=0."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name, case-insensitively; raises ValueError naming the valid values."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            valid = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {valid})") from None

    def __str__(self) -> str:
        return self.value


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.UNKNOWN: 0,
}
