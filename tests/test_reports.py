"""report.json / report.md / report.html from results: content people need, and a self-contained HTML."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest
from conftest import run_cli

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
    sdk = {row["method"]: row for row in report["sdk"]}
    assert sdk["createTier"] == {"method": "createTier", "verdict": "pass", "tests": [
        "test_sdk.py::test_create_tier_wire_shape"], "rules": ["TIER-1"]}
    # every SDK method is listed, those no test of this run sent marked with why
    assert len(sdk) == 29 and sdk["listBadges"]["verdict"] == "not run" and sdk["listBadges"]["skip_reason"]
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
    assert not re.search(r"""src\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)  # links to sources are fine
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import|<script[^>]*src|<link|<iframe|<img", html, re.IGNORECASE)
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


def _failing_results() -> RunResults:
    """A scenario failure with a RuleViolation message, a fuzz failure, a skip and a not-checked rule."""
    base = "http://127.0.0.1:40883"
    message = (
        "conformance.verdict.RuleViolation: TIER-2 [MUST] A second tier with an existing `tierDefinition.name` is "
        "rejected; nothing is created. (source: ST)\n"
        "violation: second tier with an existing name: expected HTTP 400 or 409, got 200\n"
        f"exchange: curl -X POST {base}/loyalty-tiers/v1/tiers -H 'Authorization: [REDACTED]' -d '{{\"tier\":{{}}}}'\n"
        '  -> 200 {"tier":{"id":"b"}}')
    listing = {"tiers": [{"id": f"t{i}", "tierDefinition": {"name": f"other tier {i}"}} for i in range(8)]}
    tests = [
        {"nodeid": "test_tiers.py::test_tier_name_must_be_unique", "rules": ["TIER-2"], "verdict": "fail",
         "violated": ["TIER-2"], "warnings": [], "message": message,
         "traffic": [["POST", "/loyalty-tiers/v1/tiers", 200]],
         "exchange": {"method": "GET", "url": f"{base}/loyalty-tiers/v1/tiers", "status": 200, "response": listing,
                      "curl": f"curl -X GET {base}/loyalty-tiers/v1/tiers"}},
        {"nodeid": "test_fuzz.py::test_fuzz_badges[POST /badges]", "rules": [], "verdict": "fail", "warnings": [],
         "message": "conformance.fuzzing.FuzzFailure: POST /badges -> HTTP 200\n"
                    "violation: Custom check failed: `badge_colors_uppercase`: BADGE-3: badge.textColor must be an "
                    "uppercase #RRGGBB color, got '#00000a'\nviolation: Server error\n"
                    f"exchange: curl -X POST -d '{{}}' {base}/members/v3/badges",
         "traffic": [["POST", "/members/v3/badges", 200], ["GET", "/members/v3/badges/%5B%5D", 400]],
         "exchange": None},
        {"nodeid": "test_badges.py::test_counts[member]", "rules": ["BADGE-15"], "verdict": "skip", "warnings": [],
         "message": "", "skip_reason": "needs a real member: pass --conformance-member-id", "traffic": []},
        {"nodeid": "test_rewards.py::test_ok", "rules": ["REWARD-1"], "verdict": "pass", "warnings": [], "message": "",
         "traffic": [["GET", "/loyalty-rewards/v1/rewards/6f1d3c1e-2b4a-4c5d-8e9f-0a1b2c3d4e5f", 404]]},
    ]
    return RunResults(tests, {"target": "embedded reference", "base_url": base, "profile": "tolerant",
                              "run_id": "5eed0001", "seed": 7, "faults": ["tier-duplicate-name"], "quick": True,
                              "record_dir": "cassettes/run1"})


def test_each_failure_once_with_labelled_exchanges_and_a_reproduction(tmp_path: Path) -> None:
    write_reports(_failing_results(), tmp_path)
    html = (tmp_path / "report.html").read_text()
    markdown = (tmp_path / "report.md").read_text()
    summary = (tmp_path / "summary.md").read_text()
    run = ("conformance run --fault tier-duplicate-name --quick --rule TIER-2 -k test_tier_name_must_be_unique "
           "--profile tolerant --seed 7")
    replay = "conformance replay cassettes/run1 --rule TIER-2 -k test_tier_name_must_be_unique --profile tolerant"
    for text in (markdown, summary):
        assert run in text and replay in text
        assert "second tier with an existing name: expected HTTP 400 or 409, got 200" in text
        assert "RuleViolation" not in text  # the raw exception block is gone: each failure is told once
    assert escape(run) in html and escape(replay) in html and "RuleViolation" not in html
    assert markdown.count("A second tier with an existing `tierDefinition.name`") == 2  # grid + the failure
    for text in (html, markdown):
        assert "The request that broke the rule" in text
        assert "The test's last exchange" in text.replace("&#x27;", "'")
        assert "$BASE_URL/loyalty-tiers/v1/tiers" in text and "127.0.0.1:40883/loyalty" not in text
        assert "that port no longer exists" in text
        assert "… 5 more item(s) not shown" in text  # a list of 8 tiers is not dumped whole
    # fuzz failure: the check that fired, the rule it maps to, a reproduction by -k
    assert "badge_colors_uppercase" in html and 'href="#rule-BADGE-3"' in html
    assert "-k 'test_fuzz_badges[POST and /badges]'" in markdown
    assert "| `Server error` | spec |" in markdown
    assert summary.index("**TIER-2**") < summary.index("**BADGE-3**")


def test_a_cited_read_is_labelled_as_the_read_that_showed_the_violation() -> None:
    from conformance.reporting.failures import exchange_views

    [view] = exchange_views(("curl -X GET http://h/members/v3/badges/x", '200 {"badge": {}}'), None, {})
    assert view.label == "The read that showed the violation" and view.status == 200


def test_filters_details_links_and_rendered_rule_text(tmp_path: Path) -> None:
    write_reports(_failing_results(), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert '<details class="failure" id="failure-1" data-verdict="fail" data-api="tiers" data-rules="TIER-2">' in html
    assert '<form id="filters"' in html and 'type="search"' in html
    assert '<a class="cell fail" href="#failure-1">fail</a>' in html  # grid cell -> its failure
    assert '<a href="#rule-TIER-2">TIER-2</a>' in html and 'id="rule-TIER-2"' in html  # -> the rule's entry
    assert "existing <code>tierDefinition.name</code> is rejected" in html and "`tierDefinition.name`" not in html
    assert 'id="src-ST"' in html and '<a href="#src-ST">ST</a>' in html
    assert 'id="src-U1"' in html and "https://dev.wix.com/api/rest/getting-started/errors" in html


def test_skips_not_checked_and_coverage_are_visible(tmp_path: Path) -> None:
    write_reports(_failing_results(), tmp_path)
    for name in ("report.html", "report.md", "summary.md"):
        text = (tmp_path / name).read_text()
        # skip reasons name the `conformance run` flag, not the plugin option
        assert "test_badges.py::test_counts[member]" in text and "pass --member-id" in text, name
        assert "--conformance-member-id" not in text, name
    markdown = (tmp_path / "report.md").read_text()
    # operations by documented template only: fuzz paths and GUIDs never make their own rows
    assert "| `GET /loyalty-rewards/v1/rewards/{id}` | 404×1 | 200, 400 |" in markdown
    assert "| `GET /members/v3/badges/{id}` | 400×1 |" in markdown and "%5B" not in markdown
    assert "of documented operations exercised (4 of " in markdown
    assert "Operations never exercised: " in markdown and "`DELETE /loyalty-tiers/v1/tiers/{tierId}`" in markdown
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["skipped"] == [{"nodeid": "test_badges.py::test_counts[member]",
                                  "reason": "needs a real member: pass --conformance-member-id"}]
    assert report["failures"][0]["reproduce"][0].startswith("conformance run ")


def test_summary_lists_rule_ids_in_numeric_order(tmp_path: Path) -> None:
    tests = [{"nodeid": f"test_badges.py::t{n}", "rules": [f"BADGE-{n}"], "verdict": "fail", "warnings": [],
              "message": f"violation: v{n}"} for n in (15, 3)]
    write_reports(RunResults(tests, {}), tmp_path)
    assert "failing: BADGE-3, BADGE-15;" in (tmp_path / "summary.md").read_text()


def _contrast(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_badge_colours_meet_wcag_aa_with_white_text() -> None:
    from conformance.reporting.html import BADGE_COLOURS

    for name, colour in BADGE_COLOURS.items():
        assert _contrast(colour) >= 4.5, (name, colour, round(_contrast(colour), 2))


def test_sdk_method_list_matches_the_suite() -> None:
    from conformance.paths import SUITE_DIR
    from conformance.reporting.failures import report_data

    sources = "".join(module.read_text() for module in SUITE_DIR.glob("test_sdk_*.py"))
    marked = set(re.findall(r'@pytest\.mark\.sdk\("(\w+)"\)', sources))
    listed = {m for methods in report_data()["sdk_methods"].values() for m in methods}
    assert listed == marked


def test_the_reproduction_command_of_a_failure_reproduces_it(tmp_path: Path) -> None:
    """A scenario failure and a fuzz failure, each re-run alone by the command its report prints."""
    first = run_cli("run", "--quick", "--api", "tiers", "--fault", "tier-unknown-id-500", "--report-dir", "first",
                    cwd=tmp_path)
    assert first.returncode == 1, first.output[-2000:]
    failures = json.loads((tmp_path / "first" / "report.json").read_text())["failures"]
    scenario = next(f for f in failures if f["nodeid"].startswith("test_tiers_"))
    fuzz = next(f for f in failures if f["nodeid"].startswith("test_fuzz.py::test_fuzz_tiers["))
    for index, failure in enumerate((scenario, fuzz)):
        command = shlex.split(failure["reproduce"][0])
        assert command[:2] == ["conformance", "run"] and "--seed" in command
        again = run_cli(*command[1:], "--report-dir", f"again{index}", cwd=tmp_path)
        assert again.returncode == 1, again.output[-2000:]
        ran = json.loads((tmp_path / f"again{index}" / "report.json").read_text())["tests"]
        assert [r["nodeid"] for r in ran if r["verdict"] == "fail"] == [failure["nodeid"]]


def test_what_was_seen_is_named_with_its_json_type() -> None:
    from conformance.reporting.failures import typed_actual

    assert typed_actual("members/count stays 1, got '1'") == 'members/count stays 1, got the string "1"'
    assert typed_actual('a new tier has revision "1", got 1') == 'a new tier has revision "1", got the integer 1'
    assert typed_actual("x, got None (AMB-1)") == "x, got null (or nothing) (AMB-1)"
    status = "get after delete: expected HTTP 404, got 500"
    assert typed_actual(status) == status  # a status code is no JSON value
    assert typed_actual("found ['a', 'b']") == "found ['a', 'b']"


def test_reports_type_the_values_in_violations_and_warnings(tmp_path: Path) -> None:
    tests = [{"nodeid": "test_badges.py::test_count", "rules": ["BADGE-15"], "verdict": "fail", "warnings": [],
              "message": "violation: members/count reports 2 for the fresh badge, got '2'"},
             {"nodeid": "test_badges.py::test_stays", "rules": ["BADGE-16"], "verdict": "warn", "message": "",
              "warnings": [{"rule": "BADGE-16", "message": "members/count stays 1, got '1'"}]}]
    write_reports(RunResults(tests, {}), tmp_path)
    for name in ("report.md", "summary.md", "report.html"):
        text = (tmp_path / name).read_text()
        assert "got '2'" not in text and "got '1'" not in text, name
        assert "the string" in text, name


def _suite_with_progress(*extra: str) -> list[str]:
    from conformance.paths import PACKAGE_DIR, SUITE_DIR

    return [sys.executable, "-m", "pytest", str(SUITE_DIR), "-c", str(PACKAGE_DIR / "data" / "suite.ini"),
            "--rootdir", str(SUITE_DIR), "-p", "no:cacheprovider", "-q", "--no-header", "-rN", "--tb=no",
            "-p", "conformance.reporting.progress", "--conformance-api", "tiers", "--conformance-quick",
            "--conformance-max-examples", "1", "-k", "test_fuzz_tiers or test_tier_name_must_be_unique", *extra]


def test_progress_off_a_terminal_is_plain_lines_naming_phase_and_operation(tmp_path: Path) -> None:
    completed = subprocess.run(_suite_with_progress(), capture_output=True, text=True, cwd=tmp_path, timeout=300,
                               env={**os.environ, "NO_COLOR": "1"})
    assert completed.returncode == 0, completed.stdout[-2000:]
    lines = completed.stdout.splitlines()
    assert "phase: fuzzing tiers" in lines and "phase: rule scenarios (test_tiers_crud.py)" in lines
    assert any(re.fullmatch(r"  GET /tiers/\{tierId\} \(\d+/\d+(, ETA \d+:\d\d)?\)", line) for line in lines), lines
    assert "\r" not in completed.stdout and "\x1b[" not in completed.stdout


def test_progress_on_a_terminal_is_one_live_line_instead_of_dots(tmp_path: Path) -> None:
    import pty

    primary, secondary = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"} | {"TERM": "xterm", "COLUMNS": "120"}
    process = subprocess.Popen(_suite_with_progress(), stdin=secondary, stdout=secondary, stderr=secondary, env=env,
                               cwd=tmp_path)
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=300) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode("utf-8", "replace"))
    assert "fuzzing tiers: GET /tiers/{tierId}" in text and "/" in text.split("fuzzing tiers: GET /tiers/{tierId}")[1]
    assert "rule scenarios (test_tiers_crud.py): test_tier_name_must_be_unique" in text
    assert "...." not in text  # pytest's dots gave way to the bar


def test_keyword_expressions_select_ids_that_pytest_k_cannot_spell() -> None:
    from conformance.reporting.failures import keyword_expression

    assert keyword_expression("test_badges.py::test_x[#GGGGGG]") == "test_x[ and GGGGGG]"
    assert keyword_expression("test_fuzz.py::test_fuzz_tiers[GET /tiers/{tierId}]") == (
        "test_fuzz_tiers[GET and /tiers/ and tierId")
    assert keyword_expression("test_tiers.py::test_ids[not-a-guid-get]") == "test_ids[not-a-guid-get]"
