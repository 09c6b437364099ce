"""What the build fetches and runs: scripts piped into a shell, unverified ADD downloads, ADD for local files."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import (
    DOWNLOADERS,
    INTERPRETERS,
    SHELLS,
    is_python,
    parse_options,
    program,
    unwrap,
)
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    all_instructions,
    at_command,
    at_instruction,
    clip,
    copy_args,
    is_git_source,
    is_remote,
    quoted_list,
    run_commands,
    runs,
)
from stockade.model import Dockerfile, Severity, ShellCommand

_SUBSTITUTED_DOWNLOAD = re.compile(r"(\$\(|`|<\()\s*(?:\S*/)?(curl|wget|fetch)\b")
# options after which the program text is an argument, so stdin is data, not code
_CODE_OPTIONS = {
    "python": ("-c", "-m"),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "node": ("-e", "-p", "--eval", "--print"),
    "nodejs": ("-e", "-p", "--eval", "--print"),
    "php": ("-r",),
    "pwsh": ("-c", "-command", "-Command", "-f", "-File"),
    "powershell": ("-c", "-command", "-Command", "-f", "-File"),
    "deno": ("eval",),
    "bun": ("-e", "--eval"),
    "lua": ("-e",),
}


def executes_stdin(argv: tuple[str, ...]) -> bool:
    """Whether ``argv`` (already unwrapped) runs the program text it reads on standard input."""
    if not argv:
        return False
    name = program(argv[0])
    rest = argv[1:]
    if name in SHELLS:
        parsed = parse_options(rest, "o", stop_at_operand=True)
        if parsed.has("-c"):
            return False
        return parsed.has("-s") or not parsed.operands or parsed.operands[0] == "-"
    key = "python" if is_python(name) else name
    if key == "python" or name in INTERPRETERS:
        code_options = _CODE_OPTIONS.get(key, ())
        if any(word in code_options or word.startswith(tuple(f"{o}=" for o in code_options)) for word in rest):
            return False
        operands = [w for w in rest if not w.startswith("-")]
        return not operands or operands[0] == "-" or rest[:1] == ("-",)
    return False


def _program_of(command: ShellCommand) -> str:
    argv = unwrap(command.argv)[1]
    return program(argv[0]) if argv else ""


def _pipelines(commands: tuple[ShellCommand, ...]) -> list[list[ShellCommand]]:
    groups: dict[int, list[ShellCommand]] = {}
    for command in commands:
        if command.pipeline_length > 1:
            groups.setdefault(command.pipeline, []).append(command)
    return [sorted(g, key=lambda c: c.stage_in_pipeline) for _, g in sorted(groups.items())]


@check(
    id="STK-DF-0008",
    title="Downloaded script piped into a shell or interpreter",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Download to a file, verify it against a checksum (or signature) you recorded, then run it:

        ARG INSTALLER_SHA256=<64 hex digits>
        RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\
         && echo "${INSTALLER_SHA256}  /tmp/install.sh" | sha256sum -c - \\
         && sh /tmp/install.sh \\
         && rm /tmp/install.sh

    Better still, install a signed package from the distribution or use ADD --checksum.
    """,
    references=("https://docs.docker.com/reference/dockerfile/#add---checksum",),
    compliance=("CIS-Docker-4.11", "NSA-CISA:secure-images"),
)
def download_piped_to_shell(df: Dockerfile) -> Iterator[Violation]:
    """`curl ... | sh` (also wget, `| bash -s --`, `| sudo python3 -`, `sh -c "$(curl ...)"`,
    `bash <(curl ...)`) runs whatever the server sends, unverified: a compromised download site, a hijacked
    DNS name or a truncated transfer puts arbitrary code into the image with root privileges. Piping JSON
    into `python3 -c '...'` or `jq` is not reported: there stdin is data, not code."""
    for instruction in runs(df):
        commands = run_commands(instruction)
        reported = False
        for pipeline in _pipelines(commands):
            downloads = [c for c in pipeline if _program_of(c) in DOWNLOADERS]
            if not downloads:
                continue
            first = downloads[0]
            for receiver in pipeline:
                if receiver.stage_in_pipeline <= first.stage_in_pipeline:
                    continue
                argv = unwrap(receiver.argv)[1]
                if executes_stdin(argv):
                    snippet = clip(" | ".join(" ".join(c.argv) for c in pipeline))
                    yield at_command(
                        first,
                        f"output of {_program_of(first)} is piped into {program(argv[0])}: "
                        "the downloaded code runs unverified",
                        snippet=snippet,
                    )
                    reported = True
                    break
            if reported:
                break
        if reported:
            continue
        for command in commands:
            argv = unwrap(command.argv)[1]
            if not argv:
                continue
            name = program(argv[0])
            runner = name in SHELLS or name in INTERPRETERS or is_python(name) or name in ("eval", "source", ".")
            if runner and any(_SUBSTITUTED_DOWNLOAD.search(word) for word in argv[1:]):
                yield at_command(command, f"{name} runs the output of a download: the code runs unverified")
                break


@check(
    id="STK-DF-0009",
    title="ADD downloads a remote file without a checksum",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Give the expected digest (BuildKit verifies it; Dockerfile syntax 1.6 or later), or pin a Git source
    to a commit:

        ADD --checksum=sha256:<64 hex digits> https://example.com/tool-1.4.2.tar.gz /tmp/
        ADD https://github.com/acme/tool.git#<40-hex commit> /src/tool
    """,
    references=("https://docs.docker.com/reference/dockerfile/#add---checksum",),
    compliance=("CIS-Docker-4.9", "CIS-Docker-4.11", "NSA-CISA:secure-images"),
)
def add_remote_without_checksum(df: Dockerfile) -> Iterator[Violation]:
    """`ADD https://...` puts whatever the server returns into the image: nothing checks that it is the
    file that was reviewed, and the same Dockerfile builds different images over time. `--checksum`
    makes BuildKit fail on any other content. A Git source (`ADD https://host/repo.git#ref`) is fixed
    only by a commit hash (or `--checksum`); a branch or tag can move."""
    for instruction in all_instructions(df):
        if instruction.keyword != "ADD":
            continue
        checksum = instruction.flag("checksum")
        if checksum is not None and (checksum.value or "").strip():
            continue
        sources, _ = copy_args(instruction)
        bad: list[str] = []
        for source in sources:
            if not is_remote(source):
                continue
            if is_git_source(source):
                ref = source.rsplit("#", 1)[1].split(":", 1)[0] if "#" in source else ""
                if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", ref):
                    continue
            bad.append(source)
        if bad:
            git = all(is_git_source(b) for b in bad)
            why = "not pinned to a commit" if git else "downloaded without --checksum"
            yield at_instruction(instruction, f"ADD source {quoted_list(bad, 2)} is {why}")


_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst",
                     ".tar.lz", ".tar.lzma")  # fmt: skip


@check(
    id="STK-DF-0010",
    title="ADD used for local files instead of COPY",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Use COPY for files and directories from the build context; keep ADD for local tar archives you mean
    to extract:

        COPY --chown=10001:10001 app/ /srv/app/
    """,
    references=(
        "https://docs.docker.com/build/building/best-practices/#add-or-copy",
        "hadolint:DL3020",
        "trivy:AVD-DS-0005",
        "checkov:CKV_DOCKER_4",
    ),
    compliance=("CIS-Docker-4.9",),
)
def add_local_files(df: Dockerfile) -> Iterator[Violation]:
    """ADD copies local files like COPY, but also extracts any local tar archive it is given and fetches
    URLs: a file that happens to be (or is swapped for) an archive is unpacked into the image, possibly
    over existing paths. COPY does exactly one thing. Local archives (`ADD app.tar.gz /srv/`) are ADD's
    purpose and pass; sources that come from a `$VARIABLE` are not judged; remote sources are
    STK-DF-0009's."""
    for instruction in all_instructions(df):
        if instruction.keyword != "ADD":
            continue
        sources, _ = copy_args(instruction)
        if not sources or any(is_remote(s) for s in sources):
            continue
        if any("$" in s or s.lower().endswith(_ARCHIVE_SUFFIXES) for s in sources):
            continue
        yield at_instruction(instruction, f"ADD copies local {quoted_list(sources, 3)}: use COPY")
