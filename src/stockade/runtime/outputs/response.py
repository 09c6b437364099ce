"""Response actions: what to do when a rule fires, beyond telling someone.

Configuration is a list of entries::

    - match: {rules: [Terminal shell in container], tags: [container], min_priority: notice}
      action: kill            # kill | pod-delete | pod-label | pod-isolate
      dry_run: true           # the default: log what would be done, do nothing
      params: {}              # pod-label: {labels: {k: v}}; pod-delete: {grace_period_seconds: 0};
                              # pod-isolate: {label: stockade.dev/isolated, policy_name: stockade-isolate}

An entry matches an alert when every criterion it gives holds: the alert's rule is one of ``rules`` (names
or shell globs), the alert carries every tag in ``tags``, and its priority is at least ``min_priority``.
Every matching entry acts, in configuration order. Every action, done or not, becomes an ``ActionRecord``
passed to the ``on_record`` callback (the CLI logs it) and kept in a bounded history.

- kill: SIGKILL the process ``proc.pid``. Refused for pid 1, for stockade's own pid, for a pid that no longer
  exists, and when the process's current name differs from the alert's ``proc.name`` (the pid was reused).
- pod-delete / pod-label / pod-isolate: through the Kubernetes API for the pod ``k8s.pod.name`` in
  namespace ``k8s.ns.name``. pod-isolate creates (once per namespace) a NetworkPolicy that selects the
  isolation label and allows nothing in or out, then puts that label on the pod.

Fields are read from the alert's ``output_fields`` (only the fields its rule's output names), then from the
optional ``field_lookup`` callback the caller can give to reach the full event.
"""

from __future__ import annotations

import collections
import contextlib
import fnmatch
import os
import queue
import re
import signal
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stockade.errors import ConfigError
from stockade.runtime.outputs._alert import PRIORITIES, AlertLike, priority_name, priority_rank
from stockade.runtime.outputs._kube import KubeAPIError, KubeClient

ACTIONS = ("kill", "pod-delete", "pod-label", "pod-isolate")
DEFAULT_ISOLATION_LABEL = "stockade.dev/isolated"
DEFAULT_POLICY_NAME = "stockade-isolate"

FieldLookup = Callable[[AlertLike, str], object]

_LABEL_NAME = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                         r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Match:
    rules: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    min_priority: str | None = None

    def matches(self, alert: AlertLike) -> bool:
        if self.rules and not any(fnmatch.fnmatchcase(alert.rule, pattern) for pattern in self.rules):
            return False
        if self.tags and not set(self.tags) <= set(alert.tags):
            return False
        if self.min_priority is not None:
            try:
                if priority_rank(alert.priority) < priority_rank(self.min_priority):
                    return False
            except ValueError:
                return False
        return True


@dataclass(frozen=True)
class ResponseRule:
    match: Match
    action: str
    dry_run: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One response action, done, simulated, refused or failed: the structured log line."""

    time: str
    rule: str
    priority: str
    action: str
    dry_run: bool
    outcome: str  # dry-run | done | refused | skipped | failed
    target: str
    detail: str
    requests: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "rule": self.rule, "priority": self.priority, "action": self.action,
                "dry_run": self.dry_run, "outcome": self.outcome, "target": self.target, "detail": self.detail,
                "requests": list(self.requests)}


def parse_config(entries: object, where: str = "response") -> tuple[ResponseRule, ...]:
    """Validate the configuration list; a ConfigError names the entry and key at fault."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: expected a list of response actions")
    rules = []
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{here}: expected a mapping with match, action and dry_run")
        unknown = set(entry) - {"match", "action", "dry_run", "params"}
        if unknown:
            raise ConfigError(f"{here}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        action = entry.get("action")
        if action not in ACTIONS:
            raise ConfigError(f"{here}.action: unknown action {action!r} (expected one of {', '.join(ACTIONS)})")
        dry_run = entry.get("dry_run", True)
        if not isinstance(dry_run, bool):
            raise ConfigError(f"{here}.dry_run: expected true or false")
        match = _parse_match(entry.get("match"), f"{here}.match")
        params = entry.get("params") or {}
        if not isinstance(params, Mapping):
            raise ConfigError(f"{here}.params: expected a mapping")
        _check_params(str(action), params, f"{here}.params")
        rules.append(ResponseRule(match, str(action), dry_run, dict(params)))
    return tuple(rules)


def _parse_match(raw: object, here: str) -> Match:
    if raw is None:
        raise ConfigError(f"{here}: missing (an empty match would act on every alert; write match: {{rules: ['*']}})")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{here}: expected a mapping with rules, tags and/or min_priority")
    unknown = set(raw) - {"rules", "tags", "min_priority"}
    if unknown:
        raise ConfigError(f"{here}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    lists = {}
    for key in ("rules", "tags"):
        value = raw.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{here}.{key}: expected a list of names")
        lists[key] = tuple(value)
    min_priority = raw.get("min_priority")
    if min_priority is not None:
        try:
            min_priority = priority_name(str(min_priority))
        except ValueError:
            raise ConfigError(f"{here}.min_priority: unknown priority {min_priority!r} "
                              f"(expected one of {', '.join(PRIORITIES)})") from None
    if not lists["rules"] and not lists["tags"] and min_priority is None:
        raise ConfigError(f"{here}: give at least one of rules, tags, min_priority")
    return Match(lists["rules"], lists["tags"], min_priority)


def _check_params(action: str, params: Mapping[str, Any], here: str) -> None:
    allowed = {"kill": set(), "pod-delete": {"grace_period_seconds"}, "pod-label": {"labels"},
               "pod-isolate": {"label", "policy_name"}}[action]
    unknown = set(params) - allowed
    if unknown:
        raise ConfigError(f"{here}: unknown parameter(s) {', '.join(sorted(map(str, unknown)))} for {action}")
    if action == "pod-label":
        labels = params.get("labels")
        if not isinstance(labels, Mapping) or not labels:
            raise ConfigError(f"{here}.labels: pod-label needs a non-empty mapping of labels")
        for key, value in labels.items():
            if not isinstance(key, str) or not _LABEL_NAME.match(key):
                raise ConfigError(f"{here}.labels: {key!r} is not a valid label name")
            if not isinstance(value, str) or not _LABEL_VALUE.match(value):
                raise ConfigError(f"{here}.labels.{key}: {value!r} is not a valid label value")
    if action == "pod-delete" and "grace_period_seconds" in params:
        grace = params["grace_period_seconds"]
        if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
            raise ConfigError(f"{here}.grace_period_seconds: expected a non-negative integer")
    if action == "pod-isolate":
        label = params.get("label", DEFAULT_ISOLATION_LABEL)
        if not isinstance(label, str) or not _LABEL_NAME.match(label):
            raise ConfigError(f"{here}.label: {label!r} is not a valid label name")
        name = params.get("policy_name", DEFAULT_POLICY_NAME)
        if not isinstance(name, str) or not _DNS_NAME.match(name):
            raise ConfigError(f"{here}.policy_name: {name!r} is not a valid object name")


def isolation_policy(namespace: str, name: str, label: str) -> dict[str, Any]:
    """A NetworkPolicy selecting ``label=true`` pods with both policy types and no rules: nothing in, nothing out."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"app.kubernetes.io/managed-by": "stockade"}},
        "spec": {"podSelector": {"matchLabels": {label: "true"}}, "policyTypes": ["Ingress", "Egress"]},
    }


@dataclass(frozen=True, slots=True)
class ResponseStats:
    handled: int  # alerts that matched at least one entry
    records: int
    by_outcome: Mapping[str, int]
    dropped: int  # alerts not handled because the queue was full


class ResponseEngine:
    """Runs the configured actions for alerts. ``handle()`` acts synchronously; ``submit()`` queues the alert
    for a worker thread (bounded queue; the producer never blocks, a full queue drops and counts)."""

    def __init__(self, rules: Sequence[ResponseRule], *, kube: KubeClient | None = None,
                 on_record: Callable[[ActionRecord], None] | None = None, field_lookup: FieldLookup | None = None,
                 proc_root: str | os.PathLike[str] = "/proc", queue_size: int = 256, history: int = 1000,
                 start: bool = True, own_pid: int | None = None,
                 kill: Callable[[int, int], None] = os.kill) -> None:
        self.rules = tuple(rules)
        self._kube = kube
        self._on_record = on_record
        self._lookup = field_lookup
        self._proc = Path(proc_root)
        self._own_pid = os.getpid() if own_pid is None else own_pid
        self._kill = kill
        self._lock = threading.Lock()
        self._history: collections.deque[ActionRecord] = collections.deque(maxlen=history)
        self._outcomes: collections.Counter[str] = collections.Counter()
        self._handled = 0
        self._dropped = 0
        self._records = 0
        self._isolation_policies: set[tuple[str, str]] = set()
        self._queue: queue.Queue[AlertLike | None] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        if start and self.rules:
            self._thread = threading.Thread(target=self._run, name="stockade-response", daemon=True)
            self._thread.start()

    # entry points --------------------------------------------------------------------------------------

    def submit(self, alert: AlertLike) -> bool:
        if not any(rule.match.matches(alert) for rule in self.rules):
            return False
        if self._thread is None:
            self.handle(alert)
            return True
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            with self._lock:
                self._dropped += 1
            return False
        return True

    def emit(self, alert: AlertLike) -> None:
        """The output interface: same as submit()."""
        self.submit(alert)

    def handle(self, alert: AlertLike) -> list[ActionRecord]:
        records = [self._act(rule, alert) for rule in self.rules if rule.match.matches(alert)]
        if records:
            with self._lock:
                self._handled += 1
        for record in records:
            self._log(record)
        return records

    def _run(self) -> None:
        while True:
            alert = self._queue.get()
            try:
                if alert is None:
                    return
                self.handle(alert)
            except Exception as exc:  # an unexpected failure must not kill the worker
                if alert is not None:
                    self._log(self._record(alert, "?", True, "failed", "", f"internal error: {exc!r}"))
            finally:
                self._queue.task_done()

    def close(self, timeout: float = 30.0) -> None:
        if self._thread is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=timeout)
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float) -> bool:
        import time

        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._queue.unfinished_tasks == 0

    def history(self) -> list[ActionRecord]:
        with self._lock:
            return list(self._history)

    def stats(self) -> ResponseStats:
        with self._lock:
            return ResponseStats(self._handled, self._records, dict(self._outcomes), self._dropped)

    # actions -------------------------------------------------------------------------------------------

    def _log(self, record: ActionRecord) -> None:
        with self._lock:
            self._history.append(record)
            self._outcomes[record.outcome] += 1
            self._records += 1
        if self._on_record is not None:
            with contextlib.suppress(Exception):
                self._on_record(record)

    def _field(self, alert: AlertLike, name: str) -> object:
        value = alert.output_fields.get(name)
        if (value is None or value == "<NA>") and self._lookup is not None:
            try:
                value = self._lookup(alert, name)
            except Exception:
                value = None
        return None if value == "<NA>" else value

    def _record(self, alert: AlertLike, action: str, dry_run: bool, outcome: str, target: str, detail: str,
                requests: Iterable[str] = ()) -> ActionRecord:
        try:
            prio = priority_name(alert.priority)
        except ValueError:
            prio = str(alert.priority)
        return ActionRecord(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), alert.rule, prio, action,
                            dry_run, outcome, target, detail, tuple(requests))

    def _act(self, rule: ResponseRule, alert: AlertLike) -> ActionRecord:
        if rule.action == "kill":
            return self._do_kill(rule, alert)
        return self._do_pod(rule, alert)

    def _do_kill(self, rule: ResponseRule, alert: AlertLike) -> ActionRecord:
        raw = self._field(alert, "proc.pid")
        try:
            pid = int(str(raw))
        except ValueError:
            return self._record(alert, "kill", rule.dry_run, "skipped", "", "the alert carries no proc.pid")
        target = f"pid {pid}"
        if pid <= 1:
            return self._record(alert, "kill", rule.dry_run, "refused", target, f"refusing to kill pid {pid}")
        if pid == self._own_pid:
            return self._record(alert, "kill", rule.dry_run, "refused", target, "refusing to kill stockade itself")
        try:
            current = (self._proc / str(pid) / "comm").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return self._record(alert, "kill", rule.dry_run, "skipped", target, "the process has already exited")
        target = f"pid {pid} ({current})"
        expected = self._field(alert, "proc.name")
        if isinstance(expected, str) and expected and expected != current:
            return self._record(alert, "kill", rule.dry_run, "refused", target,
                                f"pid {pid} is now {current!r}, not {expected!r}: the pid was reused")
        if rule.dry_run:
            return self._record(alert, "kill", True, "dry-run", target, f"would send SIGKILL to pid {pid}")
        try:
            self._kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return self._record(alert, "kill", False, "skipped", target, "the process exited before the signal")
        except OSError as exc:
            return self._record(alert, "kill", False, "failed", target, f"kill failed: {exc.strerror or exc}")
        return self._record(alert, "kill", False, "done", target, f"sent SIGKILL to pid {pid}")

    def _do_pod(self, rule: ResponseRule, alert: AlertLike) -> ActionRecord:
        name, namespace = self._field(alert, "k8s.pod.name"), self._field(alert, "k8s.ns.name")
        if not isinstance(name, str) or not name or not isinstance(namespace, str) or not namespace:
            return self._record(alert, rule.action, rule.dry_run, "skipped", "",
                                "the alert carries no k8s.pod.name and k8s.ns.name")
        target = f"pod {namespace}/{name}"
        params = rule.params
        if rule.action == "pod-delete":
            grace = params.get("grace_period_seconds")
            plan = [f"DELETE /api/v1/namespaces/{namespace}/pods/{name}"]
            what = "delete the pod" + (f" (grace period {grace} s)" if grace is not None else "")
            did = "deleted the pod"
        elif rule.action == "pod-label":
            labels = dict(params["labels"])
            plan = [f"PATCH /api/v1/namespaces/{namespace}/pods/{name}"]
            what = "label the pod " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
            did = "labelled the pod " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
        else:
            label = str(params.get("label", DEFAULT_ISOLATION_LABEL))
            policy = str(params.get("policy_name", DEFAULT_POLICY_NAME))
            plan = [f"POST /apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies",
                    f"PATCH /api/v1/namespaces/{namespace}/pods/{name}"]
            what = f"isolate the pod: NetworkPolicy {policy} denying all traffic to {label}=true, then label the pod"
            did = f"isolated the pod: labelled {label}=true, selected by NetworkPolicy {policy} (no traffic in or out)"
        if rule.dry_run:
            return self._record(alert, rule.action, True, "dry-run", target, f"would {what}", plan)
        if self._kube is None:
            return self._record(alert, rule.action, False, "failed", target,
                                "no Kubernetes API configured (in-cluster or kubeconfig)")
        done: list[str] = []
        try:
            if rule.action == "pod-delete":
                grace = params.get("grace_period_seconds")
                done.append(self._kube.delete_pod(namespace, name, grace))
            elif rule.action == "pod-label":
                done.append(self._kube.label_pod(namespace, name, params["labels"]))
            else:
                label = str(params.get("label", DEFAULT_ISOLATION_LABEL))
                policy = str(params.get("policy_name", DEFAULT_POLICY_NAME))
                if (namespace, policy) not in self._isolation_policies:
                    req, _created = self._kube.create_network_policy(
                        namespace, isolation_policy(namespace, policy, label))
                    done.append(req)
                    self._isolation_policies.add((namespace, policy))
                done.append(self._kube.label_pod(namespace, name, {label: "true"}))
        except KubeAPIError as exc:
            return self._record(alert, rule.action, False, "failed", target, exc.message, done)
        return self._record(alert, rule.action, False, "done", target, did, done)
