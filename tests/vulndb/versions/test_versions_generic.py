"""The generic fallback: digit runs as numbers, letter runs as lower-cased text, separators ignored."""

from __future__ import annotations

import pytest

from stockade.vulndb.versions import InvalidVersion, generic


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.2", "1-2", 0),
        ("1.2", "1_2", 0),
        ("1.10", "1.9", 1),
        ("1.01", "1.1", 0),
        ("1.a", "1.0", -1),  # a number is newer than letters
        ("1.0", "1.0.1", -1),  # more runs are newer
        ("1.0", "1.0a", -1),
        ("A", "a", 0),
        ("android-13.0.0_r12", "android-13.0.0_r2", 1),
        ("FILE5_29", "FILE5_30", -1),
        ("2024-05-01", "2024-04-30", 1),
        ("r1234", "r999", 1),
        ("1.0β", "1.0α", 1),  # other letters are letters too
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert generic.compare(a, b) == expected
    assert generic.compare(b, a) == -expected


@pytest.mark.parametrize("text", ["...", "-", "_", " ", "~+~"])
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        generic.key(text)
    assert caught.value.reason == "has no letters or digits"
