"""COMMON rules on revisions, read-only fields, dates, delete answers and bulk results (COMMON-6..8, 10, 11).

Exercised through Loyalty Tiers; none of these tests touches the program settings.
"""

from __future__ import annotations

import time

import pytest

from conformance.apis import moment
from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.errors import is_rejection
from conformance.suite.support.ids import GUID
from conformance.suite.support.tiers import (
    ICON_URL,
    count_named,
    create_tier,
    entity,
    listed,
    name_of,
    own_listed,
)
from conformance.suite.support.tiers_bulk import check_bulk_result, own_results, succeeded
from conformance.verdict import Expect

READ_ONLY = {
    "id": lambda unique: {"id": unique.guid()},
    "createdDate": lambda unique: {"createdDate": "2001-02-03T04:05:06.007Z"},
    "updatedDate": lambda unique: {"updatedDate": "2001-02-03T04:05:06.007Z"},
    "revision": lambda unique: {"revision": "7"},
}


# COMMON-6 -------------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-6")
def test_revision_is_a_decimal_string_that_counts_updates(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    created = tiers.create(tier_body(unique.name(), unique.points()))
    tier = entity(expect, created, "Create Tier")
    if GUID.match(str(tier.get("id", ""))):
        owned.add("tier", tier["id"])
    expect.that(
        tier.get("revision") == "1",
        f'a new tier has the JSON string "1", got {tier.get("revision")!r}',
        created,
    )
    updated = tiers.update(tier["id"], {"revision": "1", "requiredPoints": unique.points()})
    expect.that(
        entity(expect, updated, "update").get("revision") == "2",
        f'an update gives the JSON string "2", got {updated.excerpt()}',
        updated,
    )
    failed = tiers.update(tier["id"], {"revision": "1", "requiredPoints": unique.points()})
    expect.that(is_rejection(failed), "an update with a stale revision fails", failed)
    fetched = tiers.get(tier["id"])
    expect.that(
        entity(expect, fetched, "Get Tier").get("revision") == "2",
        'a failed update leaves the revision at "2"',
        fetched,
    )
    listing = [t for t in listed(tiers) if t.get("id") == tier["id"]]
    expect.that(
        listing and listing[0].get("revision") == "2",
        'List Tiers shows the revision as the string "2"',
        fetched,
    )


@pytest.mark.rule("COMMON-7")
@pytest.mark.parametrize("field", [*READ_ONLY, "icon-size"])
def test_read_only_fields_from_the_client_never_win(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    name = unique.name()
    if field == "icon-size":
        sent = tier_body(name, unique.points(), icon={"url": ICON_URL, "height": 4321, "width": 1234})
    else:
        sent = {**tier_body(name, unique.points()), **READ_ONLY[field](unique)}
    answer = tiers.create(sent)
    own_listed(tiers, owned, {name})
    if is_rejection(answer) and answer.status != 404:
        expect.prefer(
            False,
            f"a read-only `{field}` in the request should be ignored, not rejected",
            answer,
            amb="AMB-30",
        )
        expect.that(count_named(tiers, name) == 0, "the rejected create created nothing", answer)
        return
    tier = entity(expect, answer, f"Create Tier with a client-supplied {field}")
    stored = entity(expect, tiers.get(str(tier.get("id"))), "Get Tier")
    for shown in (tier, stored):
        if field == "icon-size":
            icon = (shown.get("tierDefinition") or {}).get("icon") or {}
            expect.that(
                icon.get("height") != 4321 and icon.get("width") != 1234,
                f"icon height/width are server values, got {icon!r}",
                answer,
            )
        elif field == "revision":
            expect.that(
                shown.get("revision") == "1",
                f'a new tier has revision "1", got {shown.get("revision")!r}',
                answer,
            )
        else:
            expect.that(
                shown.get(field) != sent[field],
                f"`{field}` is assigned by the server, not the request",
                answer,
            )
    if field == "id":
        expect.status(tiers.get(sent["id"]), 404, what="Get Tier with the client-supplied id")


@pytest.mark.rule("COMMON-7", "COMMON-8")
def test_read_only_fields_in_update_bodies_are_ignored(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """The SDK's GET -> spread -> update sends the read-only fields back, some of them changed (§1.9)."""
    tier = create_tier(tiers, owned, expect, unique)
    new_name = unique.name()
    body = {
        **tier,
        "_id": tier["id"],
        "createdDate": "2001-02-03T04:05:06.007Z",
        "updatedDate": "2001-02-03T04:05:06.007Z",
        "tierDefinition": {"name": new_name},
    }
    answer = tiers.update(tier["id"], body)
    if is_rejection(answer) and answer.status not in (404, 409):
        expect.prefer(
            False, "read-only fields in an update body should be ignored, not rejected", answer, amb="AMB-30"
        )
        return
    updated = entity(expect, answer, "update carrying read-only fields")
    expect.that(
        moment(updated.get("createdDate")) == moment(tier.get("createdDate")),
        "createdDate is not taken from the request",
        answer,
        rule="COMMON-8",
    )
    expect.that(
        updated.get("updatedDate") != "2001-02-03T04:05:06.007Z",
        "updatedDate is not taken from the request",
        answer,
    )
    expect.that(name_of(updated) == new_name, "the writable change is applied", answer)


# COMMON-8 -------------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-8")
def test_created_date_is_stable_and_updated_date_advances(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    created, previous = moment(tier.get("createdDate")), moment(tier.get("updatedDate"))
    expect.that(
        created is not None and previous is not None,
        f"createdDate/updatedDate are timestamps: {tier.get('createdDate')!r}/{tier.get('updatedDate')!r}",
    )
    assert created is not None and previous is not None
    expect.that(previous >= created, "updatedDate >= createdDate on create")
    revision = tier["revision"]
    for step in range(2):
        time.sleep(0.02)  # timestamps carry milliseconds: let the clock move
        answer = tiers.update(tier["id"], {"revision": revision, "tierDefinition": {"name": unique.name()}})
        updated = entity(expect, answer, f"update {step + 1}")
        stored = entity(expect, tiers.get(tier["id"]), "Get Tier")
        for shown in (updated, stored):
            expect.that(
                moment(shown.get("createdDate")) == moment(tier.get("createdDate")),
                f"createdDate never changes: {tier.get('createdDate')!r} -> {shown.get('createdDate')!r}",
                answer,
            )
        now = moment(updated.get("updatedDate"))
        expect.that(
            now is not None and now > previous,
            f"updatedDate advances on update {step + 1}: {previous.isoformat()} -> "
            f"{updated.get('updatedDate')!r}",
            answer,
        )
        assert now is not None
        previous, revision = now, str(updated.get("revision"))


# COMMON-10 ------------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-10")
def test_delete_answers_200_with_an_empty_object(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.delete(tier["id"], revision=tier["revision"])
    expect.deleted(answer, "Delete Tier")


# COMMON-11 ------------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-11")
def test_bulk_results_with_a_failing_item_keep_the_invariants(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    existing = create_tier(tiers, owned, expect, unique)
    batch = [
        tier_body(unique.name(), unique.points()),
        tier_body(name_of(existing), unique.points()),
        tier_body(unique.name(), unique.points()),
    ]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    own_listed(tiers, owned, {name_of(batch[0]), name_of(batch[2])})
    expect.status(answer, 200, what="bulk create where one item clashes with an existing tier")
    results = check_bulk_result(expect, answer, batch)
    created = {name_of(item) for item in succeeded(results)}
    expect.that(
        created == {name_of(batch[0]), name_of(batch[2])},
        f"the two items without a clash succeed and only they, got {sorted(map(str, created))}",
        answer,
    )
