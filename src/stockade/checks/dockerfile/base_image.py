"""Base images: mutable tags, digests, and the registries FROM may pull from."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from stockade.checks._check import CheckContext, Violation, check
from stockade.checks.dockerfile._common import (
    DOCKERFILE,
    UNKNOWN,
    BaseImage,
    at_instruction,
    external_bases,
    shown,
    stage_from,
    valid_digest,
)
from stockade.model import Dockerfile, Severity

_DOCS_FROM = "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions"


def _judgeable_tag(base: BaseImage) -> bool:
    """Whether the tag/digest part is known (an ARG without default there could pin anything)."""
    ref = base.ref
    if ref is None:
        return False
    if UNKNOWN in ref.tag or UNKNOWN in ref.digest:
        return False
    # FROM ${IMAGE} with no tag: the whole name (and so any tag) is undetermined
    return not (not ref.tag and not ref.digest and UNKNOWN in ref.repository.rsplit("/", 1)[-1])


@check(
    id="STK-DF-0005",
    title="Base image uses the latest tag or no tag",
    severity=Severity.MEDIUM,
    kinds=DOCKERFILE,
    remediation="""
    Name a specific version (and pin its digest, see STK-DF-0006):

        FROM python:3.12.4-slim-bookworm@sha256:<64 hex digits>
    """,
    references=(_DOCS_FROM, "hadolint:DL3006", "hadolint:DL3007", "trivy:AVD-DS-0001", "checkov:CKV_DOCKER_7"),
    compliance=("CIS-Docker-4.2", "NSA-CISA:secure-images"),
)
def base_latest_tag(df: Dockerfile) -> Iterator[Violation]:
    """FROM names an image without a tag (which means `latest`) or with `:latest`: every build may start
    from different content, a rebuild of an old commit does not reproduce it, and whoever can push to the
    repository decides what goes into the image. A digest pins the content whatever the tag says, so
    `image:latest@sha256:...` passes. `scratch`, earlier stages (also through `FROM $ARG`) and tags that
    come from an ARG without default are not judged."""
    for base in external_bases(df):
        ref = base.ref
        if ref is None or not _judgeable_tag(base) or ref.pinned:
            continue
        if ref.tag == "latest":
            what = 'the mutable tag "latest"'
        elif not ref.tag:
            what = 'no tag (it means "latest")'
        else:
            continue
        yield at_instruction(stage_from(base.stage), f'base image "{shown(base.text)}" has {what}')


@check(
    id="STK-DF-0006",
    title="Base image is not pinned by digest",
    severity=Severity.LOW,
    kinds=DOCKERFILE,
    remediation="""
    Pin the digest (keep the tag for readers; Dependabot and Renovate update both together):

        FROM python:3.12.4-slim-bookworm@sha256:<64 hex digits>

    `docker buildx imagetools inspect python:3.12.4-slim-bookworm` prints the digest.
    """,
    references=(_DOCS_FROM,),
    compliance=("CIS-Docker-4.2", "NSA-CISA:secure-images"),
)
def base_not_pinned(df: Dockerfile) -> Iterator[Violation]:
    """A tag is a pointer the registry may move: `python:3.12` changes with every patch release, and a
    compromised or careless publisher can move any tag. Only a content digest (`@sha256:...`) fixes what
    the build starts from, and makes provenance and SBOMs refer to something definite. A malformed digest
    counts as no digest."""
    for base in external_bases(df):
        ref = base.ref
        if ref is None or UNKNOWN in ref.digest:
            continue
        if ref.digest and valid_digest(ref.digest):
            continue
        if ref.digest:
            message = f'base image "{shown(base.text)}" has a malformed digest'
        else:
            message = f'base image "{shown(base.text)}" is not pinned by digest'
        yield at_instruction(stage_from(base.stage), message)


def allowed_registries(ctx: CheckContext) -> list[str] | None:
    """``dockerfile.allowed_registries`` from the settings: None when unset (the rule is then inactive)."""
    section = ctx.settings.get("dockerfile") if isinstance(ctx.settings, Mapping) else None
    if not isinstance(section, Mapping):
        return None
    value: Any = section.get("allowed_registries")
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return None
    return [str(v).strip().lower() for v in value if isinstance(v, str) and v.strip()]


_DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")


def registry_allowed(registry: str, repository: str, allowed: list[str]) -> bool:
    """Whether ``registry/repository`` matches an entry: a host (``ghcr.io``), a host glob
    (``*.example.com``) or a path prefix (``docker.io/library``, ``ghcr.io/acme/*``)."""
    full = f"{registry}/{repository}".lower()
    for entry in allowed:
        host, _, path = entry.rstrip("/").partition("/")
        if host in _DOCKER_HUB:
            host = "docker.io"
        if not path:
            if fnmatch.fnmatchcase(registry, host):
                return True
            continue
        pattern = f"{host}/{path}"
        if fnmatch.fnmatchcase(full, pattern) or full.startswith(pattern + "/"):
            return True
    return False


@check(
    id="STK-DF-0007",
    title="Base image from a registry that is not allowed",
    severity=Severity.HIGH,
    kinds=DOCKERFILE,
    remediation="""
    Pull base images only from the registries your organisation trusts (a mirror or a curated repository),
    as listed in stockade.yaml:

        # stockade.yaml
        dockerfile:
          allowed_registries: [registry.example.com, "*.gcr.io", docker.io/library]

        # Dockerfile
        FROM registry.example.com/base/python:3.12.4@sha256:<64 hex digits>
    """,
    references=("https://github.com/hadolint/hadolint#configure", "hadolint:DL3026"),
    compliance=("CIS-Docker-4.2", "NSA-CISA:secure-images"),
)
def untrusted_registry(df: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
    """FROM pulls from a registry that `dockerfile.allowed_registries` does not list. Entries are hosts
    (`ghcr.io`), host globs (`*.example.com`) or path prefixes (`docker.io/library`); an image without a
    registry is on Docker Hub (`docker.io`). The rule is inactive until the setting is made; a registry
    that comes from an ARG without default cannot be judged."""
    allowed = allowed_registries(ctx)
    if allowed is None:
        return
    for base in external_bases(df):
        ref = base.ref
        if ref is None or UNKNOWN in ref.registry:
            continue
        if registry_allowed(ref.registry, ref.repository, allowed) or UNKNOWN in ref.repository:
            continue
        yield at_instruction(
            stage_from(base.stage),
            f'base image "{shown(base.text)}" comes from registry "{ref.registry}", which is not in '
            "dockerfile.allowed_registries",
        )
