"""The route table of Members Badges v4."""

from __future__ import annotations

from starlette.routing import Route

from conformance.reference.badges_v4.handlers import (
    create_badge,
    delete_badge,
    display_order,
    get_badge,
    move_badge,
    query_badges,
    update_badge,
)
from conformance.reference.badges_v4.model import PREFIX
from conformance.reference.http import Context


def routes(ctx: Context) -> list[Route]:
    """The endpoints (literal segments before the {badge_id} templates, COMMON-17)."""
    return [
        Route(PREFIX, create_badge, methods=["POST"]),
        Route(f"{PREFIX}/query", query_badges, methods=["POST"]),
        Route(f"{PREFIX}/order", display_order, methods=["POST"]),
        Route(f"{PREFIX}/{{badge_id}}", get_badge, methods=["GET"]),
        Route(f"{PREFIX}/{{badge_id}}", update_badge, methods=["PATCH"]),
        Route(f"{PREFIX}/{{badge_id}}", delete_badge, methods=["DELETE"]),
        Route(f"{PREFIX}/{{badge_id}}/move", move_badge, methods=["POST"]),
    ]
