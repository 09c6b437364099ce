#!/usr/bin/env python3
"""Headline benchmark for `stockade config`: wall time and peak memory against checkov on the same corpus.

    python benchmarks/config_bench.py [--manifests 5000] [--install-checkov] [--runs 3]

Builds (once, deterministically) a corpus of Kubernetes manifests under benchmarks/corpus/ from the
bundled examples and generated variants (every workload kind, insecure and hardened settings, multi-document
files), then times `stockade config CORPUS` and, when checkov is available (on PATH, in
benchmarks/.peers/checkov, or installed there with --install-checkov), `checkov -d CORPUS --framework
kubernetes` in the same run. Prints wall time and peak resident memory of each (the whole process tree,
sampled every 100 ms; for stockade, which keeps both cores busy, in a run of its own) and the ratios;
also `stockade --help` start-up time. Figures are machine-dependent: quote the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"  # no leading dot: checkov skips hidden directories
PEERS = HERE / ".peers"

KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")
IMAGES = (
    "nginx", "nginx:latest", "nginx:1.27.2", "postgres:16", "redis:7.2-alpine",
    "registry.example.com:5000/team/api:2.3.1",
    "ghcr.io/acme/web@sha256:" + "a" * 64,
    "busybox",
)  # fmt: skip


def container(rng: random.Random, name: str) -> dict[str, object]:
    c: dict[str, object] = {"name": name, "image": rng.choice(IMAGES)}
    if rng.random() < 0.7:
        c["ports"] = [{"containerPort": rng.choice((80, 443, 5432, 8080)), "protocol": "TCP"}]
        if rng.random() < 0.1:
            c["ports"][0]["hostPort"] = 8080  # type: ignore[index]
    if rng.random() < 0.6:
        sc: dict[str, object] = {}
        if rng.random() < 0.5:
            sc["allowPrivilegeEscalation"] = rng.random() < 0.3
        if rng.random() < 0.15:
            sc["privileged"] = True
        if rng.random() < 0.5:
            sc["runAsNonRoot"] = True
            sc["runAsUser"] = rng.choice((0, 1000, 10001))
        if rng.random() < 0.5:
            sc["capabilities"] = {"drop": ["ALL"], "add": rng.sample(["NET_BIND_SERVICE", "SYS_ADMIN", "NET_RAW"], 1)}
        if rng.random() < 0.5:
            sc["readOnlyRootFilesystem"] = rng.random() < 0.7
        if rng.random() < 0.3:
            sc["seccompProfile"] = {"type": rng.choice(("RuntimeDefault", "Unconfined", "Localhost"))}
        c["securityContext"] = sc
    if rng.random() < 0.6:
        c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    if rng.random() < 0.5:
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
        c["readinessProbe"] = {"tcpSocket": {"port": 8080}}
    if rng.random() < 0.4:
        c["env"] = [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": rng.choice(("DB_PASSWORD", "API_TOKEN", "REGION")), "value": "s3cr3t-value-123"},
            {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        ]
    return c


def pod_spec(rng: random.Random) -> dict[str, object]:
    spec: dict[str, object] = {"containers": [container(rng, f"c{i}") for i in range(rng.randint(1, 3))]}
    if rng.random() < 0.3:
        spec["initContainers"] = [container(rng, "init")]
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if rng.random() < 0.05:
            spec[flag] = True
    if rng.random() < 0.5:
        spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    if rng.random() < 0.3:
        spec["automountServiceAccountToken"] = False
        spec["serviceAccountName"] = "app"
    volumes = []
    if rng.random() < 0.1:
        volumes.append({"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}})
    if rng.random() < 0.4:
        volumes.append({"name": "tmp", "emptyDir": {}})
        volumes.append({"name": "cfg", "configMap": {"name": "cfg"}})
    if volumes:
        spec["volumes"] = volumes
    return spec


def workload(rng: random.Random, kind: str, i: int) -> dict[str, object]:
    meta = {"name": f"{kind.lower()}-{i}", "namespace": rng.choice(("default", "shop", "payments", "kube-system"))}
    labels = {"app": meta["name"]}
    template = {"metadata": {"labels": labels}, "spec": pod_spec(rng)}
    api = {"Pod": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "apps/v1")
    if kind == "Pod":
        return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": template["spec"]}
    if kind == "Job":
        template["spec"]["restartPolicy"] = "Never"  # type: ignore[index]
        return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": {"template": template}}
    if kind == "CronJob":
        template["spec"]["restartPolicy"] = "OnFailure"  # type: ignore[index]
        return {"apiVersion": api, "kind": kind, "metadata": meta,
                "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}}
    spec = {"selector": {"matchLabels": labels}, "template": template}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        spec["replicas"] = rng.randint(1, 5)
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


def to_yaml(obj: dict[str, object]) -> str:
    import yaml

    return yaml.safe_dump(obj, sort_keys=False)


def build_corpus(count: int, seed: int = 1) -> int:
    """Write `count` manifests (objects) to CORPUS; returns the number of files."""
    marker = CORPUS / f".built-{count}-{seed}"
    if marker.exists():
        return sum(1 for _ in CORPUS.rglob("*.yaml"))
    shutil.rmtree(CORPUS, ignore_errors=True)
    CORPUS.mkdir(parents=True)
    rng = random.Random(seed)
    examples = sorted((ROOT / "examples").rglob("*.yaml"))
    written = files = 0
    for i, src in enumerate(examples):  # the bundled examples, as they are
        dst = CORPUS / "examples" / f"{i:03d}-{src.name}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        written += src.read_text().count("\nkind:") + src.read_text().startswith("kind:")
        files += 1
    n = 0
    while written < count:
        team = CORPUS / f"team-{n // 250:03d}"
        team.mkdir(exist_ok=True)
        if n % 10 == 0:  # a multi-document file: namespace + workload + service
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{n}", "labels": (
                {"pod-security.kubernetes.io/enforce": "baseline"} if rng.random() < 0.5 else {})}}
            wl = workload(rng, rng.choice(KINDS), n)
            svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{n}"},
                   "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}
            (team / f"bundle-{n}.yaml").write_text("---\n".join(to_yaml(o) for o in (ns, wl, svc)))
            written += 3
        else:
            (team / f"{n:05d}.yaml").write_text(to_yaml(workload(rng, KINDS[n % len(KINDS)], n)))
            written += 1
        files += 1
        n += 1
    marker.write_text(json.dumps({"objects": written, "files": files}))
    return files


PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (worker processes count too)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    ppid = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
        todo.extend(children.get(pid, ()))
    return total


def timed(cmd: list[str], env: dict[str, str] | None = None, sample_memory: bool = True) -> tuple[float, float, int]:
    """Run cmd; return (wall seconds, peak RSS of its process tree in MiB, exit status).

    Sampling /proc costs CPU of its own: for a command that keeps both cores busy, time it with
    ``sample_memory=False`` and measure its memory in a separate run.
    """
    import threading

    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sample_memory:
        sampler.join()
    return wall, max(peak, usage.ru_maxrss * 1024) / 2**20, os.waitstatus_to_exitcode(status)


def find_peer(command: str, package: str, install: bool) -> str | None:
    """A peer tool from its own venv in benchmarks/.peers/<command> or from PATH; with ``install``, the PyPI
    ``package`` is installed into that venv when neither has it."""
    local = PEERS / command / "bin" / command
    if local.exists():
        return str(local)
    on_path = shutil.which(command)
    if on_path:
        return on_path
    if install:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS / command)], check=True)
        subprocess.run([str(PEERS / command / "bin" / "pip"), "install", "--quiet", package], check=True)
        return str(local)
    return None


def find_checkov(install: bool) -> str | None:
    return find_peer("checkov", "checkov", install)


def stockade_cmd() -> list[str]:
    exe = shutil.which("stockade", path=str(Path(sys.executable).parent)) or shutil.which("stockade")
    return [exe] if exe else [sys.executable, "-m", "stockade"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifests", type=int, default=5000, help="objects in the corpus (default 5000)")
    parser.add_argument("--runs", type=int, default=3, help="stockade runs (the median is reported)")
    parser.add_argument("--install-checkov", action="store_true", help="install checkov into benchmarks/.peers")
    parser.add_argument("--no-checkov", action="store_true", help="do not run checkov")
    args = parser.parse_args()

    files = build_corpus(args.manifests)
    print(f"corpus: {CORPUS.relative_to(ROOT)}: {args.manifests} objects in {files} files")

    stockade = stockade_cmd()
    helps = [timed([*stockade, "--help"])[0] for _ in range(5)]
    print(f"stockade --help: median {statistics.median(helps) * 1000:.0f} ms over 5 runs")

    cmd = [*stockade, "config", str(CORPUS), "--format", "json", "--output", os.devnull, "--quiet"]
    runs = [timed(cmd, sample_memory=False) for _ in range(max(1, args.runs))]
    s_wall = statistics.median(r[0] for r in runs)
    s_rss = timed(cmd)[1]  # a separate run, so that sampling does not slow the timed ones
    print(f"stockade config: {s_wall:.2f} s wall (median of {len(runs)}), peak RSS {s_rss:.0f} MiB, "
          f"exit {runs[0][2]}")

    checkov = None if args.no_checkov else find_checkov(args.install_checkov)
    if checkov is None:
        print("checkov: not found (pass --install-checkov to install it into benchmarks/.peers); no ratio")
        return 0
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    c_wall, c_rss, c_code = timed(
        [checkov, "-d", str(CORPUS), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
         "--skip-download"], env)
    print(f"checkov -d CORPUS --framework kubernetes: {c_wall:.2f} s wall, peak RSS {c_rss:.0f} MiB, exit {c_code}")
    print(f"ratio: stockade is {c_wall / s_wall:.1f}x faster than checkov (target >= 20x), "
          f"and uses {s_rss / c_rss:.2f} of its peak memory (target <= 0.33)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
