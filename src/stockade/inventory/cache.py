"""The per-layer cache: a layer's analysis, keyed by its digests and the analyzers that produced it.

One SQLite file (``layers.sqlite`` in the cache directory). Values are zlib-compressed JSON — never
pickle, so a tampered cache file can at worst produce a wrong inventory, not run code; anything that does
not decode is treated as a miss. A second scan of an image whose layers are cached reads no layer at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from stockade.analyzers import AnalysisResult, Analyzer
from stockade.inventory.layer import LayerScan
from stockade.model import Diagnostic, DiagnosticLevel, Location, OSInfo, Package

FORMAT = 4  # bump when the stored shape changes, or analyzers' output changes all at once


def cache_key(digest: str, diff_id: str, analyzers: Iterable[Analyzer], target: str, extra: str = "") -> str:
    """``extra``: anything else the scan's result depends on (the secret rules' fingerprint)."""
    signature = ",".join(sorted(f"{a.id}:{a.version}" for a in analyzers))
    text = f"{FORMAT}|{target}|{digest}|{diff_id}|{signature}|{extra}"
    return hashlib.sha256(text.encode()).hexdigest()


class LayerCache:
    """get/put of LayerScan by key. Failures to open or write the cache are never fatal: it is a cache."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._db: sqlite3.Connection | None = None
        self.problem = ""
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            db = sqlite3.connect(os.path.join(directory, "layers.sqlite"), timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS layer (key TEXT PRIMARY KEY, stored REAL, data BLOB)")
            self._db = db
        except (OSError, sqlite3.Error) as exc:
            self.problem = f"layer cache disabled: cannot open {directory}: {exc}"

    def get(self, key: str) -> LayerScan | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT data FROM layer WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        try:
            return decode(orjson.loads(zlib.decompress(row[0])))
        except (zlib.error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, scan: LayerScan) -> None:
        if self._db is None or not scan.complete:
            return
        data = zlib.compress(orjson.dumps(encode(scan)), 6)
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("INSERT OR REPLACE INTO layer VALUES (?, ?, ?)", (key, time.time(), data))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# --- JSON shape --------------------------------------------------------------------------------------


def _enc_diag(d: Diagnostic) -> list[Any]:
    return [d.location.path, d.location.line, d.source, d.level.value, d.message]


def _dec_diag(v: Sequence[Any]) -> Diagnostic:
    return Diagnostic(Location(str(v[0]), line=v[1]), str(v[2]), DiagnosticLevel(v[3]), str(v[4]))


def _enc_pkg(p: Package) -> dict[str, Any]:
    return {
        "n": p.name, "v": p.version, "e": p.ecosystem, "u": p.purl,
        "l": [[loc.path, loc.line] for loc in p.locations], "f": p.found_by, "m": dict(p.metadata),
        "sn": p.source_name, "sv": p.source_version, "li": list(p.licenses), "a": p.arch, "i": p.id,
        "d": list(p.depends_on), "dev": p.dev,
    }


def _dec_pkg(v: Mapping[str, Any]) -> Package:
    return Package(
        name=str(v["n"]), version=str(v["v"]), ecosystem=str(v["e"]), purl=str(v["u"]),
        locations=tuple(Location(str(path), line=line) for path, line in v["l"]), found_by=str(v["f"]),
        metadata={str(k): str(x) for k, x in v["m"].items()}, source_name=str(v["sn"]),
        source_version=str(v["sv"]), licenses=tuple(map(str, v["li"])), arch=str(v["a"]), id=str(v["i"]),
        depends_on=tuple(map(str, v["d"])), dev=bool(v["dev"]),
    )


def _enc_os(o: OSInfo | None) -> list[Any] | None:
    return None if o is None else [o.family, o.version, o.codename, o.name, o.distroless, o.eosl]


def _dec_os(v: Sequence[Any] | None) -> OSInfo | None:
    return None if v is None else OSInfo(str(v[0]), str(v[1]), str(v[2]), str(v[3]), bool(v[4]), bool(v[5]))


def encode(scan: LayerScan) -> dict[str, Any]:
    return {
        "files": {
            path: [
                [aid, [_enc_pkg(p) for p in r.packages], [_enc_diag(d) for d in r.diagnostics], _enc_os(r.os),
                 list(r.owned_files)]
                for aid, r in results
            ]
            for path, results in scan.files.items()
        },
        "whiteouts": scan.whiteouts,
        "opaque": scan.opaque,
        "symlinks": scan.symlinks,
        "diagnostics": [_enc_diag(d) for d in scan.diagnostics],
        "secrets": [list(hit) for hit in scan.secrets],
    }


def decode(v: Mapping[str, Any]) -> LayerScan:
    files = {
        str(path): [
            (str(aid), AnalysisResult(tuple(_dec_pkg(p) for p in pkgs), tuple(_dec_diag(d) for d in diags),
                                      _dec_os(os_info), tuple(map(str, owned))))
            for aid, pkgs, diags, os_info, owned in results
        ]
        for path, results in v["files"].items()
    }
    return LayerScan(
        files=files,
        whiteouts=[str(w) for w in v["whiteouts"]],
        opaque=[str(o) for o in v["opaque"]],
        symlinks={str(k): str(t) for k, t in v["symlinks"].items()},
        diagnostics=[_dec_diag(d) for d in v["diagnostics"]],
        secrets=[(str(r), str(p), int(ln), int(c), int(el), int(ec), str(red), str(snip))
                 for r, p, ln, c, el, ec, red, snip in v.get("secrets", ())],
    )
