"""Domain checks added to schemathesis's own: rules a schema cannot express, judged on every fuzz response.

Registered with `@schemathesis.check` on import, so they run in the fuzz, coverage and stateful phases.
Each names the API-FACTS rule it enforces in its failure message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

REVISION = re.compile(r"^[1-9][0-9]*$")
COLOR = re.compile(r"^#[0-9A-F]{6}$")
ENTITY_KEYS = ("tier", "reward", "badge", "programSettings")
LIST_KEYS = ("tiers", "rewards", "badges")
#: Update operations (path templates as written in specs/) and the envelope key of their entity.
UPDATE_OPERATIONS = {
    ("PATCH", "/tiers/{tierId}"): "tier",
    ("PATCH", "/tiers/program-settings"): "programSettings",
    ("PUT", "/rewards/{id}"): "reward",
}
CREATE_OPERATIONS = {("POST", "/tiers"): "tier", ("POST", "/rewards"): "reward", ("POST", "/badges"): "badge"}


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json(response: Response) -> Any:
    try:
        return response.json()
    except Exception:
        return None


def entities(body: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every entity in a response body, with its kind: wrapped singles, lists and bulk results."""
    if not isinstance(body, dict):
        return
    for key in ENTITY_KEYS:
        if isinstance(body.get(key), dict):
            yield key, body[key]
    for key in LIST_KEYS:
        for item in body.get(key) or []:
            if isinstance(item, dict):
                yield key[:-1], item
    for result in body.get("results") or []:
        if isinstance(result, dict) and isinstance(result.get("item"), dict):
            yield "item", result["item"]


@schemathesis.check
def wix_error_body(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """COMMON-1: a 4xx with a body carries `{message: string, details: {applicationError|validationError}}`."""
    if not 400 <= response.status_code < 500 or not response.content:
        return None
    body = _json(response)
    assert isinstance(body, dict), "COMMON-1: error responses must be JSON objects"
    assert isinstance(body.get("message"), str), "COMMON-1: error body lacks a string `message`"
    details = body.get("details")
    assert isinstance(details, dict) and ("applicationError" in details or "validationError" in details), (
        "COMMON-1: error body `details` must hold `applicationError` or `validationError`"
    )
    return True


@schemathesis.check
def revision_is_decimal_string(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """COMMON-6 / AMB-1: every returned revision is a decimal JSON string."""
    if response.status_code != 200:
        return None
    for kind, entity in entities(_json(response)):
        if "revision" in entity:
            revision = entity["revision"]
            assert isinstance(revision, str) and REVISION.match(revision), (
                f"COMMON-6: {kind}.revision must be a decimal string like \"1\", got {revision!r}"
            )
    return True


@schemathesis.check
def revision_increments_by_one(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """COMMON-6: a successful update returns the sent revision plus one."""
    key = UPDATE_OPERATIONS.get((case.method.upper(), case.path))
    if response.status_code != 200 or not key or not isinstance(case.body, dict):
        return None
    sent = _dict(case.body.get(key)).get("revision")
    returned = _dict(_dict(_json(response)).get(key)).get("revision")
    if sent is None or returned is None or not str(sent).isdigit():
        return None
    assert str(returned) == str(int(sent) + 1), (
        f"COMMON-6: update sent revision {sent!r} and succeeded, so the new revision must be "
        f"\"{int(sent) + 1}\", got {returned!r}"
    )
    return True


@schemathesis.check
def created_entity_is_server_managed(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """COMMON-7: on create, id/createdDate/revision come from the server, never from the request."""
    kind = CREATE_OPERATIONS.get((case.method.upper(), case.path))
    if response.status_code != 200 or kind is None or not isinstance(case.body, dict):
        return None
    sent = _dict(case.body.get(kind))
    created = _dict(_dict(_json(response)).get(kind))
    if sent.get("id") and created.get("id"):
        assert created["id"] != sent["id"], f"COMMON-7: the server kept the client-supplied {kind}.id"
    if "revision" in created:
        assert created["revision"] == "1", f"COMMON-7/COMMON-6: a new {kind} has revision \"1\""
    return True


@schemathesis.check
def badge_colors_uppercase(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """BADGE-3: returned colors are `#RRGGBB` in uppercase."""
    if response.status_code != 200:
        return None
    for kind, entity in entities(_json(response)):
        if kind != "badge":
            continue
        for key in ("backgroundColor", "textColor"):
            value = entity.get(key)
            if value not in (None, ""):
                assert isinstance(value, str) and COLOR.match(value), (
                    f"BADGE-3: badge.{key} must be an uppercase #RRGGBB color, got {value!r}"
                )
    return True


DOMAIN_CHECKS = (
    wix_error_body,
    revision_is_decimal_string,
    revision_increments_by_one,
    created_entity_is_server_managed,
    badge_colors_uppercase,
)
