"""The helpers every parser shares: capped diagnostics, never raising, reading, TOML and YAML loading."""

from __future__ import annotations

import pytest

from stockade.analyzers._base import (
    MAX_DIAGNOSTICS,
    MAX_YAML_DEPTH,
    AnalysisResult,
    BytesFile,
    FileTooLarge,
    Problems,
    clip,
    load_toml,
    load_yaml,
    never_raises,
    reading,
    unique_ids,
    yaml_too_deep,
)
from stockade.model import DiagnosticLevel, Location


def test_problems_are_capped_with_one_summary() -> None:
    problems = Problems("f.txt")
    for number in range(1, 121):
        problems.add(f"bad line {number}", number)
    done = problems.done()
    assert len(done) == MAX_DIAGNOSTICS + 1
    assert done[0].location == Location("f.txt", line=1)
    assert done[0].level == DiagnosticLevel.WARNING
    assert done[-1].message == f"{120 - MAX_DIAGNOSTICS} more problems in this file not shown"


def test_problems_below_the_cap_have_no_summary() -> None:
    problems = Problems("f.txt")
    assert problems.done() == ()
    problems.add("one", level=DiagnosticLevel.INFO)
    problems.add("two", where="outer.jar!/inner.jar")
    (one, two) = problems.done()
    assert (one.message, one.level, one.location) == ("one", DiagnosticLevel.INFO, Location("f.txt"))
    assert two.location == Location("outer.jar!/inner.jar")


def test_problems_always_goes_past_the_cap() -> None:
    problems = Problems("f.txt")
    for _ in range(MAX_DIAGNOSTICS + 3):
        problems.add("noise")
    problems.add("the reason", always=True)
    done = problems.done()
    assert [d.message for d in done[-2:]] == ["the reason", "3 more problems in this file not shown"]


def test_never_raises() -> None:
    @never_raises
    def broken(path: str, data: bytes) -> AnalysisResult:
        """A parser with a bug."""
        if data == b"deep":
            raise RecursionError
        raise KeyError("x")

    assert broken.__doc__ == "A parser with a bug."
    assert [d.message for d in broken("a", b"").diagnostics] == ["could not parse: KeyError: 'x'"]
    assert [d.message for d in broken("a", b"deep").diagnostics] == ["could not parse: nested too deeply"]


class _Unreadable(BytesFile):
    def read(self, limit: int = 1) -> bytes:
        raise PermissionError("denied")


def test_reading() -> None:
    analyze = reading(lambda path, data: AnalysisResult(owned_files=(path, data.decode())), limit=4)
    assert analyze(BytesFile("a", b"1234")).owned_files == ("a", "1234")
    too_large = analyze(BytesFile("a", b"12345"))
    assert [d.message for d in too_large.diagnostics] == [str(FileTooLarge("a", 5, 4))]
    assert [d.message for d in analyze(_Unreadable("a", b"")).diagnostics] == ["cannot read file: denied"]


def test_clip_and_unique_ids() -> None:
    assert clip("x" * 80) == "x" * 80
    assert clip("x" * 81) == "x" * 80 + "..."
    assert unique_ids(["a", "b", "a", "a"]) == ["a", "b", "a|2", "a|3"]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a = 1\nb = \n", "invalid TOML: ", 2),  # tomllib says "at line 2"
        ("a = [1,\n", "invalid TOML: ", 2),  # tomllib says "at end of document": the last line
        ("x = " + "[" * 100_000 + "]" * 100_000, "invalid TOML: nested too deeply", None),
    ],
)
def test_load_toml_errors(text: str, message: str, line: int | None) -> None:
    value, bad = load_toml("f.toml", text)
    assert value is None and bad is not None
    (diag,) = bad.diagnostics
    assert diag.message.startswith(message)
    assert diag.location.line == line


def test_load_toml() -> None:
    assert load_toml("f.toml", "a = 1\n") == ({"a": 1}, None)


def test_load_yaml() -> None:
    assert load_yaml("f.yaml", "---\n---\na: 1\n---\nb: [2]\n") == ([{"a": 1}, {"b": [2]}], None)
    documents, bad = load_yaml("f.yaml", "a: 1\nb: [\n")
    assert documents == [] and bad is not None
    assert bad.diagnostics[0].message.startswith("invalid YAML: ")
    assert bad.diagnostics[0].location.line is not None


def test_load_yaml_refuses_deep_nesting_before_loading() -> None:
    flow = "a: " + "[" * 100_000 + "]" * 100_000
    block = "".join(" " * depth + "a:\n" for depth in range(MAX_YAML_DEPTH + 2))
    for text in (flow, block):
        assert yaml_too_deep(text)
        documents, bad = load_yaml("f.yaml", text)
        assert documents == [] and bad is not None
        assert [d.message for d in bad.diagnostics] == [f"invalid YAML: nested deeper than {MAX_YAML_DEPTH} levels"]
    assert not yaml_too_deep("a: " + "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH)
