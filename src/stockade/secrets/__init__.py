"""Secret scanning: rules as data and an engine (keyword prefilter -> regex -> allowlist -> redaction).

    ruleset = load_rules([Path("my-rules.yaml")])        # built-in rules + a user file, compiled once
    scanner = SecretScanner(ruleset)
    for result in scanner.scan_tree(Path("rootfs")):     # FileScan per regular file, sorted by path
        for match in result.matches:                     # SecretMatch: rule, line, column, redacted, snippet
            finding = match.to_finding()

The raw secret never leaves the scanner: matches carry only a redacted form (see ``redact``).
"""

from stockade.secrets.loader import load_rules
from stockade.secrets.model import (
    INLINE_ALLOW,
    Allowlist,
    FileScan,
    SecretLimits,
    SecretMatch,
    SecretRule,
    SkipReason,
    redact,
    shannon_entropy,
)
from stockade.secrets.ruleset import RuleSet
from stockade.secrets.scanner import BINARY_EXTENSIONS, SecretScanner

# Bumped whenever the engine would report different matches for the same rules and input (a cache key part).
ENGINE_VERSION = "1"

__all__ = [
    "BINARY_EXTENSIONS",
    "ENGINE_VERSION",
    "INLINE_ALLOW",
    "Allowlist",
    "FileScan",
    "RuleSet",
    "SecretLimits",
    "SecretMatch",
    "SecretRule",
    "SecretScanner",
    "SkipReason",
    "load_rules",
    "redact",
    "shannon_entropy",
]
