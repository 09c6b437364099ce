#!/usr/bin/env python3
"""Headline benchmark for secret scanning: speed, recall and precision, against detect-secrets on the same corpus.

    python benchmarks/secret_bench.py [--size-mb 200] [--regen] [--install-detect-secrets] [--no-peer]

Builds (once, deterministically; cached under benchmarks/secret-corpus/tree/) a corpus of mixed source and config
text -- Python, JavaScript, Go, YAML, JSON, .env, INI, shell, Markdown, logs -- with planted secrets of every
built-in rule (random tokens generated from each rule's own format, embedded in ordinary lines) and decoys
(placeholders, example keys, hashes, UUIDs, lock-file integrity strings). The planted list (file, line span,
rule) is kept in benchmarks/secret-corpus/manifest.json, outside the scanned tree.

Then it measures stockade's in-process ``SecretScanner.scan_tree`` with all CPUs (jobs=0; first in a fresh
scanner, then again once its automata are built) and with one (jobs=1), in MB/s over the bytes of the corpus
and per CPU second, and its recall and precision on the planted set; and, when
detect-secrets is available (in benchmarks/.peers/detect-secrets, on PATH, or installed there with
--install-detect-secrets), runs ``detect-secrets scan --all-files -n`` on the same corpus in the same run and
prints the speed ratio and both tools' recall and precision. A planted secret counts as found when a tool
reports its file and a line of its span; a reported (file, line) outside every planted span is a false
positive. Because planted tokens are generated from stockade's rule formats, its recall here measures the
engine end to end (windows, chunks, allowlists, entropy, overlap rules), not rule coverage of unknown formats.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import re2  # noqa: E402

from stockade.secrets import RuleSet, SecretRule, SecretScanner, load_rules  # noqa: E402
from stockade.secrets._glob import GlobSet  # noqa: E402
from stockade.secrets._regex import _set_members, parse_tree  # noqa: E402

CORPUS = HERE / "secret-corpus" / "tree"  # apart from benchmarks/corpus, which the config benchmark scans
MANIFEST = HERE / "secret-corpus" / "manifest.json"
PEERS = HERE / ".peers"
CORPUS_VERSION = 4
PLANTS_PER_RULE = 6

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LOWER = "abcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"

# --- tokens in each rule's format ----------------------------------------------------------------------

_PRINTABLE = [c for c in range(0x21, 0x7F) if chr(c) not in "\"'`\\"]


def _pick_char(members: frozenset[int], rng: random.Random) -> str:
    for pool in (
        [c for c in members if chr(c).isalnum() and c < 0x80],
        [c for c in members if c in _PRINTABLE],
        [c for c in members if c in (0x20, 0x09)],
        [c for c in members if c == 0x0A],
        sorted(members),
    ):
        if pool:
            return chr(rng.choice(pool))
    return "x"


def _generate(tree: Any, rng: random.Random, dotall: bool) -> str:
    out: list[str] = []
    for op, av in tree.data if hasattr(tree, "data") else tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "NOT_LITERAL":
            out.append(_pick_char(frozenset(range(256)) - {av, 0x0A}, rng))
        elif name == "ANY":
            out.append(rng.choice(ALNUM))
        elif name == "IN":
            out.append(_pick_char(_set_members(av), rng))
        elif name == "BRANCH":
            out.append(_generate(rng.choice(av[1]), rng, dotall))
        elif name == "SUBPATTERN":
            out.append(_generate(av[3], rng, dotall))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            hi = min(hi, lo + 24) if hi < 1 << 31 else lo + 24
            count = rng.randint(lo, max(lo, hi))
            out.extend(_generate(sub, rng, dotall) for _ in range(count))
        elif name == "AT":
            continue
        elif name == "CATEGORY":
            out.append(rng.choice(ALNUM))
    return "".join(out)


class Planter:
    """Random text in a rule's format, checked against the rule (regex, secret group, entropy, allowlists)."""

    def __init__(self, ruleset: RuleSet) -> None:
        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        self.options = options
        self.ruleset = ruleset
        self.scanner = SecretScanner(ruleset)

    def token(self, rule: SecretRule, rng: random.Random) -> str | None:
        tree = parse_tree(rule.regex)
        if tree is None:
            return None
        path = sample_path(rule, rng) if rule.paths else "x.txt"
        if path is None:
            return None
        for _ in range(300):
            text = _generate(tree, rng, False)
            if self.accepts(rule, text, path):
                return text
        return None

    def accepts(self, rule: SecretRule, line: str, path: str) -> bool:
        try:
            data = line.encode("latin-1")
        except UnicodeEncodeError:
            return False
        return any(m.rule.id == rule.id for m in self.scanner.scan_bytes(data, path))


def sample_path(rule: SecretRule, rng: random.Random) -> str | None:
    """A file name one of the rule's path globs matches (for rules limited to some files)."""
    for glob in rule.paths:
        name = glob.replace("**/", "").replace("*", rng.choice(["app", "prod", "settings"])).replace("?", "x")
        if "[" in name:
            continue
        path = f"cfg/{name}"
        if GlobSet(rule.paths).matches(path):
            return path
    return None


# --- ordinary text ---------------------------------------------------------------------------------------

WORDS = [
    "user", "order", "account", "invoice", "payment", "session", "cache", "queue", "worker", "client", "server",
    "request", "response", "config", "handler", "service", "model", "view", "router", "event", "message", "stream",
    "buffer", "record", "field", "value", "index", "table", "column", "metric", "trace", "span", "log", "level",
    "debug", "retry", "timeout", "deadline", "region", "zone", "cluster", "node", "pod", "image", "build", "release",
    "deploy", "version", "feature", "flag", "tenant", "project", "team", "owner", "admin", "role", "policy", "rule",
    "check", "report",
]  # fmt: skip
HOSTS = ["api.internal", "github.com", "pypi.org", "registry.npmjs.org", "example.org", "docs.python.org",
         "localhost", "storage.googleapis.com", "s3.amazonaws.com", "grafana.local"]  # fmt: skip


def pick(rng: random.Random, common: list[str], risky: list[str], share: float = 0.015) -> str:
    """A line from ``common``, or now and then (``share``) one that mentions passwords, tokens or keys
    without holding one -- what makes a scanner's keyword prefilter work in real code."""
    return rng.choice(risky) if rng.random() < share else rng.choice(common)


def ident(rng: random.Random) -> str:
    return "_".join(rng.sample(WORDS, rng.randint(1, 3)))


def camel(rng: random.Random) -> str:
    parts = rng.sample(WORDS, rng.randint(1, 3))
    return parts[0] + "".join(p.title() for p in parts[1:])


def url(rng: random.Random) -> str:
    return f"https://{rng.choice(HOSTS)}/{'/'.join(rng.sample(WORDS, rng.randint(1, 3)))}"


def hexstr(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HEX) for _ in range(n))


def uuid(rng: random.Random) -> str:
    h = hexstr(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def b64(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALNUM + "+/") for _ in range(n))


def line_python(rng: random.Random) -> str:
    i = ident(rng)
    return pick(rng, [
        f"def {i}(self, {ident(rng)}, timeout={rng.randint(1, 90)}):",
        f"    {i} = self.{ident(rng)}.get({ident(rng)!r})",
        f"    return {i}",
        f"import {rng.choice(WORDS)}",
        f"from {rng.choice(WORDS)}.{rng.choice(WORDS)} import {camel(rng).title()}",
        f"    logger.info(\"{' '.join(rng.sample(WORDS, 4))} %s\", {i})",
        f"    # {' '.join(rng.sample(WORDS, rng.randint(3, 9)))}",
        f"    if {i} is None:",
        f"        raise ValueError(\"{' '.join(rng.sample(WORDS, 3))}\")",
        f"    {i}_url = \"{url(rng)}\"",
        "",
        f"class {camel(rng).title()}({camel(rng).title()}):",
        f"    {i}: dict[str, int] = {{}}",
    ], [
        f"    password = os.environ[\"{i.upper()}_PASSWORD\"]",
        f"    token = get_token({i})",
        f"    api_key = config.{i}",
        "    secret_key = settings.SECRET_KEY",
    ])  # fmt: skip


def line_js(rng: random.Random) -> str:
    c = camel(rng)
    return pick(rng, [
        f"const {c} = require('{rng.choice(WORDS)}');",
        f"export function {c}({camel(rng)}, {camel(rng)}) {{",
        f"  const {c} = await fetch('{url(rng)}', {{ method: 'POST' }});",
        f"  return {c}.{camel(rng)}({rng.randint(0, 999)});",
        "}",
        f"  // {' '.join(rng.sample(WORDS, rng.randint(3, 8)))}",
        f"  if (!{c}) throw new Error('{' '.join(rng.sample(WORDS, 3))}');",
        f"  {c}: '{rng.choice(WORDS)}-{rng.randint(1, 99)}',",
        "",
    ], [
        f"  headers: {{ Authorization: `Bearer ${{{c}Token}}` }},",
        f"  const token = process.env.{ident(rng).upper()}_TOKEN;",
    ])  # fmt: skip


def line_go(rng: random.Random) -> str:
    c = camel(rng)
    return pick(rng, [
        f"func ({c[0]} *{c.title()}) {camel(rng).title()}(ctx context.Context) error {{",
        f"\t{c}, err := {camel(rng)}.{camel(rng).title()}(ctx, \"{rng.choice(WORDS)}\")",
        "\tif err != nil {",
        f"\t\treturn fmt.Errorf(\"{' '.join(rng.sample(WORDS, 2))}: %w\", err)",
        "\t}",
        f"\t// {' '.join(rng.sample(WORDS, rng.randint(3, 8)))}",
        f"\t{c}URL := \"{url(rng)}\"",
        "}",
        "",
    ], [
        f"\tsecret := os.Getenv(\"{ident(rng).upper()}_SECRET\")",
    ])  # fmt: skip


def line_yaml(rng: random.Random) -> str:
    return pick(rng, [
        f"{ident(rng)}:",
        f"  {ident(rng)}: {rng.choice(WORDS)}",
        f"  replicas: {rng.randint(1, 5)}",
        f"    image: ghcr.io/acme/{rng.choice(WORDS)}:{rng.randint(1, 9)}.{rng.randint(0, 20)}.0",
        f"    - name: {ident(rng).upper()}",
        f"  url: {url(rng)}",
        f"  checksum/config: {hexstr(rng, 64)}",
        f"  # {' '.join(rng.sample(WORDS, 5))}",
    ], [
        "      valueFrom: {secretKeyRef: {name: app, key: password}}",
        f"  password: {{{{ .Values.{camel(rng)}.password }}}}",
    ])  # fmt: skip


def line_json(rng: random.Random) -> str:
    return pick(rng, [
        f'  "{camel(rng)}": "{rng.choice(WORDS)}",',
        f'  "{camel(rng)}": {rng.randint(0, 10000)},',
        f'  "id": "{uuid(rng)}",',
        f'      "integrity": "sha512-{b64(rng, 86)}==",',
        f'      "resolved": "https://registry.npmjs.org/{rng.choice(WORDS)}/-/{rng.choice(WORDS)}-1.2.3.tgz",',
        f'  "commit": "{hexstr(rng, 40)}",',
        f'  "url": "{url(rng)}",',
    ], [
        '  "token": null,',
    ])  # fmt: skip


def line_env(rng: random.Random) -> str:
    key = ident(rng).upper()
    return pick(rng, [
        f"{key}={rng.choice(WORDS)}",
        f"{key}_URL={url(rng)}",
        f"{key}_PORT={rng.randint(1000, 9999)}",
        f"# {' '.join(rng.sample(WORDS, 4))}",
    ], [
        f"{key}_PASSWORD=${{{key}_PASSWORD}}",
        f"{key}_TOKEN=<your-token>",
        "API_KEY=changeme",
    ], 0.1)  # fmt: skip


def line_ini(rng: random.Random) -> str:
    return pick(rng, [
        f"[{rng.choice(WORDS)}]",
        f"{ident(rng)} = {rng.choice(WORDS)}",
        f"{ident(rng)} = {rng.randint(0, 500)}",
        f"host = {rng.choice(HOSTS)}",
        f"; {' '.join(rng.sample(WORDS, 4))}",
    ], [
        "password = %(db_password)s",
    ])  # fmt: skip


def line_shell(rng: random.Random) -> str:
    return pick(rng, [
        f"export {ident(rng).upper()}=\"{rng.choice(WORDS)}\"",
        f"curl -fsSL {url(rng)} -o /tmp/{rng.choice(WORDS)}",
        f"if [ -z \"${{{ident(rng).upper()}}}\" ]; then",
        "  exit 1",
        "fi",
        f"echo \"{' '.join(rng.sample(WORDS, 4))}\"",
        f"# {' '.join(rng.sample(WORDS, 5))}",
    ], [
        f"docker login -u \"$USER\" --password-stdin {rng.choice(HOSTS)}",
    ])  # fmt: skip


def line_md(rng: random.Random) -> str:
    return pick(rng, [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 25))) + ".",
        f"See [{rng.choice(WORDS)}]({url(rng)}) for details.",
        f"## {rng.choice(WORDS).title()} {rng.choice(WORDS)}",
        "```sh",
        "```",
        "",
    ], [
        "Set `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE` and `password: <password>` before running.",
    ])  # fmt: skip


def line_log(rng: random.Random) -> str:
    ts = f"2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:00Z"
    return pick(rng, [
        f"{ts} INFO {rng.choice(WORDS)} request_id={uuid(rng)} status=200 path=/{rng.choice(WORDS)}",
        f"{ts} WARN {rng.choice(WORDS)} retry={rng.randint(1, 5)} url={url(rng)}",
        f"{ts} DEBUG cache key={hexstr(rng, 40)} hit=true",
        f"{ts} ERROR {' '.join(rng.sample(WORDS, 5))} trace={hexstr(rng, 32)}",
        f"{ts} INFO user={rng.choice(WORDS)} ip=10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    ], [
        f"{ts} WARN auth token expired for user={rng.choice(WORDS)}",
    ])  # fmt: skip


KINDS = {  # extension: (line generator, share of the corpus)
    "py": (line_python, 0.18), "js": (line_js, 0.14), "go": (line_go, 0.12), "yaml": (line_yaml, 0.10),
    "json": (line_json, 0.10), "env": (line_env, 0.03), "ini": (line_ini, 0.04), "sh": (line_shell, 0.06),
    "md": (line_md, 0.08), "log": (line_log, 0.15),
}  # fmt: skip

DECOYS = [
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    'password = "changeme"',
    "DB_PASSWORD=${{DB_PASSWORD}}",
    "token: <your-token>",
    "api_key: your_api_key_here",
    'secret = "xxxxxxxxxxxxxxxxxxxxxxxx"',
    "GITHUB_TOKEN={{{{ secrets.GITHUB_TOKEN }}}}",
    "sha256: {hex64}",
    "commit {hex40}",
    "request {uuid}",
    "etag: \"{hex32}\"",
    'integrity="sha384-{b64}"',
    "password: %(password)s",
]


def decoy(rng: random.Random) -> str:
    text = rng.choice(DECOYS)
    return text.format(hex64=hexstr(rng, 64), hex40=hexstr(rng, 40), hex32=hexstr(rng, 32), uuid=uuid(rng),
                       b64=b64(rng, 64))


LEADS = [("", ""), ("  ", ""), ("value: ", ""), ("export KEY=", ""), ('"', '"'), ("'", "'"), ("key = '", "'"),
         ("(", ")"), ("# ", "")]  # fmt: skip


def build_corpus(size_mb: int, ruleset: RuleSet) -> dict[str, Any]:
    rng = random.Random(20240611)
    planter = Planter(ruleset)
    plants: list[tuple[SecretRule, str]] = []
    unplantable = []
    for rule in ruleset:
        made = 0
        for _ in range(PLANTS_PER_RULE):
            token = planter.token(rule, rng)
            if token is not None:
                plants.append((rule, token))
                made += 1
        if not made:
            unplantable.append(rule.id)
    rng.shuffle(plants)

    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir(parents=True)
    target = size_mb * 1024 * 1024
    kinds = list(KINDS)
    weights = [KINDS[k][1] for k in kinds]
    files: list[tuple[str, str]] = []  # (relative path, kind) planned
    total = 0
    sizes: list[int] = []
    while total < target:
        kind = rng.choices(kinds, weights)[0]
        size = int(min(6 * 1024 * 1024, rng.lognormvariate(9.3, 1.3)))  # median ~11 kB, a long tail
        project = f"project-{len(files) % 97:03d}"
        sub = rng.choice(["src", "lib", "config", "deploy", "docs", "scripts", "internal", "logs"])
        name = f"{rng.choice(WORDS)}_{len(files):05d}.{kind}"
        if kind == "env":
            name = f".env.{rng.choice(WORDS)}{len(files)}"
        files.append((f"{project}/{sub}/{name}", kind))
        sizes.append(size)
        total += size
    # plants go into random files; rules limited to some paths get small files of their own
    per_file: dict[int, list[tuple[SecretRule, str]]] = {}
    extra: list[tuple[str, SecretRule, str]] = []
    for rule, token in plants:
        if rule.paths:
            path = sample_path(rule, rng)
            if path is None:
                unplantable.append(rule.id)
                continue
            extra.append((f"project-{rng.randrange(97):03d}/{path}", rule, token))
        else:
            per_file.setdefault(rng.randrange(len(files)), []).append((rule, token))

    manifest: list[dict[str, Any]] = []
    line_pools = {kind: [KINDS[kind][0](rng) for _ in range(20000)] for kind in kinds}
    written = 0
    for index, ((rel, kind), size) in enumerate(zip(files, sizes, strict=True)):
        pool = line_pools[kind]
        lines: list[str] = []
        length = 0
        todo = per_file.get(index, [])
        slots = sorted(rng.randrange(max(1, size // 60)) for _ in todo)
        decoys = max(1, size // 20000)
        while length < size or todo:
            if todo and len(lines) >= slots[0]:
                rule, token = todo.pop(0)
                slots.pop(0)
                lead, trail = _embedding(planter, rule, token, rel, rng)
                first = len(lines) + 1
                text = lead + token + trail
                manifest.append({"file": rel, "line": first, "end_line": first + text.count("\n"), "rule": rule.id,
                                 "category": rule.category})
                lines.extend(text.split("\n"))
                continue
            if decoys and rng.random() < 0.01:
                lines.append(decoy(rng))
                decoys -= 1
            else:
                lines.append(rng.choice(pool) if rng.random() < 0.8 else KINDS[kind][0](rng))
            length += len(lines[-1]) + 1
        path = CORPUS / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(lines) + "\n").encode("latin-1")
        path.write_bytes(data)
        written += len(data)
    for rel, rule, token in extra:
        path = CORPUS / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        head = [line_ini(rng) for _ in range(rng.randint(0, 5))]
        lead, trail = _embedding(planter, rule, token, rel, rng)
        text = lead + token + trail
        old = path.read_text("latin-1").rstrip("\n").split("\n") if path.exists() else []
        first = len(old) + len(head) + 1
        manifest.append({"file": rel, "line": first, "end_line": first + text.count("\n"), "rule": rule.id,
                         "category": rule.category})
        body = "\n".join([*old, *head, text]) + "\n"
        path.write_bytes(body.encode("latin-1"))
        written += len(body)
    info = {"version": CORPUS_VERSION, "size_mb": size_mb, "files": len(files) + len(extra), "bytes": written,
            "planted": manifest, "unplantable": sorted(set(unplantable)), "rules": len(ruleset)}
    MANIFEST.write_text(json.dumps(info))
    return info


def _embedding(planter: Planter, rule: SecretRule, token: str, path: str, rng: random.Random) -> tuple[str, str]:
    for lead, trail in rng.sample(LEADS, len(LEADS)):
        if planter.accepts(rule, lead + token + trail, path):
            return lead, trail
    return "", ""


def corpus(size_mb: int, regen: bool, ruleset: RuleSet) -> dict[str, Any]:
    if not regen and MANIFEST.exists() and CORPUS.exists():
        info: dict[str, Any] = json.loads(MANIFEST.read_text())
        if info.get("version") == CORPUS_VERSION and info.get("size_mb") == size_mb and info.get("rules") == len(
                ruleset):
            return info
    print(f"building a {size_mb} MB corpus under {CORPUS.relative_to(ROOT)} (once) ...", flush=True)
    start = time.perf_counter()
    info = build_corpus(size_mb, ruleset)
    print(f"  {info['files']} files, {info['bytes'] / 1e6:.0f} MB, {len(info['planted'])} planted secrets, "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    return info


# --- scoring ---------------------------------------------------------------------------------------------


def score(reported: set[tuple[str, int]], planted: list[dict[str, Any]]) -> tuple[float, float, int, int]:
    """(recall, precision, found, false positives) of reported (file, line) pairs against planted spans."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for p in planted:
        spans.setdefault(p["file"], []).append((p["line"], p["end_line"]))
    hit_lines = set()
    for file, line in reported:
        for lo, hi in spans.get(file, ()):
            if lo <= line <= hi:
                hit_lines.add((file, line))
                break
    found = sum(1 for p in planted if any((p["file"], n) in reported for n in range(p["line"], p["end_line"] + 1)))
    false_positives = len(reported) - len(hit_lines)
    recall = found / len(planted) if planted else 0.0
    precision = len(hit_lines) / len(reported) if reported else 0.0
    return recall, precision, found, false_positives


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (worker processes), user + system."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def run_stockade(scanner: SecretScanner, jobs: int) -> tuple[float, set[tuple[str, int]], int, dict[str, int]]:
    start = time.perf_counter()
    reported: set[tuple[str, int]] = set()
    scanned = 0
    skipped: dict[str, int] = {}
    for result in scanner.scan_tree(CORPUS, jobs=jobs):
        if result.skipped is not None:
            skipped[str(result.skipped)] = skipped.get(str(result.skipped), 0) + 1
        else:
            scanned += result.size
        for m in result.matches:
            reported.add((result.path, m.line))
    return time.perf_counter() - start, reported, scanned, skipped


def find_detect_secrets(install: bool) -> str | None:
    local = PEERS / "detect-secrets" / "bin" / "detect-secrets"
    if local.exists():
        return str(local)
    on_path = shutil.which("detect-secrets")
    if on_path:
        return on_path
    if install:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS / "detect-secrets")], check=True)
        subprocess.run([str(PEERS / "detect-secrets" / "bin" / "pip"), "install", "--quiet", "detect-secrets"],
                       check=True)
        return str(local)
    return None


def run_detect_secrets(command: str) -> tuple[float, set[tuple[str, int]]]:
    start = time.perf_counter()
    proc = subprocess.run([command, "scan", "--all-files", "-n", "."], cwd=CORPUS, capture_output=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"detect-secrets failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    results = json.loads(proc.stdout)["results"]
    reported = {(file.removeprefix("./"), item["line_number"]) for file, items in results.items() for item in items}
    return wall, reported


def by_family(planted: list[dict[str, Any]], reported: set[tuple[str, int]]) -> Iterator[tuple[str, int, int]]:
    families: dict[str, list[bool]] = {}
    for p in planted:
        hit = any((p["file"], n) in reported for n in range(p["line"], p["end_line"] + 1))
        families.setdefault(p["category"], []).append(hit)
    for family in sorted(families):
        yield family, sum(families[family]), len(families[family])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200, help="corpus size (default 200)")
    parser.add_argument("--regen", action="store_true", help="rebuild the corpus even if cached")
    parser.add_argument("--no-peer", action="store_true", help="do not run detect-secrets")
    parser.add_argument("--install-detect-secrets", action="store_true",
                        help="install detect-secrets from PyPI into benchmarks/.peers/detect-secrets")
    parser.add_argument("--families", action="store_true", help="print recall per rule family")
    parser.add_argument("--cold-run", type=int, help=argparse.SUPPRESS)  # internal: one scan, JSON figures out
    args = parser.parse_args()
    if args.cold_run is not None:
        scanner = SecretScanner(load_rules())
        cpu = cpu_seconds()
        wall, _, _, _ = run_stockade(scanner, args.cold_run)
        print(json.dumps({"wall": wall, "cpu": cpu_seconds() - cpu}))
        return 0

    start = time.perf_counter()
    ruleset = load_rules()
    load = time.perf_counter() - start
    info = corpus(args.size_mb, args.regen, ruleset)
    planted = info["planted"]
    megabytes = info["bytes"] / 1e6
    print(f"corpus: {info['files']} files, {megabytes:.1f} MB, {len(planted)} planted secrets of "
          f"{len({p['rule'] for p in planted})}/{info['rules']} rules"
          + (f" (not plantable: {', '.join(info['unplantable'])})" if info["unplantable"] else ""))
    print(f"stockade: {len(ruleset)} rules loaded and compiled in {load * 1000:.0f} ms; {os.cpu_count()} CPUs")

    for path in CORPUS.rglob("*"):  # warm the page cache: the runs below measure scanning, not the disk
        if path.is_file():
            path.read_bytes()
    for jobs, label in ((0, "all CPUs"), (1, "one CPU")):
        # a fresh process: rules loaded, automata built as they are needed (what a one-off CLI run pays)
        proc = subprocess.run([sys.executable, __file__, "--cold-run", str(jobs)], capture_output=True, text=True,
                              check=True)
        cold = json.loads(proc.stdout)
        print(f"stockade ({label}, fresh process): {cold['wall']:.2f} s, {megabytes / cold['wall']:.0f} MB/s "
              f"({cold['cpu']:.2f} CPU s, rule loading not included)")
    scanner = SecretScanner(ruleset)
    run_stockade(scanner, 1)  # builds this process's automata; the runs below are warm
    results: dict[int, tuple[float, set[tuple[str, int]], float]] = {}
    for jobs, label in ((0, "all CPUs, warm"), (1, "one CPU, warm")):
        cpu = cpu_seconds()
        wall, reported, scanned, skipped = run_stockade(scanner, jobs)
        cpu = cpu_seconds() - cpu
        results[jobs] = (wall, reported, cpu)
        recall, precision, found, fps = score(reported, planted)
        print(f"stockade ({label}): {wall:.2f} s, {megabytes / wall:.0f} MB/s ({cpu:.2f} CPU s, "
              f"{megabytes / cpu:.0f} MB per CPU second); recall {recall:.1%} ({found}/{len(planted)}), precision "
              f"{precision:.1%} ({fps} false positives); {scanned / 1e6:.0f} MB scanned, skipped {skipped or 'none'}")
    if args.families:
        for family, hit, total in by_family(planted, results[0][1]):
            print(f"  {family:20} {hit}/{total}")

    if args.no_peer:
        return 0
    command = find_detect_secrets(args.install_detect_secrets)
    if command is None:
        print("detect-secrets: not found (pass --install-detect-secrets to install it into benchmarks/.peers); "
              "no ratio")
        return 0
    version = subprocess.run([command, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"detect-secrets {version}: scanning (all CPUs) ...", flush=True)
    cpu = cpu_seconds()
    wall, reported = run_detect_secrets(command)
    cpu = cpu_seconds() - cpu
    recall, precision, found, fps = score(reported, planted)
    print(f"detect-secrets (all CPUs): {wall:.2f} s, {megabytes / wall:.1f} MB/s ({cpu:.1f} CPU s, "
          f"{megabytes / cpu:.1f} MB per CPU second); recall {recall:.1%} ({found}/{len(planted)}), precision "
          f"{precision:.1%} ({fps} false positives)")
    ours, our_cpu = results[0][0], results[0][2]
    print(f"speed ratio: stockade is {wall / ours:.1f}x faster than detect-secrets in wall time (all CPUs each), "
          f"{cpu / our_cpu:.1f}x in CPU time")
    if args.families:
        for family, hit, total in by_family(planted, reported):
            print(f"  {family:20} {hit}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
