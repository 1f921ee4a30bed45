"""Loyalty Rewards v1 rules (API-FACTS §4.4), one or more tests per rule statement.

A live site already has rewards: paging walks only demand that the rewards this test created appear
exactly once and that no id repeats; names carry the run tag so nothing collides with site data.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conformance.apis import moment, not_before
from conformance.apis.rewards import (
    MAX_PAGES,
    REWARDS,
    RewardsApi,
    base_configs,
    coupon,
    discount_amount,
    documented,
    editable,
    free_shipping,
    next_cursor,
)
from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.test_common import check_error_body
from conformance.target import Exchange, Target
from conformance.verdict import ANY_4XX, Expect

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TYPES = ("DISCOUNT_AMOUNT", "COUPON_REWARD")
PRICING_PLANS = {"namespace": "pricingPlans", "group": {"name": "plan"}}


@pytest.fixture
def rewards(target: Target) -> RewardsApi:
    return RewardsApi(target)


# helpers -----------------------------------------------------------------------------------------
def create_reward(rewards: RewardsApi, owned: Owned, expect: Expect, body: dict[str, Any]) -> dict[str, Any]:
    """Create a reward this test owns; the set-up itself must succeed."""
    created = rewards.create(body)
    reward = expect.ok(created, "creating a reward for the scenario")["reward"]
    owned.add("reward", reward["id"])
    return reward


def adopt(owned: Owned, answer: Exchange) -> None:
    """Register whatever an answer reports as created, so a wrongly accepted request leaves nothing behind."""
    if answer.status != 200 or not isinstance(answer.body, dict):
        return
    reward = answer.body.get("reward")
    if isinstance(reward, dict) and reward.get("id"):
        owned.add("reward", reward["id"])
    for result in answer.body.get("results") or []:
        item = result.get("item") if isinstance(result, dict) else None
        if isinstance(item, dict) and item.get("id"):
            owned.add("reward", item["id"])


def by_original_index(answer: Exchange) -> dict[int, dict[str, Any]]:
    """The successful items of a bulk answer keyed by `itemMetadata.originalIndex` (COMMON-11 promises the
    index, not the order of `results`; an omitted index is the default 0, §1.2)."""
    body = answer.body if isinstance(answer.body, dict) else {}
    items: dict[int, dict[str, Any]] = {}
    for result in body.get("results") or []:
        if not isinstance(result, dict):
            continue
        index = (result.get("itemMetadata") or {}).get("originalIndex", 0)
        item = result.get("item")
        if isinstance(index, int) and isinstance(item, dict) and item.get("id"):
            items[index] = item
    return items


def bulk_create_all(
    rewards: RewardsApi, owned: Owned, expect: Expect, bodies: list[dict[str, Any]]
) -> list[str]:
    """Create many rewards in chunks of 10 (the documented bulk maximum); returns their ids in input order."""
    ids: list[str] = []
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        answer = rewards.bulk_create(chunk)
        adopt(owned, answer)
        expect.setup(answer, "bulk-creating rewards for the scenario")
        created = by_original_index(answer)
        expect.that(
            sorted(created) == list(range(len(chunk))), f"set-up: all {len(chunk)} rewards are created", answer
        )
        ids.extend(created[index]["id"] for index in range(len(chunk)))
    return ids


def real_tiers(target: Target, owned: Owned, expect: Expect, unique: Unique, count: int) -> list[str]:
    """Ids of `count` tiers this test creates: reward configs name real tiers, because a server may reject
    configs for unknown tiers (AMB-36) and a size limit must still be tested against it."""
    tiers = TiersApi(target)
    ids: list[str] = []
    while len(ids) < count:
        batch = [tier_body(unique.name(), unique.points()) for _ in range(min(20, count - len(ids)))]
        answer = tiers.bulk_create(batch)
        body = answer.body if answer.status == 200 and isinstance(answer.body, dict) else {}
        made = [r["item"]["id"] for r in body.get("results") or [] if (r.get("item") or {}).get("id")]
        for tier_id in made:
            owned.add("tier", tier_id)
        expect.setup(answer, "creating tiers for the reward configs")
        expect.that(made, "set-up: the tiers are created", answer)
        ids.extend(made)
    return ids[:count]


def named(expect: Expect, rewards: RewardsApi, owned: Owned, prefix: str) -> list[dict[str, Any]]:
    """Every reward whose name starts with `prefix` (which carries the run tag), read through Query Rewards;
    each page must succeed, because a "nothing was created" check proves nothing when the read fails. The
    matches are this test's to clean up; whatever else a server serves is left alone."""
    found = walk(
        expect,
        rewards.query_pages({"filter": {"name": {"$startsWith": prefix}}}),
        None,
        f"Query Rewards for names starting {prefix!r}",
    )
    matches = [r for r in found if str(r.get("name", "")).startswith(prefix)]
    for reward in matches:
        if reward.get("id"):
            owned.add("reward", reward["id"])
    return matches


def no_reward_named(expect: Expect, rewards: RewardsApi, owned: Owned, name: str, answer: Exchange) -> None:
    """COMMON-2: a rejected create stored nothing (looked up by the name it carried)."""
    stored = [r for r in named(expect, rewards, owned, name) if r.get("name") == name]
    expect.that(not stored, f"the rejected request stored nothing, yet {len(stored)} reward(s) named {name!r} exist",
                answer, rule="COMMON-2")


def rejected_create(
    expect: Expect, rewards: RewardsApi, owned: Owned, body: dict[str, Any], rule: str, what: str
) -> None:
    """An invalid create is rejected with 400 (`rule`), and nothing was stored (COMMON-2, looked up by the
    name the body carried when it has one worth searching for)."""
    answer = rewards.create(body)
    adopt(owned, answer)
    expect.rejected(answer, 400, rule=rule, what=what)
    if isinstance(body.get("name"), str) and body["name"]:
        no_reward_named(expect, rewards, owned, body["name"], answer)


def group_of(unique: Unique) -> str:
    """A name prefix only this test uses (run tag + test digest + a per-test marker)."""
    return f"{unique.prefix}g{unique.guid()[:6]}"


def walk(
    expect: Expect, pages: Iterable[Exchange], limit: int | None, what: str, count_rule: str | None = None
) -> list[dict[str, Any]]:
    """Follow every page: each one must be a 200 with `count == len(rewards)`, no id may repeat, and
    `hasNext` (when present) must agree with `cursors.next`."""
    seen: list[dict[str, Any]] = []
    ids: set[str] = set()
    number = 0
    for page in pages:
        number += 1
        body = expect.ok(page, f"{what}, page {number}")
        # Default-valued fields may be omitted (§1.2): no `rewards` is an empty page, no `count` is 0.
        items = body.get("rewards", [])
        expect.that(isinstance(items, list), f"{what}: page {number} has a `rewards` array", page)
        meta = body.get("pagingMetadata") or {}
        expect.that(
            meta.get("count", 0) == len(items),
            f"{what}: pagingMetadata.count {meta.get('count')!r} equals the {len(items)} rewards served",
            page,
            rule=count_rule,
        )
        if limit is not None:
            expect.that(
                len(items) <= limit,
                f"{what}: page {number} holds {len(items)} rewards, limit {limit}",
                page,
                rule=count_rule,
            )
        for reward in items:
            expect.that(
                reward.get("id") not in ids,
                f"{what}: reward {reward.get('id')} is served twice in one walk",
                page,
                rule="COMMON-13",
            )
            ids.add(reward.get("id"))
            seen.append(reward)
        if "hasNext" in meta:
            expect.that(
                meta["hasNext"] == (next_cursor(page) is not None),
                f"{what}: hasNext {meta['hasNext']!r} agrees with cursors.next",
                page,
                rule="COMMON-13",
            )
    expect.that(number < MAX_PAGES, f"{what}: the walk ends within {MAX_PAGES} pages", rule="COMMON-13")
    return seen


def exactly_once(
    expect: Expect, seen: list[dict[str, Any]], wanted: Iterable[str], what: str, rule: str | None = None
) -> None:
    ids = [r.get("id") for r in seen]
    missing = [i for i in wanted if ids.count(i) != 1]
    expect.that(
        not missing,
        f"{what}: every reward this test created appears exactly once; missing or repeated: {missing[:5]}",
        rule=rule,
    )


def check_bulk(expect: Expect, answer: Exchange, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """COMMON-11 invariants of a bulk-create answer; returns the successful items."""
    body = expect.ok(answer, f"bulk create with {len(inputs)} rewards")
    results = body.get("results")
    expect.that(isinstance(results, list), "the answer has a `results` array", answer, rule="COMMON-11")
    indexes: list[int] = []
    items = []
    for position, result in enumerate(results):
        meta = result.get("itemMetadata") or {}
        index = meta.get("originalIndex", 0)  # 0 is the default, which proto JSON may omit (§1.2)
        expect.that(
            isinstance(index, int) and 0 <= index < len(inputs) and index not in indexes,
            f"results[{position}].itemMetadata.originalIndex {index!r} is a distinct index into the request",
            answer,
            rule="COMMON-11",
        )
        assert isinstance(index, int)  # guaranteed by the check above
        indexes.append(index)
        item = result.get("item")
        if meta.get("success") is True:
            expect.that(
                isinstance(item, dict) and not meta.get("error"),
                f"results[{position}] succeeded, so it carries `item` and no `error`",
                answer,
                rule="COMMON-11",
            )
            expect.that(
                item.get("name") == inputs[index].get("name"),
                f"results[{position}].item corresponds to input {index}",
                answer,
                rule="COMMON-11",
            )
            expect.prefer(
                meta.get("id") == item.get("id"),
                f"results[{position}].itemMetadata.id equals item.id",
                answer,
                amb="AMB-15",
                rule="REWARD-12",
            )
            items.append(item)
        else:
            expect.that(
                not meta.get("success")
                and isinstance(meta.get("error"), dict)
                and meta["error"].get("code"),
                f"results[{position}] failed, so it carries error.code",
                answer,
                rule="COMMON-11",
            )
            expect.that(
                not (isinstance(item, dict) and item.get("id")),
                f"results[{position}] failed, so it has no item",
                answer,
                rule="COMMON-11",
            )
    summary = body.get("bulkActionMetadata") or {}
    expect.that(
        summary.get("totalSuccesses", 0) == len(items),
        f"bulkActionMetadata.totalSuccesses {summary.get('totalSuccesses')!r} counts the {len(items)} "
        "successful results",
        answer,
        rule="COMMON-11",
    )
    if isinstance(summary.get("totalFailures"), int):
        expect.prefer(
            summary.get("totalSuccesses", 0) + summary["totalFailures"] == len(inputs),
            "totalSuccesses + totalFailures equals the number of inputs",
            answer,
            rule="COMMON-11",
        )
    if not summary.get("undetailedFailures"):
        expect.that(
            len(results) == len(inputs),
            f"{len(results)} results for {len(inputs)} inputs",
            answer,
            rule="COMMON-11",
        )
    return items


def costs(reward: dict[str, Any]) -> list[tuple[str, Any]]:
    """(tierId, costInPoints) per config: what survives a round trip, whatever defaults a server adds."""
    return sorted(((c.get("tierId") or "", c.get("costInPoints")) for c in base_configs(reward)), key=str)


def unchanged(
    expect: Expect,
    rewards: RewardsApi,
    before: dict[str, Any],
    answer: Exchange,
    rule: str | None = None,
) -> None:
    """A rejected write changed no documented field of the reward (COMMON-2, COMMON-5): not the revision, not
    the fields the request carried, not the ones it did not."""
    after = expect.ok(rewards.get(before["id"]), "re-reading the reward", rule=rule)["reward"]
    changed = differences(documented(before), documented(after))
    expect.that(not changed, f"the reward is unchanged after the rejected request; changed: {changed}", answer,
                rule=rule)


def differences(expected: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    """The documented fields on which two views of a reward disagree (both already `documented`)."""
    return sorted(k for k in set(expected) | set(shown) if expected.get(k) != shown.get(k))


# REWARD-1..4 --------------------------------------------------------------------------------------
@pytest.mark.rule("REWARD-1", "COMMON-6")
def test_reward_create_returns_the_reward_with_revision_1(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    name = unique.name()
    body = {
        "active": True,
        "name": name,
        "type": "COUPON_REWARD",
        "couponReward": {"freeShipping": {"configsByTier": [{"tierId": None, "costInPoints": 20}]}},
    }
    answer = rewards.create(body)
    adopt(owned, answer)
    reward = expect.ok(answer, "create the SR example reward").get("reward")
    expect.that(isinstance(reward, dict), 'the answer is wrapped as {"reward": …}', answer)
    expect.that(GUID.match(str(reward.get("id", ""))), f"the id is a GUID, got {reward.get('id')!r}", answer)
    expect.that(
        reward.get("revision") == "1",
        f'a new reward has revision "1" (a string), got {reward.get("revision")!r}',
        answer,
        rule="COMMON-6",
    )
    expect.that(
        reward.get("name") == name and reward.get("type") == "COUPON_REWARD",
        "name and type are those sent",
        answer,
    )
    configs = ((reward.get("couponReward") or {}).get("freeShipping") or {}).get("configsByTier") or []
    expect.that(
        len(configs) == 1 and configs[0].get("costInPoints") == 20 and not configs[0].get("tierId"),
        f"the base-tier free-shipping config costs 20 points, got {configs}",
        answer,
    )
    again = expect.ok(rewards.get(reward["id"]), "get the created reward")["reward"]
    expect.that(
        again.get("name") == name and costs(again) == costs(reward), "Get Reward returns what was created"
    )


@pytest.mark.rule("REWARD-2")
def test_reward_active_defaults_to_false(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    body = free_shipping(unique.name())
    reward = create_reward(rewards, owned, expect, body)
    # Default-valued fields may be omitted on the wire (§1.2), so absence means false.
    expect.that(
        reward.get("active", False) is False, f"active defaults to false, got {reward.get('active')!r}"
    )
    again = expect.ok(rewards.get(reward["id"]))["reward"]
    expect.that(again.get("active", False) is False, "the stored reward is inactive")


def _name_case(unique: Unique, case: str) -> dict[str, Any]:
    body = free_shipping(unique.name())
    if case == "missing":
        del body["name"]
    elif case == "empty":
        body["name"] = ""
    else:
        size = 51 if case == "51 characters" else 50
        body["name"] = (body["name"] + "x" * size)[:size]
    return body


@pytest.mark.rule("REWARD-3", "COMMON-2")
@pytest.mark.parametrize("case", ["missing", "empty", "51 characters"])
def test_reward_name_must_be_1_to_50_characters(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    rejected_create(expect, rewards, owned, _name_case(unique, case), "REWARD-3", f"create with a {case} name")


@pytest.mark.rule("REWARD-3")
def test_reward_name_of_50_characters_is_accepted(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    body = _name_case(unique, "50 characters")
    reward = create_reward(rewards, owned, expect, body)
    expect.that(reward.get("name") == body["name"], "the 50-character name is stored as sent")


@pytest.mark.rule("REWARD-4", "COMMON-2")
@pytest.mark.parametrize("kind", ["FOO", "DISCOUNT"])
def test_reward_type_must_be_discount_amount_or_coupon_reward(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, kind: str
) -> None:
    body = {**free_shipping(unique.name()), "type": kind}
    rejected_create(expect, rewards, owned, body, "REWARD-4", f"create with type {kind!r}")


@pytest.mark.rule("REWARD-4")
@pytest.mark.parametrize("kind", ["UNDEFINED", "COUPON", None])
def test_reward_undefined_or_legacy_type_is_rejected_or_inferred(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, kind: str | None
) -> None:
    body = free_shipping(unique.name())
    if kind is None:
        del body["type"]
    else:
        body["type"] = kind
    answer = rewards.create(body)
    adopt(owned, answer)
    if (
        answer.status == 200
    ):  # AMB-24: inferring the type is tolerated, but only a documented value may come back
        served = (answer.body.get("reward") or {}).get("type")
        expect.that(
            served in TYPES,
            f"an accepted reward has type DISCOUNT_AMOUNT or COUPON_REWARD, got {served!r}",
            answer,
        )
    else:
        expect.rejected(answer, 400, amb="AMB-24", what=f"create with type {kind!r}")
        no_reward_named(expect, rewards, owned, body["name"], answer)


# REWARD-5..11: payload validation ----------------------------------------------------------------
def _mismatch(unique: Unique, case: str) -> dict[str, Any]:
    name = unique.name()
    coupon_part = free_shipping(name)["couponReward"]
    discount_part = discount_amount(name)["discountAmount"]
    if case == "coupon type with discountAmount":
        return {"name": name, "type": "COUPON_REWARD", "discountAmount": discount_part}
    if case == "discount type with couponReward":
        return {"name": name, "type": "DISCOUNT_AMOUNT", "couponReward": coupon_part}
    if case == "both payloads":
        return {
            "name": name,
            "type": "COUPON_REWARD",
            "couponReward": coupon_part,
            "discountAmount": discount_part,
        }
    return {"name": name, "type": "COUPON_REWARD"}


@pytest.mark.rule("REWARD-5", "COMMON-2")
@pytest.mark.parametrize(
    "case",
    ["coupon type with discountAmount", "discount type with couponReward", "both payloads", "no payload"],
)
def test_reward_payload_must_match_type(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    rejected_create(expect, rewards, owned, _mismatch(unique, case), "REWARD-5", f"create with {case}")


def _coupon_case(case: str) -> dict[str, Any]:
    config = {"configsByTier": [{"costInPoints": 10}]}
    fixed = {"configsByTier": [{"costInPoints": 10, "amount": 5}]}
    percent = {"configsByTier": [{"costInPoints": 10, "percentage": 10}]}
    cases: dict[str, dict[str, Any]] = {
        "no discount kind": {"minimumSubtotal": 10},
        "fixedAmount and freeShipping": {"fixedAmount": fixed, "freeShipping": config},
        "all three kinds": {"fixedAmount": fixed, "percentage": percent, "freeShipping": config},
        "minimumSubtotal and scope": {
            "freeShipping": config,
            "minimumSubtotal": 10,
            "scope": {"namespace": "stores", "group": {"name": "product"}},
        },
    }
    return cases[case]


@pytest.mark.rule("REWARD-6", "COMMON-2")
@pytest.mark.parametrize(
    "case",
    ["no discount kind", "fixedAmount and freeShipping", "all three kinds", "minimumSubtotal and scope"],
)
def test_coupon_reward_needs_exactly_one_discount_kind_and_at_most_one_condition(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    body = coupon(unique.name(), _coupon_case(case))
    rejected_create(expect, rewards, owned, body, "REWARD-6", f"create a coupon reward with {case}")


@pytest.mark.rule("REWARD-6")
@pytest.mark.parametrize("kind", ["fixedAmount", "percentage", "freeShipping"])
def test_coupon_reward_with_one_discount_kind_is_accepted(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, kind: str
) -> None:
    extra = {"fixedAmount": {"amount": 5}, "percentage": {"percentage": 10}, "freeShipping": {}}[kind]
    body = coupon(
        unique.name(), {kind: {"configsByTier": [{"costInPoints": 10, **extra}]}, "minimumSubtotal": 20}
    )
    reward = create_reward(rewards, owned, expect, body)
    expect.that(kind in (reward.get("couponReward") or {}), f"the coupon keeps its {kind} discount")


def _configs(tier_ids: list[str], count: int, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """`count` configs: the base tier, then one per real tier (distinct tiers, so only the size is wrong)."""
    configs = [{"costInPoints": 10, **extra}]
    configs += [{"tierId": tier_id, "costInPoints": 11 + i, **extra} for i, tier_id in enumerate(tier_ids)]
    return configs[:count]


def _configs_body(unique: Unique, case: str, tier_ids: list[str]) -> dict[str, Any]:
    kind, size = case.split()[0], int(case.split()[2])
    if kind == "discountAmount":
        return {
            **discount_amount(unique.name()),
            "discountAmount": {"configsByTier": _configs(tier_ids, size, {"amount": "1"})},
        }
    extra = {"amount": 5} if kind == "fixedAmount" else {}
    return coupon(unique.name(), {kind: {"configsByTier": _configs(tier_ids, size, extra)}})


@pytest.mark.rule("REWARD-7", "COMMON-2")
def test_configs_by_tier_must_hold_1_to_21_items(
    rewards: RewardsApi, target: Target, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """Configs for 21 real tiers plus the base tier: a server that refuses unknown tiers (AMB-36) still has
    its size limit tested, and 21 configs (20 tiers + base) must be accepted."""
    tier_ids = real_tiers(target, owned, expect, unique, 21)
    for case in ("freeShipping with 21 configs", "fixedAmount with 21 configs", "discountAmount with 21 configs"):
        reward = create_reward(rewards, owned, expect, _configs_body(unique, case, tier_ids))
        expect.that(len(base_configs(reward)) == 21, f"create with {case}: all 21 configs are stored")
    for case in (
        "freeShipping with 0 configs",
        "freeShipping with 22 configs",
        "fixedAmount with 22 configs",
        "discountAmount with 22 configs",
    ):
        body = _configs_body(unique, case, tier_ids)
        rejected_create(expect, rewards, owned, body, "REWARD-7", f"create with {case}")


@pytest.mark.rule("REWARD-8", "COMMON-2")
@pytest.mark.parametrize("cost", [0, -1, 10_000_000])
def test_cost_in_points_outside_1_to_9999999_is_rejected(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, cost: int
) -> None:
    body = free_shipping(unique.name(), cost=cost)
    rejected_create(expect, rewards, owned, body, "REWARD-8", f"create with costInPoints {cost}")


@pytest.mark.rule("REWARD-8")
@pytest.mark.parametrize("cost", [1, 9_999_999])
def test_cost_in_points_1_and_9999999_are_accepted(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, cost: int
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name(), cost=cost))
    expect.that(
        [c.get("costInPoints") for c in base_configs(reward)] == [cost], f"costInPoints {cost} is stored"
    )


def _amount_body(unique: Unique, kind: str, amount: Any) -> dict[str, Any]:
    if kind == "fixedAmount":
        return coupon(
            unique.name(), {"fixedAmount": {"configsByTier": [{"costInPoints": 10, "amount": amount}]}}
        )
    return discount_amount(unique.name(), amount=amount)


@pytest.mark.rule("REWARD-9", "COMMON-2")
@pytest.mark.parametrize(
    "kind,amount",
    [
        ("fixedAmount", 0.001),
        ("fixedAmount", 0),
        ("discountAmount", "0"),
        ("discountAmount", "-1"),
        ("discountAmount", "abc"),
        ("discountAmount", "1.234"),
    ],
)
def test_reward_amount_must_be_positive_with_at_most_2_decimals(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, kind: str, amount: Any
) -> None:
    body = _amount_body(unique, kind, amount)
    rejected_create(expect, rewards, owned, body, "REWARD-9", f"create with {kind} amount {amount!r}")


@pytest.mark.rule("REWARD-9")
@pytest.mark.parametrize(
    "kind,amount", [("fixedAmount", 0.01), ("discountAmount", "1"), ("discountAmount", "2.50")]
)
def test_reward_valid_amounts_are_accepted(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, kind: str, amount: Any
) -> None:
    create_reward(rewards, owned, expect, _amount_body(unique, kind, amount))


def _cycles_body(unique: Unique, cycles: int, *, subscriptions: bool, scope: bool) -> dict[str, Any]:
    part: dict[str, Any] = {
        "percentage": {"configsByTier": [{"costInPoints": 10, "percentage": 10}]},
        "discountedCycleCount": cycles,
    }
    if subscriptions:
        part["appliesToSubscriptions"] = True
    if scope:
        part["scope"] = PRICING_PLANS
    return coupon(unique.name(), part)


@pytest.mark.rule("REWARD-10", "COMMON-2")
@pytest.mark.parametrize("cycles", [0, 1000])
def test_discounted_cycle_count_outside_1_to_999_is_rejected(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, cycles: int
) -> None:
    body = _cycles_body(unique, cycles, subscriptions=True, scope=True)
    rejected_create(expect, rewards, owned, body, "REWARD-10", f"create with discountedCycleCount {cycles}")


@pytest.mark.rule("REWARD-10")
@pytest.mark.parametrize("case", ["without appliesToSubscriptions", "without the pricingPlans scope"])
def test_discounted_cycle_count_needs_subscriptions_and_pricing_plans_scope(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    body = _cycles_body(unique, 3, subscriptions="appliesTo" not in case, scope="scope" not in case)
    answer = rewards.create(body)
    adopt(owned, answer)
    # The conditional part of REWARD-10 is a SHOULD: an acceptance is a warning, a failure only in strict.
    expect.prefer(
        400 <= answer.status < 500 and answer.status != 404,
        f"discountedCycleCount {case} should be rejected, got {answer.status}",
        answer,
    )


@pytest.mark.rule("REWARD-11")
@pytest.mark.parametrize("tier_id", ["absent", "", None])
def test_config_without_tier_id_applies_to_the_base_tier(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, tier_id: str | None
) -> None:
    config: dict[str, Any] = {"costInPoints": 30}
    if tier_id != "absent":
        config["tierId"] = tier_id
    body = coupon(unique.name(), {"freeShipping": {"configsByTier": [config]}})
    reward = create_reward(rewards, owned, expect, body)
    configs = base_configs(reward)
    expect.that(
        len(configs) == 1 and not configs[0].get("tierId") and configs[0].get("costInPoints") == 30,
        f"the config is stored for the base tier (empty tierId), got {configs}",
    )


@pytest.mark.rule("REWARD-11", "COMMON-2")
@pytest.mark.parametrize("tier_id", ["not-a-guid", "12345"])
def test_config_tier_id_must_be_a_guid(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, tier_id: str
) -> None:
    body = coupon(
        unique.name(),
        {"freeShipping": {"configsByTier": [{"costInPoints": 30}, {"tierId": tier_id, "costInPoints": 20}]}},
    )
    rejected_create(expect, rewards, owned, body, "REWARD-11", f"create with tierId {tier_id!r}")


# REWARD-12: bulk create ---------------------------------------------------------------------------
@pytest.mark.rule("REWARD-12", "COMMON-12")
@pytest.mark.parametrize("count", [0, 11])
def test_bulk_create_rejects_0_or_11_rewards(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    group = group_of(unique)
    batch = [free_shipping(f"{group}-{i}", active=True) for i in range(count)]
    answer = rewards.bulk_create(batch)
    adopt(owned, answer)
    expect.rejected(answer, 400, what=f"bulk create with {count} rewards", rule="REWARD-12")
    found = named(expect, rewards, owned, group)
    expect.that(
        not found,
        f"nothing is created by a rejected bulk request; found {len(found)}",
        answer,
        rule="COMMON-12",
    )


@pytest.mark.rule("REWARD-12", "COMMON-11")
@pytest.mark.parametrize("count", [1, 10])
def test_bulk_create_accepts_1_to_10_rewards(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [free_shipping(unique.name(), cost=10 + i) for i in range(count)]
    answer = rewards.bulk_create(batch)
    adopt(owned, answer)
    items = check_bulk(expect, answer, batch)
    expect.that(len(items) == count, f"all {count} valid rewards are created, got {len(items)}", answer)
    for item in items:
        expect.that(
            item.get("revision") == "1" and GUID.match(str(item.get("id", ""))),
            'each created reward has a GUID id and revision "1"',
            answer,
        )
        expect.that(
            rewards.get(item["id"]).status == 200, f"created reward {item['id']} can be read back", answer
        )


@pytest.mark.rule("COMMON-11", "COMMON-2")
def test_bulk_create_reports_an_invalid_item_per_item(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    group = group_of(unique)
    batch = [free_shipping(f"{group}-0"), free_shipping(f"{group}-1", cost=0), free_shipping(f"{group}-2")]
    answer = rewards.bulk_create(batch)
    adopt(owned, answer)
    if answer.status != 200:  # rejecting the whole request is a reading the documents do not exclude
        expect.rejected(answer, 400, what="bulk create with one invalid reward", rule="COMMON-11")
        stored = sorted(str(r.get("name")) for r in named(expect, rewards, owned, group))
        expect.that(
            not stored,
            f"a bulk request rejected whole stores nothing, not even the items before the bad one; found {stored}",
            answer,
            rule="COMMON-2",
        )
        return
    check_bulk(expect, answer, batch)
    stored = sorted(str(r.get("name")) for r in named(expect, rewards, owned, group))
    expect.that(
        stored == [f"{group}-0", f"{group}-2"],
        f"exactly the two valid items are stored, the invalid one is not; found {stored}",
        answer,
        rule="COMMON-2",
    )
    for result in answer.body.get("results", []):
        meta = result.get("itemMetadata") or {}
        if meta.get("originalIndex") == 1:
            expect.that(
                not meta.get("success"), "the item with costInPoints 0 is reported as failed", answer
            )


# REWARD-13..16: update ----------------------------------------------------------------------------
@pytest.mark.rule("REWARD-13", "COMMON-6")
def test_update_with_current_revision_increments_it(
    rewards: RewardsApi, target: Target, owned: Owned, expect: Expect, unique: Unique
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name(), active=True))
    current = expect.ok(rewards.get(reward["id"]))["reward"]
    change = editable(current)
    change["name"] = unique.name()
    change["couponReward"] = {"freeShipping": {"configsByTier": [{"costInPoints": 25}]}}
    answer = rewards.update(reward["id"], change)
    updated = expect.ok(answer, "PUT with the current revision")["reward"]
    expect.that(
        updated.get("revision") == "2", f'revision goes "1" -> "2", got {updated.get("revision")!r}', answer
    )
    expect.that(
        updated.get("name") == change["name"]
        and [c.get("costInPoints") for c in base_configs(updated)] == [25],
        "the response reflects the new name and cost",
        answer,
    )
    stored = expect.ok(rewards.get(reward["id"]))["reward"]
    expect.that(
        stored.get("name") == change["name"]
        and [c.get("costInPoints") for c in base_configs(stored)] == [25],
        "Get Reward reflects the update",
        answer,
    )
    # Adding a config for a tier that exists (the SR example; an unknown tier may be refused, AMB-36).
    change = editable(stored)
    tier_id = real_tiers(target, owned, expect, unique, 1)[0]
    change["couponReward"] = {
        "freeShipping": {"configsByTier": [{"costInPoints": 25}, {"tierId": tier_id, "costInPoints": 15}]}
    }
    answer = rewards.update(reward["id"], change)
    updated = expect.ok(answer, "PUT adding a config for an existing tier")["reward"]
    expect.that(
        updated.get("revision") == "3",
        f'revision goes "2" -> "3", got {updated.get("revision")!r}',
        answer,
    )
    tiers = {c.get("tierId") or "": c.get("costInPoints") for c in base_configs(updated)}
    expect.that(tiers == {"": 25, tier_id: 15}, f"the added tier config is in the response, got {tiers}", answer)
    again = {
        c.get("tierId") or "": c.get("costInPoints")
        for c in base_configs(expect.ok(rewards.get(reward["id"]))["reward"])
    }
    expect.that(again == tiers, f"Get Reward shows the added tier config, got {again}", answer)


@pytest.mark.rule("COMMON-8")
def test_reward_created_date_never_changes_on_update(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    expect.that(
        not_before(reward.get("updatedDate"), reward.get("createdDate")),
        f"a new reward's updatedDate {reward.get('updatedDate')!r} is not before its createdDate",
    )
    current = reward
    for step in (1, 2):
        time.sleep(0.02)  # timestamps carry milliseconds: let the clock move
        answer = rewards.update(reward["id"], {**editable(current), "name": unique.name()})
        updated = expect.ok(answer, f"PUT {step} with the current revision")["reward"]
        stored = expect.ok(rewards.get(reward["id"]))["reward"]
        for source, shown in (("the update answer", updated), ("Get Reward", stored)):
            expect.that(
                moment(shown.get("createdDate")) == moment(reward.get("createdDate")),
                f"{source}: createdDate never changes ({reward.get('createdDate')!r} -> "
                f"{shown.get('createdDate')!r})",
                answer,
            )
            before, after = moment(current.get("updatedDate")), moment(shown.get("updatedDate"))
            expect.that(
                before is not None and after is not None and after > before,
                f"{source}: updatedDate advances on update {step} ({current.get('updatedDate')!r} -> "
                f"{shown.get('updatedDate')!r})",
                answer,
            )
        current = updated


@pytest.mark.rule("REWARD-13", "COMMON-7")
@pytest.mark.sdk("updateReward")
def test_update_with_sdk_spread_body_is_accepted(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    current = expect.ok(rewards.get(reward["id"]))["reward"]
    new_name = unique.name()
    body = {
        **current,
        "_id": current["id"],
        "name": new_name,
    }  # GET -> spread -> change, as SDK users do (§1.9)
    answer = rewards.update(reward["id"], body)
    expect.status(answer, 200, tolerated=[400], amb="AMB-30", what="PUT carrying read-only fields and _id")
    if answer.status != 200:
        unchanged(expect, rewards, current, answer, rule="COMMON-7")
    else:
        updated = answer.body["reward"]
        expect.that(
            updated.get("name") == new_name and updated.get("id") == reward["id"],
            "the update applies and the id stays the server's",
            answer,
        )
        expect.that(
            moment(updated.get("createdDate")) == moment(reward.get("createdDate")),
            "createdDate is not taken from the body",
            answer,
            rule="COMMON-7",
        )


@pytest.mark.rule("REWARD-14", "COMMON-5")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_update_with_wrong_revision_is_rejected(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    first = {**editable(reward), "name": unique.name()}
    current = expect.ok(rewards.update(reward["id"], first), "first update")["reward"]
    sent = "1" if revision == "stale" else str(int(current["revision"]) + 5)
    answer = rewards.update(reward["id"], {**editable(current), "revision": sent, "name": unique.name()})
    expect.status(answer, 409, what=f"PUT carrying a {revision} revision", rule="REWARD-14")
    unchanged(expect, rewards, current, answer, rule="COMMON-5")


@pytest.mark.rule("REWARD-15", "COMMON-2")
@pytest.mark.parametrize("missing", ["revision", "name"])
def test_update_without_revision_or_name_is_rejected(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, missing: str
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    body = {
        **editable(reward),
        "name": unique.name(),
        "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": 99}]}},
    }
    del body[missing]
    answer = rewards.update(reward["id"], body)
    expect.rejected(answer, 400, tolerated=ANY_4XX, amb="AMB-5", what=f"PUT without {missing}", rule="REWARD-15")
    unchanged(expect, rewards, reward, answer, rule="COMMON-2")


@pytest.mark.rule("REWARD-16")
def test_reward_type_cannot_change(rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    body = {k: v for k, v in editable(reward).items() if k != "couponReward"}
    body.update(
        type="DISCOUNT_AMOUNT", discountAmount={"configsByTier": [{"amount": "1", "costInPoints": 10}]}
    )
    answer = rewards.update(reward["id"], body)
    if answer.status == 200:  # AMB-22: ignoring the change is tolerated, changing the type never is
        served = (answer.body.get("reward") or {}).get("type")
        expect.that(
            served == "COUPON_REWARD", f"the response keeps type COUPON_REWARD, got {served!r}", answer
        )
        expect.prefer(False, "a type change should be rejected with 400", answer, amb="AMB-22")
    else:
        expect.rejected(answer, 400, tolerated=ANY_4XX, amb="AMB-22", what="PUT changing the type")
        unchanged(expect, rewards, reward, answer)
    stored = expect.ok(rewards.get(reward["id"]))["reward"]
    expect.that(
        stored.get("type") == "COUPON_REWARD",
        f"Get Reward shows the original type, got {stored.get('type')!r}",
        answer,
    )


# REWARD-17, 18: delete ----------------------------------------------------------------------------
@pytest.mark.rule("REWARD-17", "COMMON-10")
def test_deleted_reward_is_gone(rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    group = group_of(unique)
    reward = create_reward(rewards, owned, expect, free_shipping(f"{group}-1", active=True))
    answer = rewards.delete(reward["id"], revision=reward["revision"])
    expect.deleted(answer, "delete with the current revision", rule="COMMON-10")
    expect.status(rewards.get(reward["id"]), 404, what="get after delete")
    listed = walk(expect, rewards.list_pages(limit=100), 100, "List Rewards after the delete")
    expect.that(
        reward["id"] not in [r.get("id") for r in listed], "List Rewards no longer includes the reward"
    )
    queried = walk(
        expect,
        rewards.query_pages({"filter": {"name": {"$startsWith": group}}}),
        None,
        "Query Rewards after the delete",
    )
    expect.that(
        reward["id"] not in [r.get("id") for r in queried], "Query Rewards no longer includes the reward"
    )


@pytest.mark.rule("REWARD-17")
@pytest.mark.sdk("getReward")
def test_get_and_delete_ignore_the_sdk_id_query_parameter(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    got = rewards.get(reward["id"], id=reward["id"])
    expect.status(got, 200, tolerated=[400], amb="AMB-39", what="GET with the SDK's ?id=")
    answer = rewards.delete(reward["id"], revision=reward["revision"], id=reward["id"])
    expect.status(answer, 200, tolerated=[400], amb="AMB-39", what="DELETE with the SDK's ?id=")
    if answer.status == 200:
        expect.status(rewards.get(reward["id"]), 404, what="get after the SDK-shaped delete")
    else:
        unchanged(expect, rewards, reward, answer)


@pytest.mark.rule("REWARD-18", "COMMON-5")
def test_delete_with_stale_revision_is_rejected(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    expect.ok(rewards.update(reward["id"], {**editable(reward), "name": unique.name()}), "first update")
    current = expect.ok(rewards.get(reward["id"]), "Get Reward before the stale delete")["reward"]
    answer = rewards.delete(reward["id"], revision="1")
    expect.status(answer, 409, what="delete carrying a stale revision", rule="REWARD-18")
    expect.that(
        rewards.get(reward["id"]).status == 200, "the reward still exists after the rejected delete", answer,
        rule="REWARD-18",
    )
    unchanged(expect, rewards, current, answer, rule="COMMON-5")


# REWARD-19, 20: List Rewards ----------------------------------------------------------------------
@pytest.mark.rule("REWARD-19")
def test_list_includes_every_active_reward_regardless_of_points(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    costly = create_reward(rewards, owned, expect, free_shipping(unique.name(), cost=9_999_999, active=True))
    cheap = create_reward(rewards, owned, expect, free_shipping(unique.name(), cost=1, active=True))
    inactive = create_reward(rewards, owned, expect, free_shipping(unique.name(), cost=5, active=False))
    listed = walk(expect, rewards.list_pages(limit=100), 100, "List Rewards")
    exactly_once(expect, listed, [costly["id"], cheap["id"]], "List Rewards with active rewards")
    expect.prefer(
        inactive["id"] in [r.get("id") for r in listed],
        "List Rewards should include inactive rewards",
        amb="AMB-21",
    )


@pytest.mark.rule("REWARD-20", "COMMON-13")
def test_list_cursor_walk_visits_every_reward_once(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    ids = bulk_create_all(
        rewards, owned, expect, [free_shipping(unique.name(), active=True) for _ in range(5)]
    )
    listed = walk(
        expect, rewards.list_pages(limit=2), 2, "List Rewards with cursorPaging.limit 2", "REWARD-20"
    )
    exactly_once(expect, listed, ids, "List Rewards walk", rule="COMMON-13")


@pytest.mark.rule("REWARD-20", "COMMON-14")
def test_list_limit_above_100_is_rejected_or_clamped(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    existing = walk(expect, rewards.list_pages(limit=100), 100, "List Rewards")
    missing = max(0, 101 - len(existing))  # a clamp is only visible with more than 100 rewards listed
    bulk_create_all(
        rewards, owned, expect, [free_shipping(unique.name(), active=True) for _ in range(missing)]
    )
    answer = rewards.list(limit=101)
    if 400 <= answer.status < 500 and answer.status != 404:
        return
    body = expect.ok(answer, "List Rewards with cursorPaging.limit 101")
    served = len(body.get("rewards") or [])
    expect.that(
        served <= 100,
        f"limit 101 is rejected or clamped to 100; {served} rewards were served",
        answer,
        rule="COMMON-14",
    )


# REWARD-21..23: Query Rewards ---------------------------------------------------------------------
@pytest.mark.rule("REWARD-21")
def test_query_filter_returns_only_matching_rewards(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    group = group_of(unique)
    bodies = [free_shipping(f"{group}-{i}", active=True) for i in range(3)]
    bodies += [free_shipping(f"Z{group}-{i}", active=True) for i in range(2)]
    ids = bulk_create_all(rewards, owned, expect, bodies)
    # A page with more to come: count, cursors.next and hasNext all carry non-default values, so none of them
    # may be left out (defaults may be, §1.2).
    answer = rewards.query({"filter": {"name": {"$startsWith": group}}, "cursorPaging": {"limit": 2}})
    body = expect.ok(answer, "Query Rewards with $startsWith and cursorPaging.limit 2")
    meta = body.get("pagingMetadata")
    expect.that(
        isinstance(meta, dict)
        and meta.get("count") == len(body.get("rewards") or [])
        and meta.get("hasNext") is True
        and next_cursor(answer) is not None,
        f"pagingMetadata has count, cursors.next and hasNext true on a page with more to come, got {meta}",
        answer,
    )
    found = walk(
        expect,
        rewards.query_pages({"filter": {"name": {"$startsWith": group}}}),
        None,
        "Query Rewards with $startsWith",
        "REWARD-21",
    )
    strays = [r.get("name") for r in found if not str(r.get("name", "")).startswith(group)]
    expect.that(
        not strays, f"only names starting with the filter value are returned; also got {strays[:5]}", answer
    )
    exactly_once(expect, found, ids[:3], "Query Rewards with $startsWith")


@pytest.mark.rule("REWARD-21")
@pytest.mark.read_only
def test_query_documented_example_returns_only_names_starting_with_free(
    rewards: RewardsApi, expect: Expect
) -> None:
    answer = rewards.query({"filter": {"name": {"$startsWith": "Free"}}})
    body = expect.ok(answer, "the SR example query")
    names = [r.get("name") for r in body.get("rewards") or []]
    expect.that(
        all(str(n).startswith("Free") for n in names),
        f"every name starts with 'Free', got {names[:5]}",
        answer,
    )
    expect.that(
        len(names) <= 50, f"a query without paging returns at most 50 rewards, got {len(names)}", answer
    )


@pytest.mark.rule("REWARD-21")
def test_query_without_paging_returns_at_most_50_rewards(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    group = group_of(unique)
    ids = bulk_create_all(
        rewards, owned, expect, [free_shipping(f"{group}-{i}", active=True) for i in range(51)]
    )
    answer = rewards.query({"filter": {"name": {"$startsWith": group}}})
    body = expect.ok(answer, "Query Rewards without cursorPaging")
    served = body.get("rewards") or []
    expect.that(len(served) <= 50, f"the default page holds at most 50 rewards, got {len(served)}", answer)
    expect.that(
        next_cursor(answer) is not None,
        "51 matches and a short page: cursors.next leads on",
        answer,
        rule="COMMON-13",
    )
    found = walk(
        expect,
        rewards.query_pages({"filter": {"name": {"$startsWith": group}}}),
        50,
        "Query Rewards",
        "REWARD-21",
    )
    exactly_once(expect, found, ids, "the default-limit query walk")


def _bad_query(case: str) -> dict[str, Any]:
    if case == "6 sort entries":
        return {"sort": [{"fieldName": "name", "order": "ASC"}] * 6}
    if case == "cursorPaging.limit 101":
        return {"cursorPaging": {"limit": 101}}
    return {"cursorPaging": {"cursor": "a" * 16_001}}


@pytest.mark.rule("REWARD-22")
@pytest.mark.read_only
@pytest.mark.parametrize(
    "case",
    [
        "6 sort entries",
        pytest.param("cursorPaging.limit 101", marks=pytest.mark.rule("COMMON-14")),
        "cursor of 16001 characters",
    ],
)
def test_query_rejects_too_many_sorts_limit_above_100_and_long_cursors(
    rewards: RewardsApi, expect: Expect, case: str
) -> None:
    answer = rewards.query(_bad_query(case))
    expect.rejected(answer, 400, what=f"Query Rewards with {case}")


@pytest.mark.rule("REWARD-23", "COMMON-13")
def test_query_follow_up_pages_keep_the_original_filter(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    group = group_of(unique)
    wanted = bulk_create_all(
        rewards, owned, expect, [free_shipping(f"{group}-{i}", active=True) for i in range(5)]
    )
    pages = rewards.query_pages({"filter": {"name": {"$startsWith": group}}}, limit=2)
    first = next(pages)
    # Non-matching rewards created after the first page: a follow-up page that forgot the filter serves them.
    bulk_create_all(rewards, owned, expect, [free_shipping(f"Z{group}-{i}", active=True) for i in range(3)])
    found = walk(
        expect,
        itertools.chain([first], pages),
        2,
        "Query Rewards, follow-up pages with the cursor only",
        "REWARD-23",
    )
    strays = [r.get("name") for r in found if not str(r.get("name", "")).startswith(group)]
    expect.that(
        not strays, f"follow-up pages return only matches of the first request's filter; got {strays}"
    )
    exactly_once(expect, found, wanted, "the cursor-only query walk")


# REWARD-24, 26 ------------------------------------------------------------------------------------
@pytest.mark.rule("REWARD-24", "COMMON-3")
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_reward_id_is_not_found(
    rewards: RewardsApi, expect: Expect, unique: Unique, method: str
) -> None:
    missing = unique.guid()
    if method == "GET":
        answer = rewards.get(missing)
    elif method == "PUT":
        answer = rewards.update(missing, {**free_shipping(unique.name()), "revision": "1"})
    else:
        answer = rewards.delete(missing, revision="1")
    expect.status(answer, 404, what=f"{method} of an unknown reward id")


@pytest.mark.rule("REWARD-24", "COMMON-4")
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_malformed_reward_id_is_rejected(
    rewards: RewardsApi, expect: Expect, unique: Unique, method: str
) -> None:
    bad = "not-a-guid"
    if method == "GET":
        answer = rewards.get(bad)
    elif method == "PUT":
        answer = rewards.update(bad, {**free_shipping(unique.name()), "revision": "1"})
    else:
        answer = rewards.delete(bad, revision="1")
    expect.status(answer, 400, tolerated=[404], amb="COMMON-4", what=f"{method} of a malformed reward id")


@pytest.mark.rule("COMMON-7")
def test_read_only_fields_on_create_never_override_server_values(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    sent_id = unique.guid()
    body = {
        **free_shipping(unique.name()),
        "id": sent_id,
        "revision": "7",
        "createdDate": "2001-01-01T00:00:00.000Z",
        "updatedDate": "2001-01-01T00:00:00.000Z",
    }
    answer = rewards.create(body)
    adopt(owned, answer)
    expect.status(answer, 200, tolerated=[400], amb="AMB-30", what="create carrying read-only fields")
    if answer.status == 200:
        reward = answer.body["reward"]
        expect.that(reward.get("id") != sent_id, "the id is the server's, not the one sent", answer)
        expect.that(
            reward.get("revision") == "1", f'the revision is "1", got {reward.get("revision")!r}', answer
        )
        expect.that(
            moment(reward.get("createdDate")) != moment(body["createdDate"]), "createdDate is the server's", answer
        )
    else:
        no_reward_named(expect, rewards, owned, body["name"], answer)


@pytest.mark.rule("REWARD-26")
def test_client_required_points_never_override_configs(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    body = {**free_shipping(unique.name(), cost=20), "requiredPoints": 777}
    answer = rewards.create(body)
    adopt(owned, answer)
    expect.status(
        answer, 200, tolerated=[400], amb="AMB-30", what="create carrying the legacy requiredPoints"
    )
    if answer.status != 200:
        no_reward_named(expect, rewards, owned, body["name"], answer)
        return
    for source, reward in (
        ("create", answer.body["reward"]),
        ("get", expect.ok(rewards.get(answer.body["reward"]["id"]))["reward"]),
    ):
        costs = [c.get("costInPoints") for c in base_configs(reward)]
        expect.that(costs == [20], f"{source}: the base config still costs 20 points, got {costs}", answer)
        if "requiredPoints" in reward:
            expect.prefer(
                reward["requiredPoints"] == 20,
                f"{source}: legacy requiredPoints mirrors the base config (20), got "
                f"{reward['requiredPoints']!r}",
                answer,
                amb="AMB-4",
            )


# Issue 13: writes that touch only their own reward, every field through every read path ---------------
def rich_rewards(group: str, tier_id: str) -> list[dict[str, Any]]:
    """Active rewards (List may leave out inactive ones, AMB-21) that set every documented field to a value
    other than its default, so a field dropped or defaulted on a read path shows."""
    return [
        coupon(
            f"{group}-percentage",
            {
                "percentage": {
                    "configsByTier": [
                        {"costInPoints": 40, "percentage": 15},
                        {"tierId": tier_id, "costInPoints": 30, "percentage": 20},
                    ]
                },
                "scope": PRICING_PLANS,
                "limitedToOneItem": True,
                "appliesToSubscriptions": True,
                "discountedCycleCount": 3,
            },
            active=True,
        ),
        coupon(
            f"{group}-fixed",
            {
                "fixedAmount": {
                    "configsByTier": [
                        {"costInPoints": 25, "amount": 7.5},
                        {"tierId": tier_id, "costInPoints": 20, "amount": 9},
                    ]
                },
                "minimumSubtotal": 30,
                "limitedToOneItem": True,
            },
            active=True,
        ),
        coupon(
            f"{group}-shipping",
            {
                "freeShipping": {"configsByTier": [{"costInPoints": 35}, {"tierId": tier_id, "costInPoints": 33}]},
                "scope": {"namespace": "stores", "group": {"name": "product"}},
                "appliesToSubscriptions": True,
            },
            active=True,
        ),
        {
            **discount_amount(f"{group}-discount", amount="2.50", cost=12, active=True),
            "discountAmount": {
                "configsByTier": [
                    {"amount": "2.50", "costInPoints": 12},
                    {"tierId": tier_id, "amount": "3", "costInPoints": 10},
                ]
            },
        },
    ]


def changed(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The same reward with a new name and every cost one point higher (flags and scope kept)."""
    out: dict[str, Any] = json.loads(json.dumps(body))
    out["name"] = name
    for config in base_configs(out):  # the payload's own config objects
        config["costInPoints"] += 1
    return out


def read_paths(
    expect: Expect, rewards: RewardsApi, ids: list[str], group: str, rule: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each reward of `ids` as every read path shows it: Get, List, Query (by the group's name prefix) and the
    SDK's bulkGetRewards (undocumented, and for user identities only: left out when the target refuses it)."""
    views: dict[str, dict[str, dict[str, Any]]] = {
        "Get Reward": {i: expect.ok(rewards.get(i), "Get Reward", rule=rule)["reward"] for i in ids}
    }
    listed = walk(expect, rewards.list_pages(limit=100), 100, "List Rewards", rule)
    views["List Rewards"] = {r["id"]: r for r in listed if r.get("id") in ids}
    queried = walk(
        expect, rewards.query_pages({"filter": {"name": {"$startsWith": group}}}), None, "Query Rewards", rule
    )
    views["Query Rewards"] = {r["id"]: r for r in queried if r.get("id") in ids}
    bulk = rewards.bulk_get()
    if bulk.status == 200 and isinstance(bulk.body, dict):
        views["bulkGetRewards"] = {
            r["id"]: r
            for site in bulk.body.get("rewardsInSite") or []
            for r in (site.get("rewards") or [] if isinstance(site, dict) else [])
            if isinstance(r, dict) and r.get("id") in ids
        }
    return views


def same_everywhere(
    expect: Expect,
    rewards: RewardsApi,
    expected: dict[str, dict[str, Any]],
    group: str,
    rule: str,
    what: str,
) -> None:
    """Every read path shows each reward of `expected` with the same documented fields."""
    for path, shown in read_paths(expect, rewards, list(expected), group, rule).items():
        for reward_id, reward in expected.items():
            expect.that(reward_id in shown, f"{what}: {path} shows reward {reward_id}", rule=rule)
            diff = differences(documented(reward), documented(shown[reward_id]))
            expect.that(
                not diff,
                f"{what}: {path} shows reward {reward_id} ({reward.get('name')!r}) with other {diff}: "
                f"expected {documented(reward)}, got {documented(shown[reward_id])}",
                rule=rule,
            )


def keeps_what_was_sent(expect: Expect, sent: dict[str, Any], reward: dict[str, Any], rule: str, what: str) -> None:
    wanted, got = documented(sent), documented(reward)
    diff = [k for k in wanted if wanted[k] != got.get(k)]
    expect.that(not diff, f"{what}: the answer keeps the {diff} sent: sent {wanted}, got {got}", rule=rule)


@pytest.mark.rule("REWARD-1", "REWARD-13")
def test_every_documented_field_survives_every_read_path(
    rewards: RewardsApi, target: Target, owned: Owned, expect: Expect, unique: Unique
) -> None:
    group = group_of(unique)
    tier_id = real_tiers(target, owned, expect, unique, 1)[0]
    bodies = rich_rewards(group, tier_id)
    created: dict[str, dict[str, Any]] = {}
    for body in bodies:
        reward = create_reward(rewards, owned, expect, body)
        keeps_what_was_sent(expect, body, reward, "REWARD-1", f"create {body['name']}")
        created[reward["id"]] = reward
    same_everywhere(expect, rewards, created, group, "REWARD-1", "after create")
    updated: dict[str, dict[str, Any]] = {}
    for (reward_id, reward), body in zip(created.items(), bodies, strict=True):
        change = changed(body, f"{body['name']}-v2")
        answer = rewards.update(reward_id, {**change, "revision": reward["revision"]})
        new = expect.ok(answer, f"PUT {body['name']}", rule="REWARD-13")["reward"]
        keeps_what_was_sent(expect, change, new, "REWARD-13", f"update {body['name']}")
        updated[reward_id] = new
    same_everywhere(expect, rewards, updated, group, "REWARD-13", "after update")


@pytest.mark.rule("REWARD-17", "REWARD-13")
def test_a_write_to_one_reward_leaves_the_others_as_they_were(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    group = group_of(unique)
    ids = bulk_create_all(
        rewards, owned, expect, [free_shipping(f"{group}-{i}", cost=20 + i, active=True) for i in range(4)]
    )
    before = {i: expect.setup(rewards.get(i), "Get Reward")["reward"] for i in ids}
    gone = before[ids[1]]
    expect.deleted(rewards.delete(gone["id"], revision=gone["revision"]), "delete one reward", rule="REWARD-17")
    expect.status(rewards.get(gone["id"]), 404, what="get the deleted reward", rule="REWARD-17")
    others = {i: before[i] for i in ids if i != gone["id"]}
    same_everywhere(expect, rewards, others, group, "REWARD-17", "after deleting another reward")
    target = before[ids[0]]
    answer = rewards.update(target["id"], {**editable(target), "name": f"{group}-0-v2", "active": False})
    expect.ok(answer, "update one reward", rule="REWARD-13")
    rest = {i: before[i] for i in ids[2:]}
    same_everywhere(expect, rewards, rest, group, "REWARD-13", "after updating another reward")


@pytest.mark.rule("COMMON-2")
def test_rejected_update_changes_no_field(rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    """A partial failure must not leak: the valid name and flag of a rejected PUT are not stored either."""
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name(), active=True))
    before = expect.setup(rewards.get(reward["id"]), "Get Reward")["reward"]
    body = {
        **editable(before),
        "name": unique.name(),
        "active": False,
        "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": 0}]}},
    }
    answer = rewards.update(reward["id"], body)
    expect.rejected(answer, 400, what="PUT with a valid name and an invalid cost")
    unchanged(expect, rewards, before, answer)


#: Concurrent writers of the atomicity check: bounded, and each has its own HTTP session.
WRITERS = 8


@pytest.mark.rule("COMMON-5", "REWARD-14")
def test_concurrent_updates_with_one_revision_let_exactly_one_win(
    rewards: RewardsApi,
    target: Target,
    owned: Owned,
    expect: Expect,
    unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    """The revision check and the write are one step: of WRITERS updates carrying the same revision, sent at
    once, exactly one succeeds, the others get 409, and the revision grows by one."""
    if conformance_settings.record_dir or conformance_settings.replay_dir:
        pytest.skip(
            "COMMON-5 atomicity needs truly concurrent requests, which vcrpy can neither record nor replay (it "
            "unpatches the HTTP stack process-wide while a request is on the wire): run `conformance run` "
            "without --record / `conformance replay` to check it"
        )
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    names = [unique.name() for _ in range(WRITERS)]
    clients = [RewardsApi(Target(target.base_url, dict(target.headers), target.timeout)) for _ in names]
    start = threading.Barrier(WRITERS)

    def send(index: int) -> Exchange:
        start.wait(timeout=30)
        return clients[index].update(reward["id"], {**editable(reward), "name": names[index]})

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(send, range(WRITERS)))
    for client in clients:
        target.log.extend(client.target.log)
    statuses = sorted(a.status for a in answers)
    winners = [names[i] for i, a in enumerate(answers) if a.status == 200]
    expect.that(
        len(winners) == 1 and statuses.count(409) == WRITERS - 1,
        f"{WRITERS} concurrent updates carrying revision {reward['revision']}: exactly one wins and the others "
        f"get 409; got statuses {statuses}",
        answers[0],
        rule="COMMON-5",
    )
    stored = expect.ok(rewards.get(reward["id"]), "Get Reward after the race", rule="COMMON-5")["reward"]
    expect.that(
        stored.get("revision") == str(int(reward["revision"]) + 1) and stored.get("name") == winners[0],
        f"the revision grew by exactly one and the winner's name is stored; got revision "
        f"{stored.get('revision')!r}, name {stored.get('name')!r}",
        rule="COMMON-5",
    )


# COMMON-1 and COMMON-9 for the rewards endpoints ------------------------------------------------------
def _error_case(rewards: RewardsApi, target: Target, owned: Owned, expect: Expect, unique: Unique, case: str
                ) -> Exchange:
    if case == "400 invalid create":
        return rewards.create({"type": "COUPON_REWARD"})
    if case == "400 malformed JSON":
        return target.request("POST", REWARDS, raw_body='{"reward": {', headers={"Content-Type": "application/json"})
    if case == "400 bulk of 11":
        return rewards.bulk_create([{"name": ""}] * 11)
    if case == "400 query":
        return rewards.query({"sort": [{"fieldName": "name"}] * 6})
    if case == "404 unknown id":
        return rewards.get(unique.guid())
    reward = create_reward(rewards, owned, expect, free_shipping(unique.name()))
    expect.setup(rewards.update(reward["id"], {**editable(reward), "name": unique.name()}), "first update")
    return rewards.update(reward["id"], {**editable(reward), "name": unique.name()})


@pytest.mark.rule("COMMON-1")
@pytest.mark.parametrize(
    "case",
    ["400 invalid create", "400 malformed JSON", "400 bulk of 11", "400 query", "404 unknown id", "409 stale update"],
)
def test_rewards_error_bodies_have_the_standard_shape(
    rewards: RewardsApi, target: Target, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    answer = _error_case(rewards, target, owned, expect, unique, case)
    adopt(owned, answer)
    expect.status(answer, int(case.split()[0]), what=case)
    check_error_body(expect, answer, case)


@pytest.mark.rule("COMMON-9")
@pytest.mark.parametrize("operation", ["list", "query", "create", "bulk create", "get", "update", "delete"])
def test_rewards_requests_without_credentials_get_401(
    rewards: RewardsApi, target: Target, owned: Owned, expect: Expect, unique: Unique, operation: str
) -> None:
    """A second client with none of the configured headers (the suite's credentials are headers)."""
    anonymous = RewardsApi(Target(target.base_url, timeout=target.timeout))
    reward_id = unique.guid()
    body = free_shipping(unique.name())
    answers = {
        "list": lambda: anonymous.list(),
        "query": lambda: anonymous.query({}),
        "create": lambda: anonymous.create(body),
        "bulk create": lambda: anonymous.bulk_create([body]),
        "get": lambda: anonymous.get(reward_id),
        "update": lambda: anonymous.update(reward_id, {**body, "revision": "1"}),
        "delete": lambda: anonymous.delete(reward_id, revision="1"),
    }
    answer = answers[operation]()
    target.log.extend(anonymous.target.log)
    adopt(owned, answer)
    expect.status(answer, 401, what=f"{operation} without an Authorization header")
