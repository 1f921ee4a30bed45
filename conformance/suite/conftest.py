"""Fixtures the suite modules share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.apis.badges import (
    BadgesApi,
)
from conformance.apis.badges_v4 import AssignmentsV4Api
from conformance.apis.rewards import (
    RewardsApi,
)
from conformance.apis.tiers import TiersApi
from conformance.paths import APIS
from conformance.plugin import RunSettings
from conformance.plugin.selection import item_apis
from conformance.probe import NOT_SERVED, ProbeError, probe
from conformance.suite.support.sdk import Sdk
from conformance.suite.support.tier_settings import SettingsGuard, guarded_settings
from conformance.target import Target
from conformance.verdict import Expect
from conformance.webhooks import EventLog, read_recording, write_recording

_asked: dict[str, list[str]] = {}


@pytest.fixture(autouse=True)
def _only_served_apis(request: pytest.FixtureRequest, conformance_settings: RunSettings) -> None:
    """A test of an API the target does not serve (a v3-only or v4-only Badges target) skips with one reason.

    `conformance run` probes before the session and passes what it found; the plugin used on its own asks the
    target here, once per base URL (a target the probe cannot judge is left to the tests themselves)."""
    needed = item_apis(request.node)
    if not needed:
        return
    not_served = conformance_settings.not_served
    if not_served is None:
        target: Target = request.getfixturevalue("target")
        if target.base_url not in _asked:
            try:
                _asked[target.base_url] = probe(target, list(APIS))
            except ProbeError:
                _asked[target.base_url] = []
        not_served = _asked[target.base_url]
    for api in sorted(needed & set(not_served)):
        pytest.skip(NOT_SERVED[api])


@pytest.fixture
def tiers(target: Target) -> TiersApi:
    return TiersApi(target)


@pytest.fixture
def racing(conformance_settings: RunSettings) -> None:
    """Concurrency is judged live only: vcrpy loses exchanges sent from several threads at once, and a replay
    has no server whose atomicity could be judged (the stale/future revision scenarios still check COMMON-5)."""
    if conformance_settings.record_dir or conformance_settings.replay_dir:
        pytest.skip("concurrent requests cannot be recorded or replayed faithfully; run `conformance run "
                    "--rule COMMON-5` against the target (without --record) to check atomicity")


@pytest.fixture
def program_settings(tiers: TiersApi, expect: Expect) -> Iterator[SettingsGuard]:
    """Serialised access to the site's program settings, restored after the test."""
    with guarded_settings(tiers, expect) as guard:
        yield guard


@pytest.fixture
def badges(target: Target) -> BadgesApi:
    return BadgesApi(target)


@pytest.fixture
def rewards(target: Target) -> RewardsApi:
    return RewardsApi(target)


@pytest.fixture
def sdk(target: Target, expect: Expect) -> Sdk:
    return Sdk(target, expect)


@pytest.fixture
def assignments(target: Target) -> AssignmentsV4Api:
    return AssignmentsV4Api(target)


@pytest.fixture
def log(events: EventLog, conformance_settings: RunSettings, request: pytest.FixtureRequest) -> Iterator[EventLog]:
    """The run's deliveries; with --record the ones that arrive during this test are kept beside its cassette,
    and --conformance-replay judges exactly those again (the public key travels with them)."""
    from conformance.recording import cassette_path

    folder = conformance_settings.record_dir or conformance_settings.replay_dir
    recording = cassette_path(folder, request.node.nodeid).with_suffix(".events.json") if folder else None
    if conformance_settings.replay_dir and recording is not None:
        recorded, public_key = read_recording(recording)
        yield EventLog(recorded, public_key, wait_seconds=0)
        return
    start = len(events.refresh())
    yield events
    if conformance_settings.record_dir and recording is not None:
        Path(recording).parent.mkdir(parents=True, exist_ok=True)
        write_recording(recording, events.refresh()[start:], events.public_key)
