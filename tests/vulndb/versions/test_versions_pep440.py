"""PEP 440 versions (via packaging): the PEP's own ordering example, spellings, and generated versions."""

from __future__ import annotations

import itertools
import random

import pytest
from packaging.version import Version

from stockade.vulndb.versions import InvalidVersion, pep440


def test_the_pep_440_ordering_example() -> None:
    ordered = [
        "1.0.dev456",
        "1.0a1",
        "1.0a2.dev456",
        "1.0a12.dev456",
        "1.0a12",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0rc1.dev456",
        "1.0rc1",
        "1.0",
        "1.0+abc.5",
        "1.0+abc.7",
        "1.0+5",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.15",
        "1.1.dev1",
    ]
    shuffled = ordered[::-1]
    random.Random(440).shuffle(shuffled)
    assert sorted(shuffled, key=pep440.key) == ordered
    for a, b in itertools.pairwise(ordered):
        assert pep440.compare(a, b) == -1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0.0", 0),
        ("1.0-ALPHA1", "1.0a1", 0),
        ("1.0.c1", "1.0rc1", 0),
        ("1.0-1", "1.0.post1", 0),
        ("v1.0", "1.0", 0),
        (" 1.0\n", "1.0", 0),
        ("1!0.1", "2.0", 1),  # epochs first
        ("0!2.0", "2.0", 0),
        ("1.0+ubuntu1", "1.0", 1),
        ("1.0+ubuntu.1", "1.0+ubuntu.10", -1),
        ("2.1.0+root.io.1", "2.1.0+root.io.2", -1),
        ("1.0.dev1", "1.0a1", -1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert pep440.compare(a, b) == expected
    assert pep440.compare(b, a) == -expected


@pytest.mark.parametrize("text", ["1.0-foo", "-class.-jw.util.version.Version-", "1.0.x", "0.3m1", "2.0.0-final", "a"])
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        pep440.key(text)
    assert caught.value.reason == "not a PEP 440 version"


def test_generated_versions_order_as_packaging_orders_them() -> None:
    rng = random.Random(4400)

    def version() -> str:
        text = ".".join(str(rng.choice([0, 1, 2, 10])) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.2:
            text = f"{rng.randint(0, 2)}!{text}"
        if rng.random() < 0.4:
            text += rng.choice(["a", "b", "rc", "alpha", "-beta", ".c", "pre"]) + str(rng.randint(0, 3))
        if rng.random() < 0.3:
            text += rng.choice([".post", "-", ".rev", "post"]) + str(rng.randint(0, 3))
        if rng.random() < 0.3:
            text += ".dev" + str(rng.randint(0, 3))
        if rng.random() < 0.3:
            text += "+" + ".".join(rng.choice(["abc", "1", "ubuntu", "10", "0a"]) for _ in range(rng.randint(1, 3)))
        return text

    pool = [version() for _ in range(600)]
    for _ in range(5000):
        a, b = rng.choice(pool), rng.choice(pool)
        ours = pep440.compare(a, b)
        theirs = (Version(a) > Version(b)) - (Version(a) < Version(b))
        assert ours == theirs, (a, b)
    assert sorted(pool, key=pep440.key) == sorted(pool, key=Version)
