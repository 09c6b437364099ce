"""Output format strings: substitution, arguments, widths, <NA>, the JSON field map and errors."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.runtime.filter import OutputFormatError, compile_output

EV: dict[str, Any] = {
    "fd.name": "/etc/shadow",
    "proc.name": "cat",
    "proc.pid": 12,
    "proc.aname": ["bash", "sshd"],
    "evt.arg": {"flags": "O_RDONLY"},
    "container.privileged": True,
    "fd.types": ["ipv4", "file"],
    "evt.buffer": b"ab\x00",
}


def test_filter_output_render_and_fields(table: Any) -> None:
    fmt = compile_output(
        "Read file=%fd.name gparent=%proc.aname[2] flags=%evt.arg.flags f2=%evt.arg[flags] pid=%proc.pid "
        "priv=%container.privileged types=%fd.types user=%user.name",
        table,
    )
    assert fmt.render(EV) == (
        "Read file=/etc/shadow gparent=sshd flags=O_RDONLY f2=O_RDONLY pid=12 priv=true types=(ipv4,file) "
        "user=<NA>"
    )
    assert fmt.fields(EV) == {
        "fd.name": "/etc/shadow",
        "proc.aname[2]": "sshd",
        "evt.arg.flags": "O_RDONLY",
        "evt.arg[flags]": "O_RDONLY",
        "proc.pid": 12,
        "container.privileged": True,
        "fd.types": ["ipv4", "file"],
        "user.name": None,
    }
    assert fmt.field_names == (
        "fd.name", "proc.aname[2]", "evt.arg.flags", "evt.arg[flags]", "proc.pid", "container.privileged",
        "fd.types", "user.name",
    )


def test_filter_output_evaluate_is_render_plus_fields(table: Any) -> None:
    fmt = compile_output("%proc.name (%proc.pid)", table)
    assert fmt.evaluate(EV) == ("cat (12)", {"proc.name": "cat", "proc.pid": 12})


def test_filter_output_longest_known_prefix(table: Any) -> None:
    # a trailing ".word" that is not part of a known field stays literal text
    fmt = compile_output("%proc.name.log and %fd.name.", table)
    assert fmt.render(EV) == "cat.log and /etc/shadow."


def test_filter_output_width(table: Any) -> None:
    fmt = compile_output("[%6proc.name][%2fd.name]", table)
    assert fmt.render(EV) == "[cat   ][/e]"


def test_filter_output_require_all_marker_is_dropped(table: Any) -> None:
    assert compile_output("*%proc.name", table).render(EV) == "cat"


def test_filter_output_sanitizes_control_characters(table: Any) -> None:
    fmt = compile_output("%proc.name|%evt.buffer", table)
    assert fmt.render({"proc.name": "a\nb\x1b[31m", "evt.buffer": b"ab\x00"}) == "a.b.[31m|ab."
    assert fmt.render({"proc.name": "bad\udcffbyte"}) == "bad\ufffdbyte|<NA>"


def test_filter_output_no_fields(table: Any) -> None:
    fmt = compile_output("plain text", table)
    assert fmt.render({}) == "plain text"
    assert fmt.fields({}) == {}


@pytest.mark.parametrize(
    ("fmt", "reason"),
    [
        ("x=%proc.nmae", "invalid formatting token %proc.nmae: nonexistent field proc.nmae"),
        ("ends with %", "invalid formatting syntax: formatting cannot end with a %"),
        ("100% sure", "invalid formatting token % sure"),
        ("%proc.aname[2", "invalid formatting token %proc.aname[2: expected a ']' token"),
        ("%proc.name[1]", "invalid formatting token %proc.name[1]: field 'proc.name' does not accept an argument"),
    ],
)
def test_filter_output_errors(table: Any, fmt: str, reason: str) -> None:
    with pytest.raises(OutputFormatError) as exc:
        compile_output(fmt, table)
    assert exc.value.reason == reason


def test_filter_output_extractor_failure_is_na(fake: Any) -> None:
    class Boom(fake.FakeTable):  # type: ignore[misc,name-defined]
        def extractor(self, name: str, arg: str | None) -> Any:
            def fail(ev: Any) -> Any:
                raise ValueError("broken event")
            return fail

    fmt = compile_output("%proc.name", Boom())
    assert fmt.render({}) == "<NA>"
