"""The syntax tree of a filter condition, as libsinsp's parser shapes it.

Nodes are frozen dataclasses. Every node carries the position where it starts in the condition text
(``line``/``col`` 1-based, ``idx`` 0-based), so compile errors can point at the offending check.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Pos:
    idx: int = 0
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"line {self.line} col {self.col}"


_NOPOS = Pos()


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]
    pos: Pos = field(default=_NOPOS, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]
    pos: Pos = field(default=_NOPOS, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    pos: Pos = field(default=_NOPOS, compare=False)


@dataclass(frozen=True, slots=True)
class Identifier:
    """A bare identifier in check position: a macro reference."""

    name: str
    pos: Pos = field(default=_NOPOS, compare=False)


@dataclass(frozen=True, slots=True)
class FieldRef:
    """``proc.name``, ``proc.aname[2]``, ``evt.arg.fd`` (the argument is resolved against the table later)."""

    name: str
    arg: str | None = None
    pos: Pos = field(default=_NOPOS, compare=False)

    def text(self) -> str:
        return self.name if self.arg is None else f"{self.name}[{self.arg}]"


@dataclass(frozen=True, slots=True)
class Transformer:
    """``tolower(x)``, ``toupper(x)``, ``b64(x)``, ``basename(x)``, ``len(x)``, and ``val(field)`` on the right."""

    name: str
    arg: FieldRef | Transformer
    pos: Pos = field(default=_NOPOS, compare=False)

    def text(self) -> str:
        return f"{self.name}({self.arg.text()})"


@dataclass(frozen=True, slots=True)
class Value:
    """A scalar value: the unescaped text of a quoted string, a bare string or a number."""

    text: str
    quoted: bool = field(default=False, compare=False)
    pos: Pos = field(default=_NOPOS, compare=False)


@dataclass(frozen=True, slots=True)
class ListValue:
    """``(a, b, "c d")``; ``ref`` is set for the bare-identifier form ``x in some_list``."""

    values: tuple[Value, ...]
    ref: str | None = None
    pos: Pos = field(default=_NOPOS, compare=False)


Operand = FieldRef | Transformer


@dataclass(frozen=True, slots=True)
class Check:
    """``left op right``; ``right`` is None for the unary ``exists``."""

    left: Operand
    op: str
    right: Value | ListValue | Transformer | None
    pos: Pos = field(default=_NOPOS, compare=False)


Node = And | Or | Not | Identifier | Check


# -- printing ---------------------------------------------------------------------------------------------------

_BARE_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-:+*[]<>!?@%~^&|$#;{}")


def quote_value(text: str) -> str:
    """Render a value so that the parser reads it back unchanged (bare when possible)."""
    if text and all(c in _BARE_OK for c in text):
        return text
    out = ['"']
    for c in text:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif ord(c) < 0x20 or (0x7F <= ord(c) <= 0xFF and not c.isprintable()):
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _operand_text(node: Operand) -> str:
    return node.text()


def to_condition(node: Node) -> str:
    """The canonical condition text of a tree (fully parenthesised, values quoted when needed)."""
    if isinstance(node, And):
        return "(" + " and ".join(to_condition(c) for c in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " or ".join(to_condition(c) for c in node.children) + ")"
    if isinstance(node, Not):
        return "not " + to_condition(node.child)
    if isinstance(node, Identifier):
        return node.name
    left = _operand_text(node.left)
    if node.right is None:
        return f"{left} {node.op}"
    right = node.right
    if isinstance(right, Value):
        rtext = quote_value(right.text)
    elif isinstance(right, ListValue):
        rtext = right.ref if right.ref is not None else "(" + ", ".join(quote_value(v.text) for v in right.values) + ")"
    else:
        rtext = right.text()
    return f"{left} {node.op} {rtext}"


def format_tree(node: Node) -> str:
    """An indented, one-node-per-line rendering of a tree (what `stockade runtime parse` prints)."""
    lines: list[str] = []
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        cur, depth = stack.pop()
        pad = "  " * depth
        if isinstance(cur, And | Or):
            lines.append(f"{pad}{'and' if isinstance(cur, And) else 'or'}")
            stack.extend((c, depth + 1) for c in reversed(cur.children))
        elif isinstance(cur, Not):
            lines.append(f"{pad}not")
            stack.append((cur.child, depth + 1))
        elif isinstance(cur, Identifier):
            lines.append(f"{pad}macro {cur.name}")
        else:
            lines.append(f"{pad}check {to_condition(cur)}")
    return "\n".join(lines)


def walk(node: Node) -> list[Node]:
    """Every node of a tree, parents before children (iterative: safe on deep trees)."""
    out: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        if isinstance(cur, And | Or):
            stack.extend(reversed(cur.children))
        elif isinstance(cur, Not):
            stack.append(cur.child)
    return out
