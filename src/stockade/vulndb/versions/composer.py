"""Composer (Packagist) versions: normalised as Composer's VersionParser does, ordered by PHP's version_compare.

Normalisation (composer/semver 3.3): surrounding white space, an ``as`` alias and an ``@stability`` flag are
dropped, so is build metadata after ``+``; ``v`` is optional; one to four numbers become four (``1.2`` ->
``1.2.0.0``), or a date version (``2010.01.02``) keeps its numbers; a stability suffix, separated by ``-``,
``_``, ``.`` or nothing, is spelled out (``a``/``alpha``, ``b``/``beta``, ``RC``, ``p``/``pl``/``patch``), its
number kept, and ``-dev`` may follow (``1.0.0-beta.2-dev`` -> ``1.0.0.0-beta2-dev``); numbered branches
(``1.x-dev``, ``2.1.*-dev``) become ``1.9999999.9999999.9999999-dev``.

Order (version_compare on the normalised text): number by number, then ``dev`` < ``alpha`` < ``beta`` < ``RC`` <
(release) < ``patch``; a version with one more number is newer. Branch names (``dev-main``, ``master``) are
not comparable, in Composer as here: they raise :class:`InvalidVersion`, as does text Composer cannot
normalise.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "composer"

_FLAGS = re.ASCII | re.IGNORECASE
_PHP_TRIM = " \t\n\r\x00\x0b"
_MODIFIER = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?"
_ALIAS = re.compile(r"([^,\s]++) ++as ++([^,\s]++)", re.ASCII)
_STABILITY_FLAG = re.compile(r"@(?:stable|RC|beta|alpha|dev)$", _FLAGS)
_BUILD = re.compile(r"([^,\s+]++)\+[^\s]++", re.ASCII)
_CLASSICAL = re.compile(r"v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?" + _MODIFIER, _FLAGS)
_DATE = re.compile(r"v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)" + _MODIFIER, _FLAGS)
_NUMBERED_BRANCH = re.compile(r"v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?", _FLAGS)
_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+")

_LONG_MAX = 2**63 - 1
# version_compare's special forms: the first whose name starts the token gives its order; others are -1.
_FORMS = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_NUMBER_ORDER = 4  # a number meets a name as the form "#"
_END = (_NUMBER_ORDER, 1)  # the end meets a name as a number would, and is older than a number


def _expand_stability(stability: str) -> str:
    stability = stability.lower()
    return {"a": "alpha", "b": "beta", "p": "patch", "pl": "patch", "rc": "RC"}.get(stability, stability)


def _normalize_branch(name: str) -> str:
    name = name.strip(_PHP_TRIM)
    match = _NUMBERED_BRANCH.fullmatch(name)
    if not match:
        return "dev-" + name
    parts = [(group if group is not None else ".x") for group in match.groups()]
    text = "".join(part.replace("*", "x").replace("X", "x") for part in parts)
    return text.replace("x", "9999999") + "-dev"


def _dev_branch_name(text: str) -> str | None:
    """What Composer's ``(.*?)[.-]?dev$`` search captures (in linear time), or None when it does not match."""
    if text[-3:].lower() != "dev":
        return None
    end = len(text) - 3
    start = text.rfind("\n", 0, end) + 1  # "." does not match a newline: the match starts after the last one
    if end > start and text[end - 1] in ".-":
        end -= 1
    return text[start:end]


def _modifiers(text: str, match: re.Match[str], index: int) -> str:
    stability, number, dev = match.group(index, index + 1, index + 2)
    if stability:
        if stability == "stable":
            return text
        text += "-" + _expand_stability(stability) + (number.lstrip(".-") if number else "")
    if dev:
        text += "-dev"
    return text


@functools.lru_cache(maxsize=CACHE_SIZE)
def _normalize(version: str) -> str:
    text = version.strip(_PHP_TRIM)
    alias = _ALIAS.fullmatch(text)
    if alias:
        text = alias.group(1)
    flag = _STABILITY_FLAG.search(text)
    if flag:
        text = text[: flag.start()]
    if text in ("master", "trunk", "default"):
        text = "dev-" + text
    if text[:4].lower() == "dev-":
        return "dev-" + text[4:]
    build = _BUILD.fullmatch(text)
    if build:
        text = build.group(1)
    match = _CLASSICAL.fullmatch(text)
    if match:
        numbers = match.group(1) + "".join(group or ".0" for group in match.group(2, 3, 4))
        return _modifiers(numbers, match, 5)
    match = _DATE.fullmatch(text)
    if match:
        return _modifiers(re.sub(r"[^0-9]", ".", match.group(1)), match, 2)
    branch = _dev_branch_name(text)
    if branch is not None:
        normalized = _normalize_branch(branch)
        if "dev-" not in normalized:
            return normalized
    raise InvalidVersion(SCHEME, version, "Composer cannot normalise it")


def normalize(version: str) -> str:
    """Composer's normalised form (``1.2`` -> ``1.2.0.0``; branches come back as ``dev-<name>``)."""
    return _normalize(checked(SCHEME, version))


def _name_order(name: str) -> int:
    for form, order in _FORMS:
        if name.startswith(form):
            return order
    return -1


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    normalized = _normalize(version)
    if normalized.startswith("dev-"):
        raise InvalidVersion(SCHEME, version, f"the branch {normalized!r} is not comparable")
    tokens: list[tuple[Any, ...]] = []
    for token in _TOKEN.findall(normalized):
        if token[0].isdigit():
            digits = token.lstrip("0")
            tokens.append((_NUMBER_ORDER, 2, min(int(digits or "0"), _LONG_MAX) if len(digits) < 20 else _LONG_MAX))
        else:
            tokens.append((_name_order(token), 0))
    tokens.append(_END)
    return tuple(tokens)


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
