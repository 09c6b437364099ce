"""The engine: event-type indexing, rule order, alerts in Falco's shapes, priorities, counters, robustness."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.runtime.engine import Alert, Engine, event_time_ns, format_time_rfc3339, format_time_text
from stockade.runtime.rules import Priority, Ruleset, load_rules_text

RULES = """
- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type in (execve, execveat)
- rule: Shell
  desc: a shell starts
  condition: spawned and proc.name in (shells)
  output: "Shell started (proc=%proc.name parent=%proc.aname[1] pid=%proc.pid)"
  priority: WARNING
  tags: [shell, mitre_execution]
- rule: Any process
  desc: every process in a container
  condition: container.id != host and proc.name exists
  output: "process %proc.name"
  priority: DEBUG
  warn_evttypes: false
- rule: Open etc
  desc: opens below /etc
  condition: evt.type in (open, openat) and fd.name startswith /etc/
  output: "open %fd.name by %proc.name"
  priority: ERROR
- rule: Not exec
  desc: anything but an exec, by bash
  condition: evt.type != execve and not evt.type in (open, openat) and proc.name = bash
  output: "%evt.type by bash"
  priority: NOTICE
- rule: Disabled
  desc: never evaluated
  condition: evt.type = execve
  output: disabled
  priority: CRITICAL
  enabled: false
- rule: New syscall
  desc: a type the table does not list
  condition: evt.type = brand_new
  output: new
  priority: INFO
"""

TS = 1_718_000_000_123_456_789


def ruleset(tables: dict[str, Any], text: str = RULES) -> Ruleset:
    res = load_rules_text(text, tables)
    assert res.ok, res.text()
    return res.ruleset


def test_engine_index_by_event_type(tables: dict[str, Any]) -> None:
    eng = Engine(ruleset(tables), tables)
    names = lambda rules: [r.name for r in rules]  # noqa: E731
    assert names(eng.rules_for("syscall", "execve")) == ["Shell", "Any process"]
    assert names(eng.rules_for("syscall", "openat")) == ["Any process", "Open etc"]
    assert names(eng.rules_for("syscall", "close")) == ["Any process", "Not exec"]
    # a type no rule names meets the unrestricted rules and the complements (`!= execve`)
    assert names(eng.rules_for("syscall", "never_seen")) == ["Any process", "Not exec"]
    assert names(eng.rules_for("syscall", "brand_new")) == ["Any process", "Not exec", "New syscall"]
    assert names(eng.rules_for("syscall")) == ["Shell", "Any process", "Open etc", "Not exec", "New syscall"]
    assert eng.rules_for("k8s_audit", "x") == []


def test_engine_process_alerts_in_rule_order(tables: dict[str, Any]) -> None:
    eng = Engine(ruleset(tables), tables, hostname="node-1")
    ev = {"evt.type": "execve", "ts": TS, "proc.name": "bash", "proc.pid": 42, "proc.aname": ["sshd"],
          "container.id": "c1"}
    alerts = eng.process(ev)
    assert [a.rule for a in alerts] == ["Shell", "Any process"]
    shell = alerts[0]
    assert shell == Alert(
        rule="Shell",
        priority=Priority.WARNING,
        source="syscall",
        time_ns=TS,
        output="Shell started (proc=bash parent=sshd pid=42)",
        output_fields={"evt.time": TS, "proc.name": "bash", "proc.aname[1]": "sshd", "proc.pid": 42},
        tags=("mitre_execution", "shell"),
        hostname="node-1",
    )
    assert shell.text() == "06:13:20.123456789: Warning Shell started (proc=bash parent=sshd pid=42)"
    assert shell.to_falco_json() == {
        "hostname": "node-1",
        "output": "06:13:20.123456789: Warning Shell started (proc=bash parent=sshd pid=42)",
        "output_fields": {"evt.time": TS, "proc.name": "bash", "proc.aname[1]": "sshd", "proc.pid": 42},
        "priority": "Warning",
        "rule": "Shell",
        "source": "syscall",
        "tags": ["mitre_execution", "shell"],
        "time": "2024-06-10T06:13:20.123456789Z",
    }


def test_engine_event_type_folding(tables: dict[str, Any]) -> None:
    eng = Engine(ruleset(tables), tables)
    assert [a.rule for a in eng.process({"evt.type": "close", "proc.name": "bash"})] == ["Not exec"]
    assert [a.rule for a in eng.process({"evt.type": "openat", "proc.name": "bash", "fd.name": "/etc/x"})] == [
        "Open etc"]
    assert eng.process({"evt.type": "execve", "proc.name": "zsh"}) == []
    assert [a.rule for a in eng.process({"evt.type": "brand_new"})] == ["New syscall"]
    # the same results from the standalone compiled filters, which do not fold evt.type
    rs = eng.ruleset
    for ev in ({"evt.type": "close", "proc.name": "bash"}, {"evt.type": "execve", "proc.name": "sh"},
               {"evt.type": "openat", "proc.name": "bash", "fd.name": "/etc/x"}, {"evt.type": "brand_new"},
               {"evt.type": "weird", "proc.name": "bash", "container.id": "x"}):
        expected = [r.name for r in rs.enabled_rules() if r.filter.matches(ev)]
        assert [r.name for r in eng.matching_rules(ev)] == expected, ev


def test_engine_min_priority_and_disabled(tables: dict[str, Any]) -> None:
    eng = Engine(ruleset(tables), tables, min_priority=Priority.WARNING)
    ev = {"evt.type": "execve", "proc.name": "bash", "container.id": "c1"}
    assert [a.rule for a in eng.process(ev)] == ["Shell"]  # "Any process" is DEBUG, "Disabled" is disabled
    assert [r.name for r in eng.rules_for("syscall")] == ["Shell", "Open etc"]


def test_engine_counters(tables: dict[str, Any]) -> None:
    eng = Engine(ruleset(tables), tables)
    for _ in range(3):
        eng.process({"evt.type": "execve", "proc.name": "sh", "container.id": "c1"})
    eng.process({"evt.type": "read"})
    assert eng.stats.events == 4
    assert eng.stats.alerts == 6
    assert eng.stats.by_rule == {"Shell": 3, "Any process": 3}
    assert eng.stats.errors == 0


def test_engine_malformed_event_data_never_raises(fake: Any) -> None:
    class Flaky(fake.FakeTable):  # type: ignore[misc,name-defined]
        def extractor(self, name: str, arg: str | None) -> Any:
            inner = super().extractor(name, arg)
            if name != "proc.pid":
                return inner

            def boom(ev: Any) -> Any:
                if ev.get("explode"):
                    raise RuntimeError("corrupt event")
                return inner(ev)

            return boom

    tables = {"syscall": Flaky()}
    text = """
- rule: Pid rule
  desc: d
  condition: evt.type = execve and proc.pid > 1
  output: "pid %proc.pid"
  priority: INFO
- rule: Name rule
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: "name %proc.name pid %proc.pid"
  priority: INFO
"""
    eng = Engine(ruleset(tables, text), tables)
    alerts = eng.process({"evt.type": "execve", "proc.name": "bash", "proc.pid": 7, "explode": True})
    assert [a.rule for a in alerts] == ["Name rule"]
    assert alerts[0].output == "name bash pid <NA>"
    assert eng.stats.errors == 1
    # wrongly typed values: comparisons are false, nothing raises
    assert [a.rule for a in eng.process({"evt.type": "execve", "proc.name": ["bash"], "proc.pid": "many"})] == []


def test_engine_hostile_event_types(tables: dict[str, Any]) -> None:
    eng = Engine(ruleset(tables), tables)
    assert [a.rule for a in eng.process({"evt.type": None, "proc.name": "bash", "container.id": "c"})] == [
        "Any process"]
    for etype in (12, ["execve"], {"a": 1}):
        ev = {"evt.type": etype, "proc.name": "bash", "container.id": "c"}
        assert [a.rule for a in eng.process(ev)][:1] == ["Any process"]
    for etype in ("x" * 100_000, "\x00", ""):
        ev = {"evt.type": etype, "proc.name": "bash", "container.id": "c"}
        assert [a.rule for a in eng.process(ev)] == ["Any process", "Not exec"]


def test_engine_k8s_audit_source(tables: dict[str, Any]) -> None:
    text = """
- rule: Pod created
  desc: d
  condition: ka.verb = create and ka.target.resource = pods
  output: "%ka.user.name created a pod"
  priority: NOTICE
  source: k8s_audit
  tags: [k8s]
"""
    eng = Engine(ruleset(tables, text), tables)
    ev = {"ka.verb": "create", "ka.target.resource": "pods", "ka.user.name": "alice",
          "stageTimestamp": "2024-06-10T06:13:20.123456Z"}
    assert eng.process(ev) == []  # the default source is syscall
    (alert,) = eng.process(ev, "k8s_audit")
    assert alert.source == "k8s_audit"
    assert alert.output == "alice created a pod"
    assert alert.time_ns == 1_718_000_000_123_456_000
    assert eng.sources == ("k8s_audit",)


def test_engine_rules_of_unloaded_sources_are_ignored(tables: dict[str, Any]) -> None:
    rs = ruleset(tables)
    eng = Engine(rs, {"k8s_audit": tables["k8s_audit"]})
    assert eng.process({"evt.type": "execve", "proc.name": "bash"}) == []


def test_engine_event_time(table: Any) -> None:
    assert event_time_ns({"ts": 5}) == 5
    assert event_time_ns({"ts": True}) == 0
    assert event_time_ns({"requestReceivedTimestamp": "2024-06-10T06:13:20Z"}) == 1_718_000_000_000_000_000
    assert event_time_ns({"stageTimestamp": "2024-06-10T08:13:20.5+02:00"}) == 1_718_000_000_500_000_000
    assert event_time_ns({"stageTimestamp": "garbage"}) == 0

    class WithTime:
        def event_time(self, ev: Any) -> int:
            return 99

    assert event_time_ns({"ts": 5}, WithTime()) == 99  # type: ignore[arg-type]


def test_engine_time_formats() -> None:
    assert format_time_rfc3339(0) == "1970-01-01T00:00:00.000000000Z"
    assert format_time_rfc3339(TS) == "2024-06-10T06:13:20.123456789Z"
    assert format_time_text(TS) == "06:13:20.123456789"


def test_engine_many_rules_one_batch(tables: dict[str, Any]) -> None:
    parts = [
        f"- rule: R{i}\n  desc: d\n  condition: evt.type = execve and proc.pid = {i}\n  output: r{i}\n"
        "  priority: INFO\n"
        for i in range(300)
    ]
    eng = Engine(ruleset(tables, "".join(parts)), tables)
    assert [a.rule for a in eng.process({"evt.type": "execve", "proc.pid": 123})] == ["R123"]


@pytest.mark.parametrize("priority", list(Priority))
def test_engine_priority_labels(priority: Priority) -> None:
    assert priority.label == priority.name.capitalize()
