"""report.json / report.md / report.html from results: content people need, and a self-contained HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

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


def test_console_prints_test_ids_literally_and_one_closing_line_that_adds_up(
        capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.reporting.console import print_summary

    tests = [
        {"nodeid": "test_badges.py::test_bad_color[#GGGGGG]", "rules": ["BADGE-4"], "verdict": "fail",
         "message": "violation: expected HTTP 400, got 200", "warnings": [], "violated": ["BADGE-4"]},
        {"nodeid": "test_tiers.py::test_update[name]", "rules": ["TIER-4"], "verdict": "fail",
         "message": "violation: [bold]not markup[/bold]", "warnings": []},
        {"nodeid": "test_rewards.py::test_w[red]", "rules": ["COMMON-1"], "verdict": "warn", "message": "",
         "warnings": [{"rule": "COMMON-1", "message": "prefer [code] 400"}]},
        {"nodeid": "test_tiers.py::test_e[not-a-guid-get]", "rules": ["TIER-27"], "verdict": "error",
         "message": "", "tool_error": "timed out [after 15s]", "warnings": []},
        {"nodeid": "test_badges.py::test_s", "rules": ["BADGE-15"], "verdict": "skip", "message": "", "warnings": [],
         "skip_reason": "needs --member-id"},
    ]
    print_summary(RunResults(tests, {}), [], 1.0)
    out = capsys.readouterr().out
    for literal in ("FAIL BADGE-4 test_badges.py::test_bad_color[#GGGGGG]", "test_tiers.py::test_update[name]",
                    "[bold]not markup[/bold]", "prefer [code] 400 (test_rewards.py::test_w[red])",
                    "ERROR test_tiers.py::test_e[not-a-guid-get]: timed out [after 15s]",
                    "NOT CHECKED BADGE-15: skipped: needs --member-id"):
        assert literal in out, literal
    closing = out.strip().splitlines()[-1]
    assert closing.startswith("INCOMPLETE (tool or target errors): 5 tests: 0 passed, 1 warned, 2 failed, "
                              "1 errors, 1 skipped; 1 rules not checked"), closing
