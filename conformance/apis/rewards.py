"""Loyalty Rewards v1 paths and envelopes (API-FACTS §4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from conformance.apis import delete_at_revision, moment
from conformance.target import Exchange, Target

PREFIX = "/loyalty-rewards/v1"
REWARDS = f"{PREFIX}/rewards"
QUERY = f"{REWARDS}/query"
BULK_CREATE = f"{PREFIX}/bulk/rewards/create"
BULK_GET = f"{PREFIX}/bulk/rewards"
#: Server-managed (or legacy, AMB-4) keys a GET returns; stripped before a PUT (AMB-23, AMB-30).
READ_ONLY = ("id", "_id", "createdDate", "updatedDate", "requiredPoints")
#: Upper bound on pages one walk follows, so a cursor that never ends cannot hang a run.
MAX_PAGES = 500


def reward_path(reward_id: str) -> str:
    return f"{REWARDS}/{reward_id}"


def free_shipping(name: str, cost: int = 20, **fields: Any) -> dict[str, Any]:
    """The SR example reward: a free-shipping coupon for the base tier."""
    return {
        "name": name,
        "type": "COUPON_REWARD",
        "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": cost}]}},
        **fields,
    }


def discount_amount(name: str, amount: str = "1", cost: int = 10, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "DISCOUNT_AMOUNT",
        "discountAmount": {"configsByTier": [{"amount": amount, "costInPoints": cost}]},
        **fields,
    }


def coupon(name: str, coupon_reward: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": "COUPON_REWARD", "couponReward": coupon_reward, **fields}


def editable(reward: dict[str, Any]) -> dict[str, Any]:
    """A GET result ready to PUT back: read-only fields removed, `revision` kept (AMB-23)."""
    return {k: v for k, v in reward.items() if k not in READ_ONLY}


def base_configs(reward: dict[str, Any]) -> list[dict[str, Any]]:
    """The configsByTier of whichever payload the reward carries."""
    if isinstance(reward.get("discountAmount"), dict):
        return list(reward["discountAmount"].get("configsByTier") or [])
    coupon_reward = reward.get("couponReward") or {}
    for kind in ("fixedAmount", "percentage", "freeShipping"):
        if isinstance(coupon_reward.get(kind), dict):
            return list(coupon_reward[kind].get("configsByTier") or [])
    return []


#: The documented fields of a reward (API-FACTS §4.1) and of its payloads: what a round trip must keep.
REWARD_FIELDS = ("id", "name", "active", "type", "revision", "createdDate", "updatedDate", "discountAmount",
                 "couponReward")
COUPON_FIELDS = ("fixedAmount", "percentage", "freeShipping", "minimumSubtotal", "scope", "limitedToOneItem",
                 "appliesToSubscriptions", "discountedCycleCount")
CONFIG_FIELDS = ("tierId", "costInPoints", "amount", "percentage")


def documented(reward: dict[str, Any]) -> dict[str, Any]:
    """A reward reduced to what the documents promise, in a form two correct servers agree on: documented
    fields only (extra ones are free), default values dropped (they may be omitted, §1.2), configs in tier
    order (their order is not promised), timestamps as instants and amounts as numbers (spelling is free)."""
    out: dict[str, Any] = {}
    for key in REWARD_FIELDS:
        value = reward.get(key)
        if key in ("createdDate", "updatedDate"):
            value = moment(value) or value
        elif key == "discountAmount" and isinstance(value, dict):
            value = {"configsByTier": _configs(value.get("configsByTier"))}
        elif key == "couponReward" and isinstance(value, dict):
            value = _coupon(value)
        if not _is_default(value):
            out[key] = value
    return out


def _coupon(coupon_reward: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in COUPON_FIELDS:
        value = coupon_reward.get(key)
        if key in ("fixedAmount", "percentage", "freeShipping") and isinstance(value, dict):
            value = {"configsByTier": _configs(value.get("configsByTier"))}
        elif key == "scope" and isinstance(value, dict):
            raw_group = value.get("group")
            group: dict[str, Any] = raw_group if isinstance(raw_group, dict) else {}
            value = _without_defaults({"namespace": value.get("namespace"),
                                       "group": _without_defaults({k: group.get(k) for k in ("name", "entityId")})})
        if not _is_default(value):
            out[key] = value
    return out


def _configs(configs: Any) -> list[dict[str, Any]]:
    if not isinstance(configs, list):
        return []
    out = []
    for config in configs:
        if not isinstance(config, dict):
            out.append({"unreadable": config})
            continue
        item = {k: config.get(k) for k in CONFIG_FIELDS}
        if item["amount"] is not None:
            item["amount"] = _number(item["amount"])
        out.append(_without_defaults(item))
    return sorted(out, key=lambda c: str(c.get("tierId", "")))


def _number(value: Any) -> Any:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def _without_defaults(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if not _is_default(v)}


def _is_default(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {} or (
        isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and value == 0
    )


class RewardsApi:
    def __init__(self, target: Target):
        self.target = target

    def create(self, reward: dict[str, Any]) -> Exchange:
        return self.target.post(REWARDS, {"reward": reward})

    def bulk_create(self, rewards: list[dict[str, Any]]) -> Exchange:
        return self.target.post(BULK_CREATE, {"rewards": rewards})

    def get(self, reward_id: str, **params: Any) -> Exchange:
        return self.target.get(reward_path(reward_id), params=params or None)

    def list(self, limit: int | None = None, cursor: str | None = None) -> Exchange:
        params: dict[str, Any] = {}
        if limit is not None:
            params["cursorPaging.limit"] = limit
        if cursor is not None:
            params["cursorPaging.cursor"] = cursor
        return self.target.get(REWARDS, params=params or None)

    def query(self, query: dict[str, Any]) -> Exchange:
        return self.target.post(QUERY, {"query": query})

    def update(self, reward_id: str, reward: dict[str, Any]) -> Exchange:
        return self.target.put(reward_path(reward_id), {"reward": {**reward, "id": reward_id}})

    def delete(self, reward_id: str, revision: str | None = None, **params: Any) -> Exchange:
        if revision is not None:
            params["revision"] = revision
        return self.target.delete(reward_path(reward_id), params=params or None)

    def bulk_get(self) -> Exchange:
        return self.target.get(BULK_GET)

    def list_pages(self, limit: int | None = None) -> Iterator[Exchange]:
        """List Rewards page by page along `cursors.next`; stops at the last page, an error, or MAX_PAGES."""
        cursor = None
        for _ in range(MAX_PAGES):
            page = self.list(limit=limit, cursor=cursor)
            yield page
            cursor = next_cursor(page)
            if cursor is None:
                return

    def query_pages(self, query: dict[str, Any], limit: int | None = None) -> Iterator[Exchange]:
        """Query Rewards, then follow-up pages carrying only the cursor (U33)."""
        first = dict(query)
        if limit is not None:
            first["cursorPaging"] = {"limit": limit}
        page = self.query(first)
        yield page
        for _ in range(MAX_PAGES):
            cursor = next_cursor(page)
            if cursor is None:
                return
            paging: dict[str, Any] = {"cursor": cursor}
            if limit is not None:
                paging["limit"] = limit
            page = self.query({"cursorPaging": paging})
            yield page


def next_cursor(page: Exchange) -> str | None:
    """`pagingMetadata.cursors.next` when the page succeeded and names one, else None."""
    if page.status != 200 or not isinstance(page.body, dict):
        return None
    cursors = (page.body.get("pagingMetadata") or {}).get("cursors") or {}
    value = cursors.get("next") if isinstance(cursors, dict) else None
    return value if isinstance(value, str) and value else None


def delete_owned(target: Target, reward_id: str) -> None:
    """Delete a reward this run created, at its current revision (a 404 means it is already gone)."""
    delete_at_revision(target, reward_path(reward_id), reward_id, "reward")


def tagged(target: Target, tag: str) -> list[str]:
    """Ids of rewards whose name carries the run tag: every List Rewards page, then every Query Rewards page
    (List may omit inactive rewards, AMB-21)."""
    api = RewardsApi(target)
    found: list[str] = []
    for walk in (api.list_pages(limit=100), api.query_pages({}, limit=100)):
        for page in walk:
            if page.status != 200 or not isinstance(page.body, dict):
                break
            for reward in page.body.get("rewards") or []:
                if isinstance(reward, dict) and tag in str(reward.get("name", "")) and reward.get("id"):
                    if reward["id"] not in found:
                        found.append(reward["id"])
    return found
