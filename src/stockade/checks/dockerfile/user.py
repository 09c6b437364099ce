"""Who the image runs as, and privilege during the build: root user, non-numeric USER, sudo, insecure RUN."""

from __future__ import annotations

from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import unwrap
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    UNKNOWN,
    at_command,
    at_flag,
    at_instruction,
    expand,
    final_lineage,
    global_arg_values,
    run_commands,
    runs,
    shown,
    stage_base,
    stage_from,
    unquote,
    windows_lineage,
)
from stockade.model import Dockerfile, Instruction, Severity

_DOCS_USER = "https://docs.docker.com/build/building/best-practices/#user"
_NON_ROOT_BASE_HINTS = ("nonroot", "non-root", "rootless")


def _user_of(instruction: Instruction) -> str:
    return unquote(instruction.args[0]) if instruction.args else ""


def _effective_user(df: Dockerfile) -> Instruction | None:
    """The last USER of the final stage, or of the stages it is built FROM."""
    found = None
    for stage in final_lineage(df):
        for instruction in stage.instructions:
            if instruction.keyword == "USER" and instruction.args:
                found = instruction
    return found


class _Scope(dict[str, str]):
    """Variables in scope at an instruction; one not set here may come from the base image: UNKNOWN."""

    def get(self, key: str, default: object = None) -> str:
        return dict.get(self, key, UNKNOWN)


def _scope_at(df: Dockerfile, target: Instruction) -> dict[str, str]:
    """The ARG defaults and ENV values in scope at ``target`` in the final lineage: ARGs declared in its
    stage (a global ARG re-declared there brings its default), ENV set earlier in the stage or inherited
    from the stages it is built FROM (ENV wins over an ARG of the same name, as in BuildKit)."""
    global_args = global_arg_values(df)
    env: dict[str, str] = {}
    for stage in final_lineage(df):
        args: dict[str, str] = {}
        for instruction in stage.instructions:
            if instruction is target:
                return args | env
            if instruction.keyword == "ARG":
                defaults = instruction.arg_defaults
                for i, (name, value) in enumerate(instruction.pairs):
                    has_default = defaults[i] if i < len(defaults) else bool(value)
                    if has_default:
                        args[name] = expand(value, _Scope(args | env))
                    else:
                        args[name] = global_args.get(name, UNKNOWN)
            elif instruction.keyword == "ENV":
                for name, value in instruction.pairs:
                    env[name] = expand(value, _Scope(args | env))
    return {}


def _resolved_user(df: Dockerfile, instruction: Instruction) -> str:
    """The USER value with the variables in scope substituted (UNKNOWN where undetermined)."""
    name = _user_of(instruction)
    if "$" not in name:
        return name
    return expand(name, _Scope(_scope_at(df, instruction)))


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0")


@check(
    id="STK-DF-0001",
    title="Image runs as root",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Create an unprivileged user and switch to it at the end of the final stage (a numeric UID lets Kubernetes
    verify `runAsNonRoot`):

        RUN groupadd --system --gid 10001 app \\
         && useradd --system --uid 10001 --gid app --no-log-init app
        USER 10001:10001
    """,
    references=(_DOCS_USER, "hadolint:DL3002", "trivy:AVD-DS-0002", "checkov:CKV_DOCKER_3", "checkov:CKV_DOCKER_8"),
    compliance=("CIS-Docker-4.1", "NSA-CISA:non-root"),
)
def runs_as_root(df: Dockerfile) -> Iterator[Violation]:
    """The final stage's last USER is `root` (or UID 0), or the final stage (and the stages it is built
    FROM) sets no USER at all, so the container runs as whatever the base image says, root for almost all
    of them. A process running as root in a container is one kernel bug or one mounted host path away from
    root on the node. Only the final stage matters: build stages may run as root. A base image whose tag
    says it runs unprivileged (`distroless/static:nonroot`, `*-rootless`) is taken at its word."""
    final = df.final_stage
    if final is None:
        return
    chain = final_lineage(df)
    if windows_lineage(chain):
        return  # Windows containers run as ContainerUser/ContainerAdministrator, not a Linux root
    user = _effective_user(df)
    if user is not None:
        name = _user_of(user)
        resolved = _resolved_user(df, user)
        if UNKNOWN not in resolved and _is_root(resolved):
            value = "" if resolved == name else f', which is "{resolved}"'
            yield at_instruction(user, f'the image\'s last USER is "{name}"{value}: the container runs as root')
        return
    origin = chain[0] if chain else final
    base = stage_base(df, origin)
    if UNKNOWN in base or any(hint in base.lower() for hint in _NON_ROOT_BASE_HINTS):
        return
    what = "FROM scratch" if base.lower() == "scratch" else f'base image "{shown(base)}"'
    yield at_instruction(
        stage_from(final),
        f"the final stage sets no USER, so it runs as the default user of {what}, which is root unless "
        "that image says otherwise",
    )


@check(
    id="STK-DF-0002",
    title="USER names a user instead of a numeric UID",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Give the numeric UID (and GID) the user was created with, so the kubelet can check `runAsNonRoot`:

        RUN useradd --system --uid 10001 --no-log-init app
        USER 10001:10001
    """,
    references=(
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1",
        "hadolint:DL3066",
    ),
    compliance=("CIS-Docker-4.1", "NSA-CISA:non-root"),
)
def non_numeric_user(df: Dockerfile) -> Iterator[Violation]:
    """The image's final USER is a name (`USER app`). Kubernetes cannot tell from a name whether the user
    is root: a pod with `runAsNonRoot: true` fails to start with "image has non-numeric user, cannot
    verify user is non-root", and the usual workaround, dropping `runAsNonRoot`, removes the guard. Only
    the user that the image runs as is reported (not USER lines of build stages, which hadolint DL3066
    also reports); root is STK-DF-0001's finding, a `$VARIABLE` cannot be judged."""
    user = _effective_user(df)
    if user is None or windows_lineage(final_lineage(df)):
        return  # Windows accounts have no numeric UID (Kubernetes uses windowsOptions.runAsUserName)
    name = _user_of(user)
    uid = name.split(":", 1)[0].strip()
    if not uid or uid.isdigit() or _is_root(name) or "$" in uid:
        return
    yield at_instruction(
        user, f'USER "{uid}" is a name: Kubernetes runAsNonRoot cannot verify it, give the numeric UID'
    )


@check(
    id="STK-DF-0003",
    title="sudo used in RUN",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Run the privileged steps before switching user, then drop privileges; do not ship sudo:

        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\
         && rm -rf /var/lib/apt/lists/*
        USER 10001:10001

    To start a process as another user from an entrypoint script, use `gosu` or `setpriv`.
    """,
    references=(_DOCS_USER, "hadolint:DL3004", "trivy:AVD-DS-0010", "checkov:CKV2_DOCKER_1"),
    compliance=("CIS-Docker-4.1", "CIS-Docker-4.3", "NSA-CISA:non-root"),
)
def sudo_in_run(df: Dockerfile) -> Iterator[Violation]:
    """A RUN calls `sudo` (or `doas`). Builds run as root unless a USER says otherwise, so `sudo` only
    works because the image's user was given password-less sudo: whoever runs the container can become
    root inside it. sudo also behaves unpredictably without a TTY and changes the environment.
    Installing the `sudo` package alone is not reported; calling it is."""
    for instruction in runs(df):
        for command in run_commands(instruction):
            wrappers = unwrap(command.argv)[0]
            used = [w for w in wrappers if w in ("sudo", "doas")]
            if used:
                yield at_command(command, f"RUN calls {used[0]}: the image's user can become root")
                break


@check(
    id="STK-DF-0004",
    title="RUN with --security=insecure",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Drop the flag; give the step only what it needs (a cache or secret mount, a specific device), or do
    the privileged work outside the image build:

        RUN --mount=type=cache,target=/root/.cache make build
    """,
    references=("https://docs.docker.com/reference/dockerfile/#run---security",),
    compliance=("NSA-CISA:container-hardening", "CIS-Docker-4.1"),
)
def insecure_run(df: Dockerfile) -> Iterator[Violation]:
    """`RUN --security=insecure` runs the step like a `--privileged` container: all capabilities, no
    seccomp or AppArmor profile, host devices. Whatever that step executes (including every package it
    downloads) can take over the build host and poison the build cache shared with other builds. It
    needs the `security.insecure` entitlement, and is rarely needed."""
    for instruction in runs(df):
        flag = instruction.flag("security")
        if flag is not None and (flag.value or "").strip().lower() == "insecure":
            yield at_flag(
                instruction,
                flag.text,
                "RUN --security=insecure runs the step with all capabilities and no seccomp/AppArmor",
            )
