"""Image references (``alpine``, ``ghcr.io/org/app:1.2``, ``localhost:5000/app@sha256:...``).

Parsed and normalised the way Docker and containerd do it (the distribution ``reference`` grammar plus
Docker's defaults):

* the first path component names a registry when it contains ``.`` or ``:``, is ``localhost``, or is a
  bracketed IPv6 address; otherwise the registry is Docker Hub (``docker.io``), and a one-component
  Docker Hub name gets the ``library/`` prefix (``alpine`` -> ``docker.io/library/alpine``);
* ``index.docker.io`` is the same registry as ``docker.io``; the registry API of both lives on
  ``registry-1.docker.io`` (:attr:`ImageReference.api_host`);
* without tag or digest the tag is ``latest``; with both, the digest is what gets pulled and the tag is
  kept only for display;
* repository path components are lowercase ``[a-z0-9]`` runs joined by ``.``, ``_``, ``__`` or dashes;
  a tag is ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``; a digest is ``sha256:<64 hex>`` or
  ``sha512:<128 hex>`` (lowercase hex); the whole name is at most 255 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from stockade.errors import UsageError

DEFAULT_REGISTRY = "docker.io"
DEFAULT_TAG = "latest"
DOCKER_HUB_API_HOST = "registry-1.docker.io"
# Names under which Docker Hub is also known; all normalise to DEFAULT_REGISTRY.
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io"})
NAME_MAX_LENGTH = 255

# Hex lengths of the digest algorithms images use (OCI image-spec "registered algorithms").
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha512": 128}

_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]+))?")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST_ALGORITHM = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*")
_HEX = re.compile(r"[0-9a-f]+")
_IDENTIFIER = re.compile(r"[0-9a-f]{64}")


def digest_problem(digest: str) -> str | None:
    """Why ``digest`` is not a valid ``algorithm:hex`` digest, or None when it is."""
    algorithm, sep, hex_part = digest.partition(":")
    if not sep or not algorithm or not hex_part:
        return "a digest is written algorithm:hex (sha256:<64 hex digits>)"
    if not _DIGEST_ALGORITHM.fullmatch(algorithm):
        return f"{algorithm!r} is not a digest algorithm name"
    expected = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        return f"unsupported digest algorithm {algorithm!r} (supported: {', '.join(sorted(DIGEST_HEX_LENGTHS))})"
    if not _HEX.fullmatch(hex_part):
        return f"the {algorithm} digest must be lowercase hexadecimal"
    if len(hex_part) != expected:
        return f"a {algorithm} digest has {expected} hex digits, not {len(hex_part)}"
    return None


def is_digest(reference: str) -> bool:
    """True when a manifest reference (the part after ``:``/``@`` of an image name) is a digest."""
    return ":" in reference


def tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a valid tag, or None when it is."""
    if not _TAG.fullmatch(tag):
        if len(tag) > 128:
            return "a tag is at most 128 characters"
        return "a tag is letters, digits, '_', '.' and '-', not starting with '.' or '-'"
    return None


def registry_problem(registry: str) -> str | None:
    match = _HOST.fullmatch(registry)
    if match is None:
        return "not a valid registry host[:port]"
    port = match.group("port")
    if port is not None and not 0 < int(port) <= 65535:
        return f"port {port} is out of range"
    return None


def repository_problem(repository: str) -> str | None:
    if not repository:
        return "the repository name is empty"
    for component in repository.split("/"):
        if _PATH_COMPONENT.fullmatch(component):
            continue
        if _PATH_COMPONENT.fullmatch(component.lower()):
            return "repository name must be lowercase"
        if not component:
            return "empty path component (a doubled or trailing '/')"
        return (
            f"invalid path component {component!r}: use lowercase letters and digits, "
            "separated by '.', '_', '__' or '-'"
        )
    return None


@dataclass(frozen=True)
class ImageReference:
    """A normalised image reference: ``registry/repository[:tag][@digest]``."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        problem = (
            registry_problem(self.registry)
            or repository_problem(self.repository)
            or (tag_problem(self.tag) if self.tag is not None else None)
            or (digest_problem(self.digest) if self.digest is not None else None)
        )
        if problem is None and len(self.name) > NAME_MAX_LENGTH:
            problem = f"the repository name is longer than {NAME_MAX_LENGTH} characters"
        if problem is not None:
            raise UsageError(f"invalid image reference {str(self)!r}: {problem}")

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        return parse_reference(text)

    @property
    def name(self) -> str:
        """``registry/repository`` without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def reference(self) -> str:
        """What to ask the registry's manifest endpoint for: the digest if there is one, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def api_host(self) -> str:
        """The host[:port] serving the registry API (``registry-1.docker.io`` for Docker Hub)."""
        return DOCKER_HUB_API_HOST if self.registry == DEFAULT_REGISTRY else self.registry

    @property
    def is_docker_hub(self) -> bool:
        return self.registry == DEFAULT_REGISTRY

    def with_digest(self, digest: str) -> ImageReference:
        """The same image pinned to ``digest`` (the tag is kept for display)."""
        return replace(self, digest=digest)

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def _invalid(text: str, problem: str) -> UsageError:
    return UsageError(f"invalid image reference {text!r}: {problem}")


def parse_reference(text: str) -> ImageReference:
    """Parse and normalise an image reference; raises UsageError explaining what is wrong."""
    if not text:
        raise _invalid(text, "it is empty")
    if len(text) > 4 * NAME_MAX_LENGTH:
        raise UsageError(f"invalid image reference {text[:60]!r}...: it is too long")
    if text != text.strip() or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise _invalid(text, "it contains whitespace or control characters")
    if "://" in text:
        raise _invalid(text, "give the image name without a scheme or transport prefix (e.g. 'alpine:3.19')")
    if _IDENTIFIER.fullmatch(text):
        raise _invalid(text, "a 64-digit hex string is an image ID, not a name; to pin a digest use name@sha256:<hex>")

    remainder, at, digest = text.partition("@")
    if at:
        problem = digest_problem(digest)
        if problem is not None:
            raise _invalid(text, problem)
    tag: str | None = None
    colon = remainder.rfind(":")
    if colon > remainder.rfind("/"):
        remainder, tag = remainder[:colon], remainder[colon + 1 :]
        problem = tag_problem(tag)
        if problem is not None:
            raise _invalid(text, problem)
    if not remainder:
        raise _invalid(text, "the repository name is empty")

    first, slash, rest = remainder.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        registry, repository = first, rest
        problem = registry_problem(registry)
        if problem is not None:
            raise _invalid(text, f"{registry!r} is {problem}")
        if registry in DOCKER_HUB_ALIASES:
            registry = DEFAULT_REGISTRY
    else:
        registry, repository = DEFAULT_REGISTRY, remainder
    if registry == DEFAULT_REGISTRY and repository and "/" not in repository:
        repository = f"library/{repository}"

    problem = repository_problem(repository)
    if problem is not None:
        raise _invalid(text, problem)
    if len(registry) + 1 + len(repository) > NAME_MAX_LENGTH:
        raise _invalid(text, f"the repository name is longer than {NAME_MAX_LENGTH} characters")
    if tag is None and not at:
        tag = DEFAULT_TAG
    return ImageReference(registry, repository, tag, digest if at else None)
