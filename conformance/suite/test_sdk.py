"""Official SDK usage (API-FACTS §1.9): each SDK method's exact request, sent from Python.

App developers reach these APIs through `@wix/sdk` 1.21 with the generated `@wix/auto_sdk_*` modules.
That client repeats path ids in the query (`?tierId=`, `?id=`), puts `id` in the assign body, sends
GET -> spread -> update bodies that carry read-only fields and `_id`, a raw `Authorization` key (the
target's own headers) and no `Content-Type` on body-less requests. Rejecting those is a tolerated
reading of the documents (AMB-30, AMB-39) but breaks the SDK, so a method the target does not serve
is a warning in the tolerant profile and a failure in strict. Each warning names the SDK method
("official SDK method getTier breaks: ...") so reports can group them into a compatibility table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.apis.tiers import writable
from conformance.live import Owned, site_lock
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.members import skip_if_made_up_members_refused
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


@pytest.fixture
def sdk(target: Target, expect: Expect) -> Sdk:
    return Sdk(target, expect)


def body_of(exchange: Exchange) -> dict[str, Any]:
    return exchange.body if isinstance(exchange.body, dict) else {}


def spread(entity: dict[str, Any], entity_id: str, **changes: Any) -> dict[str, Any]:
    """What `update(id, {...got, ...changes})` puts on the wire: every GET field, `_id` and `id` (§1.9)."""
    return {**entity, **changes, "_id": entity_id, "id": entity_id}


def is_revision(value: object, expected: str) -> bool:
    return isinstance(value, str) and value == expected


def next_revision(value: object) -> str:
    return str(int(str(value)) + 1)


# tiers ---------------------------------------------------------------------------------------------
def new_tier(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> dict[str, Any]:
    """A tier created through createTier's request; the set-up itself is documented behaviour (TIER-1)."""
    answer = sdk.call("createTier", "POST", TIERS, {"tier": {
        "tierDefinition": {"name": unique.name(), "description": "SDK usage",
                           "icon": {"url": "https://static.example.com/tier.svg"}},
        "requiredPoints": unique.points()}})
    tier = expect.setup(answer, "creating a tier for the scenario").get("tier") or {}
    if not tier.get("id"):
        expect.fail("the created tier has an id", answer)
    owned.add("tier", tier["id"])
    return tier


@pytest.mark.rule("TIER-1")
@pytest.mark.sdk("createTier")
def test_sdk_create_tier(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    name = unique.name()
    answer = sdk.call("createTier", "POST", TIERS, {"tier": {
        "tierDefinition": {"name": name, "icon": {"url": "https://static.example.com/tier.svg"}},
        "requiredPoints": unique.points()}})
    tier = body_of(answer).get("tier") or {}
    if tier.get("id"):
        owned.add("tier", tier["id"])
    sdk.served("createTier", answer, "POST {tier} with an absolute icon url",
               shape=bool(tier.get("id")) and is_revision(tier.get("revision"), "1"))


@pytest.mark.rule("TIER-6", "COMMON-11")
@pytest.mark.sdk("bulkCreateTiers")
def test_sdk_bulk_create_tiers(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    answer = sdk.call("bulkCreateTiers", "POST", TIERS_BULK, {"tiers": [
        {"tierDefinition": {"name": unique.name()}, "requiredPoints": unique.points()} for _ in range(2)]})
    results = body_of(answer).get("results") or []
    for result in results:
        if isinstance(result, dict) and (result.get("item") or {}).get("id"):
            owned.add("tier", result["item"]["id"])
    created = [r for r in results if isinstance(r, dict) and (r.get("itemMetadata") or {}).get("success")]
    sdk.served("bulkCreateTiers", answer, "POST {tiers: [2 tiers]}", shape=len(created) == 2)


@pytest.mark.rule("TIER-27", "COMMON-3")
@pytest.mark.sdk("getTier")
def test_sdk_get_tier_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    answer = sdk.call("getTier", "GET", f"{TIERS}/{tier['id']}", params=[("tierId", tier["id"])])
    got = body_of(answer).get("tier") or {}
    if not sdk.served("getTier", answer, "GET with ?tierId= repeating the path id",
                      shape=got.get("id") == tier["id"], amb="AMB-39"):
        return
    missing = unique.guid()
    absent = sdk.call("getTier", "GET", f"{TIERS}/{missing}", params=[("tierId", missing)])
    sdk.served("getTier", absent, "GET of an unknown id with ?tierId= (the SDK expects a 404 error)",
               status=404, amb="AMB-39")


@pytest.mark.rule("COMMON-7", "TIER-9")
@pytest.mark.sdk("updateTier")
def test_sdk_update_tier_with_spread_read_only_fields(sdk: Sdk, owned: Owned, unique: Unique,
                                                      expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    current = expect.setup(sdk.target.get(f"{TIERS}/{tier['id']}"), "reading the tier back")["tier"]
    points = unique.points()
    answer = sdk.call("updateTier", "PATCH", f"{TIERS}/{tier['id']}",
                      {"tier": spread(current, tier["id"], requiredPoints=points)})
    updated = body_of(answer).get("tier") or {}
    sdk.served("updateTier", answer,
               "PATCH of a GET -> spread tier (id, _id, createdDate, updatedDate, revision)",
               shape=(updated.get("id") == tier["id"] and updated.get("requiredPoints") == points
                      and is_revision(updated.get("revision"), next_revision(current["revision"]))),
               amb="AMB-30")


@pytest.mark.rule("TIER-12", "COMMON-10")
@pytest.mark.sdk("deleteTier")
def test_sdk_delete_tier_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    tier = new_tier(sdk, owned, unique, expect)
    answer = sdk.call("deleteTier", "DELETE", f"{TIERS}/{tier['id']}",
                      params=[("tierId", tier["id"]), ("revision", tier["revision"])])
    if not sdk.served("deleteTier", answer, "DELETE with ?tierId= and ?revision=", amb="AMB-39"):
        return
    gone = sdk.call("getTier", "GET", f"{TIERS}/{tier['id']}", params=[("tierId", tier["id"])])
    sdk.served("deleteTier", gone, "GET after the delete (the SDK expects a 404 error)", status=404,
               amb="AMB-39")


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


# rewards -------------------------------------------------------------------------------------------
def reward_body(name: str, cost: int = 20) -> dict[str, Any]:
    return {"name": name, "active": True, "type": "COUPON_REWARD",
            "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": cost}]}}}


def new_reward(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
               name: str | None = None) -> dict[str, Any]:
    answer = sdk.call("createReward", "POST", REWARDS, {"reward": reward_body(name or unique.name())})
    reward = expect.setup(answer, "creating a reward for the scenario").get("reward") or {}
    if not reward.get("id"):
        expect.fail("the created reward has an id", answer)
    owned.add("reward", reward["id"])
    return reward


@pytest.mark.rule("REWARD-1")
@pytest.mark.sdk("createReward")
def test_sdk_create_reward(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    answer = sdk.call("createReward", "POST", REWARDS, {"reward": reward_body(unique.name())})
    reward = body_of(answer).get("reward") or {}
    if reward.get("id"):
        owned.add("reward", reward["id"])
    sdk.served("createReward", answer, "POST {reward}",
               shape=bool(reward.get("id")) and is_revision(reward.get("revision"), "1"))


@pytest.mark.rule("REWARD-12", "COMMON-11")
@pytest.mark.sdk("bulkCreateRewards")
def test_sdk_bulk_create_rewards(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    answer = sdk.call("bulkCreateRewards", "POST", REWARDS_BULK,
                      {"rewards": [reward_body(unique.name(), cost) for cost in (11, 12)]})
    results = body_of(answer).get("results") or []
    for result in results:
        if isinstance(result, dict) and (result.get("item") or {}).get("id"):
            owned.add("reward", result["item"]["id"])
    created = [r for r in results if isinstance(r, dict) and (r.get("itemMetadata") or {}).get("success")]
    sdk.served("bulkCreateRewards", answer, "POST {rewards: [2 rewards]}", shape=len(created) == 2)


@pytest.mark.rule("REWARD-24", "COMMON-3")
@pytest.mark.sdk("getReward")
def test_sdk_get_reward_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    reward = new_reward(sdk, owned, unique, expect)
    answer = sdk.call("getReward", "GET", f"{REWARDS}/{reward['id']}", params=[("id", reward["id"])])
    got = body_of(answer).get("reward") or {}
    if not sdk.served("getReward", answer, "GET with ?id= repeating the path id",
                      shape=got.get("id") == reward["id"], amb="AMB-39"):
        return
    missing = unique.guid()
    absent = sdk.call("getReward", "GET", f"{REWARDS}/{missing}", params=[("id", missing)])
    sdk.served("getReward", absent, "GET of an unknown id with ?id= (the SDK expects a 404 error)",
               status=404, amb="AMB-39")


@pytest.mark.rule("COMMON-7", "REWARD-13")
@pytest.mark.sdk("updateReward")
def test_sdk_update_reward_with_spread_read_only_fields(sdk: Sdk, owned: Owned, unique: Unique,
                                                        expect: Expect) -> None:
    reward = new_reward(sdk, owned, unique, expect)
    current = expect.setup(sdk.target.get(f"{REWARDS}/{reward['id']}"), "reading the reward back")["reward"]
    name = unique.name()
    answer = sdk.call("updateReward", "PUT", f"{REWARDS}/{reward['id']}",
                      {"reward": spread(current, reward["id"], name=name)})
    updated = body_of(answer).get("reward") or {}
    sdk.served("updateReward", answer,
               "PUT of a GET -> spread reward (id, _id, createdDate, updatedDate, legacy fields, revision)",
               shape=(updated.get("id") == reward["id"] and updated.get("name") == name
                      and is_revision(updated.get("revision"), next_revision(current["revision"]))),
               amb="AMB-30")


@pytest.mark.rule("REWARD-17", "COMMON-10")
@pytest.mark.sdk("deleteReward")
def test_sdk_delete_reward_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    reward = new_reward(sdk, owned, unique, expect)
    answer = sdk.call("deleteReward", "DELETE", f"{REWARDS}/{reward['id']}",
                      params=[("id", reward["id"]), ("revision", reward["revision"])])
    if not sdk.served("deleteReward", answer, "DELETE with ?id= and ?revision=", amb="AMB-39"):
        return
    gone = sdk.call("getReward", "GET", f"{REWARDS}/{reward['id']}", params=[("id", reward["id"])])
    sdk.served("deleteReward", gone, "GET after the delete (the SDK expects a 404 error)", status=404,
               amb="AMB-39")


@pytest.mark.rule("REWARD-20")
@pytest.mark.sdk("listRewards")
def test_sdk_list_rewards_cursor_walk(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    mine = {new_reward(sdk, owned, unique, expect)["id"] for _ in range(3)}
    seen: list[str] = []
    params: list[tuple[str, Any]] = [("cursorPaging.limit", 2)]
    for _ in range(MAX_PAGES):
        answer = sdk.call("listRewards", "GET", REWARDS, params=params)
        body = body_of(answer)
        if not sdk.served("listRewards", answer, f"GET ?{'&'.join(f'{k}=…' for k, _ in params)}",
                          shape=isinstance(body.get("rewards"), list)):
            return
        seen.extend(str(r.get("id")) for r in body["rewards"] if isinstance(r, dict))
        cursor = ((body.get("pagingMetadata") or {}).get("cursors") or {}).get("next")
        if not cursor:
            break
        params = [("cursorPaging.limit", 2), ("cursorPaging.cursor", cursor)]
    sdk.served("listRewards", answer, "cursor walk with limit 2 visits every created reward once",
               shape=mine <= set(seen) and len(seen) == len(set(seen)))


@pytest.mark.rule("REWARD-23")
@pytest.mark.sdk("queryRewards")
def test_sdk_query_rewards_cursor_only_follow_ups(sdk: Sdk, owned: Owned, unique: Unique,
                                                  expect: Expect) -> None:
    prefix = unique.name(max_length=30).split(" ")[0]
    mine = {new_reward(sdk, owned, unique, expect, name=f"{prefix} {n}")["id"] for n in range(3)}
    query: dict[str, Any] = {"filter": {"name": {"$startsWith": prefix}}, "cursorPaging": {"limit": 2}}
    seen: list[str] = []
    for _ in range(MAX_PAGES):
        answer = sdk.call("queryRewards", "POST", f"{REWARDS}/query", {"query": query})
        body = body_of(answer)
        what = ("POST {query: {filter, cursorPaging}}" if "filter" in query
                else "follow-up POST {query: {cursorPaging: {cursor}}}")
        if not sdk.served("queryRewards", answer, what, shape=isinstance(body.get("rewards"), list)):
            return
        seen.extend(str(r.get("id")) for r in body["rewards"] if isinstance(r, dict))
        cursor = ((body.get("pagingMetadata") or {}).get("cursors") or {}).get("next")
        if not cursor:
            break
        query = {"cursorPaging": {"cursor": cursor}}
    sdk.served("queryRewards", answer, "filtered cursor walk returns exactly the created rewards",
               shape=sorted(seen) == sorted(mine))


@pytest.mark.rule("REWARD-19")
@pytest.mark.sdk("bulkGetRewards")
def test_sdk_bulk_get_rewards_is_reported_not_judged(sdk: Sdk, owned: Owned, unique: Unique,
                                                     expect: Expect) -> None:
    """`GET /bulk/rewards` is not in the API documents (§4.2): recorded, never judged."""
    reward = new_reward(sdk, owned, unique, expect)
    answer = sdk.call("bulkGetRewards", "GET", REWARDS_BULK_GET)
    sites = body_of(answer).get("rewardsInSite")
    listed = [r.get("id") for site in sites or [] if isinstance(site, dict)
              for r in site.get("rewards") or [] if isinstance(r, dict)]
    if not (answer.status == 200 and isinstance(sites, list) and reward["id"] in listed):
        pytest.skip(f"official SDK method bulkGetRewards is not served (undocumented endpoint, not judged): "
                    f"{answer.method} {answer.url} -> {answer.status}")


# badges --------------------------------------------------------------------------------------------
@pytest.fixture
def members(conformance_settings: RunSettings, unique: Unique) -> list[str]:
    """Two member ids: the configured ones on a live site (AMB-34), fresh GUIDs on the reference."""
    if len(conformance_settings.member_ids) >= 2:
        return conformance_settings.member_ids[:2]
    if not conformance_settings.embedded:
        pytest.skip("badge assignment needs two --conformance-member-id values on this target")
    return [unique.guid(), unique.guid()]


def new_badge(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> dict[str, Any]:
    answer = sdk.call("createBadge", "POST", BADGES, {"badge": {
        "title": unique.name(), "description": "SDK usage", "backgroundColor": "#796EFF",
        "textColor": "#FFFFFF"}})
    badge = expect.setup(answer, "creating a badge for the scenario").get("badge") or {}
    if not badge.get("id"):
        expect.fail("the created badge has an id", answer)
    owned.add("badge", badge["id"])
    return badge


def assigned(sdk: Sdk, badge_id: str, members: list[str]) -> Exchange:
    return sdk.call("assignBadge", "POST", f"{BADGES}/{badge_id}/members",
                    {"id": badge_id, "memberIds": members})


def assigning(sdk: Sdk, expect: Expect, settings: RunSettings, badge_id: str, members: list[str]) -> None:
    """Set-up assignment; a site that refuses the made-up members (AMB-34) skips the scenario (--member-id)."""
    answer = sdk.target.post(f"{BADGES}/{badge_id}/members", {"memberIds": members})
    skip_if_made_up_members_refused(answer, members, settings.member_ids)
    expect.setup(answer, "assigning members")


@pytest.mark.rule("BADGE-1")
@pytest.mark.sdk("createBadge")
def test_sdk_create_badge(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    answer = sdk.call("createBadge", "POST", BADGES, {"badge": {
        "title": unique.name(), "backgroundColor": "#796EFF", "textColor": "#FFFFFF"}})
    badge = body_of(answer).get("badge") or {}
    if badge.get("id"):
        owned.add("badge", badge["id"])
    sdk.served("createBadge", answer, "POST {badge}", shape=bool(badge.get("id")))


@pytest.mark.rule("BADGE-9", "BADGE-10")
@pytest.mark.sdk("getBadge")
def test_sdk_get_badge_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    answer = sdk.call("getBadge", "GET", f"{BADGES}/{badge['id']}", params=[("id", badge["id"])])
    got = body_of(answer).get("badge") or {}
    if not sdk.served("getBadge", answer, "GET with ?id= repeating the path id",
                      shape=got.get("id") == badge["id"], amb="AMB-39"):
        return
    missing = unique.guid()
    absent = sdk.call("getBadge", "GET", f"{BADGES}/{missing}", params=[("id", missing)])
    sdk.served("getBadge", absent, "GET of an unknown id with ?id= (the SDK expects a 404 error)",
               status=404, amb="AMB-39")


@pytest.mark.rule("BADGE-8", "COMMON-7")
@pytest.mark.sdk("updateBadge")
def test_sdk_update_badge_partial_body_with_id(sdk: Sdk, owned: Owned, unique: Unique,
                                               expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    title = unique.name()
    answer = sdk.call("updateBadge", "PATCH", f"{BADGES}/{badge['id']}",
                      {"badge": {"title": title, "id": badge["id"]}})
    updated = body_of(answer).get("badge") or {}
    sdk.served("updateBadge", answer, "PATCH {badge: {title, id}} (partial body)",
               shape=(updated.get("id") == badge["id"] and updated.get("title") == title
                      and updated.get("backgroundColor") == badge.get("backgroundColor")),
               amb="AMB-30")


@pytest.mark.rule("BADGE-14")
@pytest.mark.sdk("deleteBadge")
def test_sdk_delete_badge_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    answer = sdk.call("deleteBadge", "DELETE", f"{BADGES}/{badge['id']}", params=[("id", badge["id"])])
    if not sdk.served("deleteBadge", answer, "DELETE with ?id= repeating the path id", amb="AMB-39"):
        return
    gone = sdk.call("getBadge", "GET", f"{BADGES}/{badge['id']}", params=[("id", badge["id"])])
    sdk.served("deleteBadge", gone, "GET after the delete (the SDK expects a 404 error)", status=404,
               amb="AMB-39")


@pytest.mark.rule("BADGE-11")
@pytest.mark.sdk("listBadges")
def test_sdk_list_badges_offset_walk(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    mine = {new_badge(sdk, owned, unique, expect)["id"] for _ in range(2)}
    seen: list[str] = []
    for _ in range(MAX_PAGES):
        answer = sdk.call("listBadges", "GET", BADGES,
                          params=[("paging.limit", 50), ("paging.offset", len(seen))])
        badges = body_of(answer).get("badges")
        if not isinstance(badges, list):
            sdk.served("listBadges", answer, "GET ?paging.limit=50&paging.offset=N", shape=False)
            return
        if not sdk.served("listBadges", answer, "GET ?paging.limit=50&paging.offset=N"):
            return
        seen.extend(str(b.get("id")) for b in badges if isinstance(b, dict))
        if len(badges) < 50:
            break
    sdk.served("listBadges", answer, "offset walk lists every created badge once",
               shape=mine <= set(seen) and len(seen) == len(set(seen)))


@pytest.mark.rule("BADGE-15")
@pytest.mark.sdk("assignBadge")
def test_sdk_assign_badge_with_id_in_body(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                          members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    answer = assigned(sdk, badge["id"], members)
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
    returned = body_of(answer).get("memberIds")
    sdk.served("assignBadge", answer, "POST {id, memberIds} (path id repeated in the body)",
               shape=isinstance(returned, list) and set(members) <= set(returned), amb="AMB-30")


@pytest.mark.rule("BADGE-17")
@pytest.mark.sdk("unassignBadge")
def test_sdk_unassign_badge_repeated_member_keys(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                                 members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("unassignBadge", "DELETE", f"{BADGES}/{badge['id']}/members",
                      params=[("id", badge["id"]), *(("memberIds", m) for m in members)])
    if not sdk.served("unassignBadge", answer, "DELETE ?id=&memberIds=a&memberIds=b", amb="AMB-39"):
        return
    left = sdk.target.get(f"{BADGES}/{badge['id']}/members")
    remaining = body_of(left).get("memberIds") or []
    sdk.served("unassignBadge", left, "members are gone after the unassign",
               shape=not set(members) & set(remaining), amb="AMB-39")


@pytest.mark.rule("BADGE-15")
@pytest.mark.sdk("listMembersByBadge")
def test_sdk_list_members_by_badge_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                                    members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("listMembersByBadge", "GET", f"{BADGES}/{badge['id']}/members",
                      params=[("id", badge["id"]), ("paging.limit", 100)])
    listed = body_of(answer).get("memberIds")
    sdk.served("listMembersByBadge", answer, "GET ?id=&paging.limit=100",
               shape=isinstance(listed, list) and set(members) <= set(listed), amb="AMB-39")


@pytest.mark.rule("BADGE-15")
@pytest.mark.sdk("listBadgesPerMember")
def test_sdk_list_badges_per_member(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                    members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("listBadgesPerMember", "POST", f"{BADGES}/members", {"memberIds": members[:1]})
    entries = body_of(answer).get("memberBadgeIds")
    entry = next((e for e in entries or [] if isinstance(e, dict) and e.get("memberId") == members[0]), {})
    sdk.served("listBadgesPerMember", answer, "POST {memberIds}",
               shape=badge["id"] in (entry.get("badgeIds") or []))


@pytest.mark.rule("BADGE-23", "BADGE-15")
@pytest.mark.sdk("getMemberCountsPerBadge")
def test_sdk_get_member_counts_per_badge(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                         members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("getMemberCountsPerBadge", "GET", f"{BADGES}/members/count")
    counts = body_of(answer).get("badgeMemberCounts")
    entry = next((c for c in counts or [] if isinstance(c, dict) and c.get("badgeId") == badge["id"]), {})
    sdk.served("getMemberCountsPerBadge", answer, "GET without a body or Content-Type",
               shape=entry.get("memberCount") == len(members))


@pytest.mark.site_wide
@pytest.mark.rule("BADGE-20")
@pytest.mark.sdk("updateBadgesDisplayOrder")
def test_sdk_update_badges_display_order(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    """The display order is site-wide: the original order is put back whatever happens."""
    with site_lock(sdk.target.base_url, "badge-order"):
        _update_display_order(sdk, owned, unique, expect)


def _update_display_order(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    before: list[str] = []
    for _ in range(MAX_PAGES):
        page = expect.setup(sdk.target.get(BADGES, params={"paging.limit": 100, "paging.offset": len(before)}),
                         "listing badges")
        before.extend(b["id"] for b in page.get("badges", []) if b.get("id"))
        if len(page.get("badges", [])) < 100:
            break
    wanted = [badge["id"], *(b for b in before if b != badge["id"])]
    try:
        answer = sdk.call("updateBadgesDisplayOrder", "PATCH", f"{BADGES}/order", {"badgeIds": wanted})
        order = [b.get("id") for b in body_of(answer).get("badges") or [] if isinstance(b, dict)]
        sdk.served("updateBadgesDisplayOrder", answer, "PATCH {badgeIds: [all badges]}",
                   shape=order == wanted)
    finally:
        sdk.target.patch(f"{BADGES}/order", {"badgeIds": before})
