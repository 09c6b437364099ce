"""``stockade runtime validate|parse|replay|watch|record|serve-audit``: Falco-compatible runtime detection."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from stockade.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from stockade.model import Diagnostic
    from stockade.runtime.engine import Alert, Engine
    from stockade.runtime.fields.api import Event, FieldTable
    from stockade.runtime.rules import LoadResult

NAME = "runtime"
EXIT_RULE_ERRORS = 1
SOURCES = ("syscall", "k8s_audit")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        NAME, help="runtime detection with Falco rule files (validate, parse, replay, watch, record, serve-audit)",
        description="A rules engine that loads Falco rule files unmodified and evaluates them on recorded events, "
                    "the live host and Kubernetes audit events.",
    )
    actions = parser.add_subparsers(dest="runtime_action", metavar="ACTION")

    validate = actions.add_parser("validate", help="load rule files as one set, as 'falco -V' does")
    validate.add_argument("rules", nargs="+", metavar="RULES")
    validate.add_argument("--format", choices=("text", "json"), default="text")

    parse = actions.add_parser("parse", help="print the parsed tree of a condition (syntax only)")
    parse.add_argument("condition", nargs="?", metavar="CONDITION")
    parse.add_argument("--file", metavar="FILE", help="one condition per line; report accept/reject for each")
    parse.add_argument("--format", choices=("text", "json"), default="text")

    replay = actions.add_parser("replay", help="evaluate recorded events (stockade JSONL, Kubernetes audit logs)")
    replay.add_argument("events", nargs="+", metavar="EVENTS", help="recordings ('-' for standard input)")
    _rule_flags(replay)
    replay.add_argument("--source", choices=SOURCES, default="syscall")
    replay.add_argument("--format", choices=("text", "json"), default="text",
                        help="json: one Falco-format JSON alert per line")
    replay.add_argument("--exit-code", metavar="N", type=int, default=0,
                        help="exit with N when any rule fired (default: 0)")

    watch = actions.add_parser("watch", help="detect on this host's live events (root)")
    _rule_flags(watch)
    _output_flags(watch)
    watch.add_argument("--duration", metavar="SECONDS", type=float, default=0.0, help="stop after this long")
    watch.add_argument("--no-file-events", action="store_true", help="no fanotify file events")
    watch.add_argument("--no-network-events", action="store_true", help="no socket events")

    record = actions.add_parser("record", help="write this host's live events to JSONL for later replay (root)")
    record.add_argument("-o", "--output", metavar="FILE", default="-")
    record.add_argument("--duration", metavar="SECONDS", type=float, default=0.0)
    record.add_argument("--max-events", metavar="N", type=int, default=0)
    record.add_argument("--no-file-events", action="store_true")
    record.add_argument("--no-network-events", action="store_true")

    serve = actions.add_parser("serve-audit", help="serve the API server's audit webhook over HTTPS and detect")
    _rule_flags(serve)
    _output_flags(serve)
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    serve.add_argument("--port", type=int, default=9765)
    serve.add_argument("--path", default="/k8s-audit")
    serve.add_argument("--cert", required=True, metavar="FILE", help="TLS certificate (PEM)")
    serve.add_argument("--key", required=True, metavar="FILE", help="TLS private key (PEM)")
    serve.add_argument("--client-ca", metavar="FILE", help="require client certificates signed by this CA")
    serve.add_argument("--duration", metavar="SECONDS", type=float, default=0.0)
    parser.set_defaults(run=run)


def _rule_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-r", "--rules", action="append", default=[], metavar="FILE", required=True,
                        help="rule file (repeatable; loaded in order as one set)")
    parser.add_argument("--min-priority", metavar="PRIORITY", default="debug",
                        help="skip rules less severe than this (emergency ... debug; default: debug)")


def _output_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output-file", metavar="FILE", help="also append alerts to this file (SIGHUP reopens it)")
    parser.add_argument("--webhook", metavar="URL", help="also POST alerts here (Falcosidekick payload)")
    parser.add_argument("--webhook-format", choices=("falcosidekick", "slack"), default="falcosidekick")
    parser.add_argument("--response", metavar="FILE",
                        help="response actions (YAML list of {match, action, dry_run, params}; dry run by default)")
    parser.add_argument("--kubeconfig", metavar="FILE",
                        help="cluster for pod actions (default: the in-cluster service account)")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "runtime_action", None)
    if action is None:
        raise UsageError("stockade runtime: give an action: validate, parse, replay, watch, record or serve-audit")
    handlers = {"validate": _validate, "parse": _parse, "replay": _replay, "watch": _watch, "record": _record,
                "serve-audit": _serve_audit}
    return handlers[action](args)


# --- rules -----------------------------------------------------------------------------------------------


def _tables() -> dict[str, FieldTable]:
    from stockade.runtime.fields.k8saudit import K8sAuditFieldTable
    from stockade.runtime.fields.syscall import SyscallFieldTable

    return {"syscall": SyscallFieldTable(), "k8s_audit": K8sAuditFieldTable()}


def _load(paths: list[str], tables: Mapping[str, FieldTable]) -> LoadResult:
    from pathlib import Path

    from stockade.runtime.rules import load_rules

    return load_rules([Path(p) for p in paths], tables)


def _validate(args: argparse.Namespace) -> int:
    result = _load(args.rules, _tables())
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        text = result.text()
        if text:
            sys.stdout.write(text.rstrip("\n") + "\n")
        sys.stdout.write(f"{len(result.ruleset.rules)} rules, {len(result.errors)} errors, "
                         f"{len(result.warnings)} warnings\n")
    return EXIT_OK if result.ok else EXIT_RULE_ERRORS


def _engine(args: argparse.Namespace, tables: Mapping[str, FieldTable]) -> Engine:
    from stockade.runtime.engine import Engine
    from stockade.runtime.rules import Priority

    minimum = Priority.parse(args.min_priority)
    if minimum is None:
        raise UsageError(f"unknown priority {args.min_priority!r} (emergency, alert, critical, error, warning, "
                         "notice, informational, debug)")
    result = _load(args.rules, tables)
    for message in (*result.errors, *result.warnings):
        sys.stderr.write(message.text() + "\n")
    if not result.ok:
        raise UsageError(f"the rule files do not load ({len(result.errors)} errors); "
                         "see 'stockade runtime validate'")
    return Engine(result.ruleset, tables, min_priority=minimum, hostname=socket.gethostname())


# --- parse -----------------------------------------------------------------------------------------------


def _parse(args: argparse.Namespace) -> int:
    from stockade.runtime.filter import FilterSyntaxError, format_tree, parse

    if args.file:
        try:
            with open(args.file, encoding="utf-8", errors="replace") as handle:
                lines = handle.read(16 * 1024 * 1024).splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
        results: list[dict[str, Any]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                parse(line)
                results.append({"line": number, "condition": line, "accepted": True, "error": None})
            except FilterSyntaxError as exc:
                results.append({"line": number, "condition": line, "accepted": False, "error": str(exc)})
        if args.format == "json":
            sys.stdout.write(json.dumps(results, indent=2) + "\n")
        else:
            for r in results:
                verdict = "ok" if r["accepted"] else f"error: {r['error']}"
                sys.stdout.write(f"{args.file}:{r['line']}: {verdict}\n")
        return EXIT_OK if all(r["accepted"] for r in results) else EXIT_RULE_ERRORS
    if args.condition is None:
        raise UsageError("stockade runtime parse: give a CONDITION or --file FILE")
    try:
        tree = parse(args.condition)
    except FilterSyntaxError as exc:
        if args.format == "json":
            sys.stdout.write(json.dumps({"accepted": False, "error": str(exc)}) + "\n")
        else:
            sys.stderr.write(f"stockade: {exc}\n")
        return EXIT_RULE_ERRORS
    if args.format == "json":
        sys.stdout.write(json.dumps({"accepted": True, "tree": format_tree(tree)}) + "\n")
    else:
        sys.stdout.write(format_tree(tree).rstrip("\n") + "\n")
    return EXIT_OK


# --- replay ----------------------------------------------------------------------------------------------


def _read(paths: list[str], source: str) -> Iterator[Event | Diagnostic]:
    from stockade.runtime.sources.jsonl import read_events
    from stockade.runtime.sources.k8saudit import read_audit_file

    reader = read_events if source == "syscall" else read_audit_file
    for path in paths:
        if path == "-":
            yield from reader(sys.stdin.buffer, name="-")
        else:
            yield from reader(path)


def _replay(args: argparse.Namespace) -> int:
    from stockade.model import Diagnostic

    tables = _tables()
    engine = _engine(args, tables)
    out = sys.stdout
    events = problems = 0
    for item in _read(args.events, args.source):
        if isinstance(item, Diagnostic):
            problems += 1
            sys.stderr.write(f"stockade: {item.location}: {item.message}\n")
            continue
        events += 1
        for alert in engine.process(item, args.source):
            _write(out, alert, args.format)
    fired = _summary(engine, events, problems)
    return args.exit_code if fired and args.exit_code else EXIT_OK


def _write(out: TextIO, alert: Alert, fmt: str) -> None:
    if fmt == "json":
        out.write(json.dumps(alert.to_falco_json(), separators=(",", ":")) + "\n")
    else:
        out.write(alert.text() + "\n")


def _summary(engine: Engine, events: int, problems: int) -> int:
    per_rule = {rule: n for rule, n in engine.stats.by_rule.items() if n}
    fired = sum(per_rule.values())
    err = sys.stderr
    err.write(f"Events detected: {fired}\nRule counts by severity:\n")
    by_priority: dict[str, int] = {}
    for name, n in per_rule.items():
        rule = engine.ruleset.rule(name)
        label = rule.priority.label if rule is not None else "?"
        by_priority[label] = by_priority.get(label, 0) + n
    for label, n in by_priority.items():
        err.write(f"   {label}: {n}\n")
    err.write("Triggered rules by rule name:\n")
    for name, n in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        err.write(f"   {name}: {n}\n")
    err.write(f"{events} events read, {problems} unreadable records, {engine.stats.errors} evaluation errors\n")
    return fired


# --- live ------------------------------------------------------------------------------------------------


class _Delivery:
    """Alerts to the outputs (and response actions), never blocking the event source: bounded queues."""

    MAX_PENDING = 10_000  # alerts whose event a response action may still look fields up in

    def __init__(self, args: argparse.Namespace, table: FieldTable) -> None:
        import collections

        from stockade.runtime.outputs.dispatcher import Dispatcher
        from stockade.runtime.outputs.file import FileOutput
        from stockade.runtime.outputs.stdout import StdoutOutput
        from stockade.runtime.outputs.webhook import WebhookOptions, WebhookOutput

        outputs: list[Any] = [StdoutOutput(sys.stdout, json_output=args.format == "json")]
        self.file: FileOutput | None = None
        if args.output_file:
            self.file = FileOutput(args.output_file, json_output=args.format == "json")
            outputs.append(self.file)
        if args.webhook:
            outputs.append(WebhookOutput(WebhookOptions(url=args.webhook, format=args.webhook_format)))
        self.table = table
        self.events: collections.OrderedDict[int, Event] = collections.OrderedDict()
        self.lock = threading.Lock()
        self.response = _response_engine(args, self._lookup) if args.response else None
        if self.response is not None:
            outputs.append(self.response)
        self.dispatcher = Dispatcher(outputs, queue_size=10_000)

    def deliver(self, alert: Alert, event: Event) -> None:
        if self.response is not None:
            with self.lock:
                self.events[id(alert)] = event
                while len(self.events) > self.MAX_PENDING:
                    self.events.popitem(last=False)
        self.dispatcher.dispatch(alert)

    def _lookup(self, alert: Any, field: str) -> object:
        """A field of the event behind an alert (``proc.pid``, ``k8s.pod.name`` ... for response actions)."""
        with self.lock:
            event = self.events.get(id(alert))
        if event is None:
            return None
        try:
            return self.table.extractor(field, None)(event)
        except Exception:  # an unknown field or odd event data: nothing to act on
            return None

    def close(self) -> None:
        self.dispatcher.close()


def _response_engine(args: argparse.Namespace, lookup: Any) -> Any:
    import os

    import yaml

    from stockade.errors import ConfigError
    from stockade.runtime.outputs._kube import KubeClient, KubeConfig
    from stockade.runtime.outputs.response import ResponseEngine, parse_config

    try:
        with open(args.response, encoding="utf-8") as handle:
            entries = yaml.safe_load(handle.read(1024 * 1024))
    except OSError as exc:
        raise UsageError(f"cannot read {args.response}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{args.response}: not valid YAML: {exc}") from None
    rules = parse_config(entries, args.response)
    kube = None
    if any(r.action != "kill" for r in rules):
        config = KubeConfig.from_kubeconfig(args.kubeconfig) if args.kubeconfig else \
            KubeConfig.in_cluster(os.environ)
        kube = KubeClient(config)

    def log(record: Any) -> None:
        sys.stderr.write("stockade: response " + json.dumps(_plain(record), default=str) + "\n")

    return ResponseEngine(rules, kube=kube, on_record=log, field_lookup=lookup)


def _stop_after(seconds: float, stop: Any) -> threading.Timer | None:
    if seconds <= 0:
        return None
    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    return timer


def _live_options(args: argparse.Namespace) -> Any:
    from stockade.runtime.sources.live import LiveOptions

    return LiveOptions(file_events=not args.no_file_events, network_events=not args.no_network_events)


def _watch(args: argparse.Namespace) -> int:
    from stockade.runtime.sources.live import LiveSource, probe

    tables = _tables()
    engine = _engine(args, tables)
    needs = {r.name: r.event_types for r in engine.ruleset.rules if r.enabled and r.source == "syscall"}
    report = probe(needs)
    for line in report.warnings():
        sys.stderr.write(f"stockade: warning: {line}\n")
    delivery = _Delivery(args, tables["syscall"])
    source = LiveSource(_live_options(args))
    timer = _stop_after(args.duration, source.stop)
    restore = _signals(source.stop, delivery)
    events = 0
    try:
        with source:
            for event in source.events():
                events += 1
                for alert in engine.process(event, "syscall"):
                    delivery.deliver(alert, event)
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        if timer is not None:
            timer.cancel()
        delivery.close()
    _summary(engine, events, 0)
    stats = source.stats()
    sys.stderr.write(f"live source: {json.dumps(_plain(stats), default=str)}\n")
    return EXIT_OK


def _record(args: argparse.Namespace) -> int:
    from stockade.runtime.sources.live import LiveSource, record

    source = LiveSource(_live_options(args))
    timer = _stop_after(args.duration, source.stop)
    restore = _signals(source.stop, None)
    try:
        with source:
            if args.output == "-":
                stats = record(source, sys.stdout.buffer, max_events=args.max_events or None)
            else:
                try:
                    handle = open(args.output, "wb")  # noqa: SIM115 - closed below
                except OSError as exc:
                    raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
                with handle:
                    stats = record(source, handle, max_events=args.max_events or None)
    except KeyboardInterrupt:
        stats = None
    finally:
        restore()
        if timer is not None:
            timer.cancel()
    if stats is not None:
        sys.stderr.write(f"recorded: {json.dumps(_plain(stats), default=str)}\n")
    return EXIT_OK


def _serve_audit(args: argparse.Namespace) -> int:
    from stockade.runtime.sources.webhook import AuditWebhookServer

    tables = _tables()
    engine = _engine(args, tables)
    delivery = _Delivery(args, tables["k8s_audit"])
    lock = threading.Lock()
    done = threading.Event()

    def on_event(event: Event) -> None:
        with lock:  # the engine is evaluated from one thread at a time
            alerts = engine.process(event, "k8s_audit")
        for alert in alerts:
            delivery.deliver(alert, event)

    def on_diagnostic(diag: Diagnostic) -> None:
        sys.stderr.write(f"stockade: {diag.location}: {diag.message}\n")

    server = AuditWebhookServer(args.host, args.port, args.cert, args.key, on_event, path=args.path,
                                client_cafile=args.client_ca, on_diagnostic=on_diagnostic)
    timer = _stop_after(args.duration, done.set)
    restore = _signals(done.set, delivery)
    try:
        with server:
            sys.stderr.write(f"stockade: serving the audit webhook on https://{args.host}:{server.port}{args.path}\n")
            done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        if timer is not None:
            timer.cancel()
        delivery.close()
    _summary(engine, engine.stats.events, 0)
    return EXIT_OK


def _signals(stop: Any, delivery: _Delivery | None) -> Any:
    """SIGTERM and SIGINT stop the source; SIGHUP reopens the alert file (log rotation). Returns a function
    that puts the previous handlers back."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    signal.signal(signal.SIGTERM, lambda *_: stop())
    signal.signal(signal.SIGINT, lambda *_: stop())
    if delivery is not None and delivery.file is not None:
        reopen = delivery.file.reopen
        signal.signal(signal.SIGHUP, lambda *_: reopen())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _plain(value: Any) -> Any:
    """A stats object as JSON-able data (dataclasses and mappings)."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value
