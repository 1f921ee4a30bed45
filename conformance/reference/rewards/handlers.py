"""The endpoints of Loyalty Rewards v1 (API-FACTS §4): module-level handlers that read their Context from the
request."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import bulk
from conformance.reference import validation as check
from conformance.reference.errors import ApiError, Violations, invalid, not_found, revision_mismatch, violation
from conformance.reference.http import (
    RACE_WINDOW,
    Context,
    body_revision,
    context,
    error_response,
    query_revision,
    read_json,
)
from conformance.reference.rewards.model import (
    BULK_MAX,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_SORT,
    OTHER_LIST_DEFAULT,
    PAYLOAD_OF,
    REWARD,
    new_reward,
    timestamp,
    writable,
)
from conformance.reference.rewards.paging import cursor_for, decode_cursor, default_sort, page
from conformance.reference.rewards.query import QueryError, check_filter, check_sort
from conformance.reference.rewards.validation import guid_path, paging_limit, reward_fields
from conformance.reference.rewards.wire import answer, render, rendered


def load(ctx: Context, reward_id: str) -> dict[str, Any]:
    guid_path(ctx, reward_id)
    reward = ctx.store.get(REWARD, reward_id)
    if reward is None:
        if ctx.fault("reward-unknown-id-500"):
            raise RuntimeError("boom")
        raise not_found("reward", reward_id)
    return reward


async def list_rewards(request: Request) -> Response:
    ctx = context(request)
    params = request.query_params
    maximum = None if ctx.fault("reward-list-limit-unclamped") else MAX_LIMIT
    limit = paging_limit(
        ctx, params.get("cursorPaging.limit"), "cursorPaging.limit", DEFAULT_LIMIT, maximum
    )
    if ctx.fault("reward-cursor-limit-ignored"):
        limit = DEFAULT_LIMIT
    if ctx.fault("reward-newest-first") and params.get("cursorPaging.limit") in (None, "0"):
        limit = OTHER_LIST_DEFAULT
    cursor = params.get("cursorPaging.cursor")
    state = (decode_cursor(ctx, cursor, "cursorPaging.cursor") if cursor else None) or {"after": None}
    state = {"after": state.get("after"), "sort": default_sort(ctx, [])}
    result = page(ctx, state, limit, listing=True)
    count = result.total if ctx.fault("reward-paging-count-wrong") else len(result.items)
    return answer(
        ctx,
        {
            "rewards": result.items,
            "pagingMetadata": {
                "count": count,
                "cursors": cursor_for(ctx, result, state),
                "hasNext": result.next_after is not None,
            },
        }
    )


async def query_rewards(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    query = body.get("query")
    if not isinstance(query, dict):
        raise invalid([violation("query", "is required and must be an object", "REQUIRED_FIELD")])
    paging = query.get("cursorPaging")
    if paging is not None and not isinstance(paging, dict):
        raise invalid([violation("query.cursorPaging", "must be an object")])
    paging = paging or {}
    maximum = None if ctx.fault("reward-query-limit-unbounded") else MAX_LIMIT
    default = 100 if ctx.fault("reward-query-default-limit-100") else DEFAULT_LIMIT
    limit = paging_limit(ctx, paging.get("limit"), "query.cursorPaging.limit", default, maximum)
    cursor = paging.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise invalid([violation("query.cursorPaging.cursor", "must be a string")])
    state = decode_cursor(ctx, cursor, "query.cursorPaging.cursor") if cursor else None
    if state is not None:
        # U33: follow-up pages carry only the cursor; filter and sort come from it.
        if ctx.fault("reward-cursor-drops-filter"):
            state = {**state, "filter": {}}
    else:
        try:
            filter_ = check_filter(query.get("filter"), "query.filter")
            sort = check_sort(
                query.get("sort"),
                "query.sort",
                max_entries=None if ctx.fault("reward-query-sort-unbounded") else MAX_SORT,
            )
        except QueryError as exc:
            raise invalid([violation(exc.field, exc.description)]) from None
        if ctx.fault("reward-query-filter-ignored"):
            filter_ = {}
        state = {"filter": filter_, "sort": default_sort(ctx, sort), "after": None}
    result = page(ctx, state, limit, listing=False)
    metadata: dict[str, Any] = {
        "count": len(result.items),
        "cursors": cursor_for(ctx, result, state),
        "hasNext": result.next_after is not None,
    }
    if ctx.fault("reward-query-metadata-incomplete"):
        del metadata["hasNext"]
    return answer(ctx, {"rewards": result.items, "pagingMetadata": metadata})


async def create_reward(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("reward"), "reward", required=True)
    fields = reward_fields(ctx, v, writable(raw), "reward") if raw is not None else {}
    if v and raw is not None and fields.get("name") and ctx.fault("reward-rejected-create-stored"):
        with store.transaction():
            store.insert(REWARD, new_reward(ctx, fields, raw))
    v.raise_if_any()
    assert raw is not None
    with store.transaction():
        reward = new_reward(ctx, fields, raw)
        store.insert(REWARD, reward)
    ctx.emit("reward", "created", reward["id"], render(ctx, reward))
    return answer(ctx, {"reward": render(ctx, reward)})


async def bulk_create(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    items = bulk.bulk_items(await read_json(request), "rewards")
    limit = (
        BULK_MAX + 1
        if ctx.fault("reward-bulk-accepts-11")
        else (BULK_MAX - 1 if ctx.fault("reward-bulk-rejects-10") else BULK_MAX)
    )
    oversize = len(items) > limit
    if len(items) < 1 or (oversize and not ctx.fault("reward-bulk-oversize-partially-created")):
        raise bulk.size_error("rewards", BULK_MAX)
    results = []
    rejected: ApiError | None = None
    with store.transaction():
        for index, raw in enumerate(items[:BULK_MAX] if oversize else items):
            v = Violations()
            entity = check.obj(v, raw, f"rewards[{index}]", required=True)
            fields = reward_fields(ctx, v, writable(entity), f"rewards[{index}]") if entity else {}
            if (v or entity is None) and ctx.fault("reward-bulk-rejected-keeps-earlier"):
                rejected = invalid(v.items or [violation(f"rewards[{index}]", "is required")])
                break
            if v or entity is None:
                where = 0 if ctx.fault("reward-bulk-original-index-wrong") else index
                description = v.items[0]["description"] if v else "invalid"
                results.append(bulk.failed(where, "INVALID_ARGUMENT", description, {"fieldViolations": v.items}))
                continue
            reward = new_reward(ctx, fields, entity)
            store.insert(REWARD, reward)
            results.append(bulk.created(index, reward["id"], render(ctx, reward)))
    for created in (r["item"] for r in results if "item" in r):
        ctx.emit("reward", "created", str(created["id"]), created)
    if rejected is not None:  # only with the fault: what came before the bad item was committed
        return error_response(rejected)
    if oversize:  # only with the fault: the first 10 were stored, yet the request "fails"
        return error_response(bulk.size_error("rewards", BULK_MAX))
    if ctx.fault("reward-bulk-results-reversed"):
        results.reverse()
    successes = bulk.successes(results)
    reported = successes + 1 if ctx.fault("reward-bulk-metadata-miscounted") else successes  # failures right
    return answer(ctx, bulk.answer(results, reported, len(results) - successes))


async def bulk_get(request: Request) -> Response:
    """SDK `bulkGetRewards` (not in the documents): this site's rewards, in the SDK's envelope."""
    ctx = context(request)
    return answer(ctx, {"rewardsInSite": [{"metaSiteId": ctx.site_id, "rewards": rendered(ctx)}]})


async def get_reward(request: Request) -> Response:
    ctx = context(request)
    reward_id = request.path_params["reward_id"]
    if ctx.fault("reward-get-cached"):
        if reward_id not in ctx.reward_cache:
            ctx.reward_cache[reward_id] = load(ctx, reward_id)
        return answer(ctx, {"reward": render(ctx, ctx.reward_cache[reward_id])})
    return answer(ctx, {"reward": render(ctx, load(ctx, reward_id))})


async def update_reward(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    reward_id = guid_path(ctx, request.path_params["reward_id"])
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("reward"), "reward", required=True) or {}
    revision = body_revision(v, raw, "reward.revision", required=not ctx.fault("reward-update-without-revision"))
    if raw.get("name") is None and not ctx.fault("reward-update-without-name"):
        v.add("reward.name", "is required", "REQUIRED_FIELD")
    seen: dict[str, Any] | None = None
    if ctx.fault("reward-update-not-atomic"):
        # The bug: check the revision, let other requests run, then write what was read, unguarded.
        seen = load(ctx, reward_id)
        if revision is not None and revision != int(seen["revision"]):
            raise revision_mismatch("reward", reward_id)
        await asyncio.sleep(RACE_WINDOW)  # checked, not yet written: another request may pass too
    with store.transaction():
        current = seen or load(ctx, reward_id)
        changes = _changes(ctx, v, raw, current)
        fields = reward_fields(ctx, v, _merged(ctx, current, changes), "reward")
        if v:
            if ctx.fault("reward-invalid-update-partially-applied"):
                store.replace(REWARD, {**current, "revision": str(int(current["revision"]) + 1)})
                return error_response(invalid(v.items))
            if ctx.fault("reward-rejected-update-keeps-name") and isinstance(changes.get("name"), str):
                store.replace(REWARD, {**current, "name": changes["name"]})
                return error_response(invalid(v.items))
            v.raise_if_any()
        if (
            revision is not None
            and revision != int(current["revision"])
            and not ctx.fault("reward-stale-update-accepted")
        ):
            raise revision_mismatch("reward", reward_id)
        if ctx.fault("reward-update-ignores-configs"):
            for key in PAYLOAD_OF.values():
                fields.pop(key, None)
                if key in current:
                    fields[key] = current[key]
        updated = _updated(ctx, reward_id, current, fields)
        store.replace(REWARD, updated)
        if ctx.fault("reward-update-touches-others"):
            for other in store.all(REWARD):
                if other["id"] != reward_id and other.get("active") != updated.get("active"):
                    store.replace(REWARD, {**other, "active": updated.get("active")})
    ctx.emit("reward", "updated", reward_id, render(ctx, updated))
    return answer(ctx, {"reward": render(ctx, updated)})


def _changes(ctx: Context, v: Violations, raw: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The writable fields an update sends; a reward's type cannot change."""
    changes = writable(raw)
    if changes.get("name") is None:
        changes.pop("name", None)
    kind = changes.get("type")
    if (
        kind is not None
        and kind != current.get("type")
        and not ctx.fault("reward-type-change-accepted")
    ):
        v.add("reward.type", "the type of a reward cannot be changed", "IMMUTABLE")
    return changes


def _merged(ctx: Context, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The stored reward with the update's fields on top; a new payload replaces the old one whole."""
    merged = {} if ctx.fault("reward-put-replaces") else writable(current)
    if any(changes.get(key) is not None for key in PAYLOAD_OF.values()):
        for key in PAYLOAD_OF.values():
            merged.pop(key, None)
    merged.update({k: val for k, val in changes.items() if val is not None})
    return merged


def _updated(ctx: Context, reward_id: str, current: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The record an accepted update stores: the next revision, the old createdDate, a new updatedDate."""
    step = 0 if ctx.fault("reward-revision-not-incremented") else 1
    updated = {
        "id": reward_id,
        **fields,
        "revision": str(int(current["revision"]) + step),
        "createdDate": current["createdDate"],
        "updatedDate": timestamp(ctx),
    }
    if ctx.fault("reward-created-date-changes"):
        updated["createdDate"] = updated["updatedDate"]
    if ctx.fault("reward-updated-date-frozen"):
        updated["updatedDate"] = current["updatedDate"]
    if ctx.fault("reward-update-drops-flags") and isinstance(updated.get("couponReward"), dict):
        updated["couponReward"] = {
            k: val
            for k, val in updated["couponReward"].items()
            if k not in ("limitedToOneItem", "appliesToSubscriptions")
        }
    return updated


async def delete_reward(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    reward_id = request.path_params["reward_id"]
    raw_revision = request.query_params.get("revision")
    with store.transaction():
        current = load(ctx, reward_id)
        revision = query_revision(raw_revision)  # AMB-6: a missing revision is accepted
        if (revision is not None and revision != int(current["revision"])
                and not ctx.fault("reward-stale-delete-accepted")):
            raise revision_mismatch("reward", reward_id)
        neighbour = store.after(REWARD, reward_id) if ctx.fault("reward-delete-removes-neighbour") else None
        if neighbour is not None:
            store.remove(REWARD, neighbour)
        if not ctx.fault("reward-delete-keeps-reward"):
            store.remove(REWARD, reward_id)
    ctx.emit("reward", "deleted", reward_id, render(ctx, current))
    return answer(ctx, {})
