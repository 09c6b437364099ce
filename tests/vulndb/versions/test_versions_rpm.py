"""RPM versions: rpmvercmp and EVR by hand, then thousands of generated pairs against rpm's own comparison."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from stockade.vulndb.versions import rpm


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0", 0),
        ("1.0", "2.0", -1),
        ("2.0.1", "2.0.1a", -1),  # a run left over wins
        ("5.5p1", "5.5p2", -1),
        ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1),
        ("xyz10", "xyz10.1", -1),
        ("1.0aa", "1.0a", 1),
        ("2a", "2.0", -1),  # digits beat letters
        ("1.0a", "1.0.1", -1),
        ("001", "1", 0),
        ("1_0", "1.0", 0),  # separators only separate
        ("1..0", "1.0", 0),
        ("1.0.", "1.0", 0),
        ("1.é", "1.", 0),  # non-ASCII characters are separators
        ("1.0", "1.0.0", -1),
        # ~ sorts before anything, even the end
        ("1.0~rc1", "1.0", -1),
        ("1.0~rc1", "1.0~rc2", -1),
        ("1.0~rc1~git", "1.0~rc1", -1),
        ("1.0~~", "1.0~", -1),
        # ^ sorts after the end, before anything else
        ("1.0^", "1.0", 1),
        ("1.0^git1", "1.0", 1),
        ("1.0^git1", "1.0.1", -1),
        ("1.0^git1", "1.0^git2", -1),
        ("1.0^git1~pre", "1.0^git1", -1),
        ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0~rc1^git1", "1.0", -1),
        ("1.0^", "1.0~", 1),
        ("1.0^", "1.0a", -1),
    ],
)
def test_vercmp(a: str, b: str, expected: int) -> None:
    assert rpm.vercmp(a, b) == expected
    assert rpm.compare(a, b) == expected  # no ':' or '-': the whole text is the version
    assert rpm.compare(b, a) == -expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1:1.0-1", "2.0-1", 1),
        ("0:1.0-1", "1.0-1", 0),
        (":1.0-1", "0:1.0-1", 0),  # an empty epoch is 0
        ("01:1.0", "1:1.0", 0),
        ("1.0-1.el8", "1.0-2.el8", -1),
        ("1.0-1.el8_9", "1.0-1.el8_10", -1),
        ("0:1.5.4-3.module+el8.4.0+9822+20bf1249", "0:1.5.4-3.module+el8.6.0+12204+54860423", -1),
        ("1.0-1", "1.0.1-0", -1),
        ("1.0-1-2", "1.0-1-1", 1),
        ("1.0", "1.0-1", -1),  # a missing release compares like an empty one
        ("1.0", "1.0-", 0),
        ("2:1", "10:0", -1),
        ("a:1.0", "a:1.0", 0),
    ],
)
def test_evr(a: str, b: str, expected: int) -> None:
    assert rpm.compare(a, b) == expected
    assert rpm.compare(b, a) == -expected


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("1:2.0-3", ("1", "2.0", "3")),
        ("2.0-3", ("0", "2.0", "3")),
        ("2.0", ("0", "2.0", None)),
        (":2.0", ("0", "2.0", None)),
        ("1:2:3-4-5", ("1", "2:3-4", "5")),
        ("a:1-2", ("0", "a:1", "2")),
        ("1a:2", ("0", "1a:2", None)),
        ("-", ("0", "", "")),
    ],
)
def test_parse_evr(text: str, parts: tuple[str, str, str | None]) -> None:
    assert rpm.parse_evr(text) == parts


def _lua_string(text: str) -> str:
    return '"' + "".join(f"\\{byte}" for byte in text.encode()) + '"'


_CHARS = "0123456789" * 2 + "abcxyzAZ" + "._+~^" * 2 + "~^"


def test_generated_pairs_agree_with_rpm(tmp_path: Path) -> None:
    tool = shutil.which("rpm")
    if tool is None:
        pytest.skip("rpm is not installed: cannot compare with rpm.vercmp")
    rng = random.Random(4180)

    def part(longest: int) -> str:
        return "".join(rng.choice(_CHARS) for _ in range(rng.randint(1, longest)))

    def mutate(text: str) -> str:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice(_CHARS) + text[i:]

    def evr() -> str:
        text = part(6) + "-" + part(4)
        if rng.random() < 0.4:
            text = rng.choice(["0", "1", "2", "00", "", "10"]) + ":" + text
        return text

    pairs: list[tuple[str, str]] = []
    for make, count in ((lambda: part(8), 3000), (evr, 2000)):
        pool = [make() for _ in range(400)]
        for _ in range(count):
            a = rng.choice(pool)
            pairs.append((a, rng.choice(pool) if rng.random() < 0.4 else mutate(a)))
    script = tmp_path / "pairs.lua"
    script.write_text(
        "local p = {\n"
        + ",\n".join(f"{{{_lua_string(a)}, {_lua_string(b)}}}" for a, b in pairs)
        + "}\nlocal out = {}\nfor i, x in ipairs(p) do out[i] = tostring(rpm.vercmp(x[1], x[2])) end\n"
        + "print(table.concat(out, ' '))\n"
    )
    done = subprocess.run(
        [tool, "--eval", f'%{{lua: dofile("{script}")}}'], capture_output=True, text=True, check=True, timeout=120
    )
    results = [max(-1, min(1, int(n))) for n in done.stdout.split()]
    assert len(results) == len(pairs)
    mismatches = []
    skipped = 0
    for (a, b), native in zip(pairs, results, strict=True):
        ours = rpm.compare(a, b)
        if ours != native:
            # rpm skips the release when either side has none; we order a missing release as an empty one
            if native == 0 and any(not rpm.parse_evr(x)[2] for x in (a, b)):
                skipped += 1
                continue
            mismatches.append((a, b, native, ours))
    assert mismatches == []
    assert skipped < 50
