from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import BytesFile
from stockade.analyzers.osrelease.analyzer import ANALYZERS, OS_RELEASE
from stockade.analyzers.osrelease.parse import (
    normalise_family,
    parse_assignments,
    parse_os_release,
    parse_release_file,
    select_os,
)
from stockade.model import OSInfo

TESTDATA = Path(__file__).parent / "testdata"


def os_release(name: str) -> bytes:
    return (TESTDATA / "os-release" / name).read_bytes()


# file, family, version, codename, name, distroless
DISTROS = [
    ("debian-12", "debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)", False),
    ("debian-sid", "debian", "", "trixie", "Debian GNU/Linux trixie/sid", False),
    ("ubuntu-22.04", "ubuntu", "22.04", "jammy", "Ubuntu 22.04.4 LTS", False),
    ("distroless-debian-12", "debian", "12", "bookworm", "Distroless", True),
    ("alpine-3.19", "alpine", "3.19.1", "", "Alpine Linux v3.19", False),
    ("rhel-9.3", "rhel", "9.3", "Plow", "Red Hat Enterprise Linux 9.3 (Plow)", False),
    ("centos-7", "centos", "7", "Core", "CentOS Linux 7 (Core)", False),
    ("rocky-9.3", "rocky", "9.3", "", "Rocky Linux 9.3 (Blue Onyx)", False),
    ("almalinux-9.3", "almalinux", "9.3", "", "AlmaLinux 9.3 (Shamrock Pampas Cat)", False),
    ("oracle-8.9", "oracle", "8.9", "", "Oracle Linux Server 8.9", False),
    ("fedora-39", "fedora", "39", "", "Fedora Linux 39 (Container Image)", False),
    ("amazon-2023", "amazon", "2023", "", "Amazon Linux 2023.3.20240219", False),
    ("amazon-2", "amazon", "2", "", "Amazon Linux 2", False),
    ("opensuse-leap-15.5", "opensuse-leap", "15.5", "", "openSUSE Leap 15.5", False),
    ("opensuse-tumbleweed", "opensuse-tumbleweed", "20240301", "", "openSUSE Tumbleweed", False),
    ("sles-15.5", "sles", "15.5", "", "SUSE Linux Enterprise Server 15 SP5", False),
    ("photon-5.0", "photon", "5.0", "", "VMware Photon OS/Linux", False),
    ("mariner-2.0", "mariner", "2.0", "", "CBL-Mariner/Linux", False),
    ("azurelinux-3.0", "azurelinux", "3.0", "", "Microsoft Azure Linux 3.0", False),
    ("wolfi", "wolfi", "20230201", "", "Wolfi", False),
    ("chainguard", "chainguard", "20230214", "", "Chainguard", False),
]


@pytest.mark.parametrize(("fixture", "family", "version", "codename", "name", "distroless"), DISTROS)
def test_os_release_of_each_distribution(fixture: str, family: str, version: str, codename: str, name: str,
                                         distroless: bool) -> None:
    result = OS_RELEASE.analyze(BytesFile("etc/os-release", os_release(fixture)))
    assert result.diagnostics == ()
    assert result.packages == ()
    assert result.os == OSInfo(family=family, version=version, codename=codename, name=name, distroless=distroless)


def test_every_fixture_is_covered() -> None:
    assert sorted(p.name for p in (TESTDATA / "os-release").iterdir()) == sorted(d[0] for d in DISTROS)


@pytest.mark.parametrize(("os_id", "family"), [
    ("amzn", "amazon"), ("ol", "oracle"), ("rhel", "rhel"), ("opensuse", "opensuse-leap"), ("sles_sap", "sles"),
    ("cbl-mariner", "mariner"), ("Debian", "debian"), ("  ubuntu ", "ubuntu"), ("gentoo", "gentoo"),
])
def test_family_normalisation(os_id: str, family: str) -> None:
    assert normalise_family(os_id) == family


def test_shell_quoting_and_escapes() -> None:
    text = (
        "# a comment line\n"
        "\n"
        'A="double \\"quoted\\" \\$HOME \\\\ back\\`tick"\n'
        "B='single $HOME \\n kept'\n"
        "C=unquoted\n"
        'D="concat"\'enated\'\n'
        "  E = spaced  \n"
        "F=\n"
        'G=""\n'
        "H=esc\\ aped\n"
    )
    values, problems = parse_assignments("etc/os-release", text)
    assert problems == []
    assert values == {
        "A": 'double "quoted" $HOME \\ back`tick',
        "B": "single $HOME \\n kept",
        "C": "unquoted",
        "D": "concatenated",
        "E": "spaced",
        "F": "",
        "G": "",
        "H": "esc aped",
    }


def test_bad_lines_are_reported_with_their_line_and_the_rest_is_kept() -> None:
    data = b'ID=debian\nthis is not an assignment\nNAME="unterminated\n1BAD=x\nVERSION_ID="12"\n'
    result = parse_os_release("etc/os-release", data)
    assert result.os == OSInfo(family="debian", version="12", name="")
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (2, "not a KEY=value assignment: 'this is not an assignment'"),
        (3, "unterminated quote in the value of NAME"),
        (4, "not a KEY=value assignment: '1BAD=x'"),
    ]


def test_missing_id_defaults_to_linux() -> None:
    result = parse_os_release("etc/os-release", b'NAME="Some Linux"\nVERSION_ID=1.0\n')
    assert result.os == OSInfo(family="linux", version="1.0", name="Some Linux")


@pytest.mark.parametrize("data", [b"", b"\n\n# only a comment\n", b"\x00\x01\x02\xff\xfe" * 1000])
def test_empty_and_garbage_os_release(data: bytes) -> None:
    result = parse_os_release("etc/os-release", data)
    assert result.os is None
    assert result.diagnostics
    assert result.diagnostics[-1].message == "no KEY=value assignment found in os-release"
    assert len(result.diagnostics) <= 11


def test_huge_line_is_one_diagnostic() -> None:
    data = b"ID=alpine\n" + b"X" * 50_000 + b"\nVERSION_ID=3.19.1\n"
    result = parse_os_release("etc/os-release", data)
    assert result.os == OSInfo(family="alpine", version="3.19.1")
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].location.line == 2


def test_file_above_the_limit_is_a_diagnostic() -> None:
    result = OS_RELEASE.analyze(BytesFile("etc/os-release", b"ID=debian\n" + b"#" * 70_000))
    assert result.os is None
    assert len(result.diagnostics) == 1
    assert "above the 65536 byte limit" in result.diagnostics[0].message


# --- legacy release files --------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "data", "expected"), [
    ("etc/alpine-release", b"3.19.1\n", OSInfo(family="alpine", version="3.19.1")),
    ("etc/alpine-release", b"3.20_alpha20240329\n", OSInfo(family="alpine", version="3.20_alpha20240329")),
    ("etc/debian_version", b"12.5\n", OSInfo(family="debian", version="12.5")),
    ("etc/debian_version", b"bookworm/sid\n", OSInfo(family="debian", codename="bookworm")),
    ("etc/redhat-release", b"Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
     OSInfo(family="rhel", version="8.9", codename="Ootpa", name="Red Hat Enterprise Linux release 8.9 (Ootpa)")),
    ("etc/centos-release", b"CentOS Linux release 7.9.2009 (Core)\n",
     OSInfo(family="centos", version="7.9.2009", codename="Core", name="CentOS Linux release 7.9.2009 (Core)")),
    ("etc/centos-release", b"CentOS Stream release 9\n",
     OSInfo(family="centos", version="9", name="CentOS Stream release 9")),
    ("etc/redhat-release", b"Rocky Linux release 9.3 (Blue Onyx)\n",
     OSInfo(family="rocky", version="9.3", codename="Blue Onyx", name="Rocky Linux release 9.3 (Blue Onyx)")),
    ("etc/redhat-release", b"AlmaLinux release 9.3 (Shamrock Pampas Cat)\n",
     OSInfo(family="almalinux", version="9.3", codename="Shamrock Pampas Cat",
            name="AlmaLinux release 9.3 (Shamrock Pampas Cat)")),
    ("etc/system-release", b"Oracle Linux Server release 8.9\n",
     OSInfo(family="oracle", version="8.9", name="Oracle Linux Server release 8.9")),
    ("etc/system-release", b"Fedora release 39 (Thirty Nine)\n",
     OSInfo(family="fedora", version="39", codename="Thirty Nine", name="Fedora release 39 (Thirty Nine)")),
    ("etc/system-release", b"Amazon Linux release 2 (Karoo)\n",
     OSInfo(family="amazon", version="2", codename="Karoo", name="Amazon Linux release 2 (Karoo)")),
    ("etc/system-release", b"Amazon Linux AMI release 2018.03\n",
     OSInfo(family="amazon", version="2018.03", name="Amazon Linux AMI release 2018.03")),
    ("etc/lsb-release",
     b'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n',
     OSInfo(family="ubuntu", version="22.04", codename="jammy", name="Ubuntu 22.04.4 LTS")),
])
def test_legacy_release_files(path: str, data: bytes, expected: OSInfo) -> None:
    result = OS_RELEASE.analyze(BytesFile(path, data))
    assert result.diagnostics == ()
    assert result.os == expected


@pytest.mark.parametrize(("path", "data", "message"), [
    ("etc/alpine-release", b"", "not an Alpine version: ''"),
    ("etc/alpine-release", b"edge\n", "not an Alpine version: 'edge'"),
    ("etc/debian_version", b"\x00\x01garbage\n", "not a Debian version: '\\x00\\x01garbage'"),
    ("etc/redhat-release", b"Red Hat Enterprise Linux\n",
     "not a '<product> release <version>' line: 'Red Hat Enterprise Linux'"),
    ("etc/system-release", b"Frobnicator OS release 4.2\n", "unknown distribution 'Frobnicator OS'"),
    ("etc/lsb-release", b"DISTRIB_RELEASE=22.04\n", "lsb-release has no DISTRIB_ID"),
])
def test_bad_legacy_release_files(path: str, data: bytes, message: str) -> None:
    result = parse_release_file(path, data)
    assert result.os is None
    assert [d.message for d in result.diagnostics] == [message]
    assert result.diagnostics[0].location.path == path


# --- choosing one --------------------------------------------------------------------------------------


DEBIAN_12 = OSInfo(family="debian", version="12", codename="bookworm", name="Debian GNU/Linux 12 (bookworm)")


def test_os_release_wins_over_legacy_files_in_any_order() -> None:
    found = [
        ("etc/debian_version", OSInfo(family="debian", version="12.5")),
        ("etc/os-release", DEBIAN_12),
        ("etc/lsb-release", OSInfo(family="debian", version="12")),
    ]
    assert select_os(found) == DEBIAN_12
    assert select_os(list(reversed(found))) == DEBIAN_12


def test_etc_wins_over_usr_lib() -> None:
    usr = OSInfo(family="ubuntu", version="22.04", codename="jammy", name="Ubuntu 22.04.3 LTS")
    etc = OSInfo(family="ubuntu", version="22.04", codename="jammy", name="Ubuntu 22.04.4 LTS")
    assert select_os([("usr/lib/os-release", usr), ("etc/os-release", etc)]) == etc
    assert select_os([("usr/lib/os-release", usr)]) == usr


def test_legacy_file_fills_what_os_release_lacks_for_the_same_family() -> None:
    sid = OSInfo(family="debian", name="Debian GNU/Linux trixie/sid")
    chosen = select_os([("etc/os-release", sid), ("etc/debian_version", OSInfo(family="debian", codename="trixie"))])
    assert chosen == OSInfo(family="debian", codename="trixie", name="Debian GNU/Linux trixie/sid")


def test_other_family_never_fills_in() -> None:
    ubuntu = OSInfo(family="ubuntu", version="24.04", name="Ubuntu 24.04 LTS")
    chosen = select_os([("etc/debian_version", OSInfo(family="debian", codename="trixie")),
                        ("etc/os-release", ubuntu)])
    assert chosen == ubuntu


def test_distro_specific_file_over_debian_version_when_no_os_release() -> None:
    alpine = OSInfo(family="alpine", version="3.19.1")
    assert select_os([("etc/debian_version", OSInfo(family="debian", version="12.5")),
                      ("etc/alpine-release", alpine)]) == alpine
    centos = OSInfo(family="centos", version="7.9.2009", codename="Core")
    assert select_os([("etc/system-release", OSInfo(family="amazon", version="2")),
                      ("etc/centos-release", centos)]) == centos


def test_distroless_flag_survives_selection() -> None:
    distroless = parse_os_release("etc/os-release", os_release("distroless-debian-12")).os
    assert distroless is not None
    legacy = OSInfo(family="debian", version="12.5")
    chosen = select_os([("etc/debian_version", legacy), ("etc/os-release", distroless)])
    assert chosen is not None and chosen.distroless is True and chosen.version == "12"


def test_select_nothing() -> None:
    assert select_os([]) is None


# --- wiring --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "wanted"), [
    ("etc/os-release", True), ("usr/lib/os-release", True), ("etc/alpine-release", True),
    ("etc/debian_version", True), ("etc/redhat-release", True), ("etc/centos-release", True),
    ("etc/system-release", True), ("etc/lsb-release", True),
    ("/etc/os-release", False), ("opt/etc/os-release", False), ("etc/os-release.d/x", False),
    ("etc/system-release-cpe", False), ("usr/lib/os-release.bak", False),
])
def test_wants(path: str, wanted: bool) -> None:
    assert OS_RELEASE.wants(path, 100, 0o644) is wanted


def test_analyzer_identity() -> None:
    assert ANALYZERS == (OS_RELEASE,)
    assert OS_RELEASE.id == "os-release"
    assert OS_RELEASE.version == 1
    assert OS_RELEASE.targets == frozenset({"image", "rootfs"})
