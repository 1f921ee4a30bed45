"""The stored shapes of Members Badges v3: collections, slugs, defaults, and the reads and writes handlers share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from conformance.reference.badges.validation import guid_path
from conformance.reference.errors import conflict, invalid, not_found, violation
from conformance.reference.http import Context, is_guid

PREFIX = "/members/v3/badges"
BADGE = "badge"
ASSIGNED = "badge-member"  # link: left = badge id, right = member id
EXTRA = "badge-member-extra"  # only the badge-assign-duplicates fault writes here
ORPHAN = "badge-deleted"  # only the badge-delete-keeps-assignments fault writes here
REMOVED = "badge-member-removed"  # only the badge-unassign-count-stale fault writes here
DEFAULT_BACKGROUND = "#796EFF"
DEFAULT_TEXT = "#FFFFFF"
MAX_MEMBERS_LOOKUP = 100
#: The site's members under the badge-unknown-members-rejected variant (pass them with --member-id).
KNOWN_MEMBERS = ("00000000-0000-4000-8000-00000000a001", "00000000-0000-4000-8000-00000000a002")


def slugify(title: str) -> str:
    """BADGE-6: lowercase, whitespace becomes '-', anything but [a-z0-9-] is removed."""
    slug = re.sub(r"\s+", "-", title.strip().lower())
    slug = re.sub(r"[^a-z0-9-]", "", slug)
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return slug or "badge"


def unique_slug(base: str, taken: set[str]) -> str:
    """AMB-33: two badges may share a title, but slugs stay unique (`vip`, `vip-2`, ...)."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def defaults(ctx: Context) -> dict[str, Any]:
    base: dict[str, Any] = {"description": "", "icon": "", "permissionsEnabled": False}
    if not ctx.fault("badge-default-colors-missing"):
        base.update(backgroundColor=DEFAULT_BACKGROUND, textColor=DEFAULT_TEXT)
    return base


def title_free(ctx: Context, title: str, except_id: str | None = None) -> None:
    """AMB-33: the refusing variant keeps titles unique (409); the default allows shared titles."""
    if ctx.fault("badge-duplicate-titles-refused") and any(
            b["title"] == title and b["id"] != except_id for b in ctx.store.all(BADGE)):
        raise conflict(f"a badge titled {title!r} already exists")


def load(ctx: Context, badge_id: str) -> dict[str, Any]:
    guid_path(badge_id)
    badge = ctx.store.get(BADGE, badge_id)
    if badge is None:
        if ctx.fault("badge-unknown-id-400"):
            raise invalid([violation("id", "no such badge")])
        raise not_found("badge", badge_id)
    return badge


def badge_ids(ctx: Context, *, orphans: bool) -> list[str]:
    """Every badge's id (v3 and v4), and with `orphans` the deleted badges whose assignments a fault variant kept."""
    ids = [b["id"] for b in ctx.store.all(BADGE)]
    if orphans:
        ids += [o["id"] for o in ctx.store.all(ORPHAN)]
    return ids


def refuse_strangers(members: Iterable[str], field: str) -> None:
    """The AMB-34 variants (v3 and v4): a site that knows its members refuses made-up ones, naming the first."""
    strangers = [m for m in members if m not in KNOWN_MEMBERS]
    if strangers:
        raise invalid([violation(field, f"{strangers[0]} is not a member of this site", "NOT_A_MEMBER")])


def taken_slugs(ctx: Context, except_id: str | None = None) -> set[str]:
    return {b["slug"] for b in ctx.store.all(BADGE) if b["id"] != except_id}


def assigned(ctx: Context, badge_id: str) -> list[str]:
    members = ctx.store.rights(ASSIGNED, badge_id)
    if ctx.fault("badge-assign-duplicates"):
        members += [m.split("#", 1)[0] for m in ctx.store.rights(EXTRA, badge_id)]
    return members


def member_count(ctx: Context, badge_id: str) -> int:
    count = len(assigned(ctx, badge_id)) + len(ctx.store.rights(REMOVED, badge_id))
    if ctx.fault("badge-counts-miss-assignments"):
        count = max(0, count - 1)
    return count


def slug_for(ctx: Context, title: str, client: dict[str, Any], except_id: str | None = None) -> str:
    if ctx.fault("badge-slug-from-client") and isinstance(client.get("slug"), str) and client["slug"]:
        return client["slug"]
    if ctx.fault("badge-slug-keeps-case"):
        return title.replace(" ", "-")
    if ctx.fault("badge-duplicate-slugs"):
        return slugify(title)
    return unique_slug(slugify(title), taken_slugs(ctx, except_id))


def strip_member(ctx: Context, member: str) -> None:
    for badge_id in ctx.store.lefts(ASSIGNED, member):
        ctx.store.unlink(ASSIGNED, badge_id, member)


def guid_prefix(raw: Any) -> list[str]:
    """The GUIDs before the first bad id: what a store-as-you-validate loop has written when it fails."""
    prefix: list[str] = []
    for member in raw if isinstance(raw, list) else []:
        if not is_guid(member):
            return prefix
        prefix.append(member)
    return []
