"""Verification turned off: TLS certificate checks (downloads, package indexes, git, language tools) and
package signature/checksum checks (apt, rpm, yum/dnf, zypper, apk, Go's checksum database)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from stockade.checks._check import Violation, check
from stockade.checks.dockerfile._commands import (
    env_assignments,
    package_command,
    parse_options,
    program,
    unwrap,
)
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    all_instructions,
    at_command,
    at_line,
    clip,
    pair_lines,
    run_commands,
)
from stockade.model import Dockerfile, Instruction, Severity, ShellCommand

_FALSE = frozenset({"false", "0", "no", "off", "n"})
_CURL_VALUE_OPTIONS = "AbcCdDEeFHKmoPQrTtUuwXxYyz"
_SSLVERIFY_OFF = re.compile(r"(^|[.\s=])sslverify\s*=\s*['\"]?(0|false|no|off)\b", re.IGNORECASE)
_GPGCHECK_OFF = re.compile(r"\bgpgcheck\s*=\s*['\"]?(0|false|no|off)\b", re.IGNORECASE)
_APT_TRUSTED = re.compile(r"\[[^\]]*\b(trusted|allow-insecure|allow-weak|allow-downgrade-to-insecure)=yes\b[^\]]*\]")
_GENERIC_TLS_OFF = ("--insecure-skip-tls-verify", "--skip-tls-verify", "--tls-verify=false", "--src-tls-verify=false",
                    "--dest-tls-verify=false", "--tlsverify=false", "--insecure-skip-tls-verify=true",
                    "--skip-tls-verify=true", "--kubelet-insecure-tls")  # fmt: skip


def _unescaped(words: Sequence[str]) -> list[str]:
    """Words with printf/echo -e escapes (``\\n``, ``\\t``) turned into the characters they write."""
    return [w.replace("\\n", "\n").replace("\\t", "\t") for w in words]


def _followed_by_false(words: Sequence[str], key: str) -> bool:
    """``... key false`` or ``... key=false`` (case-insensitive key)."""
    for i, word in enumerate(words):
        lower = word.lower()
        if lower == key and i + 1 < len(words) and words[i + 1].strip("'\"").lower() in _FALSE:
            return True
        name, eq, value = lower.partition("=")
        if eq and name == key and value.strip("'\"") in _FALSE:
            return True
    return False


def tls_off_in_command(argv: tuple[str, ...]) -> list[str]:
    """What in this (unwrapped) command disables TLS certificate verification."""
    if not argv:
        return []
    name = program(argv[0])
    rest = argv[1:]
    found: list[str] = []
    if name == "curl":
        parsed = parse_options(rest, _CURL_VALUE_OPTIONS)
        for option in ("-k", "--insecure", "--proxy-insecure", "--doh-insecure"):
            if parsed.has(option):
                found.append(f"curl {option}")
    elif name in ("wget", "wget2"):
        if "--no-check-certificate" in rest:
            found.append("wget --no-check-certificate")
        if any("check_certificate" in w.replace(" ", "") and w.replace(" ", "").lower().endswith(("=off", "=0"))
               for w in rest) or any(w.lower() in ("--check-certificate=off", "--check-certificate=quiet")
                                     for w in rest):  # fmt: skip
            found.append("wget check_certificate=off")
    elif name == "git":
        lowered = [w.lower() for w in rest]
        for i, word in enumerate(lowered):
            key, eq, value = word.partition("=")
            if re.fullmatch(r"http(\..+)?\.sslverify", key) and (
                (eq and value in _FALSE) or (not eq and i + 1 < len(lowered) and lowered[i + 1] in _FALSE)
            ):
                found.append("git http.sslVerify=false")
                break
    elif name in ("npm", "yarn", "pnpm"):
        if (
            _followed_by_false(rest, "strict-ssl")
            or _followed_by_false(rest, "--strict-ssl")
            or (_followed_by_false(rest, "enablestrictssl"))
        ):
            found.append(f"{name} strict-ssl false")
        elif "--no-strict-ssl" in rest:
            found.append(f"{name} --no-strict-ssl")
    elif name in ("conda", "mamba", "micromamba") and _followed_by_false(rest, "ssl_verify"):
        found.append(f"{name} ssl_verify false")
    pc = package_command(ShellCommand(argv=argv, line=0))
    if pc is not None and pc.family == "pip":
        if pc.options.has("--trusted-host"):
            found.append("pip --trusted-host")
        elif pc.action == "config" and any("trusted-host" in w for w in pc.operands):
            found.append("pip config trusted-host")
    if pc is not None and pc.family == "rpm" and any(_SSLVERIFY_OFF.search(v) for v in pc.options.values("--setopt")):
        found.append(f"{pc.tool} sslverify=0")
    elif name != "git" and any(_SSLVERIFY_OFF.search(w) for w in _unescaped(rest)):
        found.append("sslverify=0")
    for word in rest:
        if word.lower() in _GENERIC_TLS_OFF:
            found.append(f"{name} {word}")
            break
    return found


def tls_off_in_env(name: str, value: str) -> str:
    """What setting ``name=value`` in the environment disables, or ""."""
    upper = name.upper()
    clean = value.strip().strip("'\"").strip()
    lower = clean.lower()
    if upper == "NODE_TLS_REJECT_UNAUTHORIZED" and clean == "0":
        return "NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks in Node.js"
    if upper == "PYTHONHTTPSVERIFY" and clean == "0":
        return "PYTHONHTTPSVERIFY=0 turns off certificate checks in Python's urllib"
    if upper == "GIT_SSL_NO_VERIFY" and clean:
        return "GIT_SSL_NO_VERIFY turns off certificate checks in git"
    if upper == "PIP_TRUSTED_HOST" and clean:
        return "PIP_TRUSTED_HOST exempts hosts from pip's certificate checks"
    if upper == "NPM_CONFIG_STRICT_SSL" and lower in _FALSE:
        return "NPM_CONFIG_STRICT_SSL=false turns off certificate checks in npm"
    if upper == "GOINSECURE" and clean:
        return "GOINSECURE lets go fetch modules without certificate checks"
    if upper == "GOFLAGS" and re.search(r"(^|\s)-insecure\b", clean):
        return "GOFLAGS=-insecure lets go fetch modules without certificate checks"
    return ""


def signature_off_in_command(argv: tuple[str, ...]) -> list[str]:
    """What in this (unwrapped) command disables package signature or checksum verification."""
    if not argv:
        return []
    name = program(argv[0])
    rest = argv[1:]
    found: list[str] = []
    pc = package_command(ShellCommand(argv=argv, line=0))
    if pc is not None and pc.family == "apt":
        for option in ("--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes"):
            if pc.options.has(option):
                found.append(f"{pc.tool} {option}")
        for value in pc.options.values("-o", "--option"):
            key, _, setting = value.partition("=")
            if key.strip().lower() in ("apt::get::allowunauthenticated", "acquire::allowinsecurerepositories",
                                       "acquire::allowdowngradetoinsecurerepositories") and (
                setting.strip().lower() in ("true", "1", "yes")
            ):  # fmt: skip
                found.append(f"{pc.tool} -o {key.strip()}=true")
    elif pc is not None and pc.family == "rpm":
        if pc.options.has("--nogpgcheck", "--no-gpgchecks"):
            found.append(f"{pc.tool} --nogpgcheck")
        if any(_GPGCHECK_OFF.search(v) for v in pc.options.values("--setopt")):
            found.append(f"{pc.tool} gpgcheck=0")
    elif pc is not None and pc.family == "zypper":
        if pc.options.has("--no-gpg-checks", "--no-gpg-check"):
            found.append("zypper --no-gpg-checks")
    elif pc is not None and pc.family == "apk":
        if pc.options.has("--allow-untrusted"):
            found.append("apk --allow-untrusted")
    elif name == "rpm":
        for option in ("--nosignature", "--nodigest", "--nofiledigest", "--noverify"):
            if option in rest:
                found.append(f"rpm {option}")
    elif name == "snap" and "--dangerous" in rest:
        found.append("snap --dangerous")
    elif name in ("echo", "printf", "tee", "cat", "sed", "sh", "bash"):
        if any(_APT_TRUSTED.search(w) for w in rest):
            found.append("an APT source marked [trusted=yes]")
        if any(_GPGCHECK_OFF.search(w) for w in _unescaped(rest)):
            found.append("a repository with gpgcheck=0")
    return found


def signature_off_in_env(name: str, value: str) -> str:
    upper = name.upper()
    clean = value.strip().strip("'\"").strip()
    if upper == "GOSUMDB" and clean.lower() == "off":
        return "GOSUMDB=off turns off Go's module checksum database"
    if upper in ("GONOSUMCHECK", "GONOVERIFY") and clean and clean.lower() not in _FALSE:
        return f"{upper} turns off Go's module checksum verification"
    if upper == "GOFLAGS" and re.search(r"(^|\s)-insecure\b", clean):
        return "GOFLAGS=-insecure skips module checksum verification"
    return ""


def _findings(
    df: Dockerfile,
    in_command: Callable[[tuple[str, ...]], list[str]],
    in_env: Callable[[str, str], str],
    what: str,
) -> Iterator[Violation]:
    for instruction in all_instructions(df):
        if instruction.keyword == "RUN":
            for command in run_commands(instruction):
                problems = in_command(unwrap(command.argv)[1])
                problems += [p for p in (in_env(k, v) for k, v in env_assignments(command)) if p]
                if problems:
                    yield at_command(command, f"{'; '.join(dict.fromkeys(problems))}: {what}")
        elif instruction.keyword in ("ENV", "ARG"):
            yield from _env_findings(instruction, in_env, what)


def _env_findings(instruction: Instruction, in_env: Callable[[str, str], str], what: str) -> Iterator[Violation]:
    lines: dict[str, int] | None = None
    for key, value in instruction.pairs:
        problem = in_env(key, value)
        if problem:
            if lines is None:
                lines = pair_lines(instruction)
            yield at_line(
                lines.get(key, instruction.start_line),
                f"{instruction.keyword} {problem}: {what}",
                clip(f"{instruction.keyword} {key}={value}"),
            )


@check(
    id="STK-DF-0013",
    title="TLS certificate verification disabled",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Keep verification on; if a server uses a private CA, trust that CA instead:

        COPY corp-root-ca.crt /usr/local/share/ca-certificates/corp-root-ca.crt
        RUN update-ca-certificates \\
         && curl -fsSLo /tmp/tool.tgz https://downloads.example.com/tool-1.4.2.tgz
        ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \\
            NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/corp-root-ca.crt
    """,
    references=(
        "https://docs.docker.com/engine/network/ca-certs/",
        "checkov:CKV2_DOCKER_2",
        "checkov:CKV2_DOCKER_3",
        "checkov:CKV2_DOCKER_4",
        "checkov:CKV2_DOCKER_5",
        "checkov:CKV2_DOCKER_6",
        "checkov:CKV2_DOCKER_12",
        "checkov:CKV2_DOCKER_13",
        "checkov:CKV2_DOCKER_14",
        "checkov:CKV2_DOCKER_15",
        "checkov:CKV2_DOCKER_16",
        "checkov:CKV2_DOCKER_18",
    ),
    compliance=("CIS-Docker-4.11", "NSA-CISA:secure-images"),
)
def tls_verification_disabled(df: Dockerfile) -> Iterator[Violation]:
    """A download or package tool is told not to check the server's certificate: `curl -k`/`--insecure`,
    `wget --no-check-certificate`, `pip --trusted-host`, `npm`/`yarn config set strict-ssl false`,
    `git -c http.sslVerify=false`, yum/dnf `sslverify=0`, `conda ssl_verify false`,
    `--insecure-skip-tls-verify`, `--tls-verify=false`, or the environment (`ENV`, `ARG`, `export`,
    `VAR=x cmd`): `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`, `GIT_SSL_NO_VERIFY`,
    `PIP_TRUSTED_HOST`, `NPM_CONFIG_STRICT_SSL=false`, `GOINSECURE`, `GOFLAGS=-insecure`. Anyone on the
    network path can then substitute what is downloaded; set in ENV, the image keeps the setting at run
    time too."""
    yield from _findings(
        df, tls_off_in_command, tls_off_in_env, "anyone on the network path can substitute the download"
    )


@check(
    id="STK-DF-0014",
    title="Package signature or checksum verification disabled",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Keep signature checks on; add the repository's signing key instead of trusting the repository blindly:

        RUN curl -fsSLo /etc/apt/keyrings/vendor.asc https://vendor.example.com/key.asc \\
         && echo "deb [signed-by=/etc/apt/keyrings/vendor.asc] https://vendor.example.com/apt stable main" \\
              > /etc/apt/sources.list.d/vendor.list \\
         && apt-get update \\
         && apt-get install -y --no-install-recommends vendor-tool=1.4.2
    """,
    references=(
        "https://wiki.debian.org/DebianRepository/UseThirdParty",
        "checkov:CKV2_DOCKER_7",
        "checkov:CKV2_DOCKER_8",
        "checkov:CKV2_DOCKER_9",
        "checkov:CKV2_DOCKER_10",
        "checkov:CKV2_DOCKER_11",
    ),
    compliance=("CIS-Docker-4.11", "NSA-CISA:secure-images"),
)
def signature_verification_disabled(df: Dockerfile) -> Iterator[Violation]:
    """A package manager is told to install packages whose signature it cannot check:
    `apt-get --allow-unauthenticated`/`--allow-insecure-repositories`/`--force-yes`, an APT source with
    `[trusted=yes]`, `yum`/`dnf --nogpgcheck` or `gpgcheck=0`, `rpm --nosignature`/`--nodigest`,
    `zypper --no-gpg-checks`, `apk --allow-untrusted`, `snap --dangerous`, or Go's `GOSUMDB=off`.
    Signatures are what make a package from a mirror trustworthy; without them a compromised mirror or
    proxy can serve anything, and it is installed as root."""
    yield from _findings(
        df, signature_off_in_command, signature_off_in_env, "packages are installed without their signature"
    )
