"""The acid test: Falco's upstream default ruleset loads unmodified, every rule compiled."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.rules import Priority, load_rules

UPSTREAM = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "falco" / "falco_rules.yaml"


def _syscall_table() -> Any:
    try:
        mod = importlib.import_module("stockade.runtime.fields.syscall")
    except ImportError:
        pytest.skip("stockade.runtime.fields.syscall (the syscall field table) is not available")
    return mod.SyscallFieldTable()


@pytest.fixture(scope="module")
def upstream() -> Path:
    if not UPSTREAM.is_file():
        pytest.skip(f"shared data is absent: {UPSTREAM} (see ../shared/data/README.md)")
    return UPSTREAM


def test_rules_upstream_ruleset_loads_clean(upstream: Path) -> None:
    res = load_rules([upstream], {"syscall": _syscall_table()})
    assert res.errors == ()
    assert res.warnings == ()
    rs = res.ruleset
    assert len(rs.rules) == 25
    assert len(rs.macros) == 87
    assert len(rs.lists) == 49
    assert rs.required_engine_version == "0.57.0"
    assert rs.required_plugin_versions == ((("container", "0.4.0"),),)
    assert all(r.enabled for r in rs.rules)
    assert all(r.event_types for r in rs.rules)  # every rule is restricted to a few event types
    shell = rs.rule("Terminal shell in container")
    assert shell is not None
    assert shell.priority is Priority.NOTICE
    assert shell.event_types == frozenset({"execve", "execveat"})
    assert rs.rule("Read sensitive file untrusted").event_types == frozenset(  # type: ignore[union-attr]
        {"open", "openat", "openat2"}
    )


def test_rules_upstream_list_quirks(upstream: Path) -> None:
    res = load_rules([upstream], {"syscall": _syscall_table()})
    lists = res.ruleset.lists
    # quoted items keep their quotes (Falco expands lists textually), nested lists are flattened
    assert '"75-system-updat"' in lists["rpm_binaries"]
    assert "runc:[1:CHILD]" in lists["docker_binaries"]
    assert "dnf" in lists["package_mgmt_binaries"] and "apt-get" in lists["package_mgmt_binaries"]
    assert lists["allowed_container_images_loading_kernel_module"] == ()


def test_rules_upstream_with_fake_table_reports_unknown_fields(upstream: Path, table: Any) -> None:
    # the fake table knows only a few fields: the loader reports every rule it cannot compile, and goes on
    res = load_rules([upstream], {"syscall": table})
    assert not res.ok
    assert {e.code for e in res.errors} <= {"LOAD_ERR_COMPILE_CONDITION", "LOAD_ERR_COMPILE_OUTPUT",
                                            "LOAD_ERR_VALIDATE"}
    assert len(res.errors) + len(res.ruleset.rules) == 25
