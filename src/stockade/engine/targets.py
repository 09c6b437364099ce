"""What the engine evaluates checks on: one adapter per kind of input.

An adapter says which checks apply (its ``kind``), what the checks receive (``obj``), where a violation
is (``locate``) and whether the input itself suppresses it (``suppression``). Kubernetes objects
suppress with the ``stockade.dev/ignore`` annotation; Dockerfiles with ``# stockade:ignore=`` comments
(and hadolint's ``# hadolint ignore=`` for the mapped rules).
"""

from __future__ import annotations

import bisect
import fnmatch
from typing import Any

from stockade.checks import CheckMeta, Violation
from stockade.checks._resources import Workload, view
from stockade.engine.suppress import IGNORE_ANNOTATION, annotation_ignores, matches_any
from stockade.model import (
    Diagnostic,
    DiagnosticLevel,
    Dockerfile,
    Location,
    ObjectPath,
    Resource,
    ResourceRef,
)

DOCKERFILE_KIND = "Dockerfile"


class K8sTarget:
    """A Kubernetes object; checks receive its Workload/K8sObject view."""

    __slots__ = ("diagnostics", "ignored", "kind", "may_suppress", "obj", "reason", "ref", "resource")

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.kind = resource.kind
        self.obj: Any = view(resource)
        self.ref = resource.ref()
        self.diagnostics: list[Diagnostic] = []
        maps = [self.obj.annotations]
        if isinstance(self.obj, Workload):
            maps.append(self.obj.pod_annotations)
        self.ignored, self.reason = annotation_ignores(*maps)
        self.may_suppress = bool(self.ignored)
        if self.ignored and not self.reason:
            self.diagnostics.append(
                Diagnostic(
                    resource.locate(ObjectPath(("metadata", "annotations", IGNORE_ANNOTATION))),
                    "suppression",
                    DiagnosticLevel.WARNING,
                    f"{self.ref} suppresses {', '.join(self.ignored)} without a reason "
                    "(add the annotation stockade.dev/ignore-reason)",
                )
            )

    @property
    def line(self) -> int | None:
        return self.resource.line or None

    def locate(self, v: Violation) -> Location:
        return self.resource.locate(v.path)

    def suppression(self, meta: CheckMeta, v: Violation) -> str:
        if self.ignored and matches_any(meta.id, self.ignored):
            return f"annotation {IGNORE_ANNOTATION}" + (f": {self.reason}" if self.reason else "")
        return ""


class DockerfileTarget:
    """A parsed Dockerfile; checks receive the Dockerfile itself."""

    __slots__ = ("_starts", "diagnostics", "dockerfile", "kind", "may_suppress", "obj", "ref")

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.dockerfile = dockerfile
        self.kind = DOCKERFILE_KIND
        self.obj: Any = dockerfile
        self.ref = ResourceRef(kind=DOCKERFILE_KIND, name="")
        self.diagnostics: list[Diagnostic] = []
        self._starts = [i.start_line for i in dockerfile.instructions]
        self.may_suppress = bool(dockerfile.pragmas)

    @property
    def line(self) -> int | None:
        return None

    def locate(self, v: Violation) -> Location:
        return Location(
            self.dockerfile.path, v.line, None, object_path=str(v.path) if v.path else "", snippet=v.snippet
        )

    def _instruction_start(self, line: int) -> int:
        """Start line of the instruction that contains ``line`` (continuation and heredoc lines included)."""
        index = bisect.bisect_right(self._starts, line) - 1
        return self._starts[index] if index >= 0 else line

    def suppression(self, meta: CheckMeta, v: Violation) -> str:
        if not self.dockerfile.pragmas:
            return ""
        start = self._instruction_start(v.line) if v.line else 0
        for pragma in self.dockerfile.pragmas:
            if not pragma.file_wide and (not start or pragma.applies_to != start):
                continue
            if pragma.tool == "stockade":
                hit = any(fnmatch.fnmatchcase(meta.id.upper(), r.upper()) for r in pragma.rules)
            elif v.peer_code.startswith(f"{pragma.tool}:"):
                hit = any(f"{pragma.tool}:{r}" == v.peer_code for r in pragma.rules)
            else:
                hit = any(f"{pragma.tool}:{r}" in meta.references for r in pragma.rules)
            if hit:
                scope = "file-wide " if pragma.file_wide else ""
                return f"{scope}{pragma.tool} ignore comment on line {pragma.line}"
        return ""


Target = K8sTarget | DockerfileTarget


def target_for(item: Resource | Dockerfile) -> Target:
    return K8sTarget(item) if isinstance(item, Resource) else DockerfileTarget(item)
