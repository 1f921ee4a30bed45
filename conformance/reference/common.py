"""Cross-API faults of the reference server (COMMON rules that no single API module owns).

These faults act on the wire, around every API, so they are ASGI middleware rather than handler
branches: `middleware(ctx)` returns the wrappers whose fault is switched on (none on a clean server).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference.faults import Fault
from conformance.reference.http import Context

FAULTS = (
    Fault("error-body-nonstandard", "COMMON-1", 'error bodies become {"error": "..."}'),
    Fault("auth-not-required", "COMMON-9", "requests without Authorization are served"),
    Fault("malformed-json-500", "COMMON-2", "a body that is not JSON answers 500 instead of 400"),
    Fault("success-201", "TIER-1", "successful creates (POST) answer 201 instead of 200 (AMB-29)"),
    # One service behind a gateway of its own: the rewards and badges APIs get it wrong, tiers right.
    Fault("error-body-nonstandard-outside-tiers", "COMMON-1",
          'error bodies of the rewards and badges APIs become {"error": "..."}'),
    Fault("auth-not-required-outside-tiers", "COMMON-9",
          "the rewards and badges APIs serve requests without Authorization"),
    # Correct but SDK-hostile readings of every API (issue 9): the suite passes them in the tolerant profile with
    # an official-SDK warning, and fails them in strict.
    Fault("strict-read-only-fields", "COMMON-7",
          "bodies carrying read-only fields (dates, _id, slug, icon size; id and revision on create) "
          "are rejected (AMB-30)",
          kind="hostile"),
    Fault("strict-query-parameters", "COMMON-3",
          "query parameters an operation does not document (the SDK's ?id=, ?tierId=) are rejected (AMB-39)",
          kind="hostile"),
    # A correct alternative reading: what §1.4 leaves free in error bodies is spelled differently.
    Fault("errors-reworded", "COMMON-1",
          "error messages, descriptions, application error codes and violated-rule names are worded differently, "
          "with extra detail fields (no API-specific codes are documented)",
          kind="correct"),
    # issue 19: the documents say nothing about an empty query value; reading it as absent is correct too.
    Fault("query-empty-values-absent", "COMMON-3",
          "an empty query value (paging.limit=) is read as an absent parameter", kind="correct"),
    # issue 18: one command works against a v3-only, a v4-only and a both implementation.
    Fault("v3-not-served", "BADGE-1", "a Badges v4 implementation without v3: every /members/v3/badges route "
          "answers 404", kind="partial"),
    Fault("v4-not-served", "BADGE4-1", "a Badges v3 implementation without v4: every /badges/v4 route answers 404",
          kind="partial"),
)
#: What each partial variant leaves out (`app.create_app` mounts the other API modules only).
LEFT_OUT = {"v3-not-served": ("badges",), "v4-not-served": ("badges_v4", "assignments_v4")}
#: Query parameters the documents define, per method (AMB-39 strict reading rejects every other one).
DOCUMENTED_QUERY = {
    "GET": {"paging.limit", "paging.offset", "cursorPaging.limit", "cursorPaging.cursor"},
    "DELETE": {"revision", "memberIds"},
}
READ_ONLY_KEYS = {"_id", "createdDate", "updatedDate"}
ICON_READ_ONLY = {"height", "width", "filename"}
ENVELOPES = ("tier", "reward", "badge", "programSettings")
#: Paths a per-service fault leaves alone (it breaks the other services only).
TIERS_PREFIX = "/loyalty-tiers/"


def routes(ctx: Context) -> list[Route]:
    """No endpoints of its own: this module only contributes faults."""
    return []


def middleware(ctx: Context) -> list[Middleware]:
    """The wire-level fault wrappers switched on for this server, outermost first."""
    wrappers: list[Middleware] = []
    if ctx.fault("auth-not-required"):
        wrappers.append(Middleware(_InjectAuthorization))
    if ctx.fault("auth-not-required-outside-tiers"):
        wrappers.append(Middleware(_InjectAuthorization, spared=TIERS_PREFIX))
    if ctx.fault("malformed-json-500"):
        wrappers.append(Middleware(_JudgeBody, judge=_crash_on_malformed_json))
    if ctx.fault("error-body-nonstandard"):
        wrappers.append(Middleware(_RewriteResponses, errors=True))
    if ctx.fault("error-body-nonstandard-outside-tiers"):
        wrappers.append(Middleware(_RewriteResponses, errors=True, spared=TIERS_PREFIX))
    if ctx.fault("success-201"):
        wrappers.append(Middleware(_RewriteResponses, created=True))
    if ctx.fault("errors-reworded"):
        wrappers.append(Middleware(_RewriteResponses, reworded=True))
    if ctx.fault("strict-query-parameters"):
        wrappers.append(Middleware(_RejectUndocumentedQuery))
    if ctx.fault("strict-read-only-fields"):
        wrappers.append(Middleware(_JudgeBody, judge=_reject_read_only))
    if ctx.fault("query-empty-values-absent"):
        wrappers.append(Middleware(_DropEmptyQueryValues))
    return wrappers


class _DropEmptyQueryValues:
    """`?paging.limit=&x=1` is served as `?x=1`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            pairs = scope["query_string"].split(b"&")
            scope = {**scope, "query_string": b"&".join(p for p in pairs if p.partition(b"=")[2])}
        await self.app(scope, receive, send)


class _RejectUndocumentedQuery:
    """AMB-39 strict reading: a query parameter the operation does not document is a 400."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            from urllib.parse import parse_qsl

            names = {name for name, _ in parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)}
            unknown = sorted(names - DOCUMENTED_QUERY.get(scope["method"], set()))
            if unknown:
                await _send_json(send, 400, _violation(unknown[0], "is not a parameter of this operation"))
                return
        await self.app(scope, receive, send)


def _read_only_field(raw: bytes, creating: bool) -> str | None:
    """The first read-only field an entity in the body carries. `id` and `revision` are only read-only on
    create: on update the path binds `tier.id` and the current `revision` is required."""
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    entities = [(key, body.get(key)) for key in ENVELOPES]
    entities += [(f"{key}[{i}]", item) for key in ("tiers", "rewards") for i, item in enumerate(body.get(key) or [])
                 if isinstance(body.get(key), list)]
    for prefix, entity in entities:
        if not isinstance(entity, dict):
            continue
        forbidden = READ_ONLY_KEYS | ({"id", "revision"} if creating else set())
        forbidden |= {"slug"} if prefix == "badge" else set()
        for name in sorted(forbidden & set(entity)):
            return f"{prefix}.{name}"
        for holder in ("tierDefinition", "baseTierDefinition"):
            icon = (entity.get(holder) or {}).get("icon") if isinstance(entity.get(holder), dict) else None
            if isinstance(icon, dict):
                for name in sorted(ICON_READ_ONLY & set(icon)):
                    return f"{prefix}.{holder}.icon.{name}"
    return None


def _violation(field: str, description: str) -> dict[str, Any]:
    return {"message": f"{field}: {description}", "details": {"validationError": {"fieldViolations": [
        {"field": field, "description": description, "violatedRule": "INVALID_ARGUMENT",
         "ruleName": "VALIDATION_ERROR"}]}}}


class _InjectAuthorization:
    """COMMON-9 fault: a request without credentials is served as if it carried some."""

    def __init__(self, app: ASGIApp, spared: str | None = None):
        self.app = app
        self.spared = spared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spared = self.spared is not None and scope.get("path", "").startswith(self.spared)
        if scope["type"] == "http" and not spared and not dict(scope["headers"]).get(b"authorization", b"").strip():
            scope = {**scope, "headers": [*scope["headers"], (b"authorization", b"anonymous")]}
        await self.app(scope, receive, send)


class _JudgeBody:
    """Reads a write request's body ahead of the application and may answer in its place."""

    def __init__(self, app: ASGIApp, judge: Callable[[bytes, str], tuple[int, dict[str, Any]] | None]):
        self.app = app
        self.judge = judge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PATCH", "PUT"):
            await self.app(scope, receive, send)
            return
        raw = await _read_body(receive)
        answer = self.judge(raw, scope["method"])
        if answer is not None:
            await _send_json(send, *answer)
            return
        await self.app(scope, _replaying(raw, receive), send)


def _crash_on_malformed_json(raw: bytes, method: str) -> tuple[int, dict[str, Any]] | None:
    """COMMON-2 fault: a body that does not parse as JSON crashes the server (500) instead of a 400."""
    try:
        if raw.strip():
            json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return 500, {"message": "internal error", "details": {}}
    return None


def _reject_read_only(raw: bytes, method: str) -> tuple[int, dict[str, Any]] | None:
    """AMB-30 strict reading: an entity in a request body carrying read-only fields is a 400."""
    offending = _read_only_field(raw, creating=method == "POST")
    return (400, _violation(offending, "is read-only")) if offending else None


class _RewriteResponses:
    """Buffers each response and rewrites it: non-standard error bodies (COMMON-1) or 201 creates (AMB-29)."""

    def __init__(self, app: ASGIApp, errors: bool = False, created: bool = False, reworded: bool = False,
                 spared: str | None = None):
        self.app = app
        self.errors = errors
        self.created = created
        self.reworded = reworded
        self.spared = spared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.spared is not None and scope["path"].startswith(self.spared)):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(scope, send, start, b"".join(body))

        await self.app(scope, receive, capture)

    async def _finish(self, scope: Scope, send: Send, start: dict[str, Any], raw: bytes) -> None:
        status = int(start["status"])
        if self.errors and status >= 400:
            try:
                message = str(json.loads(raw).get("message", "error"))
            except (ValueError, AttributeError):
                message = "error"
            await _send_json(send, status, {"error": message})
            return
        if self.reworded and status >= 400:
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                await _send_json(send, status, _reword(payload))
                return
        if self.created and status == 200 and scope["method"] == "POST" and not _is_read(scope["path"]):
            start = {**start, "status": 201}
        await send(start)
        await send({"type": "http.response.body", "body": raw, "more_body": False})


def _reword(payload: dict[str, Any]) -> dict[str, Any]:
    """The same error in other words: messages, codes and rule names are free (§1.4 documents no codes)."""
    details = dict(payload.get("details") or {})
    application = details.get("applicationError")
    if isinstance(application, dict):
        code = str(application.get("code") or "ERROR")
        details["applicationError"] = {**application, "code": f"WIX_{code}_V2", "description": "Request refused.",
                                       "data": {"traceId": "0"}}
    validation = details.get("validationError")
    if isinstance(validation, dict):
        details["validationError"] = {"fieldViolations": [
            {**item, "description": "Invalid value.", "violatedRule": "OTHER", "ruleName": "RULE"}
            for item in validation.get("fieldViolations") or [] if isinstance(item, dict)]}
    return {"message": "The request could not be completed.", "details": details, "requestId": "0"}


def _is_read(path: str) -> bool:
    """POST endpoints that read rather than create (queries, member lookups)."""
    return path.endswith("/query") or path.endswith("/badges/members")


async def _read_body(receive: Receive) -> bytes:
    """The whole request body, read ahead of the application (which then gets it from `_replaying`)."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replaying(raw: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the application the body already read, then defers to the real one."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replay


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    raw = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw, "more_body": False})
