"""Priorities and the Falco / Slack wire shapes built from an alert."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

import pytest

from stockade.runtime.outputs._alert import (
    AlertLike,
    falco_payload,
    priority_label,
    priority_name,
    priority_rank,
    slack_payload,
)


class Prio(enum.IntEnum):
    WARNING = 4
    NOTICE = 5


@pytest.mark.parametrize(("given", "name"), [
    ("Warning", "warning"), ("WARNING", "warning"), ("info", "informational"), ("INFORMATIONAL", "informational"),
    (" notice ", "notice"), (Prio.WARNING, "warning"), ("Priority.NOTICE", "notice"), ("Emergency", "emergency"),
])
def test_priority_names_normalise(given: object, name: str) -> None:
    assert priority_name(given) == name


def test_unknown_priority_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown priority 'urgent' \(expected one of emergency, alert, critical, "
                                         r"error, warning, notice, informational, debug\)"):
        priority_name("urgent")


def test_priority_order_and_label() -> None:
    assert priority_rank("emergency") > priority_rank("critical") > priority_rank("warning") > priority_rank("debug")
    assert priority_label("info") == "Informational"
    assert priority_label(Prio.WARNING) == "Warning"


def test_fake_alert_and_engine_alert_satisfy_the_protocol(make_alert: Any) -> None:
    assert isinstance(make_alert(), AlertLike)
    engine = pytest.importorskip("stockade.runtime.engine", reason="the rules engine is not in this tree yet")
    alert = engine.Alert(rule="r", priority=engine.Priority.WARNING, source="syscall",
                         time_ns=1_718_000_000_000_000_000, output="x", output_fields={"proc.name": "cat"},
                         tags=("a",), hostname="h")
    assert isinstance(alert, AlertLike)
    payload = falco_payload(alert)
    assert payload["priority"] == "Warning"
    assert payload["time"] == "2024-06-10T06:13:20.000000000Z"


def test_falco_payload_is_the_alerts_own_json(make_alert: Any) -> None:
    alert = make_alert()
    assert falco_payload(alert) == {
        "hostname": "node-1",
        "output": "06:13:20.123456789: Notice A shell was spawned (proc=bash)",
        "output_fields": {"proc.name": "bash", "container.id": "3ad7b26ded6d"},
        "priority": "Notice",
        "rule": "Terminal shell in container",
        "source": "syscall",
        "tags": ["container", "shell"],
        "time": "2024-06-10T06:13:20.123456789Z",
    }


def test_falco_payload_completes_a_partial_json_string(make_alert: Any) -> None:
    class Partial:
        rule = "R"
        priority = "debug"
        tags = ("b", "a")
        output_fields: ClassVar[dict[str, int]] = {"x": 1}

        def text(self) -> str:
            return "line"

        def to_falco_json(self) -> str:
            return '{"rule": "R", "output": "line"}'

    payload = falco_payload(Partial(), hostname="h1")
    assert payload["rule"] == "R" and payload["output"] == "line"
    assert payload["priority"] == "Debug"
    assert payload["tags"] == ["a", "b"]
    assert payload["output_fields"] == {"x": 1}
    assert payload["hostname"] == "h1"
    assert payload["source"] == "syscall"
    assert payload["time"].endswith("Z")


def test_slack_body(make_alert: Any) -> None:
    alert = make_alert(output_fields={"proc.name": "bash", "fd.name": None})
    body = slack_payload(alert)
    assert body["text"] == "06:13:20.123456789: Notice A shell was spawned (proc=bash)"
    (attachment,) = body["attachments"]
    assert attachment["fallback"] == body["text"]
    assert attachment["color"] == "#5bffb5"
    assert attachment["footer"] == "stockade"
    assert isinstance(attachment["ts"], int)
    assert attachment["fields"] == [
        {"title": "rule", "value": "Terminal shell in container", "short": False},
        {"title": "priority", "value": "Notice", "short": True},
        {"title": "source", "value": "syscall", "short": True},
        {"title": "hostname", "value": "node-1", "short": True},
        {"title": "tags", "value": "container, shell", "short": False},
        {"title": "fd.name", "value": "<NA>", "short": True},
        {"title": "proc.name", "value": "bash", "short": True},
    ]
