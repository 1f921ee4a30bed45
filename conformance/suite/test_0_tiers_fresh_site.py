"""Loyalty Tiers v1 rules that can only be observed on a site without program settings.

TIER-15 (Get Tiers Program creates DISABLED defaults) and TIER-17 (Create Tiers Program Settings starts
at revision "1") need a site whose settings were never created, and settings cannot be deleted. This
module's name sorts before every other suite module so these run first in a (non-xdist) session; only
the first of the two sees a fresh site, the other checks what it still can (or skips, saying why).
Selecting one rule (`--conformance-rule TIER-17`) always gives it a fresh embedded reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.apis.tiers import TiersApi
from conformance.plugin import Unique
from conformance.suite.test_tiers import SettingsGuard, entity, guarded_settings
from conformance.target import Target
from conformance.verdict import Expect


@pytest.fixture
def tiers(target: Target) -> TiersApi:
    return TiersApi(target)


@pytest.fixture
def program_settings(tiers: TiersApi, expect: Expect) -> Iterator[SettingsGuard]:
    with guarded_settings(tiers, expect) as guard:
        yield guard


@pytest.mark.rule("TIER-15")
def test_program_creates_default_settings(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    before = tiers.settings()
    expect.status(before, (200, 404), what="Get Tiers Program Settings before Get Tiers Program (AMB-14)")
    fresh = not program_settings.existed
    program = expect.ok(tiers.program(), "Get Tiers Program")
    settings = program.get("programSettings") if isinstance(program, dict) else None
    expect.that(isinstance(settings, dict) and settings, "Get Tiers Program returns programSettings")
    assert isinstance(settings, dict)
    expect.that(
        isinstance(settings.get("revision"), str) and settings["revision"].isdigit(),
        f"programSettings carries a decimal-string revision, got {settings.get('revision')!r}",
    )
    existing = tiers.settings()
    stored = entity(
        expect, existing, "Get Tiers Program Settings after Get Tiers Program", key="programSettings"
    )
    expect.that(
        stored.get("revision") == settings.get("revision") and stored.get("status") == settings.get("status"),
        "Get Tiers Program Settings returns the settings Get Tiers Program reported",
        existing,
    )
    if fresh:  # the site had none: Get Tiers Program created the documented defaults
        expect.that(
            settings.get("status") == "DISABLED",
            f"default status is DISABLED, got {settings.get('status')!r}",
        )
        months = (settings.get("rollingWindow") or {}).get("durationInMonths")
        expect.that(
            months is None or (isinstance(months, int) and 1 <= months <= 36),
            f"a default durationInMonths is within 1..36, got {months!r} (AMB-8)",
        )
    else:
        saved = program_settings.saved or {}
        expect.that(
            settings.get("revision") == saved.get("revision")
            and settings.get("status") == saved.get("status"),
            "Get Tiers Program returns the existing settings unchanged",
            existing,
        )


@pytest.mark.rule("TIER-17", "COMMON-6")
def test_create_settings_on_a_site_without_settings(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, unique: Unique
) -> None:
    if program_settings.existed or tiers.settings().status == 200:
        pytest.skip(
            "the site already has program settings; creation is observable only on a site without them"
        )
    sent: dict[str, Any] = {
        "status": "DISABLED",
        "rollingWindow": {"durationInMonths": 24},
        "baseTierDefinition": {"name": unique.name(), "description": "conformance base tier"},
    }
    answer = tiers.create_settings(sent)
    created = entity(expect, answer, "Create Tiers Program Settings", key="programSettings")
    expect.that(
        created.get("revision") == "1",
        f'new settings start at revision "1", got {created.get("revision")!r}',
        answer,
    )
    expect.that(created.get("status") == "DISABLED", "the response echoes status", answer)
    expect.that(
        (created.get("rollingWindow") or {}).get("durationInMonths") == 24,
        "the response echoes rollingWindow.durationInMonths",
        answer,
    )
    expect.that(
        (created.get("baseTierDefinition") or {}).get("name") == sent["baseTierDefinition"]["name"],
        "the response echoes baseTierDefinition.name",
        answer,
    )
