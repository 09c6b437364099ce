"""maven-pom: declared dependencies, property resolution, dependency management, XML safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.analyzers._base import BytesFile
from stockade.analyzers.java.analyzer import MAVEN_POM, wants_pom
from stockade.analyzers.java.parse import XmlError, parse_pom, parse_xml
from stockade.model import DiagnosticLevel

TESTDATA = Path(__file__).parent / "testdata"


def test_pom() -> None:
    file = BytesFile("services/inventory/pom.xml", (TESTDATA / "pom.xml").read_bytes())
    assert MAVEN_POM.wants(file.path, file.size, file.mode)
    result = MAVEN_POM.analyze(file)
    assert [(p.name, p.version, p.purl, p.locations[0].line, dict(p.metadata), p.dev) for p in result.packages] == [
        ("com.fasterxml.jackson.core:jackson-databind", "2.15.2",
         "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2", 48, {}, False),
        ("com.google.guava:guava", "32.1.2-jre", "pkg:maven/com.google.guava/guava@32.1.2-jre", 53, {}, False),
        ("com.example.shop:inventory-api", "1.4.0", "pkg:maven/com.example.shop/inventory-api@1.4.0", 58, {}, False),
        ("org.projectlombok:lombok", "1.18.28", "pkg:maven/org.projectlombok/lombok@1.18.28", 63,
         {"scope": "provided", "optional": "true"}, False),
        ("io.netty:netty-transport-native-epoll", "4.1.94.Final",
         "pkg:maven/io.netty/netty-transport-native-epoll@4.1.94.Final?classifier=linux-x86_64", 70, {}, False),
        ("org.junit.jupiter:junit-jupiter", "5.9.3", "pkg:maven/org.junit.jupiter/junit-jupiter@5.9.3", 86,
         {"scope": "test"}, True),
        ("org.springframework.boot:spring-boot-test", "3.1.2",
         "pkg:maven/org.springframework.boot/spring-boot-test@3.1.2?type=test-jar", 90, {"scope": "test"}, True),
    ]
    assert [(d.location.line, d.level, d.message) for d in result.diagnostics] == [
        (44, DiagnosticLevel.INFO, "the version of org.springframework.boot:spring-boot-starter-web is not declared "
                                   "in this file (a parent POM or an imported BOM manages it)"),
        (76, DiagnosticLevel.INFO, "the version ${commons-io.version} of commons-io:commons-io cannot be resolved "
                                   "from this file"),
        (81, DiagnosticLevel.WARNING, "the version of org.slf4j:slf4j-api is a range or invalid: [2.0,2.1)"),
    ]
    for pkg in result.packages:
        assert (pkg.ecosystem, pkg.found_by, pkg.id, pkg.locations[0].path) == (
            "maven", "maven-pom", pkg.purl, "services/inventory/pom.xml")


def test_pom_without_namespace_and_with_cycles() -> None:
    pom = b"""<project>
  <groupId>org.example</groupId><artifactId>a</artifactId><version>2.0.0</version>
  <properties><x>${y}</x><y>${x}</y><lib.version>${project.version}</lib.version></properties>
  <dependencies>
    <dependency><groupId>org.example</groupId><artifactId>b</artifactId><version>${x}</version></dependency>
    <dependency><groupId>org.example</groupId><artifactId>c</artifactId><version>${lib.version}</version></dependency>
    <dependency><groupId>org.example</groupId><artifactId>c</artifactId><version>${lib.version}</version></dependency>
    <dependency><artifactId>no-group</artifactId><version>1</version></dependency>
  </dependencies>
</project>"""
    result = parse_pom("pom.xml", pom, "maven-pom")
    assert [(p.name, p.version, p.id) for p in result.packages] == [
        ("org.example:c", "2.0.0", "pkg:maven/org.example/c@2.0.0"),
        ("org.example:c", "2.0.0", "pkg:maven/org.example/c@2.0.0|2"),
    ]
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (5, "the version ${x} of org.example:b cannot be resolved from this file"),
        (8, "dependency without a resolvable groupId and artifactId"),
    ]


def test_wants() -> None:
    assert wants_pom("pom.xml", 1, 0o644)
    assert wants_pom("a/b/pom.xml", 1, 0o644)
    assert not wants_pom("a/b/my-pom.xml", 1, 0o644)
    assert not wants_pom("a/b/pom.xml.bak", 1, 0o644)


# --- hostile XML -----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<project><dependencies><dependency><groupId>&lol3;</groupId></dependency></dependencies></project>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<project><groupId>&xxe;</groupId></project>"""


def _only(data: bytes) -> tuple[int | None, str]:
    result = parse_pom("pom.xml", data, "maven-pom")
    assert result.packages == ()
    assert len(result.diagnostics) == 1
    return result.diagnostics[0].location.line, result.diagnostics[0].message


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL, BILLION_LAUGHS.decode().encode("utf-16"),
                                  EXTERNAL.decode().encode("utf-32"), EXTERNAL.decode().encode("utf-16-be")])
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    assert _only(data) == (None, "XML with a DOCTYPE or ENTITY declaration is not accepted")


def test_utf16_pom_is_read() -> None:
    pom = ('<?xml version="1.0" encoding="UTF-16"?>\n<project><dependencies><dependency><groupId>org.yaml</groupId>'
           "<artifactId>snakeyaml</artifactId><version>2.0</version></dependency></dependencies></project>")
    result = parse_pom("pom.xml", pom.encode("utf-16"), "maven-pom")
    assert result.diagnostics == ()
    assert [(p.name, p.version) for p in result.packages] == [("org.yaml:snakeyaml", "2.0")]


@pytest.mark.parametrize(("data", "expected"), [
    (b"", (1, "invalid XML: no element found")),
    (b"<project><dependencies><dependency>", (1, "invalid XML: no element found")),
    (b"<project>\n<a></b>\n</project>", (2, "invalid XML: mismatched tag")),
    (b"\x00\x01\x02\xff\xfe garbage", (1, "invalid XML: not well-formed (invalid token)")),
    (b"<settings><x/></settings>", (1, "not a Maven POM (root element 'settings')")),
    (b"<a>" * 200 + b"</a>" * 200, (1, "XML nested deeper than 100 elements")),
])
def test_malformed(data: bytes, expected: tuple[int | None, str]) -> None:
    assert _only(data) == expected


def test_huge_text_and_many_elements() -> None:
    huge = b"<project><dependencies><dependency><groupId>" + b"g" * 5_000_000 + (
        b"</groupId><artifactId>a</artifactId><version>1</version></dependency></dependencies></project>")
    assert _only(huge) == (1, "dependency without a resolvable groupId and artifactId")
    many = b"<project>" + b"<x/>" * 250_000 + b"</project>"
    assert _only(many) == (1, "more than 200000 XML elements")


def test_wrong_shapes() -> None:
    pom = b"""<project>
  <dependencies>text<dependency>just text</dependency>
    <dependency><groupId><nested>org</nested></groupId><artifactId>x</artifactId><version>1</version></dependency>
  </dependencies>
  <dependencyManagement>oops</dependencyManagement>
</project>"""
    result = parse_pom("pom.xml", pom, "maven-pom")
    assert result.packages == ()
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (2, "dependency without a resolvable groupId and artifactId"),
        (3, "dependency without a resolvable groupId and artifactId"),
    ]


def test_too_large() -> None:
    result = MAVEN_POM.analyze(BytesFile("pom.xml", b" " * (9 * 1024 * 1024)))
    assert [d.message for d in result.diagnostics] == [
        "pom.xml: 9437184 bytes is above the 8388608 byte limit for this file type"]


def test_parse_xml_lines_and_prefixes() -> None:
    root = parse_xml(b'<?xml version="1.0"?>\n<m:project xmlns:m="urn:x">\n  <m:a>1</m:a>\n</m:project>')
    assert (root.tag, root.line, root.children[0].tag, root.children[0].line, root.value("a")) == (
        "project", 2, "a", 3, "1")
    with pytest.raises(XmlError):
        parse_xml(b"<!DOCTYPE x><x/>")
