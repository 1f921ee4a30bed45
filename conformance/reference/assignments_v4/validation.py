"""Field checks of Badge Assignments v4: the (badge, member) pair, id lists, tag lists, the site's members."""

from __future__ import annotations

from typing import Any

from conformance.reference import validation as check
from conformance.reference.badges.model import refuse_strangers
from conformance.reference.errors import Violations, invalid, violation
from conformance.reference.http import Context

MAX_BULK = 100
MAX_TAGS = 100


def tags(ctx: Context, v: Violations, raw: Any, where: str, required: bool = False) -> dict[str, list[str]]:
    """`{privateTags: {tagIds}, tags: {tagIds}}` as two lists; tag ids are opaque strings (AMB4-19)."""
    out: dict[str, list[str]] = {"privateTags": [], "tags": []}
    holder = check.obj(v, raw, where, required=required)
    for key in out:
        tag_list = check.obj(v, (holder or {}).get(key), f"{where}.{key}")
        ids = (tag_list or {}).get("tagIds")
        if ids is None:
            continue
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            v.add(f"{where}.{key}.tagIds", "must be an array of strings")
        elif len(ids) > MAX_TAGS and not ctx.fault("assign4-tag-list-unbounded"):
            v.add(f"{where}.{key}.tagIds", f"must hold at most {MAX_TAGS} tag ids", "ARRAY_SIZE")
        else:
            out[key] = list(dict.fromkeys(ids))
    return out


def tag_lists(ctx: Context, body: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The tags to assign (required) and to unassign."""
    v = Violations()
    assign = tags(ctx, v, body.get("assignTags"), "assignTags", required=True)
    unassign = tags(ctx, v, body.get("unassignTags"), "unassignTags")
    v.raise_if_any()
    return assign, unassign


def pair(ctx: Context, v: Violations, raw: Any, where: str) -> tuple[str, str] | None:
    """ASSIGN-2: `badgeId` and `memberId` are required GUIDs."""
    entity = check.obj(v, raw, where, required=True)
    if entity is None:
        return None
    badge_id = check.guid(v, entity.get("badgeId"), f"{where}.badgeId", required=True)
    member = entity.get("memberId")
    if ctx.fault("assign4-member-id-unchecked") and isinstance(member, str) and member:
        member_id: str | None = member
    else:
        member_id = check.guid(v, member, f"{where}.memberId", required=True)
    return (badge_id, member_id) if badge_id and member_id else None


def ids(raw: Any, field: str) -> list[str]:
    """1 to 100 assignment ids, each a GUID."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BULK:
        raise invalid([violation(field, f"must hold 1 to {MAX_BULK} ids", "ARRAY_SIZE")])
    v = Violations()
    check.guid_items(v, raw, field)
    v.raise_if_any()
    return list(raw)


def members_known(ctx: Context, pairs: list[tuple[str, str] | None], where: str) -> None:
    """AMB-34 variant: a site that knows its members refuses made-up ones."""
    if ctx.fault("assign4-unknown-members-rejected"):
        refuse_strangers([p[1] for p in pairs if p is not None], where)

