"""The short summary printed at the end of a run (plain lines when not on a terminal or NO_COLOR).

Everything that comes from the run (test ids, messages, reasons) is printed as literal `Text`, never as rich
markup: parameters such as `[#GGGGGG]` or `[name]` would otherwise be read as style tags and vanish.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance import rules
from conformance.reporting.failures import build_failure, cli_flags, typed_actual
from conformance.reporting.results import NOT_CHECKED, RunResults

#: Per-test verdicts in the order the closing line counts them.
TEST_COUNTS = (("pass", "passed"), ("warn", "warned"), ("fail", "failed"), ("error", "errors"), ("skip", "skipped"))


def _line(label: str, style: str, *rest: str) -> Text:
    """`LABEL rest…`: only the label is styled; the rest is taken literally."""
    text = Text(label, style=style)
    for part in rest:
        text.append(" ")
        text.append(part)
    return text


def verdict_headline(results: RunResults, incomplete: str | None = None) -> str:
    """The verdict word; `incomplete` says why the run cannot give one (interrupted, results missing ...)."""
    if incomplete:
        return f"INCOMPLETE ({incomplete})"
    if results.tool_errors:
        return "INCOMPLETE (tool or target errors)"
    return "NOT CONFORMANT" if results.failures else "CONFORMANT"


def closing_line(results: RunResults, elapsed: float, incomplete: str | None = None) -> str:
    """One line that adds up: every test counted once by its verdict, then the rules no assertion checked."""
    counts = results.counts()
    total = sum(counts.values())
    tests = ", ".join(f"{counts.get(key, 0)} {word}" for key, word in TEST_COUNTS)
    return (f"{verdict_headline(results, incomplete)}: {total} tests: {tests}; "
            f"{len(results.not_checked())} rules not checked; {elapsed:.1f}s")


def print_summary(results: RunResults, written: list[Path], elapsed: float, incomplete: str | None = None) -> None:
    console = Console(highlight=False, soft_wrap=True)
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
        console.print(_line("ERROR", "bold magenta", f"{result['nodeid']}: {result['tool_error']}"))
    for index, result in enumerate(results.failures):
        failure = build_failure(index + 1, result, results.meta)
        console.print(_line("FAIL", "bold red", failure.label.replace(", ", ","), failure.nodeid))
        for line in (failure.violations or failure.other)[:3]:
            console.print(Text(f"      {line[:240]}"))
    for result in results.warnings:
        for warning in result["warnings"]:
            message = f"{typed_actual(warning['message'])} ({result['nodeid']})"
            console.print(_line("WARN", "yellow", warning["rule"], message))
    for rule_id, reason in results.not_checked_lines():
        console.print(_line("NOT CHECKED", "cyan", f"{rule_id}: {cli_flags(reason)}"))
    headline = verdict_headline(results, incomplete)
    style = {"CONFORMANT": "bold green", "NOT CONFORMANT": "bold red"}.get(headline, "bold magenta")
    console.print(Text(closing_line(results, elapsed, incomplete), style=style))
    if written:
        console.print(Text(f"reports: {written[0].parent}"))
