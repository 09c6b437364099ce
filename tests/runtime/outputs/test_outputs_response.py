"""Response actions: configuration, kill on a real process, Kubernetes actions against a fake HTTPS API server."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from stockade.errors import ConfigError
from stockade.runtime.outputs._kube import KubeClient, KubeConfig
from stockade.runtime.outputs.response import ActionRecord, ResponseEngine, isolation_policy, parse_config


def engine(config: list[dict[str, Any]], **kw: Any) -> ResponseEngine:
    return ResponseEngine(parse_config(config), start=False, **kw)


# configuration ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("config", "message"), [
    ({"action": "kill"}, r"^response: expected a list of response actions$"),
    ([{"action": "nuke", "match": {"rules": ["x"]}}],
     r"^response\[0\]\.action: unknown action 'nuke' \(expected one of kill, pod-delete, pod-label, pod-isolate\)$"),
    ([{"action": "kill"}], r"^response\[0\]\.match: missing"),
    ([{"action": "kill", "match": {}}], r"^response\[0\]\.match: give at least one of rules, tags, min_priority$"),
    ([{"action": "kill", "match": {"rules": "x"}, "dry_run": "no"}],
     r"^response\[0\]\.dry_run: expected true or false$"),
    ([{"action": "kill", "match": {"rules": [1]}}], r"^response\[0\]\.match\.rules: expected a list of names$"),
    ([{"action": "kill", "match": {"min_priority": "urgent"}}],
     r"^response\[0\]\.match\.min_priority: unknown priority 'urgent' \(expected one of emergency"),
    ([{"action": "kill", "match": {"rules": ["x"], "severity": 1}}],
     r"^response\[0\]\.match: unknown key\(s\) severity$"),
    ([{"action": "kill", "match": {"rules": ["x"]}, "when": 1}], r"^response\[0\]: unknown key\(s\) when$"),
    ([{"action": "pod-label", "match": {"rules": ["x"]}}],
     r"^response\[0\]\.params\.labels: pod-label needs a non-empty mapping of labels$"),
    ([{"action": "pod-label", "match": {"rules": ["x"]}, "params": {"labels": {"bad key!": "v"}}}],
     r"^response\[0\]\.params\.labels: 'bad key!' is not a valid label name$"),
    ([{"action": "pod-label", "match": {"rules": ["x"]}, "params": {"labels": {"a": "not ok"}}}],
     r"^response\[0\]\.params\.labels\.a: 'not ok' is not a valid label value$"),
    ([{"action": "pod-delete", "match": {"rules": ["x"]}, "params": {"grace_period_seconds": -1}}],
     r"^response\[0\]\.params\.grace_period_seconds: expected a non-negative integer$"),
    ([{"action": "pod-isolate", "match": {"rules": ["x"]}, "params": {"policy_name": "Bad_Name"}}],
     r"^response\[0\]\.params\.policy_name: 'Bad_Name' is not a valid object name$"),
    ([{"action": "kill", "match": {"rules": ["x"]}, "params": {"signal": 9}}],
     r"^response\[0\]\.params: unknown parameter\(s\) signal for kill$"),
])
def test_invalid_configuration_names_entry_and_key(config: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(config)


def test_dry_run_is_the_default() -> None:
    (rule,) = parse_config([{"action": "kill", "match": {"rules": ["x"]}}])
    assert rule.dry_run is True


def test_matching(make_alert: Any) -> None:
    rules = parse_config([
        {"action": "kill", "match": {"rules": ["Terminal shell*"]}},
        {"action": "kill", "match": {"tags": ["container", "shell"], "min_priority": "warning"}},
        {"action": "kill", "match": {"min_priority": "notice", "tags": ["container"]}},
        {"action": "kill", "match": {"rules": ["Other"]}},
    ])
    alert = make_alert()  # Notice, tags container+shell
    assert [r.match.matches(alert) for r in rules] == [True, False, True, False]
    assert rules[1].match.matches(make_alert(priority="Critical")) is True
    assert rules[1].match.matches(make_alert(priority="Critical", tags=("container",))) is False


# kill -------------------------------------------------------------------------------------------------------

@pytest.fixture()
def sleeper() -> Any:
    proc = subprocess.Popen(["sleep", "30"])
    # Popen may return before the child's exec has renamed it (vfork resumes the parent early)
    comm = Path(f"/proc/{proc.pid}/comm")
    deadline = time.monotonic() + 10
    while comm.read_text().strip() != "sleep" and time.monotonic() < deadline:
        time.sleep(0.01)
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def test_kill_dry_run_leaves_the_process_alone(sleeper: Any, make_alert: Any) -> None:
    seen: list[ActionRecord] = []
    eng = engine([{"action": "kill", "match": {"rules": ["*"]}}], on_record=seen.append)
    (record,) = eng.handle(make_alert(output_fields={"proc.pid": sleeper.pid, "proc.name": "sleep"}))
    assert (record.action, record.outcome, record.dry_run) == ("kill", "dry-run", True)
    assert record.target == f"pid {sleeper.pid} (sleep)"
    assert record.detail == f"would send SIGKILL to pid {sleeper.pid}"
    assert sleeper.poll() is None
    assert seen == [record]
    assert record.to_dict()["rule"] == "Terminal shell in container"
    assert record.to_dict()["priority"] == "notice"


def test_kill_sends_sigkill(sleeper: Any, make_alert: Any) -> None:
    eng = engine([{"action": "kill", "match": {"rules": ["*"]}, "dry_run": False}])
    (record,) = eng.handle(make_alert(output_fields={"proc.pid": str(sleeper.pid), "proc.name": "sleep"}))
    assert (record.outcome, record.detail) == ("done", f"sent SIGKILL to pid {sleeper.pid}")
    assert sleeper.wait(10) == -signal.SIGKILL
    assert eng.stats().by_outcome == {"done": 1}


@pytest.mark.parametrize(("fields", "outcome", "detail"), [
    ({"proc.pid": 1, "proc.name": "init"}, "refused", "refusing to kill pid 1"),
    ({"proc.pid": 0}, "refused", "refusing to kill pid 0"),
    ({"proc.pid": os.getpid()}, "refused", "refusing to kill stockade itself"),
    ({"proc.name": "bash"}, "skipped", "the alert carries no proc.pid"),
    ({"proc.pid": "<NA>"}, "skipped", "the alert carries no proc.pid"),
])
def test_kill_refusals(fields: dict[str, Any], outcome: str, detail: str, make_alert: Any) -> None:
    killed: list[int] = []
    eng = engine([{"action": "kill", "match": {"rules": ["*"]}, "dry_run": False}],
                 kill=lambda pid, sig: killed.append(pid))
    (record,) = eng.handle(make_alert(output_fields=fields))
    assert (record.outcome, record.detail) == (outcome, detail)
    assert killed == []


def test_kill_refuses_a_reused_pid(sleeper: Any, make_alert: Any) -> None:
    eng = engine([{"action": "kill", "match": {"rules": ["*"]}, "dry_run": False}])
    (record,) = eng.handle(make_alert(output_fields={"proc.pid": sleeper.pid, "proc.name": "bash"}))
    assert record.outcome == "refused"
    assert record.detail == f"pid {sleeper.pid} is now 'sleep', not 'bash': the pid was reused"
    assert sleeper.poll() is None


def test_kill_of_an_exited_process_is_skipped(make_alert: Any) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(10)
    eng = engine([{"action": "kill", "match": {"rules": ["*"]}, "dry_run": False}])
    (record,) = eng.handle(make_alert(output_fields={"proc.pid": proc.pid}))
    assert (record.outcome, record.detail) == ("skipped", "the process has already exited")


def test_field_lookup_reaches_fields_the_output_lacks(sleeper: Any, make_alert: Any) -> None:
    eng = engine([{"action": "kill", "match": {"rules": ["*"]}}],
                 field_lookup=lambda alert, name: {"proc.pid": sleeper.pid}.get(name))
    (record,) = eng.handle(make_alert(output_fields={"proc.name": "sleep"}))
    assert record.outcome == "dry-run"


def test_worker_thread_handles_submitted_alerts(sleeper: Any, make_alert: Any) -> None:
    eng = ResponseEngine(parse_config([{"action": "kill", "match": {"rules": ["*"]}}]))
    assert eng.submit(make_alert(output_fields={"proc.pid": sleeper.pid, "proc.name": "sleep"})) is True
    assert eng.submit(make_alert(rule="x", tags=())) is True  # matches "*" too (no pid: skipped)
    assert eng.wait_idle(10)
    eng.close()
    assert [r.outcome for r in eng.history()] == ["dry-run", "skipped"]
    assert eng.stats().handled == 2


# Kubernetes -------------------------------------------------------------------------------------------------

POD = {"k8s.pod.name": "web-6d4cf56db6-5xk2q", "k8s.ns.name": "shop"}


@pytest.fixture()
def kube(http_server: Any, tls_cert: tuple[Path, Path], tmp_path: Path) -> Any:
    def start(replies: list[Any] | None = None, default: Any = (200, {})) -> tuple[Any, KubeClient]:
        server = http_server(replies, default, tls=tls_cert)
        token = tmp_path / "token"
        token.write_text("sa-token-1\n")
        client = KubeClient(KubeConfig(server=server.url, token_file=str(token), ca_file=str(tls_cert[0]),
                                       timeout=5.0))
        return server, client

    return start


def test_pod_delete(kube: Any, make_alert: Any) -> None:
    server, client = kube()
    eng = engine([{"action": "pod-delete", "match": {"rules": ["*"]}, "dry_run": False,
                   "params": {"grace_period_seconds": 0}}], kube=client)
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "done"
    assert record.requests == ("DELETE /api/v1/namespaces/shop/pods/web-6d4cf56db6-5xk2q",)
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("DELETE", "/api/v1/namespaces/shop/pods/web-6d4cf56db6-5xk2q")
    assert seen.json() == {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0}
    assert seen.headers["authorization"] == "Bearer sa-token-1"
    assert seen.headers["content-type"] == "application/json"


def test_pod_label(kube: Any, make_alert: Any) -> None:
    server, client = kube()
    eng = engine([{"action": "pod-label", "match": {"rules": ["*"]}, "dry_run": False,
                   "params": {"labels": {"stockade.dev/suspicious": "true", "tier": "quarantine"}}}], kube=client)
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "done"
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("PATCH", "/api/v1/namespaces/shop/pods/web-6d4cf56db6-5xk2q")
    assert seen.headers["content-type"] == "application/merge-patch+json"
    assert seen.json() == {"metadata": {"labels": {"stockade.dev/suspicious": "true", "tier": "quarantine"}}}


def test_pod_isolate_creates_the_policy_once_then_labels(kube: Any, make_alert: Any) -> None:
    server, client = kube()
    eng = engine([{"action": "pod-isolate", "match": {"rules": ["*"]}, "dry_run": False}], kube=client)
    (first,) = eng.handle(make_alert(output_fields=POD))
    (second,) = eng.handle(make_alert(output_fields={**POD, "k8s.pod.name": "db-0"}))
    assert [(s.method, s.path) for s in server.seen] == [
        ("POST", "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies"),
        ("PATCH", "/api/v1/namespaces/shop/pods/web-6d4cf56db6-5xk2q"),
        ("PATCH", "/api/v1/namespaces/shop/pods/db-0"),
    ]
    assert server.seen[0].json() == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "stockade-isolate", "namespace": "shop",
                     "labels": {"app.kubernetes.io/managed-by": "stockade"}},
        "spec": {"podSelector": {"matchLabels": {"stockade.dev/isolated": "true"}},
                 "policyTypes": ["Ingress", "Egress"]},
    }
    assert server.seen[1].json() == {"metadata": {"labels": {"stockade.dev/isolated": "true"}}}
    assert (first.outcome, second.outcome) == ("done", "done")
    assert second.requests == ("PATCH /api/v1/namespaces/shop/pods/db-0",)


def test_pod_isolate_accepts_an_existing_policy(kube: Any, make_alert: Any) -> None:
    server, client = kube([(409, {"kind": "Status", "reason": "AlreadyExists"})])
    eng = engine([{"action": "pod-isolate", "match": {"rules": ["*"]}, "dry_run": False,
                   "params": {"label": "quarantine", "policy_name": "lockdown"}}], kube=client)
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "done"
    assert server.seen[0].json()["metadata"]["name"] == "lockdown"
    assert server.seen[1].json() == {"metadata": {"labels": {"quarantine": "true"}}}


def test_api_refusal_is_a_failed_record(kube: Any, make_alert: Any) -> None:
    server, client = kube(default=(403, {"kind": "Status", "message": 'pods "web" is forbidden: User cannot delete'}))
    eng = engine([{"action": "pod-delete", "match": {"rules": ["*"]}, "dry_run": False}], kube=client)
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "failed"
    assert record.detail == ('DELETE /api/v1/namespaces/shop/pods/web-6d4cf56db6-5xk2q: HTTP 403 '
                             'pods "web" is forbidden: User cannot delete')
    assert server.seen[0].body == b""


def test_kubernetes_dry_run_sends_nothing(kube: Any, make_alert: Any) -> None:
    server, client = kube()
    eng = engine([{"action": "pod-isolate", "match": {"rules": ["*"]}}], kube=client)
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "dry-run"
    assert record.requests == ("POST /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies",
                               "PATCH /api/v1/namespaces/shop/pods/web-6d4cf56db6-5xk2q")
    assert server.seen == []


def test_kubernetes_action_without_pod_fields_is_skipped(kube: Any, make_alert: Any) -> None:
    server, client = kube()
    eng = engine([{"action": "pod-delete", "match": {"rules": ["*"]}, "dry_run": False}], kube=client)
    (record,) = eng.handle(make_alert())
    assert (record.outcome, record.detail) == ("skipped", "the alert carries no k8s.pod.name and k8s.ns.name")
    assert server.seen == []


def test_kubernetes_action_without_api_fails(make_alert: Any) -> None:
    eng = engine([{"action": "pod-delete", "match": {"rules": ["*"]}, "dry_run": False}])
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert (record.outcome, record.detail) == ("failed", "no Kubernetes API configured (in-cluster or kubeconfig)")


def test_untrusted_api_server_certificate_fails(http_server: Any, tls_cert: tuple[Path, Path], make_alert: Any) -> None:
    server = http_server(tls=tls_cert)
    client = KubeClient(KubeConfig(server=server.url, token="t"))  # system trust store only
    eng = engine([{"action": "pod-delete", "match": {"rules": ["*"]}, "dry_run": False}], kube=client)
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "failed"
    assert "cannot reach the API server" in record.detail and "CERTIFICATE_VERIFY_FAILED" in record.detail


def test_isolation_policy_shape() -> None:
    assert isolation_policy("ns", "p", "l")["spec"] == {"podSelector": {"matchLabels": {"l": "true"}},
                                                        "policyTypes": ["Ingress", "Egress"]}


# configuration sources ----------------------------------------------------------------------------------

def test_in_cluster_configuration(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("tok\n")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "namespace").write_text("security\n")
    cfg = KubeConfig.in_cluster({"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}, tmp_path)
    assert cfg.server == "https://10.96.0.1:443"
    assert cfg.token_file == str(tmp_path / "token")
    assert cfg.ca_file == str(tmp_path / "ca.crt")
    assert cfg.default_namespace == "security"
    v6 = KubeConfig.in_cluster({"KUBERNETES_SERVICE_HOST": "fd00::1"}, tmp_path)
    assert v6.server == "https://[fd00::1]:443"


def test_in_cluster_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set"):
        KubeConfig.in_cluster({}, tmp_path)
    with pytest.raises(ConfigError, match=r"in-cluster configuration: .*/token is missing"):
        KubeConfig.in_cluster({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, tmp_path)


KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context: {{cluster: c1, user: u1, namespace: shop}}
- name: dev
  context: {{cluster: c1, user: u2}}
clusters:
- name: c1
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: u1
  user: {{token: tok-u1}}
- name: u2
  user:
    exec: {{command: aws}}
"""


def test_kubeconfig_token_user_against_the_fake_api(kube: Any, tls_cert: tuple[Path, Path], tmp_path: Path,
                                                    make_alert: Any) -> None:
    server, _ = kube()
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.format(server=server.url, ca=base64.b64encode(tls_cert[0].read_bytes()).decode()))
    cfg = KubeConfig.from_kubeconfig(path)
    assert (cfg.server, cfg.token, cfg.default_namespace) == (server.url, "tok-u1", "shop")
    eng = engine([{"action": "pod-label", "match": {"rules": ["*"]}, "dry_run": False,
                   "params": {"labels": {"a": "b"}}}], kube=KubeClient(cfg))
    (record,) = eng.handle(make_alert(output_fields=POD))
    assert record.outcome == "done"
    assert server.seen[0].headers["authorization"] == "Bearer tok-u1"
    with pytest.raises(ConfigError, match=r"config: user 'u2' uses an exec/auth-provider plug-in"):
        KubeConfig.from_kubeconfig(path, context="dev")
    with pytest.raises(ConfigError, match=r"config: no context named 'nope' in contexts"):
        KubeConfig.from_kubeconfig(path, context="nope")


@pytest.mark.parametrize(("text", "message"), [
    ("a: [1, 2\n", r"kubeconfig:\d+: kubeconfig is not valid YAML"),
    ("- 1\n", r"kubeconfig: kubeconfig is not a mapping"),
    ("clusters: []\n", r"kubeconfig: no context given and no current-context set"),
    (b"\xff\xfe\x00".decode("latin-1"), r"kubeconfig: kubeconfig is not valid YAML"),
])
def test_kubeconfig_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text, encoding="utf-8" if text.isascii() else "latin-1")
    with pytest.raises(ConfigError, match=message):
        KubeConfig.from_kubeconfig(path)


def test_kubeconfig_too_large_or_missing(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"#" * (1 << 20) + b"\n")
    with pytest.raises(ConfigError, match=r"is larger than 1048576 bytes"):
        KubeConfig.from_kubeconfig(big)
    with pytest.raises(ConfigError, match=r"cannot read kubeconfig .*nothing: No such file or directory"):
        KubeConfig.from_kubeconfig(tmp_path / "nothing")
