"""STK-DF rules: every fixture Dockerfile asserted on its own, rule metadata, secrets never shown, hostile shapes.

Each rule has a directory ``testdata/STK-DF-NNNN`` with ``pass-*.Dockerfile`` files (no violation of that rule)
and ``fail-*.Dockerfile`` files that open with ``# expect: <line>`` comments: exactly the physical lines of
that rule's violations, one comment per violation. A ``# allowed-registries: a, b`` comment sets the
``dockerfile.allowed_registries`` setting for that file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from stockade.checks._check import Check, CheckContext, Violation
from stockade.checks.dockerfile import CHECKS, DOCKERFILE, HADOLINT_MAP, hadolint_code
from stockade.checks.dockerfile._commands import (
    npm_spec_pinned,
    package_command,
    parse_options,
    pip_requirement_pinned,
    unpinned_packages,
    unwrap,
)
from stockade.checks.dockerfile._common import expand, parse_image, valid_digest
from stockade.checks.dockerfile._redact import find_credentials, looks_secret, scrub
from stockade.checks.dockerfile.base_image import registry_allowed
from stockade.checks.dockerfile.permissions import ModeEffect, mode_effect
from stockade.checks.dockerfile.secrets import secret_file
from stockade.checks.dockerfile.supply_chain import executes_stdin
from stockade.model import (
    DiagnosticLevel,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Severity,
    ShellCommand,
    Stage,
)

DATA = Path(__file__).parent / "testdata"
BY_ID = {c.meta.id: c for c in CHECKS}
FIXTURES = sorted(DATA.glob("STK-DF-*/*.Dockerfile"))

ID_RE = re.compile(r"^STK-DF-\d{4}$")
COMPLIANCE_RE = re.compile(
    r"^(CIS-Docker-4\.(1[0-2]|[1-9])|NIST-800-190:4\.1\.[1-5]"
    r"|NSA-CISA:(non-root|secure-images|secrets|container-hardening))$"
)
REFERENCE_RE = re.compile(r"^(https://\S+|hadolint:DL[34]\d{3}|trivy:AVD-DS-\d{4}|checkov:CKV2?_DOCKER_\d+)$")


def _parser() -> Callable[[str, str], tuple[Dockerfile, list[Any]]]:
    module = pytest.importorskip(
        "stockade.source.dockerfile", reason="the Dockerfile parser (stockade.source.dockerfile) is not there yet"
    )
    parse: Callable[[str, str], tuple[Dockerfile, list[Any]]] = module.parse_dockerfile
    return parse


def load(path: Path) -> Dockerfile:
    """Parse like the scanner does: no parse error allowed, .dockerignore presence as the loader finds it."""
    parse = _parser()
    dockerfile, diagnostics = parse(str(path), path.read_text(encoding="utf-8"))
    errors = [d for d in diagnostics if d.level is DiagnosticLevel.ERROR]
    assert not errors, errors
    directory, name = os.path.split(path)
    ignore = os.path.isfile(os.path.join(directory, ".dockerignore")) or os.path.isfile(
        os.path.join(directory, f"{name}.dockerignore")
    )
    return replace(dockerfile, has_dockerignore=ignore)


def header(path: Path, key: str) -> list[str]:
    """Values of the ``# key: value`` comments of the comment block that opens the file."""
    values: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(f"# {key}:"):
            values.append(line.removeprefix(f"# {key}:").strip())
    return values


def context_for(path: Path) -> CheckContext:
    registries = header(path, "allowed-registries")
    if not registries:
        return CheckContext()
    allowed = [r.strip() for r in registries[0].split(",") if r.strip()]
    return CheckContext(settings={"dockerfile": {"allowed_registries": allowed}})


def run(check: Check, dockerfile: Dockerfile, ctx: CheckContext | None = None) -> list[Violation]:
    assert "Dockerfile" in check.meta.kinds
    return list(check.evaluate(dockerfile, ctx or CheckContext()))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    rule = BY_ID.get(path.parent.name)
    assert rule is not None, f"no check with id {path.parent.name}"
    violations = run(rule, load(path), context_for(path))
    got = sorted(v.line or 0 for v in violations)
    if path.name.startswith("fail-"):
        expected = sorted(int(e) for e in header(path, "expect"))
        assert expected, f"{path.name} must open with '# expect: <line>' comments"
        assert got == expected, [f"{v.line}: {v.message}" for v in violations]
    elif path.name.startswith("pass-"):
        assert got == [], [f"{v.line}: {v.message}" for v in violations]
    else:
        pytest.fail(f"fixture names start with pass- or fail-: {path.name}")
    lines = path.read_text(encoding="utf-8").splitlines()
    for v in violations:
        assert v.message and v.message == v.message.strip()
        assert v.snippet and "\n" not in v.snippet
        assert v.line is not None and 1 <= v.line <= len(lines)


# --- secrets are never shown ----------------------------------------------------------------------------


def _secret_values(path: Path, dockerfile: Dockerfile) -> set[str]:
    """Values a finding must never contain: secret-named ENV/ARG values, recognisable credentials."""
    text = path.read_text(encoding="utf-8")
    values = {text[start:end] for _, start, end in find_credentials(text)}
    stack = list(dockerfile.instructions)
    while stack:
        instruction = stack.pop()
        if instruction.trigger is not None:
            stack.append(instruction.trigger)
        for name, value in instruction.pairs:
            if looks_secret(name) and len(value.strip()) >= 6 and not value.strip().startswith("$"):
                values.add(value.strip())
    return values


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_finding_shows_a_secret(path: Path) -> None:
    dockerfile = load(path)
    secrets = _secret_values(path, dockerfile)
    ctx = context_for(path)
    for check in CHECKS:
        for v in run(check, dockerfile, ctx):
            for secret in secrets:
                assert secret not in v.message, (check.meta.id, v.message)
                assert secret not in v.snippet, (check.meta.id, v.snippet)


def test_secret_fixtures_do_hold_secrets() -> None:
    """The guard above is only meaningful if the secret fixtures contain secrets for it to look for."""
    for rule in ("STK-DF-0015", "STK-DF-0016"):
        paths = list((DATA / rule).glob("fail-*.Dockerfile"))
        assert any(_secret_values(path, load(path)) for path in paths), rule


# --- metadata -----------------------------------------------------------------------------------------


def test_ids_are_unique_well_formed_and_ordered() -> None:
    ids = [c.meta.id for c in CHECKS]
    assert all(ID_RE.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert ids == [f"STK-DF-{n:04d}" for n in range(1, len(ids) + 1)], "ids are dense, in order"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.meta.id)
def test_metadata_is_complete(check: Check) -> None:
    meta = check.meta
    assert meta.title and not meta.title.endswith(".")
    assert meta.description, "describe the risk (docstring or description=)"
    assert meta.kinds == DOCKERFILE
    assert meta.remediation
    assert any(line.startswith("    ") for line in meta.remediation.splitlines()), "show the Dockerfile to write"
    assert meta.compliance, "at least one compliance id"
    for cid in meta.compliance:
        assert COMPLIANCE_RE.match(cid), cid
    assert meta.references, "at least one reference"
    assert meta.references[0].startswith("https://"), "first reference: documentation (SARIF helpUri)"
    for ref in meta.references:
        assert REFERENCE_RE.match(ref), ref
    assert len(set(meta.references)) == len(meta.references)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.meta.id)
def test_every_rule_has_pass_and_fail_fixtures(check: Check) -> None:
    folder = DATA / check.meta.id
    names = [p.name for p in folder.glob("*.Dockerfile")] if folder.is_dir() else []
    assert any(n.startswith("pass-") for n in names), f"add {folder}/pass-<what>.Dockerfile"
    assert any(n.startswith("fail-") for n in names), f"add {folder}/fail-<what>.Dockerfile"


def test_no_fixture_directory_without_a_rule() -> None:
    assert {p.name for p in DATA.iterdir() if p.is_dir()} <= set(BY_ID)


def test_hadolint_map_matches_references() -> None:
    referenced = {
        ref.removeprefix("hadolint:"): c.meta.id
        for c in reversed(CHECKS)
        for ref in c.meta.references
        if ref.startswith("hadolint:")
    }
    assert set(HADOLINT_MAP) == set(referenced)
    for code, rule in HADOLINT_MAP.items():
        assert f"hadolint:{code}" in BY_ID[rule].meta.references, code


def test_allowed_registries_rule_is_inactive_without_the_setting() -> None:
    dockerfile = load(DATA / "STK-DF-0007" / "fail-other-registries.Dockerfile")
    assert run(BY_ID["STK-DF-0007"], dockerfile) == []
    bad_settings = CheckContext(settings={"dockerfile": "x"})
    assert run(BY_ID["STK-DF-0007"], dockerfile, bad_settings) == []


def test_whole_context_rule_needs_to_know_there_is_no_dockerignore() -> None:
    dockerfile = load(DATA / "STK-DF-0018" / "fail-copy-context.Dockerfile")
    assert run(BY_ID["STK-DF-0018"], dockerfile)
    assert run(BY_ID["STK-DF-0018"], replace(dockerfile, has_dockerignore=None)) == []
    assert run(BY_ID["STK-DF-0018"], replace(dockerfile, has_dockerignore=True)) == []


def test_hadolint_code_tells_shared_rules_apart() -> None:
    expected = {
        ("STK-DF-0011", "fail-unpinned"): {"DL3008", "DL3018", "DL3041", "DL3037"},
        ("STK-DF-0012", "fail-unpinned"): {"DL3013", "DL3016", "DL3028", "DL3062"},
        ("STK-DF-0026", "fail-caches"): {"DL3009", "DL3019", "DL3042", "DL3040", "DL3036"},
        ("STK-DF-0027", "fail-prompts"): {"DL3014", "DL3030", "DL3034", "DL3038"},
        ("STK-DF-0030", "fail-duplicates"): {"DL4003", "DL4004", "DL3012"},
        ("STK-DF-0005", "fail-latest-and-untagged"): {"DL3006", "DL3007"},
    }
    for (rule, name), codes in expected.items():
        violations = run(BY_ID[rule], load(DATA / rule / f"{name}.Dockerfile"))
        assert {hadolint_code(rule, v) for v in violations} == codes, rule
    assert hadolint_code("STK-DF-0001", violations[0]) == "DL3002"
    assert hadolint_code("STK-DF-0016", violations[0]) is None


# --- hostile shapes -----------------------------------------------------------------------------------


def _instruction(keyword: str, line: int = 1, **fields: Any) -> Instruction:
    return Instruction(keyword=keyword, start_line=line, end_line=line, text=fields.pop("text", keyword), **fields)


def _hostile_dockerfiles() -> list[Dockerfile]:
    odd_command = ShellCommand(argv=(), line=1)
    weird = [
        _instruction("FROM", args=()),
        _instruction("FROM", args=(":", "AS")),
        _instruction("USER", args=()),
        _instruction("USER", args=("",)),
        _instruction("USER", args=(":",)),
        _instruction("EXPOSE", args=("22-", "-22", "/tcp", "99999999999999999999", "$P", "22-x")),
        _instruction("WORKDIR", args=()),
        _instruction("WORKDIR", args=('"',)),
        _instruction("CMD", args=()),
        _instruction("ENTRYPOINT", args=("",)),
        _instruction("HEALTHCHECK", args=()),
        _instruction("COPY", args=()),
        _instruction("COPY", args=("/",), flags=(Flag("from", None, "--from"), Flag("chmod", None, "--chmod"))),
        _instruction(
            "COPY", args=("/", "/"), flags=(Flag("from", "", "--from="), Flag("chmod", "9999", "--chmod=9999"))
        ),
        _instruction(
            "ADD", args=("https://x", "git@h:r.git#", "#", "/"), flags=(Flag("checksum", None, "--checksum"),)
        ),
        _instruction("ADD", args=("<<EOF", "/x"), heredocs=(Heredoc("EOF", "", True, False, 2, 3),)),
        _instruction("ENV", pairs=(("", ""), ("PASSWORD", ""), ("TOKEN", "$"), ("SECRET", "/"))),
        _instruction("ARG", pairs=(("TOKEN", "x"), ("PASSWORD", "y")), arg_defaults=()),
        _instruction("ARG", pairs=(("API_KEY", ""),), arg_defaults=(True, True, True)),
        _instruction("SHELL", args=()),
        _instruction("SHELL", args=("",), json_form=True),
        _instruction("RUN", args=(), json_form=True),
        _instruction("RUN", args=("",), json_form=True),
        _instruction(
            "RUN",
            flags=(
                Flag("mount", None, "--mount"),
                Flag("mount", ",,=,type", "--mount=,,=,type"),
                Flag("security", None, "--security"),
            ),
        ),
        _instruction(
            "RUN",
            commands=(
                odd_command,
                ShellCommand(argv=("",), line=0),
                ShellCommand(argv=("sudo",), line=-1, pipeline_length=3, stage_in_pipeline=9),
                ShellCommand(argv=("curl",), line=2, pipeline_length=2),
                ShellCommand(argv=("sh", "-c"), line=2, pipeline_length=2, stage_in_pipeline=1),
                ShellCommand(argv=("chmod",), line=3),
                ShellCommand(argv=("chmod", "-R"), line=3),
                ShellCommand(argv=("find", "-exec"), line=3),
                ShellCommand(argv=("apt-get", "-o"), line=3),
                ShellCommand(argv=("pip", "install", "-e"), line=3),
                ShellCommand(argv=("python", "-m"), line=3),
                ShellCommand(argv=("go",), line=3),
                ShellCommand(argv=("env", "A=1"), line=3),
                ShellCommand(argv=("sudo", "-u"), line=3),
                ShellCommand(argv=("set", "-o"), line=3, pipeline_length=2),
                ShellCommand(argv=("npm", "i", "@", "@/", "@a@", "#"), line=3),
                ShellCommand(argv=("gem", "install", "-v"), line=3),
                ShellCommand(argv=("yum", "module"), line=3),
                ShellCommand(argv=("git", "-c", "http.sslVerify"), line=3),
                ShellCommand(argv=("curl", "-k"), line=3, assignments=(("GOFLAGS", ""),)),
            ),
        ),
        _instruction("ONBUILD", trigger=_instruction("ONBUILD", trigger=_instruction("RUN", commands=(odd_command,)))),
        _instruction("MAINTAINER"),
    ]
    stages = (
        Stage(0, "", "", "", 0, ()),
        Stage(1, ":", ":", "", 1, tuple(weird)),
        Stage(-1, "$", "$", "x", -5, (_instruction("FROM", args=("x",)),)),
        Stage(7, "x", "x", "x", 3, (_instruction("RUN"),)),
        Stage(2, "a@b@c", "", "", 4, ()),
        Stage(3, "${A:+${B}}", "", "", 5, ()),
    )
    huge = ShellCommand(argv=("apt-get", "install", *[f"pkg{i}" for i in range(5000)]), line=1)
    return [
        Dockerfile(path="empty"),
        Dockerfile(path="args-only", global_args=(_instruction("ARG", pairs=(("A", ""),), arg_defaults=(False,)),)),
        Dockerfile(path="no-instructions", stages=stages),
        Dockerfile(path="flat", stages=stages, instructions=tuple(weird), has_dockerignore=False),
        Dockerfile(
            path="huge", stages=(Stage(0, "alpine", "alpine", "", 1, (_instruction("RUN", commands=(huge,) * 10),)),)
        ),
    ]


def test_hostile_shapes_never_raise() -> None:
    ctx = CheckContext(settings={"dockerfile": {"allowed_registries": ["docker.io", 5, None, ""]}})
    count = 0
    for dockerfile in _hostile_dockerfiles():
        for check in CHECKS:
            for v in check.evaluate(dockerfile, ctx):
                assert isinstance(v.message, str) and v.message
                count += 1
    assert count  # the shapes do reach the rules


HOSTILE_TEXTS = [
    "",
    "\n\n\n",
    "# only a comment\n",
    "ARG A=1\nARG B\n",
    "FROM scratch\n",
    "FROM scratch\nCOPY --from=scratch / /\n",
    "ARG BASE\nFROM $BASE\nFROM ${BASE}:${TAG}\n",
    "FROM alpine\nRUN " + " && ".join(f"apk add pkg{i} | sh" for i in range(2000)) + "\n",
    "FROM alpine\nRUN echo " + "\\\n a" * 3000 + "\n",
    "FROM alpine\nRUN <<EOF\n" + "curl x | sh\n" * 2000 + "EOF\n",
    "FROM alpine\nONBUILD ONBUILD RUN sudo x\n",
    "FROM alpine AS a\nFROM a AS b\nFROM b AS a\nFROM a\n",
    "FROM alpine\nUSER\nWORKDIR\nEXPOSE\nCMD\nENTRYPOINT []\nHEALTHCHECK\nENV\nARG\nCOPY\nADD\n",
    "\ufeffFROM alpine\r\nRUN echo\r\n",
    # many stages, each built FROM the previous one; a long continued ENV: the rules must stay linear
    "FROM alpine AS s0\n" + "".join(f"FROM s{i} AS s{i + 1}\nRUN echo | cat && apt-get update\n" for i in range(1500)),
    "FROM alpine\nENV " + " \\\n    ".join(f"DB{i}_PASSWORD=secret{i}" for i in range(3000)) + "\n",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_hostile_dockerfiles_through_the_parser(text: str) -> None:
    parse = _parser()
    dockerfile, _ = parse("hostile.Dockerfile", text)
    ctx = CheckContext(settings={"dockerfile": {"allowed_registries": ["ghcr.io"]}})
    for check in CHECKS:
        for v in check.evaluate(replace(dockerfile, has_dockerignore=False), ctx):
            assert v.message and v.line is not None


# --- helpers ------------------------------------------------------------------------------------------

SHA = "sha256:" + "5be1ecc7935f1dd85635d4feedaf660594030253cc97c9e9ca3819ffeac36b65"


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", "", ""),
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", ""),
        ("localhost:5000/app", "localhost:5000", "app", "", ""),
        ("ghcr.io/acme/app:1@" + SHA, "ghcr.io", "acme/app", "1", SHA),
        ("index.docker.io/team/app", "docker.io", "team/app", "", ""),
        ("Registry.Example.com/a/b", "registry.example.com", "a/b", "", ""),
    ],
)
def test_parse_image(text: str, registry: str, repository: str, tag: str, digest: str) -> None:
    ref = parse_image(text)
    assert ref is not None
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


@pytest.mark.parametrize("text", ["", "nginx:", "a b", "a//b", "/a", "a@b@c"])
def test_parse_image_rejects(text: str) -> None:
    assert parse_image(text) is None


def test_valid_digest() -> None:
    assert valid_digest(SHA)
    assert not valid_digest("sha256:abc")
    assert not valid_digest("sha256:" + "A" * 64)


def test_expand() -> None:
    values = {"A": "1", "E": "", "U": "\x00"}
    assert expand("x${A}y$A", values) == "x1y1"
    assert expand("${MISSING}", values) == ""
    assert expand("${E:-d}", values) == "d"
    assert expand("${E-d}", values) == ""
    assert expand("${A:+set}", values) == "set"
    assert expand("${U}", values) == "\x00"
    assert expand("${A/x/y}", values) == "\x00"


@pytest.mark.parametrize(
    ("registry", "repository", "allowed", "ok"),
    [
        ("docker.io", "library/nginx", ["docker.io"], True),
        ("docker.io", "library/nginx", ["index.docker.io"], True),
        ("gcr.io", "x/y", ["*.gcr.io"], False),
        ("eu.gcr.io", "x/y", ["*.gcr.io"], True),
        ("ghcr.io", "acme/app", ["ghcr.io/acme"], True),
        ("ghcr.io", "evil/app", ["ghcr.io/acme"], False),
        ("ghcr.io", "acmex/app", ["ghcr.io/acme"], False),
        ("ghcr.io", "acme/app", ["ghcr.io/acme/*"], True),
        ("quay.io", "a/b", [], False),
    ],
)
def test_registry_allowed(registry: str, repository: str, allowed: list[str], ok: bool) -> None:
    assert registry_allowed(registry, repository, allowed) is ok


@pytest.mark.parametrize(
    ("mode", "effect"),
    [
        ("777", ModeEffect(world_writable=True)),
        ("0777", ModeEffect(world_writable=True)),
        ("1777", ModeEffect()),
        ("755", ModeEffect()),
        ("4755", ModeEffect(setuid=True)),
        ("2755", ModeEffect(setgid=True)),
        ("6777", ModeEffect(world_writable=True, setuid=True, setgid=True)),
        ("o+w", ModeEffect(world_writable=True)),
        ("a+rwx", ModeEffect(world_writable=True)),
        ("a+rwxt", ModeEffect()),
        ("+w", ModeEffect()),
        ("u+x,o=rw", ModeEffect(world_writable=True)),
        ("u+s", ModeEffect(setuid=True)),
        ("+s", ModeEffect(setuid=True, setgid=True)),
        ("g+s", ModeEffect(setgid=True)),
        ("a-s", ModeEffect()),
        ("o-w", ModeEffect()),
    ],
)
def test_mode_effect(mode: str, effect: ModeEffect) -> None:
    assert mode_effect(mode) == effect


@pytest.mark.parametrize("mode", ["", "99999", "8", "x+w", "u+q", "/tmp"])
def test_mode_effect_rejects(mode: str) -> None:
    assert mode_effect(mode) is None


def test_parse_options() -> None:
    parsed = parse_options(
        ["-qy", "-o", "A=1", "--setopt=x=1", "--target-release", "r", "pkg", "--", "-x"], "o", ["target-release"]
    )
    assert parsed.options == (("-q", None), ("-y", None), ("-o", "A=1"), ("--setopt", "x=1"), ("--target-release", "r"))
    assert parsed.operands == ("pkg", "-x")


def test_unwrap() -> None:
    assert unwrap(("sudo", "-E", "-u", "root", "env", "A=1", "apt-get", "x")) == (
        ("sudo", "env"),
        ("apt-get", "x"),
        (("A", "1"),),
    )
    assert unwrap(("command", "-v", "curl"))[1] == ()
    assert unwrap(("timeout", "10", "curl", "x"))[1] == ("curl", "x")


@pytest.mark.parametrize(
    ("argv", "unpinned"),
    [
        (
            ("apt-get", "install", "-y", "curl", "git=1:2.39", "./x.deb", "$PKGS", "-t", "bookworm", "vim/bookworm"),
            ["curl", "vim/bookworm"],
        ),
        (("apk", "add", "--no-cache", "-t", ".deps", "a=1", "b~2", "c>=3", "d"), ["c>=3", "d"]),
        (
            ("dnf", "install", "-y", "python3-pip", "curl-7.76.1-26.el9", "@dev", "java-11-openjdk"),
            ["python3-pip", "java-11-openjdk"],
        ),
        (("yum", "module", "install", "nodejs:18", "ruby"), ["ruby"]),
        (("zypper", "-n", "install", "a=1", "b>=2"), ["b>=2"]),
        (("pip", "install", "-r", "req.txt", "flask", "gunicorn==22.0.0", "x>=1", "."), ["flask", "x>=1"]),
        (("python3", "-m", "pip", "install", "--no-cache-dir", "requests~=2.31"), ["requests~=2.31"]),
        (("pip", "install", "-c", "constraints.txt", "flask"), []),
        (("pip", "install", "-e", "git+https://github.com/a/b#egg=b"), ["git+https://github.com/a/b#egg=b"]),
        (
            ("npm", "install", "-g", "pnpm@9.1.0", "@scope/x@^1", "left-pad", "yarn@latest"),
            ["@scope/x@^1", "left-pad", "yarn@latest"],
        ),
        (("npm", "ci"), []),
        (("yarn", "global", "add", "serve"), ["serve"]),
        (("gem", "install", "bundler:2.5.10", "rails"), ["rails"]),
        (("gem", "install", "rails", "-v", "7.1.3"), []),
        (
            ("go", "install", "golang.org/x/tools/gopls@latest", "example.com/x@v1.2.3", "./cmd/app", "example.com/y"),
            ["golang.org/x/tools/gopls@latest", "example.com/y"],
        ),
    ],
)
def test_unpinned_packages(argv: tuple[str, ...], unpinned: list[str]) -> None:
    pc = package_command(ShellCommand(argv=argv, line=1))
    assert pc is not None
    assert unpinned_packages(pc) == unpinned


@pytest.mark.parametrize(
    ("word", "pinned"),
    [
        ("flask==2.0.1", True),
        ("flask[async]==2.0.1", True),
        ("flask===2.0.1", True),
        ("flask==2.*", False),
        ("flask>=2", False),
        ("flask~=2.0", False),
        ("./dist/app-1.0-py3-none-any.whl", True),
        ("git+https://github.com/a/b@v1.2#egg=b", True),
        ("git+https://github.com/a/b#egg=b", False),
        ("app @ https://example.com/app-1.0.tar.gz", True),
    ],
)
def test_pip_requirement_pinned(word: str, pinned: bool) -> None:
    assert pip_requirement_pinned(word) is pinned


@pytest.mark.parametrize(
    ("word", "pinned"),
    [
        ("left-pad@1.3.0", True),
        ("@scope/pkg@1.3.0", True),
        ("left-pad@^1.3.0", False),
        ("left-pad@latest", False),
        ("left-pad", False),
        ("github:user/repo#0123456789abcdef0123456789abcdef01234567", True),
        ("user/repo#main", False),
        ("alias@npm:left-pad@1.3.0", True),
        ("./local", True),
        ("https://example.com/pkg-1.0.0.tgz", True),
    ],
)
def test_npm_spec_pinned(word: str, pinned: bool) -> None:
    assert npm_spec_pinned(word) is pinned


@pytest.mark.parametrize(
    ("argv", "executes"),
    [
        (("sh",), True),
        (("bash", "-s", "--", "--flag"), True),
        (("sh", "-"), True),
        (("sh", "-c", "cat > x"), False),
        (("bash", "script.sh"), False),
        (("python3",), True),
        (("python3", "-"), True),
        (("python3", "-c", "import json,sys; print(json.load(sys.stdin))"), False),
        (("perl", "-e", "print <STDIN>"), False),
        (("node",), True),
        (("tar", "-xz"), False),
    ],
)
def test_executes_stdin(argv: tuple[str, ...], executes: bool) -> None:
    assert executes_stdin(argv) is executes


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("githubToken", True),
        ("API_KEY", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("NPM_CONFIG__AUTH", True),
        ("SECRET_KEY_BASE", True),
        ("DB_PASSWORD_FILE", False),
        ("TOKEN_URL", False),
        ("GPG_KEY", False),
        ("USERNAME", False),
        ("PWD", False),
        ("TOKENIZERS_PARALLELISM", False),
        ("PATH", False),
    ],
)
def test_looks_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_scrub_redacts_secrets_and_keeps_references() -> None:
    aws = "AKIA" + "IOSFODNN7EXAMPLE"
    text = (
        f"ENV DB_PASSWORD=hunter22 KEY={aws} A=$TOKEN && curl -k -u admin:s3cret https://u:p4ss@h/x "
        '-H "Authorization: Bearer abcdef123" --token t0ken --password=pw123456'
    )
    out = scrub(text)
    for secret in ("hunter22", aws, "s3cret", "p4ss", "abcdef123", "t0ken", "pw123456"):
        assert secret not in out
    assert "$TOKEN" in out and "curl -k" in out
    assert scrub("ENV API_TOKEN some secret words") == "ENV API_TOKEN <redacted>"
    assert scrub("https://user:${TOKEN}@github.com/x") == "https://user:${TOKEN}@github.com/x"


@pytest.mark.parametrize(
    ("source", "secret"),
    [
        ("id_rsa", True),
        ("/root/.ssh/id_ed25519", True),
        ("id_rsa.pub", False),
        (".env", True),
        (".env.production", True),
        (".env*", True),
        (".env.example", False),
        (".npmrc", True),
        ("config/.aws/credentials", True),
        ("server.key", True),
        ("ca.pem", False),
        ("app/", False),
        ("<<EOF", False),
    ],
)
def test_secret_file(source: str, secret: bool) -> None:
    assert secret_file(source) is secret


def test_secret_build_argument_without_value_is_medium() -> None:
    dockerfile = load(DATA / "STK-DF-0015" / "fail-secret-build-args.Dockerfile")
    violations = run(BY_ID["STK-DF-0015"], dockerfile)
    assert violations and all(v.severity is Severity.MEDIUM for v in violations)
    literal = run(BY_ID["STK-DF-0015"], load(DATA / "STK-DF-0015" / "fail-secrets.Dockerfile"))
    assert {v.severity for v in literal} == {None, Severity.MEDIUM}  # HIGH (the rule's) and one bare ARG


def test_violation_severity_override_for_setgid_only() -> None:
    dockerfile = load(DATA / "STK-DF-0020" / "fail-setuid-and-setgid.Dockerfile")
    severities = {v.line: v.severity for v in run(BY_ID["STK-DF-0020"], dockerfile)}
    assert Severity.LOW in severities.values()
    assert None in severities.values()
