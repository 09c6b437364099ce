"""Unit tests: PSA's exact messages, overrides, version handling, defaulting and hostile input."""

from __future__ import annotations

import copy
import random
import re
from typing import Any

import pytest

from stockade.checks.pss import (
    CONTROLS,
    CONTROLS_BY_ID,
    LATEST,
    LATEST_KNOWN,
    RULE_IDS,
    ControlResult,
    PolicyVersion,
    apply_api_defaults,
    controls_for,
    evaluate_pod,
    format_message,
    parse_version,
    resolve_checks,
)
from stockade.checks.pss.controls import go_quote, join_quote, pluralize

Pod = dict[str, Any]


def pod(spec: dict[str, Any] | None = None, annotations: dict[str, Any] | None = None) -> Pod:
    result: Pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec or {}}
    if annotations is not None:
        result["metadata"]["annotations"] = annotations
    return result


def restricted_pod(**spec: Any) -> Pod:
    """A pod compliant with restricted at every version, plus the given spec fields."""
    hardened = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    base: dict[str, Any] = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "image": "img", "securityContext": copy.deepcopy(hardened)}],
    }
    base.update(spec)
    return pod(base)


def message(p: Pod, level: str = "baseline", version: str = "latest") -> str:
    return format_message(level, version, evaluate_pod(p, level, version))


def sc(**fields: Any) -> dict[str, Any]:
    return {"securityContext": fields}


def ctr(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "img", **fields}


# ------------------------------------------------------------------------------------------------
# Versions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("latest", LATEST),
        ("v1.0", PolicyVersion(1, 0)),
        ("v1.25", PolicyVersion(1, 25)),
        ("v1.37", PolicyVersion(1, 37)),
        ("v1.120", PolicyVersion(1, 120)),
    ],
)
def test_parse_version_valid(text: str, expected: PolicyVersion) -> None:
    parsed = parse_version(text)
    assert parsed == expected
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Latest",
        "LATEST",
        "1.25",
        "v1",
        "v1.",
        "v1.x",
        "v1.025",
        "v1.00",
        "v2.0",
        "v0.9",
        "V1.2",
        "v1.2.3",
        " v1.2",
        "v1.2 ",
        "v1.2\n",
        "v1.-1",
        "v1.٣",
        "v1.1e3",
    ],
)
def test_parse_version_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape('must be "latest" or "v1.x"')):
        parse_version(text)


@pytest.mark.parametrize("value", [None, 1.25, 125, b"v1.25"])
def test_parse_version_rejects_non_strings(value: Any) -> None:
    with pytest.raises(ValueError, match="invalid policy version"):
        parse_version(value)


def test_policy_version_ordering_and_resolution() -> None:
    assert PolicyVersion(1, 9).older(PolicyVersion(1, 10))
    assert not PolicyVersion(1, 10).older(PolicyVersion(1, 9))
    assert PolicyVersion(1, 99).older(LATEST)
    assert not LATEST.older(PolicyVersion(1, 99))
    assert not LATEST.older(LATEST)
    assert PolicyVersion(latest=True) == LATEST
    assert (LATEST.major, LATEST.minor) == (0, 0)
    assert LATEST.resolved() == LATEST_KNOWN
    assert PolicyVersion(1, 40).resolved() == LATEST_KNOWN
    assert PolicyVersion(2, 0).resolved() == LATEST_KNOWN
    assert PolicyVersion(1, 25).resolved() == (1, 25)
    with pytest.raises(ValueError):
        PolicyVersion(1, -1)
    with pytest.raises(TypeError):
        PolicyVersion(1, True)


def test_latest_known_is_the_newest_minimum_version() -> None:
    newest = max(entry.min_version for control in CONTROLS for entry in control.versions)
    assert newest == LATEST_KNOWN == (1, 37)


# ------------------------------------------------------------------------------------------------
# Registry, versions and overrides

BASELINE_IDS = [
    "appArmorProfile",
    "capabilities_baseline",
    "hostNamespaces",
    "hostPathVolumes",
    "hostPorts",
    "hostProbesAndHostLifecycle",
    "privileged",
    "procMount",
    "seLinuxOptions",
    "seccompProfile_baseline",
    "sysctls",
    "windowsHostProcess",
]


def test_control_inventory() -> None:
    expected = {
        "hostNamespaces": ("baseline", [(1, 0)]),
        "privileged": ("baseline", [(1, 0)]),
        "capabilities_baseline": ("baseline", [(1, 0)]),
        "hostPathVolumes": ("baseline", [(1, 0)]),
        "hostPorts": ("baseline", [(1, 0)]),
        "appArmorProfile": ("baseline", [(1, 0)]),
        "seLinuxOptions": ("baseline", [(1, 0), (1, 31)]),
        "procMount": ("baseline", [(1, 0), (1, 35)]),
        "seccompProfile_baseline": ("baseline", [(1, 0), (1, 19)]),
        "sysctls": ("baseline", [(1, 0), (1, 27), (1, 29), (1, 32), (1, 37)]),
        "windowsHostProcess": ("baseline", [(1, 0)]),
        "hostProbesAndHostLifecycle": ("baseline", [(1, 34)]),
        "restrictedVolumes": ("restricted", [(1, 0)]),
        "allowPrivilegeEscalation": ("restricted", [(1, 8), (1, 25)]),
        "runAsNonRoot": ("restricted", [(1, 0), (1, 35)]),
        "runAsUser": ("restricted", [(1, 23), (1, 35)]),
        "seccompProfile_restricted": ("restricted", [(1, 19), (1, 25)]),
        "capabilities_restricted": ("restricted", [(1, 22), (1, 25)]),
        "procMount_restricted": ("restricted", [(1, 35)]),
    }
    actual = {c.id: (c.level, [e.min_version for e in c.versions]) for c in CONTROLS}
    assert actual == expected
    overrides = {c.id: [e.overrides for e in c.versions] for c in CONTROLS if any(e.overrides for e in c.versions)}
    assert overrides == {
        "restrictedVolumes": [("hostPathVolumes",)],
        "seccompProfile_restricted": [("seccompProfile_baseline",), ("seccompProfile_baseline",)],
        "capabilities_restricted": [("capabilities_baseline",), ("capabilities_baseline",)],
        "procMount_restricted": [("procMount",)],
    }


def test_rule_ids_titles_severity_remediation() -> None:
    assert RULE_IDS == {
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
    assert len(set(RULE_IDS.values())) == len(RULE_IDS)
    high = {"privileged", "hostNamespaces", "hostPathVolumes", "windowsHostProcess", "capabilities_baseline"}
    for control in CONTROLS:
        assert control.rule_id == RULE_IDS[control.id]
        assert control.title and "\n" not in control.title
        assert ":\n" in control.remediation, "remediation shows the YAML to set"
        assert control.severity == ("HIGH" if control.id in high else "MEDIUM")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v1.0", [*BASELINE_IDS[:5], *BASELINE_IDS[6:]]),
        ("v1.33", [*BASELINE_IDS[:5], *BASELINE_IDS[6:]]),
        ("v1.34", BASELINE_IDS),
        ("latest", BASELINE_IDS),
    ],
)
def test_baseline_controls(version: str, expected: list[str]) -> None:
    assert [c.id for c in controls_for("baseline", version)] == expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (
            "v1.0",
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
                "restrictedVolumes",
                "runAsNonRoot",
            ],
        ),
        (
            "v1.8",
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "restrictedVolumes",
                "runAsNonRoot",
            ],
        ),
        (
            "v1.19",
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "restrictedVolumes",
                "runAsNonRoot",
                "seccompProfile_restricted",
            ],
        ),
        (
            "v1.22",
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "seccompProfile_restricted",
            ],
        ),
        (
            "v1.34",
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ],
        ),
        (
            "v1.35",
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ],
        ),
    ],
)
def test_restricted_controls_and_overrides(version: str, expected: list[str]) -> None:
    assert [c.id for c in controls_for("restricted", version)] == expected


def test_privileged_level_and_invalid_levels() -> None:
    assert controls_for("privileged", "latest") == ()
    assert evaluate_pod(pod({"hostPID": True}), "privileged", "v1.0") == []
    for bad in ("Baseline", "", "strict"):
        with pytest.raises(ValueError, match="must be one of privileged, baseline, restricted"):
            evaluate_pod(pod(), bad, "latest")


def test_revision_in_force() -> None:
    sysctls = CONTROLS_BY_ID["sysctls"]
    assert sysctls.entry_for((1, 26)) is sysctls.versions[0]
    assert sysctls.entry_for((1, 27)) is sysctls.versions[1]
    assert sysctls.entry_for((1, 36)) is sysctls.versions[3]
    assert CONTROLS_BY_ID["runAsUser"].entry_for((1, 22)) is None
    checks = dict((c.id, e) for c, e in resolve_checks("restricted", "v1.30"))
    assert checks["runAsUser"].min_version == (1, 23)
    assert checks["allowPrivilegeEscalation"].min_version == (1, 25)


def test_versions_before_a_control_exist_do_not_check_it() -> None:
    probe = pod({"containers": [ctr("a", livenessProbe={"httpGet": {"host": "x", "port": 80}})]})
    assert evaluate_pod(probe, "baseline", "v1.33") == []
    assert [r.control_id for r in evaluate_pod(probe, "baseline", "v1.34")] == ["hostProbesAndHostLifecycle"]
    root = restricted_pod(
        securityContext={"runAsNonRoot": True, "runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}}
    )
    assert evaluate_pod(root, "restricted", "v1.22") == []
    assert [r.control_id for r in evaluate_pod(root, "restricted", "v1.23")] == ["runAsUser"]
    # versions older than any policy (PolicyVersion(0, x) cannot be parsed) have no checks at all
    assert evaluate_pod(pod({"hostPID": True}), "baseline", PolicyVersion(0, 9)) == []


def test_latest_and_too_new_versions_evaluate_as_newest_known() -> None:
    pods = [
        pod({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat"}, {"name": "kernel.msgmax"}]}}),
        restricted_pod(hostUsers=False, containers=[ctr("a", securityContext={"procMount": "Unmasked"})]),
        pod({"containers": [ctr("a", startupProbe={"tcpSocket": {"host": "h", "port": 1}})]}),
    ]
    for p in pods:
        for level in ("baseline", "restricted"):
            latest = evaluate_pod(p, level, "latest")
            assert evaluate_pod(p, level, "v1.37") == latest
            assert evaluate_pod(p, level, "v1.99") == latest
            assert evaluate_pod(p, level, PolicyVersion(2, 0)) == latest
    first = pods[0]
    assert (
        message(first, "baseline", "v1.99")
        == 'violates PodSecurity "baseline:v1.99": forbidden sysctls (kernel.msgmax)'
    )
    assert message(first, "baseline", "v1.36") == (
        'violates PodSecurity "baseline:v1.36": forbidden sysctls (net.ipv4.tcp_notsent_lowat, kernel.msgmax)'
    )


# ------------------------------------------------------------------------------------------------
# Exact reasons and details (PSA's wording, pluralization, quoting and sorting)


def test_helpers() -> None:
    assert pluralize("container", "containers", 1) == "container"
    assert pluralize("container", "containers", 0) == "containers"
    assert join_quote([]) == ""
    assert join_quote(["a", 'b"c']) == '"a", "b"c"'
    assert go_quote('a"b\\c\n\t\x00\x07\x7f\u00a0é\U0001f600\u2028') == (
        '"a\\"b\\\\c\\n\\t\\x00\\a\\x7f\\u00a0é\U0001f600\\u2028"'
    )


MESSAGE_CASES: list[tuple[str, Pod, str, str, str]] = [
    (
        "host namespaces",
        pod({"hostIPC": True, "hostNetwork": True, "hostPID": True}),
        "baseline",
        "latest",
        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)",
    ),
    (
        "privileged",
        pod(
            {
                "containers": [
                    ctr("a"),
                    ctr("b", securityContext={}),
                    ctr("c", **sc(privileged=False)),
                    ctr("d", **sc(privileged=True)),
                ],
                "initContainers": [ctr("i", **sc(privileged=True))],
            }
        ),
        "baseline",
        "v1.0",
        'privileged (containers "i", "d" must not set securityContext.privileged=true)',
    ),
    (
        "baseline capabilities",
        pod(
            {
                "containers": [
                    ctr("web", **sc(capabilities={"add": ["NET_RAW", "CHOWN"]})),
                    ctr("job", **sc(capabilities={"add": ["SYS_ADMIN", "NET_RAW", "KILL"]})),
                ]
            }
        ),
        "baseline",
        "v1.30",
        'non-default capabilities (containers "web", "job" must not include "NET_RAW", "SYS_ADMIN" '
        "in securityContext.capabilities.add)",
    ),
    (
        "hostPath volumes",
        pod(
            {
                "volumes": [
                    {"name": "h1", "hostPath": {"path": "/"}},
                    {"name": "tmp", "emptyDir": {}},
                    {"name": "h2", "hostPath": {"path": "/etc"}},
                ]
            }
        ),
        "baseline",
        "latest",
        'hostPath volumes (volumes "h1", "h2")',
    ),
    (
        "host ports sort as text",
        pod(
            {
                "containers": [
                    ctr("a", ports=[{"containerPort": 1, "hostPort": 9000}]),
                    ctr("b", ports=[{"containerPort": 2, "hostPort": 10000}, {"containerPort": 3, "hostPort": 9000}]),
                ]
            }
        ),
        "baseline",
        "latest",
        'hostPort (containers "a", "b" use hostPorts 10000, 9000)',
    ),
    (
        "one host port",
        pod({"initContainers": [ctr("a", ports=[{"containerPort": 53, "hostPort": 53}])]}),
        "baseline",
        "latest",
        'hostPort (container "a" uses hostPort 53)',
    ),
    (
        "apparmor fields and annotation",
        pod(
            {
                "securityContext": {"appArmorProfile": {"type": "Unconfined"}},
                "containers": [
                    ctr("a", **sc(appArmorProfile={"type": "Unconfined"})),
                    ctr("b", **sc(appArmorProfile={"type": "Localhost", "localhostProfile": "x"})),
                ],
            },
            annotations={"container.apparmor.security.beta.kubernetes.io/c": "unconfined"},
        ),
        "baseline",
        "v1.5",
        'forbidden AppArmor profiles (pod and container "a" and annotation must not set AppArmor profile type '
        'to "Unconfined", "container.apparmor.security.beta.kubernetes.io/c="unconfined"")',
    ),
    (
        "apparmor annotations only",
        pod(
            {},
            annotations={
                "container.apparmor.security.beta.kubernetes.io/": "bogus",
                "container.apparmor.security.beta.kubernetes.io/a": "",
                "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
                "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
                "container.apparmor.security.beta.kubernetes.io/z": "unconfined",
                "container.apparmor.security.beta.kubernetes.io/y": 'say "hi"\n',
                "apparmor.example.com/other": "unconfined",
            },
        ),
        "baseline",
        "latest",
        "forbidden AppArmor profiles (annotations must not set AppArmor profile type to "
        '"container.apparmor.security.beta.kubernetes.io/="bogus"", '
        '"container.apparmor.security.beta.kubernetes.io/y="say \\"hi\\"\\n"", '
        '"container.apparmor.security.beta.kubernetes.io/z="unconfined"")',
    ),
    (
        "apparmor one empty field type",
        pod({"ephemeralContainers": [ctr("dbg", **sc(appArmorProfile={}))]}),
        "baseline",
        "latest",
        'forbidden AppArmor profile (container "dbg" must not set AppArmor profile type to "")',
    ),
    (
        "selinux 1.31",
        pod(
            {
                "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "u", "role": "r"}},
                "containers": [
                    ctr("a", **sc(seLinuxOptions={"type": "container_t"})),
                    ctr("b", **sc(seLinuxOptions={"type": "container_engine_t"})),
                    ctr("c", **sc(seLinuxOptions={"type": "unconfined_t"})),
                    ctr("d", **sc(seLinuxOptions={"user": "system_u"})),
                ],
            }
        ),
        "baseline",
        "v1.31",
        'seLinuxOptions (pod and containers "c", "d" set forbidden securityContext.seLinuxOptions: '
        'types "spc_t", "unconfined_t"; user may not be set; role may not be set)',
    ),
    (
        "selinux 1.30",
        pod({"containers": [ctr("b", **sc(seLinuxOptions={"type": "container_engine_t"}))]}),
        "baseline",
        "v1.30",
        'seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "container_engine_t")',
    ),
    (
        "selinux role only",
        pod({"securityContext": {"seLinuxOptions": {"role": "object_r", "level": "s0"}}}),
        "baseline",
        "latest",
        "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: role may not be set)",
    ),
    (
        "procMount",
        pod(
            {
                "containers": [
                    ctr("a", **sc(procMount="Unmasked")),
                    ctr("b", **sc(procMount="Default")),
                    ctr("c", **sc(procMount="Weird")),
                ]
            }
        ),
        "baseline",
        "v1.34",
        'procMount (containers "a", "c" must not set securityContext.procMount to "Unmasked", "Weird")',
    ),
    (
        "seccomp annotations",
        pod(
            {"containers": [ctr("app")]},
            annotations={
                "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                "container.seccomp.security.alpha.kubernetes.io/app": "",
                "container.seccomp.security.alpha.kubernetes.io/gone": "unconfined",
            },
        ),
        "baseline",
        "v1.18",
        'seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/app="", '
        'seccomp.security.alpha.kubernetes.io/pod="unconfined")',
    ),
    (
        "seccomp fields",
        pod(
            {
                "securityContext": {"seccompProfile": {"type": "Unconfined"}},
                "containers": [
                    ctr("a", **sc(seccompProfile={"type": "Unconfined"})),
                    ctr("b", **sc(seccompProfile={})),
                ],
            }
        ),
        "baseline",
        "v1.19",
        'seccompProfile (pod and containers "a", "b" must not set securityContext.seccompProfile.type to '
        '"", "Unconfined")',
    ),
    (
        "sysctls keep order and duplicates",
        pod(
            {
                "securityContext": {
                    "sysctls": [
                        {"name": "vm.swappiness"},
                        {"name": "kernel.shm_rmid_forced"},
                        {"name": "net.core.somaxconn"},
                        {"name": "vm.swappiness"},
                    ]
                }
            }
        ),
        "baseline",
        "v1.0",
        "forbidden sysctls (vm.swappiness, net.core.somaxconn, vm.swappiness)",
    ),
    (
        "windows host process",
        pod(
            {
                "securityContext": {"windowsOptions": {"hostProcess": True}},
                "containers": [
                    ctr("a"),
                    ctr("b", **sc(windowsOptions={})),
                    ctr("c", **sc(windowsOptions={"hostProcess": False})),
                    ctr("d", **sc(windowsOptions={"hostProcess": True})),
                ],
            }
        ),
        "baseline",
        "latest",
        'hostProcess (pod and container "d" must not set securityContext.windowsOptions.hostProcess=true)',
    ),
    (
        "probe and lifecycle hosts",
        pod(
            {
                "containers": [
                    ctr("ok", readinessProbe={"httpGet": {"port": 80}}),
                    ctr("zeta", livenessProbe={"httpGet": {"host": "a.example", "port": 80}}),
                    ctr(
                        "alpha",
                        lifecycle={"preStop": {"tcpSocket": {"host": "b.example", "port": 80}}},
                        startupProbe={"httpGet": {"host": "a.example", "port": 80}},
                    ),
                ]
            }
        ),
        "baseline",
        "v1.34",
        'probe or lifecycle host (containers "alpha", "zeta" use probe or lifecycle hosts "a.example", "b.example")',
    ),
    (
        "probe host, duplicate container names",
        pod(
            {
                "containers": [ctr("x", livenessProbe={"tcpSocket": {"host": "10.0.0.1", "port": 1}})],
                "initContainers": [ctr("x", readinessProbe={"tcpSocket": {"host": "10.0.0.1", "port": 1}})],
            }
        ),
        "baseline",
        "latest",
        'probe or lifecycle host (container "x" uses probe or lifecycle host "10.0.0.1")',
    ),
    (
        "restricted volumes",
        restricted_pod(
            volumes=[
                {"name": "ok1", "configMap": {"name": "c"}},
                {"name": "img", "image": {"reference": "r"}},
                {"name": "h", "hostPath": {"path": "/"}},
                {"name": "n", "nfs": {"server": "s", "path": "/"}},
                {"name": "defaulted"},
                {"name": "both", "hostPath": {"path": "/"}, "secret": {"secretName": "s"}},
            ]
        ),
        "restricted",
        "latest",
        'restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")',
    ),
    (
        "allow privilege escalation",
        pod(
            {
                "containers": [
                    ctr("a"),
                    ctr("b", securityContext={}),
                    ctr("c", **sc(allowPrivilegeEscalation=True)),
                    ctr("d", **sc(allowPrivilegeEscalation=False)),
                ]
            }
        ),
        "restricted",
        "v1.8",
        'allowPrivilegeEscalation != false (containers "a", "b", "c" must set '
        "securityContext.allowPrivilegeEscalation=false), "
        'runAsNonRoot != true (pod or containers "a", "b", "c", "d" must set securityContext.runAsNonRoot=true)',
    ),
    (
        "run as non-root: explicit false wins over implicit",
        pod({"containers": [ctr("a"), ctr("b", **sc(runAsNonRoot=False)), ctr("c", **sc(runAsNonRoot=False))]}),
        "restricted",
        "v1.0",
        'runAsNonRoot != true (containers "b", "c" must not set securityContext.runAsNonRoot=false)',
    ),
    (
        "run as non-root: pod false",
        pod({"securityContext": {"runAsNonRoot": False}, "containers": [ctr("a", **sc(runAsNonRoot=False))]}),
        "restricted",
        "v1.0",
        'runAsNonRoot != true (pod and container "a" must not set securityContext.runAsNonRoot=false)',
    ),
    (
        "run as user",
        restricted_pod(
            securityContext={"runAsNonRoot": True, "runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}},
            initContainers=[
                ctr("i", **sc(allowPrivilegeEscalation=False, runAsUser=0, capabilities={"drop": ["ALL"]}))
            ],
        ),
        "restricted",
        "v1.23",
        'runAsUser=0 (pod and container "i" must not set runAsUser=0)',
    ),
    (
        "seccomp restricted implicit",
        restricted_pod(
            securityContext={"runAsNonRoot": True},
            containers=[
                ctr("a", **sc(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]})),
                ctr(
                    "b",
                    **sc(
                        allowPrivilegeEscalation=False,
                        capabilities={"drop": ["ALL"]},
                        seccompProfile={"type": "Localhost", "localhostProfile": "p.json"},
                    ),
                ),
            ],
        ),
        "restricted",
        "v1.19",
        'seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")',
    ),
    (
        "seccomp restricted explicit",
        restricted_pod(
            securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "Unconfined"}},
            containers=[
                ctr("a", **sc(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]})),
                ctr(
                    "b",
                    **sc(
                        allowPrivilegeEscalation=False,
                        capabilities={"drop": ["ALL"]},
                        seccompProfile={"type": "Unconfined"},
                    ),
                ),
            ],
        ),
        "restricted",
        "latest",
        'seccompProfile (pod and container "b" must not set securityContext.seccompProfile.type to "Unconfined")',
    ),
    (
        "capabilities restricted",
        restricted_pod(
            containers=[
                ctr("x", **sc(allowPrivilegeEscalation=False, capabilities={"add": ["ZED", "BAR"]})),
                ctr("y", **sc(allowPrivilegeEscalation=False, capabilities={"add": ["BAR", "BAZ"], "drop": ["all"]})),
                ctr(
                    "z",
                    **sc(
                        allowPrivilegeEscalation=False,
                        capabilities={"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]},
                    ),
                ),
                ctr("w", **sc(allowPrivilegeEscalation=False)),
            ]
        ),
        "restricted",
        "v1.22",
        'unrestricted capabilities (containers "x", "y", "w" must set securityContext.capabilities.drop=["ALL"]; '
        'containers "x", "y", "z" must not include "BAR", "BAZ", "CHOWN", "ZED" in '
        "securityContext.capabilities.add)",
    ),
    (
        "procMount restricted",
        restricted_pod(
            hostUsers=False,
            containers=[
                ctr("a", **sc(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]}, procMount="Unmasked"))
            ],
        ),
        "restricted",
        "v1.35",
        'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
    ),
]


@pytest.mark.parametrize(
    ("pod_", "level", "version", "expected"), [c[1:] for c in MESSAGE_CASES], ids=[c[0] for c in MESSAGE_CASES]
)
def test_exact_messages(pod_: Pod, level: str, version: str, expected: str) -> None:
    assert message(pod_, level, version) == f'violates PodSecurity "{level}:{version}": {expected}'


def test_aggregate_message_in_psa_order() -> None:
    p = pod(
        {
            "hostNetwork": True,
            "securityContext": {"sysctls": [{"name": "kernel.msgmax"}]},
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
            "containers": [
                ctr(
                    "app",
                    ports=[{"containerPort": 80}],
                    securityContext={"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}},
                )
            ],
        }
    )
    results = evaluate_pod(p, "restricted", "latest")
    assert [r.control_id for r in results] == [
        "hostNamespaces",
        "hostPorts",
        "privileged",
        "sysctls",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "restrictedVolumes",
        "runAsNonRoot",
        "seccompProfile_restricted",
    ]
    assert [r.level for r in results][:4] == ["baseline"] * 4
    assert results[0].rule_id == "STK-PSS-0001"
    assert format_message("restricted", "latest", results) == (
        'violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), '
        'hostPort (container "app" uses hostPort 80), '
        'privileged (container "app" must not set securityContext.privileged=true), '
        "forbidden sysctls (kernel.msgmax), "
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]; '
        'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add), '
        'restricted volume types (volume "root" uses restricted volume type "hostPath"), '
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")'
    )


def test_format_message_edge_cases() -> None:
    assert format_message("baseline", "latest", []) == ""
    odd = [ControlResult("privileged", "baseline", "", "", ()), ControlResult("sysctls", "baseline", "r", "", ())]
    assert format_message("baseline", PolicyVersion(1, 2), odd) == (
        'violates PodSecurity "baseline:v1.2": unknown forbidden reason, r'
    )
    with pytest.raises(ValueError):
        format_message("baseline", "v1.x", odd)


# ------------------------------------------------------------------------------------------------
# Paths


def paths(p: Pod, level: str, version: str = "latest") -> dict[str, tuple[tuple[str | int, ...], ...]]:
    return {r.control_id: r.paths for r in evaluate_pod(p, level, version)}


def test_paths_point_at_offending_fields() -> None:
    p = pod(
        {
            "securityContext": {"sysctls": [{"name": "kernel.shm_rmid_forced"}, {"name": "kernel.msgmax"}]},
            "initContainers": [ctr("i", livenessProbe={"httpGet": {"host": "h", "port": 1}})],
            "containers": [
                ctr("a"),
                ctr("b", securityContext={"privileged": True, "capabilities": {"add": ["CHOWN", "NET_RAW"]}}),
            ],
        },
        annotations={"container.apparmor.security.beta.kubernetes.io/b": "unconfined"},
    )
    assert paths(p, "baseline") == {
        "appArmorProfile": (("metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/b"),),
        "capabilities_baseline": (("spec", "containers", 1, "securityContext", "capabilities", "add", 1),),
        "hostProbesAndHostLifecycle": (("spec", "initContainers", 0, "livenessProbe", "httpGet", "host"),),
        "privileged": (("spec", "containers", 1, "securityContext", "privileged"),),
        "sysctls": (("spec", "securityContext", "sysctls", 1, "name"),),
    }


def test_paths_for_missing_fields_point_where_to_add_them() -> None:
    p = pod(
        {
            "containers": [
                ctr("a"),
                ctr("b", securityContext={"allowPrivilegeEscalation": True, "capabilities": {"drop": ["NET_RAW"]}}),
            ]
        }
    )
    found = paths(p, "restricted")
    assert found["allowPrivilegeEscalation"] == (
        ("spec", "containers", 0, "securityContext"),
        ("spec", "containers", 1, "securityContext", "allowPrivilegeEscalation"),
    )
    assert found["runAsNonRoot"] == (
        ("spec", "securityContext"),
        ("spec", "containers", 0, "securityContext"),
        ("spec", "containers", 1, "securityContext"),
    )
    assert found["seccompProfile_restricted"] == found["runAsNonRoot"]
    assert found["capabilities_restricted"] == (
        ("spec", "containers", 0, "securityContext"),
        ("spec", "containers", 1, "securityContext", "capabilities", "drop"),
    )


def test_paths_for_volumes_and_host_ports() -> None:
    p = restricted_pod(volumes=[{"name": "ok", "secret": {"secretName": "s"}}, {"name": "g", "gitRepo": {}}])
    assert paths(p, "restricted") == {"restrictedVolumes": (("spec", "volumes", 1, "gitRepo"),)}
    unknown = CONTROLS_BY_ID["restrictedVolumes"].versions[0].check(pod({"volumes": [{"name": "raw"}]}))
    assert unknown is not None
    assert unknown.detail == 'volume "raw" uses restricted volume type "unknown"'
    assert unknown.paths == (("spec", "volumes", 0),)


# ------------------------------------------------------------------------------------------------
# API-server defaulting


def test_name_only_volume_defaults_to_empty_dir() -> None:
    p = restricted_pod(volumes=[{"name": "scratch"}, None, {"name": "bad", "hostPath": "not-a-mapping"}])
    original = copy.deepcopy(p)
    defaulted = apply_api_defaults(p)
    assert defaulted["spec"]["volumes"] == [
        {"name": "scratch", "emptyDir": {}},
        {"emptyDir": {}},
        {"name": "bad", "hostPath": "not-a-mapping", "emptyDir": {}},
    ]
    assert p == original, "the input is not modified"
    assert evaluate_pod(p, "restricted", "latest") == []
    assert apply_api_defaults(restricted_pod()) == restricted_pod()


def test_host_network_copies_container_port_to_host_port() -> None:
    p = pod(
        {
            "hostNetwork": True,
            "containers": [
                ctr(
                    "a",
                    ports=[
                        {"containerPort": 8080},
                        {"containerPort": 9090, "hostPort": 9091},
                        {"containerPort": 7070, "hostPort": 0},
                        None,
                        {"name": "no-port"},
                    ],
                )
            ],
            "initContainers": [ctr("i", ports=[{"containerPort": 53, "hostPort": "53"}])],
            "ephemeralContainers": [ctr("e", ports=[{"containerPort": 5000}])],
        }
    )
    original = copy.deepcopy(p)
    defaulted = apply_api_defaults(p)
    assert defaulted["spec"]["containers"][0]["ports"] == [
        {"containerPort": 8080, "hostPort": 8080},
        {"containerPort": 9090, "hostPort": 9091},
        {"containerPort": 7070, "hostPort": 7070},
        None,
        {"name": "no-port"},
    ]
    assert defaulted["spec"]["initContainers"][0]["ports"] == [{"containerPort": 53, "hostPort": 53}]
    assert defaulted["spec"]["ephemeralContainers"] == p["spec"]["ephemeralContainers"]
    assert p == original
    assert message(p) == (
        'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), '
        'hostPort (containers "i", "a" use hostPorts 53, 7070, 8080, 9091)'
    )
    results = evaluate_pod(p, "baseline", "latest")
    assert results[1].paths[0] == ("spec", "initContainers", 0, "ports", 0, "hostPort")
    # pod templates of workloads are not defaulted this way
    template = evaluate_pod(p, "baseline", "latest", pod_template=True)
    assert [r.detail for r in template] == ["hostNetwork=true", 'container "a" uses hostPort 9091']
    # only a real boolean enables host networking
    assert evaluate_pod({**p, "spec": {**p["spec"], "hostNetwork": "true"}}, "baseline", "latest")[0].detail == (
        'container "a" uses hostPort 9091'
    )


# ------------------------------------------------------------------------------------------------
# Windows and user-namespace relaxations


def test_windows_exemptions_start_at_1_25() -> None:
    windows = pod({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": True}, "containers": [ctr("app")]})
    assert [r.control_id for r in evaluate_pod(windows, "restricted", "v1.24")] == [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    ]
    assert evaluate_pod(windows, "restricted", "v1.25") == []
    linux_named = {**windows, "spec": {**windows["spec"], "os": {"name": "Windows"}}}
    assert len(evaluate_pod(linux_named, "restricted", "v1.25")) == 3, "the OS name is case-sensitive"


def test_user_namespace_relaxations_start_at_1_35() -> None:
    p = pod(
        {
            "hostUsers": False,
            "securityContext": {"runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                ctr("a", **sc(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]}, procMount="Unmasked"))
            ],
        }
    )
    assert [r.control_id for r in evaluate_pod(p, "restricted", "v1.34")] == ["procMount", "runAsNonRoot", "runAsUser"]
    assert [r.control_id for r in evaluate_pod(p, "restricted", "v1.35")] == ["procMount_restricted"]
    assert [r.control_id for r in evaluate_pod(p, "baseline", "v1.34")] == ["procMount"]
    assert evaluate_pod(p, "baseline", "v1.35") == []
    for not_false in (None, True, "false", 0):
        q = {**p, "spec": {**p["spec"], "hostUsers": not_false}}
        assert [r.control_id for r in evaluate_pod(q, "baseline", "v1.35")] == ["procMount"]


# ------------------------------------------------------------------------------------------------
# Hostile and wrongly typed input


HOSTILE_PODS: list[Any] = [
    None,
    [],
    "pod",
    42,
    {},
    {"spec": None},
    {"spec": []},
    {"spec": "x"},
    {"metadata": "x", "spec": {}},
    {"metadata": {"annotations": ["a"]}},
    {"metadata": {"annotations": {1: "x", "k": None, "j": 5}}},
    {"spec": {"containers": "app"}},
    {"spec": {"containers": [None, 1, "x", [], {"name": 7}]}},
    {"spec": {"containers": [{"securityContext": "privileged"}]}},
    {
        "spec": {
            "containers": [
                {
                    "securityContext": {
                        "privileged": "true",
                        "capabilities": ["ALL"],
                        "seLinuxOptions": "x",
                        "procMount": 1,
                        "runAsUser": "0",
                        "allowPrivilegeEscalation": "false",
                        "windowsOptions": {"hostProcess": 1},
                    }
                }
            ]
        }
    },
    {"spec": {"containers": [{"ports": "80"}, {"ports": [1, None, {"hostPort": True}, {"hostPort": 1.5}]}]}},
    {"spec": {"containers": [{"livenessProbe": {"httpGet": "x", "tcpSocket": {"host": 5}}, "lifecycle": []}]}},
    {"spec": {"volumes": "x"}},
    {"spec": {"volumes": [None, 1, {"hostPath": None}, {"name": ["x"]}]}},
    {"spec": {"securityContext": {"sysctls": "kernel.msgmax"}}},
    {"spec": {"securityContext": {"sysctls": [None, "x", {"name": None}, {"name": 3}]}}},
    {
        "spec": {
            "os": "windows",
            "hostUsers": "false",
            "hostNetwork": 1,
            "containers": [{"capabilities": {"add": [None, 1, "NET_RAW"], "drop": "ALL"}}],
        }
    },
    {
        "spec": {
            "securityContext": {
                "seccompProfile": {"type": 1},
                "appArmorProfile": None,
                "seLinuxOptions": {"type": None, "user": 1},
            }
        }
    },
]


@pytest.mark.parametrize("hostile", HOSTILE_PODS)
def test_hostile_pods_never_raise(hostile: Any) -> None:
    for level in ("baseline", "restricted"):
        for version in ("v1.0", "v1.19", "v1.24", "v1.35", "latest"):
            results = evaluate_pod(hostile, level, version)
            format_message(level, version, results)
            for result in results:
                assert isinstance(result.reason, str) and isinstance(result.detail, str)


def test_wrong_types_count_as_unset() -> None:
    p = {
        "spec": {
            "hostPID": "true",
            "containers": [
                {"name": "a", "securityContext": {"privileged": 1, "runAsUser": False, "procMount": 7}},
                {"name": "b", "securityContext": "privileged"},
            ],
        }
    }
    assert evaluate_pod(p, "baseline", "latest") == []
    assert message(p, "restricted", "latest") == (
        'violates PodSecurity "restricted:latest": '
        'allowPrivilegeEscalation != false (containers "a", "b" must set '
        "securityContext.allowPrivilegeEscalation=false), "
        'unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or containers "a", "b" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")'
    )


def test_null_list_elements_are_zero_values() -> None:
    p = {"spec": {"containers": [None], "securityContext": {"sysctls": [None]}}}
    # one sysctl named "" joins to an empty detail, which PSA prints without parentheses
    assert message(p, "baseline", "v1.0") == 'violates PodSecurity "baseline:v1.0": forbidden sysctls'
    assert evaluate_pod(p, "restricted", "latest")[1].detail == (
        'container "" must set securityContext.allowPrivilegeEscalation=false'
    )


def _garble(node: Any, rng: random.Random) -> Any:
    junk = [None, True, False, 0, -1, 7, 1.5, "", "x", "true", [], [None], {}, {"k": None}, ["a", 1], {1: 2}]
    if rng.random() < 0.15:
        return rng.choice(junk)
    if isinstance(node, dict):
        return {k: _garble(v, rng) for k, v in node.items()}
    if isinstance(node, list):
        return [_garble(v, rng) for v in node]
    return node


def test_randomly_garbled_pods_never_raise() -> None:
    rng = random.Random(20240611)
    seed_pod = restricted_pod(
        hostNetwork=True,
        volumes=[{"name": "v", "hostPath": {"path": "/"}}, {"name": "w"}],
        initContainers=[
            ctr(
                "i",
                ports=[{"containerPort": 1, "hostPort": 2}],
                livenessProbe={"httpGet": {"host": "h", "port": 1}},
                securityContext={
                    "seLinuxOptions": {"type": "t", "user": "u"},
                    "procMount": "Unmasked",
                    "appArmorProfile": {"type": "Unconfined"},
                    "windowsOptions": {"hostProcess": True},
                },
            )
        ],
    )
    seed_pod["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/i": "unconfined",
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
    }
    seed_pod["spec"]["securityContext"]["sysctls"] = [{"name": "kernel.msgmax"}]
    for _ in range(150):
        garbled = _garble(seed_pod, rng)
        for level, version in (("baseline", "v1.0"), ("restricted", "v1.24"), ("restricted", "latest")):
            format_message(level, version, evaluate_pod(garbled, level, version))
