"""Live-target safety: a run against a site that already has data leaves that data exactly as it was,
leaves nothing of its own behind, `conformance cleanup` sweeps a crashed run's leftovers, and
`--read-only` writes nothing.

The target is the reference implementation served over real HTTP and pre-filled through the public API,
as a vendor's staging site would be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.apis import badges, rewards, tiers
from conformance.embedded import EmbeddedServer
from conformance.target import Target

KEY = "live-safety-key"
MEMBER = "0b5c4d3e-1111-4222-8333-944455556666"
#: Site-wide program settings are a singleton the suite must change to test TIER-15..21: it saves them and
#: restores their content, but a revision cannot be rewound, so only these two fields may move.
SETTINGS_BOOKKEEPING = ("revision", "updatedDate")


@pytest.fixture
def server() -> Iterator[EmbeddedServer]:
    running = EmbeddedServer().start()
    try:
        yield running
    finally:
        running.stop()


def client(server: EmbeddedServer) -> Target:
    return Target(server.base_url, {"Authorization": KEY})


def prefill(target: Target) -> None:
    """Unrelated site data: tiers, rewards, badges with a member, program settings."""
    t = tiers.TiersApi(target)
    for name, points in (("Bronze", 100), ("Silver", 500), ("Gold", 2000)):
        assert t.create(tiers.tier_body(name, points, description=f"{name} members")).status == 200
    settings = t.create_settings({"status": "ACTIVE", "rollingWindow": {"durationInMonths": 24},
                                  "baseTierDefinition": {"name": "Starter"}})
    assert settings.status == 200, settings.describe()
    r = rewards.RewardsApi(target)
    assert r.create(rewards.free_shipping("Free shipping for regulars")).status == 200
    assert r.create(rewards.discount_amount("Five off", amount="5", cost=50)).status == 200
    b = badges.BadgesApi(target)
    ids = []
    for title in ("Top reviewer", "Early adopter"):
        created = b.create({"title": title, "description": f"{title} badge", "backgroundColor": "#112233"})
        assert created.status == 200, created.describe()
        ids.append(created.body["badge"]["id"])
    assert b.assign(ids[0], [MEMBER]).status == 200
    assert b.order(list(reversed(ids))).status == 200


def snapshot(target: Target) -> dict[str, Any]:
    """Everything a site owner would see: full listings, settings, assignments and display order."""
    t, r, b = tiers.TiersApi(target), rewards.RewardsApi(target), badges.BadgesApi(target)
    reward_list: list[dict[str, Any]] = []
    for page in r.list_pages():
        reward_list.extend((page.body or {}).get("rewards", []))
    badge_list = b.all()
    state = {
        "tiers": sorted((t.list().body or {}).get("tiers", []), key=lambda x: x["id"]),
        "settings": {k: v for k, v in ((t.settings().body or {}).get("programSettings") or {}).items()
                     if k not in SETTINGS_BOOKKEEPING},
        "rewards": sorted(reward_list, key=lambda x: x["id"]),
        "badges": sorted(badge_list, key=lambda x: x["id"]),
        "badge_order": [x["id"] for x in badge_list],
        "members": {x["id"]: b.members(x["id"]).body for x in badge_list},
        "member_badges": b.member_badges([MEMBER]).body,
    }
    return state


def test_a_quick_run_leaves_unrelated_data_as_it_was_and_nothing_behind(cli, server: EmbeddedServer,
                                                                       tmp_path: Path) -> None:
    target = client(server)
    prefill(target)
    before = snapshot(target)
    result = cli("run", "--base-url", server.base_url, "--header", f"Authorization: {KEY}", "--quick",
                 "--run-id", "livesafe1", "--report-dir", "out", timeout=900)
    assert result.returncode in (0, 1), result.output[-3000:]  # verdicts are not this test's business
    after = snapshot(target)
    assert after == before
    assert "cflivesafe1" not in json.dumps(after)


def test_selected_rules_and_failures_still_clean_up(cli, tmp_path: Path) -> None:
    """-x and --rule stop early and select little; what the selected tests created is still deleted."""
    faulty = EmbeddedServer(faults=["tier-duplicate-name"]).start()
    try:
        target = client(faulty)
        prefill(target)
        before = snapshot(target)
        result = cli("run", "--base-url", faulty.base_url, "--header", f"Authorization: {KEY}",
                     "--rule", "TIER-2", "-x", "--run-id", "livesafe2", "--report-dir", "out")
        assert result.returncode == 1, result.output[-3000:]
        after = snapshot(target)
        assert after == before
        assert "cflivesafe2" not in json.dumps(after)
    finally:
        faulty.stop()


def test_cleanup_sweeps_only_the_tagged_entities_of_that_run(cli, server: EmbeddedServer) -> None:
    target = client(server)
    prefill(target)
    before = snapshot(target)
    run_tag = "cfcrashed7"
    t, r, b = tiers.TiersApi(target), rewards.RewardsApi(target), badges.BadgesApi(target)
    assert t.create(tiers.tier_body(f"{run_tag}-1 Left", 7_000_001)).status == 200
    assert r.create(rewards.free_shipping(f"{run_tag}-2 Left")).status == 200
    assert b.create({"title": f"{run_tag}-3 Left"}).status == 200
    # another run's leftovers are not this sweep's business
    assert t.create(tiers.tier_body("cfother99-1 Keep", 7_000_002)).status == 200
    result = cli("cleanup", "--base-url", server.base_url, "--header", f"Authorization: {KEY}",
                 "--run-id", "crashed7", timeout=120)
    assert result.returncode == 0, result.output
    assert "1 tier" in result.stdout and "1 reward" in result.stdout and "1 badge" in result.stdout
    after = snapshot(target)
    assert run_tag not in json.dumps(after)
    assert "cfother99" in json.dumps(after)
    kept = [x for x in after["tiers"] if "cfother99" not in x["tierDefinition"]["name"]]
    assert {**after, "tiers": kept} == before


def test_cleanup_refuses_a_short_run_id(cli) -> None:
    result = cli("cleanup", "--base-url", "http://127.0.0.1:9", "--run-id", "a")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "run id" in result.stderr


def test_read_only_writes_nothing(cli, server: EmbeddedServer, tmp_path: Path) -> None:
    target = client(server)
    prefill(target)
    before = snapshot(target)
    result = cli("run", "--base-url", server.base_url, "--header", f"Authorization: {KEY}", "--read-only",
                 "--run-id", "readonly1", "--report-dir", "out", timeout=600)
    assert result.returncode in (0, 1), result.output[-3000:]
    assert snapshot(target) == before
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["counts"].get("pass", 0) + report["counts"].get("warn", 0) > 0


def test_clean_up_deletes_at_the_revision_last_seen_in_one_exchange(server: EmbeddedServer) -> None:
    target = client(server)
    api = tiers.TiersApi(target)
    tier = api.create(tiers.tier_body("Clean-up", 10)).body["tier"]
    updated = api.update(tier["id"], {"tierDefinition": {"name": "Clean-up 2"}, "revision": tier["revision"]})
    assert updated.status == 200, updated.describe()
    before = len(target.log)
    tiers.delete_owned(target, tier["id"])
    sent = target.log[before:]
    assert [(e.method, e.status) for e in sent] == [("DELETE", 200)]
    assert f"revision={updated.body['tier']['revision']}" in sent[0].url
    assert api.get(tier["id"]).status == 404


def test_clean_up_with_a_stale_revision_reads_the_current_one_and_still_deletes(server: EmbeddedServer) -> None:
    target, elsewhere = client(server), client(server)
    reward = rewards.RewardsApi(target).create(rewards.free_shipping("Changed elsewhere")).body["reward"]
    changed = rewards.RewardsApi(elsewhere).update(reward["id"], {**rewards.editable(reward), "name": "Moved on"})
    assert changed.status == 200, changed.describe()
    before = len(target.log)
    rewards.delete_owned(target, reward["id"])
    assert [(e.method, e.status) for e in target.log[before:]] == [("DELETE", 409), ("GET", 200), ("DELETE", 200)]
    assert rewards.RewardsApi(target).get(reward["id"]).status == 404


def test_clean_up_of_an_entity_the_test_deleted_costs_one_read(server: EmbeddedServer) -> None:
    target = client(server)
    api = tiers.TiersApi(target)
    tier = api.create(tiers.tier_body("Deleted by the test", 20)).body["tier"]
    assert api.delete(tier["id"], tier["revision"]).status == 200
    before = len(target.log)
    tiers.delete_owned(target, tier["id"])
    assert [(e.method, e.status) for e in target.log[before:]] == [("GET", 404)]
