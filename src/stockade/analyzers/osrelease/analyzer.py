"""Wiring of the OS detector (id ``os-release``).

It reads ``etc/os-release``, ``usr/lib/os-release``, ``etc/lsb-release`` and the legacy release files
(``etc/alpine-release``, ``etc/debian_version``, ``etc/redhat-release``, ``etc/centos-release``,
``etc/system-release``); each file gives an ``AnalysisResult`` whose ``os`` is what that file says. When a
root filesystem has several of them, the runner picks one with :func:`select_os` (os-release first).
"""

from __future__ import annotations

from stockade.analyzers._base import INSTALLED, FunctionAnalyzer, reading
from stockade.analyzers.osrelease.parse import RELEASE_FILES, parse_release_file, select_os

# A release file is a few hundred bytes; anything much larger is not one.
MAX_RELEASE_FILE = 64 * 1024


def _wants(path: str, size: int, mode: int) -> bool:
    return path in RELEASE_FILES


OS_RELEASE = FunctionAnalyzer(id="os-release", version=1, targets=INSTALLED, want=_wants,
                              parse=reading(parse_release_file, MAX_RELEASE_FILE))

ANALYZERS = (OS_RELEASE,)

__all__ = ["ANALYZERS", "OS_RELEASE", "select_os"]
