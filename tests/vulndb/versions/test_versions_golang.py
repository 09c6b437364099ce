"""Go versions: module versions (and pseudo-versions), toolchain versions as documented by go/version, and
module versions against Go's own semver package (the copy vendored in the Go toolchain's source)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from stockade.vulndb.versions import InvalidVersion, golang


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("v1.2.3", "v1.2.4", -1),
        ("v1", "v1.0.0", 0),
        ("v1.2", "v1.2.0", 0),
        ("v1.2.3+incompatible", "v1.2.3", 0),
        ("v2.0.0+incompatible", "v1.9.9", 1),
        ("1.2.3", "v1.2.3", 0),  # OSV's Go ranges drop the v
        ("0.0.0-20220524220425-1d687d428aca", "v0.0.0-20220524220425-1d687d428aca", 0),
        # pseudo-versions are pre-releases of the version after their base
        ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", -1),
        ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000", -1),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", 1),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-rc.1", -1),
        ("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre", 1),
        ("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3", -1),
        ("0.1.1-0.20221104162952-702349b0e862", "0.1.1", -1),
        # toolchain versions (go/version's documented order)
        ("go1.21", "go1.21rc1", -1),
        ("go1.21rc1", "go1.21rc2", -1),
        ("go1.21rc2", "go1.21.0", -1),
        ("go1.21.0", "go1.21.1", -1),
        ("go1.21.10", "go1.22rc1", -1),
        ("go1.20", "go1.20.0", 0),  # before 1.21, "1.N" is the first release
        ("go1.20", "1.20.0", 0),
        ("go1.20rc1", "go1.20", -1),
        ("go1.20beta1", "go1.20rc1", -1),
        ("go1.9.2", "go1.10", -1),
        ("go1", "1.0.0", 0),
        ("go1.21rc2", "1.21.0-rc.2", 0),  # as the Go vulnerability database writes it
        ("go1.21", "1.21.0-0", 0),  # the language version
        ("1.22.0-0", "go1.22rc1", -1),
        ("go1.21.0-bigcorp", "go1.21.0", 0),  # custom suffixes are ignored
        ("go1.22.1 X:boringcrypto", "1.22.1", 0),
        ("1.21rc2", "go1.21rc2", 0),  # a toolchain version without its go
        ("1.20", "go1.20", 0),
        ("1.21.9", "1.22.0-0", -1),
    ],
)
def test_order(a: str, b: str, expected: int) -> None:
    assert golang.compare(a, b) == expected
    assert golang.compare(b, a) == -expected


@pytest.mark.parametrize(
    "text",
    [
        "go",
        "go1.21.3rc1",  # Go has no pre-releases of patch releases
        "go01.21",
        "go1.021",
        "go1.21.",
        "go1.21RC1",
        "golang",
        "v1.2.3.4",
        "1.2.3.4",
        "v01.0.0",
        "v1.0.0-01",
        "vv1.0.0",
        "v1.2-pre",
        "branch-v0.1.1",
        "latest",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        golang.key(text)


_PROBE = """package main

import (
\t"bufio"
\t"fmt"
\t"os"
\t"strings"

\t"golang.org/x/mod/semver"
)

func main() {
\tin := bufio.NewScanner(os.Stdin)
\tout := bufio.NewWriter(os.Stdout)
\tdefer out.Flush()
\tfor in.Scan() {
\t\ta, b, _ := strings.Cut(in.Text(), "\\t")
\t\tif !semver.IsValid(a) || !semver.IsValid(b) {
\t\t\tfmt.Fprintln(out, "E")
\t\t\tcontinue
\t\t}
\t\tfmt.Fprintln(out, semver.Compare(a, b))
\t}
}
"""


def _build_probe(work: Path) -> Path:
    """A program comparing module versions with the semver package vendored in the Go toolchain's source."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed: no reference semver package")
    goroot = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip()
    vendored = Path(goroot) / "src" / "cmd" / "vendor" / "golang.org" / "x" / "mod" / "semver"
    if not (vendored / "semver.go").is_file():
        pytest.skip(f"the Go toolchain has no vendored semver package at {vendored}")
    (work / "xmod").mkdir()
    (work / "xmod" / "go.mod").write_text("module golang.org/x/mod\n\ngo 1.17\n")
    (work / "xmod" / "semver").symlink_to(vendored)
    (work / "go.mod").write_text(
        "module probe\n\ngo 1.17\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ./xmod\n"
    )
    (work / "main.go").write_text(_PROBE)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(work / "cache"), "GOWORK": "off"}
    subprocess.run([go, "build", "-o", "probe", "."], cwd=work, env=env, check=True, capture_output=True, timeout=300)
    return work / "probe"


def test_module_versions_agree_with_go_semver(tmp_path: Path) -> None:
    probe = _build_probe(tmp_path)
    rng = random.Random(119)
    identifiers = ["0", "1", "2", "10", "alpha", "beta", "rc", "x-y", "-", "0a", "a0", "20191109021931", "Z", "z"]

    def version() -> str:
        numbers = [rng.choice(["0", "1", "2", "10"]) for _ in range(rng.choice([1, 2, 3, 3, 3, 3]))]
        if rng.random() < 0.05:
            numbers[rng.randrange(len(numbers))] = rng.choice(["01", "", "x"])
        text = "v" + ".".join(numbers)
        if rng.random() < 0.5:
            chosen = [rng.choice(identifiers) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.05:
                chosen[-1] = rng.choice(["01", ""])
            text += "-" + ".".join(chosen)
        if rng.random() < 0.2:
            text += "+" + ".".join(rng.choice([*identifiers, "incompatible"]) for _ in range(rng.randint(1, 2)))
        return text

    pool = [version() for _ in range(600)]
    pairs = [(rng.choice(pool), rng.choice(pool)) for _ in range(5000)]
    done = subprocess.run(
        [str(probe)], input="".join(f"{a}\t{b}\n" for a, b in pairs), capture_output=True, text=True, check=True
    )
    results = done.stdout.split()
    assert len(results) == len(pairs)
    mismatches = []
    for (a, b), native in zip(pairs, results, strict=True):
        try:
            ours = str(golang.compare(a, b))
        except InvalidVersion:
            ours = "E"
        if ours != native:
            mismatches.append((a, b, native, ours))
    assert mismatches == []
    assert 100 < results.count("E") < len(pairs) // 2
