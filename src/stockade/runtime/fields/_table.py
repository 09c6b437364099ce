"""The machinery both field tables share: field specs, argument checking, and the table object itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from stockade.runtime.fields.api import ArgKind, Event, Extractor, FieldDef, FieldError, FieldType

# A maker turns the field's argument (None when omitted) into an extractor; it raises FieldError for a bad one.
Maker = Callable[[str | None], Extractor]

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    fdef: FieldDef
    maker: Maker


class SpecBuilder:
    """Collects field specs in declaration order; a duplicate name is a programming error."""

    def __init__(self) -> None:
        self.specs: dict[str, FieldSpec] = {}

    def add(
        self,
        name: str,
        ftype: FieldType,
        description: str,
        maker: Maker,
        *,
        arg: ArgKind = ArgKind.NONE,
        is_list: bool = False,
    ) -> None:
        if name in self.specs:
            raise ValueError(f"duplicate field {name}")
        self.specs[name] = FieldSpec(FieldDef(name, ftype, description, is_list, arg), maker)

    def plain(self, name: str, ftype: FieldType, description: str, fn: Extractor, *, is_list: bool = False) -> None:
        """A field without argument whose extractor is ``fn`` itself."""

        def maker(_arg: str | None) -> Extractor:
            return fn

        self.add(name, ftype, description, maker, is_list=is_list)


def parse_index(name: str, arg: str) -> int:
    text = arg.strip()
    if not text.isdigit() or len(text) > 9:
        raise FieldError(f"field {name}: the argument must be a non-negative integer, got '{arg}'")
    return int(text)


class Table:
    """A FieldTable over a dict of specs."""

    def __init__(
        self,
        source: str,
        specs: Mapping[str, FieldSpec],
        types: frozenset[str],
        type_of: Callable[[Event], str],
    ) -> None:
        self.source = source
        self._specs = dict(specs)
        self._types = types
        self._type_of = type_of

    def lookup(self, name: str) -> FieldDef | None:
        spec = self._specs.get(name)
        return None if spec is None else spec.fdef

    def extractor(self, name: str, arg: str | None) -> Extractor:
        spec = self._specs.get(name)
        if spec is None:
            raise FieldError(f"unknown field {name} for source {self.source}")
        kind = spec.fdef.arg
        if arg is not None and kind is ArgKind.NONE:
            raise FieldError(f"field {name} does not take an argument")
        if arg is None and kind in (ArgKind.INDEX, ArgKind.KEY):
            raise FieldError(f"field {name} requires an argument")
        if arg is not None and kind in (ArgKind.INDEX, ArgKind.OPTIONAL_INDEX):
            parse_index(name, arg)
        if arg is not None and kind in (ArgKind.KEY, ArgKind.OPTIONAL_KEY) and arg == "":
            raise FieldError(f"field {name}: the argument must not be empty")
        return spec.maker(arg)

    def fields(self) -> Iterable[FieldDef]:
        return tuple(spec.fdef for spec in self._specs.values())

    def event_types(self) -> frozenset[str]:
        return self._types

    def event_type(self, event: Event) -> str:
        return self._type_of(event)
