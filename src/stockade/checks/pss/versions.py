"""Pod Security Standards policy versions ("latest" or "v1.N"), as PSA parses and compares them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["LATEST", "LATEST_KNOWN", "PolicyVersion", "parse_version"]

#: Newest policy version with a versioned check entry (PSA's registry ``maxVersion``).
#: Any newer requested version, and ``latest``, evaluate exactly like this one.
LATEST_KNOWN: Final[tuple[int, int]] = (1, 37)

# Same grammar as PSA's api.ParseVersion: "v1." then a minor without leading zeros.
_VERSION_RE: Final = re.compile(r"v1\.(0|[1-9][0-9]*)")


@dataclass(frozen=True)
class PolicyVersion:
    """A policy version; ``latest`` sorts after every numbered version (major/minor are then 0)."""

    major: int = 1
    minor: int = 0
    latest: bool = False

    def __post_init__(self) -> None:
        if self.latest is not True and self.latest is not False:
            raise TypeError("PolicyVersion.latest must be a bool")
        if self.latest:
            object.__setattr__(self, "major", 0)
            object.__setattr__(self, "minor", 0)
            return
        for name, value in (("major", self.major), ("minor", self.minor)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"PolicyVersion.{name} must be an int")
            if value < 0:
                raise ValueError(f"PolicyVersion.{name} must not be negative")

    def __str__(self) -> str:
        return "latest" if self.latest else f"v{self.major}.{self.minor}"

    def older(self, other: PolicyVersion) -> bool:
        """True when this version sorts before ``other`` (``latest`` is never older)."""
        if self.latest:
            return False
        if other.latest:
            return True
        return (self.major, self.minor) < (other.major, other.minor)

    def resolved(self) -> tuple[int, int]:
        """The (major, minor) PSA evaluates: ``latest`` and anything newer than LATEST_KNOWN clamp to it."""
        if self.latest or (self.major, self.minor) > LATEST_KNOWN:
            return LATEST_KNOWN
        return (self.major, self.minor)


LATEST: Final = PolicyVersion(latest=True)


def parse_version(text: str) -> PolicyVersion:
    """Parse ``"latest"`` or ``"v1.N"``; raise ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError(f'invalid policy version {text!r}: must be a string, "latest" or "v1.x"')
    if text == "latest":
        return LATEST
    match = _VERSION_RE.fullmatch(text)
    if match is None:
        raise ValueError(f'invalid policy version {text!r}: must be "latest" or "v1.x" (for example "v1.25")')
    return PolicyVersion(1, int(match.group(1)))
