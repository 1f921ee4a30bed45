"""The stored shapes of Loyalty Rewards v1: collection names, bounds, and what a new record holds."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from conformance.reference.http import Context, is_guid

PREFIX = "/loyalty-rewards/v1"
REWARD = "reward"
TYPES = ("DISCOUNT_AMOUNT", "COUPON_REWARD")
PAYLOAD_OF = {"DISCOUNT_AMOUNT": "discountAmount", "COUPON_REWARD": "couponReward"}
COUPON_KINDS = ("fixedAmount", "percentage", "freeShipping")
MAX_COST = 9_999_999
MAX_CONFIGS = 21
BULK_MAX = 10
MAX_CURSOR = 16_000
DEFAULT_LIMIT = 50
#: List Rewards' default page size is undocumented (API-FACTS §4.2); the newest-first variant takes another.
OTHER_LIST_DEFAULT = 20
CURSOR = "reward-cursor"
TIER = "tier"
MAX_LIMIT = 100
MAX_SORT = 5
#: Server-managed or legacy keys: never taken from a request body (AMB-4, AMB-30; the SDK sends `_id`).
READ_ONLY = (
    "id",
    "_id",
    "revision",
    "createdDate",
    "updatedDate",
    "_createdDate",
    "_updatedDate",
    "requiredPoints",
)
DECIMAL = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


def base_cost(reward: dict[str, Any]) -> int | None:
    payload = reward.get("discountAmount") or {}
    if not payload:
        coupon = reward.get("couponReward") or {}
        payload = next((coupon[k] for k in COUPON_KINDS if k in coupon), {})
    for config in payload.get("configsByTier", []):
        if not config.get("tierId"):
            return config.get("costInPoints")
    return None


def timestamp(ctx: Context) -> str:
    if ctx.fault("reward-other-ids-and-timestamps"):
        return datetime.now(UTC).isoformat(timespec="microseconds")
    return ctx.clock.now()


def new_id(ctx: Context) -> str:
    return str(uuid.uuid1()) if ctx.fault("reward-other-ids-and-timestamps") else ctx.clock.new_id()


def new_reward(ctx: Context, fields: dict[str, Any], client: dict[str, Any]) -> dict[str, Any]:
    now = timestamp(ctx)
    reward_id = new_id(ctx)
    if ctx.fault("reward-id-from-client") and is_guid(client.get("id")):
        reward_id = client["id"]
    if ctx.fault("reward-create-drops-config"):
        for payload in (fields.get("couponReward") or {}).values():
            if isinstance(payload, dict) and "configsByTier" in payload:
                payload["configsByTier"] = []
    if ctx.fault("reward-required-points-overrides-cost") and isinstance(client.get("requiredPoints"), int):
        payload = fields.get("discountAmount") or next(
            (
                p
                for p in (fields.get("couponReward") or {}).values()
                if isinstance(p, dict) and "configsByTier" in p
            ),
            {},
        )
        for config in payload.get("configsByTier", []):
            if not config.get("tierId"):
                config["costInPoints"] = client["requiredPoints"]
    return {"id": reward_id, **fields, "revision": "1", "createdDate": now, "updatedDate": now}


def writable(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in raw.items() if k not in READ_ONLY}
