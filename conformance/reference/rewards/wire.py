"""How Loyalty Rewards v1 spells its answers and errors, including the alternative readings the fault variants
switch on."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.reference.errors import ApiError
from conformance.reference.http import Context, error_response, ok, reversed_keys
from conformance.reference.rewards.model import COUPON_KINDS, PREFIX, REWARD, base_cost


def render(ctx: Context, reward: dict[str, Any]) -> dict[str, Any]:
    out = dict(reward)
    cost = base_cost(reward)
    if cost is not None:
        out["requiredPoints"] = cost  # legacy field (AMB-4): mirrors the base-tier config
    if ctx.fault("reward-revision-as-number"):
        out["revision"] = int(out["revision"])
    if ctx.fault("reward-extra-fields-reordered"):
        out = {**out, "_links": {"self": f"{PREFIX}/rewards/{reward['id']}"}, "redemptionCount": 0}
    return out


def rendered(ctx: Context) -> list[dict[str, Any]]:
    return [render(ctx, r) for r in ctx.store.all(REWARD)]


def answer(ctx: Context, payload: dict[str, Any]) -> Response:
    """A success answer, shaped by the alternative readings that concern the whole body."""
    if ctx.fault("reward-extra-fields-reordered") and payload:  # a delete keeps its documented {} (COMMON-10)
        payload = reversed_keys({**payload, "debugInfo": {"served": "reference"}})
    if ctx.fault("reward-defaults-omitted"):
        payload = _without_defaults(payload)
    return ok(payload)


def _without_defaults(value: Any) -> Any:
    """proto3 JSON without default values (§1.2): false, 0, "", null, [] and {} are left out; the legacy
    requiredPoints too (AMB-4)."""
    if isinstance(value, dict):
        kept = {k: _without_defaults(v) for k, v in value.items() if k != "requiredPoints"}
        return {k: v for k, v in kept.items() if v not in (None, False, "", [], {}) and not _is_zero(v)}
    if isinstance(value, list):
        return [_without_defaults(v) for v in value]
    return value


def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def read_path_faults(ctx: Context, items: list[dict[str, Any]], *, listing: bool) -> list[dict[str, Any]]:
    """What a read path drops in the round-trip fault variants."""
    if listing and ctx.fault("reward-list-drops-scope"):
        items = [{**r, "couponReward": _without(r["couponReward"], "scope")} if "couponReward" in r else r
                 for r in items]
    if not listing and ctx.fault("reward-query-drops-tier-configs"):
        items = [_base_tier_only(r) for r in items]
    return items


def _without(value: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != key}


def _base_tier_only(reward: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(reward))
    payloads = [out.get("discountAmount") or {}, *((out.get("couponReward") or {}).get(k) or {} for k in COUPON_KINDS)]
    for payload in payloads:
        if isinstance(payload, dict) and "configsByTier" in payload:
            payload["configsByTier"] = [c for c in payload["configsByTier"] if not c.get("tierId")]
    return out


def errors_reworded(
    ctx: Context, handler: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """The alternative reading of every undocumented error detail: messages, codes and violation names
    (§1.4: no API-specific codes are documented). Statuses stay as documented. The nonstandard-errors fault
    answers the same statuses with a body that is not the standard one."""
    if not ctx.fault("reward-other-error-details") and not ctx.fault("reward-errors-nonstandard"):
        return handler

    async def reworded(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            if ctx.fault("reward-errors-nonstandard"):
                return JSONResponse({"error": error.message}, status_code=error.status)
            details = json.loads(json.dumps(error.details))
            application = details.get("applicationError")
            if isinstance(application, dict):
                application["code"] = f"LOYALTY_REWARDS_{application.get('code', 'ERROR')}"
                application["description"] = "the loyalty rewards service refused the request"
            for violation in (details.get("validationError") or {}).get("fieldViolations") or []:
                violation["violatedRule"] = "RULE_BROKEN"
                violation["description"] = f"bad value for {violation.get('field')}"
            return error_response(ApiError(error.status, f"Request refused ({error.status})", details))

    return reworded
