"""report.json / report.md / report.html from results: content people need, and a self-contained HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conformance.reporting import RunResults, write_reports

CURL = "curl -X POST 'http://127.0.0.1:1/loyalty-tiers/v1/tiers' -d '{\"tier\":{}}'"


def _results() -> RunResults:
    tests = [
        {"nodeid": "test_tiers.py::test_names_are_unique", "rules": ["TIER-2"], "verdict": "fail", "warnings": [],
         "message": "violation: a second tier with the same name was created",
         "traffic": [["POST", "/loyalty-tiers/v1/tiers", 200]],
         "exchange": {"method": "POST", "url": "http://127.0.0.1:1/loyalty-tiers/v1/tiers", "status": 200,
                      "response": {"tier": {"id": "x"}}, "curl": CURL}, "tool_error": None, "sdk": []},
        {"nodeid": "test_sdk.py::test_create_tier_wire_shape", "rules": ["TIER-1"], "verdict": "pass", "warnings": [],
         "message": "", "traffic": [["POST", "/loyalty-tiers/v1/tiers", 400]], "exchange": None, "tool_error": None,
         "sdk": ["createTier"]},
        {"nodeid": "test_rewards.py::test_w", "rules": ["COMMON-1"], "verdict": "warn", "message": "", "exchange": None,
         "warnings": [{"rule": "COMMON-1", "message": "preferred reading not followed"}], "traffic": [],
         "tool_error": None},
    ]
    return RunResults(tests, {"target": "embedded reference", "profile": "tolerant", "run_id": "5eed0001",
                              "seed": 1, "specs": {"loyalty-tiers.yaml": "abc"}})


def test_reports_are_written_with_rules_failures_and_coverage(tmp_path: Path) -> None:
    written = {p.name for p in write_reports(_results(), tmp_path)}
    assert {"report.json", "report.md", "report.html", "summary.md"} <= written
    report = json.loads((tmp_path / "report.json").read_text())
    verdicts = {r["id"]: r["verdict"] for r in report["rules"]}
    assert verdicts["TIER-2"] == "fail" and verdicts["TIER-1"] == "pass" and verdicts["COMMON-1"] == "warn"
    assert report["failures"][0]["curl"] == CURL and report["failures"][0]["rules"][0]["statement"]
    assert report["operations"]["POST /loyalty-tiers/v1/tiers"] == {"200": 1, "400": 1}
    assert report["sdk"] == [{"method": "createTier", "verdict": "pass", "tests": [
        "test_sdk.py::test_create_tier_wire_shape"], "rules": ["TIER-1"]}]
    assert report["coverage"]["tiers"]["tested"] == 2


def test_markdown_report_has_matrix_coverage_failures_and_sdk(tmp_path: Path) -> None:
    write_reports(_results(), tmp_path)
    text = (tmp_path / "report.md").read_text()
    for needle in ("NOT CONFORMANT", "## Rules by API", "| TIER-2 | ❌ fail |", "## Coverage",
                   "`POST /loyalty-tiers/v1/tiers` | 200×1, 400×1", "## Official SDK compatibility", "`createTier`",
                   CURL, "source:"):
        assert needle in text, needle


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    write_reports(_results(), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    # nothing is fetched: no scripts, stylesheets, images, fonts or frames from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import|<script|<link|<iframe|<img", html, re.IGNORECASE)
    assert "TIER-2" in html and 'class="cell fail"' in html and "Official SDK compatibility" in html
    assert "&#x27;http://127.0.0.1:1/loyalty-tiers/v1/tiers&#x27;" in html  # the curl line, escaped
