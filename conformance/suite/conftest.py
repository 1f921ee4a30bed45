"""Fixtures the suite modules share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.apis.badges import (
    BadgesApi,
)
from conformance.apis.badges_v4 import AssignmentsV4Api
from conformance.apis.rewards import (
    RewardsApi,
)
from conformance.apis.tiers import TiersApi
from conformance.plugin import RunSettings
from conformance.suite.support.sdk import Sdk
from conformance.suite.support.tier_settings import SettingsGuard, guarded_settings
from conformance.suite.v4_served import require_v4
from conformance.target import Target
from conformance.verdict import Expect


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
def v4_served(target: Target) -> None:
    require_v4(target)


@pytest.fixture
def assignments(target: Target) -> AssignmentsV4Api:
    return AssignmentsV4Api(target)
