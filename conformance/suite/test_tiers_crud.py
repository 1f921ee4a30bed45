"""Loyalty Tiers v1 create, uniqueness, listing and ids (API-FACTS §3.4), one test per rule statement."""

from __future__ import annotations

import pytest

from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.ids import GUID
from conformance.suite.support.tiers import (
    ICON_URL,
    count_named,
    count_points,
    create_tier,
    entity,
    full_tier,
    name_of,
    own_listed,
    shows_everywhere,
)
from conformance.verdict import Expect

#: The rule that says what each operation does to its own tier, and so to no other.
OWN_TIER_ONLY = {"update": "TIER-9", "delete": "TIER-12"}


# tiers ----------------------------------------------------------------------------------------------
@pytest.mark.rule("TIER-1", "COMMON-6")
def test_create_returns_the_wrapped_tier(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    sent = tier_body(unique.name(), unique.points(), description="conformance tier", icon={"url": ICON_URL})
    answer = tiers.create(sent)
    tier = entity(expect, answer, "Create Tier")
    if GUID.match(str(tier.get("id", ""))):
        owned.add("tier", tier["id"])
    expect.that(GUID.match(str(tier.get("id", ""))), f"the tier id is a GUID, got {tier.get('id')!r}", answer)
    expect.that(
        tier.get("revision") == "1",
        f'a new tier has revision "1", got {tier.get("revision")!r}',
        answer,
        rule="COMMON-6",
    )
    definition = tier.get("tierDefinition") or {}
    expect.that(definition.get("name") == sent["tierDefinition"]["name"], "the name is echoed", answer)
    expect.that(definition.get("description") == "conformance tier", "the description is echoed", answer)
    expect.that((definition.get("icon") or {}).get("url") == ICON_URL, "icon.url is echoed", answer)
    expect.that(tier.get("requiredPoints") == sent["requiredPoints"], "requiredPoints is echoed", answer)
    fetched = entity(expect, tiers.get(tier["id"]), "Get Tier of the created tier")
    expect.that(
        fetched.get("id") == tier["id"]
        and name_of(fetched) == name_of(tier)
        and fetched.get("requiredPoints") == tier.get("requiredPoints"),
        "Get Tier returns the created tier",
        answer,
    )


@pytest.mark.rule("TIER-2")
def test_tier_name_must_be_unique(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    first = create_tier(tiers, owned, expect, unique)
    name = first["tierDefinition"]["name"]
    duplicate = tiers.create(tier_body(name, unique.points()))
    if duplicate.status == 200:
        own_listed(tiers, owned, {name})
    expect.status(duplicate, 409, tolerated=[400], amb="AMB-12", what="second tier with an existing name")
    expect.that(
        count_named(tiers, name) == 1, f"exactly one tier named {name!r} after the rejection", duplicate
    )


@pytest.mark.rule("TIER-3")
def test_tier_required_points_must_be_unique(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    first = create_tier(tiers, owned, expect, unique)
    name = unique.name()
    duplicate = tiers.create(tier_body(name, first["requiredPoints"]))
    if duplicate.status == 200:
        own_listed(tiers, owned, {name})
    expect.status(
        duplicate, 409, tolerated=[400], amb="AMB-12", what="second tier with existing requiredPoints"
    )
    expect.that(
        count_points(tiers, first["requiredPoints"]) == 1,
        "exactly one tier holds those points afterwards",
        duplicate,
    )


@pytest.mark.rule("TIER-14")
@pytest.mark.read_only
def test_list_never_contains_the_base_tier(tiers: TiersApi, expect: Expect) -> None:
    answer = tiers.list()
    body = expect.ok(answer, "List Tiers")
    items = body.get("tiers", []) if isinstance(body, dict) else None
    expect.that(isinstance(items, list), 'List Tiers answers {"tiers": [...]}', answer)
    for tier in items or []:
        expect.that(
            isinstance(tier, dict) and GUID.match(str(tier.get("id", ""))),
            f"every listed tier has a GUID id (no base-tier entry), got {tier!r}"[:300],
            answer,
        )
    settings = tiers.settings()
    base = (
        (((settings.body or {}).get("programSettings") or {}).get("baseTierDefinition") or {}).get("name")
        if settings.status == 200
        else None
    )
    if base:
        expect.that(
            not [t for t in items or [] if name_of(t) == base and t.get("requiredPoints") in (0, None)],
            f"no listed tier mirrors the base tier {base!r}",
            answer,
        )


@pytest.mark.rule("TIER-27")
@pytest.mark.parametrize("operation", ["get", "update", "delete"])
@pytest.mark.parametrize("kind", ["unknown", "malformed"])
def test_unknown_and_malformed_tier_ids(
    tiers: TiersApi, expect: Expect, unique: Unique, operation: str, kind: str
) -> None:
    tier_id = unique.guid() if kind == "unknown" else "not-a-guid"
    if operation == "get":
        answer = tiers.get(tier_id)
    elif operation == "update":
        answer = tiers.update(tier_id, {"revision": "1", "tierDefinition": {"name": unique.name()}})
    else:
        answer = tiers.delete(tier_id, revision="1")
    if kind == "unknown":
        expect.status(answer, 404, what=f"{operation} of an unknown tier id")
    else:
        expect.status(answer, 400, tolerated=[404], what=f"{operation} of a malformed tier id")


@pytest.mark.rule(*OWN_TIER_ONLY.values())
@pytest.mark.parametrize("operation", sorted(OWN_TIER_ONLY))
def test_an_operation_on_one_tier_leaves_the_others(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, operation: str
) -> None:
    before = create_tier(tiers, owned, expect, unique, **full_tier(unique, "neighbour before"))
    tier = create_tier(tiers, owned, expect, unique, **full_tier(unique, "the one changed"))
    after = create_tier(tiers, owned, expect, unique, **full_tier(unique, "neighbour after"))
    if operation == "update":
        answer = tiers.update(tier["id"], {**full_tier(unique, "updated"), "revision": tier["revision"]})
    else:
        answer = tiers.delete(tier["id"], revision=tier["revision"])
    expect.setup(answer, f"{operation} of one tier")
    for other in (before, after):
        shows_everywhere(tiers, expect, other, f"another tier, after the {operation}", answer,
                         rule=OWN_TIER_ONLY[operation])
