"""The stored shapes of Loyalty Tiers v1: collection names, bounds, and what a new record holds."""

from __future__ import annotations

import uuid
from typing import Any

from conformance.reference.http import Context, is_guid

PREFIX = "/loyalty-tiers/v1"
TIER = "tier"
SETTINGS = "tiers-program-settings"
SETTINGS_ID = "site"
MAX_POINTS = 9_999_999
BULK_MAX = 20
STATUSES = ("UNKNOWN", "DISABLED", "DRAFT", "ACTIVE", "PAUSED")


def new_tier(ctx: Context, fields: dict[str, Any], client: dict[str, Any]) -> dict[str, Any]:
    now = ctx.clock.now()
    tier_id = str(uuid.uuid1()) if ctx.fault("tier-other-encoding") else ctx.clock.new_id()
    if ctx.fault("tier-id-from-client") and is_guid(client.get("id")):
        tier_id = client["id"]
    return {"id": tier_id, **fields, "revision": "1", "createdDate": now, "updatedDate": now}


def default_settings(ctx: Context) -> dict[str, Any]:
    """What Get Tiers Program creates on a site without settings (TIER-15): DISABLED."""
    now = ctx.clock.now()
    return {
        "id": SETTINGS_ID,
        "status": "ACTIVE" if ctx.fault("program-default-active") else "DISABLED",
        "revision": "1",
        "createdDate": now,
        "updatedDate": now,
        "baseTierDefinition": {},
        "rollingWindow": {"durationInMonths": 12},
    }
