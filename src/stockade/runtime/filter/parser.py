"""The condition parser: libsinsp's filter grammar and lexical rules, written from its documentation.

Grammar (EBNF, as libsinsp documents it)::

    Expr        ::= OrExpr
    OrExpr      ::= AndExpr ('or' (' ' AndExpr | '(' Expr ')'))*
    AndExpr     ::= NotExpr ('and' (' ' NotExpr | '(' Expr ')'))*
    NotExpr     ::= ('not ')* ('not(' Expr ')' | Check)
    Check       ::= Field Condition | Transformer Condition | Identifier | '(' Expr ')'
    Condition   ::= 'exists' | NumOp (Number | Transformer) | StrOp (String | Transformer)
                  | ListOp ('(' (String (',' String)*)? ')' | Identifier | Transformer)

The and/or/not/paren structure is parsed with an explicit stack (no Python recursion), so a hostile
condition nested thousands deep ends in a "exceeded max depth limit" error, never a RecursionError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stockade.runtime.filter.ast import (
    And,
    Check,
    FieldRef,
    Identifier,
    ListValue,
    Node,
    Not,
    Operand,
    Or,
    Pos,
    Transformer,
    Value,
)
from stockade.runtime.filter.errors import FilterSyntaxError

# Falco parses rule conditions with a recursion budget of 1000 units, roughly 200 levels of parentheses.
MAX_DEPTH = 200
MAX_TRANSFORMER_DEPTH = 16
MAX_CONDITION_LENGTH = 1 << 20  # 1 MiB of condition text

UNARY_OPS = ("exists",)
NUM_OPS = ("<=", "<", ">=", ">")
# a trailing blank means the operator must be followed by a blank character
STR_OPS = (
    "==",
    "=",
    "!=",
    "glob ",
    "iglob ",
    "contains ",
    "icontains ",
    "bcontains ",
    "startswith ",
    "bstartswith ",
    "endswith ",
    "regex ",
)
LIST_OPS = ("intersects", "in", "pmatch")
TRANSFORMERS = ("tolower", "toupper", "b64", "basename", "len")
ALL_OPS = tuple(op.strip() for op in (*UNARY_OPS, *NUM_OPS, *STR_OPS, *LIST_OPS))

_BLANKS = " \t\b\r\n"
_RX_NOT_BLANK = re.compile(r"not[ \t\n\r\f\v\b]+")
_RX_IDENT = re.compile(r"[a-zA-Z]+[a-zA-Z0-9_]*")
_RX_FIELD = re.compile(r"[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+")
_RX_FIELD_ARG_BARE = re.compile(r"[^\]\[\"'\s]+")
_RX_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_RX_NUM = re.compile(r"[+\-]?[0-9]+\.?[0-9]*(?:[eE][+\-][0-9]+)?")
_RX_BARE = re.compile(r"[^()\"'\s=,]+")


def _quoted_list(items: tuple[str, ...]) -> str:
    return ", ".join(f"'{i}'" for i in items)


def unescape(raw: str, pos: Pos) -> str:
    """The value of a quoted token ``raw`` (delimiters included), with libsinsp's escape sequences."""
    delim = raw[0]
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= n:
            break
        e = body[i]
        simple = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", " ": "\\", "\\": "\\", "/": "/"}
        if e in simple:
            out.append(simple[e])
        elif e == '"':
            if delim != '"':
                raise FilterSyntaxError("invalid \\\" escape in '-quoted string", pos)
            out.append('"')
        elif e == "'":
            if delim != "'":
                raise FilterSyntaxError("invalid \\' escape in \"-quoted string", pos)
            out.append("'")
        elif e == "x" and i + 2 < n + 1 and re.fullmatch(r"[0-9a-fA-F]{2}", body[i + 1 : i + 3]):
            # \xHH: one byte; kept as the code point U+00HH (bytes are latin-1 mapped, see docs)
            out.append(chr(int(body[i + 1 : i + 3], 16)))
            i += 2
        else:
            raise FilterSyntaxError(f"unsupported string escape sequence: \\{e}", pos)
        i += 1
    return "".join(out)


@dataclass
class _Frame:
    """One open parenthesis (or the top level) of the and/or/not structure."""

    open_pos: Pos | None
    ors: list[Node] = field(default_factory=list)
    ands: list[Node] = field(default_factory=list)
    or_pos: Pos | None = None
    and_pos: Pos | None = None
    # negation pending for the operand being parsed in this frame: (flag, position of the first `not`)
    negate: bool = False
    negate_pos: Pos | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.line = 1
        self.col = 1
        self.last = ""

    # -- lexing helpers ------------------------------------------------------------------------------------

    def pos(self) -> Pos:
        return Pos(self.i, self.line, self.col)

    def _advance(self, count: int) -> None:
        s = self.s
        for k in range(self.i, self.i + count):
            c = s[k]
            self.col += 1
            if c in "\r\n":
                self.col = 1
                self.line += 1
        self.i += count

    def err(self, msg: str) -> FilterSyntaxError:
        return FilterSyntaxError(msg, self.pos())

    def blank(self) -> bool:
        start = self.i
        while self.i < self.n and self.s[self.i] in _BLANKS:
            self._advance(1)
        return self.i > start

    def lit(self, text: str) -> bool:
        if self.s.startswith(text, self.i):
            self.last = text
            self._advance(len(text))
            return True
        return False

    def rx(self, rx: re.Pattern[str]) -> bool:
        m = rx.match(self.s, self.i)
        if m is None or m.end() == self.i:
            return False
        self.last = m.group(0)
        self._advance(m.end() - self.i)
        return True

    def op_from(self, ops: tuple[str, ...]) -> bool:
        for op in ops:
            if not op.endswith(" "):
                if self.lit(op):
                    return True
                continue
            if self.lit(op.rstrip()):
                return self.blank()
        return False

    def quoted(self) -> bool:
        if self.i >= self.n or self.s[self.i] not in "'\"":
            return False
        start = self.pos()
        delim = self.s[self.i]
        prev = "\\"
        j = self.i
        while j < self.n:
            c = self.s[j]
            if c == delim and prev != "\\":
                raw = self.s[self.i : j + 1]
                self._advance(j + 1 - self.i)
                self.last = unescape(raw, start)
                return True
            prev = c
            j += 1
        return False

    # -- grammar -------------------------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.n == 0:
            raise FilterSyntaxError("filter input string is empty", Pos())
        if self.n > MAX_CONDITION_LENGTH:
            raise FilterSyntaxError(f"filter input string is too long ({self.n} characters)", Pos())
        frames: list[_Frame] = [_Frame(open_pos=None)]
        depth_units = 0
        while True:
            frame = frames[-1]
            # ---- an operand: ('not ')* ('not(' | '(' | check)
            self.blank()
            while True:
                not_pos = self.pos()
                if not self.rx(_RX_NOT_BLANK):
                    break
                if frame.negate_pos is None:
                    frame.negate_pos = not_pos
                frame.negate = not frame.negate
            operand_pos = self.pos()
            opened = False
            if self.lit("not("):
                frame.negate = not frame.negate
                frame.negate_pos = frame.negate_pos or operand_pos
                opened = True
            elif self.lit("("):
                opened = True
            if opened:
                depth_units += 1
                if depth_units >= MAX_DEPTH or len(frames) >= MAX_DEPTH:
                    raise self.err(f"exceeded max depth limit of {MAX_DEPTH}")
                frames.append(_Frame(open_pos=operand_pos))
                continue
            node: Node = self.check()
            # ---- after an operand: close parentheses, then `and` / `or` / end
            while True:
                frame = frames[-1]
                if frame.negate:
                    node = Not(node, frame.negate_pos or node.pos)
                frame.negate = False
                frame.negate_pos = None
                self.blank()
                if self.lit("and"):
                    if frame.and_pos is None:
                        frame.and_pos = node.pos
                    frame.ands.append(node)
                    if not self.blank():
                        if self.lit("("):
                            depth_units += 1
                            if len(frames) >= MAX_DEPTH:
                                raise self.err(f"exceeded max depth limit of {MAX_DEPTH}")
                            frames.append(_Frame(open_pos=self.pos()))
                        else:
                            raise self.err("expected blank or '(' after 'and'")
                    break
                if self.lit("or"):
                    frame.ands.append(node)
                    frame.ors.append(self._fold_and(frame))
                    if frame.or_pos is None:
                        frame.or_pos = frame.ors[0].pos
                    if not self.blank():
                        if self.lit("("):
                            depth_units += 1
                            if len(frames) >= MAX_DEPTH:
                                raise self.err(f"exceeded max depth limit of {MAX_DEPTH}")
                            frames.append(_Frame(open_pos=self.pos()))
                        else:
                            raise self.err("expected blank or '(' after 'or'")
                    break
                frame.ands.append(node)
                frame.ors.append(self._fold_and(frame))
                node = self._fold_or(frame)
                if frame.open_pos is None:
                    if self.i != self.n:
                        raise self.err(f"unexpected token after '{self.last}', expecting 'or', 'and'")
                    return node
                if not self.lit(")"):
                    raise self.err("expected a ')' token")
                frames.pop()
                depth_units -= 1

    @staticmethod
    def _fold_and(frame: _Frame) -> Node:
        ands = frame.ands
        frame.ands = []
        pos = frame.and_pos
        frame.and_pos = None
        if len(ands) == 1:
            return ands[0]
        return And(tuple(ands), pos or ands[0].pos)

    @staticmethod
    def _fold_or(frame: _Frame) -> Node:
        ors = frame.ors
        if len(ors) == 1:
            return ors[0]
        return Or(tuple(ors), frame.or_pos or ors[0].pos)

    def check(self) -> Node:
        pos = self.pos()
        left: Operand
        if self.rx(_RX_FIELD):
            left = self.field_remainder(self.last, pos)
        elif self.transformer_start():
            left = self.transformer_remainder(self.last, pos, 0)
        elif self.rx(_RX_IDENT):
            return Identifier(self.last, pos)
        else:
            raise self.err("expected a '(' token, a field check, or an identifier")
        return self.condition(left, pos)

    def transformer_start(self) -> bool:
        for name in TRANSFORMERS:
            if self.lit(name + "("):
                self.last = name
                return True
        return False

    def field_remainder(self, name: str, pos: Pos) -> FieldRef:
        arg: str | None = None
        if self.lit("["):
            if not self.quoted() and not self.rx(_RX_FIELD_ARG_BARE):
                raise self.err("expected a valid field argument: a quoted string or a bare string")
            arg = self.last
            if not self.lit("]"):
                raise self.err("expected a ']' token")
        return FieldRef(name, arg, pos)

    def transformer_remainder(self, name: str, pos: Pos, depth: int) -> Transformer:
        if depth >= MAX_TRANSFORMER_DEPTH:
            raise self.err(f"exceeded max depth limit of {MAX_TRANSFORMER_DEPTH} for nested transformers")
        self.blank()
        arg_pos = self.pos()
        arg: FieldRef | Transformer
        if self.rx(_RX_FIELD):
            arg = self.field_remainder(self.last, arg_pos)
        elif self.transformer_start():
            arg = self.transformer_remainder(self.last, arg_pos, depth + 1)
        else:
            names = _quoted_list(("val", *TRANSFORMERS))
            raise self.err(f"expected a field or a nested valid transformer: {names}")
        self.blank()
        if not self.lit(")"):
            raise self.err("expected a ')' token closing the transformer")
        return Transformer(name, arg, pos)

    def value_transformer(self) -> Transformer | None:
        pos = self.pos()
        if self.lit("val("):
            self.blank()
            fpos = self.pos()
            if not self.rx(_RX_FIELD):
                raise self.err("expected a field within 'val' transformer")
            fld = self.field_remainder(self.last, fpos)
            self.blank()
            if not self.lit(")"):
                raise self.err("expected a ')' token closing the transformer")
            return Transformer("val", fld, pos)
        if self.transformer_start():
            return self.transformer_remainder(self.last, pos, 0)
        return None

    def condition(self, left: Operand, pos: Pos) -> Check:
        self.blank()
        if self.op_from(UNARY_OPS):
            return Check(left, self.last.strip(), None, pos)
        right: Value | ListValue | Transformer
        if self.op_from(NUM_OPS):
            op = self.last
            self.blank()
            vpos = self.pos()
            tr = self.value_transformer()
            if tr is not None:
                right = tr
            elif self.rx(_RX_HEX) or self.rx(_RX_NUM):
                right = Value(self.last, False, vpos)
            else:
                names = _quoted_list(("val", *TRANSFORMERS))
                raise self.err(f"expected a number value or a field with a valid transformer: {names}")
        elif self.op_from(STR_OPS):
            op = self.last.strip()
            self.blank()
            vpos = self.pos()
            tr = self.value_transformer()
            if tr is not None:
                right = tr
            elif self.quoted():
                right = Value(self.last, True, vpos)
            elif self.rx(_RX_BARE):
                right = Value(self.last, False, vpos)
            else:
                names = _quoted_list(("val", *TRANSFORMERS))
                raise self.err(f"expected a string value or a field with a valid transformer: {names}")
        elif self.op_from(LIST_OPS):
            op = self.last
            right = self.list_value()
        else:
            raise self.err(f"expected a valid check operator: one of {_quoted_list(ALL_OPS)}")
        return Check(left, op, right, pos)

    def str_value(self) -> Value | None:
        self.blank()
        vpos = self.pos()
        if self.quoted():
            return Value(self.last, True, vpos)
        if self.rx(_RX_BARE):
            return Value(self.last, False, vpos)
        return None

    def list_value(self) -> ListValue | Transformer:
        self.blank()
        pos = self.pos()
        if self.lit("("):
            values: list[Value] = []
            self.blank()
            first = self.str_value()
            if first is not None:
                values.append(first)
                self.blank()
                while self.lit(","):
                    item = self.str_value()
                    if item is None:
                        raise self.err("expected a string value")
                    values.append(item)
                    self.blank()
            if not self.lit(")"):
                raise self.err("expected a ')' token")
            return ListValue(tuple(values), None, pos)
        tr = self.value_transformer()
        if tr is not None:
            return tr
        if self.rx(_RX_IDENT):
            return ListValue((), self.last, pos)
        names = _quoted_list(("val", *TRANSFORMERS))
        raise self.err(f"expected a list, an identifier, or a field with a valid transformer: {names}")


def parse(condition: str) -> Node:
    """Parse a condition into its syntax tree; raises FilterSyntaxError naming line and column."""
    return _Parser(condition).parse()
