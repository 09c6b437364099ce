"""Scanning directory trees and streams: order, symlinks, special files, worker processes."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from stockade.errors import ScanError
from stockade.model import DiagnosticLevel
from stockade.secrets import FileScan, SecretLimits, SecretScanner, SkipReason, load_rules

HERE = Path(__file__).parent
RULES = HERE / "testdata" / "rules"
TREE = HERE / "testdata" / "tree"

EXPECTED = [
    ("README.md", None, []),
    ("app/.env", None, [("TEST-0005", 2)]),
    ("app/settings.py", None, [("TEST-0003", 6), ("TEST-0001", 7)]),
    ("bin/tool", SkipReason.BINARY, []),
    ("deploy/values.yaml", None, [("TEST-0002", 5)]),
    ("examples/.env", None, []),
    ("fixtures/leak.txt", SkipReason.ALLOWLISTED, []),
    ("img/logo.png", SkipReason.BINARY, []),
    ("keys/id_rsa", None, [("TEST-0004", 1)]),
]


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False))


def outline(results: list[FileScan]) -> list[tuple[str, SkipReason | None, list[tuple[str, int]]]]:
    return [(r.path, r.skipped, [(m.rule.id, m.line) for m in r.matches]) for r in results]


def test_tree_results_in_sorted_path_order(scanner: SecretScanner) -> None:
    assert outline(list(scanner.scan_tree(TREE, jobs=1))) == EXPECTED


def test_worker_processes_give_the_same_results(scanner: SecretScanner) -> None:
    serial = list(scanner.scan_tree(TREE, jobs=1))
    parallel = list(scanner.scan_tree(TREE, jobs=2))
    assert parallel == serial


def test_big_tree_uses_workers_and_keeps_order(tmp_path: Path) -> None:
    scanner = SecretScanner(load_rules([RULES / "basic.yaml"], builtin=False), SecretLimits(parallel_threshold=1))
    for i in range(40):
        sub = tmp_path / f"d{i % 7}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i:02d}.txt").write_text("x\n" * i + "key = AKIAUJZDEGXDNCF32EPF\n")
    auto = list(scanner.scan_tree(tmp_path))  # jobs=0: enough bytes (threshold 1) -> worker processes
    serial = list(scanner.scan_tree(tmp_path, jobs=1))
    assert auto == serial
    assert [r.path for r in auto] == sorted(r.path for r in auto)
    assert all(len(r.matches) == 1 for r in auto) and len(auto) == 40


def test_symlinks_are_not_followed_and_special_files_do_not_hang(scanner: SecretScanner, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(TREE / "app", root / "app")
    outside = tmp_path / "outside.txt"
    outside.write_text("key = AKIAUJZDEGXDNCF32EPF\n")
    (root / "link-out.txt").symlink_to(outside)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling").symlink_to(tmp_path / "missing")
    os.mkfifo(root / "pipe")
    results = list(scanner.scan_tree(root, jobs=1))
    assert outline(results) == [
        ("app/.env", None, [("TEST-0005", 2)]),
        ("app/settings.py", None, [("TEST-0003", 6), ("TEST-0001", 7)]),
    ]
    # asked directly, a symlink or a FIFO is not read either
    assert scanner.scan_file(root / "link-out.txt", "link-out.txt") == FileScan("link-out.txt",
                                                                               skipped=SkipReason.NOT_REGULAR)
    assert scanner.scan_file(root / "pipe", "pipe").skipped is SkipReason.NOT_REGULAR


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_directory_become_diagnostics(scanner: SecretScanner, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("x\n")
    (tmp_path / "secret.txt").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "a.txt").write_text("x\n")
    (tmp_path / "closed").chmod(0)
    try:
        results = list(scanner.scan_tree(tmp_path, jobs=1))
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert [(r.path, r.skipped) for r in results] == [
        ("closed", SkipReason.UNREADABLE), ("secret.txt", SkipReason.UNREADABLE),
    ]  # fmt: skip
    assert all(r.diagnostics[0].level is DiagnosticLevel.WARNING for r in results)


def test_missing_file_is_a_diagnostic_and_missing_root_an_error(scanner: SecretScanner, tmp_path: Path) -> None:
    result = scanner.scan_file(tmp_path / "gone.txt", "gone.txt")
    assert result.skipped is SkipReason.UNREADABLE
    assert [d.message for d in result.diagnostics] == [
        "cannot read for secret scanning: No such file or directory"
    ]
    with pytest.raises(ScanError, match=r"cannot scan .*nope for secrets: No such file or directory"):
        list(scanner.scan_tree(tmp_path / "nope"))


def test_a_file_as_root_is_scanned_alone(scanner: SecretScanner) -> None:
    assert outline(list(scanner.scan_tree(TREE / "keys" / "id_rsa"))) == [("id_rsa", None, [("TEST-0004", 1)])]


def test_tar_members_are_scanned_as_streams(scanner: SecretScanner) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(TREE / "deploy" / "values.yaml", arcname="srv/values.yaml")
        tar.add(TREE / "bin" / "tool", arcname="usr/bin/tool")
    buffer.seek(0)
    results = []
    with tarfile.open(fileobj=buffer) as tar:
        for member in tar:
            if member.isfile() and scanner.wants(member.name, member.size):
                stream = tar.extractfile(member)
                assert stream is not None
                results.append(scanner.scan_stream(stream, member.name, member.size))
    assert outline(results) == [("srv/values.yaml", None, [("TEST-0002", 5)]), ("usr/bin/tool", SkipReason.BINARY, [])]


def test_scanning_without_rules(tmp_path: Path) -> None:
    scanner = SecretScanner(load_rules([], builtin=False))
    (tmp_path / "a.txt").write_text("AKIAUJZDEGXDNCF32EPF\n")
    assert outline(list(scanner.scan_tree(tmp_path))) == [("a.txt", SkipReason.NO_RULES, [])]
    assert scanner.scan_bytes(b"AKIAUJZDEGXDNCF32EPF", "a.txt") == []


def test_a_symlinked_root_is_followed_but_nothing_below_it(scanner: SecretScanner, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(TREE / "keys", target_is_directory=True)
    assert outline(list(scanner.scan_tree(tmp_path / "link"))) == [("id_rsa", None, [("TEST-0004", 1)])]
