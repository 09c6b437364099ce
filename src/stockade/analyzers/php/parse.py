"""Composer metadata, parsed without I/O: ``(path, bytes)`` in, packages and diagnostics out.

* ``vendor/composer/installed.json`` (installed): Composer 1 wrote a JSON array of packages, Composer 2
  writes ``{"packages": [...], "dev": true, "dev-package-names": [...]}``; the packages named in
  ``dev-package-names`` are dev.
* ``composer.lock``: ``packages`` and ``packages-dev`` (dev).

Each package ``vendor/name`` becomes ``pkg:composer/vendor/name@version`` (the version as Composer records
it, ``v6.3.5`` included); ``license`` is a list of SPDX identifiers; ``require`` entries that name another
package of the same file become ``depends_on`` edges (platform requirements such as ``php`` or ``ext-json``
are not packages and have no edge).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from stockade.analyzers._base import AnalysisResult, diagnostic, failed, load_json
from stockade.model import Diagnostic, Location, Package
from stockade.model import purl as purls

INSTALLED_JSON = "php-installed"
COMPOSER_LOCK = "composer-lock"

ECOSYSTEM = "composer"
MAX_DIAGNOSTICS = 50

Parser = Callable[[str, bytes], AnalysisResult]


class _Problems:
    """The diagnostics of one file, capped so that a garbage file cannot flood the report."""

    __slots__ = ("extra", "items", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[Diagnostic] = []
        self.extra = 0

    def add(self, message: str, line: int | None = None) -> None:
        if len(self.items) < MAX_DIAGNOSTICS:
            self.items.append(diagnostic(self.path, message, line=line))
        else:
            self.extra += 1

    def done(self) -> tuple[Diagnostic, ...]:
        if self.extra:
            return (*self.items, diagnostic(self.path, f"{self.extra} more problems in this file not shown"))
        return tuple(self.items)


def _never_raises(parse: Parser) -> Parser:
    """Bad input is normal input: whatever slips past the checks becomes a diagnostic, not an exception."""

    @functools.wraps(parse)
    def run(path: str, data: bytes) -> AnalysisResult:
        try:
            return parse(path, data)
        except RecursionError:
            return failed(path, "could not parse: nested too deeply")
        except Exception as exc:  # a parser never raises: report the input as unreadable instead
            return failed(path, f"could not parse: {type(exc).__name__}: {exc}")

    return run


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def composer_purl(name: str, version: str) -> str:
    """``pkg:composer/vendor/name@version``; "" for a name that is not ``vendor/name``."""
    vendor, slash, package = name.partition("/")
    if not slash or not vendor or not package or "/" in package:
        return ""
    try:
        return purls.build(ECOSYSTEM, package, namespace=vendor, version=version)
    except purls.PurlError:
        return ""


def _licenses(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(item.strip() for item in value if isinstance(item, str) and item.strip()))


def _unique_ids(purl_list: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    ids: list[str] = []
    for purl in purl_list:
        count = seen.get(purl, 0)
        seen[purl] = count + 1
        ids.append(purl if count == 0 else f"{purl}|{count + 1}")
    return ids


def _packages(path: str, found_by: str, sections: list[tuple[str, Any, bool]], dev_names: set[str],
              problems: _Problems) -> tuple[Package, ...]:
    """Packages of one or more package lists: (label, list, dev)."""
    kept: list[tuple[str, str, dict[str, Any], bool]] = []
    for label, items, dev in sections:
        if items is None:
            continue
        if not isinstance(items, list):
            problems.add(f"{label!r} is not a list")
            continue
        for index, item in enumerate(items):
            where = f"{label}[{index}]"
            if not isinstance(item, dict):
                problems.add(f"{where} is not an object")
                continue
            name, version = item.get("name"), item.get("version")
            if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
                problems.add(f"{where} has no name or version")
                continue
            if not composer_purl(name, version):
                problems.add(f"{where}: invalid package name {_clip(name)!r}")
                continue
            kept.append((name, version, item, dev or name.lower() in dev_names))
    ids = _unique_ids(composer_purl(name, version) for name, version, _, _ in kept)
    by_name: dict[str, list[str]] = {}
    for (name, _, _, _), package_id in zip(kept, ids, strict=True):
        by_name.setdefault(name.lower(), []).append(package_id)
    packages: list[Package] = []
    for (name, version, item, dev), package_id in zip(kept, ids, strict=True):
        requires = item.get("require")
        depends: list[str] = []
        if isinstance(requires, dict):
            for required in requires:
                depends.extend(t for t in by_name.get(str(required).lower(), ()) if t != package_id)
        elif requires is not None:
            problems.add(f"require of {_clip(name)} is not an object")
        packages.append(
            Package(
                name=name,
                version=version,
                ecosystem=ECOSYSTEM,
                purl=composer_purl(name, version),
                locations=(Location(path),),
                found_by=found_by,
                licenses=_licenses(item.get("license")),
                id=package_id,
                depends_on=tuple(dict.fromkeys(depends)),
                dev=dev,
            )
        )
    return tuple(packages)


@_never_raises
def parse_installed_json(path: str, data: bytes) -> AnalysisResult:
    """``vendor/composer/installed.json`` in its Composer 1 (array) or Composer 2 (object) shape."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    problems = _Problems(path)
    dev_names: set[str] = set()
    if isinstance(doc, list):
        items: Any = doc
    elif isinstance(doc, dict) and "packages" in doc:
        items = doc["packages"]
        names = doc.get("dev-package-names", [])
        if isinstance(names, list):
            dev_names = {name.lower() for name in names if isinstance(name, str)}
        else:
            problems.add("'dev-package-names' is not a list")
    else:
        return failed(path, "not a Composer installed.json: neither a list nor an object with 'packages'")
    packages = _packages(path, INSTALLED_JSON, [("packages", items, False)], dev_names, problems)
    return AnalysisResult(packages=packages, diagnostics=problems.done())


@_never_raises
def parse_composer_lock(path: str, data: bytes) -> AnalysisResult:
    """``composer.lock``: ``packages`` and ``packages-dev``."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    if not isinstance(doc, dict):
        return failed(path, "not a composer.lock: the top level is not an object")
    if "packages" not in doc and "packages-dev" not in doc:
        return failed(path, "not a composer.lock: no packages or packages-dev")
    problems = _Problems(path)
    sections = [("packages", doc.get("packages"), False), ("packages-dev", doc.get("packages-dev"), True)]
    packages = _packages(path, COMPOSER_LOCK, sections, set(), problems)
    return AnalysisResult(packages=packages, diagnostics=problems.done())
