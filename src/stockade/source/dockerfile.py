"""The Dockerfile parser: text in, :class:`~stockade.model.dockerfile.Dockerfile` and diagnostics out.

It follows BuildKit's Dockerfile frontend (``frontend/dockerfile/parser``, ``instructions`` and the ``shell``
lexer) rule for rule, so what a check sees is what ``docker build`` builds:

* parser directives (``syntax``, ``escape``, ``check``) only at the very top, before any instruction, comment or
  blank line; keys are case-insensitive; a repeated directive is an error; an unknown one ends the directives;
* logical lines: the escape character (``\\`` or ``\\```) as the last non-blank character continues the line
  unless another escape character precedes it; comment lines and blank lines inside a continuation are
  dropped (blank ones with BuildKit's "empty continuation line" warning); continuation lines keep their
  leading whitespace and are joined without a separator;
* comments are lines whose first non-whitespace character is ``#`` (not inside here-document bodies);
* here-documents for RUN, COPY and ADD (also behind ONBUILD), found the way BuildKit finds them: words of the
  logical line lexed with BuildKit's shell lexer, each matching ``[n]<<[-]WORD``; bodies follow the instruction
  in order; a quoted delimiter disables expansion;
* builder flags (``--name[=value]``) before the arguments of every instruction, validated per instruction;
* exec form only for a valid JSON array (an array of non-strings is an error, anything else is shell form);
* variable expansion exactly as BuildKit's lexer does it (:func:`expand`), used to compute each stage's
  ``base_expanded`` from the defaults of the ARGs declared before the first FROM (BuildKit's automatic
  platform ARGs, ``$TARGETARCH`` and the like, are known only at build time and stay as written);
* a stage built from a Windows image without SHELL runs shell-form RUN with ``cmd /S /C``: not split as POSIX.

Beyond BuildKit: inline suppression pragmas (``# stockade:ignore=...``, ``# hadolint ignore=...``) and the
simple commands of every shell-form RUN (:mod:`stockade.source.shell`).

Everything here is pure (no I/O) and never raises: what cannot be parsed becomes a Diagnostic naming the line,
and the rest of the file is still returned.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from stockade.model.diagnostic import Diagnostic, DiagnosticLevel
from stockade.model.dockerfile import Dockerfile, Flag, Heredoc, Instruction, Pragma, ShellCommand, Stage
from stockade.model.location import Location
from stockade.source.shell import SHELLS, split_shell, stdin_heredocs

__all__ = ["ExpansionError", "expand", "is_dockerfile_name", "is_windows_image", "parse_dockerfile"]

SOURCE = "dockerfile"
MAX_DIAGNOSTICS = 100

# Go's unicode.IsSpace (what BuildKit trims with).
_WS = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
      "\u2028\u2029\u202f\u205f\u3000"
_WS_SET = frozenset(_WS)

_DIRECTIVE_KEY = re.compile(r"([a-zA-Z][a-zA-Z0-9]*+)[\t\n\f\r ]*+=[\t\n\f\r ]*+")
_GO_SPACE = "\t\n\f\r "  # Go regexp's \s
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_CMD_SPLIT = re.compile(r"[\t\v\f\r ]+")  # BuildKit's reWhitespace
_HEREDOC_WORD = re.compile(r"([0-9]*)<<(-?)([^<]*)\Z")
_LEADING_TABS = re.compile(r"^\t+", re.M)
_PLATFORM_ARGS = ("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS",
                  "BUILDARCH", "BUILDVARIANT")
_WINDOWS_SHELL = ("cmd", "/S", "/C")
_WINDOWS_IMAGE = re.compile(r"mcr\.microsoft\.com/windows|nanoserver|servercore")
_VALID_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")

_KEYWORDS = (
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label", "maintainer",
    "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
)
_KEYWORD_SET = frozenset(_KEYWORDS)
_HEREDOC_KEYWORDS = frozenset({"run", "copy", "add"})

# Flags each instruction accepts (BuildKit's instructions/parse.go): b = bool, s = string, m = repeatable.
_FLAGS: dict[str, dict[str, str]] = {
    "from": {"platform": "s"},
    "copy": {"from": "s", "chown": "s", "chmod": "s", "link": "b", "parents": "b", "exclude": "m"},
    "add": {"chown": "s", "chmod": "s", "link": "b", "keep-git-dir": "b", "checksum": "s", "exclude": "m",
            "unpack": "b"},
    "run": {"mount": "m", "network": "s", "security": "s", "device": "m"},
    "healthcheck": {"interval": "s", "timeout": "s", "start-period": "s", "start-interval": "s", "retries": "s"},
}

_STOCKADE_PRAGMA = re.compile(
    r"#[ \t]*stockade[ \t]*:[ \t]*ignore(-file)?[ \t]*=[ \t]*"
    r"([A-Za-z0-9_.\-]++(?:[ \t]*+,[ \t]*+[A-Za-z0-9_.\-]++)*+)(?:[ \t].*)?\Z",
    re.I,
)
# hadolint's grammar (src/Hadolint/Pragma.hs): spaces "hadolint" spaces1 ["global" spaces1] "ignore" spaces "="
# spaces rule (spaces "," spaces rule)* [spaces "#" comment]; spaces are blanks and tabs; case-sensitive.
_HADOLINT_PRAGMA = re.compile(
    r"#[ \t]*hadolint[ \t]+(global[ \t]+)?ignore[ \t]*=[ \t]*"
    r"([DLSC0-9]++(?:[ \t]*+,[ \t]*+[DLSC0-9]++)*+)[ \t]*+(?:#.*)?\Z"
)
_RULE_SPLIT = re.compile(r"[ \t]*,[ \t]*")


# ====================================================================== BuildKit's shell lexer


class ExpansionError(ValueError):
    """A variable reference or quoting BuildKit would reject (``${}``, ``${V?msg}``, unmatched quote...)."""


class _Words:
    """BuildKit's wordsStruct: splits on (unquoted) whitespace while the word text is built."""

    __slots__ = ("buf", "in_word", "words")

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in _WS_SET:
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf = []
                self.in_word = False
        else:
            self.buf.append(ch)
            self.in_word = True

    def add_raw(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def get(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf = []
            self.in_word = False
        return self.words


class _Lexer:
    """BuildKit's ``shell.Lex``: quote removal, escapes and ``$VAR`` / ``${VAR...}`` expansion.

    ``env`` None means no variable is set. With ``skip_unset`` an unset variable is kept as written (as
    BuildKit's SkipUnsetEnv). ``raw_quotes`` / ``raw_escapes`` keep quotes / escape characters in the output.
    """

    __slots__ = ("env", "esc", "i", "n", "plain", "raw_escapes", "raw_quotes", "s", "skip_unset")

    def __init__(self, s: str, esc: str, env: Mapping[str, str] | None, *, raw_quotes: bool = False,
                 raw_escapes: bool = False, skip_unset: bool = False) -> None:
        self.s = s
        self.n = len(s)
        self.i = 0
        self.esc = esc
        self.env = env
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.plain = _PLAIN_BACKSLASH if esc == "\\" else _PLAIN_BACKTICK

    def process(self) -> tuple[str, list[str]]:
        return self.stop_on("", self.raw_escapes)

    def stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._stop_on(stop)
        finally:
            self.raw_escapes = saved

    def _stop_on(self, stop: str) -> tuple[str, list[str]]:
        s, n, esc = self.s, self.n, self.esc
        result: list[str] = []
        words = _Words()
        plain = self.plain
        while self.i < n:
            ch = s[self.i]
            if ch == stop:
                self.i += 1
                return "".join(result), words.get()
            if ch == "$":
                tmp = self.dollar()
                result.append(tmp)
                words.add_string(tmp)
            elif ch == "'":
                tmp = self.single_quoted()
                result.append(tmp)
                words.add_raw(tmp)
            elif ch == '"':
                tmp = self.double_quoted()
                result.append(tmp)
                words.add_raw(tmp)
            else:
                m = plain.match(s, self.i)
                if m is not None:
                    run = m.group()
                    self.i = m.end()
                    result.append(run)
                    words.add_raw(run)
                    continue
                self.i += 1
                if ch == esc:
                    if self.raw_escapes:
                        words.add_raw(ch)
                        result.append(ch)
                    if self.i >= n:
                        break
                    ch = s[self.i]
                    self.i += 1
                    words.add_raw(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise ExpansionError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.get()

    def single_quoted(self) -> str:
        s = self.s
        start = self.i + 1
        end = s.find("'", start)
        if end < 0:
            raise ExpansionError("unexpected end of statement while looking for matching single-quote")
        self.i = end + 1
        return s[start - 1:end + 1] if self.raw_quotes else s[start:end]

    def double_quoted(self) -> str:
        s, n, esc = self.s, self.n, self.esc
        out: list[str] = ['"'] if self.raw_quotes else []
        i = self.i + 1
        while True:
            if i >= n:
                raise ExpansionError("unexpected end of statement while looking for matching double-quote")
            ch = s[i]
            if ch == '"':
                self.i = i + 1
                if self.raw_quotes:
                    out.append('"')
                return "".join(out)
            if ch == "$":
                self.i = i
                out.append(self.dollar())
                i = self.i
                continue
            i += 1
            if ch == esc:
                if self.raw_escapes:
                    out.append(ch)
                if i >= n:
                    continue
                nc = s[i]
                if nc in ('"', "$", esc):
                    ch = nc
                    i += 1
            out.append(ch)

    def name(self) -> str:
        s, n = self.s, self.n
        i = self.i
        if i >= n:
            return ""
        ch = s[i]
        if ch.isdecimal():
            j = i
            while j < n and s[j].isdecimal():
                j += 1
            self.i = j
            return s[i:j]
        if ch in "@*#?-$!0":
            self.i = i + 1
            return ch
        j = i
        while j < n and (s[j].isalpha() or s[j].isdecimal() or s[j] == "_"):
            j += 1
        self.i = j
        return s[i:j]

    def lookup(self, name: str) -> tuple[str, bool]:
        env = self.env
        if env is not None and name in env:
            return env[name], True
        return "", False

    def dollar(self) -> str:
        s, n = self.s, self.n
        self.i += 1
        if self.i >= n or s[self.i] != "{":
            name = self.name()
            if not name:
                return "$"
            value, found = self.lookup(name)
            if not found and self.skip_unset:
                return "$" + name
            return value
        self.i += 1
        if self.i >= n:
            raise ExpansionError("syntax error: missing '}'")
        if s[self.i] in "{}:":
            raise ExpansionError("syntax error: bad substitution")
        name = self.name()
        ch = s[self.i] if self.i < n else ""
        self.i += 1
        if ch == "}":
            value, found = self.lookup(name)
            if not found and self.skip_unset:
                return "${" + name + "}"
            return value
        chs = ch
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = s[self.i] if self.i < n else ""
            self.i += 1
            chs += ch
        if null_is_unset or ch in ("+", "-", "?", "#", "%"):
            raw = ch in ("#", "%")
            if null_is_unset and raw:
                raise ExpansionError(f"unsupported modifier ({chs}) in substitution")
            word = self._sub_word("}", raw, "syntax error: missing '}'")
            value, found = self.lookup(name)
            if self.skip_unset and not found:
                return "${" + name + chs + word + "}"
            empty = not found or (null_is_unset and value == "")
            if ch == "-":
                return word if empty else value
            if ch == "+":
                return "" if empty else word
            if ch == "?":
                if not found:
                    raise ExpansionError(f"{name}: {word or 'is not allowed to be unset'}")
                if null_is_unset and value == "":
                    raise ExpansionError(f"{name}: {word or 'is not allowed to be empty'}")
                return value
            if ch in ("#", "%"):
                greedy = word.startswith(ch)
                if greedy:
                    word = word[1:]
                if ch == "%":
                    return _trim_suffix(word, value, greedy)
                return _trim_prefix(word, value, greedy)
            raise ExpansionError(f"unsupported modifier ({chs}) in substitution")
        if ch == "/":
            replace_all = self.i < n and s[self.i] == "/"
            if replace_all:
                self.i += 1
            pattern = self._sub_word("/", True, "syntax error: missing '/' in ${}")
            replacement = self._sub_word("}", True, "syntax error: missing '}'")
            value, found = self.lookup(name)
            if self.skip_unset and not found:
                return "${" + name + "/" + pattern + "/" + replacement + "}"
            regex = _shell_pattern(pattern, True, False, len(value))
            if replace_all:
                return regex.sub(lambda _m: replacement, value)
            m = regex.search(value)
            if m is not None:
                value = value[:m.start()] + replacement + value[m.end():]
            return value
        raise ExpansionError(f"unsupported modifier ({chs}) in substitution")

    def _sub_word(self, stop: str, raw: bool, missing: str) -> str:
        try:
            return self.stop_on(stop, raw)[0]
        except ExpansionError:
            if self.i >= self.n:
                raise ExpansionError(missing) from None
            raise


# Quoting BuildKit's lexer leaves alone apart from removing the quotes (with every variable unset and kept):
# no escapes, and ``$`` only as ``$NAME`` / ``${NAME}`` / a lone ``$``.
_SIMPLE_VAR = r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|(?!\{))"
_SIMPLE_QUOTING = re.compile(
    r"(?:'[^']*+'|\"(?:[^\"$]++|" + _SIMPLE_VAR + r")*+\"|[^'\"$]++|" + _SIMPLE_VAR + r")*+")
_QUOTED_PART = re.compile(r"'([^']*)'|\"([^\"]*)\"|([^'\"]+)")
_PLAIN_BACKSLASH = re.compile(r"[^$'\"\\\s}/]+")
_PLAIN_BACKTICK = re.compile(r"[^$'\"`\s}/]+")
_PATTERN_SPECIALS = frozenset("[]{}.+()|^$")
_MAX_PATTERN_WORK = 2_000_000


def _shell_pattern(pattern: str, greedy: bool, anchored: bool, length: int) -> re.Pattern[str]:
    """BuildKit's convertShellPatternToRegex: ``*`` and ``?`` wildcards, no bracket expressions."""
    stars = pattern.count("*")
    if stars > 1 and length ** min(stars, 4) > _MAX_PATTERN_WORK:
        raise ExpansionError(f"pattern too complex for a value of {length} characters: {pattern}")
    out: list[str] = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(star)
            continue
        if ch == "?":
            out.append(".")
            continue
        if ch == "\\":
            nxt = pattern[i] if i < n else ""
            if nxt in ("}", "/"):
                continue
            if nxt not in ("*", "?", "\\"):
                raise ExpansionError(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{nxt}'")
            out.append("\\" + nxt)
            i += 1
            continue
        out.append("\\" + ch if ch in _PATTERN_SPECIALS else ch)
    return re.compile("".join(out))


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    m = _shell_pattern(pattern, greedy, True, len(value)).search(value)
    return value[m.end():] if m is not None else value


def _reverse_pattern(pattern: str) -> str:
    tokens: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "\\" and i != n - 1:
            tokens.append(pattern[i:i + 2])
            i += 2
        else:
            tokens.append(pattern[i])
            i += 1
    return "".join(reversed(tokens))


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def expand(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Expand variables in ``text`` exactly as BuildKit does for instruction arguments.

    ``$V``, ``${V}``, ``${V:-word}``, ``${V-word}``, ``${V:+word}``, ``${V+word}``, ``${V:?msg}``,
    ``${V?msg}``, ``${V#pat}``, ``${V##pat}``, ``${V%pat}``, ``${V%%pat}``, ``${V/pat/repl}`` and
    ``${V//pat/repl}``; quotes are removed (no expansion inside single quotes) and ``escape`` escapes the next
    character. Unset variables expand to "". Raises :class:`ExpansionError` where BuildKit reports an error.
    """
    try:
        return _Lexer(text, escape, env).process()[0]
    except RecursionError:
        raise ExpansionError("variable references nested too deeply") from None


def _unquote(text: str, escape: str) -> str | None:
    """Quote removal with variable references kept as written; None where BuildKit's lexer fails."""
    if "'" not in text and '"' not in text and escape not in text and "${" not in text:
        return text
    if escape not in text and _SIMPLE_QUOTING.fullmatch(text):
        return "".join(a or b or c for a, b, c in _QUOTED_PART.findall(text))
    try:
        return _Lexer(text, escape, None, skip_unset=True).process()[0]
    except (ExpansionError, RecursionError):
        return None


# ====================================================================== heredocs


class _HeredocSpec:
    __slots__ = ("chomp", "expand", "name")

    def __init__(self, name: str, expand: bool, chomp: bool) -> None:
        self.name = name
        self.expand = expand
        self.chomp = chomp


def _heredoc_word(word: str) -> _HeredocSpec | None:
    """BuildKit's ParseHeredoc: ``[n]<<[-]WORD`` as one word, or None. Raises ExpansionError."""
    m = _HEREDOC_WORD.match(word)
    if m is None or not m.group(3):
        return None
    rest = m.group(3)
    words = _Lexer(rest, "\\", None, skip_unset=True).process()[1]
    if len(words) != 1:
        return None
    raw_words = _Lexer(rest, "\\", None, raw_quotes=True, skip_unset=True).process()[1]
    if len(raw_words) != len(words):
        raise ExpansionError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    name = words[0]
    quotes = name.count("'") + name.count('"')
    raw_quotes = raw_words[0].count("'") + raw_words[0].count('"')
    return _HeredocSpec(name, quotes == raw_quotes, m.group(2) == "-")


def _heredoc_word_or_none(word: str) -> _HeredocSpec | None:
    try:
        return _heredoc_word(word)
    except (ExpansionError, RecursionError):
        return None


def _heredocs_from_line(line: str) -> list[_HeredocSpec]:
    """BuildKit's heredocsFromLine: every word of the logical line that is a heredoc (lexed with ``\\``)."""
    try:
        words = _Lexer(line, "\\", None, raw_quotes=True, raw_escapes=True, skip_unset=True).process()[1]
    except (ExpansionError, RecursionError):
        return []
    specs: list[_HeredocSpec] = []
    for word in words:
        if "<<" in word:
            spec = _heredoc_word(word)
            if spec is not None:
                specs.append(spec)
    return specs


# ====================================================================== word helpers


def _parse_words(rest: str, esc: str) -> list[str]:
    """BuildKit's parseWords: whitespace-separated words, quotes and escapes kept as written (an unterminated
    quote runs to the end; a lone escape character at the very end is dropped)."""
    if "'" not in rest and '"' not in rest and esc not in rest:
        return rest.split()
    return (_WORDS_BACKSLASH if esc == "\\" else _WORDS_BACKTICK).findall(rest)


_WORDS_BACKSLASH = re.compile(r"(?:[^\s'\"\\]+|\\[\s\S]|\"(?:[^\"\\]+|\\[\s\S])*\"?|'[^']*'?)+")
_WORDS_BACKTICK = re.compile(r"(?:[^\s'\"`]+|`[\s\S]|\"(?:[^\"`]+|`[\s\S])*\"?|'[^']*'?)+")


def _extract_flags(line: str, pos: int, end: int) -> tuple[list[tuple[str, str]], int]:
    """BuildKit's extractBuilderFlags on ``line[pos:end]``: the ``--flag`` words (quote-removed, and as
    written) and where the arguments start."""
    flags: list[tuple[str, str]] = []
    if not line.startswith("--", pos):
        return flags, pos
    while True:
        while pos < end and line[pos] in _WS_SET:
            pos += 1
        if pos >= end or not line.startswith("--", pos) or pos + 2 > end:
            return flags, pos
        simple = _SIMPLE_FLAG.match(line, pos, end)
        if simple is not None and simple.group() != "--":
            flags.append((simple.group(), simple.group()))
            pos = simple.end()
            continue
        start = pos
        buf: list[str] = []
        blank_ok = False
        quote = ""
        while pos < end:
            ch = line[pos]
            if quote:
                if ch == quote:
                    quote = ""
                    pos += 1
                    continue
                if ch == "\\":
                    if pos + 1 == end:
                        quote = ""
                        pos += 1
                        continue
                    pos += 1
                    ch = line[pos]
                buf.append(ch)
                pos += 1
                continue
            if ch in _WS_SET:
                break
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == end:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            buf.append(ch)
            pos += 1
        word = "".join(buf)
        if word == "--":
            while pos < end and line[pos] in _WS_SET:
                pos += 1
            return flags, pos
        if blank_ok or word:
            flags.append((word, line[start:pos]))


_SIMPLE_FLAG = re.compile(r"--[^\s'\"\\]*+(?=[ \t\v\f\r]|\Z)")


class _NotStrings(Exception):
    """A JSON array with a non-string element: an error in BuildKit, not a fallback to shell form."""

    def __init__(self, values: list[Any]) -> None:
        super().__init__("when using JSON array syntax, arrays must be comprised of strings only")
        self.values = values


# A JSON array of strings without escapes or control characters (JSON whitespace is [ \t\n\r]).
_SIMPLE_JSON = re.compile(
    r'\[[ \t\n\r]*+(?:"[^"\\\x00-\x1f]*+"[ \t\n\r]*+(?:,[ \t\n\r]*+"[^"\\\x00-\x1f]*+"[ \t\n\r]*+)*+)?\][ \t\n\r]*+')
_JSON_STRING = re.compile(r'"([^"]*)"')


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _json_array(rest: str) -> list[str] | None:
    """The strings of a JSON array, None if ``rest`` is not a JSON array; raises _NotStrings."""
    text = rest.lstrip(_WS)
    if not text.startswith("["):
        return None
    if _SIMPLE_JSON.fullmatch(text) is not None:
        return _JSON_STRING.findall(text)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise _NotStrings(value)
    return value


def _shell_name(argv0: str) -> str:
    return argv0.replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".exe")


def _is_script_reader(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is a shell reading its script from standard input (``sh``, ``bash -ex``...)."""
    if not argv:
        return False
    args = list(argv[1:])
    if _shell_name(argv[0]) == "busybox":
        if not args or args[0] not in ("sh", "ash", "bash"):
            return False
        args = args[1:]
    elif _shell_name(argv[0]) not in SHELLS:
        return False
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in {"-s", "--"}:
            continue
        if not arg.startswith(("-", "+")) or len(arg) < 2:
            return False  # a script file or a command string argument
        if arg.startswith("--"):
            continue
        if "c" in arg[1:]:
            return False  # -c: the script is an argument, standard input is data
        if arg.endswith("o"):
            skip = True
    return True


def _shebang_is_shell(content: str) -> bool:
    first = content.split("\n", 1)[0][2:].split()
    if not first:
        return False
    words = first[1:] if _shell_name(first[0]) == "env" else first
    words = [w for w in words if not w.startswith("-")]
    return bool(words) and _shell_name(words[0]) in SHELLS


def _exec_form_script(args: Sequence[str]) -> str | None:
    """The script of an exec-form ``["sh", "-c", "script"]``, or None."""
    if len(args) < 3 or _shell_name(args[0]) not in SHELLS:
        return None
    for k in range(1, len(args) - 1):
        arg = args[k]
        if not arg.startswith("-") or arg.startswith("--"):
            return None
        if "c" in arg[1:]:
            return args[k + 1]
    return None


def is_windows_image(reference: str) -> bool:
    """A Windows base image (``mcr.microsoft.com/windows/...``, ``*nanoserver*``, ``*servercore*``)."""
    return _WINDOWS_IMAGE.search(reference.lower()) is not None


def is_dockerfile_name(filename: str) -> bool:
    """Whether a file name is a Dockerfile's: ``Dockerfile``, ``Containerfile``, ``*.Dockerfile``,
    ``*.Containerfile``, ``Dockerfile.*`` and ``Containerfile.*``, case-insensitively (as Trivy and hadolint
    match them). Not ``Dockerfile.dockerignore`` (BuildKit's per-Dockerfile ignore file). A path is reduced to
    its last component."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name in ("dockerfile", "containerfile"):
        return True
    if name.endswith(".dockerignore"):
        return False
    if name.endswith((".dockerfile", ".containerfile")):
        return True
    base, dot, rest = name.partition(".")
    return bool(dot) and bool(rest) and base in ("dockerfile", "containerfile")


# ====================================================================== the parser


class _Parsed:
    """An instruction while it is being built (mutable; becomes an Instruction at the end).

    Class attributes are the defaults, so building one sets only what the instruction has."""

    flags: tuple[Flag, ...] = ()
    args: tuple[str, ...] = ()
    args_pos = 0
    json_form = False
    pairs: tuple[tuple[str, str], ...] = ()
    raw_pairs: tuple[tuple[str, str | None], ...] = ()  # ARG: key and default as written
    arg_defaults: tuple[bool, ...] = ()
    heredocs: tuple[Heredoc, ...] = ()
    trigger: _Parsed | None = None

    def __init__(self, keyword: str) -> None:
        self.keyword = keyword


class _Parser:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.dropped = 0
        if text.startswith("\ufeff"):
            text = text[1:]
        self.ends_with_newline = text.endswith("\n")
        lines = text.split("\n") if text else []
        if self.ends_with_newline:
            lines.pop()
        if "\r" in text:
            lines = [line.rstrip("\r") for line in lines]
        self.lines = lines
        self.escape = "\\"
        self.directives: dict[str, str] = {}
        self.directives_done = False
        self.pragmas: list[Pragma] = []

    # ------------------------------------------------------------ diagnostics

    def diag(self, line: int | None, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR,
             end_line: int | None = None) -> None:
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            self.dropped += 1
            return
        snippet = ""
        if line is not None and 0 < line <= len(self.lines):
            snippet = self.lines[line - 1][:200]
        self.diagnostics.append(Diagnostic(
            Location(self.path, line, None, end_line=end_line, snippet=snippet), SOURCE, level, message))

    # ------------------------------------------------------------ directives and pragmas

    def directive(self, stripped: str, line: int) -> None:
        if not stripped.startswith("#"):
            self.directives_done = True
            return
        body = stripped[1:].lstrip(_WS)
        m = _DIRECTIVE_KEY.match(body)
        # BuildKit's regexp: ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ (done without backtracking here)
        value = body[m.end():].rstrip(_GO_SPACE) if m is not None else ""
        if not value and m is not None and m.end() > m.start(1) + len(m.group(1)) + 1:
            value = body[m.end() - 1]  # only blanks after "=": (.+?) takes the last one
        if m is None or not value or "\n" in value:
            self.directives_done = True
            return
        key = m.group(1).lower()
        if key not in _VALID_DIRECTIVES:
            self.directives_done = True
            return
        if key in self.directives or (key == "escape" and "escape!" in self.directives):
            self.diag(line, f"only one {key} parser directive can be used")
            return
        if key == "escape":
            if value not in ("\\", "`"):
                self.directives["escape!"] = value  # seen, but not applied
                self.diag(line, f"invalid escape token '{value}' does not match ` or \\")
                return
            self.escape = value
        self.directives[key] = value

    def pragma(self, stripped: str, line: int, pending: list[Pragma]) -> None:
        m = _STOCKADE_PRAGMA.match(stripped)
        if m is not None:
            rules = tuple(_RULE_SPLIT.split(m.group(2)))
            if m.group(1):
                self.pragmas.append(Pragma(line, rules, "stockade", True, 0))
            else:
                pending.append(Pragma(line, rules, "stockade"))
            return
        if "hadolint" in stripped:
            m = _HADOLINT_PRAGMA.match(stripped)
            if m is not None:
                rules = tuple(_RULE_SPLIT.split(m.group(2)))
                if m.group(1):
                    self.pragmas.append(Pragma(line, rules, "hadolint", True, 0))
                else:
                    pending.append(Pragma(line, rules, "hadolint"))

    def dangling(self, pending: list[Pragma]) -> None:
        for pragma in pending:
            self.diag(pragma.line, "ignore pragma is not directly followed by an instruction; it has no effect",
                      DiagnosticLevel.WARNING)
        pending.clear()

    # ------------------------------------------------------------ the file

    def parse(self) -> Dockerfile:
        lines = self.lines
        n = len(lines)
        ws = _WS
        items: list[tuple[_Parsed, int, int, tuple[int, ...]]] = []  # parsed, start, end, line offsets
        pending: list[Pragma] = []
        i = 0
        while i < n:
            raw = lines[i]
            stripped = raw.lstrip(ws)
            if not self.directives_done:
                self.directive(stripped, i + 1)
            if not stripped:
                if pending:
                    self.dangling(pending)
                i += 1
                continue
            if stripped[0] == "#":
                if "hadolint" in stripped or "stockade" in stripped.lower():
                    self.pragma(stripped, i + 1, pending)
                i += 1
                continue
            start = i
            # A logical line: the instruction's physical lines joined as BuildKit joins them.
            content, more = self.continuation(stripped)
            parts = [content]
            starts = [0]
            length = len(content)
            empty_line = 0
            while more and i + 1 < n:
                i += 1
                raw = lines[i]
                starts.append(length)
                stripped = raw.lstrip(ws)
                if not stripped:
                    if not empty_line:
                        empty_line = i + 1
                    continue
                if stripped[0] == "#":
                    continue
                content, more = self.continuation(raw)
                parts.append(content)
                length += len(content)
            logical = "".join(parts) if len(parts) > 1 else parts[0]
            if empty_line:
                self.diag(empty_line, "empty continuation line (BuildKit warns: empty continuation lines will "
                          "become errors in a future release)", DiagnosticLevel.WARNING)
            parsed = self.instruction(logical, start + 1, i + 1)
            if parsed is None:
                if pending:
                    self.dangling(pending)
                i += 1
                continue
            for pragma in pending:
                if pragma.tool == "hadolint" and pragma.line != start:
                    # hadolint keys its ignores by comment line + 1: only the line right above counts.
                    self.diag(pragma.line, "hadolint ignore pragma is not on the line right above an instruction; "
                              "hadolint ignores it", DiagnosticLevel.WARNING)
                    continue
                self.pragmas.append(Pragma(pragma.line, pragma.rules, pragma.tool, False, start + 1))
            pending.clear()
            target = parsed.trigger if parsed.keyword == "ONBUILD" and parsed.trigger is not None else parsed
            if target.keyword.lower() in _HEREDOC_KEYWORDS and not target.json_form and "<<" in logical:
                i = self.heredocs(logical, target, start + 1, i)
            offsets: tuple[int, ...] = ()
            if target.keyword == "RUN" and not target.json_form and target.args:
                args_len = len(target.args[0])
                offsets = tuple(min(max(s - target.args_pos, 0), args_len) for s in starts)
            items.append((parsed, start + 1, max(i + 1, start + 1), offsets))
            i += 1
        if pending:
            self.dangling(pending)
        return self.assemble(items)

    def continuation(self, line: str) -> tuple[str, bool]:
        """BuildKit's trimContinuationCharacter: (content, whether the next line continues it)."""
        esc = self.escape
        last = line[-1:]
        if last not in (esc, " ", "\t"):
            return line, False
        trimmed = line.rstrip(" \t")
        if trimmed and trimmed[-1] == esc and (len(trimmed) == 1 or trimmed[-2] != esc):
            return trimmed[:-1], True
        return line, False

    def heredocs(self, logical: str, target: _Parsed, start_line: int, last: int) -> int:
        """Read the bodies of the instruction's here-documents after line index ``last``; returns the index
        of the last line consumed."""
        try:
            specs = _heredocs_from_line(logical)
        except (ExpansionError, RecursionError) as exc:
            self.diag(start_line, f"{target.keyword}: {exc}")
            return last
        lines = self.lines
        n = len(lines)
        found: list[Heredoc] = []
        for spec in specs:
            body_start = last + 1
            terminated = False
            while last + 1 < n:
                last += 1
                candidate = lines[last].lstrip("\t") if spec.chomp else lines[last]
                if candidate == spec.name:
                    terminated = True
                    break
            body_end = last if terminated else last + 1
            body = lines[body_start:body_end]
            content = "\n".join(body)
            if body and (terminated or body_end < n or self.ends_with_newline):
                content += "\n"
            if spec.chomp:
                content = _LEADING_TABS.sub("", content)
            if not terminated:
                self.diag(start_line, f"unterminated heredoc: no line {spec.name!r} closes the here-document",
                          end_line=max(last + 1, start_line))
            first = min(body_start + 1, max(n, 1))
            found.append(Heredoc(
                delimiter=spec.name, content=content, expand=spec.expand, strip_tabs=spec.chomp,
                start_line=first, end_line=max(first, last + 1)))
            if not terminated:
                break
        target.heredocs = tuple(found)
        return last

    # ------------------------------------------------------------ one instruction

    def instruction(self, logical: str, line: int, end_line: int) -> _Parsed | None:
        """Parse a logical line (splitCommand, the line parsers and the instruction checks)."""
        start = 0 if logical[:1] not in _WS_SET else len(logical) - len(logical.lstrip(_WS))
        end = len(logical) if logical[-1:] not in _WS_SET else len(logical.rstrip(_WS))
        return self.instruction_at(logical, start, end, line, end_line, False)

    def instruction_at(self, logical: str, pos: int, end: int, line: int, end_line: int,
                       nested: bool) -> _Parsed | None:
        """The instruction in ``logical[pos:end]`` (``nested``: an ONBUILD trigger; offsets stay in the line)."""
        m = _CMD_WORD.match(logical, pos, end)
        if m is None:
            self.diag(line, "unknown instruction: (empty: a line continuation with nothing after it)",
                      end_line=end_line)
            return None
        cmd = m.group(1)
        keyword = _UPPER.get(cmd) or _UPPER.get(cmd.lower())
        if keyword is None:
            hint = difflib.get_close_matches(cmd.lower(), _KEYWORDS, 1)
            suggestion = f" (did you mean {hint[0].upper()}?)" if hint else ""
            where = " in ONBUILD" if nested else ""
            self.diag(line, f"unknown instruction{where}: {cmd[:80]}{suggestion}; instruction skipped",
                      end_line=end_line)
            return None
        lower = keyword.lower()
        parsed = _Parsed(keyword)
        rest_pos = m.end()
        if logical.startswith("--", rest_pos):
            raw_flags, args_pos = _extract_flags(logical, rest_pos, end)
            parsed.flags = tuple([self.flag(word, text) for word, text in raw_flags])
        else:
            raw_flags, args_pos = [], rest_pos
        parsed.args_pos = args_pos
        self.arguments(parsed, lower, logical[args_pos:end], line, end_line, args_pos, logical, end, nested)
        self.check_flags(parsed, lower, raw_flags, line)
        return parsed

    @staticmethod
    def flag(word: str, text: str) -> Flag:
        name, eq, value = word[2:].partition("=")
        return Flag(name.lower(), value if eq else None, text)

    def check_flags(self, parsed: _Parsed, lower: str, raw_flags: list[tuple[str, str]], line: int) -> None:
        """BuildKit's BFlags.Parse with the flags the instruction defines."""
        if not raw_flags or lower == "stopsignal":
            return  # STOPSIGNAL never parses its flags
        if lower == "healthcheck" and parsed.args and parsed.args[0].upper() == "NONE":
            return  # nor does HEALTHCHECK NONE
        spec = _FLAGS.get(lower, {})
        used: set[str] = set()
        for word, _text in raw_flags:
            name, eq, value = word[2:].partition("=")
            kind = spec.get(name)
            keyword = parsed.keyword
            if kind is None:
                known = ", ".join(f"--{k}" for k in spec) or "none"
                self.diag(line, f"{keyword}: unknown flag: --{name} (accepted: {known})")
                continue
            if name in used and kind != "m":
                self.diag(line, f"{keyword}: duplicate flag specified: --{name}")
            used.add(name)
            if kind == "b":
                if eq and value == "":
                    self.diag(line, f"{keyword}: missing a value on flag: --{name}")
                elif value.lower() not in ("", "true", "false"):
                    self.diag(line, f"{keyword}: expecting boolean value for flag --{name}, not: {value}")
            elif not eq:
                self.diag(line, f"{keyword}: missing a value on flag: --{name}")

    def arguments(self, parsed: _Parsed, lower: str, rest: str, line: int, end_line: int, args_pos: int,
                  logical: str, end: int, nested: bool) -> None:
        keyword = parsed.keyword
        if lower in ("run", "cmd", "entrypoint", "shell"):
            self.maybe_json(parsed, rest, line, list_form=False)
            if lower == "shell" and parsed.args and not parsed.json_form:
                self.diag(line, "SHELL requires the arguments to be in JSON form")
            elif lower == "shell" and not parsed.args:
                self.diag(line, "SHELL requires at least one argument")
        elif lower in ("add", "copy", "volume"):
            self.maybe_json(parsed, rest, line, list_form=True)
            if lower == "volume":
                if not parsed.args:
                    self.diag(line, "VOLUME requires at least one argument")
                elif any(not a.strip() for a in parsed.args):
                    self.diag(line, "VOLUME specified can not be an empty string")
            elif len(parsed.args) < 2:
                self.diag(line, f"{keyword} requires at least two arguments, but only one was provided. "
                          "Destination could not be determined")
            elif _heredoc_word_or_none(parsed.args[-1]) is not None:
                self.diag(line, f"{keyword} cannot accept a heredoc as a destination")
        elif lower in ("from", "expose"):
            parsed.args = tuple(_CMD_SPLIT.split(rest)) if rest else ()
            if lower == "expose" and not parsed.args:
                self.diag(line, "EXPOSE requires at least one argument")
            elif lower == "from":
                args = parsed.args
                if len(args) == 3 and args[1].lower() == "as":
                    if _VALID_STAGE_NAME.match(args[2].lower()) is None:
                        self.diag(line, f"invalid name for build stage: {args[2]!r}, name can't start with a "
                                  "number or contain symbols")
                elif len(args) != 1:
                    self.diag(line, "FROM requires either one or three arguments")
        elif lower in ("maintainer", "stopsignal", "user", "workdir"):
            parsed.args = (rest,) if rest else ()
            if not rest:
                self.diag(line, f"{keyword} requires exactly one argument")
        elif lower in ("env", "label"):
            self.name_values(parsed, rest, line)
        elif lower == "arg":
            self.arg_words(parsed, rest, line)
        elif lower == "healthcheck":
            self.healthcheck(parsed, rest, line)
        else:  # onbuild
            parsed.args = (rest,) if rest else ()
            if not rest:
                self.diag(line, "ONBUILD requires at least one argument")
                return
            if nested:
                return  # ONBUILD ONBUILD: reported by the outer ONBUILD
            trigger = self.instruction_at(logical, args_pos, end, line, end_line, True)
            parsed.trigger = trigger
            if trigger is not None and trigger.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
                if trigger.keyword == "ONBUILD":
                    self.diag(line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
                else:
                    self.diag(line, f"{trigger.keyword} isn't allowed as an ONBUILD trigger")

    def maybe_json(self, parsed: _Parsed, rest: str, line: int, list_form: bool) -> None:
        """parseMaybeJSON / parseMaybeJSONToList."""
        if not rest:
            return
        try:
            values = _json_array(rest)
        except _NotStrings as exc:
            self.diag(line, f"{parsed.keyword}: {exc}")
            parsed.args = tuple(v if isinstance(v, str) else json.dumps(v) for v in exc.values)
            parsed.json_form = True
            return
        if values is not None:
            parsed.args = tuple(values)
            parsed.json_form = True
        elif list_form:
            parsed.args = tuple(_CMD_SPLIT.split(rest))
        else:
            parsed.args = (rest,)

    def name_values(self, parsed: _Parsed, rest: str, line: int) -> None:
        """parseNameVal (ENV, LABEL): ``k=v k2="v 2"`` or the legacy ``k v``."""
        keyword = parsed.keyword
        words = _parse_words(rest, self.escape)
        raw: list[tuple[str, str]] = []
        if not words:
            self.diag(line, f"{keyword} requires at least one argument")
            return
        if "=" not in words[0]:
            key_value = _CMD_SPLIT.split(rest, maxsplit=1)
            if len(key_value) < 2:
                self.diag(line, f"{keyword} must have two arguments")
                parsed.args = (rest,)
                raw.append((rest, ""))
            else:
                parsed.args = (key_value[0], key_value[1])
                raw.append((key_value[0], key_value[1]))
        else:
            parsed.args = tuple(words)
            for word in words:
                if "=" not in word:
                    self.diag(line, f"{keyword}: syntax error - can't find = in {word!r}. Must be of the form: "
                              "name=value")
                    continue
                key, _, value = word.partition("=")
                raw.append((key, value))
        pairs: list[tuple[str, str]] = []
        for key, value in raw:
            if not key:
                self.diag(line, f"{keyword} names can not be blank")
            pairs.append((self.unquoted(key, line, keyword), self.unquoted(value, line, keyword)))
        parsed.pairs = tuple(pairs)

    def unquoted(self, text: str, line: int, keyword: str) -> str:
        value = _unquote(text, self.escape)
        if value is None:
            self.diag(line, f"{keyword}: unmatched quote or bad variable reference in {text[:80]!r}")
            return text
        return value

    def arg_words(self, parsed: _Parsed, rest: str, line: int) -> None:
        """parseNameOrNameVal and parseArg: ``ARG name[=default] ...``."""
        words = _parse_words(rest, self.escape)
        if not words:
            self.diag(line, "ARG requires at least one argument")
            return
        parsed.args = tuple(words)
        pairs: list[tuple[str, str]] = []
        defaults: list[bool] = []
        raw_pairs: list[tuple[str, str | None]] = []
        for word in words:
            key, eq, value = word.partition("=")
            if eq and not key:
                self.diag(line, "ARG names can not be blank")
            raw_pairs.append((key, value if eq else None))
            pairs.append((self.unquoted(key, line, "ARG"), self.unquoted(value, line, "ARG") if eq else ""))
            defaults.append(bool(eq))
        parsed.pairs = tuple(pairs)
        parsed.arg_defaults = tuple(defaults)
        parsed.raw_pairs = tuple(raw_pairs)

    def healthcheck(self, parsed: _Parsed, rest: str, line: int) -> None:
        """parseHealthConfig and parseHealthcheck: ``HEALTHCHECK [flags] CMD ...`` or ``HEALTHCHECK NONE``."""
        sep = 0
        while sep < len(rest) and rest[sep] not in _WS_SET:
            sep += 1
        if sep == 0:
            self.diag(line, "HEALTHCHECK requires at least one argument")
            return
        kind = rest[:sep]
        command = _Parsed("HEALTHCHECK")
        self.maybe_json(command, rest[sep:].lstrip(_WS), line, list_form=False)
        parsed.args = (kind, *command.args)
        parsed.json_form = command.json_form
        upper = kind.upper()
        if upper == "NONE":
            if command.args:
                self.diag(line, "HEALTHCHECK NONE takes no arguments")
        elif upper != "CMD":
            self.diag(line, f"Unknown type {kind!r} in HEALTHCHECK (try CMD)")
        elif not command.args:
            self.diag(line, "Missing command after HEALTHCHECK CMD")

    # ------------------------------------------------------------ stages

    def assemble(self, items: list[tuple[_Parsed, int, int, tuple[int, ...]]]) -> Dockerfile:
        lines = self.lines
        instructions: list[Instruction] = []
        global_args: list[Instruction] = []
        stages: list[Stage] = []
        stage_instructions: list[list[Instruction]] = []
        stage_heads: list[tuple[str, str, int]] = []  # base, name, from line
        # BuildKit's automatic platform ARGs (no declaration needed): their values exist only at build time, so
        # ``FROM base-$TARGETARCH`` keeps the reference as written unless a global ARG gives a default
        global_env: dict[str, str] = {name: "$" + name for name in _PLATFORM_ARGS}
        shells: list[list[str] | None] = []  # SHELL of each stage (None: the default /bin/sh -c)
        windows: list[bool] = []  # whether each stage is built from a Windows image
        names: dict[str, int] = {}
        for parsed, start, end, offsets in items:
            text = "\n".join(lines[start - 1:end])
            index = len(stage_heads) - 1
            if parsed.keyword == "FROM":
                base = parsed.args[0] if parsed.args else ""
                name = parsed.args[2].lower() if len(parsed.args) == 3 and parsed.args[1].lower() == "as" else ""
                stage_heads.append((base, name, start))
                stage_instructions.append([])
                inherited = names.get(base.lower())
                if inherited is not None:
                    shells.append(shells[inherited])
                    windows.append(windows[inherited])
                else:  # a Windows image's default shell is cmd /S /C: its shell-form RUN is not POSIX
                    windows.append(self.windows_base(base, global_env))
                    shells.append(list(_WINDOWS_SHELL) if windows[-1] else None)
                if name:
                    names[name] = len(stage_heads) - 1
                index += 1
            elif index < 0 and parsed.keyword != "ARG":
                self.diag(start, f"{parsed.keyword} before the first FROM: no build stage in current context",
                          end_line=end)
            shell = shells[index] if index >= 0 else None
            instruction = self.finish(parsed, start, end, text, offsets, index, shell)
            if parsed.keyword == "SHELL" and parsed.json_form and parsed.args and index >= 0:
                shells[index] = list(parsed.args)
            instructions.append(instruction)
            if index < 0:
                if parsed.keyword == "ARG":
                    global_args.append(instruction)
                    self.global_defaults(parsed, global_env, start)
            else:
                stage_instructions[index].append(instruction)
        for index, (base, name, from_line) in enumerate(stage_heads):
            try:
                expanded = expand(base, global_env, self.escape)
            except ExpansionError as exc:
                self.diag(from_line, f"FROM: cannot expand {base[:80]!r}: {exc}")
                expanded = base
            if base and not expanded:
                self.diag(from_line, f"base name ({base[:80]}) should not be blank", DiagnosticLevel.WARNING)
            stages.append(
                Stage(index, base, expanded, name, from_line, tuple(stage_instructions[index]), windows[index])
            )
        if not instructions:
            self.diag(None, "file with no instructions")
        elif not stages:
            self.diag(None, "dockerfile contains no stages to build (no FROM instruction)")
        directives = {k: v for k, v in self.directives.items() if not k.endswith("!")}
        return Dockerfile(
            path=self.path,
            directives=directives,
            escape=self.escape,
            global_args=tuple(global_args),
            stages=tuple(stages),
            instructions=tuple(instructions),
            pragmas=tuple(sorted(self.pragmas, key=lambda p: p.line)),
        )

    def windows_base(self, base: str, env: Mapping[str, str]) -> bool:
        try:
            text = expand(base, env, self.escape)
        except ExpansionError:
            text = base
        return is_windows_image(text)

    def global_defaults(self, parsed: _Parsed, env: dict[str, str], line: int) -> None:
        """Meta ARGs: each default is expanded with the global ARGs before it (dockerfile2llb)."""
        for key, raw in parsed.raw_pairs:
            if raw is None or not key:
                continue
            try:
                env[key] = expand(raw, env, self.escape)
            except ExpansionError as exc:
                self.diag(line, f"ARG {key}: cannot expand default {raw[:80]!r}: {exc}")
                unquoted = _unquote(raw, self.escape)
                env[key] = raw if unquoted is None else unquoted

    def finish(self, parsed: _Parsed, start: int, end: int, text: str, offsets: tuple[int, ...], stage: int,
               shell: list[str] | None) -> Instruction:
        trigger = None
        if parsed.trigger is not None:
            trigger = self.finish(parsed.trigger, start, end, text, offsets, stage, None)
            offsets = ()
        commands: tuple[ShellCommand, ...] = ()
        if parsed.keyword == "RUN":
            posix = shell is None or _shell_name(shell[0]) in SHELLS
            commands = self.commands(parsed, start, offsets, posix)
        return Instruction(
            keyword=parsed.keyword,
            start_line=start,
            end_line=end,
            text=text,
            flags=parsed.flags,
            args=parsed.args,
            json_form=parsed.json_form,
            pairs=parsed.pairs,
            heredocs=parsed.heredocs,
            commands=commands,
            line_offsets=offsets,
            stage=stage,
            trigger=trigger,
            arg_defaults=parsed.arg_defaults,
        )

    def commands(self, parsed: _Parsed, start: int, offsets: tuple[int, ...],
                 posix: bool) -> tuple[ShellCommand, ...]:
        """The simple commands of a RUN: its shell form (when the stage's SHELL is a POSIX shell), heredoc
        bodies that are shell scripts, and the script of an exec-form ``["sh", "-c", script]``."""
        commands: list[ShellCommand] = []
        if parsed.json_form:
            script = _exec_form_script(parsed.args)
            if script is not None:
                found, problem = split_shell(script, line=start)
                self.shell_problem(problem, start)
                return tuple(found)
            return ()
        if not parsed.args or not posix:
            return ()
        script = parsed.args[0]
        found, problem = split_shell(script, line=start, line_offsets=offsets)
        self.shell_problem(problem, start)
        commands.extend(found)
        heredocs = parsed.heredocs
        if not heredocs:
            return tuple(commands)
        scripts: list[Heredoc] = []
        if _heredoc_word_or_none(script) is not None:
            first = heredocs[0]  # BuildKit runs the first heredoc as the script
            if not first.content.startswith("#!") or _shebang_is_shell(first.content):
                scripts.append(first)
        else:
            readers = stdin_heredocs(script)
            scripts.extend(h for h in heredocs if _is_script_reader(readers.get(h.delimiter, ())))
        for heredoc in scripts:
            base = max((c.pipeline for c in commands), default=-1) + 1
            found, problem = split_shell(heredoc.content, line=heredoc.start_line)
            self.shell_problem(problem, heredoc.start_line)
            commands.extend(_renumber(c, base) for c in found)
        return tuple(commands)

    def shell_problem(self, problem: str | None, line: int) -> None:
        # Informational: the Dockerfile is valid; only stockade's reading of the command is partial (a
        # Windows cmd.exe RUN, an exotic shell construct), so rules may see fewer commands there.
        if problem is not None:
            self.diag(line, f"RUN: shell command not fully understood: {problem}", DiagnosticLevel.INFO)


_CMD_WORD = re.compile(r"([^\t\v\f\r ]+)[\t\v\f\r ]*")
_UPPER = {k: k.upper() for k in _KEYWORDS} | {k.upper(): k.upper() for k in _KEYWORDS}


def _renumber(command: ShellCommand, base: int) -> ShellCommand:
    if not base:
        return command
    return ShellCommand(
        argv=command.argv, line=command.line, assignments=command.assignments,
        pipeline=command.pipeline + base, stage_in_pipeline=command.stage_in_pipeline,
        pipeline_length=command.pipeline_length, subshell=command.subshell)


def parse_dockerfile(path: str, text: str) -> tuple[Dockerfile, list[Diagnostic]]:
    """Parse a Dockerfile's text as BuildKit does; never raises.

    Returns the Dockerfile (all instructions that could be parsed, with stages, global ARGs and pragmas) and
    the diagnostics (source "dockerfile", each naming its line): unknown instructions (skipped), malformed
    directives, flags and arguments, unterminated here-documents, empty continuation lines, shell commands
    that could not be fully split.
    """
    try:
        parser = _Parser(path, text)
        dockerfile = parser.parse()
        diagnostics = sorted(parser.diagnostics, key=lambda d: d.location.line or 0)
        if parser.dropped:
            diagnostics.append(Diagnostic(
                Location(path), SOURCE, DiagnosticLevel.WARNING,
                f"{parser.dropped} further problems in this file not reported"))
        return dockerfile, diagnostics
    except RecursionError:  # pragma: no cover - defensive: every recursion is bounded
        message = "nesting too deep to parse"
    except MemoryError:  # pragma: no cover
        message = "not enough memory to parse"
    return Dockerfile(path=path), [Diagnostic(Location(path), SOURCE, DiagnosticLevel.ERROR, message)]
