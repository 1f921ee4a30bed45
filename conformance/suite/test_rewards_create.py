"""Loyalty Rewards v1 create and bulk create (API-FACTS §4.4: REWARD-1..4, REWARD-12)."""

from __future__ import annotations

import pytest

from conformance.apis.rewards import (
    RewardsApi,
    free_shipping,
)
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.bulk import nothing_created
from conformance.suite.support.ids import GUID
from conformance.suite.support.rewards import (
    adopt,
    costs,
    group_of,
    named,
)
from conformance.suite.support.rewards_bulk import check_bulk
from conformance.verdict import Expect


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
    nothing_created(expect, answer, named(expect, rewards, owned, group))


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
