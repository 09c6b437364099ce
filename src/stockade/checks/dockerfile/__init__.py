"""Dockerfile security rules (family `STK-DF-NNNN`), run over the parsed model of `stockade.model.dockerfile`.

Ordered by theme: the user the image runs as, base images, supply chain, secrets, verification,
permissions, attack surface, then build hygiene. Rule ids are stable forever: a retired rule keeps its
number, new rules take the next free one. `HADOLINT_MAP` maps hadolint codes to the rule that covers them,
for `# hadolint ignore=` pragmas and the benchmark's agreement table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from stockade.checks._check import Check, CheckContext, Violation
from stockade.checks.dockerfile._commands import snippet_package_command
from stockade.checks.dockerfile._common import DOCKERFILE
from stockade.checks.dockerfile.base_image import base_latest_tag, base_not_pinned, untrusted_registry
from stockade.checks.dockerfile.hygiene import (
    cd_in_run,
    copy_from_self,
    duplicate_singletons,
    duplicate_stage_name,
    maintainer,
    missing_healthcheck,
    pipe_without_pipefail,
    relative_workdir,
    shell_form_cmd,
)
from stockade.checks.dockerfile.packages import (
    apt_recommends,
    language_packages_unpinned,
    os_packages_unpinned,
    package_cache_left,
    package_prompt,
    update_alone,
)
from stockade.checks.dockerfile.permissions import setuid_setgid, world_writable
from stockade.checks.dockerfile.secrets import (
    context_without_dockerignore,
    credential_in_dockerfile,
    secret_file_copied,
    secret_in_env_or_arg,
)
from stockade.checks.dockerfile.supply_chain import (
    add_local_files,
    add_remote_without_checksum,
    download_piped_to_shell,
)
from stockade.checks.dockerfile.surface import build_tools_in_final_stage, copy_whole_filesystem, ssh_server
from stockade.checks.dockerfile.tls import signature_verification_disabled, tls_verification_disabled
from stockade.checks.dockerfile.user import insecure_run, non_numeric_user, runs_as_root, sudo_in_run
from stockade.model import Dockerfile

CHECKS: tuple[Check, ...] = (
    runs_as_root,  # STK-DF-0001
    non_numeric_user,  # STK-DF-0002
    sudo_in_run,  # STK-DF-0003
    insecure_run,  # STK-DF-0004
    base_latest_tag,  # STK-DF-0005
    base_not_pinned,  # STK-DF-0006
    untrusted_registry,  # STK-DF-0007
    download_piped_to_shell,  # STK-DF-0008
    add_remote_without_checksum,  # STK-DF-0009
    add_local_files,  # STK-DF-0010
    os_packages_unpinned,  # STK-DF-0011
    language_packages_unpinned,  # STK-DF-0012
    tls_verification_disabled,  # STK-DF-0013
    signature_verification_disabled,  # STK-DF-0014
    secret_in_env_or_arg,  # STK-DF-0015
    credential_in_dockerfile,  # STK-DF-0016
    secret_file_copied,  # STK-DF-0017
    context_without_dockerignore,  # STK-DF-0018
    world_writable,  # STK-DF-0019
    setuid_setgid,  # STK-DF-0020
    ssh_server,  # STK-DF-0021
    copy_whole_filesystem,  # STK-DF-0022
    build_tools_in_final_stage,  # STK-DF-0023
    apt_recommends,  # STK-DF-0024
    update_alone,  # STK-DF-0025
    package_cache_left,  # STK-DF-0026
    package_prompt,  # STK-DF-0027
    pipe_without_pipefail,  # STK-DF-0028
    missing_healthcheck,  # STK-DF-0029
    duplicate_singletons,  # STK-DF-0030
    shell_form_cmd,  # STK-DF-0031
    relative_workdir,  # STK-DF-0032
    cd_in_run,  # STK-DF-0033
    copy_from_self,  # STK-DF-0034
    duplicate_stage_name,  # STK-DF-0035
    maintainer,  # STK-DF-0036
)

# hadolint code -> the stockade rule that covers it (for `# hadolint ignore=` pragmas and the benchmark's
# agreement table). Every code here is also a `hadolint:` reference of that rule (a test keeps them in step).
HADOLINT_MAP: dict[str, str] = {
    "DL3000": "STK-DF-0032",
    "DL3002": "STK-DF-0001",
    "DL3003": "STK-DF-0033",
    "DL3004": "STK-DF-0003",
    "DL3006": "STK-DF-0005",
    "DL3007": "STK-DF-0005",
    "DL3008": "STK-DF-0011",
    "DL3009": "STK-DF-0026",
    "DL3012": "STK-DF-0030",
    "DL3013": "STK-DF-0012",
    "DL3014": "STK-DF-0027",
    "DL3015": "STK-DF-0024",
    "DL3016": "STK-DF-0012",
    "DL3018": "STK-DF-0011",
    "DL3019": "STK-DF-0026",
    "DL3020": "STK-DF-0010",
    "DL3023": "STK-DF-0034",
    "DL3024": "STK-DF-0035",
    "DL3025": "STK-DF-0031",
    "DL3026": "STK-DF-0007",
    "DL3028": "STK-DF-0012",
    "DL3030": "STK-DF-0027",
    "DL3032": "STK-DF-0026",
    "DL3033": "STK-DF-0011",
    "DL3034": "STK-DF-0027",
    "DL3036": "STK-DF-0026",
    "DL3037": "STK-DF-0011",
    "DL3038": "STK-DF-0027",
    "DL3040": "STK-DF-0026",
    "DL3041": "STK-DF-0011",
    "DL3042": "STK-DF-0026",
    "DL3057": "STK-DF-0029",
    "DL3062": "STK-DF-0012",
    "DL3064": "STK-DF-0015",
    "DL3066": "STK-DF-0002",
    "DL3067": "STK-DF-0022",
    "DL4000": "STK-DF-0036",
    "DL4003": "STK-DF-0030",
    "DL4004": "STK-DF-0030",
    "DL4006": "STK-DF-0028",
    "DL4007": "STK-DF-0018",
}

__all__ = ["CHECKS", "DOCKERFILE", "HADOLINT_MAP", "hadolint_code"]


_BY_FAMILY: dict[str, dict[str, str]] = {
    "STK-DF-0011": {"apt": "DL3008", "apk": "DL3018", "yum": "DL3033", "dnf": "DL3041", "zypper": "DL3037"},
    "STK-DF-0012": {"pip": "DL3013", "npm": "DL3016", "gem": "DL3028", "go": "DL3062"},
    "STK-DF-0026": {"apt": "DL3009", "apk": "DL3019", "pip": "DL3042", "yum": "DL3032", "dnf": "DL3040",
                    "zypper": "DL3036"},
    "STK-DF-0027": {"apt": "DL3014", "yum": "DL3030", "dnf": "DL3038", "zypper": "DL3034"},
}  # fmt: skip
_BY_KEYWORD = {"CMD": "DL4003", "ENTRYPOINT": "DL4004", "HEALTHCHECK": "DL3012"}


def hadolint_code(rule_id: str, violation: Violation) -> str | None:
    """The hadolint code that a finding of ``rule_id`` corresponds to, or None if hadolint has none.

    Most rules map to one code. A rule that covers several (one rule for unpinned OS packages where hadolint
    has one code per package manager) tells them apart by the package manager or instruction in the finding,
    so an agreement table can compare code by code.
    """
    codes = [code for code, rule in HADOLINT_MAP.items() if rule == rule_id]
    if len(codes) <= 1:
        return codes[0] if codes else None
    if rule_id == "STK-DF-0005":
        return "DL3006" if "no tag" in violation.message else "DL3007"
    if rule_id == "STK-DF-0030":
        return _BY_KEYWORD.get(violation.snippet.split(" ", 1)[0].upper())
    pc = snippet_package_command(violation.snippet)
    if pc is None:
        return None
    family = pc.family
    if family == "rpm":
        family = "yum" if pc.tool == "yum" else "dnf"
    return _BY_FAMILY.get(rule_id, {}).get(family)


def _with_peer_codes(chk: Check) -> Check:
    """The check, its violations tagged with the hadolint code each corresponds to (Violation.peer_code),
    so that ``# hadolint ignore=DL3009`` silences a cache finding for apt but not one for pip (DL3042)."""
    inner = chk

    def evaluate(dockerfile: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
        for v in inner.evaluate(dockerfile, ctx):
            code = v.peer_code or hadolint_code(inner.meta.id, v)
            yield replace(v, peer_code=f"hadolint:{code}") if code and not v.peer_code else v

    return Check(meta=chk.meta, function=evaluate, wants_context=True)


_MULTI_CODE_RULES = frozenset(rule for rule in HADOLINT_MAP.values() if list(HADOLINT_MAP.values()).count(rule) > 1)
CHECKS = tuple(_with_peer_codes(c) if c.meta.id in _MULTI_CODE_RULES else c for c in CHECKS)
