"""Members Badges v4 and Badge Assignments v4 paths and envelopes (API-FACTS-BADGES-V4 §3, §4)."""

from __future__ import annotations

from typing import Any

from conformance.apis.badges import BadgeCrud
from conformance.target import Exchange, Target

BADGES = "/badges/v4/badges"
QUERY = f"{BADGES}/query"
ORDER = f"{BADGES}/order"
ASSIGNMENTS = "/badges/v4/assignments"
BULK = "/badges/v4/bulk/assignments"
#: The SDK's paths for any host but www.wixapis.com (AMB4-1, ASSIGN-18).
ALIAS_ASSIGNMENTS = "/badges/v4/badge-assignments"
ALIAS_BULK = "/badges/v4/bulk/badge-assignments"
PAGE = 100
MAX_PAGES = 200  # a walk never runs forever, even against a target whose cursors never end


def badge_path(badge_id: str) -> str:
    return f"{BADGES}/{badge_id}"


def assignment_path(assignment_id: str, prefix: str = ASSIGNMENTS) -> str:
    return f"{prefix}/{assignment_id}"


def query_body(filter: dict[str, Any] | None = None, sort: list[dict[str, Any]] | None = None,
               limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
    """`{query: {filter, sort, cursorPaging}}`; a follow-up page carries only the cursor (BADGE4-20)."""
    query: dict[str, Any] = {}
    if filter is not None:
        query["filter"] = filter
    if sort is not None:
        query["sort"] = sort
    paging = {k: v for k, v in (("limit", limit), ("cursor", cursor)) if v is not None}
    if paging:
        query["cursorPaging"] = paging
    return {"query": query}


def next_cursor(answer: Exchange) -> str | None:
    body: dict[str, Any] = answer.body if isinstance(answer.body, dict) else {}
    metadata: dict[str, Any] = body["pagingMetadata"] if isinstance(body.get("pagingMetadata"), dict) else {}
    cursors: dict[str, Any] = metadata["cursors"] if isinstance(metadata.get("cursors"), dict) else {}
    cursor = cursors.get("next")
    return cursor if isinstance(cursor, str) and cursor else None


class BadgesV4Api(BadgeCrud):
    collection = BADGES

    def query(self, filter: dict[str, Any] | None = None, sort: list[dict[str, Any]] | None = None,
              limit: int | None = None, cursor: str | None = None) -> Exchange:
        return self.target.post(QUERY, query_body(filter, sort, limit, cursor))

    def order(self, ids: list[str]) -> Exchange:
        return self.target.post(ORDER, {"ids": ids})

    def move(self, badge_id: str, **body: Any) -> Exchange:
        return self.target.post(f"{badge_path(badge_id)}/move", body)

    def all(self) -> list[dict[str, Any]]:
        """Every badge, by walking the cursor (empty on any error)."""
        return walk(self.target, QUERY, "badges", {})


class AssignmentsV4Api:
    def __init__(self, target: Target, prefix: str = ASSIGNMENTS, bulk: str = BULK):
        self.target = target
        self.prefix = prefix
        self.bulk_prefix = bulk

    def create(self, badge_id: str, member_id: str, **extra: Any) -> Exchange:
        return self.target.post(self.prefix, {"badgeAssignment": {"badgeId": badge_id, "memberId": member_id,
                                                                  **extra}})

    def query(self, filter: dict[str, Any] | None = None, sort: list[dict[str, Any]] | None = None,
              limit: int | None = None, cursor: str | None = None) -> Exchange:
        return self.target.post(f"{self.prefix}/query", query_body(filter, sort, limit, cursor))

    def delete(self, assignment_id: str) -> Exchange:
        return self.target.delete(assignment_path(assignment_id, self.prefix))

    def bulk_create(self, items: list[dict[str, Any]], return_entity: bool | None = None) -> Exchange:
        body: dict[str, Any] = {"badgeAssignments": items}
        if return_entity is not None:
            body["returnEntity"] = return_entity
        return self.target.post(f"{self.bulk_prefix}/create", body)

    def bulk_delete(self, ids: list[str]) -> Exchange:
        return self.target.post(f"{self.bulk_prefix}/delete", {"badgeAssignmentIds": ids})

    def update_tags(self, ids: list[str], assign: dict[str, Any], unassign: dict[str, Any] | None = None) -> Exchange:
        body: dict[str, Any] = {"ids": ids, "assignTags": assign}
        if unassign is not None:
            body["unassignTags"] = unassign
        return self.target.post(f"{self.bulk_prefix}/bulk-update-tags", body)

    def update_tags_by_filter(self, filter: dict[str, Any], assign: dict[str, Any]) -> Exchange:
        return self.target.post(f"{self.bulk_prefix}/update-tags-by-filter", {"filter": filter, "assignTags": assign})

    def of(self, filter: dict[str, Any]) -> list[dict[str, Any]]:
        """Every assignment matching `filter`, by walking the cursor (empty on any error)."""
        return walk(self.target, f"{self.prefix}/query", "badgeAssignments", filter)


def walk(target: Target, path: str, key: str, filter: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    answer = target.post(path, query_body(filter, limit=PAGE))
    for _ in range(MAX_PAGES):
        body: dict[str, Any] = answer.body if answer.status == 200 and isinstance(answer.body, dict) else {}
        items: list[Any] = body[key] if isinstance(body.get(key), list) else []
        fresh = [i for i in items if isinstance(i, dict) and i.get("id") not in seen]
        for item in fresh:
            seen.add(str(item.get("id")))
            found.append(item)
        cursor = next_cursor(answer)
        if not cursor or not fresh:
            break
        answer = target.post(path, query_body(limit=PAGE, cursor=cursor))
    return found


def served(target: Target) -> bool:
    """False when every v4 probe answers 404: the target does not implement Badges v4 at all."""
    probes = (target.post(QUERY, {"query": {}}), target.post(f"{ASSIGNMENTS}/query", {"query": {}}))
    return any(answer.status != 404 for answer in probes)


def delete_owned(target: Target, badge_id: str) -> None:
    """Delete a badge this run created (a 404 means it is already gone); its assignments go with it."""
    target.delete(badge_path(badge_id))


def delete_owned_assignment(target: Target, assignment_id: str) -> None:
    target.delete(assignment_path(assignment_id))


def tagged(target: Target, tag: str) -> list[str]:
    """Ids of v4 badges whose title carries the run tag (what a crashed run may have left behind)."""
    return [b["id"] for b in walk(target, QUERY, "badges", {}) if tag in str(b.get("title", "")) and b.get("id")]


def tagged_assignments(target: Target, tag: str) -> list[str]:
    """Assignments carry no name; they go with the tagged badges they belong to (BADGE4-17)."""
    return []
