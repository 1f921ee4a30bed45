"""The route table of Members Badges v3."""

from __future__ import annotations

from starlette.routing import Route

from conformance.reference.badges import wire
from conformance.reference.badges.handlers import (
    create_badge,
    delete_badge,
    get_badge,
    list_badges,
    query_badges,
    update_badge,
)
from conformance.reference.badges.members import (
    assign,
    counts,
    display_order,
    list_members,
    member_badges,
    shadowed_by_id,
    unassign,
)
from conformance.reference.badges.model import PREFIX
from conformance.reference.badges.wire import bare_not_found, errors_changed
from conformance.reference.http import Context


def routes(ctx: Context) -> list[Route]:
    """The endpoints; fault variants shadow literal segments by {badge_id} (COMMON-17) or change every error."""
    members_shadowed = ctx.fault("badge-route-members-shadowed")
    lookup = (Route(f"{PREFIX}/{{badge_id}}", shadowed_by_id, methods=["POST"]) if members_shadowed
              else Route(f"{PREFIX}/members", member_badges, methods=["POST"]))
    tally = (Route(f"{PREFIX}/{{badge_id}}/count", shadowed_by_id, methods=["GET"]) if members_shadowed
             else Route(f"{PREFIX}/members/count", counts, methods=["GET"]))
    order = Route(f"{PREFIX}/order", display_order, methods=["PATCH"])
    shadowed = ctx.fault("badge-route-order-shadowed")
    # COMMON-17: literal segments are declared before the {badge_id} templates.
    table = [
        Route(PREFIX, list_badges, methods=["GET"]),
        Route(PREFIX, create_badge, methods=["POST"]),
        Route(f"{PREFIX}/query", query_badges, methods=["POST"]),
        lookup,
        tally,
        *([] if shadowed else [order]),
        Route(f"{PREFIX}/{{badge_id}}", get_badge, methods=["GET"]),
        Route(f"{PREFIX}/{{badge_id}}", update_badge, methods=["PATCH"]),
        Route(f"{PREFIX}/{{badge_id}}", delete_badge, methods=["DELETE"]),
        *([order] if shadowed else []),
        Route(f"{PREFIX}/{{badge_id}}/members", list_members, methods=["GET"]),
        Route(f"{PREFIX}/{{badge_id}}/members", assign, methods=["POST"]),
        Route(f"{PREFIX}/{{badge_id}}/members", unassign, methods=["DELETE"]),
    ]
    for fault, change in ((wire.ERRORS_DIFFER, wire.reworded), ("badge-not-found-body-bare", bare_not_found)):
        if ctx.fault(fault):
            table = [Route(r.path, errors_changed(r.endpoint, change), methods=list(r.methods or ()))
                     for r in table]
    return table
