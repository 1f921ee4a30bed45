"""How Badge Assignments v4 spells the answers of its bulk operations (per-item metadata and the tallies)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.reference.http import Context, ok


def item_metadata(index: int, item_id: str | None, error: tuple[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"originalIndex": index, "success": error is None}
    if item_id is not None:
        meta["id"] = item_id
    if error is not None:
        meta["error"] = {"code": error[0], "description": error[1], "data": {}}
    return meta


def not_found_item(index: int, assignment_id: str) -> dict[str, Any]:
    """The result of a bulk item naming no assignment: it fails, the others go on (ASSIGN-12)."""
    error = ("NOT_FOUND", f"badge assignment {assignment_id} not found")
    return {"itemMetadata": item_metadata(index, assignment_id, error)}


def bulk_metadata(ctx: Context, results: list[dict[str, Any]]) -> dict[str, Any]:
    succeeded = sum(1 for r in results if r["itemMetadata"]["success"])
    successes = succeeded + 1 if ctx.fault("assign4-bulk-counts-wrong") else succeeded
    return {"totalSuccesses": successes, "totalFailures": len(results) - succeeded, "undetailedFailures": 0}


def bulk_answer(ctx: Context, results: list[dict[str, Any]]) -> Response:
    """A bulk operation's 200: the per-item results and their tallies."""
    return ok({"results": results, "bulkActionMetadata": bulk_metadata(ctx, results)})
