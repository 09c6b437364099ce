"""The rules engine: a compiled ruleset evaluated on events, producing Falco-shaped alerts.

Rules are indexed by event type as Falco does: an event only meets the rules whose condition can match its type
(plus the rules without an event-type restriction). For every event type the candidate rules are compiled, on
first use, into ONE generated Python function that evaluates them in rule order; field values are read once per
event into that function's locals, whatever number of rules reads them, and ``evt.type`` checks against literals
are decided at compile time for that type. A rule whose evaluation raises on malformed event data counts as not
matching (and is counted in ``Engine.stats.errors``); it never stops the engine.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stockade.runtime.fields.api import Event, FieldTable
from stockade.runtime.filter.compiler import build_function, new_generator
from stockade.runtime.rules.model import Priority, Rule, Ruleset

__all__ = ["Alert", "Engine", "EngineStats", "Priority", "event_time_ns", "format_time_rfc3339", "format_time_text"]

MAX_CACHED_BATCHES = 4096
_UNNAMED_TYPE = "\x00unnamed"  # stands for any event type that no rule names


def format_time_rfc3339(ns: int) -> str:
    """``2024-06-10T06:13:20.123456789Z`` (UTC, nanoseconds), as Falco's JSON ``time``."""
    secs, frac = divmod(ns, 1_000_000_000)
    stamp = _dt.datetime.fromtimestamp(secs, _dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def format_time_text(ns: int) -> str:
    """``06:13:20.123456789`` (UTC), the time prefix of Falco's text alert line."""
    secs, frac = divmod(ns, 1_000_000_000)
    stamp = _dt.datetime.fromtimestamp(secs, _dt.UTC)
    return stamp.strftime("%H:%M:%S") + f".{frac:09d}"


def _parse_rfc3339_ns(text: str) -> int | None:
    try:
        base, _, rest = text.partition(".")
        if rest:
            digits = ""
            for c in rest:
                if c.isdigit():
                    digits += c
                else:
                    break
            tz = rest[len(digits):]
        else:
            digits, tz = "", ""
            if base.endswith("Z"):
                base, tz = base[:-1], "Z"
        stamp = _dt.datetime.fromisoformat(base + (("+00:00" if tz in ("Z", "z") else tz) or "+00:00"))
        ns = int(stamp.timestamp()) * 1_000_000_000
        return ns + int((digits + "000000000")[:9]) if digits else ns
    except (ValueError, OverflowError):
        return None


def event_time_ns(event: Event, table: FieldTable | None = None) -> int:
    """An event's time in ns since the epoch: the table's ``event_time(event)`` when it has one, else the
    syscall record's ``ts``, else a Kubernetes audit event's ``stageTimestamp``/``requestReceivedTimestamp``;
    0 when none is usable."""
    getter = getattr(table, "event_time", None) if table is not None else None
    if callable(getter):
        try:
            value = getter(event)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        except Exception:
            pass
    ts = event.get("ts")
    if isinstance(ts, int) and not isinstance(ts, bool) and ts >= 0:
        return ts
    for key in ("stageTimestamp", "requestReceivedTimestamp"):
        text = event.get(key)
        if isinstance(text, str):
            parsed = _parse_rfc3339_ns(text)
            if parsed is not None:
                return parsed
    return 0


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule match, shaped like Falco's alert."""

    rule: str
    priority: Priority
    source: str
    time_ns: int
    output: str  # the rule's rendered output, without time and priority
    output_fields: Mapping[str, object]
    tags: tuple[str, ...]
    hostname: str = ""

    @property
    def time(self) -> str:
        return format_time_rfc3339(self.time_ns)

    def text(self) -> str:
        """Falco's text line: ``HH:MM:SS.nnnnnnnnn: Priority output`` (UTC)."""
        return f"{format_time_text(self.time_ns)}: {self.priority.label} {self.output}"

    def to_falco_json(self) -> dict[str, Any]:
        """Falco's JSON alert (``json_output: true``)."""
        return {
            "hostname": self.hostname,
            "output": self.text(),
            "output_fields": dict(self.output_fields),
            "priority": self.priority.label,
            "rule": self.rule,
            "source": self.source,
            "tags": list(self.tags),
            "time": self.time,
        }


@dataclass
class EngineStats:
    events: int = 0
    alerts: int = 0
    errors: int = 0  # rule evaluations that raised on malformed event data (counted as no match)
    by_rule: dict[str, int] = field(default_factory=dict)  # matches per rule name


class _SourceIndex:
    """The rules of one source and their per-event-type batch functions."""

    def __init__(self, table: FieldTable, rules: Sequence[Rule]) -> None:
        self.table = table
        self.rules = list(rules)
        self.typed = bool(table.event_types())
        self.mentioned: frozenset[str] = frozenset().union(
            *(r.event_types for r in self.rules if r.event_types is not None)
        )
        # the rules an event of a type no rule names can meet (no restriction, or a complement like `!= execve`)
        self.unrestricted = [r for r in self.rules if r.filter.can_match_type(_UNNAMED_TYPE)]
        self.batches: dict[str, tuple[list[Rule], Callable[[Event], list[int]]]] = {}
        self.generic: tuple[list[Rule], Callable[[Event], list[int]]] | None = None

    def _build(self, rules: list[Rule], fold_type: str | None) -> Callable[[Event], list[int]]:
        try:
            gen = new_generator(self.table, fold_type)
            exprs: list[tuple[str | bool, str]] = []
            for i, rule in enumerate(rules):
                exprs.append((gen.expr(rule.filter.node), str(i)))
            fn: Callable[[Event], list[int]] = build_function("_batch", exprs, gen, single=False)
            return fn
        except Exception:  # a batch too large for Python's compiler: evaluate the rules one by one

            def one_by_one(event: Event) -> list[int]:
                return [i for i, rule in enumerate(rules) if rule.filter.matches(event)]

            return one_by_one

    def batch_for(self, etype: str) -> tuple[list[Rule], Callable[[Event], list[int]]]:
        if self.typed and etype in self.mentioned:
            hit = self.batches.get(etype)
            if hit is None:
                rules = [r for r in self.rules if r.filter.can_match_type(etype)]
                hit = (rules, self._build(rules, etype))
                if len(self.batches) < MAX_CACHED_BATCHES:
                    self.batches[etype] = hit
            return hit
        if self.generic is None:
            self.generic = (self.unrestricted, self._build(self.unrestricted, None))
        return self.generic


class Engine:
    """Evaluates a compiled ruleset on events: ``process(event, source) -> list[Alert]``.

    ``min_priority``: rules less severe than this are not evaluated (Falco's ``priority`` setting).
    ``hostname``: put in every alert (the library does not look it up itself).
    """

    def __init__(
        self,
        ruleset: Ruleset,
        tables: Mapping[str, FieldTable],
        *,
        min_priority: Priority = Priority.DEBUG,
        hostname: str = "",
    ) -> None:
        self.ruleset = ruleset
        self.tables = dict(tables)
        self.min_priority = min_priority
        self.hostname = hostname
        self.stats = EngineStats()
        self._sources: dict[str, _SourceIndex] = {}
        by_source: dict[str, list[Rule]] = {}
        for rule in sorted(ruleset.rules, key=lambda r: r.index):
            if not rule.enabled or not rule.priority.at_least(min_priority):
                continue
            if rule.source not in self.tables:
                continue
            by_source.setdefault(rule.source, []).append(rule)
        for source, rules in by_source.items():
            self._sources[source] = _SourceIndex(self.tables[source], rules)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self._sources)

    def rules_for(self, source: str = "syscall", event_type: str | None = None) -> list[Rule]:
        """The rules an event of this source and type meets, in evaluation order."""
        idx = self._sources.get(source)
        if idx is None:
            return []
        if event_type is None:
            return list(idx.rules)
        return list(idx.batch_for(event_type)[0])

    def matching_rules(self, event: Event, source: str = "syscall") -> list[Rule]:
        """The rules whose condition holds for the event, in evaluation order (no alerts built, no counters)."""
        idx = self._sources.get(source)
        if idx is None:
            return []
        etype = ""
        if idx.typed:
            try:
                etype = idx.table.event_type(event)
            except Exception:
                etype = ""
            if type(etype) is not str:
                etype = ""
        hit = idx.batches.get(etype)
        rules, fn = hit if hit is not None else idx.batch_for(etype)
        if not rules:
            return []
        try:
            return [rules[i] for i in fn(event)]
        except Exception:
            out: list[Rule] = []
            for rule in rules:
                try:
                    if rule.filter.matches(event):
                        out.append(rule)
                except Exception:
                    self.stats.errors += 1
            return out

    def process(self, event: Event, source: str = "syscall") -> list[Alert]:
        """Evaluate every applicable enabled rule on one event; one Alert per matching rule, in rule order."""
        self.stats.events += 1
        matched = self.matching_rules(event, source)
        if not matched:
            return []
        table = self.tables[source]
        ts = event_time_ns(event, table)
        alerts: list[Alert] = []
        by_rule = self.stats.by_rule
        for rule in matched:
            text, fields = rule.output_format.evaluate(event)
            if "evt.time" not in fields:
                fields = {"evt.time": ts, **fields}
            alerts.append(
                Alert(
                    rule=rule.name,
                    priority=rule.priority,
                    source=rule.source,
                    time_ns=ts,
                    output=text,
                    output_fields=fields,
                    tags=rule.tags,
                    hostname=self.hostname,
                )
            )
            by_rule[rule.name] = by_rule.get(rule.name, 0) + 1
        self.stats.alerts += len(alerts)
        return alerts
