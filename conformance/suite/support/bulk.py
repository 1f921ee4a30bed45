"""Judging a bulk create answer (COMMON-11) for any API: per-item results by `originalIndex`, success and error
per item, and the `bulkActionMetadata` totals. Each API says how a created item corresponds to what was sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.target import Exchange
from conformance.verdict import Expect

#: Does a created item correspond to the request item it answers? (item as answered, item as sent)
Corresponds = Callable[[dict[str, Any], dict[str, Any]], bool]


def original_index(result: Any) -> Any:
    """`itemMetadata.originalIndex`, the only link between a bulk result and its request item (COMMON-11);
    absent means 0, the default a proto-JSON server omits (§1.2)."""
    metadata = (result or {}).get("itemMetadata") if isinstance(result, dict) else None
    return (metadata or {}).get("originalIndex", 0) if isinstance(metadata, dict) else None


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


def succeeded(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of the results that report success, in answer order."""
    return [r["item"] for r in results if (r.get("itemMetadata") or {}).get("success") is True]


def _count(value: Any) -> int:
    """A total as a number: an integer, a decimal string (protobuf JSON spells 64-bit integers so; tolerated), or
    absent for the default 0 (§1.2); anything else counts as -1."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0 if value is None else -1


def check_bulk(expect: Expect, answer: Exchange, batch: list[dict[str, Any]], *, noun: str,
               corresponds: Corresponds, id_rule: str = "COMMON-11") -> list[dict[str, Any]]:
    """COMMON-11: the per-item invariants of a bulk create answer of `batch` (`noun`: "tiers"); returns the
    results. `itemMetadata.id == item.id` is a SHOULD (AMB-15) reported under `id_rule`."""
    body = expect.ok(answer, f"bulk create of {len(batch)} {noun}")
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
            expect.that(
                corresponds(item, batch[index]),
                f"results[{index}].item corresponds to request item {index}",
                answer,
                rule="COMMON-11",
            )
            expect.prefer(
                metadata.get("id") == item.get("id"),
                f"results[{index}].itemMetadata.id equals item.id",
                answer,
                amb="AMB-15",
                rule=id_rule,
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
    if _count(meta.get("undetailedFailures")) <= 0:  # absent or 0; a malformed count is no excuse either
        expect.that(
            len(results) == len(batch),
            f"{len(batch)} results for {len(batch)} items",
            answer,
            rule="COMMON-11",
        )
    return [r for r in results if isinstance(r, dict)]


def nothing_created(expect: Expect, answer: Exchange, found: list[Any]) -> None:
    """COMMON-12: a bulk request rejected whole stores none of its items (`found`: those a listing shows)."""
    expect.that(
        not found,
        f"nothing is created by a rejected bulk request; found {len(found)}",
        answer,
        rule="COMMON-12",
    )
