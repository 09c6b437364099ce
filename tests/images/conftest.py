"""The real test image, built once per cache (see builder.py) and shared by the tests that need it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import builder

REPO = Path(__file__).resolve().parents[2]


def image_cache_root() -> Path:
    return Path(os.environ.get("STOCKADE_TEST_IMAGE_CACHE") or REPO / ".cache" / "test-images")


@pytest.fixture(scope="session")
def real_image() -> builder.BuiltImage:
    missing = builder.missing_tools()
    if missing:
        pytest.skip(f"real-image tests need {', '.join(missing)} (make system-deps installs them)")
    if os.geteuid() != 0:
        pytest.skip("building the real test image with debootstrap needs root")
    return builder.build(image_cache_root())


@pytest.fixture()
def cache_dir(tmp_path: Path) -> str:
    path = tmp_path / "cache"
    path.mkdir()
    return str(path)
