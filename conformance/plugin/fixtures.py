"""The suite's fixtures: the target, assertions under the profile, ownership of created entities, names that
cannot collide, a fresh site, and recording. Each one does nothing until a test asks for it."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.live import Owned
from conformance.plugin.keys import RunSettings, exchanges_key, expect_key, settings_key, settings_of
from conformance.plugin.selection import rule_ids
from conformance.target import Target
from conformance.verdict import Expect


@pytest.fixture(scope="session")
def conformance_settings(pytestconfig: pytest.Config) -> Iterator[RunSettings]:
    """The run's settings: target, profile, run id, budgets.

    With no base URL the embedded reference starts here, on first use, so a pytest session that merely has
    the plugin installed (it is auto-loaded) never starts a server.
    """
    settings = settings_of(pytestconfig)
    if settings.worker_reference_key and settings.disposable and hasattr(pytestconfig, "workerinput"):
        yield from _worker_reference(settings)
        return
    if settings.base_url is not None or settings.replay_dir:
        yield settings
        return
    from conformance.embedded import EmbeddedServer
    from conformance.plugin.events import wire_embedded
    from conformance.webhooks import Receiver

    receiver = Receiver().start()  # the embedded reference delivers its events here
    server = EmbeddedServer(faults=settings.faults, webhook_urls=[receiver.url],
                            deliver_while=receiver.wanted).start()
    assert server.events is not None
    wire_embedded(pytestconfig, server.events.public_key, receiver)
    settings.base_url = server.base_url
    settings.disposable = True  # still the embedded reference: no live-site guards, nothing to sweep
    settings.headers.setdefault("Authorization", "conformance-local")
    try:
        yield settings
    finally:
        server.stop()
        receiver.stop()


def _worker_reference(settings: RunSettings) -> Iterator[RunSettings]:
    """`-n` against the embedded reference: this xdist worker serves its own instance (the run's faults, signing
    key and event receiver), so workers never share site-wide state such as the badge display order, which
    every badge another worker creates or deletes would change under a test."""
    from conformance.embedded import EmbeddedServer
    from conformance.webhooks import listening_here

    assert settings.worker_reference_key is not None
    urls = [f"http://{settings.webhooks_listen}/"] if settings.webhooks_listen else []
    server = EmbeddedServer(faults=settings.faults, webhook_urls=urls, deliver_while=listening_here,
                            webhook_private_key=Path(settings.worker_reference_key).read_bytes()).start()
    settings.base_url = server.base_url
    try:
        yield settings
    finally:
        server.stop(wait=False)


@pytest.fixture(scope="session")
def _session_target(conformance_settings: RunSettings) -> Target:
    return conformance_settings.target()


@pytest.fixture
def target(_session_target: Target, request: pytest.FixtureRequest) -> Iterator[Target]:
    """The implementation under test; the exchanges of this test are kept for the report."""
    _session_target.log = []
    request.node.stash[exchanges_key] = _session_target.log
    yield _session_target


@dataclass
class FreshSite:
    """A site for the rules observable only before program settings ever existed (TIER-15, TIER-17).

    `fresh` is True when the site is known never to have had settings (a new embedded reference started for
    this test), None on a live target, where the test can only tell from what the site answers."""

    target: Target
    fresh: bool | None


@pytest.fixture
def fresh_site(target: Target, conformance_settings: RunSettings) -> Iterator[FreshSite]:
    """Against the embedded reference: a new reference instance (same faults) for this test alone, so every
    fresh-site rule is checked in one full run. Against a live target or cassettes: the run's own target."""
    if conformance_settings.replay_dir or not conformance_settings.embedded:
        yield FreshSite(target, True if conformance_settings.replay_dir and conformance_settings.embedded else None)
        return
    from conformance.embedded import EmbeddedServer

    server = EmbeddedServer(faults=conformance_settings.faults,
                            deterministic=bool(conformance_settings.record_dir)).start()
    try:
        own = conformance_settings.target(server.base_url)
        own.log = target.log  # the test's exchanges stay in its report
        yield FreshSite(own, True)
    finally:
        server.stop(wait=False)


@pytest.fixture
def expect(request: pytest.FixtureRequest, conformance_settings: RunSettings) -> Expect:
    """Assertions that quote the test's rules and apply the profile."""
    checker = Expect(rule_ids(request.node) or ("COMMON-1",), conformance_settings.profile)
    request.node.stash[expect_key] = checker
    return checker


@pytest.fixture
def owned(target: Target) -> Iterator[Owned]:
    """Register every entity the test creates; they are deleted when the test ends, pass or fail."""
    tracker = Owned(target)
    yield tracker
    tracker.cleanup()


@pytest.fixture
def unique(request: pytest.FixtureRequest, conformance_settings: RunSettings) -> Unique:
    """Names and numbers that cannot collide with site data, other tests or other workers."""
    return Unique(conformance_settings, request.node.nodeid)


@pytest.fixture(autouse=True)
def _cassette(request: pytest.FixtureRequest) -> Iterator[None]:
    """Records or replays the test's exchanges; does nothing (and starts nothing) unless the run asked for it."""
    settings = request.config.stash.get(settings_key, None)
    if settings is None or not (settings.record_dir or settings.replay_dir):
        yield
        return
    from conformance.recording import cassette_for, write_cases

    run = request.getfixturevalue("conformance_settings")
    with cassette_for(request.node.nodeid, run):
        yield
    cases = request.node.__dict__.get("conformance_cases")
    if settings.record_dir and cases is not None:  # a fuzz test: its cases, so a replay need not generate them
        write_cases(settings.record_dir, request.node.nodeid, cases, run)


@functools.cache
def _faker() -> Any:
    """One Faker per process (building one loads every provider: ~10 ms a test); each `Unique` reseeds it."""
    from faker import Faker

    return Faker()


class Unique:
    """Deterministic per test (seeded by run id and test id) so a replay sends the same requests."""

    def __init__(self, settings: RunSettings, nodeid: str):
        digest = hashlib.sha256(f"{settings.run_id}:{nodeid}".encode()).hexdigest()
        self.prefix = f"{settings.tag}{digest[:4]}"
        self.faker = _faker()
        self.faker.seed_instance(int(digest[:8], 16))
        self._counter = 0
        self._points_base = 1_000_000 + int(digest[8:14], 16) % 8_000_000

    def name(self, max_length: int = 50) -> str:
        self._counter += 1
        word = self.faker.word().capitalize()
        return f"{self.prefix}-{self._counter} {word}"[:max_length]

    def points(self) -> int:
        """requiredPoints in 1,000,000..9,099,999: far from small real-site values, distinct within a test."""
        self._counter += 1
        return self._points_base + self._counter * 7

    def guid(self) -> str:
        import uuid

        return str(uuid.UUID(int=self.faker.random.getrandbits(128), version=4))
