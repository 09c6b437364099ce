from __future__ import annotations

import pytest

from stockade.analyzers._ospurl import distro_qualifier, os_purl
from stockade.model import OSInfo, Package
from stockade.model.purl import parse

DEBIAN_12 = OSInfo(family="debian", version="12", codename="bookworm")
DEBIAN_SID = OSInfo(family="debian", codename="trixie")
UBUNTU = OSInfo(family="ubuntu", version="22.04", codename="jammy")
DISTROLESS = OSInfo(family="debian", version="12", codename="bookworm", name="Distroless", distroless=True)
ALPINE = OSInfo(family="alpine", version="3.19.1")
WOLFI = OSInfo(family="wolfi", version="20230201")
RHEL = OSInfo(family="rhel", version="9.3")
AMAZON = OSInfo(family="amazon", version="2023")
LEAP = OSInfo(family="opensuse-leap", version="15.5")
SLES = OSInfo(family="sles", version="15.5")
ROCKY = OSInfo(family="rocky", version="9.3")


def deb(name: str, version: str, source: str = "", source_version: str = "", arch: str = "amd64") -> Package:
    return Package(name=name, version=version, ecosystem="deb", arch=arch, source_name=source or name,
                   source_version=source_version or version)


def apk(name: str, version: str, origin: str = "", arch: str = "x86_64") -> Package:
    return Package(name=name, version=version, ecosystem="apk", arch=arch, source_name=origin or name,
                   source_version=version)


def rpm(name: str, version: str, arch: str = "x86_64", source_rpm: str = "") -> Package:
    metadata = {"source_rpm": source_rpm} if source_rpm else {}
    return Package(name=name, version=version, ecosystem="rpm", arch=arch, metadata=metadata)


@pytest.mark.parametrize(("pkg", "os", "purl"), [
    # same source: no upstream qualifier
    (deb("bash", "5.2.15-2+b2", source_version="5.2.15-2+b2"), DEBIAN_12,
     "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"),
    # source name differs
    (deb("libc6", "2.36-9+deb12u4", "glibc"), DEBIAN_12,
     "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"),
    # binNMU: same source name, older source version
    (deb("libsemanage2", "3.4-1+b5", "libsemanage", "3.4-1"), DEBIAN_12,
     "pkg:deb/debian/libsemanage2@3.4-1%2Bb5?arch=amd64&distro=debian-12&upstream=libsemanage%403.4-1"),
    (deb("zstd", "1.5.4+dfsg2-5+b1", "libzstd", "1.5.4+dfsg2-5"), DEBIAN_12,
     "pkg:deb/debian/zstd@1.5.4%2Bdfsg2-5%2Bb1?arch=amd64&distro=debian-12&upstream=libzstd%401.5.4%2Bdfsg2-5"),
    # the epoch stays in a deb version
    (deb("login", "1:4.13+dfsg1-1+b1", "shadow", "1:4.13+dfsg1-1"), DEBIAN_12,
     "pkg:deb/debian/login@1:4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=debian-12&upstream=shadow%401:4.13%2Bdfsg1-1"),
    (deb("libaudit1", "1:3.0.9-1", "audit"), DEBIAN_12,
     "pkg:deb/debian/libaudit1@1:3.0.9-1?arch=amd64&distro=debian-12&upstream=audit"),
    (deb("tzdata", "2024a-0ubuntu0.22.04", arch="all"), UBUNTU,
     "pkg:deb/ubuntu/tzdata@2024a-0ubuntu0.22.04?arch=all&distro=ubuntu-22.04"),
    (deb("libssl3", "3.0.11-1~deb12u2", "openssl"), DISTROLESS,
     "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"),
    (deb("bash", "5.2.21-2"), DEBIAN_SID, "pkg:deb/debian/bash@5.2.21-2?arch=amd64&distro=debian-trixie"),
    # unknown or foreign OS: the default namespace, no distro
    (deb("bash", "5.2.15-2"), None, "pkg:deb/debian/bash@5.2.15-2?arch=amd64"),
    (deb("bash", "5.2.15-2"), ALPINE, "pkg:deb/debian/bash@5.2.15-2?arch=amd64"),
    (deb("bash", "5.2.15-2"), OSInfo(family="raspbian", version="12"),
     "pkg:deb/raspbian/bash@5.2.15-2?arch=amd64&distro=raspbian-12"),
    # names are lower-cased for deb
    (deb("Foo", "1.0", arch=""), DEBIAN_12, "pkg:deb/debian/foo@1.0?distro=debian-12"),
])
def test_deb_purls(pkg: Package, os: OSInfo | None, purl: str) -> None:
    assert os_purl(pkg, os) == purl


@pytest.mark.parametrize(("pkg", "os", "purl"), [
    (apk("musl", "1.2.4_git20230717-r4"), ALPINE,
     "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"),
    (apk("libcrypto3", "3.1.4-r5", "openssl"), ALPINE,
     "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl"),
    (apk("glibc", "2.39-r1", arch="aarch64"), WOLFI,
     "pkg:apk/wolfi/glibc@2.39-r1?arch=aarch64&distro=wolfi-20230201"),
    (apk("busybox", "1.36.1-r15"), OSInfo(family="chainguard", version="20230214"),
     "pkg:apk/chainguard/busybox@1.36.1-r15?arch=x86_64&distro=chainguard-20230214"),
    (apk("busybox", "1.36.1-r15"), None, "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64"),
    (apk("busybox", "1.36.1-r15"), DEBIAN_12, "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64"),
])
def test_apk_purls(pkg: Package, os: OSInfo | None, purl: str) -> None:
    assert os_purl(pkg, os) == purl


@pytest.mark.parametrize(("pkg", "os", "purl"), [
    (rpm("bash", "5.1.8-6.el9", source_rpm="bash-5.1.8-6.el9.src.rpm"), RHEL,
     "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&distro=rhel-9.3&upstream=bash-5.1.8-6.el9.src.rpm"),
    # the epoch is a qualifier, not part of the version
    (rpm("openssl-libs", "1:3.0.7-24.el9", source_rpm="openssl-3.0.7-24.el9.src.rpm"), ROCKY,
     "pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rocky-9.3&epoch=1"
     "&upstream=openssl-3.0.7-24.el9.src.rpm"),
    (rpm("glibc", "2.34-52.amzn2023.0.8"), AMAZON,
     "pkg:rpm/amazon/glibc@2.34-52.amzn2023.0.8?arch=x86_64&distro=amazon-2023"),
    (rpm("libzypp", "17.31.31-150400.3.61.1"), LEAP,
     "pkg:rpm/opensuse/libzypp@17.31.31-150400.3.61.1?arch=x86_64&distro=opensuse-leap-15.5"),
    (rpm("SUSEConnect", "1.5-150300.3.33.1"), SLES,
     "pkg:rpm/suse/SUSEConnect@1.5-150300.3.33.1?arch=x86_64&distro=sles-15.5"),
    (rpm("tzdata", "2024a-1.el9", arch="noarch"), None, "pkg:rpm/tzdata@2024a-1.el9?arch=noarch"),
    (rpm("tzdata", "0:2024a-1.el9", arch="noarch"), UBUNTU, "pkg:rpm/tzdata@2024a-1.el9?arch=noarch&epoch=0"),
])
def test_rpm_purls(pkg: Package, os: OSInfo | None, purl: str) -> None:
    assert os_purl(pkg, os) == purl


def test_rpm_purl_round_trips() -> None:
    purl = os_purl(rpm("openssl-libs", "1:3.0.7-24.el9"), RHEL)
    parsed = parse(purl)
    assert (parsed.type, parsed.namespace, parsed.name, parsed.version) == ("rpm", "redhat", "openssl-libs",
                                                                           "3.0.7-24.el9")
    assert parsed.qualifiers == {"arch": "x86_64", "distro": "rhel-9.3", "epoch": "1"}


def test_deb_purl_round_trips_the_upstream() -> None:
    parsed = parse(os_purl(deb("login", "1:4.13+dfsg1-1+b1", "shadow", "1:4.13+dfsg1-1"), DEBIAN_12))
    assert parsed.version == "1:4.13+dfsg1-1+b1"
    assert parsed.qualifiers["upstream"] == "shadow@1:4.13+dfsg1-1"


def test_other_ecosystems_keep_their_purl() -> None:
    pkg = Package(name="requests", version="2.31.0", ecosystem="pypi", purl="pkg:pypi/requests@2.31.0")
    assert os_purl(pkg, DEBIAN_12) == "pkg:pypi/requests@2.31.0"
    nameless = Package(name="", version="1", ecosystem="deb")
    assert os_purl(nameless, DEBIAN_12) == ""


@pytest.mark.parametrize(("os", "qualifier"), [
    (DEBIAN_12, "debian-12"), (UBUNTU, "ubuntu-22.04"), (ALPINE, "alpine-3.19.1"), (DEBIAN_SID, "debian-trixie"),
    (OSInfo(family="debian"), "debian"),
])
def test_distro_qualifier(os: OSInfo, qualifier: str) -> None:
    assert distro_qualifier(os) == qualifier
