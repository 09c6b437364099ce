"""Render docs/secret-rules.md from the built-in secret rules (src/stockade/secrets/rules/builtin.yaml).

    python tests/secrets/rules/render_secret_rules_doc.py           # rewrite docs/secret-rules.md
    python tests/secrets/rules/render_secret_rules_doc.py --check   # exit 1 when the file is out of date

test_secret_rules.py asserts that the checked-in document equals what ``render`` returns, so the table never
drifts from the rules. Only PyYAML is needed (not the engine).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
RULES_FILE = REPO / "src" / "stockade" / "secrets" / "rules" / "builtin.yaml"
DOC_FILE = REPO / "docs" / "secret-rules.md"
REGENERATE = "python tests/secrets/rules/render_secret_rules_doc.py"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """An inline code span that survives any backticks inside."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


def render(rules_yaml: str) -> str:
    """The Markdown document for the given rule file text."""
    doc: dict[str, Any] = yaml.safe_load(rules_yaml)
    rules: list[dict[str, Any]] = doc["rules"]
    allow: dict[str, list[str]] = doc.get("allow") or {}
    by_severity: dict[str, int] = {}
    for rule in rules:
        by_severity[rule["severity"]] = by_severity.get(rule["severity"], 0) + 1
    counts = ", ".join(f"{by_severity[s]} {s}" for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW") if s in by_severity)

    out: list[str] = [
        "# Built-in secret rules",
        "",
        f"<!-- Generated from src/stockade/secrets/rules/builtin.yaml by `{REGENERATE}`; do not edit. -->",
        "",
        f"stockade ships {len(rules)} secret rules ({counts}). Each rule is data: keywords that must occur in "
        "every match (a fast prefilter), an RE2 regex run near the keyword hits, the capture group that is the "
        "secret, an optional entropy floor and allowlists. Findings show only a redacted form of the secret.",
        "",
        "Rules in the Generic category yield to a specific rule that reports the same secret, and drop values "
        "that have the shape of a token another rule knows. Rule ids are stable: a rule is retired, never "
        "renumbered.",
        "",
        "## Rules",
        "",
        "| ID | Name | Title | Severity | Category | Keywords | Format documented at |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        keywords = ", ".join(_code(k) for k in rule["keywords"])
        if rule.get("paths"):
            keywords += f" (only in {len(rule['paths'])} kinds of file)"
        out.append(
            f"| {rule['id']} | {_code(rule['name'])} | {_cell(rule['title'])} | {rule['severity']} | "
            f"{_cell(rule['category'])} | {keywords} | <{rule['source']}> |"
        )
    out += ["", "## Global allowlist", ""]
    out.append("Files whose path matches one of these globs are not scanned:")
    out.append("")
    out += [f"- {_code(p)}" for p in allow.get("paths", [])]
    out += ["", "A secret matching one of these RE2 regexes is a placeholder and is dropped:", ""]
    out += [f"- {_code(r)}" for r in allow.get("regexes", [])]
    out += ["", "A secret containing one of these words (ignoring case) is dropped:", ""]
    out.append(", ".join(_code(s) for s in allow.get("stopwords", [])))
    out += ["", "## Remediation", "", "| ID | What to do |", "|---|---|"]
    out += [f"| {rule['id']} | {_cell(rule['remediation'])} |" for rule in rules]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render(RULES_FILE.read_text(encoding="utf-8"))
    if "--check" in argv:
        current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.exists() else ""
        if current != text:
            sys.stderr.write(f"{DOC_FILE.relative_to(REPO)} is out of date; run: {REGENERATE}\n")
            return 1
        return 0
    DOC_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
