"""Loyalty Tiers v1 program settings and program paths (API-FACTS §3.4: TIER-15..TIER-25, COMMON-17).

Program settings are site-wide: every test that reads or writes them holds `program_settings`, which
serialises those tests across xdist workers (a file lock per target) and restores the content the
site had before the test. Settings cannot be deleted (the API has no such endpoint), so a site that had
none keeps the DISABLED defaults that Get Tiers Program creates anyway (TIER-15).

The settings tests that need a site *without* settings (TIER-15 defaults, TIER-17 create) live in
test_0_tiers_fresh_site.py, whose name sorts first so they run before any other test touches settings.
"""

from __future__ import annotations

import time

import pytest

from conformance.apis import moment
from conformance.apis.tiers import TiersApi
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.races import one_winner, race
from conformance.suite.support.tier_settings import (
    SettingsGuard,
    other_status,
    settings_content,
    settings_unchanged,
    window,
)
from conformance.suite.support.tiers import (
    create_tier,
    entity,
    listed,
)
from conformance.target import Target
from conformance.verdict import ANY_4XX, Expect


# settings writes --------------------------------------------------------------------------------------
@pytest.mark.rule("TIER-18")
def test_create_settings_when_they_exist_is_rejected(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    current = program_settings.current()
    answer = tiers.create_settings(
        {
            "status": other_status(current.get("status")),
            "rollingWindow": {"durationInMonths": 36 if window(current)["durationInMonths"] != 36 else 24},
        }
    )
    expect.rejected(answer, 409, tolerated=ANY_4XX, amb="AMB-13", what="second Create Tiers Program Settings")
    after = program_settings.current()
    expect.that(
        after.get("revision") == current.get("revision")
        and after.get("status") == current.get("status")
        and after.get("rollingWindow") == current.get("rollingWindow"),
        "the existing settings are unchanged (not replaced)",
        answer,
    )


@pytest.mark.rule("TIER-19", "COMMON-8")
def test_settings_update_with_current_revision_increments_it(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    current = program_settings.current()
    status = other_status(current.get("status"))
    time.sleep(0.01)  # timestamps carry milliseconds: let the clock move, so "advances" can be strict
    answer = program_settings.update(current.get("revision"), status=status, rollingWindow=window(current))
    updated = entity(expect, answer, "Update Tiers Program Settings", key="programSettings")
    before, after = moment(current.get("updatedDate")), moment(updated.get("updatedDate"))
    expect.that(
        before is None or (after is not None and after > before),
        f"updatedDate advances: {current.get('updatedDate')!r} -> {updated.get('updatedDate')!r}",
        answer,
        rule="COMMON-8",
    )
    expect.that(
        moment(updated.get("createdDate")) == moment(current.get("createdDate")),
        f"createdDate never changes: {current.get('createdDate')!r} -> {updated.get('createdDate')!r}",
        answer,
        rule="COMMON-8",
    )
    expected = str(int(current["revision"]) + 1) if str(current.get("revision", "")).isdigit() else None
    expect.that(
        updated.get("revision") == expected,
        f"revision goes {current.get('revision')!r} -> {expected!r}, got {updated.get('revision')!r}",
        answer,
        rule="TIER-19",  # TIER-19 states the +1 for settings; it is COMMON-6 too, which other scenarios check
    )
    expect.that(updated.get("status") == status, f"status is updated to {status}", answer, rule="TIER-19")
    stored = program_settings.current()
    expect.that(
        stored.get("status") == status and stored.get("revision") == expected,
        "Get Tiers Program Settings shows the update",
        answer,
        rule="TIER-19",
    )


@pytest.mark.rule("TIER-20", "COMMON-2")
@pytest.mark.parametrize("missing", ["status", "revision", "rollingWindow"])
def test_settings_update_missing_a_required_field_is_rejected(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, missing: str
) -> None:
    current = program_settings.current()
    body = {
        "status": other_status(current.get("status")),
        "rollingWindow": window(current),
        "revision": current.get("revision"),
    }
    body.pop(missing)
    answer = tiers.update_settings(body)
    expect.rejected(answer, 400, what=f"settings update without {missing}", rule="TIER-20")
    settings_unchanged(expect, current, program_settings.current(), answer)


@pytest.mark.rule("TIER-21", "COMMON-5", "COMMON-6")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_settings_update_with_wrong_revision_is_rejected(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, revision: str
) -> None:
    first = program_settings.current()
    bumped = entity(
        expect,
        program_settings.update(
            first.get("revision"), status=other_status(first.get("status")), rollingWindow=window(first)
        ),
        "settings update with the current revision",
        key="programSettings",
    )
    current = str(bumped.get("revision", ""))
    sent = (
        first.get("revision") if revision == "stale" else str(int(current) + 5 if current.isdigit() else 99)
    )
    answer = program_settings.update(
        sent, status=other_status(bumped.get("status")), rollingWindow=window(bumped)
    )
    expect.status(answer, 409, what=f"settings update carrying a {revision} revision")
    after = program_settings.current()
    expect.that(
        settings_content(after) == settings_content(bumped),
        f"the settings are unchanged after the refused update: {settings_content(bumped)} -> "
        f"{settings_content(after)}",
        answer,
    )


@pytest.mark.rule("TIER-22")
def test_settings_update_without_base_tier_resets_it(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, unique: Unique
) -> None:
    current = program_settings.current()
    name = unique.name()
    with_base = program_settings.update(
        current.get("revision"),
        status=current.get("status") or "DISABLED",
        rollingWindow=window(current),
        baseTierDefinition={"name": name, "description": "conformance"},
    )
    set_base = entity(expect, with_base, "settings update with a baseTierDefinition", key="programSettings")
    expect.that(
        (set_base.get("baseTierDefinition") or {}).get("name") == name,
        "the response echoes baseTierDefinition.name",
        with_base,
    )
    without = program_settings.update(
        set_base.get("revision"), status=set_base.get("status") or "DISABLED", rollingWindow=window(set_base)
    )
    entity(expect, without, "settings update without baseTierDefinition", key="programSettings")
    stored = program_settings.current()
    base = stored.get("baseTierDefinition") or {}
    expect.that(
        not base.get("name") and not base.get("description") and not (base.get("icon") or {}).get("url"),
        f"an omitted baseTierDefinition is reset to empty, got {base!r}",
        without,
    )


@pytest.mark.rule("TIER-23")
@pytest.mark.parametrize(
    "status", ["ACTIVE", "PAUSED", "DISABLED", "DRAFT", "UNKNOWN", "NOT_A_STATUS", "ENABLED"]
)
def test_settings_status_values(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, status: str
) -> None:
    current = program_settings.current()
    answer = program_settings.update(current.get("revision"), status=status, rollingWindow=window(current))
    if status in ("ACTIVE", "PAUSED", "DISABLED"):
        updated = entity(expect, answer, f"status {status}", key="programSettings")
        expect.that(updated.get("status") == status, f"status {status} is stored", answer)
        return
    if status == "DRAFT":
        expect.prefer(answer.status == 200, "status DRAFT should be accepted (AMB-9)", answer, amb="AMB-9")
    elif status == "UNKNOWN":
        expect.that(
            answer.status == 200 or (400 <= answer.status < 500 and answer.status != 404),
            "status UNKNOWN is accepted or rejected with a 4xx (AMB-9)",
            answer,
        )
    else:
        expect.rejected(answer, 400, what=f"status {status!r}")
        after = program_settings.current()
        expect.that(
            after.get("revision") == current.get("revision") and after.get("status") == current.get("status"),
            "the settings are unchanged after the rejected update",
            answer,
        )


@pytest.mark.rule("TIER-24", "COMMON-2")
@pytest.mark.parametrize("months", [12, 36, 37, 0, -1, 1, 11])
def test_settings_rolling_window_bounds(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, months: int
) -> None:
    current = program_settings.current()
    # A refused update also carries another status: none of it may be applied (COMMON-2).
    status = other_status(current.get("status")) if months in (37, 0, -1) else current.get("status") or "DISABLED"
    answer = program_settings.update(
        current.get("revision"), status=status, rollingWindow={"durationInMonths": months}
    )
    if months in (12, 36):
        updated = entity(expect, answer, f"durationInMonths {months}", key="programSettings")
        expect.that(
            (updated.get("rollingWindow") or {}).get("durationInMonths") == months,
            f"durationInMonths {months} is stored",
            answer,
        )
    elif months in (37, 0, -1):
        expect.rejected(answer, 400, what=f"durationInMonths {months}", rule="TIER-24")
        settings_unchanged(expect, current, program_settings.current(), answer)
    else:  # 1..11: the documents disagree (AMB-7): accepted or rejected, never a server error
        expect.that(
            answer.status == 200 or (400 <= answer.status < 500 and answer.status != 404),
            f"durationInMonths {months} is accepted or rejected with a 4xx (AMB-7)",
            answer,
        )


@pytest.mark.rule("TIER-16")
def test_program_lists_the_same_tiers_and_settings(
    tiers: TiersApi, program_settings: SettingsGuard, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    first = {t.get("id") for t in listed(tiers)}
    answer = tiers.program()
    program = expect.ok(answer, "Get Tiers Program")
    second = {t.get("id") for t in listed(tiers)}
    in_program = {t.get("id") for t in (program.get("tiers") or []) if isinstance(t, dict)}
    expect.that(tier["id"] in in_program, "Get Tiers Program includes a tier just created", answer)
    # Other writers (xdist workers) may change tiers between the calls: compare against both listings.
    expect.that(
        first & second <= in_program,
        f"Get Tiers Program lacks listed tiers {sorted(map(str, first & second - in_program))}",
        answer,
    )
    expect.that(
        in_program <= first | second,
        f"Get Tiers Program has tiers List Tiers does not: {sorted(in_program - (first | second), key=str)}",
        answer,
    )
    stored = program_settings.current()
    settings = program.get("programSettings") or {}
    expect.that(
        settings.get("revision") == stored.get("revision") and settings.get("status") == stored.get("status"),
        "Get Tiers Program returns the same programSettings as Get Tiers Program Settings",
        answer,
    )


@pytest.mark.rule("COMMON-17")
def test_program_paths_are_not_tier_ids(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    program = tiers.program()
    body = expect.ok(program, "GET /tiers/program")
    expect.that(
        isinstance(body.get("programSettings"), dict)
        and isinstance(body.get("tiers", []), list)
        and "tier" not in body,
        "GET /tiers/program is Get Tiers Program, not Get Tier",
        program,
    )
    settings = tiers.settings()
    body = expect.ok(settings, "GET /tiers/program-settings after Get Tiers Program created the settings")
    expect.that(
        isinstance(body.get("programSettings"), dict) and "tier" not in body,
        "GET /tiers/program-settings is Get Tiers Program Settings, not Get Tier",
        settings,
    )


@pytest.mark.rule("COMMON-5")
def test_concurrent_settings_updates_with_one_revision_have_one_winner(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, target: Target, racing: None
) -> None:
    current = program_settings.current()
    status = current.get("status") if current.get("status") in ("ACTIVE", "PAUSED", "DISABLED") else "DISABLED"
    revision = current.get("revision")
    answers = race(target, lambda api, i: api.update_settings(
        {"status": status, "revision": revision, "rollingWindow": {"durationInMonths": 12 + i}}))
    won = entity(expect, one_winner(expect, answers, "Update Tiers Program Settings"), "the winning update",
                 key="programSettings", rule="COMMON-5")
    after = program_settings.current()
    expected = str(int(str(revision)) + 1) if str(revision).isdigit() else None
    expect.that(
        after.get("revision") == expected and after.get("rollingWindow") == won.get("rollingWindow"),
        f"the settings end at revision {expected!r} with the winner's rollingWindow {won.get('rollingWindow')}, "
        f"got {after.get('revision')!r} and {after.get('rollingWindow')}",
        rule="COMMON-5",
    )
