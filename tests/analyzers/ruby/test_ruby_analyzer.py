"""Wiring of the Ruby analyzers."""

from __future__ import annotations

import pytest

from stockade.analyzers import DECLARED, INSTALLED, BytesFile, FileTooLarge
from stockade.analyzers.ruby.analyzer import ANALYZERS


def test_ids_and_targets() -> None:
    assert {a.id: (a.version, a.targets) for a in ANALYZERS} == {
        "ruby-gemspec": (1, INSTALLED),
        "gemfile-lock": (1, DECLARED),
    }


@pytest.mark.parametrize(
    ("path", "wanted_by"),
    [
        ("usr/local/lib/ruby/gems/3.2.0/specifications/rake-13.0.6.gemspec", "ruby-gemspec"),
        ("usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.1.gemspec", "ruby-gemspec"),
        ("usr/local/bundle/specifications/puma-6.4.0.gemspec", "ruby-gemspec"),
        ("specifications/rack-3.0.8.gemspec", "ruby-gemspec"),
        ("usr/local/bundle/gems/puma-6.4.0/puma.gemspec", None),
        ("app/myapp.gemspec", None),
        ("usr/local/lib/ruby/gems/3.2.0/specifications/default/json.rb", None),
        ("app/default/x.gemspec", None),
        ("Gemfile.lock", "gemfile-lock"),
        ("app/Gemfile.lock", "gemfile-lock"),
        ("app/gems.locked", "gemfile-lock"),
        ("app/Gemfile", None),
    ],
)
def test_wants(path: str, wanted_by: str | None) -> None:
    assert [a.id for a in ANALYZERS if a.wants(path, 100, 0o644)] == ([wanted_by] if wanted_by else [])


class HugeFile(BytesFile):
    def read(self, limit: int = 1) -> bytes:
        raise FileTooLarge(self.path, 1 << 40, limit)


def test_analyze_and_too_large() -> None:
    lock = BytesFile("Gemfile.lock", b"GEM\n  specs:\n    rack (3.0.8)\n")
    assert [p.name for p in ANALYZERS[1].analyze(lock).packages] == ["rack"]
    for analyzer in ANALYZERS:
        result = analyzer.analyze(HugeFile("Gemfile.lock", b""))
        assert result.packages == ()
        assert len(result.diagnostics) == 1
