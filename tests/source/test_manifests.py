"""Loading manifests from files, trees, stdin and kustomizations; hostile files become diagnostics."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from stockade.model import DiagnosticLevel
from stockade.source.manifests import LoadLimits, load_manifests

DATA = Path(__file__).parent / "testdata"


def names(result: object) -> list[tuple[str, str]]:
    return [(r.kind, r.name) for r in result.resources]  # type: ignore[attr-defined]


def test_tree_walk_skips_vcs_dirs_and_non_manifest_files() -> None:
    result = load_manifests([str(DATA / "tree")])
    assert names(result) == [("ConfigMap", "first"), ("Pod", "a"), ("Pod", "b"), ("ConfigMap", "c")]
    messages = [(Path(d.location.path).name, d.location.line, d.message) for d in result.diagnostics]
    broken = [(ln, m) for n, ln, m in messages if n == "broken.yaml"]
    assert len(broken) == 1
    assert broken[0][0] == 10
    assert broken[0][1].startswith("invalid YAML: ") and broken[0][1].endswith("; the rest of the file was not read")
    list_diag = [m for n, _, m in messages if n == "list.json"]
    assert list_diag == ["List item 1 is not a Kubernetes object (no kind); skipped"]


def test_list_items_keep_their_path_and_line() -> None:
    result = load_manifests([str(DATA / "tree" / "sub" / "list.json")])
    pod = result.resources[0]
    assert str(pod.list_path) == "items[0]"
    from stockade.model import ObjectPath

    loc = pod.locate(ObjectPath(("spec", "containers")))
    assert (loc.line, loc.object_path) == (5, "items[0].spec.containers")


def test_explicit_file_is_read_whatever_its_name() -> None:
    result = load_manifests([str(DATA / "tree" / "sub" / "notes.txt")])
    assert names(result) == [("Pod", "")]


def test_missing_path_is_a_diagnostic() -> None:
    result = load_manifests(["/nonexistent/stockade/file.yaml"])
    assert [d.message for d in result.diagnostics] == ["no such file or directory"]


def test_stdin() -> None:
    result = load_manifests(["-"], stdin=io.BytesIO(b"apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n"))
    assert names(result) == [("Pod", "s")]
    assert result.resources[0].path == "-"


def test_binary_file_is_a_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "blob.yaml").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + os.urandom(256))
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n")
    result = load_manifests([str(tmp_path)])
    assert names(result) == [("Pod", "ok")]
    (diag,) = result.diagnostics
    assert diag.location.path.endswith("blob.yaml") and "binary file" in diag.message


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n")
    (diag,) = load_manifests([str(tmp_path)]).diagnostics
    assert diag.location.line == 3 and "not UTF-8" in diag.message


def test_utf16_with_bom(tmp_path: Path) -> None:
    (tmp_path / "u16.yaml").write_bytes("apiVersion: v1\nkind: Pod\nmetadata: {name: u}\n".encode("utf-16"))
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfapiVersion: v1\nkind: Pod\nmetadata: {name: b}\n")
    assert sorted(names(load_manifests([str(tmp_path)]))) == [("Pod", "b"), ("Pod", "u")]


def test_huge_file_is_skipped_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as handle:
        handle.write(b"apiVersion: v1\nkind: ConfigMap\ndata:\n")
        chunk = b"  k: " + b"x" * 1000 + b"\n"
        for _ in range(100 * 1024):
            handle.write(chunk)
    (tmp_path / "small.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n")
    result = load_manifests([str(tmp_path)], LoadLimits(max_file_size=10 * 1024 * 1024))
    assert names(result) == [("Pod", "s")]
    (diag,) = result.diagnostics
    assert "larger than the 10,485,760-byte limit" in diag.message


def test_alias_bomb_and_deep_nesting_files(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    (tmp_path / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + "\n".join(lines) + "\n")
    (tmp_path / "deep.json").write_text('{"apiVersion": "v1", "kind": "Pod", "x": ' + "[" * 10000 + "]" * 10000 + "}")
    (tmp_path / "z.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: fine}\n")
    result = load_manifests([str(tmp_path)])
    assert names(result) == [("Pod", "fine")]
    by_file = {Path(d.location.path).name: d for d in result.diagnostics}
    assert "alias bomb" in by_file["bomb.yaml"].message
    assert by_file["bomb.yaml"].location.line is not None
    assert "nesting deeper than 1000 levels" in by_file["deep.json"].message
    assert all(d.level is DiagnosticLevel.ERROR for d in result.diagnostics)


def test_symlinks_in_trees_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: outside}\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.yaml").symlink_to(outside / "secret.yaml")
    (tree / "linkdir").symlink_to(outside, target_is_directory=True)
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    assert names(load_manifests([str(tree)])) == []


def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path):
        result = load_manifests([str(target)])
        assert names(result) == []
        assert [d.message for d in result.diagnostics] == ["not a regular file; skipped"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomization_is_rendered() -> None:
    result = load_manifests([str(DATA / "kustomize")])
    assert [(r.kind, r.name, r.namespace) for r in result.resources] == [("Deployment", "web", "shop")]
    assert result.diagnostics == []
    # the rendered object points back at the file and lines it came from
    deployment = result.resources[0]
    assert deployment.path == str(DATA / "kustomize" / "base" / "deployment.yaml")
    from stockade.model import ObjectPath

    image = deployment.locate(ObjectPath(("spec", "template", "spec", "containers", 0, "image")))
    assert (image.line, image.object_path) == (14, "spec.template.spec.containers[0].image")
    # a field the kustomization added (namespace) points at its nearest parent from the source
    assert deployment.locate(ObjectPath(("metadata", "namespace"))).line == 3
    assert "annotations" not in deployment.data["metadata"]


def test_kustomization_without_kubectl_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = load_manifests([str(DATA / "kustomize")])
    assert [(r.kind, r.name) for r in result.resources] == [("Deployment", "web")]
    (diag,) = result.diagnostics
    assert "kubectl is not on PATH" in diag.message


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_overlay_findings_point_into_the_base_file() -> None:
    from stockade.model import ObjectPath

    result = load_manifests([str(DATA / "kustomize-overlay" / "overlays" / "prod")])
    assert result.diagnostics == []
    (deployment,) = result.resources
    assert (deployment.name, deployment.namespace) == ("prod-web", "prod")  # namePrefix, namespace applied
    assert deployment.path == str(DATA / "kustomize-overlay" / "base" / "deployment.yaml")
    assert deployment.data["spec"]["template"]["spec"]["hostNetwork"] is True  # the patch applied
    # the patched-in field has no line of its own in the base: it points at its parent there
    host = deployment.locate(ObjectPath(("spec", "template", "spec", "hostNetwork")))
    assert (host.line, host.object_path) == (11, "spec.template.spec.hostNetwork")
    assert deployment.locate(ObjectPath(("spec", "template", "spec", "containers", 0, "image"))).line == 14
