"""Loyalty Tiers v1 rules that can only be observed on a site without program settings.

TIER-15 (Get Tiers Program creates DISABLED defaults) and TIER-17 (Create Tiers Program Settings starts
at revision "1") need a site whose settings were never created, and settings cannot be deleted.
`fresh_site` gives each test a new reference instance when the target is the embedded reference, so both are
checked in every run; against a live site only the first can see it fresh, and the other is reported
"not checked" with the reason (the module's name sorts first so that, without xdist, these run first).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.apis.tiers import TiersApi
from conformance.plugin import FreshSite, Unique
from conformance.suite.support.tier_settings import SettingsGuard, guarded_settings
from conformance.suite.support.tiers import entity
from conformance.verdict import Expect


@pytest.fixture
def tiers(fresh_site: FreshSite) -> TiersApi:
    return TiersApi(fresh_site.target)


@pytest.fixture
def program_settings(tiers: TiersApi, fresh_site: FreshSite, expect: Expect) -> Iterator[SettingsGuard | None]:
    """None on a site known to be fresh (nothing to save or restore, and no read that could create defaults
    under AMB-14); on a live site the guard that saves and restores what it had."""
    if fresh_site.fresh:
        yield None
        return
    with guarded_settings(tiers, expect) as guard:
        yield guard


@pytest.mark.rule("TIER-15")
def test_program_creates_default_settings(
    tiers: TiersApi, program_settings: SettingsGuard | None, expect: Expect
) -> None:
    first = program_settings.first if program_settings else tiers.settings()
    expect.status(first, (200, 404), what="Get Tiers Program Settings before Get Tiers Program (AMB-14)")
    fresh = program_settings is None or not program_settings.existed
    if fresh and first.status == 200:  # AMB-14: this GET created the defaults, so it is the TIER-15 check
        created = entity(expect, first, "Get Tiers Program Settings on a fresh site", key="programSettings")
        expect.that(created.get("status") == "DISABLED",
                    f"defaults created on a fresh site have status DISABLED, got {created.get('status')!r}", first)
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
    if fresh:  # the site had none: Get Tiers Program (or the GET before it, AMB-14) created the defaults
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
        saved = (program_settings.saved if program_settings else None) or {}
        expect.that(
            settings.get("revision") == saved.get("revision")
            and settings.get("status") == saved.get("status"),
            "Get Tiers Program returns the existing settings unchanged",
            existing,
        )


@pytest.mark.rule("TIER-17", "COMMON-6")
def test_create_settings_on_a_site_without_settings(
    tiers: TiersApi, program_settings: SettingsGuard | None, expect: Expect, unique: Unique
) -> None:
    if program_settings is not None and program_settings.first.status == 200:
        pytest.skip(
            "the site already has program settings (or its first read created them, AMB-14); creation is "
            "observable only on a site without them: run `conformance run --rule TIER-17` against a new site"
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
