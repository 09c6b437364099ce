"""YAML/JSON data that remembers where each value came from.

`YMap` and `YList` are ordinary ``dict`` and ``list`` objects (so checks use them as plain data) that also
carry the 1-based line and column of the node and of each key or item. Scalars are plain Python values;
their position is the one their parent records for them.
"""

from __future__ import annotations

from typing import Any

from stockade.model.location import Segment


class YMap(dict[str, Any]):
    __slots__ = ("column", "key_pos", "line")

    def __init__(self, line: int = 0, column: int = 0) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.key_pos: dict[str, tuple[int, int]] = {}


class YList(list[Any]):
    __slots__ = ("column", "item_pos", "line")

    def __init__(self, line: int = 0, column: int = 0) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.item_pos: list[tuple[int, int]] = []


def position_of(root: Any, segments: tuple[Segment, ...]) -> tuple[int, int] | None:
    """Line and column of the deepest node along ``segments`` that exists in ``root``.

    A path that names a field which is not there (a finding about a missing setting) resolves to the
    nearest existing parent, which is where the user has to add it.
    """
    node = root
    pos: tuple[int, int] | None = None
    if isinstance(node, YMap | YList):
        pos = (node.line, node.column)
    for seg in segments:
        kind = type(node)
        if kind is YMap and seg in node:  # keys are always strings, so an int segment is never in a YMap
            pos = node.key_pos.get(seg, pos)
            node = node[seg]
        elif kind is YList and type(seg) is int and 0 <= seg < len(node):
            pos = node.item_pos[seg] if seg < len(node.item_pos) else pos
            node = node[seg]
        else:
            break
    return pos
