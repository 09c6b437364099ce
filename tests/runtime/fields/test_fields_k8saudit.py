"""The k8s_audit field table: exact ka.* / jevt.* / json.* values on audit.k8s.io Event fixtures, and rules in
the k8saudit style firing through the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.fields.api import ArgKind, FieldError
from stockade.runtime.fields.k8saudit import K8sAuditFieldTable, as_text, event_time, json_pointer, parse_k8s_time

TESTDATA = Path(__file__).parent / "testdata"
TABLE = K8sAuditFieldTable()


def load(name: str) -> dict[str, Any]:
    value = json.loads((TESTDATA / f"{name}.json").read_text())
    assert isinstance(value, dict)
    return value


POD = load("audit-pod-create")
BINDING = load("audit-binding")
ROLE = load("audit-role")
CONFIGMAP = load("audit-configmap")
SERVICE = load("audit-service")


def get(event: dict[str, Any], name: str, arg: str | None = None) -> object:
    return TABLE.extractor(name, arg)(event)


def test_table_shape() -> None:
    assert TABLE.source == "k8s_audit"
    assert TABLE.event_types() == frozenset()
    assert TABLE.event_type(POD) == ""
    groups = TABLE.lookup("ka.user.groups")
    assert groups is not None and groups.is_list
    image = TABLE.lookup("ka.req.pod.containers.image")
    assert image is not None and image.is_list and image.arg is ArgKind.OPTIONAL_INDEX
    param = TABLE.lookup("ka.uri.param")
    assert param is not None and param.arg is ArgKind.KEY
    with pytest.raises(FieldError, match="requires an argument"):
        TABLE.extractor("ka.uri.param", None)
    with pytest.raises(FieldError, match="JSON pointer"):
        TABLE.extractor("jevt.value", "user")
    names = {f.name for f in TABLE.fields()}
    documented = {
        "ka.auditid", "ka.stage", "ka.auth.decision", "ka.auth.reason", "ka.user.name", "ka.user.groups",
        "ka.impuser.name", "ka.verb", "ka.uri", "ka.uri.param", "ka.target.name", "ka.target.namespace",
        "ka.target.resource", "ka.target.subresource", "ka.req.binding.subjects", "ka.req.binding.role",
        "ka.req.binding.subject.has_name", "ka.req.configmap.name", "ka.req.configmap.obj",
        "ka.req.pod.containers.image", "ka.req.container.image", "ka.req.pod.containers.image.repository",
        "ka.req.container.image.repository", "ka.req.pod.host_ipc", "ka.req.pod.host_network",
        "ka.req.container.host_network", "ka.req.pod.host_pid", "ka.req.pod.containers.host_port",
        "ka.req.pod.containers.privileged", "ka.req.container.privileged",
        "ka.req.pod.containers.allow_privilege_escalation", "ka.req.pod.containers.read_only_fs",
        "ka.req.pod.run_as_user", "ka.req.pod.containers.run_as_user", "ka.req.pod.containers.eff_run_as_user",
        "ka.req.pod.run_as_group", "ka.req.pod.containers.run_as_group", "ka.req.pod.containers.eff_run_as_group",
        "ka.req.pod.containers.proc_mount", "ka.req.role.rules", "ka.req.role.rules.apiGroups",
        "ka.req.role.rules.nonResourceURLs", "ka.req.role.rules.verbs", "ka.req.role.rules.resources",
        "ka.req.pod.fs_group", "ka.req.pod.supplemental_groups", "ka.req.pod.containers.add_capabilities",
        "ka.req.service.type", "ka.req.service.ports", "ka.req.pod.volumes.hostpath", "ka.req.volume.hostpath",
        "ka.req.pod.volumes.flexvolume_driver", "ka.req.pod.volumes.volume_type", "ka.resp.name",
        "ka.response.code", "ka.response.reason", "ka.useragent", "ka.sourceips", "ka.cluster.name",
        "jevt.time", "jevt.time.iso8601", "jevt.rawtime", "jevt.value", "jevt.obj", "json.value", "json.obj",
    }
    assert documented <= names


def test_request_fields() -> None:
    assert get(POD, "ka.auditid") == "8e1c2b7e-5f8d-4a7b-9d4e-0c6b2f3a1d9e"
    assert get(POD, "ka.stage") == "ResponseComplete"
    assert get(POD, "ka.auth.decision") == "allow"
    assert get(POD, "ka.auth.reason") == (
        'RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "edit" to Group "devs"')
    assert get(POD, "ka.user.name") == "alice@example.com"
    assert get(POD, "ka.user.groups") == ("system:authenticated", "devs")
    assert get(POD, "ka.impuser.name") == "system:serviceaccount:shop:deployer"
    assert get(POD, "ka.verb") == "create"
    assert get(POD, "ka.uri") == "/api/v1/namespaces/shop/pods?fieldManager=kubectl-create&dryRun=All&dryRun=Server"
    assert get(POD, "ka.uri.param", "fieldManager") == "kubectl-create"
    assert get(POD, "ka.uri.param", "dryRun") == "All"
    assert get(POD, "ka.uri.param", "nope") is None
    assert get(POD, "ka.target.name") == "debug"
    assert get(POD, "ka.target.namespace") == "shop"
    assert get(POD, "ka.target.resource") == "pods"
    assert get(POD, "ka.target.subresource") is None
    assert get(POD, "ka.resp.name") == "debug"
    assert get(POD, "ka.response.code") == "201"
    assert get(POD, "ka.response.reason") is None
    assert get(POD, "ka.useragent") == "kubectl/v1.30.1 (linux/amd64) kubernetes/abcdef"
    assert get(POD, "ka.sourceips") == ("203.0.113.10", "10.0.0.4")
    assert get(POD, "ka.sourceips", "1") == ("10.0.0.4",)
    assert get(POD, "ka.sourceips", "2") is None
    assert get(POD, "ka.cluster.name") is None
    assert get({**POD, "cluster_name": "prod-eu"}, "ka.cluster.name") == "prod-eu"


def test_pod_fields() -> None:
    assert get(POD, "ka.req.pod.containers.image") == ("registry.example:5000/shop/app:1.2@sha256:abcd", "busybox")
    assert get(POD, "ka.req.pod.containers.image", "1") == ("busybox",)
    assert get(POD, "ka.req.pod.containers.image", "2") is None
    assert get(POD, "ka.req.container.image") == "registry.example:5000/shop/app:1.2@sha256:abcd"
    # the plugin's repository split: before the first ':' (so a registry port cuts it), then before '@'
    assert get(POD, "ka.req.pod.containers.image.repository") == ("registry.example", "busybox")
    assert get(POD, "ka.req.container.image.repository") == "registry.example"
    assert get(POD, "ka.req.pod.host_network") == "true"
    assert get(POD, "ka.req.container.host_network") == "true"
    assert get(POD, "ka.req.pod.host_pid") == "false"
    assert get(POD, "ka.req.pod.host_ipc") is None
    assert get(POD, "ka.req.pod.containers.host_port") == ("8080", "19090")
    assert get(POD, "ka.req.pod.containers.privileged") == ("true",)  # containers without the flag are skipped
    assert get(POD, "ka.req.container.privileged") == "true"
    assert get(POD, "ka.req.pod.containers.allow_privilege_escalation") == ("true", "false")
    assert get(POD, "ka.req.pod.containers.read_only_fs") == ("false", "true")
    assert get(POD, "ka.req.pod.containers.run_as_user") is None  # the sidecar does not set it
    assert get(POD, "ka.req.pod.containers.run_as_user", "0") == ("0",)
    assert get(POD, "ka.req.pod.run_as_user") == "1000"
    assert get(POD, "ka.req.pod.containers.eff_run_as_user") == ("0", "1000")
    assert get(POD, "ka.req.pod.run_as_group") == "3000"
    assert get(POD, "ka.req.pod.containers.eff_run_as_group") == ("3000", "3000")
    assert get(POD, "ka.req.pod.containers.proc_mount") == ("Unmasked", "Default")
    assert get(POD, "ka.req.pod.fs_group") == "2000"
    assert get(POD, "ka.req.pod.supplemental_groups") == ("4000", "5000")
    assert get(POD, "ka.req.pod.containers.add_capabilities") == ("SYS_ADMIN", "NET_ADMIN")
    assert get(POD, "ka.req.pod.volumes.hostpath") == ("/", "/var/run/docker.sock")
    assert get(POD, "ka.req.pod.volumes.hostpath", "1") == ("/var/run/docker.sock",)
    assert get(POD, "ka.req.volume.hostpath", "/var/run/docker.sock") == "true"
    assert get(POD, "ka.req.volume.hostpath", "/var/run/*") == "true"
    assert get(POD, "ka.req.volume.hostpath", "/etc") == "false"
    assert get(POD, "ka.req.pod.volumes.flexvolume_driver") == ("acme/nfs",)
    assert get(POD, "ka.req.pod.volumes.volume_type") == ("hostPath", "hostPath", "configMap", "flexVolume")
    assert get(SERVICE, "ka.req.pod.containers.image") is None


def test_binding_role_configmap_service_fields() -> None:
    assert get(BINDING, "ka.req.binding.role") == "cluster-admin"
    assert get(BINDING, "ka.req.binding.subjects") == (
        '{"kind":"User","name":"mallory","apiGroup":"rbac.authorization.k8s.io"}', '{"kind":"Group","name":"anon"}')
    assert get(BINDING, "ka.req.binding.subject.has_name", "mallory") == "N/A"
    assert get(BINDING, "ka.response.code") == "403"
    assert get(BINDING, "ka.response.reason") == "Forbidden"
    assert get(ROLE, "ka.req.role.rules.verbs") == ("get", "create", "get", "*")
    assert get(ROLE, "ka.req.role.rules.verbs", "2") == ("*",)
    assert get(ROLE, "ka.req.role.rules.resources") == ("pods", "pods/exec", "*")
    assert get(ROLE, "ka.req.role.rules.apiGroups") == ("", "apps")
    assert get(ROLE, "ka.req.role.rules.nonResourceURLs") == ("/metrics",)
    assert get(ROLE, "ka.req.role.rules") == (
        '{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]}',
        '{"nonResourceURLs":["/metrics"],"verbs":["get"]}',
        '{"apiGroups":["apps"],"resources":["*"],"verbs":["*"]}',
    )
    assert get(CONFIGMAP, "ka.req.configmap.name") == "aws"
    assert get(CONFIGMAP, "ka.req.configmap.obj") == '{"aws_access_key_id":"AKIAEXAMPLE","region":"eu-west-1"}'
    assert get(SERVICE, "ka.req.service.type") == "NodePort"
    assert get(SERVICE, "ka.req.service.ports") == ('{"port":80,"nodePort":30080,"protocol":"TCP"}',)
    assert get(SERVICE, "ka.target.subresource") == ""


def test_json_fields_and_time() -> None:
    assert get(POD, "jevt.value", "/user/username") == "alice@example.com"
    assert get(POD, "json.value", "/requestObject/spec/containers/1/image") == "busybox"
    assert get(POD, "jevt.value", "/requestObject/spec/hostNetwork") == "true"
    assert get(POD, "jevt.value", "/responseStatus") == '{"metadata":{},"code":201}'
    assert get(POD, "jevt.value", "/annotations/authorization.k8s.io~1decision") == "allow"
    assert get(POD, "jevt.value", "/nope") is None
    assert get(POD, "jevt.value", "/sourceIPs/01") is None
    assert json.loads(str(get(CONFIGMAP, "jevt.obj"))) == CONFIGMAP
    assert get(POD, "jevt.rawtime") == 1718000000123456000
    assert get(POD, "jevt.time") == "06:13:20.123456000"
    assert get(POD, "jevt.time.iso8601") == "2024-06-10T06:13:20.123456000Z"
    assert get(POD, "evt.source") == "k8s_audit"
    assert get(BINDING, "evt.rawtime") == 1718000000000000000  # +02:00 offset applied
    assert get(CONFIGMAP, "evt.rawtime") == 1718000001000000000  # requestReceivedTimestamp fallback
    assert get(ROLE, "evt.rawtime") is None
    assert get(ROLE, "jevt.time") is None
    assert event_time(ROLE) == 0
    assert TABLE.event_time(SERVICE) == 1718000002500000000


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2024-06-10T06:13:20Z", 1718000000000000000),
        ("2024-06-10T06:13:20.123456789Z", 1718000000123456789),
        ("2024-06-10T08:13:20.5+02:00", 1718000000500000000),
        ("2024-06-10T04:13:20-0200", 1718000000000000000),
        ("2024-13-10T06:13:20Z", None),
        ("yesterday", None),
        ("2024-06-10T06:13:20" + "1" * 100, None),
        (12, None),
    ],
)
def test_parse_k8s_time(text: object, ns: int | None) -> None:
    assert parse_k8s_time(text) == ns


def test_helpers() -> None:
    assert as_text(None) is None
    assert as_text(True) == "true"
    assert as_text(3) == "3"
    assert as_text([1, "a"]) == '[1,"a"]'
    assert json_pointer({"a": [{"b/c": 1}]}, "/a/0/b~1c") == (True, 1)
    assert json_pointer({"a": 1}, "") == (True, {"a": 1})
    assert json_pointer({"a": 1}, "a") == (False, None)
    assert json_pointer({"a": 1}, "/a/b") == (False, None)


def test_malformed_events_read_as_not_available() -> None:
    bad: dict[str, Any] = {
        "auditID": 5, "user": "x", "objectRef": [], "sourceIPs": "1.2.3.4", "annotations": None,
        "requestObject": {"spec": {"containers": "x", "volumes": [1, "a", {"hostPath": 3}], "ports": {"a": 1}},
                          "rules": [3, {"verbs": "get"}], "subjects": {"a": 1}},
        "requestURI": "/x?%zz=%%&a=1",
    }
    for fdef in TABLE.fields():
        if fdef.arg in (ArgKind.NONE, ArgKind.OPTIONAL_INDEX, ArgKind.OPTIONAL_KEY):
            value = TABLE.extractor(fdef.name, None)(bad)
            assert value is None or isinstance(value, str | int | tuple), fdef.name
    assert get(bad, "ka.auditid") == "5"
    assert get(bad, "ka.user.name") is None
    assert get(bad, "ka.sourceips") is None
    assert get(bad, "ka.req.pod.containers.image") is None
    assert get(bad, "ka.req.pod.volumes.hostpath") == ()
    assert get(bad, "ka.req.role.rules.verbs") == ()
    assert get(bad, "ka.uri.param", "a") == "1"


def test_k8s_audit_rules_fire_through_the_engine() -> None:
    from stockade.runtime.engine import Engine
    from stockade.runtime.fields.syscall import SyscallFieldTable
    from stockade.runtime.rules import load_rules

    tables = {"syscall": SyscallFieldTable(), "k8s_audit": TABLE}
    result = load_rules([TESTDATA / "k8s-audit-rules.yaml"], tables)
    assert result.errors == ()
    assert result.warnings == ()
    engine = Engine(result.ruleset, tables)
    fired = {name: [a.output for a in engine.process(load(name), "k8s_audit")]
             for name in ("audit-pod-create", "audit-binding", "audit-role", "audit-configmap", "audit-service")}
    assert fired == {
        "audit-pod-create": [
            "privileged pod (user=alice@example.com pod=debug ns=shop "
            "images=(registry.example:5000/shop/app:1.2@sha256:abcd,busybox))",
            "sensitive mount (user=alice@example.com paths=(/,/var/run/docker.sock) first=(/))",
        ],
        "audit-binding": [
            'cluster-admin binding (user=mallory subjects=({"kind":"User","name":"mallory",'
            '"apiGroup":"rbac.authorization.k8s.io"},{"kind":"Group","name":"anon"}) code=403)',
        ],
        "audit-role": [
            'wildcard role (user=admin role=reader rules=({"apiGroups":[""],"resources":["pods","pods/exec"],'
            '"verbs":["get","create"]},{"nonResourceURLs":["/metrics"],"verbs":["get"]},{"apiGroups":["apps"],'
            '"resources":["*"],"verbs":["*"]}))',
        ],
        "audit-configmap": ["aws keys in configmap (user=ci name=aws verb=update time=06:13:21.000000000)"],
        "audit-service": ['nodeport (user=ci ports=({"port":80,"nodePort":30080,"protocol":"TCP"}))'],
    }
