"""Debian versions: Debian Policy 5.6.12 by hand, then thousands of generated pairs against dpkg itself."""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from stockade.vulndb.versions import InvalidVersion, dpkg


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0", 0),
        ("1.0", "1.1", -1),
        ("1.10", "1.9", 1),
        ("1.01", "1.1", 0),  # digit runs are numbers
        ("1.0.0", "1.0", 1),
        # ~ sorts before everything, even the end: ~~ < ~~a < ~ < (end) < a
        ("1.0~~", "1.0~~a", -1),
        ("1.0~~a", "1.0~", -1),
        ("1.0~", "1.0", -1),
        ("1.0", "1.0a", -1),
        ("1.0~rc1", "1.0", -1),
        ("1.0~rc1", "1.0~rc2", -1),
        # letters sort before non-letters
        ("1.0a", "1.0+", -1),
        ("1.0a", "1.0.", -1),
        ("1.0+b1", "1.0.1", -1),  # '+' < '.'
        ("1.0Z", "1.0a", -1),  # ASCII order among letters
        # epochs
        ("1:1.0", "2.0", 1),
        ("0:1.0", "1.0", 0),
        ("2:1.0", "1:9.9", 1),
        ("+1:1.0", "1:1.0", 0),  # read as strtol reads it
        # revisions: missing compares like 0
        ("1.0", "1.0-0", 0),
        ("1.0-1", "1.0-1.1", -1),
        ("1.2.3-4ubuntu1", "1.2.3-4", 1),
        ("1.2.3-4ubuntu0.1", "1.2.3-4ubuntu1", -1),
        ("1.0-1", "1.0-1~bpo1", 1),
        ("1.0-1-2", "1.0-1", 1),  # the revision follows the last hyphen
        ("1:2.30-1", "1:2.30-1+deb12u1", -1),
        ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1),
        # accepted with a warning, as dpkg does
        ("a", "1", 1),
        ("1.0_1", "1.0.1", 1),  # other characters in ASCII order
        ("1.0é", "1.0+", -1),  # a byte >= 0x80 sorts after letters, before other ASCII
        ("1.0é", "1.0z", 1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert dpkg.compare(a, b) == expected
    assert dpkg.compare(b, a) == -expected


def test_policy_example_sorts() -> None:
    shuffled = ["1.0", "1.0a", "1.0~", "1.0~~a", "1.0~~", "1.0+", "1.0.1", "1:0.1", "1.0-1"]
    expected = ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0-1", "1.0a", "1.0+", "1.0.1", "1:0.1"]
    assert sorted(shuffled, key=dpkg.key) == expected


def test_parse() -> None:
    assert dpkg.parse("2:1.0-3") == dpkg.Version(2, "1.0", "3", "")
    assert dpkg.parse("1.0") == dpkg.Version(0, "1.0", "", "")
    assert dpkg.parse("1:2:3-4-5") == dpkg.Version(1, "2:3-4", "5", "")
    assert dpkg.parse(" 1.0-1 ") == dpkg.Version(0, "1.0", "1", "")
    assert dpkg.parse("\n7:1.0") == dpkg.Version(7, "1.0", "", "")


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("a1", "version number does not start with digit"),
        ("1.0_1", "invalid character in version number"),
        ("1.0é", "invalid character in version number"),
        ("1.0-1_2", "invalid character in revision number"),
        ("1:1.0-1:2", "invalid character in revision number"),
        ("1:1.0:1-1", ""),
        ("1.0+dfsg~rc1-1ubuntu0.1~esm2", ""),
    ],
)
def test_warnings(text: str, warning: str) -> None:
    assert dpkg.parse(text).warning == warning


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("   ", "version string is empty"),
        ("1 0", "version string has embedded spaces"),
        ("1.0\t-1", "version string has embedded spaces"),
        (":1.0", "epoch in version is empty"),
        ("a:1.0", "epoch in version is not number"),
        ("1a:1.0", "epoch in version is not number"),
        ("-1:1.0", "epoch in version is negative"),
        ("2147483648:1.0", "epoch in version is too big"),
        ("1:", "nothing after colon in version number"),
        ("1.0-", "revision number is empty"),
        ("-1", "upstream version is empty"),
        ("1:-1", "upstream version is empty"),
    ],
)
def test_errors(text: str, reason: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        dpkg.key(text)
    assert caught.value.reason == reason


def test_largest_epoch_and_negative_zero() -> None:
    assert dpkg.parse("2147483647:1").epoch == 2147483647
    assert dpkg.parse("-0:1").epoch == 0


_CHARS = "0123456789" * 3 + "abcxyzAZ" + ".+~-:" * 2 + "~~"


def _generate_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)

    def part(longest: int) -> str:
        return "".join(rng.choice(_CHARS) for _ in range(rng.randint(1, longest)))

    def version() -> str:
        text = part(8)
        if rng.random() < 0.7 and not text[0].isdigit():
            text = str(rng.randint(0, 20)) + text
        if rng.random() < 0.5:
            text += "-" + part(5)
        if rng.random() < 0.3:
            epochs = ["0", "1", "2", "01", "", "a", "-1", "+1", "-0", "99999999999", "\n3", "1a", " 2"]
            text = rng.choice(epochs) + ":" + text
        if rng.random() < 0.04:
            text += rng.choice(["é", "\x01", " ", "\t", "ü1", "\x7f"])
        return text

    def mutate(text: str) -> str:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice(_CHARS) + text[i:]

    pool = [version() for _ in range(400)]
    pairs = []
    for _ in range(count):
        a = rng.choice(pool)
        pairs.append((a, rng.choice(pool) if rng.random() < 0.4 else mutate(a)))
    return pairs


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.mark.slow
def test_generated_pairs_agree_with_dpkg() -> None:
    tool = shutil.which("dpkg")
    if tool is None:
        pytest.skip("dpkg is not installed: cannot compare with dpkg --compare-versions")
    pairs = _generate_pairs(2500, seed=5612)
    script = "".join(
        f"{tool} --compare-versions -- {_sh_quote(a)} lt {_sh_quote(b)} 2>/dev/null; x=$?; "
        f"{tool} --compare-versions -- {_sh_quote(a)} eq {_sh_quote(b)} 2>/dev/null; echo $x $?\n"
        for a, b in pairs
    )
    done = subprocess.run(["sh"], input=script, capture_output=True, text=True, check=True, timeout=300)
    lines = done.stdout.splitlines()
    assert len(lines) == len(pairs)
    mismatches = []
    errors = 0
    for (a, b), line in zip(pairs, lines, strict=True):
        lt, eq = line.split()
        native: object = "error" if "2" in (lt, eq) else (-1 if lt == "0" else (0 if eq == "0" else 1))
        errors += native == "error"
        try:
            ours: object = dpkg.compare(a, b)
        except InvalidVersion:
            ours = "error"
        if ours != native:
            mismatches.append((a, b, native, ours))
    assert mismatches == []
    assert 100 < errors < 1000  # the generator exercises dpkg's errors too
