"""Container image references: a small pure parser, and the checks on tags, digests and pull policy.

The parser follows the grammar of `github.com/distribution/reference` as far as the checks need it:
`[registry[:port]/]path[:tag][@algorithm:hex]`. The first path component is a registry host only if it
contains a `.` or a `:` or is `localhost` (`localhost:5000/app` is repository `app` on registry
`localhost:5000`, with no tag); an image without a registry is on Docker Hub (`docker.io`, with
`library/` for single-component names). It never raises: a string that cannot be an image reference
gives `None`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stockade.checks._check import Violation, check
from stockade.checks._resources import WORKLOADS, Container, Workload, as_str
from stockade.model import Severity

DEFAULT_REGISTRY = "docker.io"

# algorithm ":" encoded, as in the OCI image spec; sha256 and sha512 must have their exact hex length.
_SPACE_RE = re.compile(r"\s")
_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha512": 128}
_HEX_RE = re.compile(r"^[a-f0-9]+$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed image reference. `tag` and `digest` are empty when absent (or, for a digest, invalid)."""

    registry: str
    repository: str
    tag: str = ""
    digest: str = ""
    invalid_digest: bool = False

    @property
    def pinned(self) -> bool:
        """Pinned by a well-formed content digest: what runs can never change under the same reference."""
        return bool(self.digest)

    @property
    def mutable_latest(self) -> bool:
        """Not pinned, and the tag is `latest` or absent (which means `latest`)."""
        return not self.pinned and self.tag in ("", "latest")


def valid_digest(digest: str) -> bool:
    if not _DIGEST_RE.match(digest):
        return False
    algorithm, _, encoded = digest.partition(":")
    expected = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is not None:
        return len(encoded) == expected and bool(_HEX_RE.match(encoded))
    return len(encoded) >= 32


def parse_image_ref(image: str) -> ImageRef | None:
    """Parse `image`; `None` if it is empty or cannot be a reference (whitespace, empty parts ...)."""
    text = image.strip() if isinstance(image, str) else ""
    if not text or _SPACE_RE.search(text) or text.count("@") > 1:
        return None
    name, at, digest = text.partition("@")
    invalid_digest = False
    if at and not valid_digest(digest):
        invalid_digest = True
        digest = ""
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG_RE.match(tag):
            return None
    if not name or name.startswith("/") or name.endswith("/") or "//" in name:
        return None
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DEFAULT_REGISTRY, name
        if not sep:
            repository = f"library/{name}"
    if registry == "index.docker.io":
        registry = DEFAULT_REGISTRY
    return ImageRef(registry, repository, tag, digest, invalid_digest)


def _image(c: Container) -> tuple[str, ImageRef] | None:
    image = c.image
    ref = parse_image_ref(image)
    return (image, ref) if ref is not None else None


def _unpinned(w: Workload) -> Iterator[tuple[Container, str, ImageRef]]:
    """Containers whose image parses but is not pinned by a valid digest."""
    for c in w.containers():
        parsed = _image(c)
        if parsed is not None and not parsed[1].pinned:
            yield c, parsed[0], parsed[1]


@check(
    id="STK-K8S-0007",
    title="Container image uses the latest tag or no tag",
    severity=Severity.MEDIUM,
    kinds=WORKLOADS,
    remediation="""
    Reference a fixed version tag, better still a digest (a tag alone can be moved to other content):

        containers:
          - name: web
            image: registry.example.com/web:1.4.2@sha256:<64 hex digits>
    """,
    compliance=("NSA-CISA:secure-images",),
    references=("checkov:CKV_K8S_14", "kube-score:container-image-tag", "polaris:tagNotSpecified"),
)
def image_tag_not_latest(w: Workload) -> Iterator[Violation]:
    """An image referenced as `:latest` or without a tag (which means `latest`) runs whatever was pushed
    last: rollouts are not reproducible, two replicas may run different code, and a rollback may not roll
    anything back. An image pinned by digest passes, whatever its tag."""
    for c in w.containers():
        parsed = _image(c)
        if parsed is None:
            continue
        image, ref = parsed
        if not ref.mutable_latest:
            continue
        what = 'the mutable tag "latest"' if ref.tag else 'no tag (it means "latest")'
        yield Violation(c.path / "image", f'{c.describe()} uses image "{image}" with {what}')


@check(
    id="STK-K8S-0008",
    title="Container image is not pinned by digest",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Pin the image by digest (keep the tag for readers; the digest decides what is pulled):

        containers:
          - name: web
            image: registry.example.com/web:1.4.2@sha256:<64 hex digits>

    `crane digest IMAGE` or `docker buildx imagetools inspect IMAGE` prints the digest of a tag.
    """,
    compliance=("CIS-5.5.1", "NSA-CISA:secure-images"),
    references=("checkov:CKV_K8S_43",),
)
def image_pinned_by_digest(w: Workload) -> Iterator[Violation]:
    """A tag is a movable pointer: whoever can push to the repository (or a compromised registry) can make
    the same manifest run different code. Only a content digest (`@sha256:...`) pins what runs, and it is
    what signatures and SBOMs are attached to."""
    for c, image, ref in _unpinned(w):
        if ref.invalid_digest:
            message = f'{c.describe()} uses image "{image}" whose digest is malformed'
        else:
            message = f'{c.describe()} uses image "{image}", which is not pinned by digest'
        yield Violation(c.path / "image", message)


def default_pull_policy(ref: ImageRef) -> str:
    """What the API server fills in when `imagePullPolicy` is omitted (`SetDefaults_Container`)."""
    if ref.tag == "latest" or (not ref.tag and not ref.digest):
        return "Always"
    return "IfNotPresent"


@check(
    id="STK-K8S-0009",
    title="Image pull policy is not Always for an image that is not pinned by digest",
    severity=Severity.LOW,
    kinds=WORKLOADS,
    remediation="""
    Pin the image by digest, or have the kubelet check the registry (and the pull credentials) on every start:

        containers:
          - name: web
            image: registry.example.com/web:1.4.2
            imagePullPolicy: Always
    """,
    compliance=("CIS-1.2.11", "NSA-CISA:secure-images"),
    references=("checkov:CKV_K8S_15", "kube-score:container-image-pull-policy", "polaris:pullPolicyNotAlways"),
)
def image_pull_policy_always(w: Workload) -> Iterator[Violation]:
    """With `IfNotPresent` or `Never` a node runs whatever it cached under the tag, which may differ
    from node to node, and any pod on the node can use a private image cached there without valid pull
    credentials (what the `AlwaysPullImages` admission plugin prevents cluster-wide). An image pinned by
    digest is exempt: its content cannot change. An omitted policy is judged by its API default."""
    for c, image, ref in _unpinned(w):
        raw = c.data.get("imagePullPolicy")
        policy = as_str(raw)
        path = c.path / "imagePullPolicy"
        if raw is None:
            default = default_pull_policy(ref)
            if default != "Always":
                yield Violation(
                    path,
                    f'{c.describe()} has no imagePullPolicy, so it defaults to "{default}" for image '
                    f'"{image}", which is not pinned by digest',
                )
        elif policy != "Always":
            shown = policy if policy else repr(raw)
            yield Violation(
                path,
                f'{c.describe()} has imagePullPolicy "{shown}" for image "{image}", which is not pinned by digest',
            )
