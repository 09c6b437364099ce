"""Conformance fixtures: testdata/<level>/<version>/{pass,fail}/<controlId>-<n>.yaml.

A pass pod must not fail any control at that level and version. A fail pod must fail exactly the
control its file name starts with, so every fail pod is otherwise compliant with the level.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stockade.checks.pss import CONTROLS_BY_ID, evaluate_pod, format_message, parse_version

TESTDATA = Path(__file__).parent / "testdata"
FIXTURES = sorted(TESTDATA.glob("*/*/*/*.yaml"))


def _load(path: Path) -> dict[str, object]:
    documents = list(yaml.safe_load_all(path.read_text()))
    assert len(documents) == 1, "a fixture holds a single document"
    pod = documents[0]
    assert isinstance(pod, dict) and pod.get("kind") == "Pod"
    return pod


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(TESTDATA)))
def test_fixture(path: Path) -> None:
    level, version_text, outcome = path.parts[-4:-1]
    version = parse_version(version_text)
    pod = _load(path)
    results = evaluate_pod(pod, level, version)
    failed = {result.control_id for result in results}
    message = format_message(level, version, results)
    if outcome == "pass":
        assert failed == set(), message
        assert message == ""
        return
    assert outcome == "fail"
    control_id = path.stem.rsplit("-", 1)[0]
    assert control_id in CONTROLS_BY_ID
    assert failed == {control_id}, message
    (result,) = results
    assert result.paths, "a failure names at least one offending path"
    assert message.startswith(f'violates PodSecurity "{level}:{version_text}": {result.reason} (')


def test_fixture_tree_is_complete() -> None:
    assert len(FIXTURES) > 200
    for path in FIXTURES:
        level, version_text, outcome = path.parts[-4:-1]
        assert level in ("baseline", "restricted")
        assert outcome in ("pass", "fail")
        parse_version(version_text)
    failing = {p.stem.rsplit("-", 1)[0] for p in FIXTURES if p.parts[-2] == "fail"}
    passing = {p.stem.rsplit("-", 1)[0] for p in FIXTURES if p.parts[-2] == "pass"}
    assert failing == set(CONTROLS_BY_ID), "every control has a failing fixture"
    assert set(CONTROLS_BY_ID) <= passing, "every control has a passing fixture"
