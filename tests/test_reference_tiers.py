"""The tiers reference (API-FACTS §3) behaves as documented, and the suite catches each tiers/common fault."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from starlette.testclient import TestClient

from conformance import rules
from conformance.embedded import EmbeddedServer
from conformance.reference import common, create_app, tiers
from conformance.reference.faults import Fault

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
def test_concurrent_updates_with_one_revision_let_exactly_one_win() -> None:
    """20 PATCHes carrying revision "1" at once over real HTTP: one 200, nineteen 409, final revision "2"."""
    server = EmbeddedServer().start()
    try:
        headers = {"Authorization": "test"}
        created = requests.post(
            server.base_url + T, json={"tier": body("Race", 10)}, headers=headers, timeout=10
        )
        tier_id = created.json()["tier"]["id"]
        barrier = threading.Barrier(20)
        codes: list[int] = []
        lock = threading.Lock()

        def patch(index: int) -> None:
            with requests.Session() as session:
                barrier.wait()
                answer = session.patch(
                    f"{server.base_url}{T}/{tier_id}",
                    headers=headers,
                    timeout=30,
                    json={"tier": {"revision": "1", "requiredPoints": 1000 + index}},
                )
            with lock:
                codes.append(answer.status_code)

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(codes) == [200] + [409] * 19, codes
        final = requests.get(f"{server.base_url}{T}/{tier_id}", headers=headers, timeout=10).json()["tier"]
        assert final["revision"] == "2"
    finally:
        server.stop()


# the suite against the faults -------------------------------------------------------------------------
SUITE = [
    "conformance.suite.test_0_tiers_fresh_site",
    "conformance.suite.test_tiers",
    "conformance.suite.test_common",
]
ALL_FAULTS = (*tiers.FAULTS, *common.FAULTS)
FAULTS = [pytest.param(f, id=f.name) for f in ALL_FAULTS if f.kind == "bug"]
HOSTILE = [pytest.param(f, id=f.name) for f in ALL_FAULTS if f.kind == "hostile"]
CORRECT = [pytest.param(f, id=f.name) for f in ALL_FAULTS if f.kind == "correct"]


def test_every_fault_names_a_known_rule() -> None:
    names = [f.name for f in ALL_FAULTS]
    assert len(names) == len(set(names))
    for fault in ALL_FAULTS:
        assert rules.get(fault.rule)
        assert fault.kind in ("bug", "hostile", "correct")


def run_suite(*options: str) -> tuple[int, str]:
    """The tiers/common scenarios in a fresh interpreter with only the conformance plugin loaded.

    Skipping the other auto-loaded plugins (hypothesis, schemathesis, xdist) halves each run's cost,
    which matters with one run per fault.
    """
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "conformance.plugin",
        "--pyargs",
        *SUITE,
        *options,
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    environment = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("profile", ["tolerant", "strict"])
def test_suite_passes_the_clean_reference(profile: str) -> None:
    code, output = run_suite("--conformance-profile", profile)
    assert code == 0, output[-3000:]


@pytest.mark.parametrize("fault", FAULTS)
def test_suite_catches_fault(fault: Fault) -> None:
    """Each fault fails the tiers/common scenarios of its rule, and the failure names that rule."""
    code, output = run_suite("--conformance-rule", fault.rule, "--conformance-fault", fault.name)
    assert code == 1, output[-3000:]
    assert f"{fault.rule} [" in output, output[-3000:]


@pytest.mark.parametrize("fault", HOSTILE)
def test_suite_tolerates_hostile_reading_only_when_tolerant(fault: Fault) -> None:
    """A tolerated, not preferred, reading: warnings when tolerant, a failure naming the rule when strict."""
    code, output = run_suite("--conformance-fault", fault.name, "--conformance-profile", "tolerant")
    assert code == 0, output[-3000:]
    code, output = run_suite(
        "--conformance-rule", fault.rule, "--conformance-fault", fault.name, "--conformance-profile", "strict"
    )
    assert code == 1, output[-3000:]
    assert f"{fault.rule} [" in output, output[-3000:]


@pytest.mark.parametrize("profile", ["tolerant", "strict"])
@pytest.mark.parametrize("fault", CORRECT)
def test_suite_passes_correct_alternative_readings(fault: Fault, profile: str) -> None:
    """No false positives: documented alternatives (AMB-11, AMB-14, AMB-31) pass in both profiles."""
    code, output = run_suite("--conformance-fault", fault.name, "--conformance-profile", profile)
    assert code == 0, output[-3000:]


def test_suite_leaves_a_prefilled_site_as_it_was() -> None:
    """Live-site safety: existing tiers untouched, settings content restored, nothing of the run left."""
    server = EmbeddedServer().start()
    headers = {"Authorization": "site-key"}
    try:
        base = server.base_url + P
        for name, points in [("Gold", 1000), ("Max", 9_999_999), ("Zero", 0)]:
            answer = requests.post(
                base + "/tiers",
                json={"tier": body(name, points, description="site")},
                headers=headers,
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
        settings = {
            "status": "ACTIVE",
            "rollingWindow": {"durationInMonths": 18},
            "baseTierDefinition": {"name": "Base", "description": "site base"},
        }
        created = requests.post(
            base + "/tiers/program-settings", json={"programSettings": settings}, headers=headers, timeout=10
        )
        assert created.status_code == 200, created.text

        def state() -> tuple[list[dict[str, Any]], dict[str, Any]]:
            listed = requests.get(base + "/tiers", headers=headers, timeout=10).json()["tiers"]
            now = requests.get(base + "/tiers/program-settings", headers=headers, timeout=10).json()
            content = {k: now["programSettings"].get(k) for k in settings}
            return sorted(listed, key=lambda t: t["id"]), content

        before = state()
        code, output = run_suite(
            "--conformance-base-url", server.base_url, "--conformance-header", "Authorization: site-key"
        )
        assert code == 0, output[-3000:]
        assert state() == before
        assert before[1] == settings
    finally:
        server.stop()
