"""rust-audit: ELF executables carrying a cargo-auditable ``.dep-v0`` section (made with gcc and objcopy)."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from stockade.analyzers._base import AnalysisResult, BytesFile
from stockade.analyzers._elf import open_elf
from stockade.analyzers.rust.analyzer import RUST_AUDIT
from stockade.analyzers.rust.parse import parse_audit_json, parse_audit_section

TESTDATA = Path(__file__).parent / "testdata"
GCC, OBJCOPY = shutil.which("gcc"), shutil.which("objcopy")


@pytest.fixture(scope="session")
def plain_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GCC is None or OBJCOPY is None:
        pytest.skip("gcc and objcopy (binutils) are needed to build ELF fixtures")
    out = tmp_path_factory.mktemp("rustaudit") / "logtool"
    subprocess.run([GCC, "-O1", "-o", str(out), str(TESTDATA / "hello.c")], check=True, capture_output=True,
                   timeout=120)
    return out


@pytest.fixture
def with_section(plain_elf: Path, tmp_path: Path) -> Callable[[bytes], Path]:
    """A copy of the plain executable with ``content`` added as the .dep-v0 section."""

    def make(content: bytes) -> Path:
        payload = tmp_path / "dep-v0.bin"
        payload.write_bytes(content)
        out = tmp_path / f"logtool-{len(list(tmp_path.iterdir()))}"
        assert OBJCOPY is not None
        subprocess.run([OBJCOPY, "--add-section", f".dep-v0={payload}", "--set-section-flags",
                        ".dep-v0=noload,readonly", str(plain_elf), str(out)], check=True, capture_output=True,
                       timeout=120)
        return out

    return make


def _analyze(path: Path) -> AnalysisResult:
    file = BytesFile("usr/local/bin/logtool", path.read_bytes(), mode=0o755)
    assert RUST_AUDIT.wants(file.path, file.size, file.mode)
    return RUST_AUDIT.analyze(file)


def test_audit_section(with_section: Callable[[bytes], Path]) -> None:
    result = _analyze(with_section(zlib.compress((TESTDATA / "audit.json").read_bytes())))
    assert result.diagnostics == ()
    assert [(p.name, p.version, p.purl, dict(p.metadata), p.depends_on) for p in result.packages] == [
        ("bitflags", "2.4.1", "pkg:cargo/bitflags@2.4.1", {"source": "crates.io"}, ()),
        ("errno", "0.3.8", "pkg:cargo/errno@0.3.8", {"source": "crates.io"}, ("pkg:cargo/libc@0.2.151",)),
        ("libc", "0.2.151", "pkg:cargo/libc@0.2.151", {"source": "crates.io"}, ()),
        ("linux-raw-sys", "0.4.12", "pkg:cargo/linux-raw-sys@0.4.12", {"source": "crates.io"}, ()),
        ("logtool", "0.3.0", "pkg:cargo/logtool@0.3.0", {"source": "local", "root": "true"},
         ("pkg:cargo/rustix@0.38.28", "pkg:cargo/serde@1.0.193")),
        ("rustix", "0.38.28", "pkg:cargo/rustix@0.38.28", {"source": "crates.io"},
         ("pkg:cargo/bitflags@2.4.1", "pkg:cargo/errno@0.3.8", "pkg:cargo/libc@0.2.151",
          "pkg:cargo/linux-raw-sys@0.4.12")),
        # serde_derive and its proc-macro dependencies are build-time only: not in the binary
        ("serde", "1.0.193", "pkg:cargo/serde@1.0.193", {"source": "crates.io"}, ()),
    ]
    for pkg in result.packages:
        assert (pkg.ecosystem, pkg.found_by, pkg.id) == ("cargo", "rust-audit", pkg.purl)
        assert [loc.path for loc in pkg.locations] == ["usr/local/bin/logtool"]


def test_plain_executable_has_nothing(plain_elf: Path) -> None:
    result = _analyze(plain_elf)
    assert (result.packages, result.diagnostics) == ((), ())


def test_not_elf_and_broken_elf_give_nothing() -> None:
    for data in (b"#!/bin/sh\n" * 200, b"\x7fELF\x02\x01\x01" + b"\0" * 20):
        result = RUST_AUDIT.analyze(BytesFile("x", data, mode=0o755))
        assert (result.packages, result.diagnostics) == ((), ())


def _only_message(result: AnalysisResult) -> str:
    assert result.packages == ()
    assert len(result.diagnostics) == 1
    return result.diagnostics[0].message


def test_zlib_bomb_is_refused(with_section: Callable[[bytes], Path]) -> None:
    bomb = zlib.compress(b'{"packages":[' + b" " * (64 * 1024 * 1024) + b"]}", 9)
    assert len(bomb) < 100_000
    assert _only_message(_analyze(with_section(bomb))) == (
        "cargo-auditable data: decompresses to more than 8388608 bytes")


def test_truncated_and_garbage_sections(with_section: Callable[[bytes], Path]) -> None:
    compressed = zlib.compress((TESTDATA / "audit.json").read_bytes())
    assert _only_message(_analyze(with_section(compressed[:40]))) == (
        "cargo-auditable data: the zlib stream is truncated")
    message = _only_message(_analyze(with_section(b"\x00\x01garbage" * 10)))
    assert message.startswith("cargo-auditable data: not a zlib stream (")


def test_section_past_end_of_file(with_section: Callable[[bytes], Path]) -> None:
    """The .dep-v0 section header claims more bytes than the file holds, or more than the limit."""
    data = with_section(zlib.compress(b'{"packages":[]}')).read_bytes()
    elf = open_elf(io.BytesIO(data))
    assert elf is not None
    index = [s.name for s in elf.sections].index(".dep-v0")
    shoff = struct.unpack_from("<Q", data, 40)[0]
    patched = bytearray(data)
    struct.pack_into("<Q", patched, shoff + index * 64 + 32, len(data))  # sh_size
    result = RUST_AUDIT.analyze(BytesFile("x", bytes(patched), mode=0o755))
    assert _only_message(result) == "cargo-auditable data: section .dep-v0 runs past the end of the file"
    struct.pack_into("<Q", patched, shoff + index * 64 + 32, 5 * 1024 * 1024)
    result = RUST_AUDIT.analyze(BytesFile("x", bytes(patched), mode=0o755))
    assert _only_message(result) == (
        "cargo-auditable data: section .dep-v0 is 5242880 bytes, above the 4194304 byte limit")


@pytest.mark.parametrize(("payload", "message"), [
    (b"", "cargo-auditable data: invalid JSON: Input is a zero-length, empty document: line 1 column 1 (char 0)"),
    (b"[1, 2]", "cargo-auditable data: no 'packages' array"),
    (b'{"packages": {"a": 1}}', "cargo-auditable data: no 'packages' array"),
    (b"[" * 5000 + b"]" * 5000, None),
])
def test_bad_json(payload: bytes, message: str | None) -> None:
    result = parse_audit_json("bin", payload, "rust-audit")
    assert result.packages == ()
    assert len(result.diagnostics) == 1
    if message is not None:
        assert result.diagnostics[0].message == message
    else:
        assert result.diagnostics[0].message.startswith("cargo-auditable data: invalid JSON")


def test_wrong_types_in_entries() -> None:
    payload = json.dumps({"packages": [
        "text", {"name": "a"}, {"name": "libc", "version": "0.2.151", "source": "crates.io",
                                "dependencies": [99, True, "x", -1, 4]},
        {"name": "ok", "version": "1.0.0", "dependencies": "all"},
        {"name": "memchr", "version": "2.6.4", "source": 7},
    ]}).encode()
    result = parse_audit_section("bin", zlib.compress(payload), "rust-audit")
    assert [(p.name, p.depends_on, dict(p.metadata)) for p in result.packages] == [
        ("libc", ("pkg:cargo/memchr@2.6.4",), {"source": "crates.io"}), ("ok", (), {}), ("memchr", (), {})]
    assert [d.message for d in result.diagnostics] == [
        "cargo-auditable data: package 0 is not an object",
        "cargo-auditable data: package 1 has no valid name and version",
        "cargo-auditable data: libc 0.2.151 has an invalid dependency index 99",
        "cargo-auditable data: libc 0.2.151 has an invalid dependency index True",
        "cargo-auditable data: libc 0.2.151 has an invalid dependency index 'x'",
        "cargo-auditable data: libc 0.2.151 has an invalid dependency index -1",
        "cargo-auditable data: dependencies of ok 1.0.0 are not an array",
    ]
