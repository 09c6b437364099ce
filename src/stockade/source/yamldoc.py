"""Load YAML (and JSON) documents into located data, safely.

The parser is libyaml's (through PyYAML's C binding when it is available, the pure-Python parser
otherwise); building the data from its event stream is done here, iteratively, for three reasons:

* every mapping and sequence keeps the line and column of its keys and items (``YMap``/``YList``), so a
  finding can name file, line and field without parsing the file twice;
* nesting depth and alias expansion are bounded, so a billion-laughs bomb or a 10,000-deep document
  becomes a diagnostic instead of a hang, a crash or unbounded memory;
* plain scalars are resolved the way Kubernetes' YAML decoder (go-yaml v2 semantics) resolves them,
  so ``privileged: yes`` or ``runAsUser: 0x0`` mean for stockade what they mean for the API server.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from stockade.model import YList, YMap

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - exercised only where libyaml is missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PARSER_IS_C = _Loader.__name__ == "CSafeLoader"

MAX_DEPTH = 1000
MAX_NODES = 2_000_000


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One document of a stream: its root value (YMap, YList or scalar) and where it starts."""

    index: int
    line: int
    root: Any


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """A document or stream that could not be loaded: 1-based line (0 when unknown) and why."""

    index: int
    line: int
    column: int
    message: str
    fatal: bool  # True when the rest of the stream could not be read either
    warning: bool = False  # True when the document was still loaded (e.g. a duplicate key)


class _Abort(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# --- scalar resolution (go-yaml v2, which Kubernetes' sigs.k8s.io/yaml uses) -------------------------

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_FALSES = frozenset({"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
_SPECIAL_FLOATS = {
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}  # fmt: skip
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT_RE = re.compile(
    r"^[-+]?(0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[1-9][0-9_]*|0)$"
)
_NUMBER_START = frozenset("0123456789+-.")


def _parse_go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64) and ParseUint, as go-yaml v2 tries them."""
    if not _INT_RE.match(text):
        return None
    sign = -1 if text[0] == "-" else 1
    body = text[1:] if text[0] in "+-" else text
    # Go accepts underscores only between digits and only with a base prefix.
    if "_" in body and (
        not (len(body) > 1 and body[0] == "0" and body[1] in "bBoOxX") or "__" in body or body.endswith("_")
    ):
        return None
    try:
        if len(body) > 1 and body[0] == "0":
            prefix = body[1]
            if prefix in "xX":
                value = int(body[2:].replace("_", ""), 16)
            elif prefix in "bB":
                value = int(body[2:].replace("_", ""), 2)
            elif prefix in "oO":
                value = int(body[2:].replace("_", ""), 8)
            else:
                value = int(body[1:].replace("_", ""), 8)
        else:
            value = int(body, 10)
    except ValueError:
        return None
    value *= sign
    if -(2**63) <= value < 2**64:
        return value
    return None


_MISSING: Any = object()
# Every plain scalar whose meaning is a fixed word: nulls, booleans, infinities and NaN.
_WORDS: dict[str, Any] = {
    **dict.fromkeys(_NULLS), **dict.fromkeys(_TRUES, True), **dict.fromkeys(_FALSES, False), **_SPECIAL_FLOATS
}


def resolve_plain(text: str) -> Any:
    """Resolve a plain (unquoted, untagged) scalar to null, bool, int, float or str."""
    word = _WORDS.get(text, _MISSING)
    if word is not _MISSING:
        return word
    if text[0] in _NUMBER_START:
        return _resolve_number(text)
    return text


def _resolve_number(text: str) -> Any:
    """A plain scalar that starts like a number: int, float, or the text itself."""
    as_int = _parse_go_int(text)
    if as_int is not None:
        return as_int
    if _FLOAT_RE.match(text):
        try:
            return float(text)
        except ValueError:  # pragma: no cover - the regex admits only valid floats
            return text
    return text


def _resolve_tagged(tag: str, value: str) -> Any:
    short = tag.removeprefix("tag:yaml.org,2002:")
    if short in {"str", "binary"}:
        return value
    if short == "null":
        return None
    resolved = resolve_plain(value) if value else value
    if short == "bool" and isinstance(resolved, bool):
        return resolved
    if short in ("int", "float") and isinstance(resolved, int | float) and not isinstance(resolved, bool):
        if short == "int" and isinstance(resolved, float):
            raise _Abort(f"cannot decode {value!r} as !!int", 0, 0)
        return float(resolved) if short == "float" else resolved
    if short in ("bool", "int", "float"):
        raise _Abort(f"cannot decode {value!r} as !!{short}", 0, 0)
    # Local and unknown tags (!Ref, !!set ...) keep the scalar's text.
    return value


def _key(value: Any) -> str:
    """Mapping keys become strings, as in Kubernetes' YAML-to-JSON conversion."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- composition -------------------------------------------------------------------------------------


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_pos", "merged", "size")

    def __init__(self, container: YMap | YList, anchor: str | None) -> None:
        self.container = container
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_pos = (0, 0)
        self.size = 1
        self.merged: set[str] = set()


_NO_KEY: Any = object()
_Scalar = yaml.ScalarEvent
_DocumentEnd = yaml.DocumentEndEvent


def load_documents(
    text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Iterator[YamlDocument | YamlProblem]:
    """Yield each document of a YAML stream, or a problem for each one that cannot be loaded.

    Problems in one document do not stop the following ones unless the parser itself cannot go on
    (a syntax error), in which case the last item is a fatal problem.
    """
    loader = _Loader(text)
    index = -1
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    open_anchors: set[str] = set()
    root: Any = None
    nodes = 0
    doc_line = 0
    skipping: str | None = None  # message, while skipping the rest of a document that was aborted
    skip_pos = (0, 0)
    warnings: list[tuple[int, int, str]] = []
    get_event = loader.get_event
    words, missing, number_start = _WORDS, _MISSING, _NUMBER_START
    try:
        while True:
            try:
                event: Any = get_event()
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
                problem = exc.problem or exc.context or "invalid YAML"
                yield YamlProblem(max(index, 0), line, col, f"invalid YAML: {problem}", True)
                return
            except yaml.YAMLError as exc:
                yield YamlProblem(max(index, 0), 0, 0, f"invalid YAML: {exc}", True)
                return
            if event is None:
                return
            cls = type(event)
            if skipping is not None:
                if cls is _DocumentEnd:
                    yield YamlProblem(index, skip_pos[0], skip_pos[1], skipping, False)
                    skipping = None
                continue
            try:
                mark = event.start_mark
                pos = (mark.line + 1, mark.column + 1)
                if cls is _Scalar:
                    value = event.value
                    tag = event.tag
                    if tag and tag != "!":
                        value = _resolve_tagged(tag, value)
                    elif not event.style and event.implicit[0]:
                        word = words.get(value, missing)
                        if word is not missing:
                            value = word
                        elif value[0] in number_start:
                            value = _resolve_number(value)
                    size = 1
                elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                    container: YMap | YList = (
                        YMap(pos[0], pos[1]) if cls is yaml.MappingStartEvent else YList(pos[0], pos[1])
                    )
                    if len(stack) >= max_depth:
                        raise _Abort(f"nesting deeper than {max_depth} levels", *pos)
                    frame = _Frame(container, event.anchor)
                    if event.anchor:
                        open_anchors.add(event.anchor)
                    if stack and isinstance(stack[-1].container, YMap) and stack[-1].key is _NO_KEY:
                        raise _Abort("a mapping or sequence used as a mapping key is not supported", *pos)
                    stack.append(frame)
                    nodes += 1
                    continue
                elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                    frame = stack.pop()
                    value = frame.container
                    size = frame.size
                    pos = (value.line, value.column)
                    if frame.anchor:
                        open_anchors.discard(frame.anchor)
                        anchors[frame.anchor] = (value, size)
                    _add(stack, value, size, pos, None, warnings)
                    if not stack:
                        root = value
                    continue
                elif cls is yaml.AliasEvent:
                    if event.anchor in open_anchors:
                        raise _Abort(f"recursive alias *{event.anchor}", *pos)
                    if event.anchor not in anchors:
                        raise _Abort(f"alias *{event.anchor} refers to no anchor", *pos)
                    value, size = anchors[event.anchor]
                    nodes += size
                    if nodes > max_nodes:
                        raise _Abort(
                            f"aliases expand the document to more than {max_nodes:,} nodes "
                            "(a YAML alias bomb?)",
                            *pos,
                        )
                    _add(stack, value, size, pos, None, warnings)
                    if not stack:
                        root = value
                    continue
                elif cls is yaml.DocumentStartEvent:
                    index += 1
                    doc_line = pos[0]
                    anchors.clear()
                    open_anchors.clear()
                    stack.clear()
                    warnings.clear()
                    root = None
                    nodes = 0
                    continue
                elif cls is yaml.DocumentEndEvent:
                    for w_line, w_col, w_text in warnings:
                        yield YamlProblem(index, w_line, w_col, w_text, False, True)
                    warnings.clear()
                    yield YamlDocument(index, doc_line, root)
                    continue
                else:  # stream start/end
                    continue
                # scalar
                nodes += 1
                if nodes > max_nodes:
                    raise _Abort(f"document has more than {max_nodes:,} nodes", *pos)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                if not stack:
                    root = value
                    continue
                # Fast paths for the common cases (a list item, a string key, a value for a new key);
                # _add does the rest (merge keys, duplicates, non-string keys).
                top = stack[-1]
                target = top.container
                key = top.key
                if type(target) is YList:
                    top.size += 1
                    target.append(value)
                    target.item_pos.append(pos)
                elif key is _NO_KEY and type(value) is str and value != "<<":
                    top.size += 1
                    top.key = value
                    top.key_pos = pos
                elif key is not _NO_KEY and key is not _MERGE and key not in target:
                    top.size += 1
                    top.key = _NO_KEY
                    target[key] = value
                    target.key_pos[key] = top.key_pos  # type: ignore[union-attr]
                else:
                    _add(stack, value, size, pos, event, warnings)
            except _Abort as abort:
                line, col = (abort.line, abort.column) if abort.line else pos
                skipping = abort.message
                skip_pos = (line, col)
                stack.clear()
                anchors.clear()
                open_anchors.clear()
    finally:
        loader.dispose()


def _add(
    stack: list[_Frame],
    value: Any,
    size: int,
    pos: tuple[int, int],
    scalar: Any,
    warnings: list[tuple[int, int, str]],
) -> None:
    if not stack:
        return
    top = stack[-1]
    top.size += size
    container = top.container
    if isinstance(container, YList):
        container.append(value)
        container.item_pos.append(pos)
        return
    if top.key is _NO_KEY:
        if isinstance(value, YMap | YList):
            raise _Abort("a mapping or sequence used as a mapping key is not supported", *pos)
        if value == "<<" and scalar is not None and not scalar.style and scalar.implicit[0]:
            top.key = _MERGE
        else:
            top.key = _key(value)
        top.key_pos = pos
        return
    key = top.key
    top.key = _NO_KEY
    if key is _MERGE:
        top.merged.update(_merge(container, value, pos))
        return
    if key in top.merged:
        top.merged.discard(key)
    elif key in container:
        line, column = top.key_pos
        warnings.append((line, column, f"duplicate key {key!r}; the last value wins, as in the API server"))
    container[key] = value
    container.key_pos[key] = top.key_pos


_MERGE: Any = object()


def _merge(target: YMap, value: Any, pos: tuple[int, int]) -> list[str]:
    """YAML merge key: keys of the merged mapping(s) fill in what the mapping does not set itself."""
    added: list[str] = []
    sources = value if isinstance(value, YList) else [value]
    for source in sources:
        if not isinstance(source, YMap):
            raise _Abort("merge key (<<) must refer to a mapping or a list of mappings", *pos)
        for k, v in source.items():
            if k not in target:
                target[k] = v
                target.key_pos[k] = source.key_pos.get(k, pos)
                added.append(k)
    return added
