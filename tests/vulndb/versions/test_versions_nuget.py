"""NuGet versions, by hand from NuGet's documented versioning and normalisation rules."""

from __future__ import annotations

import pytest

from stockade.vulndb.versions import InvalidVersion, nuget


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0.0", 0),
        ("1.0.0", "1.0.0.0", 0),
        ("1", "1.0.0.0", 0),
        ("01.02.03", "1.2.3", 0),  # leading zeros are ignored
        ("1.00.0.1", "1.0.0.1", 0),
        ("1.0.0.1", "1.0.0", 1),  # the fourth number counts
        ("1.0.0.1", "1.0.1", -1),
        ("1.0.0-alpha", "1.0.0", -1),
        ("1.0.0-ALPHA", "1.0.0-alpha", 0),  # labels compare without regard to case
        ("1.0.0-Beta", "1.0.0-alpha", 1),
        ("1.0.0-alpha.2", "1.0.0-alpha.10", -1),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta", -1),  # numeric labels are lower
        ("1.0.0-alpha", "1.0.0-alpha.1", -1),
        ("1.0.0-1", "1.0.0-a", -1),
        ("1.0.0-rc.1", "1.0.0-rc-1", -1),
        ("1.0.0-2147483648", "1.0.0-10000000000", 1),  # beyond Int32: compared as text
        ("1.0.0-a.-1", "1.0.0-a.0", -1),  # int.TryParse reads a sign
        ("1.0.7+r3456", "1.0.7", 0),  # build metadata is ignored
        ("1.0.0-beta+build", "1.0.0-BETA", 0),
        (" 1.0 ", "1.0", 0),
        ("9.0.0", "9.0.6", -1),
        ("2147483647.0", "2147483646.9", 1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert nuget.compare(a, b) == expected
    assert nuget.compare(b, a) == -expected


@pytest.mark.parametrize(
    "text",
    [
        "1.0.0.0.0",
        "1..0",
        "1.",
        ".1",
        "a.b",
        "v1.0",
        "1.0-",
        "1.0+",
        "1.0.0-01",
        "1.0.0-a_b",
        "1.0.0-a..b",
        "1.0.0+a..b",
        "2147483648.0",
        "1.-1",
        "1.0.0-é",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        nuget.key(text)
