"""Package URLs of OS packages, built once the distribution of the root filesystem is known.

The OS analyzers (``dpkg``, ``apk``, ``rpm``) leave ``Package.purl`` empty because the package database
does not say which distribution it belongs to; the runner calls :func:`os_purl` with the
:class:`OSInfo` it selected. Following the purl specification (PURL-TYPES) and what Syft emits:

* ``deb``: ``pkg:deb/<debian|ubuntu|...>/<name>@<version>?arch=<arch>&distro=<family>-<version>``, with
  ``upstream=<source>`` (``<source>@<source version>`` when that differs from the binary version, e.g. a
  binNMU) when the source package is not the binary package. The version keeps its epoch (``1:2.3-4``).
* ``apk``: ``pkg:apk/<alpine|wolfi|chainguard>/<name>@<version>?arch=<arch>&distro=<family>-<version>``,
  ``upstream=<origin>`` when the origin differs from the name.
* ``rpm``: ``pkg:rpm/<vendor>/<name>@<version>-<release>?arch=<arch>&epoch=<n>&distro=<family>-<version>``:
  the epoch is a qualifier, not part of the version; ``upstream=<source rpm file>`` when known. The vendor
  namespace is the family, except ``redhat`` (RHEL), ``suse`` (SLES) and ``opensuse`` (Leap, Tumbleweed).

With no (or a foreign) OS, deb packages fall back to the ``debian`` namespace, apk packages to ``alpine``
and rpm packages to no namespace, all without a ``distro`` qualifier.
"""

from __future__ import annotations

from stockade.model import OSInfo, Package
from stockade.model.purl import build

DEB_FAMILIES = frozenset({"debian", "ubuntu"})
APK_FAMILIES = frozenset({"alpine", "wolfi", "chainguard"})
RPM_FAMILIES = frozenset({
    "rhel", "centos", "rocky", "almalinux", "oracle", "fedora", "amazon", "opensuse-leap", "opensuse-tumbleweed",
    "sles", "photon", "mariner", "azurelinux",
})
_RPM_NAMESPACE = {"rhel": "redhat", "sles": "suse", "opensuse-leap": "opensuse", "opensuse-tumbleweed": "opensuse"}
_DEFAULT_NAMESPACE = {"deb": "debian", "apk": "alpine", "rpm": ""}
_FOREIGN = {"deb": APK_FAMILIES | RPM_FAMILIES, "apk": DEB_FAMILIES | RPM_FAMILIES, "rpm": DEB_FAMILIES | APK_FAMILIES}


def distro_qualifier(os: OSInfo) -> str:
    """``debian-12``, ``ubuntu-22.04``, ``alpine-3.19.1``; the codename when there is no version."""
    suffix = os.version or os.codename
    return f"{os.family}-{suffix}" if suffix else os.family


def _namespace_and_distro(ecosystem: str, os: OSInfo | None) -> tuple[str, str]:
    if os is None or not os.family or os.family in _FOREIGN[ecosystem]:
        return _DEFAULT_NAMESPACE[ecosystem], ""
    namespace = _RPM_NAMESPACE.get(os.family, os.family) if ecosystem == "rpm" else os.family
    return namespace, distro_qualifier(os)


def _split_epoch(version: str) -> tuple[str, str]:
    epoch, colon, rest = version.partition(":")
    if colon and epoch.isdigit():
        return epoch, rest
    return "", version


def os_purl(pkg: Package, os: OSInfo | None) -> str:
    """The purl of a ``deb``, ``apk`` or ``rpm`` package; ``pkg.purl`` unchanged for other ecosystems."""
    ecosystem = pkg.ecosystem
    if ecosystem not in _DEFAULT_NAMESPACE or not pkg.name:
        return pkg.purl
    namespace, distro = _namespace_and_distro(ecosystem, os)
    qualifiers = {"arch": pkg.arch, "distro": distro}
    version = pkg.version
    if ecosystem == "rpm":
        qualifiers["epoch"], version = _split_epoch(version)
        qualifiers["upstream"] = pkg.metadata.get("source_rpm", "")
    elif pkg.source_name and (pkg.source_name != pkg.name or (pkg.source_version and pkg.source_version != version)):
        upstream = pkg.source_name
        if ecosystem == "deb" and pkg.source_version and pkg.source_version != version:
            upstream += "@" + pkg.source_version
        qualifiers["upstream"] = upstream
    return build(ecosystem, pkg.name, namespace=namespace, version=version, qualifiers=qualifiers)
