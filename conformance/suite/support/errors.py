"""The standard error body (COMMON-1) and what counts as a rejection, for every API's scenarios."""

from __future__ import annotations

from conformance.target import Exchange
from conformance.verdict import Expect


def check_error_body(expect: Expect, answer: Exchange, what: str) -> None:
    """COMMON-1: `{message: string, details: {applicationError | validationError}}`."""
    body = answer.body
    expect.that(
        answer.is_json and isinstance(body, dict),
        f"{what}: the error body is a JSON object",
        answer,
        rule="COMMON-1",
    )
    assert isinstance(body, dict)
    expect.that(
        isinstance(body.get("message"), str),
        f"{what}: the error body has a string `message`",
        answer,
        rule="COMMON-1",
    )
    details = body.get("details")
    expect.that(
        isinstance(details, dict), f"{what}: the error body has an object `details`", answer, rule="COMMON-1"
    )
    assert isinstance(details, dict)
    expect.that(
        isinstance(details.get("applicationError"), dict) or isinstance(details.get("validationError"), dict),
        f"{what}: details carries applicationError or validationError",
        answer,
        rule="COMMON-1",
    )


def is_rejection(answer: Exchange) -> bool:
    return 400 <= answer.status < 500
