"""Loyalty Rewards v1 paths and envelopes (API-FACTS §4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
    current = target.get(reward_path(reward_id))
    if current.status == 200 and isinstance(current.body, dict):
        revision = (current.body.get("reward") or {}).get("revision")
        target.delete(reward_path(reward_id), params={"revision": revision} if revision is not None else None)


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
