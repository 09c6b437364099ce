"""Wiring of the Composer parsers: which files each analyzer wants, and where it runs."""

from __future__ import annotations

from collections.abc import Callable

from stockade.analyzers._base import (
    DECLARED,
    INSTALLED,
    AnalysisResult,
    Analyzer,
    FileInput,
    FileTooLarge,
    FunctionAnalyzer,
    failed,
)
from stockade.analyzers.php import parse


def _reading(parser: parse.Parser) -> Callable[[FileInput], AnalysisResult]:
    def run(file: FileInput) -> AnalysisResult:
        try:
            data = file.read()
        except FileTooLarge as exc:
            return failed(file.path, str(exc))
        except OSError as exc:
            return failed(file.path, f"could not read the file: {exc}")
        return parser(file.path, data)

    return run


def wants_installed_json(path: str, size: int, mode: int) -> bool:
    return path.endswith("vendor/composer/installed.json") and (
        path == "vendor/composer/installed.json" or path.endswith("/vendor/composer/installed.json")
    )


def wants_composer_lock(path: str, size: int, mode: int) -> bool:
    return (path == "composer.lock" or path.endswith("/composer.lock")) and "/vendor/" not in f"/{path}"


ANALYZERS: tuple[Analyzer, ...] = (
    FunctionAnalyzer(parse.INSTALLED_JSON, 1, INSTALLED, wants_installed_json, _reading(parse.parse_installed_json)),
    FunctionAnalyzer(parse.COMPOSER_LOCK, 1, DECLARED, wants_composer_lock, _reading(parse.parse_composer_lock)),
)
