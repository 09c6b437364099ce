"""RuleSet: the rules and the global allowlist, validated and compiled once.

Compiling a rule checks what the loader cannot see from YAML alone: the regex compiles on RE2, its match
length is bounded (that bound sizes the window the regex runs in around each keyword hit), its secret
group exists, its keywords can occur in a match, its allowlist compiles.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from stockade.errors import ConfigError
from stockade.model import Diagnostic, DiagnosticLevel, Location, Severity
from stockade.secrets._glob import GlobSet
from stockade.secrets._regex import (
    KEYWORD_MAX_MEM,
    UNBOUNDED,
    MatchFn,
    alphabet,
    compile_bytes,
    compile_raw,
    literal_alternation,
    parse_tree,
    width,
)
from stockade.secrets.model import Allowlist, SecretRule

MAX_MATCH_LENGTH = 64 * 1024  # the largest match a rule may produce (bounds the chunk overlap)
BUILTIN_ID = re.compile(r"STK-SEC-[0-9]{4}")
RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
RULE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RULE_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: SecretRule
    match: MatchFn
    group: int
    maxlen: int
    keywords: tuple[bytes, ...]
    keyword_match: MatchFn
    allow_match: MatchFn | None
    only_paths: GlobSet | None
    skip_paths: GlobSet | None


def rule_problems(rule: SecretRule, *, builtin: bool = False) -> list[str]:
    """Everything wrong with one rule (empty when it is valid); messages do not name file or rule.
    ``builtin`` adds the built-in file's stricter requirements (an STK-SEC-NNNN id, a source)."""
    problems = list(_compile_rule(rule)[1])
    if builtin:
        if not BUILTIN_ID.fullmatch(rule.id):
            problems.insert(0, f"id {rule.id!r} is not a built-in rule id (STK-SEC-NNNN)")
        if not rule.source.strip():
            problems.append("source is required for a built-in rule (where the token format is documented)")
    return problems


@functools.lru_cache(maxsize=4096)
def _compile_rule(rule: SecretRule) -> tuple[CompiledRule | None, list[str]]:
    problems: list[str] = []
    if not RULE_ID.fullmatch(rule.id):
        problems.append(f"id {rule.id!r} is not a valid rule id (letters, digits and . _ : -, at most 64)")
    if not RULE_NAME.fullmatch(rule.name):
        problems.append(f"name {rule.name!r} is not a kebab-case slug (lowercase letters, digits, single dashes)")
    if not rule.title.strip():
        problems.append("title is empty")
    if rule.severity not in RULE_SEVERITIES:
        problems.append(f"severity {rule.severity} is not one of CRITICAL, HIGH, MEDIUM, LOW")
    if not rule.category.strip():
        problems.append("category is empty")
    if rule.entropy is not None and not 0.0 <= rule.entropy <= 8.0:
        problems.append(f"entropy {rule.entropy} is outside 0..8 bits per character")
    if rule.max_length is not None and not 1 <= rule.max_length <= MAX_MATCH_LENGTH:
        problems.append(f"max_length {rule.max_length} is outside 1..{MAX_MATCH_LENGTH}")

    keywords: list[bytes] = []
    if not rule.keywords:
        problems.append("keywords is empty: every rule needs at least one keyword that occurs in each match")
    for kw in rule.keywords:
        if not kw:
            problems.append("keywords has an empty keyword")
        elif kw != kw.lower():
            problems.append(f"keyword {kw!r} is not lowercase (keywords match ignoring case; write {kw.lower()!r})")
        else:
            keywords.append(kw.encode("utf-8"))

    compiled = None
    try:
        compiled = compile_bytes(rule.regex)
    except ValueError as exc:
        problems.append(str(exc))

    group = 0
    maxlen = 0
    if compiled is not None:
        if isinstance(rule.secret_group, str):
            if rule.secret_group not in compiled.groupindex:
                names = ", ".join(sorted(compiled.groupindex)) or "none"
                problems.append(f"secret_group {rule.secret_group!r} is not a named group of the regex "
                                f"(named groups: {names})")
            else:
                group = compiled.groupindex[rule.secret_group]
        elif not 0 <= rule.secret_group <= compiled.groups:
            problems.append(f"secret_group {rule.secret_group} does not exist (the regex has {compiled.groups} "
                            "capture groups)")
        else:
            group = rule.secret_group
        tree = parse_tree(rule.regex)
        # A pattern Python's parser cannot read cannot be bounded: treated as unbounded (max_length required).
        hi = UNBOUNDED if tree is None else width(tree)[1]
        if hi == 0:
            problems.append("regex can only match the empty string")
        if hi >= UNBOUNDED:
            if rule.max_length is None:
                why = ("has unbounded repetition (+, * or {n,})" if tree is not None
                       else "cannot be bounded (its syntax is outside what the length check understands)")
                problems.append(f"regex {why}: bound every repetition (e.g. {{1,200}}) or set max_length, the "
                                "longest match to look for")
            else:
                maxlen = rule.max_length
        else:
            maxlen = min(hi, rule.max_length) if rule.max_length is not None else hi
            if maxlen > MAX_MATCH_LENGTH:
                problems.append(f"regex can match up to {maxlen} bytes; at most {MAX_MATCH_LENGTH} are allowed "
                                "(tighten its repetitions or set max_length)")
        if tree is not None and keywords:
            chars = alphabet(tree)
            if chars is not None:
                for word in keywords:
                    missing = [c for c in word if c not in chars and bytes([c]).upper()[0] not in chars]
                    if missing:
                        problems.append(f"keyword {word.decode('utf-8', 'replace')!r} can never occur in a match: the "
                                        f"regex cannot match {chr(missing[0])!r}")

    allow_match = None
    try:
        allow_match = compile_allow(rule.allow)
    except ValueError as exc:
        problems.append(f"allow: {exc}")
    only_paths = skip_paths = None
    try:
        only_paths = GlobSet(rule.paths) if rule.paths else None
    except ValueError as exc:
        problems.append(f"paths: {exc}")
    try:
        skip_paths = GlobSet(rule.allow.paths) if rule.allow.paths else None
    except ValueError as exc:
        problems.append(f"allow.paths: {exc}")

    if problems or compiled is None or not keywords:
        return None, problems
    keyword_match = compile_raw(literal_alternation(keywords), "keywords").match
    return CompiledRule(rule, compiled.match, group, maxlen, tuple(keywords), keyword_match, allow_match,
                        only_paths, skip_paths), []


def compile_allow(allow: Allowlist) -> MatchFn | None:
    """One RE2 regex for an allowlist's regexes and stopwords (None when it has neither)."""
    parts: list[bytes] = []
    for index, pattern in enumerate(allow.regexes):
        try:
            compile_bytes(pattern)
        except ValueError as exc:
            raise ValueError(f"regexes[{index}]: {exc}") from None
        parts.append(b"(?:" + pattern.encode("ascii") + b")")
    words = []
    for word in allow.stopwords:
        if not word:
            raise ValueError("stopwords has an empty word")
        words.append(word.lower().encode("utf-8"))
    if words:
        parts.append(literal_alternation(words))
    if not parts:
        return None
    return compile_raw(b"|".join(parts), "allowlist", max_mem=KEYWORD_MAX_MEM).match


@dataclass(frozen=True, slots=True)
class Engine:
    """What the scanner runs: compiled rules, the one keyword alternation, the global allowlist."""

    rules: tuple[CompiledRule, ...]
    keyword_match: MatchFn
    # For each keyword (lowercase bytes), the rules whose keywords it starts with: at a position where
    # several keywords start, the alternation reports the longest, which starts with all the others.
    keyword_rules: dict[bytes, tuple[int, ...]]
    max_len: int
    allow_match: MatchFn | None
    allow_paths: GlobSet | None
    filtered: tuple[int, ...]  # indexes of rules with path filters


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Secret rules and the global allowlist, compiled once at construction (ConfigError if invalid)."""

    rules: tuple[SecretRule, ...]
    allow: Allowlist = field(default_factory=Allowlist)
    engine: Engine = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "engine", build_engine(self.rules, self.allow))

    def __reduce__(self) -> tuple[type[RuleSet], tuple[tuple[SecretRule, ...], Allowlist]]:
        return (RuleSet, (self.rules, self.allow))

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[SecretRule]:
        return iter(self.rules)

    def get(self, key: str) -> SecretRule:
        """The rule with this id or name; KeyError naming it otherwise."""
        for rule in self.rules:
            if key in (rule.id, rule.name):
                return rule
        raise KeyError(f"no secret rule {key!r}")


def build_engine(rules: Sequence[SecretRule], allow: Allowlist) -> Engine:
    problems: list[tuple[SecretRule | None, str]] = []
    compiled: list[CompiledRule] = []
    seen: dict[str, SecretRule] = {}
    for rule in rules:
        for key in (rule.id, rule.name):
            other = seen.get(key)
            if other is not None and other is not rule:
                problems.append((rule, f"{key!r} is also the id or name of the rule at {other.origin or '?'}"))
            seen[key] = rule
        result, messages = _compile_rule(rule)
        problems.extend((rule, m) for m in messages)
        if result is not None:
            compiled.append(result)
    allow_match = allow_paths = None
    try:
        allow_match = compile_allow(allow)
    except ValueError as exc:
        problems.append((None, f"allow: {exc}"))
    try:
        allow_paths = GlobSet(allow.paths) if allow.paths else None
    except ValueError as exc:
        problems.append((None, f"allow.paths: {exc}"))
    if problems:
        raise rules_error([(_origin_of(rule), rule.id if rule else "", msg) for rule, msg in problems])

    by_keyword: dict[bytes, set[int]] = {}
    for index, crule in enumerate(compiled):
        for kw in crule.keywords:
            by_keyword.setdefault(kw, set()).add(index)
    keyword_rules: dict[bytes, tuple[int, ...]] = {}
    for word in by_keyword:
        owners: set[int] = set()
        for prefix, indexes in by_keyword.items():
            if word.startswith(prefix):
                owners |= indexes
        keyword_rules[word] = tuple(sorted(owners))
    if by_keyword:
        try:
            keyword_match = compile_raw(literal_alternation(by_keyword), "keywords", max_mem=KEYWORD_MAX_MEM).match
        except ValueError as exc:
            raise rules_error([(("", None), "", f"the rules' {len(by_keyword)} keywords do not compile: {exc}")]
                              ) from None
    else:
        keyword_match = compile_raw(b"[^\\x00-\\xff]", "nothing").match  # no rules: matches nothing
    return Engine(
        rules=tuple(compiled),
        keyword_match=keyword_match,
        keyword_rules=keyword_rules,
        max_len=max((c.maxlen for c in compiled), default=0),
        allow_match=allow_match,
        allow_paths=allow_paths,
        filtered=tuple(i for i, c in enumerate(compiled) if c.only_paths is not None or c.skip_paths is not None),
    )


def _origin_of(rule: SecretRule | None) -> tuple[str, int | None]:
    if rule is None or not rule.origin:
        return ("", None)
    path, _, line = rule.origin.rpartition(":")
    return (path, int(line)) if line.isdigit() else (rule.origin, None)


def rules_error(problems: Sequence[tuple[tuple[str, int | None], str, str]]) -> ConfigError:
    """A ConfigError listing every problem as ``file:line: rule ID: message``, with one diagnostic each."""
    lines = []
    diagnostics = []
    files: dict[str, int] = {}
    for (path, _), _, _ in problems:
        files.setdefault(path, len(files))
    ordered = sorted(problems, key=lambda p: (files[p[0][0]], p[0][1] or 0))
    for (path, line), rule_id, message in ordered:
        where = f"{path}:{line}" if path and line else path or "<rules>"
        text = f"rule {rule_id}: {message}" if rule_id else message
        lines.append(f"{where}: {text}")
        diagnostics.append(Diagnostic(Location(path or "<rules>", line), "secrets", DiagnosticLevel.ERROR, text))
    count = len(lines)
    head = f"invalid secret rules ({count} problem{'s' if count != 1 else ''}):"
    return ConfigError("\n  ".join([head, *lines]), diagnostics)
