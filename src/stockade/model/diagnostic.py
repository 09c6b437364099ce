"""Input that could not be read stays visible in the report as a diagnostic."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from stockade.model.location import Location


class DiagnosticLevel(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem with the input (not a judgment about it): unreadable file, bad YAML, limits hit."""

    location: Location
    source: str
    level: DiagnosticLevel
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.level}: {self.message} [{self.source}]"
