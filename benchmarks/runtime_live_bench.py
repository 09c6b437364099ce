"""Sustained exec rate of the live runtime source (needs root).

A separate spawner process fork/execs /bin/true at a fixed rate for a few seconds; the source runs here with
a consumer that only counts (or, with --engine, evaluates the upstream Falco rules on every record). The rate
doubles step by step until a step loses events: a drop counted by the source (kernel socket overflow, full
queue) or an exec of the spawner's children that never came through. The figure is the highest rate with no
loss. Enrichment misses (processes gone before /proc could be read: /bin/true lives well under a
millisecond) are printed too, but are not losses: the record is delivered, with fewer fields.

    python benchmarks/runtime_live_bench.py [--step-seconds 3] [--max-rate 20000] [--all-mechanisms] [--engine]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SPAWNER = r"""
import os, sys, time
rate, seconds = float(sys.argv[1]), float(sys.argv[2])
interval = 1.0 / rate
n = 0
start = time.perf_counter()
deadline = start + seconds
next_at = start
live = 0
while True:
    now = time.perf_counter()
    if now >= deadline:
        break
    if now < next_at:
        time.sleep(min(next_at - now, 0.001))
    else:
        os.posix_spawn("/bin/true", ["/bin/true"], {})
        n += 1
        live += 1
        next_at += interval
        if next_at < now - 0.1:  # cannot keep up: do not build an unbounded backlog
            next_at = now
    while live:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            break
        live -= 1
while live:
    os.waitpid(-1, 0)
    live -= 1
print(n, time.perf_counter() - start, flush=True)
"""


def run_step(source: Any, counts: dict[str, Any], rate: float, seconds: float) -> dict[str, float]:
    before = source.stats()
    spawner = subprocess.Popen([sys.executable, "-c", SPAWNER, str(rate), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    with counts["lock"]:
        counts["spawner"] = spawner.pid
        counts["execs"] = 0
        counts["missing_name"] = 0
    out, _ = spawner.communicate(timeout=seconds + 120)
    spawned, took = out.split()
    n = int(spawned)
    # let the source catch up (bounded), then count
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with counts["lock"]:
            seen = counts["execs"]
        if seen >= n:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    after = source.stats()
    with counts["lock"]:
        seen, unnamed = counts["execs"], counts["missing_name"]
    drops = after.n_drops - before.n_drops
    return {"target": rate, "achieved": n / float(took), "spawned": n, "seen": seen, "drops": drops,
            "lost": max(0, n - seen), "unenriched": unnamed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-seconds", type=float, default=3.0)
    parser.add_argument("--start-rate", type=float, default=100.0)
    parser.add_argument("--max-rate", type=float, default=20000.0)
    parser.add_argument("--all-mechanisms", action="store_true", help="fanotify and sock_diag too")
    parser.add_argument("--engine", action="store_true", help="evaluate the upstream Falco rules on every record")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("the live source needs root", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from stockade.runtime.sources.live import LiveOptions, LiveSource

    engine = None
    if args.engine:
        from stockade.runtime.engine import Engine
        from stockade.runtime.fields.syscall import SyscallFieldTable
        from stockade.runtime.rules import load_rules

        rules = Path(__file__).resolve().parents[2] / "shared" / "data" / "falco" / "falco_rules.yaml"
        table = SyscallFieldTable()
        loaded = load_rules([rules], {"syscall": table})
        engine = Engine(loaded.ruleset, {"syscall": table})

    options = LiveOptions(file_events=args.all_mechanisms, network_events=args.all_mechanisms)
    counts: dict[str, Any] = {"lock": threading.Lock(), "spawner": -1, "execs": 0, "missing_name": 0}
    results = []
    with LiveSource(options) as source:
        def consume() -> None:
            for event in source.events():
                if engine is not None:
                    engine.process(event)
                if event["type"] == "execve":
                    proc = event.get("proc", {})
                    if proc.get("ppid") == counts["spawner"]:
                        with counts["lock"]:
                            counts["execs"] += 1
                            if proc.get("args") is None:
                                counts["missing_name"] += 1

        thread = threading.Thread(target=consume, daemon=True)
        thread.start()
        rate = args.start_rate
        best = 0.0
        mode = ("process events" + (", file and network events" if args.all_mechanisms else "")
                + (", upstream Falco rules evaluated" if engine else ", records only counted"))
        print(f"live source: {mode}; {args.step_seconds:g} s per step")
        print(f"{'target/s':>9} {'achieved/s':>11} {'spawned':>8} {'seen':>8} {'lost':>6} {'drops':>6} "
              f"{'no /proc':>9}")
        while rate <= args.max_rate:
            r = run_step(source, counts, rate, args.step_seconds)
            results.append(r)
            print(f"{r['target']:9.0f} {r['achieved']:11.0f} {r['spawned']:8d} {r['seen']:8d} {r['lost']:6d} "
                  f"{r['drops']:6d} {r['unenriched']:9d}")
            if r["lost"] or r["drops"]:
                break
            best = max(best, r["achieved"])
            if r["achieved"] < 0.8 * r["target"]:
                print("the spawner cannot go faster on this machine")
                break
            rate *= 2
        source.stop()
        stats = source.stats()
    print(f"sustained exec rate without drops: {best:.0f} execs/s "
          f"(source totals: {stats.n_evts} records, {stats.n_drops} dropped {dict(stats.drops)}, "
          f"{stats.n_enrich_missing} exec'd processes gone before /proc could be read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
