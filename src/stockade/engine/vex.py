"""VEX: statements that a vulnerability does not affect a product, read from OpenVEX and CycloneDX documents.

A finding is suppressed when a statement names its vulnerability (the finding's id or any alias) with
status ``not_affected`` or ``fixed`` (OpenVEX), or analysis state ``not_affected``, ``false_positive`` or
``resolved`` (CycloneDX), for a product that is the finding's package: the same purl, compared without
qualifiers and subpath unless the statement's purl has them, or a CycloneDX ``bom-ref`` equal to the
package id. A statement without products applies to every package (OpenVEX allows that). Statements with
``affected`` / ``under_investigation`` / ``exploitable`` / ``in_triage`` keep the finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from stockade.errors import ConfigError
from stockade.model import Finding
from stockade.model import purl as purls

MAX_VEX_SIZE = 64 * 1024 * 1024
_OPENVEX_SUPPRESS = {"not_affected", "fixed"}
_CDX_SUPPRESS = {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}


@dataclass(frozen=True, slots=True)
class Statement:
    vulnerability: str  # an id (CVE-..., GHSA-...)
    products: tuple[str, ...]  # purls or bom-refs; empty = every product
    status: str
    justification: str
    source: str  # the VEX file


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _openvex(doc: dict[str, Any], path: str) -> list[Statement]:
    out = []
    for i, st in enumerate(doc.get("statements") or []):
        if not isinstance(st, dict):
            raise ConfigError(f"{path}: statements[{i}] is not an object")
        vuln = st.get("vulnerability")
        names: list[str] = []
        if isinstance(vuln, dict):
            names = [n for n in (_text(vuln.get("name")), _text(vuln.get("@id"))) if n]
            names += [a for a in vuln.get("aliases") or [] if isinstance(a, str)]
        elif isinstance(vuln, str):
            names = [vuln]
        products: list[str] = []
        for prod in st.get("products") or []:
            if isinstance(prod, str):
                products.append(prod)
            elif isinstance(prod, dict):
                products += [p for p in (_text(prod.get("@id")),) if p]
                ids = prod.get("identifiers")
                if isinstance(ids, dict) and isinstance(ids.get("purl"), str):
                    products.append(ids["purl"])
                for sub in prod.get("subcomponents") or []:
                    if isinstance(sub, dict):
                        products += [p for p in (_text(sub.get("@id")),) if p]
                        sub_ids = sub.get("identifiers")
                        if isinstance(sub_ids, dict) and isinstance(sub_ids.get("purl"), str):
                            products.append(sub_ids["purl"])
        status = _text(st.get("status"))
        for name in names:
            out.append(Statement(name, tuple(products), status, _text(st.get("justification")), path))
    return out


def _cyclonedx(doc: dict[str, Any], path: str) -> list[Statement]:
    out = []
    for i, vuln in enumerate(doc.get("vulnerabilities") or []):
        if not isinstance(vuln, dict):
            raise ConfigError(f"{path}: vulnerabilities[{i}] is not an object")
        analysis = vuln.get("analysis") if isinstance(vuln.get("analysis"), dict) else {}
        assert isinstance(analysis, dict)
        status = _text(analysis.get("state"))
        names = [n for n in (_text(vuln.get("id")),) if n]
        names += [_text(ref.get("id")) for ref in vuln.get("references") or [] if isinstance(ref, dict)
                  and _text(ref.get("id"))]
        products = [_text(a.get("ref")) for a in vuln.get("affects") or []
                    if isinstance(a, dict) and _text(a.get("ref"))]
        for name in names:
            out.append(Statement(name, tuple(products), status, _text(analysis.get("justification")), path))
    return out


def load_vex(path: str, data: bytes) -> list[Statement]:
    """The statements of an OpenVEX or CycloneDX VEX JSON document; ConfigError naming the file otherwise."""
    if len(data) > MAX_VEX_SIZE:
        raise ConfigError(f"{path}: over the {MAX_VEX_SIZE} byte limit for VEX documents")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: a VEX document is a JSON object")
    context = _text(doc.get("@context"))
    if "openvex" in context or isinstance(doc.get("statements"), list):
        return _openvex(doc, path)
    if doc.get("bomFormat") == "CycloneDX" or isinstance(doc.get("vulnerabilities"), list):
        return _cyclonedx(doc, path)
    raise ConfigError(f"{path}: neither an OpenVEX nor a CycloneDX VEX document")


def _applies(statement: Statement, finding: Finding) -> bool:
    if not statement.products:
        return True
    pkg = finding.package
    if pkg is None:
        return False
    for product in statement.products:
        if product in (pkg.id, pkg.purl):
            return True
        # A purl without qualifiers names the package whatever its qualifiers (arch, distro ...).
        if (product.startswith("pkg:") and pkg.purl and "?" not in product and "#" not in product
                and purls.base(product) == purls.base(pkg.purl)):
            return True
    return False


def apply_vex(findings: Sequence[Finding], statements: Iterable[Statement]) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed); suppressed findings say which VEX statement removed them."""
    index: dict[str, list[Statement]] = {}
    for st in statements:
        index.setdefault(st.vulnerability, []).append(st)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        ids = (finding.rule_id, *finding.aliases)
        hit = next((st for i in ids for st in index.get(i, ()) if _applies(st, finding)), None)
        if hit is not None and (hit.status in _OPENVEX_SUPPRESS or hit.status in _CDX_SUPPRESS):
            reason = f"VEX {hit.source}: {hit.status}" + (f" ({hit.justification})" if hit.justification else "")
            suppressed.append(replace(finding, suppressed_by=reason))
        else:
            kept.append(finding)
    return kept, suppressed
