"""cargo-lock: Cargo.lock versions 1 and 3, dependency strings, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import BytesFile
from stockade.analyzers.rust.analyzer import ANALYZERS, CARGO_LOCK, wants_cargo_lock
from stockade.analyzers.rust.parse import parse_cargo_lock

TESTDATA = Path(__file__).parent / "testdata"
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
GIT = "git+https://github.com/tokio-rs/tracing?branch=v0.1.x#e603c2a254d157a25a7a1fbfd4da46ad7e05f555"


def _parse(path: Path) -> object:
    file = BytesFile("tools/logtool/Cargo.lock", path.read_bytes())
    assert CARGO_LOCK.wants(file.path, file.size, file.mode)
    return CARGO_LOCK.analyze(file)


def test_cargo_lock_v3() -> None:
    result = _parse(TESTDATA / "Cargo.lock")
    assert result.diagnostics == ()  # type: ignore[attr-defined]
    packages = {p.id: p for p in result.packages}  # type: ignore[attr-defined]
    assert len(packages) == 22
    rows = [(p.name, p.version, p.purl, p.locations[0].line, p.metadata.get("source", ""))
            for p in result.packages]  # type: ignore[attr-defined]
    assert rows[:4] == [
        ("aho-corasick", "1.1.2", "pkg:cargo/aho-corasick@1.1.2", 5, CRATES_IO),
        ("bitflags", "1.3.2", "pkg:cargo/bitflags@1.3.2", 14, CRATES_IO),
        ("bitflags", "2.4.1", "pkg:cargo/bitflags@2.4.1", 20, CRATES_IO),
        ("clap", "4.4.11", "pkg:cargo/clap@4.4.11", 26, CRATES_IO),
    ]
    assert rows[11] == ("logtool", "0.3.0", "pkg:cargo/logtool@0.3.0", 91, "")
    assert rows[19] == ("tracing", "0.1.40", "pkg:cargo/tracing@0.1.40", 170, GIT)
    assert packages["pkg:cargo/logtool@0.3.0"].depends_on == (
        "pkg:cargo/clap@4.4.11", "pkg:cargo/nix@0.26.4", "pkg:cargo/regex@1.10.2", "pkg:cargo/rustix@0.38.28",
        "pkg:cargo/tracing@0.1.40")
    # "bitflags 1.3.2" and "bitflags 2.4.1" pick the right one of the two versions
    assert packages["pkg:cargo/nix@0.26.4"].depends_on == ("pkg:cargo/bitflags@1.3.2", "pkg:cargo/libc@0.2.151")
    assert packages["pkg:cargo/rustix@0.38.28"].depends_on == ("pkg:cargo/bitflags@2.4.1", "pkg:cargo/libc@0.2.151")
    assert packages["pkg:cargo/unicode-ident@1.0.12"].depends_on == ()
    for pkg in packages.values():
        assert (pkg.ecosystem, pkg.found_by, pkg.id) == ("cargo", "cargo-lock", pkg.purl)
        assert pkg.locations[0].path == "tools/logtool/Cargo.lock"
        assert set(pkg.depends_on) <= set(packages)


def test_cargo_lock_v1_with_sources_in_dependencies() -> None:
    result = parse_cargo_lock("Cargo.lock", (TESTDATA / "v1" / "Cargo.lock").read_text(), "cargo-lock")
    assert result.diagnostics == ()
    assert [(p.name, p.version, p.locations[0].line, p.depends_on) for p in result.packages] == [
        ("cfg-if", "0.1.10", 1, ()),
        ("cfg-if", "1.0.0", 6, ()),
        ("log", "0.4.8", 11, ("pkg:cargo/cfg-if@0.1.10",)),
        ("webserver", "0.1.0", 19, ("pkg:cargo/cfg-if@1.0.0", "pkg:cargo/log@0.4.8")),
    ]


def test_same_name_and_version_from_two_sources_get_distinct_ids() -> None:
    text = ('[[package]]\nname = "serde"\nversion = "1.0.193"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
            '[[package]]\nname = "serde"\nversion = "1.0.193"\nsource = "git+https://github.com/serde-rs/serde#abc"\n'
            '[[package]]\nname = "app"\nversion = "0.1.0"\n'
            'dependencies = ["serde 1.0.193 (git+https://github.com/serde-rs/serde#abc)"]\n')
    result = parse_cargo_lock("Cargo.lock", text, "cargo-lock")
    assert result.diagnostics == ()
    assert [p.id for p in result.packages] == [
        "pkg:cargo/serde@1.0.193", "pkg:cargo/serde@1.0.193|git+https://github.com/serde-rs/serde#abc",
        "pkg:cargo/app@0.1.0"]
    assert {p.purl for p in result.packages[:2]} == {"pkg:cargo/serde@1.0.193"}
    assert result.packages[2].depends_on == ("pkg:cargo/serde@1.0.193|git+https://github.com/serde-rs/serde#abc",)


def test_wants_and_wiring() -> None:
    assert wants_cargo_lock("Cargo.lock", 1, 0o644)
    assert wants_cargo_lock("crates/cli/Cargo.lock", 1, 0o644)
    assert not wants_cargo_lock("crates/cli/Cargo.toml", 1, 0o644)
    assert not wants_cargo_lock("cargo.lock", 1, 0o644)
    assert [(a.id, a.version, sorted(a.targets)) for a in ANALYZERS] == [
        ("rust-audit", 1, ["image", "rootfs"]), ("cargo-lock", 1, ["filesystem"])]


# --- hostile input ---------------------------------------------------------------------------------


def _messages(text: str) -> list[tuple[int | None, str]]:
    result = parse_cargo_lock("Cargo.lock", text, "cargo-lock")
    return [(d.location.line, d.message) for d in result.diagnostics]


def test_truncated_lockfile() -> None:
    text = (TESTDATA / "Cargo.lock").read_text()
    cut = text[: text.index('checksum = "', 200) + 20]
    messages = _messages(cut)
    assert len(messages) == 1
    assert messages[0][0] == cut.count("\n") + 1
    assert messages[0][1].startswith("invalid TOML: ")


def test_empty_and_garbage() -> None:
    assert parse_cargo_lock("Cargo.lock", "", "cargo-lock").packages == ()
    assert _messages("") == []
    garbage = _messages("\x00\x01\x02\xff binary \x7fELF\n")
    assert len(garbage) == 1 and garbage[0][1].startswith("invalid TOML")


def test_deeply_nested() -> None:
    assert _messages("x = " + "[" * 100_000 + "]" * 100_000 + "\n") == [(None, "invalid TOML: nested too deeply")]


def test_wrong_types() -> None:
    text = 'package = "not a table"\n'
    assert _messages(text) == [(None, "'package' is not an array of tables")]
    text = ('[[package]]\nname = 5\nversion = "1"\n'
            '[[package]]\nname = "ok"\nversion = "1.0.0"\ndependencies = "nope"\n'
            '[[package]]\nname = "two"\nversion = "2.0.0"\ndependencies = [1, "ghost", "ok 9.9.9", ""]\n'
            '[[package]]\nname = "huge"\nversion = "' + "9" * 5000 + '"\n')
    result = parse_cargo_lock("Cargo.lock", text, "cargo-lock")
    assert [(p.name, p.depends_on) for p in result.packages] == [("ok", ()), ("two", ())]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (1, "package without a valid name and version"),
        (12, "package without a valid name and version"),
        (4, "dependencies of ok 1.0.0 are not an array"),
        (8, "a dependency of two 2.0.0 is not a string"),
        (8, "dependency 'ghost' of two 2.0.0: no such package in the lockfile"),
        (8, "dependency 'ok 9.9.9' of two 2.0.0: no such package in the lockfile"),
        (8, "a dependency of two 2.0.0 is not a string"),
    ]


def test_ambiguous_dependency() -> None:
    text = ('[[package]]\nname = "a"\nversion = "1.0.0"\n[[package]]\nname = "a"\nversion = "2.0.0"\n'
            '[[package]]\nname = "b"\nversion = "1.0.0"\ndependencies = ["a"]\n')
    assert _messages(text) == [(7, "dependency 'a' of b 1.0.0: ambiguous (several packages match)")]


@pytest.mark.parametrize("size", [20 * 1024 * 1024])
def test_too_large(size: int) -> None:
    result = CARGO_LOCK.analyze(BytesFile("Cargo.lock", b"#" * size))
    assert result.packages == ()
    assert [d.message for d in result.diagnostics] == [
        f"Cargo.lock: {size} bytes is above the 16777216 byte limit for this file type"]
