"""Container identity from a process's cgroup paths (``/proc/PID/cgroup``), as Falco derives ``container.id``.

Recognised layouts (cgroup v1 and v2, cgroupfs and systemd drivers)::

    docker      /docker/<64 hex>                                  /system.slice/docker-<64 hex>.scope
    containerd  .../cri-containerd-<64 hex>.scope                 (CRI plugin, systemd driver)
    cri-o       .../crio-<64 hex>.scope                           (crio-conmon-<id>.scope is conmon: not a container)
    podman      .../libpod-<64 hex>.scope[/container]             /libpod_parent/libpod-<64 hex>
    cri         /kubepods[/<qos>]/pod<uid>/<64 hex>               (cgroupfs driver: runtime not named in the path)
    generic     any other path component of exactly 64 hex digits (runc/crun under a custom parent)

``container.id`` is the first 12 hex digits (Falco's short id); host processes get ``host``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

HOST_ID = "host"

_SCOPE = re.compile(r"^(docker|cri-containerd|crio|libpod)-([0-9a-f]{64})(?:\.scope)?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_RUNTIME_OF_PREFIX = {"docker": "docker", "cri-containerd": "containerd", "crio": "cri-o", "libpod": "podman"}
MAX_LINES = 256  # a process is in one cgroup per hierarchy; more lines than this is not a real cgroup file
MAX_LINE = 4096


@dataclass(frozen=True, slots=True)
class ContainerRef:
    full_id: str  # 64 hex
    runtime: str  # docker | containerd | cri-o | podman | cri | generic
    cgroup: str  # the cgroup path it was found in

    @property
    def id(self) -> str:
        return self.full_id[:12]


def container_from_path(path: str) -> ContainerRef | None:
    """The container a single cgroup path belongs to, or None for a host cgroup."""
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        scope = _SCOPE.match(part)
        if scope:
            return ContainerRef(scope.group(2), _RUNTIME_OF_PREFIX[scope.group(1)], path)
        if _HEX64.match(part):
            parents = parts[:i]
            if "docker" in parents:
                runtime = "docker"
            elif "libpod_parent" in parents:
                runtime = "podman"
            elif any(p.startswith("kubepods") for p in parents):
                runtime = "cri"
            else:
                runtime = "generic"
            return ContainerRef(part, runtime, path)
    return None


def container_from_cgroup_lines(lines: Iterable[str]) -> ContainerRef | None:
    """The container named by any line of a ``/proc/PID/cgroup`` file (``ID:controllers:path``).

    Malformed lines are skipped; only the first MAX_LINES lines are looked at.
    """
    for n, line in enumerate(lines):
        if n >= MAX_LINES:
            break
        fields = line[:MAX_LINE].rstrip("\n").split(":", 2)
        if len(fields) != 3:
            continue
        ref = container_from_path(fields[2])
        if ref is not None:
            return ref
    return None
