"""Image inventory speed against the physical floor of reading the image once.

Builds (or reuses) the real Debian test image with an extra bulk layer so it is at least 300 MB
uncompressed (the same builder the tests use: debootstrap, dpkg, umoci, skopeo), then measures in one run:

- the floor: every layer blob decompressed and read once, ``gzip -dc blob > /dev/null`` one after the other,
  and the same with Python's zlib (the faster of the two is the floor);
- ``stockade image`` cold (no cache), with its default parallelism and with ``-j 1``;
- ``stockade image`` warm (every layer in the cache);
- peak RSS of the whole stockade process tree.

Prints the ratios (cold / floor; target within 1.5x), the peak RSS (target under 300 MB) and the warm time
(target under 0.5 s). Needs root and the tools of ``make system-deps``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from config_bench import stockade_cmd, timed

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tests" / "images"))
import builder  # noqa: E402


def layer_blobs(layout: Path) -> list[Path]:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"]
    manifest = json.loads((layout / "blobs" / "sha256" / digest[7:]).read_text())
    return [layout / "blobs" / "sha256" / d["digest"][7:] for d in manifest["layers"]]


def floor_gzip(blobs: list[Path]) -> float:
    start = time.perf_counter()
    for blob in blobs:
        subprocess.run(f"gzip -dc '{blob}' > /dev/null", shell=True, check=True)
    return time.perf_counter() - start


def floor_zlib(blobs: list[Path]) -> tuple[float, int]:
    total = 0
    start = time.perf_counter()
    for blob in blobs:
        dec = zlib.decompressobj(31)
        with open(blob, "rb") as handle:
            while chunk := handle.read(1 << 20):
                total += len(dec.decompress(chunk))
    return time.perf_counter() - start, total


def best(runs: int, fn):  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bulk-mb", type=int, default=160, help="size of the extra bulk layer (default 160)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; the best time counts (default 3)")
    args = parser.parse_args()
    missing = builder.missing_tools()
    if missing:
        print(f"missing tools: {', '.join(missing)} (run make system-deps)", file=sys.stderr)
        return 2
    cache_root = Path(os.environ.get("STOCKADE_TEST_IMAGE_CACHE") or ROOT.parent / ".cache" / "test-images")
    image = builder.build(cache_root, bulk_mb=args.bulk_mb)
    blobs = layer_blobs(image.layout)
    compressed = sum(b.stat().st_size for b in blobs)
    gz = best(args.runs, lambda: floor_gzip(blobs))
    zl, uncompressed = floor_zlib(blobs)
    zl = min(zl, best(args.runs - 1, lambda: floor_zlib(blobs)[0])) if args.runs > 1 else zl
    floor = min(gz, zl)
    target = f"oci:{image.layout}:{builder.TAG}"
    # the inventory (no advisory database is given, so no matching); secret scanning is timed on its own below
    cmd = [*stockade_cmd(), "image", target, "--format", "json", "--output", "/dev/null", "--quiet",
           "--scanners", "vuln"]

    def cold(jobs: int) -> tuple[float, float]:
        times, peaks = [], []
        for _ in range(args.runs):
            wall, peak, status = timed([*cmd, "--no-cache", "-j", str(jobs)], sample_memory=False)
            if status != 0:
                raise SystemExit(f"stockade failed with status {status}")
            times.append(wall)
        _, peak, _ = timed([*cmd, "--no-cache", "-j", str(jobs)])
        peaks.append(peak)
        return min(times), max(peaks)

    cold_default, rss_default = cold(0)
    cold_one, rss_one = cold(1)
    with_secrets = best(args.runs, lambda: timed([*cmd[:-1], "vuln,secret", "--no-cache"], sample_memory=False)[0])
    with tempfile.TemporaryDirectory() as cache:
        timed([*cmd, "--cache-dir", cache], sample_memory=False)
        warm = min(timed([*cmd, "--cache-dir", cache], sample_memory=False)[0] for _ in range(args.runs))
    count = subprocess.run([*stockade_cmd(), "image", target, "--no-cache", "--format", "json", "--quiet"],
                           capture_output=True, text=True, check=True)
    packages = len(json.loads(count.stdout)["packages"])

    print(f"image: {len(blobs)} layers, {compressed / 2**20:.0f} MiB compressed, {uncompressed / 2**20:.0f} MiB "
          f"uncompressed, {packages} packages")
    print(f"floor (decompress + read every layer once): gzip -dc {gz:.2f} s, Python zlib {zl:.2f} s "
          f"-> floor {floor:.2f} s")
    print(f"stockade image, cold, default jobs: {cold_default:.2f} s = {cold_default / floor:.2f}x the floor "
          f"(target <= 1.5x); peak RSS {rss_default:.0f} MiB")
    print(f"stockade image, cold, -j 1:         {cold_one:.2f} s = {cold_one / floor:.2f}x the floor; "
          f"peak RSS {rss_one:.0f} MiB")
    print(f"stockade image, cold, with secret scanning of every layer (the default): {with_secrets:.2f} s = "
          f"{with_secrets / floor:.2f}x the floor")
    print(f"stockade image, warm (cached):      {warm:.2f} s (target < 0.5 s) = "
          f"{warm / cold_default:.3f} of the cold scan")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
