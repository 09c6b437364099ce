"""The check contract: metadata plus a plain function, wrapped by the ``@check`` decorator.

A check is stateless and registered only by being listed in an explicit tuple (``checks/k8s/__init__.py``)
or through the ``stockade.checks`` entry point, never as an import side effect.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stockade.model import ObjectPath, Resource, Severity


@dataclass(frozen=True, slots=True)
class CheckMeta:
    id: str
    title: str
    severity: Severity
    kinds: frozenset[str]
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    compliance: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a check fails and what is wrong there.

    For a YAML object, ``path`` names the field (relative to the object root). For line-based inputs
    (Dockerfiles), ``line`` is the exact physical line and ``path`` may stay empty; ``snippet`` is the
    offending text as written.
    """

    path: ObjectPath
    message: str
    remediation: str = ""  # overrides the check's remediation when set
    severity: Severity | None = None  # overrides the check's severity when set
    line: int | None = None
    snippet: str = ""
    # The peer rule this very violation corresponds to (e.g. "hadolint:DL3009"), when a stockade rule
    # covers several of a peer's: a peer's ignore comment then suppresses only what it names.
    peer_code: str = ""


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may know beyond the object it is given: options and the other scanned objects."""

    pss_level: str = "restricted"
    pss_version: str = "latest"
    namespaces: Mapping[str, Resource] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


CheckFunction = Callable[..., Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Check:
    meta: CheckMeta
    function: CheckFunction
    wants_context: bool = False

    @property
    def id(self) -> str:
        return self.meta.id

    def evaluate(self, target: Any, ctx: CheckContext) -> Iterable[Violation]:
        if self.wants_context:
            return self.function(target, ctx)
        return self.function(target)


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    kinds: Iterable[str],
    description: str = "",
    remediation: str = "",
    references: Iterable[str] = (),
    compliance: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> Callable[[CheckFunction], Check]:
    """Turn ``fn(obj) -> Iterator[Violation]`` (or ``fn(obj, ctx)``) into a registered-able Check."""

    def wrap(function: CheckFunction) -> Check:
        params = inspect.signature(function).parameters
        meta = CheckMeta(
            id=id,
            title=title,
            severity=severity,
            kinds=frozenset(kinds),
            description=description or inspect.cleandoc(function.__doc__ or ""),
            remediation=inspect.cleandoc(remediation),
            references=tuple(references),
            compliance=tuple(compliance),
            tags=frozenset(tags),
        )
        return Check(meta=meta, function=function, wants_context=len(params) >= 2)

    return wrap
