"""The package's shared API: the scheme table, dispatch, ecosystem mapping and what bad input gives."""

from __future__ import annotations

import itertools
import random

import pytest

from stockade.vulndb import versions
from stockade.vulndb.versions import (
    MAX_VERSION_LENGTH,
    SCHEMES,
    InvalidVersion,
    compare,
    key,
    scheme_for,
    semver_range_scheme,
)

ALL = sorted(SCHEMES)


def test_the_scheme_table_names_every_module_by_its_own_name() -> None:
    assert ALL == [
        "apk",
        "composer",
        "dpkg",
        "generic",
        "golang",
        "maven",
        "nuget",
        "pep440",
        "rpm",
        "rubygems",
        "semver",
    ]
    for name, module in SCHEMES.items():
        assert name == module.SCHEME


def test_dispatch_by_scheme_name() -> None:
    assert compare("dpkg", "1.0~rc1", "1.0") == -1
    assert compare("semver", "1.0.0", "1.0.0-rc.1") == 1
    assert compare("rpm", "1.0", "1_0") == 0
    assert key("pep440", "1.0") == key("pep440", "1.0.0")
    with pytest.raises(ValueError, match="unknown version scheme 'nope'"):
        compare("nope", "1", "2")
    with pytest.raises(ValueError, match="unknown version scheme"):
        key("nope", "1")


def test_invalid_version_says_scheme_text_and_reason() -> None:
    with pytest.raises(InvalidVersion) as caught:
        key("semver", "01.0.0")
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.scheme, error.text, error.reason) == ("semver", "01.0.0", "major '01' has a leading zero")
    assert str(error) == "invalid semver version '01.0.0': major '01' has a leading zero"


def test_invalid_version_message_is_short_for_long_text() -> None:
    error = InvalidVersion("dpkg", "9" * 5000, "why")
    assert str(error) == "invalid dpkg version '" + "9" * 59 + "... (5000 characters): why"
    assert error.text == "9" * 5000


BAD_INPUTS = [
    pytest.param("", id="empty"),
    pytest.param("1" * 10_000, id="10000-digits"),
    pytest.param("1." * 5_000, id="10000-chars"),
    pytest.param("1" * (MAX_VERSION_LENGTH + 1), id="one-too-long"),
    pytest.param("1.0\x00", id="nul"),
    pytest.param(None, id="none"),
    pytest.param(1.0, id="float"),
    pytest.param(b"1.0", id="bytes"),
    pytest.param(["1.0"], id="list"),
]


@pytest.mark.parametrize("scheme", ALL)
@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_bad_input_is_an_invalid_version_in_every_scheme(scheme: str, bad: object) -> None:
    with pytest.raises(InvalidVersion):
        key(scheme, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidVersion):
        compare(scheme, "1.0", bad)  # type: ignore[arg-type]


# Control characters: the schemes whose native tool accepts them compare them (in a defined order), the others
# reject them.
CONTROL_ACCEPTED = {
    "apk": False,
    "composer": False,
    "dpkg": True,  # dpkg only warns
    "generic": True,  # a separator
    "golang": False,
    "maven": True,  # part of a qualifier
    "nuget": False,
    "pep440": False,
    "rpm": True,  # a separator
    "rubygems": False,
    "semver": False,
}


@pytest.mark.parametrize("scheme", ALL)
def test_control_characters(scheme: str) -> None:
    text = "1.0\x01\x1b[2J\x7f"
    if CONTROL_ACCEPTED[scheme]:
        assert compare(scheme, text, text) == 0
        assert compare(scheme, text, "1.0") == -compare(scheme, "1.0", text)
    else:
        with pytest.raises(InvalidVersion):
            key(scheme, text)


LONGEST_ACCEPTED = {
    "apk": "1" + ".1" * 511 + "a",
    "composer": "1." + "1" * (MAX_VERSION_LENGTH - 2),
    "dpkg": "1:" + "1a~" * 340 + "-1",
    "generic": "1a" * 512,
    "golang": "v1.0.0-" + ".".join(["a1"] * 339),
    "maven": "1-a" * 34 + "1" * 900,
    "nuget": "1.0.0-" + "a" * 1018,
    "pep440": "1" + ".1" * 511 + "a",
    "rpm": "1.a" * 341,
    "rubygems": "1" + ".a1" * 341,
    "semver": "1.0.0-" + ".".join(["1a"] * 339),
}


@pytest.mark.parametrize("scheme", ALL)
def test_the_longest_versions_parse(scheme: str) -> None:
    text = LONGEST_ACCEPTED[scheme]
    assert len(text) <= MAX_VERSION_LENGTH
    assert compare(scheme, text, text) == 0


@pytest.mark.parametrize("scheme", ALL)
def test_keys_are_hashable_cached_and_agree_with_compare(scheme: str) -> None:
    module = SCHEMES[scheme]
    samples = ["1.0", "1.1", "2.0", "1.10", "10.0"]
    if scheme in ("semver", "golang"):
        samples = ["1.0.0", "1.1.0", "2.0.0", "1.10.0", "10.0.0"]
    keys = [module.key(s) for s in samples]
    assert len({hash(k) for k in keys}) == len(samples)
    assert module.key(samples[0]) is keys[0]  # parsed once
    assert [module.compare(samples[0], s) for s in samples] == [0, -1, -1, -1, -1]
    assert sorted(samples, key=module.key) == [samples[0], samples[1], samples[3], samples[2], samples[4]]


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [
        ("Debian", "dpkg"),
        ("Debian:12", "dpkg"),
        ("Ubuntu:22.04:LTS", "dpkg"),
        ("Ubuntu:Pro:18.04:LTS", "dpkg"),
        ("Alpine", "apk"),
        ("Alpine:v3.19", "apk"),
        ("Wolfi", "apk"),
        ("Chainguard", "apk"),
        ("MinimOS", "apk"),
        ("Red Hat", "rpm"),
        ("Red Hat:rhel_aus:8.6::appstream", "rpm"),
        ("AlmaLinux:8", "rpm"),
        ("Rocky Linux:9", "rpm"),
        ("openSUSE:Tumbleweed", "rpm"),
        ("SUSE:Linux Enterprise Server 15 SP4", "rpm"),
        ("SUSE Linux Enterprise Server:sles:15:sp4::module-containers", "rpm"),
        ("Amazon Linux:amazon_linux_2023::al2023_appstream", "rpm"),
        ("Oracle Linux:ol8_baseos_latest::ol8_baseos_latest", "rpm"),
        ("Mageia:9", "rpm"),
        ("openEuler:24.03-LTS", "rpm"),
        ("Photon OS:5.0", "rpm"),
        ("Azure Linux:3.0", "rpm"),
        ("PyPI", "pep440"),
        ("npm", "semver"),
        ("crates.io", "semver"),
        ("Hex", "semver"),
        ("Pub", "semver"),
        ("SwiftURL", "semver"),
        ("Bitnami", "semver"),
        ("bitnami", "semver"),
        ("NuGet", "nuget"),
        ("Packagist", "composer"),
        ("Maven", "maven"),
        ("RubyGems", "rubygems"),
        ("Go", "golang"),
        ("Linux", "generic"),
        ("OSS-Fuzz", "generic"),
        ("Hackage", "generic"),
        ("CRAN", "generic"),
        # vendor feeds name the ecosystem second
        ("Root:Alpine:3.18", "apk"),
        ("Root:Debian:12", "dpkg"),
        ("Root:Ubuntu:22.04", "dpkg"),
        ("Root:PyPI", "pep440"),
        ("Root:npm", "semver"),
        ("Root:Maven", "maven"),
        ("Seal:Red Hat:7", "rpm"),
        ("Seal:Java", "maven"),
        ("Seal:Python", "pep440"),
        ("Seal:Node", "semver"),
        ("Seal:RubyGems", "rubygems"),
        # not known: SemVer when the versions are
        ("Unheard-of", "semver"),
        ("", "semver"),
    ],
)
def test_scheme_for_ecosystem(ecosystem: str, scheme: str) -> None:
    assert scheme_for(ecosystem) == scheme


def test_scheme_for_an_unknown_ecosystem_looks_at_every_version() -> None:
    assert scheme_for("Unheard-of", "1.2.3", "v2.0.0-rc.1") == "semver"
    assert scheme_for("Unheard-of", "1.2.3", "2024-05-01") == "generic"
    assert scheme_for("Unheard-of", "r1234") == "generic"
    # a known ecosystem ignores the versions
    assert scheme_for("PyPI", "not a version") == "pep440"


def test_semver_range_scheme() -> None:
    assert semver_range_scheme() == "semver"
    assert semver_range_scheme("npm") == "semver"
    assert semver_range_scheme("crates.io") == "semver"
    assert semver_range_scheme("Go") == "golang"


def test_many_comparisons_through_the_cache() -> None:
    # A benchmark-friendly workload (no timing asserted): 20,000 comparisons over 500 Debian versions.
    rng = random.Random(20)
    pool = [f"{rng.randint(0, 2)}:{rng.randint(0, 9)}.{rng.randint(0, 30)}-{rng.randint(1, 5)}" for _ in range(500)]
    results = [versions.compare("dpkg", rng.choice(pool), rng.choice(pool)) for _ in range(20_000)]
    assert set(results) == {-1, 0, 1}
    ordered = sorted(pool, key=SCHEMES["dpkg"].key)
    assert all(versions.compare("dpkg", a, b) <= 0 for a, b in itertools.pairwise(ordered))
