"""report.html: one self-contained file (inline CSS, no scripts, fonts or images from the network)."""

from __future__ import annotations

from html import escape

from conformance.reporting.model import build, response_text
from conformance.reporting.results import RunResults

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #dde;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f8}.meta td:first-child{color:#667;white-space:nowrap}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;color:#fff}
.pass{background:#1f9d55}.warn{background:#d99a00}.fail{background:#d64545}.error{background:#8b2fc9}
.skip,.untested,.not-checked{background:#6b7280}
.matrix{display:flex;flex-wrap:wrap;gap:18px}.matrix table{margin:0}
.cell{display:inline-block;min-width:88px;padding:2px 6px;border-radius:4px;color:#fff;font-size:12px;text-align:center}
.counts span{margin-right:10px}
pre{background:#f6f7fa;border:1px solid #e3e5ec;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-word;font-size:12px}
blockquote{margin:6px 0;padding:4px 10px;border-left:4px solid #c5cbe0;background:#fafbff}
.small{color:#667;font-size:12px}
"""


def _verdict(verdict: str, cls: str = "cell") -> str:
    return f'<span class="{cls} {escape(verdict.replace(" ", "-"))}">{escape(verdict)}</span>'


def report_html(results: RunResults) -> str:
    model = build(results)
    headline_class = "pass" if model.headline == "CONFORMANT" else ("error" if "INCOMPLETE" in model.headline else "fail")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(model.title)}</title><style>{CSS}</style></head><body>",
        f'<h1>{escape(model.title)} <span class="badge {headline_class}">{escape(model.headline)}</span></h1>',
        '<table class="meta">',
        *[f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in model.meta_rows],
        "</table>",
        '<p class="counts">' + "".join(f"<span>{_verdict(name)} {model.counts.get(name, 0)}</span>"
                                       for name in ("pass", "warn", "fail", "error", "skip")) + "</p>",
        "<h2>Rules × API</h2>", '<div class="matrix">',
    ]
    for api, rows in model.matrix.items():
        parts.append(f"<table><tr><th colspan=2>{escape(api)}</th></tr>")
        parts += [f'<tr><td title="{escape(st)}">{escape(rid)}</td><td>{_verdict(v)}</td></tr>' for rid, v, st in rows]
        parts.append("</table>")
    parts.append("</div>")
    parts += ["<h2>Coverage</h2>", "<table><tr><th>API</th><th>rules with tests</th><th>rules</th>"
              "<th>of them judged from events</th></tr>"]
    parts += [f"<tr><td>{escape(api)}</td><td>{tested}</td><td>{total}</td><td>{webhook}</td></tr>"
              for api, tested, total, webhook in model.coverage]
    parts += ["</table>", "<table><tr><th>operation exercised</th><th>status codes seen (×count)</th></tr>"]
    parts += [f"<tr><td><code>{escape(op)}</code></td><td>{escape(codes)}</td></tr>" for op, codes in model.operations]
    parts.append("</table>")
    if model.sdk:
        parts += ["<h2>Official SDK compatibility</h2>",
                  "<table><tr><th>SDK method</th><th>verdict</th><th>rules</th><th>tests</th></tr>"]
        parts += [f"<tr><td><code>{escape(row['method'])}</code></td><td>{_verdict(row['verdict'])}</td>"
                  f"<td>{escape(', '.join(row['rules']))}</td><td>{len(row['tests'])}</td></tr>" for row in model.sdk]
        parts.append("</table>")
    parts.append(f"<h2>Failures ({len(model.failures)})</h2>")
    if not model.failures:
        parts.append("<p>None.</p>")
    for failure in model.failures:
        ids = ", ".join(r["id"] for r in failure["rules"]) or "-"
        parts.append(f"<h3>{_verdict(failure['verdict'])} {escape(ids)} · <code>{escape(failure['nodeid'])}</code></h3>")
        for rule in failure["rules"]:
            parts.append(f"<blockquote><b>{escape(rule['id'])}</b>: {escape(rule['statement'])}"
                         f'<br><span class="small">source: {escape(rule["source"])}</span></blockquote>')
        parts.append(f"<pre>{escape(failure['message'].strip()[:3000])}</pre>")
        if failure.get("curl"):
            parts.append(f"<p>Failing exchange:</p><pre>{escape(failure['curl'])}</pre>")
            parts.append(f"<p>Response <b>{escape(str(failure.get('status')))}</b>:</p>"
                         f"<pre>{escape(response_text(failure.get('response')))}</pre>")
    if model.not_checked:
        parts += [f"<h2>Not checked ({len(model.not_checked)})</h2>",
                  "<p>Rules whose tests ran, but no assertion that can fail in this profile did.</p>",
                  "<table><tr><th>rule</th><th>why</th></tr>"]
        parts += [f"<tr><td>{escape(r)}</td><td>{escape(why)}</td></tr>" for r, why in model.not_checked]
        parts.append("</table>")
    if model.warnings:
        parts += [f"<h2>Warnings ({len(model.warnings)})</h2>", "<table><tr><th>rule</th><th>message</th><th>test</th></tr>"]
        parts += [f"<tr><td>{escape(r)}</td><td>{escape(m)}</td><td><code>{escape(t)}</code></td></tr>"
                  for r, m, t in model.warnings]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
