"""Pure parsers for Go: the module information of a binary, go.mod and go.sum.

Version strings are kept as Go writes them (``v1.2.3``); the standard library is the package ``stdlib``
with the toolchain version without its ``go`` prefix (``1.19.8``), as the Go vulnerability database
names it. Packages are identified by their purl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stockade.analyzers._base import AnalysisResult, Problems
from stockade.model import Location, Package
from stockade.model import purl as purls

ECOSYSTEM = "golang"
MAX_LINE = 64 * 1024
# build settings worth keeping on the main module (the rest are compiler flags)
_KEPT_SETTINGS = frozenset({"GOOS", "GOARCH", "CGO_ENABLED", "vcs", "vcs.revision", "vcs.time", "vcs.modified"})
_DIRECTIVES = frozenset({"module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract",
                         "tool", "ignore"})


def go_purl(module: str, version: str) -> str:
    namespace, _, name = module.rpartition("/")
    return purls.build(ECOSYSTEM, name, namespace=namespace, version=version)


def is_local_path(path: str) -> bool:
    """Whether a replacement target is a directory rather than a module path (as the go command decides)."""
    return (path in (".", "..") or path.startswith(("./", "../", "/", ".\\", "..\\", "\\"))
            or (len(path) >= 3 and path[1] == ":" and path[2] in "/\\"))


def stdlib_version(go_version: str) -> str:
    """``go1.19.8`` -> ``1.19.8``; ``go1.22.0 X:boringcrypto`` -> ``1.22.0``; "" for devel or unknown builds."""
    head = go_version.strip().split(" ", 1)[0]
    if head.startswith("go") and head[2:3].isdigit():
        return head[2:]
    return ""


# --- binaries ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Module:
    path: str
    version: str = ""
    sum: str = ""
    replace: _Module | None = None


@dataclass(slots=True)
class ModInfo:
    """The module information of a Go binary, as ``runtime/debug.ParseBuildInfo`` reads it."""

    path: str = ""
    main: _Module | None = None
    deps: list[_Module] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _unquote_setting(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def parse_modinfo_text(text: str) -> ModInfo:
    info = ModInfo()
    last: _Module | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        kind, _, rest = line.partition("\t")
        if kind == "path":
            info.path = rest
        elif kind in ("mod", "dep"):
            elem = rest.split("\t")
            if len(elem) not in (2, 3) or not elem[0]:
                info.problems.append(f"line {number}: malformed {kind} line")
                last = None
                continue
            module = _Module(elem[0], elem[1], elem[2] if len(elem) == 3 else "")
            if kind == "mod":
                info.main = module
            else:
                info.deps.append(module)
            last = module
        elif kind == "=>":
            elem = rest.split("\t")
            if last is None or len(elem) != 3:
                info.problems.append(f"line {number}: replacement without a module")
                continue
            last.replace = _Module(elem[0], elem[1], elem[2])
            last = None
        elif kind == "build":
            key, eq, value = rest.partition("=")
            if eq and key:
                info.settings[_unquote_setting(key)] = _unquote_setting(value)
        else:
            info.problems.append(f"line {number}: unknown module information line {kind[:40]!r}")
    return info


def parse_modinfo(path: str, go_version: str, modinfo: str, found_by: str) -> AnalysisResult:
    """The packages of a Go binary from its Go version and module information.

    Every dependency is reported; a replacement wins (its path and version are reported, the original
    goes into ``metadata["replaces"]``) unless it is a local directory, which has no version: then the
    original requirement is kept with ``metadata["replaced_by"]``. The main module is reported only when
    it has a real version (``(devel)``, what ``go build`` in a checkout records, is not one), with
    ``metadata["main"] = "true"`` and the dependencies as its ``depends_on``. The standard library is
    ``stdlib`` at the toolchain version.
    """
    info = parse_modinfo_text(modinfo)
    problems = Problems(path)
    for message in info.problems:
        problems.add(f"Go module information: {message}")
    arch = info.settings.get("GOARCH", "")
    loc = (Location(path),)
    packages: list[Package] = []
    seen: set[str] = set()

    def unique(pid: str) -> str:
        out, n = pid, 1
        while out in seen:
            n += 1
            out = f"{pid}|{n}"
        seen.add(out)
        return out

    dep_ids: list[str] = []
    for dep in info.deps:
        name, version = dep.path, dep.version
        metadata: dict[str, str] = {}
        if dep.replace is not None:
            repl = dep.replace
            if is_local_path(repl.path) or repl.version in ("", "(devel)"):
                metadata["replaced_by"] = repl.path
            else:
                metadata["replaces"] = f"{dep.path}@{dep.version}" if dep.version else dep.path
                name, version = repl.path, repl.version
                if repl.sum:
                    metadata["sum"] = repl.sum
        elif dep.sum:
            metadata["sum"] = dep.sum
        try:
            purl = go_purl(name, version)
        except purls.PurlError as exc:
            problems.add(f"Go module information: {exc}")
            continue
        pid = unique(purl)
        dep_ids.append(pid)
        packages.append(Package(name, version, ECOSYSTEM, purl, loc, found_by, metadata, arch=arch, id=pid))

    std = stdlib_version(go_version)
    if std:
        purl = go_purl("stdlib", std)
        packages.append(Package("stdlib", std, ECOSYSTEM, purl, loc, found_by, arch=arch, id=unique(purl)))

    main = info.main
    if main is not None and main.version not in ("", "(devel)"):
        metadata = {"main": "true"}
        metadata.update({k: v[:200] for k, v in info.settings.items() if k in _KEPT_SETTINGS})
        try:
            purl = go_purl(main.path, main.version)
        except purls.PurlError as exc:
            problems.add(f"Go module information: {exc}")
        else:
            packages.insert(0, Package(main.path, main.version, ECOSYSTEM, purl, loc, found_by, metadata,
                                       arch=arch, id=unique(purl), depends_on=tuple(dep_ids)))
    return AnalysisResult(tuple(packages), problems.done())


# --- go.mod ------------------------------------------------------------------------------------------


class _LexError(Exception):
    pass


def _tokens(line: str) -> tuple[list[str], str]:
    """The tokens of one go.mod line and its trailing comment text."""
    tokens: list[str] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t\r\ufeff":
            i += 1
        elif line.startswith("//", i):
            return tokens, line[i + 2 :].strip()
        elif c in "()":
            tokens.append(c)
            i += 1
        elif line.startswith("=>", i):
            tokens.append("=>")
            i += 2
        elif c == "`":
            end = line.find("`", i + 1)
            if end < 0:
                raise _LexError("unterminated raw string")
            tokens.append(line[i + 1 : end])
            i = end + 1
        elif c == '"':
            out: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise _LexError("unterminated quoted string")
                ch = line[i]
                if ch == "\\" and i + 1 < n:
                    out.append(line[i + 1])
                    i += 2
                elif ch == '"':
                    i += 1
                    break
                else:
                    out.append(ch)
                    i += 1
            tokens.append("".join(out))
        else:
            j = i
            while j < n and line[j] not in " \t\r()\"`" and not line.startswith("//", j):
                j += 1
            tokens.append(line[i:j])
            i = j
    return tokens, ""


@dataclass(frozen=True, slots=True)
class _Require:
    path: str
    version: str
    indirect: bool
    line: int


@dataclass(frozen=True, slots=True)
class _Replace:
    old: str
    old_version: str
    new: str
    new_version: str


def _is_indirect(comment: str) -> bool:
    return comment == "indirect" or comment.startswith("indirect;")


def parse_go_mod(path: str, text: str, found_by: str) -> AnalysisResult:
    """The required modules of a go.mod file, replacements applied.

    ``// indirect`` requirements get ``metadata["indirect"] = "true"``. A replacement by another module
    is reported as that module (``metadata["replaces"]`` names the original); a replacement by a local
    directory keeps the original requirement (``metadata["replaced_by"]`` names the directory). The main
    module itself is not a package (it has no version); ``exclude``, ``retract`` and the ``go`` and
    ``toolchain`` lines (a minimum, not the toolchain that builds) are not reported.
    """
    problems = Problems(path)
    requires: list[_Require] = []
    replaces: list[_Replace] = []
    block: str | None = None
    block_line = 0
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE:
            problems.add(f"line is {len(line)} characters long, above the {MAX_LINE} limit; skipped", number)
            continue
        try:
            tokens, comment = _tokens(line)
        except _LexError as exc:
            problems.add(str(exc), number)
            continue
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            verb, args = block, tokens
        else:
            verb, args = tokens[0], tokens[1:]
            if verb not in _DIRECTIVES:
                problems.add(f"unknown directive {verb[:60]!r}", number)
                continue
            if args == ["("]:
                block, block_line = verb, number
                continue
            if args == ["(", ")"]:
                continue
        if verb == "require":
            if len(args) != 2 or "=>" in args or "(" in args or ")" in args:
                problems.add("a requirement needs a module path and a version", number)
                continue
            requires.append(_Require(args[0], args[1], _is_indirect(comment), number))
        elif verb == "replace":
            if "=>" not in args:
                problems.add("a replacement needs '=>'", number)
                continue
            arrow = args.index("=>")
            old, new = args[:arrow], args[arrow + 1 :]
            if len(old) not in (1, 2) or len(new) not in (1, 2):
                problems.add("malformed replacement", number)
                continue
            replaces.append(_Replace(old[0], old[1] if len(old) == 2 else "", new[0],
                                     new[1] if len(new) == 2 else ""))
    if block is not None:
        problems.add(f"the {block} block opened here is not closed", block_line)

    exact = {(r.old, r.old_version): r for r in replaces if r.old_version}
    any_version = {r.old: r for r in replaces if not r.old_version}
    packages: list[Package] = []
    seen: set[str] = set()
    for req in requires:
        name, version = req.path, req.version
        metadata: dict[str, str] = {}
        if req.indirect:
            metadata["indirect"] = "true"
        repl = exact.get((req.path, req.version)) or any_version.get(req.path)
        if repl is not None:
            if is_local_path(repl.new) or not repl.new_version:
                metadata["replaced_by"] = repl.new
            else:
                metadata["replaces"] = f"{req.path}@{req.version}"
                name, version = repl.new, repl.new_version
        try:
            purl = go_purl(name, version)
        except purls.PurlError as exc:
            problems.add(str(exc), req.line)
            continue
        pid, n = purl, 1
        while pid in seen:
            n += 1
            pid = f"{purl}|{n}"
        seen.add(pid)
        packages.append(Package(name, version, ECOSYSTEM, purl, (Location(path, line=req.line),), found_by,
                                metadata, id=pid))
    return AnalysisResult(tuple(packages), problems.done())


# --- go.sum ------------------------------------------------------------------------------------------


def parse_go_sum(path: str, text: str, found_by: str) -> AnalysisResult:
    """Module versions named in a go.sum file, each once.

    A ``<version>/go.mod`` line only says the module's go.mod was read; it counts for that version all
    the same (a go.sum is a superset of the build list, which is why it is only a fallback source). The
    ``h1:`` hash of the module content goes into ``metadata["sum"]`` when present.
    """
    problems = Problems(path)
    order: list[tuple[str, str]] = []
    lines: dict[tuple[str, str], int] = {}
    sums: dict[tuple[str, str], str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE:
            problems.add(f"line is {len(line)} characters long, above the {MAX_LINE} limit; skipped", number)
            continue
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3 or not fields[2].startswith("h") or ":" not in fields[2]:
            problems.add("expected '<module> <version> <hash>'", number)
            continue
        module, version, digest = fields
        content = not version.endswith("/go.mod")
        version = version.removesuffix("/go.mod")
        key = (module, version)
        if key not in lines:
            lines[key] = number
            order.append(key)
        if content:
            sums.setdefault(key, digest)
    packages: list[Package] = []
    for module, version in order:
        try:
            purl = go_purl(module, version)
        except purls.PurlError as exc:
            problems.add(str(exc), lines[(module, version)])
            continue
        metadata = {"sum": sums[(module, version)]} if (module, version) in sums else {}
        packages.append(Package(module, version, ECOSYSTEM, purl, (Location(path, line=lines[(module, version)]),),
                                found_by, metadata, id=purl))
    return AnalysisResult(tuple(packages), problems.done())
