"""Composer versions: normalisation and order by hand (checked against composer/semver), then generated
versions against composer/semver and PHP's version_compare (when php and the library are installed)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from stockade.vulndb.versions import InvalidVersion, composer


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("1.0", "1.0.0.0"),
        ("v1.2.3", "1.2.3.0"),
        ("1.2.3.4", "1.2.3.4"),
        ("01.2", "01.2.0.0"),
        ("  1.0  ", "1.0.0.0"),
        ("1.0.0-RC1", "1.0.0.0-RC1"),
        ("1.0.0-rc.1", "1.0.0.0-RC1"),
        ("1.0.0a", "1.0.0.0-alpha"),
        ("1.0.0.b2", "1.0.0.0-beta2"),
        ("1.0.0-beta.1.2", "1.0.0.0-beta1.2"),
        ("1.0.0-beta.2-dev", "1.0.0.0-beta2-dev"),
        ("1.0.0-alpha1-dev", "1.0.0.0-alpha1-dev"),
        ("1.0-dev", "1.0.0.0-dev"),
        ("1.0.0-p1", "1.0.0.0-patch1"),
        ("1.0.0-pl2", "1.0.0.0-patch2"),
        ("1.0.0-patch3", "1.0.0.0-patch3"),
        ("1.0.0-stable", "1.0.0.0"),
        ("1.0.0-STABLE", "1.0.0.0-stable"),
        ("1.0.0+build.5", "1.0.0.0"),
        ("1.0@beta", "1.0.0.0"),
        ("1.0 as 2.0", "1.0.0.0"),
        ("2010.01.02", "2010.01.02.0"),
        ("20100102", "20100102"),
        ("123456", "123456"),
        ("1.x-dev", "1.9999999.9999999.9999999-dev"),
        ("2.1.*-dev", "2.1.9999999.9999999-dev"),
        ("2.x.DEV", "2.9999999.9999999.9999999-dev"),
        ("foo\n1.x-dev", "1.9999999.9999999.9999999-dev"),  # Composer's search starts after the last newline
        ("1.0-Dev", "1.0.0.0-dev"),
        ("dev-main", "dev-main"),
        ("master", "dev-master"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert composer.normalize(text) == normalized


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0.0.0", 0),
        ("v1.0.0", "1.0.0", 0),
        ("1.0.0-dev", "1.0.0-alpha1", -1),
        ("1.0.0-alpha1", "1.0.0-beta1", -1),
        ("1.0.0-beta1", "1.0.0-RC1", -1),
        ("1.0.0-RC1", "1.0.0", -1),
        ("1.0.0", "1.0.0-p1", -1),
        ("1.0.0-p1", "1.0.1", -1),
        ("1.0.0-alpha1-dev", "1.0.0-alpha1", -1),
        ("1.0.0-beta", "1.0.0-beta1", -1),
        ("1.0.0-beta2", "1.0.0-beta10", -1),
        ("1.0.0-a1", "1.0.0-alpha1", 0),
        ("1.0.0-STABLE", "1.0.0-dev", -1),  # Composer's own quirk: "stable" in capitals is kept, and sorts first
        ("1.x-dev", "1.99.0", 1),
        ("4.4.46", "4.5.0", -1),
        ("1.2.3.4", "1.2.3", 1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert composer.compare(a, b) == expected
    assert composer.compare(b, a) == -expected


@pytest.mark.parametrize(
    ("text", "branch"),
    [("dev-main", "dev-main"), ("master", "dev-master"), ("trunk", "dev-trunk"), ("Dev-feature/x", "dev-feature/x")],
)
def test_branches_are_not_comparable(text: str, branch: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        composer.key(text)
    assert caught.value.reason == f"the branch {branch!r} is not comparable"


@pytest.mark.parametrize(
    "text", ["foo", "1.0.0-foo", "1.2.3.4.5", "1.0-dev-dev", "x.y", "1.0.0-rc1+", "v", "feature-dev", "-dev"]
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        composer.key(text)
    assert caught.value.reason == "Composer cannot normalise it"


_PHP = r"""<?php
require "Composer/Semver/autoload.php";  // from PHP's include path
$parser = new Composer\Semver\VersionParser();
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = explode("\t", rtrim($line, "\n"));
    try {
        $na = $parser->normalize($a);
        $nb = $parser->normalize($b);
    } catch (Exception $e) {
        echo "E\n";
        continue;
    }
    $cmp = (strpos($na, "dev-") === 0 || strpos($nb, "dev-") === 0) ? "E" : version_compare($na, $nb);
    echo json_encode([$na, $cmp]), "\n";
}
"""

_PARTS = [
    "1",
    "2",
    "0",
    "10",
    "01",
    "2010",
    "12",
    "123456",
    ".",
    ".",
    "-",
    "_",
    "v",
    "RC",
    "rc",
    "beta",
    "b",
    "alpha",
    "a",
    "patch",
    "pl",
    "p",
    "dev",
    "stable",
    "Stable",
    "x",
    "X",
    "*",
    "+build",
    "@dev",
    " as 1.0",
    "master",
    "foo",
]


def test_generated_versions_agree_with_composer(tmp_path: Path) -> None:
    php = shutil.which("php")
    found = (
        php is not None
        and subprocess.run(
            [php, "-r", 'exit(stream_resolve_include_path("Composer/Semver/autoload.php") ? 0 : 1);'], check=False
        ).returncode
        == 0
    )
    if php is None or not found:
        pytest.skip("php or composer/semver is not installed (Debian packages php-cli and php-composer-semver)")
    rng = random.Random(33)

    def anything() -> str:
        return "".join(rng.choice(_PARTS) for _ in range(rng.randint(1, 7)))

    def plausible() -> str:
        text = ".".join(str(rng.randint(0, 12)) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.5:
            stability = rng.choice(["alpha", "beta", "RC", "rc", "a", "b", "p", "pl", "patch", "stable"])
            text += rng.choice(["-", "", ".", "_"]) + stability + rng.choice(["", "1", "2", ".3", "-4", "1.2"])
        if rng.random() < 0.2:
            text += rng.choice(["-dev", ".dev", "dev"])
        if rng.random() < 0.2:
            text = "v" + text
        return text

    pool = [anything() for _ in range(400)] + [plausible() for _ in range(600)]
    pairs = [(rng.choice(pool), rng.choice(pool)) for _ in range(5000)]
    script = tmp_path / "compare.php"
    script.write_text(_PHP)
    done = subprocess.run(
        [php, str(script)],
        input="".join(f"{a}\t{b}\n" for a, b in pairs),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == len(pairs)
    mismatches = []
    compared = 0
    for (a, b), line in zip(pairs, lines, strict=True):
        if line == "E":
            native_normalized, native = None, "E"
        else:
            native_normalized, native = json.loads(line)
            native = str(native)
        try:
            ours_normalized: str | None = composer.normalize(a)
        except InvalidVersion:
            ours_normalized = None
        try:
            ours = str(composer.compare(a, b))
        except InvalidVersion:
            ours = "E"
        if ours != native or (native_normalized is not None and ours_normalized != native_normalized):
            mismatches.append((a, b, native_normalized, native, ours_normalized, ours))
        compared += native != "E"
    assert mismatches == []
    assert compared > 1000
