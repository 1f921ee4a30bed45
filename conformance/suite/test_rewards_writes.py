"""Loyalty Rewards v1 update and delete (API-FACTS §4.4): revisions, created date, type changes, concurrent writers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conformance.apis import moment, not_before
from conformance.apis.rewards import (
    RewardsApi,
    base_configs,
    documented,
    editable,
    free_shipping,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.rewards import (
    create_reward,
    differences,
    group_of,
    real_tiers,
    walk,
)
from conformance.target import Exchange, Target
from conformance.verdict import ANY_4XX, Expect


def reward_unchanged(
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


#: Concurrent writers of the atomicity check: bounded, and each has its own HTTP session.
WRITERS = 8


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
        reward_unchanged(expect, rewards, current, answer, rule="COMMON-7")
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
    reward_unchanged(expect, rewards, current, answer, rule="COMMON-5")


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
    reward_unchanged(expect, rewards, reward, answer, rule="COMMON-2")


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
        reward_unchanged(expect, rewards, reward, answer)
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
        reward_unchanged(expect, rewards, reward, answer)


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
    reward_unchanged(expect, rewards, current, answer, rule="COMMON-5")


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
    reward_unchanged(expect, rewards, before, answer)


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
