"""The live source with real processes: a terminal shell in a namespace-isolated container, a sensitive file
read, and ordinary host activity — with the upstream Falco rules evaluated on what the source delivers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.sources.live import LiveOptions


def alerts_by_pid(engine: Any) -> tuple[dict[int, list[tuple[Any, dict[str, Any]]]], Any]:
    """A handle() for the collector that runs the engine on every event, keeping alerts by proc.pid."""
    found: dict[int, list[tuple[Any, dict[str, Any]]]] = {}
    lock = threading.Lock()

    def handle(event: dict[str, Any]) -> None:
        for alert in engine.process(event):
            with lock:
                found.setdefault(event.get("proc", {}).get("pid", -1), []).append((alert, event))

    return found, handle


@pytest.mark.slow  # builds the Debian rootfs with debootstrap when the image tests have not
def test_terminal_shell_in_container(collect: Any, container_shell: Any, request: pytest.FixtureRequest) -> None:
    engine = None
    try:
        engine = request.getfixturevalue("falco_engine")
    except pytest.skip.Exception as skipped:
        reason = str(skipped)
    alerts, handle = alerts_by_pid(engine) if engine is not None else ({}, None)
    source = collect(LiveOptions(file_events=False, network_events=False), handle=handle)
    box = container_shell()

    def is_shell(e: dict[str, Any]) -> bool:
        return (e["type"] == "execve" and e.get("proc", {}).get("name") == "bash"
                and (e.get("container") or {}).get("id") == box.short_id)

    event = source.wait_for(is_shell, timeout=20)
    assert event is not None, f"no execve of bash in container {box.short_id}; output: {box.output()!r}"
    assert event["container"] == {"id": box.short_id, "full_id": box.id, "type": "docker"}
    assert event["proc"]["tty"] != 0
    assert event["proc"]["exepath"] in ("/usr/bin/bash", "/bin/bash")  # as seen inside the chroot
    assert event["proc"]["args"] == ["--norc", "--noprofile", "-i"]
    assert event["proc"]["vpid"] == 1  # init of its own pid namespace
    assert event["ancestors"][0]["name"] == "runc"
    assert event["proc"]["cgroups"]["pids"].endswith(f"/docker/{box.id}")
    box.send("echo ready-$((6*7))\n")
    assert b"ready-42" in box.output(3.0)
    if engine is None:
        pytest.skip(f"the event was checked; the rule cannot be evaluated: {reason}")
    # the same pid ran /bin/sh (which mounts, then execs chroot, which execs bash): the bash exec is the one
    fired = [(a, e) for a, e in alerts.get(event["proc"]["pid"], [])
             if a.rule == "Terminal shell in container" and e["proc"].get("name") == "bash"]
    assert fired, f"'Terminal shell in container' did not fire for bash; alerts: {alerts}"
    alert, alerted = fired[0]
    assert (alerted.get("container") or {}).get("id") == box.short_id
    assert alert.output_fields["proc.name"] == "bash"
    assert alert.output_fields["proc.pname"] == "runc"
    assert alert.output_fields["proc.tty"] == event["proc"]["tty"]
    assert alert.priority.label == "Notice"


def test_read_sensitive_file_untrusted(collect: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    engine = None
    try:
        engine = request.getfixturevalue("falco_engine")
    except pytest.skip.Exception as skipped:
        reason = str(skipped)
    alerts, handle = alerts_by_pid(engine) if engine is not None else ({}, None)
    source = collect(LiveOptions(network_events=False), handle=handle)
    # A copy of cat under a name in none of the rule's trusted-program lists (it exits at once).
    peek = tmp_path / "peek"
    shutil.copy(shutil.which("cat") or "/bin/cat", peek)
    reader = subprocess.Popen([str(peek), "/etc/shadow"], stdout=subprocess.DEVNULL)
    assert reader.wait(10) == 0
    # And a python process that holds the file open, so the descriptor and its flags are exact.
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys; f = open('/etc/shadow', 'rb'); print(f.fileno(), flush=True); "
                               "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        fdnum = int(holder.stdout.readline())
        held = source.wait_for(opened_shadow(holder.pid), timeout=15)
        assert held is not None, "no openat of /etc/shadow by the holding process"
        assert held["fd"]["num"] == fdnum and held["res"] == fdnum
        assert held["args"]["flags"] == "O_RDONLY|O_CLOEXEC"
        assert held["fd"]["type"] == "file"
        assert held["live"] == {"mechanism": "fanotify"}  # nothing approximated
        assert held["proc"]["name"] in ("python3", "python", os.path.basename(sys.executable)[:15])
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    quick = source.wait_for(opened_shadow(reader.pid), timeout=15)
    assert quick is not None, "no openat of /etc/shadow by the copied cat"
    assert quick["args"]["flags"].startswith("O_RDONLY")
    assert quick["fd"]["num"] >= 0
    if engine is None:
        pytest.skip(f"the events were checked; the rule cannot be evaluated: {reason}")
    for pid in (holder.pid, reader.pid):
        fired = [a for a, _ in alerts.get(pid, []) if a.rule == "Read sensitive file untrusted"]
        assert len(fired) == 1, f"'Read sensitive file untrusted' for pid {pid}: {alerts.get(pid)}"
        assert fired[0].output_fields["fd.name"] == "/etc/shadow"
        assert fired[0].priority.label == "Warning"


def opened_shadow(pid: int) -> Any:
    return lambda e: (e["type"] == "openat" and e.get("proc", {}).get("pid") == pid
                      and e.get("fd", {}).get("name") == "/etc/shadow")


def test_ordinary_host_activity_fires_nothing(collect: Any, falco_engine: Any, tmp_path: Path) -> None:
    alerts, handle = alerts_by_pid(falco_engine)
    source = collect(LiveOptions(network_events=False), handle=handle)
    children = []
    for argv in (["ls", "-la", "/usr"], ["true"], ["date", "-u"], ["sh", "-c", "ls /etc >/dev/null; date"]):
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        assert proc.wait(10) == 0
        children.append(proc.pid)
    # A marker after them: once its file open and its exit have come through, so has everything before it
    # (each kernel queue delivers in order).
    flag = tmp_path / "marker"
    flag.write_text("x")
    marker = subprocess.Popen(["cat", str(flag)], stdout=subprocess.DEVNULL)
    assert marker.wait(10) == 0
    assert source.wait_for(lambda e: e["type"] == "openat" and e.get("fd", {}).get("name") == str(flag)) is not None
    assert source.wait_for(lambda e: e["type"] == "procexit" and e.get("proc", {}).get("pid") == marker.pid)
    with source.cond:
        events = list(source.events)
    tree = set(children)
    for _ in range(3):  # the shell's own children
        tree |= {e["proc"]["pid"] for e in events if e.get("proc", {}).get("ppid") in tree}
    execs = [e for e in events if e["type"] == "execve" and e["proc"]["pid"] in tree]
    assert len(tree) == 6 and len(execs) >= 6  # ls, true, date, sh and the shell's ls and date
    assert sum(1 for e in events if e["type"] == "openat" and e["proc"]["pid"] in tree) > 0
    fired = {pid: [a.rule for a, _ in alerts.get(pid, [])] for pid in sorted(tree)}
    assert fired == {pid: [] for pid in sorted(tree)}
