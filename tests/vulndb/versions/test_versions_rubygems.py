"""RubyGems versions: Gem::Version's rules by hand, then generated pairs against Ruby's own Gem::Version."""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from stockade.vulndb.versions import InvalidVersion, rubygems


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1", 0),  # trailing zeros are dropped
        ("1.0.0", "1.0", 0),
        ("1.0.0.1", "1.0", 1),
        ("1.0.1", "1.0.0.1", 1),
        ("1.10", "1.9", 1),
        ("1.0.a", "1.0", -1),  # a letter makes a pre-release
        ("1.0.a", "0.9", 1),
        ("1.0.b1", "1.0.b2", -1),
        ("1.0.a10", "1.0.a9", 1),
        ("1.0.rc1", "1.0.beta1", 1),  # strings compare as strings
        ("1.0.A", "1.0.a", -1),
        ("1.0b1", "1.0.b.1", 0),  # split at letter/digit changes
        ("1.0-1", "1.0.pre.1", 0),  # '-' reads as '.pre.'
        ("1.0-rc1", "1.0", -1),
        ("1.a.0", "1.a", 0),  # trailing zeros after the first letter too
        ("1.0.a", "1.a", 0),
        ("1.a.0.b", "1.a", -1),  # a string is older than the zero it meets
        ("1.a.0.1", "1.a", 1),
        ("2.0.0.pre", "2.0.0", -1),
        ("2.0.0.pre", "1.9.9", 1),
        (" 1.0 ", "1.0", 0),
        ("007", "7", 0),
        ("3.2.22", "4.0.0", -1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert rubygems.compare(a, b) == expected
    assert rubygems.compare(b, a) == -expected


def test_canonical_segments() -> None:
    assert rubygems.segments("1.0.0.a.0.b1.0") == [1, "a", 0, "b", 1]
    assert rubygems.segments("1.0-1") == [1, "pre", 1]
    assert rubygems.segments("1.0.0") == [1]


@pytest.mark.parametrize("text", ["   ", "1.0 beta", "junk", "1..0", "-1", "1.0-", "1.0.", ".1", "1.0_1", "v1.0"])
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        rubygems.key(text)


_RUBY = r"""
STDIN.each_line do |line|
  a, b = line.chomp("\n").split("\t", -1)
  if Gem::Version.correct?(a) && Gem::Version.correct?(b)
    puts(Gem::Version.new(a) <=> Gem::Version.new(b))
  else
    puts "E"
  end
end
"""


def test_generated_pairs_agree_with_ruby() -> None:
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.skip("ruby is not installed (Debian package ruby): cannot compare with Gem::Version")
    rng = random.Random(1_1)
    parts = ["0", "0", "1", "2", "10", "a", "b", "pre", "rc1", "alpha", "Z", "0a", "beta2", "007"]

    def version() -> str:
        out = [str(rng.choice([0, 1, 2, 10, 0]))]
        for _ in range(rng.randint(0, 6)):
            out.append(rng.choice([".", ".", ".", "-", ""]))
            out.append(rng.choice(parts))
        return "".join(out)

    def mutate(text: str) -> str:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice("0.1a- ") + text[i:]

    pool = [version() for _ in range(500)]
    pairs = []
    for _ in range(5000):
        a = rng.choice(pool)
        pairs.append((a, rng.choice(pool) if rng.random() < 0.4 else mutate(a)))
    done = subprocess.run(
        [ruby, "-e", _RUBY],
        input="".join(f"{a}\t{b}\n" for a, b in pairs),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    results = done.stdout.split()
    assert len(results) == len(pairs)
    mismatches = []
    for (a, b), native in zip(pairs, results, strict=True):
        try:
            ours = str(rubygems.compare(a, b))
        except InvalidVersion:
            ours = "E"
        if ours != native:
            mismatches.append((a, b, native, ours))
    assert mismatches == []
    assert 100 < results.count("E") < len(pairs) // 2
