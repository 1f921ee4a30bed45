"""The short summary printed at the end of a run (plain lines when not on a terminal or NO_COLOR)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance import rules
from conformance.reporting.results import NOT_CHECKED, RunResults


def print_summary(results: RunResults, written: list[Path], elapsed: float, incomplete: str | None = None) -> None:
    console = Console(highlight=False, soft_wrap=True)
    counts = results.counts()
    by_api: dict[str, dict[str, int]] = {}
    catalogue = rules.catalogue()
    for rule_id, verdict in results.rule_verdicts().items():
        api = catalogue[rule_id].api if rule_id in catalogue else "other"
        by_api.setdefault(api, {}).setdefault(verdict, 0)
        by_api[api][verdict] += 1
    columns = ("pass", "warn", "fail", "error", NOT_CHECKED)
    table = Table(title="Rules by API", show_edge=False)
    table.add_column("api")
    for verdict in columns:
        table.add_column(verdict, justify="right")
    for api in sorted(by_api):
        table.add_row(api, *[str(by_api[api].get(v, 0)) for v in columns])
    console.print(table)
    for result in results.tool_errors:
        console.print(f"[red]ERROR[/red] {result['nodeid']}: {result['tool_error']}", markup=True)
    for result in results.failures:
        lines = (result["message"] or "").splitlines()
        violations = [line for line in lines if line.startswith("violation:")][:3] or lines[:1]
        console.print(f"[red]FAIL[/red] {','.join(result.get('violated') or result['rules']) or '-'} "
                      f"{escape(result['nodeid'])}")
        for line in violations:
            console.print(f"      {line[:240]}", markup=False)
    for result in results.warnings:
        for warning in result["warnings"]:
            console.print(f"[yellow]WARN[/yellow] {warning['rule']} {warning['message']}")
    for rule_id, reason in sorted(results.not_checked().items(), key=lambda item: rules.sort_key(item[0])):
        console.print(f"NOT CHECKED {rule_id}: {reason}", markup=False)
    verdict = "NOT CONFORMANT" if results.failures else "CONFORMANT"
    if results.tool_errors:
        verdict = "INCOMPLETE (tool or target errors)"
    if incomplete:
        verdict = f"INCOMPLETE ({incomplete})"
    console.print(
        f"{verdict}: {counts.get('pass', 0)} passed, {counts.get('warn', 0)} warned, "
        f"{counts.get('fail', 0)} failed, {counts.get('error', 0)} errors in {elapsed:.1f}s"
    )
    if written:
        console.print(f"reports: {written[0].parent}")
