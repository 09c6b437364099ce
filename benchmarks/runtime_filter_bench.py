"""Compiled-condition throughput: evaluations per second of single conditions and of the rules engine.

Uses Falco's upstream ruleset and stockade's syscall field table when both are present (../shared/data), else
a small built-in table and ruleset. Prints one line per figure. Run: .venv/bin/python benchmarks/runtime_filter_bench.py
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from stockade.runtime.engine import Engine
from stockade.runtime.fields.api import ArgKind, Event, Extractor, FieldDef, FieldType
from stockade.runtime.filter import compile, parse
from stockade.runtime.rules import load_rules, load_rules_text

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT.parent / "shared" / "data" / "falco" / "falco_rules.yaml"


class _DictTable:
    """Flat events keyed by field name (the fallback when the syscall table is not available)."""

    source = "syscall"
    _types = frozenset({"execve", "openat", "close", "connect"})

    def lookup(self, name: str) -> FieldDef | None:
        if name == "proc.aname":
            return FieldDef(name, FieldType.STRING, "", arg=ArgKind.OPTIONAL_INDEX)
        if name in ("proc.pid", "fd.num"):
            return FieldDef(name, FieldType.NUMBER, "")
        return FieldDef(name, FieldType.STRING, "") if "." in name else None

    def extractor(self, name: str, arg: str | None) -> Extractor:
        key = name if arg is None else f"{name}[{arg}]"
        return lambda ev: ev.get(key)

    def fields(self) -> list[FieldDef]:
        return []

    def event_types(self) -> frozenset[str]:
        return self._types

    def event_type(self, event: Event) -> str:
        t = event.get("evt.type", "")
        return t if isinstance(t, str) else ""


def _rate(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t0)


def _real_setup() -> tuple[Mapping[str, Any], Any, list[dict[str, Any]]] | None:
    try:
        from stockade.runtime.fields.syscall import SyscallFieldTable
    except ImportError:
        return None
    if not UPSTREAM.is_file():
        return None
    table = SyscallFieldTable()
    res = load_rules([UPSTREAM], {"syscall": table})
    proc = {"pid": 4242, "name": "cat", "exe": "cat", "exepath": "/usr/bin/cat", "args": ["x"], "cwd": "/"}
    events = [
        {"ts": 1, "type": "openat", "res": 3, "args": {"name": "/usr/lib/libc.so.6", "flags": "O_RDONLY"},
         "proc": proc, "fd": {"num": 3, "type": "file", "name": "/usr/lib/libc.so.6"}},
        {"ts": 1, "type": "execve", "res": 0, "proc": dict(proc, name="ls", exe="ls"),
         "ancestors": [{"pid": 1, "name": "bash"}], "container": {"id": "abc", "image": "nginx"}},
        {"ts": 1, "type": "close", "res": 0, "proc": proc, "fd": {"num": 3}},
        {"ts": 1, "type": "connect", "res": 0, "proc": proc,
         "fd": {"num": 4, "type": "ipv4", "sip": "10.0.0.1", "dip": "10.0.0.2", "sport": 5000, "dport": 443}},
        {"ts": 1, "type": "openat", "res": 3, "args": {"name": "/etc/shadow", "flags": "O_RDONLY"},
         "proc": dict(proc, name="python3"), "fd": {"num": 3, "type": "file", "name": "/etc/shadow"}},
    ]
    return {"syscall": table}, res.ruleset, events


def main() -> None:
    real = _real_setup()
    if real is None:
        tables: Mapping[str, Any] = {"syscall": _DictTable()}
        text = """
- list: shells
  items: [bash, sh, zsh]
- macro: spawned
  condition: evt.type = execve
- rule: Shell
  desc: d
  condition: spawned and proc.name in (shells) and not proc.aname in (sshd, systemd)
  output: "%proc.name"
  priority: WARNING
- rule: Etc
  desc: d
  condition: evt.type = openat and fd.name startswith /etc/ and not proc.name in (shells)
  output: "%fd.name"
  priority: WARNING
"""
        ruleset = load_rules_text(text, tables).ruleset
        events: list[dict[str, Any]] = [
            {"evt.type": "execve", "proc.name": "ls", "proc.aname": ["bash", "sshd"]},
            {"evt.type": "openat", "fd.name": "/usr/lib/x.so", "proc.name": "cat"},
            {"evt.type": "close"},
            {"evt.type": "connect"},
            {"evt.type": "openat", "fd.name": "/etc/shadow", "proc.name": "python3"},
        ]
        print("setup: built-in table and rules (shared data or syscall table absent)")
    else:
        tables, ruleset, events = real
        print(f"setup: upstream falco_rules.yaml ({len(ruleset.rules)} rules) + stockade syscall table")
    table = tables["syscall"]
    n = 200_000
    cond = compile(parse("proc.name in (bash, sh, zsh) and not proc.name startswith py"), table)
    ev = events[0]
    print(f"single condition: {_rate(lambda: cond.matches(ev), n):,.0f} evaluations/s")
    engine = Engine(ruleset, tables)
    i = 0

    def one() -> object:
        nonlocal i
        i += 1
        return engine.matching_rules(events[i % len(events)])

    print(f"engine, matching only: {_rate(one, n):,.0f} events/s")

    def full() -> object:
        nonlocal i
        i += 1
        return engine.process(events[i % len(events)])

    print(f"engine, process() with alerts: {_rate(full, n // 2):,.0f} events/s "
          f"({engine.stats.alerts} alerts for {engine.stats.events} events)")


if __name__ == "__main__":
    main()
