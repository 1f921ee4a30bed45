"""Reference implementation of Loyalty Rewards v1 (API-FACTS §4): rewards, List/Query paging, bulk create."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference import validation as check
from conformance.reference.errors import Violations, invalid, not_found, revision_mismatch
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
    if ctx.fault("reward-type-unchecked") and isinstance(raw.get("type"), str):
        kind: str | None = raw["type"]
    else:
        # AMB-24: UNDEFINED, the legacy COUPON and a missing type are rejected rather than inferred.
        kind = check.enum(v, raw.get("type"), f"{prefix}.type", TYPES, required=True)
    if kind is not None:
        out["type"] = kind
    present = [key for key in ("discountAmount", "couponReward") if raw.get(key) is not None]
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
    if not ctx.fault("reward-configs-unbounded") and not minimum <= len(raw) <= MAX_CONFIGS:
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
    return out


def _new_reward(ctx: Context, fields: dict[str, Any], client: dict[str, Any]) -> dict[str, Any]:
    now = ctx.clock.now()
    reward_id = ctx.clock.new_id()
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
def _encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(ctx: Context, cursor: str, field: str) -> dict[str, Any] | None:
    """The state a cursor carries; None means "first page" (only the long-cursor fault gets there)."""
    if len(cursor) > MAX_CURSOR:
        if ctx.fault("reward-long-cursor-accepted"):
            return None
        raise invalid([_field(field, f"must be at most {MAX_CURSOR} characters", "MAX_LENGTH")])
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


def routes(ctx: Context) -> list[Route]:
    store = ctx.store

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
        )
        return result

    def cursor_for(result: Page, state: dict[str, Any]) -> dict[str, Any]:
        if result.next_after is None:
            return {}
        return {"next": _encode_cursor({**state, "after": result.next_after})}

    async def list_rewards(request: Request) -> Response:
        params = request.query_params
        maximum = None if ctx.fault("reward-list-limit-unclamped") else MAX_LIMIT
        limit = _paging_limit(
            ctx, params.get("cursorPaging.limit"), "cursorPaging.limit", DEFAULT_LIMIT, maximum
        )
        if ctx.fault("reward-cursor-limit-ignored"):
            limit = DEFAULT_LIMIT
        cursor = params.get("cursorPaging.cursor")
        state = (_decode_cursor(ctx, cursor, "cursorPaging.cursor") if cursor else None) or {"after": None}
        state = {"after": state.get("after")}
        result = page(state, limit, listing=True)
        count = result.total if ctx.fault("reward-paging-count-wrong") else len(result.items)
        return ok(
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
            state = {"filter": filter_, "sort": sort, "after": None}
        result = page(state, limit, listing=False)
        metadata: dict[str, Any] = {
            "count": len(result.items),
            "cursors": cursor_for(result, state),
            "hasNext": result.next_after is not None,
        }
        if ctx.fault("reward-query-metadata-incomplete"):
            del metadata["hasNext"]
        return ok({"rewards": result.items, "pagingMetadata": metadata})

    async def create_reward(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        raw = check.obj(v, body.get("reward"), "reward", required=True)
        fields = _reward_fields(ctx, v, _writable(raw), "reward") if raw is not None else {}
        v.raise_if_any()
        assert raw is not None
        with store.transaction():
            reward = _new_reward(ctx, fields, raw)
            store.insert(REWARD, reward)
        ctx.emit("reward", "created", reward["id"], _render(ctx, reward))
        return ok({"reward": _render(ctx, reward)})

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
        with store.transaction():
            for index, raw in enumerate(items[:BULK_MAX] if oversize else items):
                v = Violations()
                entity = check.obj(v, raw, f"rewards[{index}]", required=True)
                fields = _reward_fields(ctx, v, _writable(entity), f"rewards[{index}]") if entity else {}
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
        if oversize:  # only with the fault: the first 10 were stored, yet the request "fails"
            return error_response(
                invalid([_field("rewards", f"must contain 1 to {BULK_MAX} rewards", "ARRAY_SIZE")])
            )
        successes = sum(1 for r in results if r["itemMetadata"]["success"])
        reported = successes + 1 if ctx.fault("reward-bulk-metadata-miscounted") else successes
        return ok(
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
        return ok({"rewardsInSite": [{"metaSiteId": ctx.site_id, "rewards": rendered()}]})

    async def get_reward(request: Request) -> Response:
        return ok({"reward": _render(ctx, load(request.path_params["reward_id"]))})

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
        with store.transaction():
            current = load(reward_id)
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
            merged = _writable(current)
            if any(changes.get(key) is not None for key in PAYLOAD_OF.values()):
                for key in PAYLOAD_OF.values():
                    merged.pop(key, None)
            merged.update({k: val for k, val in changes.items() if val is not None})
            fields = _reward_fields(ctx, v, merged, "reward")
            if v:
                if ctx.fault("reward-invalid-update-partially-applied"):
                    store.replace(REWARD, {**current, "revision": str(int(current["revision"]) + 1)})
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
                "updatedDate": ctx.clock.now(),
            }
            if ctx.fault("reward-created-date-changes"):
                updated["createdDate"] = updated["updatedDate"]
            store.replace(REWARD, updated)
        ctx.emit("reward", "updated", reward_id, _render(ctx, updated))
        return ok({"reward": _render(ctx, updated)})

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
            if not ctx.fault("reward-delete-keeps-reward"):
                store.remove(REWARD, reward_id)
        ctx.emit("reward", "deleted", reward_id, _render(ctx, current))
        return ok({})

    return [
        Route(f"{PREFIX}/rewards", list_rewards, methods=["GET"]),
        Route(f"{PREFIX}/rewards", create_reward, methods=["POST"]),
        Route(f"{PREFIX}/rewards/query", query_rewards, methods=["POST"]),
        Route(f"{PREFIX}/bulk/rewards/create", bulk_create, methods=["POST"]),
        Route(f"{PREFIX}/bulk/rewards", bulk_get, methods=["GET"]),
        Route(f"{PREFIX}/rewards/{{reward_id}}", get_reward, methods=["GET"]),
        Route(f"{PREFIX}/rewards/{{reward_id}}", update_reward, methods=["PUT"]),
        Route(f"{PREFIX}/rewards/{{reward_id}}", delete_reward, methods=["DELETE"]),
    ]
