from __future__ import annotations

import dataclasses
import hashlib

import pytest

from stockade.errors import UsageError
from stockade.source.image.reference import ImageReference, digest_problem, is_digest, parse_reference, tag_problem

SHA256 = "sha256:" + "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
SHA512 = "sha512:" + hashlib.sha512(b"").hexdigest()


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("alpine", "docker.io", "library/alpine", "latest", None),
        ("alpine:3.19", "docker.io", "library/alpine", "3.19", None),
        ("library/alpine:3.19", "docker.io", "library/alpine", "3.19", None),
        ("docker.io/alpine", "docker.io", "library/alpine", "latest", None),
        ("docker.io/library/alpine:edge", "docker.io", "library/alpine", "edge", None),
        ("index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", None),
        ("index.docker.io/alpine:3", "docker.io", "library/alpine", "3", None),
        ("user/app:1", "docker.io", "user/app", "1", None),
        (
            "bitnami/redis-sentinel:7.2.4-debian-12-r6",
            "docker.io",
            "bitnami/redis-sentinel",
            "7.2.4-debian-12-r6",
            None,
        ),
        ("ghcr.io/aquasecurity/trivy:0.50.1", "ghcr.io", "aquasecurity/trivy", "0.50.1", None),
        ("quay.io/prometheus/node-exporter", "quay.io", "prometheus/node-exporter", "latest", None),
        ("gcr.io/distroless/static-debian12:nonroot", "gcr.io", "distroless/static-debian12", "nonroot", None),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", "mcr.microsoft.com", "dotnet/aspnet", "8.0", None),
        ("registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", None),
        ("localhost/app", "localhost", "app", "latest", None),
        ("localhost:5000/app", "localhost:5000", "app", "latest", None),
        ("localhost:5000/team/app:v1.2.3", "localhost:5000", "team/app", "v1.2.3", None),
        (f"localhost:5000/app@{SHA256}", "localhost:5000", "app", None, SHA256),
        (f"host:5000/path/app:tag@{SHA256}", "host:5000", "path/app", "tag", SHA256),
        (f"alpine@{SHA256}", "docker.io", "library/alpine", None, SHA256),
        (f"alpine:3.19@{SHA256}", "docker.io", "library/alpine", "3.19", SHA256),
        (f"example.com/app@{SHA512}", "example.com", "app", None, SHA512),
        ("127.0.0.1:5000/test/app:1.0", "127.0.0.1:5000", "test/app", "1.0", None),
        ("[::1]:5000/app:1", "[::1]:5000", "app", "1", None),
        ("[2001:db8::1]/app", "[2001:db8::1]", "app", "latest", None),
        ("My-Registry.example.com:443/app", "My-Registry.example.com:443", "app", "latest", None),
        ("a.b.c/d/e/f/g", "a.b.c", "d/e/f/g", "latest", None),
        ("app_name__x.y-z---w:Tag_1.x-Y", "docker.io", "library/app_name__x.y-z---w", "Tag_1.x-Y", None),
        # Without '.', ':' or 'localhost' the first component is a path, not a host (Docker's rule).
        ("myregistry/app", "docker.io", "myregistry/app", "latest", None),
        # "localhost" alone is an image name, and then ":5000" is its tag.
        ("localhost:5000", "docker.io", "library/localhost", "5000", None),
        ("_tag_only_underscore:_x", None, None, None, None),
    ],
)
def test_parse_normalises_like_docker(
    text: str, registry: str | None, repository: str | None, tag: str | None, digest: str | None
) -> None:
    if registry is None:
        with pytest.raises(UsageError):
            parse_reference(text)
        return
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alpine", "docker.io/library/alpine:latest"),
        ("index.docker.io/user/app:1", "docker.io/user/app:1"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        (f"localhost:5000/app@{SHA256}", f"localhost:5000/app@{SHA256}"),
        (f"host:5000/path/app:tag@{SHA256}", f"host:5000/path/app:tag@{SHA256}"),
    ],
)
def test_str_is_the_normalised_reference(text: str, expected: str) -> None:
    ref = parse_reference(text)
    assert str(ref) == expected
    assert parse_reference(str(ref)) == ref


@pytest.mark.parametrize(
    ("text", "api_host"),
    [
        ("alpine", "registry-1.docker.io"),
        ("docker.io/library/alpine", "registry-1.docker.io"),
        ("index.docker.io/library/alpine", "registry-1.docker.io"),
        ("ghcr.io/org/app", "ghcr.io"),
        ("localhost:5000/app", "localhost:5000"),
        ("[::1]:5000/app", "[::1]:5000"),
        # Named explicitly, registry-1.docker.io is a registry of its own (no library/ prefix).
        ("registry-1.docker.io/alpine", "registry-1.docker.io"),
    ],
)
def test_api_host(text: str, api_host: str) -> None:
    assert parse_reference(text).api_host == api_host


def test_registry_1_docker_io_is_not_rewritten() -> None:
    ref = parse_reference("registry-1.docker.io/alpine")
    assert (ref.registry, ref.repository) == ("registry-1.docker.io", "alpine")
    assert not ref.is_docker_hub
    assert parse_reference("alpine").is_docker_hub


def test_digest_wins_over_tag() -> None:
    ref = parse_reference(f"registry.example.com/app:1.0@{SHA256}")
    assert ref.reference == SHA256
    assert ref.tag == "1.0"
    assert parse_reference("registry.example.com/app:1.0").reference == "1.0"
    assert parse_reference("registry.example.com/app").reference == "latest"


def test_name_and_with_digest() -> None:
    ref = parse_reference("alpine:3.19")
    assert ref.name == "docker.io/library/alpine"
    pinned = ref.with_digest(SHA256)
    assert str(pinned) == f"docker.io/library/alpine:3.19@{SHA256}"
    assert pinned.reference == SHA256
    assert ImageReference.parse("alpine:3.19") == ref


def test_reference_is_frozen_and_hashable() -> None:
    ref = parse_reference("alpine")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.tag = "edge"  # type: ignore[misc]
    assert {ref, parse_reference("docker.io/library/alpine:latest")} == {ref}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "it is empty"),
        ("Alpine", "repository name must be lowercase"),
        ("docker.io/Library/alpine", "repository name must be lowercase"),
        ("ghcr.io/Org/App:1", "repository name must be lowercase"),
        ("alpine:", "a tag is"),
        ("alpine:-dash", "a tag is"),
        ("alpine:.dot", "a tag is"),
        ("alpine:" + "x" * 129, "at most 128"),
        ("alpine:bad/tag", "'alpine:bad' is not a valid registry"),
        ("alpine@sha256:abc", "has 64 hex digits, not 3"),
        ("alpine@sha256:" + "A" * 64, "lowercase hexadecimal"),
        ("alpine@sha256:" + "g" * 64, "lowercase hexadecimal"),
        ("alpine@md5:" + "a" * 32, "unsupported digest algorithm 'md5'"),
        ("alpine@sha512:" + "a" * 64, "has 128 hex digits, not 64"),
        ("alpine@" + "a" * 64, "algorithm:hex"),
        ("alpine@", "algorithm:hex"),
        ("alpine@sha256:", "algorithm:hex"),
        (f"@{SHA256}", "repository name is empty"),
        (":tag", "repository name is empty"),
        ("a" * 64, "is an image ID"),
        ("docker://alpine", "without a scheme"),
        ("https://ghcr.io/org/app", "without a scheme"),
        (" alpine", "whitespace"),
        ("alpine ", "whitespace"),
        ("alp ine", "whitespace"),
        ("alpine\n", "whitespace"),
        ("alpine\x00", "control characters"),
        ("app//x", "empty path component"),
        ("ghcr.io/org/", "empty path component"),
        ("ghcr.io/", "repository name is empty"),
        ("ghcr.io/org/-app", "invalid path component '-app'"),
        ("ghcr.io/org/app_", "invalid path component 'app_'"),
        ("ghcr.io/org/a...b", "invalid path component 'a...b'"),
        ("ghcr.io/org/app%20x", "invalid path component"),
        ("-bad.example.com/app", "not a valid registry"),
        ("bad_host.example.com/app", "not a valid registry"),
        ("example.com:99999/app", "port 99999 is out of range"),
        ("example.com:/app", "not a valid registry"),
        ("[zz::1]:5000/app", "not a valid registry"),
        ("ghcr.io/" + "a/" * 130 + "a", "longer than 255"),
        ("x" * 2000, "too long"),
        ("alpine@sha256:" + "a" * 64 + "@sha256:" + "b" * 64, "hex"),
    ],
)
def test_invalid_references_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_reference(text)
    assert message in excinfo.value.message
    assert excinfo.value.exit_code == 2


def test_error_names_the_reference() -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_reference("ghcr.io/Org/app")
    assert excinfo.value.message == "invalid image reference 'ghcr.io/Org/app': repository name must be lowercase"


def test_direct_construction_is_validated() -> None:
    with pytest.raises(UsageError, match="invalid path component"):
        ImageReference("ghcr.io", "../etc/passwd", "latest")
    with pytest.raises(UsageError, match="not a valid registry"):
        ImageReference("evil.com/x", "app", "latest")
    with pytest.raises(UsageError, match="a tag is"):
        ImageReference("ghcr.io", "app", "../../x")
    with pytest.raises(UsageError, match="hex digits"):
        ImageReference("ghcr.io", "app", None, "sha256:1234")
    assert str(ImageReference("ghcr.io", "org/app", "1", None)) == "ghcr.io/org/app:1"


def test_digest_and_tag_helpers() -> None:
    assert digest_problem(SHA256) is None
    assert digest_problem(SHA512) is None
    assert digest_problem("sha256:" + "a" * 63) == "a sha256 digest has 64 hex digits, not 63"
    assert digest_problem("sha384:" + "a" * 96) is not None
    assert digest_problem("SHA256:" + "a" * 64) == "'SHA256' is not a digest algorithm name"
    assert tag_problem("v1.2.3") is None
    assert tag_problem("a" * 128) is None
    assert tag_problem("a" * 129) == "a tag is at most 128 characters"
    assert is_digest(SHA256)
    assert not is_digest("latest")
