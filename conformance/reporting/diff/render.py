"""Writing a diff: the console lines, diff.md and diff.html."""

from __future__ import annotations

import json

from conformance.reporting.diff.compare import identity_warnings
from conformance.reporting.diff.model import Answer, Change, RunProfile

BODY_EXCERPT = 1500


def counts_line(changes: list[Change]) -> str:
    breaking = sum(c.breaking for c in changes)
    return f"{breaking} breaking, {len(changes) - breaking} benign change(s)"


def console_lines(old: RunProfile, new: RunProfile, changes: list[Change], limit: int = 40) -> list[str]:
    """Counts first, then what makes the runs incomparable, then each breaking change with its first evidence."""
    breaking = [c for c in changes if c.breaking]
    lines = [f"{'BREAKING' if breaking else 'no breaking change'}: {counts_line(changes)}"]
    lines += [f"warning: {warning}" for warning in identity_warnings(old, new)]
    for change in breaking[:limit]:
        first = change.evidence[0] if change.evidence else None
        evidence = f" ({first.request} in {first.test}: {'; '.join(first.differences)})" if first else ""
        lines.append(f"BREAKING {change.kind} {change.subject}: {change.detail}{evidence}")
    if len(breaking) > limit:
        lines.append(f"… and {len(breaking) - limit} more breaking change(s)")
    return lines


def body_text(answer: Answer) -> str:
    text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body, ensure_ascii=False)
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "…"


def diff_markdown(old: RunProfile, new: RunProfile, changes: list[Change]) -> str:
    breaking = [c for c in changes if c.breaking]
    lines = [f"# Behaviour diff: {'BREAKING' if breaking else 'no breaking change'}", "",
             f"**{counts_line(changes)}**", "", f"- OLD: `{old.label}`", f"- NEW: `{new.label}`", ""]
    lines += [f"> ⚠️ {warning}" for warning in identity_warnings(old, new)]
    if not (old.has_bodies and new.has_bodies):
        lines += ["", "_Requests are compared one by one only between cassette sets; reports give rule verdicts._"]
    for title, subset in (("Breaking", breaking), ("Benign", [c for c in changes if not c.breaking])):
        lines += ["", f"## {title}", ""]
        if not subset:
            lines.append("None.")
            continue
        lines += ["| kind | rule / test / operation | change |", "|---|---|---|"]
        for change in subset:
            lines.append(f"| {change.kind} | `{change.subject}` | {_cell(change.detail)}"
                         + (f" — {_cell(change.statement)}" if change.statement else "") + " |")
            for item in change.evidence[:5]:
                lines.append(f"| | ↳ `{_cell(item.test)}` `{item.request}` | {_cell('; '.join(item.differences))} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


DIFF_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;max-width:1200px;margin:24px auto;padding:0 16px;color:#1d2330;
overflow-wrap:anywhere}
h1 span{padding:2px 10px;border-radius:10px;color:#fff}.red{background:#cf222e}.green{background:#1a7f37}
.warn{background:#fff4d6;border-left:4px solid #9a6700;padding:6px 10px;margin:6px 0}
.change{border:1px solid #dde;border-radius:6px;margin:10px 0;padding:6px 10px}
.change.b{border-left:6px solid #cf222e}.change.ok{border-left:6px solid #1a7f37}
.tag{display:inline-block;padding:1px 8px;border-radius:8px;color:#fff;font-size:12px;font-weight:600}
.statement{color:#4f5663;font-size:13px}
.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px;margin:6px 0}
pre{background:#f6f7fa;border:1px solid #e3e5ec;padding:6px;margin:2px 0;white-space:pre-wrap;word-break:break-word;
font-size:12px;max-height:260px;overflow:auto}
code{overflow-wrap:anywhere}
details{margin:4px 0}summary{cursor:pointer}
"""


def diff_html(old: RunProfile, new: RunProfile, changes: list[Change]) -> str:
    from html import escape

    from conformance.reporting.html import inline_markdown

    breaking = [c for c in changes if c.breaking]
    head = '<span class="red">BREAKING</span>' if breaking else '<span class="green">no breaking change</span>'
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
             '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Behaviour diff</title>'
             f"<style>{DIFF_CSS}</style></head><body><h1>Behaviour diff {head}</h1>",
             f"<p><b>{escape(counts_line(changes))}</b><br>OLD: <code>{escape(old.label)}</code><br>"
             f"NEW: <code>{escape(new.label)}</code></p>"]
    parts += [f'<div class="warn">{escape(w)}</div>' for w in identity_warnings(old, new)]
    for change in sorted(changes, key=lambda c: not c.breaking):
        css, colour, word = ("b", "red", "breaking") if change.breaking else ("ok", "green", "benign")
        subject = escape(change.subject)
        if change.kind == "rule":
            subject = f'<a id="rule-{subject}">{subject}</a>'
        parts.append(f'<div class="change {css}"><span class="tag {colour}">{word}</span> {escape(change.kind)} '
                     f"<b><code>{subject}</code></b>: {escape(change.detail)}")
        if change.statement:
            parts.append(f'<div class="statement">{inline_markdown(change.statement)}</div>')
        for index, item in enumerate(change.evidence[:10]):
            opened = " open" if index == 0 and change.breaking else ""
            parts.append(f"<details{opened}><summary><code>{escape(item.test)}</code> · "
                         f"<code>{escape(item.request)}</code>: {escape('; '.join(item.differences))}</summary>"
                         f'<div class="pair"><div>OLD <b>{item.old.status}</b><pre>{escape(body_text(item.old))}</pre>'
                         f'</div><div>NEW <b>{item.new.status}</b><pre>{escape(body_text(item.new))}</pre></div></div>'
                         "</details>")
        if len(change.evidence) > 10:
            parts.append(f"<div>… and {len(change.evidence) - 10} more request(s)</div>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
