"""The spec's shape: valid OpenAPI 3.1, and exactly the documented endpoints under its public prefix
(API-FACTS §2.3, §3.2, §4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from conformance.lint.documents import operations
from conformance.lint.report import Report, SpecSummary, one_line

#: The documented endpoints, by the public prefix in each spec's `servers` URL (path ids normalised to `{}`).
INVENTORY: dict[str, tuple[str, ...]] = {
    "/members/v3": (
        "GET /badges", "POST /badges", "PATCH /badges/{}", "POST /badges/query", "GET /badges/{}",
        "DELETE /badges/{}", "GET /badges/{}/members", "POST /badges/{}/members", "DELETE /badges/{}/members",
        "POST /badges/members", "GET /badges/members/count", "PATCH /badges/order",
    ),
    "/loyalty-tiers/v1": (
        "GET /tiers", "POST /tiers", "POST /bulk/tiers/create", "GET /tiers/{}", "PATCH /tiers/{}",
        "DELETE /tiers/{}", "GET /tiers/program-settings", "POST /tiers/program-settings",
        "PATCH /tiers/program-settings", "GET /tiers/program",
    ),
    "/loyalty-rewards/v1": (
        "GET /rewards", "POST /rewards", "POST /bulk/rewards/create", "GET /rewards/{}", "DELETE /rewards/{}",
        "POST /rewards/query", "PUT /rewards/{}",
    ),
    "/badges/v4": (
        "POST /badges", "POST /badges/query", "POST /badges/order", "GET /badges/{}", "PATCH /badges/{}",
        "DELETE /badges/{}", "POST /badges/{}/move",
    ),
    "/badges": (
        "POST /v4/assignments", "POST /v4/assignments/query", "DELETE /v4/assignments/{}",
        "POST /v4/bulk/assignments/create", "POST /v4/bulk/assignments/delete",
        "POST /v4/bulk/assignments/bulk-update-tags", "POST /v4/bulk/assignments/update-tags-by-filter",
    ),
}


def spec_validator_errors(document: dict[str, Any], uri: str) -> Iterator[str]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    if str(document.get("openapi", "")).split(".")[:2] != ["3", "1"]:
        yield f"`openapi` is {document.get('openapi')!r}; the suite needs 3.1.x"
        return
    try:
        for error in OpenAPIV31SpecValidator(document, base_uri=uri).iter_errors():
            yield getattr(error, "message", str(error)).splitlines()[0]
    except Exception as exc:  # the validator raises on unresolvable references
        yield f"{exc.__class__.__name__}: {one_line(exc)}"


def server_prefix(document: dict[str, Any]) -> str:
    servers = document.get("servers") or [{}]
    return urlparse(str(servers[0].get("url", ""))).path.rstrip("/")


def inventory(summary: SpecSummary, document: dict[str, Any], problem: Report) -> None:
    """Fill in the spec's operations and webhooks; report documented operations it lacks and ones it adds."""
    summary.operations = [f"{m.upper()} {route}" for m, route, _, _ in operations(document)]
    summary.webhooks = [name for name, item in (document.get("webhooks") or {}).items() if isinstance(item, dict)]
    expected = INVENTORY.get(summary.prefix)
    if expected is None:
        problem("servers", f"public prefix {summary.prefix!r} is none of {', '.join(INVENTORY)}")
        return
    declared = {f"{op.split(' ')[0]} {_normalise(op.split(' ', 1)[1])}" for op in summary.operations}
    for missing in sorted(set(expected) - declared):
        problem("paths", f"documented operation {missing} is missing")
    for extra in sorted(declared - set(expected)):
        problem("paths", f"operation {extra} is not a documented endpoint of {summary.prefix}")


def _normalise(route: str) -> str:
    """`/tiers/{tierId}` -> `/tiers/{}` (nested braces count as one parameter)."""
    out, depth = [], 0
    for char in route:
        if char == "{":
            depth += 1
            if depth == 1:
                out.append("{}")
        elif char == "}":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)
