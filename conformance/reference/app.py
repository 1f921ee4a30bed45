"""The reference server's ASGI application: routes of the three APIs, auth, and error mapping."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference import assignments_v4, badges, badges_v4, common, rewards, tiers
from conformance.reference import events as event_variants
from conformance.reference.clock import Clock
from conformance.reference.errors import ApiError, application_error
from conformance.reference.events import Emitter
from conformance.reference.faults import Fault
from conformance.reference.http import Context, error_response
from conformance.reference.store import Store

API_MODULES = (tiers, rewards, badges, badges_v4, assignments_v4, common)


#: The combined mode: every correct alternative reading at once (`--fault alternative`), a reference that differs
#: from the default one in everything the documents leave open. The suite must pass it.
ALTERNATIVE = "alternative"


def expand_faults(names: Iterable[str]) -> list[str]:
    """Fault names with `alternative` replaced by every kind="correct" variant."""
    expanded: list[str] = []
    for name in names:
        expanded += [f.name for f in all_faults().values() if f.kind == "correct"] if name == ALTERNATIVE else [name]
    return list(dict.fromkeys(expanded))


def all_faults() -> dict[str, Fault]:
    """Every fault variant the API modules declare, by name (a name declared twice is a bug of the reference)."""
    faults: dict[str, Fault] = {}
    for module in (*API_MODULES, event_variants):
        for fault in getattr(module, "FAULTS", ()):
            if fault.name in faults:
                raise ValueError(f"duplicate fault name {fault.name}")
            faults[fault.name] = fault
    return faults


class RequireAuthorization:
    """COMMON-9: requests without credentials get 401. Any non-empty Authorization value is accepted
    (the SDK sends a raw key with no scheme, §1.9), because the reference has no real accounts."""

    def __init__(self, app: ASGIApp, ctx: Context | None = None):
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if not headers.get(b"authorization", b"").strip() and not self._served_anonymously(scope):
                error = application_error(401, "UNAUTHENTICATED", "missing Authorization header")
                await error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _served_anonymously(self, scope: Scope) -> bool:
        """A fault variant of an API module may serve some requests without credentials (COMMON-9 faults)."""
        return self.ctx is not None and any(
            module.serves_anonymously(self.ctx, scope["method"], scope["path"])
            for module in API_MODULES
            if hasattr(module, "serves_anonymously")
        )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "INVALID_ARGUMENT")
    message = "no such endpoint" if exc.status_code == 404 else str(exc.detail)
    return error_response(application_error(exc.status_code, code, message))


class AnswerUnexpectedErrors:
    """A bug in the reference (or a fault variant) is logged and answered as a bare 500, and the connection
    stays usable: Starlette's own last-resort handler re-raises, and uvicorn then resets the connection."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            logging.getLogger("conformance.reference").error("%s %s failed", scope.get("method"),
                                                             scope.get("path"), exc_info=exc)
            if scope["type"] != "http" or started:
                raise
            answer = JSONResponse({"message": "internal error", "details": {}}, status_code=500)
            await answer(scope, receive, send)


def create_app(
    db: str = ":memory:",
    faults: Iterable[str] = (),
    deterministic: bool = False,
    seed: int = 0,
    events: Emitter | None = None,
) -> Starlette:
    """Build the reference application.

    Args:
        db: SQLite path; ``:memory:`` keeps nothing after the process ends.
        faults: names from `all_faults()` to switch on (the project's tests use one at a time).
        deterministic: derive ids and timestamps from `seed` and a counter (byte-identical reruns).
        events: the webhook producer that delivers each write's events (none: no events are sent).
    """
    faults = expand_faults(faults)
    unknown = set(faults) - set(all_faults())
    if unknown:
        raise ValueError(f"unknown fault {sorted(unknown)[0]!r}; see `conformance serve --list-faults`")
    ctx = Context(store=Store(db), clock=Clock(deterministic, seed), faults=frozenset(faults),
                  declared=frozenset(all_faults()), events=events)
    if events is not None:
        events.faults = ctx.faults
    left_out = {name for fault in ctx.faults for name in common.LEFT_OUT.get(fault, ())}
    routes = [route for module in API_MODULES if module.__name__.rpartition(".")[2] not in left_out
              for route in module.routes(ctx)]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AnswerUnexpectedErrors),
            *common.middleware(ctx),
            Middleware(RequireAuthorization, ctx=ctx),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.ctx = ctx
    return app
