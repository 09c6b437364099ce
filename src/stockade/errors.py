"""Errors that explain themselves. The CLI catches StockadeError once and exits with its exit_code."""

from __future__ import annotations

from collections.abc import Sequence

from stockade.model import Diagnostic

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3


class StockadeError(Exception):
    """Base of every fatal error stockade raises on purpose."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.message = message
        self._diagnostics = tuple(diagnostics)

    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self._diagnostics


class UsageError(StockadeError):
    """The user asked for something that cannot be done as asked (bad flag value, unknown rule id)."""

    exit_code = EXIT_USAGE


class ConfigError(StockadeError):
    """A configuration input (ignore file, settings file, plugin) is invalid."""

    exit_code = EXIT_USAGE


class RegistryError(ConfigError):
    """Two plug-ins claim the same id, or a plug-in does not have the shape it must have."""


class ScanError(StockadeError):
    """The scan could not run at all (as opposed to one unreadable input, which is a Diagnostic)."""
