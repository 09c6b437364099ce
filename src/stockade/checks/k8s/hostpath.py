"""hostPath volumes that expose the node's most sensitive files.

Pod Security Standards (baseline) forbid hostPath volumes altogether; this rule ranks the ones that hand
over the node: container runtime sockets and `/` (CRITICAL), and credentials, kernel interfaces, kubelet
and runtime state, devices and logs (HIGH). Paths are compared after normalisation (`//`, `.`, `..`
and trailing slashes; `/var/run` is `/run`), and a mount matches a sensitive path when it is that path,
inside it, or a parent directory that contains it (mounting `/var` exposes `/var/lib/kubelet`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Workload, as_list, as_map, as_str
from stockade.model import Severity

# Sockets through which whoever can write can start privileged containers on the node.
RUNTIME_SOCKET_NAMES = frozenset(
    {"docker.sock", "containerd.sock", "crio.sock", "podman.sock", "cri-dockerd.sock", "dockershim.sock"}
)
RUNTIME_SOCKETS = (
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/podman/podman.sock",
    "/run/cri-dockerd.sock",
)
RUNTIME_SOCKET_DIRS = ("/run/containerd", "/run/crio", "/run/podman", "/run/k3s/containerd")

# path -> why it matters (paths in canonical form: normalised, /var/run as /run)
SENSITIVE_PATHS: dict[str, str] = {
    "/etc": "host configuration and credentials (/etc/kubernetes, /etc/shadow ...)",
    "/proc": "the host's process and kernel interfaces",
    "/sys": "the host's kernel and device interfaces",
    "/dev": "the host's devices",
    "/boot": "the host's kernel and boot loader",
    "/root": "root's home directory on the host",
    "/home": "users' home directories on the host",
    "/run": "host runtime state and sockets",
    "/var/lib/kubelet": "kubelet state, including every pod's secrets and tokens",
    "/var/lib/docker": "container runtime storage (every container's filesystem)",
    "/var/lib/containerd": "container runtime storage (every container's filesystem)",
    "/var/lib/containers": "container runtime storage (every container's filesystem)",
    "/var/lib/etcd": "the etcd database (every Secret of the cluster)",
    "/var/log": "host and pod logs",
}

# Exact paths that node agents commonly mount and that expose nothing worth escalating over.
BENIGN_PATHS = frozenset(
    {
        "/etc/localtime",
        "/etc/timezone",
        "/etc/ssl/certs",
        "/etc/pki/tls/certs",
        "/etc/ca-certificates",
        "/run/xtables.lock",
    }
)


def normalize_host_path(path: str) -> str | None:
    """`path` as an absolute, normalised POSIX path, with `/var/run` spelled `/run`.

    `None` for an empty or Windows-style path. `..` cannot climb above `/` (as in the kernel).
    """
    text = path.strip()
    if not text or "\\" in text or (len(text) >= 2 and text[1] == ":"):
        return None
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    if parts[:2] == ["var", "run"]:
        parts = ["run", *parts[2:]]
    return "/" + "/".join(parts)


def is_within(path: str, base: str) -> bool:
    """`path` is `base` or below it (both normalised)."""
    return base in ("/", path) or path.startswith(base + "/")


def classify(path: str) -> tuple[Severity, str] | None:
    """Severity and reason for mounting `path` (normalised) from the host, or `None` if not sensitive."""
    if path in BENIGN_PATHS:
        return None
    if path == "/":
        return Severity.CRITICAL, "is the host's root filesystem"
    name = path.rsplit("/", 1)[-1]
    if name in RUNTIME_SOCKET_NAMES or any(is_within(path, d) for d in RUNTIME_SOCKET_DIRS):
        return Severity.CRITICAL, "exposes a container runtime socket (control of every container on the node)"
    if any(is_within(sock, path) for sock in RUNTIME_SOCKETS):
        return Severity.CRITICAL, "contains the container runtime sockets (control of every container on the node)"
    for base, why in SENSITIVE_PATHS.items():
        if is_within(path, base):
            return Severity.HIGH, f"exposes {why}"
    for base, why in SENSITIVE_PATHS.items():
        if is_within(base, path):
            return Severity.HIGH, f"contains {base}: {why}"
    return None


def _mounted_by(w: Workload, volume: str) -> list[str]:
    users = []
    for c in w.containers():
        for mount in as_list(c.data.get("volumeMounts")):
            if isinstance(mount, Mapping) and mount.get("name") == volume:
                users.append(c.describe())
                break
    return users


@check(
    id="STK-K8S-0012",
    title="hostPath volume mounts a sensitive host path",
    severity=Severity.CRITICAL,
    kinds=WORKLOADS,
    remediation="""
    Remove the hostPath volume. Use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim for data, and
    a dedicated API (not the runtime socket) for what the workload needs from the node:

        volumes:
          - name: cache
            emptyDir: {}
    """,
    compliance=("CIS-5.2.12", "NSA-CISA:pod-security-enforcement", "PSS:baseline"),
    references=("checkov:CKV_K8S_27",),
)
def sensitive_host_path(w: Workload) -> Iterator[Violation]:
    """Mounting a container runtime socket (docker, containerd, CRI-O, podman) or the host's `/` gives the
    pod full control of the node: CRITICAL. Mounting `/etc`, `/proc`, `/sys`, `/dev`, `/boot`,
    `/root`, `/home`, `/run` (`/var/run`), `/var/log` or the kubelet, runtime or etcd state
    directories exposes credentials, kernel interfaces or other pods' data: HIGH. A few paths node agents
    commonly need (`/etc/localtime`, `/etc/ssl/certs`, `/run/xtables.lock` ...) are not reported."""
    for vol_path, vol in w.volumes():
        host = as_map(vol.get("hostPath"))
        raw = as_str(host.get("path"))
        canonical = normalize_host_path(raw) if raw else None
        if canonical is None:
            continue
        judged = classify(canonical)
        if judged is None:
            continue
        severity, why = judged
        name = as_str(vol.get("name")) or "(unnamed)"
        users = _mounted_by(w, name)
        by = f"; mounted by {', '.join(users)}" if users else ""
        yield Violation(
            vol_path / "hostPath" / "path",
            f'volume "{name}" mounts host path "{raw}", which {why}{by}',
            severity=severity,
        )
