"""Judging a Bulk Create Tiers answer: per-item results by `originalIndex`, and owning what it created."""

from __future__ import annotations

from typing import Any

from conformance.live import Owned
from conformance.suite.support.ids import GUID
from conformance.suite.support.tiers import (
    name_of,
)
from conformance.target import Exchange
from conformance.verdict import Expect


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return -1
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0 if value is None else -1


def own_results(owned: Owned, answer: Exchange) -> None:
    """Register every tier a bulk answer reports as created."""
    if answer.status != 200 or not isinstance(answer.body, dict):
        return
    for result in answer.body.get("results") or []:
        item = (result or {}).get("item") if isinstance(result, dict) else None
        if isinstance(item, dict) and GUID.match(str(item.get("id", ""))):
            owned.add("tier", item["id"])


def original_index(result: Any) -> Any:
    """`itemMetadata.originalIndex`, the only link between a bulk result and its request item (COMMON-11);
    absent means 0, the default a proto-JSON server omits (§1.2)."""
    metadata = (result or {}).get("itemMetadata") if isinstance(result, dict) else None
    return (metadata or {}).get("originalIndex", 0) if isinstance(metadata, dict) else None


def check_bulk_result(expect: Expect, answer: Exchange, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """COMMON-11: the per-item invariants of a bulk create answer; returns the results."""
    body = expect.ok(answer, f"bulk create of {len(batch)} tiers")
    results = body.get("results") if isinstance(body, dict) else None
    expect.that(isinstance(results, list), "a bulk answer carries a results array", answer, rule="COMMON-11")
    assert isinstance(results, list)
    meta = body.get("bulkActionMetadata") or {}
    expect.that(isinstance(meta, dict), "bulkActionMetadata is an object", answer, rule="COMMON-11")
    indexes = [original_index(r) for r in results]
    expect.that(
        all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(batch) for i in indexes),
        f"every itemMetadata.originalIndex indexes the request array, got {indexes}",
        answer,
        rule="COMMON-11",
    )
    expect.that(
        len(set(indexes)) == len(indexes),
        f"originalIndex values are distinct, got {indexes}",
        answer,
        rule="COMMON-11",
    )
    successes = 0
    for result in results:
        metadata = (result or {}).get("itemMetadata") or {}
        item = (result or {}).get("item")
        error = metadata.get("error")
        index = original_index(result)
        if metadata.get("success") is True:
            successes += 1
            expect.that(
                isinstance(item, dict) and item.get("id") and not error,
                f"results[{index}] succeeded: item present, error absent",
                answer,
                rule="COMMON-11",
            )
            assert isinstance(item, dict)
            sent = batch[index]
            expect.that(
                name_of(item) == name_of(sent) and item.get("requiredPoints") == sent.get("requiredPoints"),
                f"results[{index}].item corresponds to request item {index}",
                answer,
                rule="COMMON-11",
            )
            expect.prefer(
                metadata.get("id") == item.get("id"),
                f"results[{index}].itemMetadata.id equals item.id",
                answer,
                amb="AMB-15",
                rule="COMMON-11",
            )
        else:
            expect.that(
                metadata.get("success", False) is False,
                f"results[{index}].itemMetadata.success is a boolean (absent: false)",
                answer,
                rule="COMMON-11",
            )
            expect.that(
                isinstance(error, dict) and error.get("code"),
                f"results[{index}] failed: error.code present",
                answer,
                rule="COMMON-11",
            )
            expect.that(
                not (isinstance(item, dict) and item.get("id")),
                f"results[{index}] failed: no created item",
                answer,
                rule="COMMON-11",
            )
    total_successes = _count(meta.get("totalSuccesses"))
    total_failures = _count(meta.get("totalFailures"))
    expect.that(
        total_successes == successes,
        f"bulkActionMetadata.totalSuccesses ({meta.get('totalSuccesses')!r}) counts the {successes} "
        "successful results",
        answer,
        rule="COMMON-11",
    )
    expect.prefer(
        total_successes + total_failures == len(batch),
        f"totalSuccesses + totalFailures equals the {len(batch)} items sent",
        answer,
        rule="COMMON-11",
    )
    if _count(meta.get("undetailedFailures")) == 0:
        expect.that(
            len(results) == len(batch),
            f"{len(batch)} results for {len(batch)} items",
            answer,
            rule="COMMON-11",
        )
    return [r for r in results if isinstance(r, dict)]


def succeeded(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["item"] for r in results if (r.get("itemMetadata") or {}).get("success") is True]
