"""What every Dockerfile rule needs: the kind set, stage lineage, instruction iteration, image references,
ARG expansion and the construction of line-exact violations.

Pure functions over ``stockade.model.dockerfile``; nothing here reads files or imports the parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from stockade.checks._check import Violation
from stockade.checks.dockerfile._redact import scrub
from stockade.model import Dockerfile, Instruction, ObjectPath, Severity, ShellCommand, Stage

DOCKERFILE = frozenset({"Dockerfile"})

ROOT = ObjectPath(())
SNIPPET_MAX = 200  # characters of offending text kept in a finding
UNKNOWN = "\x00"  # stands for the value of an ARG the Dockerfile does not define
# BuildKit's automatic platform ARGs: set for every build without a declaration, values known only then.
PLATFORM_ARGS = ("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS",
                 "BUILDARCH", "BUILDVARIANT")  # fmt: skip


# --- violations ---------------------------------------------------------------------------------------


def clip(text: str, limit: int = SNIPPET_MAX) -> str:
    """One line of at most ``limit`` characters (an ellipsis marks a cut), scrubbed of secrets first: a cut
    must never leave half a password that the scrubber would no longer recognise."""
    flat = " ".join(scrub(text).split())  # all of it: any cut before scrubbing could halve a secret
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def first_line(instruction: Instruction) -> str:
    """The instruction's first physical line, as written (continuation backslash removed)."""
    line = instruction.text.split("\n", 1)[0].rstrip()
    if line.endswith("\\"):
        line = line[:-1].rstrip()
    return clip(line) or instruction.keyword


def command_text(command: ShellCommand) -> str:
    """A simple command as the words it runs, with its leading assignments."""
    words = [f"{k}={v}" for k, v in command.assignments] + list(command.argv)
    return clip(" ".join(words))


def violation(line: int, message: str, snippet: str, severity: Severity | None = None) -> Violation:
    """A finding at a physical line; message and snippet are scrubbed of secrets, the snippet clipped."""
    return Violation(ROOT, scrub(message, instruction=False), line=line, snippet=clip(snippet), severity=severity)


def at_instruction(
    instruction: Instruction, message: str, *, snippet: str | None = None, severity: Severity | None = None
) -> Violation:
    text = first_line(instruction) if snippet is None else snippet
    return violation(instruction.start_line, message, text, severity)


def at_command(
    command: ShellCommand, message: str, *, snippet: str | None = None, severity: Severity | None = None
) -> Violation:
    return violation(command.line, message, command_text(command) if snippet is None else snippet, severity)


def at_line(line: int, message: str, snippet: str, severity: Severity | None = None) -> Violation:
    return violation(line, message, snippet, severity)


def line_containing(instruction: Instruction, needle: str) -> tuple[int, str]:
    """The first physical line of ``instruction`` that contains ``needle``, and that line's text."""
    for offset, physical in enumerate(instruction.text.split("\n")):
        if needle and needle in physical:
            text = physical.strip()
            return instruction.start_line + offset, text[:-1].rstrip() if text.endswith("\\") else text
    return instruction.start_line, first_line(instruction)


def at_flag(instruction: Instruction, flag_text: str, message: str, severity: Severity | None = None) -> Violation:
    """A finding about a flag (``--chmod=777``), on the physical line where the flag is written."""
    line, text = line_containing(instruction, flag_text)
    return violation(line, message, text, severity)


_KEY = re.compile(r"(?:^|(?<=[\s\"']))([A-Za-z_][A-Za-z0-9_.-]*)(?=\s*=|\s|$)")


def pair_lines(instruction: Instruction) -> dict[str, int]:
    """The physical line of each ENV/ARG/LABEL key of a (possibly continued) instruction (first mention)."""
    lines: dict[str, int] = {}
    for offset, physical in enumerate(instruction.text.split("\n")):
        text = physical
        if offset == 0 and text.upper().lstrip().startswith(instruction.keyword):
            text = text.lstrip()[len(instruction.keyword) :]
        for match in _KEY.finditer(text):
            lines.setdefault(match.group(1), instruction.start_line + offset)
    return lines


def quoted_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(f'"{clip(i, 60)}"' for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- instructions and stages --------------------------------------------------------------------------


def unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


def run_commands(instruction: Instruction) -> tuple[ShellCommand, ...]:
    """The simple commands of a RUN: parsed shell form, or the exec form's argv as one command."""
    if instruction.commands:
        return instruction.commands
    if instruction.json_form and instruction.args:
        return (ShellCommand(argv=tuple(instruction.args), line=instruction.start_line),)
    return ()


def with_triggers(instructions: tuple[Instruction, ...]) -> Iterator[Instruction]:
    """Instructions, each ONBUILD followed by its trigger (which runs in every image built FROM this one)."""
    for instruction in instructions:
        yield instruction
        trigger = instruction.trigger
        depth = 0
        while trigger is not None and depth < 4:
            yield trigger
            trigger = trigger.trigger
            depth += 1


def all_instructions(df: Dockerfile, triggers: bool = True) -> Iterator[Instruction]:
    """Every instruction in file order (global ARGs included), ONBUILD triggers after their ONBUILD."""
    source = df.instructions
    if not source:
        source = df.global_args + tuple(i for s in df.stages for i in s.instructions)
    yield from with_triggers(source) if triggers else source


def runs(df: Dockerfile, triggers: bool = True) -> Iterator[Instruction]:
    for instruction in all_instructions(df, triggers):
        if instruction.keyword == "RUN":
            yield instruction


def stage_from(stage: Stage) -> Instruction:
    """The stage's FROM instruction (a stand-in built from ``from_line`` if the stage has none)."""
    if stage.instructions and stage.instructions[0].keyword == "FROM":
        return stage.instructions[0]
    line = stage.from_line if stage.from_line > 0 else (stage.instructions[0].start_line if stage.instructions else 1)
    return Instruction(keyword="FROM", start_line=line, end_line=line, text=f"FROM {stage.base}", args=(stage.base,))


def stage_parents(df: Dockerfile) -> list[int | None]:
    """For each stage, the position of the earlier stage it is built FROM (the last of that name before it),
    or None for an image. One pass, so rules stay linear on files with many stages."""
    args = global_arg_values(df)
    last: dict[str, int] = {}
    parents: list[int | None] = []
    for position, stage in enumerate(df.stages):
        base = reference_text(stage.base, args).lower()
        parents.append(last.get(base) if base and UNKNOWN not in base else None)
        if stage.name:
            last[stage.name.lower()] = position
    return parents


def lineage(df: Dockerfile, position: int, parents: list[int | None] | None = None) -> list[Stage]:
    """The stage at ``position`` and the stages it inherits from, oldest first (what ends up in its
    filesystem and configuration)."""
    if not 0 <= position < len(df.stages):
        return []
    links = stage_parents(df) if parents is None else parents
    chain: list[Stage] = []
    current: int | None = position
    while current is not None and len(chain) <= len(df.stages):
        chain.append(df.stages[current])
        current = links[current]
    chain.reverse()
    return chain


def final_lineage(df: Dockerfile) -> list[Stage]:
    return lineage(df, len(df.stages) - 1)


# --- ARG expansion and image references ---------------------------------------------------------------

_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def arg_values(
    instructions: tuple[Instruction, ...] | list[Instruction], initial: Mapping[str, str] | None = None
) -> dict[str, str]:
    """ARG defaults in scope after ``instructions`` (starting from ``initial``); an ARG without default maps
    to UNKNOWN."""
    values: dict[str, str] = dict(initial or {})
    for instruction in instructions:
        if instruction.keyword != "ARG":
            continue
        defaults = instruction.arg_defaults
        for i, (name, value) in enumerate(instruction.pairs):
            has_default = defaults[i] if i < len(defaults) else bool(value)
            values[name] = expand(value, values) if has_default else UNKNOWN
    return values


def expand(text: str, values: Mapping[str, str]) -> str:
    """Substitute ``$VAR``/``${VAR}``/``${VAR:-x}``/``${VAR:+x}``; unknown values become UNKNOWN.

    A variable that is not declared at all expands to "" (as BuildKit does, with a warning); a declared ARG
    without default could be anything (``--build-arg``), so it stays UNKNOWN.
    """
    if "$" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("plain") or ""
        op = m.group("op")
        word = m.group("word") or ""
        value = values.get(name)
        if m.group("braced") is not None and m.group("word") and not op:
            return UNKNOWN  # ${VAR/x/y} and other shell forms we do not model
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return expand(word, values)
            return value
        if op in (":+", "+"):
            if value is None or (op == ":+" and value == ""):
                return ""
            return UNKNOWN if value == UNKNOWN else expand(word, values)
        return "" if value is None else value

    return _VAR.sub(sub, text)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A FROM reference: ``[registry/]repository[:tag][@digest]``; parts may contain UNKNOWN."""

    registry: str
    repository: str
    tag: str
    digest: str
    explicit_registry: bool

    @property
    def pinned(self) -> bool:
        return bool(self.digest)


_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_DIGEST_LENGTHS = {"sha256": 64, "sha512": 128}


def valid_digest(digest: str) -> bool:
    if not _DIGEST.match(digest):
        return False
    algorithm, _, encoded = digest.partition(":")
    expected = _DIGEST_LENGTHS.get(algorithm)
    return expected is None or (len(encoded) == expected and all(c in "0123456789abcdef" for c in encoded))


def parse_image(text: str) -> ImageRef | None:
    """Parse an image reference (after ARG expansion). None when it cannot be one."""
    text = text.strip()
    if not text or any(c.isspace() for c in text) or text.count("@") > 1:
        return None
    name, _, digest = text.partition("@")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not tag:
            return None
    if not name or name.startswith("/") or name.endswith("/") or "//" in name:
        return None
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or UNKNOWN in first):
        registry, repository, explicit = first.lower(), rest, True
    else:
        registry, repository, explicit = "docker.io", name if sep else f"library/{name}", False
    if registry in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        registry = "docker.io"
    return ImageRef(registry, repository, tag, digest, explicit)


def global_arg_values(df: Dockerfile) -> dict[str, str]:
    """What FROM lines can refer to: the global ARGs' defaults, and BuildKit's automatic platform ARGs
    (``$TARGETARCH``...), UNKNOWN unless a global ARG gives a default."""
    return arg_values(list(df.global_args), dict.fromkeys(PLATFORM_ARGS, UNKNOWN))


def reference_text(base: str, args: Mapping[str, str]) -> str:
    """A FROM reference as BuildKit reads it: quotes removed (``FROM alpine:"latest"``), ARGs expanded."""
    text = base.strip()
    if "'" in text or '"' in text:
        text = text.replace('"', "").replace("'", "")
    return expand(text, args) if "$" in text else text


def windows_lineage(chain: list[Stage]) -> bool:
    """Whether the stages of ``chain`` (oldest first) are built from a Windows image (the parser says so)."""
    return bool(chain) and chain[-1].windows


def stage_base(df: Dockerfile, stage: Stage) -> str:
    """The stage's base with global ARG defaults substituted (UNKNOWN where an ARG has no default)."""
    return reference_text(stage.base, global_arg_values(df))


@dataclass(frozen=True, slots=True)
class BaseImage:
    """The external image a stage starts from (not scratch, not an earlier stage)."""

    stage: Stage
    text: str  # the reference after ARG expansion (UNKNOWN where undetermined)
    ref: ImageRef | None


def external_bases(df: Dockerfile) -> Iterator[BaseImage]:
    """Every FROM that pulls an image: scratch and earlier-stage references are left out, and so is a base
    that is entirely an undetermined ARG (``FROM $BASE`` with no default)."""
    parents = stage_parents(df)
    args = global_arg_values(df)
    for position, stage in enumerate(df.stages):
        text = reference_text(stage.base, args)
        if not text or text.lower() == "scratch" or parents[position] is not None:
            continue
        if text.strip(UNKNOWN + " ") == "":
            continue
        ref = parse_image(text)
        if ref is not None and UNKNOWN in ref.repository and "/" not in ref.repository.removeprefix("library/"):
            # ``FROM base-$TARGETARCH``: a one-word name with an undetermined part may well be an earlier stage
            # (``base-amd64``, ``base-arm64``): nothing about it can be judged
            continue
        yield BaseImage(stage, text, ref)


def shown(text: str) -> str:
    """A reference for a message: undetermined parts shown as ``$?``."""
    return clip(text.replace(UNKNOWN, "$?"), 120)


def copy_args(instruction: Instruction) -> tuple[list[str], str]:
    """Sources and destination of a COPY/ADD, quotes removed (heredoc sources stay as ``<<EOF``)."""
    words = [unquote(a) if not instruction.json_form else a for a in instruction.args]
    if len(words) < 2:
        return [], words[0] if words else ""
    return words[:-1], words[-1]


def is_remote(source: str) -> bool:
    lower = source.lower()
    return lower.startswith(("http://", "https://", "git@", "git://", "ssh://"))


def is_git_source(source: str) -> bool:
    lower = source.lower()
    if lower.startswith(("git@", "git://", "ssh://")):
        return True
    return lower.startswith(("http://", "https://")) and lower.split("#", 1)[0].rstrip("/").endswith(".git")
