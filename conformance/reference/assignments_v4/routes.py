"""The route table of Badge Assignments v4: the canonical paths and the SDK's `badge-assignments` alias."""

from __future__ import annotations

from starlette.routing import Route

from conformance.reference.assignments_v4.handlers import (
    bulk_create,
    bulk_delete,
    create,
    delete,
    query,
    update_tags,
    update_tags_by_filter,
)
from conformance.reference.assignments_v4.model import BULK_PREFIXES, PREFIXES
from conformance.reference.http import Context


def routes(ctx: Context) -> list[Route]:
    """The endpoints under both prefixes; fault variants leave out the alias (ASSIGN-18) or route
    /assignments/query as an assignment id (ASSIGN-20)."""
    prefixes = PREFIXES[:1] if ctx.fault("assign4-alias-missing") else PREFIXES
    bulk_prefixes = BULK_PREFIXES[:1] if ctx.fault("assign4-alias-missing") else BULK_PREFIXES
    found: list[Route] = []
    for prefix in prefixes:
        by_id = Route(f"{prefix}/{{assignment_id}}", delete, methods=["DELETE"])
        shadow = [Route(f"{prefix}/{{assignment_id}}", delete, methods=["POST"])] if ctx.fault(
            "assign4-query-route-shadowed") else []
        found += [Route(prefix, create, methods=["POST"]), *shadow,
                  Route(f"{prefix}/query", query, methods=["POST"]), by_id]
    for prefix in bulk_prefixes:
        found += [Route(f"{prefix}/create", bulk_create, methods=["POST"]),
                  Route(f"{prefix}/delete", bulk_delete, methods=["POST"]),
                  Route(f"{prefix}/bulk-update-tags", update_tags, methods=["POST"]),
                  Route(f"{prefix}/update-tags-by-filter", update_tags_by_filter, methods=["POST"])]
    return found
