"""The tier endpoints of Loyalty Tiers v1 (TIER-1..14, TIER-25, TIER-27): module-level handlers that read
their Context from the request."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import bulk
from conformance.reference import validation as check
from conformance.reference.errors import (
    ApiError,
    Violations,
    conflict,
    invalid,
    not_found,
    revision_mismatch,
    violation,
)
from conformance.reference.http import (
    RACE_WINDOW,
    Context,
    atomic,
    body_revision,
    context,
    error_response,
    is_guid,
    query_revision,
    read_json,
    rejected_after_commit,
)
from conformance.reference.tiers.model import BULK_MAX, TIER, new_tier
from conformance.reference.tiers.validation import (
    conflicts,
    guid_path,
    internal_duplicates,
    tier_fields,
    uniqueness,
)
from conformance.reference.tiers.wire import listed, ok, render


def load(ctx: Context, tier_id: str) -> dict[str, Any]:
    guid_path(ctx, tier_id)
    tier = ctx.store.get(TIER, tier_id)
    if tier is None:
        if ctx.fault("tier-unknown-id-500"):
            raise RuntimeError("boom")
        raise not_found("tier", tier_id)
    return tier


async def list_tiers(request: Request) -> Response:
    ctx = context(request)
    tiers = listed(ctx)
    if ctx.fault("tier-list-drops-description"):
        for tier in tiers:
            tier["tierDefinition"] = {k: v for k, v in (tier.get("tierDefinition") or {}).items()
                                      if k != "description"}
    return ok(ctx, {"tiers": tiers})


async def create_tier(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("tier"), "tier", required=True)
    fields = tier_fields(ctx, v, raw, "tier", creating=True) if raw is not None else {}
    if v and ctx.fault("tier-empty-name-stored") and (raw or {}).get("tierDefinition", {}).get("name") == "":
        with store.transaction():
            if any((t.get("tierDefinition") or {}).get("name") == "" for t in store.all(TIER)):
                raise conflict("a tier named '' already exists")
            store.insert(TIER, new_tier(ctx, {**fields, "tierDefinition": {"name": ""}}, raw or {}))
        return rejected_after_commit(v)
    v.raise_if_any()
    assert raw is not None
    with store.transaction():
        problem = conflicts(ctx, fields, store.all(TIER), on_update=False)
        if problem:
            raise uniqueness(ctx, problem)
        tier = new_tier(ctx, fields, raw)
        store.insert(TIER, tier)
    ctx.emit("tier", "created", tier["id"], render(ctx, tier))
    ctx.tier_program_cache[tier["id"]] = tier
    if ctx.fault("tier-create-unwrapped"):
        return ok(ctx, render(ctx, tier))
    return ok(ctx, {"tier": render(ctx, tier)})


async def bulk_create(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    items = bulk.bulk_items(await read_json(request), "tiers")
    limit = (
        21
        if ctx.fault("tier-bulk-accepts-21")
        else (19 if ctx.fault("tier-bulk-rejects-20") else BULK_MAX)
    )
    oversize = len(items) > limit
    if len(items) < 1 or (oversize and not ctx.fault("tier-bulk-oversize-partially-created")):
        raise bulk.size_error("tiers", BULK_MAX)
    if ctx.fault("tier-bulk-duplicates-reject-all") and internal_duplicates(items):
        raise conflict("the request contains two tiers with the same name or requiredPoints")
    results: list[dict[str, Any]] = []
    refused: Violations | None = None
    with store.transaction():
        existing = store.all(TIER)
        for index, raw in enumerate(items[:BULK_MAX] if oversize else items):
            v = Violations()
            entity = check.obj(v, raw, f"tiers[{index}]", required=True)
            fields = (
                tier_fields(ctx, v, entity, f"tiers[{index}]", creating=True)
                if entity is not None
                else {}
            )
            if v and ctx.fault("tier-bulk-invalid-rejected-after-storing"):
                refused = v
                break
            problem = v.items[0]["description"] if v else None
            code = "INVALID_ARGUMENT"
            if problem is None:
                pool = existing if ctx.fault("tier-bulk-internal-duplicates") else store.all(TIER)
                problem = conflicts(ctx, fields, pool, on_update=False)
                code = "ALREADY_EXISTS"
            if problem is not None:
                results.append(bulk.failed(index, code, problem, {}))
                continue
            assert entity is not None
            tier = new_tier(ctx, fields, entity)
            store.insert(TIER, tier)
            ctx.tier_program_cache[tier["id"]] = tier
            results.append(bulk.created(index, tier["id"], render(ctx, tier)))
    for result in results:
        if "item" in result:
            ctx.emit("tier", "created", result["item"]["id"], result["item"])
    if refused is not None:  # only with the fault: the items before the bad one were stored
        return rejected_after_commit(refused)
    if oversize:  # only with the fault: the first 20 were stored, yet the request "fails"
        return error_response(bulk.size_error("tiers", BULK_MAX))
    if ctx.fault("tier-bulk-results-reversed"):
        results.reverse()
    successes = bulk.successes(results)
    if ctx.fault("tier-bulk-metadata-miscounted"):  # both totals off by one
        successes += 1
    return ok(ctx, bulk.answer(results, successes, len(results) - successes))


async def get_tier(request: Request) -> Response:
    ctx = context(request)
    tier_id = request.path_params["tier_id"]
    if tier_id == "program" and ctx.fault("tier-program-route-shadowed"):
        raise invalid([violation("tierId", "must be a GUID", "FORMAT")])
    tier = render(ctx, load(ctx, tier_id))
    if ctx.fault("tier-get-drops-icon"):
        tier = {**tier, "tierDefinition": {k: v for k, v in tier["tierDefinition"].items() if k != "icon"}}
    return ok(ctx, {"tier": tier})


async def update_tier(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    tier_id = guid_path(ctx, request.path_params["tier_id"])
    body = await read_json(request)
    v = Violations()
    raw = check.obj(v, body.get("tier"), "tier", required=True) or {}
    if ctx.fault("tier-update-body-id-wins") and is_guid(raw.get("id")):
        tier_id = raw["id"]
    if ctx.fault("tier-body-id-mismatch-rejected") and raw.get("id") not in (None, tier_id):
        v.add("tier.id", "must equal the tier id in the path")
    fields = tier_fields(ctx, v, raw, "tier", creating=False)
    revision = body_revision(v, raw, "tier.revision", required=not ctx.fault("tier-update-without-revision"))
    with atomic(ctx, "tier-update-not-atomic"):
        current = load(ctx, tier_id)
        if v:
            if ctx.fault("tier-invalid-update-partially-applied"):
                store.replace(TIER, {**current, "revision": str(int(current["revision"]) + 1)})
                return rejected_after_commit(v)
            v.raise_if_any()
        if (
            revision is not None
            and revision != int(current["revision"])
            and not ctx.fault("tier-stale-update-accepted")
            and not (ctx.fault("tier-future-revision-accepted") and revision > int(current["revision"]))
        ):
            raise revision_mismatch("tier", tier_id)
        if ctx.fault("tier-update-not-atomic"):
            await asyncio.sleep(RACE_WINDOW)  # checked, not yet written: another request may pass too
        others = [
            t
            for t in store.all(TIER)
            if t["id"] != tier_id or ctx.fault("tier-update-conflicts-with-itself")
        ]
        problem = conflicts(ctx, fields, others, on_update=True)
        if problem:
            raise uniqueness(ctx, problem)
        updated = dict(current)
        if "tierDefinition" in fields:
            updated["tierDefinition"] = {**current["tierDefinition"], **fields["tierDefinition"]}
        if "requiredPoints" in fields:
            updated["requiredPoints"] = fields["requiredPoints"]
        step = 0 if ctx.fault("tier-revision-not-incremented") else 1
        updated["revision"] = str(int(current["revision"]) + step)
        if not ctx.fault("tier-updated-date-frozen"):
            updated["updatedDate"] = ctx.clock.now()
        if ctx.fault("tier-created-date-changes"):
            updated["createdDate"] = updated["updatedDate"]
        store.replace(TIER, updated)
        if ctx.fault("tier-update-touches-others"):
            for other in store.all(TIER):
                if other["id"] != tier_id:
                    bumped = str(int(other["revision"]) + 1)
                    store.replace(TIER, {**other, "revision": bumped, "updatedDate": updated["updatedDate"]})
    ctx.emit("tier", "updated", updated["id"], render(ctx, updated))
    return ok(ctx, {"tier": render(ctx, updated)})


async def delete_tier(request: Request) -> Response:
    ctx = context(request)
    store = ctx.store
    tier_id = request.path_params["tier_id"]
    raw_revision = request.query_params.get("revision")
    refused: ApiError | None = None
    with store.transaction():
        if (
            ctx.fault("tier-delete-unknown-id-ok")
            and is_guid(tier_id)
            and store.get(TIER, tier_id) is None
        ):
            return ok(ctx, {})
        current = load(ctx, tier_id)
        if raw_revision is None and ctx.fault("tier-delete-requires-revision"):
            raise invalid([violation("revision", "is required", "REQUIRED_FIELD")])
        revision = query_revision(raw_revision)
        if revision is not None:
            if revision != int(current["revision"]) and not ctx.fault("tier-stale-delete-accepted"):
                if not ctx.fault("tier-rejected-delete-bumps-revision"):
                    raise revision_mismatch("tier", tier_id)
                store.replace(TIER, {**current, "revision": str(int(current["revision"]) + 1)})
                refused = revision_mismatch("tier", tier_id)
        if refused is None and not ctx.fault("tier-delete-keeps-tier"):
            neighbour = store.after(TIER, tier_id) if ctx.fault("tier-delete-removes-neighbour") else None
            if neighbour is not None:
                store.remove(TIER, neighbour)
            store.remove(TIER, tier_id)
    if refused is not None:  # only with the fault: the revision was bumped before refusing
        return error_response(refused)
    ctx.emit("tier", "deleted", tier_id, render(ctx, current))
    if ctx.fault("tier-delete-204"):
        return Response(status_code=204)
    return ok(ctx, {})
