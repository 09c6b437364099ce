"""Wiring of the Node.js analyzers: ids, targets, which paths they want."""

from __future__ import annotations

import pytest

from stockade.analyzers import DECLARED, INSTALLED, BytesFile, FileTooLarge
from stockade.analyzers.node.analyzer import ANALYZERS


def test_ids_and_targets() -> None:
    assert {a.id: (a.version, a.targets) for a in ANALYZERS} == {
        "node-pkg": (1, INSTALLED),
        "npm-lock": (1, DECLARED),
        "yarn-lock": (1, DECLARED),
        "pnpm-lock": (1, DECLARED),
    }


@pytest.mark.parametrize(
    ("path", "wanted_by"),
    [
        ("usr/src/app/node_modules/express/package.json", "node-pkg"),
        ("node_modules/express/package.json", "node-pkg"),
        ("app/node_modules/@babel/core/package.json", "node-pkg"),
        ("app/node_modules/a/node_modules/@types/node/package.json", "node-pkg"),
        ("app/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json", "node-pkg"),
        ("app/node_modules/express/lib/package.json", None),
        ("app/node_modules/@babel/package.json", None),
        ("app/node_modules/.bin/package.json", None),
        ("app/package.json", None),
        ("app/node_modules/express/not-package.json", None),
        ("package-lock.json", "npm-lock"),
        ("app/package-lock.json", "npm-lock"),
        ("app/npm-shrinkwrap.json", "npm-lock"),
        ("app/node_modules/.package-lock.json", None),
        ("app/node_modules/x/package-lock.json", None),
        ("yarn.lock", "yarn-lock"),
        ("web/yarn.lock", "yarn-lock"),
        ("web/node_modules/x/yarn.lock", None),
        ("pnpm-lock.yaml", "pnpm-lock"),
        ("web/pnpm-lock.yaml", "pnpm-lock"),
        ("web/node_modules/.pnpm/lock.yaml", None),
    ],
)
def test_wants(path: str, wanted_by: str | None) -> None:
    assert [a.id for a in ANALYZERS if a.wants(path, 100, 0o644)] == ([wanted_by] if wanted_by else [])


class HugeFile(BytesFile):
    def read(self, limit: int = 1) -> bytes:
        raise FileTooLarge(self.path, 1 << 40, limit)


def test_analyze_and_too_large() -> None:
    by_id = {a.id: a for a in ANALYZERS}
    result = by_id["node-pkg"].analyze(BytesFile("node_modules/ms/package.json", b'{"name": "ms", "version": "2.1.3"}'))
    assert [(x.name, x.version) for x in result.packages] == [("ms", "2.1.3")]
    for analyzer in ANALYZERS:
        result = analyzer.analyze(HugeFile("yarn.lock", b""))
        assert result.packages == ()
        assert len(result.diagnostics) == 1
