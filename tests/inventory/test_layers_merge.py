"""Layer scans stacked into the final filesystem: whiteouts, opaque directories, links, origins, limits."""

from __future__ import annotations

import io
from collections.abc import Sequence

from tarbuild import E, tar_bytes

from stockade.analyzers import INSTALLED, AnalysisResult, FileInput, FunctionAnalyzer
from stockade.inventory.cache import LayerCache, cache_key, decode, encode
from stockade.inventory.layer import LayerScan, Limits, scan_layer, scan_tree
from stockade.inventory.merge import merge, resolve_in_root
from stockade.model import LayerRef, Location, OSInfo, Package


def _parse(file: FileInput) -> AnalysisResult:
    """Test analyzer: each line of a ``*.pkgs`` file is ``name version``; ``owned`` lines claim files."""
    packages, owned = [], []
    for number, line in enumerate(file.read().decode().splitlines(), 1):
        word, _, rest = line.partition(" ")
        if word == "owned":
            owned.append(rest)
        elif word == "boom":
            raise RuntimeError("analyzer bug")
        elif word:
            eco = "deb" if file.path.startswith("var/") else "pypi"
            packages.append(Package(word, rest, eco, locations=(Location(file.path, line=number),), found_by="t"))
    return AnalysisResult(packages=tuple(packages), owned_files=tuple(owned))


PKGS = FunctionAnalyzer("t", 1, INSTALLED, lambda p, s, m: p.endswith(".pkgs"), _parse)


def layer(*members: E, analyzers: Sequence[FunctionAnalyzer] = (PKGS,), **kw: object) -> LayerScan:
    blob = tar_bytes(members)
    return scan_layer(lambda: io.BytesIO(blob), analyzers, **kw)  # type: ignore[arg-type]


def inventory(*scans: LayerScan) -> tuple[list[Package], list[str]]:
    refs = [LayerRef(i, f"sha256:{i:064x}", "", f"step {i}") for i in range(len(scans))]
    inv = merge(scans, refs, display=lambda p: "/" + p, select_os=lambda found: found[0][1] if found else None,
                os_purl=lambda p, o: f"pkg:deb/debian/{p.name}@{p.version}")
    return inv.packages, [d.message for d in inv.diagnostics]


def names(packages: list[Package]) -> dict[str, tuple[str, int | None]]:
    return {p.name: (p.version, p.layer.index if p.layer else None) for p in packages}


def test_only_wanted_files_are_read_and_locations_get_the_root() -> None:
    scan = layer(E("var/lib/a.pkgs", b"libc6 2.36\nbash 5.2\n"), E("etc/passwd", b"root:x:0:0"))
    packages, diags = inventory(scan)
    assert names(packages) == {"libc6": ("2.36", 0), "bash": ("5.2", 0)}
    assert {str(p.locations[0]) for p in packages} == {"/var/lib/a.pkgs:1", "/var/lib/a.pkgs:2"}
    assert list(scan.files) == ["var/lib/a.pkgs"]
    assert diags == []


def test_origin_is_the_lowest_layer_that_listed_the_package_unchanged() -> None:
    base = layer(E("var/lib/db.pkgs", b"libc6 2.36\ntool 2.0\nold 1\n"))
    change = layer(E("var/lib/db.pkgs", b"libc6 2.36\ntool 1.5\n"))  # downgrade tool, remove old
    same = layer(E("var/lib/db.pkgs", b"libc6 2.36\ntool 1.5\nnew 3\n"))
    packages, _ = inventory(base, change, same)
    assert names(packages) == {"libc6": ("2.36", 0), "tool": ("1.5", 1), "new": ("3", 2)}
    assert {p.name: p.layer.created_by for p in packages if p.layer} == {"libc6": "step 0", "tool": "step 1",
                                                                        "new": "step 2"}


def test_reinstalled_package_after_removal_belongs_to_the_later_layer() -> None:
    a = layer(E("var/lib/db.pkgs", b"x 1\n"))
    b = layer(E("var/lib/db.pkgs", b"\n"))
    c = layer(E("var/lib/db.pkgs", b"x 1\n"))
    assert names(inventory(a, b, c)[0]) == {"x": ("1", 2)}


def test_whiteout_removes_a_file_and_everything_below_a_directory() -> None:
    lower = layer(E("usr/lib/py/a.pkgs", b"a 1\n"), E("usr/lib/py/sub/b.pkgs", b"b 1\n"), E("opt/c.pkgs", b"c 1\n"))
    upper = layer(E("usr/lib/py/.wh.sub", b""), E("opt/.wh.c.pkgs", b""))
    assert names(inventory(lower, upper)[0]) == {"a": ("1", 0)}


def test_whiteout_only_hides_lower_layers() -> None:
    lower = layer(E("opt/c.pkgs", b"c 1\n"))
    upper = layer(E("opt/.wh.c.pkgs", b""), E("opt/c.pkgs", b"c 2\n"))
    assert names(inventory(lower, upper)[0]) == {"c": ("2", 1)}


def test_opaque_directory_hides_lower_contents_but_not_its_own() -> None:
    lower = layer(E("app/x.pkgs", b"x 1\n"), E("app/deep/y.pkgs", b"y 1\n"), E("keep/z.pkgs", b"z 1\n"))
    upper = layer(E("app/.wh..wh..opq", b""), E("app/w.pkgs", b"w 1\n"))
    assert names(inventory(lower, upper)[0]) == {"z": ("1", 0), "w": ("1", 1)}


def test_symlink_replacing_a_file_removes_it() -> None:
    lower = layer(E("opt/c.pkgs", b"c 1\n"))
    upper = layer(E("opt/c.pkgs", kind="symlink", link="/etc/shadow"))
    assert inventory(lower, upper)[0] == []


def test_symlinks_are_never_followed_for_content() -> None:
    scan = layer(E("opt/evil.pkgs", kind="symlink", link="../../../../etc/passwd"))
    assert scan.files == {} and scan.symlinks == {"opt/evil.pkgs": "../../../../etc/passwd"}


def test_escaping_names_devices_and_fifos_are_ignored() -> None:
    scan = layer(E("../../etc/x.pkgs", b"evil 1\n"), E("dev/x.pkgs", kind="char"), E("run/f.pkgs", kind="fifo"))
    packages, diags = inventory(scan)
    assert packages == []
    assert any("climbs out of the image root" in d for d in diags)


def test_hard_link_to_a_wanted_file_is_analysed_under_its_own_name() -> None:
    from stockade.inventory.run import _scan_blob

    blob = tar_bytes([E("data/blob", b"h 1\n"), E("opt/h.pkgs", kind="hardlink", link="data/blob"),
                      E("opt/missing.pkgs", kind="hardlink", link="nowhere")])
    scan = _scan_blob(lambda: io.BytesIO(blob), [PKGS], None, Limits())
    packages, diags = inventory(scan)
    assert names(packages) == {"h": ("1", 0)}
    assert str(packages[0].locations[0]) == "/opt/h.pkgs:1"
    assert any("hard link to nowhere" in d for d in diags)


def test_analyzer_failure_is_a_diagnostic_and_the_scan_goes_on() -> None:
    scan = layer(E("a/1.pkgs", b"boom\n"), E("a/2.pkgs", b"fine 1\n"))
    packages, diags = inventory(scan)
    assert names(packages) == {"fine": ("1", 0)}
    assert any("analyzer t failed: RuntimeError: analyzer bug" in d for d in diags)


def test_files_over_the_limit_are_skipped_with_a_diagnostic() -> None:
    scan = layer(E("a/big.pkgs", b"x 1\n" * 1000), limits=Limits(max_file_size=100))
    assert inventory(scan)[0] == []
    assert "over the 100 byte file limit" in scan.diagnostics[0].message


def test_large_wanted_files_are_spooled_to_the_cache_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = b"big " + b"1" * (10 << 20) + b"\n"  # over the in-memory limit
    scan = layer(E("a/big.pkgs", big), tmp_dir=str(tmp_path))
    assert [len(p.version) for p in inventory(scan)[0]] == [10 << 20]
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_broken_layer_keeps_what_was_read_and_is_not_complete() -> None:
    blob = tar_bytes([E("a/1.pkgs", b"one 1\n"), E("a/2.pkgs", b"x" * 4000)])[:1600]
    scan = scan_layer(lambda: io.BytesIO(blob), [PKGS])
    assert not scan.complete
    assert names(inventory(scan)[0]) == {"one": ("1", 0)}
    assert "layer is unreadable" in scan.diagnostics[0].message


def test_packages_owned_by_os_packages_are_not_reported_twice() -> None:
    scan = layer(
        E("var/lib/dpkg.pkgs", b"python3-six 1.16\nowned /usr/lib/python3/dist-packages/six.pkgs\n"),
        E("usr/lib/python3/dist-packages/six.pkgs", b"six 1.16\n"),
        E("usr/local/lib/other.pkgs", b"other 1\n"),
    )
    assert set(names(inventory(scan)[0])) == {"python3-six", "other"}


def test_owned_files_match_through_directory_symlinks() -> None:
    # merged /usr: dpkg lists /lib/..., the layer holds usr/lib/... and a lib -> usr/lib symlink
    scan = layer(E("lib", kind="symlink", link="usr/lib"), E("var/lib/dpkg.pkgs", b"pkg 1\nowned lib/py/x.pkgs\n"),
                 E("usr/lib/py/x.pkgs", b"x 1\n"))
    assert set(names(inventory(scan)[0])) == {"pkg"}


def test_ids_are_unique_and_dependency_edges_follow_them() -> None:
    def parse(file: FileInput) -> AnalysisResult:
        a = Package("a", "1", "npm", purl="pkg:npm/a@1", id="A", depends_on=("B",), found_by="lock")
        b = Package("b", "1", "npm", purl="pkg:npm/b@1", id="B", found_by="lock")
        return AnalysisResult(packages=(a, b))

    lock = FunctionAnalyzer("lock", 1, INSTALLED, lambda p, s, m: p.endswith(".lock"), parse)
    scan = layer(E("one/x.lock", b"-"), E("two/x.lock", b"-"), analyzers=[lock])
    packages, _ = inventory(scan)
    ids = sorted(p.id for p in packages)
    assert ids == ["pkg:npm/a@1", "pkg:npm/a@1|1", "pkg:npm/b@1", "pkg:npm/b@1|1"]
    edges = {(p.id, p.depends_on) for p in packages if p.name == "a"}
    assert edges == {("pkg:npm/a@1", ("pkg:npm/b@1",)), ("pkg:npm/a@1|1", ("pkg:npm/b@1|1",))}


def test_resolve_in_root_stays_inside_and_stops_on_loops() -> None:
    links = {"etc/os-release": "../usr/lib/os-release", "lib": "usr/lib", "a": "b", "b": "a",
             "up": "../../../../..", "abs": "/usr/lib"}
    assert resolve_in_root("etc/os-release", links) == "usr/lib/os-release"
    assert resolve_in_root("lib/x/y", links) == "usr/lib/x/y"
    assert resolve_in_root("up/etc/passwd", links) == "etc/passwd"
    assert resolve_in_root("abs/z", links) == "usr/lib/z"
    assert resolve_in_root("a/x", links) is None


def test_os_release_symlink_is_followed_inside_the_root() -> None:
    def parse(file: FileInput) -> AnalysisResult:
        return AnalysisResult(os=OSInfo("debian", "12"))

    osr = FunctionAnalyzer("os", 1, INSTALLED, lambda p, s, m: p == "usr/lib/os-release", parse)
    scan = layer(E("etc/os-release", kind="symlink", link="../usr/lib/os-release"),
                 E("usr/lib/os-release", b"ID=debian\n"), analyzers=[osr])
    seen: list[list[str]] = []
    merge([scan], None, display=str, select_os=lambda f: seen.append([p for p, _ in f]) or None,  # type: ignore[func-returns-value]
          os_purl=lambda p, o: "")
    assert seen == [["usr/lib/os-release", "etc/os-release"]]


def test_tree_walk_never_follows_symlinks_or_opens_fifos(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.pkgs").write_text("x 1\n")
    outside = tmp_path.parent / "outside.pkgs"
    outside.write_text("secret 1\n")
    (tmp_path / "a" / "link.pkgs").symlink_to(outside)
    (tmp_path / "dirlink").symlink_to(tmp_path.parent)
    os.mkfifo(tmp_path / "a" / "pipe.pkgs")
    scan = scan_tree(str(tmp_path), [PKGS])
    assert list(scan.files) == ["a/x.pkgs"]
    assert set(scan.symlinks) == {"a/link.pkgs", "dirlink"}


def test_cache_round_trip_and_corruption_is_a_miss(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scan = layer(E("var/lib/db.pkgs", b"libc6 2.36\nowned /bin/sh\n"), E("x/.wh.y", b""),
                 E("etc/l", kind="symlink", link="t"))
    assert decode(encode(scan)) == scan
    cache = LayerCache(str(tmp_path))
    key = cache_key("sha256:" + "a" * 64, "sha256:" + "b" * 64, [PKGS], "image")
    assert cache.get(key) is None
    cache.put(key, scan)
    assert cache.get(key) == scan
    assert key != cache_key("sha256:" + "a" * 64, "sha256:" + "b" * 64,
                            [FunctionAnalyzer("t", 2, INSTALLED, PKGS.want, _parse)], "image")
    assert cache._db is not None
    cache._db.execute("UPDATE layer SET data = ?", (b"not zlib",))
    assert cache.get(key) is None
    cache.close()


def test_incomplete_scans_are_never_cached(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = LayerCache(str(tmp_path))
    cache.put("k", LayerScan(complete=False))
    assert cache.get("k") is None


def test_unusable_cache_directory_is_not_fatal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = LayerCache(str(blocker / "cache"))
    assert "layer cache disabled" in cache.problem
    cache.put("k", LayerScan())
    assert cache.get("k") is None
