"""ScanOptions: everything the library needs to know about a scan, built by the CLI (or by a caller)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from stockade.model import Severity

PSS_LEVELS = ("privileged", "baseline", "restricted")


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Library input. Defaults match the CLI's defaults."""

    pss_level: str = "restricted"
    pss_version: str = "latest"
    rules: tuple[str, ...] = ()  # id globs to run (all when empty)
    skip_rules: tuple[str, ...] = ()  # id globs not to run
    severities: frozenset[Severity] = frozenset(Severity)  # findings of other severities are dropped
    ignorefile: str | None = None  # path of an ignore file; a missing file is an error
    max_file_size: int = 10 * 1024 * 1024
    plugins: bool = True  # load third-party checks from entry points
    jobs: int = 0  # worker processes for large scans; 0 means one per CPU, 1 means no workers
    today: dt.date | None = None  # for ignore-entry expiry; None means the current date
    settings: dict[str, object] = field(default_factory=dict)  # per-check settings
