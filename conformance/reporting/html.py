"""report.html: one self-contained file (inline CSS and a few lines of inline JS; nothing from the network).

Failures are collapsible and filterable (verdict, API, rule, free text); grid cells link to the failures of
their rule and to the rule's entry, which carries the rule sheet's text and resolvable sources.
"""

from __future__ import annotations

import re
from html import escape

from conformance.reporting.failures import Failure
from conformance.reporting.model import SOURCE_KEY, ReportModel, RuleEntry, build
from conformance.reporting.results import RunResults

#: Every badge colour carries white text at >= 4.5:1 (WCAG AA); tests/test_reports.py measures them.
BADGE_COLOURS = {
    "pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "error": "#8250df",
    "skip": "#59636e", "untested": "#59636e", "not-checked": "#59636e", "not-run": "#59636e",
}
CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}a{color:#0b57b0}
table{border-collapse:collapse;margin:6px 0 12px;max-width:100%}
td,th{border:1px solid #dde;padding:3px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f4f8}.meta td:first-child{color:#4f5663;white-space:nowrap}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;color:#fff}
""" + "".join(f".{name}{{background:{colour}}}" for name, colour in BADGE_COLOURS.items()) + """
.matrix{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}.matrix table{margin:0}
.cell{display:inline-block;min-width:88px;padding:2px 6px;border-radius:4px;color:#fff;font-size:12px;text-align:center;
text-decoration:none}
a.cell:hover{outline:2px solid #1d2330}
.counts .cell{min-width:0;margin:2px 2px}
pre{background:#f6f7fa;border:1px solid #e3e5ec;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-word;
font-size:12px;margin:4px 0 10px}
code{overflow-wrap:anywhere}
blockquote{margin:6px 0;padding:4px 10px;border-left:4px solid #8d96b5;background:#fafbff}
.small{color:#4f5663;font-size:12px}
details.failure{border:1px solid #dde;border-radius:6px;margin:8px 0;padding:4px 10px;background:#fff}
details.failure[open]{background:#fcfcfe}
details.failure summary{cursor:pointer;padding:4px 0;overflow-wrap:anywhere}
.violation{font-weight:600;color:#8c1a22}
.label{font-weight:600;margin:8px 0 2px}
#filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0;padding:8px;background:#f3f4f8;border-radius:6px}
#filters input[type=search]{flex:1;min-width:180px}
.rule-entry{border-top:1px solid #eee;padding:6px 0}
td.ids{white-space:nowrap;overflow-wrap:normal}
"""
SCRIPT = """
(function(){
var f=document.getElementById('filters');
function apply(){if(!f)return;var v=f.verdict.value,a=f.api.value,r=f.rule.value.trim().toUpperCase(),
q=f.q.value.trim().toLowerCase(),n=0;
document.querySelectorAll('details.failure').forEach(function(d){
var ok=(!v||d.dataset.verdict===v)&&(!a||d.dataset.api===a)&&(!r||(' '+d.dataset.rules+' ').indexOf(' '+r+' ')>=0)
&&(!q||d.textContent.toLowerCase().indexOf(q)>=0);d.hidden=!ok;if(ok)n++;});
document.getElementById('shown').textContent=n;}
function reveal(){var t=location.hash&&document.getElementById(location.hash.slice(1));
if(t&&t.tagName==='DETAILS'){t.hidden=false;t.open=true;}}
if(f){f.addEventListener('input',apply);f.addEventListener('change',apply);}
window.addEventListener('hashchange',reveal);reveal();
})();
"""


def _verdict(verdict: str, cls: str = "cell", href: str | None = None) -> str:
    css = cls if " " in cls else f"{cls} {escape(verdict.replace(' ', '-'))}"
    if href:
        return f'<a class="{css}" href="#{escape(href)}">{escape(verdict)}</a>'
    return f'<span class="{css}">{escape(verdict)}</span>'


def inline_markdown(text: str) -> str:
    """The Markdown rule texts use (`code`, **bold**), rendered after escaping."""
    html = escape(text)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", html)


def _sources(source: str) -> str:
    return SOURCE_KEY.sub(lambda m: f'<a href="#src-{m.group(0)}">{m.group(0)}</a>', inline_markdown(source))


def report_html(results: RunResults) -> str:
    model = build(results)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(model.title)}</title><style>{CSS}</style></head><body>",
        f'<h1>{escape(model.title)} <span class="badge {model.headline_class}">{escape(model.headline)}</span></h1>',
        '<table class="meta">',
        *[f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in model.meta_rows],
        "</table>",
        *[f'<p class="small">{inline_markdown(note)}</p>' for note in model.notes if model.failures],
        '<p class="counts">Tests: ' + " ".join(
            _verdict(f"{model.counts.get(name, 0)} {word}", f"cell {name}")
            for name, word in (("pass", "passed"), ("warn", "warned"), ("fail", "failed"), ("error", "errors"),
                               ("skip", "skipped")))
        + f" · Rules: {_verdict(f'{model.not_checked_count} not checked', 'cell not-checked')}</p>",
        '<p class="small"><a href="#failures">Failures</a> · <a href="#warnings">Warnings</a> · '
        '<a href="#skipped">Skipped</a> · <a href="#not-checked">Not checked</a> · <a href="#coverage">Coverage</a> · '
        '<a href="#sdk">SDK</a> · <a href="#rules">Rules</a> · <a href="#sources">Sources</a></p>',
    ]
    parts += _grid(model)
    parts += _failures(model)
    parts += _warnings_skips(model)
    parts += _coverage(model)
    parts += _sdk(model)
    parts += _rules(model)
    parts += ['<h2 id="sources">Sources</h2>', "<table><tr><th>key</th><th>source</th></tr>"]
    for key, title, url in model.sources:
        link = f'<br><a href="{escape(url)}">{escape(url)}</a>' if url else ""
        parts.append(f'<tr id="src-{escape(key)}"><td>{escape(key)}</td><td>{inline_markdown(title)}{link}</td></tr>')
    parts += ["</table>", f"<script>{SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _grid(model: ReportModel) -> list[str]:
    parts = ["<h2>Rules × API</h2>", '<p class="small">A verdict links to the first failure of its rule, the rule id '
             "to the rule's text.</p>", '<div class="matrix">']
    for api, entries in model.rules.items():
        parts.append(f"<table><tr><th colspan=2>{escape(api)}</th></tr>")
        for entry in entries:
            href = entry.failures[0] if entry.failures else f"rule-{entry.id}"
            parts.append(f'<tr><td><a href="#rule-{escape(entry.id)}">{escape(entry.id)}</a></td>'
                         f"<td>{_verdict(entry.verdict, href=href)}</td></tr>")
        parts.append("</table>")
    parts.append("</div>")
    return parts


def _failures(model: ReportModel) -> list[str]:
    parts = [f'<h2 id="failures">Failures ({len(model.failures)})</h2>']
    if not model.failures:
        return [*parts, "<p>None.</p>"]
    apis = sorted({f.api for f in model.failures})
    parts.append(
        '<form id="filters" onsubmit="return false">'
        '<label>verdict <select name="verdict"><option value="">all</option><option>fail</option>'
        '<option>error</option></select></label>'
        '<label>API <select name="api"><option value="">all</option>'
        + "".join(f"<option>{escape(a)}</option>" for a in apis) + "</select></label>"
        '<label>rule <input name="rule" size="10" placeholder="TIER-2"></label>'
        '<input type="search" name="q" placeholder="search test ids, messages, requests">'
        f'<span class="small"><span id="shown">{len(model.failures)}</span> shown</span></form>')
    rule_text = {e.id: e for entries in model.rules.values() for e in entries}
    for failure in model.failures:
        parts += _failure(failure, rule_text)
    return parts


def _failure(failure: Failure, rule_text: dict[str, RuleEntry]) -> list[str]:
    ids = " ".join(failure.rules)
    parts = [f'<details class="failure" id="{failure.anchor}" data-verdict="{escape(failure.verdict)}" '
             f'data-api="{escape(failure.api)}" data-rules="{escape(ids)}">',
             f"<summary>{_verdict(failure.verdict)} <b>{escape(failure.label)}</b> · "
             f"<code>{escape(failure.nodeid)}</code>"
             + (f'<br><span class="violation">{escape(failure.violations[0])}</span>' if failure.violations else "")
             + "</summary>"]
    if len(failure.violations) > 1 and not failure.checks:
        parts.append("<ul>" + "".join(f'<li class="violation">{escape(v)}</li>' for v in failure.violations[1:])
                     + "</ul>")
    if failure.checks:
        parts.append("<table><tr><th>check that fired</th><th>rule</th><th>what it found</th></tr>")
        parts += [f'<tr><td><code>{escape(c.check)}</code></td><td class="ids">'
                  + (", ".join(f'<a href="#rule-{escape(r)}">{escape(r)}</a>' for r in c.rules) or "spec")
                  + f"</td><td>{escape(c.detail)}</td></tr>" for c in failure.checks]
        parts.append("</table>")
    if failure.other:
        parts.append(f"<pre>{escape(chr(10).join(failure.other)[:3000])}</pre>")
    for rule_id in failure.rules:
        entry = rule_text.get(rule_id)
        if entry is not None:
            parts.append(f'<blockquote><a href="#rule-{escape(rule_id)}"><b>{escape(rule_id)}</b></a> '
                         f"[{escape(entry.level)}]: {inline_markdown(entry.statement)}"
                         f'<br><span class="small">expected: {inline_markdown(entry.expected)} · source: '
                         f"{_sources(entry.source)}</span></blockquote>")
    for exchange in failure.exchanges:
        parts.append(f'<div class="label">{escape(exchange.label)}</div><pre>{escape(exchange.curl)}</pre>')
        if exchange.status is not None or exchange.response:
            status = escape(str(exchange.status)) if exchange.status is not None else "?"
            body = escape(exchange.response) if exchange.response else '<span class="small">(body not recorded)</span>'
            parts.append(f"<div>answered <b>{status}</b>:</div><pre>{body}</pre>")
    parts.append('<div class="label">Reproduce</div><pre>' + escape("\n".join(failure.reproduce)) + "</pre>")
    parts.append("</details>")
    return parts


def _warnings_skips(model: ReportModel) -> list[str]:
    parts = [f'<h2 id="warnings">Warnings ({len(model.warnings)})</h2>']
    if model.warnings:
        parts.append("<table><tr><th>rule</th><th>message</th><th>test</th></tr>")
        parts += [f'<tr><td><a href="#rule-{escape(r)}">{escape(r)}</a></td><td>{escape(m)}</td>'
                  f"<td><code>{escape(t)}</code></td></tr>" for r, m, t in model.warnings]
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append(f'<h2 id="skipped">Skipped tests ({len(model.skipped)})</h2>')
    if model.skipped:
        parts.append("<table><tr><th>test</th><th>why</th></tr>")
        parts += [f"<tr><td><code>{escape(t)}</code></td><td>{escape(why)}</td></tr>" for t, why in model.skipped]
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts += [f'<h2 id="not-checked">Not checked ({model.not_checked_count})</h2>',
              "<p>Rules whose tests ran, but no assertion that can fail in this profile did.</p>"]
    if model.not_checked:
        parts.append("<table><tr><th>rule</th><th>why</th></tr>")
        parts += [f'<tr><td>{_rule_link(r)}</td><td>{inline_markdown(why)}</td></tr>' for r, why in model.not_checked]
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    return parts


def _coverage(model: ReportModel) -> list[str]:
    ops = model.operations
    parts = ['<h2 id="coverage">Coverage</h2>',
             "<table><tr><th>API</th><th>rules with tests</th><th>rules</th><th>of them judged from events</th></tr>"]
    parts += [f"<tr><td>{escape(api)}</td><td>{tested}</td><td>{total}</td><td>{webhook}</td></tr>"
              for api, tested, total, webhook in model.coverage]
    parts += ["</table>",
              f"<p><b>{ops.percent():.0f}%</b> of documented operations exercised "
              f"({len(ops.exercised)} of {len(ops.operations)}).</p>",
              "<table><tr><th>documented operation</th><th>status codes seen (×count)</th>"
              "<th>documented, never seen</th></tr>"]
    for op in ops.exercised:
        seen = ", ".join(f"{code}×{n}" for code, n in sorted(ops.seen[op.key].items()))
        never = ", ".join(str(c) for c in ops.never_seen(op)) or "—"
        parts.append(f"<tr><td><code>{escape(op.key)}</code></td><td>{escape(seen)}</td><td>{escape(never)}</td></tr>")
    parts.append("</table>")
    parts.append('<p class="small">"Never seen" leaves out 401, 403, 428, 429, 500 and 503, which every operation '
                 "documents for platform conditions.</p>")
    if ops.never_exercised:
        parts.append("<p>Operations never exercised: " + ", ".join(
            f"<code>{escape(op.key)}</code>" for op in ops.never_exercised) + "</p>")
    if ops.undocumented:
        parts.append("<p>Requests to no documented operation: " + ", ".join(
            f"<code>{escape(key)}</code> ×{sum(codes.values())}" for key, codes in sorted(ops.undocumented.items()))
            + "</p>")
    return parts


def _sdk(model: ReportModel) -> list[str]:
    if not model.sdk:
        return []
    parts = ['<h2 id="sdk">Official SDK compatibility</h2>',
             "<table><tr><th>SDK method</th><th>verdict</th><th>rules</th><th>tests</th><th>note</th></tr>"]
    parts += [f"<tr><td><code>{escape(row['method'])}</code></td><td>{_verdict(row['verdict'])}</td>"
              f"<td>{escape(', '.join(row['rules']))}</td><td>{len(row['tests'])}</td>"
              f"<td>{escape(row.get('skip_reason', ''))}</td></tr>" for row in model.sdk]
    parts.append("</table>")
    return parts


def _rules(model: ReportModel) -> list[str]:
    parts = ['<h2 id="rules">Rules</h2>']
    for api, entries in model.rules.items():
        parts.append(f"<h3>{escape(api)}</h3>")
        for entry in entries:
            extra = ""
            if entry.ambiguities:
                extra += "".join(f'<br><span class="small">{escape(a)}: {inline_markdown(text)}</span>'
                                 for a, text in entry.ambiguities)
            if entry.reason:
                extra += f'<br><span class="small">not checked: {inline_markdown(entry.reason)}</span>'
            if entry.failures:
                extra += '<br><span class="small">failures: ' + ", ".join(
                    f'<a href="#{a}">{a.removeprefix("failure-")}</a>' for a in entry.failures) + "</span>"
            parts.append(f'<div class="rule-entry" id="rule-{escape(entry.id)}">{_verdict(entry.verdict)} '
                         f"<b>{escape(entry.id)}</b> [{escape(entry.level)}] {inline_markdown(entry.statement)}"
                         f'<br><span class="small">expected: {inline_markdown(entry.expected)} · source: '
                         f"{_sources(entry.source)}</span>{extra}</div>")
    return parts


def _rule_link(label: str) -> str:
    """A rule id links to its row; a folded range of a not-served API (`BADGE-1 … BADGE-23 (23 rules)`) does not."""
    return f'<a href="#rule-{escape(label)}">{escape(label)}</a>' if " " not in label else escape(label)
