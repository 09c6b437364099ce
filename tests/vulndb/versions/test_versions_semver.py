"""SemVer 2.0.0 precedence: the specification's own examples, its grammar, and (when installed) the semver
package on generated pairs."""

from __future__ import annotations

import importlib
import itertools
import random

import pytest

from stockade.vulndb.versions import InvalidVersion
from stockade.vulndb.versions import semver as ours


def test_the_specification_examples() -> None:
    # SemVer 2.0.0, item 11
    for chain in (
        ["1.0.0", "2.0.0", "2.1.0", "2.1.1"],
        ["1.0.0-alpha", "1.0.0"],
        [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ],
    ):
        for a, b in itertools.pairwise(chain):
            assert ours.compare(a, b) == -1, (a, b)
            assert ours.compare(b, a) == 1, (a, b)
        assert sorted(chain[::-1], key=ours.key) == chain


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0+20130313144700", "1.0.0", 0),  # build metadata is ignored
        ("1.0.0-alpha+001", "1.0.0-alpha", 0),
        ("1.0.0+exp.sha.5114f85", "1.0.0+21AF26D3----117B344092BD", 0),
        ("v1.2.3", "1.2.3", 0),  # a leading v is tolerated
        ("1.2", "1.2.0", 0),  # shorthands, as OSV records in the wild have them
        ("1", "1.0.0", 0),
        ("0", "0.0.0-alpha", 1),
        ("1.0.0-1", "1.0.0-a", -1),  # numeric identifiers are lower than alphanumeric ones
        ("1.0.0-a", "1.0.0-B", 1),  # ASCII order
        ("1.0.0-a-b", "1.0.0-a", 1),
        ("1.0.0-2", "1.0.0-10", -1),
        ("1.0.0-99999999999999999999", "1.0.0-100000000000000000000", -1),
        ("99999999999999999999.0.0", "100000000000000000000.0.0", -1),
        ("1.0.0-0a", "1.0.0-1", 1),  # not numeric: has a letter
        ("0.0.0-0", "0.0.0", -1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert ours.compare(a, b) == expected
    assert ours.compare(b, a) == -expected


@pytest.mark.parametrize(
    "text",
    [
        "01.0.0",
        "1.01.0",
        "1.0.01",
        "1.0.0-01",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-a..b",
        "1.0.0+a..b",
        "1.0.0-α",
        "1.0.0-a_b",
        "1.2-rc1",  # a shorthand cannot have a pre-release
        "1.2+build",
        "1.0.0.0",
        "a.b.c",
        " 1.0.0",
        "1.0.0 ",
        "vv1.0.0",
        "V1.0.0",
        "1..0",
        "-1.0.0",
        "1.0.0-rc.1+build+2",
        "١.٢.٣",
    ],
)
def test_invalid(text: str) -> None:
    assert not ours.valid(text)
    with pytest.raises(InvalidVersion):
        ours.key(text)


def test_generated_pairs_agree_with_the_semver_package() -> None:
    try:
        reference = importlib.import_module("semver")
    except ImportError:
        pytest.skip("the semver package is not installed (it is not a dependency): no reference to compare with")
    rng = random.Random(200)
    identifiers = ["0", "1", "2", "10", "11", "alpha", "beta", "rc", "x-y", "-", "0a", "a0", "Z", "z", "1-1"]

    def version() -> str:
        text = ".".join(str(rng.choice([0, 1, 2, 10, 11])) for _ in range(3))
        if rng.random() < 0.6:
            text += "-" + ".".join(rng.choice(identifiers) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.2:
            text += "+" + ".".join(rng.choice(identifiers) for _ in range(rng.randint(1, 2)))
        return text

    pool = [version() for _ in range(600)]
    for _ in range(5000):
        a, b = rng.choice(pool), rng.choice(pool)
        assert ours.compare(a, b) == reference.Version.parse(a).compare(b), (a, b)
