"""Reference implementation of Members Badges v3 (API-FACTS §2): badges, assignments, display order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference import badges_wire as wire
from conformance.reference import validation as check
from conformance.reference.errors import ApiError, Violations, conflict, invalid, not_found
from conformance.reference.faults import Fault
from conformance.reference.http import INT32_MAX, Context, Handler, is_guid, ok, query_int, read_json

PREFIX = "/members/v3/badges"
BADGE = "badge"
ASSIGNED = "badge-member"  # link: left = badge id, right = member id
EXTRA = "badge-member-extra"  # only the badge-assign-duplicates fault writes here
ORPHAN = "badge-deleted"  # only the badge-delete-keeps-assignments fault writes here
REMOVED = "badge-member-removed"  # only the badge-unassign-count-stale fault writes here
DEFAULT_BACKGROUND = "#796EFF"
DEFAULT_TEXT = "#FFFFFF"
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
UPPERCASE_COLOR = re.compile(r"^#[0-9A-F]{6}$")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_MEMBERS_LOOKUP = 100
MAX_TITLE = 255
FILTERABLE = ("id", "title", "slug")
#: The site's members under the badge-unknown-members-rejected variant (pass them with --member-id).
KNOWN_MEMBERS = ("00000000-0000-4000-8000-00000000a001", "00000000-0000-4000-8000-00000000a002")
SORTABLE = ("id", "title", "slug", "createdDate", "updatedDate")

FAULTS = (
    Fault("badge-created-date-missing", "BADGE-1", "create answers a badge without createdDate"),
    Fault("badge-default-colors-missing", "BADGE-2", "no default colors when none are given"),
    Fault("badge-lowercase-colors-returned", "BADGE-3", "lowercase colors are stored and returned as sent"),
    Fault("badge-bad-color-accepted", "BADGE-4", "colors are not validated (\"red\" accepted)"),
    Fault("badge-empty-title-accepted", "BADGE-5", "a missing or empty title is accepted"),
    Fault("badge-slug-keeps-case", "BADGE-6", "slug keeps upper case and special characters"),
    Fault("badge-slug-from-client", "BADGE-6", "a client-supplied slug is kept"),
    Fault("badge-slug-not-updated", "BADGE-7", "a title change keeps the old slug"),
    Fault("badge-update-rewrites-created-date", "BADGE-7", "update rewrites createdDate"),
    Fault("badge-patch-resets-fields", "BADGE-8", "PATCH replaces the badge: omitted fields reset"),
    Fault("badge-get-drops-description", "BADGE-9", "GET answers the badge without its description"),
    Fault("badge-unknown-id-400", "BADGE-10", "unknown badge ids answer 400 instead of 404"),
    Fault("badge-unknown-members-empty", "BADGE-10", "members of an unknown badge: 200, none"),
    Fault("badge-list-limit-ignored", "BADGE-11", "List Badges ignores paging.limit"),
    Fault("badge-list-offset-ignored", "BADGE-11", "List Badges ignores paging.offset"),
    Fault("badge-list-count-is-total", "BADGE-11", "metadata.count reports the total, not the page"),
    Fault("badge-list-oversize-limit-crashes", "BADGE-12", "List Badges answers 500 to paging.limit > 1000"),
    Fault("badge-member-list-limit-unchecked", "BADGE-12", "members by badge return more than 1000 per call"),
    Fault("badge-query-filter-ignored", "BADGE-13", "Query Badges ignores the filter"),
    Fault("badge-delete-keeps-badge", "BADGE-14", "delete answers {} but the badge stays"),
    Fault("badge-delete-keeps-assignments", "BADGE-14", "deleted badges stay in counts and badgeIds"),
    Fault("badge-counts-miss-assignments", "BADGE-15", "member counts miss the latest assignment"),
    Fault("badge-member-badges-missing", "BADGE-15", "List Members Badge Ids omits the latest badge"),
    Fault("badge-assign-duplicates", "BADGE-16", "re-assigning a member lists it twice"),
    Fault("badge-unassign-ignored", "BADGE-17", "unassign answers {} but keeps the assignment"),
    Fault("badge-unassign-first-only", "BADGE-17", "unassign reads only the first memberIds value"),
    Fault("badge-members-size-unchecked", "BADGE-18", "List Members Badge Ids accepts 0 or 101 member ids"),
    Fault("badge-members-rejects-100", "BADGE-18", "List Members Badge Ids rejects 100 member ids"),
    Fault("badge-member-id-unchecked", "BADGE-19", "non-GUID member ids are assigned"),
    Fault("badge-assign-empty-accepted", "BADGE-19", "assign with empty memberIds answers 200"),
    Fault("badge-order-empty-accepted", "BADGE-20", "display order with empty badgeIds accepted"),
    Fault("badge-order-response-unordered", "BADGE-20", "display order answers badges in the old order"),
    Fault("badge-display-order-ignored", "BADGE-21", "the new display order is not kept for List Badges"),
    Fault("badge-count-as-string", "BADGE-23", "memberCount serialised as a string"),
    Fault("badge-route-members-shadowed", "COMMON-17", "/badges/members(/count) routed as ids"),
    Fault("badge-route-order-shadowed", "COMMON-17", "/badges/order routed to Update Badge"),
    # Bugs the per-entity habits catch (issue 13): rejected writes that change something, operations that reach
    # other badges, a field lost on one read path, and more plausible implementation slips.
    Fault("badge-invalid-create-stored", "COMMON-2", "a rejected create still stores the badge"),
    Fault("badge-invalid-update-partially-applied", "COMMON-2",
          "a rejected update still stores the valid fields sent beside the bad one"),
    Fault("badge-assign-partially-stored", "COMMON-2", "a rejected assign keeps the members before the bad id"),
    Fault("badge-unassign-partially-applied", "COMMON-2",
          "a rejected unassign removes the members before the bad id"),
    Fault("badge-order-partially-applied", "COMMON-2",
          "a display order naming an unknown badge is rejected after the badges before it were moved"),
    Fault("badge-unassign-from-every-badge", "BADGE-17", "unassigning a member removes it from every badge"),
    Fault("badge-delete-removes-other-assignments", "BADGE-14",
          "deleting a badge also takes its members' other badges away"),
    Fault("badge-update-touches-others", "BADGE-8", "an update stamps its updatedDate on every badge"),
    Fault("badge-counts-misattributed", "BADGE-15",
          "member counts are shifted by one badge (each badge shows the count of the one before it)"),
    Fault("badge-list-drops-icon", "BADGE-9", "List Badges shows badges without their icon"),
    Fault("badge-query-defaults-permissions", "BADGE-9", "Query Badges shows permissionsEnabled as false"),
    Fault("badge-not-found-body-bare", "COMMON-1", 'badge 404s answer {"message"} without details'),
    Fault("badge-update-keeps-updated-date", "BADGE-7", "an update keeps the old updatedDate"),
    Fault("badge-oversize-limit-empty-page", "BADGE-12", "paging.limit above 1000 answers 200 with no badges"),
    Fault("badge-update-colors-not-uppercased", "BADGE-3", "colors are uppercased on create but not on update"),
    Fault("badge-update-slug-from-client", "BADGE-6", "an update keeps a client-supplied slug"),
    Fault("badge-unassign-unknown-badge-ok", "BADGE-10", "unassign from an unknown badge answers 200 {}"),
    Fault("badge-delete-unknown-ok", "BADGE-10", "deleting an unknown badge answers 200 {}"),
    Fault("badge-unassign-count-stale", "BADGE-17", "members/count is not decremented by an unassign"),
    Fault("badge-create-ignores-icon", "BADGE-1", "create drops the icon it was sent"),
    # Tolerated readings the documents prefer against: the suite passes them with a warning in the tolerant
    # profile and fails them in strict (the rule is MUST, the part they miss a SHOULD or an AMB preference).
    Fault("badge-duplicate-slugs", "BADGE-6", "badges sharing a title share a slug (AMB-33 allows it, SHOULD not)",
          kind="hostile"),
    Fault("badge-update-duplicate-slug", "BADGE-6",
          "a retitle takes the plain slug even when another badge has it (AMB-33 allows it, SHOULD not)",
          kind="hostile"),
    Fault("badge-query-sort-ignored", "BADGE-13",
          "Query Badges ignores sort (BADGE-13: sorting is a SHOULD, v3 lists no sortable fields)", kind="hostile"),
    # Correct alternative readings: each takes the other side of what the documents leave open, and they compose
    # (`conformance serve --alternative` switches on all of them at once).
    Fault("badge-unknown-members-rejected", "BADGE-15",
          "assigning member ids the site does not know is refused with 400, checked before the badge id "
          f"(AMB-34); the site's members are {', '.join(KNOWN_MEMBERS)}", kind="correct"),
    Fault(wire.ALTERNATIVE_IDS_AND_TIMES, "BADGE-1",
          "time-ordered (v7) GUIDs, microsecond timestamps, every object's keys in reverse order", kind="correct"),
    Fault(wire.EXTRA_FIELDS, "BADGE-9", "undocumented extra fields on answers, badges and paging metadata",
          kind="correct"),
    Fault(wire.DEFAULTS_OMITTED, "BADGE-23",
          "zero values omitted (\"\", false, 0, []); badges without members absent from the counts and members "
          "without badges absent from memberBadgeIds (AMB-35)", kind="correct"),
    Fault("badge-other-list-order", "BADGE-21",
          "a new badge goes first in the display order; members, counts, per-member badge ids and unsorted "
          "queries come newest first", kind="correct"),
    Fault(wire.ERRORS_DIFFER, "BADGE-10", "other error messages, application error codes and violation rule names",
          kind="correct"),
    Fault("badge-duplicate-titles-refused", "BADGE-6",
          "a badge title that another badge has is refused with 409 (AMB-33)", kind="correct"),
    Fault("badge-lowercase-colors-rejected", "BADGE-3", "lowercase colors are rejected with 400 (AMB-17)",
          kind="correct"),
    Fault("badge-oversize-limit-clamped", "BADGE-12",
          "paging.limit above 1000 is clamped to 1000 and paging.limit=0 gives an empty page (AMB-20)",
          kind="correct"),
    Fault("badge-order-subset-rejected", "BADGE-20",
          "a display order that does not list every badge is rejected with 400 (AMB-37)", kind="correct"),
)


def slugify(title: str) -> str:
    """BADGE-6: lowercase, whitespace becomes '-', anything but [a-z0-9-] is removed."""
    slug = re.sub(r"\s+", "-", title.strip().lower())
    slug = re.sub(r"[^a-z0-9-]", "", slug)
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return slug or "badge"


def _unique_slug(base: str, taken: set[str]) -> str:
    """AMB-33: two badges may share a title, but slugs stay unique (`vip`, `vip-2`, ...)."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _field(name: str, description: str, rule: str = "INVALID_ARGUMENT") -> dict[str, Any]:
    return {"field": name, "description": description, "violatedRule": rule, "ruleName": "VALIDATION_ERROR"}


def _badge_fields(ctx: Context, v: Violations, raw: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the writable fields; id, slug and dates are read-only and ignored (AMB-30)."""
    out: dict[str, Any] = {}
    min_title = 0 if ctx.fault("badge-empty-title-accepted") else 1
    required = creating and not ctx.fault("badge-empty-title-accepted")
    title = check.string(v, raw.get("title"), "badge.title", required=required, min_length=min_title,
                         max_length=MAX_TITLE)
    if title is None and creating and not required:
        title = ""
    if title is not None:
        if min_title and not title.strip() and title:
            v.add("badge.title", "must not be blank", "MIN_LENGTH")
        out["title"] = title
    description = check.string(v, raw.get("description"), "badge.description", max_length=5000)
    if description is not None:
        out["description"] = description
    for key in ("backgroundColor", "textColor"):
        color = check.string(v, raw.get(key), f"badge.{key}")
        if color is None:
            continue
        if ctx.fault("badge-bad-color-accepted"):
            out[key] = color
        elif not (UPPERCASE_COLOR if ctx.fault("badge-lowercase-colors-rejected") else COLOR).match(color):
            v.add(f"badge.{key}", "must be a color like #RRGGBB", "FORMAT")
        else:
            kept = ctx.fault("badge-lowercase-colors-returned") or (
                not creating and ctx.fault("badge-update-colors-not-uppercased"))
            out[key] = color if kept else color.upper()
    icon = check.string(v, raw.get("icon"), "badge.icon", max_length=2048)
    if icon is not None and not (creating and ctx.fault("badge-create-ignores-icon")):
        out["icon"] = icon
    permissions = check.boolean(v, raw.get("permissionsEnabled"), "badge.permissionsEnabled")
    if permissions is not None:
        out["permissionsEnabled"] = permissions
    return out


def _defaults(ctx: Context) -> dict[str, Any]:
    base: dict[str, Any] = {"description": "", "icon": "", "permissionsEnabled": False}
    if not ctx.fault("badge-default-colors-missing"):
        base.update(backgroundColor=DEFAULT_BACKGROUND, textColor=DEFAULT_TEXT)
    return base


def _guid_path(value: str) -> str:
    if not is_guid(value):
        raise invalid([_field("id", "badge id must be a GUID", "FORMAT")])
    return value


def _member_ids(ctx: Context, raw: Any, field: str) -> list[str]:
    """BADGE-19: memberIds is required, non-empty, and every entry is a GUID; duplicates collapse (AMB-34)."""
    if raw is None and ctx.fault("badge-assign-empty-accepted"):
        raw = []
    if not isinstance(raw, list) or (not raw and not ctx.fault("badge-assign-empty-accepted")):
        raise invalid([_field(field, "is required and must be a non-empty array", "REQUIRED_FIELD")])
    v = Violations()
    for index, member in enumerate(raw):
        if not is_guid(member) and not ctx.fault("badge-member-id-unchecked"):
            v.add(f"{field}[{index}]", "must be a GUID", "FORMAT")
        elif not isinstance(member, str):
            v.add(f"{field}[{index}]", "must be a string")
    v.raise_if_any()
    return list(dict.fromkeys(raw))


def _max_limit(ctx: Context) -> int:
    """The largest paging.limit accepted: above it a 400. The clamping variant (AMB-20) takes any int32."""
    return INT32_MAX if ctx.fault("badge-oversize-limit-clamped") else MAX_LIMIT


def _paging(ctx: Context, limit: int | None, offset: int | None) -> tuple[int, int]:
    if ctx.fault("badge-oversize-limit-clamped"):  # AMB-20: clamp, and 0 is an empty page
        return (DEFAULT_LIMIT if limit is None else min(limit, MAX_LIMIT)), (offset or 0)
    return (limit or DEFAULT_LIMIT), (offset or 0)


def _page(items: list[Any], limit: int, offset: int) -> tuple[list[Any], dict[str, Any]]:
    page = items[offset:offset + limit]
    return page, {"count": len(page), "offset": offset, "total": len(items), "tooManyToCount": False}


# query language -------------------------------------------------------------------------------
def _matches(badge: dict[str, Any], filt: Any, where: str = "filter") -> bool:
    """A small Wix API Query Language evaluator over id/title/slug (B4)."""
    if not isinstance(filt, dict):
        raise invalid([_field(where, "must be an object")])
    for key, cond in filt.items():
        if key in ("$and", "$or"):
            if not isinstance(cond, list):
                raise invalid([_field(f"{where}.{key}", "must be an array")])
            results = [_matches(badge, c, f"{where}.{key}") for c in cond]
            if not (all(results) if key == "$and" else any(results)):
                return False
        elif key == "$not":
            if _matches(badge, cond, f"{where}.$not"):
                return False
        elif key in FILTERABLE:
            if not _condition(badge.get(key), cond, f"{where}.{key}"):
                return False
        else:
            raise invalid([_field(f"{where}.{key}", f"filtering is supported on {', '.join(FILTERABLE)}")])
    return True


def _condition(value: Any, cond: Any, where: str) -> bool:
    if not isinstance(cond, dict):
        return bool(value == cond)
    for op, arg in cond.items():
        if op == "$eq":
            hit = value == arg
        elif op == "$ne":
            hit = value != arg
        elif op in ("$in", "$hasSome", "$nin"):
            if not isinstance(arg, list):
                raise invalid([_field(f"{where}.{op}", "must be an array")])
            hit = (value in arg) != (op == "$nin")
        elif op == "$startsWith":
            if not isinstance(arg, str):
                raise invalid([_field(f"{where}.{op}", "must be a string")])
            hit = isinstance(value, str) and value.startswith(arg)
        elif op == "$exists":
            hit = (value is not None) == bool(arg)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            if not isinstance(arg, str) or not isinstance(value, str):
                hit = False
            else:
                hit = {"$gt": value > arg, "$gte": value >= arg, "$lt": value < arg, "$lte": value <= arg}[op]
        else:
            raise invalid([_field(f"{where}.{op}", "unsupported operator")])
        if not hit:
            return False
    return True


def _sorted(badges: list[dict[str, Any]], sort: Any) -> list[dict[str, Any]]:
    if sort is None:
        return badges
    if not isinstance(sort, list):
        raise invalid([_field("sort", "must be an array")])
    keys = []
    for index, item in enumerate(sort):
        name = item.get("fieldName") if isinstance(item, dict) else None
        order = (item.get("order") or "ASC") if isinstance(item, dict) else None
        if name not in SORTABLE:
            raise invalid([_field(f"sort[{index}].fieldName", f"must be one of {', '.join(SORTABLE)}")])
        if order not in ("ASC", "DESC"):
            raise invalid([_field(f"sort[{index}].order", "must be ASC or DESC", "ENUM")])
        keys.append((name, order == "DESC"))
    result = list(badges)
    for name, descending in reversed(keys):  # stable sorts, last key first
        result.sort(key=_sort_key(name), reverse=descending)
    return result


def _sort_key(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda badge: str(badge.get(name, ""))


def routes(ctx: Context) -> list[Route]:
    store = ctx.store
    newest_first = ctx.fault("badge-other-list-order")

    def reply(payload: dict[str, Any]) -> Response:
        return ok(wire.present(ctx, payload))

    def in_order(items: list[Any]) -> list[Any]:
        """Members, counts and per-member ids: oldest first, or newest first in the alternative order."""
        return items[::-1] if newest_first else items

    def title_free(title: str, except_id: str | None = None) -> None:
        """AMB-33: the refusing variant keeps titles unique (409); the default allows shared titles."""
        if ctx.fault("badge-duplicate-titles-refused") and any(
                b["title"] == title and b["id"] != except_id for b in store.all(BADGE)):
            raise conflict(f"a badge titled {title!r} already exists")

    def load(badge_id: str) -> dict[str, Any]:
        _guid_path(badge_id)
        badge = store.get(BADGE, badge_id)
        if badge is None:
            if ctx.fault("badge-unknown-id-400"):
                raise invalid([_field("id", "no such badge")])
            raise not_found("badge", badge_id)
        return badge

    def taken_slugs(except_id: str | None = None) -> set[str]:
        return {b["slug"] for b in store.all(BADGE) if b["id"] != except_id}

    def assigned(badge_id: str) -> list[str]:
        members = store.rights(ASSIGNED, badge_id)
        if ctx.fault("badge-assign-duplicates"):
            members += [m.split("#", 1)[0] for m in store.rights(EXTRA, badge_id)]
        return members

    def member_count(badge_id: str) -> int:
        count = len(assigned(badge_id)) + len(store.rights(REMOVED, badge_id))
        if ctx.fault("badge-counts-miss-assignments"):
            count = max(0, count - 1)
        return count

    def slug_for(title: str, client: dict[str, Any], except_id: str | None = None) -> str:
        if ctx.fault("badge-slug-from-client") and isinstance(client.get("slug"), str) and client["slug"]:
            return client["slug"]
        if ctx.fault("badge-slug-keeps-case"):
            return title.replace(" ", "-")
        if ctx.fault("badge-duplicate-slugs"):
            return slugify(title)
        return _unique_slug(slugify(title), taken_slugs(except_id))

    def render(badge: dict[str, Any], path: str = "") -> dict[str, Any]:
        shown = dict(badge)
        if path == "list" and ctx.fault("badge-list-drops-icon"):
            shown.pop("icon", None)
        if path == "query" and ctx.fault("badge-query-defaults-permissions"):
            shown["permissionsEnabled"] = False
        return shown

    def oversize_empty(limit: int | None) -> bool:
        return ctx.fault("badge-oversize-limit-empty-page") and limit is not None and limit > MAX_LIMIT

    async def list_badges(request: Request) -> Response:
        crashes = ctx.fault("badge-list-oversize-limit-crashes")
        lenient = crashes or ctx.fault("badge-oversize-limit-empty-page")
        requested = query_int(request, "paging.limit", None, 0, None if lenient else _max_limit(ctx))
        if crashes and requested is not None and requested > MAX_LIMIT:
            raise RuntimeError("page buffer overflow")  # only with the fault: an unhandled oversize limit
        limit, offset = _paging(ctx, requested,
                                query_int(request, "paging.offset", None, 0, INT32_MAX))
        badges = store.all(BADGE)
        if ctx.fault("badge-list-limit-ignored"):
            limit = len(badges) + 1
        if ctx.fault("badge-list-offset-ignored"):
            offset = 0
        if oversize_empty(requested):
            limit = 0
        page, metadata = _page([render(b, "list") for b in badges], limit, offset)
        if ctx.fault("badge-list-count-is-total"):
            metadata["count"] = len(badges)
        return reply({"badges": page, "metadata": metadata})

    async def create_badge(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("badge"), "badge", required=True)
        fields = _badge_fields(ctx, v, raw, creating=True) if raw is not None else {}
        if v and ctx.fault("badge-invalid-create-stored") and raw is not None:  # validated after the insert
            now = wire.now(ctx)
            store.insert(BADGE, {"id": wire.new_id(ctx), "title": "", **_defaults(ctx), **fields,
                                 "slug": slug_for(str(fields.get("title", "")), raw), "createdDate": now,
                                 "updatedDate": now})
        v.raise_if_any()
        assert raw is not None
        now = wire.now(ctx)
        with store.transaction():
            title_free(fields["title"])
            badge = {"id": wire.new_id(ctx), "title": fields["title"], **_defaults(ctx), **fields,
                     "slug": slug_for(fields["title"], raw), "createdDate": now, "updatedDate": now}
            store.insert(BADGE, badge)
            if newest_first:
                store.set_order(BADGE, [badge["id"]])
        ctx.emit("badge", "created", badge["id"], render(badge))
        answer = render(badge)
        if ctx.fault("badge-created-date-missing"):
            answer.pop("createdDate", None)
        return reply({"badge": answer})

    async def query_badges(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body.get("query"), dict):  # AMB-18: the wrapped form is accepted too
            body = body["query"]
        filt = {} if body.get("filter") is None else body["filter"]
        if not isinstance(filt, dict):
            raise invalid([_field("filter", "must be an object")])
        sort = body.get("sort") if body.get("sort") is not None else body.get("sorting")
        v = Violations()
        paging = check.obj(v, body.get("paging"), "paging") or {}
        maximum = None if ctx.fault("badge-oversize-limit-empty-page") else _max_limit(ctx)
        limit = check.integer(v, paging.get("limit"), "paging.limit", minimum=0, maximum=maximum)
        offset = check.integer(v, paging.get("offset"), "paging.offset", minimum=0, maximum=INT32_MAX)
        v.raise_if_any()
        _matches({}, filt)  # a malformed filter is a 400 even when there is nothing to match
        badges = store.all(BADGE)
        if not ctx.fault("badge-query-filter-ignored"):
            badges = [b for b in badges if _matches(b, filt)]
        if sort is None:
            badges = in_order(badges)
        elif not ctx.fault("badge-query-sort-ignored"):
            badges = _sorted(badges, sort)
        shown = [] if oversize_empty(limit) else [render(b, "query") for b in badges]
        page, metadata = _page(shown, *_paging(ctx, limit, offset))
        return reply({"badges": page, "metadata": metadata})

    async def get_badge(request: Request) -> Response:
        badge = render(load(request.path_params["badge_id"]))
        if ctx.fault("badge-get-drops-description"):
            badge.pop("description", None)
        return reply({"badge": badge})

    async def update_badge(request: Request) -> Response:
        badge_id = _guid_path(request.path_params["badge_id"])
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("badge"), "badge", required=True) or {}
        fields = _badge_fields(ctx, v, raw, creating=False)
        if v and fields and ctx.fault("badge-invalid-update-partially-applied"):  # field-by-field writes
            current = store.get(BADGE, badge_id)
            if current is not None:
                store.replace(BADGE, {**current, **fields})
        v.raise_if_any()
        with store.transaction():
            current = load(badge_id)
            if "title" in fields:
                title_free(fields["title"], except_id=badge_id)
            if ctx.fault("badge-patch-resets-fields"):
                updated = {k: current[k] for k in ("id", "title", "slug", "createdDate")}
                updated.update(_defaults(ctx), **fields)
            else:
                updated = {**current, **fields}
            retitled = "title" in fields and fields["title"] != current["title"]
            if retitled and not ctx.fault("badge-slug-not-updated"):
                updated["slug"] = slug_for(fields["title"], raw, except_id=badge_id)
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
        ctx.emit("badge", "updated", badge_id, render(updated))
        return reply({"badge": render(updated)})

    def strip_member(member: str) -> None:
        for badge_id in store.lefts(ASSIGNED, member):
            store.unlink(ASSIGNED, badge_id, member)

    async def delete_badge(request: Request) -> Response:
        badge_id = request.path_params["badge_id"]
        with store.transaction():
            if ctx.fault("badge-delete-unknown-ok") and is_guid(badge_id) and store.get(BADGE, badge_id) is None:
                return reply({})
            current = load(badge_id)
            if not ctx.fault("badge-delete-keeps-badge"):
                store.remove(BADGE, badge_id)
                if ctx.fault("badge-delete-removes-other-assignments"):
                    for member in store.rights(ASSIGNED, badge_id):
                        strip_member(member)
                if ctx.fault("badge-delete-keeps-assignments"):
                    store.insert(ORPHAN, {"id": badge_id})
                else:
                    store.unlink(ASSIGNED, badge_id)
                    store.unlink(EXTRA, badge_id)
                    store.unlink(REMOVED, badge_id)
        ctx.emit("badge", "deleted", badge_id, render(current))
        return reply({})

    def guid_prefix(raw: Any) -> list[str]:
        """The GUIDs before the first bad id: what a store-as-you-validate loop has written when it fails."""
        prefix: list[str] = []
        for member in raw if isinstance(raw, list) else []:
            if not is_guid(member):
                return prefix
            prefix.append(member)
        return []

    async def list_members(request: Request) -> Response:
        badge_id = request.path_params["badge_id"]
        maximum = None if ctx.fault("badge-member-list-limit-unchecked") else _max_limit(ctx)
        limit, offset = _paging(ctx, query_int(request, "paging.limit", None, 0, maximum),
                                query_int(request, "paging.offset", None, 0, INT32_MAX))
        _guid_path(badge_id)
        if ctx.fault("badge-unknown-members-empty") and store.get(BADGE, badge_id) is None:
            return reply({"memberIds": [], "metadata": _page([], limit, 0)[1]})
        load(badge_id)
        page, metadata = _page(in_order(assigned(badge_id)), limit, offset)
        return reply({"memberIds": page, "metadata": metadata})

    async def assign(request: Request) -> Response:
        badge_id = _guid_path(request.path_params["badge_id"])
        body = await read_json(request)
        if ctx.fault("badge-assign-partially-stored") and store.get(BADGE, badge_id) is not None:
            for member in guid_prefix(body.get("memberIds")):
                store.link(ASSIGNED, badge_id, member)
        members = _member_ids(ctx, body.get("memberIds"), "memberIds")
        strangers = [m for m in members if m not in KNOWN_MEMBERS]
        if ctx.fault("badge-unknown-members-rejected") and strangers:  # AMB-34
            raise invalid([_field("memberIds", f"{strangers[0]} is not a member of this site", "NOT_A_MEMBER")])
        with store.transaction():
            load(badge_id)
            for member in members:
                if not store.link(ASSIGNED, badge_id, member) and ctx.fault("badge-assign-duplicates"):
                    store.link(EXTRA, badge_id, f"{member}#{ctx.clock.new_id()}")
        for member in members:
            ctx.emit("badge", "badge_assigned", badge_id, {"memberId": member})
        return reply({"memberIds": members})

    async def unassign(request: Request) -> Response:
        badge_id = _guid_path(request.path_params["badge_id"])
        raw = request.query_params.getlist("memberIds")
        if ctx.fault("badge-unassign-first-only"):
            raw = raw[:1]
        if ctx.fault("badge-unassign-partially-applied"):
            for member in guid_prefix(raw):
                store.unlink(ASSIGNED, badge_id, member)
        members = _member_ids(ctx, raw, "memberIds")
        with store.transaction():
            if ctx.fault("badge-unassign-unknown-badge-ok") and store.get(BADGE, badge_id) is None:
                return reply({})
            load(badge_id)
            if not ctx.fault("badge-unassign-ignored"):
                for member in members:
                    if ctx.fault("badge-unassign-from-every-badge"):
                        strip_member(member)
                    if store.unlink(ASSIGNED, badge_id, member) and ctx.fault("badge-unassign-count-stale"):
                        store.link(REMOVED, badge_id, member)
        for member in members:
            ctx.emit("badge", "badge_unassigned", badge_id, {"memberId": member})
        return reply({})

    async def member_badges(request: Request) -> Response:
        body = await read_json(request)
        raw = body.get("memberIds")
        maximum = MAX_MEMBERS_LOOKUP - 1 if ctx.fault("badge-members-rejects-100") else MAX_MEMBERS_LOOKUP
        size_ok = isinstance(raw, list) and 1 <= len(raw) <= maximum
        if not size_ok and not (ctx.fault("badge-members-size-unchecked") and isinstance(raw, list)):
            raise invalid([_field("memberIds", "must hold 1 to 100 member ids", "ARRAY_SIZE")])
        assert isinstance(raw, list)
        v = Violations()
        for index, member in enumerate(raw):
            if not is_guid(member):
                v.add(f"memberIds[{index}]", "must be a GUID", "FORMAT")
        v.raise_if_any()
        existing = {b["id"] for b in store.all(BADGE)}
        if ctx.fault("badge-delete-keeps-assignments"):
            existing |= {o["id"] for o in store.all(ORPHAN)}
        entries = []
        for member in dict.fromkeys(raw):
            badge_ids = [b for b in store.lefts(ASSIGNED, member) if b in existing]
            if ctx.fault("badge-member-badges-missing"):
                badge_ids = badge_ids[:-1]
            entries.append({"memberId": member, "badgeIds": in_order(badge_ids)})
        return reply({"memberBadgeIds": in_order(entries)})

    async def counts(request: Request) -> Response:
        ids = [b["id"] for b in store.all(BADGE)]
        if ctx.fault("badge-delete-keeps-assignments"):
            ids += [o["id"] for o in store.all(ORPHAN)]
        entries: list[dict[str, Any]] = []
        tallies = [member_count(badge_id) for badge_id in ids]
        if ctx.fault("badge-counts-misattributed"):  # an off-by-one join of badges and their tallies
            tallies = [0, *tallies][:len(ids)]
        for badge_id, tally in zip(ids, tallies, strict=True):
            count: Any = tally
            if ctx.fault("badge-count-as-string"):
                count = str(count)
            entries.append({"badgeId": badge_id, "memberCount": count})
        return reply({"badgeMemberCounts": in_order(entries)})

    async def display_order(request: Request) -> Response:
        body = await read_json(request)
        raw = body.get("badgeIds")
        if not isinstance(raw, list) or (not raw and not ctx.fault("badge-order-empty-accepted")):
            raise invalid([_field("badgeIds", "must contain at least one badge id", "ARRAY_SIZE")])
        v = Violations()
        for index, badge_id in enumerate(raw):
            if not is_guid(badge_id):
                v.add(f"badgeIds[{index}]", "must be a GUID", "FORMAT")
        if not v and len(set(raw)) != len(raw):
            v.add("badgeIds", "must not repeat a badge id")
        v.raise_if_any()
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
                load(badge_id)
            if ctx.fault("badge-order-subset-rejected") and set(raw) != {b["id"] for b in before}:
                raise invalid([_field("badgeIds", "must list every badge of the site", "ARRAY_SIZE")])
            # AMB-37: the listed badges come first, in the given order; the others keep theirs after them.
            store.set_order(BADGE, raw)
            after = store.all(BADGE)
            if ctx.fault("badge-display-order-ignored"):
                store.set_order(BADGE, [b["id"] for b in before])
        shown = before if ctx.fault("badge-order-response-unordered") else after
        return reply({"badges": [render(b) for b in shown]})

    def member_badges_route() -> Route:
        if ctx.fault("badge-route-members-shadowed"):
            async def as_id(request: Request) -> Response:  # a router that tried {id} first
                _guid_path(request.path_params["badge_id"])
                raise not_found("badge", request.path_params["badge_id"])
            return Route(f"{PREFIX}/{{badge_id}}", as_id, methods=["POST"])
        return Route(f"{PREFIX}/members", member_badges, methods=["POST"])

    def counts_route() -> Route:
        if ctx.fault("badge-route-members-shadowed"):
            async def as_id(request: Request) -> Response:
                _guid_path(request.path_params["badge_id"])
                raise not_found("badge", request.path_params["badge_id"])
            return Route(f"{PREFIX}/{{badge_id}}/count", as_id, methods=["GET"])
        return Route(f"{PREFIX}/members/count", counts, methods=["GET"])

    order = Route(f"{PREFIX}/order", display_order, methods=["PATCH"])
    shadowed = ctx.fault("badge-route-order-shadowed")
    # COMMON-17: literal segments are declared before the {badge_id} templates.
    table = [
        Route(PREFIX, list_badges, methods=["GET"]),
        Route(PREFIX, create_badge, methods=["POST"]),
        Route(f"{PREFIX}/query", query_badges, methods=["POST"]),
        member_badges_route(),
        counts_route(),
        *([] if shadowed else [order]),
        Route(f"{PREFIX}/{{badge_id}}", get_badge, methods=["GET"]),
        Route(f"{PREFIX}/{{badge_id}}", update_badge, methods=["PATCH"]),
        Route(f"{PREFIX}/{{badge_id}}", delete_badge, methods=["DELETE"]),
        *([order] if shadowed else []),
        Route(f"{PREFIX}/{{badge_id}}/members", list_members, methods=["GET"]),
        Route(f"{PREFIX}/{{badge_id}}/members", assign, methods=["POST"]),
        Route(f"{PREFIX}/{{badge_id}}/members", unassign, methods=["DELETE"]),
    ]
    for fault, change in ((wire.ERRORS_DIFFER, wire.reworded), ("badge-not-found-body-bare", _bare_not_found)):
        if ctx.fault(fault):
            table = [Route(r.path, _errors_changed(r.endpoint, change), methods=list(r.methods or ()))
                     for r in table]
    return table


def _bare_not_found(error: ApiError) -> ApiError:
    """The badge-not-found-body-bare fault: a 404 body without the standard `details` (COMMON-1)."""
    if error.status != 404:
        return error
    bare = ApiError(404, error.message, {})
    bare.body = lambda: {"message": error.message}  # type: ignore[method-assign]
    return bare


def _errors_changed(handler: Handler, change: Callable[[ApiError], ApiError]) -> Handler:
    """Every error the handler raises, as `change` spells it (a variant's wording, or a fault's body)."""
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            raise change(error) from None
    return run
