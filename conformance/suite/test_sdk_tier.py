"""Official SDK usage (API-FACTS §1.9), Loyalty Tiers methods: each one's exact request, judged by support/sdk.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.apis.tiers import writable
from conformance.live import Owned, site_lock
from conformance.plugin import Unique
from conformance.suite.support.sdk import (
    PROGRAM,
    SETTINGS,
    TIERS,
    TIERS_BULK,
    Sdk,
    body_of,
    created,
    delete_with_id_in_query,
    get_with_id_in_query,
    is_revision,
    next_revision,
    own_bulk_created,
    own_created,
    update_with_spread,
)
from conformance.target import Target
from conformance.verdict import Expect


def new_tier(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> dict[str, Any]:
    """A tier created through createTier's request; the set-up itself is documented behaviour (TIER-1)."""
    return created(sdk, owned, expect, "createTier", TIERS, "tier", {
        "tierDefinition": {"name": unique.name(), "description": "SDK usage",
                           "icon": {"url": "https://static.example.com/tier.svg"}},
        "requiredPoints": unique.points()})


@pytest.mark.rule("TIER-1")
@pytest.mark.sdk("createTier")
def test_sdk_create_tier(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    name = unique.name()
    answer = sdk.call("createTier", "POST", TIERS, {"tier": {
        "tierDefinition": {"name": name, "icon": {"url": "https://static.example.com/tier.svg"}},
        "requiredPoints": unique.points()}})
    tier = own_created(owned, answer, "tier")
    sdk.served("createTier", answer, "POST {tier} with an absolute icon url",
               shape=bool(tier.get("id")) and is_revision(tier.get("revision"), "1"))


@pytest.mark.rule("TIER-6", "COMMON-11")
@pytest.mark.sdk("bulkCreateTiers")
def test_sdk_bulk_create_tiers(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    answer = sdk.call("bulkCreateTiers", "POST", TIERS_BULK, {"tiers": [
        {"tierDefinition": {"name": unique.name()}, "requiredPoints": unique.points()} for _ in range(2)]})
    sdk.served("bulkCreateTiers", answer, "POST {tiers: [2 tiers]}",
               shape=own_bulk_created(owned, answer, "tier") == 2)


@pytest.mark.rule("TIER-27", "COMMON-3")
@pytest.mark.sdk("getTier")
def test_sdk_get_tier_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    get_with_id_in_query(sdk, unique, "getTier", TIERS, "tier", tier["id"], param="tierId")


@pytest.mark.rule("COMMON-7", "TIER-9")
@pytest.mark.sdk("updateTier")
def test_sdk_update_tier_with_spread_read_only_fields(sdk: Sdk, owned: Owned, unique: Unique,
                                                      expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    update_with_spread(sdk, expect, "updateTier", "PATCH", TIERS, "tier", tier["id"],
                       "PATCH of a GET -> spread tier (id, _id, createdDate, updatedDate, revision)",
                       requiredPoints=unique.points())


@pytest.mark.rule("TIER-12", "COMMON-10")
@pytest.mark.sdk("deleteTier")
def test_sdk_delete_tier_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    delete_with_id_in_query(sdk, "deleteTier", "getTier", TIERS, tier["id"], param="tierId",
                            params=[("tierId", tier["id"]), ("revision", tier["revision"])],
                            what="DELETE with ?tierId= and ?revision=")


@pytest.mark.rule("TIER-14")
@pytest.mark.sdk("listTiers")
def test_sdk_list_tiers_without_body(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    answer = sdk.call("listTiers", "GET", TIERS)
    tiers = body_of(answer).get("tiers")
    ids = [t.get("id") for t in tiers if isinstance(t, dict)] if isinstance(tiers, list) else []
    sdk.served("listTiers", answer, "GET without a body or Content-Type", shape=tier["id"] in ids)


@pytest.mark.site_wide
@pytest.mark.rule("TIER-15")
@pytest.mark.read_only
@pytest.mark.sdk("getTiersProgramSettings")
def test_sdk_get_tiers_program_settings(sdk: Sdk) -> None:
    answer = sdk.call("getTiersProgramSettings", "GET", SETTINGS)
    if answer.status == 404 and answer.is_json:
        return  # no settings yet: AMB-14 allows 404, which the SDK surfaces as an error an app handles
    settings = body_of(answer).get("programSettings") or {}
    sdk.served("getTiersProgramSettings", answer, "GET without a body or Content-Type",
               shape=isinstance(settings.get("revision"), str))


@pytest.mark.site_wide
@pytest.mark.rule("TIER-16")
@pytest.mark.sdk("getTiersProgram")
def test_sdk_get_tiers_program(sdk: Sdk) -> None:
    answer = sdk.call("getTiersProgram", "GET", PROGRAM)
    body = body_of(answer)
    sdk.served("getTiersProgram", answer, "GET without a body or Content-Type",
               shape=isinstance(body.get("tiers"), list) and isinstance(body.get("programSettings"), dict))


@pytest.mark.site_wide
@pytest.mark.rule("TIER-17", "TIER-18")
@pytest.mark.sdk("createTiersProgramSettings")
def test_sdk_create_tiers_program_settings(sdk: Sdk, target: Target) -> None:
    """Settings are site-wide and cannot be deleted: when they exist the SDK call must be refused
    (an SDK error); when they do not, the DISABLED defaults are created, as Get Tiers Program would."""
    with site_lock(target.base_url, "tier-settings"):
        _create_settings(sdk, target)


def _create_settings(sdk: Sdk, target: Target) -> None:
    existing = target.get(SETTINGS)
    request = {"programSettings": {"status": "DISABLED", "rollingWindow": {"durationInMonths": 12}}}
    if existing.status == 200:
        saved = body_of(existing).get("programSettings") or {}
        answer = sdk.call("createTiersProgramSettings", "POST", SETTINGS, request)
        if answer.status == 200:  # an overwrite (TIER-18 is judged elsewhere): put the content back
            revision = (body_of(answer).get("programSettings") or {}).get("revision")
            restore = {k: saved[k] for k in ("status", "rollingWindow", "baseTierDefinition") if k in saved}
            target.patch(SETTINGS, {"programSettings": {**writable(restore), "revision": revision}})
        sdk.served("createTiersProgramSettings", answer,
                   "POST {programSettings} when settings exist (the SDK expects an error)",
                   status=answer.status if answer.status in (400, 409) else 409)
        return
    answer = sdk.call("createTiersProgramSettings", "POST", SETTINGS, request)
    settings = body_of(answer).get("programSettings") or {}
    sdk.served("createTiersProgramSettings", answer, "POST {programSettings} on a site without settings",
               shape=is_revision(settings.get("revision"), "1"))


@pytest.fixture
def program_settings(target: Target, expect: Expect) -> Iterator[dict[str, Any]]:
    """The site's settings (created as defaults by Get Tiers Program if absent), restored afterwards."""
    with site_lock(target.base_url, "tier-settings"):
        expect.setup(target.get(PROGRAM), "Get Tiers Program (creates default settings)")
        saved = expect.setup(target.get(SETTINGS), "reading the program settings")["programSettings"]
        try:
            yield saved
        finally:
            current = target.get(SETTINGS)
            revision = body_of(current).get("programSettings", {}).get("revision")
            if revision is not None and revision != saved.get("revision"):
                restore = {k: saved[k] for k in ("status", "rollingWindow", "baseTierDefinition") if k in saved}
                target.patch(SETTINGS, {"programSettings": {**writable(restore), "revision": revision}})


@pytest.mark.site_wide
@pytest.mark.rule("COMMON-7", "TIER-19")
@pytest.mark.sdk("updateTiersProgramSettings")
def test_sdk_update_tiers_program_settings_with_spread(sdk: Sdk, program_settings: dict[str, Any]) -> None:
    status = "PAUSED" if program_settings.get("status") != "PAUSED" else "ACTIVE"
    answer = sdk.call("updateTiersProgramSettings", "PATCH", SETTINGS,
                      {"programSettings": {**program_settings, "status": status}})
    updated = body_of(answer).get("programSettings") or {}
    sdk.served("updateTiersProgramSettings", answer,
               "PATCH of a GET -> spread settings (createdDate, updatedDate, revision)",
               shape=(updated.get("status") == status
                      and is_revision(updated.get("revision"), next_revision(program_settings["revision"]))),
               amb="AMB-30")


