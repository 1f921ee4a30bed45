"""Field checks of Loyalty Rewards v1: a complete reward, its payloads and tier configs, ids in the path."""

from __future__ import annotations

import math
from typing import Any

from conformance.reference import validation as check
from conformance.reference.errors import Violations
from conformance.reference.http import Context, id_in_path, is_guid
from conformance.reference.rewards.model import (
    COUPON_KINDS,
    DECIMAL,
    MAX_CONFIGS,
    MAX_COST,
    PAYLOAD_OF,
    TIER,
    TYPES,
)


def reward_fields(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Validate a complete reward (create, or an update merged onto the stored one); returns stored fields."""
    out: dict[str, Any] = {}
    min_name = 0 if ctx.fault("reward-empty-name-accepted") else 1
    max_name = 200 if ctx.fault("reward-name-length-unchecked") else 50
    name = check.string(
        v,
        raw.get("name"),
        f"{prefix}.name",
        required=not ctx.fault("reward-empty-name-accepted"),
        min_length=min_name,
        max_length=max_name,
    )
    out["name"] = name if name is not None else ""
    active = check.boolean(v, raw.get("active"), f"{prefix}.active")
    out["active"] = active if active is not None else ctx.fault("reward-active-default-true")
    present = [key for key in ("discountAmount", "couponReward") if raw.get(key) is not None]
    if ctx.fault("reward-type-unchecked") and isinstance(raw.get("type"), str):
        kind: str | None = raw["type"]
    elif ctx.fault("reward-type-inferred") and raw.get("type") == "COUPON":
        kind = "COUPON_REWARD"  # the legacy name of the coupon type (U29)
    elif ctx.fault("reward-type-inferred") and raw.get("type") in (None, "UNDEFINED") and len(present) == 1:
        kind = {v: k for k, v in PAYLOAD_OF.items()}[present[0]]
    else:
        # AMB-24: UNDEFINED, the legacy COUPON and a missing type are rejected rather than inferred.
        kind = check.enum(v, raw.get("type"), f"{prefix}.type", TYPES, required=True)
    if kind is not None:
        out["type"] = kind
    if not ctx.fault("reward-oneof-unchecked") and kind in PAYLOAD_OF:
        wanted = PAYLOAD_OF[kind]
        if len(present) > 1:
            v.add(prefix, "only one of discountAmount or couponReward may be set", "ONE_OF")
        elif wanted not in present:
            v.add(f"{prefix}.{wanted}", f"is required when type is {kind}", "REQUIRED_FIELD")
    if "discountAmount" in present:
        amount = check.obj(v, raw["discountAmount"], f"{prefix}.discountAmount")
        if amount is not None:
            out["discountAmount"] = _discount_amount(ctx, v, amount, f"{prefix}.discountAmount")
    if "couponReward" in present:
        coupon = check.obj(v, raw["couponReward"], f"{prefix}.couponReward")
        if coupon is not None:
            out["couponReward"] = _coupon(ctx, v, coupon, f"{prefix}.couponReward")
    return out


def _discount_amount(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    configs = _configs(ctx, v, raw.get("configsByTier"), f"{prefix}.configsByTier", minimum=0)
    out = []
    for index, (config, item) in enumerate(configs):
        field = f"{prefix}.configsByTier[{index}].amount"
        amount = item.get("amount")
        if isinstance(amount, int) and not isinstance(amount, bool):
            amount = str(amount)
        if amount is None:
            v.add(field, "is required", "REQUIRED_FIELD")
        elif not isinstance(amount, str):
            v.add(field, "must be a decimal string")
        elif not ctx.fault("reward-amount-unchecked") and (not DECIMAL.match(amount) or float(amount) <= 0):
            v.add(field, "must be a positive decimal with at most 2 decimal places", "DECIMAL_VALUE")
        else:
            config["amount"] = amount
        out.append(config)
    return {"configsByTier": out}


def _coupon(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kinds = [k for k in COUPON_KINDS if raw.get(k) is not None]
    lenient = ctx.fault("reward-coupon-oneof-unchecked")
    if len(kinds) != 1 and not (lenient and kinds):
        v.add(prefix, "exactly one of fixedAmount, percentage or freeShipping must be set", "ONE_OF")
    for kind in kinds:
        body = check.obj(v, raw[kind], f"{prefix}.{kind}")
        if body is None:
            continue
        configs = []
        for index, (config, item) in enumerate(
            _configs(ctx, v, body.get("configsByTier"), f"{prefix}.{kind}.configsByTier", minimum=1)
        ):
            field = f"{prefix}.{kind}.configsByTier[{index}]"
            if kind == "fixedAmount":
                amount = _number(v, item.get("amount"), f"{field}.amount")
                if amount is not None and amount < 0.01 and not ctx.fault("reward-amount-unchecked"):
                    v.add(f"{field}.amount", "must be at least 0.01", "OUT_OF_RANGE")
                config["amount"] = amount
            elif kind == "percentage":
                percentage = _number(v, item.get("percentage"), f"{field}.percentage")
                if percentage is not None and not 0 < percentage <= 100:
                    v.add(f"{field}.percentage", "must be above 0 and at most 100", "OUT_OF_RANGE")
                config["percentage"] = percentage
            configs.append(config)
        out[kind] = {"configsByTier": configs}
    has_subtotal = raw.get("minimumSubtotal") is not None
    has_scope = raw.get("scope") is not None
    if has_subtotal and has_scope and not lenient:
        v.add(prefix, "only one of minimumSubtotal or scope may be set", "ONE_OF")
    if has_subtotal:
        subtotal = _number(v, raw["minimumSubtotal"], f"{prefix}.minimumSubtotal")
        if subtotal is not None and subtotal < 0:
            v.add(f"{prefix}.minimumSubtotal", "must not be negative", "OUT_OF_RANGE")
        out["minimumSubtotal"] = subtotal
    if has_scope:
        scope = check.obj(v, raw["scope"], f"{prefix}.scope")
        if scope is not None:
            out["scope"] = _scope(v, scope, f"{prefix}.scope")
    for key in ("limitedToOneItem", "appliesToSubscriptions"):
        flag = check.boolean(v, raw.get(key), f"{prefix}.{key}")
        if flag is not None:
            out[key] = flag
    maximum = None if ctx.fault("reward-cycle-count-unchecked") else 999
    minimum = None if ctx.fault("reward-cycle-count-unchecked") else 1
    cycles = check.integer(
        v, raw.get("discountedCycleCount"), f"{prefix}.discountedCycleCount", minimum=minimum, maximum=maximum
    )
    if cycles is not None:
        namespace = (out.get("scope") or {}).get("namespace")
        if out.get("appliesToSubscriptions") is not True or namespace != "pricingPlans":
            v.add(
                f"{prefix}.discountedCycleCount",
                "only allowed with appliesToSubscriptions true and scope.namespace pricingPlans",
            )
        out["discountedCycleCount"] = cycles
    return out


def _scope(v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    namespace = check.string(v, raw.get("namespace"), f"{prefix}.namespace", required=True, min_length=1)
    if namespace is not None:
        out["namespace"] = namespace
    group = check.obj(v, raw.get("group"), f"{prefix}.group", required=True)
    if group is not None:
        name = check.string(v, group.get("name"), f"{prefix}.group.name", required=True, min_length=1)
        entity = check.string(v, group.get("entityId"), f"{prefix}.group.entityId")
        out["group"] = {"name": name, **({"entityId": entity} if entity else {})}
    return out


def _configs(
    ctx: Context, v: Violations, raw: Any, field: str, minimum: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """`configsByTier` items as (validated tierId/costInPoints, raw item) pairs; sizes per REWARD-7."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        v.add(field, "must be an array")
        return []
    largest = MAX_CONFIGS - 1 if ctx.fault("reward-configs-21-rejected") else MAX_CONFIGS
    if not ctx.fault("reward-configs-unbounded") and not minimum <= len(raw) <= largest:
        v.add(field, f"must contain {minimum} to {MAX_CONFIGS} items", "ARRAY_SIZE")
    pairs = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        prefix = f"{field}[{index}]"
        if not isinstance(item, dict):
            v.add(prefix, "must be an object")
            continue
        config: dict[str, Any] = {}
        tier_id = item.get("tierId")
        if tier_id not in (None, ""):
            if ctx.fault("reward-tier-id-unchecked") and isinstance(tier_id, str):
                config["tierId"] = tier_id
            elif check.guid(v, tier_id, f"{prefix}.tierId") is not None:
                config["tierId"] = tier_id.lower()
                if ctx.fault("reward-unknown-tiers-rejected") and ctx.store.get(TIER, config["tierId"]) is None:
                    v.add(f"{prefix}.tierId", "no such tier", "UNKNOWN_TIER")
        key = config.get("tierId", "")
        if key in seen:
            v.add(f"{prefix}.tierId", "each tier may have one config only", "DUPLICATE")
        seen.add(key)
        unbounded = ctx.fault("reward-cost-unbounded")
        cost = check.integer(
            v,
            item.get("costInPoints"),
            f"{prefix}.costInPoints",
            required=True,
            minimum=None if unbounded else 1,
            maximum=None if unbounded else MAX_COST,
        )
        if cost is not None:
            config["costInPoints"] = cost
        pairs.append((config, item))
    return pairs


def _number(v: Violations, value: Any, field: str) -> float | None:
    if value is None:
        v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        v.add(field, "must be a finite number")
        return None
    return value


def guid_path(ctx: Context, reward_id: str) -> str:
    """The reward id in the path; the crashing fault variant fails on a malformed one (COMMON-4)."""
    if not is_guid(reward_id) and ctx.fault("reward-malformed-id-500"):
        raise RuntimeError("boom")
    return id_in_path(reward_id, "reward")


def paging_limit(ctx: Context, raw: Any, field: str, default: int, maximum: int | None) -> int:
    v = Violations()
    limit = check.integer(v, raw, field, minimum=0, maximum=maximum)
    v.raise_if_any()
    return limit or default  # 0 is the proto default: "not set"
