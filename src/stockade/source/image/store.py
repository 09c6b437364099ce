"""Where the blobs of an OCI/Docker image come from: a layout directory, an archive or a registry.

Every image source that is content-addressed (OCI image layout, OCI archive, a registry) implements
:class:`BlobStore`; image resolution (index -> platform manifest -> config -> layers) is written once on
top of it.
"""

from __future__ import annotations

from typing import BinaryIO, Protocol

# Media types (OCI image-spec and Docker's distribution schema 2).
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
ACCEPT = (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST)

# A manifest or config is small; anything larger is refused rather than read into memory.
MAX_MANIFEST_SIZE = 4 * 1024 * 1024


class BlobStore(Protocol):
    """A content-addressed source of manifests and blobs for one repository.

    Implementations raise :class:`stockade.errors.ScanError` (or a subclass) with a message naming the
    reference and what went wrong; they verify digests of everything they hand out (manifests at once,
    blobs when the stream reaches its end, raising ScanError from ``read`` on a mismatch).
    """

    @property
    def name(self) -> str:
        """What the user called the image (``localhost:5000/app:1.0``, ``oci:dir:tag``)."""
        ...

    def manifest(self, reference: str) -> tuple[bytes, str, str]:
        """The manifest or index for a tag or digest: ``(raw bytes, media type, digest)``."""
        ...

    def blob(self, digest: str, size: int | None = None) -> BinaryIO:
        """A stream over the blob's bytes (a config or a compressed layer); the caller closes it."""
        ...
