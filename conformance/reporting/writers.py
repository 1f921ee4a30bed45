"""Report writers. Each takes `RunResults` and a folder; none talks to the target.

`write_reports` is the one entry point: report.json (machine-readable), summary.md (short), report.md and
report.html (for people: rule x API matrix, coverage, failures with rule text and curl, SDK table).
"""

from __future__ import annotations

import json
from pathlib import Path

from conformance import rules
from conformance.reporting.html import report_html
from conformance.reporting.markdown import report_markdown
from conformance.reporting.results import NOT_CHECKED, RunResults


def write_reports(results: RunResults, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    report = folder / "report.json"
    report.write_text(json.dumps(results.to_json(), indent=1), encoding="utf-8")
    written.append(report)
    summary = folder / "summary.md"
    summary.write_text(summary_markdown(results), encoding="utf-8")
    written.append(summary)
    markdown = folder / "report.md"
    markdown.write_text(report_markdown(results), encoding="utf-8")
    written.append(markdown)
    html = folder / "report.html"
    html.write_text(report_html(results), encoding="utf-8")
    written.append(html)
    return written


def summary_markdown(results: RunResults) -> str:
    counts = results.counts()
    verdicts = results.rule_verdicts()
    failing = sorted((r for r, v in verdicts.items() if v in ("fail", "error")), key=rules.sort_key)
    unchecked = sorted((r for r, v in verdicts.items() if v == NOT_CHECKED), key=rules.sort_key)
    lines = [
        "# Conformance summary",
        "",
        f"Target: `{results.meta.get('base_url', '?')}` · profile `{results.meta.get('profile', '?')}` · "
        f"run `{results.meta.get('run_id', '?')}`",
        "",
        "| verdict | tests |",
        "|---|---|",
        *[f"| {name} | {counts.get(name, 0)} |" for name in ("pass", "warn", "fail", "error", "skip")],
        "",
        f"Rules checked: {sum(v != NOT_CHECKED for v in verdicts.values())}; "
        f"failing: {', '.join(failing) if failing else 'none'}; "
        f"not checked: {', '.join(unchecked) if unchecked else 'none'}.",
    ]
    if results.failures:
        lines += ["", "## Failures", ""]
        for failure in results.failures:
            first = (failure["message"] or "").splitlines()[0] if failure["message"] else ""
            lines.append(f"- `{failure['nodeid']}` ({', '.join(failure['rules'])}): {first}")
    if results.warnings:
        lines += ["", "## Warnings", ""]
        for result in results.warnings:
            for warning in result["warnings"]:
                lines.append(f"- {warning['rule']}: {warning['message']} (`{result['nodeid']}`)")
    return "\n".join(lines) + "\n"
