"""The keyword prefilter is exact: running each rule only in windows around keyword hits gives the same
matches as running it over the whole buffer and keeping the matches that contain a keyword."""

from __future__ import annotations

import random

import pytest
import re2

from stockade.model import Severity
from stockade.secrets import RuleSet, SecretRule
from stockade.secrets.engine import Tuning, raw_matches

# Every match of each regex contains one of its keywords (ignoring case), as rule authors guarantee.
SPECS = [
    (r"ab[a-c]{0,5}", ("ab",)),
    (r"(?i)key[s]?=[a-z]{1,4}", ("key",)),
    (r"x{1,3}keys[0-9]{2}", ("keys",)),  # its keyword extends another rule's keyword
    (r"[a-c]{0,3}bca", ("bca",)),  # its keyword overlaps "ab" in "abca"
    (r"\bq[a-z]{2,6}\b", ("q",)),
    (r"(?s)BEGIN.{0,20}END", ("begin",)),  # spans lines
    (r"(?m)^tok:[0-9]{1,3}$", ("tok:",)),
    (r"(?:foo|bar)[0-9]{1,3}", ("foo", "bar")),
    (r"(?i)(?:foo|zz)[0-9]{2}", ("foo", "zz")),  # shares "foo" with the rule above
    (r"aa(?:aa){0,8}", ("aa",)),  # hits at every position of a run of a's
]
FRAGMENTS = [
    "ab", "abc", "abca", "bca", "key=", "KEY=", "keys=", "keys12", "xkeys34", "xxx", "q", "qa", "quux", " ", "\n",
    "BEGIN", "begin", "END", "tok:", "tok:12", "foo", "FOO", "bar", "zz", "7", "42", "=", "a", "aaaa", "c", "e",
    "\x00", "\xff",
]  # fmt: skip


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return RuleSet(tuple(
        SecretRule(id=f"P-{i}", name=f"p-{i}", title="t", severity=Severity.LOW, category="Test", keywords=kws,
                   regex=regex, max_length=64)
        for i, (regex, kws) in enumerate(SPECS)
    ))  # fmt: skip


def whole_buffer(ruleset: RuleSet, data: bytes) -> list[tuple[int, int, int]]:
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    found = []
    lowered = data.lower()
    for index, rule in enumerate(ruleset.rules):
        rx = re2.compile(rule.regex.encode(), options)
        for m in rx.finditer(data):
            text = lowered[m.start() : m.end()]
            if any(kw.encode() in text for kw in rule.keywords):
                found.append((index, m.start(), m.end()))
    return sorted(found)


@pytest.mark.parametrize("seed", range(300))
def test_windows_equal_a_whole_buffer_scan(ruleset: RuleSet, seed: int) -> None:
    rng = random.Random(seed)
    data = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 600))).encode("latin-1")
    expected = whole_buffer(ruleset, data)
    assert raw_matches(ruleset.engine, data) == expected


@pytest.mark.parametrize("seed", range(100))
def test_hot_rules_checked_by_one_set_pass_give_the_same_matches(ruleset: RuleSet, seed: int) -> None:
    # Rules whose keywords are dense are left out of the keyword pass and run over the whole buffer when
    # one RE2 Set pass says they match somewhere: any split of the rules gives the same answer.
    rng = random.Random(seed)
    data = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 600))).encode("latin-1")
    tuning = Tuning(ruleset.engine)
    tuning.hot = frozenset(r for r in range(len(SPECS)) if rng.random() < 0.5)
    assert raw_matches(ruleset.engine, data, tuning) == whole_buffer(ruleset, data)
    tuning.hot = frozenset(range(len(SPECS)))
    assert raw_matches(ruleset.engine, data, tuning) == whole_buffer(ruleset, data)


def test_dense_keywords_turn_their_rules_hot(ruleset: RuleSet) -> None:
    tuning = Tuning(ruleset.engine)
    data = b"key=xyz " * 2000 + b"tok:12\n"
    assert raw_matches(ruleset.engine, data, tuning) == whole_buffer(ruleset, data)
    assert tuning.hot == {1}  # the "key" rule: 2000 hits in 16 kB
    assert raw_matches(ruleset.engine, data, tuning) == whole_buffer(ruleset, data)


def test_the_generated_inputs_exercise_every_rule(ruleset: RuleSet) -> None:
    seen: set[int] = set()
    for seed in range(300):
        rng = random.Random(seed)
        data = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 600))).encode("latin-1")
        seen.update(r for r, _, _ in raw_matches(ruleset.engine, data))
    assert seen == set(range(len(SPECS)))


def test_dense_keywords_merge_into_one_window(ruleset: RuleSet) -> None:
    data = b"a" * 10_000
    found = raw_matches(ruleset.engine, data)
    # "aa(?:aa){0,8}" consumes 18 a's at a time, leftmost-first, exactly as over the whole buffer
    assert found == whole_buffer(ruleset, data)
    assert len(found) == 556


def test_a_plan_re2_refuses_falls_back_to_keyword_windows(ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    import stockade.secrets.engine as engine_module

    def refuse(patterns: object) -> object:
        raise RuntimeError("RE2 Set refused")

    monkeypatch.setattr(engine_module, "compile_set", refuse)
    tuning = Tuning(ruleset.engine)
    data = b"key=xyz " * 2000 + b"tok:12\n"
    assert raw_matches(ruleset.engine, data, tuning) == whole_buffer(ruleset, data)
    assert tuning.frozen and tuning.hot == frozenset()
