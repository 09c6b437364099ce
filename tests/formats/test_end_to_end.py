"""Real scans of the example app, rendered in every format and validated against the formats' schemas."""

from __future__ import annotations

import io
import json
from importlib.resources import files
from pathlib import Path

import jsonschema

import stockade
from stockade.formats import get_formatter

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((Path(__file__).parent / "testdata" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((files("stockade") / "schemas" / "report.schema.json").read_text())


def rendered(name: str) -> str:
    report = stockade.scan([str(ROOT / "examples" / "insecure")], stockade.ScanOptions(plugins=False))
    assert {f.rule_id.rsplit("-", 1)[0] for f in report.findings} == {"STK-DF", "STK-K8S", "STK-PSS"}
    out = io.StringIO()
    get_formatter(name).render(report, out)
    return out.getvalue()


def test_sarif_of_a_real_scan_is_valid() -> None:
    log = json.loads(rendered("sarif"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    dockerfile = [r for r in results if r["ruleId"].startswith("STK-DF-")]
    assert dockerfile and all("snippet" in r["locations"][0]["physicalLocation"]["region"] for r in dockerfile)
    assert not any("changeme-please-123" in json.dumps(r) for r in results)


def test_json_of_a_real_scan_is_valid() -> None:
    report = json.loads(rendered("json"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["summary"]["total"] == len(report["findings"])


def test_table_of_a_real_scan_never_shows_the_secret() -> None:
    assert "changeme-please-123" not in rendered("table")
