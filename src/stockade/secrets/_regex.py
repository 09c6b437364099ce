"""RE2 helpers for the secret engine: compiling rule regexes for raw bytes, bounding their match length,
and the checks that turn a bad rule into a clear message.

Every rule regex is compiled by RE2 in Latin-1 mode: one byte is one character, so a rule runs on the raw
bytes of a file whatever their encoding (invalid UTF-8 included), offsets are byte offsets, and the match
length bound computed from the pattern is a bound in bytes. Patterns must therefore be ASCII; RE2 runs
each of them in time linear in the input (no backtracking, no lookaround, no backreferences).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import re2

# A raw RE2 match call: (anchor, text, pos, endpos) -> list of (start, end) spans, (-1, -1) for no match.
MatchFn = Callable[[Any, bytes, int, int], list[tuple[int, int]]]
UNANCHORED: Any = re2._Anchor.UNANCHORED

MAX_PATTERN_CHARS = 8192
# RE2's own memory budget per regex (its default is 8 MiB); the keyword alternation gets more so that its
# DFA does not fall back to the slower NFA on a large rule set.
RULE_MAX_MEM = 32 << 20
KEYWORD_MAX_MEM = 128 << 20


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled RE2 regex: the raw match call and its capture groups."""

    match: MatchFn
    groups: int
    groupindex: dict[str, int]


def compile_bytes(pattern: str, *, max_mem: int = RULE_MAX_MEM) -> Compiled:
    """Compile an ASCII pattern for raw bytes (Latin-1 mode). Raises ValueError with a clear message."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"regex is {len(pattern)} characters long; at most {MAX_PATTERN_CHARS} are allowed")
    try:
        raw = pattern.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(
            "regex contains non-ASCII characters; rules run on raw bytes, so write non-ASCII text as "
            "UTF-8 byte escapes (e.g. \\xc3\\xa9 for é)"
        ) from None
    return compile_raw(raw, pattern, max_mem=max_mem)


def compile_raw(raw: bytes, shown: str, *, max_mem: int = RULE_MAX_MEM) -> Compiled:
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.max_mem = max_mem
    options.log_errors = False
    try:
        rx = re2.compile(raw, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(explain_re2_error(shown, text)) from None
    inner = rx._regexp
    names = {(k.decode("ascii") if isinstance(k, bytes) else k): v for k, v in rx.groupindex.items()}
    return Compiled(inner.Match, rx.groups, names)


_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\\k[<{']|\\g[<{]")


def explain_re2_error(pattern: str, error: str) -> str:
    """RE2's error, with the reason spelled out when the pattern uses a feature RE2 does not have."""
    if _LOOKAROUND.search(pattern):
        return ("regex uses a lookahead or lookbehind assertion, which RE2 does not support (rule regexes run "
                f"in linear time on RE2: no lookaround, no backreferences) [RE2: {error}]")
    if _BACKREF.search(pattern):
        return ("regex uses a backreference, which RE2 does not support (rule regexes run in linear time on "
                f"RE2: no lookaround, no backreferences) [RE2: {error}]")
    if "(?>" in pattern or re.search(r"[*+?}]\+", pattern):
        return f"regex uses an atomic group or possessive quantifier, which RE2 does not support [RE2: {error}]"
    return f"invalid regex for RE2: {error}"


# --- match length bound --------------------------------------------------------------------------------

def _import_first(*names: str) -> Any:
    import importlib

    for name in names[:-1]:
        try:
            return importlib.import_module(name)
        except ImportError:  # pragma: no cover - older Pythons
            continue
    return importlib.import_module(names[-1])


# Python's own regex parser gives (min, max) widths; its syntax is close to RE2's for what rules use.
_sre_c: Any = _import_first("re._constants", "sre_constants")
_sre_parse: Any = _import_first("re._parser", "sre_parse")

UNBOUNDED = 1 << 31  # widths at or above this come from an unbounded repetition

_POSIX_CLASS = re.compile(r"\[:\^?[a-z]+:\]")
_UNICODE_CLASS = re.compile(r"\\[pP](?:\{[^}]*\}|[A-Za-z])")
_HEX_BRACED = re.compile(r"\\x\{([0-9A-Fa-f]{1,6})\}")
_QUOTED = re.compile(r"\\Q(.*?)(?:\\E|$)", re.DOTALL)
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def _to_python_syntax(pattern: str) -> str:
    """Rewrite the RE2-only constructs a rule may use into Python syntax of the same width."""
    out = _QUOTED.sub(lambda m: re.escape(m.group(1)), pattern)
    out = _POSIX_CLASS.sub("a", out)  # one character class member, one character wide
    out = _UNICODE_CLASS.sub(".", out)
    out = _HEX_BRACED.sub(lambda m: f"\\x{min(int(m.group(1), 16), 0xFF):02x}", out)
    out = out.replace("\\C", ".").replace("\\z", "\\Z")
    return _NAMED_GROUP.sub("(?P<", out)


def parse_tree(pattern: str) -> Any | None:
    """Python's parse of an (RE2-valid) pattern, or None when Python's parser does not accept it."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _sre_parse.parse(_to_python_syntax(pattern))
        except Exception:  # re.error, RecursionError, OverflowError ...: no bound from this parser
            return None


def width(tree: Any) -> tuple[int, int]:
    """(min, max) match length in characters (= bytes in Latin-1 mode); max is UNBOUNDED when unbounded."""
    lo, hi = tree.getwidth()
    return int(lo), min(int(hi), UNBOUNDED)


# --- the characters a regex can ever match (for the "keyword can never occur" check) -------------------

_ALL = frozenset(range(256))
_DIGITS = frozenset(range(0x30, 0x3A))
_WORD = frozenset([*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), 0x5F])
_SPACE = frozenset([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20])


def _category(name: str) -> frozenset[int]:
    table = {
        "CATEGORY_DIGIT": _DIGITS, "CATEGORY_NOT_DIGIT": _ALL - _DIGITS,
        "CATEGORY_WORD": _WORD, "CATEGORY_NOT_WORD": _ALL - _WORD,
        "CATEGORY_SPACE": _SPACE, "CATEGORY_NOT_SPACE": _ALL - _SPACE,
    }  # fmt: skip
    return table.get(name, _ALL)


def _fold(chars: Iterable[int]) -> set[int]:
    out: set[int] = set()
    for c in chars:
        out.add(c)
        if 0x41 <= c <= 0x5A:
            out.add(c + 32)
        elif 0x61 <= c <= 0x7A:
            out.add(c - 32)
    return out


def _set_members(items: list[tuple[Any, Any]]) -> frozenset[int]:
    chars: set[int] = set()
    negate = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.add(av)
        elif name == "RANGE":
            chars.update(range(av[0], min(av[1], 0x10FFFF) + 1))
        elif name == "CATEGORY":
            chars.update(_category(str(av)))
        else:
            return _ALL
    return _ALL - chars if negate else frozenset(chars)


def alphabet(tree: Any) -> frozenset[int] | None:
    """The set of characters any match of the parsed pattern can contain (a superset); None when unknown."""
    ignorecase = bool(tree.state.flags & _sre_c.SRE_FLAG_IGNORECASE)
    out: set[int] = set()
    budget = [100_000]

    def walk(sub: Any, icase: bool) -> bool:
        for op, av in sub.data if hasattr(sub, "data") else sub:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            name = str(op)
            if name == "LITERAL":
                chars: Iterable[int] = (av,)
            elif name in ("NOT_LITERAL", "ANY"):
                chars = _ALL
            elif name == "IN":
                chars = _set_members(av)
            elif name == "BRANCH":
                if not all(walk(branch, icase) for branch in av[1]):
                    return False
                continue
            elif name == "SUBPATTERN":
                add, remove = av[1], av[2]
                flag = _sre_c.SRE_FLAG_IGNORECASE
                inner = (icase or bool(add & flag)) and not bool(remove & flag)
                if not walk(av[3], inner):
                    return False
                continue
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if not walk(av[2], icase):
                    return False
                continue
            elif name in ("AT", "ASSERT", "ASSERT_NOT"):
                continue
            else:
                return False
            out.update(_fold(chars) if icase else chars)
        return True

    return frozenset(out) if walk(tree, ignorecase) else None


# --- literal alternations ------------------------------------------------------------------------------


def ascii_caseless_literal(word: bytes) -> bytes:
    """A regex matching ``word`` with ASCII letters in either case and every other byte as itself."""
    parts = []
    for c in word:
        ch = bytes([c])
        if 0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A:
            parts.append(b"[" + ch.lower() + ch.upper() + b"]")
        else:
            parts.append(b"\\x%02x" % c)
    return b"".join(parts)


def literal_alternation(words: Iterable[bytes]) -> bytes:
    """An ASCII-case-insensitive alternation of literal byte strings, longest first (so at each position the
    longest word that occurs there is the one matched)."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return b"(?:" + b"|".join(ascii_caseless_literal(w) for w in ordered) + b")"


SET_MAX_MEM = 256 << 20  # allocated lazily as the DFA grows; large so a Set's DFA never runs out of memory


def compile_set(patterns: Iterable[bytes]) -> Callable[[bytes], list[int]]:
    """An RE2 Set over ASCII patterns (Latin-1 mode): call it on bytes to get the indexes of the patterns
    that match anywhere, in one pass. (RE2 runs a Set without backtracking; its DFA for many-match
    searches resets its cache when full rather than giving up, and the budget holds many states.)"""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.max_mem = SET_MAX_MEM
    options.log_errors = False
    rset = re2.Set.SearchSet(options)
    for pattern in patterns:
        rset.Add(pattern)
    rset.Compile()
    inner = rset._set

    def match(text: bytes) -> list[int]:
        return list(inner.Match(text))

    return match
