"""Reward factories and read-backs the reward scenarios share: create, adopt, name lookups, paging walks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from conformance.apis.rewards import (
    MAX_PAGES,
    RewardsApi,
    base_configs,
    next_cursor,
)
from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.target import Exchange, Target
from conformance.verdict import Expect

PRICING_PLANS = {"namespace": "pricingPlans", "group": {"name": "plan"}}


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


def costs(reward: dict[str, Any]) -> list[tuple[str, Any]]:
    """(tierId, costInPoints) per config: what survives a round trip, whatever defaults a server adds."""
    return sorted(((c.get("tierId") or "", c.get("costInPoints")) for c in base_configs(reward)), key=str)


def differences(expected: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    """The documented fields on which two views of a reward disagree (both already `documented`)."""
    return sorted(k for k in set(expected) | set(shown) if expected.get(k) != shown.get(k))


def changed(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The same reward with a new name and every cost one point higher (flags and scope kept)."""
    out: dict[str, Any] = json.loads(json.dumps(body))
    out["name"] = name
    for config in base_configs(out):  # the payload's own config objects
        config["costInPoints"] += 1
    return out
