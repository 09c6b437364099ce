"""A configuration object read from an input file (a Kubernetes object, for now)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stockade.model.finding import ResourceRef
from stockade.model.located import YMap, position_of
from stockade.model.location import Location, ObjectPath


@dataclass(frozen=True, slots=True)
class Resource:
    """One object: where it came from (file, document index, line) and its located data."""

    path: str
    doc_index: int
    data: YMap
    list_path: ObjectPath = ObjectPath(())  # noqa: RUF009 - ObjectPath is frozen

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        name = self.metadata.get("name") or self.metadata.get("generateName")
        return name if isinstance(name, str) else ""

    @property
    def namespace(self) -> str:
        ns = self.metadata.get("namespace")
        return ns if isinstance(ns, str) else ""

    @property
    def line(self) -> int:
        return self.data.line

    def ref(self) -> ResourceRef:
        return ResourceRef(kind=self.kind, name=self.name, namespace=self.namespace, api_version=self.api_version)

    def locate(self, path: ObjectPath) -> Location:
        """The location of ``path`` inside this object (the nearest existing parent if it is missing)."""
        pos = position_of(self.data, path.segments)
        line, column = pos if pos else (self.data.line, self.data.column)
        full = self.list_path / path.segments if self.list_path else path
        return Location(path=self.path, line=line or None, column=column or None, object_path=str(full))
