"""The built-in secret rules (src/stockade/secrets/rules/builtin.yaml): their data quality, and one folder of
fixtures per rule under testdata/<rule name>/.

Each fixture folder holds ``fail_<n>.<ext>`` files (realistic files with a planted, randomly generated fake
credential), ``pass_<n>.<ext>`` files (near misses: wrong length or prefix, placeholders, documentation
examples, hashes) and ``expect.yaml``, which maps every fail file to the exact list of findings
``{rule: <name>, line: <line of the secret>}`` (other rules that legitimately fire are listed too). A fixture
is scanned as ``<rule name>/<file name>``; a ``scan_as`` map in expect.yaml may give another path.

The table in docs/secret-rules.md is generated from the rules:
``python tests/secrets/rules/render_secret_rules_doc.py``.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest
import re2
import yaml

from stockade.secrets import SecretScanner, load_rules, redact

HERE = Path(__file__).resolve().parent
TESTDATA = HERE / "testdata"
SHARED_DATA = HERE.parents[2].parent / "shared" / "data"
RULE_ID = re.compile(r"STK-SEC-(\d{4})")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SEVERITIES = {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
RE2_MAX_REPEAT = 1000


@cache
def rules_text() -> str:
    return resources.files("stockade.secrets").joinpath("rules/builtin.yaml").read_text(encoding="utf-8")


@cache
def rules_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(rules_text())
    return doc


def raw_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = rules_doc()["rules"]
    return rules


@cache
def scanner() -> SecretScanner:
    return SecretScanner(load_rules())


# --- static analysis of a regex (Python's parser; rule regexes use the syntax both engines share) ----------

_CAP = 512  # largest set of literal strings tracked for one stretch of a pattern


def _parse(regex: str) -> Any:
    return sre_parse.parse(regex)


def _finite(nodes: Any) -> set[str] | None:
    """The lowercase strings a node sequence matches, when they are few and each is fixed; else None."""
    out = {""}
    for op, av in nodes:
        strings = _finite_node(op, av)
        if strings is None:
            return None
        out = {a + b for a in out for b in strings}
        if len(out) > _CAP:
            return None
    return out


def _finite_node(op: Any, av: Any) -> set[str] | None:
    if op is sre_c.LITERAL:
        return {chr(av).lower()}
    if op is sre_c.IN:
        chars: set[str] = set()
        for item_op, item in av:
            if item_op is sre_c.LITERAL:
                chars.add(chr(item).lower())
            elif item_op is sre_c.RANGE and item[1] - item[0] <= 64:
                chars.update(chr(c).lower() for c in range(item[0], item[1] + 1))
            else:
                return None
        return chars
    if op is sre_c.SUBPATTERN:
        return _finite(av[-1])
    if op is sre_c.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:
            strings = _finite(alternative)
            if strings is None:
                return None
            union |= strings
        return union if len(union) <= _CAP else None
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[1] <= 8:
        lo, hi, body = av
        union = set()
        for count in range(lo, hi + 1):
            strings = _finite([(sre_c.SUBPATTERN, (None, 0, 0, body))] * count) if count else {""}
            if strings is None:
                return None
            union |= strings
            if len(union) > _CAP:
                return None
        return union
    if op is sre_c.AT:
        return {""}
    return None


def keyword_in_every_match(regex: str, keywords: list[str]) -> bool:
    """True when every string the regex matches contains one of the keywords (ignoring case).

    Sound, not complete: it follows fixed stretches of the pattern (literals, small classes, alternations,
    optional parts) and answers False when it cannot tell."""
    words = [k.lower() for k in keywords]

    def holds(run: set[str]) -> bool:
        return run != {""} and all(any(w in s for w in words) for s in run)

    def walk(nodes: list[Any], run: set[str]) -> bool:
        if not nodes:
            return holds(run)
        (op, av), rest = nodes[0], nodes[1:]
        strings = _finite_node(op, av)
        if strings is not None:
            longer = {a + b for a in run for b in strings}
            if len(longer) <= _CAP:
                return walk(rest, longer)
        if op is sre_c.SUBPATTERN:
            return walk(list(av[-1]) + rest, run)
        if op is sre_c.BRANCH:
            return all(walk(list(alternative) + rest, run) for alternative in av[1])
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            return holds(run) or walk(list(av[2]), run) or walk(rest, {""})
        return holds(run) or walk(rest, {""})

    return walk(list(_parse(regex)), {""})


def unbounded_repeats(regex: str) -> int:
    """How many repetitions in the regex have no upper bound (bare +, *, {n,})."""

    def count(nodes: Any) -> int:
        total = 0
        for op, av in nodes:
            if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                total += (av[1] == sre_c.MAXREPEAT) + count(av[2])
            elif op is sre_c.SUBPATTERN:
                total += count(av[-1])
            elif op is sre_c.BRANCH:
                total += sum(count(alternative) for alternative in av[1])
        return total

    return count(_parse(regex))


def test_static_checks_can_fail() -> None:
    assert keyword_in_every_match(r"\b(ghp_[A-Za-z0-9]{36})\b", ["ghp_"])
    assert keyword_in_every_match(r"(?i:cloudflare[\w.-]{0,25}|cf[_.-]api[_.-]token)=x", ["cloudflare", "cf_api",
                                                                                          "cf-api", "cf.api"])
    assert keyword_in_every_match(r"\bSK[0-9a-f]{32}\b", [f"sk{c}" for c in "0123456789abcdef"])
    assert not keyword_in_every_match(r"\b[0-9a-f]{32}\b", ["key"])
    assert not keyword_in_every_match(r"(?:AKIA|ASIA)[A-Z2-7]{16}", ["akia"])  # ASIA... has no keyword
    assert not keyword_in_every_match(r"(?:secret)?[a-z]{8}", ["secret"])  # the keyword is optional
    assert unbounded_repeats(r"a{1,3}b+c*") == 2
    assert unbounded_repeats(r"(?:x{2,}|y)") == 1
    assert unbounded_repeats(r"[a-z]{1,1000}") == 0


# --- data quality of the rule file ---------------------------------------------------------------------


def test_builtin_rules_load_and_count() -> None:
    ruleset = load_rules()
    assert len(ruleset.rules) == len(raw_rules())
    assert len(raw_rules()) >= 100


def test_ids_are_sequential_and_names_unique() -> None:
    ids = [r["id"] for r in raw_rules()]
    assert ids == [f"STK-SEC-{n:04d}" for n in range(1, len(ids) + 1)]
    names = [r["name"] for r in raw_rules()]
    assert len(set(names)) == len(names), sorted({n for n in names if names.count(n) > 1})
    assert [n for n in names if not SLUG.fullmatch(n)] == []


@pytest.mark.parametrize("rule", raw_rules(), ids=lambda r: r["name"])
def test_rule_fields(rule: dict[str, Any]) -> None:
    assert rule["severity"] in SEVERITIES
    assert rule["title"].strip() and rule["category"].strip()
    assert re.fullmatch(r"https://\S+", rule["source"]), "source must be the provider's documentation URL"
    remediation = rule["remediation"]
    assert remediation.endswith(".") and "\n" not in remediation
    assert rule["keywords"] and all(k and k == k.lower() for k in rule["keywords"])
    compiled = re2.compile(rule["regex"].encode("ascii"))
    group = rule.get("secret_group", 0)
    assert isinstance(group, int) and 0 <= group <= compiled.groups
    for pattern in (rule.get("allow") or {}).get("regexes", []):
        re2.compile(pattern.encode("ascii"))
    if rule.get("entropy") is not None:
        assert 0 < rule["entropy"] <= 6


@pytest.mark.parametrize("rule", raw_rules(), ids=lambda r: r["name"])
def test_regex_is_bounded(rule: dict[str, Any]) -> None:
    if rule.get("max_length"):
        assert unbounded_repeats(rule["regex"]) > 0, "max_length is only for regexes with unbounded repetition"
        assert 0 < rule["max_length"] <= 65536
    else:
        assert unbounded_repeats(rule["regex"]) == 0, "use {n,m} (at most 1000) or set max_length"


@pytest.mark.parametrize("rule", raw_rules(), ids=lambda r: r["name"])
def test_a_keyword_is_inside_every_match(rule: dict[str, Any]) -> None:
    assert keyword_in_every_match(rule["regex"], rule["keywords"])


def test_global_allowlist_compiles_and_keeps_test_keys() -> None:
    allow = rules_doc()["allow"]
    for pattern in allow["regexes"]:
        re2.compile(pattern.encode("ascii"))
    stopwords = [s.lower() for s in allow["stopwords"]]
    # "test" would drop Stripe test keys and tokens of test environments: decided against, see builtin.yaml
    assert "test" not in stopwords
    assert all(s == s.strip() and s for s in stopwords)


# --- fixtures --------------------------------------------------------------------------------------------


def _fixture_dirs() -> list[Path]:
    return sorted(p for p in TESTDATA.iterdir() if p.is_dir())


def _expect(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((folder / "expect.yaml").read_text(encoding="utf-8")) or {}
    return data


def _fixture_params() -> Iterator[Any]:
    for folder in _fixture_dirs():
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("fail_", "pass_")):
                yield pytest.param(path, id=f"{folder.name}/{path.name}")


def _fixtures() -> list[Any]:
    return list(_fixture_params())


def _scan_path(path: Path) -> str:
    scan_as: dict[str, str] = _expect(path.parent).get("scan_as") or {}
    return scan_as.get(path.name, f"{path.parent.name}/{path.name}")


def test_every_rule_has_fixtures() -> None:
    names = {r["name"] for r in raw_rules()}
    folders = {p.name for p in _fixture_dirs()}
    assert sorted(names - folders) == [], "rules without a fixture folder"
    assert sorted(folders - names) == [], "fixture folders of no rule"
    for folder in _fixture_dirs():
        files = [p.name for p in folder.iterdir()]
        fails = sorted(f for f in files if f.startswith("fail_"))
        passes = [f for f in files if f.startswith("pass_")]
        assert fails and passes, f"{folder.name} needs at least one fail_ and one pass_ file"
        expect = _expect(folder)
        listed = sorted(k for k in expect if k != "scan_as")
        assert listed == fails, f"{folder.name}/expect.yaml must list each fail file"
        assert all(f.startswith(("fail_", "pass_")) or f == "expect.yaml" for f in files), folder.name


@pytest.mark.parametrize("path", _fixtures())
def test_fixture(path: Path) -> None:
    data = path.read_bytes()
    matches = scanner().scan_bytes(data, _scan_path(path))
    got = sorted((m.rule.name, m.line) for m in matches)
    if path.name.startswith("pass_"):
        assert got == []
    else:
        want = sorted((f["rule"], f["line"]) for f in _expect(path.parent)[path.name])
        assert got == want
        assert path.parent.name in {name for name, _ in got}, "a fail file must trigger its own rule"


@pytest.mark.parametrize("path", [p for p in _fixtures() if p.values[0].name.startswith("fail_")])
def test_planted_secret_is_redacted_everywhere(path: Path) -> None:
    data = path.read_bytes()
    matches = scanner().scan_bytes(data, _scan_path(path))
    assert matches
    for m in matches:
        secret = data[m.offset : m.end_offset].decode("utf-8")
        assert len(secret) >= 4
        assert m.redacted == redact(secret)
        assert m.redacted in m.snippet
        finding = m.to_finding()
        for shown in (str(m), repr(m), m.snippet, finding.message, repr(finding)):
            assert secret not in shown


# --- hostile input ---------------------------------------------------------------------------------------


def test_keyword_flood_with_nul_and_invalid_utf8() -> None:
    keywords = sorted({k for r in raw_rules() for k in r["keywords"]})
    noise = b"\x00\xff\xfe".join(k.encode() for k in keywords) * 40
    token = b"ghp_" + b"Zq7Lm2Xv9Rt4Kp8Wn3Bc6Yd1Hs5Fg0Ja2Ue7"
    data = noise + b"\n\xc3\x28 GITHUB_TOKEN=" + token + b"\n" + noise
    matches = scanner().scan_bytes(data, "flood.txt")
    assert [(m.rule.name, m.line) for m in matches] == [("github-pat", 2)]


def test_overlong_token_run_is_not_a_token() -> None:
    data = b"TOKEN=ghp_" + b"A7" * 500_000 + b"\n"
    assert scanner().scan_bytes(data, "long.env") == []


def test_truncated_private_key_block() -> None:
    body = b"MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7j\n" * 30
    data = b"-----BEGIN RSA PRIVATE KEY-----\n" + body  # no END line: cut off
    assert scanner().scan_bytes(data, "id_rsa") == []
    assert [m.rule.name for m in scanner().scan_bytes(data + b"-----END RSA PRIVATE KEY-----\n", "id_rsa")] == [
        "private-key"
    ]


def test_secret_deep_inside_nested_json() -> None:
    token = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc" * 2
    data = ("[" * 5000 + '{"stripe": "' + token + '"}' + "]" * 5000 + "\n").encode()
    matches = scanner().scan_bytes(data, "deep.json")
    assert [(m.rule.name, m.line) for m in matches] == [("stripe-live-secret-key", 1)]


# --- real public data: no false positives ----------------------------------------------------------------


def test_no_findings_in_shared_real_data() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not present at {SHARED_DATA} (see its README.md)")
    found = []
    for result in scanner().scan_tree(SHARED_DATA, jobs=1):
        found += [f"{result.path}:{m.line}: {m.rule.name}" for m in result.matches]
    assert found == []


# --- generated documentation ------------------------------------------------------------------------------


def test_doc_table_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("render_secret_rules_doc", HERE / "render_secret_rules_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc = HERE.parents[2] / "docs" / "secret-rules.md"
    assert doc.read_text(encoding="utf-8") == module.render(rules_text()), (
        "docs/secret-rules.md is out of date; run: python tests/secrets/rules/render_secret_rules_doc.py"
    )
