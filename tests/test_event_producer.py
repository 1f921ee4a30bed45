"""The reference as an event producer (issue 14): signed, SDK-shaped, asynchronous, bounded retries."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import requests

from conformance.embedded import EmbeddedServer
from conformance.reference import events

AUTH = {"Authorization": "producer-test"}
MEMBER = "6b1f9b0e-3c2a-4d5e-9f60-7a8b9c0d1e2f"


class Sink:
    """A loopback receiver answering `status` after `delay` seconds; keeps every body it was sent."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.bodies: list[str] = []
        self.status, self.delay = status, delay
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                sink.bodies.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
                time.sleep(sink.delay)
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, seconds: float = 5.0) -> list[str]:
        deadline = time.monotonic() + seconds
        while len(self.bodies) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.bodies

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    receiver = Sink()
    yield receiver
    receiver.close()


def _reference(urls: list[str]) -> EmbeddedServer:
    return EmbeddedServer(webhook_urls=urls).start()


def _create_tier(server: EmbeddedServer, name: str) -> dict[str, Any]:
    return requests.post(f"{server.base_url}/loyalty-tiers/v1/tiers", headers=AUTH, timeout=5,
                         json={"tier": {"tierDefinition": {"name": name}, "requiredPoints": 5}}).json()["tier"]


def _update_tier(server: EmbeddedServer, tier: dict[str, Any]) -> None:
    requests.patch(f"{server.base_url}/loyalty-tiers/v1/tiers/{tier['id']}", headers=AUTH, timeout=5,
                   json={"tier": {"revision": "1", "requiredPoints": 6}})


def _decode(token: str, public_key: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    claims = jwt.decode(token, public_key, algorithms=["RS256"])
    envelope = json.loads(claims["data"])
    return claims, envelope, json.loads(envelope["data"])


def test_events_are_rs256_jwts_in_the_sdk_shape(sink: Sink) -> None:
    server = _reference([sink.url])
    try:
        tier = _create_tier(server, "Gold")
        _update_tier(server, tier)
        tokens = sink.wait_for(2)
        assert server.events is not None
        public_key = server.events.public_key
    finally:
        server.stop()
    assert len(tokens) == 2
    assert jwt.get_unverified_header(tokens[0])["kid"] == events.KEY_ID
    claims, envelope, first = _decode(tokens[0], public_key)
    assert isinstance(claims["data"], str) and claims["exp"] > claims["iat"]
    assert envelope["eventType"] == "wix.loyalty.v1.tier_created"
    assert isinstance(envelope["identity"], str) and json.loads(envelope["identity"])["identityType"] == "APP"
    assert first["entityId"] == tier["id"] and first["createdEvent"]["entity"] == tier
    _, _, second = _decode(tokens[1], public_key)
    assert second["slug"] == "updated" and second["updatedEvent"]["currentEntity"]["revision"] == "2"
    assert int(second["entityEventSequence"]) > int(first["entityEventSequence"])
    assert second["id"] != first["id"]
    other = events.new_private_key()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tokens[0], events.public_pem(other), algorithms=["RS256"])


def test_bulk_create_emits_one_event_per_created_item(sink: Sink) -> None:
    server = _reference([sink.url])
    try:
        body = {"tiers": [{"tierDefinition": {"name": f"T{i}"}, "requiredPoints": i} for i in range(3)]
                + [{"tierDefinition": {"name": "T0"}, "requiredPoints": 99}]}  # a duplicate name: not created
        answer = requests.post(f"{server.base_url}/loyalty-tiers/v1/bulk/tiers/create", headers=AUTH,
                               json=body, timeout=5).json()
        tokens = sink.wait_for(3)
        time.sleep(0.2)
        assert server.events is not None
        ids = {_decode(t, server.events.public_key)[2]["entityId"] for t in sink.bodies}
    finally:
        server.stop()
    assert len(tokens) == 3
    assert ids == {r["item"]["id"] for r in answer["results"] if r["itemMetadata"]["success"]}


def test_a_slow_or_failing_receiver_is_retried_a_bounded_number_of_times() -> None:
    failing = Sink(status=500)
    server = _reference([failing.url])
    try:
        requests.post(f"{server.base_url}/members/v3/badges", headers=AUTH, json={"badge": {"title": "A"}},
                      timeout=5)
        attempts = len(events.RETRY_DELAYS) + 1
        failing.wait_for(attempts, seconds=sum(events.RETRY_DELAYS) + 3)
        time.sleep(0.3)
        assert len(failing.bodies) == attempts  # every retry of the same event, then no more
        assert len(set(failing.bodies)) == 1
    finally:
        server.stop()
        failing.close()


def test_a_receiver_slower_than_1250_ms_gets_the_event_again() -> None:
    slow = Sink(delay=events.RECEIVER_TIMEOUT + 0.2)
    server = _reference([slow.url])
    try:
        requests.post(f"{server.base_url}/members/v3/badges", headers=AUTH, json={"badge": {"title": "A"}},
                      timeout=5)
        assert len(slow.wait_for(2, seconds=6)) >= 2
    finally:
        server.stop()
        slow.close()


def test_a_dead_receiver_never_slows_api_calls_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    caplog.set_level(logging.WARNING, logger="conformance.reference.events")
    server = _reference([dead])
    try:
        started = time.monotonic()
        for index in range(20):
            answer = requests.post(f"{server.base_url}/members/v3/badges", headers=AUTH, timeout=5,
                                   json={"badge": {"title": f"B{index}"}})
            assert answer.status_code == 200
        assert time.monotonic() - started < 3, "API calls waited for the webhook receiver"
        time.sleep(sum(events.RETRY_DELAYS) + 0.5)
    finally:
        server.stop()
    warnings = [r for r in caplog.records if "did not take an event" in r.getMessage()]
    assert len(warnings) == 1


def test_serve_loads_the_signing_key_and_writes_the_public_key(tmp_path: Any, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from conformance.cli import serve
    from conformance.cli.main import main

    key = events.new_private_key()
    (tmp_path / "private.pem").write_bytes(events.private_pem(key))
    args = argparse.Namespace(webhook_url=["http://127.0.0.1:9/"], webhook_private_key=str(tmp_path / "private.pem"),
                              webhook_public_key_out=str(tmp_path / "public.pem"))
    emitter = serve._emitter(args)
    assert emitter.public_key == events.public_pem(key) == (tmp_path / "public.pem").read_text()
    assert main(["serve", "--webhook-url", "ftp://nope"]) == 2
    assert "http(s) URL" in capsys.readouterr().err
    (tmp_path / "conformance.toml").write_text('webhook_urls = ["http://127.0.0.1:9/from-config"]\n')
    monkeypatch.chdir(tmp_path)
    from_config = serve._emitter(argparse.Namespace(webhook_url=[], webhook_private_key=None,
                                                    webhook_public_key_out=None))
    assert from_config.urls == ["http://127.0.0.1:9/from-config"]
    (tmp_path / "junk.pem").write_text("not a key")
    assert main(["serve", "--webhook-url", "http://x/", "--webhook-private-key", str(tmp_path / "junk.pem")]) == 2
    assert "not an unencrypted RSA private key" in capsys.readouterr().err


def test_while_nobody_listens_nothing_is_signed_or_sent_but_sequences_advance(sink: Sink) -> None:
    """The embedded reference delivers only while a suite test reads events (`deliver_while`); an event it did
    not send still counts, so the entity's next event carries the next sequence number."""
    listening = threading.Event()
    server = EmbeddedServer(webhook_urls=[sink.url], deliver_while=listening.is_set).start()
    try:
        tier = _create_tier(server, "Quiet")
        time.sleep(0.3)
        unheard = list(sink.bodies)
        listening.set()
        _update_tier(server, tier)
        heard = sink.wait_for(1)
        assert server.events is not None
        public_key = server.events.public_key
    finally:
        server.stop()
    assert unheard == []
    assert len(heard) == 1
    _, _, update = _decode(heard[0], public_key)
    assert update["slug"] == "updated" and update["entityEventSequence"] == "2"
