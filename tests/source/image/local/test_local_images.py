"""OCI layouts, OCI archives and docker-archives built here byte by byte: selection, digests, hostility."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from stockade.errors import ScanError, UsageError
from stockade.source.image.image import Platform, open_image


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Layout:
    """An OCI image layout under construction."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "blobs" / "sha256").mkdir(parents=True)
        (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        self.manifests: list[dict[str, object]] = []

    def blob(self, data: bytes) -> str:
        digest = _digest(data)
        (self.root / "blobs" / "sha256" / digest[7:]).write_bytes(data)
        return digest

    def image(self, layers: list[bytes], *, arch: str = "amd64", user: str = "app") -> tuple[dict[str, object], bytes]:
        blobs = [gzip.compress(layer) for layer in layers]
        config = json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "config": {"User": user, "Env": ["A=1"], "ExposedPorts": {"80/tcp": {}}},
                "rootfs": {"type": "layers", "diff_ids": [_digest(layer) for layer in layers]},
                "history": [{"created_by": f"step {i}"} for i in range(len(layers))],
            }
        ).encode()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": self.blob(config),
                    "size": len(config),
                },
                "layers": [
                    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": self.blob(b), "size": len(b)}
                    for b in blobs
                ],
            }
        ).encode()
        desc = {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": self.blob(manifest),
            "size": len(manifest),
            "platform": {"architecture": arch, "os": "linux"},
        }
        return desc, manifest

    def tag(self, desc: dict[str, object], tag: str) -> None:
        self.manifests.append({**desc, "annotations": {"org.opencontainers.image.ref.name": tag}})
        self.write()

    def write(self) -> None:
        (self.root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": self.manifests}))


LAYER1 = _tar({"etc/hostname": b"one\n"})
LAYER2 = _tar({"etc/motd": b"two\n"})


@pytest.fixture()
def layout(tmp_path: Path) -> Layout:
    lay = Layout(tmp_path / "oci")
    desc, _ = lay.image([LAYER1, LAYER2])
    lay.tag(desc, "v1")
    return lay


def test_layout_by_tag_reads_config_and_layers(layout: Layout) -> None:
    image = open_image(f"oci:{layout.root}:v1")
    assert image.config.user == "app" and image.config.exposed_ports == ("80/tcp",)
    assert [layer.diff_id for layer in image.layers] == [_digest(LAYER1), _digest(LAYER2)]
    with image.layers[0].opener() as handle:
        assert gzip.decompress(handle.read()) == LAYER1
    assert open_image(f"{layout.root}:v1").manifest_digest == image.manifest_digest
    assert open_image(str(layout.root)).manifest_digest == image.manifest_digest  # the only image


def test_unknown_tag_names_the_known_ones(layout: Layout) -> None:
    with pytest.raises(ScanError, match=r"no image tagged 'v2' \(tags: v1\)"):
        open_image(f"oci:{layout.root}:v2")


def test_layout_by_digest(layout: Layout) -> None:
    digest = str(layout.manifests[0]["digest"])
    assert open_image(f"{layout.root}@{digest}").manifest_digest == digest


def test_multi_platform_index_picks_the_platform(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "multi")
    amd, _ = lay.image([LAYER1], arch="amd64", user="amd")
    arm, _ = lay.image([LAYER2], arch="arm64", user="arm")
    index = json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [amd, arm]}
    ).encode()
    lay.tag(
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": lay.blob(index), "size": len(index)},
        "latest",
    )
    assert open_image(f"oci:{lay.root}:latest", platform=Platform.parse("linux/arm64")).config.user == "arm"
    assert open_image(f"oci:{lay.root}:latest", platform=Platform.parse("linux/amd64")).config.user == "amd"
    with pytest.raises(ScanError, match=r"no image for platform linux/s390x .*available: linux/amd64, linux/arm64"):
        open_image(f"oci:{lay.root}:latest", platform=Platform.parse("linux/s390x"))


def test_tampered_blob_is_detected_when_read(layout: Layout) -> None:
    image = open_image(f"oci:{layout.root}:v1")
    blob = layout.root / "blobs" / "sha256" / image.layers[0].digest[7:]
    blob.write_bytes(gzip.compress(_tar({"etc/hostname": b"evil\n"})))
    with pytest.raises(ScanError, match="does not match its digest"), image.layers[0].opener() as handle:
        while handle.read(65536):
            pass


def test_tampered_manifest_is_refused(layout: Layout) -> None:
    digest = str(layout.manifests[0]["digest"])
    (layout.root / "blobs" / "sha256" / digest[7:]).write_bytes(b"{}")
    with pytest.raises(ScanError, match="does not match its digest"):
        open_image(f"oci:{layout.root}:v1")


def test_digests_cannot_name_paths_outside_the_layout(layout: Layout) -> None:
    layout.manifests[0]["digest"] = "sha256:../../../../etc/passwd"
    layout.write()
    with pytest.raises(ScanError, match="invalid digest"):
        open_image(f"oci:{layout.root}:v1")


def test_blob_symlinks_are_not_followed(layout: Layout, tmp_path: Path) -> None:
    digest = str(layout.manifests[0]["digest"])
    path = layout.root / "blobs" / "sha256" / digest[7:]
    target = tmp_path / "elsewhere"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    with pytest.raises(ScanError, match="cannot read"):
        open_image(f"oci:{layout.root}:v1")


def test_bad_index_json(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "bad")
    (lay.root / "index.json").write_text("{not json")
    with pytest.raises(ScanError, match=r"index\.json is not valid JSON"):
        open_image(str(lay.root))
    (lay.root / "index.json").write_text('{"manifests": 3}')
    with pytest.raises(ScanError, match="no 'manifests' list"):
        open_image(str(lay.root))


def test_oci_archive_plain_and_gzipped(layout: Layout, tmp_path: Path) -> None:
    archive = tmp_path / "image.oci.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(layout.root, arcname=".")
    want = open_image(f"oci:{layout.root}:v1").manifest_digest
    assert open_image(f"oci-archive:{archive}:v1").manifest_digest == want
    gz = tmp_path / "image.oci.tar.gz"
    gz.write_bytes(gzip.compress(archive.read_bytes()))
    image = open_image(f"{gz}:v1", tmp_dir=str(tmp_path))
    with image.layers[1].opener() as handle:
        assert gzip.decompress(handle.read()) == LAYER2
    image.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.oci.tar", "image.oci.tar.gz", "oci"]


def _docker_archive(path: Path, images: list[tuple[list[str], list[bytes]]], *, symlinked: bool = False) -> None:
    files: dict[str, bytes] = {}
    manifest = []
    for tags, layers in images:
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {"User": "1000"},
                "rootfs": {"type": "layers", "diff_ids": [_digest(x) for x in layers]},
            }
        ).encode()
        files[f"{_digest(config)[7:]}.json"] = config
        names = []
        for layer in layers:
            name = f"{_digest(layer)[7:]}/layer.tar"
            files[name] = layer
            names.append(name)
        manifest.append({"Config": f"{_digest(config)[7:]}.json", "RepoTags": tags, "Layers": names})
    files["manifest.json"] = json.dumps(manifest).encode()
    path.write_bytes(_tar(files))


def test_docker_archive_single_and_by_tag(tmp_path: Path) -> None:
    one = tmp_path / "one.tar"
    _docker_archive(one, [(["app:1"], [LAYER1, LAYER2])])
    image = open_image(str(one))
    assert image.repo_tags == ("app:1",) and image.config.user == "1000"
    assert [layer.diff_id for layer in image.layers] == [_digest(LAYER1), _digest(LAYER2)]
    with image.layers[1].opener() as handle:
        assert handle.read() == LAYER2
    two = tmp_path / "two.tar"
    _docker_archive(two, [(["app:1"], [LAYER1]), (["app:2"], [LAYER2])])
    with pytest.raises(ScanError, match=r"holds 2 images \(app:1, app:2\); choose one"):
        open_image(str(two))
    assert open_image(f"docker-archive:{two}:app:2").repo_tags == ("app:2",)
    assert open_image(f"{two}:2").repo_tags == ("app:2",)


def test_docker_archive_missing_layer_member(tmp_path: Path) -> None:
    path = tmp_path / "broken.tar"
    manifest = [{"Config": "c.json", "RepoTags": [], "Layers": ["missing/layer.tar"]}]
    config = json.dumps({"rootfs": {"diff_ids": ["sha256:" + "0" * 64]}}).encode()
    path.write_bytes(_tar({"manifest.json": json.dumps(manifest).encode(), "c.json": config}))
    with pytest.raises(ScanError, match=r"no member .missing/layer\.tar."):
        open_image(str(path))


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "junk.tar"
    path.write_bytes(b"junk" * 1000)
    with pytest.raises(ScanError, match=r"not a readable image archive"):
        open_image(str(path))
    other = tmp_path / "other.tar"
    other.write_bytes(_tar({"README": b"hi"}))
    with pytest.raises(ScanError, match=r"neither manifest\.json nor index\.json"):
        open_image(str(other))
    with pytest.raises(UsageError, match="no such file"):
        open_image(str(tmp_path / "absent.tar"))
    (tmp_path / "plain").mkdir()
    with pytest.raises(UsageError, match="stockade rootfs"):
        open_image(str(tmp_path / "plain"))


def test_platform_syntax() -> None:
    assert str(Platform.parse("linux/aarch64")) == "linux/arm64"
    assert str(Platform.parse("linux/arm/v7")) == "linux/arm/v7"
    with pytest.raises(UsageError):
        Platform.parse("linux")


def test_docker_save_25_layout_with_blobs(tmp_path: Path) -> None:
    """Docker 25+ writes an OCI layout inside the archive, and manifest.json points into blobs/."""
    config = json.dumps({"architecture": "arm64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [_digest(LAYER1)]}}).encode()
    files = {
        f"blobs/sha256/{_digest(config)[7:]}": config,
        f"blobs/sha256/{_digest(LAYER1)[7:]}": LAYER1,
        "manifest.json": json.dumps([{"Config": f"blobs/sha256/{_digest(config)[7:]}", "RepoTags": ["app:25"],
                                      "Layers": [f"blobs/sha256/{_digest(LAYER1)[7:]}"]}]).encode(),
        "oci-layout": b'{"imageLayoutVersion": "1.0.0"}',
        "index.json": b'{"schemaVersion": 2, "manifests": []}',
    }
    path = tmp_path / "save25.tar"
    path.write_bytes(_tar(files))
    image = open_image(str(path))
    assert image.config_digest == _digest(config)
    assert [(layer.digest, layer.diff_id) for layer in image.layers] == [(_digest(LAYER1), _digest(LAYER1))]
    assert image.config.architecture == "arm64"


def test_docker_archive_layers_are_checked_against_their_diff_ids(tmp_path: Path) -> None:
    path = tmp_path / "lying.tar"
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [_digest(LAYER1)]}}).encode()
    manifest = [{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["l/layer.tar"]}]
    path.write_bytes(_tar({"manifest.json": json.dumps(manifest).encode(), "c.json": config, "l/layer.tar": LAYER2}))
    image = open_image(str(path))
    assert image.layers[0].digest == _digest(LAYER1)  # what the bytes must hash to
    with pytest.raises(ScanError, match="does not match its digest"), image.layers[0].opener() as handle:
        while handle.read(65536):
            pass


def test_oversized_config_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "big")
    config = b'{"padding": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": lay.blob(config),
                   "size": len(config)},
        "layers": [],
    }).encode()
    lay.tag({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": lay.blob(manifest),
             "size": len(manifest)}, "big")
    with pytest.raises(ScanError, match="image config is over 16777216 bytes"):
        open_image(f"oci:{lay.root}:big")
