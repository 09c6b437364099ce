"""Match packages against advisories, exactly as the OSV schema defines it.

- A package is looked up by the ecosystem of its advisories: Debian and Ubuntu packages by their *source*
  package name and source version (vulnerability data is keyed by source), Alpine by origin, RPM distros by
  binary name, language packages by name; OS packages only in their own release (``Debian:12``,
  ``Alpine:v3.19``, ``Ubuntu:22.04:LTS``).
- ``versions[]`` lists match exactly; ``ranges[]`` are evaluated by the schema's algorithm: events sorted by
  version (``introduced: "0"`` first), ``introduced`` opens, ``fixed`` closes at the fix, ``last_affected``
  closes after it, ``limit`` closes at the limit. ``ECOSYSTEM`` ranges compare with the ecosystem's own
  version scheme, ``SEMVER`` ranges with SemVer 2.0 precedence, ``GIT`` ranges are never matched (commits
  are not versions). Withdrawn advisories are never returned by the store.
- The fix state is the distro's own where it says one (Debian's ``no-dsa``, ``ignored``, end of life) and
  otherwise follows the ranges: a ``fixed`` event above the installed version is a released fix; an
  unreleased fix is reported as ``affected`` with no fixed version.
- Records that are aliases of each other (CVE, GHSA, PYSEC, DSA ...) become one finding listing every id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from stockade.model import Diagnostic, DiagnosticLevel, Finding, FindingKind, Location, OSInfo, Package, Severity
from stockade.vulndb import versions
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range
from stockade.vulndb.severity import DEFAULT_ORDER, Rating, rate

# purl type -> OSV ecosystem (lower case, the part before any ':')
LANGUAGE_ECOSYSTEMS = {
    "pypi": "pypi", "npm": "npm", "golang": "go", "maven": "maven", "cargo": "crates.io", "gem": "rubygems",
    "composer": "packagist", "nuget": "nuget", "hex": "hex", "pub": "pub",
}
_RPM_FAMILIES = {
    "almalinux": "almalinux", "rocky": "rocky linux", "amazon": "amazon linux", "rhel": "red hat",
    "opensuse-leap": "opensuse", "opensuse-tumbleweed": "opensuse", "opensuse-leap-micro": "opensuse",
    "sles": "suse", "sled": "suse", "sle-micro": "suse", "mariner": "azure linux", "azurelinux": "azure linux",
    "openeuler": "openeuler", "photon": "photon os", "mageia": "mageia",
}
_APK_FAMILIES = {"alpine": "alpine", "wolfi": "wolfi", "chainguard": "chainguard"}
# lookup ecosystem -> the name of OSV's per-ecosystem export (<NAME>/all.zip)
EXPORT_NAMES = {
    "debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine", "wolfi": "Wolfi", "chainguard": "Chainguard",
    "pypi": "PyPI", "npm": "npm", "go": "Go", "maven": "Maven", "crates.io": "crates.io", "rubygems": "RubyGems",
    "packagist": "Packagist", "nuget": "NuGet", "hex": "Hex", "pub": "Pub", "almalinux": "AlmaLinux",
    "rocky linux": "Rocky Linux", "red hat": "Red Hat", "opensuse": "openSUSE", "suse": "SUSE",
    "azure linux": "Azure Linux", "openeuler": "openEuler", "photon os": "Photon OS", "mageia": "Mageia",
    "amazon linux": "Amazon Linux",
}


def needed_exports(packages: Iterable[Package], os_info: OSInfo | None) -> list[str]:
    """The OSV exports these packages need (for ``stockade db update`` without ``--ecosystems``)."""
    names = set()
    for pkg in packages:
        query = query_for(pkg, os_info)
        if query is not None and query.ecosystem in EXPORT_NAMES:
            names.add(EXPORT_NAMES[query.ecosystem])
    return sorted(names)


class Store(Protocol):
    def lookup(self, ecosystem_base: str, release: str | None,
               names: Iterable[str]) -> dict[str, list[tuple[Affected, Advisory]]]: ...

    def releases(self, ecosystem_base: str) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Query:
    """How one package is looked up: OSV ecosystem (lower case), acceptable releases, name and version."""

    ecosystem: str
    releases: tuple[str | None, ...]
    name: str
    version: str
    scheme: str
    # For distros whose OSV release names carry more than the version (``Red Hat:enterprise_linux:9::baseos``,
    # ``SUSE:Linux Enterprise Server 15 SP5``): the releases the store has are filtered by this instead.
    release_match: Callable[[str], bool] | None = field(default=None, compare=False)


def query_for(pkg: Package, os_info: OSInfo | None) -> Query | None:
    """The lookup for ``pkg``; None when stockade has no advisory source for its ecosystem or distro."""
    eco = pkg.ecosystem
    if eco in LANGUAGE_ECOSYSTEMS:
        base = LANGUAGE_ECOSYSTEMS[eco]
        return Query(base, (None,), pkg.name, pkg.version, versions.scheme_for(base))
    if os_info is None:
        return None
    family = os_info.family
    if eco == "deb":
        name = pkg.source_name or pkg.name
        version = pkg.source_version or pkg.version
        if family == "debian" or os_info.distroless:
            from stockade.vulndb.debian import release_for

            release = os_info.version.split(".")[0] if os_info.version else (
                release_for(os_info.codename) if os_info.codename else "")
            return Query("debian", (release,), name, version, "dpkg") if release else None
        if family == "ubuntu" and os_info.version:
            return Query("ubuntu", (os_info.version, f"{os_info.version}:LTS"), name, version, "dpkg")
        return None
    if eco == "apk":
        apk_base = _APK_FAMILIES.get(family)
        if apk_base is None:
            return None
        name = pkg.source_name or pkg.name
        if apk_base == "alpine":
            parts = os_info.version.split(".")
            if len(parts) < 2:
                return None
            return Query("alpine", (f"v{parts[0]}.{parts[1]}",), name, pkg.version, "apk")
        return Query(apk_base, (None,), name, pkg.version, "apk")
    if eco == "rpm":
        rpm_base = _RPM_FAMILIES.get(family)
        if rpm_base is None:
            return None
        matcher = _rpm_release_matcher(rpm_base, family, os_info.version)
        if matcher is None:
            return None
        return Query(rpm_base, (), pkg.name, pkg.version, "rpm", matcher)
    return None


def _rpm_release_matcher(base: str, family: str, version: str) -> Callable[[str], bool] | None:
    """Release filters for the RPM distros whose OSV release names are not just the version.

    - Red Hat writes CPE-like streams: ``enterprise_linux:9::appstream``, ``enterprise_linux:9::baseos`` and,
      for extended-support minors, ``rhel_eus:9.2::baseos`` / ``rhel_aus:8.6::appstream`` / ``rhel_e4s:...``.
      A RHEL host is matched against the standard ``enterprise_linux:<major>`` streams (every repository);
      the EUS/AUS/E4S streams need a subscription os-release does not reveal, so they are not used.
    - SUSE names products: ``Linux Enterprise Server 15 SP5``, ``Linux Enterprise Module for Basesystem 15 SP5``
      ... every product and module of the installed service pack applies (``15`` alone for the GA release).
    - openSUSE: ``Leap 15.5``, ``Tumbleweed``, ``Leap Micro 5.5``.
    - The others name the major release (``AlmaLinux:9``, ``Rocky Linux:8``, ``Mageia:9``), the whole version
      (``Photon OS:5.0``) or the version and its support stream (``openEuler:22.03-LTS-SP3``).
    """
    major, _, minor = version.partition(".")
    minor = minor.split(".")[0]
    if base == "red hat":
        if not major:
            return None
        prefix = f"enterprise_linux:{major}:"
        return lambda release: release == f"enterprise_linux:{major}" or release.startswith(prefix)
    if base == "suse":
        if not major:
            return None
        suffix = f" {major} SP{minor}" if minor and minor != "0" else f" {major}"
        return lambda release: release.endswith(suffix)
    if base == "opensuse":
        if family == "opensuse-tumbleweed":
            return lambda release: release == "Tumbleweed"
        if family == "opensuse-leap-micro":
            return lambda release: release == f"Leap Micro {version}"
        return (lambda release: release == f"Leap {version}") if version else None
    if not version:
        return None
    return lambda release: release in (version, major) or release.startswith(f"{version}-")


class _Comparer:
    """Version comparison for one scheme with parse failures collected, not raised."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        self.bad: set[str] = set()

    def key(self, version: str) -> Any:
        try:
            return versions.key(self.scheme, version)
        except versions.InvalidVersion:
            self.bad.add(version)
            return None


_SORTED: dict[tuple[int, str], tuple[Range, list[tuple[int, Any, Event]] | None]] = {}


def _sorted_events(rng: Range, cmp: _Comparer) -> list[tuple[int, Any, Event]] | None:
    """The range's events with their version keys, in version order (None: a version does not parse).

    Memoised per range object for the duration of a match (the store hands out the same objects for every
    package that looks the advisory up), so each range is parsed and sorted once, not once per package.
    """
    memo_key = (id(rng), cmp.scheme)
    hit = _SORTED.get(memo_key)
    if hit is not None and hit[0] is rng:
        return hit[1]
    events: list[tuple[int, Any, Event]] | None = []
    for event in rng.events:
        if event.kind == "introduced" and event.version == "0":
            events.append((0, None, event))  # type: ignore[union-attr]
            continue
        k = cmp.key(event.version)
        if k is None:
            events = None  # a range we cannot read is not evidence of anything
            break
        events.append((1, k, event))  # type: ignore[union-attr]
    if events is not None:
        events.sort(key=lambda item: (item[0], item[1]) if item[0] else (0, 0))
    _SORTED[memo_key] = (rng, events)
    return events


def _range_hit(rng: Range, installed_key: Any, cmp: _Comparer) -> tuple[bool, str]:
    """(affected, the fixed version that ends the affected span or "")."""
    events = _sorted_events(rng, cmp)
    if events is None:
        return False, ""
    affected = False
    fixed = ""
    for order, key, event in events:
        if event.kind == "introduced":
            if order == 0 or installed_key >= key:
                affected = True
                fixed = ""
        elif event.kind == "fixed":
            if installed_key >= key:
                affected = False
            elif affected and not fixed:
                fixed = event.version
        elif event.kind == "last_affected":
            if installed_key > key:
                affected = False
        elif event.kind == "limit" and installed_key >= key:
            affected = False
    return affected, (fixed if affected else "")


def evaluate(affected: Affected, version: str, scheme: str) -> tuple[bool, str, set[str]]:
    """Is ``version`` affected by this entry? Returns (affected, fixed version or "", unreadable versions)."""
    if version in affected.versions:
        hit, fixed = True, ""
        for rng in affected.ranges:  # a fixed version may still come from the ranges
            cmp = _Comparer(_range_scheme(rng, affected, scheme))
            key = cmp.key(version)
            if key is not None:
                _, fixed = _range_hit(rng, key, cmp)
                if fixed:
                    break
        return hit, fixed, set()
    bad: set[str] = set()
    for rng in affected.ranges:
        if rng.type == "GIT":
            continue
        cmp = _Comparer(_range_scheme(rng, affected, scheme))
        key = cmp.key(version)
        if key is None:
            return False, "", cmp.bad
        hit, fixed = _range_hit(rng, key, cmp)
        bad |= cmp.bad
        if hit:
            return True, fixed, bad
    return False, "", bad


def _range_scheme(rng: Range, affected: Affected, scheme: str) -> str:
    """ECOSYSTEM ranges compare in the ecosystem's order, SEMVER ranges by SemVer precedence (for Go, the
    Go order, which also reads ``v0.10.0`` and toolchain names against OSV's ``0.17.0``)."""
    return versions.semver_range_scheme(affected.ecosystem) if rng.type == "SEMVER" else scheme


@dataclass(frozen=True, slots=True)
class Match:
    package: Package
    advisory: Advisory
    affected: Affected
    state: FixState
    fixed_version: str
    scheme: str = "generic"  # the version order the package was compared in


@dataclass(slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unsupported: int = 0  # packages with no advisory source (ecosystem or distro unknown)


def match(packages: Sequence[Package], os_info: OSInfo | None, store: Store) -> MatchResult:
    """Every (package, advisory) pair where the package's version is affected."""
    try:
        return _match(packages, os_info, store)
    finally:
        _SORTED.clear()


def _match(packages: Sequence[Package], os_info: OSInfo | None, store: Store) -> MatchResult:
    result = MatchResult()
    verdicts: dict[tuple[int, str, str], tuple[bool, str, set[str]]] = {}
    groups: dict[tuple[str, str | None], list[tuple[Query, Package]]] = {}
    known_releases: dict[str, tuple[str, ...]] = {}
    for pkg in packages:
        query = query_for(pkg, os_info)
        if query is None:
            result.unsupported += 1
            continue
        releases: Iterable[str | None] = query.releases
        if query.release_match is not None:
            if query.ecosystem not in known_releases:
                known_releases[query.ecosystem] = store.releases(query.ecosystem)
            releases = [r for r in known_releases[query.ecosystem] if query.release_match(r)]
        for release in releases:
            groups.setdefault((query.ecosystem, release), []).append((query, pkg))
    bad_versions: dict[tuple[str, str], set[str]] = {}
    seen: set[tuple[str, str]] = set()
    for (ecosystem, release), items in groups.items():
        found = store.lookup(ecosystem, release, sorted({q.name for q, _ in items}))
        for query, pkg in items:
            for affected, advisory in found.get(query.name, ()):
                pair = (pkg.id or f"{pkg.ecosystem}/{pkg.name}@{pkg.version}", advisory.id)
                if pair in seen:
                    continue
                verdict_key = (id(affected), query.version, query.scheme)
                verdict = verdicts.get(verdict_key)
                if verdict is None:
                    verdict = verdicts[verdict_key] = evaluate(affected, query.version, query.scheme)
                hit, fixed, bad = verdict
                if bad:
                    bad_versions.setdefault((advisory.id, query.scheme), set()).update(bad)
                if not hit:
                    continue
                seen.add(pair)
                state = _state(affected, fixed)
                result.matches.append(Match(pkg, advisory, affected, state,
                                            fixed if state is FixState.FIXED else "", query.scheme))
    for (advisory_id, scheme), bad in sorted(bad_versions.items())[:50]:
        shown = ", ".join(sorted(bad)[:3])
        result.diagnostics.append(Diagnostic(
            Location(advisory_id), "vulndb", DiagnosticLevel.WARNING,
            f"versions not valid in the {scheme} scheme were skipped: {shown}"))
    return result


def _state(affected: Affected, fixed: str) -> FixState:
    declared = affected.fix_state
    if declared is None:
        return FixState.FIXED if fixed else FixState.AFFECTED
    if declared is FixState.FIXED and not fixed:
        return FixState.AFFECTED  # the source says fixed but names no released version above ours
    return declared


# --- findings ---------------------------------------------------------------------------------------------

_ID_PREFERENCE = ("CVE-", "GHSA-", "GO-", "PYSEC-", "RUSTSEC-", "DSA-", "DLA-", "USN-", "ALSA-", "RLSA-")
_STATE_RANK = {FixState.FIXED: 0, FixState.FIX_DEFERRED: 1, FixState.WILL_NOT_FIX: 2, FixState.END_OF_LIFE: 3,
               FixState.AFFECTED: 4, FixState.UNKNOWN: 5}


def _primary(ids: Iterable[str]) -> str:
    def rank(text: str) -> tuple[int, str]:
        for i, prefix in enumerate(_ID_PREFERENCE):
            if text.startswith(prefix):
                return (i, text)
        return (len(_ID_PREFERENCE), text)

    return min(ids, key=rank)


def _alias_groups(matches: Sequence[Match]) -> list[list[Match]]:
    """Matches of one package whose advisories share an id or alias, joined (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in matches:
        for alias in m.advisory.aliases:
            a, b = find(m.advisory.id), find(alias)
            if a != b:
                parent[a] = b
    grouped: dict[str, list[Match]] = {}
    for m in matches:
        grouped.setdefault(find(m.advisory.id), []).append(m)
    return list(grouped.values())


def _version_key(scheme: str) -> Callable[[str], Any]:
    def key(version: str) -> Any:
        try:
            return (0, versions.key(scheme, version))
        except versions.InvalidVersion:
            return (1, version)

    return key


def findings(result: MatchResult, severity_order: Sequence[str] = DEFAULT_ORDER) -> list[Finding]:
    """One finding per (package, alias group)."""
    by_package: dict[str, list[Match]] = {}
    for m in result.matches:
        by_package.setdefault(m.package.id or f"{m.package.ecosystem}/{m.package.name}@{m.package.version}",
                              []).append(m)
    out: list[Finding] = []
    for group_matches in by_package.values():
        for group in _alias_groups(group_matches):
            out.append(_finding(group, severity_order))
    return out


def _finding(group: Sequence[Match], order: Sequence[str]) -> Finding:
    pkg = group[0].package
    ids = {m.advisory.id for m in group} | {a for m in group for a in m.advisory.aliases}
    primary = _primary(ids)
    rating = _rating(group, order)
    state = min((m.state for m in group), key=lambda s: _STATE_RANK[s])
    fixed = ""
    if state is FixState.FIXED:
        fixed = min((m.fixed_version for m in group if m.fixed_version), key=_version_key(group[0].scheme),
                    default="")
    best = next((m.advisory for m in group if m.advisory.id == primary), group[0].advisory)
    title = best.summary or next((m.advisory.summary for m in group if m.advisory.summary), "")
    if not title:
        details = best.details or next((m.advisory.details for m in group if m.advisory.details), "")
        title = details.strip().splitlines()[0][:200] if details.strip() else primary
    urls: list[str] = []
    for m in group:
        urls.extend(url for _, url in m.advisory.references if url not in urls)
    installed = pkg.version
    status = str(state).replace("_", " ")
    message = f"{pkg.name} {installed} is affected by {primary}"
    if fixed:
        message += f"; fixed in {fixed}"
    else:
        message += f" ({status})"
    location = pkg.locations[0] if pkg.locations else Location(pkg.name)
    return Finding(
        kind=FindingKind.VULN, rule_id=primary, title=title, severity=rating.severity, location=location,
        message=message, remediation=f"upgrade {pkg.name} to {fixed} or later" if fixed else "",
        references=tuple(urls[:20]), package=pkg, installed_version=installed, fixed_version=fixed,
        status=str(state), aliases=tuple(sorted(ids - {primary})),
        score=rating.score, severity_source=rating.source,
    )


def _rating(group: Sequence[Match], order: Sequence[str]) -> Rating:
    if len(group) == 1:  # the common case: the same answer as the loop below, in one call
        return rate(group[0].advisory, group[0].affected, order)
    for source in order:
        for m in sorted(group, key=lambda m: m.advisory.id):
            rating = rate(m.advisory, m.affected, (source,))
            if rating.severity is not Severity.UNKNOWN:
                return rating
    return Rating(Severity.UNKNOWN)
