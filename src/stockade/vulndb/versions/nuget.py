"""NuGet versions (NuGet.Versioning's NuGetVersion and its default comparer).

``MAJOR[.MINOR[.PATCH[.REVISION]]][-PRERELEASE][+METADATA]``: one to four numbers (missing ones are 0, so
``1.0`` == ``1.0.0`` == ``1.0.0.0``; leading zeros are allowed and ignored); pre-release labels as in SemVer
2.0.0 but compared without regard to case, a label being numeric when it is an Int32; build metadata is ignored;
surrounding whitespace is ignored. A release is newer than its pre-releases. Text NuGet rejects (more than four
numbers, labels with characters outside ``[0-9A-Za-z-]``, numeric labels with a leading zero) raises
:class:`InvalidVersion`; so do two things NuGet lets through by accident: an empty number (``1..2``, which
NuGet reads as ``1.0.2``) and a number beyond Int32 (which NuGet lets overflow).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from stockade.vulndb.versions import CACHE_SIZE, InvalidVersion, checked, sign

SCHEME = "nuget"

_INT32_MAX = 2**31 - 1
_LABEL = re.compile(r"[0-9A-Za-z-]+", re.ASCII)
_SIGNED_INT = re.compile(r"-?[0-9]+", re.ASCII)
_RELEASE = (1,)


def _label_key(label: str) -> tuple[Any, ...]:
    # .NET's int.TryParse: an optional minus sign, then digits, within Int32.
    if _SIGNED_INT.fullmatch(label) and len(label) <= 12:
        value = int(label)
        if -(2**31) <= value <= _INT32_MAX:
            return (0, value)
    return (1, label.upper())  # StringComparer.OrdinalIgnoreCase


@functools.lru_cache(maxsize=CACHE_SIZE)
def _key(version: str) -> tuple[Any, ...]:
    text = version.strip()  # .NET trims white space
    rest, plus, metadata = text.partition("+")
    if plus and not all(_LABEL.fullmatch(part) for part in metadata.split(".")):
        raise InvalidVersion(SCHEME, version, "bad build metadata")
    numbers_text, dash, release = rest.partition("-")
    numbers = numbers_text.split(".")
    if not 1 <= len(numbers) <= 4:
        raise InvalidVersion(SCHEME, version, "needs one to four numbers")
    values: list[int] = []
    for number in numbers:
        if not (number.isascii() and number.isdigit()):
            raise InvalidVersion(SCHEME, version, f"{number!r} is not a number")
        digits = number.lstrip("0") or "0"
        if len(digits) > 10 or int(digits) > _INT32_MAX:
            raise InvalidVersion(SCHEME, version, f"{number!r} is too big")
        values.append(int(digits))
    values.extend([0] * (4 - len(values)))
    if not dash:
        return (*values, _RELEASE)
    labels: list[tuple[Any, ...]] = []
    for label in release.split("."):
        if not _LABEL.fullmatch(label):
            raise InvalidVersion(SCHEME, version, f"bad pre-release label {label!r}")
        if label.isdigit() and len(label) > 1 and label[0] == "0":
            raise InvalidVersion(SCHEME, version, f"numeric pre-release label {label!r} has a leading zero")
        labels.append(_label_key(label))
    return (*values, (0, *labels))


def key(version: str) -> tuple[Any, ...]:
    return _key(checked(SCHEME, version))


def compare(a: str, b: str) -> int:
    return sign(key(a), key(b))
