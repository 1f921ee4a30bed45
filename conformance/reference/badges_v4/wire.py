"""How Members Badges v4 spells a badge: the v3 document seen through v4 (`revision`, the icon object)."""

from __future__ import annotations

from typing import Any

from conformance.reference.badges_v4.model import EXTRA
from conformance.reference.http import Context


def render(ctx: Context, badge: dict[str, Any]) -> dict[str, Any]:
    """The v4 view of a stored badge: v3 fields, `revision`, and the icon as an object (§7.2)."""
    extra = ctx.store.get(EXTRA, badge["id"]) or {}
    out: dict[str, Any] = {k: badge[k] for k in ("id", "title", "description", "backgroundColor", "textColor",
                                                 "permissionsEnabled", "slug", "createdDate", "updatedDate")
                           if k in badge}
    if not out.get("description"):  # v3 stores "" for "no description"; v4 leaves the field out
        out.pop("description", None)
    out["revision"] = str(extra.get("revision", 1))
    url = badge.get("icon") or ""
    if extra.get("icon") is not None and extra.get("iconUrl") == url:
        out["icon"] = extra["icon"]
    elif url:  # set through v3, which knows only a URL
        out["icon"] = {"url": url}
    return out
