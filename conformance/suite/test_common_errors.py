"""COMMON rules on errors and credentials (API-FACTS §1.8: COMMON-1..4, COMMON-9), mostly through Loyalty Tiers.

The tiers endpoints carry every shared convention, so most cross-API rules are checked there; the error-body
shape (COMMON-1) and credentials (COMMON-9) are judged on every API, since each service may have its own gateway.
Paging (COMMON-13/14) lives with rewards and badges, webhooks (COMMON-15/16) with test_events, COMMON-17 for the
tier program paths in test_tiers_settings. None of these tests touches the program settings.
"""

from __future__ import annotations

import pytest

from conformance.apis.badges import BADGES, badge_path
from conformance.apis.rewards import REWARDS, free_shipping, reward_path
from conformance.apis.tiers import BULK_CREATE, TIERS, TiersApi, tier_body, tier_path
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.errors import check_error_body, is_rejection
from conformance.suite.support.ids import GUID
from conformance.suite.support.tiers import (
    create_tier,
    name_of,
    own_listed,
    padded,
    tier_unchanged,
)
from conformance.target import Exchange, Target
from conformance.verdict import Expect

#: Per API: a documented-invalid create body (empty reward name, REWARD-3; missing badge title, BADGE-5) and the
#: path of one entity, for the error bodies of the other two services.
INVALID_CREATE = {
    "rewards": (REWARDS, lambda name: {"reward": {**free_shipping(name), "name": ""}}, reward_path),
    "badges": (BADGES, lambda name: {"badge": {"description": name}}, badge_path),
}


def _call(tiers: TiersApi, operation: str, tier_id: str, unique: Unique) -> Exchange:
    if operation == "get":
        return tiers.get(tier_id)
    if operation == "update":
        return tiers.update(tier_id, {"revision": "1", "tierDefinition": {"name": unique.name()}})
    return tiers.delete(tier_id, revision="1")


#: Per API: the collection path, a valid create body for a name, and the path of one entity.
ANONYMOUS_CALLS = {
    "tiers": (TIERS, lambda name, points: {"tier": tier_body(name, points)}, tier_path),
    "rewards": (REWARDS, lambda name, points: {"reward": free_shipping(name)}, reward_path),
    "badges": (BADGES, lambda name, points: {"badge": {"title": name}}, badge_path),
}


# COMMON-1 -------------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-1")
@pytest.mark.parametrize("case", ["400-invalid", "400-malformed-json", "404-unknown-id", "409-duplicate"])
def test_error_bodies_have_the_standard_shape(
    tiers: TiersApi, target: Target, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    if case == "400-invalid":  # a 51-character name (TIER-8); a missing one is not documented as invalid
        answer = tiers.create(tier_body(padded(unique.name(), 51), unique.points()))
    elif case == "400-malformed-json":
        answer = target.request(
            "POST", TIERS, raw_body='{"tier": {', headers={"Content-Type": "application/json"}
        )
    elif case == "404-unknown-id":
        answer = tiers.get(unique.guid())
    else:
        first = create_tier(tiers, owned, expect, unique)
        answer = tiers.create(tier_body(name_of(first), unique.points()))
        if answer.status == 200:
            own_listed(tiers, owned, {name_of(first)})
    if not is_rejection(answer):
        pytest.skip(f"no error answer to inspect ({answer.status}); the rule of that scenario judges it")
    check_error_body(expect, answer, f"{case} answer")


@pytest.mark.rule("COMMON-1")
@pytest.mark.parametrize("case", ["400-invalid", "404-unknown-id"])
@pytest.mark.parametrize("api", sorted(INVALID_CREATE))
def test_error_bodies_of_every_api_have_the_standard_shape(
    target: Target, expect: Expect, unique: Unique, api: str, case: str
) -> None:
    collection, invalid_body, item_path = INVALID_CREATE[api]
    if case == "400-invalid":
        answer = target.post(collection, invalid_body(unique.name()))
    else:
        answer = target.get(item_path(unique.guid()))
    expect.that(is_rejection(answer), f"{api} {case}: the request is refused with a 4xx", answer,
                rule="COMMON-1")
    check_error_body(expect, answer, f"{api} {case} answer")


# COMMON-2 -------------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-2")
@pytest.mark.parametrize("path", [TIERS, BULK_CREATE], ids=["create", "bulk-create"])
def test_malformed_json_is_rejected_with_400(target: Target, expect: Expect, path: str) -> None:
    answer = target.request(
        "POST", path, raw_body='{"tier": {"tierDefinition": ', headers={"Content-Type": "application/json"}
    )
    expect.rejected(answer, 400, what="a body that is not valid JSON")


@pytest.mark.rule("COMMON-2")
@pytest.mark.parametrize("case", ["no-tier", "one-invalid-field"])
def test_invalid_create_changes_nothing(
    tiers: TiersApi, target: Target, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    """The documents mark only `tier` as required; a valid name with one invalid field is identifiable."""
    name = unique.name()
    if case == "no-tier":
        answer = target.post(TIERS, {"tierDefinition": {"name": name}, "requiredPoints": unique.points()})
    else:
        answer = tiers.create(tier_body(name, unique.points(), description="d" * 71))
    created = own_listed(tiers, owned, {name})
    expect.rejected(answer, 400, what=f"Create Tier ({case})")
    expect.that(not created, "nothing is created by the rejected request", answer)
    violations = (
        ((answer.body or {}).get("details") or {}).get("validationError", {})
        if isinstance(answer.body, dict)
        else {}
    )
    expect.prefer(
        isinstance(violations, dict) and violations.get("fieldViolations"),
        "a 400 lists details.validationError.fieldViolations",
        answer,
    )


@pytest.mark.rule("COMMON-2", "COMMON-6")
def test_invalid_update_changes_nothing(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    # The valid part of the update (a new description) must not be applied either.
    answer = tiers.update(
        tier["id"],
        {
            "revision": tier["revision"],
            "tierDefinition": {"name": padded(unique.name(), 51), "description": "changed"},
            "requiredPoints": unique.points(),
        },
    )
    expect.rejected(answer, 400, what="update with a 51-character name and another description", rule="COMMON-2")
    tier_unchanged(tiers, expect, tier, answer)


@pytest.mark.rule("COMMON-3")
@pytest.mark.parametrize("operation", ["get", "update", "delete"])
def test_unknown_id_is_not_found(tiers: TiersApi, expect: Expect, unique: Unique, operation: str) -> None:
    answer = _call(tiers, operation, unique.guid(), unique)
    expect.status(answer, 404, what=f"{operation} of a well-formed GUID that does not exist")


@pytest.mark.rule("COMMON-4")
@pytest.mark.parametrize("operation", ["get", "update", "delete"])
@pytest.mark.parametrize("tier_id", ["not-a-guid", "12345"])
def test_malformed_id_is_rejected(
    tiers: TiersApi, expect: Expect, unique: Unique, operation: str, tier_id: str
) -> None:
    answer = _call(tiers, operation, tier_id, unique)
    expect.status(answer, 400, tolerated=[404], what=f"{operation} of the malformed id {tier_id!r}")


@pytest.mark.rule("COMMON-9")
@pytest.mark.parametrize("operation", ["list", "create", "get"])
@pytest.mark.parametrize("api", sorted(ANONYMOUS_CALLS))
def test_requests_without_credentials_get_401(
    target: Target, owned: Owned, expect: Expect, unique: Unique, api: str, operation: str
) -> None:
    """A second client with none of the configured headers (the suite's credentials are headers).

    A live target that authenticates some other way (a cookie jar, mTLS, an IP allow-list) serves
    these requests anyway and fails this rule: the documents require the Authorization header.
    """
    collection, create_body, item_path = ANONYMOUS_CALLS[api]
    anonymous = Target(target.base_url, timeout=target.timeout)
    if operation == "list":
        answer = anonymous.get(collection)
    elif operation == "create":
        answer = anonymous.post(collection, create_body(unique.name(), unique.points()))
        created = answer.body if answer.status == 200 and isinstance(answer.body, dict) else {}
        entity_id = next((v.get("id") for v in created.values() if isinstance(v, dict)), None)
        if isinstance(entity_id, str) and GUID.match(entity_id):
            owned.add(api[:-1], entity_id)
    else:
        answer = anonymous.get(item_path(unique.guid()))
    target.log.extend(anonymous.log)
    expect.status(answer, 401, what=f"{api} {operation} without an Authorization header")
