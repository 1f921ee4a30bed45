"""The rule catalogue as the suite covers it: every rule, its source, profile reading and the tests that cite it.

The tests listed for a rule come from collecting the suite with pytest (the same collection `conformance
run` uses), not from a hand-kept table, so the listing cannot drift from the markers on the tests.
`conformance rules` prints it; `show` is the one call it makes.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from dataclasses import dataclass, field
from typing import Any

from conformance.paths import APIS

FORMATS = ("table", "json")


def show(apis: list[str], output_format: str, report_dir: str | None) -> None:
    """Print the catalogue for these APIs (all when empty) as a table or JSON, with a run's verdicts if given."""
    collected = collect()
    records = listing(apis, collected)
    if report_dir:
        verdicts = verdicts_of(report_dir)
        for record in records:
            record.update(verdicts.get(record["id"], {"verdict": "untested", "not_checked_reason": ""}))
    if output_format == "json":
        print(json.dumps({"rules": records, "untagged_tests": collected.without_rules}, indent=1))
        return
    _print_table(records, collected.without_rules if not apis else
                 [t for t in collected.without_rules if collected.by_test_api.get(t) in (*apis, None)])


@dataclass
class Collected:
    """The suite's test items: rule id -> node ids, and the items that cite no rule (fuzzing)."""

    by_rule: dict[str, list[str]] = field(default_factory=dict)
    by_test_api: dict[str, str | None] = field(default_factory=dict)
    without_rules: list[str] = field(default_factory=list)


class _Capture:
    """A pytest plugin object that keeps the collected items after the suite plugin renamed them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, tuple[str, ...], str | None]] = []

    def pytest_collection_finish(self, session: Any) -> None:
        from conformance.plugin import item_api, rule_ids

        # read while the session is alive: some node attributes exist only while pytest is configured
        self.items = [(item.nodeid, rule_ids(item), item_api(item)) for item in session.items]


def collect() -> Collected:
    """Collect the suite in-process (no target is contacted: collect-only in replay mode)."""
    import pytest

    from conformance.errors import ToolError
    from conformance.paths import PACKAGE_DIR, SUITE_DIR

    capture = _Capture()
    with tempfile.TemporaryDirectory() as scratch:
        args = [
            str(SUITE_DIR), "-c", str(PACKAGE_DIR / "data" / "suite.ini"), "--rootdir", str(SUITE_DIR),
            "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:warnings",
            # replay mode: the plugin starts no embedded server and sweeps nothing
            "--conformance-replay", scratch, "--conformance-run-id", "00000000",
        ]
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            code = int(pytest.main(args, plugins=[capture]))
    if code not in (0, 5) or not capture.items:
        lines = [line for line in sink.getvalue().splitlines() if line.strip()]
        raise ToolError("the suite could not be collected" + (f": {lines[-1]}" if lines else ""))
    collected = Collected()
    for nodeid, ids, api in capture.items:
        collected.by_test_api[nodeid] = api
        if not ids:
            collected.without_rules.append(nodeid)
        for rule_id in ids:
            collected.by_rule.setdefault(rule_id, []).append(nodeid)
    return collected


def listing(apis: list[str], collected: Collected) -> list[dict[str, Any]]:
    """One record per rule: statement, source, level, profile reading and the tests that check it."""
    from conformance import rules

    records = []
    for rule in rules.catalogue().values():
        tests = collected.by_rule.get(rule.id, [])
        if apis:
            if rule.api in APIS and rule.api not in apis:
                continue
            if rule.api not in APIS:  # COMMON: keep the tests of the selected APIs
                tests = [t for t in tests if collected.by_test_api.get(t) in (*apis, None)]
                if not tests:
                    continue
        readings = {amb: rules.ambiguities().get(amb, {}).get("decision", "") for amb in rule.ambiguities}
        records.append({
            "id": rule.id,
            "api": rule.api,
            "level": rule.level,
            "statement": rule.statement,
            "expected": rule.expected,
            "source": rule.source,
            "ambiguities": list(rule.ambiguities),
            "profile": _profile_reading(rule.expected, rule.ambiguities),
            "readings": readings,
            "webhook": rule.webhook,
            "tests": tests,
        })
    return records


def _profile_reading(expected: str, ambiguities: tuple[str, ...]) -> str:
    """How the profiles differ for this rule: tolerant readings and the ambiguities that decide them."""
    parts = []
    if "tolerant" in expected.lower():
        parts.append("tolerant accepts more; strict asserts the preferred reading")
    if ambiguities:
        parts.append("see " + ", ".join(ambiguities))
    return "; ".join(parts) or "same in both profiles"


def verdicts_of(report_dir: str) -> dict[str, dict[str, str]]:
    """`rule id -> {verdict, not_checked_reason}` from a run's report.json."""
    from pathlib import Path

    from conformance.errors import UsageError

    path = Path(report_dir) / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {r["id"]: {"verdict": r["verdict"], "not_checked_reason": r.get("not_checked_reason", "")}
                for r in data["rules"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not the report.json of a run: {exc}") from None


def _one_line(text: str, width: int) -> str:
    text = " ".join(text.replace("**", "").replace("`", "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(records: list[dict[str, Any]], untagged: list[str]) -> None:
    """Plain lines (grep-able, no colour): a rule header line, then its tests indented."""
    covered = sum(1 for r in records if r["tests"])
    for record in records:
        print(f"{record['id']:<10} {record['level']:<6} {_one_line(record['statement'], 100)}")
        print(f"{'':<10} source: {record['source']} · expected: {_one_line(record['expected'], 60)} · "
              f"profile: {record['profile']}")
        if "verdict" in record:
            reason = f": {record['not_checked_reason']}" if record.get("not_checked_reason") else ""
            print(f"{'':<10} verdict in that run: {record['verdict']}{reason}")
        if record["tests"]:
            for nodeid in record["tests"]:
                print(f"{'':<10} test: {nodeid}")
        else:
            why = "webhook rule: NO EVENT TEST" if record["webhook"] else "NO TEST"
            print(f"{'':<10} test: - ({why})")
    print(f"{covered}/{len(records)} rules have tests; {len(untagged)} schemathesis items check the specs "
          "without a rule id")
