"""report.md: the full human report as Markdown (renders on GitHub, pastes into an issue)."""

from __future__ import annotations

from conformance.reporting.failures import Failure
from conformance.reporting.model import ReportModel, build
from conformance.reporting.results import RunResults

MARK = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "error": "💥 error", "skip": "⏭ skip",
        "not checked": "◌ not checked", "untested": "· untested", "not run": "· not run"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fence(text: str, lang: str = "") -> list[str]:
    """A fenced block that survives backticks inside the text."""
    ticks = "````" if "```" in text else "```"
    return [f"{ticks}{lang}", text, ticks]


def failure_markdown(failure: Failure, model: ReportModel, heading: str = "###") -> list[str]:
    out = [f"{heading} {MARK.get(failure.verdict, failure.verdict)} {failure.label} · "
           f"`{failure.nodeid}`", ""]
    out += [f"- **violation:** {_cell(v)}" for v in (failure.violations if not failure.checks else [])]
    if failure.checks:
        out += ["| check that fired | rule | what it found |", "|---|---|---|"]
        out += [f"| `{c.check}` | {', '.join(c.rules) or 'spec'} | {_cell(c.detail)} |" for c in failure.checks]
    if failure.other:
        out += ["", *fence("\n".join(failure.other)[:3000])]
    out.append("")
    entries = {e.id: e for rows in model.rules.values() for e in rows}
    for rule_id in failure.rules:
        if rule_id in entries:
            entry = entries[rule_id]
            out.append(f"> **{rule_id}** [{entry.level}]: {entry.statement} _(expected: {entry.expected}; "
                       f"source: {entry.source})_")
            out.append(">")
    if out[-1] == ">":
        out[-1] = ""
    for exchange in failure.exchanges:
        out += [f"**{exchange.label}:**", "", *fence(exchange.curl, "sh")]
        if exchange.status is not None or exchange.response:
            out += ["", f"answered `{exchange.status}`:", "", *fence(exchange.response or "(body not recorded)",
                                                                      "json")]
        out.append("")
    out += ["**Reproduce:**", "", *fence("\n".join(failure.reproduce), "sh"), ""]
    return out


def report_markdown(results: RunResults) -> str:
    model = build(results)
    out = [f"# {model.title}: {model.headline}", ""]
    out += ["| | |", "|---|---|", *[f"| {k} | {_cell(v)} |" for k, v in model.meta_rows], ""]
    out += [*(f"> {note}" for note in model.notes), ""] if model.notes else []
    out.append("Tests: " + " · ".join(f"{name}: {model.counts.get(name, 0)}"
                                      for name in ("pass", "warn", "fail", "error", "skip"))
               + f" · rules not checked: {model.not_checked_count}")
    out += ["", "## Rules by API", ""]
    for api, entries in model.rules.items():
        out += [f"### {api}", "", "| rule | verdict | statement | source |", "|---|---|---|---|"]
        out += [f"| {e.id} | {MARK.get(e.verdict, e.verdict)} | {_cell(e.statement)} | {_cell(e.source)} |"
                for e in entries]
        out.append("")
    out += [f"## Failures ({len(model.failures)})", ""]
    if not model.failures:
        out += ["None.", ""]
    for failure in model.failures:
        out += failure_markdown(failure, model)
    out += [f"## Warnings ({len(model.warnings)})", ""]
    out += [f"- **{rule}**: {_cell(msg)} (`{test}`)" for rule, msg, test in model.warnings] or ["None."]
    out += ["", f"## Skipped tests ({len(model.skipped)})", ""]
    out += [f"- `{test}`: {_cell(why)}" for test, why in model.skipped] or ["None."]
    out += ["", f"## Not checked ({model.not_checked_count})", "",
            "Rules whose tests ran, but no assertion that can fail in this profile did:", ""]
    out += [f"- **{rule}**: {_cell(reason)}" for rule, reason in model.not_checked] or ["None."]
    out += ["", *coverage_markdown(model)]
    if model.sdk:
        out += ["", "## Official SDK compatibility", "", "| SDK method | verdict | rules | tests | note |",
                "|---|---|---|---|---|"]
        out += [f"| `{row['method']}` | {MARK.get(row['verdict'], row['verdict'])} | {', '.join(row['rules'])} | "
                f"{len(row['tests'])} | {_cell(row.get('skip_reason', ''))} |" for row in model.sdk]
    out += ["", "## Sources", "", "| key | source |", "|---|---|"]
    out += [f"| {key} | {_cell(title)}{' — ' + url if url else ''} |" for key, title, url in model.sources]
    return "\n".join(out) + "\n"


def coverage_markdown(model: ReportModel) -> list[str]:
    ops = model.operations
    out = ["## Coverage", "", "| api | rules with tests | rules | of them judged from events |", "|---|---|---|---|"]
    out += [f"| {api} | {tested} | {total} | {webhook} |" for api, tested, total, webhook in model.coverage]
    out += ["", f"**{ops.percent():.0f}%** of documented operations exercised ({len(ops.exercised)} of "
                f"{len(ops.operations)}).", "",
            "| documented operation | status codes seen | documented, never seen |", "|---|---|---|"]
    for op in ops.exercised:
        seen = ", ".join(f"{code}×{n}" for code, n in sorted(ops.seen[op.key].items()))
        out.append(f"| `{op.key}` | {seen} | {', '.join(str(c) for c in ops.never_seen(op)) or '—'} |")
    out += ["", "_Never seen_ leaves out 401, 403, 428, 429, 500 and 503, which every operation documents for "
                "platform conditions."]
    if ops.never_exercised:
        out += ["", "Operations never exercised: " + ", ".join(f"`{op.key}`" for op in ops.never_exercised)]
    if ops.undocumented:
        out += ["", "Requests to no documented operation: " + ", ".join(
            f"`{key}` ×{sum(codes.values())}" for key, codes in sorted(ops.undocumented.items()))]
    return out
