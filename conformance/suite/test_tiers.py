"""Loyalty Tiers v1 rules (API-FACTS §3.4), one test per rule statement."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.target import Exchange, Target
from conformance.verdict import Expect


@pytest.fixture
def tiers(target: Target) -> TiersApi:
    return TiersApi(target)


def create_tier(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, **overrides: Any) -> dict[str, Any]:
    """Create a tier this test owns; the set-up itself must succeed (TIER-1)."""
    body = {**tier_body(unique.name(), unique.points()), **overrides}
    created = tiers.create(body)
    tier = expect.ok(created, "creating a tier for the scenario")["tier"]
    owned.add("tier", tier["id"])
    return tier


def tier_names(listing: Exchange) -> list[str]:
    return [t.get("tierDefinition", {}).get("name") for t in (listing.body or {}).get("tiers", [])]


@pytest.mark.rule("TIER-2")
def test_tier_name_must_be_unique(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    first = create_tier(tiers, owned, expect, unique)
    name = first["tierDefinition"]["name"]
    duplicate = tiers.create(tier_body(name, unique.points()))
    if duplicate.status == 200:
        owned.add("tier", duplicate.body["tier"]["id"])
    expect.status(duplicate, 409, tolerated=[400], amb="AMB-12", what="second tier with an existing name")
    expect.that(tier_names(tiers.list()).count(name) == 1, f"exactly one tier named {name!r} after the rejection")


@pytest.mark.rule("TIER-3")
def test_tier_required_points_must_be_unique(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    first = create_tier(tiers, owned, expect, unique)
    duplicate = tiers.create(tier_body(unique.name(), first["requiredPoints"]))
    if duplicate.status == 200:
        owned.add("tier", duplicate.body["tier"]["id"])
    expect.status(duplicate, 409, tolerated=[400], amb="AMB-12", what="second tier with existing requiredPoints")
    points = [t.get("requiredPoints") for t in (tiers.list().body or {}).get("tiers", [])]
    expect.that(points.count(first["requiredPoints"]) == 1, "exactly one tier holds those points afterwards")


@pytest.mark.rule("TIER-6", "COMMON-12")
@pytest.mark.parametrize("count", [0, 21])
def test_bulk_create_rejects_sizes_outside_1_to_20(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [tier_body(unique.name(), unique.points()) for _ in range(count)]
    before = set(tier_names(tiers.list()))
    answer = tiers.bulk_create(batch)
    for result in (answer.body or {}).get("results", []) if answer.status == 200 else []:
        if (result.get("item") or {}).get("id"):
            owned.add("tier", result["item"]["id"])
    expect.rejected(answer, 400, what=f"bulk create with {count} tiers")
    created = set(tier_names(tiers.list())) - before
    for tier in (tiers.list().body or {}).get("tiers", []):
        if tier.get("tierDefinition", {}).get("name") in created:
            owned.add("tier", tier["id"])
    expect.that(not created, f"nothing is created by a rejected bulk request; found {sorted(created)}", answer,
                rule="COMMON-12")


@pytest.mark.rule("TIER-6", "COMMON-11")
@pytest.mark.parametrize("count", [1, 20])
def test_bulk_create_accepts_1_to_20_tiers(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [tier_body(unique.name(), unique.points()) for _ in range(count)]
    answer = tiers.bulk_create(batch)
    body = expect.ok(answer, f"bulk create with {count} tiers")
    results = body.get("results", [])
    for result in results:
        if (result.get("item") or {}).get("id"):
            owned.add("tier", result["item"]["id"])
    successes = [r for r in results if (r.get("itemMetadata") or {}).get("success")]
    expect.that(len(successes) == count, f"all {count} unique tiers are created, got {len(successes)}", answer)
    expect.that(body.get("bulkActionMetadata", {}).get("totalSuccesses") == count,
                "bulkActionMetadata.totalSuccesses counts the created tiers", answer, rule="COMMON-11")


@pytest.mark.rule("TIER-9", "COMMON-6")
def test_update_with_current_revision_increments_it(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    expect.that(tier["revision"] == "1", f"a new tier has revision \"1\", got {tier['revision']!r}", rule="COMMON-6")
    new_name = unique.name()
    answer = tiers.update(tier["id"], {"revision": tier["revision"], "tierDefinition": {"name": new_name}})
    updated = expect.ok(answer, "update with the current revision")["tier"]
    expect.that(updated.get("revision") == "2", f"revision goes \"1\" -> \"2\", got {updated.get('revision')!r}",
                answer)
    expect.that(updated["tierDefinition"].get("name") == new_name, "the response reflects the new name", answer)
    expect.that(updated.get("updatedDate", "") >= tier.get("updatedDate", ""), "updatedDate advances", answer)


@pytest.mark.rule("TIER-10", "COMMON-5")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_update_with_wrong_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    current = expect.ok(tiers.update(tier["id"], {"revision": "1", "requiredPoints": unique.points()}))["tier"]
    sent = "1" if revision == "stale" else str(int(current["revision"]) + 5)
    answer = tiers.update(tier["id"], {"revision": sent, "tierDefinition": {"name": unique.name()}})
    expect.status(answer, 409, what=f"update carrying a {revision} revision")
    after = expect.ok(tiers.get(tier["id"]))["tier"]
    expect.that(after == current or (after["revision"] == current["revision"]
                                      and after["tierDefinition"] == current["tierDefinition"]),
                "the tier is unchanged after the rejected update", answer)


@pytest.mark.rule("TIER-11")
def test_update_without_revision_is_rejected(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.update(tier["id"], {"tierDefinition": {"name": unique.name()}})
    expect.rejected(answer, 400, amb="AMB-5", what="update without revision")
    after = expect.ok(tiers.get(tier["id"]))["tier"]
    expect.that(after["revision"] == tier["revision"] and after["tierDefinition"] == tier["tierDefinition"],
                "the tier is unchanged", answer)


@pytest.mark.rule("TIER-13", "COMMON-5")
def test_delete_with_stale_revision_is_rejected(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    expect.ok(tiers.update(tier["id"], {"revision": "1", "requiredPoints": unique.points()}))
    answer = tiers.delete(tier["id"], revision="1")
    expect.status(answer, 409, what="delete carrying a stale revision")
    expect.that(tiers.get(tier["id"]).status == 200, "the tier still exists after the rejected delete", answer)


@pytest.mark.rule("TIER-12", "COMMON-10")
def test_deleted_tier_is_gone(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.delete(tier["id"], revision=tier["revision"])
    expect.that(expect.ok(answer, "delete with the current revision") == {} or isinstance(answer.body, dict),
                "delete answers a JSON object", answer, rule="COMMON-10")
    expect.status(tiers.get(tier["id"]), 404, what="get after delete")
    expect.that(tier["id"] not in [t.get("id") for t in tiers.list().body.get("tiers", [])],
                "List Tiers no longer includes the deleted tier")
    program = expect.ok(tiers.program())
    expect.that(tier["id"] not in [t.get("id") for t in program.get("tiers", [])],
                "Get Tiers Program no longer includes the deleted tier")


@pytest.mark.rule("TIER-15")
def test_program_creates_default_settings(tiers: TiersApi, expect: Expect) -> None:
    program = expect.ok(tiers.program(), "Get Tiers Program")
    settings = program.get("programSettings") or {}
    existing = tiers.settings()
    expect.ok(existing, "Get Tiers Program Settings after Get Tiers Program")
    stored = existing.body.get("programSettings") or {}
    expect.that(isinstance(settings.get("revision"), str) and settings["revision"].isdigit(),
                "programSettings carries a decimal-string revision")
    expect.that(stored.get("revision") == settings.get("revision") and stored.get("status") == settings.get("status"),
                "Get Tiers Program Settings returns the same settings", existing)
    if settings.get("revision") == "1":  # the defaults were created just now (a fresh site)
        expect.that(settings.get("status") == "DISABLED", f"default status is DISABLED, got {settings.get('status')!r}")
