"""Scanning buffers and files: matches, positions, redaction, allowlists, limits, hostile content."""

from __future__ import annotations

import dataclasses
import io
import random
import tracemalloc
from pathlib import Path

import pytest

from stockade.model import DiagnosticLevel, FindingKind, Severity
from stockade.secrets import (
    FileScan,
    SecretLimits,
    SecretMatch,
    SecretScanner,
    SkipReason,
    load_rules,
    redact,
    shannon_entropy,
)

HERE = Path(__file__).parent
RULES = HERE / "testdata" / "rules"
TREE = HERE / "testdata" / "tree"

AWS = "AKIAUJZDEGXDNCF32EPF"
GH = "ghp_sxPFkThf4VucSmEHgaKwVJ7faC9qEwjky40U"


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False))


def summary(matches: list[SecretMatch] | tuple[SecretMatch, ...]) -> list[tuple[str, int, int, int, int, str]]:
    return [(m.rule.id, m.line, m.column, m.end_line, m.end_column, m.redacted) for m in matches]


def user_rules(tmp_path: Path, body: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text("version: 1\nrules:\n" + body)
    return path


# --- redaction -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("", "*****"),
        ("abc", "*****"),
        ("abcd", "a*****"),
        ("hunter22", "hu*****"),
        ("S3cr3t!Passw0rd", "S3c*****"),
        (GH, "ghp_*****"),
        ("é" * 16, "éééé*****"),
    ],
)
def test_redact_keeps_min_4_or_a_quarter(secret: str, shown: str) -> None:
    assert redact(secret) == shown


def test_shannon_entropy() -> None:
    assert shannon_entropy(b"") == 0.0
    assert shannon_entropy(b"aaaa") == 0.0
    assert shannon_entropy(b"abab") == 1.0
    assert shannon_entropy("abcd") == 2.0


# --- what a scan reports -------------------------------------------------------------------------------


def test_scan_reports_rule_position_and_redacted_snippet(scanner: SecretScanner) -> None:
    data = (TREE / "app" / "settings.py").read_bytes()
    matches = scanner.scan_bytes(data, "app/settings.py")
    assert summary(matches) == [
        ("TEST-0003", 6, 16, 6, 29, "Tr0*****"),
        ("TEST-0001", 7, 22, 7, 42, "AKIA*****"),
    ]
    password, aws = matches
    assert password.snippet == 'db_password = "Tr0*****"'
    assert aws.snippet == 'AWS_ACCESS_KEY_ID = "AKIA*****"'
    assert aws.path == "app/settings.py"
    assert aws.offset == data.index(AWS.encode())
    assert aws.end_offset == aws.offset + 20
    assert aws.rule.severity is Severity.CRITICAL


def test_the_raw_secret_never_leaves_the_scanner(scanner: SecretScanner) -> None:
    data = f"token = {GH}\naws_key: {AWS}\n".encode()
    matches = scanner.scan_bytes(data, "x.txt")
    assert len(matches) == 2
    for m in matches:
        text = repr(m) + str(m) + m.snippet + m.redacted + repr(m.to_finding())
        assert GH not in text and AWS not in text
        for f in dataclasses.fields(m):
            value = getattr(m, f.name)
            if isinstance(value, str):
                assert GH[5:] not in value and AWS[5:] not in value
    assert repr(matches[0]) == "SecretMatch(rule='TEST-0002', path='x.txt', line=1, column=9, redacted='ghp_*****')"


def test_to_finding(scanner: SecretScanner) -> None:
    (m,) = scanner.scan_bytes(f"key = {AWS}\n".encode(), "etc/app.conf")
    finding = m.to_finding()
    assert finding.kind is FindingKind.SECRET
    assert finding.rule_id == "TEST-0001"
    assert finding.severity is Severity.CRITICAL
    assert (finding.location.path, finding.location.line, finding.location.column) == ("etc/app.conf", 1, 7)
    assert finding.location.snippet == "key = AKIA*****"
    assert finding.message == "AWS access key ID (AWS): AKIA*****"
    assert finding.remediation == "Deactivate the key in IAM and rotate it."
    assert finding.references == ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html",)


def test_every_secret_on_a_line_is_masked_in_each_snippet(scanner: SecretScanner) -> None:
    data = f"export A={AWS} B={GH} C={AWS}\n".encode()
    matches = scanner.scan_bytes(data, "env.sh")
    assert [m.snippet for m in matches] == [
        "export A=AKIA***** B=***** C=*****",
        "export A=***** B=ghp_***** C=*****",
        "export A=***** B=***** C=AKIA*****",
    ]


def test_snippet_is_cut_to_200_characters_around_the_secret(scanner: SecretScanner) -> None:
    data = ("x" * 5000 + " " + AWS + " " + "y" * 5000 + "\n").encode()
    (m,) = scanner.scan_bytes(data, "min.js")
    assert len(m.snippet) == 200
    assert "AKIA*****" in m.snippet
    assert m.snippet.startswith("x") and m.snippet.endswith("y")
    assert m.column == 5002


def test_multiline_secret_position_and_snippet(scanner: SecretScanner) -> None:
    data = (TREE / "keys" / "id_rsa").read_bytes()
    (m,) = scanner.scan_bytes(data, "keys/id_rsa")
    assert summary([m]) == [("TEST-0004", 1, 1, 9, 30, "----*****")]
    assert m.snippet == "----*****"


def test_columns_count_bytes(scanner: SecretScanner) -> None:
    data = f"héllo wörld = {AWS}\n".encode()
    (m,) = scanner.scan_bytes(data, "a.txt")
    assert m.column == len("héllo wörld = ".encode()) + 1 == 17


# --- allowlists, entropy, inline comment ---------------------------------------------------------------


def test_placeholders_stopwords_and_allowlist_regexes_drop_secrets(scanner: SecretScanner) -> None:
    data = (TREE / "deploy" / "values.yaml").read_bytes()
    assert summary(scanner.scan_bytes(data, "deploy/values.yaml")) == [("TEST-0002", 5, 10, 5, 50, "ghp_*****")]
    # AKIA...EXAMPLE carries the stopword "example" (any case)
    assert scanner.scan_bytes((TREE / "README.md").read_bytes(), "README.md") == []
    assert scanner.scan_bytes(b'password = "${DB_PASSWORD}"\n', "a.py") == []
    assert scanner.scan_bytes(b'password = "<db-password>"\n', "a.py") == []


def test_entropy_floor_applies_to_the_secret(scanner: SecretScanner) -> None:
    assert scanner.scan_bytes(b'password = "aaaaaaaa"\n', "a.py") == []  # 0 bits per character
    assert summary(scanner.scan_bytes(b'password = "abcdabcd"\n', "a.py")) == [("TEST-0003", 1, 13, 1, 21, "ab*****")]


def test_inline_allow_comment_drops_matches_on_that_line(scanner: SecretScanner) -> None:
    data = (TREE / "app" / ".env").read_bytes()
    assert [m.rule.id for m in scanner.scan_bytes(data, "app/.env")] == ["TEST-0005"]
    data = f"a = {AWS}\nb = {AWS} # stockade:allow-secret\n# stockade:allow-secret\nc = {AWS}\n".encode()
    assert [m.line for m in scanner.scan_bytes(data, "x.py")] == [1, 4]


def test_global_allowlisted_paths_are_skipped(scanner: SecretScanner) -> None:
    data = f"aws = {AWS}\n".encode()
    assert scanner.scan_bytes(data, "fixtures/leak.txt") == []
    assert scanner.scan_bytes(data, "deep/down/fixtures/x/leak.txt") == []
    assert scanner.scan_bytes(data, "poetry.lock") == []
    assert scanner.skip_reason("a/fixtures/leak.txt") is SkipReason.ALLOWLISTED
    assert len(scanner.scan_bytes(data, "src/leak.txt")) == 1


def test_rule_paths_and_rule_allowlists(scanner: SecretScanner) -> None:
    data = b"API_TOKEN=VsWmflzdE1F8ResqEDusTpkr0cStY4qWB8dWKnHf\n"
    assert [m.rule.id for m in scanner.scan_bytes(data, "svc/.env")] == ["TEST-0005"]
    assert [m.rule.id for m in scanner.scan_bytes(data, "svc/prod.env")] == ["TEST-0005"]
    assert scanner.scan_bytes(data, "svc/settings.txt") == []  # the rule only runs on .env files
    assert scanner.scan_bytes(data, "examples/.env") == []  # per-rule allowed path
    assert scanner.scan_bytes(b"API_TOKEN=dummyABCDEFGHIJKLMNOPQRST\n", "svc/.env") == []  # per-rule stopword


def test_generic_rule_yields_to_a_specific_rule_on_the_same_secret(tmp_path: Path) -> None:
    rules = user_rules(tmp_path, """\
  - id: G-1
    name: generic-token
    title: Generic token
    severity: HIGH
    category: Generic
    keywords: ["token"]
    regex: 'token\\s{0,3}=\\s{0,3}(\\S{8,64})'
    secret_group: 1
  - id: S-1
    name: github-pat
    title: GitHub token
    severity: MEDIUM
    category: GitHub
    keywords: ["ghp_"]
    regex: 'ghp_[A-Za-z0-9]{36}'
  - id: S-2
    name: github-pat-copy
    title: GitHub token again
    severity: CRITICAL
    category: GitHub
    keywords: ["ghp_"]
    regex: 'ghp_[A-Za-z0-9]{36}'
""")
    scanner = SecretScanner(load_rules([rules], builtin=False))
    found = scanner.scan_bytes(f"token = {GH}\ntoken = hunter2hunter2\n".encode(), "a.cfg")
    # same span, both specific: the more severe stays; the Generic match on the same span goes
    assert summary(found) == [("S-2", 1, 9, 1, 49, "ghp_*****"), ("G-1", 2, 9, 2, 23, "hun*****")]


# --- hostile content -----------------------------------------------------------------------------------


def test_invalid_utf8_and_nul_bytes_never_crash(scanner: SecretScanner) -> None:
    data = b"\xff\xfe\x00 bad \xc3\x28 = \x00" + AWS.encode() + b" \xe2\x82\x00\x1b[31m\n"
    (m,) = scanner.scan_bytes(data, "blob.txt")
    assert m.line == 1
    assert m.snippet == "\ufffd\ufffd\ufffd bad \ufffd( = \ufffdAKIA***** \ufffd\ufffd\ufffd[31m"
    assert m.snippet.encode("utf-8")  # a valid str


def test_nul_bytes_after_the_sniffed_head_are_scanned(scanner: SecretScanner) -> None:
    data = b"a" * 9000 + b"\x00\x00 " + AWS.encode() + b"\n"
    result = scanner.scan_stream(io.BytesIO(data), "log.txt")
    assert result.skipped is None
    assert summary(result.matches) == [("TEST-0001", 1, 9004, 1, 9024, "AKIA*****")]


def test_binary_content_and_extensions_are_skipped(scanner: SecretScanner) -> None:
    assert scanner.scan_file(TREE / "bin" / "tool", "bin/tool") == FileScan("bin/tool", skipped=SkipReason.BINARY,
                                                                             size=32)
    png = scanner.scan_file(TREE / "img" / "logo.png", "img/logo.png")
    assert png.skipped is SkipReason.BINARY and png.matches == ()
    assert not scanner.wants("x/archive.tar.gz", 10)
    assert not scanner.wants("LIB.SO", 10)
    assert scanner.wants("x/notes.txt", 10)


def test_too_large_files_get_a_skip_reason_and_a_diagnostic(tmp_path: Path) -> None:
    scanner = SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False), SecretLimits(max_file_size=1000))
    big = tmp_path / "big.txt"
    big.write_bytes(f"{AWS}\n".encode() * 100)
    result = scanner.scan_file(big, "big.txt")
    assert result.skipped is SkipReason.TOO_LARGE
    assert result.matches == ()
    (diag,) = result.diagnostics
    assert diag.level is DiagnosticLevel.INFO
    assert diag.location.path == "big.txt"
    assert diag.message == ("not scanned for secrets: 0.0 MiB is larger than the 0.0 MiB limit "
                            "(SecretLimits.max_file_size)")
    assert not scanner.wants("big.txt", 2100)
    assert scanner.skip_reason("big.txt", 2100) is SkipReason.TOO_LARGE
    # a large binary is just a binary: no diagnostic
    blob = tmp_path / "blob"
    blob.write_bytes(b"\x00" * 5000)
    assert scanner.scan_file(blob, "blob") == FileScan("blob", skipped=SkipReason.BINARY, size=5000)


def test_a_stream_longer_than_the_limit_is_scanned_up_to_it(tmp_path: Path) -> None:
    scanner = SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False), SecretLimits(max_file_size=100))
    data = f"a = {AWS}\n".encode() * 10  # 250 bytes
    result = scanner.scan_stream(io.BytesIO(data), "s.txt")
    assert [m.line for m in result.matches] == [1, 2, 3, 4]
    assert [d.message for d in result.diagnostics] == [
        "only the first 0.0 MiB were scanned for secrets (SecretLimits.max_file_size)"
    ]


def test_matches_per_file_are_capped_with_a_diagnostic(tmp_path: Path) -> None:
    scanner = SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False), SecretLimits(max_matches_per_file=5))
    path = tmp_path / "many.txt"
    path.write_bytes(f"{AWS}\n".encode() * 50)
    result = scanner.scan_file(path, "many.txt")
    assert [m.line for m in result.matches] == [1, 2, 3, 4, 5]
    assert [d.level for d in result.diagnostics] == [DiagnosticLevel.WARNING]
    assert "more than 5 secrets in this file" in result.diagnostics[0].message


# --- chunked reading -----------------------------------------------------------------------------------


def _planted(seed: int, size: int) -> tuple[bytes, list[tuple[str, int]]]:
    """A text of about ``size`` bytes with AWS keys and PEM blocks at random places, and (rule, line) of each."""
    rng = random.Random(seed)
    out = bytearray()
    planted = []
    line = 1
    while len(out) < size:
        roll = rng.random()
        if roll < 0.02:
            key = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
            piece = f"k={key} "
            planted.append(("TEST-0001", line))
        elif roll < 0.025:
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/"
            body = "".join(rng.choice(alphabet) for _ in range(rng.randint(80, 400)))
            body = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
            piece = f"-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----\n"
            planted.append(("TEST-0004", line))
        elif roll < 0.2:
            piece = "\n"
        else:
            piece = rng.choice(["word ", "akia ", "private key----- ", "x" * rng.randint(1, 300), "\t"])
        out += piece.encode()
        line += piece.count("\n")
    return bytes(out), planted


@pytest.mark.parametrize("seed", range(6))
def test_secrets_across_chunk_borders_are_found_exactly_once(tmp_path: Path, seed: int) -> None:
    ruleset = load_rules([RULES / "basic.yaml"], builtin=False)
    data, planted = _planted(seed, 400_000)
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    whole = SecretScanner(ruleset).scan_bytes(data, "big.txt")
    assert [(m.rule.id, m.line) for m in whole] == planted
    # the smallest chunk the engine accepts for these rules is ~50 kB: a few dozen chunk borders
    small = SecretScanner(ruleset, SecretLimits(chunk_size=1, max_file_size=10**9))
    result = small.scan_file(path, "big.txt")
    assert result.skipped is None
    assert [(m.rule.id, m.line, m.column, m.end_line, m.end_column, m.offset, m.snippet) for m in result.matches] == [
        (m.rule.id, m.line, m.column, m.end_line, m.end_column, m.offset, m.snippet) for m in whole
    ]


def test_secret_straddling_every_possible_border(tmp_path: Path) -> None:
    ruleset = load_rules([RULES / "basic.yaml"], builtin=False)
    scanner = SecretScanner(ruleset, SecretLimits(chunk_size=1, max_file_size=10**9))
    from stockade.secrets.engine import LOOKBEHIND, lookahead

    ahead = lookahead(ruleset.engine)
    chunk = 2 * (ahead + LOOKBEHIND) + 4096
    own_end = chunk - ahead  # the first chunk's own region ends here
    path = tmp_path / "s.txt"
    starts = [*range(own_end - 22, own_end + 3), *range(chunk - 22, chunk + 3)]  # own-region end, buffer end
    for start in starts:
        path.write_bytes(b" " * start + AWS.encode() + b"\n" + b"b" * chunk)
        (m,) = scanner.scan_file(path, "s.txt").matches
        assert (m.offset, m.column) == (start, start + 1)
        # one more word character after the key: no word boundary, so no match, whatever the border
        path.write_bytes(b" " * start + AWS.encode() + b"Q\n" + b"b" * chunk)
        assert scanner.scan_file(path, "s.txt").matches == ()


def test_one_huge_line_scans_in_bounded_memory(tmp_path: Path) -> None:
    # 64 MiB on one line, read in 1 MiB chunks: memory stays a few chunks whatever the line length.
    chunk = 1 << 20
    path = tmp_path / "oneline.txt"
    filler = b"abcdefgh" * (chunk // 8)
    with path.open("wb") as handle:
        for i in range(64):
            handle.write(filler)
            if i % 16 == 7:
                handle.write(b" " + AWS.encode() + b" ")
    scanner = SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False),
                            SecretLimits(chunk_size=chunk, max_file_size=1 << 40))
    tracemalloc.start()
    try:
        result = scanner.scan_file(path, "oneline.txt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(m.line, m.column) for m in result.matches] == [
        (1, 8 * chunk + 2), (1, 24 * chunk + 24), (1, 40 * chunk + 46), (1, 56 * chunk + 68),
    ]  # fmt: skip
    assert peak < 6 * chunk, peak


# --- linear time on adversarial rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regex", "text", "expected"),
    [
        (r"(a+)+$", b"a" * 100_000 + b"!", []),
        (r"(a|aa)*c", b"a" * 100_000, []),
        (r"(a|a?)+b", b"a" * 100_000 + b"\n", []),
        (r"(a|aa)*c", b"x" * 50 + b"a" * 1000 + b"c", [(1, 51, 1, 1052)]),
    ],
)
def test_catastrophic_patterns_run_in_linear_time(
    tmp_path: Path, regex: str, text: bytes, expected: list[tuple[int, int, int, int]]
) -> None:
    rules = user_rules(tmp_path, f"""\
  - id: EVIL-1
    name: catastrophic
    title: Classic catastrophic backtracking pattern
    severity: LOW
    category: Test
    keywords: ["a"]
    regex: '{regex}'
    max_length: 65536
""")
    scanner = SecretScanner(load_rules([rules], builtin=False))
    found = scanner.scan_bytes(text, "evil.txt")
    assert [(m.line, m.column, m.end_line, m.end_column) for m in found] == expected
    path = tmp_path / "evil.txt"
    path.write_bytes(text)
    assert [(m.line, m.column) for m in scanner.scan_file(path, "evil.txt").matches] == [e[:2] for e in expected]


def test_matches_continue_leftmost_first_across_chunks(tmp_path: Path) -> None:
    # A run of matches crossing every chunk border: the next chunk resumes where the last match ended.
    rules = user_rules(tmp_path, """\
  - id: RUN-1
    name: run
    title: Runs of a
    severity: LOW
    category: Test
    keywords: ["aa"]
    regex: 'aa(?:aa){0,8}'
""")
    ruleset = load_rules([rules], builtin=False)
    data = b"a" * 150_001 + b"\n"
    path = tmp_path / "run.txt"
    path.write_bytes(data)
    limits = SecretLimits(chunk_size=1, max_file_size=10**9, max_matches_per_file=10**6)
    whole = SecretScanner(ruleset, limits).scan_bytes(data, "run.txt")
    assert [m.offset for m in whole] == list(range(0, 150_000, 18))
    chunked = SecretScanner(ruleset, limits).scan_file(path, "run.txt").matches
    assert [(m.offset, m.end_offset) for m in chunked] == [(m.offset, m.end_offset) for m in whole]


def test_truncated_empty_and_crlf_inputs(scanner: SecretScanner, tmp_path: Path) -> None:
    pem = (TREE / "keys" / "id_rsa").read_bytes()
    assert scanner.scan_bytes(pem[: len(pem) // 2], "keys/id_rsa") == []  # no END line: no match, no error
    assert scanner.scan_bytes(b"", "empty.txt") == []
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert scanner.scan_file(empty, "empty.txt") == FileScan("empty.txt")
    data = f"a = 1\r\nkey = {AWS}\r\n".encode()
    (m,) = scanner.scan_bytes(data, "win.ini")
    assert (m.line, m.column, m.snippet) == (2, 7, "key = AKIA*****")


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match=r"SecretLimits.chunk_size must be a positive integer, not 0"):
        SecretLimits(chunk_size=0)
    with pytest.raises(ValueError, match=r"SecretLimits.max_file_size must be a positive integer, not True"):
        SecretLimits(max_file_size=True)


@pytest.mark.slow
def test_a_1_gib_sparse_single_line_file(tmp_path: Path) -> None:
    # A text head, a 1 GiB hole (NUL bytes, past the sniffed head) and a key at the very end: one line,
    # read in 8 MiB chunks with memory bounded by a few chunks.
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"x" * 9000)
        handle.seek(9000 + (1 << 30))
        handle.write(b" " + AWS.encode() + b"\n")
    scanner = SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False), SecretLimits(max_file_size=1 << 31))
    tracemalloc.start()
    try:
        result = scanner.scan_file(path, "huge.txt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(m.line, m.column, m.offset) for m in result.matches] == [(1, 9002 + (1 << 30), 9001 + (1 << 30))]
    assert peak < 4 * SecretLimits().chunk_size, peak
