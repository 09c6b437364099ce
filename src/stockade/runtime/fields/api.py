"""The contract between the condition compiler and the event sources' field tables.

An event is a parsed JSON object (a mapping) in the shape its source documents; only the source's field
table knows that shape. The compiler asks the table for an extractor per field reference once, at compile
time, and calls it per event.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Event = Mapping[str, Any]

# Returns the field's value for one event, or None when the field cannot be extracted for it (libsinsp's
# "not available": every comparison on it is false). List-valued fields return a tuple (possibly empty).
Extractor = Callable[[Event], object]


class FieldType(enum.Enum):
    """Value types, as libsinsp types them for comparison purposes."""

    STRING = "string"  # charbuf, fspath, fsrelpath: compared as text
    NUMBER = "number"  # int*/uint*/port/reltime/abstime/fd/pid/...: compared numerically
    BOOL = "bool"  # compared with true/false
    IPADDR = "ipaddr"  # an IPv4/IPv6 address (text); `=` against a network in CIDR form tests membership
    IPNET = "ipnet"  # a network in CIDR form
    BYTES = "bytes"  # bytebuf: bcontains/bstartswith take hex strings


class ArgKind(enum.Enum):
    """Whether a field takes an argument in brackets: ``proc.aname[2]``, ``evt.arg[fd]``, ``jevt.value[/a]``."""

    NONE = "none"
    INDEX = "index"  # a required non-negative integer
    OPTIONAL_INDEX = "optional-index"  # proc.aname / proc.aname[2]
    KEY = "key"  # a required string key
    OPTIONAL_KEY = "optional-key"


@dataclass(frozen=True, slots=True)
class FieldDef:
    name: str
    type: FieldType
    description: str
    is_list: bool = False
    arg: ArgKind = ArgKind.NONE


class FieldError(Exception):
    """A field reference the table cannot serve (unknown field, bad or missing argument)."""


class FieldTable(Protocol):
    """What one event source offers the compiler."""

    source: str  # "syscall", "k8s_audit"

    def lookup(self, name: str) -> FieldDef | None:
        """The definition of a field name (without its argument), or None when the source has no such field."""
        ...

    def extractor(self, name: str, arg: str | None) -> Extractor:
        """An extractor for ``name[arg]``; raises FieldError for an unknown field or an invalid argument."""
        ...

    def fields(self) -> Iterable[FieldDef]:
        """Every field the source supports (for documentation and `--list-fields`)."""
        ...

    def event_types(self) -> frozenset[str]:
        """Every event type name the source can produce (``evt.type`` values); empty when it has no types."""
        ...

    def event_type(self, event: Event) -> str:
        """The type of one event, used to index rules by event type (``""`` when the source has none)."""
        ...
