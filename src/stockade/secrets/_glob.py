"""Gitignore-ish path globs, compiled to one RE2 regex per set (linear time, whatever the path).

* Paths are relative, ``/``-separated; a leading ``./`` or ``/`` on a path or pattern is ignored.
* ``*`` matches within one path segment, ``?`` one character (not ``/``), ``[abc]``/``[!a-z]`` one
  character from (not from) a set, ``\\x`` the character x.
* ``**`` as a whole segment matches any number of segments: ``**/test/**``, ``a/**/b``, ``**/*.json``.
* A pattern without a ``/`` (other than a trailing one) matches at any depth: ``*.pem`` = ``**/*.pem``.
* A pattern that matches a directory matches everything below it: ``node_modules`` or ``vendor/``.
"""

from __future__ import annotations

from collections.abc import Sequence

from stockade.secrets._regex import UNANCHORED, compile_raw

_ONE_CHAR = rb"(?:[\x00-\x2e\x30-\x7f]|[\xc0-\xff][\x80-\xbf]*|[\x80-\xbf])"  # one UTF-8 character, not '/'
_MAX_GLOB = 1024


def encode_path(path: str) -> bytes:
    """The bytes of a relative path as globs see them (undecodable names kept as their original bytes)."""
    raw = path.encode("utf-8", "surrogateescape")
    while raw.startswith(b"./"):
        raw = raw[2:]
    return raw.lstrip(b"/")


def glob_to_regex(pattern: str) -> bytes:
    """The regex (bytes, Latin-1 mode) for one glob; ValueError with a message when it is not valid."""
    if not pattern or not pattern.strip():
        raise ValueError("empty path glob")
    if len(pattern) > _MAX_GLOB:
        raise ValueError(f"path glob is longer than {_MAX_GLOB} characters")
    raw = pattern.encode("utf-8", "surrogateescape")
    while raw.startswith(b"./"):
        raw = raw[2:]
    anchored = raw.startswith(b"/")
    raw = raw.lstrip(b"/")
    raw = raw.rstrip(b"/") if raw.endswith(b"/") and raw.strip(b"/") else raw
    if not raw:
        raise ValueError(f"path glob {pattern!r} matches nothing")
    if not anchored and b"/" not in raw:
        raw = b"**/" + raw
    segments = raw.split(b"/")
    out: list[bytes] = []
    for index, seg in enumerate(segments):
        last = index == len(segments) - 1
        if seg == b"**":
            if last:
                out.append(b".*")
            else:
                out.append(b"(?:.*/)?")
            continue
        out.append(_segment(seg, pattern))
        if not last:
            out.append(b"/")
    # A match on a directory covers everything below it.
    return b"(?s:" + b"".join(out) + b")(?:/.*)?"


def _segment(seg: bytes, pattern: str) -> bytes:
    out: list[bytes] = []
    i = 0
    while i < len(seg):
        c = seg[i : i + 1]
        if c == b"*":
            while seg[i : i + 1] == b"*":
                i += 1
            out.append(b"[^/]*")
            continue
        if c == b"?":
            out.append(_ONE_CHAR)
        elif c == b"\\":
            i += 1
            if i >= len(seg):
                raise ValueError(f"path glob {pattern!r} ends with a lone backslash")
            out.append(b"\\x%02x" % seg[i])
        elif c == b"[":
            end, cls = _char_class(seg, i, pattern)
            out.append(cls)
            i = end
            continue
        else:
            out.append(b"\\x%02x" % seg[i])
        i += 1
    return b"".join(out)


def _char_class(seg: bytes, start: int, pattern: str) -> tuple[int, bytes]:
    i = start + 1
    negate = seg[i : i + 1] in (b"!", b"^")
    if negate:
        i += 1
    members: list[bytes] = []
    first = True
    while i < len(seg):
        c = seg[i]
        if c == 0x5D and not first:  # ]
            if not members:
                break
            body = b"".join(members)
            if negate:  # one character outside the set: an ASCII byte or a whole UTF-8 sequence
                return i + 1, b"(?:[^/\\x80-\\xff" + body + b"]|[\\xc0-\\xff][\\x80-\\xbf]*|[\\x80-\\xbf])"
            return i + 1, b"[" + body + b"]"
        first = False
        if c == 0x5C and i + 1 < len(seg):  # backslash escape inside the class
            i += 1
            c = seg[i]
        if c >= 0x80:
            raise ValueError(f"path glob {pattern!r}: character sets may only hold ASCII characters")
        if seg[i + 1 : i + 2] == b"-" and i + 2 < len(seg) and seg[i + 2] != 0x5D:
            hi = seg[i + 2]
            if hi >= 0x80 or hi < c:
                raise ValueError(f"path glob {pattern!r}: invalid character range")
            members.append(b"\\x%02x-\\x%02x" % (c, hi))
            i += 3
            continue
        members.append(b"\\x%02x" % c)
        i += 1
    raise ValueError(f"path glob {pattern!r}: unterminated character set '['")


class GlobSet:
    """A set of globs matched in one RE2 call; ``matches(path)`` is True when any glob matches."""

    __slots__ = ("_match", "patterns")

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        if not self.patterns:
            self._match = None
            return
        body = b"|".join(b"(?:" + glob_to_regex(p) + b")" for p in self.patterns)
        compiled = compile_raw(b"^(?:" + body + b")$", "path globs", max_mem=64 << 20)
        self._match = compiled.match

    def __bool__(self) -> bool:
        return self._match is not None

    def matches(self, path: str) -> bool:
        if self._match is None:
            return False
        raw = encode_path(path)
        return self._match(UNANCHORED, raw, 0, len(raw))[0][0] >= 0

    def __reduce__(self) -> tuple[type[GlobSet], tuple[tuple[str, ...]]]:
        return (GlobSet, (self.patterns,))
