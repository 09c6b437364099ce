"""Reading processes from a procfs tree (a fake one built from testdata, then the real /proc), and the syscall
event record built from them, validated against the published JSON Schema."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from stockade.runtime.sources._procfs import AccountDB, ProcInfo, ProcReader, strip_root
from stockade.runtime.sources._proctable import ProcessTable, proc_record, with_exe

DATA = Path(__file__).parent / "testdata"
SCHEMA = Path(__file__).resolve().parents[3] / "src/stockade/runtime/fields/event-schema.json"


@pytest.fixture()
def fake_proc(tmp_path: Path) -> Path:
    """testdata/proc copied, with the symlinks a real procfs has (exe, cwd, root)."""
    root = tmp_path / "proc"
    shutil.copytree(DATA / "proc", root)
    links = {
        "4242": {"exe": "/srv/rootfs/usr/bin/cat", "cwd": "/srv/rootfs/var/www", "root": "/srv/rootfs"},
        "4200": {"exe": "/srv/rootfs/usr/bin/dash", "cwd": "/srv/rootfs", "root": "/srv/rootfs"},
        "100": {"exe": "/usr/bin/bash", "cwd": "/root", "root": "/"},
        "666": {"exe": "/memfd:x (deleted)", "root": "/"},
    }
    for pid, targets in links.items():
        for name, target in targets.items():
            os.symlink(target, root / pid / name)
    return root


@pytest.fixture()
def table(fake_proc: Path) -> ProcessTable:
    return ProcessTable(ProcReader(str(fake_proc), sys_root="/nonexistent"),
                        AccountDB(str(DATA / "passwd"), str(DATA / "group")))


def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_read_a_container_process(fake_proc: Path) -> None:
    info = ProcReader(str(fake_proc), sys_root="/nonexistent").read(4242)
    assert info is not None
    assert (info.pid, info.ppid, info.comm, info.args) == (4242, 4200, "cat", ("cat", "/etc/shadow"))
    assert (info.exepath, info.cwd, info.root) == ("/usr/bin/cat", "/var/www", "/srv/rootfs")
    assert (info.uid, info.euid, info.gid, info.egid, info.loginuid) == (1000, 1000, 33, 33, 1000)
    assert (info.tty_nr, info.tty, info.sid, info.pgid, info.vpid, info.vpgid) == (34816, "/dev/pts/0", 4100, 4242,
                                                                                    7, 7)
    assert info.env == ("PATH=/usr/bin", "HOME=/home/alice")
    assert info.container is not None and (info.container.id, info.container.runtime) == ("3ad7b26ded6d", "docker")
    assert info.complete is True


def test_read_hostile_and_missing(fake_proc: Path) -> None:
    reader = ProcReader(str(fake_proc), sys_root="/nonexistent")
    evil = reader.read(666)
    assert evil is not None
    assert evil.comm == "a) b (c"
    assert evil.args == ("ev\ufffdil", "arg", "", "with", "nul")
    assert (evil.uid, evil.loginuid, evil.cap_prm, evil.container) == (None, None, None, None)
    assert evil.exepath == "/memfd:x (deleted)"
    assert reader.read(999999) is None
    zombie = reader.read(777)
    assert zombie is not None and zombie.extra.get("zombie") is True
    assert (zombie.comm, zombie.args, zombie.exepath, zombie.euid) == ("true", None, None, 1000)
    no_env = ProcReader(str(fake_proc), read_env=False).read(4242)
    assert no_env is not None and no_env.env is None


def test_strip_root() -> None:
    assert strip_root("/srv/rootfs/usr/bin/cat", "/srv/rootfs") == "/usr/bin/cat"
    assert strip_root("/srv/rootfs", "/srv/rootfs") == "/"
    assert strip_root("/srv/rootfsx/a", "/srv/rootfs") == "/srv/rootfsx/a"
    assert strip_root("/a", "/") == "/a"
    assert strip_root(None, "/x") is None


def test_describe_maps_to_the_record_schema(table: ProcessTable) -> None:
    info = table.lookup(4242)
    out = table.describe(info, 4242, env=True)
    proc = out["proc"]
    assert proc["pid"] == 4242 and proc["vpid"] == 7 and proc["ppid"] == 4200
    assert (proc["name"], proc["exe"], proc["args"], proc["exepath"]) == ("cat", "cat", ["/etc/shadow"], "/usr/bin/cat")
    assert proc["cwd"] == "/var/www/"
    assert (proc["tty"], proc["sid"], proc["vpgid"]) == (34816, 4100, 7)
    assert proc["cap_permitted"] == ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN"]
    assert proc["cap_effective"] == ["CAP_CHOWN"]
    assert proc["cap_inheritable"] == []
    assert proc["env"] == ["PATH=/usr/bin", "HOME=/home/alice"]
    assert proc["cgroups"]["pids"] == "/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
    assert isinstance(proc["start_ts"], int)
    assert [a["name"] for a in out["ancestors"]] == ["sh", "bash"]
    assert out["ancestors"][0]["args"] == ["-c", "cat /etc/shadow"]
    assert out["user"] == {"uid": 1000, "name": "alice", "homedir": "/home/alice", "shell": "/bin/zsh",
                           "loginuid": 1000, "loginname": "alice"}
    assert out["group"] == {"gid": 33, "name": "www-data"}
    assert out["container"] == {"id": "3ad7b26ded6d", "type": "docker",
                                "full_id": "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"}
    host = table.describe(table.lookup(100), 100)
    assert host["container"] == {"id": "host"}
    assert host["user"]["loginuid"] == -1 and "loginname" not in host["user"]
    assert "env" not in host["proc"]
    assert table.describe(None, 31337) == {"proc": {"pid": 31337, "tid": 31337}}
    record = {"ts": 1, "type": "openat", **out}
    errors = sorted(validator().iter_errors(record), key=str)
    assert errors == []


def test_kubepods_pod_uid(tmp_path: Path, fake_proc: Path, table: ProcessTable) -> None:
    (fake_proc / "4242" / "cgroup").write_text(
        (DATA / "cgroup" / "cri-containerd-systemd.txt").read_text())
    out = table.describe(table.read(4242), 4242)
    assert out["container"]["type"] == "containerd"
    assert out["k8s"] == {"pod_uid": "2f6b4e2c-8c1d-4a7e-9b3f-0d2e1c4b5a69"}


def test_fork_inherits_and_exit_keeps_the_entry(table: ProcessTable) -> None:
    parent = table.lookup(4200)
    assert parent is not None
    child = table.on_fork(4200, 5000, 123)
    assert (child.pid, child.ppid, child.comm, child.container) == (5000, 4200, "sh", parent.container)
    assert child.extra["start_ts"] == 123 and child.vpid is None
    assert table.on_exit(5000) is child
    assert table.get(5000) is child
    assert [a.pid for a in table.ancestors(child)] == [4200, 100]


def test_table_is_bounded(fake_proc: Path) -> None:
    small = ProcessTable(ProcReader(str(fake_proc)), AccountDB("/nonexistent", "/nonexistent"), max_entries=3)
    for pid in range(10, 20):
        small.put(ProcInfo(pid=pid))
    assert len(small) == 3
    assert small.get(19) is not None and small.get(10) is None


def test_ancestor_loops_and_depth_are_bounded(fake_proc: Path) -> None:
    t = ProcessTable(ProcReader(str(fake_proc)), AccountDB("/nonexistent", "/nonexistent"), ancestors_max=5)
    t.put(ProcInfo(pid=1, ppid=3))
    t.put(ProcInfo(pid=2, ppid=1))
    t.put(ProcInfo(pid=3, ppid=2))
    assert [a.pid for a in t.ancestors(ProcInfo(pid=9, ppid=3))] == [3, 2, 1]
    for pid in range(100, 200):
        t.put(ProcInfo(pid=pid, ppid=pid + 1))
    assert len(t.ancestors(ProcInfo(pid=99, ppid=100))) == 5


def test_exec_hints(table: ProcessTable) -> None:
    table.put(ProcInfo(pid=50, root="/srv/rootfs", extra={"exe_pending": True}))
    table.exec_hint(50, "/srv/rootfs/usr/bin/mycat", 1_000_000_000)
    info = table.get(50)
    assert info is not None and (info.exepath, info.comm) == ("/usr/bin/mycat", "mycat")
    assert "exe_pending" not in info.extra
    table.exec_hint(51, "/usr/bin/a", 1_000_000_000)
    table.exec_hint(51, "/lib64/ld-linux-x86-64.so.2", 1_000_100_000)  # the interpreter: the binary stays
    assert table.take_exec_hint(51, 1_000_200_000) == "/usr/bin/a"
    assert table.take_exec_hint(51, 1_000_200_000) is None
    table.exec_hint(52, "/usr/bin/old", 1_000_000_000)
    assert table.take_exec_hint(52, 2_000_000_000) is None  # from an earlier exec
    assert with_exe(ProcInfo(pid=1, comm="x"), "/bin/verylongexecutablename").comm == "x"
    assert with_exe(ProcInfo(pid=1), "/bin/verylongexecutablename").comm == "verylongexecuta"


def test_ancestor_args_are_bounded() -> None:
    rec = proc_record(ProcInfo(pid=1, args=("sh",) + ("x" * 1000,) * 20), full=False)
    assert len(rec["args"]) == 4


def test_read_this_process_from_the_real_proc() -> None:
    if not os.path.isdir("/proc/self"):
        pytest.skip("no procfs mounted")
    info = ProcReader().read(os.getpid())
    assert info is not None
    assert info.pid == os.getpid() and info.ppid == os.getppid()
    assert info.exepath == os.path.realpath(f"/proc/{os.getpid()}/exe")
    assert info.uid == os.getuid() and info.euid == os.geteuid()
    assert info.cwd == os.getcwd()
    assert info.complete is True
