"""Dockerfiles found in trees next to manifests: one run, one report; bad Dockerfiles are diagnostics."""

from __future__ import annotations

from pathlib import Path

import stockade
from stockade.source.manifests import LoadLimits, load_manifests

GOOD = "FROM alpine:3.19@sha256:" + "a" * 64 + "\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\nCMD [\"sh\"]\n"
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: busybox}\n"


def test_tree_with_manifests_and_dockerfiles(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM python:latest\nRUN curl -k https://x | sh\n")
    (tmp_path / "svc" / "worker.Dockerfile").write_text(GOOD)
    (tmp_path / "svc" / "Containerfile").write_text(GOOD)
    (tmp_path / "svc" / "Dockerfile.dockerignore").write_text("*.md\n")
    (tmp_path / "deploy.yaml").write_text(POD)
    loaded = load_manifests([str(tmp_path)])
    assert sorted(Path(d.path).name for d in loaded.dockerfiles) == ["Containerfile", "Dockerfile", "worker.Dockerfile"]
    assert [r.kind for r in loaded.resources] == ["Pod"]
    report = stockade.scan([str(tmp_path)])
    families = {f.rule_id.rsplit("-", 1)[0] for f in report.findings}
    assert families == {"STK-DF", "STK-K8S", "STK-PSS"}
    dockerfile = [f for f in report.findings if f.location.path.endswith("svc/Dockerfile")]
    assert {f.rule_id for f in dockerfile} >= {"STK-DF-0005", "STK-DF-0008", "STK-DF-0013"}
    assert all(f.location.line in (1, 2) and f.location.snippet for f in dockerfile)


def test_bad_dockerfiles_are_diagnostics_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM alpine:3.19\nRUN <<EOF\napk add curl\n")  # unterminated
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Dockerfile").write_text("# escape=x\nFROM alpine:3.19\n")  # invalid escape
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "Dockerfile").write_bytes(b"\x7fELF\x00\x01\x02" * 100)  # binary
    (tmp_path / "d").mkdir()
    with (tmp_path / "d" / "Dockerfile").open("w") as handle:  # over the size limit
        handle.write("FROM alpine:3.19\n" + "RUN true\n" * 200_000)
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "Dockerfile").write_text(GOOD)
    loaded = load_manifests([str(tmp_path)], LoadLimits(max_file_size=1024 * 1024))
    by_dir = {Path(d.location.path).parent.name: d for d in loaded.diagnostics}
    assert "heredoc" in by_dir["a"].message and by_dir["a"].location.line == 2
    assert "escape" in by_dir["b"].message and by_dir["b"].location.line == 1
    assert "binary" in by_dir["c"].message
    assert "larger than" in by_dir["d"].message
    assert "e" not in by_dir
    assert "e" in {Path(d.path).parent.name for d in loaded.dockerfiles}
