"""Reference implementation of Members Badges v4 (API-FACTS-BADGES-V4 §3), beside v3 on the same store.

A badge is one document for both versions (kind `badge`, as v3 writes it); what only v4 has (`revision`,
the icon object) lives in a side document of kind `badge-v4` with the same id. So a v3-created badge is a
v4 badge with the same id, title and colors (§7; its revision starts at "1"), and a v4 badge is listed
by v3. Assignments are in `assignments_v4` (the v3 assign links are their source of truth).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference import badges as v3
from conformance.reference import validation as check
from conformance.reference.errors import Violations, invalid, not_found, revision_mismatch
from conformance.reference.events_v4 import emit_assignment, emit_badge
from conformance.reference.faults import Fault
from conformance.reference.http import INT32_MAX, Context, is_guid, ok, read_json, revision_of

PREFIX = "/badges/v4/badges"
EXTRA = "badge-v4"  # id -> {revision, icon, iconUrl}: the v4-only part of a badge
ASSIGNMENT = "badge-assignment"  # the assignment documents of `assignments_v4`; a badge delete may announce them
MAX_TITLE = 50
MAX_DESCRIPTION = 1500
MAX_LIMIT = 100
MAX_ORDER = 100
MAX_CURSOR = 16000
FIELDS = ("id", "title", "description", "slug", "permissionsEnabled")
POSITIONS = ("LAST", "FIRST", "AFTER")

FAULTS = (
    Fault("badge4-create-drops-slug", "BADGE4-1", "create answers a badge without slug"),
    Fault("badge4-initial-revision-2", "BADGE4-2", 'a new badge has revision "2" (a SHOULD: strict only)'),
    Fault("badge4-title-unbounded", "BADGE4-3", "titles longer than 50 characters are accepted"),
    Fault("badge4-description-unbounded", "BADGE4-4", "descriptions longer than 1500 characters are accepted"),
    Fault("badge4-bad-color-accepted", "BADGE4-5", 'colors are not validated ("red" accepted)'),
    Fault("badge4-missing-colors-empty", "BADGE4-6", 'a badge created without colors has "" colors'),
    Fault("badge4-slug-keeps-case", "BADGE4-7", "slug keeps upper case and special characters"),
    Fault("badge4-client-id-kept", "BADGE4-8", "a client-supplied badge.id on create is used"),
    Fault("badge4-icon-dropped", "BADGE4-9", "the icon sent on create is not stored"),
    Fault("badge4-get-first-revision", "BADGE4-10", 'GET answers revision "1" whatever the updates'),
    Fault("badge4-unknown-id-400", "BADGE4-11", "unknown badge ids answer 400 instead of 404"),
    Fault("badge4-revision-not-incremented", "BADGE4-12", "update keeps the old revision"),
    Fault("badge4-stale-revision-accepted", "BADGE4-13", "update with an old revision succeeds"),
    Fault("badge4-patch-resets-fields", "BADGE4-14", "PATCH replaces the badge: omitted fields reset"),
    Fault("badge4-update-without-badge-ok", "BADGE4-15", "update without `badge` answers 200"),
    Fault("badge4-no-revision-no-increment", "BADGE4-16", "update without revision keeps the old revision"),
    Fault("badge4-delete-keeps-assignments", "BADGE4-17", "deleting a badge leaves its assignments"),
    Fault("badge4-count-is-total", "BADGE4-18", "pagingMetadata.count reports the total, not the page"),
    Fault("badge4-limit-ignored", "BADGE4-19", "Query Badges ignores cursorPaging.limit"),
    Fault("badge4-cursor-drops-filter", "BADGE4-20", "follow-up pages forget the filter"),
    Fault("badge4-ne-ignored", "BADGE4-21", "$ne matches everything"),
    Fault("badge4-startswith-case-sensitive", "BADGE4-22", "$startsWith is case-sensitive (SHOULD: strict)"),
    Fault("badge4-sort-ignored", "BADGE4-23", "Query Badges ignores sort"),
    Fault("badge4-offset-total-missing", "BADGE4-24", "offset paging answers no pagingMetadata.total"),
    Fault("badge4-order-response-unordered", "BADGE4-25", "display order answers badges in the old order"),
    Fault("badge4-move-after-crashes", "BADGE4-26", "Move Badge AFTER answers 500"),
    Fault("badge4-move-after-unchecked", "BADGE4-27", "AFTER without moveAfterBadgeId is accepted"),
    Fault("badge4-move-ignored", "BADGE4-28", "Move Badge changes nothing (display order: a warning)"),
    Fault("badge4-sdk-query-param-rejected", "BADGE4-30",
          "the SDK's repeated ?badgeId= is rejected (AMB-39 strict reading)", kind="hostile"),
    Fault("badge4-event-created-missing", "BADGE4-29", "creating a badge emits no event"),
    Fault("badge4-event-updated-missing", "BADGE4-29", "updating a badge emits no event"),
    Fault("badge4-event-deleted-missing", "BADGE4-29", "deleting a badge emits no event"),
    Fault("badge4-event-v3-fqdn", "BADGE4-29", "v4 badge events carry the v3 entityFqdn wix.badges.v3.badge"),
    Fault("badge4-event-wrong-slug", "BADGE4-29", "Badge Created carries slug 'create'"),
    Fault("badge4-event-wrong-entity-id", "BADGE4-29", "badge events carry a fresh entityId, not the badge id"),
    Fault("badge4-event-created-without-entity", "BADGE4-29", "Badge Created has an empty createdEvent"),
    Fault("badge4-event-updated-stale", "BADGE4-29",
          "Badge Updated carries the badge as it was before the update (its revision: a SHOULD, AMB4-7)",
          kind="hostile"),
    # Correct alternative readings (AMB4-n): the suite passes them in both profiles. They compose: each
    # answers a different request shape.
    Fault("badge4-order-emits-updated", "BADGE4-29",
          "display order and move emit Badge Updated for the badges they touch (AMB4-8)", kind="correct"),
    Fault("badge4-delete-emits-assignment-deleted", "ASSIGN-16",
          "deleting a badge emits Badge Assignment Deleted for each assignment it removes (AMB4-18)",
          kind="correct"),
    Fault("badge4-colors-required", "BADGE4-6", "a create without colors is a 400 (AMB4-3)", kind="correct"),
    Fault("badge4-revision-required", "BADGE4-16", "an update without revision is a 400 (AMB4-4)",
          kind="correct"),
    Fault("badge4-desc-rejected", "BADGE4-23", "sort order DESC is a 400 (AMB4-11)", kind="correct"),
    Fault("badge4-flat-query-rejected", "BADGE4-18", "a flat v3-style query body is a 400 (AMB4-27)",
          kind="correct"),
    Fault("badge4-move-without-position-400", "BADGE4-26", "Move without position is a 400 (AMB4-24)",
          kind="correct"),
)


def _field(name: str, description: str, rule: str = "INVALID_ARGUMENT") -> dict[str, Any]:
    return {"field": name, "description": description, "violatedRule": rule, "ruleName": "VALIDATION_ERROR"}


def guid_path(value: str, name: str) -> str:
    """COMMON-4: a malformed path id is a 400."""
    if not is_guid(value):
        raise invalid([_field(name, "must be a GUID", "FORMAT")])
    return value


# query language (shared with Badge Assignments v4) -------------------------------------------------
def parse_query(body: dict[str, Any], *, flat_allowed: bool) -> dict[str, Any]:
    """The `query` object (AMB4-27: a flat body is read as the query when allowed)."""
    query = body.get("query")
    if query is None:
        flat: dict[str, Any] = {k: body[k] for k in ("filter", "sort", "cursorPaging", "paging") if k in body}
        if flat and not flat_allowed:
            raise invalid([_field("query", "wrap filter, sort and paging in `query`")])
        return flat
    if not isinstance(query, dict):
        raise invalid([_field("query", "must be an object")])
    return query


def check_filter(value: Any, where: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """A filter over `fields`; an unknown field or operator is a 400 (AMB4-10: never silently ignored)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid([_field(where, "must be an object")])
    for key, cond in value.items():
        if key in ("$and", "$or"):
            if not isinstance(cond, list):
                raise invalid([_field(f"{where}.{key}", "must be an array")])
            for index, part in enumerate(cond):
                check_filter(part, f"{where}.{key}[{index}]", fields)
        elif key == "$not":
            check_filter(cond, f"{where}.$not", fields)
        elif key not in fields:
            raise invalid([_field(f"{where}.{key}", f"filtering is supported on {', '.join(fields)}")])
        elif isinstance(cond, dict):
            for op, arg in cond.items():
                if op in ("$in", "$nin", "$hasSome") and not isinstance(arg, list):
                    raise invalid([_field(f"{where}.{key}.{op}", "must be an array")])
                if op == "$startsWith" and not isinstance(arg, str):
                    raise invalid([_field(f"{where}.{key}.{op}", "must be a string")])
                if op == "$exists" and not isinstance(arg, bool):
                    raise invalid([_field(f"{where}.{key}.{op}", "must be a boolean")])
                if op not in ("$eq", "$ne", "$in", "$nin", "$hasSome", "$startsWith", "$exists"):
                    raise invalid([_field(f"{where}.{key}.{op}", "unsupported operator")])
    return value


def matches(doc: dict[str, Any], filt: dict[str, Any], ctx: Context) -> bool:
    for key, cond in filt.items():
        if key in ("$and", "$or"):
            hits = [matches(doc, part, ctx) for part in cond]
            if not (all(hits) if key == "$and" else any(hits)):
                return False
        elif key == "$not":
            if matches(doc, cond, ctx):
                return False
        elif not _condition(doc.get(key), cond if isinstance(cond, dict) else {"$eq": cond}, ctx):
            return False
    return True


def _condition(value: Any, cond: dict[str, Any], ctx: Context) -> bool:
    for op, arg in cond.items():
        if op == "$eq":
            hit = value == arg
        elif op == "$ne":
            hit = value != arg or ctx.fault("badge4-ne-ignored")
        elif op in ("$in", "$hasSome"):
            hit = value in arg
        elif op == "$nin":
            hit = value not in arg
        elif op == "$exists":
            hit = (value not in (None, "")) == arg
        else:  # $startsWith, case-insensitive (BADGE4-22)
            if ctx.fault("badge4-startswith-case-sensitive"):
                hit = isinstance(value, str) and value.startswith(arg)
            else:
                hit = isinstance(value, str) and value.lower().startswith(arg.lower())
        if not hit:
            return False
    return True


def check_sort(ctx: Context, value: Any, fields: tuple[str, ...], max_entries: int | None) -> list[tuple[str, bool]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid([_field("query.sort", "must be an array")])
    if max_entries is not None and len(value) > max_entries:
        raise invalid([_field("query.sort", f"must have at most {max_entries} entries", "ARRAY_SIZE")])
    keys = []
    for index, item in enumerate(value):
        name = item.get("fieldName") if isinstance(item, dict) else None
        order = (item.get("order") or "ASC") if isinstance(item, dict) else None
        if name not in fields:
            raise invalid([_field(f"query.sort[{index}].fieldName", f"must be one of {', '.join(fields)}")])
        if order not in ("ASC", "DESC") or (order == "DESC" and ctx.fault("badge4-desc-rejected")):
            raise invalid([_field(f"query.sort[{index}].order", "must be ASC", "ENUM")])
        keys.append((str(name), order == "DESC"))
    return keys


def sort_docs(docs: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    result = list(docs)
    for name, descending in reversed(keys):  # stable sorts, last key first
        result.sort(key=_sort_key(name), reverse=descending)
    return result


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[int, str]]:
    return lambda doc: (0, "") if doc.get(name) is None else (1, str(doc.get(name)))


def encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, where: str) -> dict[str, Any]:
    """The query a cursor continues (filter, sort, offset): follow-up requests carry only the cursor."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR:
        raise invalid([_field(where, f"must be a string of at most {MAX_CURSOR} characters")])
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or not isinstance(state.get("offset"), int) or state["offset"] < 0:
        raise invalid([_field(where, "is not a cursor this server issued")])
    return state


def limit_of(raw: Any, where: str) -> int:
    """1..100, default 100; a larger limit is rejected (BADGE4-19 / ASSIGN-7 allow reject or clamp)."""
    v = Violations()
    limit = check.integer(v, raw, where, minimum=0, maximum=MAX_LIMIT)
    v.raise_if_any()
    return limit or MAX_LIMIT


def cursor_page(ctx: Context, query: dict[str, Any], docs: Callable[[dict[str, Any], list[Any]], list[Any]],
                fields: tuple[str, ...], max_sort: int | None) -> tuple[list[Any], dict[str, Any]]:
    """One cursor page over `docs(filter, sort)`; the cursor carries filter, sort and offset (BADGE4-20)."""
    paging = query.get("cursorPaging", {}) if query.get("cursorPaging") is not None else {}
    if not isinstance(paging, dict):
        raise invalid([_field("query.cursorPaging", "must be an object")])
    limit = limit_of(paging.get("limit"), "query.cursorPaging.limit")
    if paging.get("cursor") is not None and paging.get("cursor") != "":  # `{}` or 0 is no cursor, but wrong
        state = decode_cursor(paging["cursor"], "query.cursorPaging.cursor")
        if ctx.fault("badge4-cursor-drops-filter"):
            state["filter"] = {}
    else:
        state = {"filter": query.get("filter"), "sort": query.get("sort"), "offset": 0}
    filt = check_filter(state.get("filter"), "query.filter", fields)
    keys = check_sort(ctx, state.get("sort"), fields, max_sort)
    selected = docs(filt, keys)
    if ctx.fault("badge4-limit-ignored"):
        limit = len(selected) + 1
    start = state["offset"]
    page = selected[start:start + limit]
    more = start + len(page) < len(selected)
    cursors: dict[str, Any] = {}
    if more:
        cursors["next"] = encode_cursor({**state, "offset": start + len(page)})
    if start:
        cursors["prev"] = encode_cursor({**state, "offset": max(0, start - limit)})
    return page, {"count": len(page), "cursors": cursors, "hasNext": more}


# the badge ------------------------------------------------------------------------------------------
def _icon(v: Violations, raw: Any) -> dict[str, Any] | None:
    """BADGE4-9: `{url}` (any string, also `wix:image://`) or `{id, ...}`; read-only parts are ignored."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        v.add("badge.icon", "must be an object")
        return None
    icon: dict[str, Any] = {}
    for key in ("id", "url", "altText"):
        value = check.string(v, raw.get(key), f"badge.icon.{key}", max_length=2048)
        if value is not None:
            icon[key] = value
    return icon


def _fields(ctx: Context, v: Violations, raw: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    title = check.string(v, raw.get("title"), "badge.title", required=creating, min_length=1,
                         max_length=None if ctx.fault("badge4-title-unbounded") else MAX_TITLE)
    if title is not None:
        out["title"] = title
    description = check.string(v, raw.get("description"), "badge.description",
                               max_length=None if ctx.fault("badge4-description-unbounded") else MAX_DESCRIPTION)
    if description is not None:
        out["description"] = description
    for key in ("backgroundColor", "textColor"):
        color = check.string(v, raw.get(key), f"badge.{key}")
        if color is None:
            if creating and ctx.fault("badge4-colors-required"):
                v.add(f"badge.{key}", "is required", "REQUIRED_FIELD")
            continue
        if ctx.fault("badge4-bad-color-accepted"):
            out[key] = color
        elif not v3.COLOR.match(color):
            v.add(f"badge.{key}", "must be a color like #RRGGBB", "FORMAT")
        else:
            out[key] = color.upper()
    icon = _icon(v, raw.get("icon"))
    if icon is not None and not ctx.fault("badge4-icon-dropped"):
        out["icon"] = icon
    permissions = check.boolean(v, raw.get("permissionsEnabled"), "badge.permissionsEnabled")
    if permissions is not None:
        out["permissionsEnabled"] = permissions
    return out


def render(store: Any, badge: dict[str, Any]) -> dict[str, Any]:
    """The v4 view of a stored badge: v3 fields, `revision`, and the icon as an object (§7.2)."""
    extra = store.get(EXTRA, badge["id"]) or {}
    out: dict[str, Any] = {k: badge[k] for k in ("id", "title", "description", "backgroundColor", "textColor",
                                 "permissionsEnabled", "slug", "createdDate", "updatedDate") if k in badge}
    if not out.get("description"):  # v3 stores "" for "no description"; v4 leaves the field out
        out.pop("description", None)
    out["revision"] = str(extra.get("revision", 1))
    url = badge.get("icon") or ""
    if extra.get("icon") is not None and extra.get("iconUrl") == url:
        out["icon"] = extra["icon"]
    elif url:  # set through v3, which knows only a URL
        out["icon"] = {"url": url}
    return out


def routes(ctx: Context) -> list[Route]:
    store = ctx.store

    def load(badge_id: str) -> dict[str, Any]:
        guid_path(badge_id, "badgeId")
        badge = store.get(v3.BADGE, badge_id)
        if badge is None:
            if ctx.fault("badge4-unknown-id-400"):
                raise invalid([_field("badgeId", "no such badge")])
            raise not_found("badge", badge_id)
        return badge

    def slug_for(title: str, except_id: str | None = None) -> str:
        if ctx.fault("badge4-slug-keeps-case"):
            return title.replace(" ", "-")
        taken = {b["slug"] for b in store.all(v3.BADGE) if b["id"] != except_id}
        return v3._unique_slug(v3.slugify(title), taken)

    def save(badge: dict[str, Any], fields: dict[str, Any], revision: int, *, new: bool) -> dict[str, Any]:
        """Write both halves of the badge; the v3 half keeps the icon as its URL string."""
        old = store.get(EXTRA, badge["id"]) or {}
        icon = fields["icon"] if "icon" in fields else old.get("icon")
        if "icon" in fields:
            badge["icon"] = str(icon.get("url") or "") if icon else ""
        extra = {"id": badge["id"], "revision": revision, "icon": icon, "iconUrl": badge.get("icon") or ""}
        (store.insert if new else store.replace)(v3.BADGE, badge)
        if store.get(EXTRA, badge["id"]) is None:
            store.insert(EXTRA, extra)
        else:
            store.replace(EXTRA, extra)
        return render(store, badge)

    def sdk_query_check(request: Request) -> None:
        if ctx.fault("badge4-sdk-query-param-rejected") and request.query_params:
            name = next(iter(request.query_params))
            raise invalid([_field(name, "is not a parameter of this operation")])

    async def create_badge(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("badge"), "badge", required=True)
        fields = _fields(ctx, v, raw, creating=True) if raw is not None else {}
        v.raise_if_any()
        assert raw is not None
        now = ctx.clock.now()
        client_id = raw.get("id") if ctx.fault("badge4-client-id-kept") and is_guid(raw.get("id")) else None
        colors = {"backgroundColor": "", "textColor": ""} if ctx.fault("badge4-missing-colors-empty") else {
            "backgroundColor": v3.DEFAULT_BACKGROUND, "textColor": v3.DEFAULT_TEXT}
        with store.transaction():
            badge = {"id": client_id or ctx.clock.new_id(), "description": "", "icon": "",
                     "permissionsEnabled": False, **colors, **{k: f for k, f in fields.items() if k != "icon"},
                     "slug": slug_for(fields["title"]), "createdDate": now, "updatedDate": now}
            answer = save(badge, fields, 2 if ctx.fault("badge4-initial-revision-2") else 1, new=True)
        emit_badge(ctx, "created", answer)
        if ctx.fault("badge4-create-drops-slug"):
            answer.pop("slug", None)
        return ok({"badge": answer})

    async def get_badge(request: Request) -> Response:
        sdk_query_check(request)
        badge = render(store, load(request.path_params["badge_id"]))
        if ctx.fault("badge4-get-first-revision"):
            badge["revision"] = "1"
        return ok({"badge": badge})

    async def update_badge(request: Request) -> Response:
        badge_id = guid_path(request.path_params["badge_id"], "badge.id")
        body = await read_json(request)
        v = Violations()
        required = not ctx.fault("badge4-update-without-badge-ok")
        raw = check.obj(v, body.get("badge"), "badge", required=required) or {}
        fields = _fields(ctx, v, raw, creating=False)
        sent = raw.get("revision")
        revision = revision_of(sent) if sent is not None else None
        if sent is not None and revision is None:
            v.add("badge.revision", "must be a positive decimal string", "FORMAT")
        if sent is None and ctx.fault("badge4-revision-required"):
            v.add("badge.revision", "is required to prevent conflicting changes", "REQUIRED_FIELD")
        v.raise_if_any()
        with store.transaction():
            current = load(badge_id)
            before = render(store, current)
            held = int((store.get(EXTRA, badge_id) or {}).get("revision", 1))
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
                updated["slug"] = slug_for(fields["title"], except_id=badge_id)
            updated["updatedDate"] = max(ctx.clock.now(), current["updatedDate"])
            bump = not ctx.fault("badge4-revision-not-incremented") and not (
                sent is None and ctx.fault("badge4-no-revision-no-increment"))
            answer = save(updated, fields, held + 1 if bump else held, new=False)
        emit_badge(ctx, "updated", answer, before)
        return ok({"badge": answer})

    async def delete_badge(request: Request) -> Response:
        sdk_query_check(request)
        badge_id = request.path_params["badge_id"]
        with store.transaction():
            gone = render(store, load(badge_id))
            cascade = removed_assignments(badge_id)
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

    def removed_assignments(badge_id: str) -> list[dict[str, Any]]:
        """The assignments a badge delete takes with it, when the AMB4-18 variant announces them."""
        if not ctx.fault("badge4-delete-emits-assignment-deleted") or ctx.fault("badge4-delete-keeps-assignments"):
            return []
        return [dict(d) for d in store.all(ASSIGNMENT) if d["badgeId"] == badge_id]

    def order_touched(ids: list[str]) -> None:
        """AMB4-8 variant: V6/V7 announce the badges whose place they set."""
        if ctx.fault("badge4-order-emits-updated"):
            for badge_id in ids:
                emit_badge(ctx, "updated", render(store, load(badge_id)))

    def matching(filt: dict[str, Any], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
        found = [render(store, b) for b in store.all(v3.BADGE) if matches(b, filt, ctx)]
        return found if ctx.fault("badge4-sort-ignored") else sort_docs(found, keys)

    async def query_badges(request: Request) -> Response:
        body = await read_json(request)
        query = parse_query(body, flat_allowed=not ctx.fault("badge4-flat-query-rejected"))
        if query.get("paging") is not None and query.get("cursorPaging") is not None:
            raise invalid([_field("query.paging", "send either paging or cursorPaging")])
        if query.get("paging") is None:
            badges, metadata = cursor_page(ctx, query, matching, FIELDS, None)
        else:
            badges, metadata = offset_page(query)
        if ctx.fault("badge4-count-is-total"):
            metadata["count"] = len(store.all(v3.BADGE))
        return ok({"badges": badges, "pagingMetadata": metadata})

    def offset_page(query: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """AMB4-2: the SDK builder's `paging {offset, limit}`, answered with `total` so `.next()` works."""
        paging = query["paging"]
        if not isinstance(paging, dict):
            raise invalid([_field("query.paging", "must be an object")])
        limit = limit_of(paging.get("limit"), "query.paging.limit")
        v = Violations()
        offset = check.integer(v, paging.get("offset"), "query.paging.offset", minimum=0, maximum=INT32_MAX) or 0
        v.raise_if_any()
        selected = matching(check_filter(query.get("filter"), "query.filter", FIELDS),
                            check_sort(ctx, query.get("sort"), FIELDS, None))
        if ctx.fault("badge4-limit-ignored"):
            limit = len(selected) + 1
        page = selected[offset:offset + limit]
        metadata: dict[str, Any] = {"count": len(page), "offset": offset, "total": len(selected),
                                    "tooManyToCount": False, "hasNext": offset + len(page) < len(selected)}
        if ctx.fault("badge4-offset-total-missing"):
            metadata.pop("total")
        return page, metadata

    async def display_order(request: Request) -> Response:
        body = await read_json(request)
        raw = body.get("ids")
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ORDER:
            raise invalid([_field("ids", f"must hold 1 to {MAX_ORDER} badge ids", "ARRAY_SIZE")])
        v = Violations()
        for index, badge_id in enumerate(raw):
            if not is_guid(badge_id):
                v.add(f"ids[{index}]", "must be a GUID", "FORMAT")
        if not v and len(set(raw)) != len(raw):
            v.add("ids", "must not repeat a badge id")
        v.raise_if_any()
        with store.transaction():
            before = store.all(v3.BADGE)
            for badge_id in raw:
                load(badge_id)
            store.set_order(v3.BADGE, raw)  # AMB4-25: a subset goes first, the others keep their order after it
            after = store.all(v3.BADGE)
        order_touched(raw)
        shown = before if ctx.fault("badge4-order-response-unordered") else after
        return ok({"badges": [render(store, b) for b in shown]})

    async def move_badge(request: Request) -> Response:
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
            load(badge_id)
            if position == "AFTER" and after_id is not None:
                load(after_id)
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
        order_touched([badge_id])
        return ok({})

    return [
        Route(PREFIX, create_badge, methods=["POST"]),
        Route(f"{PREFIX}/query", query_badges, methods=["POST"]),
        Route(f"{PREFIX}/order", display_order, methods=["POST"]),
        Route(f"{PREFIX}/{{badge_id}}", get_badge, methods=["GET"]),
        Route(f"{PREFIX}/{{badge_id}}", update_badge, methods=["PATCH"]),
        Route(f"{PREFIX}/{{badge_id}}", delete_badge, methods=["DELETE"]),
        Route(f"{PREFIX}/{{badge_id}}/move", move_badge, methods=["POST"]),
    ]
