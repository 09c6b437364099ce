"""java-archive: pom.properties, manifests, file names, nested archives, and hostile zips."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from stockade.analyzers._base import AnalysisResult, BytesFile
from stockade.analyzers.java import archive
from stockade.analyzers.java.analyzer import ANALYZERS, JAVA_ARCHIVE, wants_archive
from stockade.analyzers.java.parse import (
    parse_manifest,
    parse_properties,
    split_bundle_license,
    split_filename,
)
from stockade.model import Package

TESTDATA = Path(__file__).parent / "testdata"
APACHE = "https://www.apache.org/licenses/LICENSE-2.0.txt"


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def jackson() -> bytes:
    return make_zip({
        "META-INF/MANIFEST.MF": (TESTDATA / "jackson-databind" / "MANIFEST.MF").read_bytes(),
        "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties":
            (TESTDATA / "jackson-databind" / "pom.properties").read_bytes(),
        "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.xml": b"<project/>",
        "com/fasterxml/jackson/databind/ObjectMapper.class": b"\xca\xfe\xba\xbe" + b"\0" * 100,
    })


def commons_lang3() -> bytes:
    return make_zip({"META-INF/MANIFEST.MF": (TESTDATA / "commons-lang3" / "MANIFEST.MF").read_bytes(),
                     "org/apache/commons/lang3/StringUtils.class": b"\xca\xfe\xba\xbe"})


def jsr305() -> bytes:
    return make_zip({"META-INF/MANIFEST.MF": (TESTDATA / "jsr305" / "MANIFEST.MF").read_bytes(),
                     "javax/annotation/Nonnull.class": b"\xca\xfe\xba\xbe"})


def _scan(path: str, data: bytes) -> AnalysisResult:
    file = BytesFile(path, data)
    assert JAVA_ARCHIVE.wants(file.path, file.size, file.mode)
    return JAVA_ARCHIVE.analyze(file)


def _rows(packages: tuple[Package, ...]) -> list[tuple[str, str, str, str, tuple[str, ...], str]]:
    return [(p.name, p.version, p.purl, p.locations[0].path, p.licenses, p.metadata.get("evidence", ""))
            for p in packages]


def test_jar_with_pom_properties() -> None:
    result = _scan("usr/share/java/jackson-databind-2.15.2.jar", jackson())
    assert result.diagnostics == ()
    assert _rows(result.packages) == [
        ("com.fasterxml.jackson.core:jackson-databind", "2.15.2",
         "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2",
         "usr/share/java/jackson-databind-2.15.2.jar", (APACHE,), "pom.properties")]
    pkg = result.packages[0]
    assert (pkg.ecosystem, pkg.found_by) == ("maven", "java-archive")


def test_manifest_fallback() -> None:
    result = _scan("opt/lib/commons-lang3-3.12.0.jar", commons_lang3())
    assert result.diagnostics == ()
    assert _rows(result.packages) == [
        ("org.apache.commons:commons-lang3", "3.12.0", "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
         "opt/lib/commons-lang3-3.12.0.jar", ("Apache-2.0",), "MANIFEST.MF")]


def test_file_name_fallback() -> None:
    result = _scan("opt/lib/jsr305-3.0.2.jar", jsr305())
    assert result.diagnostics == ()
    assert _rows(result.packages) == [
        ("jsr305", "3.0.2", "pkg:maven/jsr305@3.0.2", "opt/lib/jsr305-3.0.2.jar", (), "file name")]


def test_archive_with_nothing_to_say() -> None:
    result = _scan("app.jar", make_zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n", "A.class": b"x"}))
    assert (result.packages, result.diagnostics) == ((), ())


def spring_boot_jar() -> bytes:
    return make_zip({
        "META-INF/MANIFEST.MF": (TESTDATA / "bootapp" / "MANIFEST.MF").read_bytes(),
        "META-INF/maven/com.example.shop/inventory-service/pom.properties":
            (TESTDATA / "bootapp" / "pom.properties").read_bytes(),
        "BOOT-INF/classes/com/example/shop/InventoryApplication.class": b"\xca\xfe\xba\xbe",
        "BOOT-INF/lib/": b"",
        # Spring Boot stores nested jars uncompressed; zipfile.writestr keeps the archive's method
        "BOOT-INF/lib/jackson-databind-2.15.2.jar": jackson(),
        "BOOT-INF/lib/commons-lang3-3.12.0.jar": commons_lang3(),
    }, zipfile.ZIP_STORED)


def test_spring_boot_fat_jar() -> None:
    result = _scan("app/inventory-service.jar", spring_boot_jar())
    assert result.diagnostics == ()
    assert _rows(result.packages) == [
        ("com.example.shop:inventory-service", "1.4.0", "pkg:maven/com.example.shop/inventory-service@1.4.0",
         "app/inventory-service.jar", (), "pom.properties"),
        ("com.fasterxml.jackson.core:jackson-databind", "2.15.2",
         "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2",
         "app/inventory-service.jar!/BOOT-INF/lib/jackson-databind-2.15.2.jar", (APACHE,), "pom.properties"),
        ("org.apache.commons:commons-lang3", "3.12.0", "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
         "app/inventory-service.jar!/BOOT-INF/lib/commons-lang3-3.12.0.jar", ("Apache-2.0",), "MANIFEST.MF"),
    ]


def test_ear_with_war_with_jars() -> None:
    war = make_zip({"WEB-INF/web.xml": b"<web-app/>", "WEB-INF/lib/jsr305-3.0.2.jar": jsr305(),
                    "WEB-INF/lib/jackson-databind-2.15.2.jar": jackson()})
    ear = make_zip({"META-INF/application.xml": b"<application/>", "shop.war": war,
                    "lib/commons-lang3-3.12.0.jar": commons_lang3()})
    result = _scan("srv/shop.ear", ear)
    assert result.diagnostics == ()
    assert [(p.name, p.locations[0].path) for p in result.packages] == [
        ("jsr305", "srv/shop.ear!/shop.war!/WEB-INF/lib/jsr305-3.0.2.jar"),
        ("com.fasterxml.jackson.core:jackson-databind",
         "srv/shop.ear!/shop.war!/WEB-INF/lib/jackson-databind-2.15.2.jar"),
        ("org.apache.commons:commons-lang3", "srv/shop.ear!/lib/commons-lang3-3.12.0.jar"),
    ]


def test_shaded_jar_with_several_pom_properties() -> None:
    data = make_zip({
        "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nBundle-License: Apache-2.0\n",
        "META-INF/maven/com.google.guava/guava/pom.properties": (TESTDATA / "guava.pom.properties").read_bytes(),
        "META-INF/maven/org.yaml/snakeyaml/pom.properties": (TESTDATA / "snakeyaml.pom.properties").read_bytes(),
        "META-INF/maven/broken/broken/pom.properties": b"groupId=broken\n",
    })
    result = _scan("lib/guava-32.1.2-jre.jar", data)
    assert _rows(result.packages) == [
        ("com.google.guava:guava", "32.1.2-jre", "pkg:maven/com.google.guava/guava@32.1.2-jre",
         "lib/guava-32.1.2-jre.jar", ("Apache-2.0",), "pom.properties"),
        ("org.yaml:snakeyaml", "2.0", "pkg:maven/org.yaml/snakeyaml@2.0", "lib/guava-32.1.2-jre.jar", (),
         "pom.properties"),
    ]
    assert [d.message for d in result.diagnostics] == [
        "META-INF/maven/broken/broken/pom.properties: pom.properties without a valid groupId, artifactId and version"]


# --- the small parsers ------------------------------------------------------------------------------


def test_manifest_continuation_lines_and_sections() -> None:
    attrs = parse_manifest((TESTDATA / "jackson-databind" / "MANIFEST.MF").read_text())
    assert attrs["bundle-description"] == "General data-binding functionality for Jackson: works on core streaming API"
    assert attrs["export-package"] == ('com.fasterxml.jackson.databind;version="2.15.2";uses:='
                                       '"com.fasterxml.jackson.annotation,com.fasterxml.jackson.core"')
    assert attrs["implementation-version"] == "2.15.2"  # the per-entry section later does not count
    assert parse_manifest("") == {}
    assert parse_manifest("\n\nA: 1\nnot a header\n continued\nB:2") == {"a": "1", "b": "2"}


def test_properties_syntax() -> None:
    assert parse_properties((TESTDATA / "snakeyaml.pom.properties").read_text()) == {
        "groupId": "org.yaml", "artifactId": "snakeyaml", "version": "2.0"}
    assert parse_properties("a\\=b=c\\u0041\\tz\n! comment\n  # also\nempty\nk:v:w\n") == {
        "a=b": "cA\tz", "empty": "", "k": "v:w"}


def test_bundle_license_and_file_names() -> None:
    assert split_bundle_license('"Apache-2.0";link="https://a/b,c", MIT;description=x, MIT') == ("Apache-2.0", "MIT")
    assert split_bundle_license("") == ()
    assert split_filename("spring-core-6.0.11.jar") == ("spring-core", "6.0.11")
    assert split_filename("guava-32.1.2-jre.jar") == ("guava", "32.1.2-jre")
    assert split_filename("log4j-1.2-api-2.17.1.jar") == ("log4j-1.2-api", "2.17.1")
    assert split_filename("netty-transport-native-epoll-4.1.94.Final-linux-x86_64.jar") == (
        "netty-transport-native-epoll", "4.1.94.Final-linux-x86_64")
    assert split_filename("app.jar") == ("app", "")
    assert split_filename("2048.jar") == ("2048", "")


def test_wants_and_wiring() -> None:
    for path in ("a.jar", "x/y.WAR", "app.ear", "p.par", "s.sar", "jenkins/plugins/git.jpi", "h.hpi"):
        assert wants_archive(path, 10, 0o644)
    for path in ("a.jar.sha1", "a.zip", "jar", "pom.xml"):
        assert not wants_archive(path, 10, 0o644)
    assert [(a.id, a.version, sorted(a.targets)) for a in ANALYZERS] == [
        ("java-archive", 1, ["image", "rootfs"]), ("maven-pom", 1, ["filesystem"])]


# --- hostile archives ---------------------------------------------------------------------------------


def _messages(result: AnalysisResult) -> list[tuple[str, str]]:
    return [(d.location.path, d.message) for d in result.diagnostics]


@pytest.mark.parametrize("data", [b"", b"not a zip at all" * 100, bytes(range(256)) * 64])
def test_not_a_zip(data: bytes) -> None:
    result = _scan("lib/x.jar", data)
    assert result.packages == ()
    assert _messages(result) == [("lib/x.jar", "not a readable Java archive: File is not a zip file")]


def test_truncated_zip() -> None:
    data = jackson()
    result = _scan("lib/jackson-databind-2.15.2.jar", data[: len(data) // 2])
    assert result.packages == ()
    assert _messages(result) == [("lib/jackson-databind-2.15.2.jar",
                                  "not a readable Java archive: File is not a zip file")]


def test_zip_bomb_member_is_not_read() -> None:
    bomb = make_zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n" + b"X" * (50 * 1024 * 1024)})
    assert len(bomb) < 200_000
    result = _scan("lib/jsr305-3.0.2.jar", bomb)
    assert _messages(result) == [("lib/jsr305-3.0.2.jar", "META-INF/MANIFEST.MF: 52428822 bytes is above the "
                                                          "1048576 byte limit; not read")]
    # the file name still names the package
    assert [(p.name, p.version) for p in result.packages] == [("jsr305", "3.0.2")]


def _set_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Make the central directory lie about a member's uncompressed size."""
    out = bytearray(data)
    entry = bytes(out).find(b"PK\x01\x02")
    while entry >= 0:
        name_len = struct.unpack_from("<H", out, entry + 28)[0]
        if out[entry + 46 : entry + 46 + name_len] == member.encode():
            struct.pack_into("<I", out, entry + 24, size)
            return bytes(out)
        entry = bytes(out).find(b"PK\x01\x02", entry + 4)
    raise AssertionError(member)


def test_member_lying_about_its_size() -> None:
    data = _set_declared_size(jsr305(), "META-INF/MANIFEST.MF", 10)
    result = _scan("lib/jsr305-3.0.2.jar", data)
    assert [(p.name, p.version) for p in result.packages] == [("jsr305", "3.0.2")]
    assert _messages(result) == [("lib/jsr305-3.0.2.jar",
                                  "META-INF/MANIFEST.MF: cannot read archive member: Bad CRC-32 for file "
                                  "'META-INF/MANIFEST.MF'")]


def test_nesting_depth_is_capped() -> None:
    inner = jsr305()
    names = []
    for level in range(5):
        name = f"lib/level{level}.jar"
        names.append(name)
        inner = make_zip({name: inner})
    result = _scan("deep.jar", inner)
    assert [p.locations[0].path for p in result.packages] == []
    assert _messages(result) == [
        ("deep.jar!/lib/level4.jar!/lib/level3.jar!/lib/level2.jar!/lib/level1.jar",
         "archive nested more than 3 levels deep; not opened")]
    shallow = make_zip({"lib/a.jar": make_zip({"lib/b.jar": make_zip({"lib/jsr305-3.0.2.jar": jsr305()})})})
    result = _scan("ok.jar", shallow)
    assert [p.locations[0].path for p in result.packages] == [
        "ok.jar!/lib/a.jar!/lib/b.jar!/lib/jsr305-3.0.2.jar"]


def test_member_count_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    members = {f"com/example/C{i}.class": b"x" for i in range(5)}
    members["META-INF/maven/org.yaml/snakeyaml/pom.properties"] = b"groupId=org.yaml\nartifactId=snakeyaml\nversion=2.0"
    result = _scan("lib/many.jar", make_zip(members))
    assert result.packages == ()  # the pom.properties is member 6, past the cap
    assert _messages(result) == [("lib/many.jar",
                                  "6 archive members is above the limit of 3; only the first 3 are read")]


def test_total_budget_is_shared_by_nested_archives(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = jsr305(), commons_lang3()
    monkeypatch.setattr(archive, "MAX_TOTAL", len(first) + 500)  # the first jar and its manifest, no more
    outer = make_zip({"lib/jsr305-3.0.2.jar": first, "lib/commons-lang3-3.12.0.jar": second}, zipfile.ZIP_STORED)
    result = _scan("app.war", outer)
    assert [p.name for p in result.packages] == ["jsr305"]
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].message.startswith("lib/commons-lang3-3.12.0.jar: ")
    assert result.diagnostics[0].message.endswith("byte limit; not read")


def test_garbage_nested_archive_and_wrong_types_in_metadata() -> None:
    outer = make_zip({
        "WEB-INF/lib/broken.jar": b"\x00garbage" * 50,
        "META-INF/MANIFEST.MF": bytes(range(256)) * 10,
        "META-INF/maven/a/b/pom.properties": b"\xff\xfe\x00binary=\x00\x01",
    })
    result = _scan("bad.war", outer)
    assert result.packages == ()
    assert _messages(result) == [
        ("bad.war", "META-INF/maven/a/b/pom.properties: pom.properties without a valid groupId, artifactId and "
                    "version"),
        ("bad.war!/WEB-INF/lib/broken.jar", "not a readable Java archive: File is not a zip file"),
    ]


def test_licence_is_not_given_to_a_shaded_dependency() -> None:
    data = make_zip({
        "META-INF/MANIFEST.MF": (b"Manifest-Version: 1.0\nBundle-License: http://www.apache.org/licenses/LICENSE-2.0"
                                 b".txt\nBundle-SymbolicName: com.google.inject\nBundle-Version: 4.2.3\n"),
        "META-INF/maven/cglib/cglib/pom.properties": b"groupId=cglib\nartifactId=cglib\nversion=3.2.12\n",
    })
    result = _scan("usr/share/java/guice.jar", data)
    assert _rows(result.packages) == [
        ("cglib:cglib", "3.2.12", "pkg:maven/cglib/cglib@3.2.12", "usr/share/java/guice.jar", (), "pom.properties")]
