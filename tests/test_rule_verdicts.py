"""A rule passes only when a check that can fail ran for it; a failure turns red only the rules it names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.reporting.results import NOT_CHECKED, RunResults, rule_judgements
from conformance.target import Exchange
from conformance.verdict import Expect, RuleViolation


def exchange(status: int, body: str) -> Exchange:
    return Exchange("POST", "http://x/loyalty-tiers/v1/tiers", {}, None, status, {"content-type": "application/json"},
                    body)


def record(verdict: str, rules: list[str], **extra: Any) -> dict[str, Any]:
    return {"nodeid": f"test_x.py::test_{len(rules)}_{verdict}", "rules": rules, "verdict": verdict,
            "warnings": [], "traffic": [], **extra}


def test_a_rule_whose_only_test_skipped_is_not_checked_with_the_reason() -> None:
    judged = rule_judgements([record("skip", ["TIER-17"], checked=[], skip_reason="the site has settings")])
    verdict, reason = judged["TIER-17"]
    assert verdict == NOT_CHECKED
    assert "the site has settings" in reason


def test_warn_only_assertions_do_not_check_a_rule_in_the_tolerant_profile() -> None:
    tolerant = Expect(("TIER-6",), "tolerant")
    tolerant.prefer(True, "the SDK shape is served")
    assert tolerant.checked == set()
    strict = Expect(("TIER-6",), "strict")
    strict.prefer(True, "the SDK shape is served")
    assert strict.checked == {"TIER-6"}
    judged = rule_judgements([record("pass", ["TIER-6"], checked=sorted(tolerant.checked))])
    assert judged["TIER-6"][0] == NOT_CHECKED and "--profile strict" in judged["TIER-6"][1]


def test_a_setup_step_does_not_count_as_checking_the_rule() -> None:
    expect = Expect(("TIER-6",), "tolerant")
    answer = exchange(200, '{"tier": {}}')
    expect.setup(answer, "creating a tier")
    assert expect.checked == set()
    expect.ok(answer, "creating a tier")
    assert expect.checked == {"TIER-6"}


def test_a_violation_names_only_its_rule_and_leaves_the_others_as_checked() -> None:
    expect = Expect(("TIER-2", "TIER-3"), "tolerant")
    expect.that(True, "points are unique", rule="TIER-3")
    with pytest.raises(RuleViolation) as caught:
        expect.that(False, "names are unique", rule="TIER-2")
    assert caught.value.rules == ("TIER-2",)
    judged = rule_judgements([record("fail", ["TIER-2", "TIER-3"], checked=sorted(expect.checked),
                                     violated=list(caught.value.rules))])
    assert judged["TIER-2"][0] == "fail"
    assert judged["TIER-3"][0] == "pass"


def test_rejected_accepts_only_what_the_rule_tolerates() -> None:
    invalid_stored = exchange(409, '{"message": "exists", "details": {}}')
    with pytest.raises(RuleViolation):
        Expect(("COMMON-2",), "tolerant").rejected(invalid_stored, 400, what="a tier without a name")
    tolerated = Expect(("TIER-2",), "tolerant")
    tolerated.rejected(invalid_stored, 409, tolerated=(400,), amb="AMB-12")
    other = exchange(400, '{"message": "dup", "details": {}}')
    tolerated.rejected(other, 409, tolerated=(400,), amb="AMB-12")
    assert [w["rule"] for w in tolerated.warnings] == ["TIER-2"]


def test_rules_command_shows_not_checked_rules_of_a_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results = RunResults([record("skip", ["TIER-17"], checked=[], skip_reason="the site has settings")])
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "report.json").write_text(json.dumps(results.to_json()))
    listed = cli("rules", "--api", "tiers", "--report", "run")
    assert listed.returncode == 0, listed.output[-2000:]
    assert "verdict in that run: not checked: skipped: the site has settings" in listed.stdout


def test_the_run_model_survives_the_trip_through_pytest_options() -> None:
    """`conformance run` hands its settings to the plugin as options; the plugin must read back the same run."""
    from pathlib import Path

    from conformance.plugin.options import pytest_addoption
    from conformance.settings import RunSettings

    parser = pytest.Parser(_ispytest=True)
    pytest_addoption(parser)
    sent = RunSettings(base_url="http://127.0.0.1:9", headers={"Authorization": "k"}, profile="strict",
                       apis=["tiers"], rules=["TIER-2"], max_examples=7, seed=11, quick=True,
                       faults=["tier-duplicate-name"], run_id="abcd1234", member_ids=["m"], read_only=True,
                       timeout=3.0, shard=(2, 3), disposable=True, results_path=Path("r.json"),
                       webhooks_listen="127.0.0.1:9", webhook_public_key="key.pem", webhook_wait=2.0)
    back = RunSettings.from_plugin_options(parser.parse(sent.plugin_args()))
    for name in ("base_url", "headers", "profile", "apis", "rules", "max_examples", "seed", "quick", "faults",
                 "run_id", "member_ids", "read_only", "timeout", "shard", "disposable", "results_path",
                 "webhooks_listen", "webhook_public_key", "webhook_wait"):
        assert getattr(back, name) == getattr(sent, name), name


@pytest.mark.parametrize("nodeid, check, expected", [
    ("test_fuzz.py::test_fuzz_badges_v4[DELETE /badges/v4/badges/{id}]", "Deleted resource still available",
     "BADGE4-17"),
    ("test_fuzz.py::test_fuzz_assignments_v4[DELETE /badges/v4/assignments/{id}]",
     "Deleted resource still available", "ASSIGN-8"),
    ("test_fuzz.py::test_fuzz_badges[DELETE /members/v3/badges/{id}]", "Deleted resource still available",
     "BADGE-14"),
])
def test_a_failed_fuzz_test_fails_the_rule_of_its_own_api(nodeid: str, check: str, expected: str) -> None:
    message = f"conformance.fuzzing.FuzzFailure: DELETE /x -> HTTP 200\nviolation: {check}\n"
    judged = rule_judgements([record("fail", [], nodeid=nodeid, message=message)])
    assert {rule for rule, (verdict, _) in judged.items() if verdict == "fail"} == {expected}


def test_a_v4_domain_check_names_its_v4_rule() -> None:
    message = ("conformance.fuzzing.FuzzFailure: POST /badges/v4/badges -> HTTP 200\n"
               "violation: Custom check failed: `revision_is_string`: BADGE4-2: revision must be a string\n")
    judged = rule_judgements([record("fail", [], nodeid="test_fuzz.py::test_fuzz_badges_v4[POST /badges/v4/badges]",
                                     message=message)])
    assert judged["BADGE4-2"][0] == "fail"
