"""The rewards reference server (in-process, starlette TestClient) and the suite's power over its faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.reference import create_app

REWARDS = "/loyalty-rewards/v1/rewards"
BULK = "/loyalty-rewards/v1/bulk/rewards/create"
QUERY = f"{REWARDS}/query"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(), headers={"Authorization": "test"}) as c:
        yield c


def free_shipping(name: str, cost: int = 20, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "COUPON_REWARD",
        "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": cost}]}},
        **fields,
    }


def create(client: TestClient, reward: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(REWARDS, json={"reward": reward})
    assert answer.status_code == 200, answer.text
    return answer.json()["reward"]


def violations(answer: Any) -> list[str]:
    assert answer.status_code == 400, answer.text
    return [v["field"] for v in answer.json()["details"]["validationError"]["fieldViolations"]]


# create / get ------------------------------------------------------------------------------------
def test_create_returns_defaults_and_legacy_required_points(client: TestClient) -> None:
    reward = create(client, free_shipping("Free shipping", requiredPoints=999, id="ignored", _id="x"))
    assert reward["revision"] == "1" and reward["active"] is False and reward["type"] == "COUPON_REWARD"
    assert reward["id"] != "ignored"
    assert reward["requiredPoints"] == 20  # mirrors the base config, never the client's value (AMB-4)
    assert client.get(f"{REWARDS}/{reward['id']}", params={"id": reward["id"]}).json()["reward"] == reward


def test_discount_amount_reward_is_accepted(client: TestClient) -> None:
    reward = create(
        client,
        {
            "name": "Flexible",
            "type": "DISCOUNT_AMOUNT",
            "active": True,
            "discountAmount": {"configsByTier": [{"amount": "2.50", "costInPoints": 10}]},
        },
    )
    assert reward["discountAmount"]["configsByTier"] == [{"amount": "2.50", "costInPoints": 10}]


@pytest.mark.parametrize(
    "reward,field",
    [
        ({"type": "COUPON_REWARD"}, "reward.name"),
        (free_shipping("x" * 51), "reward.name"),
        (free_shipping("n", type="FOO"), "reward.type"),
        (free_shipping("n", type="UNDEFINED"), "reward.type"),
        ({**free_shipping("n"), "type": "DISCOUNT_AMOUNT"}, "reward.discountAmount"),
        ({**free_shipping("n"), "discountAmount": {"configsByTier": []}}, "reward"),
        (free_shipping("n", cost=0), "reward.couponReward.freeShipping.configsByTier[0].costInPoints"),
        (
            free_shipping("n", cost=10_000_000),
            "reward.couponReward.freeShipping.configsByTier[0].costInPoints",
        ),
    ],
)
def test_invalid_rewards_are_rejected_with_field_violations(
    client: TestClient, reward: dict[str, Any], field: str
) -> None:
    assert field in violations(client.post(REWARDS, json={"reward": reward}))


@pytest.mark.parametrize(
    "coupon,field",
    [
        ({}, "reward.couponReward"),
        (
            {
                "freeShipping": {"configsByTier": [{"costInPoints": 1}]},
                "fixedAmount": {"configsByTier": [{"costInPoints": 1, "amount": 1}]},
            },
            "reward.couponReward",
        ),
        (
            {
                "freeShipping": {"configsByTier": [{"costInPoints": 1}]},
                "minimumSubtotal": 1,
                "scope": {"namespace": "stores", "group": {"name": "product"}},
            },
            "reward.couponReward",
        ),
        ({"freeShipping": {"configsByTier": []}}, "reward.couponReward.freeShipping.configsByTier"),
        (
            {"fixedAmount": {"configsByTier": [{"costInPoints": 1, "amount": 0.001}]}},
            "reward.couponReward.fixedAmount.configsByTier[0].amount",
        ),
        (
            {"freeShipping": {"configsByTier": [{"costInPoints": 1, "tierId": "nope"}]}},
            "reward.couponReward.freeShipping.configsByTier[0].tierId",
        ),
        (
            {
                "percentage": {"configsByTier": [{"costInPoints": 1, "percentage": 5}]},
                "discountedCycleCount": 3,
            },
            "reward.couponReward.discountedCycleCount",
        ),
    ],
)
def test_coupon_one_of_groups_and_bounds(client: TestClient, coupon: dict[str, Any], field: str) -> None:
    body = {"name": "n", "type": "COUPON_REWARD", "couponReward": coupon}
    assert field in violations(client.post(REWARDS, json={"reward": body}))


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.234"])
def test_discount_amount_must_be_positive_with_two_decimals(client: TestClient, amount: str) -> None:
    body = {
        "name": "n",
        "type": "DISCOUNT_AMOUNT",
        "discountAmount": {"configsByTier": [{"amount": amount, "costInPoints": 1}]},
    }
    assert violations(client.post(REWARDS, json={"reward": body})) == [
        "reward.discountAmount.configsByTier[0].amount"
    ]


def test_ids_unknown_and_malformed(client: TestClient) -> None:
    assert client.get(f"{REWARDS}/00000000-0000-4000-8000-000000000009").status_code == 404
    assert client.get(f"{REWARDS}/nope").status_code == 400
    assert client.delete(f"{REWARDS}/nope").status_code == 400


# update / delete ---------------------------------------------------------------------------------
def test_update_increments_revision_and_rejects_stale_missing_and_type_change(client: TestClient) -> None:
    reward = create(client, free_shipping("A"))
    path = f"{REWARDS}/{reward['id']}"
    spread = {**reward, "_id": reward["id"], "name": "B"}  # the SDK's GET -> spread -> update body
    updated = client.put(path, json={"reward": spread}).json()["reward"]
    assert (
        updated["revision"] == "2"
        and updated["name"] == "B"
        and updated["createdDate"] == reward["createdDate"]
    )
    assert client.put(path, json={"reward": {**updated, "revision": "1"}}).status_code == 409
    assert "reward.revision" in violations(client.put(path, json={"reward": {"name": "C"}}))
    change = {
        "name": "C",
        "revision": "2",
        "type": "DISCOUNT_AMOUNT",
        "discountAmount": {"configsByTier": [{"amount": "1", "costInPoints": 1}]},
    }
    assert "reward.type" in violations(client.put(path, json={"reward": change}))
    assert client.get(path).json()["reward"] == updated


def test_delete_needs_current_revision(client: TestClient) -> None:
    reward = create(client, free_shipping("A"))
    path = f"{REWARDS}/{reward['id']}"
    client.put(path, json={"reward": {**reward, "name": "B"}})
    assert client.delete(path, params={"revision": "1"}).status_code == 409
    answer = client.delete(path, params={"revision": "2", "id": reward["id"]})
    assert answer.status_code == 200 and answer.json() == {}
    assert client.get(path).status_code == 404


# bulk --------------------------------------------------------------------------------------------
def test_bulk_create_limits_and_per_item_results(client: TestClient) -> None:
    assert client.post(BULK, json={"rewards": []}).status_code == 400
    assert client.post(BULK, json={"rewards": [free_shipping(f"r{i}") for i in range(11)]}).status_code == 400
    answer = client.post(BULK, json={"rewards": [free_shipping("ok"), free_shipping("bad", cost=0)]}).json()
    assert [r["itemMetadata"]["success"] for r in answer["results"]] == [True, False]
    assert answer["results"][1]["itemMetadata"]["originalIndex"] == 1
    assert answer["bulkActionMetadata"] == {"totalSuccesses": 1, "totalFailures": 1, "undetailedFailures": 0}
    rewards = client.get("/loyalty-rewards/v1/bulk/rewards").json()["rewardsInSite"][0]["rewards"]
    assert [r["name"] for r in rewards] == ["ok"]


# paging ------------------------------------------------------------------------------------------
def test_list_cursor_walk_visits_each_reward_once(client: TestClient) -> None:
    for i in range(7):
        create(client, free_shipping(f"r{i}", active=True))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"cursorPaging.limit": 3}
        if cursor:
            params["cursorPaging.cursor"] = cursor
        page = client.get(REWARDS, params=params).json()
        assert page["pagingMetadata"]["count"] == len(page["rewards"]) <= 3
        seen += [r["name"] for r in page["rewards"]]
        cursor = page["pagingMetadata"]["cursors"].get("next")
        if not cursor:
            break
    assert sorted(seen) == [f"r{i}" for i in range(7)]
    assert client.get(REWARDS, params={"cursorPaging.limit": 101}).status_code == 400
    assert client.get(REWARDS, params={"cursorPaging.cursor": "garbage"}).status_code == 400


def test_query_filters_sort_and_cursor_only_follow_ups(client: TestClient) -> None:
    for name in ("Free a", "Free b", "Other", "Free c", "Free d"):
        create(client, free_shipping(name, active=name != "Free b"))
    query = {
        "filter": {"name": {"$startsWith": "Free"}},
        "sort": [{"fieldName": "name", "order": "DESC"}],
        "cursorPaging": {"limit": 3},
    }
    first = client.post(QUERY, json={"query": query}).json()
    assert [r["name"] for r in first["rewards"]] == ["Free d", "Free c", "Free b"]
    assert first["pagingMetadata"]["hasNext"] is True
    cursor = first["pagingMetadata"]["cursors"]["next"]
    second = client.post(QUERY, json={"query": {"cursorPaging": {"cursor": cursor}}}).json()
    assert [r["name"] for r in second["rewards"]] == ["Free a"]
    assert second["pagingMetadata"] == {"count": 1, "cursors": {}, "hasNext": False}

    def names(filter_: dict[str, Any]) -> list[str]:
        body = {"query": {"filter": filter_, "sort": [{"fieldName": "name"}]}}
        return [r["name"] for r in client.post(QUERY, json=body).json()["rewards"]]

    assert names({"active": False}) == ["Free b"]
    assert names({"name": {"$in": ["Other", "Free a"]}}) == ["Free a", "Other"]
    assert names({"name": {"$ne": "Other"}, "requiredPoints": {"$gte": 20}}) == [
        "Free a",
        "Free b",
        "Free c",
        "Free d",
    ]
    assert names({"$or": [{"name": "Other"}, {"name": {"$gt": "Free c"}}]}) == ["Free d", "Other"]


@pytest.mark.parametrize(
    "query",
    [
        {"sort": [{"fieldName": "name"}] * 6},
        {"cursorPaging": {"limit": 101}},
        {"cursorPaging": {"cursor": "a" * 16_001}},
        {"filter": {"name": {"$regex": "x"}}},
        {"filter": {"name": {"$in": "x"}}},
    ],
)
def test_query_rejects_bad_paging_sort_and_filters(client: TestClient, query: dict[str, Any]) -> None:
    assert client.post(QUERY, json={"query": query}).status_code == 400


def test_query_default_limit_is_50(client: TestClient) -> None:
    answer = client.post(BULK, json={"rewards": [free_shipping(f"r{i}") for i in range(10)]})
    assert answer.status_code == 200
    for batch in range(5):
        client.post(BULK, json={"rewards": [free_shipping(f"s{batch}{i}") for i in range(10)]})
    page = client.post(QUERY, json={"query": {}}).json()
    assert len(page["rewards"]) == 50 and page["pagingMetadata"]["hasNext"] is True


ODD_BODIES: list[Any] = [
    {"reward": None},
    {"reward": []},
    {"reward": {"name": 5, "type": {}, "active": "yes"}},
    {"reward": {"name": "n", "type": "COUPON_REWARD", "couponReward": []}},
    {
        "reward": {
            "name": "n",
            "type": "COUPON_REWARD",
            "couponReward": {"freeShipping": {"configsByTier": [1, None]}},
        }
    },
    {
        "reward": {
            "name": "n",
            "type": "COUPON_REWARD",
            "couponReward": {
                "fixedAmount": {"configsByTier": [{"costInPoints": "x", "amount": "NaN", "tierId": 7}]},
                "scope": "s",
                "minimumSubtotal": "lots",
                "discountedCycleCount": 1.5,
            },
        }
    },
    {"reward": {"name": "n", "type": "DISCOUNT_AMOUNT", "discountAmount": {"configsByTier": {"a": 1}}}},
    {
        "reward": {
            "name": "n",
            "type": "DISCOUNT_AMOUNT",
            "discountAmount": {"configsByTier": [{"amount": 1.5}]},
        }
    },
    {"reward": {"name": "x" * 100_000, "type": "COUPON_REWARD", "revision": [], "id": {}}},
    {
        "reward": {
            "name": "n",
            "type": "COUPON_REWARD",
            "revision": "\u00b2",
            "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": "\u00b2"}]}},
        }
    },
]
ODD_QUERIES: list[Any] = [
    None,
    [],
    {"filter": []},
    {"filter": {"$and": {}}},
    {"filter": {"$or": [5]}},
    {"filter": {"name": {"$gt": {}}}},
    {"filter": {"$foo": 1}},
    {"sort": [{"fieldName": 5}]},
    {"sort": [{"fieldName": "name", "order": "UP"}]},
    {"cursorPaging": {"limit": "ten"}},
    {"cursorPaging": {"limit": -1}},
    {"cursorPaging": {"cursor": 5}},
    {"cursorPaging": {"cursor": "eyJhZnRlciI6IDV9"}},  # base64 of {"after": 5}
    {"cursorPaging": {"cursor": "eyJhZnRlciI6W10sImZpbHRlciI6NX0"}},  # {"after":[],"filter":5}
    {"cursorPaging": []},
]


@pytest.mark.parametrize("body", ODD_BODIES)
def test_odd_reward_bodies_get_a_4xx_never_a_500(client: TestClient, body: Any) -> None:
    created = client.post(REWARDS, json=body)
    assert 400 <= created.status_code < 500 and "message" in created.json(), created.text
    reward = create(client, free_shipping("target"))
    updated = client.put(f"{REWARDS}/{reward['id']}", json=body)
    assert 400 <= updated.status_code < 500, updated.text
    bulk = client.post(BULK, json={"rewards": [body.get("reward")]})
    assert bulk.status_code in (200, 400), bulk.text


@pytest.mark.parametrize("number", ["1e400", "-1e400", "Infinity", "NaN"])
def test_non_finite_numbers_are_rejected(client: TestClient, number: str) -> None:
    """Python's JSON parser accepts them, but no JSON response could carry them back."""
    body = (
        '{"reward": {"name": "n", "type": "COUPON_REWARD", "couponReward": {"minimumSubtotal": 1, '
        '"fixedAmount": {"configsByTier": [{"costInPoints": 1, "amount": NUMBER}]}}}}'.replace(
            "NUMBER", number
        )
    )
    answer = client.post(REWARDS, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_get_a_400_never_a_500(client: TestClient, query: Any) -> None:
    answer = client.post(QUERY, json={"query": query})
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize("fault", [None, "reward-update-not-atomic"])
def test_concurrent_updates_with_one_revision_let_exactly_one_win(fault: str | None) -> None:
    """20 threads PUT with revision "1" over real HTTP: one 200, the rest 409, revision ends at "2". The
    non-atomic fault really races: every writer passes the check before any of them writes."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from conformance.embedded import running_reference

    with running_reference(faults=[fault] if fault else []) as server:
        headers = {"Authorization": "test"}
        url = server.base_url + REWARDS
        reward = requests.post(
            url, json={"reward": free_shipping("race")}, headers=headers, timeout=10
        ).json()["reward"]

        def put(index: int) -> int:
            body = {"reward": {**reward, "name": f"race {index}"}}
            return requests.put(f"{url}/{reward['id']}", json=body, headers=headers, timeout=10).status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            codes = list(pool.map(put, range(20)))
        final = requests.get(f"{url}/{reward['id']}", headers=headers, timeout=10).json()["reward"]
    if fault:
        assert codes.count(200) > 1
    else:
        assert sorted(codes) == [200] + [409] * 19
    assert final["revision"] == "2"


def variant(*faults: str) -> TestClient:
    return TestClient(create_app(faults=faults), headers={"Authorization": "test"})


def test_alternative_readings_compose_and_shape_the_wire() -> None:
    """Every correct rewards variant at once: reversed bulk results keep their originalIndex, defaults are
    omitted, extra fields appear, cursors are opaque handles, errors carry other codes, the newest comes first."""
    from conformance.reference.rewards import FAULTS

    correct = [f.name for f in FAULTS if f.kind == "correct"]
    with variant(*correct) as c:
        answer = c.post(BULK, json={"rewards": [free_shipping(f"alt {i}") for i in range(3)]}).json()
        assert [r["itemMetadata"].get("originalIndex", 0) for r in answer["results"]] == [2, 1, 0]
        item = answer["results"][0]["item"]
        assert "active" not in item and "requiredPoints" not in item and "_links" in item
        assert "+00:00" in item["createdDate"] and item["id"][14] == "1"  # a time-based GUID
        first = c.get(REWARDS, params={"cursorPaging.limit": 2}).json()
        assert [r["name"] for r in first["rewards"]] == ["alt 2", "alt 1"]
        cursor = first["pagingMetadata"]["cursors"]["next"]
        assert len(cursor) == 32 and c.get(REWARDS, params={"cursorPaging.cursor": cursor}).status_code == 200
        error = c.get(f"{REWARDS}/{item['id'][:-1]}0").json()
        assert error["details"]["applicationError"]["code"].startswith("LOYALTY_REWARDS_")
        unknown_tier = free_shipping("tiered")
        unknown_tier["couponReward"]["freeShipping"]["configsByTier"].append(
            {"tierId": "00000000-0000-4000-8000-00000000abcd", "costInPoints": 5}
        )
        assert c.post(REWARDS, json={"reward": unknown_tier}).status_code == 400
        inferred = {k: v for k, v in free_shipping("no type").items() if k != "type"}
        assert create(c, inferred)["type"] == "COUPON_REWARD"


@pytest.mark.parametrize(
    "fault",
    ["reward-rejected-create-stored", "reward-bulk-rejected-keeps-earlier", "reward-rejected-update-keeps-name"],
)
def test_rejected_write_faults_leave_state_behind(fault: str) -> None:
    """The COMMON-2 faults answer 400 yet store something: what the suite must find by re-reading."""
    with variant(fault) as c:
        kept = create(c, free_shipping("kept"))
        if fault == "reward-rejected-create-stored":
            assert c.post(REWARDS, json={"reward": free_shipping("leak", cost=0)}).status_code == 400
        elif fault == "reward-bulk-rejected-keeps-earlier":
            batch = [free_shipping("leak"), free_shipping("bad", cost=0)]
            assert c.post(BULK, json={"rewards": batch}).status_code == 400
        else:
            body = {**kept, "name": "leak", "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": 0}]}}}
            assert c.put(f"{REWARDS}/{kept['id']}", json={"reward": body}).status_code == 400
        names = [r["name"] for r in c.get(REWARDS).json()["rewards"]]
        assert "leak" in names


def test_delete_neighbour_and_update_others_faults_touch_other_rewards() -> None:
    with variant("reward-delete-removes-neighbour", "reward-update-touches-others") as c:
        first, second, third = (create(c, free_shipping(n, active=True)) for n in ("a", "b", "c"))
        c.put(f"{REWARDS}/{third['id']}", json={"reward": {**third, "active": False}})
        assert c.get(f"{REWARDS}/{first['id']}").json()["reward"]["active"] is False
        c.delete(f"{REWARDS}/{first['id']}", params={"revision": "1"})
        assert c.get(f"{REWARDS}/{second['id']}").status_code == 404
