"""Secrets never shown: a target that echoes the credential back (verbatim, base64- and URL-encoded, in the
body and in a header) cannot make any output of the run carry it — console, results, reports, JUnit."""

from __future__ import annotations

import base64
import http.server
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

from test_robustness import http_server

from conformance.redact import REDACTED, Redactor, encoded_forms
from conformance.scan import scan_paths
from conformance.target import Target

SECRET = "sk-live-0123456789abcdefXYZ+/="  # characters that base64 and URL encoding both change
AUTHORIZATION = f"Bearer {SECRET}"


def every_form(value: str) -> set[str]:
    """Written out here independently of conformance.redact, so the test does not trust the code it checks."""
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote_plus(value)}
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms |= {encoded, encoded.rstrip("=")}
    return forms


FORMS = every_form(AUTHORIZATION) | every_form(SECRET)


def echo(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Answers every request 200 with the Authorization header it received, in several encodings."""
    auth = handler.headers.get("Authorization", "")
    token = auth.partition(" ")[2]
    body = json.dumps({
        "echo": auth, "b64": base64.b64encode(auth.encode()).decode(), "url": quote(auth, safe=""),
        "token": token, "tokenB64": base64.urlsafe_b64encode(token.encode()).decode().rstrip("="),
        "tiers": [], "rewards": [], "badges": [],
    }).encode()
    length = int(handler.headers.get("Content-Length") or 0)
    if length:
        handler.rfile.read(length)
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("X-Echo", auth)
    handler.end_headers()
    handler.wfile.write(body)


def occurrences(text: str) -> int:
    return sum(text.count(form) for form in FORMS)


def test_an_echoing_target_leaks_no_secret_into_any_output(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with http_server(echo) as (url, seen):
        result = cli("run", "--base-url", url, "--header", "Authorization: env:ECHO_KEY", "--api", "tiers",
                     "--quick", "--run-id", "secret1", "--report-dir", "out", env={"ECHO_KEY": AUTHORIZATION},
                     timeout=600)
    assert len(seen) > 20, "the run must actually have talked to the echo target"
    assert result.returncode == 1, result.output[-2000:]  # an echo is not a conformant API
    assert "[REDACTED]" in (tmp_path / "out" / "results.json").read_text()  # the echo was seen, and redacted
    leaks = {"console": occurrences(result.output)}
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "junit.xml" for p in written) and any(p.name == "summary.md" for p in written)
    for path in written:
        leaks[str(path.relative_to(tmp_path))] = occurrences(path.read_text(encoding="utf-8", errors="replace"))
    assert sum(leaks.values()) == 0, {k: v for k, v in leaks.items() if v}


def test_target_exchanges_are_redacted_on_the_request_side_too() -> None:
    with http_server(echo) as (url, _):
        target = Target(url, {"Authorization": AUTHORIZATION})
        exchange = target.post(f"/x?key={quote(SECRET, safe='')}", {"note": SECRET})
    text = exchange.describe() + json.dumps(exchange.to_dict()) + json.dumps(exchange.response_headers)
    assert occurrences(text) == 0, text
    assert REDACTED in exchange.response_text and exchange.body["tiers"] == []  # the rest of the answer is intact


def test_redactor_covers_encoded_forms_and_ignores_short_values() -> None:
    redactor = Redactor([AUTHORIZATION, "k"])
    for form in FORMS:
        assert redactor.text(f"<{form}>") == f"<{REDACTED}>", form
    assert redactor.text("k is kept") == "k is kept"
    assert FORMS <= encoded_forms(AUTHORIZATION) | encoded_forms(SECRET)


def test_scan_finds_encoded_forms(tmp_path: Path) -> None:
    encoded = base64.b64encode(AUTHORIZATION.encode()).decode()
    (tmp_path / "report.md").write_text(f"ok\nbody: {encoded}\nurl: {quote(SECRET, safe='')}\n")
    lines = sorted(f.line for f in scan_paths([tmp_path], [AUTHORIZATION]))
    assert lines[:1] == [2] and 3 in lines
