"""Loyalty Tiers v1 Bulk Create Tiers (API-FACTS §3.4): sizes, duplicates, per-item results."""

from __future__ import annotations

import pytest

from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.bulk import nothing_created
from conformance.suite.support.tiers import (
    count_named,
    count_points,
    create_tier,
    listed,
    name_of,
    own_listed,
    padded,
)
from conformance.suite.support.tiers_bulk import check_bulk_result, original_index, own_results, succeeded
from conformance.verdict import Expect


@pytest.mark.rule("TIER-5", "COMMON-11")
@pytest.mark.parametrize("field", ["name", "points"])
def test_bulk_duplicates_inside_one_request(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    shared_name, shared_points = unique.name(), unique.points()
    batch = [
        tier_body(shared_name, shared_points),
        tier_body(
            shared_name if field == "name" else unique.name(),
            shared_points if field == "points" else unique.points(),
        ),
    ]
    names = {name_of(item) for item in batch}
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    present = own_listed(tiers, owned, names)
    if 400 <= answer.status < 500 and answer.status != 404:  # AMB-11: the whole request rejected
        expect.that(
            not present,
            f"a rejected bulk request creates nothing; found {[name_of(t) for t in present]}",
            answer,
        )
        return
    results = check_bulk_result(expect, answer, batch)
    same = [
        t
        for t in present
        if (name_of(t) == shared_name if field == "name" else t.get("requiredPoints") == shared_points)
    ]
    expect.that(
        len(same) <= 1, f"at most one of two tiers with the same {field} exists, found {len(same)}", answer
    )
    expect.that(len(succeeded(results)) <= 1, f"at most one item with the same {field} succeeds", answer)


@pytest.mark.rule("TIER-5", "TIER-2", "TIER-3", "COMMON-11")
@pytest.mark.parametrize("field", ["name", "points"])
def test_bulk_duplicates_of_existing_tiers(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    existing = create_tier(tiers, owned, expect, unique)
    clash = (
        tier_body(name_of(existing), unique.points())
        if field == "name"
        else tier_body(unique.name(), existing["requiredPoints"])
    )
    fresh = tier_body(unique.name(), unique.points())
    batch = [clash, fresh]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    present = own_listed(tiers, owned, {name_of(clash), name_of(fresh)} - {name_of(existing)})
    if field == "name":
        expect.that(
            count_named(tiers, name_of(existing)) == 1, "the existing name still belongs to one tier", answer
        )
    else:
        expect.that(
            count_points(tiers, existing["requiredPoints"]) == 1,
            "the existing points belong to one tier",
            answer,
        )
    if 400 <= answer.status < 500 and answer.status != 404:
        expect.prefer(
            False,
            "a bulk request with one clashing item should fail that item only (HTTP 200)",
            answer,
            rule="COMMON-11",
        )
        expect.that(not present, "a rejected bulk request creates nothing", answer)
        return
    results = check_bulk_result(expect, answer, batch)
    created = {name_of(item) for item in succeeded(results)}
    expect.that(name_of(fresh) in created, "the item without a clash is created", answer)
    expect.that(
        all(
            original_index(r) != 0 or not (r.get("itemMetadata") or {}).get("success")
            for r in results
        ),
        f"the item clashing on {field} with an existing tier fails",
        answer,
    )


@pytest.mark.rule("TIER-6", "COMMON-12")
@pytest.mark.parametrize("count", [0, 21])
def test_bulk_create_rejects_sizes_outside_1_to_20(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [tier_body(unique.name(), unique.points()) for _ in range(count)]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    created = own_listed(tiers, owned, {name_of(item) for item in batch})
    expect.rejected(answer, 400, what=f"bulk create with {count} tiers")
    nothing_created(expect, answer, created)


@pytest.mark.rule("TIER-6", "COMMON-11")
@pytest.mark.parametrize("count", [1, 20])
def test_bulk_create_accepts_1_to_20_tiers(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [tier_body(unique.name(), unique.points()) for _ in range(count)]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    results = check_bulk_result(expect, answer, batch)
    expect.that(len(succeeded(results)) == count, f"all {count} unique tiers are created", answer)
    present = own_listed(tiers, owned, {name_of(item) for item in batch})
    expect.that(
        len(present) == count, f"List Tiers shows the {count} created tiers, found {len(present)}", answer
    )


# a rejected bulk request stores nothing ------------------------------------------------------------------
@pytest.mark.rule("COMMON-2", "COMMON-11")
def test_bulk_with_an_invalid_item(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    """An invalid item (a 51-character name, TIER-8) fails alone in a 200 answer or rejects the request; a
    rejected request stores none of the items, those before the bad one included."""
    batch = [tier_body(unique.name(), unique.points()) for _ in range(4)]
    bad_points = batch[2]["requiredPoints"]
    batch[2] = tier_body(padded(unique.name(), 51), bad_points)
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    present = own_listed(tiers, owned, {name_of(item) for item in batch})
    stored_bad = [t for t in listed(tiers) if t.get("requiredPoints") == bad_points]
    for tier in stored_bad:
        owned.add("tier", tier["id"])
    expect.that(not stored_bad, "the invalid item is not stored", answer, rule="COMMON-2")
    if 400 <= answer.status < 500 and answer.status != 404:
        expect.that(
            not present,
            f"a refused bulk request stores none of its items; found {sorted(name_of(t) for t in present)}",
            answer,
            rule="COMMON-2",
        )
        return
    results = check_bulk_result(expect, answer, batch)
    created = {name_of(item) for item in succeeded(results)}
    expect.that(
        created == {name_of(batch[i]) for i in (0, 1, 3)},
        f"the three valid items succeed and only they, got {sorted(map(str, created))}",
        answer,
        rule="COMMON-11",
    )
