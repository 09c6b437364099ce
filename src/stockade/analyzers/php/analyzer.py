"""Wiring of the Composer parsers: which files each analyzer wants, and where it runs."""

from __future__ import annotations

from stockade.analyzers._base import DECLARED, INSTALLED, Analyzer, FunctionAnalyzer, reading
from stockade.analyzers.php import parse


def wants_installed_json(path: str, size: int, mode: int) -> bool:
    return path.endswith("vendor/composer/installed.json") and (
        path == "vendor/composer/installed.json" or path.endswith("/vendor/composer/installed.json")
    )


def wants_composer_lock(path: str, size: int, mode: int) -> bool:
    return (path == "composer.lock" or path.endswith("/composer.lock")) and "/vendor/" not in f"/{path}"


ANALYZERS: tuple[Analyzer, ...] = (
    FunctionAnalyzer(parse.INSTALLED_JSON, 1, INSTALLED, wants_installed_json, reading(parse.parse_installed_json)),
    FunctionAnalyzer(parse.COMPOSER_LOCK, 1, DECLARED, wants_composer_lock, reading(parse.parse_composer_lock)),
)
