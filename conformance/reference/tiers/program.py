"""The program endpoints of Loyalty Tiers v1 (TIER-15..24): Get Tiers Program and the program settings."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import validation as check
from conformance.reference.errors import Violations, conflict, not_found, revision_mismatch
from conformance.reference.http import RACE_WINDOW, atomic, context, read_json, rejected_after_commit, revision_of
from conformance.reference.tiers.model import SETTINGS, SETTINGS_ID, TIER, default_settings
from conformance.reference.tiers.validation import settings_fields
from conformance.reference.tiers.wire import listed, ok, public_settings, render


async def get_settings(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    settings = store.get(SETTINGS, SETTINGS_ID)
    creates = ctx.fault("settings-get-creates-defaults") or ctx.fault("settings-get-defaults-active")
    if settings is None and creates:
        with store.transaction():
            settings = store.get(SETTINGS, SETTINGS_ID)
            if settings is None:
                settings = default_settings(ctx)
                if ctx.fault("settings-get-defaults-active"):
                    settings["status"] = "ACTIVE"
                store.insert(SETTINGS, settings)
    if settings is None:
        raise not_found("tiers program settings", "for this site")
    return ok(ctx, {"programSettings": public_settings(ctx, settings)})


async def create_settings(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("programSettings"), "programSettings", required=True) or {}
    fields = settings_fields(ctx, v, raw, require_all=False)
    v.raise_if_any()
    with store.transaction():
        existing = store.get(SETTINGS, SETTINGS_ID)
        if existing is not None and not ctx.fault("settings-create-overwrites"):
            raise conflict("tiers program settings already exist for this site")
        now = ctx.clock.now()
        settings = {
            "id": SETTINGS_ID,
            "status": fields.get("status", "DISABLED"),
            "revision": "2" if ctx.fault("settings-create-revision-2") else "1",
            "createdDate": now,
            "updatedDate": now,
            "baseTierDefinition": fields.get("baseTierDefinition", {}),
            "rollingWindow": fields.get("rollingWindow", {"durationInMonths": 12}),
        }
        if existing is not None:
            store.replace(SETTINGS, settings)
        else:
            store.insert(SETTINGS, settings)
    return ok(ctx, {"programSettings": public_settings(ctx, settings)})


async def update_settings(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("programSettings"), "programSettings", required=True) or {}
    fields = settings_fields(ctx, v, raw, require_all=not ctx.fault("settings-missing-fields-accepted"))
    revision = revision_of(raw.get("revision"))
    if raw.get("revision") is None:
        v.add("programSettings.revision", "is required", "REQUIRED_FIELD")
    elif revision is None:
        v.add("programSettings.revision", "must be a positive decimal string")
    if v and "status" in fields and ctx.fault("settings-rejected-update-applies-status"):
        with store.transaction():
            current = store.get(SETTINGS, SETTINGS_ID)
            if current is not None:
                store.replace(SETTINGS, {**current, "status": fields["status"]})
        return rejected_after_commit(v)
    v.raise_if_any()
    with atomic(ctx, "settings-update-not-atomic"):
        current = store.get(SETTINGS, SETTINGS_ID)
        if current is None:
            raise not_found("tiers program settings", "for this site")
        stale_ok = (
            ctx.fault("settings-stale-update-accepted")
            and revision is not None
            and revision < int(current["revision"])
        )
        future_ok = (
            ctx.fault("settings-future-revision-accepted")
            and revision is not None
            and revision > int(current["revision"])
        )
        if revision != int(current["revision"]) and not (stale_ok or future_ok):
            raise revision_mismatch("tiers program settings", "of this site")
        if ctx.fault("settings-update-not-atomic"):
            await asyncio.sleep(RACE_WINDOW)  # checked, not yet written: another request may pass too
        step = 0 if ctx.fault("settings-revision-not-incremented") else 1
        base = fields.get("baseTierDefinition", {})
        if ctx.fault("settings-base-tier-kept") and "baseTierDefinition" not in fields:
            base = current.get("baseTierDefinition", {})
        updated = {
            **current,
            "status": fields.get("status", current["status"]),
            "rollingWindow": fields.get("rollingWindow", current["rollingWindow"]),
            "baseTierDefinition": base,
            "revision": str(int(current["revision"]) + step),
            "updatedDate": current["updatedDate"] if ctx.fault("settings-updated-date-frozen") else ctx.clock.now(),
        }
        store.replace(SETTINGS, updated)
    return ok(ctx, {"programSettings": public_settings(ctx, updated)})


async def get_program(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    with store.transaction():
        settings = store.get(SETTINGS, SETTINGS_ID)
        if settings is None:
            settings = default_settings(ctx)
            store.insert(SETTINGS, settings)
    tiers = [] if ctx.fault("program-omits-tiers") else listed(ctx)
    if ctx.fault("tier-program-stale-after-update"):
        tiers = [render(ctx, ctx.tier_program_cache.get(t["id"], t)) for t in store.all(TIER)]
    return ok(ctx, {"tiers": tiers, "programSettings": public_settings(ctx, settings)})
