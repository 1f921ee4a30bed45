"""The domain checks added to schemathesis: each passes a conforming answer, fails a broken one, and fires
in a real fuzz run against the fault variant that breaks its rule."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from conformance import checks


class FakeResponse:
    def __init__(self, status: int, body: Any):
        self.status_code = status
        self.content = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())

    def json(self) -> Any:
        return json.loads(self.content)


def case(method: str, path: str, body: Any = None) -> Any:
    return SimpleNamespace(method=method, path=path, body=body)


ERROR = {"message": "bad", "details": {"validationError": {"fieldViolations": []}}}


def test_error_body_check_accepts_the_wix_shape_and_empty_5xx() -> None:
    assert checks.wix_error_body(None, FakeResponse(400, ERROR), case("GET", "/tiers"))
    assert checks.wix_error_body(None, FakeResponse(503, None), case("GET", "/tiers")) is None


@pytest.mark.parametrize("body", [{"error": "bad"}, {"message": "bad"}, {"message": "x", "details": {}}, b"<html>"])
def test_error_body_check_rejects_other_shapes(body: Any) -> None:
    with pytest.raises(AssertionError, match="COMMON-1"):
        checks.wix_error_body(None, FakeResponse(404, body), case("GET", "/tiers/x"))


def test_revision_must_be_a_decimal_string() -> None:
    assert checks.revision_is_decimal_string(None, FakeResponse(200, {"tier": {"revision": "12"}}), case("GET", "/t"))
    with pytest.raises(AssertionError, match="COMMON-6"):
        checks.revision_is_decimal_string(None, FakeResponse(200, {"tiers": [{"revision": 1}]}), case("GET", "/t"))


def test_successful_update_returns_the_next_revision() -> None:
    update = case("PUT", "/rewards/{id}", {"reward": {"revision": "3", "name": "x"}})
    assert checks.revision_increments_by_one(None, FakeResponse(200, {"reward": {"revision": "4"}}), update)
    with pytest.raises(AssertionError, match="COMMON-6"):
        checks.revision_increments_by_one(None, FakeResponse(200, {"reward": {"revision": "3"}}), update)


def test_created_entity_takes_no_client_id_and_starts_at_revision_1() -> None:
    create = case("POST", "/tiers", {"tier": {"id": "client-id"}})
    assert checks.created_entity_is_server_managed(None, FakeResponse(200, {"tier": {"id": "s", "revision": "1"}}),
                                                   create)
    with pytest.raises(AssertionError, match="COMMON-7"):
        checks.created_entity_is_server_managed(None, FakeResponse(200, {"tier": {"id": "client-id"}}), create)
    with pytest.raises(AssertionError, match="COMMON-7"):
        checks.created_entity_is_server_managed(None, FakeResponse(200, {"tier": {"id": "s", "revision": "2"}}),
                                                create)


def test_badge_colors_must_be_uppercase_hex() -> None:
    good = {"badge": {"backgroundColor": "#796EFF", "textColor": "#FFFFFF"}}
    assert checks.badge_colors_uppercase(None, FakeResponse(200, good), case("GET", "/badges/{id}"))
    with pytest.raises(AssertionError, match="BADGE-3"):
        checks.badge_colors_uppercase(None, FakeResponse(200, {"badges": [{"textColor": "#ffffff"}]}),
                                      case("GET", "/badges"))


@pytest.mark.parametrize(("fault", "rule"), [("tier-revision-as-number", "COMMON-6"),
                                             ("error-body-nonstandard", "COMMON-1")])
def test_fuzzing_catches_the_fault_through_its_domain_check(fault: str, rule: str, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--quick", "--api", "tiers", "-k", "fuzz", "--fault", fault, "--report-dir", "out")
    assert result.returncode == 1, result.output[-2000:]
    assert rule in result.stdout
