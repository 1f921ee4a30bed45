"""Loyalty Tiers v1 update and delete (API-FACTS §3.4): revisions, body ids, deleted tiers, concurrent writers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance.apis import moment
from conformance.apis.tiers import TiersApi, tier_path
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.races import RACERS, one_winner, race
from conformance.suite.support.tiers import (
    count_named,
    count_points,
    create_tier,
    entity,
    listed,
    name_of,
    tier_unchanged,
)
from conformance.target import Target
from conformance.verdict import ANY_4XX, Expect


def updated_once(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A tier at revision "2", and the wrong revision to send: the old "1" (stale) or one from the future."""
    tier = create_tier(tiers, owned, expect, unique)
    current = entity(
        expect,
        tiers.update(tier["id"], {"revision": "1", "requiredPoints": unique.points()}),
        "update with the current revision",
    )
    sent = "1" if revision == "stale" else str(int(str(current.get("revision", "1"))) + 5)
    return tier, current, sent


@pytest.mark.rule("TIER-4")
@pytest.mark.parametrize("field", ["name", "points"])
def test_update_cannot_take_another_tiers_value(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    first = create_tier(tiers, owned, expect, unique)
    second = create_tier(tiers, owned, expect, unique)
    change: dict[str, Any] = (
        {"tierDefinition": {"name": name_of(first)}}
        if field == "name"
        else {"requiredPoints": first["requiredPoints"]}
    )
    answer = tiers.update(second["id"], {"revision": second["revision"], **change})
    expect.status(answer, 409, tolerated=[400], amb="AMB-12", what=f"update taking another tier's {field}")
    tier_unchanged(tiers, expect, second, answer)
    tier_unchanged(tiers, expect, first, answer)
    if field == "name":
        expect.that(count_named(tiers, name_of(first)) == 1, "the name still belongs to one tier", answer)
    else:
        expect.that(
            count_points(tiers, first["requiredPoints"]) == 1, "the points still belong to one tier", answer
        )


@pytest.mark.rule("TIER-4", "TIER-9")
def test_update_resaving_own_values_succeeds(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.update(
        tier["id"],
        {
            "revision": tier["revision"],
            "tierDefinition": {"name": name_of(tier)},
            "requiredPoints": tier["requiredPoints"],
        },
    )
    updated = entity(expect, answer, "update re-saving the tier's own name and points")
    expect.that(
        updated.get("revision") == "2", f'the revision goes to "2", got {updated.get("revision")!r}', answer
    )


@pytest.mark.rule("TIER-9", "COMMON-6")
def test_update_with_current_revision_increments_it(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    expect.that(
        tier["revision"] == "1", f'a new tier has revision "1", got {tier["revision"]!r}', rule="COMMON-6"
    )
    new_name = unique.name()
    time.sleep(0.01)  # timestamps carry milliseconds: let the clock move, so "advances" can be strict
    answer = tiers.update(tier["id"], {"revision": tier["revision"], "tierDefinition": {"name": new_name}})
    updated = entity(expect, answer, "update with the current revision")
    expect.that(
        updated.get("revision") == "2", f'revision goes "1" -> "2", got {updated.get("revision")!r}', answer
    )
    expect.that(name_of(updated) == new_name, "the response reflects the new name", answer)
    before, after = moment(tier.get("updatedDate")), moment(updated.get("updatedDate"))
    expect.that(
        before is not None and after is not None and after > before,
        f"updatedDate advances: {tier.get('updatedDate')!r} -> {updated.get('updatedDate')!r}",
        answer,
    )
    again = tiers.update(tier["id"], {"revision": "2", "requiredPoints": unique.points()})
    expect.that(
        entity(expect, again, "second update").get("revision") == "3", 'revision goes "2" -> "3"', again
    )


@pytest.mark.rule("TIER-9")
def test_update_with_mismatched_body_id_never_touches_the_other_tier(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, target: Target
) -> None:
    """AMB-32: path id wins or the request is refused; the tier named in the body is never changed."""
    first = create_tier(tiers, owned, expect, unique)
    second = create_tier(tiers, owned, expect, unique)
    new_name = unique.name()
    answer = target.patch(
        tier_path(first["id"]),
        {"tier": {"id": second["id"], "revision": "1", "tierDefinition": {"name": new_name}}},
    )
    expect.that(
        answer.status == 200 or (400 <= answer.status < 500 and answer.status != 404),
        "a body id that differs from the path id: 200 (path wins) or 4xx (AMB-32)",
        answer,
    )
    other = entity(expect, tiers.get(second["id"]), "Get Tier of the tier named only in the body")
    expect.that(
        other.get("revision") == "1" and name_of(other) == name_of(second),
        "the tier named in the body is unchanged",
        answer,
    )
    if answer.status == 200:
        updated = entity(expect, tiers.get(first["id"]), "Get Tier of the path tier")
        expect.that(name_of(updated) == new_name, "the path tier carries the update", answer)


@pytest.mark.rule("TIER-10", "COMMON-5", "COMMON-6")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_update_with_wrong_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> None:
    tier, current, sent = updated_once(tiers, owned, expect, unique, revision)
    answer = tiers.update(tier["id"], {"revision": sent, "tierDefinition": {"name": unique.name()}})
    expect.status(answer, 409, what=f"update carrying a {revision} revision")
    tier_unchanged(tiers, expect, current, answer)


@pytest.mark.rule("TIER-11", "COMMON-6")
def test_update_without_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.update(tier["id"], {"tierDefinition": {"name": unique.name()}})
    expect.rejected(answer, 400, tolerated=ANY_4XX, amb="AMB-5", what="update without revision")
    tier_unchanged(tiers, expect, tier, answer)


@pytest.mark.rule("TIER-12", "COMMON-10")
def test_deleted_tier_is_gone(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.delete(tier["id"], revision=tier["revision"])
    expect.deleted(answer, "delete with the current revision", rule="COMMON-10")
    expect.status(tiers.get(tier["id"]), 404, what="get after delete")
    expect.that(
        tier["id"] not in [t.get("id") for t in listed(tiers)],
        "List Tiers no longer includes the tier",
        answer,
    )
    program = expect.ok(tiers.program(), "Get Tiers Program")
    expect.that(
        tier["id"] not in [t.get("id") for t in program.get("tiers", []) if isinstance(t, dict)],
        "Get Tiers Program no longer includes the deleted tier",
        answer,
    )


@pytest.mark.rule("TIER-13", "COMMON-5", "COMMON-6")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_delete_with_wrong_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> None:
    tier, current, sent = updated_once(tiers, owned, expect, unique, revision)
    answer = tiers.delete(tier["id"], revision=sent)
    expect.status(answer, 409, what=f"delete carrying a {revision} revision")
    tier_unchanged(tiers, expect, current, answer)


@pytest.mark.rule("TIER-13")
def test_delete_without_revision_is_consistent(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """AMB-6: a delete without ?revision= may be refused or accepted; the outcome must match the answer."""
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.delete(tier["id"])
    after = tiers.get(tier["id"])
    if answer.status == 200:
        expect.status(after, 404, what="get after an accepted delete without revision")
    else:
        expect.rejected(answer, 400, what="delete without revision (AMB-6)")
        expect.that(
            after.status == 200 and ((after.body or {}).get("tier") or {}).get("revision") == "1",
            "the tier is unchanged after the refused delete",
            after,
        )


# COMMON-5: the revision check and the write are one step ---------------------------------------------------
@pytest.mark.rule("COMMON-5")
def test_concurrent_tier_updates_with_one_revision_have_one_winner(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, target: Target, racing: None
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    points = [unique.points() for _ in range(RACERS)]
    answers = race(target, lambda api, i: api.update(tier["id"], {"revision": tier["revision"],
                                                                   "requiredPoints": points[i]}))
    won = entity(expect, one_winner(expect, answers, "Update Tier"), "the winning update", rule="COMMON-5")
    after = entity(expect, tiers.get(tier["id"]), "Get Tier after the concurrent updates", rule="COMMON-5")
    expect.that(
        after.get("revision") == "2" and after.get("requiredPoints") == won.get("requiredPoints"),
        f'the tier ends at revision "2" with the winner\'s points {won.get("requiredPoints")}, got revision '
        f'{after.get("revision")!r} and points {after.get("requiredPoints")!r}',
        rule="COMMON-5",
    )
