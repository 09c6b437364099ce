"""Build the real test image: Debian bookworm (debootstrap minbase) in several umoci layers.

Layers, in order:

1. the debootstrap'ed root filesystem;
2. package changes made with dpkg itself: a fixture package installed at 2.0-1 and then downgraded to
   1.5-1, one at a binNMU version (source version differs), a package that owns a Python dist-info,
   ``adduser`` purged, and a file deleted (a whiteout);
3. language artefacts: pip-installed packages in /usr/local/lib/python3.11/dist-packages, an npm
   node_modules tree in /srv/app, a Go binary built with Debian's golang-go, a jar with Maven metadata,
   and a Ruby gem specification;
4. (benchmark image only) bulk data to reach the benchmark's size.

The OCI layout is converted to a docker-archive with skopeo. Builds are cached under ``cache_root`` keyed
by BUILD_VERSION; a finished build has a ``done`` marker. Every tool is one a user would run: debootstrap,
dpkg-deb, dpkg, umoci, skopeo, pip, npm, go, jar.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

BUILD_VERSION = "7"
MIRROR = os.environ.get("STOCKADE_TEST_DEBIAN_MIRROR", "http://deb.debian.org/debian")
TOOLS = ("debootstrap", "umoci", "skopeo", "dpkg-deb", "go", "npm", "gcc", "objcopy", "rpmbuild", "rpm")
TAG = "test"

PIP_PACKAGES = ("six==1.16.0", "idna==3.7")
NPM_PACKAGES = ("is-number@7.0.0", "ms@2.1.3")


@dataclass(frozen=True)
class BuiltImage:
    root: Path
    layout: Path  # OCI layout directory, image tagged TAG
    docker_archive: Path  # docker-archive tarball of the same image
    rootfs: Path  # the final root filesystem, unpacked
    layer_count: int


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def _run(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _deb(work: Path, name: str, version: str, files: dict[str, str], source: str = "") -> Path:
    """Build a real .deb with dpkg-deb."""
    pkg = work / f"{name}_{version}"
    if pkg.exists():
        shutil.rmtree(pkg)
    (pkg / "DEBIAN").mkdir(parents=True)
    control = [
        f"Package: {name}", f"Version: {version}", "Architecture: all",
        "Maintainer: stockade tests <tests@stockade.dev>",
        "Priority: optional", "Section: misc", f"Description: stockade test fixture {name}",
    ]
    if source:
        control.insert(1, f"Source: {source}")
    (pkg / "DEBIAN" / "control").write_text("\n".join(control) + "\n")
    for rel, content in files.items():
        target = pkg / rel.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    out = work / f"{name}_{version}_all.deb"
    _run("dpkg-deb", "--root-owner-group", "--build", pkg, out)
    return out


def _repack(layout: Path, bundle: Path, created_by: str) -> None:
    _run("umoci", "repack", "--refresh-bundle", "--image", f"{layout}:{TAG}", "--history.created_by", created_by,
         bundle)


def _layer_packages(work: Path, rootfs: Path) -> None:
    dpkg = ("dpkg", f"--root={rootfs}", "--force-script-chrootless", "--force-not-root")
    tool_20 = _deb(work, "stockade-fixture-tool", "2.0-1", {"/usr/share/stockade-fixture/VERSION": "2.0\n"},
                   source="stockade-fixture")
    tool_15 = _deb(work, "stockade-fixture-tool", "1.5-1", {"/usr/share/stockade-fixture/VERSION": "1.5\n"},
                   source="stockade-fixture")
    binnmu = _deb(work, "stockade-fixture-lib", "3.1-2+b1", {"/usr/share/stockade-fixture/lib": "3.1\n"},
                  source="stockade-fixture-src (3.1-2)")
    metadata = "Metadata-Version: 2.1\nName: fixturelib\nVersion: 1.0\nLicense: MIT\n"
    pylib = _deb(work, "python3-fixturelib", "1.0-1", {
        "/usr/lib/python3/dist-packages/fixturelib-1.0.dist-info/METADATA": metadata,
        "/usr/lib/python3/dist-packages/fixturelib/__init__.py": "",
    })
    _run(*dpkg, "-i", tool_20, binnmu, pylib)
    _run(*dpkg, "-i", tool_15)  # a downgrade, made by dpkg
    _run(*dpkg, "--purge", "--force-depends", "adduser")
    (rootfs / "etc" / "issue.net").unlink()  # a plain deletion: a whiteout in this layer
    # A Python package the next layer deletes again (its dist-info becomes a whiteout there).
    gone = rootfs / "usr/local/lib/python3.11/dist-packages/oldlib-0.1.dist-info"
    gone.mkdir(parents=True)
    (gone / "METADATA").write_text("Metadata-Version: 2.1\nName: oldlib\nVersion: 0.1\n")


def _layer_languages(work: Path, rootfs: Path) -> None:
    site = rootfs / "usr/local/lib/python3.11/dist-packages"
    shutil.rmtree(site / "oldlib-0.1.dist-info")
    _run("python3", "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target", site, *PIP_PACKAGES)
    app = rootfs / "srv/app"
    app.mkdir(parents=True, exist_ok=True)
    (app / "package.json").write_text(json.dumps({"name": "fixture-app", "version": "1.0.0", "private": True}))
    _run("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", app, *NPM_PACKAGES)
    # A Go binary with a (local, replaced) module dependency: no network needed.
    src = work / "gosrc"
    (src / "lib").mkdir(parents=True, exist_ok=True)
    (src / "lib" / "go.mod").write_text("module example.com/fixturelib\n\ngo 1.19\n")
    (src / "lib" / "lib.go").write_text("package fixturelib\n\nfunc Answer() int { return 42 }\n")
    (src / "go.mod").write_text(textwrap.dedent("""\
        module example.com/fixtureapp

        go 1.19

        require example.com/fixturelib v1.2.3

        replace example.com/fixturelib v1.2.3 => ./lib
        """))
    (src / "main.go").write_text(textwrap.dedent("""\
        package main

        import (
        \t"fmt"

        \tfixturelib "example.com/fixturelib"
        )

        func main() { fmt.Println(fixturelib.Answer()) }
        """))
    env = {**os.environ, "GOPATH": str(work / "gopath"), "GOCACHE": str(work / "gocache"), "GOFLAGS": "-mod=mod",
           "GOPROXY": "off", "CGO_ENABLED": "0"}
    (rootfs / "usr/local/bin").mkdir(parents=True, exist_ok=True)
    _run("go", "build", "-o", rootfs / "usr/local/bin/fixtureapp", ".", cwd=src, env=env)
    # A jar with Maven metadata, as Maven's jar plugin writes it.
    jar_dir = rootfs / "opt/java"
    jar_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(jar_dir / "commons-text-1.10.0.jar", "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Title: Apache Commons Text\r\n"
                     "Implementation-Version: 1.10.0\r\n\r\n")
        jar.writestr("META-INF/maven/org.apache.commons/commons-text/pom.properties",
                     "#Created by Apache Maven 3.8.6\ngroupId=org.apache.commons\nartifactId=commons-text\n"
                     "version=1.10.0\n")
        jar.writestr("org/apache/commons/text/StringSubstitutor.class", b"\xca\xfe\xba\xbe")
    spec_dir = rootfs / "var/lib/gems/3.1.0/specifications"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "rack-2.2.8.gemspec").write_text(textwrap.dedent("""\
        # -*- encoding: utf-8 -*-
        # stub: rack 2.2.8 ruby lib

        Gem::Specification.new do |s|
          s.name = "rack".freeze
          s.version = "2.2.8"
          s.licenses = ["MIT".freeze]
          s.summary = "A modular Ruby webserver interface".freeze
        end
        """))


def _layer_more_ecosystems(work: Path, rootfs: Path) -> None:
    """Composer's installed.json, a .NET deps.json, a cargo-auditable binary and an rpm database."""
    vendor = rootfs / "srv/php/vendor/composer"
    vendor.mkdir(parents=True, exist_ok=True)
    (vendor / "installed.json").write_text(json.dumps({"packages": [
        {"name": "monolog/monolog", "version": "3.5.0", "version_normalized": "3.5.0.0", "type": "library",
         "license": ["MIT"], "require": {"php": ">=8.1", "psr/log": "^2.0 || ^3.0"}},
        {"name": "psr/log", "version": "3.0.0", "version_normalized": "3.0.0.0", "license": ["MIT"]},
    ], "dev": True, "dev-package-names": []}, indent=4))
    dotnet = rootfs / "srv/dotnet"
    dotnet.mkdir(parents=True, exist_ok=True)
    (dotnet / "WebApp.deps.json").write_text(json.dumps({
        "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0", "signature": ""},
        "targets": {".NETCoreApp,Version=v8.0": {
            "WebApp/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.3"}, "runtime": {"WebApp.dll": {}}},
            "Newtonsoft.Json/13.0.3": {"runtime": {"lib/net6.0/Newtonsoft.Json.dll": {
                "assemblyVersion": "13.0.0.0", "fileVersion": "13.0.3.27908"}}},
        }},
        "libraries": {
            "WebApp/1.0.0": {"type": "project", "serviceable": False, "sha512": ""},
            "Newtonsoft.Json/13.0.3": {"type": "package", "serviceable": True, "sha512": "sha512-(elided)",
                                       "path": "newtonsoft.json/13.0.3",
                                       "hashPath": "newtonsoft.json.13.0.3.nupkg.sha512"},
        },
    }, indent=2))
    # A Rust-style binary with the dependency list cargo-auditable embeds (zlib JSON in a .dep-v0 section).
    import zlib

    csrc = work / "audited.c"
    csrc.write_text("int main(void) { return 0; }\n")
    plain = work / "audited-plain"
    _run("gcc", "-O1", "-o", plain, csrc)
    audit = {"packages": [
        {"name": "audited-app", "version": "0.3.0", "source": "local", "dependencies": [1], "root": True},
        {"name": "serde", "version": "1.0.197", "source": "crates.io"},
    ]}
    payload = work / "dep-v0.bin"
    payload.write_bytes(zlib.compress(json.dumps(audit).encode()))
    _run("objcopy", "--add-section", f".dep-v0={payload}", plain, rootfs / "usr/local/bin/audited-app")
    # An rpm database written by rpm itself, for a package built with rpmbuild.
    spec = work / "stockade-rpm-fixture.spec"
    spec.write_text(textwrap.dedent("""\
        Name:           stockade-rpm-fixture
        Epoch:          2
        Version:        1.4.0
        Release:        3.el9
        Summary:        stockade test fixture
        License:        MIT AND Apache-2.0
        BuildArch:      noarch

        %description
        A fixture package for the image tests.

        %install
        mkdir -p %{buildroot}/usr/share/stockade-rpm-fixture
        echo fixture > %{buildroot}/usr/share/stockade-rpm-fixture/README

        %files
        /usr/share/stockade-rpm-fixture
        """))
    env = {**os.environ, "HOME": str(work), "LC_ALL": "C"}
    top = work / "rpmbuild"
    _run("rpmbuild", "-bb", "--quiet", "--define", f"_topdir {top}", "--define", "debug_package %{nil}",
         "--define", "__os_install_post %{nil}", "--define", "_build_id_links none", spec, env=env)
    rpms = sorted(top.glob("RPMS/*/*.rpm"))
    dbpath = rootfs / "var/lib/rpm"
    dbpath.mkdir(parents=True, exist_ok=True)
    _run("rpm", "--dbpath", dbpath, "--initdb", env=env)
    _run("rpm", "--dbpath", dbpath, "-i", "--justdb", "--nodeps", "--noscripts", "--nosignature", *rpms, env=env)


def _project_files(work: Path, rootfs: Path) -> None:
    """A project tree in /srv/project with lockfiles written by the tools themselves where they run offline."""
    project = rootfs / "srv/project"
    project.mkdir(parents=True, exist_ok=True)
    site = rootfs / "usr/local/lib/python3.11/dist-packages"
    frozen = _run("python3", "-m", "pip", "freeze", "--path", site)
    (project / "requirements.txt").write_text(frozen)
    shutil.copy(work / "gosrc" / "go.mod", project / "go.mod")
    (project / "pom.xml").write_text(textwrap.dedent("""\
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>dev.stockade</groupId>
          <artifactId>fixture</artifactId>
          <version>1.0.0</version>
          <properties>
            <text.version>1.10.0</text.version>
          </properties>
          <dependencies>
            <dependency>
              <groupId>org.apache.commons</groupId>
              <artifactId>commons-text</artifactId>
              <version>${text.version}</version>
            </dependency>
            <dependency>
              <groupId>junit</groupId>
              <artifactId>junit</artifactId>
              <version>4.13.2</version>
              <scope>test</scope>
            </dependency>
          </dependencies>
        </project>
        """))
    cargo = shutil.which("cargo")
    if cargo:  # a Cargo.lock written by cargo itself (path dependencies only: no network)
        crate = work / "crate"
        (crate / "src").mkdir(parents=True, exist_ok=True)
        (crate / "helper" / "src").mkdir(parents=True, exist_ok=True)
        (crate / "Cargo.toml").write_text('[package]\nname = "fixture-crate"\nversion = "0.2.0"\nedition = "2021"\n\n'
                                          '[dependencies]\nfixture-helper = { path = "helper" }\n')
        (crate / "src" / "main.rs").write_text("fn main() {}\n")
        (crate / "helper" / "Cargo.toml").write_text('[package]\nname = "fixture-helper"\nversion = "0.1.1"\n'
                                                     'edition = "2021"\n')
        (crate / "helper" / "src" / "lib.rs").write_text("")
        _run(cargo, "generate-lockfile", "--offline", cwd=crate)
        shutil.copy(crate / "Cargo.lock", project / "Cargo.lock")


def _layer_bulk(rootfs: Path, megabytes: int) -> None:
    """Realistic bulk: copies of this machine's shared libraries and docs, up to ``megabytes``."""
    target = rootfs / "opt/bulk"
    target.mkdir(parents=True, exist_ok=True)
    budget = megabytes * 1024 * 1024
    for source in ("/usr/lib/x86_64-linux-gnu", "/usr/share", "/usr/lib"):
        for dirpath, _dirs, files in os.walk(source):
            for name in files:
                path = os.path.join(dirpath, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                size = os.path.getsize(path)
                if size > 64 * 1024 * 1024:
                    continue
                dest = target / os.path.relpath(path, "/")
                if dest.exists():
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(path, dest)
                except OSError:
                    continue
                budget -= size
                if budget <= 0:
                    return


def build(cache_root: Path, *, bulk_mb: int = 0) -> BuiltImage:
    """Build (or reuse) the test image under ``cache_root``."""
    cache_root = cache_root.resolve()  # dpkg --root runs maintainer scripts by absolute path
    name = f"bookworm-v{BUILD_VERSION}" + (f"-bulk{bulk_mb}" if bulk_mb else "")
    root = cache_root / name
    layout, archive, bundle = root / "oci", root / "image.tar", root / "bundle"
    layers = 3 + (1 if bulk_mb else 0)
    built = BuiltImage(root, layout, archive, bundle / "rootfs", layers)
    if (root / "done").exists():
        return built
    if root.exists():
        shutil.rmtree(root)
    work = root / "work"
    work.mkdir(parents=True)
    base = cache_root / "debootstrap-bookworm"
    if not (base / ".done").exists():
        if base.exists():
            shutil.rmtree(base)
        _run("debootstrap", "--variant=minbase", "bookworm", base, MIRROR)
        (base / ".done").write_text("")
    _run("umoci", "init", "--layout", layout)
    _run("umoci", "new", "--image", f"{layout}:{TAG}")
    _run("umoci", "unpack", "--image", f"{layout}:{TAG}", bundle)
    _run("cp", "-a", f"{base}/.", bundle / "rootfs")
    (bundle / "rootfs" / ".done").unlink()
    _repack(layout, bundle, "debootstrap --variant=minbase bookworm")
    _layer_packages(work, bundle / "rootfs")
    _repack(layout, bundle, "dpkg -i stockade-fixture-*.deb python3-fixturelib.deb && dpkg --purge adduser")
    _layer_languages(work, bundle / "rootfs")
    _layer_more_ecosystems(work, bundle / "rootfs")
    _project_files(work, bundle / "rootfs")
    _repack(layout, bundle, "pip install six idna; npm install; go build; gems and jars")
    if bulk_mb:
        _layer_bulk(bundle / "rootfs", bulk_mb)
        _repack(layout, bundle, f"COPY bulk data ({bulk_mb} MB)")
    _run("umoci", "config", "--image", f"{layout}:{TAG}", "--no-history", "--config.user", "1000:1000",
         "--config.env", "PATH=/usr/local/bin:/usr/bin:/bin", "--config.exposedports", "8080/tcp",
         "--config.entrypoint", "/usr/local/bin/fixtureapp", "--architecture", "amd64", "--os", "linux")
    _run("skopeo", "copy", "--quiet", f"oci:{layout}:{TAG}", f"docker-archive:{archive}:stockade/test:{TAG}")
    shutil.rmtree(work)
    (root / "done").write_text("")
    return built


def dpkg_query(rootfs: Path) -> set[tuple[str, str, str, str, str]]:
    """(package, version, arch, source name, source version) of installed packages, as dpkg itself says."""
    import subprocess

    out = subprocess.run(
        ["dpkg-query", f"--admindir={rootfs}/var/lib/dpkg", "-W", "-f",
         "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n"],
        capture_output=True, text=True, check=True,
    ).stdout
    rows = set()
    for line in out.splitlines():
        status, *fields = line.split("\t")
        if status.startswith("ii"):
            rows.add(tuple(fields))
    return rows  # type: ignore[return-value]
