"""Secret findings for every target: files of a tree, image layers (deleted files too), the image config,
Dockerfiles and Kubernetes objects. The secret engine (``stockade.secrets``) finds; this module places.

Every value that reaches a finding is already redacted by the engine: a match never carries its secret.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from stockade.model import Diagnostic, Finding, FindingKind, LayerRef, Location, Resource

if TYPE_CHECKING:
    from stockade.model import Artifact, ImageConfig, Package
    from stockade.secrets import RuleSet, SecretMatch, SecretRule, SecretScanner
    from stockade.source.manifests import LoadLimits

SOURCE = "secret"
MAX_DECODED = 1024 * 1024  # bytes of one base64 value of a Secret's data that are decoded and scanned


def load_scanner(rule_files: Sequence[str] = ()) -> SecretScanner:
    """The built-in rules plus the user's rule files, compiled once (ConfigError for a broken user file)."""
    from stockade.secrets import SecretScanner, load_rules

    return SecretScanner(load_rules([Path(f) for f in rule_files]))


def finding(match: SecretMatch, *, path: str | None = None, object_path: str = "",
            layer: LayerRef | None = None, note: str = "") -> Finding:
    """The finding for one match, placed at ``path`` (default: the match's own) and ``object_path``."""
    location = Location(path if path is not None else match.path, match.line, match.column, object_path,
                        end_line=match.end_line, snippet=match.snippet)
    return _secret_finding(match.rule, location, match.redacted, note, layer)


def hit_finding(ruleset: RuleSet, hit: tuple[str, str, int, int, int, int, str, str], display: str,
                layer: LayerRef | None, note: str = "") -> Finding | None:
    """The finding for a secret the per-layer scan recorded (rule id, path, position, redacted, snippet)."""
    rule_id, _path, line, column, end_line, _end_column, redacted, snippet = hit
    try:
        rule = ruleset.get(rule_id)
    except KeyError:
        return None  # a rule that no longer exists (the layer cache is keyed by the rules, so: never)
    location = Location(display, line, column, end_line=end_line, snippet=snippet)
    return _secret_finding(rule, location, redacted, note, layer)


def _secret_finding(rule: SecretRule, location: Location, redacted: str, note: str,
                    layer: LayerRef | None) -> Finding:
    """Message ``ghp_***** (GitHub)``: what was found, redacted, and its family (the title says which kind)."""
    return Finding(
        kind=FindingKind.SECRET, rule_id=rule.id, title=rule.title, severity=rule.severity, location=location,
        message=f"{redacted} ({rule.category})" + (f" {note}" if note else ""), remediation=rule.remediation,
        references=(rule.source,) if rule.source else (), layer=layer,
    )


MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def tree_findings(scanner: SecretScanner, root: str, display: Callable[[str], str],
                  jobs: int = 0) -> tuple[list[Finding], list[Diagnostic]]:
    """Secrets in every regular file under ``root`` (symlinks never followed). Kubernetes Secret manifests
    among them are also read as objects: their base64 values are judged by what they decode to."""
    findings: list[Finding] = []
    diagnostics: list[Diagnostic] = []
    manifests: list[str] = []
    for scanned in scanner.scan_tree(Path(root), jobs=jobs):
        shown = display(scanned.path)
        findings.extend(finding(m, path=shown) for m in scanned.matches)
        diagnostics.extend(replace(d, location=replace(d.location, path=shown)) for d in scanned.diagnostics)
        if scanned.skipped is None and scanned.path.endswith(MANIFEST_SUFFIXES):
            manifests.append(scanned.path)
    decoded = manifest_secret_findings(scanner, [(os.path.join(root, rel), display(rel)) for rel in manifests])
    return [*drop_encoded_duplicates(findings, decoded), *decoded], diagnostics


def manifest_secret_findings(scanner: SecretScanner, files: Iterable[tuple[str, str]],
                             limits: LoadLimits | None = None) -> list[Finding]:
    """Decoded-data findings of the Kubernetes Secrets in these (file on disk, path shown) pairs. Only files
    that name a Secret are parsed; a file that does not parse is the config scan's business, not this one's."""
    from stockade.source.manifests import LoadLimits, LoadResult, Unit, load_unit

    limits = limits or LoadLimits()
    out: list[Finding] = []
    for full, shown in files:
        try:
            with open(full, "rb") as handle:
                head = handle.read(limits.max_file_size + 1)
        except OSError:
            continue
        if b"Secret" not in head or b"kind" not in head or len(head) > limits.max_file_size:
            continue
        loaded = LoadResult()
        load_unit(Unit(full), limits, loaded)
        out.extend(replace(f, location=replace(f.location, path=shown))
                   for f in kubernetes_secret_findings(scanner, loaded.resources))
    return out


def image_config_findings(scanner: SecretScanner, config: ImageConfig,
                          where: str) -> tuple[list[Finding], dict[str, str]]:
    """Secrets in the image config: ENV values, labels, entrypoint/cmd and each history ``created_by``
    command (where the values of ``RUN``/``ARG`` stay readable). Also returns, for every config text that
    holds a secret, the same text with the secret redacted, so the report can show the config safely."""
    items: list[tuple[str, str, str]] = []  # (object path, prefix for the rules' context, text)
    items.extend((f"config.Env[{i}]", "ENV ", e) for i, e in enumerate(config.env))
    items.extend((f'config.Labels["{k}"]', f"LABEL {k}=", v) for k, v in config.labels)
    items.extend((f"config.Entrypoint[{i}]", "", a) for i, a in enumerate(config.entrypoint))
    items.extend((f"config.Cmd[{i}]", "", a) for i, a in enumerate(config.cmd))
    items.extend((f"history[{i}].created_by", "", h.created_by) for i, h in enumerate(config.history) if h.created_by)
    out: list[Finding] = []
    redacted: dict[str, str] = {}
    for object_path, prefix, text in items:
        raw = (prefix + text).encode("utf-8", "surrogateescape")
        matches = scanner.scan_bytes(raw, "image-config")
        if not matches:
            continue
        for m in matches:
            out.append(replace(finding(m, path=where, object_path=object_path), location=Location(
                where, object_path=object_path, snippet=m.snippet)))
        cut = raw
        for m in sorted(matches, key=lambda m: m.offset, reverse=True):
            cut = cut[:m.offset] + m.redacted.encode() + cut[m.end_offset:]
        redacted[text] = cut.decode("utf-8", "replace")[len(prefix):]
    return out, redacted


def redact_image(artifact: Artifact, packages: Sequence[Package], findings: Sequence[Finding],
                 redacted: dict[str, str]) -> tuple[Artifact, list[Package], list[Finding]]:
    """The artifact, packages and findings with every config text that holds a secret replaced by its
    redacted form: the config, each layer's history command, and the layer every package and finding names."""
    if not redacted or artifact.config is None:
        return artifact, list(packages), list(findings)

    def fix(text: str) -> str:
        return redacted.get(text, text)

    def fix_ref(ref: LayerRef | None) -> LayerRef | None:
        return replace(ref, created_by=fix(ref.created_by)) if ref is not None and ref.created_by in redacted \
            else ref

    cfg = artifact.config
    config = replace(
        cfg, env=tuple(map(fix, cfg.env)), labels=tuple((k, fix(v)) for k, v in cfg.labels),
        entrypoint=tuple(map(fix, cfg.entrypoint)), cmd=tuple(map(fix, cfg.cmd)),
        history=tuple(replace(h, created_by=fix(h.created_by)) for h in cfg.history),
    )
    layers = tuple(r for r in (fix_ref(ref) for ref in artifact.layers) if r is not None)
    fixed_artifact = replace(artifact, config=config, layers=layers)
    fixed_packages = [replace(p, layer=fix_ref(p.layer)) if p.layer is not None else p for p in packages]
    fixed_findings = [replace(f, layer=fix_ref(f.layer)) if f.layer is not None else f for f in findings]
    return fixed_artifact, fixed_packages, fixed_findings


def file_findings(scanner: SecretScanner, paths: Iterable[str]) -> tuple[list[Finding], list[Diagnostic]]:
    """Secrets in these files as they are on disk (Dockerfiles and manifests of a config scan)."""
    findings: list[Finding] = []
    diagnostics: list[Diagnostic] = []
    for path in paths:
        scanned = scanner.scan_file(Path(path), path)
        findings.extend(finding(m, path=path) for m in scanned.matches)
        diagnostics.extend(scanned.diagnostics)
    return findings, diagnostics


def kubernetes_secret_findings(scanner: SecretScanner, resources: Iterable[Resource]) -> list[Finding]:
    """Secrets inside the base64 ``data`` (and ``binaryData``) values of Kubernetes Secret objects, which a
    scan of the file's text cannot see. Each finding points at the line of the key."""
    from stockade.model import ObjectPath

    out: list[Finding] = []
    for res in resources:
        if res.kind != "Secret":
            continue
        for field in ("data", "binaryData"):
            data = res.data.get(field)
            if not isinstance(data, dict):
                continue
            for key, value in data.items():
                if not isinstance(key, str) or not isinstance(value, str) or not value.strip():
                    continue
                try:
                    decoded = base64.b64decode("".join(value.split())[: MAX_DECODED * 4 // 3 + 4])
                except (binascii.Error, ValueError):
                    continue  # not base64: a misconfiguration check reports that
                if b"\x00" in decoded[:8192]:
                    continue  # binary content (a keystore, an image): not text to scan
                location = res.locate(ObjectPath((field, key)))
                for m in scanner.scan_bytes(decoded, f"{res.path}#{field}/{key}"):
                    found = finding(m, note="in the base64-decoded value")
                    out.append(replace(found, location=replace(location, snippet=m.snippet), resource=res.ref()))
    return out


def place_layer_secrets(ruleset: RuleSet, secrets: Iterable[tuple[int, tuple[str, str, int, int, int, int, str, str],
                                                                    int | None]],
                        refs: Sequence[LayerRef]) -> list[Finding]:
    """Findings for the secrets the image's layers hold, each with its layer; a file a later layer deletes is
    said to be deleted (its bytes are still in the image, in the lower layer)."""
    out: list[Finding] = []
    for index, hit, removed in secrets:
        ref = refs[index] if index < len(refs) else None
        note = f"in a file layer {removed} deletes: the bytes stay in layer {index}" if removed is not None else ""
        made = hit_finding(ruleset, hit, "/" + hit[1].lstrip("/"), ref, note)
        if made is not None:
            out.append(made)
    return out


def display_for(root: str, rootfs: bool) -> Callable[[str], str]:
    """How tree paths are shown: ``/etc/app.conf`` in a root filesystem, ``ROOT/app.conf`` in a project."""
    if rootfs:
        return lambda p: p if p.startswith("/") else "/" + p
    base = root.rstrip("/") or "/"
    return lambda p: p if base == "." else os.path.join(base, p)


def drop_encoded_duplicates(text_findings: Sequence[Finding], decoded: Sequence[Finding]) -> list[Finding]:
    """Text matches on a Secret's data line where the decoded value gave a finding: the base64 blob is the
    same secret, reported once (by what it decodes to)."""
    lines = {(f.location.path, f.location.line) for f in decoded}
    return [f for f in text_findings if (f.location.path, f.location.line) not in lines]
