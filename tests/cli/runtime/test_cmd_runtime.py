"""``stockade runtime``: the CLI contract CI scripts depend on (exit codes, JSON shapes, the summary)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockade.cli.main import main

DATA = Path(__file__).parent / "testdata"
UPSTREAM = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "falco" / "falco_rules.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["runtime", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(DATA / "shell.yaml"))
    assert code == 0 and out.splitlines()[-1] == "1 rules, 0 errors, 0 warnings"
    code, out, _ = run(capsys, "validate", str(DATA / "broken.yaml"))
    assert code == 1
    assert f"{DATA / 'broken.yaml'}:3: error: Undefined macro 'no_such_macro' used in filter. (rule 'Broken')" in out
    assert "Invalid priority (rule 'Bad priority')" in out


def test_validate_json_lists_errors_with_file_line_and_item(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--format", "json", str(DATA / "broken.yaml"))
    doc = json.loads(out)
    assert code == 1
    errors = sorted((e["line"], e["item_name"]) for e in doc["errors"])
    assert errors == [(3, "Broken"), (11, "Bad priority")]
    assert all(e["file"] == str(DATA / "broken.yaml") for e in doc["errors"])


def test_upstream_ruleset_validates(capsys: pytest.CaptureFixture[str]) -> None:
    if not UPSTREAM.exists():
        pytest.skip("the shared Falco ruleset (../shared/data/falco) is not present")
    code, out, _ = run(capsys, "validate", str(UPSTREAM))
    assert code == 0 and out.splitlines()[-1] == "25 rules, 0 errors, 0 warnings"


def test_parse_prints_the_tree_and_reports_syntax_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", "evt.type = execve and not proc.name in (bash, sh)")
    assert code == 0
    assert out.splitlines() == ["and", "  check evt.type = execve", "  not", "    check proc.name in (bash, sh)"]
    code, _, err = run(capsys, "parse", "proc.name = (bash")
    assert code == 1 and "line 1 col" in err


def test_parse_file_json_accepts_and_rejects_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", "--file", str(DATA / "conditions.txt"), "--format", "json")
    results = json.loads(out)
    assert code == 1
    assert [(r["line"], r["accepted"]) for r in results] == [(1, True), (2, False), (3, True), (4, False)]
    assert results[3]["error"].startswith("unexpected token after 'a'")


def test_replay_text_json_summary_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    events = str(DATA / "events.jsonl")
    code, out, err = run(capsys, "replay", "-r", str(DATA / "shell.yaml"), events)
    assert code == 0
    assert out.splitlines() == [
        "06:13:20.000000000: Warning Shell in container (user=root container=3f4e5d6c7b8a cmd=bash -i)",
        "06:13:20.300000000: Warning Shell in container (user=root container=3f4e5d6c7b8a cmd=sh -c id)",
    ]
    assert "events.jsonl:4: invalid JSON" in err  # the bad record is named, the rest is replayed
    assert "   Shell in container: 2" in err and "4 events read, 1 unreadable records" in err
    code, out, _ = run(capsys, "replay", "-r", str(DATA / "shell.yaml"), "--format", "json", "--exit-code", "3",
                       events)
    alerts = [json.loads(line) for line in out.splitlines()]
    assert code == 3
    assert [(a["rule"], a["priority"], a["source"], a["output_fields"]["container.id"]) for a in alerts] == [
        ("Shell in container", "Warning", "syscall", "3f4e5d6c7b8a")] * 2
    assert alerts[0]["time"] == "2024-06-10T06:13:20.000000000Z" and alerts[0]["tags"] == ["container", "shell"]


def test_replay_min_priority_and_broken_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "replay", "-r", str(DATA / "shell.yaml"), "--min-priority", "error",
                       str(DATA / "events.jsonl"))
    assert code == 0 and out == ""
    code, _, err = run(capsys, "replay", "-r", str(DATA / "broken.yaml"), str(DATA / "events.jsonl"))
    assert code == 2 and "the rule files do not load (2 errors)" in err
    code, _, err = run(capsys, "replay", "-r", str(DATA / "shell.yaml"), "--min-priority", "loud",
                       str(DATA / "events.jsonl"))
    assert code == 2 and "unknown priority 'loud'" in err


def test_replay_of_kubernetes_audit_events(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "audit.yaml"
    rules.write_text(
        "- rule: Exec into pod\n"
        "  desc: kubectl exec\n"
        '  condition: ka.target.subresource = exec and ka.verb = create\n'
        "  output: exec by %ka.user.name into %ka.target.namespace/%ka.target.name\n"
        "  priority: NOTICE\n"
        "  source: k8s_audit\n")
    log = tmp_path / "audit.log"
    event = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": "a1",
             "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/prod/pods/web-0/exec?command=sh",
             "verb": "create", "user": {"username": "alice", "groups": ["dev"]},
             "objectRef": {"resource": "pods", "namespace": "prod", "name": "web-0", "subresource": "exec"},
             "responseStatus": {"code": 101}, "requestReceivedTimestamp": "2024-06-10T06:13:20.000000Z",
             "stageTimestamp": "2024-06-10T06:13:20.100000Z"}
    log.write_text(json.dumps(event) + "\n" + json.dumps({**event, "verb": "get", "auditID": "a2"}) + "\n")
    code, out, _ = run(capsys, "replay", "-r", str(rules), "--source", "k8s_audit", str(log))
    assert code == 0
    assert out.splitlines() == ["06:13:20.100000000: Notice exec by alice into prod/web-0"]


def test_runtime_without_an_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2 and "give an action" in err
