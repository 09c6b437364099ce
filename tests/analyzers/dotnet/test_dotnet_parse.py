"""dotnet-deps and nuget-lock: *.deps.json and packages.lock.json, and hostile JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockade.analyzers._base import AnalysisResult, BytesFile
from stockade.analyzers.dotnet.analyzer import (
    ANALYZERS,
    DOTNET_DEPS,
    NUGET_LOCK,
    wants_deps_json,
    wants_packages_lock,
)
from stockade.analyzers.dotnet.parse import parse_deps_json, parse_packages_lock

TESTDATA = Path(__file__).parent / "testdata"


def _analyze(analyzer: object, path: str, data: bytes) -> AnalysisResult:
    file = BytesFile(path, data)
    assert analyzer.wants(file.path, file.size, file.mode)  # type: ignore[attr-defined]
    return analyzer.analyze(file)  # type: ignore[attr-defined, no-any-return]


def test_deps_json() -> None:
    result = _analyze(DOTNET_DEPS, "app/WebApi.deps.json", (TESTDATA / "WebApi.deps.json").read_bytes())
    assert result.diagnostics == ()
    assert [(p.name, p.version, p.purl, p.locations[0].line, dict(p.metadata), p.dev, p.depends_on)
            for p in result.packages] == [
        ("Microsoft.NETCore.App.Runtime.linux-x64", "6.0.25",
         "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@6.0.25", 101, {"type": "runtimepack"}, False, ()),
        ("Microsoft.CodeAnalysis.Analyzers", "3.3.4", "pkg:nuget/Microsoft.CodeAnalysis.Analyzers@3.3.4", 106, {},
         True, ()),
        ("Newtonsoft.Json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3", 113, {}, False, ()),
        ("Serilog", "2.12.0", "pkg:nuget/Serilog@2.12.0", 120, {}, False, ()),
        ("Serilog.AspNetCore", "7.0.0", "pkg:nuget/Serilog.AspNetCore@7.0.0", 127, {}, False,
         ("pkg:nuget/Serilog@2.12.0", "pkg:nuget/Serilog.Sinks.Console@4.1.0")),
        ("Serilog.Sinks.Console", "4.1.0", "pkg:nuget/Serilog.Sinks.Console@4.1.0", 134, {}, False,
         ("pkg:nuget/Serilog@2.12.0",)),
        ("SQLitePCLRaw.lib.e_sqlite3", "2.1.4", "pkg:nuget/SQLitePCLRaw.lib.e_sqlite3@2.1.4", 141, {}, False, ()),
    ]
    for pkg in result.packages:
        assert (pkg.ecosystem, pkg.found_by, pkg.id, pkg.locations[0].path) == (
            "nuget", "dotnet-deps", pkg.purl, "app/WebApi.deps.json")


def test_packages_lock() -> None:
    result = _analyze(NUGET_LOCK, "src/Inventory/packages.lock.json", (TESTDATA / "packages.lock.json").read_bytes())
    assert result.diagnostics == ()
    logging6, newtonsoft, di, di_abs, log_abs6, logging8, log_abs8 = result.packages
    assert [(p.name, p.version, p.purl, p.locations[0].line, dict(p.metadata)) for p in result.packages] == [
        ("Microsoft.Extensions.Logging", "6.0.0", "pkg:nuget/Microsoft.Extensions.Logging@6.0.0", 5,
         {"frameworks": "net6.0", "direct": "true"}),
        ("Newtonsoft.Json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3", 15,
         {"frameworks": "net6.0,net8.0", "direct": "true"}),
        ("Microsoft.Extensions.DependencyInjection", "6.0.0",
         "pkg:nuget/Microsoft.Extensions.DependencyInjection@6.0.0", 21, {"frameworks": "net6.0"}),
        ("Microsoft.Extensions.DependencyInjection.Abstractions", "6.0.0",
         "pkg:nuget/Microsoft.Extensions.DependencyInjection.Abstractions@6.0.0", 29, {"frameworks": "net6.0"}),
        ("Microsoft.Extensions.Logging.Abstractions", "6.0.4",
         "pkg:nuget/Microsoft.Extensions.Logging.Abstractions@6.0.4", 34, {"frameworks": "net6.0"}),
        ("Microsoft.Extensions.Logging", "8.0.0", "pkg:nuget/Microsoft.Extensions.Logging@8.0.0", 48,
         {"frameworks": "net8.0", "direct": "true"}),
        ("Microsoft.Extensions.Logging.Abstractions", "8.0.0",
         "pkg:nuget/Microsoft.Extensions.Logging.Abstractions@8.0.0", 63, {"frameworks": "net8.0"}),
    ]
    # the dependency resolves to the version its own framework locks (6.0.4 for net6.0, 8.0.0 for net8.0)
    assert logging6.depends_on == (di.id, log_abs6.id)
    assert logging8.depends_on == (log_abs8.id,)
    assert di.depends_on == (di_abs.id,)
    assert newtonsoft.depends_on == ()
    for pkg in result.packages:
        assert (pkg.ecosystem, pkg.found_by, pkg.id, pkg.dev) == ("nuget", "nuget-lock", pkg.purl, False)


def test_names_compare_without_case() -> None:
    lock = {"version": 1, "dependencies": {"net7.0": {
        "Serilog.Sinks.File": {"type": "Direct", "resolved": "5.0.0", "dependencies": {"serilog": "2.10.0"}},
        "Serilog": {"type": "Transitive", "resolved": "2.10.0"}}}}
    result = parse_packages_lock("packages.lock.json", json.dumps(lock).encode(), "nuget-lock")
    assert result.packages[0].depends_on == ("pkg:nuget/Serilog@2.10.0",)


def test_wants_and_wiring() -> None:
    assert wants_deps_json("app/WebApi.deps.json", 1, 0o644)
    assert wants_deps_json("usr/share/dotnet/shared/Microsoft.NETCore.App/6.0.25/Microsoft.NETCore.App.deps.json",
                           1, 0o644)
    assert not wants_deps_json("app/WebApi.runtimeconfig.json", 1, 0o644)
    assert wants_packages_lock("packages.lock.json", 1, 0o644)
    assert wants_packages_lock("src/a/packages.lock.json", 1, 0o644)
    assert not wants_packages_lock("src/a/my.packages.lock.json", 1, 0o644)
    assert [(a.id, a.version, sorted(a.targets)) for a in ANALYZERS] == [
        ("dotnet-deps", 1, ["image", "rootfs"]), ("nuget-lock", 1, ["filesystem"])]


# --- hostile input ---------------------------------------------------------------------------------

PARSERS = [parse_deps_json, parse_packages_lock]


def _messages(result: AnalysisResult) -> list[tuple[int | None, str]]:
    return [(d.location.line, d.message) for d in result.diagnostics]


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(("data", "message"), [
    (b"", "invalid JSON: Input is a zero-length, empty document: line 1 column 1 (char 0)"),
    (b"[1, 2, 3]", "the top level is not a JSON object"),
    (b"\x00\x01\xfe\xff binary", None),
    (b"[" * 5000 + b"]" * 5000, None),
])
def test_not_json(parse: object, data: bytes, message: str | None) -> None:
    result = parse("x.json", data, "t")  # type: ignore[operator]
    assert result.packages == ()
    assert len(result.diagnostics) == 1
    if message is None:
        assert result.diagnostics[0].message.startswith("invalid JSON: ")
    else:
        assert result.diagnostics[0].message == message


def test_truncated() -> None:
    data = (TESTDATA / "WebApi.deps.json").read_bytes()
    result = parse_deps_json("a.deps.json", data[: len(data) // 2], "dotnet-deps")
    assert result.packages == ()
    assert result.diagnostics[0].message.startswith("invalid JSON: ")
    data = (TESTDATA / "packages.lock.json").read_bytes()
    result = parse_packages_lock("packages.lock.json", data[:-10], "nuget-lock")
    assert result.packages == ()
    assert result.diagnostics[0].message.startswith("invalid JSON: ")


def test_deps_json_wrong_types() -> None:
    doc = {"targets": {"x": [1], "y": {"Serilog/2.12.0": {"dependencies": ["nope"], "runtime": {"a.dll": {}}}}},
           "libraries": {"Serilog/2.12.0": {"type": "package"}, "NoVersion": {"type": "package"},
                         "Broken/1.0": "text", "Long/" + "9" * 5000: {"type": "package"},
                         "Ref/1.0.0": {"type": "reference"}}}
    result = parse_deps_json("a.deps.json", json.dumps(doc, indent=1).encode(), "dotnet-deps")
    assert [(p.name, p.version, p.dev) for p in result.packages] == [("Serilog", "2.12.0", False)]
    assert [m for _, m in _messages(result)] == [
        "target 'x' is not an object",
        "library key 'NoVersion' is not 'name/version'",
        "library 'Broken/1.0' is not an object",
        "library key 'Long/" + "9" * 95 + "' is not 'name/version'",
        "dependencies of 'Serilog/2.12.0' are not an object",
    ]
    assert _messages(parse_deps_json("a", b'{"libraries": []}', "t")) == [(None, "no 'libraries' object")]
    assert _messages(parse_deps_json("a", b'{"libraries": {}, "targets": 3}', "t")) == [
        (None, "'targets' is not an object")]


def test_packages_lock_wrong_types() -> None:
    doc = {"version": 1, "dependencies": {"net6.0": {
        "A": "text", "B": {"type": "Direct"}, "C": {"type": "Direct", "resolved": 13},
        "D": {"type": "Transitive", "resolved": "1.0.0", "dependencies": "E"}}, "net7.0": []}}
    result = parse_packages_lock("packages.lock.json", json.dumps(doc, indent=2).encode(), "nuget-lock")
    assert [(p.name, p.version) for p in result.packages] == [("D", "1.0.0")]
    assert _messages(result) == [
        (5, "'A' in 'net6.0' is not an object"),
        (6, "'B' in 'net6.0' has no resolved version"),
        (9, "'C' in 'net6.0' has no resolved version"),
        (13, "dependencies of 'D' in 'net6.0' are not an object"),
        (19, "framework 'net7.0' is not an object"),
    ]
    assert _messages(parse_packages_lock("p", b'{"version": 1}', "t")) == [(None, "no 'dependencies' object")]


def test_huge_file_is_refused() -> None:
    result = NUGET_LOCK.analyze(BytesFile("packages.lock.json", b" " * (33 * 1024 * 1024)))
    assert [d.message for d in result.diagnostics] == [
        "packages.lock.json: 34603008 bytes is above the 33554432 byte limit for this file type"]
