"""Fixtures for the real-process tests of the live source: root and netlink checks, the debootstrap'd Debian
rootfs shared with the image tests, a namespace-isolated "container" in a docker-layout cgroup with a pty, an
event collector thread, and the rules engine loaded with the upstream Falco rules."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
FALCO_RULES = REPO.parent / "shared" / "data" / "falco" / "falco_rules.yaml"
MIRROR = os.environ.get("STOCKADE_TEST_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def image_cache_root() -> Path:
    """The image tests' cache root (tests/images/conftest.py finds it the same way)."""
    return Path(os.environ.get("STOCKADE_TEST_IMAGE_CACHE") or REPO / ".cache" / "test-images")


@pytest.fixture(scope="session")
def live_host() -> None:
    """Skip unless this host can run the live source: root, and the proc connector answers."""
    if os.geteuid() != 0:
        pytest.skip("the live source needs root (netlink proc connector, fanotify, sock_diag)")
    from stockade.runtime.sources.live import probe

    report = probe()
    connector = report.mechanism("proc_connector")
    if connector is None or not connector.available:
        pytest.skip(f"the proc connector is not available here: {connector.detail if connector else '?'}")


@pytest.fixture(scope="session")
def bookworm_rootfs(live_host: None) -> Path:
    """The debootstrap'd Debian bookworm minbase rootfs of the image tests (built there when missing, exactly
    as tests/images/builder.py does). Used read-only: it is bind-mounted read-only into the container."""
    base = image_cache_root().resolve() / "debootstrap-bookworm"
    if not (base / ".done").exists():
        if shutil.which("debootstrap") is None:
            pytest.skip("the container test needs the debootstrap rootfs; debootstrap is not installed "
                        "(make system-deps installs it)")
        if base.exists():
            shutil.rmtree(base)
        result = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(base), MIRROR],
                                capture_output=True, text=True, check=False, timeout=1800)
        if result.returncode != 0:
            pytest.skip(f"debootstrap failed ({result.returncode}): {result.stderr[-500:]}")
        (base / ".done").write_text("")
    if not (base / "bin" / "bash").exists() and not (base / "usr" / "bin" / "bash").exists():
        pytest.skip(f"{base} has no bash")
    return base


@dataclass
class Collector:
    """Consumes a LiveSource on a thread; tests wait for events matching a predicate."""

    source: Any
    handle: Callable[[dict[str, Any]], None] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    thread: threading.Thread | None = None

    def start(self) -> Collector:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        for event in self.source.events():
            if self.handle is not None:
                self.handle(event)
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.2))

    def stop(self) -> None:
        self.source.stop()
        if self.thread is not None:
            self.thread.join(15)


@pytest.fixture()
def collect(live_host: None) -> Iterator[Callable[..., Collector]]:
    """collect(options, handle=None) -> a started LiveSource with a consuming thread; closed after the test."""
    from stockade.runtime.sources.live import LiveSource

    started: list[tuple[Any, Collector]] = []

    def start(options: Any = None, handle: Callable[[dict[str, Any]], None] | None = None) -> Collector:
        source = LiveSource(options)
        source.start()
        collector = Collector(source, handle).start()
        started.append((source, collector))
        return collector

    yield start
    for source, collector in started:
        collector.stop()
        source.close()


@pytest.fixture(scope="session")
def falco_engine() -> Any:
    """The rules engine with the upstream Falco ruleset (skips while the engine or the data is missing)."""
    try:
        from stockade.runtime.engine import Engine
        from stockade.runtime.fields.syscall import SyscallFieldTable
        from stockade.runtime.rules import load_rules
    except ImportError as exc:
        pytest.skip(f"the rules engine or the syscall field table is not available yet: {exc}")
    if not FALCO_RULES.exists():
        pytest.skip(f"the upstream Falco rules are not at {FALCO_RULES} (shared data absent)")
    table = SyscallFieldTable()
    result = load_rules([FALCO_RULES], {"syscall": table})
    assert result.ok, result.text()
    return Engine(result.ruleset, {"syscall": table}, hostname="test")


@dataclass
class Container:
    id: str  # 64 hex
    cgroup: Path
    pid: int  # the pty child (it execs the runtime stand-in)
    master: int  # the pty master

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def output(self, timeout: float = 0.5) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
        return data


def _cgroup_parent() -> Path:
    v1 = Path("/sys/fs/cgroup/pids")
    if v1.is_dir():
        return v1 / "docker"
    if (Path("/sys/fs/cgroup") / "cgroup.controllers").exists():
        return Path("/sys/fs/cgroup/docker")
    pytest.skip("no pids cgroup (v1) or unified cgroup (v2) hierarchy to place the container in")


def _kill_cgroup(cgroup: Path) -> None:
    for _ in range(50):
        try:
            pids = [int(p) for p in (cgroup / "cgroup.procs").read_text().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


@pytest.fixture()
def container_shell(bookworm_rootfs: Path, tmp_path: Path) -> Iterator[Callable[[], Container]]:
    """start() -> an interactive bash on a pty, in new mount/uts/ipc/pid namespaces, chrooted into a read-only
    bind mount of the Debian rootfs, inside the docker-layout cgroup <parent>/docker/<64 hex>. The process that
    creates the namespaces is a copy of unshare named ``runc`` (the parent name the upstream rule expects of a
    container entrypoint). Everything is killed and removed afterwards, also on failure."""
    for tool in ("unshare", "chroot", "mount"):
        if shutil.which(tool) is None:
            pytest.skip(f"the container test needs {tool}")
    parent = _cgroup_parent()
    # One container test at a time on this host (parallel test runs): the lock makes "we created the
    # docker parent cgroup, so we remove it" true.
    lock = open(os.path.join(tempfile.gettempdir(), "stockade-live-container.lock"), "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    created_parent = not parent.exists()
    made: list[Container] = []

    def start() -> Container:
        cid = secrets.token_hex(32)
        cgroup = parent / cid
        cgroup.mkdir(parents=True)
        runc = tmp_path / "runc"
        shutil.copy(shutil.which("unshare") or "/usr/bin/unshare", runc)
        mnt = tmp_path / "root"
        mnt.mkdir(exist_ok=True)
        script = (f'mount --bind -o ro "{bookworm_rootfs}" "{mnt}" && '
                  f'exec chroot "{mnt}" /bin/bash --norc --noprofile -i')
        pid, master = pty.fork()
        if pid == 0:  # child: join the cgroup, then become the container runtime
            try:
                with open(cgroup / "cgroup.procs", "w") as procs:
                    procs.write("0")
                env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb",
                       "HISTFILE": "/dev/null", "HOME": "/root"}
                os.execve(str(runc), [str(runc), "--mount", "--uts", "--ipc", "--pid", "--fork", "/bin/sh", "-c",
                                      script], env)
            finally:
                os._exit(127)
        container = Container(cid, cgroup, pid, master)
        made.append(container)
        return container

    yield start
    for container in made:
        with contextlib.suppress(OSError):
            container.send("exit\n")
        _kill_cgroup(container.cgroup)
        with contextlib.suppress(OSError):
            os.kill(container.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(container.pid, 0)
        with contextlib.suppress(OSError):
            os.close(container.master)
        for _ in range(50):
            try:
                container.cgroup.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                _kill_cgroup(container.cgroup)
                time.sleep(0.1)
    if created_parent:
        with contextlib.suppress(OSError):
            parent.rmdir()
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
