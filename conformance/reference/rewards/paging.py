"""Cursor paging of Loyalty Rewards v1: cursors this server issues, and one page of a listing or a query."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from conformance.reference.errors import invalid, violation
from conformance.reference.http import Context
from conformance.reference.rewards.model import CURSOR, MAX_CURSOR, base_cost
from conformance.reference.rewards.query import Page, QueryError, check_filter, check_sort, page_of
from conformance.reference.rewards.wire import read_path_faults, rendered


def encode_cursor(ctx: Context, state: dict[str, Any]) -> str:
    if ctx.fault("reward-opaque-cursors"):
        token = uuid.uuid4().hex
        ctx.store.insert(CURSOR, {"id": token, "state": state})
        return token
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(ctx: Context, cursor: str, field: str) -> dict[str, Any] | None:
    """The state a cursor carries; None means "first page" (only the long-cursor fault gets there)."""
    if len(cursor) > MAX_CURSOR:
        if ctx.fault("reward-long-cursor-accepted"):
            return None
        raise invalid([violation(field, f"must be at most {MAX_CURSOR} characters", "MAX_LENGTH")])
    if ctx.fault("reward-opaque-cursors"):
        state = (ctx.store.get(CURSOR, cursor) or {}).get("state")
    else:
        try:
            state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (ValueError, UnicodeDecodeError):
            state = None
    if not isinstance(state, dict) or not isinstance(state.get("after"), list):
        raise invalid([violation(field, "is not a cursor this server issued")])
    try:  # a hand-made cursor must not reach the matcher unchecked
        state["filter"] = check_filter(state.get("filter"), field)
        state["sort"] = check_sort(state.get("sort"), field, max_entries=None)
    except QueryError:
        raise invalid([violation(field, "is not a cursor this server issued")]) from None
    if len(state["after"]) != max(len(state["sort"]), 1) + 1:
        raise invalid([violation(field, "is not a cursor this server issued")])
    return state


def page(ctx: Context, state: dict[str, Any], limit: int, *, listing: bool) -> Page:
    items = rendered(ctx)
    if listing and ctx.fault("reward-list-hides-expensive"):
        items = [r for r in items if (base_cost(r) or 0) <= 1_000_000]
    result = page_of(
        items,
        state.get("filter") or {},
        state.get("sort") or [],
        state.get("after"),
        limit,
        repeat_last=ctx.fault("reward-cursor-repeats-items"),
        skip_next=ctx.fault("reward-cursor-skips-items"),
    )
    result.items = read_path_faults(ctx, result.items, listing=listing)
    return result


def default_sort(ctx: Context, sort: list[dict[str, str]]) -> list[dict[str, str]]:
    """Order is undocumented (AMB-31): oldest first here, newest first in the alternative reading."""
    if sort or not ctx.fault("reward-newest-first"):
        return sort
    return [{"fieldName": "createdDate", "order": "DESC"}]


def cursor_for(ctx: Context, result: Page, state: dict[str, Any]) -> dict[str, Any]:
    if result.next_after is None:
        return {}
    return {"next": encode_cursor(ctx, {**state, "after": result.next_after})}
