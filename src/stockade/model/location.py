"""Where a finding or diagnostic points: file, line, column and the field inside an object."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

Segment = str | int


@dataclass(frozen=True, slots=True)
class ObjectPath:
    """A path into a YAML/JSON object, rendered like ``spec.containers[1].securityContext``.

    Keys that are not plain identifiers are rendered in brackets and quotes, e.g.
    ``metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]``.
    """

    segments: tuple[Segment, ...] = ()

    def __truediv__(self, segment: Segment | tuple[Segment, ...]) -> ObjectPath:
        if isinstance(segment, tuple):
            return ObjectPath(self.segments + segment)
        return ObjectPath((*self.segments, segment))

    def __str__(self) -> str:
        return _render(self.segments)

    def __bool__(self) -> bool:
        return bool(self.segments)


@functools.lru_cache(maxsize=4096)
def _render(segments: tuple[Segment, ...]) -> str:
    """The text of a path; cached, as the same few hundred paths recur across objects."""
    out: list[str] = []
    for seg in segments:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif _is_plain(seg):
            out.append(f".{seg}" if out else seg)
        else:
            escaped = seg.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$-]+")


def _is_plain(key: str) -> bool:
    return _PLAIN_KEY.fullmatch(key) is not None


@dataclass(frozen=True, slots=True)
class Location:
    """A place in an input: ``path`` (file, image reference or ``-`` for stdin), 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None
    object_path: str = ""
    end_line: int | None = None
    snippet: str = ""  # the offending source text, when the input is line-based (a Dockerfile instruction)

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
        if self.object_path:
            text += f" {self.object_path}"
        return text
