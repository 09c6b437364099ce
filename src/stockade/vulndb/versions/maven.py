"""Maven versions, ordered as Maven's ``ComparableVersion`` (maven-artifact 3.8) orders them.

The version is lower-cased and split into items: numbers, strings (qualifiers) and lists. ``.`` separates items,
``-`` starts a sub-list, and so does a change between digits and letters (``1rc1`` is ``1-rc-1``); a qualifier
after a ``.`` is treated like one after a ``-`` (``1.0.RC1`` == ``1.0-RC1``); an empty item is ``0``; ``a``,
``b`` and ``m`` directly followed by a digit mean ``alpha``, ``beta`` and ``milestone``. Trailing zeros, empty
qualifiers and empty lists are dropped (``1.0`` == ``1``, ``1.0-1`` == ``1-1``).

Items compare by kind first (qualifier < list < number), numbers as numbers, qualifiers as ``alpha`` < ``beta``
< ``milestone`` < ``rc`` = ``cr`` < ``snapshot`` < ``""`` = ``ga`` = ``final`` = ``release`` < ``sp`` < any
other qualifier (those in alphabetical order). A missing item compares like a zero, so ``1-rc`` < ``1`` <
``1-sp``.

Maven's order is not transitive for some unusual versions (Maven itself has ``1`` < ``1-sp`` < ``1--alpha`` <
``1``): :func:`compare` and the keys give exactly Maven's answer for every pair, so they inherit that. Every
non-empty string is a Maven version, except (here) versions nesting more than 100 lists.
"""

from __future__ import annotations

import functools
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "maven"

_STRING, _LIST, _INT = 0, 1, 2  # item kinds, in Maven's order between kinds
_MAX_DEPTH = 100

_QUALIFIERS = {"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE = (5,)  # the key of the release qualifier ""
_ZERO = (_INT, (0, 0))

Item = tuple[int, Any]


def _is_digit(char: str) -> bool:
    # Java's Character.isDigit on UTF-16 units: decimal digits of the Basic Multilingual Plane.
    return char.isdecimal() and char <= "\uffff"


def _string_item(value: str, followed_by_digit: bool) -> Item:
    if followed_by_digit and len(value) == 1:
        value = {"a": "alpha", "b": "beta", "m": "milestone"}.get(value, value)
    value = _ALIASES.get(value, value)
    index = _QUALIFIERS.get(value)
    if index is not None:
        return (_STRING, (index,))
    return (_STRING, (7, value.encode("utf-16-be", "surrogatepass")))  # Java compares UTF-16 units


def _int_item(digits: str) -> Item:
    stripped = digits.lstrip("0") or digits  # as Maven strips: all zeros stay as they are
    size = 0 if len(stripped) <= 9 else (1 if len(stripped) <= 18 else 2)  # IntItem, LongItem, BigIntegerItem
    return (_INT, (size, int(stripped)))


def _item(is_digit: bool, text: str) -> Item:
    return _int_item(text) if is_digit else _string_item(text, False)


def _is_null(item: Item | list[Any]) -> bool:
    if isinstance(item, list):
        return not item
    kind, value = item
    if kind == _INT:
        return bool(value[1] == 0)
    return bool(value == _RELEASE)


def _normalize(items: list[Any]) -> None:
    for i in range(len(items) - 1, -1, -1):
        if _is_null(items[i]):
            del items[i]
        elif not isinstance(items[i], list):
            break


def _freeze(items: list[Any]) -> tuple[Item, ...]:
    return tuple((_LIST, _freeze(item)) if isinstance(item, list) else item for item in items)


def parse(version: str) -> tuple[Item, ...]:
    """The items of ``version`` after Maven's normalisation: ``(kind, value)`` pairs, lists nested."""
    return _parse(checked(SCHEME, version))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse(version: str) -> tuple[Item, ...]:
    text = version.lower()
    root: list[Any] = []
    current = root
    stack = [root]

    def open_list() -> None:
        nonlocal current
        if len(stack) > _MAX_DEPTH:
            raise InvalidVersion(SCHEME, version, f"nests more than {_MAX_DEPTH} lists")
        new: list[Any] = []
        current.append(new)
        current = new
        stack.append(new)

    is_digit = False
    start = 0
    for i, char in enumerate(text):
        if char in ".-":
            current.append(_ZERO if i == start else _item(is_digit, text[start:i]))
            start = i + 1
            if char == "-":
                open_list()
        elif _is_digit(char):
            if not is_digit and i > start:
                if current:  # ".X1" is treated like "-X1"
                    open_list()
                current.append(_string_item(text[start:i], True))
                start = i
                open_list()
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_int_item(text[start:i]))
                start = i
                open_list()
            is_digit = False
    if len(text) > start:
        if not is_digit and current:  # ".X" is treated like "-X"
            open_list()
        current.append(_item(is_digit, text[start:]))
    while stack:
        _normalize(stack.pop())
    return _freeze(root)


def _compare_null(item: Item) -> int:
    """Compare an item with a missing one."""
    kind, value = item
    if kind == _INT:
        return 0 if value[1] == 0 else 1
    if kind == _STRING:
        return sign(value, _RELEASE)
    for sub in value:
        result = _compare_null(sub)
        if result:
            return result
    return 0


def _compare_items(left: tuple[Item, ...], right: tuple[Item, ...]) -> int:
    for i in range(max(len(left), len(right))):
        if i >= len(left):
            result = -_compare_null(right[i])
        elif i >= len(right):
            result = _compare_null(left[i])
        elif left[i][0] != right[i][0]:
            result = sign(left[i][0], right[i][0])
        elif left[i][0] == _LIST:
            result = _compare_items(left[i][1], right[i][1])
        else:
            result = sign(left[i][1], right[i][1])
        if result:
            return result
    return 0


@functools.total_ordering
class MavenVersion:
    """The key of a Maven version: ordered as Maven orders versions, equal when Maven says equal."""

    __slots__ = ("_hash", "items", "text")

    def __init__(self, text: str, items: tuple[Item, ...]) -> None:
        self.text = text
        self.items = items
        self._hash = hash(items)  # Maven-equal versions have the same normalised items

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MavenVersion):
            return NotImplemented
        return self.items == other.items

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, MavenVersion):
            return NotImplemented
        return _compare_items(self.items, other.items) < 0

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"MavenVersion({self.text!r})"


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> MavenVersion:
    return MavenVersion(version, _parse(version))


def key(version: str) -> MavenVersion:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return _compare_items(key(a).items, key(b).items)
