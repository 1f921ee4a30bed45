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
    """For `$GITHUB_STEP_SUMMARY`: the verdict, each failure's violation and how to reproduce it."""
    from conformance.reporting.failures import typed_actual
    from conformance.reporting.model import build

    model = build(results)
    counts = results.counts()
    verdicts = results.rule_verdicts()
    failing = sorted((r for r, v in verdicts.items() if v in ("fail", "error")), key=rules.sort_key)
    unchecked = sorted((r for r, v in verdicts.items() if v == NOT_CHECKED), key=rules.sort_key)
    meta = results.meta
    target = meta.get("target") or meta.get("base_url", "?")
    if meta.get("faults"):
        target = f"{target} (fault: {', '.join(meta['faults'])})"
    lines = [
        f"# Conformance summary: {model.headline}",
        "",
        f"Target: `{target}` · profile `{meta.get('profile', '?')}` · run `{meta.get('run_id', '?')}` · "
        f"seed `{meta.get('seed', '?')}`",
        "",
        "| verdict | tests |",
        "|---|---|",
        *[f"| {name} | {counts.get(name, 0)} |" for name in ("pass", "warn", "fail", "error", "skip")],
        "",
        f"Rules checked: {sum(v != NOT_CHECKED for v in verdicts.values())}; "
        f"failing: {', '.join(failing) if failing else 'none'}; "
        f"not checked: {', '.join(unchecked) if unchecked else 'none'}.",
    ]
    if model.failures:
        lines += ["", f"## Failures ({len(model.failures)})", ""]
        for failure in model.failures:
            what = failure.violations[0] if failure.violations else (failure.other[:1] or ["(no message)"])[0]
            lines += [f"- **{failure.label}** `{failure.nodeid}`: {what}",
                      *[f"  `{command}`" for command in failure.reproduce]]
    if results.warnings:
        lines += ["", "## Warnings", ""]
        for result in results.warnings:
            for warning in result["warnings"]:
                lines.append(f"- {warning['rule']}: {typed_actual(warning['message'])} (`{result['nodeid']}`)")
    if model.skipped or model.not_checked:
        lines += ["", "## Skipped and not checked", ""]
        lines += [f"- skipped `{test}`: {why}" for test, why in model.skipped]
        lines += [f"- not checked {rule}: {why}" for rule, why in model.not_checked]
    return "\n".join(lines) + "\n"
