"""Build hygiene and correctness: pipefail, HEALTHCHECK, duplicate CMD/ENTRYPOINT, shell-form CMD, relative
WORKDIR, `cd` in RUN, self-referencing COPY --from, duplicate stage names, MAINTAINER."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import program, unwrap
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    all_instructions,
    at_command,
    at_instruction,
    final_lineage,
    run_commands,
    stage_from,
    stage_parents,
    unquote,
)
from stockade.model import Dockerfile, Instruction, Severity, ShellCommand

_DOCS = "https://docs.docker.com/build/building/best-practices/"
_NON_POSIX = ("pwsh", "powershell", "cmd", "cmd.exe", "powershell.exe", "pwsh.exe")
_PIPEFAIL_SHELLS = ("bash", "zsh", "ash", "ksh", "mksh", "sh", "dash", "busybox")


def sets_pipefail(argv: tuple[str, ...]) -> bool:
    """``set -o pipefail`` / ``set -eo pipefail`` / ``set -euxo pipefail`` (or a shell started with it)."""
    for i, word in enumerate(argv[:-1]):
        if argv[i + 1] != "pipefail":
            continue
        if word in ("-o", "+o"):
            return word == "-o"
        if re.fullmatch(r"-[a-zA-Z]*o", word):
            return True
    return False


def _shell_state(instruction: Instruction) -> str:
    """The SHELL's effect on pipes: "pipefail", "non-posix" or ""."""
    args = tuple(instruction.args)
    if not args:
        return ""
    name = program(args[0]).lower()
    if name.startswith(_NON_POSIX):
        return "non-posix"
    if name in _PIPEFAIL_SHELLS and sets_pipefail(args):
        return "pipefail"
    return ""


@check(
    id="STK-DF-0028",
    title="RUN with a pipe but without pipefail",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Make the shell fail when any command of a pipeline fails:

        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        RUN curl -fsSL https://example.com/tool-1.4.2.tgz | tar -xz -C /opt

    or, per RUN: `RUN set -o pipefail && curl -fsSL ... | tar -xz -C /opt`.
    """,
    references=(_DOCS + "#using-pipes", "hadolint:DL4006", "trivy:AVD-DS-0032"),
    compliance=("NIST-800-190:4.1.2",),
)
def pipe_without_pipefail(df: Dockerfile) -> Iterator[Violation]:
    """A shell-form RUN with a pipeline (`curl ... | tar -x`) succeeds whenever the last command does: a
    failed or truncated download goes unnoticed and the image is built without (or with half of) what it
    should contain. Passes when the RUN sets `pipefail` before the pipe, when a SHELL instruction in the
    stage (or a stage it is built FROM) enables it, or under a non-POSIX SHELL (PowerShell, cmd).
    Pipelines fed by `yes` are not reported: `yes` always dies of SIGPIPE, so pipefail would break them."""
    parents = stage_parents(df)
    states: list[str] = []  # the SHELL state at the end of each stage
    for position, stage in enumerate(df.stages):
        parent = parents[position]
        state = states[parent] if parent is not None else ""
        for instruction in stage.instructions:
            if instruction.keyword == "SHELL":
                state = _shell_state(instruction)
                continue
            if instruction.keyword != "RUN" or instruction.json_form or state:
                continue
            found = _unguarded_pipe(instruction.commands)
            if found is not None:
                yield at_command(
                    found, "a pipeline in this RUN runs without pipefail: failures before the last command are ignored"
                )
        states.append(state)


def _unguarded_pipe(commands: tuple[ShellCommand, ...]) -> ShellCommand | None:
    guarded = False
    for command in commands:
        argv = unwrap(command.argv)[1]
        if argv and program(argv[0]) in ("set", *_PIPEFAIL_SHELLS) and sets_pipefail(argv):
            guarded = True
        if guarded or command.pipeline_length < 2 or command.stage_in_pipeline != 0:
            continue
        if argv and program(argv[0]) == "yes":
            continue
        return command
    return None


@check(
    id="STK-DF-0029",
    title="No HEALTHCHECK in the final stage",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Tell the runtime how to check the service (or say explicitly that the platform does it):

        HEALTHCHECK --interval=30s --timeout=3s --retries=3 \\
          CMD ["/usr/local/bin/app", "healthcheck"]
        # Kubernetes ignores HEALTHCHECK; there, define probes and state it: HEALTHCHECK NONE
    """,
    references=(
        "https://docs.docker.com/reference/dockerfile/#healthcheck",
        "hadolint:DL3057",
        "trivy:AVD-DS-0026",
        "checkov:CKV_DOCKER_2",
    ),
    compliance=("CIS-Docker-4.6",),
)
def missing_healthcheck(df: Dockerfile) -> Iterator[Violation]:
    """The final image defines no HEALTHCHECK (neither its stage nor the stages it is built FROM): Docker
    and Swarm cannot tell a hung service from a healthy one, so nothing restarts it or takes it out of
    rotation. `HEALTHCHECK NONE` is an explicit decision (Kubernetes uses probes instead) and passes."""
    final = df.final_stage
    if final is None:
        return
    if any(i.keyword == "HEALTHCHECK" for s in final_lineage(df) for i in s.instructions):
        return
    yield at_instruction(stage_from(final), "the final stage has no HEALTHCHECK")


_SINGLETONS = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


@check(
    id="STK-DF-0030",
    title="More than one CMD, ENTRYPOINT or HEALTHCHECK in a stage",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Keep one of each per stage; only the last takes effect:

        ENTRYPOINT ["/usr/local/bin/app"]
        CMD ["serve", "--port=8080"]
    """,
    references=(
        _DOCS + "#cmd",
        "hadolint:DL4003",
        "hadolint:DL4004",
        "hadolint:DL3012",
        "trivy:AVD-DS-0016",
        "trivy:AVD-DS-0007",
        "trivy:AVD-DS-0023",
    ),
    compliance=("NIST-800-190:4.1.2",),
)
def duplicate_singletons(df: Dockerfile) -> Iterator[Violation]:
    """A stage has several CMD, ENTRYPOINT or HEALTHCHECK instructions. Only the last one counts, so the
    earlier ones are dead code that readers (and reviewers of what the image runs) take for real. Each
    instruction after the first is reported, pointing back at the one it overrides."""
    for stage in df.stages:
        first: dict[str, Instruction] = {}
        for instruction in stage.instructions:
            keyword = instruction.keyword
            if keyword not in _SINGLETONS:
                continue
            if keyword in first:
                yield at_instruction(
                    instruction,
                    f"second {keyword} in this stage: the one on line {first[keyword].start_line} has no effect",
                )
            else:
                first[keyword] = instruction


@check(
    id="STK-DF-0031",
    title="CMD or ENTRYPOINT in shell form",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Use the exec (JSON) form so the program is PID 1 and receives signals:

        ENTRYPOINT ["/usr/local/bin/app"]
        CMD ["serve", "--port=8080"]
    """,
    references=(_DOCS + "#entrypoint", "hadolint:DL3025"),
    compliance=("NIST-800-190:4.1.2",),
)
def shell_form_cmd(df: Dockerfile) -> Iterator[Violation]:
    """The final image's CMD or ENTRYPOINT is in shell form, so it runs as `/bin/sh -c "..."`: the shell is
    PID 1 and does not forward SIGTERM, so the program is killed without a chance to shut down cleanly
    (after the stop timeout), and an ENTRYPOINT in shell form ignores CMD and `docker run` arguments.
    Only the instructions that take effect are judged; a shell form that starts with `exec` passes."""
    last: dict[str, Instruction] = {}
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword in ("CMD", "ENTRYPOINT"):
                last[instruction.keyword] = instruction
    for keyword in ("ENTRYPOINT", "CMD"):
        effective = last.get(keyword)
        if effective is None or effective.json_form or not effective.args:
            continue
        text = " ".join(effective.args).strip()
        if not text or text.startswith("exec ") or text == "[]":
            continue
        yield at_instruction(
            effective, f"{keyword} in shell form runs under /bin/sh -c, which does not forward signals"
        )


_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:)?[\\/]")


@check(
    id="STK-DF-0032",
    title="WORKDIR is a relative path",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Use an absolute path:

        WORKDIR /srv/app
    """,
    references=(_DOCS + "#workdir", "hadolint:DL3000", "trivy:AVD-DS-0009", "checkov:CKV_DOCKER_10"),
    compliance=("NIST-800-190:4.1.2",),
)
def relative_workdir(df: Dockerfile) -> Iterator[Violation]:
    """A relative WORKDIR is resolved against the previous one, which may come from the base image and
    change with it: files then land, and commands run, somewhere else than the author assumed. Paths that
    start with a `$VARIABLE` are not judged."""
    for instruction in all_instructions(df):
        if instruction.keyword != "WORKDIR" or not instruction.args:
            continue
        path = unquote(" ".join(instruction.args).strip())
        if not path or path.startswith("$") or _WINDOWS_ABSOLUTE.match(path):
            continue
        yield at_instruction(instruction, f'WORKDIR "{path}" is relative')


@check(
    id="STK-DF-0033",
    title="cd used in RUN instead of WORKDIR",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Set the directory with WORKDIR (it applies to the following instructions and documents itself):

        WORKDIR /src/app
        RUN make install
    """,
    references=(_DOCS + "#workdir", "hadolint:DL3003", "trivy:AVD-DS-0013"),
    compliance=("NIST-800-190:4.1.2",),
)
def cd_in_run(df: Dockerfile) -> Iterator[Violation]:
    """`RUN cd dir && ...` changes directory for one RUN only, which hides where the following commands
    act and is easy to get wrong when the RUN is edited. A `cd` inside a subshell (`(cd sub && make)`) is
    scoped on purpose and passes."""
    for instruction in all_instructions(df):
        if instruction.keyword != "RUN":
            continue
        for command in run_commands(instruction):
            argv = unwrap(command.argv)[1]
            if argv and program(argv[0]) == "cd" and not command.subshell:
                yield at_command(command, "RUN changes directory with cd: use WORKDIR")
                break


@check(
    id="STK-DF-0034",
    title="COPY --from refers to its own stage",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Copy from the stage that produced the files:

        FROM golang:1.22.5-bookworm AS build
        RUN go build -o /out/app ./cmd/app
        FROM gcr.io/distroless/static-debian12:nonroot AS final
        COPY --from=build /out/app /app
    """,
    references=("https://docs.docker.com/build/building/multi-stage/", "hadolint:DL3023", "trivy:AVD-DS-0006"),
    compliance=("NIST-800-190:4.1.2",),
)
def copy_from_self(df: Dockerfile) -> Iterator[Violation]:
    """`COPY --from=<name>` names the stage it is in: a stage cannot copy from itself, so the build fails
    (or, with an image of the same name, silently copies from that image instead)."""
    for stage in df.stages:
        if not stage.name:
            continue
        for instruction in stage.instructions:
            flag = instruction.flag("from") if instruction.keyword == "COPY" else None
            if flag is not None and (flag.value or "").strip().lower() == stage.name.lower():
                yield at_instruction(instruction, f'COPY --from="{flag.value}" refers to the stage it is in')


@check(
    id="STK-DF-0035",
    title="Duplicate stage name",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Give every stage its own name:

        FROM node:20.15.1-bookworm AS deps
        FROM node:20.15.1-bookworm AS build
    """,
    references=(
        "https://docs.docker.com/build/building/multi-stage/",
        "hadolint:DL3024",
        "trivy:AVD-DS-0012",
        "checkov:CKV_DOCKER_11",
    ),
    compliance=("NIST-800-190:4.1.2",),
)
def duplicate_stage_name(df: Dockerfile) -> Iterator[Violation]:
    """Two FROM instructions use the same `AS` name: later `FROM name` and `COPY --from=name` refer to
    only one of them, so what is copied into the image is not what the author reads."""
    seen: dict[str, int] = {}
    for stage in df.stages:
        name = stage.name.lower()
        if not name:
            continue
        if name in seen:
            yield at_instruction(stage_from(stage), f'stage name "{stage.name}" is already used on line {seen[name]}')
        else:
            seen[name] = stage.from_line


@check(
    id="STK-DF-0036",
    title="MAINTAINER is deprecated",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Use a label:

        LABEL org.opencontainers.image.authors="platform@example.com"
    """,
    references=(
        "https://docs.docker.com/reference/dockerfile/#maintainer-deprecated",
        "hadolint:DL4000",
        "trivy:AVD-DS-0022",
        "checkov:CKV_DOCKER_6",
    ),
    compliance=("NIST-800-190:4.1.2",),
)
def maintainer(df: Dockerfile) -> Iterator[Violation]:
    """MAINTAINER has been deprecated since Docker 1.13; the OCI `org.opencontainers.image.authors` label
    is what tools (registries, SBOM generators) read."""
    for instruction in all_instructions(df):
        if instruction.keyword == "MAINTAINER":
            yield at_instruction(instruction, "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors")
