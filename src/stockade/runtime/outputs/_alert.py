"""What the outputs need from an alert, and the Falco wire shapes built from it.

The outputs do not import the rules engine: they take anything shaped like its ``Alert`` (rule, priority,
tags, output_fields, ``text()`` and ``to_falco_json()``), so they can be tested and used on their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class AlertLike(Protocol):
    """The parts of an alert the outputs and response actions read."""

    @property
    def rule(self) -> str: ...

    @property
    def priority(self) -> object: ...

    @property
    def tags(self) -> Sequence[str] | frozenset[str] | tuple[str, ...]: ...

    @property
    def output_fields(self) -> Mapping[str, Any]: ...

    def text(self) -> str: ...

    def to_falco_json(self) -> Any: ...


# Falco's priorities, most severe first; the JSON output spells them capitalised ("Warning").
PRIORITIES: tuple[str, ...] = (
    "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
)
_ALIASES = {"info": "informational", "warn": "warning", "err": "error", "crit": "critical", "emerg": "emergency"}
_RANK = {name: len(PRIORITIES) - i for i, name in enumerate(PRIORITIES)}  # emergency=8 ... debug=1


def priority_name(priority: object) -> str:
    """Normalise a priority (an enum member, or text in any case, or an alias like INFO) to Falco's lower-case
    name; raises ValueError naming the valid values for anything else."""
    candidates: list[str] = []
    if isinstance(priority, str):
        candidates.append(priority)
    else:
        for attr in ("name", "value"):
            value = getattr(priority, attr, None)
            if isinstance(value, str):
                candidates.append(value)
        candidates.append(str(priority))
    for text in candidates:
        key = text.strip().lower().rsplit(".", 1)[-1]  # str() of an enum member: "Priority.WARNING"
        key = _ALIASES.get(key, key)
        if key in _RANK:
            return key
    raise ValueError(f"unknown priority {candidates[0]!r} (expected one of {', '.join(PRIORITIES)})")


def priority_rank(priority: object) -> int:
    """Higher is more severe: emergency=8 ... debug=1."""
    return _RANK[priority_name(priority)]


def priority_label(priority: object) -> str:
    """The capitalised spelling Falco's JSON output uses: ``Warning``, ``Informational``."""
    return priority_name(priority).capitalize()


def falco_payload(alert: AlertLike, hostname: str | None = None) -> dict[str, Any]:
    """The JSON object Falco sends to Falcosidekick for one alert (output, priority, rule, time, output_fields,
    source, tags, hostname), taken from the alert's own ``to_falco_json()`` and completed where it lacks a key."""
    raw = alert.to_falco_json()
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        raw = json.loads(raw)
    payload: dict[str, Any] = dict(raw) if isinstance(raw, Mapping) else {}
    payload.setdefault("output", alert.text())
    payload.setdefault("priority", priority_label(alert.priority))
    payload.setdefault("rule", alert.rule)
    payload.setdefault("time", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    payload.setdefault("output_fields", dict(alert.output_fields))
    payload.setdefault("source", "syscall")
    payload.setdefault("tags", sorted(alert.tags))
    if hostname is not None:
        payload.setdefault("hostname", hostname)
    return payload


# Slack attachment colours per priority, from danger red down to neutral grey.
_COLOURS = {
    "emergency": "#e20b0b", "alert": "#ff5400", "critical": "#ff9000", "error": "#ffc700",
    "warning": "#ffff00", "notice": "#5bffb5", "informational": "#68c2ff", "debug": "#ccfff2",
}


def slack_payload(alert: AlertLike, hostname: str | None = None, *, footer: str = "stockade") -> dict[str, Any]:
    """A Slack incoming-webhook body: ``text`` (the alert line) and one attachment with the rule, priority,
    source, hostname, tags and every output field as ``{"title", "value", "short"}`` fields."""
    falco = falco_payload(alert, hostname)
    prio = priority_name(alert.priority)
    fields: list[dict[str, Any]] = [
        {"title": "rule", "value": str(falco.get("rule", "")), "short": False},
        {"title": "priority", "value": priority_label(prio), "short": True},
        {"title": "source", "value": str(falco.get("source", "")), "short": True},
    ]
    if falco.get("hostname"):
        fields.append({"title": "hostname", "value": str(falco["hostname"]), "short": True})
    tags = falco.get("tags") or []
    if tags:
        fields.append({"title": "tags", "value": ", ".join(str(t) for t in tags), "short": False})
    output_fields = falco.get("output_fields") or {}
    if isinstance(output_fields, Mapping):
        for name in sorted(output_fields):
            value = output_fields[name]
            fields.append({"title": str(name), "value": "<NA>" if value is None else str(value), "short": True})
    text = str(falco.get("output", ""))
    return {
        "text": text,
        "attachments": [{
            "fallback": text,
            "color": _COLOURS[prio],
            "fields": fields,
            "footer": footer,
            "ts": int(time.time()),
        }],
    }
