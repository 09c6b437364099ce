"""ScanOptions: everything the library needs to know about a scan, built by the CLI (or by a caller)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from stockade.model import Severity

PSS_LEVELS = ("privileged", "baseline", "restricted")


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Library input. Defaults match the CLI's defaults."""

    pss_level: str = "restricted"
    pss_version: str = "latest"
    rules: tuple[str, ...] = ()  # id globs to run (all when empty)
    skip_rules: tuple[str, ...] = ()  # id globs not to run
    severities: frozenset[Severity] = frozenset(Severity)  # findings of other severities are dropped
    ignorefile: str | None = None  # path of an ignore file; a missing file is an error
    max_file_size: int = 10 * 1024 * 1024
    plugins: bool = True  # load third-party checks from entry points
    jobs: int = 0  # worker processes for large scans; 0 means one per CPU, 1 means no workers
    today: dt.date | None = None  # for ignore-entry expiry; None means the current date
    settings: dict[str, object] = field(default_factory=dict)  # per-check settings
    scanners: tuple[str, ...] = ("misconfig",)  # misconfig, secret
    secret_config: tuple[str, ...] = ()  # user secret rule files


CONFIG_FILE = "stockade.yaml"
_CONFIG_KEYS: dict[str, dict[str, type]] = {
    "pss": {"level": str, "version": str},
    "dockerfile": {"allowed_registries": list},
}


def load_config(path: str, text: str) -> dict[str, dict[str, object]]:
    """Validate a ``stockade.yaml`` configuration file; raises ConfigError naming file and line.

    Known sections::

        pss:
          level: baseline          # default --pss-level
          version: v1.30           # default --pss-version
        dockerfile:
          allowed_registries:      # registries FROM may pull from (hosts or globs); unset: any
            - docker.io
            - "*.example.com"
    """
    from stockade.errors import ConfigError
    from stockade.model import YList, YMap
    from stockade.source.yamldoc import YamlProblem, load_documents

    docs = list(load_documents(text, max_depth=50, max_nodes=100_000))
    problems = [d for d in docs if isinstance(d, YamlProblem) and not d.warning]
    if problems:
        raise ConfigError(f"{path}:{problems[0].line}: {problems[0].message}")
    roots = [d.root for d in docs if not isinstance(d, YamlProblem)]
    if not roots or roots[0] is None:
        return {}
    root = roots[0]
    if len(roots) > 1 or not isinstance(root, YMap):
        raise ConfigError(f"{path}: expected one YAML mapping of sections ({', '.join(_CONFIG_KEYS)})")
    config: dict[str, dict[str, object]] = {}
    for section, body in root.items():
        line = root.key_pos.get(section, (0, 0))[0]
        allowed = _CONFIG_KEYS.get(section)
        if allowed is None:
            raise ConfigError(f"{path}:{line}: unknown section {section!r} (known: {', '.join(_CONFIG_KEYS)})")
        if not isinstance(body, YMap):
            raise ConfigError(f"{path}:{line}: section {section!r} must be a mapping")
        for key, value in body.items():
            key_line = body.key_pos.get(key, (line, 0))[0]
            wanted = allowed.get(key)
            if wanted is None:
                raise ConfigError(f"{path}:{key_line}: unknown setting {section}.{key}")
            if not isinstance(value, wanted) or (
                isinstance(value, YList) and not all(isinstance(v, str) and v for v in value)
            ):
                kind = "a list of strings" if wanted is list else "a string"
                raise ConfigError(f"{path}:{key_line}: {section}.{key} must be {kind}")
        config[section] = dict(body)
    return config
