"""go-binary: real executables built by the local Go toolchain, synthetic build info, hostile ELF files."""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stockade.analyzers._base import BytesFile
from stockade.analyzers._elf import wants_executable
from stockade.analyzers.golang.analyzer import ANALYZERS, GO_BINARY
from stockade.analyzers.golang.parse import parse_modinfo, stdlib_version
from stockade.model import Package

TESTDATA = Path(__file__).parent / "testdata" / "gobuild"
GO = shutil.which("go")
needs_go = pytest.mark.skipif(GO is None, reason="the go toolchain is not installed (Debian: golang-go)")


def _proxy(root: Path) -> Path:
    """A file-system module proxy (GOPROXY protocol) serving the modules under testdata/gobuild/modules."""
    proxy = root / "proxy"
    for source in sorted((TESTDATA / "modules").glob("*/*/*@*")):
        module_dir, _, version = source.relative_to(TESTDATA / "modules").as_posix().partition("@")
        target = proxy / module_dir / "@v"
        target.mkdir(parents=True, exist_ok=True)
        with (target / "list").open("a") as fh:
            fh.write(version + "\n")
        (target / f"{version}.info").write_text(f'{{"Version":"{version}","Time":"2023-05-02T10:00:00Z"}}')
        (target / f"{version}.mod").write_bytes((source / "go.mod").read_bytes())
        with zipfile.ZipFile(target / f"{version}.zip", "w") as zf:
            for item in sorted(source.iterdir()):
                zf.write(item, f"{module_dir}@{version}/{item.name}")
    return proxy


@pytest.fixture(scope="session")
def go_build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Build the test application for a GOARCH (and extra flags) once per session, offline."""
    if GO is None:
        pytest.skip("the go toolchain is not installed (Debian: golang-go)")
    root = tmp_path_factory.mktemp("gobuild")
    proxy = _proxy(root)
    app = root / "app"
    shutil.copytree(TESTDATA / "app", app)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root), "GOCACHE": str(root / "cache"),
        "GOPATH": str(root / "gopath"), "GOPROXY": proxy.as_uri(), "GOSUMDB": "off", "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod -buildvcs=false", "CGO_ENABLED": "0", "GO111MODULE": "on", "GOENV": "off",
    }
    built: dict[tuple[str, tuple[str, ...]], Path] = {}

    def build(goarch: str = "amd64", *flags: str) -> Path:
        key = (goarch, flags)
        if key not in built:
            out = root / f"app-{goarch}-{len(built)}"
            proc = subprocess.run([GO, "build", *flags, "-o", str(out), "."], cwd=app, env={**env, "GOARCH": goarch},
                                  capture_output=True, text=True, timeout=300, check=False)
            assert proc.returncode == 0, proc.stderr
            built[key] = out
        return built[key]

    return build


@pytest.fixture(scope="session")
def go_version() -> str:
    assert GO is not None
    return subprocess.run([GO, "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()


def _analyze(path: Path, name: str = "usr/local/bin/app") -> Any:
    file = BytesFile(name, path.read_bytes(), mode=0o755)
    assert GO_BINARY.wants(file.path, file.size, file.mode)
    return GO_BINARY.analyze(file)


def _summary(packages: tuple[Package, ...]) -> list[tuple[str, str, str, dict[str, str]]]:
    return [(p.name, p.version, p.purl, {k: v for k, v in p.metadata.items() if k != "sum"}) for p in packages]


def _check_app(result: Any, go_version: str, arch: str) -> None:
    assert result.diagnostics == ()
    std = stdlib_version(go_version)
    assert _summary(result.packages) == [
        ("example.com/lib", "v1.2.3", "pkg:golang/example.com/lib@v1.2.3", {"replaced_by": "./lib"}),
        ("github.com/acme/color", "v1.1.0", "pkg:golang/github.com/acme/color@v1.1.0",
         {"replaces": "github.com/acme/colour@v1.0.0"}),
        ("github.com/acme/greet", "v1.4.2", "pkg:golang/github.com/acme/greet@v1.4.2", {}),
        ("stdlib", std, f"pkg:golang/stdlib@{std}", {}),
    ]
    sums = [p.metadata.get("sum", "") for p in result.packages]
    assert sums[0] == "" and sums[3] == ""
    assert all(s.startswith("h1:") and len(s) == 47 for s in sums[1:3])
    for pkg in result.packages:
        assert pkg.ecosystem == "golang"
        assert pkg.found_by == "go-binary"
        assert pkg.arch == arch
        assert pkg.id == pkg.purl
        assert [loc.path for loc in pkg.locations] == ["usr/local/bin/app"]


@needs_go
def test_real_binary(go_build: Callable[..., Path], go_version: str) -> None:
    _check_app(_analyze(go_build()), go_version, "amd64")


@needs_go
def test_stripped_binary(go_build: Callable[..., Path], go_version: str) -> None:
    _check_app(_analyze(go_build("amd64", "-ldflags=-s -w")), go_version, "amd64")


@needs_go
def test_binary_without_section_headers_is_found_through_the_data_segment(
        go_build: Callable[..., Path], go_version: str, tmp_path: Path) -> None:
    data = bytearray(go_build("amd64", "-ldflags=-s -w").read_bytes())
    struct.pack_into("<Q", data, 40, 0)  # e_shoff
    struct.pack_into("<HHH", data, 58, 0, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
    stripped = tmp_path / "app"
    stripped.write_bytes(bytes(data))
    _check_app(_analyze(stripped), go_version, "amd64")


@needs_go
@pytest.mark.slow
@pytest.mark.parametrize("goarch", ["386", "mips", "s390x"])  # 32-bit LE, 32-bit BE, 64-bit BE
def test_cross_compiled_binaries(go_build: Callable[..., Path], go_version: str, goarch: str) -> None:
    _check_app(_analyze(go_build(goarch)), go_version, goarch)


@needs_go
def test_truncated_real_binary_reports_the_broken_elf(go_build: Callable[..., Path]) -> None:
    data = go_build().read_bytes()[: 64 * 1024]
    result = GO_BINARY.analyze(BytesFile("app", data, mode=0o755))
    assert result.packages == ()
    # Go's linker writes the section headers early and the name table late: the names are what is lost
    assert [d.message for d in result.diagnostics] == [
        "ELF file: the section name table lies past the end of the file"]


# --- synthetic build info --------------------------------------------------------------------------

SENTINEL_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
SENTINEL_END = bytes.fromhex("f932433186182072008242104116d8f2")
MODINFO = (
    "path\tgithub.com/prometheus/node_exporter\n"
    "mod\tgithub.com/prometheus/node_exporter\tv1.6.1\th1:Ivz8ACnhmUprlXLMCQsn6vpW2/bZ4CQ0z8pAfx/VlcQ=\n"
    "dep\tgithub.com/alecthomas/kingpin/v2\tv2.3.2\th1:H0aULhgmSzN8xQ3nX1uxtdlTHYoPLu5AhHxWrKI6ocU=\n"
    "dep\tgolang.org/x/sys\tv0.8.0\th1:EBmGv8NaZBZTWvrbjNoL6HVt+IVy3QDQpJs7VRIw3tU=\n"
    "dep\tgithub.com/prometheus/procfs\tv0.10.0\t\n"
    "=>\tgithub.com/prometheus/procfs\tv0.10.1\th1:kYK1Va/YMlutzCGazswoHKo//tZVlFpKYh+PymziUAg=\n"
    "build\t-ldflags=\"-X github.com/prometheus/common/version.Version=1.6.1\"\n"
    "build\tCGO_ENABLED=0\n"
    "build\tGOARCH=arm64\n"
    "build\tGOOS=linux\n"
    "build\tvcs=git\n"
    "build\tvcs.revision=4fd16ed9a0b6bfe0af4c26c3e2a8dc8f16b1a2c8\n"
)


def _framed(text: str) -> bytes:
    return SENTINEL_START + text.encode() + SENTINEL_END


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _inline_header(version: str, modinfo: bytes, ptr_size: int = 8) -> bytes:
    v = version.encode()
    return (b"\xff Go buildinf:" + bytes([ptr_size, 2]) + b"\0" * 16 + _uvarint(len(v)) + v
            + _uvarint(len(modinfo)) + modinfo)


EXPECTED_NODE_EXPORTER = [
    ("github.com/prometheus/node_exporter", "v1.6.1", "pkg:golang/github.com/prometheus/node_exporter@v1.6.1",
     {"main": "true", "CGO_ENABLED": "0", "GOARCH": "arm64", "GOOS": "linux", "vcs": "git",
      "vcs.revision": "4fd16ed9a0b6bfe0af4c26c3e2a8dc8f16b1a2c8"}),
    ("github.com/alecthomas/kingpin/v2", "v2.3.2", "pkg:golang/github.com/alecthomas/kingpin/v2@v2.3.2", {}),
    ("golang.org/x/sys", "v0.8.0", "pkg:golang/golang.org/x/sys@v0.8.0", {}),
    ("github.com/prometheus/procfs", "v0.10.1", "pkg:golang/github.com/prometheus/procfs@v0.10.1",
     {"replaces": "github.com/prometheus/procfs@v0.10.0"}),
    ("stdlib", "1.20.6", "pkg:golang/stdlib@1.20.6", {}),
]


def test_inline_build_info_with_a_main_module(elf_builder: Callable[..., bytes], sec: Any) -> None:
    section = _inline_header("go1.20.6", _framed(MODINFO))
    data = elf_builder([sec(".text", b"\x90" * 32, addr=0x401000),
                        sec(".go.buildinfo", section, addr=0x500000, writable=True)], machine=183)
    result = GO_BINARY.analyze(BytesFile("bin/node_exporter", data, mode=0o755))
    assert result.diagnostics == ()
    assert _summary(result.packages) == EXPECTED_NODE_EXPORTER
    main = result.packages[0]
    assert main.depends_on == tuple(p.id for p in result.packages[1:4])
    assert result.packages[3].metadata["sum"] == "h1:kYK1Va/YMlutzCGazswoHKo//tZVlFpKYh+PymziUAg="
    assert {p.arch for p in result.packages} == {"arm64"}


@pytest.mark.parametrize(("is64", "big"), [(True, False), (False, False), (False, True), (True, True)])
def test_pointer_format_build_info(elf_builder: Callable[..., bytes], sec: Any, is64: bool, big: bool) -> None:
    """Before Go 1.18 the header points at Go string headers in the data segment."""
    ptr = 8 if is64 else 4
    order, code = (">" if big else "<"), ("Q" if is64 else "I")
    fmt = order + code
    version, modinfo = b"go1.16.15", _framed(MODINFO)
    rodata_addr, data_addr = 0x480000, 0x520000
    rodata = version + b"\0" * 7 + modinfo
    # string headers (data pointer, length) for the version and the module information
    headers = struct.pack(order + code * 4, rodata_addr, len(version), rodata_addr + 16, len(modinfo))
    flags = 1 if big else 0
    header = (b"\xff Go buildinf:" + bytes([ptr, flags]) + struct.pack(fmt, data_addr)
              + struct.pack(fmt, data_addr + 2 * ptr)).ljust(32, b"\0")
    data = elf_builder([sec(".rodata", rodata, addr=rodata_addr),
                        sec(".go.buildinfo", header, addr=0x510000, writable=True),
                        sec(".data", headers, addr=data_addr, writable=True)], is64=is64, big=big)
    result = GO_BINARY.analyze(BytesFile("app", data, mode=0o755))
    assert result.diagnostics == ()
    expected = [*EXPECTED_NODE_EXPORTER[:-1], ("stdlib", "1.16.15", "pkg:golang/stdlib@1.16.15", {})]
    assert _summary(result.packages) == expected


def test_build_info_found_by_scanning_the_data_segment(elf_builder: Callable[..., bytes], sec: Any) -> None:
    # a first magic at offset 40 is not 16-byte aligned and must be skipped; the real header is at 64
    blob = b"\0" * 40 + b"\xff Go buildinf:\x08\x02" + b"\0" * 8 + _inline_header("go1.21.3", _framed(MODINFO))
    data = elf_builder([sec(".text", b"\x90" * 32, addr=0x401000), sec(".data", blob, addr=0x500000, writable=True)],
                       with_sections=False)
    result = GO_BINARY.analyze(BytesFile("app", data, mode=0o755))
    assert result.diagnostics == ()
    assert result.packages[-1].version == "1.21.3"
    assert len(result.packages) == 5


def test_binary_without_module_information_reports_stdlib(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = elf_builder([sec(".go.buildinfo", _inline_header("go1.19.13", b""), addr=0x500000, writable=True)])
    result = GO_BINARY.analyze(BytesFile("app", data, mode=0o755))
    assert result.diagnostics == ()
    assert _summary(result.packages) == [("stdlib", "1.19.13", "pkg:golang/stdlib@1.19.13", {})]


def test_devel_toolchain_has_no_stdlib_and_experiments_are_dropped() -> None:
    assert stdlib_version("devel go1.22-5b3a9c4 Tue Oct 3 2023") == ""
    assert stdlib_version("go1.22.0 X:boringcrypto") == "1.22.0"
    assert stdlib_version("go1.21rc2") == "1.21rc2"
    result = parse_modinfo("app", "devel +abc", "", "go-binary")
    assert result.packages == ()


def test_local_replacement_in_a_dependency_keeps_the_requirement() -> None:
    text = ("path\texample.com/tool\nmod\texample.com/tool\t(devel)\t\n"
            "dep\tgithub.com/spf13/cobra\tv1.7.0\t\n=>\t../cobra\t(devel)\t\n")
    result = parse_modinfo("tool", "go1.21.0", text, "go-binary")
    assert _summary(result.packages) == [
        ("github.com/spf13/cobra", "v1.7.0", "pkg:golang/github.com/spf13/cobra@v1.7.0", {"replaced_by": "../cobra"}),
        ("stdlib", "1.21.0", "pkg:golang/stdlib@1.21.0", {}),
    ]


def test_malformed_module_information_lines() -> None:
    text = "dep\tonly-a-path\n=>\tx\tv1\t\nweird line\nbuild\tGOOS=linux\ndep\tgolang.org/x/net\tv0.17.0\t\n"
    result = parse_modinfo("app", "go1.21.0", text, "go-binary")
    assert [d.message for d in result.diagnostics] == [
        "Go module information: line 1: malformed dep line",
        "Go module information: line 2: replacement without a module",
        "Go module information: line 3: unknown module information line 'weird line'",
    ]
    assert [p.name for p in result.packages] == ["golang.org/x/net", "stdlib"]


# --- hostile input ---------------------------------------------------------------------------------


def _only_diagnostic(data: bytes) -> str:
    result = GO_BINARY.analyze(BytesFile("app", data, mode=0o755))
    assert result.packages == ()
    assert len(result.diagnostics) == 1
    return result.diagnostics[0].message


def test_truncated_elf_header() -> None:
    assert _only_diagnostic(b"\x7fELF\x02\x01\x01" + b"\0" * 30) == "unreadable ELF file: truncated ELF header"


def test_section_table_offset_past_eof(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = bytearray(elf_builder([sec(".text", b"\x90" * 32, addr=0x401000)]))
    struct.pack_into("<Q", data, 40, 0xFFFF_FFFF_0000)
    assert _only_diagnostic(bytes(data)) == "ELF file: the section header table lies past the end of the file"


def test_huge_section_count_in_header(elf_builder: Callable[..., bytes], sec: Any) -> None:
    data = bytearray(elf_builder([sec(".text", b"\x90" * 32, addr=0x401000)]))
    struct.pack_into("<H", data, 60, 0xFFFF)
    assert _only_diagnostic(bytes(data)) == (
        "ELF file: the section header table (65535 entries) runs past the end of the file")


def test_build_info_lengths_past_the_end(elf_builder: Callable[..., bytes], sec: Any) -> None:
    section = b"\xff Go buildinf:\x08\x02" + b"\0" * 16 + _uvarint(8) + b"go1.21.0" + _uvarint(100_000) + b"x" * 10
    data = elf_builder([sec(".go.buildinfo", section, addr=0x500000, writable=True)])
    assert _only_diagnostic(data) == (
        "Go build info: module information length 100000 runs past the end of the build info")


def test_build_info_length_above_limit(elf_builder: Callable[..., bytes], sec: Any) -> None:
    section = b"\xff Go buildinf:\x08\x02" + b"\0" * 16 + _uvarint(1 << 40)
    data = elf_builder([sec(".go.buildinfo", section, addr=0x500000, writable=True)])
    assert _only_diagnostic(data) == (
        f"Go build info: Go version length {1 << 40} is above the 4096 byte limit")


def test_build_info_truncated_varint(elf_builder: Callable[..., bytes], sec: Any) -> None:
    section = b"\xff Go buildinf:\x08\x02" + b"\0" * 16 + b"\xff" * 5
    data = elf_builder([sec(".go.buildinfo", section, addr=0x500000, writable=True)])
    assert _only_diagnostic(data) == "Go build info: truncated string length"


def test_pointer_format_with_dangling_pointers(elf_builder: Callable[..., bytes], sec: Any) -> None:
    header = (b"\xff Go buildinf:\x08\x00" + struct.pack("<QQ", 0xDEAD0000, 0xBEEF0000))
    data = elf_builder([sec(".go.buildinfo", header, addr=0x500000, writable=True)])
    assert _only_diagnostic(data) == "Go build info: the Go version string header at 0xdead0000 is not in the file"
    header = (b"\xff Go buildinf:\x03\x00").ljust(32, b"\0")
    data = elf_builder([sec(".go.buildinfo", header, addr=0x500000, writable=True)])
    assert _only_diagnostic(data) == "Go build info: unsupported pointer size 3"


def test_not_go_and_not_elf_give_nothing(elf_builder: Callable[..., bytes], sec: Any) -> None:
    plain = elf_builder([sec(".text", b"\x90" * 2000, addr=0x401000), sec(".data", b"\0" * 64, addr=0x500000,
                                                                          writable=True)])
    assert GO_BINARY.analyze(BytesFile("usr/bin/true", plain, mode=0o755)).packages == ()
    assert GO_BINARY.analyze(BytesFile("usr/bin/true", plain, mode=0o755)).diagnostics == ()
    empty = GO_BINARY.analyze(BytesFile("run.sh", b"#!/bin/sh\n" + b"echo hi\n" * 200, mode=0o755))
    assert (empty.packages, empty.diagnostics) == ((), ())
    noise = random.Random(7).randbytes(4096).replace(b"\x7fELF", b"xxxx")
    garbage = GO_BINARY.analyze(BytesFile("blob", noise, mode=0o755))
    assert (garbage.packages, garbage.diagnostics) == ((), ())


def test_wants_executables_only() -> None:
    assert wants_executable("usr/local/bin/kubectl", 50_000_000, 0o755)
    assert wants_executable("app", 2048, 0o700)
    assert wants_executable("opt/app/lib/libfoo.so.1", 2048, 0o755)
    assert not wants_executable("usr/local/bin/kubectl", 50_000_000, 0o644)  # no executable bit
    assert not wants_executable("usr/bin/tiny", 100, 0o755)
    assert not wants_executable("usr/bin/huge", 600 * 1024 * 1024, 0o755)
    assert not wants_executable("usr/share/doc/x/run", 4096, 0o755)
    assert not wants_executable("usr/local/bin/install.sh", 4096, 0o755)
    assert not wants_executable("srv/app/manage.py", 4096, 0o755)
    assert wants_executable(".hidden", 4096, 0o755)


def test_analyzer_wiring() -> None:
    assert [(a.id, a.version, sorted(a.targets)) for a in ANALYZERS] == [
        ("go-binary", 1, ["image", "rootfs"]), ("go-mod", 1, ["filesystem"])]
