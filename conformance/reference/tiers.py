"""Reference implementation of Loyalty Tiers v1 (API-FACTS §3): tiers and the program settings."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference import validation as check
from conformance.reference.errors import ApiError, Violations, conflict, invalid, not_found, revision_mismatch
from conformance.reference.faults import Fault
from conformance.reference.http import Context, error_response, is_guid, read_json, revision_of
from conformance.reference.http import ok as plain_ok
from conformance.reference.store import Store

PREFIX = "/loyalty-tiers/v1"
TIER = "tier"
SETTINGS = "tiers-program-settings"
SETTINGS_ID = "site"
MAX_POINTS = 9_999_999
BULK_MAX = 20
STATUSES = ("UNKNOWN", "DISABLED", "DRAFT", "ACTIVE", "PAUSED")

FAULTS = (
    Fault(
        "tier-create-unwrapped", "TIER-1", 'Create Tier answers a bare tier instead of {"tier": ...} (AMB-2)'
    ),
    Fault("tier-duplicate-name", "TIER-2", "accepts a second tier with an existing name"),
    Fault("tier-duplicate-points", "TIER-3", "accepts a second tier with existing requiredPoints"),
    Fault("tier-update-uniqueness-ignored", "TIER-4", "an update may take another tier's name"),
    Fault(
        "tier-update-conflicts-with-itself", "TIER-4", "re-saving a tier's own name and points is a conflict"
    ),
    Fault(
        "tier-bulk-internal-duplicates", "TIER-5", "bulk create does not check duplicates inside the request"
    ),
    Fault("tier-bulk-accepts-21", "TIER-6", "bulk create accepts 21 tiers"),
    Fault("tier-bulk-rejects-20", "TIER-6", "bulk create rejects 20 tiers"),
    Fault("tier-points-unbounded", "TIER-7", "requiredPoints above 9999999 accepted"),
    Fault("tier-points-fraction-truncated", "TIER-7", "requiredPoints 1.5 accepted and truncated to 1"),
    Fault("tier-name-length-unchecked", "TIER-8", "tier names of 51 characters accepted"),
    Fault("tier-description-length-unchecked", "TIER-8", "tier descriptions of 71 characters accepted"),
    Fault("tier-revision-not-incremented", "TIER-9", "updates keep the old revision"),
    Fault("tier-update-body-id-wins", "TIER-9", "PATCH /tiers/{a} with body id b updates tier b (AMB-32)"),
    Fault("tier-stale-update-accepted", "TIER-10", "updates with a stale revision succeed"),
    Fault("tier-update-without-revision", "TIER-11", "updates without a revision succeed"),
    Fault("tier-delete-keeps-tier", "TIER-12", "delete answers {} but the tier stays"),
    Fault("tier-stale-delete-accepted", "TIER-13", "deletes with a stale revision succeed"),
    Fault("tier-list-includes-base", "TIER-14", "List Tiers includes the base tier"),
    Fault("program-default-active", "TIER-15", "default program settings are ACTIVE instead of DISABLED"),
    Fault("program-omits-tiers", "TIER-16", "Get Tiers Program returns no tiers"),
    Fault("settings-create-revision-2", "TIER-17", "created settings start at revision 2"),
    Fault("settings-create-overwrites", "TIER-18", "creating settings twice overwrites the first"),
    Fault("settings-revision-not-incremented", "TIER-19", "settings updates keep the old revision"),
    Fault("settings-missing-fields-accepted", "TIER-20", "settings update without rollingWindow accepted"),
    Fault("settings-stale-update-accepted", "TIER-21", "settings updates with a stale revision succeed"),
    Fault("settings-future-revision-accepted", "TIER-21", "settings updates with a future revision succeed"),
    Fault("settings-base-tier-kept", "TIER-22", "omitted baseTierDefinition is kept instead of reset"),
    Fault("settings-status-unchecked", "TIER-23", "any status string accepted"),
    Fault("settings-duration-unchecked", "TIER-24", "durationInMonths 37 accepted"),
    Fault("settings-duration-36-rejected", "TIER-24", "durationInMonths 36 rejected (off by one)"),
    Fault("tier-icon-size-from-client", "TIER-25", "icon height/width taken from the request"),
    Fault("tier-unknown-id-500", "TIER-27", "unknown tier ids answer 500"),
    Fault("tier-revision-as-number", "COMMON-6", "tier revision serialised as a JSON number"),
    Fault("tier-delete-unknown-id-ok", "COMMON-3", "deleting an unknown tier id answers 200 {}"),
    Fault("tier-malformed-id-500", "COMMON-4", "a malformed tier id in the path answers 500"),
    Fault(
        "tier-future-revision-accepted",
        "COMMON-5",
        "updates carrying a revision above the current one succeed",
    ),
    Fault("tier-id-from-client", "COMMON-7", "a client-supplied tier id is kept"),
    Fault("tier-created-date-changes", "COMMON-8", "createdDate is rewritten on update"),
    Fault("tier-invalid-update-partially-applied", "COMMON-2", "a rejected update still bumps the revision"),
    Fault("tier-delete-204", "COMMON-10", "delete answers 204 with no body"),
    Fault("tier-bulk-metadata-miscounted", "COMMON-11", "bulkActionMetadata.totalSuccesses is off by one"),
    Fault(
        "tier-bulk-oversize-partially-created", "COMMON-12", "an oversize bulk request creates the first 20"
    ),
    Fault("tier-program-route-shadowed", "COMMON-17", "/tiers/program is routed as a tier id"),
    Fault("tier-update-not-atomic", "COMMON-5",
          "the revision check and the write of Update Tier are two steps: concurrent updates carrying one "
          "revision all succeed"),
    Fault("settings-update-not-atomic", "COMMON-5",
          "the revision check and the write of Update Tiers Program Settings are two steps: concurrent "
          "updates carrying one revision all succeed"),
    Fault("tier-empty-name-stored", "TIER-8",
          "a tier with an empty name is answered 400 but stored, so the next one gets 409 (a name clash)"),
    Fault("settings-get-defaults-active", "TIER-15",
          "Get Tiers Program Settings creates the defaults on a fresh site (AMB-14) with status ACTIVE"),
    Fault("tier-bulk-invalid-rejected-after-storing", "COMMON-2",
          "a bulk request with an invalid item answers 400 but keeps the items before it"),
    Fault("tier-update-touches-others", "TIER-9",
          "an update also bumps the revision and updatedDate of every other tier"),
    Fault("tier-delete-removes-neighbour", "TIER-12", "a delete also removes the tier created after it"),
    Fault("tier-list-drops-description", "TIER-1", "List Tiers leaves out tierDefinition.description"),
    Fault("tier-get-drops-icon", "TIER-1", "Get Tier leaves out tierDefinition.icon"),
    Fault("tier-program-stale-after-update", "TIER-9",
          "Get Tiers Program serves tiers from a cache that updates do not refresh"),
    Fault("tier-updated-date-frozen", "COMMON-8", "an update keeps the tier's old updatedDate"),
    Fault("settings-updated-date-frozen", "COMMON-8", "a settings update keeps the old updatedDate"),
    Fault("tier-rejected-delete-bumps-revision", "COMMON-5",
          "a delete refused for a wrong revision (409) still bumps the tier's revision"),
    Fault("settings-rejected-update-applies-status", "COMMON-2",
          "a settings update refused for an invalid field (400) still stores the new status"),
    # Tolerated readings (no false positives): "hostile" passes tolerant and fails strict; "correct" is a
    # documented alternative the suite must pass in both profiles.
    Fault(
        "tier-conflicts-answer-400",
        "TIER-2",
        "uniqueness violations answer 400, not 409 (AMB-12)",
        kind="hostile",
    ),
    Fault(
        "tier-bulk-duplicates-reject-all",
        "TIER-5",
        "a bulk request with duplicates inside it is rejected whole, nothing created (AMB-11)",
        kind="correct",
    ),
    Fault(
        "tier-list-reversed-with-extras",
        "TIER-14",
        "tiers listed in reverse order with undocumented extra fields (AMB-31)",
        kind="correct",
    ),
    Fault(
        "settings-get-creates-defaults",
        "TIER-15",
        "Get Tiers Program Settings creates and returns the defaults instead of 404 (AMB-14)",
        kind="correct",
    ),
    Fault(
        "tier-bulk-results-reversed",
        "COMMON-11",
        "bulk results come in reverse request order, each with its correct originalIndex",
        kind="correct",
    ),
    Fault(
        "tier-other-encoding",
        "TIER-1",
        "time-based (version 1) GUIDs, microsecond timestamps with a +00:00 offset, keys in reverse order",
        kind="correct",
    ),
    Fault(
        "tier-undocumented-extras",
        "TIER-1",
        "tiers, settings and answers carry undocumented extra fields",
        kind="correct",
    ),
    Fault(
        "tier-defaults-omitted",
        "TIER-1",
        "default-valued fields are omitted (empty strings and objects, zeros, false, null; lists stay, as the "
        "official SDK's getTiersProgram needs them) as proto-JSON does (§1.2)",
        kind="correct",
    ),
    Fault(
        "tier-names-case-insensitive",
        "TIER-2",
        "tier names are unique regardless of case and surrounding spaces (AMB-10)",
        kind="correct",
    ),
    Fault(
        "tier-zero-points-rejected",
        "TIER-7",
        "requiredPoints 0 is refused with 400 for a non-base tier (AMB-26)",
        kind="correct",
    ),
    Fault(
        "tier-delete-requires-revision",
        "TIER-13",
        "a delete without ?revision= is refused with 400 (AMB-6)",
        kind="correct",
    ),
    Fault(
        "tier-body-id-mismatch-rejected",
        "TIER-9",
        "a PATCH whose body id differs from the path id is refused with 400 (AMB-32)",
        kind="correct",
    ),
    Fault(
        "settings-strict-ranges",
        "TIER-24",
        "durationInMonths 1..11 and status UNKNOWN are refused with 400 (AMB-7, AMB-9)",
        kind="correct",
    ),
)


def _tier_fields(
    ctx: Context, v: Violations, raw: dict[str, Any], prefix: str, *, creating: bool
) -> dict[str, Any]:
    """Validate the writable fields of a tier; read-only ones (id, dates, revision) are ignored (AMB-30)."""
    out: dict[str, Any] = {}
    definition = check.obj(v, raw.get("tierDefinition"), f"{prefix}.tierDefinition", required=creating)
    if definition is not None:
        out["tierDefinition"] = _definition(
            ctx, v, definition, f"{prefix}.tierDefinition", require_name=creating
        )
    max_points = None if ctx.fault("tier-points-unbounded") else MAX_POINTS
    if ctx.fault("tier-points-fraction-truncated") and isinstance(raw.get("requiredPoints"), float):
        raw = {**raw, "requiredPoints": int(raw["requiredPoints"])}
    points = check.integer(
        v,
        raw.get("requiredPoints"),
        f"{prefix}.requiredPoints",
        required=creating,
        minimum=0,
        maximum=max_points,
    )
    if points == 0 and ctx.fault("tier-zero-points-rejected"):
        v.add(f"{prefix}.requiredPoints", "0 points belong to the base tier", "OUT_OF_RANGE")
    if points is not None:
        out["requiredPoints"] = points
    return out


def _definition(
    ctx: Context, v: Violations, raw: dict[str, Any], prefix: str, *, require_name: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    max_name = 200 if ctx.fault("tier-name-length-unchecked") else 50
    name = check.string(
        v, raw.get("name"), f"{prefix}.name", required=require_name, min_length=1, max_length=max_name
    )
    if name is not None:
        out["name"] = name
    max_description = 200 if ctx.fault("tier-description-length-unchecked") else 70
    description = check.string(v, raw.get("description"), f"{prefix}.description", max_length=max_description)
    if description is not None:
        out["description"] = description
    icon = check.obj(v, raw.get("icon"), f"{prefix}.icon")
    if icon is not None:
        out["icon"] = _icon(ctx, v, icon, f"{prefix}.icon")
    return out


def _icon(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("id", "url", "altText"):
        value = check.string(v, raw.get(key), f"{prefix}.{key}")
        if value is not None:
            out[key] = value
    # height, width and filename are read-only: the server would take them from the media item.
    if ctx.fault("tier-icon-size-from-client"):
        for key in ("height", "width"):
            if isinstance(raw.get(key), int):
                out[key] = raw[key]
    else:
        out.setdefault("height", 0)
        out.setdefault("width", 0)
    return out


def _render(ctx: Context, tier: dict[str, Any]) -> dict[str, Any]:
    if ctx.fault("tier-revision-as-number"):
        return {**tier, "revision": int(tier["revision"])}
    if ctx.fault("tier-undocumented-extras"):
        definition = {**(tier.get("tierDefinition") or {}), "color": "#FFD700"}
        return {**tier, "tierDefinition": definition, "loyaltyProgramId": ctx.site_id, "memberCount": 0}
    return tier


def ok(ctx: Context, payload: Any) -> Response:
    """A 200 answer, spelled the way the switched-on alternative reading spells it (ids, dates, key order,
    omitted defaults, extra fields): none of that is documented, so a suite must not depend on it."""
    if ctx.fault("tier-undocumented-extras") and isinstance(payload, dict) and payload:
        payload = {**payload, "requestId": ctx.clock.new_id()}
    if ctx.fault("tier-defaults-omitted"):
        payload = _without_defaults(payload)
    if ctx.fault("tier-other-encoding"):
        payload = _other_encoding(payload)
    return plain_ok(payload)


def _without_defaults(value: Any) -> Any:
    """Proto-JSON without "emit defaults": empty strings and objects, zeros, false and null vanish."""
    if isinstance(value, dict):
        kept = {k: _without_defaults(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", 0, False, None, {}) or isinstance(v, (float, list))}
    if isinstance(value, list):
        return [_without_defaults(v) for v in value]
    return value


def _other_encoding(value: Any) -> Any:
    """Microsecond timestamps with a `+00:00` offset and keys in reverse order: both as valid as ours."""
    if isinstance(value, dict):
        return {k: _other_encoding(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_other_encoding(v) for v in value]
    if isinstance(value, str) and len(value) == 24 and value.endswith("Z") and value[10] == "T":
        return value[:-1] + "123+00:00"
    return value


def _conflicts(
    ctx: Context, fields: dict[str, Any], others: list[dict[str, Any]], *, on_update: bool
) -> str | None:
    """The uniqueness rule (TIER-2/3/4): name and requiredPoints belong to one tier per site."""
    if on_update and ctx.fault("tier-update-uniqueness-ignored"):
        return None
    name = _comparable(ctx, fields.get("tierDefinition", {}).get("name"))
    points = fields.get("requiredPoints")
    for other in others:
        other_name = _comparable(ctx, (other.get("tierDefinition") or {}).get("name"))
        if name is not None and other_name == name and not ctx.fault("tier-duplicate-name"):
            return f"a tier named {fields['tierDefinition']['name']!r} already exists"
        if (
            points is not None
            and other.get("requiredPoints") == points
            and not ctx.fault("tier-duplicate-points")
        ):
            return f"a tier with requiredPoints {points} already exists"
    return None


def _comparable(ctx: Context, name: Any) -> Any:
    """Names compare exactly; AMB-10 lets a site compare them without case and surrounding spaces."""
    if ctx.fault("tier-names-case-insensitive") and isinstance(name, str):
        return name.strip().casefold()
    return name


def _new_tier(ctx: Context, fields: dict[str, Any], client: dict[str, Any]) -> dict[str, Any]:
    now = ctx.clock.now()
    tier_id = str(uuid.uuid1()) if ctx.fault("tier-other-encoding") else ctx.clock.new_id()
    if ctx.fault("tier-id-from-client") and is_guid(client.get("id")):
        tier_id = client["id"]
    return {"id": tier_id, **fields, "revision": "1", "createdDate": now, "updatedDate": now}


def _guid_path(value: str, kind: str = "tier", ctx: Context | None = None) -> str:
    if not is_guid(value):
        if ctx is not None and ctx.fault("tier-malformed-id-500"):
            raise RuntimeError("badly formed hexadecimal UUID string")
        raise invalid(
            [
                {
                    "field": "id",
                    "description": f"{kind} id must be a GUID",
                    "violatedRule": "FORMAT",
                    "ruleName": "VALIDATION_ERROR",
                }
            ]
        )
    return value


#: How long a non-atomic fault variant waits between its revision check and its write: long enough for
#: concurrent requests to interleave there.
RACE_WINDOW = 0.05


def _atomic(ctx: Context, fault: str) -> AbstractContextManager[Store]:
    """The transaction a read-check-write runs in; a non-atomic fault variant runs it without one."""
    return nullcontext(ctx.store) if ctx.fault(fault) else ctx.store.transaction()


def routes(ctx: Context) -> list[Route]:
    store = ctx.store
    #: What Get Tiers Program shows with the stale-cache fault: tiers as they were created.
    program_cache: dict[str, dict[str, Any]] = {}

    def load(tier_id: str) -> dict[str, Any]:
        _guid_path(tier_id, ctx=ctx)
        tier = store.get(TIER, tier_id)
        if tier is None:
            if ctx.fault("tier-unknown-id-500"):
                raise RuntimeError("boom")
            raise not_found("tier", tier_id)
        return tier

    async def list_tiers(request: Request) -> Response:
        tiers = _listed(ctx)
        if ctx.fault("tier-list-drops-description"):
            for tier in tiers:
                tier["tierDefinition"] = {k: v for k, v in (tier.get("tierDefinition") or {}).items()
                                          if k != "description"}
        return ok(ctx, {"tiers": tiers})

    async def create_tier(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("tier"), "tier", required=True)
        fields = _tier_fields(ctx, v, raw, "tier", creating=True) if raw is not None else {}
        if v and ctx.fault("tier-empty-name-stored") and (raw or {}).get("tierDefinition", {}).get("name") == "":
            with store.transaction():
                if any((t.get("tierDefinition") or {}).get("name") == "" for t in store.all(TIER)):
                    raise conflict("a tier named '' already exists")
                store.insert(TIER, _new_tier(ctx, {**fields, "tierDefinition": {"name": ""}}, raw or {}))
            return _rejected_after_commit(v)
        v.raise_if_any()
        assert raw is not None
        with store.transaction():
            problem = _conflicts(ctx, fields, store.all(TIER), on_update=False)
            if problem:
                raise _uniqueness(ctx, problem)
            tier = _new_tier(ctx, fields, raw)
            store.insert(TIER, tier)
        ctx.emit("tier", "created", tier["id"], _render(ctx, tier))
        program_cache[tier["id"]] = tier
        if ctx.fault("tier-create-unwrapped"):
            return ok(ctx, _render(ctx, tier))
        return ok(ctx, {"tier": _render(ctx, tier)})

    async def bulk_create(request: Request) -> Response:
        body = await read_json(request)
        items = body.get("tiers")
        if not isinstance(items, list):
            raise invalid([_field("tiers", "is required and must be an array", "REQUIRED_FIELD")])
        limit = (
            21
            if ctx.fault("tier-bulk-accepts-21")
            else (19 if ctx.fault("tier-bulk-rejects-20") else BULK_MAX)
        )
        oversize = len(items) > limit
        if len(items) < 1 or (oversize and not ctx.fault("tier-bulk-oversize-partially-created")):
            raise invalid([_field("tiers", f"must contain 1 to {BULK_MAX} tiers", "ARRAY_SIZE")])
        if ctx.fault("tier-bulk-duplicates-reject-all") and _internal_duplicates(items):
            raise conflict("the request contains two tiers with the same name or requiredPoints")
        results: list[dict[str, Any]] = []
        refused: Violations | None = None
        with store.transaction():
            existing = store.all(TIER)
            for index, raw in enumerate(items[:BULK_MAX] if oversize else items):
                v = Violations()
                entity = check.obj(v, raw, f"tiers[{index}]", required=True)
                fields = (
                    _tier_fields(ctx, v, entity, f"tiers[{index}]", creating=True)
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
                    problem = _conflicts(ctx, fields, pool, on_update=False)
                    code = "ALREADY_EXISTS"
                if problem is not None:
                    results.append(
                        {
                            "itemMetadata": {
                                "id": None,
                                "originalIndex": index,
                                "success": False,
                                "error": {"code": code, "description": problem, "data": {}},
                            }
                        }
                    )
                    continue
                assert entity is not None
                tier = _new_tier(ctx, fields, entity)
                store.insert(TIER, tier)
                program_cache[tier["id"]] = tier
                results.append(
                    {
                        "itemMetadata": {
                            "id": tier["id"],
                            "originalIndex": index,
                            "success": True,
                            "error": None,
                        },
                        "item": _render(ctx, tier),
                    }
                )
        for result in results:
            if "item" in result:
                ctx.emit("tier", "created", result["item"]["id"], result["item"])
        if refused is not None:  # only with the fault: the items before the bad one were stored
            return _rejected_after_commit(refused)
        if oversize:  # only with the fault: the first 20 were stored, yet the request "fails"
            return _rejected_after_commit(_oversize())
        if ctx.fault("tier-bulk-results-reversed"):
            results.reverse()
        successes = sum(1 for r in results if r["itemMetadata"]["success"])
        if ctx.fault("tier-bulk-metadata-miscounted"):
            successes += 1
        return ok(ctx, 
            {
                "results": results,
                "bulkActionMetadata": {
                    "totalSuccesses": successes,
                    "totalFailures": len(results) - successes,
                    "undetailedFailures": 0,
                },
            }
        )

    async def get_tier(request: Request) -> Response:
        tier_id = request.path_params["tier_id"]
        if tier_id == "program" and ctx.fault("tier-program-route-shadowed"):
            raise invalid([_field("tierId", "must be a GUID", "FORMAT")])
        tier = _render(ctx, load(tier_id))
        if ctx.fault("tier-get-drops-icon"):
            tier = {**tier, "tierDefinition": {k: v for k, v in tier["tierDefinition"].items() if k != "icon"}}
        return ok(ctx, {"tier": tier})

    async def update_tier(request: Request) -> Response:
        tier_id = _guid_path(request.path_params["tier_id"], ctx=ctx)
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("tier"), "tier", required=True) or {}
        if ctx.fault("tier-update-body-id-wins") and is_guid(raw.get("id")):
            tier_id = raw["id"]
        if ctx.fault("tier-body-id-mismatch-rejected") and raw.get("id") not in (None, tier_id):
            v.add("tier.id", "must equal the tier id in the path")
        fields = _tier_fields(ctx, v, raw, "tier", creating=False)
        revision = revision_of(raw.get("revision"))
        if raw.get("revision") is None and not ctx.fault("tier-update-without-revision"):
            v.add("tier.revision", "is required", "REQUIRED_FIELD")
        elif raw.get("revision") is not None and revision is None:
            v.add("tier.revision", "must be a positive decimal string")
        with _atomic(ctx, "tier-update-not-atomic"):
            current = load(tier_id)
            if v:
                if ctx.fault("tier-invalid-update-partially-applied"):
                    store.replace(TIER, {**current, "revision": str(int(current["revision"]) + 1)})
                    return _rejected_after_commit(v)
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
            problem = _conflicts(ctx, fields, others, on_update=True)
            if problem:
                raise _uniqueness(ctx, problem)
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
        ctx.emit("tier", "updated", updated["id"], _render(ctx, updated))
        return ok(ctx, {"tier": _render(ctx, updated)})

    async def delete_tier(request: Request) -> Response:
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
            current = load(tier_id)
            if raw_revision is None and ctx.fault("tier-delete-requires-revision"):
                raise invalid([_field("revision", "is required", "REQUIRED_FIELD")])
            if raw_revision is not None:
                revision = revision_of(raw_revision)
                if revision is None:
                    raise invalid([_field("revision", "must be a positive decimal string")])
                if revision != int(current["revision"]) and not ctx.fault("tier-stale-delete-accepted"):
                    if not ctx.fault("tier-rejected-delete-bumps-revision"):
                        raise revision_mismatch("tier", tier_id)
                    store.replace(TIER, {**current, "revision": str(int(current["revision"]) + 1)})
                    refused = revision_mismatch("tier", tier_id)
            if refused is None and not ctx.fault("tier-delete-keeps-tier"):
                if ctx.fault("tier-delete-removes-neighbour"):
                    ids = [t["id"] for t in store.all(TIER)]
                    if ids.index(tier_id) + 1 < len(ids):
                        store.remove(TIER, ids[ids.index(tier_id) + 1])
                store.remove(TIER, tier_id)
        if refused is not None:  # only with the fault: the revision was bumped before refusing
            return error_response(refused)
        ctx.emit("tier", "deleted", tier_id, _render(ctx, current))
        if ctx.fault("tier-delete-204"):
            return Response(status_code=204)
        return ok(ctx, {})

    async def get_settings(request: Request) -> Response:
        settings = store.get(SETTINGS, SETTINGS_ID)
        creates = ctx.fault("settings-get-creates-defaults") or ctx.fault("settings-get-defaults-active")
        if settings is None and creates:
            with store.transaction():
                settings = store.get(SETTINGS, SETTINGS_ID)
                if settings is None:
                    settings = _default_settings(ctx)
                    if ctx.fault("settings-get-defaults-active"):
                        settings["status"] = "ACTIVE"
                    store.insert(SETTINGS, settings)
        if settings is None:
            raise not_found("tiers program settings", "for this site")
        return ok(ctx, {"programSettings": _public_settings(ctx, settings)})

    async def create_settings(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("programSettings"), "programSettings", required=True) or {}
        fields = _settings_fields(ctx, v, raw, require_all=False)
        v.raise_if_any()
        with store.transaction():
            existing = store.get(SETTINGS, SETTINGS_ID)
            if existing is not None and not ctx.fault("settings-create-overwrites"):
                raise conflict("tiers program settings already exist for this site")
            now = ctx.clock.now()
            settings = {
                "id": SETTINGS_ID,
                "status": fields.get("status", "DISABLED"),
                "revision": "2" if ctx.fault("settings-create-revision-2") else "1",
                "createdDate": now,
                "updatedDate": now,
                "baseTierDefinition": fields.get("baseTierDefinition", {}),
                "rollingWindow": fields.get("rollingWindow", {"durationInMonths": 12}),
            }
            if existing is not None:
                store.replace(SETTINGS, settings)
            else:
                store.insert(SETTINGS, settings)
        return ok(ctx, {"programSettings": _public_settings(ctx, settings)})

    async def update_settings(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("programSettings"), "programSettings", required=True) or {}
        fields = _settings_fields(ctx, v, raw, require_all=not ctx.fault("settings-missing-fields-accepted"))
        revision = revision_of(raw.get("revision"))
        if raw.get("revision") is None:
            v.add("programSettings.revision", "is required", "REQUIRED_FIELD")
        elif revision is None:
            v.add("programSettings.revision", "must be a positive decimal string")
        if v and "status" in fields and ctx.fault("settings-rejected-update-applies-status"):
            with store.transaction():
                current = store.get(SETTINGS, SETTINGS_ID)
                if current is not None:
                    store.replace(SETTINGS, {**current, "status": fields["status"]})
            return _rejected_after_commit(v)
        v.raise_if_any()
        with _atomic(ctx, "settings-update-not-atomic"):
            current = store.get(SETTINGS, SETTINGS_ID)
            if current is None:
                raise not_found("tiers program settings", "for this site")
            stale_ok = (
                ctx.fault("settings-stale-update-accepted")
                and revision is not None
                and revision < int(current["revision"])
            )
            future_ok = (
                ctx.fault("settings-future-revision-accepted")
                and revision is not None
                and revision > int(current["revision"])
            )
            if revision != int(current["revision"]) and not (stale_ok or future_ok):
                raise revision_mismatch("tiers program settings", "of this site")
            if ctx.fault("settings-update-not-atomic"):
                await asyncio.sleep(RACE_WINDOW)  # checked, not yet written: another request may pass too
            step = 0 if ctx.fault("settings-revision-not-incremented") else 1
            base = fields.get("baseTierDefinition", {})
            if ctx.fault("settings-base-tier-kept") and "baseTierDefinition" not in fields:
                base = current.get("baseTierDefinition", {})
            updated = {
                **current,
                "status": fields.get("status", current["status"]),
                "rollingWindow": fields.get("rollingWindow", current["rollingWindow"]),
                "baseTierDefinition": base,
                "revision": str(int(current["revision"]) + step),
                "updatedDate": current["updatedDate"] if ctx.fault("settings-updated-date-frozen") else ctx.clock.now(),
            }
            store.replace(SETTINGS, updated)
        return ok(ctx, {"programSettings": _public_settings(ctx, updated)})

    async def get_program(request: Request) -> Response:
        with store.transaction():
            settings = store.get(SETTINGS, SETTINGS_ID)
            if settings is None:
                settings = _default_settings(ctx)
                store.insert(SETTINGS, settings)
        tiers = [] if ctx.fault("program-omits-tiers") else _listed(ctx)
        if ctx.fault("tier-program-stale-after-update"):
            tiers = [_render(ctx, program_cache.get(t["id"], t)) for t in store.all(TIER)]
        return ok(ctx, {"tiers": tiers, "programSettings": _public_settings(ctx, settings)})

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


def _internal_duplicates(items: list[Any]) -> bool:
    names = [((i.get("tierDefinition") or {}).get("name")) for i in items if isinstance(i, dict)]
    points = [i.get("requiredPoints") for i in items if isinstance(i, dict)]
    return any(
        len(set(x for x in values if x is not None)) < len([x for x in values if x is not None])
        for values in (names, points)
    )


def _default_settings(ctx: Context) -> dict[str, Any]:
    """What Get Tiers Program creates on a site without settings (TIER-15): DISABLED."""
    now = ctx.clock.now()
    return {
        "id": SETTINGS_ID,
        "status": "ACTIVE" if ctx.fault("program-default-active") else "DISABLED",
        "revision": "1",
        "createdDate": now,
        "updatedDate": now,
        "baseTierDefinition": {},
        "rollingWindow": {"durationInMonths": 12},
    }


def _uniqueness(ctx: Context, problem: str) -> ApiError:
    if ctx.fault("tier-conflicts-answer-400"):
        return invalid([_field("tier", problem, "UNIQUE")])
    return conflict(problem)


def _listed(ctx: Context) -> list[dict[str, Any]]:
    tiers = [_render(ctx, t) for t in ctx.store.all(TIER)]
    if ctx.fault("tier-list-reversed-with-extras"):
        tiers = [{**t, "memberCount": 0, "_links": {"self": t["id"]}} for t in reversed(tiers)]
    if ctx.fault("tier-list-includes-base"):
        settings = ctx.store.get(SETTINGS, SETTINGS_ID) or {}
        tiers.append(
            {
                "tierDefinition": settings.get("baseTierDefinition") or {"name": "Base"},
                "requiredPoints": 0,
                "revision": "1",
            }
        )
    return tiers


def _settings_fields(
    ctx: Context, v: Violations, raw: dict[str, Any], *, require_all: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    prefix = "programSettings"
    if ctx.fault("settings-status-unchecked"):
        status = raw.get("status") if isinstance(raw.get("status"), str) else None
        if status is None and require_all:
            v.add(f"{prefix}.status", "is required", "REQUIRED_FIELD")
    else:
        allowed = STATUSES[1:] if ctx.fault("settings-strict-ranges") else STATUSES
        status = check.enum(v, raw.get("status"), f"{prefix}.status", allowed, required=require_all)
    if status is not None:
        out["status"] = status
    window = check.obj(v, raw.get("rollingWindow"), f"{prefix}.rollingWindow", required=require_all)
    if window is not None:
        maximum = 999 if ctx.fault("settings-duration-unchecked") else 36
        if ctx.fault("settings-duration-36-rejected"):
            maximum = 35
        months = check.integer(
            v,
            window.get("durationInMonths"),
            f"{prefix}.rollingWindow.durationInMonths",
            required=True,
            minimum=12 if ctx.fault("settings-strict-ranges") else 1,
            maximum=maximum,
        )
        if months is not None:
            out["rollingWindow"] = {"durationInMonths": months}
    base = check.obj(v, raw.get("baseTierDefinition"), f"{prefix}.baseTierDefinition")
    if base is not None:
        out["baseTierDefinition"] = _definition(
            ctx, v, base, f"{prefix}.baseTierDefinition", require_name=False
        )
    return out


def _public_settings(ctx: Context, settings: dict[str, Any]) -> dict[str, Any]:
    public = {k: v for k, v in settings.items() if k != "id"}
    if ctx.fault("tier-undocumented-extras"):
        public["pointsExpirationEnabled"] = False
    return public


def _field(name: str, description: str, rule: str = "INVALID_ARGUMENT") -> dict[str, Any]:
    return {"field": name, "description": description, "violatedRule": rule, "ruleName": "VALIDATION_ERROR"}


def _oversize() -> Violations:
    v = Violations()
    v.add("tiers", f"must contain 1 to {BULK_MAX} tiers", "ARRAY_SIZE")
    return v


def _rejected_after_commit(v: Violations) -> Response:
    """A 400 answered after the transaction commits: only fault variants write before rejecting."""
    return error_response(invalid(v.items))
