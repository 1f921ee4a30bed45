"""How Badge Assignments v4 spells the answers of its bulk operations (per-item metadata and the tallies)."""

from __future__ import annotations

from typing import Any

from conformance.reference.http import Context


def item_metadata(index: int, item_id: str | None, error: tuple[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"originalIndex": index, "success": error is None}
    if item_id is not None:
        meta["id"] = item_id
    if error is not None:
        meta["error"] = {"code": error[0], "description": error[1], "data": {}}
    return meta


def bulk_metadata(ctx: Context, results: list[dict[str, Any]]) -> dict[str, Any]:
    successes = sum(1 for r in results if r["itemMetadata"]["success"])
    if ctx.fault("assign4-bulk-counts-wrong"):
        successes += 1
    return {"totalSuccesses": successes, "totalFailures": len(results) - sum(
        1 for r in results if r["itemMetadata"]["success"]), "undetailedFailures": 0}
