"""The secret engine's values: rules (data, not code), limits, matches and per-file results.

No value here holds a raw secret: a match carries its redacted form and a snippet in which every secret
found on the line is redacted, and nothing else about the secret's text.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from dataclasses import dataclass, field

from stockade.model import Diagnostic, Finding, FindingKind, Location, Severity

INLINE_ALLOW = "stockade:allow-secret"
SNIPPET_MAX = 200
GENERIC_CATEGORY = "generic"


def redact(secret: str) -> str:
    """The first few characters of a secret and ``*****``: min(4, len // 4) characters are kept, so an
    8-character password shows 2 and a ``ghp_`` token shows ``ghp_``."""
    keep = min(4, len(secret) // 4)
    return secret[:keep] + "*****"


def shannon_entropy(data: bytes | str) -> float:
    """Shannon entropy in bits per character (per byte for bytes); 0.0 for an empty value."""
    if not data:
        return 0.0
    total = len(data)
    return -sum((n / total) * math.log2(n / total) for n in Counter(data).values())


@dataclass(frozen=True, slots=True)
class Allowlist:
    """What a rule set (global) or one rule ignores.

    ``paths``: globs on the relative path; a match skips the file (global) or the rule on it (per rule).
    ``regexes``: a secret matching any (RE2 search, anywhere in the secret) is dropped.
    ``stopwords``: a secret containing any of these, ignoring ASCII case, is dropped.
    """

    paths: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.paths or self.regexes or self.stopwords)

    def merged(self, other: Allowlist) -> Allowlist:
        def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys((*a, *b)))

        return Allowlist(
            union(self.paths, other.paths), union(self.regexes, other.regexes), union(self.stopwords, other.stopwords)
        )


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One secret rule, as written in a rule file.

    Every match of ``regex`` contains, ignoring ASCII case, at least one of ``keywords``: the engine only
    runs the regex near keyword occurrences. ``secret_group`` (index or name; 0 = the whole match) is the
    secret; ``entropy`` is a floor on its Shannon entropy; ``paths`` limits the rule to matching files;
    ``max_length`` bounds the match length of a regex with unbounded repetition.
    """

    id: str
    name: str
    title: str
    severity: Severity
    category: str
    keywords: tuple[str, ...]
    regex: str
    secret_group: int | str = 0
    entropy: float | None = None
    paths: tuple[str, ...] = ()
    allow: Allowlist = field(default_factory=Allowlist)
    source: str = ""
    remediation: str = ""
    max_length: int | None = None
    origin: str = ""  # "file:line" where the rule is defined

    @property
    def generic(self) -> bool:
        """True for the catch-all family (category ``Generic``), which yields to a specific rule."""
        return self.category.strip().lower() == GENERIC_CATEGORY


@dataclass(frozen=True, slots=True)
class SecretLimits:
    """Bounds that keep a scan's time and memory in check.

    ``max_file_size``: larger files are not scanned (skip reason ``too-large``, an info diagnostic).
    ``chunk_size``: files are read in chunks of this size (with a small overlap), so memory is bounded
    whatever the file's size or line length. ``sniff_size``: a NUL byte in the first this-many bytes
    marks a file as binary. ``max_matches_per_file``: further matches are dropped with a diagnostic.
    ``parallel_threshold``: scan_tree uses worker processes (jobs=0) when it has at least this many bytes
    to read.
    """

    max_file_size: int = 10 * 1024 * 1024
    chunk_size: int = 8 * 1024 * 1024
    sniff_size: int = 8192
    max_matches_per_file: int = 1000
    parallel_threshold: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("max_file_size", "chunk_size", "sniff_size", "max_matches_per_file", "parallel_threshold"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"SecretLimits.{name} must be a positive integer, not {value!r}")


@dataclass(frozen=True, slots=True, repr=False)
class SecretMatch:
    """A secret found in a file.

    ``line``/``column`` are 1-based and point at the first byte of the secret; columns count BYTES from
    the start of the line. ``end_line``/``end_column`` point just past its last byte (exclusive, like
    SARIF's endColumn). ``offset``/``end_offset`` are byte offsets of the secret in the file. ``redacted``
    is :func:`redact` of the secret; ``snippet`` is the line around it (at most 200 characters) with every
    secret on it redacted. The raw secret is not kept anywhere.
    """

    rule: SecretRule
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    offset: int
    end_offset: int
    redacted: str
    snippet: str

    def __repr__(self) -> str:
        return (
            f"SecretMatch(rule={self.rule.id!r}, path={self.path!r}, line={self.line}, column={self.column}, "
            f"redacted={self.redacted!r})"
        )

    def to_finding(self) -> Finding:
        """The report's view of this match (kind ``secret``)."""
        rule = self.rule
        return Finding(
            kind=FindingKind.SECRET,
            rule_id=rule.id,
            title=rule.title,
            severity=rule.severity,
            location=Location(
                path=self.path, line=self.line, column=self.column, end_line=self.end_line, snippet=self.snippet
            ),
            message=f"{rule.title} ({rule.category}): {self.redacted}",
            remediation=rule.remediation,
            references=(rule.source,) if rule.source else (),
        )


class SkipReason(enum.Enum):
    """Why a file was not scanned."""

    BINARY = "binary"
    TOO_LARGE = "too-large"
    ALLOWLISTED = "allowlisted-path"
    NO_RULES = "no-rule-applies"
    NOT_REGULAR = "not-a-regular-file"
    UNREADABLE = "unreadable"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class FileScan:
    """The outcome for one file: its matches (sorted by position), or why it was skipped, and diagnostics."""

    path: str
    matches: tuple[SecretMatch, ...] = ()
    skipped: SkipReason | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    size: int = 0
