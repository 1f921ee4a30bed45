"""What the human reports show, computed once so report.md and report.html cannot disagree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance import rules
from conformance.reporting.results import RunResults

APIS = ("common", "tiers", "rewards", "badges")
VERDICTS = ("pass", "warn", "fail", "error", "skip", "not checked", "untested")


@dataclass
class ReportModel:
    title: str
    headline: str
    meta_rows: list[tuple[str, str]]
    counts: dict[str, int]
    matrix: dict[str, list[tuple[str, str, str]]]  # api -> [(rule id, verdict, statement)]
    coverage: list[tuple[str, int, int, int]]  # api, tested, total, judged from events
    operations: list[tuple[str, str]]  # "POST /tiers", "200×4, 400×9"
    failures: list[dict[str, Any]]
    warnings: list[tuple[str, str, str]]  # rule, message, test
    sdk: list[dict[str, Any]]
    not_checked: list[tuple[str, str]]  # rule, why no assertion that can fail ran for it


def build(results: RunResults) -> ReportModel:
    catalogue = rules.catalogue()
    verdicts = results.rule_verdicts()
    matrix: dict[str, list[tuple[str, str, str]]] = {api: [] for api in APIS}
    for rule in catalogue.values():
        matrix.setdefault(rule.api, []).append((rule.id, verdicts.get(rule.id, "untested"), rule.statement))
    coverage = [(api, row["tested"], row["total"], row["webhook"]) for api, row in results.rule_coverage().items()]
    operations = [
        (op, ", ".join(f"{code}×{n}" for code, n in sorted(codes.items())))
        for op, codes in sorted(results.operations().items())
    ]
    counts = dict(results.counts())
    failing = bool(results.failures)
    errors = bool(results.tool_errors)
    headline = "INCOMPLETE (tool or target errors)" if errors else ("NOT CONFORMANT" if failing else "CONFORMANT")
    meta = results.meta
    target = str(meta.get("target") or meta.get("base_url") or "?")
    if meta.get("faults"):
        target += f" (fault: {', '.join(meta['faults'])})"
    meta_rows = [
        ("Target", target),
        ("Profile", str(meta.get("profile", "?"))),
        ("Run id", str(meta.get("run_id", "?"))),
        ("Seed", str(meta.get("seed", "?"))),
        ("Suite version", str(meta.get("suite_version", "?"))),
        ("Specs", ", ".join(f"{k} {v}" for k, v in (meta.get("specs") or {}).items()) or "?"),
    ]
    if meta.get("replayed_from"):
        meta_rows.append(("Replayed from", str(meta["replayed_from"])))
    if meta.get("elapsed_s") is not None:
        meta_rows.append(("Duration", f"{meta['elapsed_s']} s"))
    warnings = [(w["rule"], w["message"], r["nodeid"]) for r in results.warnings for w in r["warnings"]]
    return ReportModel(
        title="Conformance report",
        headline=headline,
        meta_rows=meta_rows,
        counts=counts,
        matrix={api: rows for api, rows in matrix.items() if rows},
        coverage=coverage,
        operations=operations,
        failures=results.failure_details(),
        warnings=warnings,
        sdk=results.sdk_rows(),
        not_checked=sorted(results.not_checked().items(), key=lambda item: rules.sort_key(item[0])),
    )


def response_text(response: Any, limit: int = 2000) -> str:
    text = response if isinstance(response, str) else json.dumps(response, indent=1)
    return text if len(text) <= limit else text[:limit] + "…"
