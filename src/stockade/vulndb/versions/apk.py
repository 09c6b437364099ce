"""Alpine (apk-tools) versions: ``number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}``.

Versions are compared token by token, as apk-tools does:

- the first number and every ``.number`` compare as numbers, except that a ``.number`` with a leading zero on
  either side compares as a string (``1.01 < 1.1``, ``1.001 < 1.01``);
- one lower-case letter may follow the numbers (``1.2a``);
- suffixes ``_alpha`` < ``_beta`` < ``_pre`` < ``_rc`` < (none) < ``_cvs`` < ``_svn`` < ``_git`` < ``_hg`` <
  ``_p``, each with an optional number;
- ``~hash`` (lower-case hexadecimal digits, a commit) compares as a string;
- ``-rN`` is the package revision, a number.

When one version runs out of tokens first it is the older one, unless the other continues with a pre-release
suffix (``1.0_rc1 < 1.0``); when the next tokens are of different kinds, the one later in the grammar is the
older (``1.0-r1 < 1.0.1``, ``1.0~abc < 1.0_p1``). Numbers wrap at 2**64 as apk's do. Text apk-tools rejects
(upper-case letters, unknown suffixes, a second letter, ``-`` not followed by ``r`` and digits ...) raises
:class:`InvalidVersion`.
"""

from __future__ import annotations

import functools
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "apk"

_DIGITS = frozenset("0123456789")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_HEX = frozenset("0123456789abcdef")
_MASK = 2**64 - 1

# Token kinds in grammar order (apk-tools' order: a later kind is the older version when kinds differ).
_INITIAL, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _HASH, _REVISION, _END = range(8)

# Rank of a token when it meets a token of another kind: a pre-release suffix is older than anything, then
# the later the kind in the grammar, the older.
_RANK = {
    _END: 2,
    _REVISION: 3,
    _HASH: 4,
    _SUFFIX_NO: 5,
    _SUFFIX: 6,  # a post-release suffix (or none); pre-release suffixes rank 0
    _LETTER: 7,
    _DIGIT: 8,
    _INITIAL: 9,
}
_PRE_SUFFIX_RANK = 0

SUFFIXES = {"alpha": 1, "beta": 2, "pre": 3, "rc": 4, "cvs": 6, "svn": 7, "git": 8, "hg": 9, "p": 10}
_SUFFIX_NONE = 5


def _number(digits: str) -> int:
    return int(digits) & _MASK


def _run(text: str, start: int, allowed: frozenset[str]) -> int:
    end = start
    while end < len(text) and text[end] in allowed:
        end += 1
    return end


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    def invalid(at: int, why: str) -> InvalidVersion:
        return InvalidVersion(SCHEME, version, f"{why} at offset {at}")

    n = len(version)
    end = _run(version, 0, _DIGITS)
    if end == 0:
        raise invalid(0, "does not start with a digit")
    tokens: list[tuple[Any, ...]] = [(_RANK[_INITIAL], _number(version[:end]))]
    kind = _INITIAL
    i = end
    while i < n:
        c = version[i]
        if c in _LOWER:
            if kind > _DIGIT:
                raise invalid(i, "a letter may only follow the numbers")
            tokens.append((_RANK[_LETTER], c))
            kind = _LETTER
            i += 1
        elif c == "." or c in _DIGITS:
            if c == ".":
                if kind > _DIGIT:
                    raise invalid(i, "'.' after a letter or suffix")
                i += 1
            if kind in (_INITIAL, _DIGIT):
                kind = _DIGIT
            elif kind == _SUFFIX:
                kind = _SUFFIX_NO
            else:
                raise invalid(i, "unexpected digit")
            end = _run(version, i, _DIGITS)
            if end == i:
                raise invalid(i, "a number is missing")
            digits = version[i:end]
            if kind == _DIGIT:
                value: Any = (0, digits) if digits[0] == "0" else (1, _number(digits))
            else:
                value = _number(digits)
            tokens.append((_RANK[kind], value))
            i = end
        elif c == "_":
            if kind > _SUFFIX_NO:
                raise invalid(i, "a suffix after a commit hash or revision")
            end = _run(version, i + 1, _LOWER)
            suffix = SUFFIXES.get(version[i + 1 : end])
            if suffix is None:
                raise invalid(i, f"unknown suffix {version[i + 1 : end]!r}")
            tokens.append((_PRE_SUFFIX_RANK if suffix < _SUFFIX_NONE else _RANK[_SUFFIX], suffix))
            kind = _SUFFIX
            i = end
        elif c == "~":
            if kind >= _HASH:
                raise invalid(i, "a second commit hash or a hash after the revision")
            end = _run(version, i + 1, _HEX)
            if end == i + 1:
                raise invalid(i, "'~' not followed by lower-case hexadecimal digits")
            tokens.append((_RANK[_HASH], version[i + 1 : end]))
            kind = _HASH
            i = end
        elif c == "-":
            if kind >= _REVISION or not version.startswith("-r", i):
                raise invalid(i, "'-' is only allowed once, as '-r' and the revision number")
            end = _run(version, i + 2, _DIGITS)
            if end == i + 2:
                raise invalid(i, "the revision number is missing")
            tokens.append((_RANK[_REVISION], _number(version[i + 2 : end])))
            kind = _REVISION
            i = end
        else:
            raise invalid(i, f"unexpected character {c!r}")
    tokens.append((_RANK[_END],))
    return tuple(tokens)


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def valid(version: str) -> bool:
    try:
        key(version)
    except InvalidVersion:
        return False
    return True


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
