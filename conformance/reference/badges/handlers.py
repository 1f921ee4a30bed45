"""The badge endpoints of Members Badges v3 (BADGE-1..13): module-level handlers that read their Context from the
request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import validation as check
from conformance.reference.badges import wire
from conformance.reference.badges.model import (
    ASSIGNED,
    BADGE,
    EXTRA,
    ORPHAN,
    REMOVED,
    defaults,
    load,
    slug_for,
    slugify,
    strip_member,
    title_free,
)
from conformance.reference.badges.query import matches, sorted_badges
from conformance.reference.badges.validation import (
    MAX_LIMIT,
    badge_fields,
    guid_path,
    limit_and_offset,
    max_limit,
    oversize_empty,
    paged,
)
from conformance.reference.badges.wire import in_order, render, reply
from conformance.reference.errors import Violations, invalid, violation
from conformance.reference.http import INT32_MAX, context, is_guid, query_int, read_json


async def list_badges(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    crashes = ctx.fault("badge-list-oversize-limit-crashes")
    lenient = crashes or ctx.fault("badge-oversize-limit-empty-page")
    requested = query_int(request, "paging.limit", None, 0, None if lenient else max_limit(ctx))
    if crashes and requested is not None and requested > MAX_LIMIT:
        raise RuntimeError("page buffer overflow")  # only with the fault: an unhandled oversize limit
    limit, offset = limit_and_offset(ctx, requested,
                            query_int(request, "paging.offset", None, 0, INT32_MAX))
    badges = store.all(BADGE)
    if ctx.fault("badge-list-limit-ignored"):
        limit = len(badges) + 1
    if ctx.fault("badge-list-offset-ignored"):
        offset = 0
    if oversize_empty(ctx, requested):
        limit = 0
    page, metadata = paged([render(ctx, b, "list") for b in badges], limit, offset)
    if ctx.fault("badge-list-count-is-total"):
        metadata["count"] = len(badges)
    return reply(ctx, {"badges": page, "metadata": metadata})


async def create_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("badge"), "badge", required=True)
    fields = badge_fields(ctx, v, raw, creating=True) if raw is not None else {}
    if v and ctx.fault("badge-invalid-create-stored") and raw is not None:  # validated after the insert
        now = wire.now(ctx)
        store.insert(BADGE, {"id": wire.new_id(ctx), "title": "", **defaults(ctx), **fields,
                             "slug": slug_for(ctx, str(fields.get("title", "")), raw), "createdDate": now,
                             "updatedDate": now})
    v.raise_if_any()
    assert raw is not None
    now = wire.now(ctx)
    with store.transaction():
        title_free(ctx, fields["title"])
        badge = {"id": wire.new_id(ctx), "title": fields["title"], **defaults(ctx), **fields,
                 "slug": slug_for(ctx, fields["title"], raw), "createdDate": now, "updatedDate": now}
        store.insert(BADGE, badge)
        if ctx.fault("badge-other-list-order"):
            store.set_order(BADGE, [badge["id"]])
    ctx.emit("badge", "created", badge["id"], render(ctx, badge))
    answer = render(ctx, badge)
    if ctx.fault("badge-created-date-missing"):
        answer.pop("createdDate", None)
    return reply(ctx, {"badge": answer})


async def query_badges(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    if isinstance(body.get("query"), dict):  # AMB-18: the wrapped form is accepted too
        body = body["query"]
    filt = {} if body.get("filter") is None else body["filter"]
    if not isinstance(filt, dict):
        raise invalid([violation("filter", "must be an object")])
    sort = body.get("sort") if body.get("sort") is not None else body.get("sorting")
    v = Violations()
    paging = check.obj(v, body.get("paging"), "paging") or {}
    maximum = None if ctx.fault("badge-oversize-limit-empty-page") else max_limit(ctx)
    limit = check.integer(v, paging.get("limit"), "paging.limit", minimum=0, maximum=maximum)
    offset = check.integer(v, paging.get("offset"), "paging.offset", minimum=0, maximum=INT32_MAX)
    v.raise_if_any()
    matches({}, filt)  # a malformed filter is a 400 even when there is nothing to match
    badges = store.all(BADGE)
    if not ctx.fault("badge-query-filter-ignored"):
        badges = [b for b in badges if matches(b, filt)]
    if sort is None:
        badges = in_order(ctx, badges)
    elif not ctx.fault("badge-query-sort-ignored"):
        badges = sorted_badges(badges, sort)
    shown = [] if oversize_empty(ctx, limit) else [render(ctx, b, "query") for b in badges]
    page, metadata = paged(shown, *limit_and_offset(ctx, limit, offset))
    return reply(ctx, {"badges": page, "metadata": metadata})


async def get_badge(request: Request) -> Response:
    ctx = context(request)
    badge = render(ctx, load(ctx, request.path_params["badge_id"]))
    if ctx.fault("badge-get-drops-description"):
        badge.pop("description", None)
    return reply(ctx, {"badge": badge})


async def update_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = guid_path(request.path_params["badge_id"])
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("badge"), "badge", required=True) or {}
    fields = badge_fields(ctx, v, raw, creating=False)
    if v and fields and ctx.fault("badge-invalid-update-partially-applied"):  # field-by-field writes
        current = store.get(BADGE, badge_id)
        if current is not None:
            store.replace(BADGE, {**current, **fields})
    v.raise_if_any()
    with store.transaction():
        current = load(ctx, badge_id)
        if "title" in fields:
            title_free(ctx, fields["title"], except_id=badge_id)
        if ctx.fault("badge-patch-resets-fields"):
            updated = {k: current[k] for k in ("id", "title", "slug", "createdDate")}
            updated.update(defaults(ctx), **fields)
        else:
            updated = {**current, **fields}
        retitled = "title" in fields and fields["title"] != current["title"]
        if retitled and not ctx.fault("badge-slug-not-updated"):
            updated["slug"] = slug_for(ctx, fields["title"], raw, except_id=badge_id)
            if ctx.fault("badge-update-duplicate-slug"):
                updated["slug"] = slugify(fields["title"])
        if ctx.fault("badge-update-slug-from-client") and isinstance(raw.get("slug"), str) and raw["slug"]:
            updated["slug"] = raw["slug"]
        if not ctx.fault("badge-update-keeps-updated-date"):
            updated["updatedDate"] = wire.after(ctx, current["updatedDate"])
        if ctx.fault("badge-update-touches-others"):
            for other in store.all(BADGE):
                store.replace(BADGE, {**other, "updatedDate": updated["updatedDate"]})
        if ctx.fault("badge-update-rewrites-created-date"):
            updated["createdDate"] = "2000-01-01T00:00:00.000Z"
        store.replace(BADGE, updated)
    ctx.emit("badge", "updated", badge_id, render(ctx, updated))
    return reply(ctx, {"badge": render(ctx, updated)})


async def delete_badge(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    badge_id = request.path_params["badge_id"]
    with store.transaction():
        if ctx.fault("badge-delete-unknown-ok") and is_guid(badge_id) and store.get(BADGE, badge_id) is None:
            return reply(ctx, {})
        current = load(ctx, badge_id)
        if not ctx.fault("badge-delete-keeps-badge"):
            store.remove(BADGE, badge_id)
            if ctx.fault("badge-delete-removes-other-assignments"):
                for member in store.rights(ASSIGNED, badge_id):
                    strip_member(ctx, member)
            if ctx.fault("badge-delete-keeps-assignments"):
                store.insert(ORPHAN, {"id": badge_id})
            else:
                store.unlink(ASSIGNED, badge_id)
                store.unlink(EXTRA, badge_id)
                store.unlink(REMOVED, badge_id)
    ctx.emit("badge", "deleted", badge_id, render(ctx, current))
    return reply(ctx, {})
