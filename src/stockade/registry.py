"""Registry[T]: built-in plug-ins from explicit tuples plus third-party ones from entry points.

Nothing registers itself on import. A duplicate id is an error, never a silent override.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from stockade.errors import RegistryError

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered, id-keyed collection of plug-ins of one kind."""

    def __init__(self, kind: str, items: Iterable[T], id_of: Callable[[T], str]) -> None:
        self.kind = kind
        self._id_of = id_of
        self._items: dict[str, T] = {}
        for item in items:
            self.add(item)

    def add(self, item: T) -> None:
        key = self._id_of(item)
        if key in self._items:
            raise RegistryError(f"duplicate {self.kind} id {key!r}: two plug-ins claim it")
        self._items[key] = item

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {key!r}") from None

    def ids(self) -> list[str]:
        return list(self._items)

    def select(self, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[T]:
        """Items whose id matches any ``include`` glob (all when empty) and no ``exclude`` glob.

        Globs are matched case-insensitively (``stk-k8s-*`` selects ``STK-K8S-0001``).
        """
        inc = [p.upper() for p in include]
        exc = [p.upper() for p in exclude]
        chosen = []
        for key, item in self._items.items():
            upper = key.upper()
            if inc and not any(fnmatch.fnmatchcase(upper, p) for p in inc):
                continue
            if any(fnmatch.fnmatchcase(upper, p) for p in exc):
                continue
            chosen.append(item)
        return chosen


def load_entry_points(group: str, accept: Callable[[Any], bool]) -> list[Any]:
    """Objects published under an entry-point group; each entry may be one object or an iterable of them."""
    from importlib.metadata import entry_points

    found: list[Any] = []
    for ep in entry_points(group=group):
        try:
            obj = ep.load()
        except Exception as exc:
            raise RegistryError(f"cannot load plug-in {ep.name!r} ({ep.value}) from {group}: {exc}") from exc
        items = [obj] if accept(obj) else list(obj) if isinstance(obj, list | tuple) else [obj]
        for item in items:
            if not accept(item):
                raise RegistryError(f"plug-in {ep.name!r} ({ep.value}) in {group} is not a valid object: {item!r}")
            found.append(item)
    return found
