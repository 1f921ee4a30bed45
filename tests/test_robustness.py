"""Robustness of the tool: whatever the target or the invocation does wrong, `conformance run` ends with a
one-line message on stderr and exit 2 — no traceback, no hang. Each misbehaving target is a tiny server
on loopback written here."""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.target import Target
from conformance.transport import DEFAULT_RETRIES

Responder = Callable[[http.server.BaseHTTPRequestHandler], None]


@contextmanager
def http_server(respond: Responder) -> Iterator[tuple[str, list[str]]]:
    """A server whose every request is answered by `respond`; yields its URL and the paths it saw."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def handle_one_request(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or not self.parse_request():
                return
            seen.append(f"{self.command} {self.path}")
            respond(self)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def socket_server(on_accept: Callable[[socket.socket], None]) -> Iterator[str]:
    """A raw TCP server for what http.server cannot do (reset, never answer)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=on_accept, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()


def answer(status: int, body: bytes, content_type: str = "application/json",
           headers: dict[str, str] | None = None) -> Responder:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def assert_tool_error(result, *fragments: str, within: float | None = None) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.output[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("conformance: error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), lines[0]


def run_against(cli, url: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli("run", "--base-url", url, "--header", "Authorization: k", "--api", "tiers",
               "--report-dir", "out", *extra, timeout=90)


# unreachable and broken transports ----------------------------------------------------------------
def test_unreachable_target(cli) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert_tool_error(run_against(cli, f"http://127.0.0.1:{port}"), "cannot reach", "refused")


def test_connection_reset(cli) -> None:  # type: ignore[no-untyped-def]
    def reset(conn: socket.socket) -> None:
        conn.recv(1024)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
        conn.close()

    with socket_server(reset) as url:
        assert_tool_error(run_against(cli, url), "cannot reach")


def test_target_that_never_answers_times_out(cli) -> None:  # type: ignore[no-untyped-def]
    held: list[socket.socket] = []

    def hold(conn: socket.socket) -> None:
        held.append(conn)  # read nothing, answer nothing, keep the connection open

    with socket_server(hold) as url:
        started = time.monotonic()
        result = run_against(cli, url, "--timeout", "1")
        assert_tool_error(result, "timed out after 1s")
        assert time.monotonic() - started < 60
    for conn in held:
        conn.close()


# answers that are not the API ---------------------------------------------------------------------
def test_html_answer(cli) -> None:  # type: ignore[no-untyped-def]
    page = b"<!DOCTYPE html><html><body>Welcome to my shop</body></html>"
    with http_server(answer(200, page, "text/html")) as (url, _):
        assert_tool_error(run_against(cli, url), "HTML", "base-url")


def test_non_json_answer(cli) -> None:  # type: ignore[no-untyped-def]
    with http_server(answer(200, b"OK tiers", "text/plain")) as (url, _):
        assert_tool_error(run_against(cli, url), "non-JSON")


def test_refused_credentials(cli) -> None:  # type: ignore[no-untyped-def]
    body = b'{"message": "unauthorized", "details": {}}'
    with http_server(answer(401, body)) as (url, _):
        assert_tool_error(run_against(cli, url), "401", "credentials")


# rate limits and storms ---------------------------------------------------------------------------
def test_429_without_retry_after_is_retried_then_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    with http_server(answer(429, b'{"message": "slow down", "details": {}}')) as (url, seen):
        assert_tool_error(run_against(cli, url), "429", f"after {DEFAULT_RETRIES} retries", "retry budget spent")
    assert len(seen) == 1 + DEFAULT_RETRIES, seen  # retried, bounded


def test_the_retry_count_is_configurable(cli) -> None:  # type: ignore[no-untyped-def]
    with http_server(answer(429, b'{"message": "slow down", "details": {}}')) as (url, seen):
        assert_tool_error(run_against(cli, url, "--retries", "1"), "429", "after 1 retry")
    assert len(seen) == 2, seen


def test_429_with_a_huge_retry_after_waits_a_bounded_time(cli) -> None:  # type: ignore[no-untyped-def]
    """Waiting an hour is beyond any budget: the run says so at once instead of waiting part of it."""
    limited = answer(429, b'{"message": "slow down", "details": {}}', headers={"Retry-After": "3600"})
    with http_server(limited) as (url, seen):
        started = time.monotonic()
        assert_tool_error(run_against(cli, url), "429", "Retry-After 3600s is beyond the retry budget")
        assert time.monotonic() - started < 45
    assert len(seen) == 1, seen


def test_429_with_retry_after_then_success_is_transparent() -> None:
    answers = [answer(429, b"{}", headers={"Retry-After": "0"}), answer(200, b'{"tiers": []}')]

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        (answers.pop(0) if len(answers) > 1 else answers[0])(handler)

    with http_server(respond) as (url, seen):
        exchange = Target(url, max_retries=2).get("/loyalty-tiers/v1/tiers")
    assert exchange.status == 200 and len(seen) == 2


@pytest.mark.parametrize(("status", "done", "requests"), [
    (500, "not retried", 1), (502, "not retried", 1), (503, f"after {DEFAULT_RETRIES} retries", 1 + DEFAULT_RETRIES)])
def test_5xx_storm(cli, status: int, done: str, requests: int) -> None:  # type: ignore[no-untyped-def]
    """The message says what was done: a 500 is not transient and is not retried; a 503 is, within budget."""
    with http_server(answer(status, b"")) as (url, seen):
        assert_tool_error(run_against(cli, url), str(status), done, "not healthy")
    assert len(seen) == requests, seen


# the tool's own inputs ----------------------------------------------------------------------------
def test_spec_folder_without_specs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "no-specs"
    empty.mkdir()
    result = cli("run", "--api", "tiers", env={"CONFORMANCE_SPECS": str(empty)}, timeout=60)
    assert_tool_error(result, "spec file for tiers not found", "CONFORMANCE_SPECS")


@pytest.mark.parametrize("argv", [
    ["run", "--bogus"],
    ["run", "--max-examples", "0"],
    ["run", "--max-examples", "many"],
    ["run", "--api", "orders"],
    ["run", "--profile", "lax"],
    ["run", "--timeout", "-1"],
    ["run", "--run-id", "x"],
    ["run", "--fault", "tier-duplicate-name", "--base-url", "http://127.0.0.1:9"],
    ["run", "--fault", "no-such-fault", "--api", "tiers"],
    ["rules", "--format", "xml"],
    ["cleanup"],
    ["launch"],
], ids=lambda argv: "-".join(a.strip("-") for a in argv)[:40])
def test_bad_flags(cli, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert_tool_error(cli(*argv, timeout=60))
