"""Reference implementation of the badges API (to be filled in)."""

from __future__ import annotations

from starlette.routing import Route

from conformance.reference.faults import Fault
from conformance.reference.http import Context

FAULTS: tuple[Fault, ...] = ()


def routes(ctx: Context) -> list[Route]:
    return []
