# Pod Security Standards controls, re-implemented in Python from the published standard
# (https://kubernetes.io/docs/concepts/security/pod-security-standards/) and from the behaviour of the
# Pod Security Admission controller (k8s.io/pod-security-admission, policy/check_*.go and registry.go).
# No upstream code is copied; the wording of reasons and details is reproduced because tools compare it.
#
# PSA check ids implemented (level, versioned entries, overrides):
#   baseline:   hostNamespaces 1.0 | privileged 1.0 | capabilities_baseline 1.0 | hostPathVolumes 1.0 |
#               hostPorts 1.0 | appArmorProfile 1.0 | seLinuxOptions 1.0, 1.31 | procMount 1.0, 1.35 |
#               seccompProfile_baseline 1.0, 1.19 | sysctls 1.0, 1.27, 1.29, 1.32, 1.37 |
#               windowsHostProcess 1.0 | hostProbesAndHostLifecycle 1.34
#   restricted: restrictedVolumes 1.0 (overrides hostPathVolumes) | allowPrivilegeEscalation 1.8, 1.25 |
#               runAsNonRoot 1.0, 1.35 | runAsUser 1.23, 1.35 |
#               seccompProfile_restricted 1.19, 1.25 (both override seccompProfile_baseline) |
#               capabilities_restricted 1.22, 1.25 (both override capabilities_baseline) |
#               procMount_restricted 1.35 (overrides procMount)
"""One definition per Pod Security Admission check, with PSA's exact reasons and details.

Input handling (pods come from YAML and may hold any types; nothing here raises):

* ``None`` behaves like JSON ``null`` does for the Go decoder: a nil pointer, list or map, or the zero
  value of a plain field (``""``, ``0``, ``false``); a ``None`` list element is a zero-valued element.
* A value of the wrong type is treated as absent (the API server would refuse to decode it):
  a non-mapping ``securityContext`` is no security context, a non-list ``containers`` is no containers,
  a non-mapping list element is skipped, a non-string name is ``""``.
* Booleans are strict: only the Python ``True`` counts as true and only ``False`` as false
  (``"true"``, ``1`` or ``"yes"`` are not booleans and count as unset). Integers must be ``int``
  (not ``bool``).

Control functions read the pod as given. ``policy.evaluate_pod`` first applies the API-server
defaulting PSA sees (name-only volumes become emptyDir, hostNetwork copies containerPort to hostPort).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, TypeGuard

__all__ = [
    "CONTROLS",
    "CONTROLS_BY_ID",
    "RESTRICTED_ALLOWED_VOLUME_SOURCES",
    "RULE_IDS",
    "SAFE_SYSCTLS",
    "VOLUME_SOURCES",
    "CheckFn",
    "Control",
    "ControlFailure",
    "PodPath",
    "VersionedCheck",
    "go_quote",
    "is_map",
    "join_quote",
    "pluralize",
]

#: A path from the pod root, e.g. ``("spec", "containers", 1, "securityContext", "privileged")``.
PodPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ControlFailure:
    """Why a control forbids a pod: PSA's reason and detail, plus the offending field paths."""

    reason: str
    detail: str
    paths: tuple[PodPath, ...]


CheckFn = Callable[[Mapping[str, Any]], ControlFailure | None]


class VersionedCheck(NamedTuple):
    """One revision of a control, in force from ``min_version`` until the next revision."""

    min_version: tuple[int, int]
    check: CheckFn
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Control:
    """A PSA check: id, level, one-line title, versioned revisions, plus severity and remediation."""

    id: str
    level: str
    title: str
    versions: tuple[VersionedCheck, ...]
    severity: str
    remediation: str

    @property
    def rule_id(self) -> str:
        return RULE_IDS[self.id]

    @property
    def min_version(self) -> tuple[int, int]:
        return self.versions[0].min_version

    def entry_for(self, version: tuple[int, int]) -> VersionedCheck | None:
        """The revision in force at ``version``, or None before the control's first version."""
        found: VersionedCheck | None = None
        for entry in self.versions:
            if entry.min_version <= version:
                found = entry
        return found


# --------------------------------------------------------------------------------------------------
# PSA message helpers (same output as PSA's pluralize / joinQuote and Go's %q).


def pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def join_quote(items: Sequence[str]) -> str:
    """Items wrapped in double quotes and joined by ", " (no escaping, like PSA's joinQuote)."""
    if not items:
        return ""
    return '"' + '", "'.join(items) + '"'


_GO_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_quote(text: str) -> str:
    """Quote like Go's ``%q`` / strconv.Quote: printable runes kept, others escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _containers_phrase(names: Sequence[str]) -> str:
    return f"{pluralize('container', 'containers', len(names))} {join_quote(names)}"


# --------------------------------------------------------------------------------------------------
# Tolerant accessors (see the module docstring for the typing rules).

_EMPTY: Final[Mapping[str, Any]] = {}


def is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """A mapping? Plain dicts (what YAML loaders make) are answered without the slow Mapping ABC check."""
    return isinstance(value, dict) or (value is not None and isinstance(value, Mapping))


def _as_map(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, dict):  # the common cases first: the Mapping ABC check is slow
        return value
    if value is None:
        return None
    return value if isinstance(value, Mapping) else None


def _sub(obj: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    """A nested struct pointer: the mapping, or None when unset, null or wrongly typed."""
    if obj is None:
        return None
    return _as_map(obj.get(key))


def _str(obj: Mapping[str, Any] | None, key: str) -> str:
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, str) else ""


def _str_ptr(obj: Mapping[str, Any] | None, key: str) -> str | None:
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, str) else None


def _bool_ptr(obj: Mapping[str, Any] | None, key: str) -> bool | None:
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, bool) else None


def _int_ptr(obj: Mapping[str, Any] | None, key: str) -> int | None:
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _seq(obj: Mapping[str, Any] | None, key: str) -> Sequence[Any]:
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, list | tuple) else ()


def _struct_items(obj: Mapping[str, Any] | None, key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Elements of a list of structs with their index; null elements are zero-valued structs."""
    for index, item in enumerate(_seq(obj, key)):
        if item is None:
            yield index, _EMPTY
        elif is_map(item):
            yield index, item


def _str_items(obj: Mapping[str, Any] | None, key: str) -> Iterator[tuple[int, str]]:
    """Elements of a list of strings with their index; null elements are empty strings."""
    for index, item in enumerate(_seq(obj, key)):
        if item is None:
            yield index, ""
        elif isinstance(item, str):
            yield index, item


def _spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    if not is_map(pod):
        return _EMPTY
    return _as_map(pod.get("spec")) or _EMPTY


def _annotations(pod: Mapping[str, Any]) -> dict[str, str]:
    """metadata.annotations as a str->str map; null values are "" and other values are dropped."""
    if not is_map(pod):
        return {}
    raw = _sub(_as_map(pod.get("metadata")), "annotations")
    if raw is None:
        return {}
    result: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            continue
        if value is None:
            result[key] = ""
        elif isinstance(value, str):
            result[key] = value
    return result


_CONTAINER_LISTS: Final = ("initContainers", "containers", "ephemeralContainers")


def _containers(spec: Mapping[str, Any]) -> Iterator[tuple[PodPath, Mapping[str, Any]]]:
    """Every container with its path, in PSA's order: initContainers, containers, ephemeralContainers."""
    for list_name in _CONTAINER_LISTS:
        for index, container in _struct_items(spec, list_name):
            yield ("spec", list_name, index), container


def _name(container: Mapping[str, Any]) -> str:
    return _str(container, "name")


def _is_windows(spec: Mapping[str, Any]) -> bool:
    return _str(_sub(spec, "os"), "name") == "windows"


def _user_namespaced(spec: Mapping[str, Any]) -> bool:
    """PSA's relaxPolicyForUserNamespacePod: hostUsers is explicitly false."""
    return spec.get("hostUsers") is False


_POD_SC: Final[PodPath] = ("spec", "securityContext")


# --------------------------------------------------------------------------------------------------
# Baseline checks.


def _host_namespaces_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    spec = _spec(pod)
    found: list[str] = []
    paths: list[PodPath] = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            found.append(f"{field}=true")
            paths.append(("spec", field))
    if not found:
        return None
    return ControlFailure("host namespaces", ", ".join(found), tuple(paths))


def _privileged_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    bad: list[str] = []
    paths: list[PodPath] = []
    for prefix, container in _containers(_spec(pod)):
        if _bool_ptr(_sub(container, "securityContext"), "privileged") is True:
            bad.append(_name(container))
            paths.append((*prefix, "securityContext", "privileged"))
    if not bad:
        return None
    return ControlFailure(
        "privileged", f"{_containers_phrase(bad)} must not set securityContext.privileged=true", tuple(paths)
    )


_BASELINE_CAPABILITIES: Final = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def _capabilities_baseline_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    bad: list[str] = []
    capabilities: set[str] = set()
    paths: list[PodPath] = []
    for prefix, container in _containers(_spec(pod)):
        caps = _sub(_sub(container, "securityContext"), "capabilities")
        if caps is None:
            continue
        valid = True
        for index, cap in _str_items(caps, "add"):
            if cap not in _BASELINE_CAPABILITIES:
                valid = False
                capabilities.add(cap)
                paths.append((*prefix, "securityContext", "capabilities", "add", index))
        if not valid:
            bad.append(_name(container))
    if not bad:
        return None
    return ControlFailure(
        "non-default capabilities",
        f"{_containers_phrase(bad)} must not include {join_quote(sorted(capabilities))} "
        "in securityContext.capabilities.add",
        tuple(paths),
    )


def _host_path_volumes_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    names: list[str] = []
    paths: list[PodPath] = []
    for index, volume in _struct_items(_spec(pod), "volumes"):
        if _sub(volume, "hostPath") is not None:
            names.append(_str(volume, "name"))
            paths.append(("spec", "volumes", index, "hostPath"))
    if not names:
        return None
    return ControlFailure(
        "hostPath volumes", f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}", tuple(paths)
    )


def _host_ports_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    bad: list[str] = []
    ports: set[str] = set()
    paths: list[PodPath] = []
    for prefix, container in _containers(_spec(pod)):
        valid = True
        for index, port in _struct_items(container, "ports"):
            host_port = _int_ptr(port, "hostPort")
            if host_port is not None and host_port != 0:
                valid = False
                ports.add(str(host_port))
                paths.append((*prefix, "ports", index, "hostPort"))
        if not valid:
            bad.append(_name(container))
    if not bad:
        return None
    return ControlFailure(
        "hostPort",
        f"{_containers_phrase(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}",
        tuple(paths),
    )


_APPARMOR_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})
_APPARMOR_ANNOTATION_PREFIX: Final = "container.apparmor.security.beta.kubernetes.io/"


def _apparmor_annotation_allowed(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


def _apparmor_profile_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    spec = _spec(pod)
    setters: list[str] = []
    values: set[str] = set()
    paths: list[PodPath] = []

    pod_profile = _sub(_sub(spec, "securityContext"), "appArmorProfile")
    if pod_profile is not None and _str(pod_profile, "type") not in _APPARMOR_TYPES:
        setters.append("pod")
        values.add(_str(pod_profile, "type"))
        paths.append((*_POD_SC, "appArmorProfile", "type"))

    bad: list[str] = []
    for prefix, container in _containers(spec):
        profile = _sub(_sub(container, "securityContext"), "appArmorProfile")
        if profile is not None and _str(profile, "type") not in _APPARMOR_TYPES:
            bad.append(_name(container))
            values.add(_str(profile, "type"))
            paths.append((*prefix, "securityContext", "appArmorProfile", "type"))
    if bad:
        setters.append(_containers_phrase(bad))

    annotations = _annotations(pod)
    forbidden_keys = sorted(
        key
        for key, value in annotations.items()
        if key.startswith(_APPARMOR_ANNOTATION_PREFIX) and not _apparmor_annotation_allowed(value)
    )
    listed = sorted(values)
    if forbidden_keys:
        listed += sorted(f"{key}={go_quote(annotations[key])}" for key in forbidden_keys)
        setters.append(pluralize("annotation", "annotations", len(forbidden_keys)))
        paths.extend(("metadata", "annotations", key) for key in forbidden_keys)

    if not setters:
        return None
    return ControlFailure(
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(listed)),
        f"{' and '.join(setters)} must not set AppArmor profile type to {join_quote(listed)}",
        tuple(paths),
    )


_SELINUX_TYPES_V1_0: Final = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_SELINUX_TYPES_V1_31: Final = _SELINUX_TYPES_V1_0 | {"container_engine_t"}


def _make_selinux_check(allowed: frozenset[str]) -> CheckFn:
    def check(pod: Mapping[str, Any]) -> ControlFailure | None:
        spec = _spec(pod)
        setters: list[str] = []
        bad_types: set[str] = set()
        flags = {"user": False, "role": False}
        paths: list[PodPath] = []

        def valid(options: Mapping[str, Any], base: PodPath) -> bool:
            ok = True
            selinux_type = _str(options, "type")
            if selinux_type not in allowed:
                ok = False
                bad_types.add(selinux_type)
                paths.append((*base, "type"))
            for field in ("user", "role"):
                if _str(options, field):
                    ok = False
                    flags[field] = True
                    paths.append((*base, field))
            return ok

        pod_options = _sub(_sub(spec, "securityContext"), "seLinuxOptions")
        if pod_options is not None and not valid(pod_options, (*_POD_SC, "seLinuxOptions")):
            setters.append("pod")
        bad: list[str] = []
        for prefix, container in _containers(spec):
            options = _sub(_sub(container, "securityContext"), "seLinuxOptions")
            if options is not None and not valid(options, (*prefix, "securityContext", "seLinuxOptions")):
                bad.append(_name(container))
        if bad:
            setters.append(_containers_phrase(bad))
        if not setters:
            return None
        data: list[str] = []
        if bad_types:
            data.append(f"{pluralize('type', 'types', len(bad_types))} {join_quote(sorted(bad_types))}")
        if flags["user"]:
            data.append("user may not be set")
        if flags["role"]:
            data.append("role may not be set")
        return ControlFailure(
            "seLinuxOptions",
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}",
            tuple(paths),
        )

    return check


def _proc_mount_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    """Unconditional: procMount must be unset or "Default" (PSA's procMount_1_0)."""
    bad: list[str] = []
    types: set[str] = set()
    paths: list[PodPath] = []
    for prefix, container in _containers(_spec(pod)):
        proc_mount = _str_ptr(_sub(container, "securityContext"), "procMount")
        if proc_mount is not None and proc_mount != "Default":
            bad.append(_name(container))
            types.add(proc_mount)
            paths.append((*prefix, "securityContext", "procMount"))
    if not bad:
        return None
    return ControlFailure(
        "procMount",
        f"{_containers_phrase(bad)} must not set securityContext.procMount to {join_quote(sorted(types))}",
        tuple(paths),
    )


def _proc_mount_v1_35_baseline(pod: Mapping[str, Any]) -> ControlFailure | None:
    """From 1.35 baseline allows any procMount in a user-namespaced pod (hostUsers: false)."""
    if _user_namespaced(_spec(pod)):
        return None
    return _proc_mount_v1_0(pod)


_SECCOMP_POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_PREFIX: Final = "container.seccomp.security.alpha.kubernetes.io/"
_SECCOMP_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})


def _seccomp_annotation_allowed(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def _seccomp_baseline_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    """Before 1.19 only the alpha annotations are checked."""
    annotations = _annotations(pod)
    forbidden: dict[str, PodPath] = {}

    def consider(key: str) -> None:
        if key in annotations and not _seccomp_annotation_allowed(annotations[key]):
            forbidden[f"{key}={go_quote(annotations[key])}"] = ("metadata", "annotations", key)

    consider(_SECCOMP_POD_ANNOTATION)
    for _prefix, container in _containers(_spec(pod)):
        consider(_SECCOMP_CONTAINER_PREFIX + _name(container))
    if not forbidden:
        return None
    entries = sorted(forbidden)
    return ControlFailure(
        "seccompProfile",
        f"forbidden {pluralize('annotation', 'annotations', len(entries))} {', '.join(entries)}",
        tuple(forbidden[entry] for entry in entries),
    )


def _seccomp_baseline_v1_19(pod: Mapping[str, Any]) -> ControlFailure | None:
    """From 1.19 only the seccompProfile fields are checked; unset is allowed."""
    spec = _spec(pod)
    setters: list[str] = []
    values: set[str] = set()
    paths: list[PodPath] = []
    profile = _sub(_sub(spec, "securityContext"), "seccompProfile")
    if profile is not None and _str(profile, "type") not in _SECCOMP_TYPES:
        setters.append("pod")
        values.add(_str(profile, "type"))
        paths.append((*_POD_SC, "seccompProfile", "type"))
    bad: list[str] = []
    for prefix, container in _containers(spec):
        profile = _sub(_sub(container, "securityContext"), "seccompProfile")
        if profile is not None and _str(profile, "type") not in _SECCOMP_TYPES:
            bad.append(_name(container))
            values.add(_str(profile, "type"))
            paths.append((*prefix, "securityContext", "seccompProfile", "type"))
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    return ControlFailure(
        "seccompProfile",
        f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {join_quote(sorted(values))}",
        tuple(paths),
    )


_SYSCTLS_V1_0: Final = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
_SYSCTLS_V1_27: Final = _SYSCTLS_V1_0 | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS_V1_29: Final = _SYSCTLS_V1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
_SYSCTLS_V1_32: Final = _SYSCTLS_V1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
_SYSCTLS_V1_37: Final = _SYSCTLS_V1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}

#: The safe sysctl set of each sysctls revision, keyed by the revision's first version.
SAFE_SYSCTLS: Final[Mapping[tuple[int, int], frozenset[str]]] = {
    (1, 0): _SYSCTLS_V1_0,
    (1, 27): _SYSCTLS_V1_27,
    (1, 29): _SYSCTLS_V1_29,
    (1, 32): _SYSCTLS_V1_32,
    (1, 37): _SYSCTLS_V1_37,
}


def _make_sysctls_check(allowed: frozenset[str]) -> CheckFn:
    def check(pod: Mapping[str, Any]) -> ControlFailure | None:
        forbidden: list[str] = []
        paths: list[PodPath] = []
        for index, sysctl in _struct_items(_sub(_spec(pod), "securityContext"), "sysctls"):
            name = _str(sysctl, "name")
            if name not in allowed:
                forbidden.append(name)
                paths.append((*_POD_SC, "sysctls", index, "name"))
        if not forbidden:
            return None
        return ControlFailure("forbidden sysctls", ", ".join(forbidden), tuple(paths))

    return check


def _windows_host_process_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    spec = _spec(pod)
    bad: list[str] = []
    container_paths: list[PodPath] = []
    for prefix, container in _containers(spec):
        options = _sub(_sub(container, "securityContext"), "windowsOptions")
        if _bool_ptr(options, "hostProcess") is True:
            bad.append(_name(container))
            container_paths.append((*prefix, "securityContext", "windowsOptions", "hostProcess"))
    setters: list[str] = []
    paths: list[PodPath] = []
    if _bool_ptr(_sub(_sub(spec, "securityContext"), "windowsOptions"), "hostProcess") is True:
        setters.append("pod")
        paths.append((*_POD_SC, "windowsOptions", "hostProcess"))
    if bad:
        setters.append(_containers_phrase(bad))
        paths.extend(container_paths)
    if not setters:
        return None
    return ControlFailure(
        "hostProcess",
        f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        tuple(paths),
    )


_PROBES: Final = ("livenessProbe", "readinessProbe", "startupProbe")
_LIFECYCLE_HANDLERS: Final = ("postStart", "preStop")
_HOST_ACTIONS: Final = ("httpGet", "tcpSocket")


def _host_probes_and_host_lifecycle_v1_34(pod: Mapping[str, Any]) -> ControlFailure | None:
    bad: set[str] = set()
    hosts: set[str] = set()
    paths: list[PodPath] = []

    def inspect(handler: Mapping[str, Any] | None, base: PodPath, container: str) -> None:
        for action in _HOST_ACTIONS:
            host = _str(_sub(handler, action), "host")
            if host:
                bad.add(container)
                hosts.add(host)
                paths.append((*base, action, "host"))

    for prefix, container in _containers(_spec(pod)):
        name = _name(container)
        for probe in _PROBES:
            inspect(_sub(container, probe), (*prefix, probe), name)
        lifecycle = _sub(container, "lifecycle")
        for handler in _LIFECYCLE_HANDLERS:
            inspect(_sub(lifecycle, handler), (*prefix, "lifecycle", handler), name)
    if not bad:
        return None
    return ControlFailure(
        "probe or lifecycle host",
        f"{_containers_phrase(sorted(bad))} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} "
        f"{join_quote(sorted(hosts))}",
        tuple(paths),
    )


# --------------------------------------------------------------------------------------------------
# Restricted checks.

#: Volume sources restricted allows (image since the 1.33 fix, applied to every policy version).
RESTRICTED_ALLOWED_VOLUME_SOURCES: Final = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
#: Restricted volume sources, in the order PSA names the first one set.
_RESTRICTED_VOLUME_SOURCES: Final = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)
#: Every VolumeSource field of the core/v1 API (used by the emptyDir defaulting).
VOLUME_SOURCES: Final = frozenset(RESTRICTED_ALLOWED_VOLUME_SOURCES) | frozenset(_RESTRICTED_VOLUME_SOURCES)


def _restricted_volumes_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    names: list[str] = []
    types: set[str] = set()
    paths: list[PodPath] = []
    for index, volume in _struct_items(_spec(pod), "volumes"):
        if any(_sub(volume, source) is not None for source in RESTRICTED_ALLOWED_VOLUME_SOURCES):
            continue
        names.append(_str(volume, "name"))
        source = next((s for s in _RESTRICTED_VOLUME_SOURCES if _sub(volume, s) is not None), None)
        if source is None:
            types.add("unknown")
            paths.append(("spec", "volumes", index))
        else:
            types.add(source)
            paths.append(("spec", "volumes", index, source))
    if not names:
        return None
    return ControlFailure(
        "restricted volume types",
        f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)} "
        f"{pluralize('uses', 'use', len(names))} "
        f"{pluralize('restricted volume type', 'restricted volume types', len(types))} "
        f"{join_quote(sorted(types))}",
        tuple(paths),
    )


def _allow_privilege_escalation_v1_8(pod: Mapping[str, Any]) -> ControlFailure | None:
    bad: list[str] = []
    paths: list[PodPath] = []
    for prefix, container in _containers(_spec(pod)):
        value = _bool_ptr(_sub(container, "securityContext"), "allowPrivilegeEscalation")
        if value is False:
            continue
        bad.append(_name(container))
        if value is True:
            paths.append((*prefix, "securityContext", "allowPrivilegeEscalation"))
        else:
            paths.append((*prefix, "securityContext"))
    if not bad:
        return None
    return ControlFailure(
        "allowPrivilegeEscalation != false",
        f"{_containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false",
        tuple(paths),
    )


def _windows_exempt(check: CheckFn) -> CheckFn:
    """The 1.25 revision: pods with spec.os.name "windows" are exempt."""

    def exempting(pod: Mapping[str, Any]) -> ControlFailure | None:
        if _is_windows(_spec(pod)):
            return None
        return check(pod)

    return exempting


def _user_namespace_exempt(check: CheckFn) -> CheckFn:
    """The 1.35 revision: pods with hostUsers: false are exempt."""

    def exempting(pod: Mapping[str, Any]) -> ControlFailure | None:
        if _user_namespaced(_spec(pod)):
            return None
        return check(pod)

    return exempting


def _run_as_non_root_v1_0(pod: Mapping[str, Any]) -> ControlFailure | None:
    spec = _spec(pod)
    setters: list[str] = []
    explicit_paths: list[PodPath] = []
    pod_non_root = False
    pod_value = _bool_ptr(_sub(spec, "securityContext"), "runAsNonRoot")
    if pod_value is False:
        setters.append("pod")
        explicit_paths.append((*_POD_SC, "runAsNonRoot"))
    elif pod_value is True:
        pod_non_root = True

    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[PodPath] = [_POD_SC]
    for prefix, container in _containers(spec):
        value = _bool_ptr(_sub(container, "securityContext"), "runAsNonRoot")
        if value is False:
            explicit.append(_name(container))
            explicit_paths.append((*prefix, "securityContext", "runAsNonRoot"))
        elif value is None and not pod_non_root:
            implicit.append(_name(container))
            implicit_paths.append((*prefix, "securityContext"))
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return ControlFailure(
            "runAsNonRoot != true",
            f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false",
            tuple(explicit_paths),
        )
    if implicit:
        return ControlFailure(
            "runAsNonRoot != true",
            f"pod or {_containers_phrase(implicit)} must set securityContext.runAsNonRoot=true",
            tuple(implicit_paths),
        )
    return None


def _run_as_user_v1_23(pod: Mapping[str, Any]) -> ControlFailure | None:
    spec = _spec(pod)
    setters: list[str] = []
    paths: list[PodPath] = []
    if _int_ptr(_sub(spec, "securityContext"), "runAsUser") == 0:
        setters.append("pod")
        paths.append((*_POD_SC, "runAsUser"))
    bad: list[str] = []
    for prefix, container in _containers(spec):
        if _int_ptr(_sub(container, "securityContext"), "runAsUser") == 0:
            bad.append(_name(container))
            paths.append((*prefix, "securityContext", "runAsUser"))
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    return ControlFailure("runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0", tuple(paths))


def _seccomp_restricted_v1_19(pod: Mapping[str, Any]) -> ControlFailure | None:
    spec = _spec(pod)
    setters: list[str] = []
    values: set[str] = set()
    explicit_paths: list[PodPath] = []
    pod_set = False
    profile = _sub(_sub(spec, "securityContext"), "seccompProfile")
    if profile is not None:
        if _str(profile, "type") in _SECCOMP_TYPES:
            pod_set = True
        else:
            setters.append("pod")
            values.add(_str(profile, "type"))
            explicit_paths.append((*_POD_SC, "seccompProfile", "type"))

    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[PodPath] = [_POD_SC]
    for prefix, container in _containers(spec):
        profile = _sub(_sub(container, "securityContext"), "seccompProfile")
        if profile is not None:
            if _str(profile, "type") not in _SECCOMP_TYPES:
                explicit.append(_name(container))
                values.add(_str(profile, "type"))
                explicit_paths.append((*prefix, "securityContext", "seccompProfile", "type"))
        elif not pod_set:
            implicit.append(_name(container))
            implicit_paths.append((*prefix, "securityContext"))
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return ControlFailure(
            "seccompProfile",
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {join_quote(sorted(values))}",
            tuple(explicit_paths),
        )
    if implicit:
        return ControlFailure(
            "seccompProfile",
            f"pod or {_containers_phrase(implicit)} must set securityContext.seccompProfile.type to "
            '"RuntimeDefault" or "Localhost"',
            tuple(implicit_paths),
        )
    return None


def _capabilities_restricted_v1_22(pod: Mapping[str, Any]) -> ControlFailure | None:
    missing_drop: list[str] = []
    adding: list[str] = []
    capabilities: set[str] = set()
    missing_paths: list[PodPath] = []
    adding_paths: list[PodPath] = []
    for prefix, container in _containers(_spec(pod)):
        caps = _sub(_sub(container, "securityContext"), "capabilities")
        if caps is None:
            missing_drop.append(_name(container))
            missing_paths.append((*prefix, "securityContext"))
            continue
        if not any(cap == "ALL" for _index, cap in _str_items(caps, "drop")):
            missing_drop.append(_name(container))
            missing_paths.append((*prefix, "securityContext", "capabilities", "drop"))
        forbidden = False
        for index, cap in _str_items(caps, "add"):
            if cap != "NET_BIND_SERVICE":
                forbidden = True
                capabilities.add(cap)
                adding_paths.append((*prefix, "securityContext", "capabilities", "add", index))
        if forbidden:
            adding.append(_name(container))
    details: list[str] = []
    if missing_drop:
        details.append(f'{_containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(
            f"{_containers_phrase(adding)} must not include {join_quote(sorted(capabilities))} "
            "in securityContext.capabilities.add"
        )
    if not details:
        return None
    return ControlFailure("unrestricted capabilities", "; ".join(details), (*missing_paths, *adding_paths))


# --------------------------------------------------------------------------------------------------
# The registry.

RULE_IDS: Final[Mapping[str, str]] = {
    "hostNamespaces": "STK-PSS-0001",
    "privileged": "STK-PSS-0002",
    "capabilities_baseline": "STK-PSS-0003",
    "hostPathVolumes": "STK-PSS-0004",
    "hostPorts": "STK-PSS-0005",
    "appArmorProfile": "STK-PSS-0006",
    "seLinuxOptions": "STK-PSS-0007",
    "procMount": "STK-PSS-0008",
    "seccompProfile_baseline": "STK-PSS-0009",
    "sysctls": "STK-PSS-0010",
    "windowsHostProcess": "STK-PSS-0011",
    "hostProbesAndHostLifecycle": "STK-PSS-0012",
    "restrictedVolumes": "STK-PSS-0013",
    "allowPrivilegeEscalation": "STK-PSS-0014",
    "runAsNonRoot": "STK-PSS-0015",
    "runAsUser": "STK-PSS-0016",
    "seccompProfile_restricted": "STK-PSS-0017",
    "capabilities_restricted": "STK-PSS-0018",
    "procMount_restricted": "STK-PSS-0019",
}

_V = VersionedCheck

CONTROLS: Final[tuple[Control, ...]] = (
    Control(
        id="hostNamespaces",
        level="baseline",
        title="Sharing the host network, PID or IPC namespace is forbidden",
        versions=(_V((1, 0), _host_namespaces_v1_0),),
        severity="HIGH",
        remediation="Remove the host namespace settings or set them to false:\n"
        "spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false",
    ),
    Control(
        id="privileged",
        level="baseline",
        title="Privileged containers are forbidden",
        versions=(_V((1, 0), _privileged_v1_0),),
        severity="HIGH",
        remediation="Remove privileged or set it to false in every container:\nsecurityContext:\n  privileged: false",
    ),
    Control(
        id="capabilities_baseline",
        level="baseline",
        title="Only capabilities from the default set may be added",
        versions=(_V((1, 0), _capabilities_baseline_v1_0),),
        severity="HIGH",
        remediation="Add only default capabilities (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, "
        "MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT):\n"
        "securityContext:\n  capabilities:\n    add: [NET_BIND_SERVICE]",
    ),
    Control(
        id="hostPathVolumes",
        level="baseline",
        title="HostPath volumes are forbidden",
        versions=(_V((1, 0), _host_path_volumes_v1_0),),
        severity="HIGH",
        remediation="Replace hostPath volumes with an allowed source, for example:\n"
        "volumes:\n- name: data\n  emptyDir: {}",
    ),
    Control(
        id="hostPorts",
        level="baseline",
        title="Host ports are forbidden",
        versions=(_V((1, 0), _host_ports_v1_0),),
        severity="MEDIUM",
        remediation="Remove hostPort (or set it to 0) and expose the port with a Service; with hostNetwork "
        "the API server copies containerPort into hostPort:\n"
        "ports:\n- containerPort: 8080",
    ),
    Control(
        id="appArmorProfile",
        level="baseline",
        title="AppArmor must not be disabled or overridden with an unknown profile",
        versions=(_V((1, 0), _apparmor_profile_v1_0),),
        severity="MEDIUM",
        remediation="Use the runtime default or a localhost profile, never Unconfined:\n"
        "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault",
    ),
    Control(
        id="seLinuxOptions",
        level="baseline",
        title="SELinux type is restricted and a custom SELinux user or role is forbidden",
        versions=(
            _V((1, 0), _make_selinux_check(_SELINUX_TYPES_V1_0)),
            _V((1, 31), _make_selinux_check(_SELINUX_TYPES_V1_31)),
        ),
        severity="MEDIUM",
        remediation="Leave seLinuxOptions unset or use an allowed type without user or role:\n"
        "securityContext:\n  seLinuxOptions:\n    type: container_t",
    ),
    Control(
        id="procMount",
        level="baseline",
        title="The default /proc masks are required",
        versions=(_V((1, 0), _proc_mount_v1_0), _V((1, 35), _proc_mount_v1_35_baseline)),
        severity="MEDIUM",
        remediation="Remove procMount or set it to Default:\nsecurityContext:\n  procMount: Default",
    ),
    Control(
        id="seccompProfile_baseline",
        level="baseline",
        title="Seccomp must not be set to Unconfined",
        versions=(_V((1, 0), _seccomp_baseline_v1_0), _V((1, 19), _seccomp_baseline_v1_19)),
        severity="MEDIUM",
        remediation="Use the runtime default or a localhost seccomp profile:\n"
        "securityContext:\n  seccompProfile:\n    type: RuntimeDefault",
    ),
    Control(
        id="sysctls",
        level="baseline",
        title="Only safe sysctls may be set",
        versions=tuple(_V(version, _make_sysctls_check(allowed)) for version, allowed in SAFE_SYSCTLS.items()),
        severity="MEDIUM",
        remediation="Set only sysctls from the safe set:\n"
        "spec:\n  securityContext:\n    sysctls:\n    - name: net.ipv4.ip_local_port_range\n"
        '      value: "1024 65535"',
    ),
    Control(
        id="windowsHostProcess",
        level="baseline",
        title="Windows HostProcess containers are forbidden",
        versions=(_V((1, 0), _windows_host_process_v1_0),),
        severity="HIGH",
        remediation="Remove hostProcess or set it to false in the pod and every container:\n"
        "securityContext:\n  windowsOptions:\n    hostProcess: false",
    ),
    Control(
        id="hostProbesAndHostLifecycle",
        level="baseline",
        title="Probes and lifecycle handlers must not set a host",
        versions=(_V((1, 34), _host_probes_and_host_lifecycle_v1_34),),
        severity="MEDIUM",
        remediation="Remove host from httpGet and tcpSocket probes and lifecycle handlers "
        "(the pod IP is used):\n"
        "livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080",
    ),
    Control(
        id="restrictedVolumes",
        level="restricted",
        title="Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, "
        "projected and secret volumes are allowed",
        versions=(_V((1, 0), _restricted_volumes_v1_0, ("hostPathVolumes",)),),
        severity="MEDIUM",
        remediation="Use an allowed volume source, for example a PersistentVolumeClaim:\n"
        "volumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data",
    ),
    Control(
        id="allowPrivilegeEscalation",
        level="restricted",
        title="Privilege escalation must be disallowed",
        versions=(
            _V((1, 8), _allow_privilege_escalation_v1_8),
            _V((1, 25), _windows_exempt(_allow_privilege_escalation_v1_8)),
        ),
        severity="MEDIUM",
        remediation="Set allowPrivilegeEscalation to false in every container:\n"
        "securityContext:\n  allowPrivilegeEscalation: false",
    ),
    Control(
        id="runAsNonRoot",
        level="restricted",
        title="Containers must run as non-root",
        versions=(
            _V((1, 0), _run_as_non_root_v1_0),
            _V((1, 35), _user_namespace_exempt(_run_as_non_root_v1_0)),
        ),
        severity="MEDIUM",
        remediation="Set runAsNonRoot to true for the pod (or every container):\n"
        "spec:\n  securityContext:\n    runAsNonRoot: true",
    ),
    Control(
        id="runAsUser",
        level="restricted",
        title="Containers must not run as UID 0",
        versions=(
            _V((1, 23), _run_as_user_v1_23),
            _V((1, 35), _user_namespace_exempt(_run_as_user_v1_23)),
        ),
        severity="MEDIUM",
        remediation="Remove runAsUser: 0 or use a non-zero user ID:\nsecurityContext:\n  runAsUser: 1000",
    ),
    Control(
        id="seccompProfile_restricted",
        level="restricted",
        title="Seccomp must be set to RuntimeDefault or Localhost",
        versions=(
            _V((1, 19), _seccomp_restricted_v1_19, ("seccompProfile_baseline",)),
            _V((1, 25), _windows_exempt(_seccomp_restricted_v1_19), ("seccompProfile_baseline",)),
        ),
        severity="MEDIUM",
        remediation="Set a seccomp profile for the pod (or every container):\n"
        "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault",
    ),
    Control(
        id="capabilities_restricted",
        level="restricted",
        title="Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE",
        versions=(
            _V((1, 22), _capabilities_restricted_v1_22, ("capabilities_baseline",)),
            _V((1, 25), _windows_exempt(_capabilities_restricted_v1_22), ("capabilities_baseline",)),
        ),
        severity="MEDIUM",
        remediation="Drop ALL capabilities in every container and add back at most NET_BIND_SERVICE:\n"
        'securityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]',
    ),
    Control(
        id="procMount_restricted",
        level="restricted",
        title="The default /proc masks are required, even in user namespaces",
        versions=(_V((1, 35), _proc_mount_v1_0, ("procMount",)),),
        severity="MEDIUM",
        remediation="Remove procMount or set it to Default:\nsecurityContext:\n  procMount: Default",
    ),
)

CONTROLS_BY_ID: Final[Mapping[str, Control]] = {control.id: control for control in CONTROLS}
