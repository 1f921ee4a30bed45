"""Judging a Bulk Create Rewards answer: per-item results by `originalIndex`, each reward created exactly once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.apis.rewards import (
    RewardsApi,
)
from conformance.live import Owned
from conformance.suite.support.rewards import (
    adopt,
)
from conformance.target import Exchange
from conformance.verdict import Expect


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
