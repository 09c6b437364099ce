"""Fixtures shared by the runtime filter, rules and engine tests: the fake field tables."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_FAKE = Path(__file__).resolve().parent / "filter" / "fake_fields.py"


def load_fake() -> ModuleType:
    name = "stockade_tests_runtime_fake_fields"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _FAKE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def fake() -> ModuleType:
    return load_fake()


@pytest.fixture
def table(fake: ModuleType) -> Any:
    return fake.FakeTable()


@pytest.fixture
def tables(fake: ModuleType) -> dict[str, Any]:
    return {"syscall": fake.FakeTable(), "k8s_audit": fake.k8s_table()}
