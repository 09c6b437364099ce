"""Configuration inputs from files, directories, stdin and kustomizations.

Kubernetes manifests become located Resources; Dockerfiles (``Dockerfile``, ``*.Dockerfile``,
``Dockerfile.*``, ``Containerfile``) become parsed Dockerfiles. Every input problem becomes a Diagnostic
naming file and line; the other inputs are still read.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from stockade.model import Diagnostic, DiagnosticLevel, Dockerfile, Location, ObjectPath, Resource, YList, YMap
from stockade.source.dockerfile import is_dockerfile_name
from stockade.source.yamldoc import YamlDocument, YamlProblem, load_documents

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".terraform", "__pycache__", ".venv"})
SOURCE = "manifests"


@dataclass(frozen=True, slots=True)
class LoadLimits:
    max_file_size: int = 10 * 1024 * 1024
    max_depth: int = 1000
    max_nodes: int = 2_000_000
    kustomize_timeout: float = 60.0


@dataclass(slots=True)
class LoadResult:
    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dockerfiles: list[Dockerfile] = field(default_factory=list)
    files_read: int = 0


def _diag(path: str, message: str, line: int | None = None, column: int | None = None,
          level: DiagnosticLevel = DiagnosticLevel.ERROR, source: str = SOURCE) -> Diagnostic:
    return Diagnostic(Location(path, line or None, column or None), source, level, message)


@dataclass(frozen=True, slots=True)
class Unit:
    """One thing to read: a manifest file, a kustomization directory, or standard input."""

    path: str  # the file (for a kustomization, its kustomization.yaml); "-" for stdin
    kustomize_dir: str | None = None
    dockerfile: bool = False


def discover(paths: Iterable[str], result: LoadResult) -> list[Unit]:
    """The units to read under ``paths``, in a stable order; missing paths become diagnostics."""
    units: list[Unit] = []
    for path in paths:
        if path == "-":
            units.append(Unit("-"))
        elif os.path.isdir(path):
            units.extend(_walk(path, result))
        elif os.path.lexists(path):
            units.append(Unit(path, dockerfile=is_dockerfile_name(os.path.basename(path))))
        else:
            result.diagnostics.append(_diag(path, "no such file or directory"))
    return units


def load_unit(unit: Unit, limits: LoadLimits, result: LoadResult, stdin: BinaryIO | None = None) -> None:
    """Read one unit into ``result`` (resources and diagnostics)."""
    if unit.path == "-" and unit.kustomize_dir is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        _load_bytes("-", stream.read(limits.max_file_size + 1), limits, result)
    elif unit.kustomize_dir is not None:
        _load_kustomization(unit.kustomize_dir, unit.path, limits, result)
    else:
        data = _read_file(unit.path, limits, result)
        if data is None:
            return
        if unit.dockerfile:
            _load_dockerfile(unit.path, data, limits, result)
        else:
            _load_bytes(unit.path, data, limits, result)


def load_manifests(
    paths: Iterable[str],
    limits: LoadLimits = LoadLimits(),
    stdin: BinaryIO | None = None,
    on_file: Callable[[str], None] | None = None,
) -> LoadResult:
    """Read every manifest under ``paths`` (files, directories, ``-`` for ``stdin``)."""
    result = LoadResult()
    for unit in discover(paths, result):
        if on_file:
            on_file(unit.path)
        load_unit(unit, limits, result, stdin)
    return result


def _walk(top: str, result: LoadResult) -> Iterator[Unit]:
    """Inputs below ``top`` in a stable order; a kustomization directory is one unit.

    Symbolic links are not followed (a link may point anywhere, including back up the tree). Below a
    rendered kustomization only Dockerfiles are read one by one (its YAML is in the rendered output).
    """
    kubectl = shutil.which("kubectl")
    rendered: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top, onerror=lambda e: result.diagnostics.append(
            _diag(str(e.filename or top), f"cannot read directory: {e.strerror}"))):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        inside_rendered = any(dirpath == r or dirpath.startswith(r + os.sep) for r in rendered)
        kustomization = next((f for f in KUSTOMIZATION_FILES if f in filenames), None)
        if kustomization is not None and not inside_rendered:
            kfile = os.path.join(dirpath, kustomization)
            if kubectl:
                rendered.append(dirpath)
                inside_rendered = True
                yield Unit(kfile, dirpath)
            else:
                result.diagnostics.append(_diag(
                    kfile,
                    "kustomization not rendered: kubectl is not on PATH (install kubectl to render it); "
                    "scanning the files in this directory one by one",
                    level=DiagnosticLevel.WARNING,
                ))
        for name in sorted(filenames):
            dockerfile = is_dockerfile_name(name)
            manifest = name.lower().endswith(MANIFEST_SUFFIXES) and name not in KUSTOMIZATION_FILES
            if dockerfile or (manifest and not inside_rendered):
                full = os.path.join(dirpath, name)
                if not os.path.islink(full):
                    yield Unit(full, dockerfile=dockerfile)


def _read_file(path: str, limits: LoadLimits, result: LoadResult) -> bytes | None:
    """The file's bytes (at most the size limit plus one), or None after a diagnostic."""
    try:
        # O_NONBLOCK: opening a FIFO must not hang the scan; it is then refused as not a regular file.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                result.diagnostics.append(_diag(path, "not a regular file; skipped"))
                return None
            data: bytes = handle.read(limits.max_file_size + 1)
            return data
    except OSError as exc:
        result.diagnostics.append(_diag(path, f"cannot read file: {exc.strerror or exc}"))
        return None


def _load_dockerfile(path: str, data: bytes, limits: LoadLimits, result: LoadResult) -> None:
    from dataclasses import replace

    from stockade.source.dockerfile import parse_dockerfile

    result.files_read += 1
    if len(data) > limits.max_file_size:
        result.diagnostics.append(_diag(
            path, f"Dockerfile is larger than the {limits.max_file_size:,}-byte limit; skipped "
            "(raise it with --max-file-size)", source="dockerfile"))
        return
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.diagnostics.append(_diag(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); skipped", line, source="dockerfile"))
        return
    except ValueError as exc:
        result.diagnostics.append(_diag(path, f"{exc}; skipped", source="dockerfile"))
        return
    dockerfile, diagnostics = parse_dockerfile(path, text)
    directory, name = os.path.split(path)
    ignore = os.path.isfile(os.path.join(directory, ".dockerignore")) or os.path.isfile(
        os.path.join(directory, f"{name}.dockerignore"))
    result.dockerfiles.append(replace(dockerfile, has_dockerignore=ignore))
    result.diagnostics.extend(diagnostics)


ORIGIN_ANNOTATION = "config.kubernetes.io/origin"


def _load_kustomization(directory: str, kfile: str, limits: LoadLimits, result: LoadResult) -> None:
    """Render with ``kubectl kustomize`` through a wrapper kustomization that asks for origin annotations,
    so each rendered object can point back at the file and lines it came from."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="stockade-kustomize-") as wrapper:
        target = os.path.relpath(os.path.abspath(directory), wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n  - {json.dumps(target)}\nbuildMetadata: [originAnnotations]\n")
        try:
            proc = subprocess.run(
                ["kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone", wrapper],
                capture_output=True,
                timeout=limits.kustomize_timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            result.diagnostics.append(_diag(kfile, f"kubectl kustomize failed: {exc}"))
            return
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = err[-1] if err else proc.returncode
            result.diagnostics.append(_diag(kfile, f"kubectl kustomize failed: {reason}"))
            return
        rendered = LoadResult()
        _load_bytes(kfile, proc.stdout, limits, rendered, rendered=True)
        result.files_read += rendered.files_read
        result.diagnostics.extend(rendered.diagnostics)
        sources: dict[str, list[YMap]] = {}
        for resource in rendered.resources:
            result.resources.append(_with_origin(resource, wrapper, directory, limits, sources))


def _with_origin(
    resource: Resource, wrapper: str, directory: str, limits: LoadLimits, sources: dict[str, list[YMap]]
) -> Resource:
    """The rendered object, located in the file it came from (positions grafted from the source object)."""
    annotations = resource.data.get("metadata", {}).get("annotations")
    origin = annotations.pop(ORIGIN_ANNOTATION, None) if isinstance(annotations, YMap) else None
    if isinstance(annotations, YMap) and not annotations:
        del resource.data["metadata"]["annotations"]
    if not isinstance(origin, str) or not origin.startswith("path:"):
        return resource
    source_abs = os.path.normpath(os.path.join(wrapper, origin.split("\n", 1)[0][5:].strip()))
    base = os.path.abspath(directory)
    # Shown the way the user named the directory: below it, joined to it; elsewhere (an overlay's base),
    # absolute for an absolute directory, else relative to the working directory.
    if source_abs.startswith(base + os.sep):
        shown = os.path.join(directory, os.path.relpath(source_abs, base))
    else:
        shown = source_abs if os.path.isabs(directory) else os.path.relpath(source_abs)
    if shown not in sources:
        loaded = LoadResult()
        data = _read_file(source_abs, limits, loaded)
        if data is not None:
            _load_bytes(shown, data, limits, loaded)
        sources[shown] = [r.data for r in loaded.resources]
    kind, name = resource.kind, resource.name
    match = next((d for d in sources[shown] if d.get("kind") == kind and _name(d) == name), None)
    match = match or next((d for d in sources[shown] if d.get("kind") == kind), None)
    if match is not None:
        _graft_positions(resource.data, match)
    return Resource(shown, resource.doc_index, resource.data)


def _name(data: YMap) -> object:
    meta = data.get("metadata")
    return meta.get("name") if isinstance(meta, dict) else None


def _graft_positions(rendered: YMap, source: YMap) -> None:
    """Copy line/column of every node the source object also has; nodes added by the kustomization keep
    none, so their findings point at the nearest parent that came from the source."""
    stack: list[tuple[YMap | YList, YMap | YList]] = [(rendered, source)]
    while stack:
        r, s = stack.pop()
        r.line, r.column = s.line, s.column
        if isinstance(r, YMap) and isinstance(s, YMap):
            for key, value in r.items():
                if key in s:
                    r.key_pos[key] = s.key_pos.get(key, (s.line, s.column))
                    other = s[key]
                    if isinstance(value, YMap | YList) and type(other) is type(value):
                        stack.append((value, other))
        elif isinstance(r, YList) and isinstance(s, YList):
            r.item_pos = list(s.item_pos[: len(r)]) + [(s.line, s.column)] * max(0, len(r) - len(s.item_pos))
            for value, other in zip(r, s, strict=False):
                if isinstance(value, YMap | YList) and type(other) is type(value):
                    stack.append((value, other))


def decode_text(data: bytes) -> str:
    """Decode manifest bytes: UTF-8 (with or without BOM) or UTF-16/32 with a BOM. Raises ValueError."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (NUL bytes), not a manifest")
    return data.decode("utf-8")


def _load_bytes(path: str, data: bytes, limits: LoadLimits, result: LoadResult, rendered: bool = False) -> None:
    result.files_read += 1
    if len(data) > limits.max_file_size:
        result.diagnostics.append(_diag(
            path,
            f"file is larger than the {limits.max_file_size:,}-byte limit for manifests; skipped "
            "(raise it with --max-file-size)",
        ))
        return
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.diagnostics.append(_diag(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); skipped", line))
        return
    except ValueError as exc:
        result.diagnostics.append(_diag(path, f"{exc}; skipped"))
        return
    for item in load_documents(text, max_depth=limits.max_depth, max_nodes=limits.max_nodes):
        if isinstance(item, YamlProblem):
            level = DiagnosticLevel.WARNING if item.warning else DiagnosticLevel.ERROR
            message = item.message
            if item.fatal:
                message += "; the rest of the file was not read"
            elif not item.warning:
                message += f"; document {item.index + 1} skipped"
            result.diagnostics.append(
                _diag(path, message, None if rendered else item.line, None if rendered else item.column, level)
            )
            continue
        _collect(path, item, result, rendered)


def _collect(path: str, doc: YamlDocument, result: LoadResult, rendered: bool) -> None:
    root = doc.root
    if not isinstance(root, YMap):
        return  # empty document, or not an object: not Kubernetes YAML
    if rendered:
        _strip_positions(root)
    kind = root.get("kind")
    if not isinstance(kind, str) or not isinstance(root.get("apiVersion"), str):
        return  # not a Kubernetes object (values file, CI config ...): skipped
    items = root.get("items")
    if kind.endswith("List") and isinstance(items, YList):
        for i, item in enumerate(items):
            if isinstance(item, YMap) and isinstance(item.get("kind"), str):
                result.resources.append(Resource(path, doc.index, item, ObjectPath(("items", i))))
            else:
                line = items.item_pos[i][0] if i < len(items.item_pos) and not rendered else None
                result.diagnostics.append(_diag(
                    path, f"{kind} item {i} is not a Kubernetes object (no kind); skipped", line,
                    level=DiagnosticLevel.WARNING))
        return
    result.resources.append(Resource(path, doc.index, root))


def _strip_positions(root: YMap) -> None:
    """Rendered output has no lines in the user's files: drop them rather than mislead (the positions of
    the source objects are grafted back where the origin of an object is known)."""
    stack: list[YMap | YList] = [root]
    while stack:
        node = stack.pop()
        node.line = node.column = 0
        if isinstance(node, YMap):
            node.key_pos = {}
            stack.extend(v for v in node.values() if isinstance(v, YMap | YList))
        else:
            node.item_pos = []
            stack.extend(v for v in node if isinstance(v, YMap | YList))
