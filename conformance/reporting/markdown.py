"""report.md: the full human report as Markdown (renders on GitHub, pastes into an issue)."""

from __future__ import annotations

from conformance.reporting.model import build, response_text
from conformance.reporting.results import RunResults

MARK = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "error": "💥 error", "skip": "⏭ skip",
        "not checked": "◌ not checked", "untested": "· untested"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(results: RunResults) -> str:
    model = build(results)
    out = [f"# {model.title}: {model.headline}", ""]
    out += ["| | |", "|---|---|", *[f"| {k} | {_cell(v)} |" for k, v in model.meta_rows], ""]
    out.append(" · ".join(f"{name}: {model.counts.get(name, 0)}" for name in ("pass", "warn", "fail", "error", "skip")))
    out += ["", "## Rules by API", ""]
    for api, rows in model.matrix.items():
        out += [f"### {api}", "", "| rule | verdict | statement |", "|---|---|---|"]
        out += [f"| {rid} | {MARK.get(v, v)} | {_cell(st)} |" for rid, v, st in rows]
        out.append("")
    out += ["## Coverage", "", "| api | rules with tests | rules | of them judged from events |", "|---|---|---|---|"]
    out += [f"| {api} | {tested} | {total} | {webhook} |" for api, tested, total, webhook in model.coverage]
    out += ["", "| operation | status codes seen |", "|---|---|"]
    out += [f"| `{op}` | {codes} |" for op, codes in model.operations]
    if model.sdk:
        out += ["", "## Official SDK compatibility", "", "| SDK method | verdict | rules | tests |", "|---|---|---|---|"]
        out += [f"| `{row['method']}` | {MARK.get(row['verdict'], row['verdict'])} | {', '.join(row['rules'])} | "
                f"{len(row['tests'])} |" for row in model.sdk]
    out += ["", "## Failures", ""]
    if not model.failures:
        out.append("None.")
    for failure in model.failures:
        out += [f"### {', '.join(r['id'] for r in failure['rules']) or '-'} · `{failure['nodeid']}`", ""]
        for rule in failure["rules"]:
            out.append(f"> **{rule['id']}**: {rule['statement']} _(source: {rule['source']})_")
        out += ["", "```", failure["message"].strip()[:3000], "```"]
        if failure.get("curl"):
            out += ["", "Failing exchange:", "", "```sh", failure["curl"], "```", "",
                    f"Response `{failure.get('status')}`:", "", "```json", response_text(failure.get("response")), "```"]
        out.append("")
    if model.not_checked:
        out += ["## Not checked", "", "Rules whose tests ran, but no assertion that can fail in this profile did:", ""]
        out += [f"- **{rule}**: {_cell(reason)}" for rule, reason in model.not_checked]
        out.append("")
    if model.warnings:
        out += ["## Warnings", ""]
        out += [f"- **{rule}**: {_cell(msg)} (`{test}`)" for rule, msg, test in model.warnings]
    return "\n".join(out) + "\n"
