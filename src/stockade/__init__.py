"""stockade: one toolchain for container security across build, ship and run.

The public API::

    import stockade
    report = stockade.scan(["deploy/"], stockade.ScanOptions(pss_level="baseline"))
    for finding in report.findings:
        print(finding.rule_id, finding.location, finding.message)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stockade._version import __version__

__all__ = [
    "Diagnostic",
    "Finding",
    "FindingKind",
    "Location",
    "Package",
    "Report",
    "ScanOptions",
    "Severity",
    "StockadeError",
    "__version__",
    "scan",
]

if TYPE_CHECKING:
    from stockade.errors import StockadeError
    from stockade.model import Diagnostic, Finding, FindingKind, Location, Package, Report, Severity
    from stockade.options import ScanOptions
    from stockade.scanner import scan

_LAZY = {
    "StockadeError": "stockade.errors",
    "ScanOptions": "stockade.options",
    "scan": "stockade.scanner",
    "Diagnostic": "stockade.model",
    "Finding": "stockade.model",
    "FindingKind": "stockade.model",
    "Location": "stockade.model",
    "Package": "stockade.model",
    "Report": "stockade.model",
    "Severity": "stockade.model",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily so ``import stockade`` (and ``stockade --help``) stays fast."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'stockade' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
