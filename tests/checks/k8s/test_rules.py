"""STK-K8S rules: every fixture file asserted on its own, rule metadata, and hostile shapes.

Each rule has a directory ``testdata/STK-K8S-NNNN`` with ``pass-*.yaml`` files (no violation of that rule)
and ``fail-*.yaml`` files whose leading ``# expect: <object path>`` comments list exactly the violations of
that rule (one line per violation).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockade.checks._check import Check, CheckContext, Violation
from stockade.checks._resources import POD_TEMPLATE_PATHS, view
from stockade.checks.k8s import CHECKS
from stockade.checks.k8s.hostpath import classify, normalize_host_path
from stockade.checks.k8s.images import ImageRef, default_pull_policy, parse_image_ref
from stockade.checks.k8s.secrets import base64_problem, looks_secret
from stockade.model import DiagnosticLevel, Resource, Severity, YList, YMap
from stockade.source.manifests import load_manifests

DATA = Path(__file__).parent / "testdata"
BY_ID = {c.meta.id: c for c in CHECKS}
FIXTURES = sorted(DATA.glob("STK-K8S-*/*.yaml"))
CTX = CheckContext()

ID_RE = re.compile(r"^STK-K8S-\d{4}$")
COMPLIANCE_RE = re.compile(
    r"^(CIS-\d+\.\d+(\.\d+)*|CIS-Docker-\d+\.\d+|PSS:(baseline|restricted)"
    r"|NSA-CISA:(non-root|immutable-filesystems|secure-images|pod-security-enforcement"
    r"|service-account-tokens|container-hardening|namespaces|resource-policies|secrets))$"
)
REFERENCE_RE = re.compile(r"^(checkov:CKV_K8S_\d+|kube-score:[a-z-]+|polaris:[a-zA-Z]+)$")


def load(path: Path) -> list[Resource]:
    result = load_manifests([str(path)])
    errors = [d for d in result.diagnostics if d.level is DiagnosticLevel.ERROR]
    assert not errors, errors
    assert result.resources, f"{path} holds no Kubernetes object"
    return result.resources


def run(check: Check, resources: list[Resource]) -> list[Violation]:
    out: list[Violation] = []
    for resource in resources:
        if resource.kind in check.meta.kinds:
            out.extend(check.evaluate(view(resource), CTX))
    return out


def expected_paths(path: Path) -> list[str]:
    """The ``# expect:`` lines of the comment block that opens the file."""
    expected: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect:"):
            expected.append(line.removeprefix("# expect:").strip())
    return expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    rule = BY_ID.get(path.parent.name)
    assert rule is not None, f"no check with id {path.parent.name}"
    violations = run(rule, load(path))
    got = sorted(str(v.path) for v in violations)
    if path.name.startswith("fail-"):
        expected = expected_paths(path)
        assert expected, f"{path.name} must open with '# expect: <object path>' lines"
        assert path.read_text(encoding="utf-8").startswith("# expect:"), "the first line must be an # expect:"
        assert got == sorted(expected)
    elif path.name.startswith("pass-"):
        assert got == [], [v.message for v in violations]
    else:
        pytest.fail(f"fixture names start with pass- or fail-: {path.name}")
    for v in violations:
        assert v.message and v.message == v.message.strip()


def _secret_values(resource: Resource) -> Iterator[str]:
    """Literal values under env[].value, Secret data and stringData (what messages must never show)."""
    data = resource.data
    for field in ("data", "stringData"):
        section = data.get(field)
        if isinstance(section, dict):
            yield from (str(v) for v in section.values() if v is not None)
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            env = node.get("env")
            if isinstance(env, list):
                yield from (str(e["value"]) for e in env if isinstance(e, dict) and e.get("value") is not None)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in FIXTURES
        if p.parent.name in ("STK-K8S-0013", "STK-K8S-0014", "STK-K8S-0015") and p.name.startswith("fail-")
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_no_message_shows_a_secret_value(path: Path) -> None:
    resources = load(path)
    secrets = [s for r in resources for s in _secret_values(r) if len(s) >= 6]
    assert secrets
    messages = [v.message for check in CHECKS for v in run(check, resources)]
    for secret in secrets:
        for message in messages:
            assert secret not in message


# --- metadata -----------------------------------------------------------------------------------------


def test_ids_are_unique_well_formed_and_ordered() -> None:
    ids = [c.meta.id for c in CHECKS]
    assert all(ID_RE.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.meta.id)
def test_metadata_is_complete(check: Check) -> None:
    meta = check.meta
    assert meta.title and not meta.title.endswith(".")
    assert meta.description, "describe the risk (docstring or description=)"
    assert meta.kinds
    assert meta.remediation
    assert any(line.startswith("    ") for line in meta.remediation.splitlines()), "show the YAML to write"
    assert meta.compliance, "at least one compliance id"
    for cid in meta.compliance:
        assert COMPLIANCE_RE.match(cid), cid
    for ref in meta.references:
        assert REFERENCE_RE.match(ref), ref
    assert len(set(meta.references)) == len(meta.references)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.meta.id)
def test_every_rule_has_pass_and_fail_fixtures(check: Check) -> None:
    folder = DATA / check.meta.id
    names = [p.name for p in folder.glob("*.yaml")] if folder.is_dir() else []
    assert any(n.startswith("pass-") for n in names), f"add {folder}/pass-<what>.yaml"
    assert any(n.startswith("fail-") for n in names), f"add {folder}/fail-<what>.yaml"


def test_no_fixture_directory_without_a_rule() -> None:
    assert {p.name for p in DATA.iterdir() if p.is_dir()} <= set(BY_ID)


# --- hostile shapes -----------------------------------------------------------------------------------

HOSTILE: list[Any] = ["x", [1], 5, -1, 1.5, True, None, "", {"a": "b"}, [None], [[]], [{"a": 1}], {"": []}]

GOOD_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "example/app:1.0",
    "imagePullPolicy": "IfNotPresent",
    "env": [{"name": "DB_PASSWORD", "value": "x1y2z3w4"}],
    "securityContext": {"runAsUser": 100, "runAsGroup": 100, "readOnlyRootFilesystem": False},
    "resources": {"limits": {"memory": "1Gi", "cpu": "1"}, "requests": {"cpu": "1"}},
    "livenessProbe": {"tcpSocket": {"port": 80}},
    "volumeMounts": [{"name": "sock", "mountPath": "/sock"}],
}
GOOD_POD_SPEC: dict[str, Any] = {
    "containers": [copy.deepcopy(GOOD_CONTAINER)],
    "initContainers": [copy.deepcopy(GOOD_CONTAINER)],
    "ephemeralContainers": [copy.deepcopy(GOOD_CONTAINER)],
    "volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}],
    "securityContext": {"runAsUser": 100, "runAsGroup": 100},
    "serviceAccountName": "default",
    "automountServiceAccountToken": True,
    "shareProcessNamespace": True,
    "restartPolicy": "Always",
    "os": {"name": "linux"},
}
POD_FIELDS = [*GOOD_POD_SPEC, "resources", "runtimeClassName", "serviceAccount"]
CONTAINER_FIELDS = [*GOOD_CONTAINER, "readinessProbe"]
NESTED = [
    ("containers", 0, "env", 0),
    ("containers", 0, "env", 0, "name"),
    ("containers", 0, "env", 0, "value"),
    ("containers", 0, "securityContext", "runAsUser"),
    ("containers", 0, "securityContext", "readOnlyRootFilesystem"),
    ("containers", 0, "resources", "limits"),
    ("containers", 0, "resources", "limits", "memory"),
    ("containers", 0, "resources", "requests"),
    ("containers", 0, "volumeMounts", 0),
    ("volumes", 0),
    ("volumes", 0, "hostPath"),
    ("volumes", 0, "hostPath", "path"),
    ("volumes", 0, "name"),
    ("securityContext", "runAsGroup"),
    ("os", "name"),
]


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for seg in path[:-1]:
        obj = obj[seg]
    obj[path[-1]] = value


FULL_MATRIX_KINDS = ("Pod", "Deployment", "CronJob")  # one of each pod template path shape


def _hostile_objects() -> Iterator[dict[str, Any]]:
    pod_mutations: list[tuple[Any, ...]] = [(f,) for f in POD_FIELDS]
    pod_mutations += [("containers", 0, f) for f in CONTAINER_FIELDS]
    pod_mutations += NESTED
    for kind, template_path in POD_TEMPLATE_PATHS.items():
        mutations = [(), *pod_mutations] if kind in FULL_MATRIX_KINDS else [()]
        for mutation in mutations:
            for value in HOSTILE if mutation else [None]:
                spec = copy.deepcopy(GOOD_POD_SPEC)
                if mutation:
                    _set(spec, mutation, value)
                template: dict[str, Any] = {"metadata": {"labels": {"stockade.dev/untrusted": "true"}}, "spec": spec}
                obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}}
                if template_path:
                    node = obj
                    for seg in template_path[:-1]:
                        node = node.setdefault(seg, {})
                    node[template_path[-1]] = template
                else:
                    obj.update(template)
                    obj["metadata"] = {"name": "x", "namespace": "default"}
                yield obj
        for top in ("spec", "metadata", "template"):
            for value in HOSTILE:
                yield {"apiVersion": "v1", "kind": kind, top: value}
    for value in HOSTILE:
        yield {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": value, "stringData": value}
        yield {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": value,
            "data": {"k": value},
            "stringData": {"k": value},
        }
        yield {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": value}}
        yield {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": value, "labels": {"pod-security.kubernetes.io/enforce": value}},
        }


def _located(value: Any) -> Any:
    """Plain data as the loader returns it (YMap/YList with no positions), without a YAML round trip."""
    if isinstance(value, dict):
        ymap = YMap()
        for k, v in value.items():
            ymap[str(k)] = _located(v)
        return ymap
    if isinstance(value, list):
        ylist = YList()
        ylist.extend(_located(v) for v in value)
        return ylist
    return value


def test_hostile_shapes_never_raise() -> None:
    count = 0
    for i, obj in enumerate(_hostile_objects()):
        resource = Resource("hostile.yaml", i, _located(obj))
        for check in CHECKS:
            if resource.kind not in check.meta.kinds:
                continue
            for v in check.evaluate(view(resource), CTX):
                assert isinstance(v.message, str) and v.message
                str(v.path)
                resource.locate(v.path)
                count += 1
    assert count  # the matrix does exercise the checks


def test_hostile_yaml_through_the_loader(tmp_path: Path) -> None:
    """A few hostile documents the real way, through the manifest loader."""
    target = tmp_path / "hostile.yaml"
    target.write_text(
        """apiVersion: apps/v1
kind: Deployment
metadata: {name: x, labels: [1]}
spec:
  template:
    metadata: {annotations: "x"}
    spec:
      containers: "x"
      initContainers: [{name: 1, image: 12, securityContext: [1], resources: 5, env: {a: b}}]
      ephemeralContainers: [null, 7, {env: [{name: TOKEN, value: [1]}, {name: 5}], image: ~}]
      volumes: null
      securityContext: {runAsUser: 1e400, runAsGroup: "5"}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
data: {a: !!binary aGVsbG8=, b: [1], c: {d: e}}
stringData: [a, b]
---
apiVersion: v1
kind: Namespace
metadata: {name: n, labels: {pod-security.kubernetes.io/enforce: [privileged]}}
""",
        encoding="utf-8",
    )
    resources = load(target)
    assert [r.kind for r in resources] == ["Deployment", "Secret", "Namespace"]
    for resource in resources:
        for check in CHECKS:
            if resource.kind in check.meta.kinds:
                list(check.evaluate(view(resource), CTX))


# --- helpers ------------------------------------------------------------------------------------------

SHA = "sha256:" + "5be1ecc7935f1dd85635d4feedaf660594030253cc97c9e9ca3819ffeac36b65"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", ImageRef("docker.io", "library/nginx")),
        ("nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27")),
        ("localhost:5000/app", ImageRef("localhost:5000", "app")),
        ("localhost:5000/app:v1", ImageRef("localhost:5000", "app", "v1")),
        ("localhost/app", ImageRef("localhost", "app")),
        ("team/app:2", ImageRef("docker.io", "team/app", "2")),
        ("index.docker.io/team/app", ImageRef("docker.io", "team/app")),
        ("registry.example.com:443/a/b/c:1@" + SHA, ImageRef("registry.example.com:443", "a/b/c", "1", SHA)),
        ("nginx@" + SHA, ImageRef("docker.io", "library/nginx", "", SHA)),
        ("nginx:latest@" + SHA, ImageRef("docker.io", "library/nginx", "latest", SHA)),
        ("nginx@sha256:abc", ImageRef("docker.io", "library/nginx", "", "", invalid_digest=True)),
        ("nginx@sha256:" + "A" * 64, ImageRef("docker.io", "library/nginx", "", "", invalid_digest=True)),
        ("  ghcr.io/o/r:1 ", ImageRef("ghcr.io", "o/r", "1")),
        ("", None),
        ("nginx:", None),
        (":1", None),
        ("a b", None),
        ("a//b", None),
        ("nginx@" + SHA + "@" + SHA, None),
    ],
)
def test_parse_image_ref(image: str, expected: ImageRef | None) -> None:
    assert parse_image_ref(image) == expected


def test_default_pull_policy_follows_the_api_defaulting() -> None:
    def policy(image: str) -> str:
        ref = parse_image_ref(image)
        assert ref is not None
        return default_pull_policy(ref)

    assert policy("nginx") == "Always"
    assert policy("nginx:latest") == "Always"
    assert policy("nginx:latest@" + SHA) == "Always"
    assert policy("nginx:1.27") == "IfNotPresent"
    assert policy("nginx@" + SHA) == "IfNotPresent"


@pytest.mark.parametrize(
    ("raw", "normal", "severity"),
    [
        ("/var/run/docker.sock", "/run/docker.sock", Severity.CRITICAL),
        ("/run/containerd/containerd.sock", "/run/containerd/containerd.sock", Severity.CRITICAL),
        ("/var/run/", "/run", Severity.CRITICAL),
        ("/srv/podman/podman.sock", "/srv/podman/podman.sock", Severity.CRITICAL),
        ("/", "/", Severity.CRITICAL),
        ("/var/../..", "/", Severity.CRITICAL),
        ("//etc//kubernetes/", "/etc/kubernetes", Severity.HIGH),
        ("/var", "/var", Severity.HIGH),
        ("/var/lib/kubelet/pods", "/var/lib/kubelet/pods", Severity.HIGH),
        ("/var/log/", "/var/log", Severity.HIGH),
        ("/run/dbus", "/run/dbus", Severity.HIGH),
        ("/etc/ssl/certs", "/etc/ssl/certs", None),
        ("/etcd", "/etcd", None),
        ("/var/lib/app", "/var/lib/app", None),
        ("/data", "/data", None),
    ],
)
def test_host_path_normalisation_and_ranking(raw: str, normal: str, severity: Severity | None) -> None:
    assert normalize_host_path(raw) == normal
    judged = classify(normal)
    assert (judged[0] if judged else None) == severity


def test_host_path_severity_is_set_per_violation() -> None:
    resources = load(DATA / "STK-K8S-0012" / "fail-sensitive-dirs.yaml")
    assert {v.severity for v in run(BY_ID["STK-K8S-0012"], resources)} == {Severity.HIGH}
    resources = load(DATA / "STK-K8S-0012" / "fail-runtime-sockets-and-root.yaml")
    violations = run(BY_ID["STK-K8S-0012"], resources)
    assert {v.severity for v in violations} == {Severity.CRITICAL}
    assert 'volume "docker" mounts host path "/var/run/docker.sock"' in violations[0].message
    assert 'mounted by container "agent"' in violations[0].message


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("MYSQL_PWD", True),
        ("DB_PASS", True),
        ("apiKey", True),
        ("STRIPE_APIKEY", True),
        ("PRIVATE_KEY", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("githubToken", True),
        ("OAUTH_CLIENT_SECRET", True),
        ("GOOGLE_APPLICATION_CREDENTIALS_JSON", True),
        ("PWD", False),
        ("PASSWORD_FILE", False),
        ("TOKENIZERS_PARALLELISM", False),
        ("API_KEY_ID", False),
        ("SECRET_NAME", False),
        ("BYPASS_CACHE", False),
        ("COMPASS_URL", False),
        ("password_min_length", False),
        ("", False),
    ],
)
def test_secret_env_names(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


@pytest.mark.parametrize(
    ("value", "fine"),
    [("cGxhY2Vob2xkZXI=", True), ("", True), (None, True), ("YWJj\nZGVm\n", True), ("hunter2", False),
     ("YW_-", False), ("YQ==YQ==", False), (12, False), ("YWJjZA===", False)],
)  # fmt: skip
def test_base64_problem(value: Any, fine: bool) -> None:
    problem = base64_problem(value)
    assert (problem is None) is fine
    if problem and isinstance(value, str):
        assert value not in problem


def test_messages_name_the_container_and_the_value() -> None:
    resources = load(DATA / "STK-K8S-0009" / "fail-policies.yaml")
    messages = [v.message for v in run(BY_ID["STK-K8S-0009"], resources)]
    assert messages[0] == (
        'container "api" has no imagePullPolicy, so it defaults to "IfNotPresent" for image '
        '"ghcr.io/example/api:1.4.2", which is not pinned by digest'
    )
    assert 'container "proxy" has imagePullPolicy "Never"' in messages[2]
    resources = load(DATA / "STK-K8S-0013" / "fail-literal-secrets.yaml")
    messages = [v.message for v in run(BY_ID["STK-K8S-0013"], resources)]
    assert 'container "api" sets env var "DB_PASSWORD" to a literal value (17 characters)' in messages[1]
    assert messages[0].startswith('init container "migrate" sets env var "MYSQL_PWD"')
