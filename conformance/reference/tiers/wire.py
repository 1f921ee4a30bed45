"""How Loyalty Tiers v1 spells its answers, including the alternative readings the fault variants switch on."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.reference.http import Context, reversed_keys
from conformance.reference.http import ok as plain_ok
from conformance.reference.tiers.model import SETTINGS, SETTINGS_ID, TIER


def render(ctx: Context, tier: dict[str, Any]) -> dict[str, Any]:
    if ctx.fault("tier-revision-as-number"):
        return {**tier, "revision": int(tier["revision"])}
    if ctx.fault("tier-undocumented-extras"):
        definition = {**(tier.get("tierDefinition") or {}), "color": "#FFD700"}
        return {**tier, "tierDefinition": definition, "loyaltyProgramId": ctx.site_id, "memberCount": 0}
    return tier


def ok(ctx: Context, payload: Any) -> Response:
    """A 200 answer, spelled the way the switched-on alternative reading spells it (ids, dates, key order,
    omitted defaults, extra fields): none of that is documented, so a suite must not depend on it."""
    if ctx.fault("tier-undocumented-extras") and isinstance(payload, dict) and payload:
        payload = {**payload, "requestId": ctx.clock.new_id()}
    if ctx.fault("tier-defaults-omitted"):
        payload = _without_defaults(payload)
    if ctx.fault("tier-other-encoding"):
        payload = _other_encoding(payload)
    return plain_ok(payload)


def _without_defaults(value: Any) -> Any:
    """Proto-JSON without "emit defaults": empty strings and objects, zeros, false and null vanish."""
    if isinstance(value, dict):
        kept = {k: _without_defaults(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", 0, False, None, {}) or isinstance(v, (float, list))}
    if isinstance(value, list):
        return [_without_defaults(v) for v in value]
    return value


def _other_encoding(value: Any) -> Any:
    """Microsecond timestamps with a `+00:00` offset and keys in reverse order: both as valid as ours."""
    return reversed_keys(value, _offset_timestamp)


def _offset_timestamp(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 24 and value.endswith("Z") and value[10] == "T":
        return value[:-1] + "123+00:00"
    return value


def listed(ctx: Context) -> list[dict[str, Any]]:
    tiers = [render(ctx, t) for t in ctx.store.all(TIER)]
    if ctx.fault("tier-list-reversed-with-extras"):
        tiers = [{**t, "memberCount": 0, "_links": {"self": t["id"]}} for t in reversed(tiers)]
    if ctx.fault("tier-list-includes-base"):
        settings = ctx.store.get(SETTINGS, SETTINGS_ID) or {}
        tiers.append(
            {
                "tierDefinition": settings.get("baseTierDefinition") or {"name": "Base"},
                "requiredPoints": 0,
                "revision": "1",
            }
        )
    return tiers


def public_settings(ctx: Context, settings: dict[str, Any]) -> dict[str, Any]:
    public = {k: v for k, v in settings.items() if k != "id"}
    if ctx.fault("tier-undocumented-extras"):
        public["pointsExpirationEnabled"] = False
    return public
