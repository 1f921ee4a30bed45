"""How the badges reference spells its answers: ids, timestamps, key order, extra fields, omitted defaults
and error wording. The default spelling follows the documents' examples; the correct alternative variants
(`kind="correct"` in `badges.FAULTS`) take the other reading of every detail the documents leave open, so the
suite is proven not to assert any of them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.errors import ApiError
from conformance.reference.http import Context, Handler, ok, reversed_keys

ALTERNATIVE_IDS_AND_TIMES = "badge-ids-times-keys-differ"
EXTRA_FIELDS = "badge-extra-fields"
DEFAULTS_OMITTED = "badge-defaults-omitted"
ERRORS_DIFFER = "badge-errors-differ"
#: Response keys whose entries are dropped whole when their one number or list is a default (AMB-35).
_EMPTY_ENTRIES = {"badgeMemberCounts": "memberCount", "memberBadgeIds": "badgeIds"}


def new_id(ctx: Context) -> str:
    """A GUID: random (v4) by default, time-ordered (v7) in the alternative variant."""
    if not ctx.fault(ALTERNATIVE_IDS_AND_TIMES):
        return ctx.clock.new_id()
    millis = time.time_ns() // 1_000_000
    value = (millis << 80) | (0x7 << 76) | (uuid.uuid4().int & ((1 << 62) - 1)) | (0x2 << 62)
    return str(uuid.UUID(int=value))


def now(ctx: Context) -> str:
    """Milliseconds as in the documents' examples, or microseconds in the alternative variant."""
    if not ctx.fault(ALTERNATIVE_IDS_AND_TIMES):
        return ctx.clock.now()
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def after(ctx: Context, previous: str) -> str:
    """A timestamp strictly later than `previous` (BADGE-7: updatedDate advances on every update)."""
    current = now(ctx)
    earlier = _parse(previous)
    if earlier is None or (_parse(current) or earlier) > earlier:
        return current
    step = timedelta(microseconds=1 if ctx.fault(ALTERNATIVE_IDS_AND_TIMES) else 1000)
    later = earlier + step
    if ctx.fault(ALTERNATIVE_IDS_AND_TIMES):
        return later.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return later.strftime("%Y-%m-%dT%H:%M:%S.") + f"{later.microsecond // 1000:03d}Z"


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def present(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    """The answer body as this variant spells it."""
    if ctx.fault(EXTRA_FIELDS):
        payload = _with_extras(payload)
    if ctx.fault(DEFAULTS_OMITTED):
        payload = _without_defaults(payload)
    if ctx.fault(ALTERNATIVE_IDS_AND_TIMES):
        payload = reversed_keys(payload)
    return payload


def _with_extras(payload: dict[str, Any]) -> dict[str, Any]:
    if not payload:  # deletes and unassigns answer the documented {}
        return payload
    out: dict[str, Any] = {**payload, "serviceVersion": "v3-preview"}
    for key in ("badge",):
        if isinstance(out.get(key), dict):
            out[key] = {**out[key], "badgeType": "CUSTOM", "memberPermissions": []}
    if isinstance(out.get("badges"), list):
        out["badges"] = [{**b, "badgeType": "CUSTOM", "memberPermissions": []} for b in out["badges"]]
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = {**out["metadata"], "hasNext": False}
    return out


def _without_defaults(value: Any, key: str = "") -> Any:
    """Proto3 JSON: fields at their zero value ("", false, 0, []) are not emitted; per AMB-35 a badge without
    members is absent from the counts and a member without badges from memberBadgeIds."""
    if isinstance(value, list):
        items = [_without_defaults(v) for v in value]
        inner = _EMPTY_ENTRIES.get(key)
        if inner:
            items = [i for i in items if not isinstance(i, dict) or inner in i]
        return items
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        shown = _without_defaults(item, name)
        if shown in ("", False, 0, []) and not isinstance(shown, dict):
            continue
        out[name] = shown
    return out


def reworded(error: ApiError) -> ApiError:
    """The same status and standard shape (COMMON-1) with other wording, codes and violation rule names:
    none of them is documented."""
    details: dict[str, Any] = {}
    application = error.details.get("applicationError")
    if isinstance(application, dict):
        code = str(application.get("code", "ERROR"))
        details["applicationError"] = {"code": f"BADGES_{code}", "description": f"badges-v3: {code.lower()}",
                                       "data": {"service": "badges"}}
    validation = error.details.get("validationError")
    if isinstance(validation, dict):
        details["validationError"] = {"fieldViolations": [
            {**v, "description": f"invalid value ({v.get('description', '')})", "ruleName": "BAD_FIELD",
             "data": {"service": "badges"}}
            for v in validation.get("fieldViolations", [])
        ]}
    return ApiError(error.status, f"Badges request refused ({error.status})", details)


def reply(ctx: Context, payload: dict[str, Any]) -> Response:
    return ok(present(ctx, payload))


def in_order(ctx: Context, items: list[Any]) -> list[Any]:
    """Members, counts and per-member ids: oldest first, or newest first in the alternative order."""
    return items[::-1] if ctx.fault("badge-other-list-order") else items


def render(ctx: Context, badge: dict[str, Any], path: str = "") -> dict[str, Any]:
    shown = dict(badge)
    if path == "list" and ctx.fault("badge-list-drops-icon"):
        shown.pop("icon", None)
    if path == "query" and ctx.fault("badge-query-defaults-permissions"):
        shown["permissionsEnabled"] = False
    return shown


def bare_not_found(error: ApiError) -> ApiError:
    """The badge-not-found-body-bare fault: a 404 body without the standard `details` (COMMON-1)."""
    if error.status != 404:
        return error
    bare = ApiError(404, error.message, {})
    bare.body = lambda: {"message": error.message}  # type: ignore[method-assign]
    return bare


def errors_changed(handler: Handler, change: Callable[[ApiError], ApiError]) -> Handler:
    """Every error the handler raises, as `change` spells it (a variant's wording, or a fault's body)."""
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            raise change(error) from None
    return run
