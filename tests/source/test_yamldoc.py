"""The located YAML loader: positions, Kubernetes' scalar resolution, and hostile input."""

from __future__ import annotations

import math

import pytest

from stockade.model import YList, YMap
from stockade.source.yamldoc import YamlDocument, YamlProblem, load_documents, resolve_plain


def docs(text: str, **kw: int) -> list[YamlDocument | YamlProblem]:
    return list(load_documents(text, **kw))


def test_positions_of_keys_and_items() -> None:
    (doc,) = docs("a: 1\nb:\n  - x\n  - {c: 2}\n")
    assert isinstance(doc, YamlDocument)
    root = doc.root
    assert isinstance(root, YMap)
    assert root.key_pos["a"] == (1, 1)
    assert root.key_pos["b"] == (2, 1)
    items = root["b"]
    assert isinstance(items, YList)
    assert items.item_pos == [(3, 5), (4, 5)]
    assert items[1].key_pos["c"] == (4, 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True), ("yes", True), ("Y", True), ("on", True), ("ON", True),
        ("false", False), ("no", False), ("n", False), ("off", False),
        ("~", None), ("null", None), ("", None),
        ("0", 0), ("-3", -3), ("0x1F", 31), ("0o17", 15), ("017", 15), ("0b101", 5), ("0x_1F", 31),
        ("1_000", "1_000"), ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), ("-.inf", -math.inf),
        ("12:30", "12:30"), ("2024-01-01", "2024-01-01"), ("abc", "abc"), ("0x", "0x"),
    ],
)  # fmt: skip
def test_plain_scalars_resolve_like_kubernetes(text: str, expected: object) -> None:
    assert resolve_plain(text) == expected if text else resolve_plain(text) is None


def test_quoted_and_tagged_scalars() -> None:
    (doc,) = docs("a: 'yes'\nb: \"0\"\nc: !!str 12\nd: !!int '7'\ne: !custom x\n")
    assert isinstance(doc, YamlDocument)
    assert doc.root == {"a": "yes", "b": "0", "c": "12", "d": 7, "e": "x"}


def test_bad_explicit_tag_is_a_document_problem() -> None:
    (problem,) = docs("a: !!int nope\n")
    assert isinstance(problem, YamlProblem)
    assert "cannot decode" in problem.message
    assert (problem.line, problem.fatal) == (1, False)


def test_non_string_keys_become_strings() -> None:
    (doc,) = docs("80: http\ntrue: t\n~: n\n")
    assert isinstance(doc, YamlDocument)
    assert list(doc.root) == ["80", "true", "null"]


def test_duplicate_key_warns_and_last_wins() -> None:
    warning, doc = docs("privileged: false\nprivileged: true\n")
    assert isinstance(warning, YamlProblem) and warning.warning
    assert warning.line == 2
    assert isinstance(doc, YamlDocument) and doc.root == {"privileged": True}


def test_merge_keys() -> None:
    (doc,) = docs("base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\n")
    assert isinstance(doc, YamlDocument)
    assert doc.root["m"] == {"x": 1, "z": 3}


def test_multiple_documents_and_syntax_error_stops_stream() -> None:
    items = docs("a: 1\n---\nb: [\n---\nc: 3\n")
    assert isinstance(items[0], YamlDocument)
    assert isinstance(items[-1], YamlProblem) and items[-1].fatal
    assert items[-1].line >= 3


def test_billion_laughs_is_bounded() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    items = docs("\n".join(lines) + "\n---\nok: 1\n")
    problem = items[0]
    assert isinstance(problem, YamlProblem)
    assert "alias" in problem.message and not problem.fatal
    assert isinstance(items[1], YamlDocument) and items[1].root == {"ok": 1}


def test_deep_nesting_is_bounded() -> None:
    (problem,) = docs("[" * 10000 + "]" * 10000)
    assert isinstance(problem, YamlProblem)
    assert "nesting deeper than" in problem.message


def test_deep_block_nesting_within_limit_loads() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n"
    (doc,) = docs(text)
    assert isinstance(doc, YamlDocument)


def test_recursive_and_undefined_aliases() -> None:
    (p1,) = docs("a: &x [*x]\n")
    assert isinstance(p1, YamlProblem) and "recursive alias" in p1.message
    items = docs("a: *nope\n")
    assert isinstance(items[0], YamlProblem)


def test_complex_key_is_rejected() -> None:
    (problem,) = docs("? [a, b]\n: 1\n")
    assert isinstance(problem, YamlProblem)
    assert "mapping key" in problem.message


def test_json_input() -> None:
    (doc,) = docs('{\n  "kind": "Pod",\n  "spec": {"containers": [{"name": "a"}]}\n}\n')
    assert isinstance(doc, YamlDocument)
    assert doc.root["spec"]["containers"][0]["name"] == "a"
    assert doc.root.key_pos["spec"] == (3, 3)
