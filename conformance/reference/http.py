"""Request parsing and response helpers shared by the three API modules."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.reference.clock import Clock
from conformance.reference.errors import ApiError, Violations, invalid, violation
from conformance.reference.events import Emitter
from conformance.reference.store import Store

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_BODY_BYTES = 1_000_000
INT32_MAX = 2**31 - 1  # paging fields are int32 on the wire


@dataclass
class Context:
    """What every handler needs: storage, the clock, and which fault (if any) is switched on."""

    store: Store
    clock: Clock
    faults: frozenset[str] = field(default_factory=frozenset)
    site_id: str = "00000000-0000-4000-8000-000000000001"
    #: Every declared fault name; empty means "do not check" (a Context built by hand in a unit test).
    declared: frozenset[str] = field(default_factory=frozenset)
    events: Emitter | None = None
    #: Tiers as they were created: what Get Tiers Program serves with the stale-cache fault.
    tier_program_cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Rewards as they were first read: what Get Reward serves with the reward-get-cached fault.
    reward_cache: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fault(self, name: str) -> bool:
        """Is the fault switched on? A name no module declares is a typo that would silently do nothing."""
        if self.declared and name not in self.declared:
            raise KeyError(f"undeclared fault {name!r}")
        return name in self.faults

    def emit(self, entity: str, slug: str, entity_id: str, body: dict[str, Any] | None = None) -> None:
        """Queue the documented event of a successful write (§1.6); a no-op without subscribers."""
        if self.events is not None:
            self.events.emit(entity, slug, entity_id, body)


Handler = Callable[[Request], Awaitable[Response]]

#: How long a non-atomic fault variant waits between its revision check and its write: long enough for
#: concurrent requests to interleave there.
RACE_WINDOW = 0.05


def context(request: Request) -> Context:
    """The Context of the application serving the request (`create_app` puts it on the app's state)."""
    ctx: Context = request.app.state.ctx
    return ctx


def atomic(ctx: Context, fault: str) -> AbstractContextManager[Store]:
    """The transaction a read-check-write runs in; a non-atomic fault variant runs it without one."""
    return nullcontext(ctx.store) if ctx.fault(fault) else ctx.store.transaction()


def rejected_after_commit(v: Violations) -> Response:
    """A 400 answered after the transaction commits: only fault variants write before rejecting."""
    return error_response(invalid(v.items))


def ok(payload: Any) -> JSONResponse:
    return JSONResponse(payload, status_code=200)


def reversed_keys(value: Any, leaf: Callable[[Any], Any] = lambda v: v) -> Any:
    """The same JSON with every object's keys in reverse order (key order is free); `leaf` may respell values."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k], leaf) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v, leaf) for v in value]
    return leaf(value)


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


async def read_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 with a standard error body."""
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise invalid("request body is too large")
    if content_type and "json" not in content_type.lower():
        raise invalid(f"unsupported content type {content_type.split(';')[0]!r}; send application/json")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("request body must be a JSON object")
    try:  # JSON may escape lone surrogates ("\\ud800") that no UTF-8 response could echo back
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise invalid("request body contains invalid Unicode (lone surrogates)") from None
    return body


def is_guid(value: object) -> bool:
    return isinstance(value, str) and bool(GUID.match(value))


def id_in_path(value: str, kind: str) -> str:
    """A GUID path parameter, or the 400 that names it (COMMON-4)."""
    if not is_guid(value):
        raise invalid([violation("id", f"{kind} id must be a GUID", "FORMAT")])
    return value


def query_int(request: Request, name: str, default: int | None, minimum: int = 0,
              maximum: int | None = None) -> int | None:
    """An integer query parameter (`paging.limit`), validated; absent gives `default`."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid([violation(name, "must be an integer")]) from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise invalid([violation(name, f"must be {bound}", "OUT_OF_RANGE")])
    return value


def revision_of(value: object) -> int | None:
    """Parse a revision sent as a decimal string or an integer (AMB-1: tolerant on input)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return int(value)
    return None


def body_revision(v: Violations, raw: dict[str, Any], field: str, *, required: bool) -> int | None:
    """An update's `revision`: a violation when `required` and absent, or when sent but not a positive decimal."""
    revision = revision_of(raw.get("revision"))
    if raw.get("revision") is None:
        if required:
            v.add(field, "is required", "REQUIRED_FIELD")
    elif revision is None:
        v.add(field, "must be a positive decimal string")
    return revision


def query_revision(raw: str | None) -> int | None:
    """A delete's `?revision=`: None when absent (AMB-6), else a positive decimal; anything else is a 400."""
    if raw is None:
        return None
    revision = revision_of(raw)
    if revision is None:
        raise invalid([violation("revision", "must be a positive decimal string")])
    return revision

