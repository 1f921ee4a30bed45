"""Loyalty Tiers v1 field bounds and round trips (API-FACTS §3.4): required points, definition lengths, icon."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.tiers import (
    ICON_URL,
    content,
    create_tier,
    entity,
    full_tier,
    listed,
    name_of,
    own_listed,
    padded,
    shows_everywhere,
)
from conformance.verdict import Expect

MAX_POINTS = 9_999_999


def sent_content(sent: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """What a read must show for `sent`: its writable fields, the server's for the rest."""
    return {**shown, "tierDefinition": {**(shown.get("tierDefinition") or {}), **sent["tierDefinition"],
                                        "icon": {**((shown.get("tierDefinition") or {}).get("icon") or {}),
                                                 **sent["tierDefinition"]["icon"]}},
            "requiredPoints": sent["requiredPoints"]}


@pytest.mark.rule("TIER-7")
@pytest.mark.parametrize("points", [-1, 10_000_000, 1.5], ids=["minus-1", "10000000", "1.5"])
def test_required_points_out_of_range_are_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, points: float
) -> None:
    name = unique.name()
    answer = tiers.create(tier_body(name, points))  # type: ignore[arg-type]
    created = own_listed(tiers, owned, {name})
    expect.rejected(answer, 400, what=f"requiredPoints {points}")
    expect.that(not created, "nothing is created", answer)


@pytest.mark.rule("TIER-7")
def test_required_points_maximum_is_accepted(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    if MAX_POINTS in [t.get("requiredPoints") for t in listed(tiers)]:
        pytest.skip(
            "a tier on this site already holds requiredPoints 9999999 (TIER-3 would reject a second one)"
        )
    tier = create_tier(tiers, owned, expect, unique, requiredPoints=MAX_POINTS)
    expect.that(tier.get("requiredPoints") == MAX_POINTS, "requiredPoints 9999999 is stored")


@pytest.mark.rule("TIER-7")
def test_required_points_zero_is_tolerated(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """AMB-26: a non-base tier with 0 points may be accepted or refused (it clashes with the base tier)."""
    name = unique.name()
    answer = tiers.create(tier_body(name, 0))
    own_listed(tiers, owned, {name})
    expect.that(
        answer.status == 200 or answer.status in (400, 409),
        "requiredPoints 0: 200, 400 or 409 (AMB-26)",
        answer,
    )
    if answer.status == 200:
        expect.that(
            entity(expect, answer, "Create Tier with 0 points").get("requiredPoints") in (0, None),
            "requiredPoints 0 is stored",
            answer,
        )


@pytest.mark.rule("TIER-8")
@pytest.mark.parametrize("case", ["name-0", "name-51", "description-71"])
def test_tier_definition_lengths_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    name = unique.name()
    if case == "name-0":
        body = tier_body("", unique.points())
    elif case == "name-51":
        name = padded(name, 51)
        body = tier_body(name, unique.points())
    else:
        body = tier_body(name, unique.points(), description="d" * 71)
    answer = tiers.create(body)
    # Identify by the run's unique points too: an empty name carries no run tag.
    created = [t for t in listed(tiers) if t.get("requiredPoints") == body["requiredPoints"] and t.get("id")]
    for tier in created:
        owned.add("tier", tier["id"])
    expect.rejected(answer, 400, what=f"tier with {case.replace('-', ' of ')} characters")
    expect.that(not created, "nothing is created", answer)


@pytest.mark.rule("TIER-8")
@pytest.mark.parametrize("case", ["name-50", "description-70"])
def test_tier_definition_lengths_accepted(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    if case == "name-50":
        tier = create_tier(tiers, owned, expect, unique, tierDefinition={"name": padded(unique.name(), 50)})
        expect.that(len(name_of(tier) or "") == 50, "a 50-character name is stored whole")
    else:
        tier = create_tier(
            tiers, owned, expect, unique, tierDefinition={"name": unique.name(), "description": "d" * 70}
        )
        expect.that(
            (tier.get("tierDefinition") or {}).get("description") == "d" * 70,
            "a 70-character description is stored whole",
        )


@pytest.mark.rule("TIER-25", "COMMON-7")
def test_icon_size_from_the_client_is_ignored(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    name = unique.name()
    answer = tiers.create(
        tier_body(name, unique.points(), icon={"url": ICON_URL, "height": 4321, "width": 1234})
    )
    own_listed(tiers, owned, {name})
    if 400 <= answer.status < 500 and answer.status != 404:
        expect.prefer(
            False, "read-only icon height/width should be ignored, not rejected", answer, amb="AMB-30"
        )
        return
    tier = entity(expect, answer, "Create Tier with icon height/width")
    for shown in (tier, entity(expect, tiers.get(tier.get("id", "")), "Get Tier")):
        icon = (shown.get("tierDefinition") or {}).get("icon") or {}
        expect.that(icon.get("url") == ICON_URL, "icon.url is echoed", answer)
        expect.that(
            icon.get("height") != 4321 and icon.get("width") != 1234,
            f"icon height/width are not taken from the request, got {icon!r}",
            answer,
        )


@pytest.mark.rule("TIER-1")
def test_create_round_trips_every_field(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    sent = full_tier(unique, "round trip")
    tier = create_tier(tiers, owned, expect, unique, **sent)
    expect.that(content(tier) == content(sent_content(sent, tier)),
                f"Create Tier echoes every field sent: sent {sent}, got {tier}", rule="TIER-1")
    shows_everywhere(tiers, expect, tier, "after Create Tier", rule="TIER-1")


@pytest.mark.rule("TIER-9")
def test_update_round_trips_every_field(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    """A complete body (AMB-23: no assertion about omitted fields), every field changed."""
    tier = create_tier(tiers, owned, expect, unique, **full_tier(unique, "before"))
    sent = {**full_tier(unique, "after"), "revision": tier["revision"]}
    sent["tierDefinition"]["icon"] = {"url": ICON_URL.replace(".svg", "-2.svg")}
    answer = tiers.update(tier["id"], sent)
    updated = entity(expect, answer, "Update Tier with every field", rule="TIER-9")
    expect.that(content(updated) == content(sent_content(sent, updated)),
                f"Update Tier answers every field sent: sent {sent}, got {updated}", answer, rule="TIER-9")
    shows_everywhere(tiers, expect, updated, "after Update Tier", answer, rule="TIER-9")
