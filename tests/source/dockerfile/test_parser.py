"""The Dockerfile parser: BuildKit's behaviour, line bookkeeping, pragmas, expansion, hostile inputs."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from stockade.model import DiagnosticLevel, Dockerfile, Heredoc, Instruction
from stockade.source.dockerfile import ExpansionError, expand, is_dockerfile_name, parse_dockerfile

TESTDATA = Path(__file__).parent / "testdata"

ERROR = DiagnosticLevel.ERROR
WARNING = DiagnosticLevel.WARNING
INFO = DiagnosticLevel.INFO


def parse(text: str) -> tuple[Dockerfile, list[tuple[int | None, DiagnosticLevel, str]]]:
    dockerfile, diagnostics = parse_dockerfile("Dockerfile", text)
    for d in diagnostics:
        assert d.source == "dockerfile"
        assert d.location.path == "Dockerfile"
    return dockerfile, [(d.location.line, d.level, d.message) for d in diagnostics]


def fixture(name: str) -> tuple[Dockerfile, list[tuple[int | None, DiagnosticLevel, str]]]:
    return parse((TESTDATA / name).read_text(encoding="utf-8"))


def summary(ins: Instruction) -> tuple[object, ...]:
    return (ins.keyword, ins.start_line, ins.end_line, tuple((f.name, f.value) for f in ins.flags), ins.args,
            ins.json_form)


def commands(ins: Instruction) -> list[tuple[tuple[str, ...], int, int, int, int]]:
    return [(c.argv, c.line, c.pipeline, c.stage_in_pipeline, c.pipeline_length) for c in ins.commands]


def check_invariants(df: Dockerfile, text: str) -> None:
    """What holds for every parse: lines within the file, text is the lines, stages partition."""
    lines = text.removeprefix("\ufeff").split("\n")
    if text.endswith("\n"):
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    for ins in df.instructions:
        assert 1 <= ins.start_line <= ins.end_line <= max(len(lines), 1)
        assert ins.text == "\n".join(lines[ins.start_line - 1:ins.end_line])
        for c in ins.commands:
            assert ins.start_line <= c.line <= ins.end_line
        for h in ins.heredocs:
            assert ins.start_line < h.start_line <= h.end_line <= ins.end_line or h.start_line == h.end_line
    staged = [i for s in df.stages for i in s.instructions]
    assert staged == [i for i in df.instructions if i.stage >= 0]


# --------------------------------------------------------------------------- a typical file


def test_typical_file() -> None:
    text = (TESTDATA / "typical.Dockerfile").read_text()
    df, diags = parse(text)
    assert diags == []
    check_invariants(df, text)
    assert df.directives == {"syntax": "docker/dockerfile:1"}
    assert [(s.index, s.base, s.base_expanded, s.name, s.from_line) for s in df.stages] == [
        (0, "python:${PYTHON_VERSION}-slim-${DEBIAN}", "python:3.12-slim-bookworm", "build", 5),
        (1, "python:${PYTHON_VERSION}-slim-${DEBIAN}", "python:3.12-slim-bookworm", "", 19),
    ]
    assert [i.start_line for i in df.global_args] == [2, 3]
    assert [i.keyword for i in df.stages[1].instructions] == [
        "FROM", "LABEL", "ENV", "RUN", "RUN", "COPY", "COPY", "WORKDIR", "RUN", "USER", "EXPOSE", "VOLUME",
        "HEALTHCHECK", "STOPSIGNAL", "ENTRYPOINT", "CMD"]
    run = df.stages[1].instructions[4]
    assert summary(run)[:3] == ("RUN", 24, 26)
    assert commands(run) == [
        (("apt-get", "update"), 24, 0, 0, 1),
        (("apt-get", "install", "-y", "--no-install-recommends", "libpq5", "curl"), 24, 1, 0, 1),
        (("curl", "-fsSL", "https://example.com/install.sh"), 25, 2, 0, 2),
        (("sh", "-s", "--", "--quiet"), 25, 2, 1, 2),
        (("apt-get", "purge", "-y", "--auto-remove", "curl"), 26, 3, 0, 1),
        (("rm", "-rf", "/var/lib/apt/lists/*"), 26, 4, 0, 1),
    ]
    loop = df.stages[1].instructions[8]
    assert commands(loop) == [
        (("set", "-eux"), 30, 0, 0, 1),
        (("mkdir", "-p", "/app/$d"), 31, 1, 0, 1),
        (("chown", "app:app", "/app/$d"), 31, 2, 0, 1),
        (("[", "-f", "/app/entrypoint.sh", "]"), 32, 3, 0, 1),
        (("chmod", "+x", "/app/entrypoint.sh"), 32, 4, 0, 1),
    ]
    assert df.pragmas[0].rules == ("DL3008",) and df.pragmas[0].applies_to == 10
    assert df.final_stage is df.stages[1]


# --------------------------------------------------------------------------- directives


def test_directives_case_whitespace_duplicates_and_backtick_escape() -> None:
    df, diags = fixture("directives.Dockerfile")
    assert df.directives == {"syntax": "docker/dockerfile:1.7", "escape": "`",
                             "check": "skip=JSONArgsRecommended;error=true"}
    assert df.escape == "`"
    assert diags == [(4, ERROR, "only one syntax parser directive can be used")]
    run = df.instructions[1]
    assert summary(run) == ("RUN", 6, 7, (), ("dir c:\\     && echo done",), False)
    assert run.line_offsets == (0, 8)
    assert summary(df.instructions[2]) == ("COPY", 8, 8, (), ("app\\bin", "C:\\app\\"), False)


@pytest.mark.parametrize(("text", "directives"), [
    ("# escape=`\nFROM a\n", {"escape": "`"}),
    ("#escape =   `   \nFROM a\n", {"escape": "`"}),
    ("# ESCAPE=\\\n# SyNtAx=x y\nFROM a\n", {"escape": "\\", "syntax": "x y"}),
    ("\n# escape=`\nFROM a\n", {}),  # a blank line ends the directives
    ("# a comment\n# escape=`\nFROM a\n", {}),  # so does a comment
    ("# unknown=1\n# escape=`\nFROM a\n", {}),  # and an unknown directive
    ("FROM a\n# escape=`\n", {}),  # and an instruction
    ("\ufeff# escape=`\nFROM a\n", {"escape": "`"}),  # the UTF-8 BOM is stripped
    ("#!/usr/bin/env docker\n# syntax=x\nFROM a\n", {}),  # a shebang is an ordinary comment here
])
def test_directive_section(text: str, directives: dict[str, str]) -> None:
    df, diags = parse(text)
    assert df.directives == directives
    assert diags == []
    assert df.escape == directives.get("escape", "\\")


def test_invalid_escape_directive_is_an_error_and_the_default_stays() -> None:
    df, diags = fixture("invalid_escape.Dockerfile")
    assert diags == [(1, ERROR, "invalid escape token 'x' does not match ` or \\")]
    assert df.escape == "\\" and df.directives == {}
    assert summary(df.instructions[1]) == ("RUN", 3, 4, (), ("echo a     b",), False)


# --------------------------------------------------------------------------- logical lines


def test_continuations_comments_and_empty_lines() -> None:
    df, diags = fixture("continuations.Dockerfile")
    assert diags == [(6, WARNING, "empty continuation line (BuildKit warns: empty continuation lines will "
                                  "become errors in a future release)")]
    run = df.instructions[1]
    assert summary(run) == ("RUN", 2, 8, (), (
        'apk add --no-cache         curl         git         jq      && echo "done"',), False)
    assert run.line_offsets == (0, 19, 32, 32, 44, 44, 56)
    assert run.line_of(run.args[0].index("git")) == 5
    assert run.line_of(run.args[0].index("echo")) == 8
    assert commands(run) == [(("apk", "add", "--no-cache", "curl", "git", "jq"), 2, 0, 0, 1),
                             (("echo", "done"), 8, 1, 0, 1)]
    # An escaped escape character does not continue the line; a continuation at EOF ends the instruction.
    assert summary(df.instructions[2]) == ("RUN", 9, 9, (), ("echo one\\\\",), False)
    assert summary(df.instructions[3]) == ("RUN", 10, 10, (), ("echo two",), False)
    assert "\\" in df.instructions[1].text and df.instructions[1].text.count("\n") == 6


def test_flags_on_their_own_continuation_lines_map_the_command_to_its_line() -> None:
    df, _ = fixture("flags.Dockerfile")
    run = df.instructions[1]
    assert run.line_offsets == (0, 0, 0, 0)
    assert commands(run) == [(("go", "build", "-o", "/out/app", "./cmd/app"), 5, 0, 0, 1)]


def test_crlf_and_leading_whitespace() -> None:
    text = "FROM a\r\n   RUN echo a \\\r\n     b\r\n\tcmd [\"x\"]\r\n"
    df, diags = parse(text)
    assert diags == []
    assert [summary(i) for i in df.instructions] == [
        ("FROM", 1, 1, (), ("a",), False),
        ("RUN", 2, 3, (), ("echo a      b",), False),
        ("CMD", 4, 4, (), ("x",), True),
    ]
    assert df.instructions[1].text == "   RUN echo a \\\n     b"


def test_keywords_are_case_insensitive_and_unknown_ones_are_skipped() -> None:
    df, diags = parse("from a\nBOGUS thing\nrUn echo hi\nfrum b\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN"]
    assert diags == [(2, ERROR, "unknown instruction: BOGUS; instruction skipped"),
                     (4, ERROR, "unknown instruction: frum (did you mean FROM?); instruction skipped")]


# --------------------------------------------------------------------------- heredocs


def test_heredocs() -> None:
    text = (TESTDATA / "heredocs.Dockerfile").read_text()
    df, diags = parse(text)
    assert diags == []
    check_invariants(df, text)
    run1, run2, copy, run3, run4, run5, run6, user = df.instructions[1:]
    assert run1.heredocs == (Heredoc("EOF", "set -eux\napt-get update\napt-get install -y --no-install-recommends "
                                            "ca-certificates\n", True, False, 4, 7),)
    assert commands(run1) == [
        (("set", "-eux"), 4, 0, 0, 1), (("apt-get", "update"), 5, 1, 0, 1),
        (("apt-get", "install", "-y", "--no-install-recommends", "ca-certificates"), 6, 2, 0, 1)]
    # <<- strips leading tabs (also before the terminator); a quoted delimiter disables expansion; the body is
    # a script because bash reads it.
    assert run2.heredocs == (Heredoc("SCRIPT", 'echo "$HOME"\n  SCRIPT\n', False, True, 10, 12),)
    assert commands(run2) == [(("bash",), 9, 0, 0, 1), (("echo", "$HOME"), 10, 1, 0, 1),
                              (("SCRIPT",), 11, 2, 0, 1)]
    assert summary(copy) == ("COPY", 13, 18, (), ("<<conf.ini", '<<"notes.txt"', "/etc/app/"), False)
    assert copy.heredocs == (Heredoc("conf.ini", "[main]\nkey = $VALUE\n", True, False, 14, 16),
                             Heredoc("notes.txt", "no $expansion here\n", False, False, 17, 18))
    # python3 reads this one: its body is not shell.
    assert commands(run3) == [(("python3",), 19, 0, 0, 1)]
    assert run3.heredocs[0].content == "import os\nprint(os.getcwd())\n"
    # cat's heredoc is data, sh's is a script.
    assert commands(run4) == [(("cat",), 23, 0, 0, 1), (("sh", "-e"), 23, 1, 0, 1),
                              (("echo", "from-b"), 26, 2, 0, 2), (("tee", "/tmp/b"), 26, 2, 1, 2)]
    # A shebang that is not a shell: not split.
    assert run5.heredocs[0].content.startswith("#!/usr/bin/env python3\n") and run5.commands == ()
    # Exec form and non-RUN/COPY/ADD instructions have no heredocs.
    assert summary(run6) == ("RUN", 32, 32, (), ("<<EOF",), True) and run6.heredocs == ()
    assert summary(user) == ("USER", 33, 33, (), ("<<NOT_A_HEREDOC",), False) and user.heredocs == ()


def test_heredoc_terminator_must_match_exactly_and_body_keeps_comments() -> None:
    df, diags = parse("FROM a\nRUN <<EOF\n# not a comment\n EOF\nEOF \nEOF\n# comment\nRUN true\n")
    assert diags == []
    assert df.instructions[1].heredocs == (Heredoc("EOF", "# not a comment\n EOF\nEOF \n", True, False, 3, 6),)
    assert [c.argv for c in df.instructions[1].commands] == [("EOF",), ("EOF",)]
    assert summary(df.instructions[2]) == ("RUN", 8, 8, (), ("true",), False)


def test_heredoc_with_fd_and_in_onbuild() -> None:
    df, diags = parse("FROM a\nRUN 3<<EOF cat /dev/fd/3\nx\nEOF\nONBUILD RUN <<EOF\necho hi\nEOF\n")
    assert diags == []
    assert df.instructions[1].heredocs == (Heredoc("EOF", "x\n", True, False, 3, 4),)
    onbuild = df.instructions[2]
    assert (onbuild.start_line, onbuild.end_line, onbuild.heredocs) == (5, 7, ())
    assert onbuild.trigger is not None
    assert onbuild.trigger.heredocs == (Heredoc("EOF", "echo hi\n", True, False, 6, 7),)
    assert commands(onbuild.trigger) == [(("echo", "hi"), 6, 0, 0, 1)]


def test_unterminated_heredoc_is_an_error_at_its_start_line() -> None:
    df, diags = fixture("unterminated.Dockerfile")
    assert diags == [(3, ERROR, "unterminated heredoc: no line 'EOF' closes the here-document")]
    run = df.instructions[2]
    assert (run.start_line, run.end_line) == (3, 5)
    assert run.heredocs == (Heredoc("EOF", "never closed\n  EOF\n", True, False, 4, 5),)
    _, diags = parse("FROM a\nRUN <<EOF")
    assert diags == [(2, ERROR, "unterminated heredoc: no line 'EOF' closes the here-document")]


# --------------------------------------------------------------------------- flags and arguments


def test_flags() -> None:
    df, diags = fixture("flags.Dockerfile")
    assert diags == [(9, ERROR, "COPY: expecting boolean value for flag --link, not: yes"),
                     (9, ERROR, "COPY: missing a value on flag: --from"),
                     (11, ERROR, "ENV: unknown flag: --oops (accepted: none)")]
    got = [summary(i) for i in df.instructions]
    assert got == [
        ("FROM", 1, 1, (("platform", "$BUILDPLATFORM"),), ("golang:1.22", "AS", "build"), False),
        ("RUN", 2, 5, (("mount", "type=cache,target=/go/pkg/mod"),
                       ("mount", "type=secret,id=netrc,target=/root/.netrc"), ("network", "none"),
                       ("security", "insecure")), ("go build -o /out/app ./cmd/app",), False),
        ("COPY", 6, 6, (("from", "build"), ("chown", "1000:1000"), ("chmod", "0755"), ("link", None)),
         ("/out/app", "/usr/local/bin/app"), False),
        ("COPY", 7, 7, (("parents", None), ("exclude", "*.md"), ("exclude", "*.txt")), ("./docs/", "/srv/"), False),
        ("ADD", 8, 8, (("keep-git-dir", "true"), ("checksum", "sha256:0123"), ("unpack", "false")),
         ("https://example.com/x.git", "/src"), False),
        ("COPY", 9, 9, (("link", "yes"), ("from", None)), ("a", "/b"), False),  # no space-separated values
        ("RUN", 10, 10, (("mount", "type=bind,source=a b,target=/c"),), ("ls",), False),
        ("ENV", 11, 11, (("oops", "1"),), ("A=b",), False),
        ("RUN", 12, 12, (), ("--not-a-flag",), False),  # "--" ends the flags
    ]
    assert df.instructions[6].flags[0].text == '--mount="type=bind,source=a b,target=/c"'
    assert df.instructions[2].flag("link") is not None and df.instructions[2].flag("nope") is None


def test_instructions_and_stages() -> None:
    text = (TESTDATA / "instructions.Dockerfile").read_text()
    df, diags = parse(text)
    assert diags == []
    check_invariants(df, text)
    by_line = {i.start_line: i for i in df.instructions}
    assert [(i.pairs, i.arg_defaults) for i in df.global_args] == [
        ((("REGISTRY", "docker.io"),), (True,)),
        ((("IMAGE", "library/node"), ("VERSION", "")), (True, False)),
        ((("TAG", "${VERSION:-20}-alpine"),), (True,)),
    ]
    assert [(s.base, s.base_expanded, s.name, s.from_line) for s in df.stages] == [
        ("${REGISTRY}/${IMAGE}:${TAG}", "docker.io/library/node:20-alpine", "base", 4),
        ("base", "base", "test", 24),
        ("${NOT_DECLARED:-scratch}", "scratch", "", 28),
    ]
    assert by_line[5].pairs == (("maintainer", "Jane Doe <jane@example.com>"), ("version", "1.0"),
                                ("description", 'a "quoted" label'))
    assert by_line[5].args == ('maintainer="Jane Doe <jane@example.com>"', "version=1.0",
                               "description='a \"quoted\" label'")
    assert (by_line[6].args, by_line[6].pairs) == (("legacy", "value with spaces"), (("legacy", "value with spaces"),))
    assert by_line[7].pairs == (("NODE_ENV", "production"), ("PATH", "/app/node_modules/.bin:$PATH"), ("EMPTY", ""))
    assert by_line[8].pairs == (("LEGACY_FORM", "some value"),)
    assert [summary(by_line[n]) for n in (9, 10, 11, 12, 13, 14, 15, 16)] == [
        ("MAINTAINER", 9, 9, (), ("Jane Doe",), False),
        ("WORKDIR", 10, 10, (), ("/app",), False),
        ("USER", 11, 11, (), ("node:node",), False),
        ("EXPOSE", 12, 12, (), ("3000", "9229/udp"), False),
        ("VOLUME", 13, 13, (), ("/data", "/cache"), False),
        ("VOLUME", 14, 14, (), ("/logs",), True),
        ("STOPSIGNAL", 15, 15, (), ("SIGINT",), False),
        ("SHELL", 16, 16, (), ("/bin/bash", "-o", "pipefail", "-c"), True),
    ]
    assert commands(by_line[17]) == [(("set", "-o", "pipefail"), 17, 0, 0, 1),
                                     (("curl", "-fsSL", "https://example.com"), 17, 1, 0, 2),
                                     (("bash",), 17, 1, 1, 2)]
    assert summary(by_line[18]) == ("HEALTHCHECK", 18, 18, (("interval", "10s"), ("timeout", "2s"),
                                                            ("start-period", "5s"), ("retries", "3")),
                                    ("CMD", "node", "healthcheck.js"), True)
    onbuild_copy, onbuild_run = by_line[19], by_line[20]
    assert onbuild_copy.args == ("COPY . /app/src",) and onbuild_copy.trigger is not None
    assert summary(onbuild_copy.trigger) == ("COPY", 19, 19, (), (".", "/app/src"), False)
    assert onbuild_run.trigger is not None
    assert summary(onbuild_run.trigger) == ("RUN", 20, 20, (("mount", "type=cache,target=/root/.npm"),),
                                            ("npm ci",), False)
    assert commands(onbuild_run.trigger) == [(("npm", "ci"), 20, 0, 0, 1)]
    assert summary(by_line[21]) == ("ENTRYPOINT", 21, 21, (), ("docker-entrypoint.sh",), True)
    assert summary(by_line[22]) == ("CMD", 22, 22, (), ("node server.js",), False)
    assert by_line[22].commands == ()  # only RUN is split
    assert summary(by_line[25]) == ("HEALTHCHECK", 25, 25, (), ("NONE",), False)
    assert [i.stage for i in df.instructions] == [-1] * 3 + [0] * 19 + [1] * 3 + [2] * 3
    # A stage whose SHELL is not a POSIX shell: its RUNs are not split.
    assert by_line[30].args == ("Get-ChildItem -Path C:\\ | Select-Object Name",) and by_line[30].commands == ()


def test_exec_form_shell_script_is_split() -> None:
    df, diags = parse('FROM a\nRUN ["/bin/sh", "-ec", "apt-get update && apt-get install -y x\\nrm -rf /y"]\n'
                      'RUN ["apt-get", "update"]\n')
    assert diags == []
    assert commands(df.instructions[1]) == [(("apt-get", "update"), 2, 0, 0, 1),
                                            (("apt-get", "install", "-y", "x"), 2, 1, 0, 1),
                                            (("rm", "-rf", "/y"), 3, 2, 0, 1)]
    assert df.instructions[2].commands == ()


def test_shell_of_the_stage_decides_whether_shell_form_is_split() -> None:
    df, _ = parse('FROM mcr.microsoft.com/windows AS win\nSHELL ["powershell", "-Command"]\nRUN Get-Item a | b\n'
                  'RUN ["cmd", "/S", "/C", "dir"]\nRUN ["sh", "-c", "echo hi"]\nFROM win\nRUN x && y\n'
                  'FROM alpine\nRUN x && y\n')
    assert [(i.start_line, [c.argv for c in i.commands]) for i in df.instructions if i.keyword == "RUN"] == [
        (3, []), (4, []), (5, [("echo", "hi")]), (7, []), (9, [("x",), ("y",)])]


def test_lone_escape_lines_and_unknown_onbuild_trigger() -> None:
    # A line holding only the escape character continues into the next non-blank, non-comment line.
    df, diags = parse("FROM a\n\\\n\n# c\nONBUILD BOGUS x\n\\\nRUN \\\n  true\n\\")
    assert diags == [
        (2, ERROR, "unknown instruction in ONBUILD: BOGUS; instruction skipped"),
        (3, WARNING, "empty continuation line (BuildKit warns: empty continuation lines will become errors in a "
                     "future release)"),
        (9, ERROR, "unknown instruction: (empty: a line continuation with nothing after it)"),
    ]
    assert [summary(i) for i in df.instructions] == [
        ("FROM", 1, 1, (), ("a",), False),
        ("ONBUILD", 2, 5, (), ("BOGUS x",), False),
        ("RUN", 6, 8, (), ("true",), False),
    ]
    assert df.instructions[1].trigger is None
    assert df.instructions[2].line_offsets == (0, 0, 0) and df.instructions[2].commands[0].line == 8


@pytest.mark.parametrize(("args", "expected"), [
    ('["a", "b c"]', (("a", "b c"), True)),
    ('  [ "x" ]  ', (("x",), True)),
    ("[]", ((), True)),
    ('["esc\\"aped", "\\u00e9"]', (('esc"aped', "é"), True)),
    ('["a",]', (('["a",]',), False)),  # invalid JSON falls back to shell form
    ("['single']", (("['single']",), False)),
    ('{"a": 1}', (('{"a": 1}',), False)),
    ('["a", NaN]', (('["a", NaN]',), False)),
])
def test_exec_form_needs_a_json_array_of_strings(args: str, expected: tuple[tuple[str, ...], bool]) -> None:
    df, diags = parse(f"FROM a\nCMD {args}\n")
    assert (df.instructions[1].args, df.instructions[1].json_form) == expected
    assert diags == []


def test_errors_are_diagnostics_and_the_rest_is_kept() -> None:
    df, diags = fixture("errors.Dockerfile")
    assert diags == [
        (1, ERROR, "RUN before the first FROM: no build stage in current context"),
        (2, ERROR, "invalid name for build stage: '1st', name can't start with a number or contain symbols"),
        (3, ERROR, "FROM requires either one or three arguments"),
        (4, ERROR, "unknown instruction: BOGUS; instruction skipped"),
        (5, ERROR, "COPY requires at least two arguments, but only one was provided. Destination could not be "
                   "determined"),
        (6, ERROR, "COPY cannot accept a heredoc as a destination"),
        (8, ERROR, "CMD: when using JSON array syntax, arrays must be comprised of strings only"),
        (10, ERROR, "SHELL requires the arguments to be in JSON form"),
        (11, ERROR, "Unknown type 'FOO' in HEALTHCHECK (try CMD)"),
        (12, ERROR, "HEALTHCHECK NONE takes no arguments"),
        (13, ERROR, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        (14, ERROR, "MAINTAINER isn't allowed as an ONBUILD trigger"),
        (15, ERROR, "ENV must have two arguments"),
        (16, ERROR, "LABEL names can not be blank"),
        (17, ERROR, "ARG names can not be blank"),
        (18, ERROR, "WORKDIR requires exactly one argument"),
        (19, INFO, "RUN: shell command not fully understood: unterminated single quote (line 19)"),
        (20, ERROR, "EXPOSE requires at least one argument"),
    ]
    assert [i.start_line for i in df.instructions] == [1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                                       19, 20]
    assert df.instructions[0].stage == -1 and df.global_args == ()
    assert summary(df.instructions[5]) == ("CMD", 8, 8, (), ("1", "two"), True)
    assert commands(df.instructions[16]) == [(("echo", "unterminated"), 19, 0, 0, 1)]


def test_no_instructions_and_no_stage() -> None:
    assert parse("")[1] == [(None, ERROR, "file with no instructions")]
    assert parse("# just a comment\n\n")[1] == [(None, ERROR, "file with no instructions")]
    df, diags = parse("ARG A=1\n")
    assert diags == [(None, ERROR, "dockerfile contains no stages to build (no FROM instruction)")]
    assert len(df.global_args) == 1 and df.stages == () and df.final_stage is None


def test_base_expansion_errors_and_blank_bases() -> None:
    df, diags = parse("ARG V\nFROM img:${V:?set-V}\nFROM ${EMPTY}\n")
    assert [s.base_expanded for s in df.stages] == ["img:${V:?set-V}", ""]
    assert diags == [(2, ERROR, "FROM: cannot expand 'img:${V:?set-V}': V: set-V"),
                     (3, WARNING, "base name (${EMPTY}) should not be blank")]


def test_global_arg_defaults_see_earlier_global_args_only() -> None:
    # dockerfile2llb expands each meta ARG's default with the ones before it (also earlier in the same line);
    # ARGs inside a stage do not change what FROM sees.
    df, _ = parse("ARG A=x\nARG B=${A}y C=$B D=$E E=e\nFROM img:${C}${D}\nARG A=stage\nFROM img:$A\n")
    assert [s.base_expanded for s in df.stages] == ["img:xy", "img:x"]


# --------------------------------------------------------------------------- pragmas


def test_pragmas() -> None:
    df, diags = fixture("pragmas.Dockerfile")
    assert [(p.line, p.rules, p.tool, p.file_wide, p.applies_to) for p in df.pragmas] == [
        (1, ("DL3059",), "hadolint", True, 0),
        (2, ("STK-DF-0003",), "stockade", True, 0),
        (4, ("DL3008", "DL3015"), "hadolint", False, 5),
        (6, ("STK-DF-0001", "STK-DF-0002"), "stockade", False, 8),
        (9, ("DL3002",), "hadolint", False, 10),
        (16, ("STK-DF-0004", "STK-DF-0005"), "stockade", False, 17),
        (20, ("STK-DF-0006",), "stockade", False, 21),
    ]
    # Comment lines may separate a stockade pragma from its instruction; hadolint only honours the line right
    # above (it keys ignores by comment line + 1), and a blank line disconnects any pragma.
    assert diags == [
        (11, WARNING, "ignore pragma is not directly followed by an instruction; it has no effect"),
        (18, WARNING, "hadolint ignore pragma is not on the line right above an instruction; hadolint ignores it"),
        (19, WARNING, "hadolint ignore pragma is not on the line right above an instruction; hadolint ignores it"),
    ]


# --------------------------------------------------------------------------- expansion


@pytest.mark.parametrize(("word", "env", "expected"), [
    ("$A/${A}/$A_B/${A_B}", {"A": "a", "A_B": "ab"}, "a/a/ab/ab"),
    ("${U:-d} ${E:-d} ${S:-d}", {"E": "", "S": "s"}, "d d s"),
    ("${U-d} ${E-d} ${S-d}", {"E": "", "S": "s"}, "d  s"),
    ("[${U:+a}] [${E:+a}] [${S:+a}]", {"E": "", "S": "s"}, "[] [] [a]"),
    ("[${U+a}] [${E+a}] [${S+a}]", {"E": "", "S": "s"}, "[] [a] [a]"),
    ("${V:-${W:-deep}}", {}, "deep"),
    ("'$A' \"$A\" \\$A \\${A} $", {"A": "x"}, "$A x $A ${A} $"),
    ("a\\ b \"c\\\"d\" 'e\\f'", {}, 'a b c"d e\\f'),
    ("${P#*/} ${P##*/} ${P%/*} ${P%%/*}", {"P": "usr/local/bin"}, "local/bin bin usr/local usr"),
    ("${P/o/0} ${P//o/0}", {"P": "foo/boo"}, "f0o/boo f00/b00"),
    ("$1 $@ ${#}", {}, "  "),
])
def test_expand(word: str, env: dict[str, str], expected: str) -> None:
    assert expand(word, env) == expected


def test_expand_with_backtick_escape() -> None:
    assert expand("`$A `\"x`\"", {"A": "1"}, escape="`") == '$A "x"'
    assert expand("C:\\path\\$A", {"A": "1"}, escape="`") == "C:\\path\\1"


@pytest.mark.parametrize("word", ["${}", "${:x}", "${A", "${A:x}", "${A=x}", "${U?}", "${E:?}", "'open",
                                  '"open', "${A:#x}", "${A#\\x}", "${A/x}"])
def test_expand_errors(word: str) -> None:
    with pytest.raises(ExpansionError):
        expand(word, {"E": "", "A": "a"})


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(("name", "expected"), [
    ("Dockerfile", True), ("dockerfile", True), ("Containerfile", True), ("DOCKERFILE", True),
    ("Dockerfile.dev", True), ("dockerfile.prod.local", True), ("Containerfile.fedora", True),
    ("app.Dockerfile", True), ("api.dockerfile", True), ("x.Containerfile", True),
    ("src/build/Dockerfile", True), ("C:\\repo\\Dockerfile.win", True),
    ("Dockerfile.dockerignore", False), ("app.Dockerfile.dockerignore", False), ("Dockerfile.", False),
    ("Dockerfiles", False), ("mydockerfile", False), (".dockerignore", False), ("Dockerfile/readme", False),
])
def test_is_dockerfile_name(name: str, expected: bool) -> None:
    assert is_dockerfile_name(name) is expected


def test_model_field_order_is_what_the_parser_was_written_against() -> None:
    assert [f.name for f in dataclasses.fields(Instruction)] == [
        "keyword", "start_line", "end_line", "text", "flags", "args", "json_form", "pairs", "heredocs",
        "commands", "line_offsets", "stage", "trigger", "arg_defaults"]


# --------------------------------------------------------------------------- hostile input


def test_nul_bytes_and_control_characters() -> None:
    df, diags = parse("FROM a\x00b\nRUN echo \x00 \x1b[31m\n\x00\x00\nLABEL \x00=\x01\n")
    assert [summary(i) for i in df.instructions] == [
        ("FROM", 1, 1, (), ("a\x00b",), False),
        ("RUN", 2, 2, (), ("echo \x00 \x1b[31m",), False),
        ("LABEL", 4, 4, (), ("\x00=\x01",), False),
    ]
    assert diags == [(3, ERROR, "unknown instruction: \x00\x00; instruction skipped")]


def test_binary_noise_is_bounded_in_diagnostics() -> None:
    rng = random.Random(5)
    text = "".join(chr(rng.randrange(0, 256)) for _ in range(100_000))
    _df, diags = parse(text)
    assert len(diags) == 101
    assert diags[-1] == (None, WARNING, f"{diags[-1][2].split()[0]} further problems in this file not reported")


def test_ten_thousand_continuation_lines() -> None:
    body = "".join(f"    word{i} \\\n" for i in range(10_000))
    text = f"FROM a\nRUN echo start \\\n{body}    && echo end\n"
    df, diags = parse(text)
    assert diags == []
    run = df.instructions[1]
    assert (run.start_line, run.end_line) == (2, 10_003)
    assert len(run.line_offsets) == 10_002
    assert [(c.argv[0], len(c.argv), c.line) for c in run.commands] == [("echo", 10_002, 2), ("echo", 2, 10_003)]
    assert run.line_of(run.args[0].index("word5000 ")) == 5_003


def test_a_run_with_ten_thousand_commands_is_capped_with_a_diagnostic() -> None:
    text = "FROM a\nRUN true \\\n" + "  && echo x \\\n" * 10_001 + "  && true\n"
    df, diags = parse(text)
    assert len(df.instructions[1].commands) == 10_001
    assert diags == [(2, INFO, "RUN: shell command not fully understood: more than 10000 commands; the rest "
                                  "is not split (line 10002)")]


def test_deeply_nested_command_substitution() -> None:
    text = "FROM a\nRUN echo " + "$(echo " * 5_000 + "x" + ")" * 5_000 + " && done-here\n"
    df, diags = parse(text)
    run = df.instructions[1]
    assert run.args[0].endswith("&& done-here")
    assert run.commands[0].argv[0] == "echo" and run.commands[-1].argv == ("done-here",)
    assert 30 <= len(run.commands) <= 40
    assert diags == [(2, INFO, "RUN: shell command not fully understood: nesting deeper than 32; inner "
                                  "commands not split (line 2)")]


def test_deeply_nested_json_and_variables() -> None:
    df, diags = parse("ARG A=1\nFROM x${A" + ":-${A" * 100 + "}" * 101 + "\nCMD " + "[" * 50_000 +
                      "]" * 50_000 + "\n")
    assert df.stages[0].base_expanded == "x1"
    assert df.instructions[2].json_form is False and diags == []
    base = "x${A" + ":-${A" * 3_000 + "}" * 3_001
    df, diags = parse(f"ARG A=1\nFROM {base}\n")
    assert df.stages[0].base_expanded == base
    assert diags == [(2, ERROR, f"FROM: cannot expand {base[:80]!r}: variable references nested too deeply")]


def test_a_single_five_megabyte_line() -> None:
    word = "x" * 5_000_000
    df, diags = parse(f'FROM a\nRUN echo {word} "{word}" && true\nLABEL big="{word}"\n')
    assert diags == []
    run = df.instructions[1]
    assert [(c.argv[0], [len(a) for a in c.argv[1:]]) for c in run.commands] == [
        ("echo", [5_000_000, 5_000_000]), ("true", [])]
    assert df.instructions[2].pairs == (("big", word),)


def test_fifty_megabytes() -> None:
    line = "x" * 99 + "\n"
    text = ("FROM a\nCOPY <<EOF /big\n" + line * 250_000 + "EOF\n" + ("# " + "c" * 97 + "\n") * 250_000
            + "RUN true\n")
    assert len(text) > 50_000_000
    df, diags = parse(text)
    assert diags == []
    copy, run = df.instructions[1:]
    assert (copy.end_line, len(copy.heredocs[0].content)) == (250_003, 25_000_000)
    assert (run.start_line, commands(run)) == (500_004, [(("true",), 500_004, 0, 0, 1)])


FRAGMENTS = [
    "FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ", "LABEL ", "ONBUILD ", "HEALTHCHECK ", "CMD ", "SHELL ",
    "\n", "\\\n", "`\n", "# escape=`\n", "# syntax=x\n", "<<EOF", "<<-'E'", "\nEOF\n", "\n\tE\n", "--mount=a",
    "--from=", '["a", "b"]', "[1]", "'", '"', "$", "${", "}", ":-", "$(", ")", "`", "&&", "|", ";", " ", "\t",
    "#", "x", "=", "\x00", "\r\n", "\ufeff", "é", "AS ", "NONE", "# hadolint ignore=DL1\n", "# stockade:ignore=A\n",
]


def test_fuzz_never_raises() -> None:
    rng = random.Random(20240611)
    for _ in range(1_500):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(0, 60)))
        df, _ = parse_dockerfile("Dockerfile", text)
        check_invariants(df, text)


def test_base_expanded_removes_quotes_and_keeps_platform_args() -> None:
    # BuildKit's word processing removes quotes; the automatic platform ARGs (TARGETARCH...) need no declaration
    # and are known only at build time, so they stay as written (a global ARG default wins)
    df, diags = parse('ARG TAG=20250113\nARG BUILDOS=linux\nFROM "alpine"\nFROM alpine:"latest"\n'
                      'FROM debian:bookworm-"${TAG}"\nFROM base-$TARGETARCH AS final\n'
                      "FROM img-$TARGETOS${DEBUG:+-debug}-${BUILDOS}\n")
    assert [(s.base, s.base_expanded) for s in df.stages] == [
        ('"alpine"', "alpine"), ('alpine:"latest"', "alpine:latest"),
        ('debian:bookworm-"${TAG}"', "debian:bookworm-20250113"), ("base-$TARGETARCH", "base-$TARGETARCH"),
        ("img-$TARGETOS${DEBUG:+-debug}-${BUILDOS}", "img-$TARGETOS-linux")]
    assert diags == []


def test_windows_base_runs_shell_form_with_cmd() -> None:
    # no SHELL: a Windows image's default shell is cmd /S /C, so shell-form RUN is not split as POSIX shell
    df, diags = parse("FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS win\nRUN echo a ^& b (\n"
                      "FROM win\nRUN if exist C:\\x ( del C:\\x )\n"
                      "FROM mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022\nRUN dir | findstr (\n"
                      "FROM alpine\nRUN x && y\n")
    assert [(i.start_line, [c.argv for c in i.commands]) for i in df.instructions if i.keyword == "RUN"] == [
        (2, []), (4, []), (6, []), (8, [("x",), ("y",)])]
    assert diags == []
