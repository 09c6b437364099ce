"""Views over Kubernetes objects that checks reason about.

``Workload`` is one view over every object that carries a pod template (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate): checks ask for the pod spec
and its containers and get paths that are correct for the object they came from.
Values come straight from YAML and may be of any type; the accessors here never raise on bad shapes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from stockade.model import ObjectPath, Resource

# kind -> path from the object root to the pod template (an object with metadata and spec)
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "PodTemplate": ("template",),
}
WORKLOADS = frozenset(POD_TEMPLATE_PATHS)
CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")

EMPTY: Mapping[str, Any] = {}


def as_map(value: Any) -> Mapping[str, Any]:
    """The value if it is a mapping, else an empty one (a wrongly typed field is as good as absent)."""
    if isinstance(value, dict):  # the common cases first: the Mapping ABC check is slow
        return value
    if value is None:
        return EMPTY
    return value if isinstance(value, Mapping) else EMPTY


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class Container:
    """One container of a pod template: its data, its kind of list and its path in the object."""

    data: Mapping[str, Any]
    field: str  # initContainers | containers | ephemeralContainers
    index: int
    path: ObjectPath

    @property
    def name(self) -> str:
        return as_str(self.data.get("name")) or f"{self.field}[{self.index}]"

    @property
    def image(self) -> str:
        return as_str(self.data.get("image"))

    @property
    def security_context(self) -> Mapping[str, Any]:
        return as_map(self.data.get("securityContext"))

    @property
    def security_context_path(self) -> ObjectPath:
        return self.path / "securityContext"

    def describe(self) -> str:
        kind = {"initContainers": "init container", "ephemeralContainers": "ephemeral container"}.get(
            self.field, "container"
        )
        return f'{kind} "{self.name}"'


class K8sObject:
    """Any Kubernetes object, with convenient accessors."""

    __slots__ = ("memo", "resource")

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        # Results shared by the checks of one evaluation (e.g. one Pod Security evaluation per policy).
        self.memo: dict[object, Any] = {}

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def namespace(self) -> str:
        return self.resource.namespace

    @property
    def data(self) -> Mapping[str, Any]:
        return self.resource.data

    @property
    def metadata(self) -> Mapping[str, Any]:
        return as_map(self.resource.data.get("metadata"))

    @property
    def annotations(self) -> Mapping[str, Any]:
        return as_map(self.metadata.get("annotations"))

    @property
    def labels(self) -> Mapping[str, Any]:
        return as_map(self.metadata.get("labels"))


class Workload(K8sObject):
    """An object that runs pods: the pod template, its spec and containers, with their paths."""

    __slots__ = ("pod", "pod_path")

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource)
        path = POD_TEMPLATE_PATHS.get(resource.kind, ())
        node: Any = resource.data
        for seg in path:
            node = as_map(node).get(seg)
        self.pod: Mapping[str, Any] = as_map(node)
        self.pod_path = ObjectPath(path)

    @property
    def is_pod(self) -> bool:
        return self.kind == "Pod"

    @property
    def spec(self) -> Mapping[str, Any]:
        return as_map(self.pod.get("spec"))

    @property
    def spec_path(self) -> ObjectPath:
        return self.pod_path / "spec"

    @property
    def pod_metadata(self) -> Mapping[str, Any]:
        return as_map(self.pod.get("metadata"))

    @property
    def pod_annotations(self) -> Mapping[str, Any]:
        return as_map(self.pod_metadata.get("annotations"))

    @property
    def pod_security_context(self) -> Mapping[str, Any]:
        return as_map(self.spec.get("securityContext"))

    @property
    def pod_security_context_path(self) -> ObjectPath:
        return self.spec_path / "securityContext"

    @property
    def os_name(self) -> str:
        return as_str(as_map(self.spec.get("os")).get("name"))

    def containers(self, fields: tuple[str, ...] = CONTAINER_FIELDS) -> Iterator[Container]:
        """Init, regular and ephemeral containers (in that order, as Pod Security Admission visits them)."""
        key = ("containers", fields)
        found: list[Container] | None = self.memo.get(key)
        if found is None:
            spec = self.spec
            spec_path = self.spec_path
            found = [
                Container(data, field, i, spec_path / (field, i))
                for field in fields
                for i, data in enumerate(as_list(spec.get(field)))
                if isinstance(data, dict | Mapping)
            ]
            self.memo[key] = found
        return iter(found)

    def volumes(self) -> Iterator[tuple[ObjectPath, Mapping[str, Any]]]:
        for i, vol in enumerate(as_list(self.spec.get("volumes"))):
            if isinstance(vol, Mapping):
                yield self.spec_path / "volumes" / i, vol


def view(resource: Resource) -> K8sObject:
    """The richest view for a resource: a Workload for pod-carrying kinds, else a plain object."""
    if resource.kind in POD_TEMPLATE_PATHS:
        return Workload(resource)
    return K8sObject(resource)
