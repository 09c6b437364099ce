"""Output format strings: ``%field`` and ``%field[arg]`` substitution, as Falco's formatter does it.

Syntax: ``%`` + optional width digits + a field name (``proc.name``, ``evt.arg.flags``, ``proc.aname[2]``).
The longest prefix that names a known field is taken; the rest is literal text, so ``%proc.name.`` renders the
process name followed by a dot. A value that cannot be extracted renders as ``<NA>`` in text and ``null`` in
``fields()`` (Falco's ``output_fields``). A width pads the value with blanks or truncates it to that many
characters. A leading ``*`` (Falco's "require all values" marker) is accepted and dropped.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from stockade.runtime.fields.api import Event, Extractor, FieldError, FieldTable
from stockade.runtime.filter.ast import Pos
from stockade.runtime.filter.compiler import lookup_field
from stockade.runtime.filter.errors import OutputFormatError

NA = "<NA>"
MAX_OUTPUT_FORMAT_LENGTH = 64 * 1024

_RX_FIELD = re.compile(r"[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class _Token:
    literal: str
    name: str = ""  # the field as written in the format ("" for a literal token)
    extractor: Extractor | None = None
    width: int = 0


def render_value(value: object) -> str:
    """The text form of an extracted value, as it appears in an alert's output line."""
    if value is None:
        return NA
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    elif isinstance(value, tuple | list):
        text = "(" + ",".join(render_value(v) for v in value) + ")"
    else:
        text = str(value)
    if _CONTROL.search(text):
        text = _CONTROL.sub(".", text)
    # lone surrogates (undecodable bytes carried through surrogateescape) become U+FFFD
    if not text.isascii():
        text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def json_value(value: object) -> object:
    """The JSON form of an extracted value (Falco's ``output_fields`` keep numbers and booleans as such)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return render_value(value)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    return render_value(value)


class OutputFormat:
    """A compiled output format: ``render(event) -> str`` and ``fields(event) -> dict``."""

    __slots__ = ("field_names", "format", "source", "tokens")

    def __init__(self, fmt: str, source: str, tokens: tuple[_Token, ...]) -> None:
        self.format = fmt
        self.source = source
        self.tokens = tokens
        self.field_names = tuple(dict.fromkeys(t.name for t in tokens if t.name))

    def _values(self, event: Event) -> dict[str, object]:
        values: dict[str, object] = {}
        for tok in self.tokens:
            if tok.extractor is not None and tok.name not in values:
                values[tok.name] = _safe_extract(tok.extractor, event)
        return values

    def render(self, event: Event) -> str:
        return self._render(self._values(event))

    def evaluate(self, event: Event) -> tuple[str, dict[str, object]]:
        """``(render(event), fields(event))`` with each field extracted once."""
        values = self._values(event)
        return self._render(values), {name: json_value(v) for name, v in values.items()}

    def _render(self, values: dict[str, object]) -> str:
        parts: list[str] = []
        for tok in self.tokens:
            if tok.extractor is None:
                parts.append(tok.literal)
                continue
            text = render_value(values[tok.name])
            if tok.width:
                text = text[: tok.width].ljust(tok.width)
            parts.append(text)
        return "".join(parts)

    def fields(self, event: Event) -> dict[str, object]:
        return {name: json_value(v) for name, v in self._values(event).items()}

    def __repr__(self) -> str:
        return f"OutputFormat({self.format!r})"


def _safe_extract(extractor: Callable[[Event], object], event: Event) -> object:
    try:
        return extractor(event)
    except Exception:  # a field that cannot be extracted from malformed data is "not available"
        return None


def compile_output(fmt: str, table: FieldTable) -> OutputFormat:
    """Compile an output format for a source; raises OutputFormatError for an unknown field or bad syntax."""
    if len(fmt) > MAX_OUTPUT_FORMAT_LENGTH:
        raise OutputFormatError(f"output format is too long ({len(fmt)} characters)")
    tokens: list[_Token] = []
    literal: list[str] = []
    i = 0
    n = len(fmt)
    if fmt.startswith("*"):
        i = 1
    while i < n:
        c = fmt[i]
        if c != "%":
            literal.append(c)
            i += 1
            continue
        start = i
        if i == n - 1:
            raise OutputFormatError("invalid formatting syntax: formatting cannot end with a %", _pos(fmt, i))
        i += 1
        width = 0
        m_w = re.match(r"[0-9]+", fmt[i:])
        if m_w:
            width = min(int(m_w.group(0)), 4096)
            i += m_w.end()
        m = _RX_FIELD.match(fmt, i)
        if m is None:
            raise OutputFormatError(f"invalid formatting token {fmt[start:start + 40]}", _pos(fmt, start),
                                    unknown_field=True)
        name = m.group(0)
        end = m.end()
        arg: str | None = None
        if end < n and fmt[end] == "[":
            close = fmt.find("]", end + 1)
            if close < 0:
                raise OutputFormatError(f"invalid formatting token {fmt[start:start + 40]}: expected a ']' token",
                                        _pos(fmt, start))
            arg = fmt[end + 1 : close]
            if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "'\"":
                arg = arg[1:-1]
            after_arg = close + 1
        else:
            after_arg = end
        resolved = lookup_field(table, name, arg)
        consumed_to = after_arg
        if resolved is None and arg is None:
            # the longest dotted prefix that is a field; the rest stays literal text
            parts = name.split(".")
            for k in range(len(parts) - 1, 1, -1):
                base = ".".join(parts[:k])
                if table.lookup(base) is not None:
                    resolved = (base, None, table.lookup(base))  # type: ignore[assignment]
                    consumed_to = i + len(base)
                    break
        if resolved is None:
            raise OutputFormatError(f"invalid formatting token {fmt[start:after_arg]}: nonexistent field {name}",
                                    _pos(fmt, start), unknown_field=True)
        fname, farg, _fdef = resolved
        try:
            extractor = table.extractor(fname, farg)
        except FieldError as exc:
            raise OutputFormatError(f"invalid formatting token {fmt[start:consumed_to]}: {exc}", _pos(fmt, start),
                                    unknown_field=True) from None
        if literal:
            tokens.append(_Token("".join(literal)))
            literal = []
        written = fmt[i:consumed_to]
        tokens.append(_Token("", written, extractor, width))
        i = consumed_to
    if literal:
        tokens.append(_Token("".join(literal)))
    return OutputFormat(fmt, table.source, tuple(tokens))


def _pos(text: str, idx: int) -> Pos:
    line = text.count("\n", 0, idx) + 1
    col = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return Pos(idx, line, col)


def fields_in_output(fmt: str) -> list[str]:
    """The field tokens of a format, without compiling it (for tools)."""
    return [m.group(1) for m in re.finditer(r"%[0-9]*([a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+)", fmt)]
