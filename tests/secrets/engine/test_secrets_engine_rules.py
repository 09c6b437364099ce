"""Rule files: loading, validation (every problem with file and line), user-file semantics, hostile YAML."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from stockade.errors import ConfigError
from stockade.model import Severity
from stockade.secrets import Allowlist, RuleSet, SecretRule, SecretScanner, load_rules
from stockade.secrets.loader import _load_rules, parse_rule_file
from stockade.secrets.ruleset import rule_problems

RULES = Path(__file__).parent / "testdata" / "rules"
BUILTIN_LIKE = ("builtin_like.yaml", (RULES / "builtin_like.yaml").read_bytes())


def problems_of(exc: ConfigError) -> list[tuple[int | None, str]]:
    return [(d.location.line, d.message) for d in exc.diagnostics()]


def rule(**overrides: object) -> SecretRule:
    fields: dict[str, object] = {
        "id": "T-1", "name": "t-one", "title": "Test", "severity": Severity.HIGH, "category": "Test",
        "keywords": ("tok_",), "regex": r"\btok_[a-z0-9]{16}\b",
    }  # fmt: skip
    fields.update(overrides)
    return SecretRule(**fields)  # type: ignore[arg-type]


# --- the built-in file ---------------------------------------------------------------------------------


def test_builtin_rules_load_with_zero_problems() -> None:
    ruleset = load_rules()
    assert len(ruleset) >= 1
    for r in ruleset:
        assert re.fullmatch(r"STK-SEC-[0-9]{4}", r.id), r.id
        assert r.source, f"{r.id} has no source"
        assert rule_problems(r, builtin=True) == []
    ids = [r.id for r in ruleset]
    assert len(ids) == len(set(ids))


def test_builtin_rules_are_parsed_from_the_packaged_file() -> None:
    ruleset = load_rules()
    assert all(r.origin.startswith("stockade/secrets/rules/builtin.yaml:") for r in ruleset)


# --- a valid user file ---------------------------------------------------------------------------------


def test_user_file_loads_every_field() -> None:
    ruleset = load_rules([RULES / "basic.yaml"], builtin=False)
    assert [r.id for r in ruleset] == ["TEST-0001", "TEST-0002", "TEST-0003", "TEST-0004", "TEST-0005"]
    aws = ruleset.get("aws-access-key-id")
    assert aws.severity is Severity.CRITICAL
    assert aws.keywords == ("akia", "asia")
    assert aws.secret_group == 1
    assert aws.origin == f"{RULES / 'basic.yaml'}:8"
    password = ruleset.get("TEST-0003")
    assert password.secret_group == "secret"
    assert password.entropy == 2.0
    assert password.generic
    dotenv = ruleset.get("TEST-0005")
    assert dotenv.paths == ("**/.env", "**/*.env")
    assert dotenv.allow == Allowlist(paths=("**/examples/**",), stopwords=("dummy",))
    assert ruleset.allow.stopwords == ("example", "changeme")
    # match length bounds: computed from the regex, or max_length for the unbounded private-key rule
    bounds = {c.rule.id: c.maxlen for c in ruleset.engine.rules}
    assert bounds["TEST-0001"] == 20
    assert bounds["TEST-0002"] == 40
    assert bounds["TEST-0004"] == 16384


def test_ruleset_get_unknown_names_it() -> None:
    ruleset = load_rules([RULES / "basic.yaml"], builtin=False)
    with pytest.raises(KeyError, match="no secret rule 'nope'"):
        ruleset.get("nope")


def test_ruleset_survives_pickling_and_recompiles() -> None:
    ruleset = load_rules([RULES / "basic.yaml"], builtin=False)
    again = pickle.loads(pickle.dumps(ruleset))
    assert again.rules == ruleset.rules
    assert again.allow == ruleset.allow
    data = b"key = AKIAQWERTYUIOPASDFGH\n"
    assert [m.rule.id for m in SecretScanner(again).scan_bytes(data, "a.txt")] == ["TEST-0001"]


# --- every problem, with file and line -----------------------------------------------------------------


def test_broken_user_file_lists_every_problem_with_line_and_rule() -> None:
    path = RULES / "bad.yaml"
    with pytest.raises(ConfigError) as info:
        load_rules([path], builtin=False)
    exc = info.value
    assert exc.exit_code == 2
    got = problems_of(exc)
    expected_prefixes = [
        (2, "unknown key 'bogus' in the rule file"),
        (5, "name 'Bad_Name' is not a kebab-case slug"),
        (7, "severity 'SEVERE' is not one of CRITICAL, HIGH, MEDIUM, LOW"),
        (9, "keyword 'Foo' is not lowercase"),
        (10, "regex uses a lookahead or lookbehind assertion, which RE2 does not support"),
        (17, "regex has unbounded repetition (+, * or {n,}): bound every repetition"),
        (18, "secret_group 2 does not exist (the regex has 0 capture groups)"),
        (19, "unknown key 'colour' in a rule"),
        (20, "duplicate id 'BAD-2': already used by the rule at"),
        (26, "regex uses a backreference, which RE2 does not support"),
        (32, "keyword 'fox' can never occur in a match: the regex cannot match 'x'"),
        (34, "entropy must be a number (bits per character), not str 'high'"),
        (35, "allow: regexes[0]: invalid regex for RE2: missing ): ("),
        (35, "allow.paths: path glob '[a-': unterminated character set '['"),
        (38, "id is missing"),
        (38, "category is missing"),
        (39, "title must be a string, not the number 3"),
        (41, "keywords must be a list of strings"),
    ]
    assert len(got) == len(expected_prefixes), got
    for (line, message), (want_line, prefix) in zip(got, expected_prefixes, strict=True):
        assert line == want_line, (line, message)
        assert prefix in message, message
    text = str(exc)
    assert text.startswith("invalid secret rules (18 problems):")
    assert f"{path}:10: rule BAD-1: regex uses a lookahead" in text
    assert f"{path}:26: rule BAD-2: regex uses a backreference" in text
    assert all(d.location.path == str(path) for d in exc.diagnostics())


def test_problems_name_the_rule_id_in_the_message() -> None:
    with pytest.raises(ConfigError) as info:
        load_rules([RULES / "bad.yaml"], builtin=False)
    messages = [d.message for d in info.value.diagnostics()]
    assert "rule BAD-3: keyword 'fox' can never occur in a match: the regex cannot match 'x'" in messages


@pytest.mark.parametrize(
    ("regex", "needle"),
    [
        (r"tok_(?=[a-z]{4})", "lookahead or lookbehind"),
        (r"(?<!x)tok_[a-z]{4}", "lookahead or lookbehind"),
        (r"(tok_)[a-z]\1", "backreference"),
        (r"(?P<a>tok_)(?P=a)", "backreference"),
        (r"tok_[a-z]{2}++", "atomic group or possessive"),
        (r"tok_[a-z", "invalid regex for RE2: missing ]"),
        ("tok_é{2}", "non-ASCII characters"),
    ],
)
def test_regexes_re2_cannot_run_are_rejected_with_the_reason(regex: str, needle: str) -> None:
    problems = rule_problems(rule(regex=regex))
    assert len(problems) == 1, problems
    assert needle in problems[0]


def test_unbounded_rule_needs_max_length() -> None:
    unbounded = rule(regex=r"tok_[a-z0-9]+")
    assert rule_problems(unbounded) == [
        "regex has unbounded repetition (+, * or {n,}): bound every repetition (e.g. {1,200}) or set max_length, "
        "the longest match to look for"
    ]
    assert rule_problems(rule(regex=r"tok_[a-z0-9]+", max_length=300)) == []
    assert rule_problems(rule(regex=r"tok_[a-z0-9]+", max_length=10**6)) == ["max_length 1000000 is outside 1..65536"]


def test_rule_longer_than_the_limit_is_rejected() -> None:
    problems = rule_problems(rule(regex=r"tok_[a-z]{1000}[a-z]{1000}" * 40))
    assert problems == [
        "regex can match up to 80160 bytes; at most 65536 are allowed (tighten its repetitions or set max_length)"
    ]


def test_keyword_checks() -> None:
    assert rule_problems(rule(keywords=())) == [
        "keywords is empty: every rule needs at least one keyword that occurs in each match"
    ]
    assert rule_problems(rule(keywords=("Tok_",))) == [
        "keyword 'Tok_' is not lowercase (keywords match ignoring case; write 'tok_')"
    ]
    assert rule_problems(rule(keywords=("tok_", "tok-"))) == [
        "keyword 'tok-' can never occur in a match: the regex cannot match '-'"
    ]
    # case-insensitive regexes and classes count: 'TOK' in the regex allows keyword 'tok'
    assert rule_problems(rule(regex=r"(?i)TOK_[0-9]{8}", keywords=("tok_",))) == []
    assert rule_problems(rule(regex=r"[A-Z]{3}_[0-9]{8}", keywords=("tok_",))) == []


def test_builtin_requirements() -> None:
    assert rule_problems(rule(), builtin=True) == [
        "id 'T-1' is not a built-in rule id (STK-SEC-NNNN)",
        "source is required for a built-in rule (where the token format is documented)",
    ]
    assert rule_problems(rule(id="STK-SEC-0042", source="https://example.org/format"), builtin=True) == []


def test_secret_group_by_name_must_exist() -> None:
    problems = rule_problems(rule(regex=r"\b(?P<value>tok_[a-z0-9]{16})\b", secret_group="secret"))
    assert problems == ["secret_group 'secret' is not a named group of the regex (named groups: value)"]


def test_rule_ids_and_names_are_checked() -> None:
    assert rule_problems(rule(id="has space")) == [
        "id 'has space' is not a valid rule id (letters, digits and . _ : -, at most 64)"
    ]
    assert rule_problems(rule(name="two--dashes")) == [
        "name 'two--dashes' is not a kebab-case slug (lowercase letters, digits, single dashes)"
    ]


def test_ruleset_built_in_python_is_validated_too() -> None:
    with pytest.raises(ConfigError) as info:
        RuleSet((rule(), rule(name="other")))
    assert "'T-1' is also the id or name of the rule at" in str(info.value)
    with pytest.raises(ConfigError, match=r"rule T-1: keyword 'Tok' is not lowercase"):
        RuleSet((rule(keywords=("Tok",)),))
    with pytest.raises(ConfigError, match=r"allow: regexes\[0\]: invalid regex for RE2"):
        RuleSet((rule(),), Allowlist(regexes=("(",)))


# --- user files over the built-in rules ----------------------------------------------------------------


def test_user_rule_with_a_builtin_id_replaces_it_and_disable_turns_one_off() -> None:
    ruleset = _load_rules([RULES / "user_replace.yaml"], BUILTIN_LIKE)
    assert [(r.id, r.name) for r in ruleset] == [
        ("STK-SEC-0001", "aws-access-key-id"),
        ("STK-SEC-0002", "github-pat-strict"),  # replaced in place
        ("ACME-0001", "acme-internal-token"),  # added
    ]
    assert ruleset.get("STK-SEC-0002").severity is Severity.HIGH
    assert ruleset.allow == Allowlist(stopwords=("example",))


def test_user_rule_with_a_builtin_name_replaces_it(tmp_path: Path) -> None:
    user = tmp_path / "by-name.yaml"
    user.write_text(
        "version: 1\nrules:\n  - id: MY-1\n    name: aws-access-key-id\n    title: Mine\n    severity: LOW\n"
        "    category: AWS\n    keywords: [akia]\n    regex: 'AKIA[0-9]{16}'\n"
    )
    ruleset = _load_rules([user], BUILTIN_LIKE)
    assert [r.id for r in ruleset] == ["MY-1", "STK-SEC-0002", "STK-SEC-0003"]


def test_enable_keeps_only_those_builtins_and_disable_allow_drops_the_builtin_allowlist() -> None:
    ruleset = _load_rules([RULES / "user_enable.yaml"], BUILTIN_LIKE)
    assert [r.id for r in ruleset] == ["STK-SEC-0003"]
    assert ruleset.allow == Allowlist(stopwords=("dummy",))


def test_unknown_enable_disable_and_ambiguous_replacement_are_problems() -> None:
    path = RULES / "user_unknown.yaml"
    with pytest.raises(ConfigError) as info:
        _load_rules([path], BUILTIN_LIKE)
    assert problems_of(info.value) == [
        (2, "enable: no built-in rule has id or name 'STK-SEC-9999'"),
        (4, "disable: no rule has id or name 'no-such-rule'"),
        (6, "rule STK-SEC-0001: id matches built-in rule STK-SEC-0001 (aws-access-key-id) but name matches "
            "built-in rule STK-SEC-0002 (github-pat); a replacement must match one rule"),
    ]


def test_the_same_rule_in_two_user_files_is_a_problem(tmp_path: Path) -> None:
    text = ("version: 1\nrules:\n  - id: MY-1\n    name: mine\n    title: Mine\n    severity: LOW\n"
            "    category: Test\n    keywords: [zzz]\n    regex: 'zzz[0-9]{3}'\n")
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(text)
    second.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_rules([first, second], builtin=False)
    assert problems_of(info.value) == [(3, f"rule MY-1: id or name already defined at {first}:3")]
    assert str(second) in str(info.value)


def test_builtin_file_may_not_use_user_keys() -> None:
    parsed = parse_rule_file(b"version: 1\ndisable: [x]\nrules: []\n", "builtin.yaml", builtin=True)
    assert [(p[0][1], p[2]) for p in parsed.problems] == [
        (2, "unknown key 'disable' in the rule file (expected one of version, allow, rules)")
    ]


def test_missing_user_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_rules([missing], builtin=False)
    assert str(info.value) == (
        f"invalid secret rules (1 problem):\n  {missing}: cannot read rule file: No such file or directory"
    )


# --- hostile rule files --------------------------------------------------------------------------------


def parse_problems(data: bytes) -> list[tuple[int | None, str]]:
    parsed = parse_rule_file(data, "f.yaml", builtin=False)
    return [(p[0][1], p[2]) for p in parsed.problems]


def test_billion_laughs_is_bounded() -> None:
    lines = ["version: 1", "x0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        lines.append(f"x{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]")
    lines += ["allow:", "  stopwords: *b8", "rules: *b8"]
    problems = parse_problems("\n".join(lines).encode())
    # aliases are never expanded: each alias is one node (reported at its anchor), so a 10^9-item document
    # costs a few problems
    unknown = [(n + 2, f"unknown key 'x{n}' in the rule file (expected one of version, allow, rules, disable, "
                       "enable, disable-allow)") for n in range(9)]
    assert problems == unknown + [(9, "each item of allow.stopwords must be a string, not a list or mapping")] * 10 + [
        (9, "a rule must be a mapping")
    ] * 10


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    data = b"version: 1\nrules: " + b"[" * 50_000 + b"]" * 50_000 + b"\n"
    assert parse_problems(data) == [(2, "nested more than 32 levels deep")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"version: 1\nrules:\n  - id: \x00\n", [(3, "not valid YAML: control characters are not allowed")]),
        (b"version: 1\nrules:\n  - id: \xff\xfe\n", [(3, "not valid UTF-8 (byte 0xff)")]),
        (b"version: 1\nrules:\n  - id: 'unterminated\n", [(4, "not valid YAML: found unexpected end of stream")]),
        (b"", [(1, "empty rule file (expected a mapping with version: 1 and rules)")]),
        (b"- a\n- b\n", [(1, "the rule file must be a mapping")]),
        (b"version: 1\n---\nversion: 1\n", [(2, "not valid YAML: but found another document")]),
        (b"version: 1\nversion: 1\n", [(2, "duplicate key 'version' in the rule file")]),
        (b"version: 2\n", [(1, "unsupported version 2 (expected 1)")]),
        (b"rules: []\n", [(1, "version is missing (expected version: 1)")]),
        (b"version: 1\nrules: {a: 1}\n", [(2, "rules must be a list of rules")]),
        (b"version: 1\nrules: [1]\n", [(2, "a rule must be a mapping")]),
        (b"version: 1\ndisable-allow: yes please\n",
         [(2, "disable-allow must be true or false, not str 'yes please'")]),
    ],
)
def test_malformed_rule_files(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert parse_problems(data) == expected


def test_huge_rule_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    with pytest.raises(ConfigError, match=r"rule file is 17825792 bytes; at most 16777216 are allowed"):
        load_rules([big], builtin=False)


def test_truncated_rule_file_reports_what_is_missing() -> None:
    full = (RULES / "basic.yaml").read_bytes()
    cut = full[: full.index(b"    regex: '\\b(ghp_")]
    problems = parse_problems(cut)
    assert problems == [(18, "regex is missing")]
