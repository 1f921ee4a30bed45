"""The stored shapes of Members Badges v4 beside v3 on one store: collections, and the reads and writes the
handlers share.

A badge is one document for both versions (kind `badge`, as v3 writes it); what only v4 has (`revision`, the icon
object) lives in a side document of kind `badge-v4` with the same id. So a v3-created badge is a v4 badge with the
same id, title and colors (§7; its revision starts at "1"), and a v4 badge is listed by v3.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import badges as v3
from conformance.reference.badges.model import slugify, taken_slugs, unique_slug
from conformance.reference.badges_v4.validation import guid_path
from conformance.reference.errors import invalid, not_found, violation
from conformance.reference.http import Context

PREFIX = "/badges/v4/badges"
EXTRA = "badge-v4"  # id -> {revision, icon, iconUrl}: the v4-only part of a badge
ASSIGNMENT = "badge-assignment"  # the assignment documents of `assignments_v4`; a badge delete may announce them
FIELDS = ("id", "title", "description", "slug", "permissionsEnabled")
POSITIONS = ("LAST", "FIRST", "AFTER")


def load(ctx: Context, badge_id: str) -> dict[str, Any]:
    guid_path(badge_id, "badgeId")
    badge = ctx.store.get(v3.BADGE, badge_id)
    if badge is None:
        if ctx.fault("badge4-unknown-id-400"):
            raise invalid([violation("badgeId", "no such badge")])
        raise not_found("badge", badge_id)
    return badge


def slug_for(ctx: Context, title: str, except_id: str | None = None) -> str:
    if ctx.fault("badge4-slug-keeps-case"):
        return title.replace(" ", "-")
    return unique_slug(slugify(title), taken_slugs(ctx, except_id))


def held_revision(ctx: Context, badge_id: str) -> int:
    """The badge's revision; a badge v4 never wrote (created through v3) is at 1."""
    return int((ctx.store.get(EXTRA, badge_id) or {}).get("revision", 1))


def save(ctx: Context, badge: dict[str, Any], fields: dict[str, Any], revision: int, *, new: bool) -> None:
    """Write both halves of the badge; the v3 half keeps the icon as its URL string."""
    store = ctx.store
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


def removed_assignments(ctx: Context, badge_id: str) -> list[dict[str, Any]]:
    """The assignments a badge delete takes with it, when the AMB4-18 variant announces them."""
    if not ctx.fault("badge4-delete-emits-assignment-deleted") or ctx.fault("badge4-delete-keeps-assignments"):
        return []
    return [dict(d) for d in ctx.store.all(ASSIGNMENT) if d["badgeId"] == badge_id]
