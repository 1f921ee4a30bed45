"""Field checks of Members Badges v4: writable fields, the icon object, ids in the path, the display order."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from conformance.reference import badges as v3
from conformance.reference import validation as check
from conformance.reference.badges.validation import distinct_badge_ids
from conformance.reference.errors import Violations, invalid, violation
from conformance.reference.http import Context, is_guid

MAX_TITLE = 50
MAX_DESCRIPTION = 1500
MAX_ORDER = 100


def guid_path(value: str, name: str) -> str:
    """COMMON-4: a malformed path id is a 400."""
    if not is_guid(value):
        raise invalid([violation(name, "must be a GUID", "FORMAT")])
    return value


def query_parameters_refused(request: Request, refused: bool) -> None:
    """The AMB-39 strict reading (a hostile variant of Badges and Badge Assignments v4): a query parameter the
    operation does not define, such as the SDK's repeated ?badgeId=, is a 400."""
    if refused and request.query_params:
        name = next(iter(request.query_params))
        raise invalid([violation(name, "is not a parameter of this operation")])


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


def badge_fields(ctx: Context, v: Violations, raw: dict[str, Any], *, creating: bool) -> dict[str, Any]:
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


def order_ids(raw: Any) -> list[str]:
    """The badge ids of a display order: 1 to 100 GUIDs, none repeated."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ORDER:
        raise invalid([violation("ids", f"must hold 1 to {MAX_ORDER} badge ids", "ARRAY_SIZE")])
    return distinct_badge_ids(raw, "ids")
