"""Errors of the filter language: a condition or output string that cannot be parsed or compiled."""

from __future__ import annotations

from stockade.errors import ConfigError
from stockade.runtime.filter.ast import Pos


class FilterError(ConfigError):
    """A condition or output format that is not valid. ``reason`` is libsinsp's wording, without position."""

    def __init__(self, reason: str, pos: Pos | None = None) -> None:
        self.reason = reason
        self.pos = pos
        where = f" at line {pos.line} col {pos.col}" if pos is not None else ""
        super().__init__(f"{reason}{where}")


class FilterSyntaxError(FilterError):
    """The condition text does not follow the grammar."""


class FilterCompileError(FilterError):
    """The condition parsed but refers to something unknown or compares incompatible things."""

    def __init__(self, reason: str, pos: Pos | None = None, *, unknown_field: bool = False) -> None:
        super().__init__(reason, pos)
        # True for the kinds of error Falco's skip-if-unknown-filter forgives (unknown field or event type)
        self.unknown_field = unknown_field


class OutputFormatError(FilterError):
    """An output format string refers to an unknown field or is malformed."""

    def __init__(self, reason: str, pos: Pos | None = None, *, unknown_field: bool = False) -> None:
        super().__init__(reason, pos)
        self.unknown_field = unknown_field
