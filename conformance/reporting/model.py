"""What the human reports show, computed once so report.md and report.html cannot disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from conformance import rules
from conformance.reporting.coverage import Coverage, coverage_of
from conformance.reporting.failures import Failure, build_failure, cli_flags, embedded, report_data, typed_actual
from conformance.reporting.results import RunResults

APIS = ("common", "tiers", "rewards", "badges")
VERDICTS = ("pass", "warn", "fail", "error", "skip", "not checked", "untested")
SOURCE_KEY = re.compile(r"\b(?:SB|ST|SR|NRT|NB|NT|NR|SDK|U\d+b?)\b")


@dataclass
class RuleEntry:
    id: str
    api: str
    level: str
    verdict: str
    statement: str
    expected: str
    source: str
    ambiguities: list[tuple[str, str]]  # (AMB id, decision)
    reason: str  # why not checked, when it was not
    failures: list[str]  # anchors of the failures that name this rule


@dataclass
class ReportModel:
    title: str
    headline: str
    meta_rows: list[tuple[str, str]]
    notes: list[str]
    counts: dict[str, int]
    rules: dict[str, list[RuleEntry]]  # api -> entries, catalogue order
    coverage: list[tuple[str, int, int, int]]  # api, tested, total, webhook-only
    operations: Coverage
    failures: list[Failure]
    warnings: list[tuple[str, str, str]]  # rule, message, test
    skipped: list[tuple[str, str]]  # test, reason
    sdk: list[dict[str, Any]]
    not_checked: list[tuple[str, str]]  # rule (or a folded range of a not-served API), why nothing checked it
    not_checked_count: int  # rules, not lines
    sources: list[tuple[str, str, str]]  # key, what it is, url ("" for the seed files)

    @property
    def headline_class(self) -> str:
        return "pass" if self.headline == "CONFORMANT" else ("error" if "INCOMPLETE" in self.headline else "fail")


def build(results: RunResults) -> ReportModel:
    catalogue = rules.catalogue()
    verdicts = results.rule_verdicts()
    unchecked = results.not_checked()
    meta = results.meta
    failing = [r for r in results.results if r["verdict"] in ("fail", "error")]
    failures = [build_failure(index + 1, result, meta) for index, result in enumerate(failing)]
    anchors: dict[str, list[str]] = {}
    for failure in failures:
        for rule_id in failure.rules:
            anchors.setdefault(rule_id, []).append(failure.anchor)
    ambiguities = rules.ambiguities()
    entries: dict[str, list[RuleEntry]] = {api: [] for api in APIS}
    for rule in catalogue.values():
        entries.setdefault(rule.api, []).append(RuleEntry(
            id=rule.id, api=rule.api, level=rule.level, verdict=verdicts.get(rule.id, "untested"),
            statement=rule.statement, expected=rule.expected, source=rule.source,
            ambiguities=[(a, ambiguities.get(a, {}).get("decision", "")) for a in rule.ambiguities],
            reason=cli_flags(unchecked.get(rule.id, "webhook rule: no HTTP test can check it" if rule.webhook else "")),
            failures=anchors.get(rule.id, []),
        ))
    headline = ("INCOMPLETE (tool or target errors)" if results.tool_errors
                else ("NOT CONFORMANT" if results.failures else "CONFORMANT"))
    warnings = [(w["rule"], typed_actual(w["message"]), r["nodeid"]) for r in results.warnings for w in r["warnings"]]
    return ReportModel(
        title="Conformance report",
        headline=headline,
        meta_rows=_meta_rows(meta),
        notes=_notes(meta),
        counts=dict(results.counts()),
        rules={api: rows for api, rows in entries.items() if rows},
        coverage=[(api, row["tested"], row["total"], row["webhook"]) for api, row in results.rule_coverage().items()],
        operations=coverage_of(results.traffic()),
        failures=failures,
        warnings=warnings,
        skipped=[(test, cli_flags(why)) for test, why in results.skipped()],
        sdk=[{**row, "skip_reason": cli_flags(row.get("skip_reason", ""))} for row in results.sdk_rows()],
        not_checked=[(r, cli_flags(why)) for r, why in results.not_checked_lines()],
        not_checked_count=len(unchecked),
        sources=_sources({r.source for r in catalogue.values()}),
    )


def _meta_rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    target = str(meta.get("target") or meta.get("base_url") or "?")
    if meta.get("faults"):
        target += f" (fault: {', '.join(meta['faults'])})"
    rows = [
        ("Target", target),
        ("Profile", str(meta.get("profile", "?"))),
        ("Run id", str(meta.get("run_id", "?"))),
        ("Seed", str(meta.get("seed", "?"))),
        ("Suite version", str(meta.get("suite_version", "?"))),
        ("Specs", ", ".join(f"{k} {v}" for k, v in (meta.get("specs") or {}).items()) or "?"),
    ]
    if meta.get("replayed_from"):
        rows.append(("Replayed from", str(meta["replayed_from"])))
    if meta.get("record_dir"):
        rows.append(("Recorded to", str(meta["record_dir"])))
    if meta.get("elapsed_s") is not None:
        rows.append(("Duration", f"{meta['elapsed_s']} s"))
    return rows


def _notes(meta: dict[str, Any]) -> list[str]:
    if not embedded(meta):
        return []
    where = f" on {meta['base_url']}" if meta.get("base_url") else ""
    return [f"The embedded reference listened{where} only while the run lasted; that port no longer exists. "
            "Curl lines use $BASE_URL: start `conformance serve` (with the same --fault flags) and set BASE_URL "
            "to it, or run the reproduction command, which starts its own reference."]


def _sources(texts: set[str]) -> list[tuple[str, str, str]]:
    known = report_data()["sources"]
    used = {key for text in texts for key in SOURCE_KEY.findall(text)}
    order = list(known)
    return [(key, known[key]["title"], known[key]["url"]) for key in sorted(used & set(known), key=order.index)]

