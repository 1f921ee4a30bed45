"""The tiers reference (API-FACTS §3) behaves as documented, and the suite catches each tiers/common fault."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from starlette.testclient import TestClient

from conformance.embedded import EmbeddedServer
from conformance.reference import create_app

P = "/loyalty-tiers/v1"
T = f"{P}/tiers"
S = f"{P}/tiers/program-settings"
UNKNOWN = "99999999-9999-4999-8999-999999999999"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(), headers={"Authorization": "test"}) as c:
        yield c


def body(name: str, points: int, **definition: Any) -> dict[str, Any]:
    return {"tierDefinition": {"name": name, **definition}, "requiredPoints": points}


def make(client: TestClient, name: str, points: int) -> dict[str, Any]:
    answer = client.post(T, json={"tier": body(name, points)})
    assert answer.status_code == 200, answer.text
    return answer.json()["tier"]


def assert_error(answer: Any, status: int) -> dict[str, Any]:
    """A Wix standard error body (COMMON-1) with the expected status."""
    assert answer.status_code == status, answer.text
    payload = answer.json()
    assert isinstance(payload["message"], str)
    assert "applicationError" in payload["details"] or "validationError" in payload["details"]
    return payload


# tiers ----------------------------------------------------------------------------------------------
def test_create_get_list(client: TestClient) -> None:
    tier = make(client, "Gold", 100)
    assert tier["revision"] == "1" and tier["createdDate"] == tier["updatedDate"]
    assert client.get(f"{T}/{tier['id']}").json() == {"tier": tier}
    assert [t["id"] for t in client.get(T).json()["tiers"]] == [tier["id"]]


@pytest.mark.parametrize("clash", [body("Gold", 200), body("Silver", 100)], ids=["name", "points"])
def test_uniqueness_on_create_and_update(client: TestClient, clash: dict[str, Any]) -> None:
    make(client, "Gold", 100)
    assert_error(client.post(T, json={"tier": clash}), 409)
    other = make(client, "Bronze", 50)
    patch = {**clash, "revision": "1"}
    assert_error(client.patch(f"{T}/{other['id']}", json={"tier": patch}), 409)
    resave = client.patch(f"{T}/{other['id']}", json={"tier": {**body("Bronze", 50), "revision": "1"}})
    assert resave.json()["tier"]["revision"] == "2"


@pytest.mark.parametrize(("points", "status"), [(-1, 400), (10_000_000, 400), (1.5, 400), (9_999_999, 200)])
def test_points_bounds(client: TestClient, points: float, status: int) -> None:
    assert client.post(T, json={"tier": body("P", points)}).status_code == status  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("definition", "status"),
    [
        ({"name": ""}, 400),
        ({"name": "n" * 51}, 400),
        ({"name": "n" * 50}, 200),
        ({"name": "d", "description": "d" * 71}, 400),
        ({"name": "d", "description": "d" * 70}, 200),
    ],
)
def test_definition_lengths(client: TestClient, definition: dict[str, Any], status: int) -> None:
    assert (
        client.post(T, json={"tier": {"tierDefinition": definition, "requiredPoints": 5}}).status_code
        == status
    )


def test_bulk_limits_and_results(client: TestClient) -> None:
    assert_error(client.post(f"{P}/bulk/tiers/create", json={"tiers": []}), 400)
    assert_error(
        client.post(f"{P}/bulk/tiers/create", json={"tiers": [body(f"t{i}", i + 1) for i in range(21)]}), 400
    )
    assert client.get(T).json()["tiers"] == []
    answer = client.post(f"{P}/bulk/tiers/create", json={"tiers": [body(f"t{i}", i + 1) for i in range(20)]})
    assert answer.json()["bulkActionMetadata"]["totalSuccesses"] == 20
    mixed = client.post(f"{P}/bulk/tiers/create", json={"tiers": [body("x", 500), body("x", 501), {}]}).json()
    assert [r["itemMetadata"]["success"] for r in mixed["results"]] == [True, False, False]
    assert mixed["results"][1]["itemMetadata"]["error"]["code"] == "ALREADY_EXISTS"
    assert mixed["bulkActionMetadata"] == {"totalSuccesses": 1, "totalFailures": 2, "undetailedFailures": 0}


def test_revisions_on_update_and_delete(client: TestClient) -> None:
    tier = make(client, "Gold", 100)
    path = f"{T}/{tier['id']}"
    assert_error(client.patch(path, json={"tier": {"requiredPoints": 7}}), 400)  # no revision (AMB-5)
    assert_error(client.patch(path, json={"tier": {"requiredPoints": 7, "revision": "2"}}), 409)
    assert (
        client.patch(path, json={"tier": {"requiredPoints": 7, "revision": 1}}).json()["tier"]["revision"]
        == "2"
    )
    assert_error(client.delete(path, params={"revision": "1"}), 409)
    assert_error(client.delete(path, params={"revision": "3"}), 409)
    assert client.get(path).json()["tier"]["revision"] == "2"
    answer = client.delete(
        path, params={"revision": "2", "tierId": tier["id"]}
    )  # SDK repeats the id (AMB-39)
    assert answer.status_code == 200 and answer.json() == {}
    assert_error(client.get(path), 404)


def test_sdk_spread_update_ignores_read_only_fields(client: TestClient) -> None:
    tier = make(client, "Gold", 100)
    spread = {
        **tier,
        "_id": tier["id"],
        "createdDate": "2001-01-01T00:00:00.000Z",
        "tierDefinition": {"name": "G2"},
    }
    updated = client.patch(f"{T}/{tier['id']}", json={"tier": spread}).json()["tier"]
    assert updated["createdDate"] == tier["createdDate"] and updated["tierDefinition"]["name"] == "G2"


def test_ids_and_errors(client: TestClient) -> None:
    assert_error(client.get(f"{T}/{UNKNOWN}"), 404)
    assert_error(client.get(f"{T}/not-a-guid"), 400)
    assert_error(client.post(T, content=b'{"tier": {', headers={"Content-Type": "application/json"}), 400)
    payload = assert_error(client.post(T, json={"tier": {"requiredPoints": 1}}), 400)
    assert payload["details"]["validationError"]["fieldViolations"]
    assert client.get(T, headers={"Authorization": ""}).status_code == 401


# program settings -----------------------------------------------------------------------------------
def test_program_creates_defaults_and_settings_lifecycle(client: TestClient) -> None:
    assert_error(client.get(S), 404)
    program = client.get(f"{P}/tiers/program").json()
    assert (
        program["programSettings"]["status"] == "DISABLED" and program["programSettings"]["revision"] == "1"
    )
    assert client.get(S).json()["programSettings"] == program["programSettings"]
    assert_error(client.post(S, json={"programSettings": {"status": "ACTIVE"}}), 409)
    window = {"durationInMonths": 24}
    updated = client.patch(
        S,
        json={
            "programSettings": {
                "status": "ACTIVE",
                "revision": "1",
                "rollingWindow": window,
                "baseTierDefinition": {"name": "Base"},
            }
        },
    )
    assert updated.json()["programSettings"]["revision"] == "2"
    assert_error(
        client.patch(
            S, json={"programSettings": {"status": "ACTIVE", "revision": "1", "rollingWindow": window}}
        ),
        409,
    )
    assert_error(client.patch(S, json={"programSettings": {"status": "ACTIVE", "revision": "2"}}), 400)
    reset = client.patch(
        S, json={"programSettings": {"status": "PAUSED", "revision": "2", "rollingWindow": window}}
    )
    assert reset.json()["programSettings"]["baseTierDefinition"] == {}


def test_create_settings_on_a_fresh_site(client: TestClient) -> None:
    created = client.post(
        S, json={"programSettings": {"status": "DRAFT", "rollingWindow": {"durationInMonths": 12}}}
    )
    assert created.json()["programSettings"]["revision"] == "1"
    assert created.json()["programSettings"]["status"] == "DRAFT"


@pytest.mark.parametrize(
    ("status", "months", "code"),
    [
        ("NOT_A_STATUS", 12, 400),
        ("ACTIVE", 37, 400),
        ("ACTIVE", 0, 400),
        ("ACTIVE", 36, 200),
        ("ACTIVE", 12, 200),
    ],
)
def test_settings_validation(client: TestClient, status: str, months: int, code: int) -> None:
    client.get(f"{P}/tiers/program")
    answer = client.patch(
        S,
        json={
            "programSettings": {
                "status": status,
                "revision": "1",
                "rollingWindow": {"durationInMonths": months},
            }
        },
    )
    assert answer.status_code == code, answer.text


# concurrency (issue 4) ------------------------------------------------------------------------------
def concurrent_patches(base_url: str, path: str, bodies: list[dict[str, Any]]) -> list[int]:
    """PATCH every body at once over real HTTP, one connection each; the status codes."""
    headers = {"Authorization": "test"}
    barrier = threading.Barrier(len(bodies))
    codes: list[int] = []
    lock = threading.Lock()

    def patch(sent: dict[str, Any]) -> None:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            answer = session.patch(base_url + path, headers=headers, timeout=30, json=sent)
        with lock:
            codes.append(answer.status_code)

    threads = [threading.Thread(target=patch, args=(sent,)) for sent in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(codes)


@pytest.mark.parametrize("fault", [None, "tier-update-not-atomic"])
def test_concurrent_updates_with_one_revision_let_exactly_one_win(fault: str | None) -> None:
    """20 PATCHes carrying revision "1" at once: one 200 and nineteen 409 on the clean reference; the
    non-atomic fault variant really races (several win)."""
    server = EmbeddedServer(faults=[fault] if fault else []).start()
    try:
        headers = {"Authorization": "test"}
        created = requests.post(
            server.base_url + T, json={"tier": body("Race", 10)}, headers=headers, timeout=10
        )
        tier_id = created.json()["tier"]["id"]
        bodies = [{"tier": {"revision": "1", "requiredPoints": 1000 + i}} for i in range(20)]
        codes = concurrent_patches(server.base_url, f"{T}/{tier_id}", bodies)
        final = requests.get(f"{server.base_url}{T}/{tier_id}", headers=headers, timeout=10).json()["tier"]
        if fault:
            assert codes.count(200) > 1, codes
        else:
            assert codes == [200] + [409] * 19, codes
            assert final["revision"] == "2"
    finally:
        server.stop()


@pytest.mark.parametrize("fault", [None, "settings-update-not-atomic"])
def test_concurrent_settings_updates_race_only_in_the_fault_variant(fault: str | None) -> None:
    server = EmbeddedServer(faults=[fault] if fault else []).start()
    try:
        requests.get(f"{server.base_url}{P}/tiers/program", headers={"Authorization": "test"}, timeout=10)
        bodies = [{"programSettings": {"status": "PAUSED", "revision": "1",
                                       "rollingWindow": {"durationInMonths": 12 + i}}} for i in range(8)]
        codes = concurrent_patches(server.base_url, S, bodies)
        assert codes.count(200) > 1 if fault else codes == [200] + [409] * 7, codes
    finally:
        server.stop()


# correct alternative readings ------------------------------------------------------------------------
def variant(fault: str) -> TestClient:
    return TestClient(create_app(faults=[fault]), headers={"Authorization": "test"})


def test_reversed_bulk_results_keep_their_original_index() -> None:
    with variant("tier-bulk-results-reversed") as c:
        results = c.post(f"{P}/bulk/tiers/create", json={"tiers": [body("a", 1), body("b", 2)]}).json()["results"]
    assert [r["itemMetadata"]["originalIndex"] for r in results] == [1, 0]
    assert [r["item"]["tierDefinition"]["name"] for r in results] == ["b", "a"]


def test_omitted_defaults_and_other_encoding() -> None:
    with variant("tier-defaults-omitted") as c:
        tier = c.post(T, json={"tier": body("a", 1, icon={"url": "u"})}).json()["tier"]
    assert "height" not in tier["tierDefinition"]["icon"]
    with variant("tier-other-encoding") as c:
        tier = c.post(T, json={"tier": body("a", 1)}).json()["tier"]
    assert tier["createdDate"].endswith("+00:00") and list(tier)[0] == "updatedDate"


@pytest.mark.parametrize(("fault", "sent", "status"), [
    ("tier-names-case-insensitive", body(" GOLD ", 2), 409),
    ("tier-zero-points-rejected", body("Zero", 0), 400),
])
def test_tolerated_refusals(fault: str, sent: dict[str, Any], status: int) -> None:
    with variant(fault) as c:
        make(c, "gold", 1)
        assert_error(c.post(T, json={"tier": sent}), status)
