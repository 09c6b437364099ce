"""Alpine versions, by hand from apk-tools' documented format (apk-package(5)) and its comparison rules."""

from __future__ import annotations

import pytest

from stockade.vulndb.versions import InvalidVersion, apk


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0", 0),
        ("1.0", "1.1", -1),
        ("1.9", "1.10", -1),
        ("1.2.3", "1.2", 1),
        ("2.0_rc1", "1.9", 1),
        ("01.1", "1.1", 0),  # the first number is always a number
        # a later number with a leading zero compares as a string
        ("1.01", "1.1", -1),
        ("1.001", "1.01", -1),
        ("1.010", "1.09", -1),
        ("1.0", "1.00", -1),
        # the letter
        ("1.0a", "1.0b", -1),
        ("1.0", "1.0a", -1),
        ("1.0a", "1.0.1", -1),  # a number continues further than a letter
        ("1.0z", "1.1", -1),
        # suffixes: alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p
        ("1.0_alpha", "1.0_beta", -1),
        ("1.0_beta", "1.0_pre", -1),
        ("1.0_pre", "1.0_rc", -1),
        ("1.0_rc", "1.0", -1),
        ("1.0", "1.0_cvs", -1),
        ("1.0_cvs", "1.0_svn", -1),
        ("1.0_svn", "1.0_git", -1),
        ("1.0_git", "1.0_hg", -1),
        ("1.0_hg", "1.0_p", -1),
        ("1.0_alpha1", "1.0_alpha2", -1),
        ("1.0_alpha9", "1.0_alpha10", -1),
        ("1.0_rc1", "1.0_rc", 1),
        ("1.0_alpha_beta", "1.0_alpha", -1),  # a pre-release suffix after equal tokens is older
        ("1.0_p1_p2", "1.0_p1", 1),
        ("1.0_rc1", "1.0a", -1),
        ("1.0_p1", "1.0a", -1),  # a suffix comes later in the grammar than the letter
        ("1.0_git20240101", "1.0_git20231231", 1),
        ("1.0_rc1", "1.0.1_rc1", -1),
        # commit hashes
        ("1.0~abc", "1.0", 1),
        ("1.0~abc", "1.0~abd", -1),
        ("1.0~ab", "1.0~abc", -1),
        ("1.0~abc", "1.0_p1", -1),
        ("1.0~abc-r1", "1.0-r1", 1),
        # revisions
        ("1.0-r0", "1.0-r1", -1),
        ("1.0-r9", "1.0-r10", -1),
        ("1.0", "1.0-r0", -1),
        ("1.0-r1", "1.0.1", -1),
        ("1.0-r00071", "1.0-r71", 0),
        ("1.0_rc1-r5", "1.0-r0", -1),
        ("3.152.0-r0", "3.153.0-r0", -1),
        ("2.8.18-r0", "2.0.14-r1", 1),
        # numbers wrap at 2**64 as apk's do
        ("18446744073709551617", "1", 0),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert apk.compare(a, b) == expected
    assert apk.compare(b, a) == -expected


def test_sort() -> None:
    shuffled = ["1.0_p1", "1.0", "1.0_rc1", "1.0-r1", "1.0_alpha", "1.0a", "1.0.1", "1.0_git1", "1.0~cafe", "0.9"]
    expected = ["0.9", "1.0_alpha", "1.0_rc1", "1.0", "1.0-r1", "1.0~cafe", "1.0_git1", "1.0_p1", "1.0a", "1.0.1"]
    assert sorted(shuffled, key=apk.key) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a1",
        ".1",
        "1.0-1",  # a Debian-style revision
        "1.0-rc1",
        "1.0-r",
        "1.0-r1-r2",
        "1.0-r1_p1",
        "1.0-r1~abc",
        "1.0_foo",
        "1.0_",
        "1.0_RC1",
        "1.0A",
        "1.0ab",
        "1.0a1",
        "1.0a.1",
        "1.0.",
        "1..0",
        "1.0~",
        "1.0~ABC",
        "1.0~abc~def",
        "1.0~xyz",
        "1.0_p1.2",
        "1.0 ",
        "1.0+1",
    ],
)
def test_invalid(text: str) -> None:
    assert not apk.valid(text)
    with pytest.raises(InvalidVersion):
        apk.compare(text, "1.0")


@pytest.mark.parametrize(
    "text",
    ["0", "1", "1.2.3.4.5", "1.0a_alpha1_pre2-r3", "2.38.1-r10071", "0.1_git20240101~deadbeef-r7", "1.0_p"],
)
def test_valid(text: str) -> None:
    assert apk.valid(text)
