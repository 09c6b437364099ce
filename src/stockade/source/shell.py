"""A POSIX ``sh`` command splitter for RUN instructions: the simple commands a shell would run.

This is a real tokenizer and recursive-descent parser for the POSIX shell command language (plus the bash
forms Dockerfiles commonly use: ``[[ ]]``, ``(( ))``, ``$'...'``, ``<(...)``, ``|&``, ``&>``, ``function``).
It never runs anything and never raises on malformed input: it returns the commands it could split and a
description of the first problem.

What comes out (:class:`~stockade.model.dockerfile.ShellCommand`):

* ``argv``: the words after quote removal (single/double quotes and backslashes removed); ``$VAR``,
  ``${...}``, ``$(...)``, ``$((...))`` and backquotes are kept as written in the word text;
* ``assignments``: leading ``NAME=value`` words;
* redirections (``>file``, ``2>&1``, ``<<EOF``, ``<<<word``, ``&>file``...) are removed from ``argv``;
* commands inside ``if``/``while``/``until``/``for``/``case``/``{ }``/functions are emitted (the keywords are
  not commands); commands inside ``( )``, ``$( )``, backquotes and ``<( )`` are emitted with ``subshell=True``;
* pipelines are numbered in source order; every command knows its stage and the pipeline's length;
* ``line``: the physical line of the command's first word, from the caller's line mapping.

Here-document bodies inside the text (a heredoc script that itself uses ``cat <<EOF``) are skipped.
Input is hostile: nesting deeper than :data:`MAX_DEPTH` is kept literally, and splitting stops after
:data:`MAX_COMMANDS` commands or :data:`MAX_WORDS` words, with a problem reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence

from stockade.model.dockerfile import ShellCommand

__all__ = ["MAX_COMMANDS", "MAX_DEPTH", "MAX_WORDS", "SHELLS", "split_shell", "stdin_heredocs"]

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "posh", "yash", "busybox"})
"""Program names that read a POSIX-like script (``busybox`` as in ``busybox sh``)."""

MAX_DEPTH = 32  # nesting of $( ), ( ), ${ }, backquotes and compound commands kept structurally
MAX_COMMANDS = 10_000
MAX_WORDS = 200_000

# Token kinds.
_WORD, _OP, _NL, _EOF, _IO = 0, 1, 2, 3, 4

_BLANK = re.compile(r"[ \t]+")
_TOKEN = re.compile(
    r"[ \t]*(?:([^ \t\n'\"\\$`;&|()<>#][^ \t\n'\"\\$`;&|()<>]*)(?=[ \t\n;&|()<>]|\Z)"
    r"|(&&|&>>|&>|\|\||\|&|;;&|;;|;&|<<<|<<-|<<|<&|<>|>>|>&|>\||[;&|()<>]))?"
)  # a simple word or an operator, after blanks

_PLAIN = re.compile(r"[^ \t\n'\"\\$`;&|()<>]+")
_DELIMS = frozenset(" \t\n;&|()<>")
_OP_RE = re.compile(r"&&|&>>|&>|\|\||\|&|;;&|;;|;&|<<<|<<-|<<|<&|<>|>>|>&|>\||[;&|()<>]")
_DQ_PLAIN = re.compile(r'[^"\\$`]+')
_BRACE_PLAIN = re.compile(r"[^}'\"\\$`]+")
_BACKQUOTE_STOP = re.compile(r"[`\\]")
_PAREN_STOP = re.compile(r"[()'\"\\`]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]")
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
_FUNC_PARENS = re.compile(r"[ \t]*\([ \t]*\)")
_NEWLINE = re.compile(r"\n")

_REDIRECTS = frozenset({"<", ">", ">>", "<<", "<<-", "<<<", "<&", ">&", "<>", ">|", "&>", "&>>"})
_SEPARATORS = frozenset({";", "&"})
_CASE_ENDS = frozenset({";;", ";&", ";;&"})
_COMPOUND = frozenset({"{", "if", "while", "until", "for", "select", "case", "function"})
_RESERVED = frozenset({
    "{", "}", "!", "if", "then", "elif", "else", "fi", "do", "done", "case", "esac", "while", "until",
    "for", "select", "in", "function",
})


class _Stop(Exception):
    """Splitting stopped at a limit."""


class _Tok:
    __slots__ = ("end", "kind", "quoted", "start", "value")

    def __init__(self, kind: int, value: str, start: int, end: int, quoted: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        self.quoted = quoted


# A simple command on its way out: offset, argv, assignments, pipeline id, stage, length, subshell,
# stdin here-document delimiters.
_Record = tuple[int, tuple[str, ...], tuple[tuple[str, str], ...], int, int, int, bool, tuple[str, ...]]
# Within a pipeline (stage and length not yet known): offset, argv, assignments, subshell, heredocs.
_Pending = tuple[int, tuple[str, ...], tuple[tuple[str, str], ...], bool, tuple[str, ...]]


class _Shared:
    """State shared by a splitter and its children (backquote bodies are split separately)."""

    __slots__ = ("commands", "pipelines", "problem", "problem_at", "words")

    def __init__(self) -> None:
        self.commands: list[_Record] = []
        self.pipelines = 0
        self.words = 0
        self.problem: str | None = None
        self.problem_at = 0

    def report(self, message: str, offset: int) -> None:
        if self.problem is None:
            self.problem = message
            self.problem_at = offset


class _Splitter:
    __slots__ = ("base", "depth", "heredocs", "n", "pos", "qi", "shared", "single", "subshell", "text", "toks")

    def __init__(self, text: str, shared: _Shared, base: int = 0, depth: int = 0, subshell: bool = False) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0  # where lexing continues (the queued tokens come before it)
        self.base = base
        self.depth = depth
        self.subshell = subshell
        self.shared = shared
        self.toks: list[_Tok] = []  # lexed, not yet consumed from index qi
        self.qi = 0
        self.single = False  # lex one token only (a here-document delimiter follows)
        self.heredocs: list[tuple[str, bool]] = []  # pending: delimiter, strip leading tabs

    # ---------------------------------------------------------------- tokens

    def problem(self, message: str, offset: int) -> None:
        self.shared.report(message, self.base + offset)

    def peek(self) -> _Tok:
        if self.qi >= len(self.toks):
            self._fill()
        return self.toks[self.qi]

    def next(self) -> _Tok:
        if self.qi >= len(self.toks):
            self._fill()
        tok = self.toks[self.qi]
        self.qi += 1
        return tok

    def seek(self, pos: int) -> None:
        """Continue lexing at ``pos``, dropping the queued tokens."""
        self.pos = pos
        self.toks = []
        self.qi = 0

    def _fill(self) -> None:
        """Lex the next tokens: simple words, operators and newlines in one regex loop, the rest one by one.

        Lexing stops after a here-document operator, so that the parser registers the delimiter before the
        newline whose body it must skip is lexed."""
        text, n = self.text, self.n
        pos = self.pos
        toks: list[_Tok] = []
        self.toks = toks
        self.qi = 0
        if self.single:
            self.single = False
            toks.append(self._lex_slow(pos))
            return
        shared = self.shared
        match = _TOKEN.match
        while len(toks) < 256:
            m = match(text, pos)
            assert m is not None  # the pattern can match the empty string
            word = m.group(1)
            if word is not None:
                end = m.end()
                if word.isdigit() and end < n and text[end] in "<>":
                    toks.append(_Tok(_IO, word, end - len(word), end))
                else:
                    toks.append(_Tok(_WORD, word, end - len(word), end))
                    shared.words += 1
                pos = end
                continue
            op = m.group(2)
            if op is not None:
                end = m.end()
                if op in ("<", ">") and text.startswith("(", end):
                    pos = m.start(2)
                    break
                toks.append(_Tok(_OP, op, end - len(op), end))
                pos = end
                if op in ("<<", "<<-"):
                    self.single = True
                    self.pos = pos
                    self._check_words(pos)
                    return
                continue
            pos = m.end()
            if pos < n and text[pos] == "\n" and not self.heredocs:
                toks.append(_Tok(_NL, "\n", pos, pos + 1))
                pos += 1
                continue
            break
        self._check_words(pos)
        if toks:
            self.pos = pos
        else:
            toks.append(self._lex_slow(pos))

    def _check_words(self, offset: int) -> None:
        if self.shared.words > MAX_WORDS:
            self.problem(f"more than {MAX_WORDS} words; the rest is not split", offset)
            raise _Stop

    def _lex_slow(self, i: int) -> _Tok:
        text, n = self.text, self.n
        while True:
            m = _BLANK.match(text, i)
            if m:
                i = m.end()
            if i >= n:
                self.pos = n
                return _Tok(_EOF, "", n, n)
            c = text[i]
            if c == "\n":
                self.pos = i + 1
                if self.heredocs:
                    self._skip_heredoc_bodies()
                return _Tok(_NL, "\n", i, i + 1)
            if c == "#":
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            if c == "\\" and text.startswith("\n", i + 1):
                i += 2
                continue
            if c in "<>" and text.startswith("(", i + 1):
                end = self._substitution(i + 2)  # process substitution <(...) / >(...)
                self.pos = end
                self._count_word(i)
                return _Tok(_WORD, text[i:end], i, end)
            if c in _DELIMS:
                om = _OP_RE.match(text, i)
                assert om is not None
                self.pos = om.end()
                return _Tok(_OP, om.group(), i, om.end())
            if "0" <= c <= "9":
                dm = _IO_NUMBER.match(text, i)
                if dm:
                    self.pos = dm.end()
                    return _Tok(_IO, dm.group(), i, dm.end())
            return self._word(i)

    def _count_word(self, offset: int) -> None:
        self.shared.words += 1
        self._check_words(offset)

    def _word(self, start: int) -> _Tok:
        text, n = self.text, self.n
        self._count_word(start)
        m = _PLAIN.match(text, start)
        if m:
            end = m.end()
            if end >= n or text[end] in _DELIMS:
                self.pos = end
                return _Tok(_WORD, m.group(), start, end)
        parts: list[str] = []
        quoted = False
        i = start
        while i < n:
            m = _PLAIN.match(text, i)
            if m:
                parts.append(m.group())
                i = m.end()
                continue
            c = text[i]
            if c in _DELIMS:
                break
            if c == "'":
                quoted = True
                j = text.find("'", i + 1)
                if j < 0:
                    self.problem("unterminated single quote", i)
                    parts.append(text[i + 1:])
                    i = n
                else:
                    parts.append(text[i + 1:j])
                    i = j + 1
            elif c == '"':
                quoted = True
                i = self._double_quoted(i + 1, parts)
            elif c == "\\":
                if i + 1 < n:
                    if text[i + 1] != "\n":
                        parts.append(text[i + 1])
                        quoted = True
                    i += 2
                else:
                    i += 1
            elif c == "$":
                if text.startswith("'", i + 1):
                    quoted = True
                i = self._dollar(i, parts, False)
            else:  # backquote
                i = self._backquoted(i, parts)
        self.pos = i
        return _Tok(_WORD, "".join(parts), start, i, quoted)

    def _double_quoted(self, i: int, parts: list[str]) -> int:
        """Scan a double-quoted string from just after the opening quote; returns the index after it."""
        text, n = self.text, self.n
        open_at = i - 1
        while i < n:
            m = _DQ_PLAIN.match(text, i)
            if m:
                parts.append(m.group())
                i = m.end()
                continue
            c = text[i]
            if c == '"':
                return i + 1
            if c == "\\":
                nc = text[i + 1] if i + 1 < n else ""
                if nc in ('$', '`', '"', "\\"):
                    parts.append(nc)
                    i += 2
                elif nc == "\n":
                    i += 2
                else:
                    parts.append("\\")
                    i += 1
            elif c == "$":
                i = self._dollar(i, parts, True)
            else:
                i = self._backquoted(i, parts)
        self.problem("unterminated double quote", open_at)
        return n

    def _dollar(self, i: int, parts: list[str], in_dquotes: bool) -> int:
        """A ``$`` construct at ``i``, kept literally in the word; returns the index after it."""
        text, n = self.text, self.n
        nxt = text[i + 1] if i + 1 < n else ""
        if nxt == "(":
            end = self._skip_parens(i + 3, 2) if text.startswith("((", i + 1) else self._substitution(i + 2)
            parts.append(text[i:end])
            return end
        if nxt == "{":
            end = self._braced(i + 2)
            parts.append(text[i:end])
            return end
        if nxt == "'" and not in_dquotes:  # bash $'...': backslash escapes keep the quote open
            j = i + 2
            out: list[str] = []
            while j < n:
                c = text[j]
                if c == "'":
                    parts.append("".join(out))
                    return j + 1
                if c == "\\" and j + 1 < n:
                    out.append(_ANSI_ESCAPES.get(text[j + 1], text[j + 1]))
                    j += 2
                else:
                    out.append(c)
                    j += 1
            self.problem("unterminated $'...' string", i)
            parts.append("".join(out))
            return n
        if nxt == '"' and not in_dquotes:  # bash $"..." (locale translation): a double-quoted string
            return self._double_quoted(i + 2, parts)
        m = _NAME.match(text, i + 1)
        if m:
            parts.append(text[i:m.end()])
            return m.end()
        parts.append("$")
        return i + 1

    def _braced(self, i: int) -> int:
        """Scan ``${...}`` from just after ``${``; returns the index after the closing brace."""
        if self.depth >= MAX_DEPTH:
            return self._skip_braces(i)
        text, n = self.text, self.n
        scratch: list[str] = []
        self.depth += 1
        try:
            while i < n:
                m = _BRACE_PLAIN.match(text, i)
                if m:
                    i = m.end()
                    continue
                c = text[i]
                if c == "}":
                    return i + 1
                if c == "'":
                    j = text.find("'", i + 1)
                    i = n if j < 0 else j + 1
                elif c == '"':
                    i = self._double_quoted(i + 1, scratch)
                elif c == "\\":
                    i += 2
                elif c == "$":
                    i = self._dollar(i, scratch, True)
                else:
                    i = self._backquoted(i, scratch)
                scratch.clear()
        finally:
            self.depth -= 1
        self.problem("unterminated ${", i)
        return n

    def _skip_braces(self, i: int) -> int:
        """Past the ``}`` matching an already opened ``${``, without interpreting what is inside."""
        text, n = self.text, self.n
        depth = 1
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{" and i > 0 and text[i - 1] == "$":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        self.problem("unterminated ${", i)
        return n

    def _skip_parens(self, i: int, depth: int) -> int:
        """Past the parenthesis that closes ``depth`` open ones, skipping quoted text (kept literally)."""
        text, n = self.text, self.n
        while True:
            m = _PAREN_STOP.search(text, i)
            if m is None:
                self.problem("unterminated parenthesis", i)
                return n
            i = m.start()
            c = text[i]
            if c == "(":
                depth += 1
                i += 1
            elif c == ")":
                depth -= 1
                i += 1
                if depth == 0:
                    return i
            elif c == "\\":
                i += 2
            elif c == "'":
                j = text.find("'", i + 1)
                i = n if j < 0 else j + 1
            elif c == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
            else:
                j = i + 1
                while j < n and text[j] != "`":
                    j += 2 if text[j] == "\\" else 1
                i = j + 1

    def _substitution(self, i: int) -> int:
        """Split the commands of ``$( ... )`` (or ``<( ... )``) from just after the ``(``; returns the index
        after the closing parenthesis. The commands are emitted as subshell commands."""
        if self.depth >= MAX_DEPTH:
            self.problem(f"nesting deeper than {MAX_DEPTH}; inner commands not split", i)
            return self._skip_parens(i, 1)
        saved = (self.pos, self.toks, self.qi, self.single, self.heredocs, self.subshell)
        self.pos, self.toks, self.qi, self.single, self.heredocs, self.subshell = i, [], 0, False, [], True
        self.depth += 1
        try:
            self.parse_list(_PAREN_STOPS)
            tok = self.next()
            if tok.kind == _OP and tok.value == ")":
                end = tok.end
            else:
                self.problem("unterminated $(", i - 2)
                end = self.n
        finally:
            self.depth -= 1
            self.pos, self.toks, self.qi, self.single, self.heredocs, self.subshell = saved
        return end

    def _backquoted(self, i: int, parts: list[str]) -> int:
        """A backquoted command substitution at ``i``: kept literally; its body is split as subshell
        commands. Returns the index after the closing backquote."""
        text, n = self.text, self.n
        j = i + 1
        body: list[str] = []
        while True:
            m = _BACKQUOTE_STOP.search(text, j)
            if m is None:
                self.problem("unterminated backquote", i)
                body.append(text[j:])
                end = n
                break
            k = m.start()
            body.append(text[j:k])
            if text[k] == "`":
                end = k + 1
                break
            nc = text[k + 1] if k + 1 < n else ""
            body.append(nc if nc in ("`", "\\", "$") else "\\" + nc)
            j = k + 2
        parts.append(text[i:end])
        inner = "".join(body)
        if inner.strip():
            if self.depth >= MAX_DEPTH:
                self.problem(f"nesting deeper than {MAX_DEPTH}; inner commands not split", i)
            else:
                child = _Splitter(inner, self.shared, self.base + i + 1, self.depth + 1, True)
                child.parse_list(frozenset())
        return end

    def _skip_heredoc_bodies(self) -> None:
        """After a newline: skip the bodies of the here-documents opened on the line just ended."""
        text, n = self.text, self.n
        pos = self.pos
        for delimiter, strip_tabs in self.heredocs:
            found = False
            while pos < n:
                j = text.find("\n", pos)
                line = text[pos:] if j < 0 else text[pos:j]
                pos = n if j < 0 else j + 1
                if strip_tabs:
                    line = line.lstrip("\t")
                if line == delimiter:
                    found = True
                    break
            if not found:
                self.problem(f"here-document delimited by {delimiter!r} is not terminated", self.pos)
        self.heredocs = []
        self.pos = pos

    # ---------------------------------------------------------------- grammar

    def parse_list(self, stops: frozenset[str]) -> None:
        """Commands up to a stop word or operator (not consumed), or the end of the text."""
        while True:
            tok = self.peek()
            kind = tok.kind
            if kind == _EOF:
                return
            if kind == _NL or (kind == _OP and tok.value in _SEPARATORS):
                self.next()
                continue
            if kind == _OP and tok.value in stops:
                return
            if kind == _WORD and not tok.quoted and tok.value in stops:
                return
            before = tok
            self.and_or(stops)
            if self.peek() is before:  # nothing consumed: an unexpected token
                self.problem(f"unexpected {before.value!r}", before.start)
                self.next()

    def and_or(self, stops: frozenset[str]) -> None:
        self.pipeline(stops)
        while True:
            tok = self.peek()
            if tok.kind == _OP and tok.value in ("&&", "||"):
                self.next()
                self.skip_newlines()
                if self._missing_command():
                    self.problem(f"no command after {tok.value!r}", tok.start)
                    return
                self.pipeline(stops)
            else:
                return

    def skip_newlines(self) -> None:
        while self.peek().kind == _NL:
            self.next()

    def _missing_command(self) -> bool:
        nxt = self.peek()
        return nxt.kind == _EOF or (nxt.kind == _OP and nxt.value not in _REDIRECTS and nxt.value != "(")

    def pipeline(self, stops: frozenset[str]) -> None:
        tok = self.peek()
        if tok.kind == _OP and tok.value in ("|", "|&", "&&", "||"):
            self.problem(f"no command before {tok.value!r}", tok.start)
            self.next()
            return
        if tok.kind == _WORD and not tok.quoted and tok.value == "!":
            self.next()
        shared = self.shared
        pipeline_id = shared.pipelines
        shared.pipelines += 1
        stages: list[_Pending | None] = []
        while True:
            stages.append(self.command(stops))
            tok = self.peek()
            if tok.kind == _OP and tok.value in ("|", "|&"):
                self.next()
                self.skip_newlines()
                if self._missing_command():
                    self.problem(f"no command after {tok.value!r}", tok.start)
                    break
                continue
            break
        length = len(stages)
        base = self.base
        for stage, pending in enumerate(stages):
            if pending is not None:
                offset, argv, assignments, subshell, heredocs = pending
                shared.commands.append(
                    (base + offset, argv, assignments, pipeline_id, stage, length, subshell, heredocs))
                if len(shared.commands) > MAX_COMMANDS:
                    self.problem(f"more than {MAX_COMMANDS} commands; the rest is not split", offset)
                    raise _Stop

    def command(self, stops: frozenset[str]) -> _Pending | None:
        tok = self.peek()
        if tok.kind == _WORD:
            value = tok.value
            if tok.quoted:
                return self.simple()
            if value in _COMPOUND:
                self.compound(tok)
                self.redirections()
                return None
            if value in _RESERVED and value not in stops:
                self.problem(f"unexpected {value!r}", tok.start)
                self.next()
                return None
            if value == "[[":
                return self.double_bracket()
        elif tok.kind == _OP:
            if tok.value == "(":
                if self.text.startswith("((", tok.start):  # arithmetic command
                    self.next()
                    self.seek(self._skip_parens(tok.start + 2, 2))
                else:
                    self.subshell_group()
                self.redirections()
                return None
            if tok.value not in _REDIRECTS:
                return None
        elif tok.kind != _IO:
            return None
        return self.simple()

    def simple(self) -> _Pending | None:
        argv: list[str] = []
        assignments: list[tuple[str, str]] = []
        heredocs: list[str] = []
        offset = -1
        text = self.text
        while True:
            tok = self.peek()
            kind = tok.kind
            if kind == _WORD:
                self.next()
                if offset < 0:
                    offset = tok.start
                m = None if argv else _ASSIGN.match(text, tok.start)
                if m is not None and m.end() <= tok.end:
                    prefix = m.group()
                    name = prefix.rstrip("+=")
                    value = tok.value[len(prefix):]
                    if tok.end == m.end() and text.startswith("(", tok.end):  # bash array: A=(1 2)
                        end = self._skip_parens(tok.end + 1, 1)
                        value = text[tok.end:end]
                        self.seek(end)
                    assignments.append((name, value))
                    continue
                argv.append(tok.value)
                if len(argv) == 1 and not assignments and not tok.quoted:
                    fm = _FUNC_PARENS.match(text, tok.end)
                    if fm is not None:  # name() compound-command: a function definition
                        self.seek(fm.end())
                        self.skip_newlines()
                        self.command(frozenset())
                        return None
            elif kind == _IO or (kind == _OP and tok.value in _REDIRECTS):
                fd = ""
                if kind == _IO:
                    self.next()
                    fd = tok.value
                    tok = self.peek()
                    if tok.kind != _OP or tok.value not in _REDIRECTS:
                        continue
                self.next()
                target = self.peek()
                if target.kind != _WORD:
                    self.problem(f"missing target after {tok.value!r}", tok.start)
                    continue
                self.next()
                if tok.value in ("<<", "<<-"):
                    self.heredocs.append((target.value, tok.value == "<<-"))
                    if fd in ("", "0"):
                        heredocs.append(target.value)
            else:
                break
        if not argv and not assignments:
            return None
        return (offset, tuple(argv), tuple(assignments), self.subshell, tuple(heredocs))

    def redirections(self) -> None:
        """Redirections after a compound command (``done < file``, ``} > log``)."""
        while True:
            tok = self.peek()
            if tok.kind == _IO:
                self.next()
                continue
            if tok.kind != _OP or tok.value not in _REDIRECTS:
                return
            self.next()
            target = self.peek()
            if target.kind == _WORD:
                self.next()
                if tok.value in ("<<", "<<-"):
                    self.heredocs.append((target.value, tok.value == "<<-"))
            else:
                self.problem(f"missing target after {tok.value!r}", tok.start)

    def double_bracket(self) -> _Pending:
        """``[[ ... ]]``: one command whose operators are words."""
        first = self.next()
        argv = [first.value]
        while True:
            tok = self.peek()
            if tok.kind in (_EOF, _NL):
                self.problem("unterminated [[", first.start)
                break
            self.next()
            argv.append(tok.value)
            if tok.kind == _WORD and tok.value == "]]" and not tok.quoted:
                break
        return (first.start, tuple(argv), (), self.subshell, ())

    def subshell_group(self) -> None:
        open_tok = self.next()
        if self.depth >= MAX_DEPTH:
            self.problem(f"nesting deeper than {MAX_DEPTH}; inner commands not split", open_tok.start)
            self.seek(self._skip_parens(open_tok.end, 1))
            return
        saved = self.subshell
        self.subshell = True
        self.depth += 1
        try:
            self.parse_list(_PAREN_STOPS)
        finally:
            self.depth -= 1
            self.subshell = saved
        self.expect_op(")", open_tok)

    def expect_op(self, value: str, opened: _Tok) -> None:
        tok = self.peek()
        if tok.kind == _OP and tok.value == value:
            self.next()
        else:
            self.problem(f"{opened.value!r} without a matching {value!r}", opened.start)

    def expect_word(self, value: str, opened: _Tok) -> bool:
        tok = self.peek()
        if tok.kind == _WORD and not tok.quoted and tok.value == value:
            self.next()
            return True
        self.problem(f"{opened.value!r} without a matching {value!r}", opened.start)
        return False

    def compound(self, tok: _Tok) -> None:
        if self.depth >= MAX_DEPTH:
            self.problem(f"nesting deeper than {MAX_DEPTH}; the rest is not split", tok.start)
            raise _Stop
        self.depth += 1
        try:
            self._compound(tok)
        finally:
            self.depth -= 1

    def _compound(self, tok: _Tok) -> None:
        keyword = tok.value
        self.next()
        if keyword == "{":
            self.parse_list(frozenset({"}"}))
            self.expect_word("}", tok)
        elif keyword == "if":
            self.parse_list(_THEN)
            self.expect_word("then", tok)
            self.parse_list(_IF_BODY_END)
            while True:
                nxt = self.peek()
                if nxt.kind == _WORD and not nxt.quoted and nxt.value == "elif":
                    self.next()
                    self.parse_list(_THEN)
                    self.expect_word("then", nxt)
                    self.parse_list(_IF_BODY_END)
                    continue
                if nxt.kind == _WORD and not nxt.quoted and nxt.value == "else":
                    self.next()
                    self.parse_list(_FI)
                break
            self.expect_word("fi", tok)
        elif keyword in ("while", "until"):
            self.parse_list(_DO)
            if self.expect_word("do", tok):
                self.parse_list(_DONE)
                self.expect_word("done", tok)
        elif keyword in ("for", "select"):
            self.loop_header(tok)
            self.skip_separators()
            if self.peek().value == "{":  # bash: for x in a b; { ...; }
                self.compound(self.peek())
            elif self.expect_word("do", tok):
                self.parse_list(_DONE)
                self.expect_word("done", tok)
        elif keyword == "case":
            self.case_body(tok)
        else:  # function name [()] compound-command
            name = self.peek()
            if name.kind == _WORD:
                self.next()
                fm = _FUNC_PARENS.match(self.text, name.end)
                if fm is not None:
                    self.seek(fm.end())
            self.skip_newlines()
            self.command(frozenset())

    def skip_separators(self) -> None:
        while True:
            tok = self.peek()
            if tok.kind == _NL or (tok.kind == _OP and tok.value == ";"):
                self.next()
            else:
                return

    def loop_header(self, tok: _Tok) -> None:
        """``for NAME [in WORDS]`` or bash ``for (( ...; ...; ... ))``, up to the separator."""
        nxt = self.peek()
        if nxt.kind == _OP and nxt.value == "(" and self.text.startswith("((", nxt.start):
            self.next()
            self.seek(self._skip_parens(nxt.start + 2, 2))
            return
        if nxt.kind != _WORD:
            self.problem(f"{tok.value!r} without a variable name", tok.start)
            return
        self.next()
        self.skip_newlines()
        nxt = self.peek()
        if nxt.kind == _WORD and not nxt.quoted and nxt.value == "in":
            self.next()
            while self.peek().kind == _WORD:  # the words are only expanded ($(...) inside is split)
                self.next()

    def case_body(self, tok: _Tok) -> None:
        subject = self.peek()
        if subject.kind != _WORD:
            self.problem("'case' without a word", tok.start)
            return
        self.next()
        self.skip_newlines()
        if not self.expect_word("in", tok):
            return
        while True:
            self.skip_newlines()
            nxt = self.peek()
            if nxt.kind == _EOF:
                self.problem("'case' without a matching 'esac'", tok.start)
                return
            if nxt.kind == _WORD and not nxt.quoted and nxt.value == "esac":
                self.next()
                return
            if nxt.kind == _OP and nxt.value == "(":
                self.next()
            while True:  # pattern [| pattern]... )
                pat = self.next()
                if pat.kind == _OP and pat.value == ")":
                    break
                if pat.kind in (_EOF, _NL) or (pat.kind == _OP and pat.value != "|"):
                    self.problem("bad 'case' pattern", pat.start)
                    if pat.kind == _EOF:
                        return
                    break
            self.parse_list(_CASE_ITEM_END)
            end = self.peek()
            if end.kind == _OP and end.value in _CASE_ENDS:
                self.next()


_ANSI_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"}
_PAREN_STOPS = frozenset({")"})
_THEN = frozenset({"then"})
_IF_BODY_END = frozenset({"elif", "else", "fi"})
_FI = frozenset({"fi"})
_DO = frozenset({"do"})
_DONE = frozenset({"done"})
_CASE_ITEM_END = frozenset({";;", ";&", ";;&", "esac"})


_FAST_VAR = r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])"
_FAST_TOKEN = re.compile(
    r"[ \t]+"
    r"|(&&|\|\||\|&|;|\||&(?!>))"  # 1: operators
    r"|([0-9]*(?:>>|>&|<&|>\||<>|>|<)|&>>|&>)"  # 2: redirections
    r"|((?:[^\s'\"\\$`;&|()<>]|'[^']*'|\"[^\"\\`$]*(?:" + _FAST_VAR + r"[^\"\\`$]*)*\"|" + _FAST_VAR + r")+)"  # 3
    r"|(.)",  # 4: anything else: not for the fast path
    re.S,
)
_FAST_QUOTES = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_FAST_LIMIT = 20_000
_FAST_FIRST_WORDS = _RESERVED | {"]]", "[["}


def _unquote_fast(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _fast(text: str) -> _Shared | None:
    """The common case without the parser: words with plain quoting and ``$NAME`` / ``${NAME}``, plain
    redirections and ``&& || ; | & |&``; no command substitution, grouping, comments, newlines, here-documents
    or reserved words. None when the text is not that simple (the parser then splits it)."""
    if len(text) > _FAST_LIMIT or "<<" in text:
        return None
    shared = _Shared()
    commands = shared.commands
    pipeline = 0
    stages: list[_Pending] = []
    argv: list[str] = []
    assignments: list[tuple[str, str]] = []
    offset = -1
    redirect = False
    last_op = ""
    assign = _ASSIGN.match
    for m in _FAST_TOKEN.finditer(text):
        kind = m.lastindex
        if kind is None:
            continue  # blanks
        if kind == 3:
            tok = m.group(3)
            if tok[0] == "#":
                return None  # a comment
            if redirect:
                redirect = False
                continue
            if offset < 0:
                offset = m.start()
            if not argv:
                am = assign(tok)
                if am is not None:
                    prefix = am.group()
                    value = tok[len(prefix):]
                    if "'" in value or '"' in value:
                        value = _FAST_QUOTES.sub(_unquote_fast, value)
                    assignments.append((prefix.rstrip("+="), value))
                    continue
                if tok in _FAST_FIRST_WORDS:
                    return None
            if "'" in tok or '"' in tok:
                tok = _FAST_QUOTES.sub(_unquote_fast, tok)
            argv.append(tok)
            continue
        if redirect or kind == 4:
            return None
        if kind == 2:
            redirect = True
            continue
        if not argv and not assignments:
            return None  # an operator without a command before it: the parser reports it
        tok = m.group(1)
        last_op = tok
        stages.append((offset, tuple(argv), tuple(assignments), False, ()))
        argv = []
        assignments = []
        offset = -1
        if tok in {"|", "|&"}:
            continue
        length = len(stages)
        for stage, (off, av, asg, _sub, _hd) in enumerate(stages):
            commands.append((off, av, asg, pipeline, stage, length, False, ()))
        stages = []
        pipeline += 1
    if redirect:
        return None
    if argv or assignments:
        stages.append((offset, tuple(argv), tuple(assignments), False, ()))
    elif stages or last_op in ("&&", "||"):
        return None  # a trailing pipe or && / ||: the parser reports it
    length = len(stages)
    for stage, (off, av, asg, _sub, _hd) in enumerate(stages):
        commands.append((off, av, asg, pipeline, stage, length, False, ()))
    return shared


def _run(text: str) -> _Shared:
    fast = _fast(text)
    if fast is not None:
        return fast
    shared = _Shared()
    splitter = _Splitter(text, shared)
    try:
        splitter.parse_list(frozenset())
    except _Stop:
        pass
    except RecursionError:  # a last resort: MAX_DEPTH keeps well below the interpreter's limit
        shared.report("nesting too deep; the rest is not split", splitter.pos)
    return shared


def _line_mapper(text: str, line: int, line_offsets: Sequence[int] | None, last: int) -> Callable[[int], int]:
    """Offset -> line, from the caller's line offsets or the newlines before ``last``."""
    if line_offsets:
        offsets = line_offsets

        def by_offsets(offset: int) -> int:
            return line + max(bisect_right(offsets, offset) - 1, 0)

        return by_offsets
    newlines = [m.start() for m in _NEWLINE.finditer(text, 0, last)] if "\n" in text else []

    def by_newlines(offset: int) -> int:
        return line + bisect_right(newlines, offset - 1)

    return by_newlines


def split_shell(
    text: str, *, line: int = 1, line_offsets: Sequence[int] | None = None
) -> tuple[list[ShellCommand], str | None]:
    """The simple commands of the shell script ``text`` and the first problem found (None if none).

    ``line`` is the line number of the text's first line. With ``line_offsets`` (the start offset of each
    physical line in ``text``, as in ``Instruction.line_offsets``) a command's line is the physical line
    its first word is on; without, lines are counted by the newlines in ``text``.
    Never raises: on malformed input the commands that could be split are returned with the problem.
    """
    shared = _run(text)
    records = sorted(shared.commands, key=lambda r: r[0])
    last = max(records[-1][0] if records else 0, shared.problem_at) + 1
    line_of = _line_mapper(text, line, line_offsets, last)
    numbers: dict[int, int] = {}
    commands: list[ShellCommand] = []
    for offset, argv, assignments, pipeline, stage, length, subshell, _heredocs in records:
        number = numbers.setdefault(pipeline, len(numbers))
        commands.append(ShellCommand(
            argv=argv,
            line=line_of(offset),
            assignments=assignments,
            pipeline=number,
            stage_in_pipeline=stage,
            pipeline_length=length,
            subshell=subshell,
        ))
    problem = shared.problem
    if problem is not None:
        problem = f"{problem} (line {line_of(shared.problem_at)})"
    return commands, problem


def stdin_heredocs(text: str) -> dict[str, tuple[str, ...]]:
    """For each here-document opened in ``text`` on a command's standard input (``prog <<EOF``), the
    ``argv`` of that command, keyed by the delimiter (after quote removal)."""
    readers: dict[str, tuple[str, ...]] = {}
    for record in _run(text).commands:
        for delimiter in record[7]:
            readers.setdefault(delimiter, record[1])
    return readers
