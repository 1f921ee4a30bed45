"""How a bulk create is read and answered (COMMON-11, COMMON-12): the items array, its size, the per-item
results keyed by `originalIndex` and the `bulkActionMetadata` totals, shared by the Tiers and Rewards APIs."""

from __future__ import annotations

from typing import Any

from conformance.reference.errors import ApiError, invalid, violation


def bulk_items(body: dict[str, Any], key: str) -> list[Any]:
    """The request's array of items (`tiers`, `rewards`); anything else is a 400."""
    items = body.get(key)
    if not isinstance(items, list):
        raise invalid([violation(key, "is required and must be an array", "REQUIRED_FIELD")])
    return items


def size_error(key: str, maximum: int) -> ApiError:
    """The 400 of a request with no item or more than the documented maximum."""
    return invalid([violation(key, f"must contain 1 to {maximum} {key}", "ARRAY_SIZE")])


def failed(index: int, code: str, description: str, data: dict[str, Any]) -> dict[str, Any]:
    """The result of an item that was not created: no id, `success: false` and why."""
    return {"itemMetadata": {"id": None, "originalIndex": index, "success": False,
                             "error": {"code": code, "description": description, "data": data}}}


def created(index: int, entity_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """The result of an item that was created: its id, `success: true`, no error, and the item as answered."""
    return {"itemMetadata": {"id": entity_id, "originalIndex": index, "success": True, "error": None},
            "item": item}


def successes(results: list[dict[str, Any]]) -> int:
    return sum(1 for r in results if r["itemMetadata"]["success"])


def answer(results: list[dict[str, Any]], total_successes: int, total_failures: int) -> dict[str, Any]:
    """The bulk create answer: every result, and the totals (every failure is detailed)."""
    return {"results": results, "bulkActionMetadata": {"totalSuccesses": total_successes,
                                                       "totalFailures": total_failures,
                                                       "undetailedFailures": 0}}
