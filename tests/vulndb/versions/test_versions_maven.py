"""Maven versions: Maven's version order by hand (every case checked against ComparableVersion), then
thousands of generated versions against ComparableVersion itself (maven-artifact's main())."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from stockade.vulndb.versions import InvalidVersion, maven


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1", "1.1", -1),
        ("1-snapshot", "1", -1),
        ("1", "1-sp", -1),
        ("1-foo2", "1-foo10", -1),
        ("1.foo", "1-foo", 0),
        ("1-foo", "1-1", -1),
        ("1-1", "1.1", -1),
        ("1.ga", "1", 0),
        ("1-ga", "1", 0),
        ("1-0", "1", 0),
        ("1.0", "1", 0),
        ("1-sp", "1-ga", 1),
        ("1-sp.1", "1-ga.1", 1),
        ("1-a1", "1-alpha-1", 0),
        ("1.0-alpha1", "1.0-a1", 0),
        ("1.0-b1", "1.0-beta-1", 0),
        ("1.0-m1", "1.0-milestone-1", 0),
        ("1.0-cr1", "1.0-rc1", 0),
        ("1.0.RELEASE", "1.0", 0),
        ("1.0.Final", "1.0", 0),
        ("1.0-SNAPSHOT", "1.0", -1),
        ("1.0-RC1", "1.0-rc1", 0),
        ("1.0-alpha", "1.0-beta", -1),
        ("1.0-beta", "1.0-milestone", -1),
        ("1.0-milestone", "1.0-rc", -1),
        ("1.0-rc", "1.0-snapshot", -1),
        ("1.0-snapshot", "1.0", -1),
        ("1.0", "1.0-sp", -1),
        ("1.0-sp", "1.0-abc", -1),
        ("1.0-abc", "1.0-abd", -1),
        ("1.0-jre", "1.0-android", 1),
        ("31.1-jre", "31.1", 1),
        ("2.0.0.M1", "2.0.0", -1),
        ("1.0.0.RC1", "1.0.0-RC1", 0),
        ("1.0a", "1.0-a", 0),
        ("1.0x1", "1.0-x-1", 0),
        ("1.0.1", "1-1", 1),
        ("1.0-1", "1-1", 0),
        ("1.2.3-4", "1.2.3.4", -1),
        ("10", "9", 1),
        ("1.10", "1.9", 1),
        ("1.0.0.0.0.1", "1.0.0.0.0.0.1", 1),
        ("2147483648", "2147483647", 1),
        ("100000000000000000000", "99999999999999999999", 1),
        ("0000000000", "00010000000", -1),
        ("1", "1--alpha", 1),
        ("1--alpha", "1-sp", 1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert maven.compare(a, b) == expected
    assert maven.compare(b, a) == -expected
    assert (maven.key(a) < maven.key(b)) == (expected < 0)
    assert (maven.key(a) == maven.key(b)) == (expected == 0)


def test_qualifier_order_sorts() -> None:
    ordered = ["1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp", "1-abc", "1-xyz", "1-1", "1.1"]
    shuffled = ordered[::-1]
    random.Random(38).shuffle(shuffled)
    assert sorted(shuffled, key=maven.key) == ordered


def test_equal_versions_have_equal_keys_and_hashes() -> None:
    same = ["1", "1.0", "1.0.0", "1-ga", "1.final", "1-RELEASE", "1-0", "1.0-0.0"]
    keys = {maven.key(text) for text in same}
    assert len(keys) == 1
    assert maven.key("1.0") == maven.key("1")
    assert maven.key("1.0") != maven.key("1.1")
    assert maven.key("1") != "1"


def test_items() -> None:
    assert maven.parse("1.0-alpha-1") == ((2, (0, 1)), (1, ((0, (0,)), (1, ((2, (0, 1)),)))))
    assert maven.parse("1.0") == ((2, (0, 1)),)
    assert maven.parse("1.sp") == ((2, (0, 1)), (1, ((0, (6,)),)))


def test_maven_is_not_transitive_and_neither_are_we() -> None:
    # ComparableVersion itself says 1 < 1-sp < 1--alpha < 1: we give Maven's answer for every pair.
    assert maven.compare("1", "1-sp") == -1
    assert maven.compare("1-sp", "1--alpha") == -1
    assert maven.compare("1--alpha", "1") == -1


def test_nesting_is_bounded() -> None:
    assert maven.compare("1" + "-1" * 99, "1" + "-1" * 99) == 0
    with pytest.raises(InvalidVersion) as caught:
        maven.key("1" + "-1" * 101)
    assert caught.value.reason == "nests more than 100 lists"
    with pytest.raises(InvalidVersion):
        maven.key("a1" * 200)


_WORDS = [
    "alpha",
    "beta",
    "milestone",
    "rc",
    "cr",
    "snapshot",
    "ga",
    "final",
    "release",
    "sp",
    "a",
    "b",
    "m",
    "foo",
    "jre",
    "android",
    "RC",
    "Final",
    "SNAPSHOT",
    "M",
    "x",
    "",
]


def _comparable_version() -> tuple[str, Path]:
    """java and the maven-artifact jar that the installed Maven runs with (it holds ComparableVersion)."""
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if java is None or mvn is None:
        pytest.skip("java or Maven is not installed (Debian package maven): cannot run ComparableVersion")
    jars = sorted((Path(mvn).resolve().parent.parent / "lib").glob("maven-artifact-*.jar"))
    if not jars:
        pytest.skip(f"no maven-artifact jar beside {mvn}")
    return java, jars[0]


def test_generated_versions_agree_with_comparable_version() -> None:
    java, jar = _comparable_version()
    rng = random.Random(387)

    def version() -> str:
        out = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.55:
                out.append(str(rng.choice([0, 0, 1, 2, 3, 10, 11, 123, 2147483648, 10**20, "007", "0000000000"])))
            else:
                out.append(rng.choice(_WORDS))
            out.append(rng.choice([".", ".", "-", "", "_", "--", ".-"]))
        text = "".join(out[:-1])
        if rng.random() < 0.05:
            text = rng.choice(["-", "."]) + text
        return text or "1"

    def mutate(text: str) -> str:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice("0123.-abm") + text[i:]

    pool = [version() for _ in range(600)]
    sequence = ["1"]
    for _ in range(5000):
        sequence.append(rng.choice(pool) if rng.random() < 0.5 else mutate(sequence[-1]))
    done = subprocess.run(
        [java, "-cp", str(jar), "org.apache.maven.artifact.versioning.ComparableVersion", *sequence],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("   ")]
    assert len(lines) == len(sequence) - 1
    mismatches = []
    for i, line in enumerate(lines):
        a, b = sequence[i], sequence[i + 1]
        operator = line[4 + len(a) : len(line) - len(b) - 1]
        native = {"<": -1, "==": 0, ">": 1}[operator]
        if maven.compare(a, b) != native:
            mismatches.append((a, b, native))
    assert mismatches == []
