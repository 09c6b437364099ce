"""A parsed Dockerfile: stages, instructions with their lines, heredocs and shell commands.

Produced by ``stockade.source.dockerfile`` (the parser, which follows BuildKit's frontend); read by the
Dockerfile checks. Everything a check needs is computed once at parse time, so checks never re-parse.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Flag:
    """An instruction flag: ``--from=build`` is ``Flag("from", "build")``; ``--link`` is ``Flag("link", None)``."""

    name: str  # lower-case, without the dashes
    value: str | None
    text: str  # as written, e.g. "--mount=type=cache,target=/root/.cache"


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A here-document: ``<<EOF`` ... ``EOF``."""

    delimiter: str
    content: str  # the body as BuildKit keeps it: every line ends with "\n" (leading tabs removed for <<-)
    expand: bool  # False when the delimiter was quoted: no variable expansion in the body
    strip_tabs: bool  # <<-
    start_line: int  # line of the first body line (1-based)
    end_line: int  # line of the terminator


@dataclass(frozen=True, slots=True)
class ShellCommand:
    """One simple command of a shell-form RUN (or of a heredoc script run by RUN).

    ``argv`` holds the words after quote removal; variable references are kept as written (``$HOME``).
    Leading assignments (``DEBIAN_FRONTEND=noninteractive apt-get ...``) are in ``assignments``.
    Commands of one pipeline (``curl ... | sh``) share ``pipeline`` and are numbered by ``stage_in_pipeline``.
    """

    argv: tuple[str, ...]
    line: int  # physical line of the Dockerfile where the command's first word is
    assignments: tuple[tuple[str, str], ...] = ()
    pipeline: int = 0  # index of the pipeline within the instruction
    stage_in_pipeline: int = 0  # 0 for the first command of its pipeline
    pipeline_length: int = 1
    subshell: bool = False  # inside ( ... ) or $( ... ) / backticks

    @property
    def name(self) -> str:
        """The program's base name (``/usr/bin/apt-get`` -> ``apt-get``), or "" for a bare assignment."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


@dataclass(frozen=True, slots=True)
class Instruction:
    """One Dockerfile instruction, with everything rules look at."""

    keyword: str  # upper-case: FROM, RUN, COPY ... (ONBUILD's trigger is in ``trigger``)
    start_line: int
    end_line: int  # last line, including continuation lines and heredoc bodies
    text: str  # the instruction as written (all its physical lines, newlines kept)
    flags: tuple[Flag, ...] = ()
    args: tuple[str, ...] = ()  # exec form: the JSON array's strings; shell form: one string (the command);
    # other instructions: the words after the flags, quotes kept as written (ENV/LABEL: see ``pairs``)
    json_form: bool = False  # exec (JSON array) form of RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME...
    pairs: tuple[tuple[str, str], ...] = ()  # ENV, LABEL, ARG: (key, value) with quotes removed; ARG
    # without default: value "" and ``has_default`` False in ``arg_defaults``
    heredocs: tuple[Heredoc, ...] = ()
    commands: tuple[ShellCommand, ...] = ()  # RUN in shell form (and heredoc scripts): the simple commands
    line_offsets: tuple[int, ...] = ()  # for shell-form RUN: start offset in ``args[0]`` of each physical line
    stage: int = -1  # index of the stage it belongs to; -1 for ARGs before the first FROM
    trigger: Instruction | None = None  # ONBUILD's instruction
    arg_defaults: tuple[bool, ...] = ()  # ARG: whether each name had a default

    def flag(self, name: str) -> Flag | None:
        """The last flag of that name, or None (BuildKit rejects repeating a flag that is not repeatable;
        read repeatable ones, ``--mount`` and ``--exclude``, with ``flags_named``)."""
        found = None
        for f in self.flags:
            if f.name == name:
                found = f
        return found

    def flags_named(self, name: str) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.name == name)

    def line_of(self, offset: int) -> int:
        """The physical line of a character offset in a shell-form command (``args[0]``)."""
        index = bisect.bisect_right(self.line_offsets, offset) - 1
        return self.start_line + max(index, 0)


@dataclass(frozen=True, slots=True)
class Stage:
    """One build stage: ``FROM base [AS name]`` and the instructions up to the next FROM."""

    index: int
    base: str  # the image reference as written in FROM (after the --platform flag)
    base_expanded: str  # with ARG values (defaults of ARGs before the first FROM) substituted
    name: str  # the AS name, lower-case; "" if none
    from_line: int
    instructions: tuple[Instruction, ...]  # FROM first
    windows: bool = False  # built from a Windows image (directly or through earlier stages): cmd, no Linux users

    @property
    def from_instruction(self) -> Instruction:
        return self.instructions[0]


@dataclass(frozen=True, slots=True)
class Pragma:
    """An inline suppression comment: ``# stockade:ignore=STK-DF-0001`` or ``# hadolint ignore=DL3008``."""

    line: int  # line of the comment
    rules: tuple[str, ...]  # rule ids as written (stockade ids or hadolint DL/SC codes)
    tool: str  # "stockade" or "hadolint"
    file_wide: bool = False  # "# stockade:ignore-file=..." / "# hadolint global ignore=..."
    applies_to: int = 0  # the start line of the instruction it precedes (0 for file-wide pragmas)


@dataclass(frozen=True, slots=True)
class Dockerfile:
    path: str
    directives: dict[str, str] = field(default_factory=dict)  # syntax, escape, check (lower-case names)
    escape: str = "\\"
    global_args: tuple[Instruction, ...] = ()  # ARG instructions before the first FROM
    stages: tuple[Stage, ...] = ()
    instructions: tuple[Instruction, ...] = ()  # every instruction in file order (global ARGs included)
    pragmas: tuple[Pragma, ...] = ()
    has_dockerignore: bool | None = None  # a .dockerignore (or <Dockerfile>.dockerignore) beside it; None: unknown

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None
