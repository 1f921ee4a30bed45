"""Reference implementation of Loyalty Rewards v1 (API-FACTS §4): rewards, List/Query paging, bulk create."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.reference import validation as check
from conformance.reference.errors import ApiError, Violations, invalid, not_found, revision_mismatch
from conformance.reference.faults import Fault
from conformance.reference.http import Context, error_response, is_guid, ok, read_json, revision_of
from conformance.reference.rewards_query import Page, QueryError, check_filter, check_sort, page_of

PREFIX = "/loyalty-rewards/v1"
REWARD = "reward"
TYPES = ("DISCOUNT_AMOUNT", "COUPON_REWARD")
PAYLOAD_OF = {"DISCOUNT_AMOUNT": "discountAmount", "COUPON_REWARD": "couponReward"}
COUPON_KINDS = ("fixedAmount", "percentage", "freeShipping")
MAX_COST = 9_999_999
MAX_CONFIGS = 21
BULK_MAX = 10
MAX_CURSOR = 16_000
DEFAULT_LIMIT = 50
#: List Rewards' default page size is undocumented (API-FACTS §4.2); the newest-first variant takes another.
OTHER_LIST_DEFAULT = 20
CURSOR = "reward-cursor"
TIER = "tier"
MAX_LIMIT = 100
MAX_SORT = 5
#: Server-managed or legacy keys: never taken from a request body (AMB-4, AMB-30; the SDK sends `_id`).
READ_ONLY = (
    "id",
    "_id",
    "revision",
    "createdDate",
    "updatedDate",
    "_createdDate",
    "_updatedDate",
    "requiredPoints",
)
DECIMAL = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")

FAULTS = (
    Fault("reward-create-drops-config", "REWARD-1", "created rewards lose their configsByTier"),
    Fault("reward-active-default-true", "REWARD-2", "active defaults to true"),
    Fault("reward-name-length-unchecked", "REWARD-3", "reward names of 51 characters accepted"),
    Fault("reward-empty-name-accepted", "REWARD-3", "an empty or missing reward name is accepted"),
    Fault("reward-type-unchecked", "REWARD-4", "any type string accepted"),
    Fault("reward-oneof-unchecked", "REWARD-5", "payload not checked against type"),
    Fault(
        "reward-coupon-oneof-unchecked",
        "REWARD-6",
        "coupon discount kinds and scope/minimumSubtotal not one-of",
    ),
    Fault("reward-configs-unbounded", "REWARD-7", "configsByTier size not checked"),
    Fault("reward-cost-unbounded", "REWARD-8", "costInPoints outside 1..9999999 accepted"),
    Fault("reward-amount-unchecked", "REWARD-9", "amounts not checked"),
    Fault("reward-cycle-count-unchecked", "REWARD-10", "discountedCycleCount outside 1..999 accepted"),
    Fault("reward-tier-id-unchecked", "REWARD-11", "non-GUID tierId accepted"),
    Fault("reward-bulk-accepts-11", "REWARD-12", "bulk create accepts 11 rewards"),
    Fault("reward-bulk-rejects-10", "REWARD-12", "bulk create rejects 10 rewards"),
    Fault("reward-revision-not-incremented", "REWARD-13", "updates keep the old revision"),
    Fault("reward-update-ignores-configs", "REWARD-13", "updates do not store a changed payload"),
    Fault("reward-stale-update-accepted", "REWARD-14", "updates with a stale revision succeed"),
    Fault("reward-update-without-revision", "REWARD-15", "updates without a revision succeed"),
    Fault("reward-update-without-name", "REWARD-15", "updates without a name succeed"),
    Fault("reward-type-change-accepted", "REWARD-16", "an update may change the type"),
    Fault("reward-delete-keeps-reward", "REWARD-17", "delete answers {} but the reward stays"),
    Fault("reward-stale-delete-accepted", "REWARD-18", "deletes with a stale revision succeed"),
    Fault(
        "reward-list-hides-expensive", "REWARD-19", "List Rewards omits rewards costing over 1,000,000 points"
    ),
    Fault(
        "reward-paging-count-wrong", "REWARD-20", "List pagingMetadata.count is the total, not the page size"
    ),
    Fault("reward-cursor-limit-ignored", "REWARD-20", "List Rewards ignores cursorPaging.limit"),
    Fault("reward-query-filter-ignored", "REWARD-21", "Query Rewards ignores the filter"),
    Fault("reward-query-default-limit-100", "REWARD-21", "Query Rewards defaults to 100 items"),
    Fault("reward-query-metadata-incomplete", "REWARD-21", "Query pagingMetadata lacks hasNext"),
    Fault("reward-query-sort-unbounded", "REWARD-22", "more than 5 sort entries accepted"),
    Fault("reward-query-limit-unbounded", "REWARD-22", "query cursorPaging.limit above 100 accepted"),
    Fault(
        "reward-long-cursor-accepted", "REWARD-22", "a cursor over 16000 characters is read as the first page"
    ),
    Fault("reward-cursor-drops-filter", "REWARD-23", "follow-up query pages forget the filter"),
    Fault("reward-unknown-id-500", "REWARD-24", "unknown reward ids answer 500"),
    Fault("reward-malformed-id-500", "REWARD-24", "malformed reward ids answer 500"),
    Fault(
        "reward-required-points-overrides-cost", "REWARD-26", "client requiredPoints replaces the base cost"
    ),
    Fault("reward-revision-as-number", "COMMON-6", "reward revision serialised as a JSON number"),
    Fault("reward-id-from-client", "COMMON-7", "a client-supplied reward id is kept"),
    Fault("reward-created-date-changes", "COMMON-8", "createdDate is rewritten on update"),
    Fault(
        "reward-invalid-update-partially-applied", "COMMON-2", "a rejected update still bumps the revision"
    ),
    Fault("reward-bulk-metadata-miscounted", "COMMON-11", "bulkActionMetadata.totalSuccesses is off by one"),
    Fault("reward-bulk-original-index-wrong", "COMMON-11", "failed bulk items report originalIndex 0"),
    Fault(
        "reward-bulk-oversize-partially-created", "COMMON-12", "an oversize bulk request creates the first 10"
    ),
    Fault("reward-cursor-repeats-items", "COMMON-13", "each next cursor starts one item early"),
    Fault("reward-list-limit-unclamped", "COMMON-14", "List Rewards serves more than 100 items per page"),
    # Issue 13: bugs that only the new checks catch, and further plausible implementation bugs.
    Fault(
        "reward-update-not-atomic",
        "COMMON-5",
        "the revision check and the write of an update are not atomic (read, check, yield, write)",
    ),
    Fault("reward-list-drops-scope", "REWARD-1", "List Rewards leaves out couponReward.scope"),
    Fault("reward-query-drops-tier-configs", "REWARD-1", "Query Rewards serves only the base-tier configs"),
    Fault(
        "reward-bulk-rejected-keeps-earlier",
        "COMMON-2",
        "a bulk request with an invalid item is rejected whole, but the items before it stay stored",
    ),
    Fault("reward-rejected-create-stored", "COMMON-2", "a create rejected for its configs is stored anyway"),
    Fault("reward-rejected-update-keeps-name", "COMMON-2", "a rejected update still stores the new name"),
    Fault("reward-delete-removes-neighbour", "REWARD-17", "a delete also removes the reward created after it"),
    Fault("reward-update-touches-others", "REWARD-13", "an update copies its active flag onto every reward"),
    Fault("reward-updated-date-frozen", "COMMON-8", "updates keep the old updatedDate"),
    Fault("reward-configs-21-rejected", "REWARD-7", "21 configsByTier (20 tiers + base) are rejected"),
    Fault("reward-errors-nonstandard", "COMMON-1", 'Rewards errors answer {"error": "..."}'),
    Fault("reward-list-public", "COMMON-9", "List Rewards is served without credentials"),
    Fault("reward-update-drops-flags", "REWARD-13", "updates lose limitedToOneItem and appliesToSubscriptions"),
    Fault("reward-cursor-skips-items", "COMMON-13", "each next cursor starts one item late"),
    Fault("reward-get-cached", "REWARD-13", "Get Reward serves the first version it read (a stale cache)"),
    # Correct alternative readings (issue 13 §4): each differs from the default reference in details the documents
    # leave open, and the suite must pass it in both profiles. They compose: any subset may be on at once.
    Fault(
        "reward-bulk-results-reversed",
        "COMMON-11",
        "bulk results come back in reverse order, each with its correct originalIndex",
        kind="correct",
    ),
    Fault(
        "reward-defaults-omitted",
        "REWARD-20",
        "default-valued fields are omitted (§1.2): active false, empty tierId, count 0, hasNext false, "
        "empty cursors, error null, zero bulk counters, the legacy requiredPoints",
        kind="correct",
    ),
    Fault(
        "reward-extra-fields-reordered",
        "REWARD-21",
        "undocumented extra fields on rewards and answers, keys in another order",
        kind="correct",
    ),
    Fault(
        "reward-other-ids-and-timestamps",
        "COMMON-8",
        "time-based GUIDs and microsecond timestamps with a +00:00 offset",
        kind="correct",
    ),
    Fault(
        "reward-opaque-cursors",
        "COMMON-13",
        "cursor tokens are random handles to state kept on the server",
        kind="correct",
    ),
    Fault(
        "reward-other-error-details",
        "COMMON-1",
        "other error messages, applicationError codes and violation rule names",
        kind="correct",
    ),
    Fault(
        "reward-newest-first",
        "REWARD-20",
        "List and Query serve the newest reward first; List's undocumented default page is 20 (AMB-31)",
        kind="correct",
    ),
    Fault(
        "reward-unknown-tiers-rejected",
        "REWARD-11",
        "configs naming a tier that does not exist, or one tier twice, are rejected (AMB-36)",
        kind="correct",
    ),
    Fault(
        "reward-put-replaces",
        "REWARD-13",
        "PUT replaces the whole reward: omitted fields are reset (AMB-23)",
        kind="correct",
    ),
    Fault(
        "reward-type-inferred",
        "REWARD-4",
        "a missing, UNDEFINED or legacy COUPON type is inferred from the payload (AMB-24)",
        kind="correct",
    ),
)


# validation -----------------------------------------------------------------------------------------
def _reward_fields(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Validate a complete reward (create, or an update merged onto the stored one); returns stored fields."""
    out: dict[str, Any] = {}
    min_name = 0 if ctx.fault("reward-empty-name-accepted") else 1
    max_name = 200 if ctx.fault("reward-name-length-unchecked") else 50
    name = check.string(
        v,
        raw.get("name"),
        f"{prefix}.name",
        required=not ctx.fault("reward-empty-name-accepted"),
        min_length=min_name,
        max_length=max_name,
    )
    out["name"] = name if name is not None else ""
    active = check.boolean(v, raw.get("active"), f"{prefix}.active")
    out["active"] = active if active is not None else ctx.fault("reward-active-default-true")
    present = [key for key in ("discountAmount", "couponReward") if raw.get(key) is not None]
    if ctx.fault("reward-type-unchecked") and isinstance(raw.get("type"), str):
        kind: str | None = raw["type"]
    elif ctx.fault("reward-type-inferred") and raw.get("type") == "COUPON":
        kind = "COUPON_REWARD"  # the legacy name of the coupon type (U29)
    elif ctx.fault("reward-type-inferred") and raw.get("type") in (None, "UNDEFINED") and len(present) == 1:
        kind = {v: k for k, v in PAYLOAD_OF.items()}[present[0]]
    else:
        # AMB-24: UNDEFINED, the legacy COUPON and a missing type are rejected rather than inferred.
        kind = check.enum(v, raw.get("type"), f"{prefix}.type", TYPES, required=True)
    if kind is not None:
        out["type"] = kind
    if not ctx.fault("reward-oneof-unchecked") and kind in PAYLOAD_OF:
        wanted = PAYLOAD_OF[kind]
        if len(present) > 1:
            v.add(prefix, "only one of discountAmount or couponReward may be set", "ONE_OF")
        elif wanted not in present:
            v.add(f"{prefix}.{wanted}", f"is required when type is {kind}", "REQUIRED_FIELD")
    if "discountAmount" in present:
        amount = check.obj(v, raw["discountAmount"], f"{prefix}.discountAmount")
        if amount is not None:
            out["discountAmount"] = _discount_amount(ctx, v, amount, f"{prefix}.discountAmount")
    if "couponReward" in present:
        coupon = check.obj(v, raw["couponReward"], f"{prefix}.couponReward")
        if coupon is not None:
            out["couponReward"] = _coupon(ctx, v, coupon, f"{prefix}.couponReward")
    return out


def _discount_amount(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    configs = _configs(ctx, v, raw.get("configsByTier"), f"{prefix}.configsByTier", minimum=0)
    out = []
    for index, (config, item) in enumerate(configs):
        field = f"{prefix}.configsByTier[{index}].amount"
        amount = item.get("amount")
        if isinstance(amount, int) and not isinstance(amount, bool):
            amount = str(amount)
        if amount is None:
            v.add(field, "is required", "REQUIRED_FIELD")
        elif not isinstance(amount, str):
            v.add(field, "must be a decimal string")
        elif not ctx.fault("reward-amount-unchecked") and (not DECIMAL.match(amount) or float(amount) <= 0):
            v.add(field, "must be a positive decimal with at most 2 decimal places", "DECIMAL_VALUE")
        else:
            config["amount"] = amount
        out.append(config)
    return {"configsByTier": out}


def _coupon(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kinds = [k for k in COUPON_KINDS if raw.get(k) is not None]
    lenient = ctx.fault("reward-coupon-oneof-unchecked")
    if len(kinds) != 1 and not (lenient and kinds):
        v.add(prefix, "exactly one of fixedAmount, percentage or freeShipping must be set", "ONE_OF")
    for kind in kinds:
        body = check.obj(v, raw[kind], f"{prefix}.{kind}")
        if body is None:
            continue
        configs = []
        for index, (config, item) in enumerate(
            _configs(ctx, v, body.get("configsByTier"), f"{prefix}.{kind}.configsByTier", minimum=1)
        ):
            field = f"{prefix}.{kind}.configsByTier[{index}]"
            if kind == "fixedAmount":
                amount = _number(v, item.get("amount"), f"{field}.amount")
                if amount is not None and amount < 0.01 and not ctx.fault("reward-amount-unchecked"):
                    v.add(f"{field}.amount", "must be at least 0.01", "OUT_OF_RANGE")
                config["amount"] = amount
            elif kind == "percentage":
                percentage = _number(v, item.get("percentage"), f"{field}.percentage")
                if percentage is not None and not 0 < percentage <= 100:
                    v.add(f"{field}.percentage", "must be above 0 and at most 100", "OUT_OF_RANGE")
                config["percentage"] = percentage
            configs.append(config)
        out[kind] = {"configsByTier": configs}
    has_subtotal = raw.get("minimumSubtotal") is not None
    has_scope = raw.get("scope") is not None
    if has_subtotal and has_scope and not lenient:
        v.add(prefix, "only one of minimumSubtotal or scope may be set", "ONE_OF")
    if has_subtotal:
        subtotal = _number(v, raw["minimumSubtotal"], f"{prefix}.minimumSubtotal")
        if subtotal is not None and subtotal < 0:
            v.add(f"{prefix}.minimumSubtotal", "must not be negative", "OUT_OF_RANGE")
        out["minimumSubtotal"] = subtotal
    if has_scope:
        scope = check.obj(v, raw["scope"], f"{prefix}.scope")
        if scope is not None:
            out["scope"] = _scope(v, scope, f"{prefix}.scope")
    for key in ("limitedToOneItem", "appliesToSubscriptions"):
        flag = check.boolean(v, raw.get(key), f"{prefix}.{key}")
        if flag is not None:
            out[key] = flag
    maximum = None if ctx.fault("reward-cycle-count-unchecked") else 999
    minimum = None if ctx.fault("reward-cycle-count-unchecked") else 1
    cycles = check.integer(
        v, raw.get("discountedCycleCount"), f"{prefix}.discountedCycleCount", minimum=minimum, maximum=maximum
    )
    if cycles is not None:
        namespace = (out.get("scope") or {}).get("namespace")
        if out.get("appliesToSubscriptions") is not True or namespace != "pricingPlans":
            v.add(
                f"{prefix}.discountedCycleCount",
                "only allowed with appliesToSubscriptions true and scope.namespace pricingPlans",
            )
        out["discountedCycleCount"] = cycles
    return out


def _scope(v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    namespace = check.string(v, raw.get("namespace"), f"{prefix}.namespace", required=True, min_length=1)
    if namespace is not None:
        out["namespace"] = namespace
    group = check.obj(v, raw.get("group"), f"{prefix}.group", required=True)
    if group is not None:
        name = check.string(v, group.get("name"), f"{prefix}.group.name", required=True, min_length=1)
        entity = check.string(v, group.get("entityId"), f"{prefix}.group.entityId")
        out["group"] = {"name": name, **({"entityId": entity} if entity else {})}
    return out


def _configs(
    ctx: Context, v: Violations, raw: Any, field: str, minimum: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """`configsByTier` items as (validated tierId/costInPoints, raw item) pairs; sizes per REWARD-7."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        v.add(field, "must be an array")
        return []
    largest = MAX_CONFIGS - 1 if ctx.fault("reward-configs-21-rejected") else MAX_CONFIGS
    if not ctx.fault("reward-configs-unbounded") and not minimum <= len(raw) <= largest:
        v.add(field, f"must contain {minimum} to {MAX_CONFIGS} items", "ARRAY_SIZE")
    pairs = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        prefix = f"{field}[{index}]"
        if not isinstance(item, dict):
            v.add(prefix, "must be an object")
            continue
        config: dict[str, Any] = {}
        tier_id = item.get("tierId")
        if tier_id not in (None, ""):
            if ctx.fault("reward-tier-id-unchecked") and isinstance(tier_id, str):
                config["tierId"] = tier_id
            elif check.guid(v, tier_id, f"{prefix}.tierId") is not None:
                config["tierId"] = tier_id.lower()
                if ctx.fault("reward-unknown-tiers-rejected") and ctx.store.get(TIER, config["tierId"]) is None:
                    v.add(f"{prefix}.tierId", "no such tier", "UNKNOWN_TIER")
        key = config.get("tierId", "")
        if key in seen:
            v.add(f"{prefix}.tierId", "each tier may have one config only", "DUPLICATE")
        seen.add(key)
        unbounded = ctx.fault("reward-cost-unbounded")
        cost = check.integer(
            v,
            item.get("costInPoints"),
            f"{prefix}.costInPoints",
            required=True,
            minimum=None if unbounded else 1,
            maximum=None if unbounded else MAX_COST,
        )
        if cost is not None:
            config["costInPoints"] = cost
        pairs.append((config, item))
    return pairs


def _number(v: Violations, value: Any, field: str) -> float | None:
    if value is None:
        v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        v.add(field, "must be a finite number")
        return None
    return value


# rendering ---------------------------------------------------------------------------------------
def _base_cost(reward: dict[str, Any]) -> int | None:
    payload = reward.get("discountAmount") or {}
    if not payload:
        coupon = reward.get("couponReward") or {}
        payload = next((coupon[k] for k in COUPON_KINDS if k in coupon), {})
    for config in payload.get("configsByTier", []):
        if not config.get("tierId"):
            return config.get("costInPoints")
    return None


def _render(ctx: Context, reward: dict[str, Any]) -> dict[str, Any]:
    out = dict(reward)
    cost = _base_cost(reward)
    if cost is not None:
        out["requiredPoints"] = cost  # legacy field (AMB-4): mirrors the base-tier config
    if ctx.fault("reward-revision-as-number"):
        out["revision"] = int(out["revision"])
    if ctx.fault("reward-extra-fields-reordered"):
        out = {**out, "_links": {"self": f"{PREFIX}/rewards/{reward['id']}"}, "redemptionCount": 0}
    return out


def _answer(ctx: Context, payload: dict[str, Any]) -> Response:
    """A success answer, shaped by the alternative readings that concern the whole body."""
    if ctx.fault("reward-extra-fields-reordered") and payload:  # a delete keeps its documented {} (COMMON-10)
        payload = _reordered({**payload, "debugInfo": {"served": "reference"}})
    if ctx.fault("reward-defaults-omitted"):
        payload = _without_defaults(payload)
    return ok(payload)


def _without_defaults(value: Any) -> Any:
    """proto3 JSON without default values (§1.2): false, 0, "", null, [] and {} are left out; the legacy
    requiredPoints too (AMB-4)."""
    if isinstance(value, dict):
        kept = {k: _without_defaults(v) for k, v in value.items() if k != "requiredPoints"}
        return {k: v for k, v in kept.items() if v not in (None, False, "", [], {}) and not _is_zero(v)}
    if isinstance(value, list):
        return [_without_defaults(v) for v in value]
    return value


def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def _reordered(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order (key order is free)."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


def _now(ctx: Context) -> str:
    if ctx.fault("reward-other-ids-and-timestamps"):
        return datetime.now(UTC).isoformat(timespec="microseconds")
    return ctx.clock.now()


def _new_id(ctx: Context) -> str:
    return str(uuid.uuid1()) if ctx.fault("reward-other-ids-and-timestamps") else ctx.clock.new_id()


def _new_reward(ctx: Context, fields: dict[str, Any], client: dict[str, Any]) -> dict[str, Any]:
    now = _now(ctx)
    reward_id = _new_id(ctx)
    if ctx.fault("reward-id-from-client") and is_guid(client.get("id")):
        reward_id = client["id"]
    if ctx.fault("reward-create-drops-config"):
        for payload in (fields.get("couponReward") or {}).values():
            if isinstance(payload, dict) and "configsByTier" in payload:
                payload["configsByTier"] = []
    if ctx.fault("reward-required-points-overrides-cost") and isinstance(client.get("requiredPoints"), int):
        payload = fields.get("discountAmount") or next(
            (
                p
                for p in (fields.get("couponReward") or {}).values()
                if isinstance(p, dict) and "configsByTier" in p
            ),
            {},
        )
        for config in payload.get("configsByTier", []):
            if not config.get("tierId"):
                config["costInPoints"] = client["requiredPoints"]
    return {"id": reward_id, **fields, "revision": "1", "createdDate": now, "updatedDate": now}


def _writable(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in raw.items() if k not in READ_ONLY}


def _field(name: str, description: str, rule: str = "INVALID_ARGUMENT") -> dict[str, Any]:
    return {"field": name, "description": description, "violatedRule": rule, "ruleName": "VALIDATION_ERROR"}


# paging ------------------------------------------------------------------------------------------
def _encode_cursor(ctx: Context, state: dict[str, Any]) -> str:
    if ctx.fault("reward-opaque-cursors"):
        token = uuid.uuid4().hex
        ctx.store.insert(CURSOR, {"id": token, "state": state})
        return token
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(ctx: Context, cursor: str, field: str) -> dict[str, Any] | None:
    """The state a cursor carries; None means "first page" (only the long-cursor fault gets there)."""
    if len(cursor) > MAX_CURSOR:
        if ctx.fault("reward-long-cursor-accepted"):
            return None
        raise invalid([_field(field, f"must be at most {MAX_CURSOR} characters", "MAX_LENGTH")])
    if ctx.fault("reward-opaque-cursors"):
        state = (ctx.store.get(CURSOR, cursor) or {}).get("state")
    else:
        try:
            state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (ValueError, UnicodeDecodeError):
            state = None
    if not isinstance(state, dict) or not isinstance(state.get("after"), list):
        raise invalid([_field(field, "is not a cursor this server issued")])
    try:  # a hand-made cursor must not reach the matcher unchecked
        state["filter"] = check_filter(state.get("filter"), field)
        state["sort"] = check_sort(state.get("sort"), field, max_entries=None)
    except QueryError:
        raise invalid([_field(field, "is not a cursor this server issued")]) from None
    if len(state["after"]) != max(len(state["sort"]), 1) + 1:
        raise invalid([_field(field, "is not a cursor this server issued")])
    return state


def _paging_limit(ctx: Context, raw: Any, field: str, default: int, maximum: int | None) -> int:
    v = Violations()
    limit = check.integer(v, raw, field, minimum=0, maximum=maximum)
    v.raise_if_any()
    return limit or default  # 0 is the proto default: "not set"


def serves_anonymously(ctx: Context, method: str, path: str) -> bool:
    """Whether a request without credentials is served (only a fault variant says yes; COMMON-9)."""
    return ctx.fault("reward-list-public") and method == "GET" and path == f"{PREFIX}/rewards"


def _read_path_faults(ctx: Context, items: list[dict[str, Any]], *, listing: bool) -> list[dict[str, Any]]:
    """What a read path drops in the round-trip fault variants."""
    if listing and ctx.fault("reward-list-drops-scope"):
        items = [{**r, "couponReward": _without(r["couponReward"], "scope")} if "couponReward" in r else r
                 for r in items]
    if not listing and ctx.fault("reward-query-drops-tier-configs"):
        items = [_base_tier_only(r) for r in items]
    return items


def _without(value: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != key}


def _base_tier_only(reward: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(reward))
    payloads = [out.get("discountAmount") or {}, *((out.get("couponReward") or {}).get(k) or {} for k in COUPON_KINDS)]
    for payload in payloads:
        if isinstance(payload, dict) and "configsByTier" in payload:
            payload["configsByTier"] = [c for c in payload["configsByTier"] if not c.get("tierId")]
    return out


def routes(ctx: Context) -> list[Route]:
    store = ctx.store

    cache: dict[str, dict[str, Any]] = {}  # only the stale-cache fault reads it

    def guid_path(reward_id: str) -> str:
        if not is_guid(reward_id):
            if ctx.fault("reward-malformed-id-500"):
                raise RuntimeError("boom")
            raise invalid([_field("id", "reward id must be a GUID", "FORMAT")])
        return reward_id

    def load(reward_id: str) -> dict[str, Any]:
        guid_path(reward_id)
        reward = store.get(REWARD, reward_id)
        if reward is None:
            if ctx.fault("reward-unknown-id-500"):
                raise RuntimeError("boom")
            raise not_found("reward", reward_id)
        return reward

    def rendered() -> list[dict[str, Any]]:
        return [_render(ctx, r) for r in store.all(REWARD)]

    def page(state: dict[str, Any], limit: int, *, listing: bool) -> Page:
        items = rendered()
        if listing and ctx.fault("reward-list-hides-expensive"):
            items = [r for r in items if (_base_cost(r) or 0) <= 1_000_000]
        result = page_of(
            items,
            state.get("filter") or {},
            state.get("sort") or [],
            state.get("after"),
            limit,
            repeat_last=ctx.fault("reward-cursor-repeats-items"),
            skip_next=ctx.fault("reward-cursor-skips-items"),
        )
        result.items = _read_path_faults(ctx, result.items, listing=listing)
        return result

    def default_sort(sort: list[dict[str, str]]) -> list[dict[str, str]]:
        """Order is undocumented (AMB-31): oldest first here, newest first in the alternative reading."""
        if sort or not ctx.fault("reward-newest-first"):
            return sort
        return [{"fieldName": "createdDate", "order": "DESC"}]

    def cursor_for(result: Page, state: dict[str, Any]) -> dict[str, Any]:
        if result.next_after is None:
            return {}
        return {"next": _encode_cursor(ctx, {**state, "after": result.next_after})}

    async def list_rewards(request: Request) -> Response:
        params = request.query_params
        maximum = None if ctx.fault("reward-list-limit-unclamped") else MAX_LIMIT
        limit = _paging_limit(
            ctx, params.get("cursorPaging.limit"), "cursorPaging.limit", DEFAULT_LIMIT, maximum
        )
        if ctx.fault("reward-cursor-limit-ignored"):
            limit = DEFAULT_LIMIT
        if ctx.fault("reward-newest-first") and params.get("cursorPaging.limit") in (None, "0"):
            limit = OTHER_LIST_DEFAULT
        cursor = params.get("cursorPaging.cursor")
        state = (_decode_cursor(ctx, cursor, "cursorPaging.cursor") if cursor else None) or {"after": None}
        state = {"after": state.get("after"), "sort": default_sort([])}
        result = page(state, limit, listing=True)
        count = result.total if ctx.fault("reward-paging-count-wrong") else len(result.items)
        return _answer(
            ctx,
            {
                "rewards": result.items,
                "pagingMetadata": {
                    "count": count,
                    "cursors": cursor_for(result, state),
                    "hasNext": result.next_after is not None,
                },
            }
        )

    async def query_rewards(request: Request) -> Response:
        body = await read_json(request)
        query = body.get("query")
        if not isinstance(query, dict):
            raise invalid([_field("query", "is required and must be an object", "REQUIRED_FIELD")])
        paging = query.get("cursorPaging")
        if paging is not None and not isinstance(paging, dict):
            raise invalid([_field("query.cursorPaging", "must be an object")])
        paging = paging or {}
        maximum = None if ctx.fault("reward-query-limit-unbounded") else MAX_LIMIT
        default = 100 if ctx.fault("reward-query-default-limit-100") else DEFAULT_LIMIT
        limit = _paging_limit(ctx, paging.get("limit"), "query.cursorPaging.limit", default, maximum)
        cursor = paging.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise invalid([_field("query.cursorPaging.cursor", "must be a string")])
        state = _decode_cursor(ctx, cursor, "query.cursorPaging.cursor") if cursor else None
        if state is not None:
            # U33: follow-up pages carry only the cursor; filter and sort come from it.
            if ctx.fault("reward-cursor-drops-filter"):
                state = {**state, "filter": {}}
        else:
            try:
                filter_ = check_filter(query.get("filter"), "query.filter")
                sort = check_sort(
                    query.get("sort"),
                    "query.sort",
                    max_entries=None if ctx.fault("reward-query-sort-unbounded") else MAX_SORT,
                )
            except QueryError as exc:
                raise invalid([_field(exc.field, exc.description)]) from None
            if ctx.fault("reward-query-filter-ignored"):
                filter_ = {}
            state = {"filter": filter_, "sort": default_sort(sort), "after": None}
        result = page(state, limit, listing=False)
        metadata: dict[str, Any] = {
            "count": len(result.items),
            "cursors": cursor_for(result, state),
            "hasNext": result.next_after is not None,
        }
        if ctx.fault("reward-query-metadata-incomplete"):
            del metadata["hasNext"]
        return _answer(ctx, {"rewards": result.items, "pagingMetadata": metadata})

    async def create_reward(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("reward"), "reward", required=True)
        fields = _reward_fields(ctx, v, _writable(raw), "reward") if raw is not None else {}
        if v and raw is not None and fields.get("name") and ctx.fault("reward-rejected-create-stored"):
            with store.transaction():
                store.insert(REWARD, _new_reward(ctx, fields, raw))
        v.raise_if_any()
        assert raw is not None
        with store.transaction():
            reward = _new_reward(ctx, fields, raw)
            store.insert(REWARD, reward)
        ctx.emit("reward", "created", reward["id"], _render(ctx, reward))
        return _answer(ctx, {"reward": _render(ctx, reward)})

    async def bulk_create(request: Request) -> Response:
        body = await read_json(request)
        items = body.get("rewards")
        if not isinstance(items, list):
            raise invalid([_field("rewards", "is required and must be an array", "REQUIRED_FIELD")])
        limit = (
            BULK_MAX + 1
            if ctx.fault("reward-bulk-accepts-11")
            else (BULK_MAX - 1 if ctx.fault("reward-bulk-rejects-10") else BULK_MAX)
        )
        oversize = len(items) > limit
        if len(items) < 1 or (oversize and not ctx.fault("reward-bulk-oversize-partially-created")):
            raise invalid([_field("rewards", f"must contain 1 to {BULK_MAX} rewards", "ARRAY_SIZE")])
        results = []
        rejected: ApiError | None = None
        with store.transaction():
            for index, raw in enumerate(items[:BULK_MAX] if oversize else items):
                v = Violations()
                entity = check.obj(v, raw, f"rewards[{index}]", required=True)
                fields = _reward_fields(ctx, v, _writable(entity), f"rewards[{index}]") if entity else {}
                if (v or entity is None) and ctx.fault("reward-bulk-rejected-keeps-earlier"):
                    rejected = invalid(v.items or [_field(f"rewards[{index}]", "is required")])
                    break
                if v or entity is None:
                    where = 0 if ctx.fault("reward-bulk-original-index-wrong") else index
                    results.append(
                        {
                            "itemMetadata": {
                                "id": None,
                                "originalIndex": where,
                                "success": False,
                                "error": {
                                    "code": "INVALID_ARGUMENT",
                                    "description": v.items[0]["description"] if v else "invalid",
                                    "data": {"fieldViolations": v.items},
                                },
                            }
                        }
                    )
                    continue
                reward = _new_reward(ctx, fields, entity)
                store.insert(REWARD, reward)
                results.append(
                    {
                        "itemMetadata": {
                            "id": reward["id"],
                            "originalIndex": index,
                            "success": True,
                            "error": None,
                        },
                        "item": _render(ctx, reward),
                    }
                )
        for created in (r["item"] for r in results if "item" in r):
            ctx.emit("reward", "created", str(created["id"]), created)
        if rejected is not None:  # only with the fault: what came before the bad item was committed
            return error_response(rejected)
        if oversize:  # only with the fault: the first 10 were stored, yet the request "fails"
            return error_response(
                invalid([_field("rewards", f"must contain 1 to {BULK_MAX} rewards", "ARRAY_SIZE")])
            )
        if ctx.fault("reward-bulk-results-reversed"):
            results.reverse()
        successes = sum(1 for r in results if r["itemMetadata"]["success"])
        reported = successes + 1 if ctx.fault("reward-bulk-metadata-miscounted") else successes
        return _answer(
            ctx,
            {
                "results": results,
                "bulkActionMetadata": {
                    "totalSuccesses": reported,
                    "totalFailures": len(results) - successes,
                    "undetailedFailures": 0,
                },
            }
        )

    async def bulk_get(request: Request) -> Response:
        """SDK `bulkGetRewards` (not in the documents): this site's rewards, in the SDK's envelope."""
        return _answer(ctx, {"rewardsInSite": [{"metaSiteId": ctx.site_id, "rewards": rendered()}]})

    async def get_reward(request: Request) -> Response:
        reward_id = request.path_params["reward_id"]
        if ctx.fault("reward-get-cached"):
            if reward_id not in cache:
                cache[reward_id] = load(reward_id)
            return _answer(ctx, {"reward": _render(ctx, cache[reward_id])})
        return _answer(ctx, {"reward": _render(ctx, load(reward_id))})

    async def update_reward(request: Request) -> Response:
        reward_id = guid_path(request.path_params["reward_id"])
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("reward"), "reward", required=True) or {}
        revision = revision_of(raw.get("revision"))
        if raw.get("revision") is None:
            if not ctx.fault("reward-update-without-revision"):
                v.add("reward.revision", "is required", "REQUIRED_FIELD")
        elif revision is None:
            v.add("reward.revision", "must be a positive decimal string")
        if raw.get("name") is None and not ctx.fault("reward-update-without-name"):
            v.add("reward.name", "is required", "REQUIRED_FIELD")
        seen: dict[str, Any] | None = None
        if ctx.fault("reward-update-not-atomic"):
            # The bug: check the revision, let other requests run, then write what was read, unguarded.
            seen = load(reward_id)
            if revision is not None and revision != int(seen["revision"]):
                raise revision_mismatch("reward", reward_id)
            await asyncio.sleep(0.05)
        with store.transaction():
            current = seen or load(reward_id)
            changes = _writable(raw)
            if changes.get("name") is None:
                changes.pop("name", None)
            kind = changes.get("type")
            if (
                kind is not None
                and kind != current.get("type")
                and not ctx.fault("reward-type-change-accepted")
            ):
                v.add("reward.type", "the type of a reward cannot be changed", "IMMUTABLE")
            merged = {} if ctx.fault("reward-put-replaces") else _writable(current)
            if any(changes.get(key) is not None for key in PAYLOAD_OF.values()):
                for key in PAYLOAD_OF.values():
                    merged.pop(key, None)
            merged.update({k: val for k, val in changes.items() if val is not None})
            fields = _reward_fields(ctx, v, merged, "reward")
            if v:
                if ctx.fault("reward-invalid-update-partially-applied"):
                    store.replace(REWARD, {**current, "revision": str(int(current["revision"]) + 1)})
                    return error_response(invalid(v.items))
                if ctx.fault("reward-rejected-update-keeps-name") and isinstance(changes.get("name"), str):
                    store.replace(REWARD, {**current, "name": changes["name"]})
                    return error_response(invalid(v.items))
                v.raise_if_any()
            if (
                revision is not None
                and revision != int(current["revision"])
                and not ctx.fault("reward-stale-update-accepted")
            ):
                raise revision_mismatch("reward", reward_id)
            if ctx.fault("reward-update-ignores-configs"):
                for key in PAYLOAD_OF.values():
                    fields.pop(key, None)
                    if key in current:
                        fields[key] = current[key]
            step = 0 if ctx.fault("reward-revision-not-incremented") else 1
            updated = {
                "id": reward_id,
                **fields,
                "revision": str(int(current["revision"]) + step),
                "createdDate": current["createdDate"],
                "updatedDate": _now(ctx),
            }
            if ctx.fault("reward-created-date-changes"):
                updated["createdDate"] = updated["updatedDate"]
            if ctx.fault("reward-updated-date-frozen"):
                updated["updatedDate"] = current["updatedDate"]
            if ctx.fault("reward-update-drops-flags") and isinstance(updated.get("couponReward"), dict):
                updated["couponReward"] = {
                    k: val
                    for k, val in updated["couponReward"].items()
                    if k not in ("limitedToOneItem", "appliesToSubscriptions")
                }
            store.replace(REWARD, updated)
            if ctx.fault("reward-update-touches-others"):
                for other in store.all(REWARD):
                    if other["id"] != reward_id and other.get("active") != updated.get("active"):
                        store.replace(REWARD, {**other, "active": updated.get("active")})
        ctx.emit("reward", "updated", reward_id, _render(ctx, updated))
        return _answer(ctx, {"reward": _render(ctx, updated)})

    async def delete_reward(request: Request) -> Response:
        reward_id = request.path_params["reward_id"]
        raw_revision = request.query_params.get("revision")
        with store.transaction():
            current = load(reward_id)
            if raw_revision is not None:  # AMB-6: a missing revision is accepted
                revision = revision_of(raw_revision)
                if revision is None:
                    raise invalid([_field("revision", "must be a positive decimal string")])
                if revision != int(current["revision"]) and not ctx.fault("reward-stale-delete-accepted"):
                    raise revision_mismatch("reward", reward_id)
            if ctx.fault("reward-delete-removes-neighbour"):
                ids = [r["id"] for r in store.all(REWARD)]
                position = ids.index(reward_id)
                if position + 1 < len(ids):
                    store.remove(REWARD, ids[position + 1])
            if not ctx.fault("reward-delete-keeps-reward"):
                store.remove(REWARD, reward_id)
        ctx.emit("reward", "deleted", reward_id, _render(ctx, current))
        return _answer(ctx, {})

    table = [
        (f"{PREFIX}/rewards", list_rewards, "GET"),
        (f"{PREFIX}/rewards", create_reward, "POST"),
        (f"{PREFIX}/rewards/query", query_rewards, "POST"),
        (f"{PREFIX}/bulk/rewards/create", bulk_create, "POST"),
        (f"{PREFIX}/bulk/rewards", bulk_get, "GET"),
        (f"{PREFIX}/rewards/{{reward_id}}", get_reward, "GET"),
        (f"{PREFIX}/rewards/{{reward_id}}", update_reward, "PUT"),
        (f"{PREFIX}/rewards/{{reward_id}}", delete_reward, "DELETE"),
    ]
    return [Route(path, _errors_reworded(ctx, handler), methods=[method]) for path, handler, method in table]


def _errors_reworded(
    ctx: Context, handler: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """The alternative reading of every undocumented error detail: messages, codes and violation names
    (§1.4: no API-specific codes are documented). Statuses stay as documented. The nonstandard-errors fault
    answers the same statuses with a body that is not the standard one."""
    if not ctx.fault("reward-other-error-details") and not ctx.fault("reward-errors-nonstandard"):
        return handler

    async def reworded(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            if ctx.fault("reward-errors-nonstandard"):
                return JSONResponse({"error": error.message}, status_code=error.status)
            details = json.loads(json.dumps(error.details))
            application = details.get("applicationError")
            if isinstance(application, dict):
                application["code"] = f"LOYALTY_REWARDS_{application.get('code', 'ERROR')}"
                application["description"] = "the loyalty rewards service refused the request"
            for violation in (details.get("validationError") or {}).get("fieldViolations") or []:
                violation["violatedRule"] = "RULE_BROKEN"
                violation["description"] = f"bad value for {violation.get('field')}"
            return error_response(ApiError(error.status, f"Request refused ({error.status})", details))

    return reworded
