"""The POSIX shell splitter: words, operators, pipelines, control structures, substitutions, limits."""

from __future__ import annotations

import random

import pytest

from stockade.model import ShellCommand
from stockade.source import shell
from stockade.source.shell import MAX_COMMANDS, MAX_DEPTH, split_shell, stdin_heredocs


def split(text: str, **kwargs: object) -> list[tuple[object, ...]]:
    """argv, line, pipeline, stage, length, subshell, assignments; fails on a reported problem."""
    commands, problem = split_shell(text, **kwargs)  # type: ignore[arg-type]
    assert problem is None, problem
    return [row(c) for c in commands]


def row(c: ShellCommand) -> tuple[object, ...]:
    return (c.argv, c.line, c.pipeline, c.stage_in_pipeline, c.pipeline_length, c.subshell, c.assignments)


A: tuple[tuple[str, str], ...] = ()


def test_and_or_lists_and_pipelines() -> None:
    assert split("apt-get update && apt-get install -y curl || exit 1; echo done & wait") == [
        (("apt-get", "update"), 1, 0, 0, 1, False, A),
        (("apt-get", "install", "-y", "curl"), 1, 1, 0, 1, False, A),
        (("exit", "1"), 1, 2, 0, 1, False, A),
        (("echo", "done"), 1, 3, 0, 1, False, A),
        (("wait",), 1, 4, 0, 1, False, A),
    ]
    assert split("curl -fsSL https://x | tee /tmp/x |& sh -s -- --yes") == [
        (("curl", "-fsSL", "https://x"), 1, 0, 0, 3, False, A),
        (("tee", "/tmp/x"), 1, 0, 1, 3, False, A),
        (("sh", "-s", "--", "--yes"), 1, 0, 2, 3, False, A),
    ]


def test_quote_removal_keeps_expansions_literally() -> None:
    assert split("""echo 'single $X' "double $X ${Y:-z} $(id -u) `date`" \\$HOME a\\ b "q\\"x\\\\" 'it''s'""") == [
        (("echo", "single $X", "double $X ${Y:-z} $(id -u) `date`", "$HOME", "a b", 'q"x\\', "its"), 1, 0, 0, 1,
         False, A),
        (("id", "-u"), 1, 1, 0, 1, True, A),
        (("date",), 1, 2, 0, 1, True, A),
    ]
    assert split("printf %s\\\\n \"a\\b\" $'tab\\there' $\"x\"") == [
        (("printf", "%s\\n", "a\\b", "tab\there", "x"), 1, 0, 0, 1, False, A)]


def test_assignments_and_redirections() -> None:
    assert split('DEBIAN_FRONTEND=noninteractive TZ="Etc/UTC" apt-get install -y tzdata >/dev/null 2>&1 '
                 "</dev/null 3>>log &>all 2> err <<<here cmd=notassign") == [
        (("apt-get", "install", "-y", "tzdata", "cmd=notassign"), 1, 0, 0, 1, False,
         (("DEBIAN_FRONTEND", "noninteractive"), ("TZ", "Etc/UTC"))),
    ]
    assert split("A=1; B+=2 C=(x y) D= make") == [
        ((), 1, 0, 0, 1, False, (("A", "1"),)),
        (("make",), 1, 1, 0, 1, False, (("B", "2"), ("C", "(x y)"), ("D", ""))),
    ]
    assert split("> /tmp/empty") == []


def test_control_structures_emit_their_commands_not_keywords() -> None:
    assert split("if [ -f /a ]; then echo a; elif test -d /b; then echo b; else echo c; fi") == [
        (("[", "-f", "/a", "]"), 1, 0, 0, 1, False, A),
        (("echo", "a"), 1, 1, 0, 1, False, A),
        (("test", "-d", "/b"), 1, 2, 0, 1, False, A),
        (("echo", "b"), 1, 3, 0, 1, False, A),
        (("echo", "c"), 1, 4, 0, 1, False, A),
    ]
    assert split('for f in a "b c" $(ls /x); do echo "$f"; done') == [
        (("ls", "/x"), 1, 0, 0, 1, True, A),
        (("echo", "$f"), 1, 1, 0, 1, False, A),
    ]
    assert split("while read -r l; do echo $l; done < /in | sort -u; until false; do break; done") == [
        (("read", "-r", "l"), 1, 0, 0, 1, False, A),
        (("echo", "$l"), 1, 1, 0, 1, False, A),
        (("sort", "-u"), 1, 2, 1, 2, False, A),
        (("false",), 1, 3, 0, 1, False, A),
        (("break",), 1, 4, 0, 1, False, A),
    ]
    assert split('case "$(uname -m)" in\n  x86_64|amd64) ARCH=x64 ;;\n  (arm*) ARCH=arm; echo "$ARCH" ;;\n'
                 "  *) exit 1\nesac") == [
        (("uname", "-m"), 1, 0, 0, 1, True, A),
        ((), 2, 1, 0, 1, False, (("ARCH", "x64"),)),
        ((), 3, 2, 0, 1, False, (("ARCH", "arm"),)),
        (("echo", "$ARCH"), 3, 3, 0, 1, False, A),
        (("exit", "1"), 4, 4, 0, 1, False, A),
    ]
    assert split("for ((i=0; i<3; i++)); do echo $i; done; (( n += 1 )); [[ -n $A && $B == c ]] && ! false") == [
        (("echo", "$i"), 1, 0, 0, 1, False, A),
        (("[[", "-n", "$A", "&&", "$B", "==", "c", "]]"), 1, 1, 0, 1, False, A),
        (("false",), 1, 2, 0, 1, False, A),
    ]


def test_groups_subshells_substitutions_and_functions() -> None:
    assert split("(cd /src && make) && { echo a; echo b; } > /log") == [
        (("cd", "/src"), 1, 0, 0, 1, True, A),
        (("make",), 1, 1, 0, 1, True, A),
        (("echo", "a"), 1, 2, 0, 1, False, A),
        (("echo", "b"), 1, 3, 0, 1, False, A),
    ]
    assert split("v=$(curl -s $(cat /url)) `which true` && diff <(sort a) >(cat)") == [
        (("`which true`",), 1, 0, 0, 1, False, (("v", "$(curl -s $(cat /url))"),)),  # runs which's output
        (("curl", "-s", "$(cat /url)"), 1, 1, 0, 1, True, A),
        (("cat", "/url"), 1, 2, 0, 1, True, A),
        (("which", "true"), 1, 3, 0, 1, True, A),
        (("diff", "<(sort a)", ">(cat)"), 1, 4, 0, 1, False, A),
        (("sort", "a"), 1, 5, 0, 1, True, A),
        (("cat",), 1, 6, 0, 1, True, A),
    ]
    assert split("x=$((2 * (3 + 4))) && echo ${x:-$(whoami)} \"${y//a/b}\"") == [
        ((), 1, 0, 0, 1, False, (("x", "$((2 * (3 + 4)))"),)),
        (("echo", "${x:-$(whoami)}", "${y//a/b}"), 1, 1, 0, 1, False, A),
        (("whoami",), 1, 2, 0, 1, True, A),
    ]
    assert split("setup() { mkdir -p /a; }\nfunction clean { rm -rf /a; }\nsetup") == [
        (("mkdir", "-p", "/a"), 1, 0, 0, 1, False, A),
        (("rm", "-rf", "/a"), 2, 1, 0, 1, False, A),
        (("setup",), 3, 2, 0, 1, False, A),
    ]


def test_comments_newlines_and_continuations() -> None:
    assert split("echo a # && rm -rf /\n  # whole line\necho b\\\n c\necho '#' x#y") == [
        (("echo", "a"), 1, 0, 0, 1, False, A),
        (("echo", "b", "c"), 3, 1, 0, 1, False, A),
        (("echo", "#", "x#y"), 5, 2, 0, 1, False, A),
    ]


def test_heredoc_bodies_inside_the_script_are_skipped() -> None:
    text = "cat <<EOF > /etc/x\nnot; a && command\nEOF\ncat <<-'END' | sh\n\tskipped too\n\tEND\necho after"
    assert split(text, line=7) == [
        (("cat",), 7, 0, 0, 1, False, A),
        (("cat",), 10, 1, 0, 2, False, A),
        (("sh",), 10, 1, 1, 2, False, A),
        (("echo", "after"), 13, 2, 0, 1, False, A),
    ]
    commands, problem = split_shell("cat <<EOF\nnever closed")
    assert [c.argv for c in commands] == [("cat",)]
    assert problem == "here-document delimited by 'EOF' is not terminated (line 2)"


def test_lines_from_line_offsets() -> None:
    text = "apt-get update     && apt-get install -y a     && rm -rf /x"
    offsets = (0, 15, 15, 43)
    assert [(c.argv[0], c.line) for c in split_shell(text, line=20, line_offsets=offsets)[0]] == [
        ("apt-get", 20), ("apt-get", 22), ("rm", 23)]


def test_stdin_heredocs() -> None:
    assert stdin_heredocs("cat <<A | bash -e <<'B' && python3 0<<C 3<<D; sh <<-\"E\"") == {
        "A": ("cat",), "B": ("bash", "-e"), "C": ("python3",), "E": ("sh",)}
    assert stdin_heredocs("<<EOF") == {}
    assert stdin_heredocs("<<EOF bash") == {"EOF": ("bash",)}


@pytest.mark.parametrize(("text", "problem", "argvs"), [
    ("echo 'open", "unterminated single quote (line 1)", [("echo", "open")]),
    ('echo "open $(id)', "unterminated double quote (line 1)", [("echo", "open $(id)"), ("id",)]),
    ("echo $(id", "unterminated $( (line 1)", [("echo", "$(id"), ("id",)]),
    ("echo `id", "unterminated backquote (line 1)", [("echo", "`id"), ("id",)]),
    ("echo ${x", "unterminated ${ (line 1)", [("echo", "${x")]),
    ("a &&", "no command after '&&' (line 1)", [("a",)]),
    ("a |", "no command after '|' (line 1)", [("a",)]),
    ("| b", "no command before '|' (line 1)", [("b",)]),
    ("fi", "unexpected 'fi' (line 1)", []),
    (") x", "unexpected ')' (line 1)", [("x",)]),
    ("if true; then echo", "'if' without a matching 'fi' (line 1)", [("true",), ("echo",)]),
    ("(echo", "'(' without a matching ')' (line 1)", [("echo",)]),
    ("case x in a) echo", "'case' without a matching 'esac' (line 1)", [("echo",)]),
    ("echo >", "missing target after '>' (line 1)", [("echo",)]),
])
def test_malformed_input_is_split_as_far_as_possible(text: str, problem: str, argvs: list[tuple[str, ...]]) -> None:
    commands, got = split_shell(text)
    assert got == problem
    assert [c.argv for c in commands] == argvs


def test_limits() -> None:
    commands, problem = split_shell("true;" * (MAX_COMMANDS + 50))
    assert len(commands) == MAX_COMMANDS + 1
    assert problem == f"more than {MAX_COMMANDS} commands; the rest is not split (line 1)"
    nested = "echo " + "$(echo " * 200 + "x" + ")" * 200
    commands, problem = split_shell(nested)
    assert len(commands) == MAX_DEPTH + 1
    assert problem == f"nesting deeper than {MAX_DEPTH}; inner commands not split (line 1)"
    commands, problem = split_shell("(" * 3_000 + "x" + ")" * 3_000)  # arithmetic (( ... )): kept literally
    assert (commands, problem) == ([], None)
    commands, problem = split_shell("{ " * 3_000 + "x" + "; }" * 3_000)
    assert problem == f"nesting deeper than {MAX_DEPTH}; the rest is not split (line 1)"
    commands, problem = split_shell("a " * (shell.MAX_WORDS + 10))
    assert problem is not None and problem.startswith(f"more than {shell.MAX_WORDS} words")


def test_fast_path_agrees_with_the_parser() -> None:
    pieces = ["a", "apt-get", "-y", "x=1", "A=b", "'q w'", '"d $V e"', '"${X}/y"', "$HOME", "${P}", "2>&1", ">",
              "/dev/null", ">>", "&&", "||", "|", ";", "&", "|&", "f#g", "''", "a'b'c", "<", "&>", "x+=2", "b=\"\""]
    rare = ["#c", "if", "{", "}", "!", "[[", "]]", "<<", "$(x)", "(", "\\"]
    rng = random.Random(11)
    agreed = 0
    for _ in range(4_000):
        text = " ".join(rng.choice(pieces if rng.random() < 0.9 else rare) for _ in range(rng.randrange(1, 10)))
        if rng.random() < 0.3:
            text = text.replace(" ", "", rng.randrange(0, 4))
        fast = shell._fast(text)
        if fast is None:
            continue
        full = shell._Shared()
        shell._Splitter(text, full).parse_list(frozenset())
        assert (fast.commands, fast.problem) == (full.commands, full.problem), text
        agreed += 1
    assert agreed > 1_000


def test_fuzz_never_raises() -> None:
    alphabet = [*"ab $(){}[]'\"\\`|&;<>#\n\t=!*?~-09", "$(", "${", "<<", "<<-", "EOF", "if ", "then ", "fi",
                "case ", " in ", ";;", "esac", "for ", "do ", "done", "while ", "((", "))", "[[", "]]", "<(",
                "function ", "\x00", "é"]
    rng = random.Random(3)
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 50)))
        commands, _problem = split_shell(text)
        stdin_heredocs(text)
        assert all(1 <= c.line <= text.count("\n") + 1 for c in commands)
