"""Report formats: each formatter owns its wire mapping from the model to bytes.

A formatter is any object with a ``name``, a ``media_type`` and ``render(report, out)``. The built-in ones
are listed in the explicit tuple :data:`FORMATTERS`; nothing registers itself on import. Importing this
package is cheap: heavy dependencies (``rich``) are imported inside ``render``.
"""

from __future__ import annotations

from typing import Protocol, TextIO

from stockade.formats.cyclonedx import CycloneDxFormatter
from stockade.formats.jsonreport import JsonFormatter
from stockade.formats.sarif import SarifFormatter
from stockade.formats.spdx import SpdxJsonFormatter
from stockade.formats.table import TableFormatter
from stockade.model import Report


class Formatter(Protocol):
    """Renders a :class:`~stockade.model.Report` to a text stream."""

    @property
    def name(self) -> str:
        """The name users select the format by (``--format NAME``)."""
        ...

    @property
    def media_type(self) -> str:
        """The IANA media type of the output, e.g. ``application/sarif+json``."""
        ...

    def render(self, report: Report, out: TextIO) -> None:
        """Write ``report`` to ``out``. Never closes ``out``."""
        ...


FORMATTERS: tuple[Formatter, ...] = (
    TableFormatter(),
    JsonFormatter(),
    SarifFormatter(),
    CycloneDxFormatter(),
    SpdxJsonFormatter(),
)


def get_formatter(name: str) -> Formatter:
    """The built-in formatter called ``name``; raises ``KeyError`` naming the known formats."""
    for formatter in FORMATTERS:
        if formatter.name == name:
            return formatter
    known = ", ".join(f.name for f in FORMATTERS)
    raise KeyError(f"unknown report format {name!r} (expected one of {known})")


__all__ = [
    "FORMATTERS",
    "CycloneDxFormatter",
    "Formatter",
    "JsonFormatter",
    "SarifFormatter",
    "SpdxJsonFormatter",
    "TableFormatter",
    "get_formatter",
]
