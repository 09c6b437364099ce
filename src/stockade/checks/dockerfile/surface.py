"""Attack surface of the final image: SSH servers, whole filesystems copied from other stages, build tools
left behind by a multi-stage build."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import (
    OS_FAMILIES,
    is_variable,
    package_command,
    package_name,
)
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    at_command,
    at_instruction,
    copy_args,
    final_lineage,
    quoted_list,
    run_commands,
    unquote,
)
from stockade.model import Dockerfile, Severity, ShellCommand

_SSH_SERVERS = frozenset({"openssh-server", "ssh", "dropbear", "dropbear-bin", "tinysshd", "openssh-server-pam"})
_SSH_SERVERS_BY_FAMILY = {"apk": frozenset({"openssh"}), "zypper": frozenset({"openssh"})}


def _exposes_22(word: str) -> bool:
    spec = unquote(word).strip()
    if not spec or "$" in spec:
        return False
    port, _, proto = spec.partition("/")
    if proto and proto.lower() != "tcp":
        return False  # SSH is TCP
    low, _, high = port.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return False
    return int(low) <= 22 <= int(high or low)


@check(
    id="STK-DF-0021",
    title="SSH server in the image",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Do not run sshd in a container: use `docker exec`/`kubectl exec` (or `kubectl debug`) for access and
    ship files through volumes or the image itself. Remove the package and the port:

        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\
         && rm -rf /var/lib/apt/lists/*
        EXPOSE 8080
    """,
    references=(
        "https://docs.docker.com/build/building/best-practices/#expose",
        "trivy:AVD-DS-0004",
        "checkov:CKV_DOCKER_1",
    ),
    compliance=("CIS-Docker-4.3", "NSA-CISA:container-hardening"),
)
def ssh_server(df: Dockerfile) -> Iterator[Violation]:
    """The final image exposes port 22 (TCP) or installs an SSH server (openssh-server, Alpine's openssh,
    dropbear): a long-lived login service with its own keys and passwords to manage, a brute-force
    target, and a way around the orchestrator's access control and audit. `EXPOSE 22/udp` and ranges
    that do not contain 22 pass; packages installed in build stages that do not reach the final image
    are not reported."""
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword == "EXPOSE":
                if any(_exposes_22(word) for word in instruction.args):
                    yield at_instruction(instruction, "EXPOSE publishes port 22 (SSH)")
            elif instruction.keyword == "RUN":
                for command in run_commands(instruction):
                    pc = package_command(command)
                    if pc is None or pc.family not in OS_FAMILIES or not pc.installs:
                        continue
                    servers = _SSH_SERVERS | _SSH_SERVERS_BY_FAMILY.get(pc.family, frozenset())
                    found = [w for w in pc.operands if package_name(w) in servers]
                    if found:
                        yield at_command(command, f"{pc.tool} {pc.action} installs SSH server {quoted_list(found)}")


_ROOTS = frozenset({"/", "/.", "/*", "."})


@check(
    id="STK-DF-0022",
    title="COPY --from copies a whole filesystem",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Copy only the artifacts the final image needs:

        COPY --from=build --chown=10001:10001 /src/dist/app /usr/local/bin/app
        COPY --from=build /src/dist/static/ /srv/static/
    """,
    references=("https://docs.docker.com/build/building/multi-stage/", "hadolint:DL3067"),
    compliance=("CIS-Docker-4.3", "NSA-CISA:container-hardening"),
)
def copy_whole_filesystem(df: Dockerfile) -> Iterator[Violation]:
    """`COPY --from=<stage or image> / ...` copies the complete root filesystem of another stage or image
    into the final image: compilers, package managers, caches, build secrets left on disk and setuid
    binaries of the build stage all come along, which defeats the point of a multi-stage build (and over
    `/` it replaces /etc/passwd and friends). hadolint DL3067 only reports the copy to `/`; any
    destination is reported here. Only the final image is judged."""
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword != "COPY":
                continue
            source_flag = instruction.flag("from")
            if source_flag is None or not source_flag.value:
                continue
            sources, destination = copy_args(instruction)
            if any(s in _ROOTS for s in sources):
                yield at_instruction(
                    instruction,
                    f'COPY --from={source_flag.value} copies the entire filesystem of "{source_flag.value}" '
                    f'into "{destination}"',
                )


_BUILD_TOOLS = frozenset({"build-essential", "build-base", "gcc", "g++", "gcc-c++", "clang", "llvm", "make", "cmake",
                          "automake", "autoconf", "libtool", "golang", "golang-go", "go", "rustc", "cargo", "rust",
                          "maven", "gradle", "ant", "nasm", "yasm", "gfortran", "musl-dev", "libc6-dev",
                          "linux-headers", "kernel-headers"})  # fmt: skip
_BUILD_TOOL_PATTERNS = (
    re.compile(r"^openjdk-?\d+-jdk(-headless)?$"),
    re.compile(r"^java-[\d.]+-openjdk-devel$"),
    re.compile(r"^dotnet-sdk-[\d.]+$"),
    re.compile(r"^(gcc|g\+\+|clang)-\d+$"),
    re.compile(r"^golang-[\d.]+(-go)?$"),
)


def build_tool(word: str) -> bool:
    name = package_name(word)
    return name in _BUILD_TOOLS or any(p.match(name) for p in _BUILD_TOOL_PATTERNS)


_REMOVALS = frozenset({"remove", "purge", "del", "erase", "rm", "autoremove"})


@check(
    id="STK-DF-0023",
    title="Build tools left in the final stage of a multi-stage build",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Compile in a build stage and copy only the result into a minimal final stage:

        FROM golang:1.22.5-bookworm AS build
        WORKDIR /src
        COPY . .
        RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /out/app /app
        ENTRYPOINT ["/app"]
    """,
    references=("https://docs.docker.com/build/building/multi-stage/",),
    compliance=("CIS-Docker-4.3", "NSA-CISA:container-hardening"),
)
def build_tools_in_final_stage(df: Dockerfile) -> Iterator[Violation]:
    """A Dockerfile with several stages still installs compilers or build systems (gcc, g++, make,
    build-essential, build-base, golang, rustc, cargo, maven, gradle, a JDK ...) where the final image
    gets them. An attacker in the container can then build exploits and tooling on the spot, and the
    image carries many more packages to patch. The stages exist to keep these out. Packages removed again
    later (`apt-get purge`, `apk del` of the package or of its `--virtual` group) pass."""
    if len(df.stages) < 2:
        return
    installs: list[tuple[ShellCommand, str, list[str], list[str]]] = []
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword != "RUN":
                continue
            for command in run_commands(instruction):
                pc = package_command(command)
                if pc is None or pc.family not in OS_FAMILIES:
                    continue
                virtuals = pc.options.values("-t", "--virtual")
                installs.append((command, "install" if pc.installs else pc.action, list(pc.operands), virtuals))
    removed_later: set[str] = set()
    found: list[tuple[ShellCommand, list[str]]] = []
    for command, action, operands, virtuals in reversed(installs):
        if action in _REMOVALS:
            removed_later |= {package_name(w) for w in operands}
            continue
        if action != "install":
            continue
        tools = [w for w in operands if not is_variable(w) and build_tool(w)]
        if not tools or any(v.lower() in removed_later for v in virtuals):
            continue
        left = [t for t in tools if package_name(t) not in removed_later]
        if left:
            found.append((command, left))
    for command, left in reversed(found):
        yield at_command(command, f"the final image keeps build tools {quoted_list(left)}")
