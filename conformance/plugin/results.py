"""One record per test for the reports: verdict, the rules it checked and the rules its failure names, warnings,
traffic by documented operation; written by the controller (xdist workers forward reports) with the session sweep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.live import sweep
from conformance.operations import operation_of
from conformance.plugin.keys import exchanges_key, expect_key, results_key, settings_key, settings_of
from conformance.plugin.selection import rule_ids
from conformance.target import TargetError
from conformance.verdict import Expect, RuleViolation


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    if settings_key not in item.config.stash:
        return
    if call.when == "teardown":  # the record is made: a finished test keeps no exchanges (memory flat in tests)
        item.stash[exchanges_key] = []
        if hasattr(item, "conformance_traffic"):
            item.conformance_traffic = []
        return
    if call.when == "call" or (call.when == "setup" and (report.failed or report.skipped)):
        ids = rule_ids(item)
        report.user_properties.append(("conformance.rules", json.dumps(ids)))
        sdk_methods = [arg for mark in item.iter_markers("sdk") for arg in mark.args]
        if sdk_methods:
            report.user_properties.append(("conformance.sdk", json.dumps(sdk_methods)))
        checker = item.stash.get(expect_key, None)
        if checker is not None and checker.warnings:
            report.user_properties.append(("conformance.warnings", json.dumps(checker.warnings)))
        report.user_properties.append(("conformance.checked", json.dumps(_checked_rules(item, checker, report))))
        if report.failed:
            report.user_properties.append(("conformance.violated", json.dumps(_violated_rules(ids, call))))
        exchanges = item.stash.get(exchanges_key, [])
        traffic = [[*operation_of(e.method, e.url).split(" ", 1), e.status] for e in exchanges]
        traffic.extend(getattr(item, "conformance_traffic", []))
        report.user_properties.append(("conformance.traffic", json.dumps(traffic)))
        if report.failed and exchanges:
            report.user_properties.append(("conformance.exchange", json.dumps(exchanges[-1].to_dict())))
        if call.excinfo is not None and call.excinfo.errisinstance(TargetError):
            report.user_properties.append(("conformance.tool_error", str(call.excinfo.value)))
        # JUnit writes the properties of an item's last report (teardown), which pytest builds from the item's
        # own list: put the human-readable ones there so every testcase names its rules and warnings.
        item.user_properties.append(("rules", " ".join(ids)))
        unchecked = [r for r in ids if r not in _checked_rules(item, checker, report)]
        if unchecked:
            item.user_properties.append(("not_checked", " ".join(unchecked)))
        if checker is not None and checker.warnings:
            item.user_properties.append(("warnings", " | ".join(w["message"] for w in checker.warnings)))


def _checked_rules(item: pytest.Item, checker: Expect | None, report: pytest.TestReport) -> list[str]:
    """The rules a test really checked: those an assertion that can fail ran for (see `Expect.checked`).
    A test that judges without `Expect` (the fuzz tests: schemathesis checks) checks its rules when it ran."""
    if report.skipped:
        return []
    if checker is None:
        return list(rule_ids(item))
    return sorted(checker.checked)


def _violated_rules(ids: tuple[str, ...], call: pytest.CallInfo[None]) -> list[str]:
    """The rules a failure breaks: the ones its `RuleViolation` names; any other failure blames every rule."""
    if call.excinfo is not None and isinstance(call.excinfo.value, RuleViolation) and call.excinfo.value.rules:
        return list(call.excinfo.value.rules)
    return list(ids)


class ResultCollector:
    """Collects one record per test on the controller (xdist forwards reports with their properties)."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.results: list[dict[str, Any]] = config.stash[results_key]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.failed or report.skipped):
            return
        props: dict[str, Any] = dict(report.user_properties)
        warnings = json.loads(props.get("conformance.warnings", "[]"))
        verdict = "fail" if report.failed else ("skip" if report.skipped else ("warn" if warnings else "pass"))
        if "conformance.tool_error" in props:
            verdict = "error"
        message = ""
        if report.failed:
            message = _short_failure(report)
        context = getattr(report, "context", None)  # a schemathesis operation run as a pytest subtest
        nodeid = f"{report.nodeid}[{context.msg}]" if context is not None and context.msg else report.nodeid
        self.results.append({
            "nodeid": nodeid,
            "when": report.when,
            "rules": json.loads(props.get("conformance.rules", "[]")),
            "verdict": verdict,
            "duration": round(report.duration, 4),
            "warnings": warnings,
            "message": message,
            "exchange": json.loads(props["conformance.exchange"]) if "conformance.exchange" in props else None,
            "traffic": json.loads(props.get("conformance.traffic", "[]")),
            "tool_error": props.get("conformance.tool_error"),
            "sdk": json.loads(props.get("conformance.sdk", "[]")),
            "checked": json.loads(props.get("conformance.checked", "[]")),
            "violated": json.loads(props.get("conformance.violated", "[]")),
            "skip_reason": _skip_reason(report),
        })

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        settings = settings_of(self.config)
        swept: dict[str, Any] = {}
        if not settings.replay_dir and not settings.embedded and not settings.read_only:
            try:
                leftovers = sweep(settings.target(), settings.run_id)
            except (TargetError, NotImplementedError):
                leftovers = {}
            swept = leftovers
        if settings.results_path:
            Path(settings.results_path).parent.mkdir(parents=True, exist_ok=True)
            Path(settings.results_path).write_text(json.dumps({
                "run_id": settings.run_id, "profile": settings.profile, "base_url": settings.base_url,
                "seed": settings.seed, "results": self.results, "swept": swept,
            }, indent=1))


def _skip_reason(report: pytest.TestReport) -> str | None:
    if not report.skipped:
        return None
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _short_failure(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(report.longrepr) if crash is None else crash.message
    props: dict[str, Any] = dict(report.user_properties)
    if "conformance.tool_error" in props:
        return str(props["conformance.tool_error"])
    return text if len(text) < 4000 else text[:4000] + "…"
