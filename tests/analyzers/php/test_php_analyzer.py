"""Wiring of the Composer analyzers."""

from __future__ import annotations

import pytest

from stockade.analyzers import DECLARED, INSTALLED, BytesFile, FileTooLarge
from stockade.analyzers.php.analyzer import ANALYZERS


def test_ids_and_targets() -> None:
    assert {a.id: (a.version, a.targets) for a in ANALYZERS} == {
        "php-installed": (1, INSTALLED),
        "composer-lock": (1, DECLARED),
    }


@pytest.mark.parametrize(
    ("path", "wanted_by"),
    [
        ("var/www/html/vendor/composer/installed.json", "php-installed"),
        ("vendor/composer/installed.json", "php-installed"),
        ("var/www/html/vendor/composer/installed.php", None),
        ("var/www/html/myvendor/composer/installed.json", None),
        ("composer.lock", "composer-lock"),
        ("app/composer.lock", "composer-lock"),
        ("app/vendor/acme/lib/composer.lock", None),
        ("vendor/acme/lib/composer.lock", None),
        ("app/composer.json", None),
    ],
)
def test_wants(path: str, wanted_by: str | None) -> None:
    assert [a.id for a in ANALYZERS if a.wants(path, 100, 0o644)] == ([wanted_by] if wanted_by else [])


class HugeFile(BytesFile):
    def read(self, limit: int = 1) -> bytes:
        raise FileTooLarge(self.path, 1 << 40, limit)


def test_analyze_and_too_large() -> None:
    lock = BytesFile("composer.lock", b'{"packages": [{"name": "psr/log", "version": "3.0.0"}]}')
    assert [p.name for p in ANALYZERS[1].analyze(lock).packages] == ["psr/log"]
    for analyzer in ANALYZERS:
        result = analyzer.analyze(HugeFile("composer.lock", b""))
        assert result.packages == ()
        assert len(result.diagnostics) == 1
