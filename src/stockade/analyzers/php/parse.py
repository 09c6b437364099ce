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

from typing import Any

from stockade.analyzers._base import AnalysisResult, Problems, clip, failed, load_json, never_raises, unique_ids
from stockade.model import Location, Package
from stockade.model import purl as purls

INSTALLED_JSON = "php-installed"
COMPOSER_LOCK = "composer-lock"

ECOSYSTEM = "composer"


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


def _packages(path: str, found_by: str, sections: list[tuple[str, Any, bool]], dev_names: set[str],
              problems: Problems) -> tuple[Package, ...]:
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
                problems.add(f"{where}: invalid package name {clip(name)!r}")
                continue
            kept.append((name, version, item, dev or name.lower() in dev_names))
    ids = unique_ids(composer_purl(name, version) for name, version, _, _ in kept)
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
            problems.add(f"require of {clip(name)} is not an object")
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


@never_raises
def parse_installed_json(path: str, data: bytes) -> AnalysisResult:
    """``vendor/composer/installed.json`` in its Composer 1 (array) or Composer 2 (object) shape."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    problems = Problems(path)
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


@never_raises
def parse_composer_lock(path: str, data: bytes) -> AnalysisResult:
    """``composer.lock``: ``packages`` and ``packages-dev``."""
    doc, error = load_json(data)
    if error:
        return failed(path, error)
    if not isinstance(doc, dict):
        return failed(path, "not a composer.lock: the top level is not an object")
    if "packages" not in doc and "packages-dev" not in doc:
        return failed(path, "not a composer.lock: no packages or packages-dev")
    problems = Problems(path)
    sections = [("packages", doc.get("packages"), False), ("packages-dev", doc.get("packages-dev"), True)]
    packages = _packages(path, COMPOSER_LOCK, sections, set(), problems)
    return AnalysisResult(packages=packages, diagnostics=problems.done())
