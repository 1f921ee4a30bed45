"""Bulk Create Rewards in scenarios: judging an answer (COMMON-11, support/bulk.py), creating many rewards for a
set-up, and finding each reward a listing should show exactly once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.apis.rewards import (
    RewardsApi,
)
from conformance.live import Owned
from conformance.suite.support import bulk
from conformance.suite.support.bulk import by_original_index
from conformance.suite.support.rewards import (
    adopt,
)
from conformance.target import Exchange
from conformance.verdict import Expect

__all__ = ["bulk_create_all", "by_original_index", "check_bulk", "exactly_once"]


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


def same_reward(item: dict[str, Any], sent: dict[str, Any]) -> bool:
    """A created reward answers the request item with its name."""
    return item.get("name") == sent.get("name")


def check_bulk(expect: Expect, answer: Exchange, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """COMMON-11 invariants of a Bulk Create Rewards answer (`itemMetadata.id == item.id` is REWARD-12's SHOULD,
    AMB-15); returns the successful items."""
    return bulk.succeeded(bulk.check_bulk(expect, answer, inputs, noun="rewards", corresponds=same_reward,
                                          id_rule="REWARD-12"))
