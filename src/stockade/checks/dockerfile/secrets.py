"""Secrets baked into images: secret-named ENV/ARG values, secret build arguments, recognisable
credentials anywhere in the Dockerfile, secret files copied in, and the whole context copied without a
.dockerignore.

No message or snippet ever contains a value: names, kinds and lengths only.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    all_instructions,
    at_instruction,
    at_line,
    copy_args,
    pair_lines,
    quoted_list,
)
from stockade.checks.dockerfile._redact import REDACTED, find_credentials, looks_secret
from stockade.model import Dockerfile, Instruction, Severity

_DOCS_SECRETS = "https://docs.docker.com/build/building/secrets/"

_FLAGS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})
_REFERENCE = re.compile(r"^(\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-+?][^}]*)?\})+$")


def _value_kind(value: str) -> str:
    """'' (nothing to report), 'reference' ($VAR only) or 'literal'."""
    text = value.strip()
    if not text or text.lower() in _FLAGS:
        return ""
    if _REFERENCE.match(text):
        return "reference"
    if text.startswith("/") and not any(c.isspace() for c in text) and text.count("/") >= 2:
        return ""  # a file path (/run/secrets/db): where the secret is, not the secret
    return "literal"


def _secret_pairs(df: Dockerfile) -> Iterator[tuple[Instruction, str, str, bool, int]]:
    """(instruction, name, value, has_default, line) for ENV and ARG pairs whose name looks secret."""
    for instruction in all_instructions(df):
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        defaults = instruction.arg_defaults
        lines: dict[str, int] | None = None
        for i, (name, value) in enumerate(instruction.pairs):
            if not looks_secret(name):
                continue
            has_default = True
            if instruction.keyword == "ARG":
                has_default = defaults[i] if i < len(defaults) else bool(value)
            if lines is None:
                lines = pair_lines(instruction)
            yield instruction, name, value, has_default, lines.get(name, instruction.start_line)


@check(
    id="STK-DF-0015",
    title="Secret in ENV or ARG",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Never write the value into the Dockerfile, and do not pass it as a build argument. Use a build secret
    for build-time needs, and give the running container its secrets at run time (orchestrator secret,
    mounted file):

        RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
        # docker build --secret id=npm_token,env=NPM_TOKEN .
        ENV DB_PASSWORD_FILE=/run/secrets/db_password
    """,
    references=(_DOCS_SECRETS, "hadolint:DL3064", "trivy:AVD-DS-0031"),
    compliance=("CIS-Docker-4.10", "NSA-CISA:secrets", "NIST-800-190:4.1.4"),
)
def secret_in_env_or_arg(df: Dockerfile) -> Iterator[Violation]:
    """An ENV or ARG whose name marks a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY,
    CREDENTIALS ...). ENV values are stored in the image configuration, where `docker inspect` shows them
    to anyone who can pull the image; that includes `ENV TOKEN=$TOKEN`, which copies a build argument
    into it. An ARG default is in the Dockerfile, so in version control. Both are HIGH. An ARG without a
    literal value is MEDIUM: its value comes from `--build-arg`, and build arguments are recorded in the
    image history (`docker history`, provenance attestations) of every RUN that uses them, and in the
    build cache. Names that describe a secret without holding one (`..._FILE`, `..._PATH`, `..._URL`,
    `..._USER`), flags (`true`), file paths and empty ENV values are not reported. The value is never
    shown: only its length."""
    for instruction, name, value, has_default, line in _secret_pairs(df):
        kind = _value_kind(value) if has_default else ""
        snippet = f"{instruction.keyword} {name}={REDACTED}" if kind else f"{instruction.keyword} {name}"
        if instruction.keyword == "ARG" and kind != "literal":
            yield at_line(
                line,
                f'build argument "{name}" looks like a secret: build arguments are recorded in the image history',
                snippet,
                severity=Severity.MEDIUM,
            )
        elif kind == "reference":
            yield at_line(
                line,
                f'ENV copies "{name}" from a build argument or variable into the image configuration, where '
                "anyone who can pull the image can read it",
                snippet,
            )
        elif kind == "literal":
            where = "stored in the image configuration" if instruction.keyword == "ENV" else "kept in the Dockerfile"
            yield at_line(
                line,
                f'{instruction.keyword} sets "{name}" to a literal value ({len(value.strip())} characters), {where}',
                snippet,
            )


# --- recognisable credentials ---------------------------------------------------------------------------


@check(
    id="STK-DF-0016",
    title="Credential written in the Dockerfile",
    severity=Severity.CRITICAL,
    kinds=DOCKERFILE,
    remediation="""
    Revoke the credential now (it is in version control), then pass its replacement as a build secret:

        RUN --mount=type=secret,id=aws,target=/root/.aws/credentials \\
            aws s3 cp s3://acme-artifacts/tool-1.4.2.tgz /tmp/
        # docker build --secret id=aws,src=$HOME/.aws/credentials .
    """,
    references=(_DOCS_SECRETS,),
    compliance=("CIS-Docker-4.10", "NSA-CISA:secrets", "NIST-800-190:4.1.4"),
)
def credential_in_dockerfile(df: Dockerfile) -> Iterator[Violation]:
    """A value with the unmistakable shape of a credential appears in an instruction, whatever its name:
    an AWS access key ID (`AKIA...`), a GitHub (`ghp_...`, `github_pat_...`), GitLab (`glpat-...`),
    Slack (`xox?-...`), Stripe live, Google API, npm or PyPI token, a private key block, or a password in
    a URL (`https://user:password@host`). It is in version control and, through ENV, RUN or a heredoc, in
    the image and its history: treat it as leaked. The credential is never shown; the finding gives its
    kind and length, the snippet has it redacted."""
    for instruction in all_instructions(df, triggers=False):
        for offset, text in enumerate(instruction.text.split("\n")):
            spans = find_credentials(text)
            if not spans:
                continue
            kinds = list(dict.fromkeys(kind for kind, _, _ in spans))
            lengths = ", ".join(str(end - start) for _, start, end in spans)
            yield at_line(
                instruction.start_line + offset,
                f"{instruction.keyword} line contains {' and '.join(kinds)} ({lengths} characters)",
                text.strip(),
            )


# --- secret files ---------------------------------------------------------------------------------------

_SECRET_FILES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "*.key", "*.p12",
                 "*.pfx", "*.jks", "*.keystore", ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials",
                 ".dockercfg", ".htpasswd", ".vault-token", "kubeconfig", "application_default_credentials.json",
                 "*.tfstate", ".ssh", ".aws", ".kube", ".gnupg")  # fmt: skip
_SECRET_PATHS = (".docker/config.json", ".aws/credentials", ".kube/config", ".ssh/*", ".gnupg/*")
_ENV_EXAMPLES = (".example", ".sample", ".template", ".dist", ".defaults", ".tmpl", ".schema")


def secret_file(source: str) -> bool:
    """Whether a COPY/ADD source names a file that holds credentials (keys, tokens, .env files)."""
    path = source.rstrip("/").lower()
    if not path or path.startswith("<<") or "://" in path:
        return False
    base = path.rsplit("/", 1)[-1]
    if base.startswith(".env"):
        rest = base[4:].rstrip("*")
        return not rest.endswith(_ENV_EXAMPLES) and (not rest or rest.startswith((".", "*")))
    if any(fnmatch.fnmatchcase(base, pattern) for pattern in _SECRET_FILES):
        return True
    return any(fnmatch.fnmatchcase(path, f"*{p}") or path == p for p in _SECRET_PATHS)


@check(
    id="STK-DF-0017",
    title="Secret file copied into the image",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Mount the file for the one RUN that needs it instead of copying it into a layer:

        RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev
        RUN --mount=type=ssh git clone git@github.com:acme/private.git /src
        # docker build --secret id=npmrc,src=$HOME/.npmrc --ssh default .
    """,
    references=(_DOCS_SECRETS,),
    compliance=("CIS-Docker-4.10", "NSA-CISA:secrets", "NIST-800-190:4.1.4"),
)
def secret_file_copied(df: Dockerfile) -> Iterator[Violation]:
    """COPY or ADD names a file that holds credentials: an SSH private key (`id_rsa`, `id_ed25519`, `.ssh`),
    a private key or keystore (`*.key`, `*.p12`, `*.pfx`, `*.jks`), a `.env` file (not `.env.example`),
    `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, Docker, AWS or Kubernetes credentials, a Terraform
    state. Once in a layer it stays in the image, even if a later RUN deletes it."""
    for instruction in all_instructions(df):
        if instruction.keyword not in ("COPY", "ADD"):
            continue
        sources, _ = copy_args(instruction)
        found = [s for s in sources if secret_file(s)]
        if found:
            yield at_instruction(instruction, f"{instruction.keyword} copies secret file {quoted_list(found, 3)}")


_WHOLE_CONTEXT = frozenset({".", "./", "./.", "*", "./*", "/"})


@check(
    id="STK-DF-0018",
    title="Whole build context copied without a .dockerignore",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Add a .dockerignore beside the Dockerfile that leaves out VCS data, secrets and local state, or copy
    only what the image needs:

        # .dockerignore
        .git
        .env*
        **/*.pem
        **/id_*
        node_modules

        # Dockerfile
        COPY package.json package-lock.json ./
        COPY src/ ./src/
    """,
    references=("https://docs.docker.com/build/concepts/context/#dockerignore-files", "hadolint:DL4007"),
    compliance=("CIS-Docker-4.10", "NSA-CISA:secrets"),
)
def context_without_dockerignore(df: Dockerfile) -> Iterator[Violation]:
    """`COPY . .` (or `ADD .`, `COPY * ./`) copies everything in the build context, and there is no
    `.dockerignore` (nor `<Dockerfile>.dockerignore`) beside the Dockerfile: `.git` (with its history and
    any credentials in its config), `.env` files, keys and local configuration go into the image. Not
    judged when it is unknown whether a .dockerignore exists, or when the COPY uses `--exclude`."""
    if df.has_dockerignore is not False:
        return
    # ONBUILD triggers are left out: they run in the build context of the image built FROM this one
    for instruction in all_instructions(df, triggers=False):
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
            continue
        if instruction.flag("exclude") is not None:
            continue
        sources, _ = copy_args(instruction)
        whole = [s for s in sources if s in _WHOLE_CONTEXT]
        if whole:
            yield at_instruction(
                instruction,
                f'{instruction.keyword} copies the whole build context ("{whole[0]}") and there is no .dockerignore',
            )
