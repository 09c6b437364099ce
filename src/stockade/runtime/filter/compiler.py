"""Compile a condition tree into fast Python, once.

Steps: macros and list references are resolved (``resolve``); every check is typed against the source's field
table (``_Gen.check``): unknown fields, operators a field type does not support and right-hand values that do not
parse are compile errors with libsinsp's wording; then Python source is generated for the whole condition and
compiled with ``compile()``. Field values are read lazily into function locals, so a field read by several
checks of one condition (or, in the engine, of several rules for one event) is extracted once per event.

Semantics (libsinsp's):

* a field that cannot be extracted (the extractor returns None) makes every comparison on it false, ``!=``
  included; ``not`` is a separate node, so ``not x in (...)`` is true for a missing ``x``;
* list fields (``FieldDef.is_list``) support ``exists``, ``in`` (every extracted value is in the set; an empty
  list is "in" any set) and ``intersects`` (at least one value is in the set);
* a non-list field whose argument is optional and omitted (``proc.aname``) may extract a tuple: the check is
  true when ANY element satisfies it (libsinsp's ancestor semantics);
* numeric, boolean, IP and byte-buffer fields parse their right-hand values at compile time.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import functools
import ipaddress
import itertools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stockade.runtime.fields.api import ArgKind, Event, Extractor, FieldDef, FieldError, FieldTable, FieldType
from stockade.runtime.filter.ast import (
    And,
    Check,
    FieldRef,
    Identifier,
    ListValue,
    Node,
    Not,
    Or,
    Pos,
    Transformer,
    Value,
)
from stockade.runtime.filter.errors import FilterCompileError

# Generated Python may not nest parentheses more than ~200 deep; conditions after macro expansion stay below this.
MAX_RESOLVED_DEPTH = 150
EVENT_TYPE_FIELD = "evt.type"

_UNSET = object()
_IPValue = ipaddress.IPv4Address | ipaddress.IPv6Address | ipaddress.IPv4Network | ipaddress.IPv6Network


# ---------------------------------------------------------------------------------------------------------------
# macro and list resolution


def _expand_list_items(
    values: Iterable[Value], lists: Mapping[str, Sequence[str]], seen: frozenset[str] = frozenset()
) -> list[Value]:
    out: list[Value] = []
    for v in values:
        if not v.quoted and v.text in lists and v.text not in seen:
            items = [Value(i, False, v.pos) for i in lists[v.text]]
            out.extend(_expand_list_items(items, lists, seen | {v.text}))
        else:
            out.append(v)
    return out


def resolve(
    node: Node,
    macros: Mapping[str, Node | str] | None = None,
    lists: Mapping[str, Sequence[str]] | None = None,
    *,
    used_macros: set[str] | None = None,
) -> Node:
    """Replace macro references by their (resolved) conditions and list names in list values by their items.

    Raises FilterCompileError("Undefined macro 'x' used in filter.") for an unknown macro, and for a macro that
    refers to itself, directly or not.
    """
    macros = macros or {}
    lists = lists or {}
    cache: dict[str, Node] = {}

    def visit(n: Node, stack: tuple[str, ...], depth: int) -> Node:
        if depth > MAX_RESOLVED_DEPTH:
            raise FilterCompileError(
                f"condition is nested too deeply after macro expansion (more than {MAX_RESOLVED_DEPTH} levels)", n.pos
            )
        if isinstance(n, And):
            return And(tuple(visit(c, stack, depth + 1) for c in n.children), n.pos)
        if isinstance(n, Or):
            return Or(tuple(visit(c, stack, depth + 1) for c in n.children), n.pos)
        if isinstance(n, Not):
            return Not(visit(n.child, stack, depth + 1), n.pos)
        if isinstance(n, Identifier):
            if n.name not in macros:
                raise FilterCompileError(f"Undefined macro '{n.name}' used in filter.", n.pos)
            if n.name in stack:
                chain = " -> ".join((*stack[stack.index(n.name) :], n.name))
                raise FilterCompileError(f"Macro '{n.name}' refers to itself ({chain})", n.pos)
            if used_macros is not None:
                used_macros.add(n.name)
            if n.name in cache:
                return cache[n.name]
            body = macros[n.name]
            if isinstance(body, str):
                from stockade.runtime.filter.parser import parse

                body = parse(body)
            res = visit(body, (*stack, n.name), depth + 1)
            cache[n.name] = res
            return res
        right = n.right
        if isinstance(right, ListValue):
            if right.ref is not None:
                if right.ref not in lists:
                    raise FilterCompileError(f"Undefined list '{right.ref}' used in filter.", right.pos)
                vals = [Value(i, False, right.pos) for i in lists[right.ref]]
                right = ListValue(tuple(_expand_list_items(vals, lists, frozenset({right.ref}))), None, right.pos)
            elif any(not v.quoted and v.text in lists for v in right.values):
                right = ListValue(tuple(_expand_list_items(right.values, lists)), None, right.pos)
            return Check(n.left, n.op, right, n.pos)
        return n

    return visit(node, (), 0)


# ---------------------------------------------------------------------------------------------------------------
# typing


@dataclass(frozen=True, slots=True)
class _Operand:
    """A resolved left- or right-hand field operand."""

    key: tuple[str, str | None]  # (field name, argument) after dotted-argument resolution
    text: str  # as written
    fdef: FieldDef
    extractor: Extractor
    transformers: tuple[str, ...]  # innermost first
    type: FieldType  # after transformers
    is_list: bool  # after transformers
    multi: bool  # may extract a tuple meaning "any of" (ancestor semantics)
    base_is_list: bool  # before transformers


_TYPE_NAMES = {
    FieldType.STRING: "string",
    FieldType.NUMBER: "number",
    FieldType.BOOL: "bool",
    FieldType.IPADDR: "ipaddr",
    FieldType.IPNET: "ipnet",
    FieldType.BYTES: "bytebuf",
}

_OPS_BY_TYPE: dict[FieldType, frozenset[str]] = {
    FieldType.STRING: frozenset(
        {"=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "startswith", "endswith", "glob", "iglob",
         "regex", "in", "intersects", "pmatch", "exists"}
    ),
    FieldType.NUMBER: frozenset({"=", "==", "!=", "<", "<=", ">", ">=", "in", "intersects", "exists"}),
    FieldType.BOOL: frozenset({"=", "==", "!=", "in", "intersects", "exists"}),
    FieldType.IPADDR: frozenset({"=", "==", "!=", "in", "intersects", "exists"}),
    FieldType.IPNET: frozenset({"=", "==", "!=", "in", "intersects", "exists"}),
    FieldType.BYTES: frozenset(
        {"=", "==", "!=", "contains", "bcontains", "startswith", "bstartswith", "endswith", "in", "intersects",
         "exists"}
    ),
}
_TYPE_KIND = {
    FieldType.NUMBER: "numeric",
    FieldType.BOOL: "boolean",
    FieldType.IPADDR: "ip address",
    FieldType.IPNET: "ip network",
    FieldType.BYTES: "buffer",
    FieldType.STRING: "string",
}


def lookup_field(table: FieldTable, name: str, arg: str | None) -> tuple[str, str | None, FieldDef] | None:
    """Find a field, also in the dotted-argument form ``evt.arg.fd`` == ``evt.arg[fd]``."""
    fdef = table.lookup(name)
    if fdef is not None:
        return name, arg, fdef
    if arg is not None:
        return None
    parts = name.split(".")
    for k in range(len(parts) - 1, 1, -1):
        base = ".".join(parts[:k])
        bdef = table.lookup(base)
        if bdef is not None and bdef.arg in (ArgKind.KEY, ArgKind.OPTIONAL_KEY):
            return base, ".".join(parts[k:]), bdef
    return None


def parse_number(text: str) -> int | float:
    t = text.strip()
    try:
        if re.fullmatch(r"[+\-]?0[xX][0-9a-fA-F]+", t):
            return int(t, 16)
        if re.fullmatch(r"[+\-]?[0-9]+", t):
            return int(t)
        if re.fullmatch(r"[+\-]?[0-9]+\.?[0-9]*(?:[eE][+\-]?[0-9]+)?", t):
            return float(t)
    except ValueError:
        pass
    raise ValueError(f"'{text}' is not a valid number")


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("true", "1"):
        return True
    if t in ("false", "0"):
        return False
    raise ValueError(f"'{text}' is not a valid boolean")


def parse_ip(text: str, network: bool) -> _IPValue:
    try:
        if "/" in text or network:
            return ipaddress.ip_network(text.strip(), strict=False)
        return ipaddress.ip_address(text.strip())
    except ValueError:
        kind = "network" if "/" in text or network else "address"
        raise ValueError(f"'{text}' is not a valid IP {kind}") from None


@functools.lru_cache(maxsize=8192)
def _parse_ip_text(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("/", 1)[0])
    except ValueError:
        return None


def _to_ip(v: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if isinstance(v, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return v
    if isinstance(v, str):
        return _parse_ip_text(v) if len(v) <= 64 else None
    if isinstance(v, int) and v >= 0:
        try:
            return ipaddress.ip_address(v)
        except ValueError:
            return None
    return None


# -- transformers (runtime) -------------------------------------------------------------------------------------


def _tr_lower(v: Any) -> Any:
    return v.lower() if type(v) is str else None


def _tr_upper(v: Any) -> Any:
    return v.upper() if type(v) is str else None


def _tr_b64(v: Any) -> Any:
    raw = v.encode("utf-8", "surrogateescape") if type(v) is str else v
    if not isinstance(raw, bytes):
        return None
    try:
        out = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    return out.decode("utf-8", "surrogateescape") if type(v) is str else out


def _tr_basename(v: Any) -> Any:
    if type(v) is not str:
        return None
    return posixpath.basename(v)


def _tr_len(v: Any) -> Any:
    return len(v) if isinstance(v, str | bytes | tuple) else None


_TRANSFORMER_FUNCS: dict[str, Callable[[Any], Any]] = {
    "tolower": _tr_lower,
    "toupper": _tr_upper,
    "b64": _tr_b64,
    "basename": _tr_basename,
    "len": _tr_len,
}


def _make_transform(name: str, is_list: bool, multi: bool) -> Callable[[Any], Any]:
    fn = _TRANSFORMER_FUNCS[name]
    if name == "len" and is_list:

        def apply_len(v: Any) -> Any:
            return len(v) if type(v) is tuple else None

        return apply_len
    if is_list or multi:

        def apply_each(v: Any) -> Any:
            if v is None:
                return None
            if type(v) is tuple:
                out = tuple(fn(x) for x in v)
                return out if all(x is not None for x in out) else None
            return fn(v)

        return apply_each

    def apply_one(v: Any) -> Any:
        return None if v is None else fn(v)

    return apply_one


# -- matchers for the less common operators ---------------------------------------------------------------------


def _glob_matcher(pattern: str, icase: bool) -> Callable[[str], bool]:
    rx = re.compile(fnmatch.translate(pattern), re.DOTALL | (re.IGNORECASE if icase else 0))
    match = rx.match

    def glob(v: str) -> bool:
        return match(v) is not None

    return glob


def _regex_matcher(pattern: str, pos: Pos) -> Callable[[str], bool]:
    try:
        import re2

        options = re2.Options()
        options.posix_syntax = True
        options.log_errors = False
        rx2 = re2.compile(pattern, options)

        def match2(v: str) -> bool:
            return rx2.fullmatch(v) is not None

        return match2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        pass
    except Exception as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise FilterCompileError(f"invalid regular expression '{pattern}': {detail}", pos) from None
    try:  # pragma: no cover - fallback when re2 is missing
        rx = re.compile(pattern)
    except re.error as exc:  # pragma: no cover
        raise FilterCompileError(f"invalid regular expression '{pattern}': {exc}", pos) from None

    def match(v: str) -> bool:  # pragma: no cover
        return rx.fullmatch(v) is not None

    return match  # pragma: no cover


def _pmatch_matcher(paths: Sequence[str]) -> Callable[[str], bool]:
    literal: set[tuple[str, ...]] = set()
    globbed: list[tuple[Callable[[str], bool] | str, ...]] = []
    for p in paths:
        comps = tuple(c for c in p.split("/") if c)
        if any(ch in p for ch in "*?["):
            globbed.append(tuple(_glob_component(c) if any(ch in c for ch in "*?[") else c for c in comps))
        else:
            literal.add(comps)
    max_len = max((len(c) for c in literal), default=0)
    match_all = () in literal

    def pmatch(v: str) -> bool:
        if match_all:
            return True
        comps = [c for c in v.split("/") if c]
        if literal:
            for k in range(1, min(len(comps), max_len) + 1):
                if tuple(comps[:k]) in literal:
                    return True
        for pat in globbed:
            if len(comps) < len(pat):
                continue
            ok = True
            for c, pc in zip(comps, pat, strict=False):
                if (pc(c) if callable(pc) else pc == c) is False:
                    ok = False
                    break
            if ok:
                return True
        return False

    return pmatch


def _glob_component(pattern: str) -> Callable[[str], bool]:
    rx = re.compile(fnmatch.translate(pattern).replace(".*", "[^/]*"), re.DOTALL)

    def m(v: str) -> bool:
        return rx.match(v) is not None

    return m


# ---------------------------------------------------------------------------------------------------------------
# code generation


class _FieldSlots:
    """Extractors shared by all the conditions compiled together (one per distinct field and argument)."""

    def __init__(self, table: FieldTable) -> None:
        self.table = table
        self.slots: dict[tuple[str, str | None], int] = {}
        self.extractors: list[Extractor] = []

    def slot(self, key: tuple[str, str | None], make: Callable[[], Extractor]) -> int:
        idx = self.slots.get(key)
        if idx is None:
            idx = len(self.extractors)
            self.extractors.append(make())
            self.slots[key] = idx
        return idx


class _Gen:
    """Generates one Python expression per condition; constants and helpers go into ``ns``."""

    def __init__(self, slots: _FieldSlots, ns: dict[str, Any], fold_type: str | None = None) -> None:
        self.fields = slots
        self.table = slots.table
        self.ns = ns
        self.fold_type = fold_type
        self.used_slots: set[int] = set()
        self._counter = itertools.count(len(ns))
        self.has_types = bool(self.table.event_types())

    def const(self, value: object) -> str:
        name = f"_k{next(self._counter)}"
        self.ns[name] = value
        return name

    def temp(self) -> str:
        return f"_c{next(self._counter)}"

    # -- operands -------------------------------------------------------------------------------------------

    def operand(self, node: FieldRef | Transformer) -> _Operand:
        transformers: list[str] = []
        cur: FieldRef | Transformer = node
        while isinstance(cur, Transformer):
            if cur.name != "val":
                transformers.append(cur.name)
            cur = cur.arg
        transformers.reverse()
        found = lookup_field(self.table, cur.name, cur.arg)
        if found is None:
            raise FilterCompileError(
                f"filter_check called with nonexistent field {cur.text()}", cur.pos, unknown_field=True
            )
        name, arg, fdef = found
        try:
            extractor = self.table.extractor(name, arg)
        except FieldError as exc:
            raise FilterCompileError(str(exc), cur.pos, unknown_field=True) from None
        ftype = fdef.type
        # an indexed element of a list field is a single value
        is_list = fdef.is_list and not (arg is not None and fdef.arg in (ArgKind.INDEX, ArgKind.OPTIONAL_INDEX))
        base_is_list = is_list
        multi = not is_list and arg is None and fdef.arg in (ArgKind.OPTIONAL_INDEX, ArgKind.OPTIONAL_KEY)
        for tname in transformers:
            ok = {
                "tolower": ftype == FieldType.STRING,
                "toupper": ftype == FieldType.STRING,
                "basename": ftype == FieldType.STRING,
                "b64": ftype in (FieldType.STRING, FieldType.BYTES),
                "len": ftype in (FieldType.STRING, FieldType.BYTES) or is_list,
            }[tname]
            if not ok:
                raise FilterCompileError(
                    f"can't add field transformer: type '{_TYPE_NAMES[ftype]}' is not supported by '{tname}' "
                    f"transformer applied on {'list ' if is_list else ''}field '{cur.text()}'",
                    node.pos,
                )
            if tname == "len":
                ftype = FieldType.NUMBER
                is_list = False
        return _Operand((name, arg), node.text(), fdef, extractor, tuple(transformers), ftype, is_list, multi,
                        base_is_list)

    def value_expr(self, op: _Operand) -> str:
        extractor = op.extractor
        idx = self.fields.slot(op.key, lambda: extractor)
        self.used_slots.add(idx)
        expr = f"(v{idx} if v{idx} is not _U else (v{idx} := _x{idx}(ev)))"
        is_list = op.base_is_list
        for tname in op.transformers:
            fn = self.const(_make_transform(tname, is_list, op.multi))
            expr = f"{fn}({expr})"
            if tname == "len":
                is_list = False
        return expr

    # -- expressions ----------------------------------------------------------------------------------------

    def expr(self, node: Node) -> str | bool:
        if isinstance(node, And | Or):
            is_and = isinstance(node, And)
            parts: list[str] = []
            for child in node.children:
                sub = self.expr(child)
                if isinstance(sub, bool):
                    if sub is not is_and:  # False in an and, True in an or: decides the whole node
                        return sub
                    continue
                parts.append(sub)
            if not parts:
                return is_and
            if len(parts) == 1:
                return parts[0]
            return "(" + (" and " if is_and else " or ").join(parts) + ")"
        if isinstance(node, Not):
            sub = self.expr(node.child)
            if isinstance(sub, bool):
                return not sub
            return f"(not {sub})"
        if isinstance(node, Identifier):  # pragma: no cover - resolve() removes them
            raise FilterCompileError(f"Undefined macro '{node.name}' used in filter.", node.pos)
        return self.check(node)

    def check(self, node: Check) -> str | bool:
        left = self.operand(node.left)
        op = "=" if node.op == "==" else node.op
        if left.is_list:
            if op not in ("exists", "in", "intersects"):
                raise FilterCompileError(
                    f"list filter '{left.text}' only supports operators 'exists', 'in' and 'intersects'", node.pos
                )
        elif op not in _OPS_BY_TYPE[left.type]:
            raise FilterCompileError(f"'{op}' not supported for {_TYPE_KIND[left.type]} filters", node.pos)
        folded = self.fold_event_type(node, left, op)
        if folded is not None:
            return folded
        v = self.value_expr(left)
        if op == "exists":
            return f"({v} is not None)"
        right = node.right
        if isinstance(right, Transformer):
            return self.field_compare(node, left, op, v, right)
        if isinstance(right, ListValue):
            values = [self.convert(left, op, item) for item in right.values]
        else:
            assert right is not None
            values = [self.convert(left, op, right)]
        return self.literal_compare(node, left, op, v, values)

    def fold_event_type(self, node: Check, left: _Operand, op: str) -> bool | None:
        """In a per-event-type batch, ``evt.type`` checks against literals are decided at compile time."""
        if (
            self.fold_type is None
            or not self.has_types
            or left.key != (EVENT_TYPE_FIELD, None)
            or left.transformers
            or left.multi
            or left.is_list
            or op not in ("=", "!=", "in", "intersects")
            or isinstance(node.right, Transformer)
            or node.right is None
        ):
            return None
        right = node.right
        names = {v.text for v in right.values} if isinstance(right, ListValue) else {right.text}
        hit = self.fold_type in names
        return (not hit) if op == "!=" else hit

    def convert(self, left: _Operand, op: str, value: Value) -> Any:
        text = value.text
        t = left.type
        try:
            if t == FieldType.NUMBER:
                return parse_number(text)
            if t == FieldType.BOOL:
                return parse_bool(text)
            if t in (FieldType.IPADDR, FieldType.IPNET):
                return parse_ip(text, network=False)
            if t == FieldType.BYTES:
                if op in ("bcontains", "bstartswith"):
                    try:
                        return bytes.fromhex(text)
                    except ValueError:
                        raise ValueError(f"'{op}' requires a hexadecimal string, got '{text}'") from None
                return text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode("utf-8")
        except ValueError as exc:
            raise FilterCompileError(str(exc), value.pos) from None
        if "\x00" in text:
            raise FilterCompileError("filter values containing NUL are allowed only for byte buffer fields", value.pos)
        if op == "icontains":
            return text.lower()
        return text

    def literal_compare(self, node: Check, left: _Operand, op: str, v: str, values: list[Any]) -> str | bool:
        t = left.type
        if left.is_list:
            s = self.const(frozenset(values))
            tmp = self.temp()
            if op == "in":
                return f"(({tmp} := {v}) is not None and {s}.issuperset({tmp}))"
            return f"(({tmp} := {v}) is not None and not {s}.isdisjoint({tmp}))"
        if t in (FieldType.IPADDR, FieldType.IPNET):
            return self.apply(left, v, _ip_predicate(values, negate=op == "!="), multi_any=True)
        if op in ("in", "intersects"):
            s = self.const(frozenset(values))
            if left.multi:
                tmp = self.temp()
                return f"(not {s}.isdisjoint({tmp}) if type({tmp} := {v}) is tuple else {tmp} in {s})"
            return f"({v} in {s})"
        if op == "pmatch":
            return self.apply(left, v, _typed_str(_pmatch_matcher(values)), multi_any=True)
        k = values[0]
        if op == "=":
            kc = self.const(k)
            if left.multi:
                tmp = self.temp()
                return f"({kc} in {tmp} if type({tmp} := {v}) is tuple else {tmp} == {kc})"
            return f"({v} == {kc})"
        if op == "!=":
            kc = self.const(k)
            tmp = self.temp()
            if left.multi:
                return (
                    f"(any(_e != {kc} for _e in {tmp}) if type({tmp} := {v}) is tuple "
                    f"else {tmp} is not None and {tmp} != {kc})"
                )
            return f"(({tmp} := {v}) is not None and {tmp} != {kc})"
        if op in ("<", "<=", ">", ">="):
            kc = self.const(k)
            pyop = op
            if left.multi or t == FieldType.STRING:
                rt = str if t == FieldType.STRING else (int, float)
                return self.apply(left, v, _ordered_predicate(pyop, k, rt), multi_any=True)
            tmp = self.temp()
            return f"(({tmp} := {v}) is not None and {tmp} {pyop} {kc})"
        if t == FieldType.BYTES:
            return self.apply(left, v, _bytes_predicate(op, k), multi_any=True)
        # string operators
        if op in ("startswith", "endswith") and not left.multi:
            kc = self.const(k)
            tmp = self.temp()
            return f"(type({tmp} := {v}) is str and {tmp}.{op}({kc}))"
        if op == "contains" and not left.multi:
            kc = self.const(k)
            tmp = self.temp()
            return f"(type({tmp} := {v}) is str and {kc} in {tmp})"
        matcher: Callable[[str], bool]
        if op in ("startswith", "endswith", "contains", "icontains"):
            matcher = _string_matcher(op, k)
        elif op in ("glob", "iglob"):
            matcher = _glob_matcher(k, op == "iglob")
        elif op == "regex":
            matcher = _regex_matcher(k, node.right.pos if node.right is not None else node.pos)
        else:  # pragma: no cover - the operator tables above are exhaustive
            raise FilterCompileError(f"'{op}' not supported for string filters", node.pos)
        return self.apply(left, v, _typed_str(matcher), multi_any=True)

    def apply(self, left: _Operand, v: str, pred: Callable[[Any], bool], *, multi_any: bool) -> str:
        if left.multi and multi_any:
            inner = pred

            def any_of(x: Any) -> bool:
                if x is None:
                    return False
                if type(x) is tuple:
                    return any(inner(e) for e in x)
                return inner(x)

            fn = self.const(any_of)
        else:
            inner1 = pred

            def one(x: Any) -> bool:
                return x is not None and inner1(x)

            fn = self.const(one)
        return f"{fn}({v})"

    def field_compare(self, node: Check, left: _Operand, op: str, v: str, rnode: Transformer) -> str:
        right = self.operand(rnode)
        if right.type != left.type or right.is_list != left.is_list:
            raise FilterCompileError(
                f"field '{left.text}' has type '{_TYPE_NAMES[left.type]}{' (list)' if left.is_list else ''}' "
                f"while the right-hand side field '{right.text}' has incompatible type "
                f"'{_TYPE_NAMES[right.type]}{' (list)' if right.is_list else ''}'",
                rnode.pos,
            )
        rv = self.value_expr(right)
        cmp = _field_predicate(op, left)
        fn = self.const(cmp)
        return f"{fn}({v}, {rv})"


def _string_matcher(op: str, k: str) -> Callable[[str], bool]:
    if op == "startswith":
        return lambda s: s.startswith(k)
    if op == "endswith":
        return lambda s: s.endswith(k)
    if op == "contains":
        return lambda s: k in s
    return lambda s: k in s.lower()


def _typed_str(fn: Callable[[str], bool]) -> Callable[[Any], bool]:
    def pred(x: Any) -> bool:
        return type(x) is str and fn(x)

    return pred


def _ordered_predicate(op: str, k: Any, rtype: type | tuple[type, ...]) -> Callable[[Any], bool]:
    cmp: Callable[[Any, Any], bool] = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[op]

    def pred(x: Any) -> bool:
        return isinstance(x, rtype) and not isinstance(x, bool) and cmp(x, k)

    return pred


def _bytes_predicate(op: str, k: bytes) -> Callable[[Any], bool]:
    def as_bytes(x: Any) -> bytes | None:
        if isinstance(x, bytes):
            return x
        if isinstance(x, str):
            return x.encode("utf-8", "surrogateescape")
        return None

    def pred(x: Any) -> bool:
        b = as_bytes(x)
        if b is None:
            return False
        if op in ("contains", "bcontains"):
            return k in b
        if op in ("startswith", "bstartswith"):
            return b.startswith(k)
        if op == "endswith":
            return b.endswith(k)
        return False  # pragma: no cover

    return pred


def _ip_predicate(values: list[Any], negate: bool) -> Callable[[Any], bool]:
    addrs = frozenset(v for v in values if isinstance(v, ipaddress.IPv4Address | ipaddress.IPv6Address))
    nets = tuple(v for v in values if isinstance(v, ipaddress.IPv4Network | ipaddress.IPv6Network))

    def pred(x: Any) -> bool:
        ip = _to_ip(x)
        if ip is None:
            return False
        hit = ip in addrs or any(ip.version == n.version and ip in n for n in nets)
        return not hit if negate else hit

    return pred


def _field_predicate(op: str, left: _Operand) -> Callable[[Any, Any], bool]:
    """Comparison of two extracted values (``val()`` or a transformer on the right-hand side)."""

    def scalar(a: Any, b: Any) -> bool:
        if op == "=":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if op in ("in", "intersects", "pmatch"):
            if type(b) is tuple:
                return a in b
            return bool(a == b) if op != "pmatch" else _pmatch_matcher([str(b)])(str(a))
        try:
            if op == "<":
                return bool(a < b)
            if op == "<=":
                return bool(a <= b)
            if op == ">":
                return bool(a > b)
            if op == ">=":
                return bool(a >= b)
        except TypeError:
            return False
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        if op == "contains":
            return b in a
        if op == "icontains":
            return b.lower() in a.lower()
        if op == "startswith":
            return a.startswith(b)
        if op == "endswith":
            return a.endswith(b)
        if op in ("glob", "iglob"):
            return _glob_matcher(b, op == "iglob")(a)
        return False

    def compare(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        if left.is_list and type(a) is tuple:
            bs = set(b) if type(b) is tuple else {b}
            if op == "in":
                return all(x in bs for x in a)
            if op == "intersects":
                return any(x in bs for x in a)
            return False
        if left.multi and type(a) is tuple:
            return any(scalar(x, b) for x in a)
        return scalar(a, b)

    return compare


# ---------------------------------------------------------------------------------------------------------------
# event types


# stands for "any event type the table does not list and the condition does not name"
OTHER_TYPES = "\x00other"


def event_types_of(node: Node, all_types: frozenset[str]) -> frozenset[str] | None:
    """The event types a resolved condition can match (None = every type), derived as Falco does.

    ``evt.type = X`` and ``evt.type in (...)`` restrict; ``!=`` and ``not`` complement (De Morgan is pushed
    through and/or); every other check leaves all types possible.
    """
    types, _other, _universe = event_type_info(node, all_types)
    return types


def event_type_info(node: Node, all_types: frozenset[str]) -> tuple[frozenset[str] | None, bool, frozenset[str]]:
    """``(event_types, other, universe)``: ``other`` tells whether the condition can also match types outside
    ``universe`` (the table's types plus every type the condition names), as a complement like
    ``evt.type != execve`` does."""
    if not all_types:
        return None, True, frozenset()

    def visit(n: Node, negated: bool, universe: frozenset[str]) -> frozenset[str]:
        if isinstance(n, And | Or):
            sets = [visit(c, negated, universe) for c in n.children]
            intersect = isinstance(n, And) != negated
            if intersect:
                return frozenset.intersection(*sets)
            return frozenset.union(*sets)
        if isinstance(n, Not):
            return visit(n.child, not negated, universe)
        if not isinstance(n, Check):
            return universe
        left = n.left
        if not isinstance(left, FieldRef) or left.name != EVENT_TYPE_FIELD or left.arg is not None:
            return universe
        op = "=" if n.op == "==" else n.op
        right = n.right
        if op not in ("=", "!=", "in", "intersects") or right is None or isinstance(right, Transformer):
            return universe
        names = frozenset(v.text for v in right.values) if isinstance(right, ListValue) else frozenset({right.text})
        positive = op != "!="
        if negated:
            positive = not positive
        return names if positive else universe - names

    mentioned: set[str] = set()
    for sub in _walk_checks(node):
        if isinstance(sub.left, FieldRef) and sub.left.name == EVENT_TYPE_FIELD:
            r = sub.right
            if isinstance(r, ListValue):
                mentioned.update(v.text for v in r.values)
            elif isinstance(r, Value):
                mentioned.add(r.text)
    universe = all_types | frozenset(mentioned)
    result = visit(node, False, universe | {OTHER_TYPES})
    other = OTHER_TYPES in result
    result = result - {OTHER_TYPES}
    if other and result >= all_types:
        return None, True, universe
    return result, other, universe


def tree_depth(node: Node) -> int:
    """The nesting depth of a tree (iterative)."""
    best = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        cur, d = stack.pop()
        best = max(best, d)
        if isinstance(cur, And | Or):
            stack.extend((c, d + 1) for c in cur.children)
        elif isinstance(cur, Not):
            stack.append((cur.child, d + 1))
    return best


def _walk_checks(node: Node) -> list[Check]:
    out: list[Check] = []
    stack: list[Node] = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, And | Or):
            stack.extend(cur.children)
        elif isinstance(cur, Not):
            stack.append(cur.child)
        elif isinstance(cur, Check):
            out.append(cur)
    return out


def fields_of(node: Node) -> list[str]:
    """Every field name a resolved condition reads, in order of first use."""
    seen: dict[str, None] = {}
    for chk in reversed(_walk_checks(node)):
        operands: list[FieldRef | Transformer] = [chk.left]
        if isinstance(chk.right, Transformer):
            operands.append(chk.right)
        for opnd in operands:
            cur = opnd
            while isinstance(cur, Transformer):
                cur = cur.arg
            seen.setdefault(cur.text(), None)
    return list(seen)


# ---------------------------------------------------------------------------------------------------------------
# the compiled filter


class CompiledFilter:
    """A condition compiled once: ``matches(event)`` and the event types it can match."""

    __slots__ = ("_fn", "_other", "_universe", "event_types", "node", "source", "table")

    def __init__(self, node: Node, table: FieldTable, fn: Callable[[Event], bool]) -> None:
        self.node = node  # the resolved tree (no macro references left)
        self.table = table
        self.source = table.source
        self._fn = fn
        self.event_types, self._other, self._universe = event_type_info(node, table.event_types())

    def can_match_type(self, event_type: str) -> bool:
        """Whether an event of this type can match (False only when the type index proves it cannot)."""
        if self.event_types is None or event_type in self.event_types:
            return True
        return self._other and event_type not in self._universe

    def matches(self, event: Event) -> bool:
        return self._fn(event)

    def __repr__(self) -> str:
        return f"CompiledFilter(source={self.source!r}, event_types={self.event_types!r})"


def build_function(
    name: str, body_exprs: Sequence[tuple[str | bool, str]], gen: _Gen, *, single: bool
) -> Callable[..., Any]:
    """Compile generated expressions into one Python function.

    ``single``: a predicate ``fn(ev) -> bool`` of the first expression; otherwise ``fn(ev) -> list[int]`` of the
    indices (the second member of each pair) whose expression holds, in order.
    """
    slots = sorted(gen.used_slots)
    lines = [f"def {name}(ev):"]
    if slots:
        lines.append("    " + " = ".join(f"v{i}" for i in slots) + " = _U")
    if single:
        expr = body_exprs[0][0]
        lines.append(f"    return {expr!s}" if isinstance(expr, bool) else f"    return bool({expr})")
    else:
        lines.append("    out = []")
        for expr, idx in body_exprs:
            if expr is False:
                continue
            if expr is True:
                lines.append(f"    out.append({idx})")
            else:
                lines.append(f"    if {expr}:")
                lines.append(f"        out.append({idx})")
        lines.append("    return out")
    ns = gen.ns
    ns["_U"] = _UNSET
    for i in slots:
        ns[f"_x{i}"] = gen.fields.extractors[i]
    source = "\n".join(lines)
    try:
        code = compile(source, f"<stockade-filter {name}>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        raise FilterCompileError(f"condition is too complex to compile ({type(exc).__name__})") from None
    exec(code, ns)
    fn: Callable[..., Any] = ns[name]
    return fn


def compile_filter(
    node: Node | str,
    table: FieldTable,
    macros: Mapping[str, Node | str] | None = None,
    lists: Mapping[str, Sequence[str]] | None = None,
    *,
    used_macros: set[str] | None = None,
) -> CompiledFilter:
    """Resolve, type-check and compile a condition for one event source's field table.

    ``node`` and the macros may be given as trees or as condition text; ``lists`` maps list names to items.
    """
    if isinstance(node, str):
        from stockade.runtime.filter.parser import parse

        node = parse(node)
    resolved = resolve(node, macros, lists, used_macros=used_macros)
    if tree_depth(resolved) > MAX_RESOLVED_DEPTH:
        raise FilterCompileError(
            f"condition is nested too deeply after macro expansion (more than {MAX_RESOLVED_DEPTH} levels)", node.pos
        )
    gen = _Gen(_FieldSlots(table), {})
    expr = gen.expr(resolved)
    fn = build_function("_match", [(expr, "0")], gen, single=True)
    return CompiledFilter(resolved, table, fn)


def new_generator(table: FieldTable, fold_type: str | None = None, slots: _FieldSlots | None = None) -> _Gen:
    """A code generator for batches of conditions (the engine's per-event-type functions)."""
    return _Gen(slots or _FieldSlots(table), {}, fold_type)
