"""Loyalty Rewards v1 list, query, ids, errors and credentials (API-FACTS §4.4).

A live site already has rewards: paging walks only demand that the rewards this test created appear
exactly once and that no id repeats; names carry the run tag so nothing collides with site data.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from conformance.apis.rewards import (
    REWARDS,
    RewardsApi,
    editable,
    free_shipping,
    next_cursor,
)
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.errors import check_error_body
from conformance.suite.support.rewards import (
    adopt,
    create_reward,
    group_of,
    walk,
)
from conformance.suite.support.rewards_bulk import bulk_create_all, exactly_once
from conformance.target import Exchange, Target
from conformance.verdict import Expect


def _bad_query(case: str) -> dict[str, Any]:
    if case == "6 sort entries":
        return {"sort": [{"fieldName": "name", "order": "ASC"}] * 6}
    if case == "cursorPaging.limit 101":
        return {"cursorPaging": {"limit": 101}}
    return {"cursorPaging": {"cursor": "a" * 16_001}}


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
