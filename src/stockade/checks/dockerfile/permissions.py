"""File modes: world-writable files and directories, setuid/setgid bits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import parse_options, program, unwrap
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    all_instructions,
    at_command,
    at_flag,
    clip,
    run_commands,
)
from stockade.model import Dockerfile, Instruction, Severity, ShellCommand


@dataclass(frozen=True, slots=True)
class ModeEffect:
    """What applying a mode grants (only additions count: ``o-w`` and ``u-s`` take away)."""

    world_writable: bool = False
    setuid: bool = False
    setgid: bool = False


_OCTAL = re.compile(r"^[0-7]{1,4}$")
_CLAUSE = re.compile(r"^([ugoa]*)((?:[-+=][rwxXstugo]*)+)$")


def mode_effect(mode: str) -> ModeEffect | None:
    """Parse a chmod mode (``755``, ``4755``, ``u+s,o+w``, ``a=rwx``); None if it is not one.

    World-writable with the sticky bit (``1777``, ``a+rwxt``: the /tmp convention, where users cannot
    remove each other's files) does not count. ``+w`` without ``o``/``a`` is subject to the umask, so it
    does not count either.
    """
    mode = mode.strip()
    if _OCTAL.match(mode):
        value = int(mode, 8)
        special = value >> 9 if len(mode) == 4 else 0
        sticky = bool(special & 1)
        return ModeEffect(world_writable=bool(value & 0o2) and not sticky, setuid=bool(special & 4),
                          setgid=bool(special & 2))  # fmt: skip
    if not mode or mode.isdigit():
        return None
    writable = setuid = setgid = sticky = False
    for clause in mode.split(","):
        m = _CLAUSE.match(clause)
        if m is None:
            return None
        who = m.group(1)
        for op, perms in re.findall(r"([-+=])([rwxXstugo]*)", m.group(2)):
            if op == "-":
                continue
            if "w" in perms and ("o" in who or "a" in who):
                writable = True
            if "t" in perms:
                sticky = True
            if "s" in perms:
                if not who or "a" in who or "u" in who:
                    setuid = True
                if not who or "a" in who or "g" in who:
                    setgid = True
    return ModeEffect(world_writable=writable and not sticky, setuid=setuid, setgid=setgid)


_CHMOD_OPTION = re.compile(r"^-[RfvcHLPh]+$")


def chmod_modes(argv: tuple[str, ...]) -> Iterator[tuple[str, list[str]]]:
    """(mode, targets) of each mode change in an unwrapped command: chmod, install -m, mkdir -m,
    and chmod run by ``find -exec`` or ``xargs``."""
    if not argv:
        return
    name = program(argv[0])
    rest = argv[1:]
    if name == "chmod":
        words = [w for w in rest if not _CHMOD_OPTION.match(w) and not w.startswith("--")]
        if any(w.startswith("--reference") for w in rest) or not words:
            return
        yield words[0], words[1:]
    elif name in ("install", "mkdir"):
        parsed = parse_options(rest, "mgoStZ" if name == "install" else "m", ("mode", "owner", "group", "suffix",
                                                                           "target-directory", "context"))  # fmt: skip
        for mode in parsed.values("-m", "--mode"):
            yield mode, list(parsed.operands)
    elif name == "find":
        for i, word in enumerate(rest):
            if word in ("-exec", "-execdir", "-ok") and i + 1 < len(rest):
                end = next((j for j in range(i + 1, len(rest)) if rest[j] in (";", "\\;", "+")), len(rest))
                yield from chmod_modes(tuple(rest[i + 1 : end]))
    elif name == "xargs":
        for i, word in enumerate(rest):
            if program(word) == "chmod":
                yield from chmod_modes(tuple(rest[i:]))
                break


def _mode_changes(
    df: Dockerfile,
) -> Iterator[tuple[ShellCommand | None, Instruction, str, list[str], ModeEffect]]:
    """(command or None, the instruction, mode, targets, effect) for RUN mode changes and COPY/ADD --chmod."""
    for instruction in all_instructions(df):
        if instruction.keyword == "RUN":
            for command in run_commands(instruction):
                for mode, targets in chmod_modes(unwrap(command.argv)[1]):
                    effect = mode_effect(mode)
                    if effect is not None:
                        yield command, instruction, mode, targets, effect
        elif instruction.keyword in ("COPY", "ADD"):
            flag = instruction.flag("chmod")
            if flag is not None and flag.value:
                effect = mode_effect(flag.value)
                if effect is not None:
                    yield None, instruction, flag.text, [], effect


@check(
    id="STK-DF-0019",
    title="World-writable file or directory",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Give write access to the owner only (and own the path by the user that needs to write):

        COPY --chown=10001:10001 --chmod=0755 entrypoint.sh /usr/local/bin/
        RUN install -d -o 10001 -g 10001 -m 0750 /var/lib/app

    A shared scratch directory needs the sticky bit: `chmod 1777 /scratch`.
    """,
    references=("https://docs.docker.com/reference/dockerfile/#copy---chown---chmod",),
    compliance=("NSA-CISA:container-hardening", "NIST-800-190:4.1.2"),
)
def world_writable(df: Dockerfile) -> Iterator[Violation]:
    """`chmod 777`, `chmod o+w`/`a+w`, `install -m 666`, `mkdir -m 777` or `COPY --chmod=777` makes a path
    writable by every user in the container: any process, whatever its UID, can replace the binaries,
    scripts or configuration there and so run code as the user that later executes them. Modes with
    the sticky bit (`1777`, the /tmp convention) pass."""
    for command, instruction, mode, targets, effect in _mode_changes(df):
        if not effect.world_writable:
            continue
        where = f" on {clip(' '.join(targets), 80)}" if targets else ""
        if command is not None:
            yield at_command(command, f"mode {mode}{where} makes it writable by every user")
        else:
            yield at_flag(instruction, mode, f"{mode} makes the copied files writable by every user")


@check(
    id="STK-DF-0020",
    title="setuid or setgid bit set",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Do not add setuid/setgid bits; grant the one capability a program needs instead, and strip the bits
    the base image ships with:

        RUN setcap cap_net_bind_service=+ep /usr/local/bin/server \\
         && find / -xdev -perm /6000 -type f -exec chmod a-s {} +
    """,
    references=("https://man7.org/linux/man-pages/man7/capabilities.7.html",),
    compliance=("CIS-Docker-4.8", "NSA-CISA:container-hardening"),
)
def setuid_setgid(df: Dockerfile) -> Iterator[Violation]:
    """`chmod u+s`, `chmod +s`, `chmod 4755`, `chmod g+s`/`2755` (also through `install -m`, `find -exec` or
    `COPY --chmod`) adds a setuid or setgid bit: running that file gives its owner's (usually root's)
    privileges to any user in the container, a classic way from a compromised unprivileged process to
    root. A setgid bit alone is reported with LOW severity: on a directory it only makes new files
    inherit the group. Removing the bits (`a-s`) is what CIS 4.8 asks for and passes."""
    for command, instruction, mode, targets, effect in _mode_changes(df):
        if not (effect.setuid or effect.setgid):
            continue
        what = "setuid" if effect.setuid else "setgid"
        if effect.setuid and effect.setgid:
            what = "setuid and setgid"
        severity = None if effect.setuid else Severity.LOW
        where = f" on {clip(' '.join(targets), 80)}" if targets else ""
        if command is not None:
            yield at_command(command, f"mode {mode}{where} sets the {what} bit", severity=severity)
        else:
            yield at_flag(instruction, mode, f"{mode} sets the {what} bit", severity=severity)
