"""The live source's behaviour with real processes: probe, stop, bounded queue, recording, network and ptrace
events."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.sources.live import (
    LiveOptions,
    LiveSource,
    LiveSourceError,
    probe,
    record,
    rules_that_cannot_fire,
)

SCHEMA = Path(__file__).resolve().parents[3] / "src/stockade/runtime/fields/event-schema.json"
DELIVERED = {"execve", "clone", "procexit", "ptrace", "openat", "connect", "accept"}


def test_rules_that_cannot_fire() -> None:
    rules = {
        "exec rule": ["execve", "execveat"],
        "symlink rule": ["symlink", "symlinkat"],
        "any event": None,
        "empty": [],
        "ssh": ["connect", "sendto"],
    }
    assert rules_that_cannot_fire(rules, DELIVERED) == {"symlink rule": ("symlink", "symlinkat")}
    assert rules_that_cannot_fire(rules, ()) == {"exec rule": ("execve", "execveat"),
                                                 "symlink rule": ("symlink", "symlinkat"),
                                                 "ssh": ("connect", "sendto")}


def test_probe_on_this_host(live_host: None) -> None:
    report = probe()
    assert report.root is True
    names = [m.name for m in report.mechanisms]
    assert names == ["proc_connector", "fanotify", "sock_diag", "audit", "ebpf"]
    assert report.mechanism("ebpf") is not None and report.mechanism("ebpf").available is False  # type: ignore[union-attr]
    delivered: set[str] = set()
    for m in report.mechanisms[:3]:
        if m.available:
            delivered |= m.event_types
    assert report.event_types == frozenset(delivered)
    assert {"execve", "procexit", "clone", "ptrace"} <= report.event_types
    as_dict = report.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    only = probe(options=LiveOptions(file_events=False, network_events=False))
    assert only.event_types == frozenset({"execve", "clone", "procexit", "ptrace"})
    narrowed = probe(options=LiveOptions(event_types=frozenset({"execve", "symlink"})))
    assert narrowed.event_types == frozenset({"execve"})


def test_probe_names_the_upstream_rules_that_cannot_fire(live_host: None, falco_engine: Any) -> None:
    mapping = {r.name: r.event_types for r in falco_engine.rules_for("syscall")}
    report = probe(mapping)
    if report.event_types != frozenset(DELIVERED):
        pytest.skip(f"this host delivers {sorted(report.event_types)}, not every mechanism")
    assert sorted(report.rules_cannot_fire) == [
        "Create Hardlink Over Sensitive Files",
        "Create Symlink Over Sensitive Files",
        "Linux Kernel Module Injection Detected",
        "Packet socket created in container",
        "Redirect STDOUT/STDIN to Network Connection in Container",
    ]
    assert report.rules_cannot_fire["Create Symlink Over Sensitive Files"] == ("symlink", "symlinkat")
    assert ("rule 'Packet socket created in container' cannot fire on this host: it needs event type(s) socket, "
            "which the live source does not deliver") in report.warnings()


def test_nothing_to_start_is_an_error() -> None:
    source = LiveSource(LiveOptions(process_events=False, file_events=False, network_events=False))
    with pytest.raises(LiveSourceError, match="the live source cannot start: every mechanism is disabled"):
        source.start()
    with pytest.raises(LiveSourceError, match="invalid file_mark 'inode'"):
        LiveSource(LiveOptions(file_mark="inode"))
    with pytest.raises(LiveSourceError, match="not started"):
        next(LiveSource().events())


def test_exec_and_exit_of_a_child(collect: Any) -> None:
    source = collect(LiveOptions(file_events=False, network_events=False))
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(3)"],
                             stdin=subprocess.PIPE)
    execve = source.wait_for(lambda e: e["type"] == "execve" and e["proc"]["pid"] == child.pid)
    assert execve is not None
    assert execve["proc"]["ppid"] == os.getpid()
    assert execve["proc"]["args"] == ["-c", "import sys; sys.stdin.read(); sys.exit(3)"]
    assert execve["proc"]["exepath"] == os.path.realpath(sys.executable)
    assert execve["proc"]["env"]  # the environment is in execve records
    assert execve["user"]["uid"] == os.geteuid()
    assert execve["container"] == {"id": "host"}
    assert execve["ancestors"][0]["pid"] == os.getpid()
    assert execve["hostname"] == socket.gethostname()
    assert execve["ts"] > 1_600_000_000 * 10**9 and execve["num"] >= 1
    assert child.stdin is not None
    child.stdin.close()
    assert child.wait(10) == 3
    exit_ = source.wait_for(lambda e: e["type"] == "procexit" and e["proc"]["pid"] == child.pid)
    assert exit_ is not None and exit_["args"] == {"status": 3 << 8, "ret": 3, "sig": 0, "core": False}
    assert "env" not in exit_["proc"]


def test_stop_from_another_thread_and_from_a_signal(live_host: None) -> None:
    with LiveSource(LiveOptions(file_events=False, network_events=False)) as source:
        threading.Timer(0.3, source.stop).start()
        list(source.events())  # returns
        assert source.stopped
    with LiveSource(LiveOptions(file_events=False, network_events=False)) as source:
        previous = signal.signal(signal.SIGUSR1, lambda *_: source.stop())
        try:
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1)).start()
            list(source.events())
        finally:
            signal.signal(signal.SIGUSR1, previous)


def test_full_queue_drops_and_counts(live_host: None) -> None:
    with LiveSource(LiveOptions(queue_size=2, file_events=False, network_events=False)) as source:
        for _ in range(10):
            subprocess.run(["true"], check=True)
        deadline = time.monotonic() + 10
        while source.stats().n_evts < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        source.stop()
        delivered = list(source.events())
        stats = source.stats()
    assert stats.drops.get("buffer", 0) >= 18 - 2
    assert stats.n_evts == stats.n_delivered + stats.drops["buffer"] + stats.queue_depth
    assert stats.n_delivered == len(delivered) == 2
    assert stats.n_drops == sum(stats.drops.values())
    assert [e["num"] for e in delivered] == [1, 2]


def test_record_writes_schema_valid_json_lines(live_host: None) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    out = io.BytesIO()
    with LiveSource(LiveOptions(network_events=False)) as source:
        def activity() -> None:
            for _ in range(5):
                subprocess.run(["cat", "/etc/hostname"], stdout=subprocess.DEVNULL, check=False)
                time.sleep(0.05)

        thread = threading.Thread(target=activity)
        thread.start()
        stats = record(source, out, max_events=40, duration=20)
        thread.join()
    lines = out.getvalue().splitlines()
    assert stats.events == len(lines) == 40
    assert stats.bytes == len(out.getvalue())
    types = set()
    for line in lines:
        event = json.loads(line)
        assert list(validator.iter_errors(event)) == []
        types.add(event["type"])
    assert "execve" in types


def test_record_of_plain_records_and_write_errors() -> None:
    out = io.BytesIO()
    stats = record([{"ts": 1, "type": "execve"}, {"ts": 2, "type": "openat", "args": {"name": "x" * (2 << 20)}}], out)
    assert (stats.events, stats.skipped) == (1, 1)
    assert out.getvalue() == b'{"ts":1,"type":"execve"}\n'

    class Broken(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(28, "No space left on device")

    with pytest.raises(LiveSourceError, match="cannot write the recording: No space left on device"):
        record([{"ts": 1, "type": "execve"}], Broken())


def test_connect_and_accept(collect: Any) -> None:
    source = collect(LiveOptions(file_events=False, net_poll_interval=0.05))
    server = subprocess.Popen([sys.executable, "-c", (
        "import socket, sys\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
        "print(s.getsockname()[1], flush=True)\n"
        "c, _ = s.accept(); print(c.fileno(), flush=True); sys.stdin.read()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    port = int(server.stdout.readline())
    client = subprocess.Popen([sys.executable, "-c", (
        "import socket, sys\n"
        f"c = socket.create_connection(('127.0.0.1', {port})); print(c.fileno(), c.getsockname()[1], flush=True)\n"
        "sys.stdin.read()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert client.stdout is not None and client.stdin is not None
    try:
        cfd, cport = (int(x) for x in client.stdout.readline().split())
        sfd = int(server.stdout.readline())
        conn = source.wait_for(lambda e: e["type"] == "connect" and e.get("proc", {}).get("pid") == client.pid, 30)
        acc = source.wait_for(lambda e: e["type"] == "accept" and e.get("proc", {}).get("pid") == server.pid, 30)
    finally:
        for p in (client, server):
            assert p.stdin is not None
            p.stdin.close()
            p.wait(10)
    assert conn is not None and acc is not None, source.source.stats()
    assert conn["fd"] == {"type": "ipv4", "l4proto": "tcp", "connected": True, "is_server": False, "num": cfd,
                          "cip": "127.0.0.1", "cport": cport, "sip": "127.0.0.1", "sport": port}
    assert conn["res"] == 0 and conn["args"] == {"fd": cfd}
    assert acc["fd"] == {"type": "ipv4", "l4proto": "tcp", "connected": True, "is_server": True, "num": sfd,
                         "cip": "127.0.0.1", "cport": cport, "sip": "127.0.0.1", "sport": port}
    assert acc["res"] == sfd


def test_ptrace_attach(collect: Any, falco_engine: Any) -> None:
    source = collect(LiveOptions(file_events=False, network_events=False))
    target = subprocess.Popen(["sleep", "30"])
    tracer = subprocess.Popen([sys.executable, "-c", (
        "import ctypes, os, sys\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]\n"
        f"r = libc.ptrace(16, {target.pid}, None, None)\n"  # PTRACE_ATTACH
        f"os.waitpid({target.pid}, 0)\n"
        f"libc.ptrace(17, {target.pid}, None, None)\n"  # PTRACE_DETACH
        "print(r, flush=True)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert tracer.stdout is not None and tracer.stdout.readline().strip() == "0"
        event = source.wait_for(lambda e: e["type"] == "ptrace" and e.get("proc", {}).get("pid") == tracer.pid)
    finally:
        tracer.wait(10)
        target.kill()
        target.wait(10)
    if event is None:
        pytest.fail("no ptrace event for the tracer")
    assert event["args"] == {"request": "PTRACE_ATTACH", "pid": target.pid}
    alerts = falco_engine.process(event)
    assert [a.rule for a in alerts] == ["PTRACE attached to process"]


def test_connections_in_another_network_namespace(collect: Any) -> None:
    """A process in its own network namespace (as in a container): its sockets are dumped there."""
    import shutil

    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (iproute2)")
    source = collect(LiveOptions(file_events=False, net_poll_interval=0.05))
    script = ("import os, socket, sys\n"
              "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
              "c = socket.create_connection(s.getsockname()); a, _ = s.accept()\n"
              "print(os.getpid(), s.getsockname()[1], c.getsockname()[1], c.fileno(), a.fileno(), flush=True)\n"
              "sys.stdin.read()\n")
    proc = subprocess.Popen(["unshare", "--net", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" -c "$0"',
                             script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    try:
        pid, port, cport, cfd, afd = (int(x) for x in proc.stdout.readline().split())
        conn = source.wait_for(lambda e: e["type"] == "connect" and e.get("proc", {}).get("pid") == pid, 30)
        acc = source.wait_for(lambda e: e["type"] == "accept" and e.get("proc", {}).get("pid") == pid, 30)
        own = os.stat("/proc/self/ns/net").st_ino
        theirs = os.stat(f"/proc/{pid}/ns/net").st_ino
    finally:
        proc.stdin.close()
        proc.wait(10)
    assert own != theirs
    assert conn is not None and acc is not None, source.source.stats()
    assert source.source.stats().network_namespaces >= 2
    assert (conn["fd"]["sport"], conn["fd"]["cport"], conn["fd"]["num"]) == (port, cport, cfd)
    assert (acc["fd"]["sport"], acc["fd"]["cport"], acc["fd"]["num"]) == (port, cport, afd)


@pytest.mark.slow
def test_finished_network_namespaces_are_released(collect: Any) -> None:
    import shutil

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare")
    source = collect(LiveOptions(file_events=False, net_poll_interval=0.05))
    base = source.source.stats().network_namespaces
    proc = subprocess.Popen(["unshare", "--net", sys.executable, "-c", "import sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while source.source.stats().network_namespaces == base and time.monotonic() < deadline:
        time.sleep(0.05)
    assert source.source.stats().network_namespaces == base + 1
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(10)
    deadline = time.monotonic() + 20
    while source.source.stats().network_namespaces != base and time.monotonic() < deadline:
        time.sleep(0.1)
    assert source.source.stats().network_namespaces == base


def test_file_names_that_are_not_utf8(collect: Any, tmp_path: Path) -> None:
    name = os.path.join(os.fsencode(tmp_path), b"bad-\xff\xfe-name")
    with open(name, "wb") as handle:
        handle.write(b"x")
    source = collect(LiveOptions(network_events=False))
    child = subprocess.Popen(["cat", name], stdout=subprocess.DEVNULL)
    assert child.wait(10) == 0
    event = source.wait_for(lambda e: e["type"] == "openat" and e.get("proc", {}).get("pid") == child.pid
                            and "bad-" in e.get("fd", {}).get("name", ""))
    assert event is not None
    assert event["fd"]["name"] == str(tmp_path) + "/bad-\ufffd\ufffd-name"
    out = io.BytesIO()
    assert record([event], out).events == 1
    assert json.loads(out.getvalue())["fd"]["name"] == event["fd"]["name"]
