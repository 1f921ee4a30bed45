"""Loyalty Rewards v1 create validation (API-FACTS §4.4): names, types, payloads, configs, costs, amounts, cycles."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.apis.rewards import (
    RewardsApi,
    base_configs,
    coupon,
    discount_amount,
    free_shipping,
)
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.rewards import (
    PRICING_PLANS,
    adopt,
    create_reward,
    no_reward_named,
    real_tiers,
)
from conformance.target import Target
from conformance.verdict import Expect

TYPES = ("DISCOUNT_AMOUNT", "COUPON_REWARD")


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


def _amount_body(unique: Unique, kind: str, amount: Any) -> dict[str, Any]:
    if kind == "fixedAmount":
        return coupon(
            unique.name(), {"fixedAmount": {"configsByTier": [{"costInPoints": 10, "amount": amount}]}}
        )
    return discount_amount(unique.name(), amount=amount)


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


@pytest.mark.rule("REWARD-5", "COMMON-2")
@pytest.mark.parametrize(
    "case",
    ["coupon type with discountAmount", "discount type with couponReward", "both payloads", "no payload"],
)
def test_reward_payload_must_match_type(
    rewards: RewardsApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    rejected_create(expect, rewards, owned, _mismatch(unique, case), "REWARD-5", f"create with {case}")


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
