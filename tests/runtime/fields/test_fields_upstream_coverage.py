"""Every field the upstream Falco ruleset names (in conditions, macros and outputs) is served by the syscall
table, with the argument form the ruleset uses."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from stockade.runtime.fields.syscall import SyscallFieldTable

UPSTREAM = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "falco" / "falco_rules.yaml"
OUTPUT_FIELD = re.compile(r"%([a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)+)(?:\[([^\]]*)\])?")

# The distinct base fields the upstream file uses (documented in docs/runtime-events.md).
EXPECTED_FIELD_COUNT = 58


def _upstream() -> list[dict[str, object]]:
    if not UPSTREAM.is_file():
        pytest.skip(f"the shared Falco ruleset is not present at {UPSTREAM}")
    docs = yaml.safe_load(UPSTREAM.read_text())
    assert isinstance(docs, list)
    return docs


def _field_refs(docs: list[dict[str, object]]) -> set[tuple[str, str | None]]:
    from stockade.runtime.filter import FieldRef, parse

    refs: set[tuple[str, str | None]] = set()

    def walk(node: object) -> None:
        if isinstance(node, FieldRef):
            refs.add((node.name, node.arg))
            return
        if isinstance(node, tuple):
            for child in node:
                walk(child)
        elif dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name))

    for doc in docs:
        cond = doc.get("condition")
        if isinstance(cond, str):
            walk(parse(cond))
        out = doc.get("output")
        if isinstance(out, str):
            refs.update((m.group(1), m.group(2)) for m in OUTPUT_FIELD.finditer(out))
    return refs


def _resolve(table: SyscallFieldTable, name: str, arg: str | None) -> tuple[str, str | None] | None:
    """The field and argument the compiler asks for: ``evt.arg.flags`` is ``evt.arg`` with argument ``flags``."""
    if table.lookup(name) is not None:
        return name, arg
    parts = name.split(".")
    for k in range(len(parts) - 1, 1, -1):
        base = ".".join(parts[:k])
        if table.lookup(base) is not None and arg is None:
            return base, ".".join(parts[k:])
    return None


def test_every_upstream_field_is_served() -> None:
    table = SyscallFieldTable()
    refs = _field_refs(_upstream())
    missing = []
    bases = set()
    for name, arg in sorted(refs, key=str):
        resolved = _resolve(table, name, arg)
        if resolved is None:
            missing.append(name)
            continue
        table.extractor(*resolved)  # raises FieldError for a bad argument
        bases.add(resolved[0])
    assert missing == []
    assert len(bases) == EXPECTED_FIELD_COUNT
    assert {"proc.aname", "proc.aexepath", "evt.arg", "fd.sip.name", "proc.exe_ino.ctime_duration_proc_start",
            "proc.is_exe_from_memfd", "thread.cap_effective", "k8s.ns.name", "container.start_ts"} <= bases


def test_the_documented_count_matches() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "runtime-events.md"
    assert f"{EXPECTED_FIELD_COUNT} distinct fields" in doc.read_text()
