"""The member endpoints of Members Badges v3 (BADGE-14..22): assignments, counts, display order."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import validation as check
from conformance.reference.badges.model import (
    ASSIGNED,
    BADGE,
    EXTRA,
    MAX_MEMBERS_LOOKUP,
    REMOVED,
    assigned,
    badge_ids,
    guid_prefix,
    load,
    member_count,
    refuse_strangers,
    strip_member,
)
from conformance.reference.badges.validation import (
    distinct_badge_ids,
    guid_path,
    limit_and_offset,
    max_limit,
    member_ids,
    paged,
)
from conformance.reference.badges.wire import in_order, render, reply
from conformance.reference.errors import Violations, invalid, not_found, violation
from conformance.reference.http import INT32_MAX, context, query_int, read_json


async def list_members(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = request.path_params["badge_id"]
    maximum = None if ctx.fault("badge-member-list-limit-unchecked") else max_limit(ctx)
    limit, offset = limit_and_offset(ctx, query_int(request, "paging.limit", None, 0, maximum),
                            query_int(request, "paging.offset", None, 0, INT32_MAX))
    guid_path(badge_id)
    if ctx.fault("badge-unknown-members-empty") and store.get(BADGE, badge_id) is None:
        return reply(ctx, {"memberIds": [], "metadata": paged([], limit, 0)[1]})
    load(ctx, badge_id)
    page, metadata = paged(in_order(ctx, assigned(ctx, badge_id)), limit, offset)
    return reply(ctx, {"memberIds": page, "metadata": metadata})


async def assign(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = guid_path(request.path_params["badge_id"])
    body = await read_json(request)
    if ctx.fault("badge-assign-partially-stored") and store.get(BADGE, badge_id) is not None:
        for member in guid_prefix(body.get("memberIds")):
            store.link(ASSIGNED, badge_id, member)
    members = member_ids(ctx, body.get("memberIds"), "memberIds")
    if ctx.fault("badge-unknown-members-rejected"):  # AMB-34
        refuse_strangers(members, "memberIds")
    with store.transaction():
        load(ctx, badge_id)
        for member in members:
            if not store.link(ASSIGNED, badge_id, member) and ctx.fault("badge-assign-duplicates"):
                store.link(EXTRA, badge_id, f"{member}#{ctx.clock.new_id()}")
    for member in members:
        ctx.emit("badge", "badge_assigned", badge_id, {"memberId": member})
    return reply(ctx, {"memberIds": members})


async def unassign(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = guid_path(request.path_params["badge_id"])
    raw = request.query_params.getlist("memberIds")
    if ctx.fault("badge-unassign-first-only"):
        raw = raw[:1]
    if ctx.fault("badge-unassign-partially-applied"):
        for member in guid_prefix(raw):
            store.unlink(ASSIGNED, badge_id, member)
    members = member_ids(ctx, raw, "memberIds")
    with store.transaction():
        if ctx.fault("badge-unassign-unknown-badge-ok") and store.get(BADGE, badge_id) is None:
            return reply(ctx, {})
        load(ctx, badge_id)
        if not ctx.fault("badge-unassign-ignored"):
            for member in members:
                if ctx.fault("badge-unassign-from-every-badge"):
                    strip_member(ctx, member)
                if store.unlink(ASSIGNED, badge_id, member) and ctx.fault("badge-unassign-count-stale"):
                    store.link(REMOVED, badge_id, member)
    for member in members:
        ctx.emit("badge", "badge_unassigned", badge_id, {"memberId": member})
    return reply(ctx, {})


async def member_badges(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    raw = body.get("memberIds")
    maximum = MAX_MEMBERS_LOOKUP - 1 if ctx.fault("badge-members-rejects-100") else MAX_MEMBERS_LOOKUP
    size_ok = isinstance(raw, list) and 1 <= len(raw) <= maximum
    if not size_ok and not (ctx.fault("badge-members-size-unchecked") and isinstance(raw, list)):
        raise invalid([violation("memberIds", "must hold 1 to 100 member ids", "ARRAY_SIZE")])
    assert isinstance(raw, list)
    v = Violations()
    check.guid_items(v, raw, "memberIds")
    v.raise_if_any()
    existing = set(badge_ids(ctx, orphans=ctx.fault("badge-delete-keeps-assignments")))
    entries = []
    for member in dict.fromkeys(raw):
        held = [b for b in store.lefts(ASSIGNED, member) if b in existing]
        if ctx.fault("badge-member-badges-missing"):
            held = held[:-1]
        entries.append({"memberId": member, "badgeIds": in_order(ctx, held)})
    return reply(ctx, {"memberBadgeIds": in_order(ctx, entries)})


async def counts(request: Request) -> Response:
    ctx = context(request)
    ids = badge_ids(ctx, orphans=ctx.fault("badge-delete-keeps-assignments"))
    entries: list[dict[str, Any]] = []
    tallies = [member_count(ctx, badge_id) for badge_id in ids]
    if ctx.fault("badge-counts-misattributed"):  # an off-by-one join of badges and their tallies
        tallies = [0, *tallies][:len(ids)]
    for badge_id, tally in zip(ids, tallies, strict=True):
        count: Any = tally
        if ctx.fault("badge-count-as-string"):
            count = str(count)
        entries.append({"badgeId": badge_id, "memberCount": count})
    return reply(ctx, {"badgeMemberCounts": in_order(ctx, entries)})


async def display_order(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    raw = body.get("badgeIds")
    if not isinstance(raw, list) or (not raw and not ctx.fault("badge-order-empty-accepted")):
        raise invalid([violation("badgeIds", "must contain at least one badge id", "ARRAY_SIZE")])
    distinct_badge_ids(raw, "badgeIds")
    if ctx.fault("badge-order-partially-applied"):  # moves each badge as it is found
        known = []
        for badge_id in raw:
            if store.get(BADGE, badge_id) is None:
                break
            known.append(badge_id)
        store.set_order(BADGE, known)
    with store.transaction():
        before = store.all(BADGE)
        for badge_id in raw:
            load(ctx, badge_id)
        if ctx.fault("badge-order-subset-rejected") and set(raw) != {b["id"] for b in before}:
            raise invalid([violation("badgeIds", "must list every badge of the site", "ARRAY_SIZE")])
        # AMB-37: the listed badges come first, in the given order; the others keep theirs after them.
        store.set_order(BADGE, raw)
        after = store.all(BADGE)
        if ctx.fault("badge-display-order-ignored"):
            store.set_order(BADGE, [b["id"] for b in before])
    shown = before if ctx.fault("badge-order-response-unordered") else after
    return reply(ctx, {"badges": [render(ctx, b) for b in shown]})


async def shadowed_by_id(request: Request) -> Response:
    """The route-shadowing fault variant: a router that tried {badge_id} before the literal `members` segment."""
    guid_path(request.path_params["badge_id"])
    raise not_found("badge", request.path_params["badge_id"])
