"""The real test image pushed to a real registry (Debian's docker-registry) and scanned by reference."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockade.cli.main import main

pytestmark = pytest.mark.image

_HELPERS = Path(__file__).resolve().parents[1] / "source" / "image" / "registry" / "start_registry.py"


def _helpers() -> Any:
    name = "stockade_tests_registry_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _HELPERS)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    helpers = _helpers()
    missing = helpers.missing_tools("docker-registry", "skopeo")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (make system-deps installs them)")
    reg = helpers.start_registry(tmp_path_factory.mktemp("registry"), "htpasswd")
    try:
        yield reg
    finally:
        reg.stop()


def _packages(out: str) -> set[tuple[str, str, str, int | None]]:
    return {(p["ecosystem"], p["name"], p["version"], p["layer"]["index"] if p.get("layer") else None)
            for p in json.loads(out)["packages"]}


def test_pull_from_registry_matches_the_layout(real_image, registry, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    helpers = _helpers()
    digest = helpers.skopeo_copy(f"oci:{real_image.layout}:test", f"docker://{registry.host}/stockade/test:1",
                                 tmp_path, creds=f"{registry.username}:{registry.password}")
    assert main(["image", f"oci:{real_image.layout}:test", "--format", "json", "--no-cache", "--quiet"]) == 0
    local = _packages(capsys.readouterr().out)

    monkeypatch.setenv("STOCKADE_REGISTRY_PASSWORD", registry.password)
    code = main(["image", f"{registry.host}/stockade/test:1", "--insecure-registry", "--username", registry.username,
                 "--format", "json", "--cache-dir", str(tmp_path / "cache"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert _packages(out) == local
    report = json.loads(out)
    assert report["artifact"]["digest"] == digest

    # Without credentials the registry says no, and the message says what to do, not a traceback.
    monkeypatch.delenv("STOCKADE_REGISTRY_PASSWORD")
    code = main(["image", f"{registry.host}/stockade/test:1", "--insecure-registry", "--no-cache", "--quiet"])
    err = capsys.readouterr().err
    assert code == 3
    assert "401" in err or "UNAUTHORIZED" in err
    assert registry.password not in err
