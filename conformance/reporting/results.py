"""The results of one run, as collected by the plugin, with per-rule and per-API verdicts derived."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import rules
from conformance.probe import NOT_SERVED

#: Per test: worst first. A rule's verdict adds NOT_CHECKED: it had tests, but none could fail for it.
VERDICT_ORDER = ("error", "fail", "warn", "pass", "skip")
NOT_CHECKED = "not checked"
RULE_VERDICT_ORDER = ("error", "fail", "warn", "pass", NOT_CHECKED)


@dataclass
class RunResults:
    results: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> Counter[str]:
        return Counter(r["verdict"] for r in self.results)

    @property
    def tool_errors(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["verdict"] == "error"]

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["verdict"] == "fail"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["verdict"] == "warn"]

    def rule_verdicts(self) -> dict[str, str]:
        """The verdict per rule id over every test that cites it; rules no test cites are absent."""
        return {rule_id: verdict for rule_id, (verdict, _) in rule_judgements(self.results).items()}

    def not_checked(self) -> dict[str, str]:
        """Rules that had tests in this run but no assertion that could fail ran for them, with the reason."""
        return {rule_id: reason for rule_id, (verdict, reason) in rule_judgements(self.results).items()
                if verdict == NOT_CHECKED}

    def not_checked_lines(self) -> list[tuple[str, str]]:
        """`(rule, reason)` in catalogue order, except that the rules skipped because the target does not serve
        their API fold into one `("BADGE-1 … BADGE-23 (23 rules)", reason)` line per absent API."""
        lines: list[tuple[str, str]] = []
        absent: dict[str, list[str]] = {}
        for rule_id, reason in sorted(self.not_checked().items(), key=lambda item: rules.sort_key(item[0])):
            served = next((why for why in NOT_SERVED.values() if reason.startswith(f"skipped: {why} (")), None)
            if served is None:
                lines.append((rule_id, reason))
            else:
                absent.setdefault(served, []).append(rule_id)
        folded = [(_spans(ids), f"not served: {why}") for why, ids in absent.items()]
        return folded + lines

    def traffic(self) -> list[list[Any]]:
        return [entry for result in self.results for entry in result.get("traffic", [])]

    def operations(self) -> dict[str, Counter[int]]:
        """Status codes seen per documented operation (`METHOD /public/path/{tierId}`), as the specs name it;
        requests that match no documented operation keep their path with GUIDs as {id}."""
        from conformance.reporting.coverage import coverage_of

        coverage = coverage_of(self.traffic())
        return {**coverage.undocumented, **coverage.seen}

    def failure_details(self) -> list[dict[str, Any]]:
        """Each failing or erroring test: its rules (text and source), violations, the exchanges that showed
        them and the commands that reproduce it."""
        from dataclasses import asdict

        from conformance.reporting.failures import build_failure

        catalogue = rules.catalogue()
        details = []
        for index, result in enumerate(r for r in self.results if r["verdict"] in ("fail", "error")):
            failure = asdict(build_failure(index + 1, result, self.meta))
            failure["rules"] = [{"id": r, "statement": catalogue[r].statement if r in catalogue else "",
                                 "source": catalogue[r].source if r in catalogue else ""} for r in failure["rules"]]
            first = failure["exchanges"][-1] if failure["exchanges"] else {}
            failure.update(message=result.get("tool_error") or result.get("message") or "",
                           curl=first.get("curl"), status=first.get("status"), response=first.get("response"))
            details.append(failure)
        return details

    def skipped(self) -> list[tuple[str, str]]:
        """(test id, reason) of every skipped test."""
        return [(r["nodeid"], r.get("skip_reason") or "no reason given")
                for r in self.results if r["verdict"] == "skip"]

    def sdk_rows(self) -> list[dict[str, Any]]:
        """One row per official SDK method, worst verdict of its tests wins; a method no test of this run
        sent (deselected, or a module that did not load) is listed as `not run`."""
        from conformance.reporting.failures import report_data

        rows: dict[str, dict[str, Any]] = {}
        for result in self.results:
            methods = result.get("sdk") or []
            for method in [methods] if isinstance(methods, str) else methods:
                row = rows.setdefault(method, {"method": method, "verdict": "skip", "tests": [], "rules": []})
                row["verdict"] = min(row["verdict"], result["verdict"], key=VERDICT_ORDER.index)
                row["tests"].append(result["nodeid"])
                row["rules"] = sorted(set(row["rules"]) | set(result["rules"]), key=rules.sort_key)
                if result["verdict"] == "skip":
                    row["skip_reason"] = result.get("skip_reason") or "no reason given"
        if rows or any("test_sdk" in r["nodeid"] for r in self.results):
            for methods in report_data()["sdk_methods"].values():
                for method in methods:
                    rows.setdefault(method, {"method": method, "verdict": "not run", "tests": [], "rules": [],
                                             "skip_reason": "not selected in this run (--api, --rule or -k)"})
        return [rows[m] for m in sorted(rows)]

    def rule_coverage(self) -> dict[str, dict[str, int]]:
        """Per API: rules in the catalogue, and how many have at least one test in this run."""
        verdicts = self.rule_verdicts()
        coverage: dict[str, dict[str, int]] = {}
        for rule in rules.catalogue().values():
            row = coverage.setdefault(rule.api, {"total": 0, "tested": 0, "checked": 0, "webhook": 0})
            row["total"] += 1
            row["tested"] += rule.id in verdicts
            row["checked"] += verdicts.get(rule.id, NOT_CHECKED) != NOT_CHECKED
            row["webhook"] += rule.webhook
        return coverage

    def to_json(self) -> dict[str, Any]:
        catalogue = rules.catalogue()
        verdicts = self.rule_verdicts()
        unchecked = self.not_checked()
        return {
            "meta": self.meta,
            "counts": dict(self.counts()),
            "rules": [
                {"id": r.id, "api": r.api, "level": r.level, "statement": r.statement, "source": r.source,
                 "verdict": verdicts.get(r.id, "untested"),
                 **({"not_checked_reason": unchecked[r.id]} if r.id in unchecked else {})}
                for r in catalogue.values()
            ],
            "operations": {op: dict(sorted(codes.items())) for op, codes in sorted(self.operations().items())},
            "coverage": self.rule_coverage(),
            "failures": self.failure_details(),
            "sdk": self.sdk_rows(),
            "skipped": [{"nodeid": nodeid, "reason": reason} for nodeid, reason in self.skipped()],
            "tests": self.results,
        }


def _spans(ids: list[str]) -> str:
    """`BADGE-1 … BADGE-23, COMMON-3 (24 rules)`: rule ids in catalogue order, a run of one prefix as a span."""
    groups: dict[str, list[str]] = {}
    for rule_id in ids:
        groups.setdefault(rule_id.rpartition("-")[0], []).append(rule_id)
    spans = [f"{g[0]} … {g[-1]}" if len(g) > 2 else ", ".join(g) for g in groups.values()]
    return ", ".join(spans) + (f" ({len(ids)} rules)" if len(ids) > 1 else "")


def rule_judgements(results: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """`rule id -> (verdict, reason)` from per-test records.

    A rule passes only when a test checked it (`checked`: an assertion that can fail in the active profile ran
    for it); a failing test fails only the rules its violation names (`violated`); a tool error blames every
    rule of its test (nothing was judged). A rule whose tests all skipped or only warned is `not checked`.
    """
    verdicts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    from conformance.reporting.failures import fuzz_rules

    for result in results:
        ids = result.get("rules", [])
        verdict = result["verdict"]
        if not ids and verdict == "fail" and "test_fuzz" in result["nodeid"]:
            result = {**result, "violated": fuzz_rules(result)}  # judged by the rules its checks enforce
            ids = result["violated"]
        checked = set(result.get("checked", ids if verdict in ("pass", "warn", "fail") else []))
        marks: dict[str, str] = {}
        if verdict == "error":
            marks = dict.fromkeys(ids, "error")
        else:
            marks = {rule_id: "pass" for rule_id in ids if rule_id in checked}
            if verdict == "fail":
                marks.update(dict.fromkeys(result.get("violated") or ids, "fail"))
            for warning in result.get("warnings", []):
                if marks.get(warning["rule"]) != "fail":
                    marks[warning["rule"]] = "warn"
        for rule_id in ids:
            mark = marks.get(rule_id, NOT_CHECKED)
            if mark == NOT_CHECKED:
                reasons.setdefault(rule_id, _why_not_checked(result))
            current = verdicts.get(rule_id, NOT_CHECKED)
            verdicts[rule_id] = min(current, mark, key=RULE_VERDICT_ORDER.index)
        for rule_id, mark in marks.items():
            if rule_id not in ids:  # a warning naming a rule the test does not carry
                verdicts[rule_id] = min(verdicts.get(rule_id, NOT_CHECKED), mark, key=RULE_VERDICT_ORDER.index)
    return {rule_id: (verdict, reasons.get(rule_id, "") if verdict == NOT_CHECKED else "")
            for rule_id, verdict in verdicts.items()}


def _why_not_checked(result: dict[str, Any]) -> str:
    if result["verdict"] == "skip":
        return f"skipped: {result.get('skip_reason') or 'no reason given'} ({result['nodeid']})"
    return (f"only tolerated-reading assertions ran, which warn in the tolerant profile; "
            f"`--profile strict` checks it ({result['nodeid']})")


def load_results(path: Path, meta: dict[str, Any] | None = None) -> RunResults:
    data = json.loads(path.read_text(encoding="utf-8"))
    merged = {k: v for k, v in data.items() if k != "results"}
    merged.update(meta or {})
    return RunResults(results=data["results"], meta=merged)
