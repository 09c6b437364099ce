"""The condition parser: accepted and rejected conditions, with libsinsp's error wording and positions."""

from __future__ import annotations

import pytest

from stockade.runtime.filter import (
    And,
    Check,
    FieldRef,
    FilterSyntaxError,
    Identifier,
    ListValue,
    Not,
    Or,
    Transformer,
    Value,
    format_tree,
    parse,
    to_condition,
)
from stockade.runtime.filter.parser import MAX_DEPTH

# (condition, canonical text of the parsed tree)
ACCEPT = [
    ("a", "a"),
    ("a and b or c", "((a and b) or c)"),
    ("a or b and c", "(a or (b and c))"),
    ("not a and b", "(not a and b)"),
    ("not not a", "a"),
    ("not not not a", "not a"),
    ("not(a or b)", "not (a or b)"),
    ("not (a)", "not a"),
    ("a and(b or c)", "(a and (b or c))"),
    ("a or(b)", "(a or b)"),
    ("((a))", "a"),
    ("proc.name=bash", "proc.name = bash"),
    ("proc.name == bash", "proc.name == bash"),
    ("proc.name != 'ba sh'", 'proc.name != "ba sh"'),
    ("fd.num>=0", "fd.num >= 0"),
    ("fd.num<-1", "fd.num < -1"),
    ("evt.rawres > 0x1F", "evt.rawres > 0x1F"),
    ("proc.duration <= 5000000000", "proc.duration <= 5000000000"),
    ("fd.name startswith /etc/", "fd.name startswith /etc/"),
    ("proc.args contains -c", "proc.args contains -c"),
    ("fd.sip = 127.0.0.1", "fd.sip = 127.0.0.1"),
    ("evt.res startswith E", "evt.res startswith E"),
    ("fd.typechar='f'", "fd.typechar = f"),
    ("proc.aname[2]=qualys-cloud-ag", "proc.aname[2] = qualys-cloud-ag"),
    ('jevt.value[/a/b] = x', "jevt.value[/a/b] = x"),
    ("evt.arg['fd'] = 3", "evt.arg[fd] = 3"),
    ("container.mount.dest[/var/run/docker.sock] exists", "container.mount.dest[/var/run/docker.sock] exists"),
    ("proc.name in (a, b,c)", "proc.name in (a, b, c)"),
    ("proc.name in(a)", "proc.name in (a)"),
    ("proc.name in ()", "proc.name in ()"),
    ("proc.name in ( )", "proc.name in ()"),
    ('proc.name in (runc:[0:PARENT], "puma reactor", \'"75-system-updat"\')',
     'proc.name in (runc:[0:PARENT], "puma reactor", "\\"75-system-updat\\"")'),
    ("proc.name in shell_binaries", "proc.name in shell_binaries"),
    ("proc.name intersects (a)", "proc.name intersects (a)"),
    ("fd.name pmatch (/tmp, /var)", "fd.name pmatch (/tmp, /var)"),
    ("fd.name glob '/home/*/.ssh/*'", "fd.name glob /home/*/.ssh/*"),
    ("fd.name iglob x*", "fd.name iglob x*"),
    ("fd.name regex '[a-z]+'", "fd.name regex [a-z]+"),
    ("fd.name regex '^a b$'", 'fd.name regex "^a b$"'),
    ("evt.buffer bcontains CAFEBABE", "evt.buffer bcontains CAFEBABE"),
    ("evt.buffer bstartswith 012AB3CC", "evt.buffer bstartswith 012AB3CC"),
    ("proc.cmdline icontains X", "proc.cmdline icontains X"),
    ("proc.cmdline endswith x", "proc.cmdline endswith x"),
    ("k8s.pod.name exists", "k8s.pod.name exists"),
    ("tolower(proc.name) = bash", "tolower(proc.name) = bash"),
    ("toupper( proc.name ) = BASH", "toupper(proc.name) = BASH"),
    ("b64(evt.arg.data) contains x", "b64(evt.arg.data) contains x"),
    ("basename(proc.exepath) = cat", "basename(proc.exepath) = cat"),
    ("len(proc.args) > 3", "len(proc.args) > 3"),
    ("tolower(basename(proc.exe)) = x", "tolower(basename(proc.exe)) = x"),
    ("proc.name = val(proc.pname)", "proc.name = val(proc.pname)"),
    ("tolower(proc.name) = tolower(proc.pname)", "tolower(proc.name) = tolower(proc.pname)"),
    ("proc.name in val(proc.pname)", "proc.name in val(proc.pname)"),
    ("fd.num > val(proc.pid)", "fd.num > val(proc.pid)"),
    ("nothing", "nothing"),  # `not` needs a blank after it: this is a macro name
    ("not", "not"),  # ... and so is a lone `not`
    ("a\n and\tb", "(a and b)"),
]


@pytest.mark.parametrize(("condition", "canonical"), ACCEPT)
def test_filter_parse_accepts(condition: str, canonical: str) -> None:
    node = parse(condition)
    assert to_condition(node) == canonical
    # the canonical text parses back to the same tree
    assert parse(to_condition(node)) == node


# (condition, error reason, line, column)
REJECT = [
    ("", "filter input string is empty", 1, 1),
    ("a andb", "expected blank or '(' after 'and'", 1, 6),
    ("a orb", "expected blank or '(' after 'or'", 1, 5),
    ("a b", "unexpected token after 'a', expecting 'or', 'and'", 1, 3),
    ("(a", "expected a ')' token", 1, 3),
    ("a)", "unexpected token after 'a', expecting 'or', 'and'", 1, 2),
    ("proc.name bash",
     "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', "
     "'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', "
     "'pmatch'", 1, 11),
    # a word operator must be followed by a blank; like libsinsp, the position is left after the operator
    ("proc.name containsx", "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', "
     "'!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', "
     "'intersects', 'in', 'pmatch'", 1, 19),
    ("fd.num > abc", "expected a number value or a field with a valid transformer: 'val', 'tolower', 'toupper', "
     "'b64', 'basename', 'len'", 1, 10),
    ("proc.name =", "expected a string value or a field with a valid transformer: 'val', 'tolower', 'toupper', "
     "'b64', 'basename', 'len'", 1, 12),
    ("proc.name in (a,)", "expected a string value", 1, 17),
    ("proc.name in (a b)", "expected a ')' token", 1, 17),
    ("proc.name in 'a'", "expected a list, an identifier, or a field with a valid transformer: 'val', 'tolower', "
     "'toupper', 'b64', 'basename', 'len'", 1, 14),
    ("proc.aname[2 = x", "expected a ']' token", 1, 13),
    ("proc.aname[] = x", "expected a valid field argument: a quoted string or a bare string", 1, 12),
    ("tolower(x) = a", "expected a field or a nested valid transformer: 'val', 'tolower', 'toupper', 'b64', "
     "'basename', 'len'", 1, 9),
    ("tolower(proc.name = a", "expected a ')' token closing the transformer", 1, 19),
    ("proc.name = val(x)", "expected a field within 'val' transformer", 1, 17),
    ("= a", "expected a '(' token, a field check, or an identifier", 1, 1),
    ("a and", "expected blank or '(' after 'and'", 1, 6),
    ("a and ", "expected a '(' token, a field check, or an identifier", 1, 7),
    ('proc.name = "abc', "expected a string value or a field with a valid transformer: 'val', 'tolower', "
     "'toupper', 'b64', 'basename', 'len'", 1, 13),
    ('proc.name = "a\\qb"', "unsupported string escape sequence: \\q", 1, 13),
    ("proc.name = 'a\\\"b'", "invalid \\\" escape in '-quoted string", 1, 13),
    ("a and\n  b c", "unexpected token after 'b', expecting 'or', 'and'", 2, 5),
]


@pytest.mark.parametrize(("condition", "reason", "line", "col"), REJECT)
def test_filter_parse_rejects(condition: str, reason: str, line: int, col: int) -> None:
    with pytest.raises(FilterSyntaxError) as exc:
        parse(condition)
    assert exc.value.reason == reason
    assert exc.value.pos is not None
    assert (exc.value.pos.line, exc.value.pos.col) == (line, col)
    assert str(exc.value) == f"{reason} at line {line} col {col}"


def test_filter_parse_tree_shape() -> None:
    node = parse("a and not proc.name in (x, 'y z') or tolower(fd.name) = val(proc.name)")
    assert node == Or(
        (
            And((
                Identifier("a"),
                Not(Check(FieldRef("proc.name"), "in", ListValue((Value("x"), Value("y z", True))))),
            )),
            Check(Transformer("tolower", FieldRef("fd.name")), "=", Transformer("val", FieldRef("proc.name"))),
        )
    )


def test_filter_parse_format_tree() -> None:
    assert format_tree(parse("(a and (b or not c.d = 1)) or e")) == (
        "or\n  and\n    macro a\n    or\n      macro b\n      not\n        check c.d = 1\n  macro e"
    )


def test_filter_parse_escapes() -> None:
    node = parse('proc.name = "a\\"b\\\\c\\n\\t\\x41"')
    assert isinstance(node, Check) and isinstance(node.right, Value)
    assert node.right.text == 'a"b\\c\n\tA'
    node = parse("proc.name = 'it\\'s'")
    assert isinstance(node, Check) and isinstance(node.right, Value)
    assert node.right.text == "it's"


def test_filter_parse_positions_of_nodes() -> None:
    node = parse("a and\n  proc.name = x")
    assert isinstance(node, And)
    chk = node.children[1]
    assert isinstance(chk, Check)
    assert (chk.pos.line, chk.pos.col) == (2, 3)


# -- hostile input ----------------------------------------------------------------------------------------------


def test_filter_parse_deeply_nested_is_an_error_not_a_recursion_error() -> None:
    deep = "(" * 10_000 + "a" + ")" * 10_000
    with pytest.raises(FilterSyntaxError) as exc:
        parse(deep)
    assert exc.value.reason == f"exceeded max depth limit of {MAX_DEPTH}"


def test_filter_parse_deep_not_chain_is_fine() -> None:
    # `not` prefixes do not nest the parser: 10,001 of them are one negation
    assert parse("not " * 10_001 + "a") == Not(Identifier("a"))


def test_filter_parse_nested_within_limit() -> None:
    depth = MAX_DEPTH - 2
    node = parse("(" * depth + "a" + ")" * depth)
    assert node == Identifier("a")


def test_filter_parse_long_flat_condition() -> None:
    cond = " or ".join(f"proc.name = p{i}" for i in range(20_000))
    node = parse(cond)
    assert isinstance(node, Or) and len(node.children) == 20_000


def test_filter_parse_too_long() -> None:
    with pytest.raises(FilterSyntaxError) as exc:
        parse("a" * (2 << 20))
    assert exc.value.reason.startswith("filter input string is too long")


def test_filter_parse_nul_and_control_bytes() -> None:
    # a NUL is a character of a value (the compiler rejects it for every field type but byte buffers)
    for cond in ("proc.name = a\x00b", "proc.name = 'a\x00b'"):
        node = parse(cond)
        assert isinstance(node, Check) and isinstance(node.right, Value) and node.right.text == "a\x00b"
    with pytest.raises(FilterSyntaxError):
        parse("proc.name\x00= a")


def test_filter_parse_non_ascii() -> None:
    node = parse("proc.name = 'żółw' and fd.name contains \udcff")
    assert isinstance(node, And)


@pytest.mark.parametrize("junk", ["((((", "))))", "'''", '"', "a and (b or", "not(", "proc.name in (", "\x00", "[]"])
def test_filter_parse_junk_is_a_syntax_error(junk: str) -> None:
    with pytest.raises(FilterSyntaxError):
        parse(junk)
