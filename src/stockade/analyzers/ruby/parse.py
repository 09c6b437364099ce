"""Ruby gem metadata and lockfiles, parsed without I/O: ``(path, bytes)`` in, packages and diagnostics out.

* ``specifications/*.gemspec`` (installed; also ``specifications/default/`` for default gems): the Ruby
  source RubyGems writes for an installed gem. It is never executed: ``name``, ``version`` (also
  ``Gem::Version.new("1.2")``), ``licenses``/``license`` and ``platform`` are read by regular expressions
  from ``s.name = "rake".freeze`` style assignments, with the ``# stub: name version platform`` comment
  line as a fallback for name and version.
* ``Gemfile.lock``: the ``GEM``, ``GIT``, ``PATH`` and ``PLUGIN SOURCE`` sections. A 4-space
  ``name (version)`` line under ``specs:`` is a package, the 6-space lines below it are its dependencies
  (resolved by name). ``nokogiri (1.15.4-x86_64-linux)`` is version ``1.15.4`` on platform
  ``x86_64-linux`` (``metadata["platform"]`` and the purl's ``platform`` qualifier). A malformed line is
  reported at its line number and skipped. Gemfile.lock does not record groups, so nothing is dev.
"""

from __future__ import annotations

import re

from stockade.analyzers._base import AnalysisResult, Problems, clip, decode, failed, never_raises, unique_ids
from stockade.model import Location, Package
from stockade.model import purl as purls

GEMSPEC = "ruby-gemspec"
GEMFILE_LOCK = "gemfile-lock"

ECOSYSTEM = "gem"
MAX_LINE = 64 * 1024


# --- common pieces ----------------------------------------------------------------------------------


def gem_purl(name: str, version: str, platform: str = "") -> str:
    """``pkg:gem/nokogiri@1.15.4?platform=x86_64-linux``; the default ``ruby`` platform is left out."""
    qualifiers = {"platform": platform} if platform and platform != "ruby" else None
    try:
        return purls.build(ECOSYSTEM, name, version=version, qualifiers=qualifiers)
    except purls.PurlError:
        return ""


_GEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


# --- installed: specifications/*.gemspec --------------------------------------------------------------

# a Ruby string literal as RubyGems writes them: "x", 'x' or the older %q{x}
_LITERAL = r"""(?:"(?P<{0}d>[^"\n]*)"|'(?P<{0}s>[^'\n]*)'|%q\{{(?P<{0}p>[^}}\n]*)\}})"""


def _assignment(attribute: str, *, wrapped: bool = False) -> re.Pattern[str]:
    value = _LITERAL.format("v")
    if wrapped:  # Gem::Version.new("1.2")
        value = rf"(?:Gem::Version\.new\(\s*)?{value}"
    return re.compile(rf"^[ \t]*\w+\.{attribute}[ \t]*=[ \t]*{value}", re.MULTILINE)


_NAME = _assignment("name")
_VERSION = _assignment("version", wrapped=True)
_PLATFORM = _assignment("platform")
_LICENSES = re.compile(r"^[ \t]*\w+\.licenses?[ \t]*=[ \t]*(?P<v>\[[^\]\n]*\]|\"[^\"\n]*\"|'[^'\n]*')", re.MULTILINE)
_STRINGS = re.compile(r"\"([^\"\n]*)\"|'([^'\n]*)'")
_STUB = re.compile(r"^# stub: (\S+) (\S+)(?: (\S+))?", re.MULTILINE)


def _literal(match: re.Match[str] | None) -> str:
    if match is None:
        return ""
    return next((value for value in (match.group("vd"), match.group("vs"), match.group("vp")) if value), "").strip()


@never_raises
def parse_gemspec(path: str, data: bytes) -> AnalysisResult:
    """An installed gem's specification, read (never run) as text."""
    if b"\x00" in data:
        return failed(path, "not a text file (it contains NUL bytes)")
    text = decode(data)
    name, version = _literal(_NAME.search(text)), _literal(_VERSION.search(text))
    platform = _literal(_PLATFORM.search(text))
    stub = _STUB.search(text)
    if stub and (not name or not version):
        name, version = name or stub.group(1), version or stub.group(2)
        platform = platform or (stub.group(3) or "")
    if not name or not version:
        return failed(path, "no gem name and version found in the specification")
    if not _GEM_NAME.fullmatch(name):
        return failed(path, f"invalid gem name {clip(name)!r}")
    licenses: list[str] = []
    found = _LICENSES.search(text)
    if found:
        licenses = [(a or b).strip() for a, b in _STRINGS.findall(found.group("v")) if (a or b).strip()]
    platform = "" if platform == "ruby" else platform
    package = Package(
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        purl=gem_purl(name, version, platform),
        locations=(Location(path),),
        found_by=GEMSPEC,
        licenses=tuple(dict.fromkeys(licenses)),
        metadata={"platform": platform} if platform else {},
    )
    return AnalysisResult(packages=(package,))


# --- Gemfile.lock -----------------------------------------------------------------------------------

_SOURCES = {"GEM": "gem", "GIT": "git", "PATH": "path", "PLUGIN SOURCE": "plugin"}
_SECTION = re.compile(r"[A-Z][A-Z ]*")
_SPEC = re.compile(r"(?P<name>[^\s()]+) \((?P<version>[^\s()]+)\)")
_DEPENDENCY = re.compile(r"(?P<name>[^\s()!]+)(?: \([^()]*\))?!?")
_OPTION = re.compile(r"(?P<key>[a-z_]+):(?: (?P<value>.*))?")


class _Spec:
    __slots__ = ("depends", "line", "metadata", "name", "platform", "version")

    def __init__(self, name: str, version: str, platform: str, line: int, metadata: dict[str, str]) -> None:
        self.name = name
        self.version = version
        self.platform = platform
        self.line = line
        self.metadata = metadata
        self.depends: list[str] = []


@never_raises
def parse_gemfile_lock(path: str, data: bytes) -> AnalysisResult:
    """A Bundler ``Gemfile.lock``: one package per spec, dependency edges by gem name."""
    if b"\x00" in data:
        return failed(path, "not a text file (it contains NUL bytes)")
    text = decode(data)
    if not text.strip():
        return failed(path, "empty Gemfile.lock")
    problems = Problems(path)
    specs: list[_Spec] = []
    section: str | None = None  # the current top-level section, "" for one whose content is not read
    options: dict[str, str] = {}
    in_specs = False
    current: _Spec | None = None
    skipping = False  # the dependency lines of a malformed spec line
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            problems.add(f"line is too long ({len(line)} characters)", number)
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line[indent:]
        if indent == 0:
            if not _SECTION.fullmatch(body):
                problems.add(f"unexpected line: {clip(body)!r}", number)
                section = ""
            else:
                section = body if body in _SOURCES else ""
            options, in_specs, current, skipping = {}, False, None, False
            continue
        if section is None:
            problems.add(f"line before any section: {clip(body)!r}", number)
            continue
        if not section:
            continue  # PLATFORMS, DEPENDENCIES, RUBY VERSION, BUNDLED WITH, CHECKSUMS...
        if indent == 2:
            option = _OPTION.fullmatch(body)
            if option is None:
                problems.add(f"malformed source line: {clip(body)!r}", number)
            elif option.group("key") == "specs":
                in_specs = True
            else:
                options[option.group("key")] = (option.group("value") or "").strip()
            current, skipping = None, False
            continue
        if indent == 4 and in_specs:
            matched = _SPEC.fullmatch(body)
            current, skipping = None, matched is None
            if matched is None:
                problems.add(f"malformed spec line: {clip(body)!r}", number)
                continue
            version, _, platform = matched.group("version").partition("-")
            metadata: dict[str, str] = {}
            kind = _SOURCES[section]
            if kind != "gem":
                metadata["source"] = kind
                for key in ("remote", "revision"):
                    if options.get(key):
                        metadata[key] = options[key]
            if platform:
                metadata["platform"] = platform
            current = _Spec(matched.group("name"), version, platform, number, metadata)
            specs.append(current)
            continue
        if indent == 6 and skipping:
            continue
        if indent == 6 and current is not None:
            dependency = _DEPENDENCY.fullmatch(body)
            if dependency is None:
                problems.add(f"malformed dependency line: {clip(body)!r}", number)
            else:
                current.depends.append(dependency.group("name"))
            continue
        problems.add(f"unexpected indentation of {indent} spaces", number)

    if not specs and not any(line.rstrip("\r") in _SOURCES for line in text.split("\n")):
        problems.add("not a Gemfile.lock: no GEM, GIT or PATH section")
    valid = [spec for spec in specs if gem_purl(spec.name, spec.version, spec.platform)]
    ids = unique_ids(gem_purl(spec.name, spec.version, spec.platform) for spec in valid)
    by_name: dict[str, list[str]] = {}
    for spec, package_id in zip(valid, ids, strict=True):
        by_name.setdefault(spec.name, []).append(package_id)
    packages = []
    for spec, package_id in zip(valid, ids, strict=True):
        depends = [target for name in spec.depends for target in by_name.get(name, ()) if target != package_id]
        packages.append(
            Package(
                name=spec.name,
                version=spec.version,
                ecosystem=ECOSYSTEM,
                purl=gem_purl(spec.name, spec.version, spec.platform),
                locations=(Location(path, line=spec.line),),
                found_by=GEMFILE_LOCK,
                metadata=spec.metadata,
                id=package_id,
                depends_on=tuple(dict.fromkeys(depends)),
            )
        )
    return AnalysisResult(packages=tuple(packages), diagnostics=problems.done())
