"""OSV matching semantics, fix states, source-package lookup, alias dedupe and severities."""

from __future__ import annotations

from collections.abc import Iterable

from stockade.model import Location, OSInfo, Package, Severity
from stockade.vulndb.match import evaluate, findings, match
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range

DEBIAN = OSInfo("debian", "12", "bookworm")
CRITICAL_V3 = ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")


class FakeStore:
    def __init__(self, *advisories: Advisory) -> None:
        self.advisories = advisories
        self.calls: list[tuple[str, str | None, tuple[str, ...]]] = []

    def lookup(self, ecosystem_base: str, release: str | None,
               names: Iterable[str]) -> dict[str, list[tuple[Affected, Advisory]]]:
        names = tuple(names)
        self.calls.append((ecosystem_base, release, names))
        out: dict[str, list[tuple[Affected, Advisory]]] = {}
        for adv in self.advisories:
            for aff in adv.affected:
                base, _, rel = aff.ecosystem.partition(":")
                if base.lower() == ecosystem_base and (rel or None) == release and aff.name in names:
                    out.setdefault(aff.name, []).append((aff, adv))
        return out

    def releases(self, ecosystem_base: str) -> tuple[str, ...]:
        return tuple(sorted({aff.ecosystem.partition(":")[2] for adv in self.advisories for aff in adv.affected
                             if aff.ecosystem.partition(":")[0].lower() == ecosystem_base}))


def rng(*events: tuple[str, str], type_: str = "ECOSYSTEM") -> Range:
    return Range(type_, tuple(Event(k, v) for k, v in events))


def aff(eco: str, name: str, *ranges: Range, versions: tuple[str, ...] = (), state: FixState | None = None) -> Affected:
    return Affected(eco, name, ranges=ranges, versions=versions, fix_state=state)


def pypi(name: str, version: str) -> Package:
    return Package(name, version, "pypi", purl=f"pkg:pypi/{name}@{version}", id=f"pkg:pypi/{name}@{version}",
                   locations=(Location("/app/site-packages/x/METADATA"),))


def test_osv_range_algorithm() -> None:
    a = aff("PyPI", "jinja2", rng(("introduced", "0"), ("fixed", "2.11.3")),
            rng(("introduced", "3.0.0"), ("last_affected", "3.1.2")))
    assert evaluate(a, "2.10", "pep440") == (True, "2.11.3", set())
    assert evaluate(a, "2.11.3", "pep440") == (False, "", set())
    assert evaluate(a, "3.0.1", "pep440") == (True, "", set())
    assert evaluate(a, "3.1.2", "pep440") == (True, "", set())
    assert evaluate(a, "3.1.3", "pep440") == (False, "", set())


def test_reintroduced_and_multiple_fixes_in_one_range() -> None:
    a = aff("PyPI", "x", rng(("introduced", "1.0"), ("fixed", "1.2"), ("introduced", "2.0"), ("fixed", "2.3")))
    assert evaluate(a, "1.1", "pep440")[:2] == (True, "1.2")
    assert evaluate(a, "1.5", "pep440")[:2] == (False, "")
    assert evaluate(a, "2.1", "pep440")[:2] == (True, "2.3")


def test_versions_list_and_git_ranges() -> None:
    a = aff("PyPI", "x", rng(("introduced", "abc123"), ("fixed", "def456"), type_="GIT"), versions=("1.0", "1.1"))
    assert evaluate(a, "1.1", "pep440")[0] is True
    assert evaluate(a, "1.2", "pep440")[0] is False


def test_semver_range_for_go_with_v_prefix() -> None:
    adv = Advisory("GO-2023-1", aliases=("CVE-2023-1",),
                   affected=(aff("Go", "golang.org/x/net", rng(("introduced", "0"), ("fixed", "0.17.0"),
                                                                  type_="SEMVER")),))
    pkg = Package("golang.org/x/net", "v0.10.0", "golang", id="g")
    result = match([pkg], None, FakeStore(adv))
    assert [(m.advisory.id, m.fixed_version, m.state) for m in result.matches] == [("GO-2023-1", "0.17.0",
                                                                                    FixState.FIXED)]


def test_debian_is_matched_by_source_package_and_version() -> None:
    # The binary has an epoch the source does not: compared as a binary it would look fixed.
    adv = Advisory("CVE-2024-1", affected=(aff("Debian:12", "fixture-src", rng(("introduced", "0"),
                                                                               ("fixed", "1.0-2"))),))
    pkg = Package("libfixture1", "2:1.0-1", "deb", source_name="fixture-src", source_version="1.0-1", id="d",
                  locations=(Location("/var/lib/dpkg/status"),))
    store = FakeStore(adv)
    result = match([pkg], DEBIAN, store)
    assert [(m.package.name, m.fixed_version) for m in result.matches] == [("libfixture1", "1.0-2")]
    assert store.calls == [("debian", "12", ("fixture-src",))]
    (finding,) = findings(result)
    assert finding.message == "libfixture1 2:1.0-1 is affected by CVE-2024-1; fixed in 1.0-2"
    assert (finding.installed_version, finding.fixed_version, finding.status) == ("2:1.0-1", "1.0-2", "fixed")


def test_other_debian_releases_do_not_apply() -> None:
    adv = Advisory("CVE-2024-2", affected=(aff("Debian:11", "bash", rng(("introduced", "0"), ("fixed", "9"))),))
    pkg = Package("bash", "5.2.15-2+b2", "deb", source_name="bash", source_version="5.2.15-2", id="b")
    assert match([pkg], DEBIAN, FakeStore(adv)).matches == []


def test_distro_fix_states_and_unreleased_fixes() -> None:
    deferred = Advisory("CVE-2024-3", affected=(aff("Debian:12", "bash", rng(("introduced", "0")),
                                                    state=FixState.FIX_DEFERRED),))
    claimed = Advisory("CVE-2024-4", affected=(aff("Debian:12", "bash", rng(("introduced", "0")),
                                                   state=FixState.FIXED),))
    pkg = Package("bash", "5.2.15-2+b2", "deb", source_name="bash", source_version="5.2.15-2", id="b")
    result = match([pkg], DEBIAN, FakeStore(deferred, claimed))
    states = {f.rule_id: (f.status, f.fixed_version) for f in findings(result)}
    assert states == {"CVE-2024-3": ("fix_deferred", ""), "CVE-2024-4": ("affected", "")}


def test_aliases_become_one_finding_with_every_id() -> None:
    r = rng(("introduced", "0"), ("fixed", "2.31.0"))
    ghsa = Advisory("GHSA-j8r2-6x86-q33q", aliases=("CVE-2023-32681",), summary="Proxy-Authorization leak",
                    affected=(aff("PyPI", "requests", r),), severity=(CRITICAL_V3,))
    pysec = Advisory("PYSEC-2023-74", aliases=("CVE-2023-32681", "GHSA-j8r2-6x86-q33q"),
                     affected=(aff("PyPI", "requests", r),))
    result = match([pypi("requests", "2.28.1")], None, FakeStore(ghsa, pysec))
    (finding,) = findings(result)
    assert finding.rule_id == "CVE-2023-32681"
    assert finding.aliases == ("GHSA-j8r2-6x86-q33q", "PYSEC-2023-74")
    assert (finding.severity, finding.score, finding.severity_source) == (Severity.CRITICAL, 9.8, "cvss_v3")
    assert finding.title == "Proxy-Authorization leak"
    assert finding.remediation == "upgrade requests to 2.31.0 or later"


def test_source_severity_when_there_is_no_vector() -> None:
    adv = Advisory("GHSA-1", database_specific='{"severity": "MODERATE"}', affected=(aff("PyPI", "x", rng(
        ("introduced", "0"))),))
    (finding,) = findings(match([pypi("x", "1.0")], None, FakeStore(adv)))
    assert (finding.severity, finding.severity_source, finding.status) == (Severity.MEDIUM, "source", "affected")


def test_unreadable_versions_are_diagnostics_not_crashes() -> None:
    adv = Advisory("PYSEC-X", affected=(aff("PyPI", "x", rng(("introduced", "0"), ("fixed", "not a version!"))),))
    result = match([pypi("x", "1.0")], None, FakeStore(adv))
    assert result.matches == []
    assert "not a version!" in result.diagnostics[0].message


def test_packages_without_a_source_are_counted() -> None:
    pkg = Package("musl", "1.2.4-r2", "apk", source_name="musl", id="m")
    result = match([pkg], OSInfo("unknown-distro", "1"), FakeStore())
    assert result.unsupported == 1


def test_os_release_names_as_osv_writes_them() -> None:
    from stockade.vulndb.match import query_for

    deb = Package("libssl3", "3.0.2-0ubuntu1.10", "deb", source_name="openssl", source_version="3.0.2-0ubuntu1.10")
    ubuntu = query_for(deb, OSInfo("ubuntu", "22.04", "jammy"))
    assert ubuntu is not None and (ubuntu.ecosystem, ubuntu.releases, ubuntu.name) == (
        "ubuntu", ("22.04", "22.04:LTS"), "openssl")  # "Ubuntu:22.04:LTS"; "Ubuntu:Pro:..." needs a subscription
    apk = Package("libcrypto3", "3.1.4-r5", "apk", source_name="openssl")
    alpine = query_for(apk, OSInfo("alpine", "3.19.1"))
    assert alpine is not None and (alpine.releases, alpine.name) == (("v3.19",), "openssl")  # "Alpine:v3.19"
    rpm = Package("openssl-libs", "1:3.0.7-24.el9", "rpm")
    alma = query_for(rpm, OSInfo("almalinux", "9.3"))
    assert alma is not None and (alma.ecosystem, alma.name) == ("almalinux", "openssl-libs")
    assert alma.release_match is not None and alma.release_match("9") and not alma.release_match("8")
    sid = query_for(Package("bash", "5.2.21-2", "deb"), OSInfo("debian", "", "trixie"))
    assert sid is not None and sid.releases == ("13",)
    distroless = query_for(Package("libc6", "2.36-9", "deb", source_name="glibc"),
                           OSInfo("debian", "12", distroless=True))
    assert distroless is not None and distroless.releases == ("12",)


RPM_RELEASES = [
    # (os-release family, VERSION_ID, OSV ecosystem base, releases that apply, releases that do not)
    ("rhel", "9.2", "red hat", ["enterprise_linux:9::appstream", "enterprise_linux:9::baseos", "enterprise_linux:9"],
     ["rhel_eus:9.2::baseos", "enterprise_linux:8::appstream", "enterprise_linux:90::baseos"]),
    ("sles", "15.5", "suse", ["Linux Enterprise Server 15 SP5", "Linux Enterprise Module for Basesystem 15 SP5"],
     ["Linux Enterprise Server 15 SP4", "Linux Enterprise Server 15", "Linux Enterprise Server 15 SP50"]),
    ("sles", "15", "suse", ["Linux Enterprise Server 15"], ["Linux Enterprise Server 15 SP1"]),
    ("opensuse-leap", "15.5", "opensuse", ["Leap 15.5"], ["Leap 15.4", "Tumbleweed", "Leap Micro 5.5"]),
    ("opensuse-tumbleweed", "20240101", "opensuse", ["Tumbleweed"], ["Leap 15.5"]),
    ("rocky", "8.9", "rocky linux", ["8"], ["9", "8.8"]),
    ("photon", "5.0", "photon os", ["5.0"], ["4.0"]),
    ("openeuler", "22.03", "openeuler", ["22.03-LTS-SP3", "22.03"], ["22.033", "24.03-LTS"]),
]


def test_rpm_distro_releases_as_osv_names_them() -> None:
    from stockade.vulndb.match import query_for

    for family, version, base, good, bad in RPM_RELEASES:
        query = query_for(Package("openssl-libs", "1:3.0.7-24.el9", "rpm"), OSInfo(family, version))
        assert query is not None and query.ecosystem == base and query.release_match is not None, family
        assert [r for r in good + bad if query.release_match(r)] == good, (family, version)
    assert query_for(Package("bash", "5.1-1", "rpm"), OSInfo("rhel", "")) is None  # no version: no release


def test_red_hat_streams_are_matched_and_eus_streams_are_not() -> None:
    fixed_in = "1:3.0.7-25.el9_3"
    store = FakeStore(
        Advisory("RHSA-2024:0310", aliases=("CVE-2023-5678",), severity=(CRITICAL_V3,), affected=(
            aff("Red Hat:enterprise_linux:9::baseos", "openssl-libs", rng(("introduced", "0"), ("fixed", fixed_in))),
        )),
        Advisory("RHSA-2024:9999", affected=(
            aff("Red Hat:rhel_eus:9.2::baseos", "openssl-libs", rng(("introduced", "0"), ("fixed", "1:3.0.7-30"))),
        )),
    )
    pkg = Package("openssl-libs", "1:3.0.7-24.el9", "rpm", id="openssl-libs")
    result = match([pkg], OSInfo("rhel", "9.2"), store)
    assert [(m.advisory.id, m.state, m.fixed_version) for m in result.matches] == [
        ("RHSA-2024:0310", FixState.FIXED, fixed_in)]
    (finding,) = findings(result)
    assert (finding.rule_id, finding.aliases, finding.severity) == ("CVE-2023-5678", ("RHSA-2024:0310",),
                                                                    Severity.CRITICAL)
