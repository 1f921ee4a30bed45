"""COMMON rules (API-FACTS §1.8), exercised mostly through the Loyalty Tiers API.

The tiers endpoints carry every shared convention (wrapped bodies, revisions, bulk results, errors), so most
cross-API rules are checked there; the error-body shape (COMMON-1) and credentials (COMMON-9) are judged on
every API, since each service may have its own gateway; paging rules (COMMON-13/14) live with rewards and badges,
the webhook rules (COMMON-15/16) with the webhook suite, and COMMON-17 for the tier program paths
in test_tiers (those tests must run after the fresh-site settings checks).

None of these tests touches the program settings.
"""

from __future__ import annotations

import time

import pytest

from conformance.apis import moment
from conformance.apis.badges import BADGES, badge_path
from conformance.apis.rewards import REWARDS, free_shipping, reward_path
from conformance.apis.tiers import BULK_CREATE, TIERS, TiersApi, tier_body, tier_path
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.test_tiers import (
    GUID,
    ICON_URL,
    check_bulk_result,
    count_named,
    create_tier,
    entity,
    listed,
    name_of,
    own_listed,
    own_results,
    padded,
    succeeded,
    unchanged,
)
from conformance.target import Exchange, Target
from conformance.verdict import Expect


@pytest.fixture
def tiers(target: Target) -> TiersApi:
    return TiersApi(target)


def check_error_body(expect: Expect, answer: Exchange, what: str) -> None:
    """COMMON-1: `{message: string, details: {applicationError | validationError}}`."""
    body = answer.body
    expect.that(
        answer.is_json and isinstance(body, dict),
        f"{what}: the error body is a JSON object",
        answer,
        rule="COMMON-1",
    )
    assert isinstance(body, dict)
    expect.that(
        isinstance(body.get("message"), str),
        f"{what}: the error body has a string `message`",
        answer,
        rule="COMMON-1",
    )
    details = body.get("details")
    expect.that(
        isinstance(details, dict), f"{what}: the error body has an object `details`", answer, rule="COMMON-1"
    )
    assert isinstance(details, dict)
    expect.that(
        isinstance(details.get("applicationError"), dict) or isinstance(details.get("validationError"), dict),
        f"{what}: details carries applicationError or validationError",
        answer,
        rule="COMMON-1",
    )


def is_rejection(answer: Exchange) -> bool:
    return 400 <= answer.status < 500


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


#: Per API: a documented-invalid create body (empty reward name, REWARD-3; missing badge title, BADGE-5) and the
#: path of one entity, for the error bodies of the other two services.
INVALID_CREATE = {
    "rewards": (REWARDS, lambda name: {"reward": {**free_shipping(name), "name": ""}}, reward_path),
    "badges": (BADGES, lambda name: {"badge": {"description": name}}, badge_path),
}


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
    unchanged(tiers, expect, tier, answer)


# COMMON-3 / COMMON-4 --------------------------------------------------------------------------------
def _call(tiers: TiersApi, operation: str, tier_id: str, unique: Unique) -> Exchange:
    if operation == "get":
        return tiers.get(tier_id)
    if operation == "update":
        return tiers.update(tier_id, {"revision": "1", "tierDefinition": {"name": unique.name()}})
    return tiers.delete(tier_id, revision="1")


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


# COMMON-7 -------------------------------------------------------------------------------------------
READ_ONLY = {
    "id": lambda unique: {"id": unique.guid()},
    "createdDate": lambda unique: {"createdDate": "2001-02-03T04:05:06.007Z"},
    "updatedDate": lambda unique: {"updatedDate": "2001-02-03T04:05:06.007Z"},
    "revision": lambda unique: {"revision": "7"},
}


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


# COMMON-9 -------------------------------------------------------------------------------------------
#: Per API: the collection path, a valid create body for a name, and the path of one entity.
ANONYMOUS_CALLS = {
    "tiers": (TIERS, lambda name, points: {"tier": tier_body(name, points)}, tier_path),
    "rewards": (REWARDS, lambda name, points: {"reward": free_shipping(name)}, reward_path),
    "badges": (BADGES, lambda name, points: {"badge": {"title": name}}, badge_path),
}


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
