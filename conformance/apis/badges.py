"""Members Badges v3 paths and envelopes (API-FACTS §2.3)."""

from __future__ import annotations

from typing import Any

from conformance.target import Exchange, Target

BADGES = "/members/v3/badges"
QUERY = f"{BADGES}/query"
MEMBER_BADGES = f"{BADGES}/members"
COUNTS = f"{BADGES}/members/count"
ORDER = f"{BADGES}/order"
PAGE = 100
MAX_PAGES = 200  # a walk never runs forever, even against a target that ignores offset


def badge_path(badge_id: str) -> str:
    return f"{BADGES}/{badge_id}"


def members_path(badge_id: str) -> str:
    return f"{BADGES}/{badge_id}/members"


def paging(limit: int | None = None, offset: int | None = None) -> dict[str, int]:
    """Dotted GET parameters (§1.2): `paging.limit`, `paging.offset`."""
    params = {}
    if limit is not None:
        params["paging.limit"] = limit
    if offset is not None:
        params["paging.offset"] = offset
    return params


class BadgeCrud:
    """Create/get/update/delete of a badge under `collection`: the same envelope in v3 and v4."""

    collection = BADGES

    def __init__(self, target: Target):
        self.target = target

    def path(self, badge_id: str) -> str:
        return f"{self.collection}/{badge_id}"

    def create(self, badge: dict[str, Any]) -> Exchange:
        return self.target.post(self.collection, {"badge": badge})

    def get(self, badge_id: str) -> Exchange:
        return self.target.get(self.path(badge_id))

    def update(self, badge_id: str, badge: dict[str, Any]) -> Exchange:
        return self.target.patch(self.path(badge_id), {"badge": {**badge, "id": badge_id}})

    def delete(self, badge_id: str) -> Exchange:
        return self.target.delete(self.path(badge_id))


class BadgesApi(BadgeCrud):

    def page(self, limit: int | None = None, offset: int | None = None) -> Exchange:
        return self.target.get(BADGES, params=paging(limit, offset) or None)

    def query(self, filter: dict[str, Any] | None = None, sort: list[dict[str, Any]] | None = None,
              limit: int | None = None, offset: int | None = None, **extra: Any) -> Exchange:
        """Query Badges takes a flat body (AMB-18): `{filter, sort, paging}`."""
        body: dict[str, Any] = dict(extra)
        if filter is not None:
            body["filter"] = filter
        if sort is not None:
            body["sort"] = sort
        if limit is not None or offset is not None:
            body["paging"] = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
        return self.target.post(QUERY, body)

    def members(self, badge_id: str, limit: int | None = None, offset: int | None = None) -> Exchange:
        return self.target.get(members_path(badge_id), params=paging(limit, offset) or None)

    def assign(self, badge_id: str, member_ids: list[str]) -> Exchange:
        return self.target.post(members_path(badge_id), {"memberIds": member_ids})

    def unassign(self, badge_id: str, member_ids: list[str]) -> Exchange:
        """Member ids go as repeated query keys: `?memberIds=a&memberIds=b` (§1.2)."""
        params = [("memberIds", m) for m in member_ids]
        return self.target.delete(members_path(badge_id), params=params or None)

    def member_badges(self, member_ids: list[str]) -> Exchange:
        return self.target.post(MEMBER_BADGES, {"memberIds": member_ids})

    def counts(self) -> Exchange:
        return self.target.get(COUNTS)

    def order(self, badge_ids: list[str]) -> Exchange:
        return self.target.patch(ORDER, {"badgeIds": badge_ids})

    def all(self) -> list[dict[str, Any]]:
        """Every badge, in display order, by walking `paging.offset` (empty on any error)."""
        return all_badges(self.target)


def all_badges(target: Target) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        answer = target.get(BADGES, params=paging(PAGE, page * PAGE))
        body = answer.body if answer.status == 200 and isinstance(answer.body, dict) else {}
        badges = body.get("badges")
        if not isinstance(badges, list) or not badges:
            break
        fresh = [b for b in badges if isinstance(b, dict) and b.get("id") not in seen]
        if not fresh:  # the target ignores the offset: stop rather than loop
            break
        for badge in fresh:
            seen.add(str(badge.get("id")))
            found.append(badge)
        if len(badges) < PAGE:
            break
    return found


def delete_owned(target: Target, badge_id: str) -> None:
    """Delete a badge this run created (a 404 means it is already gone); assignments go with it."""
    target.delete(badge_path(badge_id))


def tagged(target: Target, tag: str) -> list[str]:
    """Ids of badges whose title carries the run tag (what a crashed run may have left behind)."""
    return [b["id"] for b in all_badges(target) if tag in str(b.get("title", "")) and b.get("id")]
