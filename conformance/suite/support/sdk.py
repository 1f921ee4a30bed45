"""Official SDK usage (API-FACTS §1.9): each SDK method's exact request, sent from Python, and its judgement.

App developers reach these APIs through `@wix/sdk` 1.21 with the generated `@wix/auto_sdk_*` modules.
That client repeats path ids in the query (`?tierId=`, `?id=`), puts `id` in the assign body, sends
GET -> spread -> update bodies that carry read-only fields and `_id`, a raw `Authorization` key (the
target's own headers) and no `Content-Type` on body-less requests. Rejecting those is a tolerated
reading of the documents (AMB-30, AMB-39) but breaks the SDK, so a method the target does not serve
is a warning in the tolerant profile and a failure in strict. Each warning names the SDK method
("official SDK method getTier breaks: ...") so reports can group them into a compatibility table.
The test_sdk_<api> modules send one method each.
"""
from __future__ import annotations

from typing import Any

from conformance.live import Owned
from conformance.plugin import Unique
from conformance.target import Exchange, Target
from conformance.verdict import Expect

TIERS = "/loyalty-tiers/v1/tiers"
TIERS_BULK = "/loyalty-tiers/v1/bulk/tiers/create"
PROGRAM = f"{TIERS}/program"
SETTINGS = f"{TIERS}/program-settings"
REWARDS = "/loyalty-rewards/v1/rewards"
REWARDS_BULK = "/loyalty-rewards/v1/bulk/rewards/create"
REWARDS_BULK_GET = "/loyalty-rewards/v1/bulk/rewards"
BADGES = "/members/v3/badges"
MAX_PAGES = 100

#: SDK method -> (package suffix, service FQN, RPC name, entity FQDN): what `x-wix-bi-gateway` names.
_TIER = ("loyalty_tiers", "com.wixpress.loyalty.tier.LoyaltyTiers", "wix.loyalty.v1.tier")
_REWARD = ("loyalty_rewards", "com.wixpress.loyalty.reward.LoyaltyRewards", "wix.loyalty.v1.reward")
_BADGE = ("members_badges", "com.wixpress.badges.v3.BadgesServiceV3", "wix.badges.v3.badge")
RPC = {
    "createTier": (_TIER, "CreateTier"), "bulkCreateTiers": (_TIER, "BulkCreateTiers"),
    "getTier": (_TIER, "GetTier"), "updateTier": (_TIER, "UpdateTier"), "deleteTier": (_TIER, "DeleteTier"),
    "listTiers": (_TIER, "ListTiers"), "createTiersProgramSettings": (_TIER, "CreateTiersProgramSettings"),
    "getTiersProgram": (_TIER, "GetTiersProgram"),
    "getTiersProgramSettings": (_TIER, "GetTiersProgramSettings"),
    "updateTiersProgramSettings": (_TIER, "UpdateTiersProgramSettings"),
    "createReward": (_REWARD, "CreateReward"), "bulkCreateRewards": (_REWARD, "BulkCreateRewards"),
    "getReward": (_REWARD, "GetReward"), "bulkGetRewards": (_REWARD, "BulkGetRewards"),
    "queryRewards": (_REWARD, "QueryRewards"), "updateReward": (_REWARD, "UpdateReward"),
    "deleteReward": (_REWARD, "DeleteReward"), "listRewards": (_REWARD, "ListRewards"),
    "createBadge": (_BADGE, "CreateBadge"), "updateBadge": (_BADGE, "UpdateBadge"),
    "listBadges": (_BADGE, "ListBadges"), "getBadge": (_BADGE, "GetBadge"),
    "deleteBadge": (_BADGE, "DeleteBadge"),
    "assignBadge": (_BADGE, "AssignBadge"), "unassignBadge": (_BADGE, "UnassignBadge"),
    "listMembersByBadge": (_BADGE, "ListMembers"), "listBadgesPerMember": (_BADGE, "ListMembersBadgeIds"),
    "getMemberCountsPerBadge": (_BADGE, "GetMemberCountsPerBadge"),
    "updateBadgesDisplayOrder": (_BADGE, "UpdateBadgesDisplayOrder"),
}


class Sdk:
    """Sends requests shaped exactly like the SDK's and turns "not served" into a named SDK warning."""

    def __init__(self, target: Target, expect: Expect):
        self.target = target
        self.expect = expect

    def call(self, method: str, verb: str, path: str, body: Any = None,
             params: list[tuple[str, Any]] | None = None) -> Exchange:
        (package, service, entity), rpc = RPC[method]
        bi = (f"environment=js-sdk,package-name=@wix/auto_sdk_{package},method-fqn={service}.{rpc},"
              f"entity={entity}")
        # Target adds Content-Type only with a body, like the SDK; Authorization is the target's raw key.
        return self.target.request(verb, path, json_body=body, params=params,
                                   headers={"x-wix-bi-gateway": bi})

    def served(self, method: str, exchange: Exchange, what: str, *, shape: bool = True,
               amb: str | None = None, status: int = 200) -> bool:
        """True when the answer is what the SDK accepts: `status` (200 unless an error is expected), JSON."""
        good = exchange.status == status and exchange.is_json and shape
        problem = (f"HTTP {exchange.status}" if exchange.status != status else
                   "the body is not JSON" if not exchange.is_json else "the answer has the wrong shape")
        message = f"official SDK method {method} breaks: {what} -> {problem}"
        self.expect.prefer(good, message, exchange, amb=amb)
        return good


def body_of(exchange: Exchange) -> dict[str, Any]:
    return exchange.body if isinstance(exchange.body, dict) else {}


def spread(entity: dict[str, Any], entity_id: str, **changes: Any) -> dict[str, Any]:
    """What `update(id, {...got, ...changes})` puts on the wire: every GET field, `_id` and `id` (§1.9)."""
    return {**entity, **changes, "_id": entity_id, "id": entity_id}


def is_revision(value: object, expected: str) -> bool:
    return isinstance(value, str) and value == expected


def next_revision(value: object) -> str:
    return str(int(str(value)) + 1)




def created(sdk: Sdk, owned: Owned, expect: Expect, method: str, path: str, kind: str,
            entity: dict[str, Any]) -> dict[str, Any]:
    """A `kind` created through the SDK method's request for a scenario's set-up (itself documented behaviour):
    owned, so it is deleted when the test ends; an answer without an id fails the scenario."""
    answer = sdk.call(method, "POST", path, {kind: entity})
    made = expect.setup(answer, f"creating a {kind} for the scenario").get(kind) or {}
    if not made.get("id"):
        expect.fail(f"the created {kind} has an id", answer)
    owned.add(kind, made["id"])
    return made


def own_created(owned: Owned, answer: Exchange, kind: str) -> dict[str, Any]:
    """The `kind` a create answer returns (empty when none), owned when it has an id."""
    entity = body_of(answer).get(kind) or {}
    if entity.get("id"):
        owned.add(kind, entity["id"])
    return entity


def own_bulk_created(owned: Owned, answer: Exchange, kind: str) -> int:
    """Own every item a bulk create answer returns; how many of its results report success."""
    results = body_of(answer).get("results") or []
    for result in results:
        if isinstance(result, dict) and (result.get("item") or {}).get("id"):
            owned.add(kind, result["item"]["id"])
    return len([r for r in results if isinstance(r, dict) and (r.get("itemMetadata") or {}).get("success")])


def get_with_id_in_query(sdk: Sdk, unique: Unique, method: str, path: str, kind: str, entity_id: str,
                         param: str) -> None:
    """The SDK's get repeats the path id as `?param=` (AMB-39): the entity is served, and an unknown id is a 404."""
    answer = sdk.call(method, "GET", f"{path}/{entity_id}", params=[(param, entity_id)])
    got = body_of(answer).get(kind) or {}
    if not sdk.served(method, answer, f"GET with ?{param}= repeating the path id",
                      shape=got.get("id") == entity_id, amb="AMB-39"):
        return
    missing = unique.guid()
    absent = sdk.call(method, "GET", f"{path}/{missing}", params=[(param, missing)])
    sdk.served(method, absent, f"GET of an unknown id with ?{param}= (the SDK expects a 404 error)",
               status=404, amb="AMB-39")


def delete_with_id_in_query(sdk: Sdk, method: str, get_method: str, path: str, entity_id: str, param: str,
                            params: list[tuple[str, Any]], what: str) -> None:
    """The SDK's delete repeats the path id in the query (AMB-39): it is served, and the SDK's get then finds
    nothing (a 404)."""
    answer = sdk.call(method, "DELETE", f"{path}/{entity_id}", params=params)
    if not sdk.served(method, answer, what, amb="AMB-39"):
        return
    gone = sdk.call(get_method, "GET", f"{path}/{entity_id}", params=[(param, entity_id)])
    sdk.served(method, gone, "GET after the delete (the SDK expects a 404 error)", status=404, amb="AMB-39")


def update_with_spread(sdk: Sdk, expect: Expect, method: str, verb: str, path: str, kind: str, entity_id: str,
                       what: str, **changes: Any) -> None:
    """The SDK's update sends what a GET returned, spread, with the changes (AMB-30): served, the changes
    applied and the revision the next one."""
    current = expect.setup(sdk.target.get(f"{path}/{entity_id}"), f"reading the {kind} back")[kind]
    answer = sdk.call(method, verb, f"{path}/{entity_id}", {kind: spread(current, entity_id, **changes)})
    updated = body_of(answer).get(kind) or {}
    sdk.served(method, answer, what,
               shape=(updated.get("id") == entity_id and all(updated.get(k) == v for k, v in changes.items())
                      and is_revision(updated.get("revision"), next_revision(current["revision"]))),
               amb="AMB-30")
