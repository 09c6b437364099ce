"""Package installs: version pins, recommended packages, stale indexes, caches left in layers, prompts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import (
    LANGUAGE_FAMILIES,
    OS_FAMILIES,
    PackageCommand,
    effective_argv,
    env_assignments,
    mount_targets,
    package_command,
    package_commands,
    program,
    unpinned_packages,
)
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    at_command,
    final_lineage,
    quoted_list,
    run_commands,
    runs,
)
from stockade.model import Dockerfile, Instruction, Severity, ShellCommand

_DOCS_APT = "https://docs.docker.com/build/building/best-practices/#apt-get"
_DOCS_RUN = "https://docs.docker.com/build/building/best-practices/#run"
_PIN_WORDS = {
    "apt": "package=version",
    "apk": "package=version",
    "rpm": "package-version",
    "zypper": "package=version",
    "pip": "package==version",
    "npm": "package@version",
    "gem": "gem:version",
    "go": "module@version",
}


def _pins(df: Dockerfile, families: frozenset[str]) -> Iterator[Violation]:
    for instruction in runs(df):
        for command, pc in package_commands(run_commands(instruction)):
            if pc.family not in families:
                continue
            loose = unpinned_packages(pc)
            if loose:
                action = f"{pc.tool} {pc.action}".strip()
                yield at_command(
                    command,
                    f"{action} installs {quoted_list(loose)} without a pinned version "
                    f"(use {_PIN_WORDS.get(pc.family, 'an exact version')})",
                )


@check(
    id="STK-DF-0011",
    title="OS packages installed without pinned versions",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Pin each package to the version you tested (and rebuild on purpose to move on):

        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 ca-certificates=20230311 \\
         && rm -rf /var/lib/apt/lists/*
        RUN apk add --no-cache curl=8.5.0-r0
        RUN dnf install -y curl-7.76.1-26.el9 && dnf clean all
    """,
    references=(
        _DOCS_APT,
        "hadolint:DL3008",
        "hadolint:DL3018",
        "hadolint:DL3033",
        "hadolint:DL3037",
        "hadolint:DL3041",
    ),
    compliance=("NSA-CISA:secure-images", "CIS-Docker-4.11"),
)
def os_packages_unpinned(df: Dockerfile) -> Iterator[Violation]:
    """`apt-get install`, `apk add`, `yum`/`dnf`/`microdnf install` or `zypper install` names packages
    without a version, so each build installs whatever the mirror serves that day: builds are not
    reproducible and a bad package release enters the image unnoticed. Pinned forms: `pkg=1.2` (apt,
    apk, zypper), `pkg~1.2` (apk), `pkg-1.2-3.el9` (rpm), local `.deb`/`.apk`/`.rpm` files. A target
    release (`pkg/bookworm-backports`), `>=` constraints and `$VARIABLES` are not pins (variables are not
    judged)."""
    yield from _pins(df, OS_FAMILIES)


@check(
    id="STK-DF-0012",
    title="Language packages installed without pinned versions",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Install exact versions, better from a lock file with hashes:

        RUN pip install --no-cache-dir --require-hashes -r requirements.txt
        RUN pip install --no-cache-dir gunicorn==22.0.0
        RUN npm ci --omit=dev
        RUN npm install -g pnpm@9.1.0
        RUN gem install bundler:2.5.10
        RUN go install golang.org/x/tools/gopls@v0.16.0
    """,
    references=(
        "https://pip.pypa.io/en/stable/topics/repeatable-installs/",
        "hadolint:DL3013",
        "hadolint:DL3016",
        "hadolint:DL3028",
        "hadolint:DL3062",
    ),
    compliance=("NSA-CISA:secure-images", "CIS-Docker-4.11"),
)
def language_packages_unpinned(df: Dockerfile) -> Iterator[Violation]:
    """`pip install pkg`, `npm install pkg`, `yarn add`/`pnpm add`, `gem install pkg` or
    `go install mod@latest` takes whatever version the registry offers at build time: a hijacked
    maintainer account or a malicious release goes straight into the image (and language registries have
    seen many). Exact pins pass (`pkg==1.2.3`, `pkg@1.2.3`, `gem:1.2`, `-v 1.2`, `mod@v1.2.3`), so do
    requirement/constraint files (`-r`, `-c`, `--require-hashes`), lock-file installs (`npm ci`,
    `npm install` without arguments), local paths and archives, and VCS URLs at a commit. Ranges
    (`>=`, `~=`, `^1.2`), dist-tags (`@latest`) and branches are not pins."""
    yield from _pins(df, LANGUAGE_FAMILIES)


def _final_runs(df: Dockerfile) -> Iterator[tuple[Instruction, tuple[ShellCommand, ...]]]:
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword == "RUN":
                yield instruction, run_commands(instruction)


_NO_RECOMMENDS = re.compile(r"apt::install-recommends\W+(0|false|no)\b", re.IGNORECASE)


def _disables_recommends(command: ShellCommand) -> bool:
    """``-o APT::Install-Recommends=false`` or writing ``APT::Install-Recommends "0";`` to a config file."""
    return any(_NO_RECOMMENDS.search(word) for word in command.argv)


@check(
    id="STK-DF-0024",
    title="apt-get install without --no-install-recommends",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Install only what you name:

        RUN apt-get update \\
         && apt-get install -y --no-install-recommends ca-certificates=20230311 \\
         && rm -rf /var/lib/apt/lists/*
    """,
    references=(_DOCS_APT, "hadolint:DL3015", "trivy:AVD-DS-0029"),
    compliance=("CIS-Docker-4.3",),
)
def apt_recommends(df: Dockerfile) -> Iterator[Violation]:
    """Without `--no-install-recommends`, apt also installs every "recommended" package: often dozens of
    packages (and their vulnerabilities) nobody asked for. Only the final image is judged (the final
    stage and the stages it is built FROM); an `APT::Install-Recommends "0"` configuration written
    earlier, or `-o APT::Install-Recommends=false`, also passes."""
    configured = False
    for _, commands in _final_runs(df):
        for command in commands:
            if _disables_recommends(command):
                configured = True
            pc = package_command(command)
            if pc is None or pc.family != "apt" or not pc.installs or configured:
                continue
            if pc.options.has("--no-install-recommends") or _disables_recommends(command):
                continue
            yield at_command(command, f"{pc.tool} install without --no-install-recommends")


_REFRESH = {"apt": ("update",), "apk": ("update",), "rpm": ("makecache",), "zypper": ("refresh", "ref")}
_AFTER_REFRESH = {
    "apt": ("install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "reinstall"),
    "apk": ("add", "upgrade", "fix"),
    "rpm": ("install", "in", "update", "upgrade", "groupinstall", "localinstall", "reinstall", "group install",
            "module install", "distro-sync", "downgrade"),
    "zypper": ("install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si"),
}  # fmt: skip


@check(
    id="STK-DF-0025",
    title="Package index updated in a RUN that installs nothing",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Refresh the index and install in the same RUN, so a cached index layer is never reused:

        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\
         && rm -rf /var/lib/apt/lists/*
    """,
    references=(_DOCS_APT, "trivy:AVD-DS-0017", "checkov:CKV_DOCKER_5"),
    compliance=("CIS-Docker-4.7",),
)
def update_alone(df: Dockerfile) -> Iterator[Violation]:
    """`RUN apt-get update` (or `apk update`, `dnf makecache`, `zypper refresh`) on its own is cached
    as a layer: later builds reuse the old index and install outdated packages, missing security fixes,
    or fail on versions the mirror no longer has. `yum update`/`dnf update`/`zypper update` upgrade
    packages rather than refresh an index, so they are not reported here."""
    for instruction in runs(df):
        found = package_commands(run_commands(instruction))
        last_install: dict[str, int] = {}
        for position, (_, pc) in enumerate(found):
            if pc.action in _AFTER_REFRESH.get(pc.family, ()):
                last_install[pc.family] = position
        for position, (command, pc) in enumerate(found):
            if pc.action not in _REFRESH.get(pc.family, ()) or last_install.get(pc.family, -1) > position:
                continue
            yield at_command(command, f"{pc.tool} {pc.action} is not followed by an install in the same RUN")
            break


@dataclass(frozen=True, slots=True)
class _RunFacts:
    """What one RUN does about caches, computed once (a RUN may hold thousands of commands)."""

    removed: str  # the operands of its rm/find commands, one per line
    cleaned: frozenset[str]  # package-manager families it runs a clean command for
    mounts: tuple[str, ...]  # targets of its cache and tmpfs mounts

    def removes(self, *paths: str) -> bool:
        return any(p in self.removed for p in paths)

    def mounted(self, *paths: str) -> bool:
        return any(p in target for target in self.mounts for p in paths)


def _run_facts(instruction: Instruction, commands: tuple[ShellCommand, ...]) -> _RunFacts:
    removed: list[str] = []
    cleaned: set[str] = set()
    for command in commands:
        argv = effective_argv(command)
        if argv and program(argv[0]) in ("rm", "find"):
            removed.extend(argv[1:])
        pc = package_command(command)
        if pc is None:
            continue
        if (
            (pc.family == "rpm" and pc.action == "clean" and "all" in pc.operands)
            or (pc.family == "zypper" and pc.action in ("clean", "cc"))
            or (pc.family == "pip" and pc.action == "cache" and pc.operands[:1] in (("purge",), ("remove",)))
        ):
            cleaned.add(pc.family)
    mounts = tuple(t.rstrip("/") for t in mount_targets((f.name, f.value) for f in instruction.flags))
    return _RunFacts("\n".join(removed), frozenset(cleaned), mounts)


_RPM_CACHES = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/tdnf", "/var/cache/libdnf5")


def _pip_cache_off(pc: PackageCommand, env: dict[str, str]) -> bool:
    if pc.tool == "uv":
        return pc.options.has("--no-cache", "-n") or bool(env.get("UV_NO_CACHE"))
    return pc.options.has("--no-cache-dir") or "PIP_NO_CACHE_DIR" in env


@check(
    id="STK-DF-0026",
    title="Package manager cache left in the image",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Remove the cache in the RUN that creates it (a later RUN cannot shrink an earlier layer), or keep it
    out of the image with a cache mount:

        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\
         && rm -rf /var/lib/apt/lists/*
        RUN apk add --no-cache curl=8.5.0-r0
        RUN pip install --no-cache-dir -r requirements.txt
        RUN dnf install -y curl-7.76.1-26.el9 && dnf clean all
        RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt \\
            apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
    """,
    references=(
        _DOCS_RUN,
        "hadolint:DL3009",
        "hadolint:DL3019",
        "hadolint:DL3032",
        "hadolint:DL3036",
        "hadolint:DL3040",
        "hadolint:DL3042",
        "trivy:AVD-DS-0015",
        "trivy:AVD-DS-0019",
        "trivy:AVD-DS-0020",
        "trivy:AVD-DS-0025",
        "trivy:AVD-DS-0027",
    ),
    compliance=("NIST-800-190:4.1.2",),
)
def package_cache_left(df: Dockerfile) -> Iterator[Violation]:
    """Package indexes and downloaded packages stay in the layer: `apt-get update` without removing
    `/var/lib/apt/lists/*`, `apk add` without `--no-cache`, `pip install` without `--no-cache-dir`
    (or `PIP_NO_CACHE_DIR`), `yum`/`dnf`/`microdnf install` without `clean all`, `zypper install`
    without `zypper clean`. They add size and stale package metadata that scanners and attackers can
    read. A cache mount (`RUN --mount=type=cache,target=...`) keeps them out of the image. Only the final
    image is judged (the final stage and the stages it is built FROM)."""
    env: dict[str, str] = {}
    for instruction, commands in _final_runs_with_env(df, env):
        local_env = dict(env)
        for command in commands:
            local_env.update(env_assignments(command))
        seen: set[str] = set()
        facts = _run_facts(instruction, commands)
        for command, pc in package_commands(commands):
            if pc.family in seen:
                continue
            problem = ""
            if pc.family == "apt" and pc.action == "update":
                if not (facts.removes("/var/lib/apt/lists") or facts.mounted("/var/lib/apt")):
                    problem = f"{pc.tool} update leaves /var/lib/apt/lists in the layer"
            elif pc.family == "apk" and pc.action == "add":
                if not (
                    pc.options.has("--no-cache")
                    or facts.removes("/var/cache/apk", "/etc/apk/cache")
                    or facts.mounted("/var/cache/apk", "/etc/apk/cache")
                ):
                    problem = "apk add without --no-cache leaves /var/cache/apk in the layer"
            elif pc.family == "pip" and pc.installs:
                if not (
                    _pip_cache_off(pc, local_env)
                    or "pip" in facts.cleaned
                    or facts.removes(".cache")
                    or facts.mounted(".cache", "pip")
                ):
                    problem = f"{pc.tool} install without --no-cache-dir leaves the pip cache in the layer"
            elif pc.family == "rpm" and pc.installs:
                if not ("rpm" in facts.cleaned or facts.removes(*_RPM_CACHES) or facts.mounted(*_RPM_CACHES)):
                    problem = f"{pc.tool} {pc.action} without '{pc.tool} clean all' leaves its cache in the layer"
            elif (
                pc.family == "zypper"
                and pc.installs
                and not (
                    "zypper" in facts.cleaned or facts.removes("/var/cache/zypp") or facts.mounted("/var/cache/zypp")
                )
            ):
                problem = "zypper install without 'zypper clean' leaves its cache in the layer"
            if problem:
                seen.add(pc.family)
                yield at_command(command, problem)


def _final_runs_with_env(df: Dockerfile, env: dict[str, str]) -> Iterator[tuple[Instruction, tuple[ShellCommand, ...]]]:
    """RUNs of the final image in order, keeping ``env`` updated with the ENV/ARG values set before each."""
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword in ("ENV", "ARG"):
                env.update(instruction.pairs)
            elif instruction.keyword == "RUN":
                yield instruction, run_commands(instruction)


_PROMPTING = {
    "apt": ("install", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove", "build-dep",
            "reinstall"),
    "rpm": ("install", "in", "remove", "erase", "update", "upgrade", "groupinstall", "localinstall", "reinstall",
            "downgrade", "autoremove", "distro-sync", "group install", "groups install", "module install"),
    "zypper": ("install", "in", "remove", "rm", "update", "up", "patch", "dist-upgrade", "dup", "source-install",
               "si"),
}  # fmt: skip


def _assumes_yes(pc: PackageCommand) -> bool:
    opts = pc.options
    if pc.family == "apt":
        if opts.has("-y", "--yes", "--assume-yes", "--force-yes"):
            return True
        quiet = sum(1 for name, _ in opts.options if name == "-q") >= 2 or any(
            name in ("-q", "--quiet") and value == "2" for name, value in opts.options
        )
        return quiet or any("assume-yes" in (v or "").lower() for v in opts.values("-o", "--option"))
    if pc.family == "rpm":
        return opts.has("-y", "--assumeyes")
    if pc.family == "zypper":
        return opts.has("-n", "--non-interactive", "-y", "--no-confirm")
    return True


@check(
    id="STK-DF-0027",
    title="Package manager may prompt for confirmation",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Answer yes up front:

        RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
        RUN dnf install -y curl-7.76.1-26.el9 && dnf clean all
        RUN zypper --non-interactive install curl=8.0.1 && zypper clean --all
    """,
    references=(
        _DOCS_APT,
        "hadolint:DL3014",
        "hadolint:DL3030",
        "hadolint:DL3034",
        "hadolint:DL3038",
        "trivy:AVD-DS-0021",
    ),
    compliance=("NIST-800-190:4.1.2",),
)
def package_prompt(df: Dockerfile) -> Iterator[Violation]:
    """`apt-get install`, `yum`/`dnf`/`microdnf install` or `zypper install` without `-y` (`--non-interactive`)
    asks for confirmation; a build has no terminal, so the step aborts, or, with some front ends, waits
    forever. microdnf asks too since it dropped its "assume yes" default (RHEL/UBI 9). `apt-get -qq`
    implies `-y`; input piped from `yes` passes; apk never asks."""
    for instruction in runs(df):
        commands = run_commands(instruction)
        fed_by_yes: dict[int, int] = {}  # pipeline -> position of a `yes` in it
        for command in commands:
            if command.pipeline_length > 1 and effective_argv(command)[:1] in (("yes",), ("/usr/bin/yes",)):
                fed_by_yes.setdefault(command.pipeline, command.stage_in_pipeline)
        for command in commands:
            pc = package_command(command)
            if pc is None or pc.action not in _PROMPTING.get(pc.family, ()) or _assumes_yes(pc):
                continue
            if fed_by_yes.get(command.pipeline, command.stage_in_pipeline) < command.stage_in_pipeline:
                continue
            yield at_command(command, f"{pc.tool} {pc.action} without -y waits for an answer the build cannot give")
