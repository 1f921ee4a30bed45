"""The v4 events (API-FACTS-BADGES-V4 §6) as the v4 modules emit them, and the ways a producer gets them wrong.

One place decides what a v4 write emits, so the fault variants of BADGE4-29 / ASSIGN-16 / ASSIGN-17 (declared
beside the API they break, in `badges_v4` and `assignments_v4`) bend the event here and nowhere else. The
envelope, signing and delivery are the v3 `Emitter`'s (§1.6 as corrected, AMB-28).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.http import Context

BADGE = "badge4"  # Emitter.FQDN keys
ASSIGNMENT = "assignment4"


def emit_badge(ctx: Context, slug: str, badge: dict[str, Any], before: dict[str, Any] | None = None) -> None:
    """V1 created, V4 updated, V5 deleted (and, under the AMB4-8 variant, V6/V7 updated): entityId = badge id."""
    if ctx.fault(f"badge4-event-{slug}-missing"):
        return
    entity = "badge" if ctx.fault("badge4-event-v3-fqdn") else BADGE
    shown = "create" if slug == "created" and ctx.fault("badge4-event-wrong-slug") else slug
    entity_id = ctx.clock.new_id() if ctx.fault("badge4-event-wrong-entity-id") else badge["id"]
    body: dict[str, Any] | None = badge
    if slug == "created" and ctx.fault("badge4-event-created-without-entity"):
        body = None
    if slug == "updated" and before is not None and ctx.fault("badge4-event-updated-stale"):
        body = before
    ctx.emit(entity, shown, entity_id, body)


def emit_assignment(ctx: Context, slug: str, doc: dict[str, Any], index: int | None = None) -> None:
    """A1/A2 created, A4/A5 deleted, one per assignment; `index` is the item's place in a bulk call (None: single)."""
    if _omitted(ctx, slug, index):
        return
    entity = BADGE if ctx.fault("assign4-event-badge-fqdn") else ASSIGNMENT
    shown = "assigned" if slug == "created" and ctx.fault("assign4-event-wrong-slug") else slug
    entity_id = doc["badgeId"] if ctx.fault("assign4-event-entity-id-is-badge") else doc["id"]
    body: dict[str, Any] | None = dict(doc)
    if ctx.fault("assign4-event-body-without-member"):
        body = {k: v for k, v in doc.items() if k != "memberId"}
    if (slug == "created" and ctx.fault("assign4-event-created-without-entity")) or (
            slug == "deleted" and ctx.fault("assign4-event-deleted-without-entity")):
        body = None
    ctx.emit(entity, shown, entity_id, body)


def _omitted(ctx: Context, slug: str, index: int | None) -> bool:
    if index is None:
        return ctx.fault(f"assign4-event-{slug}-missing")
    if slug == "created":
        return index > 0 and ctx.fault("assign4-event-bulk-created-first-only")
    return ctx.fault("assign4-event-bulk-deleted-missing")
