"""Transient trouble survived, permanent trouble named: a rate-limited but healthy target gets its normal
verdict (429s honoured with Retry-After in the probe and in every request, scenario and fuzz traffic
alike); a base URL with an API path, or one that is no URL, is one line and exit 2; transport failures are
classified by exception type, never by message text."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import urllib3.exceptions
from proxy import Answer, Proxy, proxy_to
from test_robustness import assert_tool_error

from conformance.embedded import EmbeddedServer
from conformance.transport import dropped, reason, retry_after

SLOW_DOWN: Answer = (429, {"Content-Type": "application/json", "Retry-After": "1"},
                     b'{"message": "slow down", "details": {}}')


@pytest.fixture
def reference() -> Iterator[str]:
    server = EmbeddedServer().start()
    try:
        yield server.base_url
    finally:
        server.stop()


def rate_limited(number: int, method: str, path: str) -> Answer | None:
    """429 (Retry-After: 1) for the first two requests (the probe), then for one request in 60 of the run."""
    return SLOW_DOWN if number <= 2 or number % 60 == 0 else None


def test_a_rate_limited_but_healthy_target_gets_its_normal_verdict(cli, reference: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = Proxy(reference, intercept=rate_limited)
    with proxy_to(state) as url:
        started = time.monotonic()
        result = cli("run", "--base-url", url, "--header", "Authorization: k", "--api", "tiers", "--quick",
                     "--report-dir", "out", timeout=600)
        took = time.monotonic() - started
    assert result.returncode == 0, result.output[-3000:]
    assert "CONFORMANT" in result.stdout and "NOT CONFORMANT" not in result.stdout
    assert state.intercepted >= 5, state.intercepted  # the probe's two and several during the run
    results = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    fuzzed = [r for r in results if "test_fuzz" in r["nodeid"] and r["verdict"] == "pass"]
    assert fuzzed, "fuzz traffic must have run through the rate limit too"
    assert took >= state.intercepted * 1.0 - 1  # each Retry-After: 1 was waited for


def test_a_probe_429_beyond_the_retry_count_says_what_was_done(cli, reference: str) -> None:  # type: ignore[no-untyped-def]
    state = Proxy(reference, intercept=lambda number, method, path: SLOW_DOWN)
    with proxy_to(state) as url:
        result = cli("run", "--base-url", url, "--header", "Authorization: k", "--api", "tiers",
                     "--retries", "2", "--retry-budget", "10", "--report-dir", "out", timeout=120)
    assert_tool_error(result, "429", "after 2 retries over 2.0s", "retry budget spent (2 retries, 10s)")
    assert state.requests == 3


def test_retry_budget_in_the_config_file(cli, reference: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "conformance.toml").write_text("retries = 1\nretry_budget = 5\n")
    state = Proxy(reference, intercept=lambda number, method, path: SLOW_DOWN)
    with proxy_to(state) as url:
        result = cli("run", "--base-url", url, "--header", "Authorization: k", "--api", "tiers",
                     "--report-dir", "out", timeout=120)
    assert_tool_error(result, "after 1 retry", "(1 retries, 5s)")
    assert state.requests == 2


# the base URL --------------------------------------------------------------------------------------
def test_a_base_url_with_an_api_path_is_told_to_pass_the_host_root(cli, reference: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--base-url", f"{reference}/loyalty-tiers/v1", "--header", "Authorization: k",
                 "--report-dir", "out", timeout=120)
    assert_tool_error(result, "404", "pass the host root", "/loyalty-tiers/v1")


@pytest.mark.parametrize("url", ["not-a-url", "ftp://example.com", "http://"])
def test_a_base_url_that_is_no_url_is_one_line(cli, url: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--base-url", url, "--header", "Authorization: k", "--report-dir", "out", timeout=60)
    assert_tool_error(result, "not an http(s) URL")
    assert "MissingSchema" not in result.output and "InvalidSchema" not in result.output


# classification by type ----------------------------------------------------------------------------
def test_transport_failures_are_classified_by_type_not_text() -> None:
    wrapped = requests.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection")))
    assert dropped(wrapped) and reason(wrapped) == "connection closed without an answer"
    # message text that mentions a cause is not the cause
    liar = requests.ConnectionError("Connection refused / Connection reset / RemoteDisconnected")
    assert not dropped(liar) and reason(liar) == "ConnectionError"
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert reason(refused.value) == "connection refused" and not dropped(refused.value)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("1", 0) == 1.0
    assert 0.0 <= retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 0) <= 0.0  # a date in the past: no wait
    assert retry_after(None, 0) == 0.5 and retry_after("soon", 2) == 2.0


def test_proxy_environment_is_honoured_once_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.transport import SuiteSession

    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    session = SuiteSession()
    far = session.merge_environment_settings("http://api.example/x", {}, None, None, None)
    near = session.merge_environment_settings("http://127.0.0.1:9/x", {}, None, None, None)
    again = session.merge_environment_settings("http://api.example/y", {}, None, None, None)
    assert far["proxies"].get("http") == "http://proxy.invalid:3128"
    assert not near["proxies"].get("http")
    assert again == far
