#!/usr/bin/env python3
"""Headline benchmark for the runtime engine: recorded syscall events per second through Falco's full upstream
ruleset, on one core.

    .venv/bin/python benchmarks/runtime_bench.py [--events 1000000] [--attack-share 0.03] [--chunk 50000]

Generates (deterministically, in memory, chunk by chunk) a mixed stream of syscall event records as JSON lines
— execve, openat read/write, connect, accept4, clone, procexit, socket, sendto, dup2, close, ... with realistic
processes, ancestries, containers and paths — with a few percent of attack events taken from the crafted traces
in tests/runtime/traces/testdata. Then, per chunk, times three stages:

* decode: ``read_events`` (the recorded source: line split, orjson, record validation), streaming;
* replay: ``read_events`` into ``Engine.process(event, "syscall")`` over the full upstream ruleset, one event at
  a time (the end-to-end rate);
* field extraction: the exact extractor calls the engine made for each event (logged by a second, recording
  engine), replayed and timed right after, with the event's derived-value cache dropped; rule evaluation is
  what remains of the replay time.

Prints the replay rate in events/s, each stage's cost per event, and the alerts per rule. Needs
../shared/data/falco/falco_rules.yaml. Figures are machine-dependent.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from stockade.runtime.engine import Engine
from stockade.runtime.fields.syscall import SyscallFieldTable
from stockade.runtime.rules import load_rules
from stockade.runtime.sources.jsonl import read_events

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT.parent / "shared" / "data" / "falco" / "falco_rules.yaml"
TRACES = ROOT / "tests" / "runtime" / "traces" / "testdata"
TARGET = 250_000

T0 = 1_718_000_000_000_000_000
SEC = 1_000_000_000

# ---------------------------------------------------------------------------------------------------------------
# the event stream


def _proc(pid: int, name: str, exepath: str, args: list[str], *, cwd: str = "/", tty: int = 0,
          start: int = T0 - 3600 * SEC, **extra: Any) -> dict[str, Any]:
    return {"pid": pid, "vpid": pid, "name": name, "exe": exepath, "exepath": exepath, "args": args, "cwd": cwd,
            "tty": tty, "sid": pid, "vpgid": pid, "start_ts": start, **extra}


SYSTEMD = _proc(1, "systemd", "/usr/lib/systemd/systemd", ["--system"], start=T0 - 86_400 * SEC)
SHIM = _proc(2210, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", ["-namespace", "k8s.io"])
SSHD = _proc(812, "sshd", "/usr/sbin/sshd", ["-D"])
BASH = _proc(4012, "bash", "/usr/bin/bash", [], cwd="/home/alice/", tty=34816)
CRON = _proc(700, "cron", "/usr/sbin/cron", ["-f"])

CONTAINERS = [
    {"id": f"{i:012x}", "name": name, "image": image, "type": "containerd", "privileged": False,
     "start_ts": T0 - 7200 * SEC}
    for i, (name, image) in enumerate([
        ("web", "docker.io/library/nginx:1.25.3"), ("api", "ghcr.io/acme/api:2.4.1"),
        ("db", "docker.io/library/postgres:16"), ("cache", "docker.io/library/redis:7.2"),
        ("worker", "ghcr.io/acme/worker:2.4.1"), ("proxy", "docker.io/envoyproxy/envoy:v1.30.1"),
    ], start=0x3AD7B26DED00)
]
K8S = {"ns_name": "shop", "pod_name": "pod-0", "pod_uid": "3e41dc6b-08a8-44db-bc2a-3724b18ab19a"}

HOST_PROGRAMS = [
    (_proc(4100, "vim", "/usr/bin/vim.basic", ["notes.txt"], cwd="/home/alice/", tty=34816), [BASH, SSHD, SYSTEMD]),
    (_proc(4101, "python3", "/usr/bin/python3.11", ["manage.py", "runserver"], cwd="/srv/app/"), [BASH, SSHD,
                                                                                                   SYSTEMD]),
    (_proc(4102, "node", "/usr/bin/node", ["server.js"], cwd="/srv/web/"), [SYSTEMD]),
    (_proc(4103, "rsyslogd", "/usr/sbin/rsyslogd", ["-n"]), [SYSTEMD]),
    (_proc(4104, "systemd-journal", "/usr/lib/systemd/systemd-journald", []), [SYSTEMD]),
    (_proc(4105, "kubelet", "/usr/bin/kubelet", ["--config=/var/lib/kubelet/config.yaml"]), [SYSTEMD]),
    (_proc(4106, "containerd", "/usr/bin/containerd", []), [SYSTEMD]),
    (_proc(4107, "sh", "/usr/bin/dash", ["-c", "run-parts /etc/cron.hourly"]), [CRON, SYSTEMD]),
]
CONTAINER_PROGRAMS = [
    (_proc(2251, "nginx", "/usr/sbin/nginx", ["-g", "daemon off;"]), [SHIM, SYSTEMD], 0),
    (_proc(3100, "python3", "/usr/bin/python3.11", ["-m", "api.server"], cwd="/srv/"), [SHIM, SYSTEMD], 1),
    (_proc(3200, "postgres", "/usr/lib/postgresql/16/bin/postgres", ["-D", "/var/lib/postgresql/data"]),
     [SHIM, SYSTEMD], 2),
    (_proc(3300, "redis-server", "/usr/local/bin/redis-server", ["*:6379"]), [SHIM, SYSTEMD], 3),
    (_proc(3400, "celery", "/usr/local/bin/python3", ["-m", "celery", "worker"], cwd="/app/"), [SHIM, SYSTEMD], 4),
    (_proc(3500, "envoy", "/usr/local/bin/envoy", ["-c", "/etc/envoy/envoy.yaml"]), [SHIM, SYSTEMD], 5),
]
READ_PATHS = ["/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/hosts", "/etc/resolv.conf",
              "/proc/self/status", "/srv/app/settings.py", "/usr/share/zoneinfo/UTC", "/etc/nsswitch.conf",
              "/var/lib/postgresql/data/base/16384/2619", "/etc/nginx/nginx.conf", "/usr/share/nginx/html/index.html",
              "/etc/passwd", "/sys/fs/cgroup/cpu.max", "/home/alice/notes.txt", "app/templates/base.html"]
WRITE_PATHS = ["/tmp/tmpk2j3h1", "/var/log/nginx/access.log", "/var/lib/postgresql/data/pg_wal/000000010000000A",
               "/srv/app/cache/session.db", "/home/alice/.viminfo", "/run/app.pid", "/var/log/app/app.log"]
EXEC_PROGRAMS = [("ls", "/usr/bin/ls", ["-la"]), ("cat", "/usr/bin/cat", ["/etc/hosts"]),
                 ("grep", "/usr/bin/grep", ["-rn", "TODO", "src/"]), ("git", "/usr/bin/git", ["status"]),
                 ("ps", "/usr/bin/ps", ["aux"]), ("curl", "/usr/bin/curl", ["-s", "https://example.org/"]),
                 ("python3", "/usr/bin/python3.11", ["-c", "print(1)"]), ("date", "/usr/bin/date", []),
                 ("sed", "/usr/bin/sed", ["-n", "1p", "file"]), ("sleep", "/usr/bin/sleep", ["1"])]
ROOT_USER = {"uid": 0, "name": "root", "loginuid": -1}
APP_USER = {"uid": 1000, "name": "alice", "loginuid": 1000, "loginname": "alice"}
GROUP = {"gid": 0, "name": "root"}

# (event type, weight) — openat dominates, as it does on real hosts
MIX = [("openat-read", 36), ("openat-write", 10), ("execve", 8), ("connect", 8), ("accept4", 4), ("clone", 7),
       ("procexit", 7), ("socket", 3), ("sendto", 5), ("dup2", 2), ("close", 6), ("read", 2), ("symlinkat", 1),
       ("unlinkat", 1)]


def _attack_events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(TRACES.glob("attack-*.jsonl")):
        out.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return out


def _normal_event(rng: random.Random, kind: str, ts: int, num: int) -> dict[str, Any]:
    if rng.random() < 0.6:
        proc, anc, ci = rng.choice(CONTAINER_PROGRAMS)
        container: dict[str, Any] | None = CONTAINERS[ci]
    else:
        proc, anc = rng.choice(HOST_PROGRAMS)
        container = None
    ev: dict[str, Any] = {"ts": ts, "type": kind, "num": num, "res": 0, "proc": proc, "ancestors": anc,
                          "user": APP_USER if proc["pid"] == 4100 else ROOT_USER, "group": GROUP}
    if kind.startswith("openat"):
        ev["type"] = "openat"
        write = kind == "openat-write"
        name = rng.choice(WRITE_PATHS if write else READ_PATHS)
        flags = "O_WRONLY|O_CREAT|O_APPEND" if write else "O_RDONLY|O_CLOEXEC"
        if rng.random() < 0.04:
            ev["res"] = -2
        else:
            ev["res"] = rng.randrange(3, 200)
        ev["args"] = {"dirfd": -100, "name": name, "flags": flags, "mode": 0o644 if write else 0}
        if rng.random() < 0.9:  # a recorder (like the live source) writes the fd; the rest derive it from args
            path = name if name.startswith("/") else proc["cwd"] + name
            ev["fd"] = {"num": ev["res"] if ev["res"] >= 0 else -1, "type": "file", "name": path, "nameraw": name}
    elif kind == "execve":
        name, path, args = rng.choice(EXEC_PROGRAMS)
        child = {**_proc(proc["pid"] + 1000 + rng.randrange(500), name, path, args, cwd=proc["cwd"], tty=proc["tty"]),
                 "start_ts": ts - 200_000}
        ev["proc"] = child
        ev["ancestors"] = [proc, *anc]
        ev["args"] = {"exe": path, "args": " ".join(args)}
    elif kind in ("connect", "sendto", "accept4"):
        server = kind == "accept4"
        sip = rng.choice(["10.96.0.10", "10.96.14.3", "93.184.215.14", "140.82.121.4", "10.244.2.9"])
        ev["fd"] = {"num": rng.randrange(3, 64), "type": "ipv4", "l4proto": "udp" if kind == "sendto" else "tcp",
                    "cip": "10.244.1.17", "cport": rng.randrange(32768, 60999), "sip": sip,
                    "sport": rng.choice([53, 443, 5432, 6379, 80, 22]), "is_server": server, "connected": True}
        ev["res"] = rng.choice([0, 0, 0, -115]) if kind == "connect" else ev["fd"]["num"]
        ev["args"] = {"fd": ev["fd"]["num"]}
    elif kind == "socket":
        ev["res"] = rng.randrange(3, 64)
        ev["args"] = {"domain": rng.choice(["AF_INET", "AF_INET6", "AF_UNIX"]), "type": "SOCK_STREAM", "proto": 0}
    elif kind == "dup2":
        ev["res"] = rng.choice([0, 1, 2])
        ev["args"] = {"oldfd": 5, "newfd": ev["res"]}
        ev["fd"] = {"num": 5, "type": "pipe", "name": "pipe:[77121]"}
    elif kind in ("clone", "procexit", "close", "read"):
        ev["res"] = rng.randrange(0, 4096)
        ev["args"] = {"fd": rng.randrange(3, 64)} if kind in ("close", "read") else {}
    elif kind == "symlinkat":
        ev["args"] = {"target": "/srv/app/releases/42", "linkdirfd": -100, "linkpath": "/srv/app/current"}
    elif kind == "unlinkat":
        ev["args"] = {"dirfd": -100, "name": "/tmp/tmpk2j3h1", "flags": 0}
    if container is not None:
        ev["container"] = container
        ev["k8s"] = K8S
    return ev


def generate(total: int, attack_share: float, chunk: int, seed: int = 42) -> Iterator[list[bytes]]:
    """Chunks of JSON lines (bytes, no newline)."""
    rng = random.Random(seed)
    attacks = _attack_events()
    kinds = [k for k, w in MIX for _ in range(w)]
    ts = T0
    num = 0
    while num < total:
        lines: list[bytes] = []
        for _ in range(min(chunk, total - num)):
            num += 1
            ts += rng.randrange(1_000, 50_000)
            if attacks and rng.random() < attack_share:
                ev = dict(rng.choice(attacks))
                ev["ts"] = ts
                ev["num"] = num
            else:
                ev = _normal_event(rng, rng.choice(kinds), ts, num)
            lines.append(orjson.dumps(ev))
        yield lines


# ---------------------------------------------------------------------------------------------------------------
# stages


class _RecordingTable:
    """The syscall table, with every extractor call logged as (extractor, event) for a timed replay."""

    def __init__(self, inner: SyscallFieldTable, log: list[tuple[Callable[[Any], object], Any]]) -> None:
        self.inner = inner
        self.source = inner.source
        self.log = log

    def lookup(self, name: str) -> Any:
        return self.inner.lookup(name)

    def fields(self) -> Any:
        return self.inner.fields()

    def event_types(self) -> frozenset[str]:
        return self.inner.event_types()

    def event_type(self, event: Any) -> str:
        return self.inner.event_type(event)

    def event_time(self, event: Any) -> int:
        return self.inner.event_time(event)

    def extractor(self, name: str, arg: str | None) -> Callable[[Any], object]:
        fn = self.inner.extractor(name, arg)
        append = self.log.append

        def recorded(ev: Any) -> object:
            append((fn, ev))
            return fn(ev)

        return recorded


def _timer_overhead() -> float:
    """The cost of one empty timed section, subtracted from each per-event extraction timing."""
    perf = time.perf_counter
    best = float("inf")
    for _ in range(5):
        t0 = perf()
        for _ in range(100_000):
            t = perf()
            _ = perf() - t
        best = min(best, (perf() - t0) / 100_000)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--attack-share", type=float, default=0.03)
    ap.add_argument("--chunk", type=int, default=20_000)
    args = ap.parse_args(argv)
    if not UPSTREAM.is_file():
        print(f"the upstream Falco ruleset is not at {UPSTREAM}", file=sys.stderr)
        return 2

    table = SyscallFieldTable()
    t0 = time.perf_counter()
    result = load_rules([UPSTREAM], {"syscall": table})
    load_s = time.perf_counter() - t0
    if result.errors:
        print("\n".join(str(e) for e in result.errors), file=sys.stderr)
        return 1
    engine = Engine(result.ruleset, {"syscall": table})
    log: list[tuple[Callable[[Any], object], Any]] = []
    recording = Engine(load_rules([UPSTREAM], {"syscall": _RecordingTable(table, log)}).ruleset,  # type: ignore[dict-item]
                       {"syscall": _RecordingTable(table, log)})  # type: ignore[dict-item]

    timer = _timer_overhead()
    decode_s = extract_s = replay_s = gen_s = 0.0
    n = nbytes = extractions = 0
    alerts: Counter[str] = Counter()
    gen_t0 = time.perf_counter()
    for lines in generate(args.events, args.attack_share, args.chunk):
        data = b"\n".join(lines) + b"\n"
        gen_s += time.perf_counter() - gen_t0
        nbytes += len(data)

        # decode: the recorded source, streaming (each record dropped once read)
        t = time.perf_counter()
        for _ in read_events(io.BytesIO(data), name="-"):
            pass
        decode_s += time.perf_counter() - t

        # end to end: the recorded source into the engine, one event at a time
        process = engine.process
        t = time.perf_counter()
        for ev in read_events(io.BytesIO(data), name="-"):
            for a in process(ev, "syscall"):  # type: ignore[arg-type]
                alerts[a.rule] += 1
        replay_s += time.perf_counter() - t

        # field extraction: the extractor calls the engine made for each event (logged by a second engine),
        # replayed right after, while the event is still hot in the CPU caches as it is in the replay
        perf = time.perf_counter
        for ev in read_events(io.BytesIO(data), name="-"):
            log.clear()
            recording.process(ev, "syscall")  # type: ignore[arg-type]
            ev.pop("_fd", None)  # type: ignore[union-attr]  # drop the derived-fd cache: recompute it
            t = perf()
            for fn, e in log:
                fn(e)
            extract_s += perf() - t - timer
            extractions += len(log)

        n += len(lines)
        gen_t0 = time.perf_counter()

    rules_s = max(replay_s - decode_s - extract_s, 0.0)
    print(f"ruleset: {UPSTREAM.name}, {len(result.ruleset.rules)} rules, loaded and compiled in {load_s:.2f} s")
    print(f"events: {n:,} ({nbytes / n:.0f} bytes/record as JSON, {args.attack_share:.0%} attack events), "
          f"generated in {gen_s:.1f} s (not counted)")
    print(f"replay (read_events -> Engine.process), one core: {n / replay_s:,.0f} events/s  (target {TARGET:,})")
    print(f"engine alone (decode excluded): {n / (replay_s - decode_s):,.0f} events/s")
    print("cost per event:")
    print(f"  decode + validate the record (read_events, orjson)  {decode_s / n * 1e6:6.2f} us")
    print(f"  field extraction ({extractions / n:.1f} extractor calls/event)       {extract_s / n * 1e6:6.2f} us")
    print(f"  rule evaluation and alert building                 {rules_s / n * 1e6:6.2f} us")
    print(f"  total                                              {replay_s / n * 1e6:6.2f} us")
    print(f"alerts: {sum(alerts.values()):,}; evaluation errors: {engine.stats.errors}")
    for rule, count in sorted(alerts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:8,}  {rule}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
