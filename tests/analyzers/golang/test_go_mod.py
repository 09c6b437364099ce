"""go-mod and the go.sum parser: requirements, replacements, line numbers, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import MAX_DIAGNOSTICS, BytesFile
from stockade.analyzers.golang.analyzer import GO_MOD, GO_SUM, wants_go_mod
from stockade.analyzers.golang.parse import parse_go_mod, parse_go_sum

TESTDATA = Path(__file__).parent / "testdata"


def _rows(result: object) -> list[tuple[str, str, str, int | None, dict[str, str]]]:
    return [(p.name, p.version, p.purl, p.locations[0].line, dict(p.metadata))
            for p in result.packages]  # type: ignore[attr-defined]


def test_go_mod() -> None:
    file = BytesFile("src/kubeinspect/go.mod", (TESTDATA / "go.mod").read_bytes())
    assert GO_MOD.wants(file.path, file.size, file.mode)
    result = GO_MOD.analyze(file)
    assert result.diagnostics == ()
    assert _rows(result) == [
        ("github.com/spf13/cobra", "v1.8.0", "pkg:golang/github.com/spf13/cobra@v1.8.0", 8, {}),
        ("github.com/sirupsen/logrus", "v1.9.3", "pkg:golang/github.com/sirupsen/logrus@v1.9.3", 11,
         {"replaced_by": "../logrus"}),
        ("gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1", 12, {}),
        ("k8s.io/client-go", "v0.28.3", "pkg:golang/k8s.io/client-go@v0.28.3", 13,
         {"replaces": "k8s.io/client-go@v0.28.4"}),
        ("github.com/Masterminds/semver/v3", "v3.2.1", "pkg:golang/github.com/masterminds/semver/v3@v3.2.1", 14, {}),
        ("github.com/inconshreveable/mousetrap", "v1.1.0", "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0",
         18, {"indirect": "true"}),
        ("github.com/spf13/pflag", "v1.0.5", "pkg:golang/github.com/spf13/pflag@v1.0.5", 19, {"indirect": "true"}),
        ("golang.org/x/sys", "v0.15.0", "pkg:golang/golang.org/x/sys@v0.15.0", 20, {"indirect": "true"}),
    ]
    for pkg in result.packages:
        assert (pkg.ecosystem, pkg.found_by, pkg.id, pkg.locations[0].path) == (
            "golang", "go-mod", pkg.purl, "src/kubeinspect/go.mod")


def test_go_mod_of_the_build_test_application() -> None:
    text = (TESTDATA / "gobuild" / "app" / "go.mod").read_text()
    result = parse_go_mod("go.mod", text, "go-mod")
    assert result.diagnostics == ()
    assert _rows(result) == [
        ("example.com/lib", "v1.2.3", "pkg:golang/example.com/lib@v1.2.3", 6, {"replaced_by": "./lib"}),
        ("github.com/acme/color", "v1.1.0", "pkg:golang/github.com/acme/color@v1.1.0", 7,
         {"replaces": "github.com/acme/colour@v1.0.0"}),
        ("github.com/acme/greet", "v1.4.2", "pkg:golang/github.com/acme/greet@v1.4.2", 8, {}),
    ]


def test_quoted_and_raw_tokens_and_empty_blocks() -> None:
    text = 'module "example.com/m"\nrequire ()\nrequire `golang.org/x/text` "v0.14.0"\nreplace ()\n'
    result = parse_go_mod("go.mod", text, "go-mod")
    assert result.diagnostics == ()
    assert _rows(result) == [("golang.org/x/text", "v0.14.0", "pkg:golang/golang.org/x/text@v0.14.0", 3, {})]


def test_wants() -> None:
    assert wants_go_mod("go.mod", 10, 0o644)
    assert wants_go_mod("services/api/go.mod", 10, 0o644)
    assert not wants_go_mod("services/api/go.mod.orig", 10, 0o644)
    assert not wants_go_mod("services/api/notgo.mod", 10, 0o644)


# --- hostile go.mod --------------------------------------------------------------------------------


def _messages(text: str) -> list[tuple[int | None, str]]:
    result = parse_go_mod("go.mod", text, "go-mod")
    return [(d.location.line, d.message) for d in result.diagnostics]


def test_unclosed_block_keeps_what_was_read() -> None:
    text = "module m\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n"
    result = parse_go_mod("go.mod", text, "go-mod")
    assert [p.name for p in result.packages] == ["github.com/pkg/errors"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (3, "the require block opened here is not closed")]


def test_malformed_lines() -> None:
    text = ("module m\n"
            "require github.com/pkg/errors\n"
            'require "github.com/unterminated v1.0.0\n'
            "replace a b\n"
            "replace a v1 v2 => b\n"
            "frobnicate x\n"
            "require github.com/google/uuid v1.4.0\n")
    assert _messages(text) == [
        (2, "a requirement needs a module path and a version"),
        (3, "unterminated quoted string"),
        (4, "a replacement needs '=>'"),
        (5, "malformed replacement"),
        (6, "unknown directive 'frobnicate'"),
    ]
    assert [p.name for p in parse_go_mod("go.mod", text, "go-mod").packages] == ["github.com/google/uuid"]


def test_huge_line_is_skipped() -> None:
    text = "module m\nrequire github.com/a/" + "b" * 100_000 + " v1.0.0\nrequire github.com/google/uuid v1.4.0\n"
    result = parse_go_mod("go.mod", text, "go-mod")
    assert [p.name for p in result.packages] == ["github.com/google/uuid"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (2, "line is 100028 characters long, above the 65536 limit; skipped")]


def test_binary_garbage_and_empty_input() -> None:
    assert parse_go_mod("go.mod", "", "go-mod").packages == ()
    assert parse_go_mod("go.mod", "", "go-mod").diagnostics == ()
    garbage = bytes(range(256)).decode("latin-1") * 40
    result = GO_MOD.analyze(BytesFile("go.mod", garbage.encode("utf-8")))
    assert result.packages == ()
    assert 1 <= len(result.diagnostics) <= MAX_DIAGNOSTICS + 1


def test_diagnostics_are_capped() -> None:
    result = parse_go_mod("go.mod", "nonsense\n" * 500, "go-mod")
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    assert result.diagnostics[-1].message == "450 more problems in this file not shown"


def test_deeply_nested_parentheses() -> None:
    result = parse_go_mod("go.mod", "require " + "(" * 10_000 + "\n" + ")" * 10_000 + "\n", "go-mod")
    assert result.packages == ()
    assert result.diagnostics[0].location.line == 1


def test_too_large_file() -> None:
    result = GO_MOD.analyze(BytesFile("go.mod", b"module m\n" * 1_000_000))
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [
        "go.mod: 9000000 bytes is above the 8388608 byte limit for this file type"]


# --- go.sum ----------------------------------------------------------------------------------------


def test_go_sum() -> None:
    file = BytesFile("go.sum", (TESTDATA / "go.sum").read_bytes())
    assert GO_SUM.wants(file.path, file.size, file.mode)
    result = GO_SUM.analyze(file)
    assert result.diagnostics == ()
    assert [(p.name, p.version, p.purl, p.locations[0].line, p.metadata.get("sum", "")) for p in result.packages] == [
        ("github.com/inconshreveable/mousetrap", "v1.1.0", "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0",
         1, "h1:wN+x4NVGpMsO7ErUn/mUI3vEoE6Jt13X2s0bqwp9tc8="),
        ("github.com/spf13/cobra", "v1.8.0", "pkg:golang/github.com/spf13/cobra@v1.8.0", 3,
         "h1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0="),
        ("github.com/spf13/pflag", "v1.0.5", "pkg:golang/github.com/spf13/pflag@v1.0.5", 5,
         "h1:iy+VFUOCP1a+8yFto/drg2CJ5u0yRoB7fZw3DKv/JXA="),
        ("golang.org/x/sys", "v0.0.0-20220715151400-c0bba94af5f8",
         "pkg:golang/golang.org/x/sys@v0.0.0-20220715151400-c0bba94af5f8", 7, ""),
        ("golang.org/x/sys", "v0.15.0", "pkg:golang/golang.org/x/sys@v0.15.0", 8,
         "h1:h48lPFYpsTvQJZF4EKyI4aLHaev3CxGVc4qN8Ps0VR8="),
    ]


@pytest.mark.parametrize("text", ["github.com/a/b v1.0.0\n", "github.com/a/b v1.0.0 h1:x extra\n",
                                  "github.com/a/b v1.0.0 notahash\n", "\x00\x01\x02 \xff\xfe \x03\n"])
def test_go_sum_malformed_lines(text: str) -> None:
    result = parse_go_sum("go.sum", text + "github.com/google/uuid v1.4.0 h1:abc=\n", "go-sum")
    assert [p.name for p in result.packages] == ["github.com/google/uuid"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (1, "expected '<module> <version> <hash>'")]


def test_go_sum_truncated() -> None:
    text = (TESTDATA / "go.sum").read_text()[:130]
    result = parse_go_sum("go.sum", text, "go-sum")
    assert [p.name for p in result.packages] == ["github.com/inconshreveable/mousetrap"]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [(2, "expected '<module> <version> <hash>'")]
