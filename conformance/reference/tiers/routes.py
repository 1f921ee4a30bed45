"""The route table of Loyalty Tiers v1."""

from __future__ import annotations

from starlette.routing import Route

from conformance.reference.http import Context
from conformance.reference.tiers.handlers import (
    bulk_create,
    create_tier,
    delete_tier,
    get_tier,
    list_tiers,
    update_tier,
)
from conformance.reference.tiers.model import PREFIX
from conformance.reference.tiers.program import create_settings, get_program, get_settings, update_settings


def routes(ctx: Context) -> list[Route]:
    """The endpoints; the route-shadowing fault variant leaves out Get Tiers Program (COMMON-17)."""
    program_routes = (
        []
        if ctx.fault("tier-program-route-shadowed")
        else [Route(f"{PREFIX}/tiers/program", get_program, methods=["GET"])]
    )
    return [
        Route(f"{PREFIX}/tiers", list_tiers, methods=["GET"]),
        Route(f"{PREFIX}/tiers", create_tier, methods=["POST"]),
        Route(f"{PREFIX}/bulk/tiers/create", bulk_create, methods=["POST"]),
        *program_routes,
        Route(f"{PREFIX}/tiers/program-settings", get_settings, methods=["GET"]),
        Route(f"{PREFIX}/tiers/program-settings", create_settings, methods=["POST"]),
        Route(f"{PREFIX}/tiers/program-settings", update_settings, methods=["PATCH"]),
        Route(f"{PREFIX}/tiers/{{tier_id}}", get_tier, methods=["GET"]),
        Route(f"{PREFIX}/tiers/{{tier_id}}", update_tier, methods=["PATCH"]),
        Route(f"{PREFIX}/tiers/{{tier_id}}", delete_tier, methods=["DELETE"]),
    ]
