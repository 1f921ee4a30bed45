"""Field checks of Members Badges v3: writable fields, member ids, paging, ids in the path."""

from __future__ import annotations

import re
from typing import Any

from conformance.reference import validation as check
from conformance.reference.errors import Violations, invalid, violation
from conformance.reference.http import INT32_MAX, Context, id_in_path, is_guid

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_TITLE = 255
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
UPPERCASE_COLOR = re.compile(r"^#[0-9A-F]{6}$")


def badge_fields(ctx: Context, v: Violations, raw: dict[str, Any], *, creating: bool) -> dict[str, Any]:
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


def guid_path(value: str) -> str:
    return id_in_path(value, "badge")


def distinct_badge_ids(raw: list[Any], field: str) -> list[str]:
    """The badge ids of a display order (v3 and v4): every one a GUID, none repeated."""
    v = Violations()
    check.guid_items(v, raw, field)
    if not v and len(set(raw)) != len(raw):
        v.add(field, "must not repeat a badge id")
    v.raise_if_any()
    return raw


def member_ids(ctx: Context, raw: Any, field: str) -> list[str]:
    """BADGE-19: memberIds is required, non-empty, and every entry is a GUID; duplicates collapse (AMB-34)."""
    if raw is None and ctx.fault("badge-assign-empty-accepted"):
        raw = []
    if not isinstance(raw, list) or (not raw and not ctx.fault("badge-assign-empty-accepted")):
        raise invalid([violation(field, "is required and must be a non-empty array", "REQUIRED_FIELD")])
    v = Violations()
    for index, member in enumerate(raw):
        if not is_guid(member) and not ctx.fault("badge-member-id-unchecked"):
            v.add(f"{field}[{index}]", "must be a GUID", "FORMAT")
        elif not isinstance(member, str):
            v.add(f"{field}[{index}]", "must be a string")
    v.raise_if_any()
    return list(dict.fromkeys(raw))


def max_limit(ctx: Context) -> int:
    """The largest paging.limit accepted: above it a 400. The clamping variant (AMB-20) takes any int32."""
    return INT32_MAX if ctx.fault("badge-oversize-limit-clamped") else MAX_LIMIT


def limit_and_offset(ctx: Context, limit: int | None, offset: int | None) -> tuple[int, int]:
    if ctx.fault("badge-oversize-limit-clamped"):  # AMB-20: clamp, and 0 is an empty page
        return (DEFAULT_LIMIT if limit is None else min(limit, MAX_LIMIT)), (offset or 0)
    return (limit or DEFAULT_LIMIT), (offset or 0)


def paged(items: list[Any], limit: int, offset: int) -> tuple[list[Any], dict[str, Any]]:
    page = items[offset:offset + limit]
    return page, {"count": len(page), "offset": offset, "total": len(items), "tooManyToCount": False}


def oversize_empty(ctx: Context, limit: int | None) -> bool:
    return ctx.fault("badge-oversize-limit-empty-page") and limit is not None and limit > MAX_LIMIT
