"""The endpoints of Members Badges v4 (BADGE4-1..30): module-level handlers that read their Context from the
request."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import badges as v3
from conformance.reference import validation as check
from conformance.reference.badges_v4.model import (
    EXTRA,
    FIELDS,
    POSITIONS,
    held_revision,
    load,
    removed_assignments,
    save,
    slug_for,
)
from conformance.reference.badges_v4.query import cursor_page, matches, offset_page, parse_query, sort_docs
from conformance.reference.badges_v4.validation import badge_fields, guid_path, order_ids, query_parameters_refused
from conformance.reference.badges_v4.wire import render
from conformance.reference.errors import Violations, invalid, revision_mismatch, violation
from conformance.reference.events_v4 import emit_assignment, emit_badge
from conformance.reference.http import Context, context, is_guid, ok, read_json, revision_of


async def create_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("badge"), "badge", required=True)
    fields = badge_fields(ctx, v, raw, creating=True) if raw is not None else {}
    v.raise_if_any()
    assert raw is not None
    now = ctx.clock.now()
    client_id = raw.get("id") if ctx.fault("badge4-client-id-kept") and is_guid(raw.get("id")) else None
    colors = {"backgroundColor": "", "textColor": ""} if ctx.fault("badge4-missing-colors-empty") else {
        "backgroundColor": v3.DEFAULT_BACKGROUND, "textColor": v3.DEFAULT_TEXT}
    with store.transaction():
        badge = {"id": client_id or ctx.clock.new_id(), "description": "", "icon": "",
                 "permissionsEnabled": False, **colors, **{k: f for k, f in fields.items() if k != "icon"},
                 "slug": slug_for(ctx, fields["title"]), "createdDate": now, "updatedDate": now}
        save(ctx, badge, fields, 2 if ctx.fault("badge4-initial-revision-2") else 1, new=True)
        answer = render(ctx, badge)
    emit_badge(ctx, "created", answer)
    if ctx.fault("badge4-create-drops-slug"):
        answer.pop("slug", None)
    return ok({"badge": answer})


async def get_badge(request: Request) -> Response:
    ctx = context(request)
    query_parameters_refused(request, ctx.fault("badge4-sdk-query-param-rejected"))
    badge = render(ctx, load(ctx, request.path_params["badge_id"]))
    if ctx.fault("badge4-get-first-revision"):
        badge["revision"] = "1"
    return ok({"badge": badge})


async def update_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = guid_path(request.path_params["badge_id"], "badge.id")
    body = await read_json(request)
    v = Violations()
    required = not ctx.fault("badge4-update-without-badge-ok")
    raw = check.obj(v, body.get("badge"), "badge", required=required) or {}
    fields = badge_fields(ctx, v, raw, creating=False)
    sent = raw.get("revision")
    revision = revision_of(sent) if sent is not None else None
    if sent is not None and revision is None:
        v.add("badge.revision", "must be a positive decimal string", "FORMAT")
    if sent is None and ctx.fault("badge4-revision-required"):
        v.add("badge.revision", "is required to prevent conflicting changes", "REQUIRED_FIELD")
    v.raise_if_any()
    with store.transaction():
        current = load(ctx, badge_id)
        before = render(ctx, current)
        held = held_revision(ctx, badge_id)
        if revision is not None and revision != held and not ctx.fault("badge4-stale-revision-accepted"):
            raise revision_mismatch("badge", badge_id)
        if ctx.fault("badge4-patch-resets-fields"):
            updated = {k: current[k] for k in ("id", "title", "slug", "createdDate")}
            updated.update(description="", icon="", permissionsEnabled=False,
                           backgroundColor=v3.DEFAULT_BACKGROUND, textColor=v3.DEFAULT_TEXT)
        else:
            updated = dict(current)
        updated.update({k: f for k, f in fields.items() if k != "icon"})
        if "title" in fields and fields["title"] != current["title"]:
            updated["slug"] = slug_for(ctx, fields["title"], except_id=badge_id)
        updated["updatedDate"] = max(ctx.clock.now(), current["updatedDate"])
        bump = not ctx.fault("badge4-revision-not-incremented") and not (
            sent is None and ctx.fault("badge4-no-revision-no-increment"))
        save(ctx, updated, fields, held + 1 if bump else held, new=False)
        answer = render(ctx, updated)
    emit_badge(ctx, "updated", answer, before)
    return ok({"badge": answer})


async def delete_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    query_parameters_refused(request, ctx.fault("badge4-sdk-query-param-rejected"))
    badge_id = request.path_params["badge_id"]
    with store.transaction():
        gone = render(ctx, load(ctx, badge_id))
        cascade = removed_assignments(ctx, badge_id)
        store.remove(v3.BADGE, badge_id)
        store.remove(EXTRA, badge_id)
        if not ctx.fault("badge4-delete-keeps-assignments"):
            store.unlink(v3.ASSIGNED, badge_id)
            store.unlink(v3.EXTRA, badge_id)
        else:  # the assignments stay visible in v4 under the vanished badge
            store.insert(v3.ORPHAN, {"id": badge_id})
    emit_badge(ctx, "deleted", gone)
    for doc in cascade:
        emit_assignment(ctx, "deleted", doc)
    return ok({})


def _matching(ctx: Context, filt: dict[str, Any], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """The badges a filter selects, in the sort keys' order (the `docs` of a query page)."""
    found = [render(ctx, b) for b in ctx.store.all(v3.BADGE) if matches(b, filt, ctx)]
    return found if ctx.fault("badge4-sort-ignored") else sort_docs(found, keys)


async def query_badges(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    query = parse_query(body, flat_allowed=not ctx.fault("badge4-flat-query-rejected"))
    if query.get("paging") is not None and query.get("cursorPaging") is not None:
        raise invalid([violation("query.paging", "send either paging or cursorPaging")])
    if query.get("paging") is None:
        badges, metadata = cursor_page(ctx, query, partial(_matching, ctx), FIELDS, None)
    else:
        badges, metadata = offset_page(ctx, query, partial(_matching, ctx), FIELDS)
    if ctx.fault("badge4-count-is-total"):
        metadata["count"] = len(ctx.store.all(v3.BADGE))
    return ok({"badges": badges, "pagingMetadata": metadata})


def _order_touched(ctx: Context, ids: list[str]) -> None:
    """AMB4-8 variant: V6/V7 announce the badges whose place they set."""
    if ctx.fault("badge4-order-emits-updated"):
        for badge_id in ids:
            emit_badge(ctx, "updated", render(ctx, load(ctx, badge_id)))


async def display_order(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    raw = order_ids(body.get("ids"))
    with store.transaction():
        before = store.all(v3.BADGE)
        for badge_id in raw:
            load(ctx, badge_id)
        store.set_order(v3.BADGE, raw)  # AMB4-25: a subset goes first, the others keep their order after it
        after = store.all(v3.BADGE)
    _order_touched(ctx, raw)
    shown = before if ctx.fault("badge4-order-response-unordered") else after
    return ok({"badges": [render(ctx, b) for b in shown]})


async def move_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = guid_path(request.path_params["badge_id"], "badgeId")
    body = await read_json(request)
    v = Violations()
    position = check.enum(v, body.get("position"), "position", POSITIONS,
                          required=ctx.fault("badge4-move-without-position-400"))
    after_id = check.guid(v, body.get("moveAfterBadgeId"), "moveAfterBadgeId")
    if position == "AFTER" and after_id is None and not ctx.fault("badge4-move-after-unchecked"):
        v.add("moveAfterBadgeId", "is required with position AFTER", "REQUIRED_FIELD")
    v.raise_if_any()
    if position == "AFTER" and ctx.fault("badge4-move-after-crashes"):
        raise RuntimeError("move after: index out of range")  # only with the fault
    with store.transaction():
        load(ctx, badge_id)
        if position == "AFTER" and after_id is not None:
            load(ctx, after_id)
        order = [b["id"] for b in store.all(v3.BADGE) if b["id"] != badge_id]
        if position == "FIRST":
            order.insert(0, badge_id)
        elif position == "AFTER" and after_id is not None and after_id != badge_id:
            order.insert(order.index(after_id) + 1, badge_id)
        elif position == "AFTER":  # after itself (AMB4-24): stays where it is
            order = [b["id"] for b in store.all(v3.BADGE)]
        else:  # LAST, and no position (AMB4-24)
            order.append(badge_id)
        if not ctx.fault("badge4-move-ignored"):
            store.set_order(v3.BADGE, order)
    _order_touched(ctx, [badge_id])
    return ok({})
