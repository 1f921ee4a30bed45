"""The stored shapes of Badge Assignments v4 over the v3 assign links, and the reads and writes handlers share.

The v3 link (badge, member) is the source of truth, so a v3 assign is a v4 assignment and a v4 create is a v3
assign (§7). The assignment document (kind `badge-assignment`: id, dates, tags) is kept in step with the links
before every read and write (`reconcile`): a link without a document gets one, a document whose link is gone
(v3 unassign, a deleted badge) is dropped.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import badges as v3
from conformance.reference.badges.model import badge_ids
from conformance.reference.badges_v4.model import ASSIGNMENT
from conformance.reference.badges_v4.query import matches, sort_docs
from conformance.reference.errors import conflict, invalid, not_found, violation
from conformance.reference.events_v4 import emit_assignment
from conformance.reference.http import Context, is_guid

PREFIXES = ("/badges/v4/assignments", "/badges/v4/badge-assignments")  # canonical, then the SDK's alias
BULK_PREFIXES = ("/badges/v4/bulk/assignments", "/badges/v4/bulk/badge-assignments")
FIELDS = ("badgeId", "memberId", "id")
MAX_SORT = 5


def empty_tags() -> dict[str, Any]:
    return {"privateTags": {"tagIds": []}, "tags": {"tagIds": []}}


def reconcile(ctx: Context) -> list[dict[str, Any]]:
    """Bring the assignment documents in step with the v3 links (call inside a transaction)."""
    store = ctx.store
    badges = badge_ids(ctx, orphans=ctx.fault("badge4-delete-keeps-assignments"))
    links = [(b, m) for b in badges for m in store.rights(v3.ASSIGNED, b)]
    linked = set(links)
    kept: list[dict[str, Any]] = []
    for doc in store.all(ASSIGNMENT):
        if (doc["badgeId"], doc["memberId"]) in linked:
            kept.append(doc)
        else:
            store.remove(ASSIGNMENT, doc["id"])
    have = {(d["badgeId"], d["memberId"]) for d in kept}
    for badge_id, member_id in links:
        if (badge_id, member_id) not in have:
            now = ctx.clock.now()
            doc = {"id": ctx.clock.new_id(), "badgeId": badge_id, "memberId": member_id,
                   "createdDate": now, "updatedDate": now, "tags": empty_tags()}
            store.insert(ASSIGNMENT, doc)
            kept.append(doc)
            have.add((badge_id, member_id))
    return kept


def create_one(ctx: Context, pair: tuple[str, str], client: dict[str, Any],
               index: int | None = None) -> dict[str, Any]:
    """One assignment (inside a transaction); the existing one for a repeated pair (AMB4-12), which emits
    nothing. `index`: the item's place in a bulk create."""
    store = ctx.store
    badge_id, member_id = pair
    if store.get(v3.BADGE, badge_id) is None and not ctx.fault("assign4-unknown-badge-accepted"):
        if ctx.fault("assign4-unknown-badge-400"):
            raise invalid([violation("badgeAssignment.badgeId", "no such badge")])
        raise not_found("badge", badge_id)
    docs = reconcile(ctx)
    existing = [d for d in docs if (d["badgeId"], d["memberId"]) == pair]
    if existing and not ctx.fault("assign4-duplicates"):
        if ctx.fault("assign4-duplicate-409"):
            raise conflict(f"member {member_id} already has badge {badge_id}")
        return existing[0]
    now = ctx.clock.now()
    chosen = str(client["id"]) if ctx.fault("assign4-client-id-kept") and is_guid(client.get("id")) else None
    if ctx.fault("assign4-id-is-badge-id"):
        chosen = badge_id
    doc: dict[str, Any] = {"id": chosen or ctx.clock.new_id(), "badgeId": badge_id, "memberId": member_id,
                           "createdDate": now, "updatedDate": now, "tags": empty_tags()}
    if store.get(ASSIGNMENT, doc["id"]) is not None:
        doc["id"] = ctx.clock.new_id()
    store.link(v3.ASSIGNED, badge_id, member_id)
    store.insert(ASSIGNMENT, doc)
    emit_assignment(ctx, "created", doc, index)
    return doc


def delete_one(ctx: Context, assignment_id: str, index: int | None = None) -> dict[str, Any] | None:
    """Remove one assignment (inside a transaction); None when there is no such assignment. `index`: the
    item's place in a bulk delete."""
    store = ctx.store
    docs = {d["id"]: d for d in reconcile(ctx)}
    doc = docs.get(assignment_id)
    if doc is None:
        return None
    if not ctx.fault("assign4-delete-ignored"):
        store.remove(ASSIGNMENT, assignment_id)
        pair = (doc["badgeId"], doc["memberId"])
        if not any((d["badgeId"], d["memberId"]) == pair for k, d in docs.items() if k != assignment_id):
            store.unlink(v3.ASSIGNED, *pair)
    emit_assignment(ctx, "deleted", doc, index)
    return doc


def matching(ctx: Context, filt: dict[str, Any], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """The assignments a filter selects, in the sort keys' order (the `docs` of a query page)."""
    if ctx.fault("assign4-member-filter-ignored"):
        filt = {k: c for k, c in filt.items() if k != "memberId"}
    return sort_docs([d for d in reconcile(ctx) if matches(d, filt, ctx)], keys)


def retag(ctx: Context, doc: dict[str, Any], assign: dict[str, list[str]], unassign: dict[str, list[str]]) -> None:
    """A tag in both lists ends up assigned (NA4)."""
    tags = doc.get("tags") or empty_tags()
    for key in ("privateTags", "tags"):
        held = list((tags.get(key) or {}).get("tagIds") or [])
        if not ctx.fault("assign4-unassign-tags-ignored"):
            held = [t for t in held if t not in unassign[key]]
        held += [t for t in assign[key] if t not in held]
        tags[key] = {"tagIds": held}
    doc["tags"] = tags
    doc["updatedDate"] = max(ctx.clock.now(), doc["updatedDate"])
    ctx.store.replace(ASSIGNMENT, doc)
