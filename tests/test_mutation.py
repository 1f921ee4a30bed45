"""The suite is only as good as the bugs it catches (issue 4, issue 9).

Every fault variant of the reference runs the rule scenarios in-process against a server with exactly that
fault on:
- a bug must make the suite fail by the rule it breaks; a bug in a SHOULD / preferred reading must warn by
  that rule in the tolerant profile and fail it in strict;
- a correct-but-SDK-hostile reading (AMB-30, AMB-39, AMB-12 ...) must pass the whole tolerant suite, with a
  warning, and fail strict;
- a correct alternative reading must pass the whole suite in both profiles (no false positives).
`benchmarks/mutation.py` runs the full `conformance run --quick` (fuzzing included) per variant.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance import rules
from conformance.embedded import EmbeddedServer
from conformance.reference import all_faults
from conformance.reference.faults import Fault

SCENARIOS = ["test_0_tiers_fresh_site", "test_tiers", "test_common", "test_rewards", "test_badges", "test_sdk"]
# --- issue 14: event faults need a webhook receiver; tests/test_events.py proves them the same way ---
from conformance.reference import events as _events  # noqa: E402

FAULTS = [fault for fault in all_faults().values() if fault not in _events.FAULTS]
# --- end issue 14 ---


def run_suite(pytester: pytest.Pytester, fault: Fault | None, profile: str, rule: str | None) -> dict[str, Any]:
    """Run the scenario modules against a reference with `fault` on; returns exit code, failing and warned rules."""
    results = pytester.path / f"results-{profile}.json"
    server = EmbeddedServer(faults=[fault.name] if fault else []).start()
    try:
        args = ["--pyargs", *(f"conformance.suite.{m}" for m in SCENARIOS), "-p", "no:cacheprovider", "-q",
                "--assert=plain", "--conformance-base-url", server.base_url, "--conformance-disposable",
                "--conformance-header", "Authorization: mutation-test", "--conformance-profile", profile,
                "--conformance-results", str(results)]
        if rule:
            args += ["--conformance-rule", rule]
        outcome = pytester.runpytest_inprocess(*args)
    finally:
        server.stop()
    data = json.loads(results.read_text())["results"]
    failing = {r for res in data if res["verdict"] == "fail" for r in res["rules"]}
    warned = {w["rule"] for res in data for w in res["warnings"]}
    return {"rc": int(outcome.ret), "failing": failing, "warned": warned, "tail": outcome.stdout.str()[-1500:]}


def test_every_fault_has_a_unique_name_a_known_rule_and_a_kind() -> None:
    assert len({fault.name for fault in FAULTS}) == len(FAULTS)
    for fault in FAULTS:
        assert rules.get(fault.rule)
        assert fault.kind in ("bug", "hostile", "correct")


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.kind == "bug"], ids=lambda f: f.name)
def test_suite_catches_fault_by_its_rule(pytester: pytest.Pytester, fault: Fault) -> None:
    tolerant = run_suite(pytester, fault, "tolerant", fault.rule)
    if tolerant["rc"] == 0:
        assert fault.rule in tolerant["warned"], f"{fault.name} ({fault.rule}) survived:\n{tolerant['tail']}"
        strict = run_suite(pytester, fault, "strict", fault.rule)
        assert strict["rc"] == 1 and fault.rule in strict["failing"], f"{fault.name} survived strict"
        return
    assert tolerant["rc"] == 1, tolerant["tail"]
    assert fault.rule in tolerant["failing"], f"{fault.name} caught, not by {fault.rule}: {tolerant['failing']}"


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.kind == "hostile"], ids=lambda f: f.name)
def test_sdk_hostile_reading_warns_when_tolerant_and_fails_when_strict(pytester: pytest.Pytester,
                                                                       fault: Fault) -> None:
    tolerant = run_suite(pytester, fault, "tolerant", None)
    assert tolerant["rc"] == 0, f"false positive against a tolerated reading:\n{tolerant['tail']}"
    assert tolerant["warned"], "a tolerated-but-not-preferred reading must be reported as a warning"
    strict = run_suite(pytester, fault, "strict", None)
    assert strict["rc"] == 1, f"{fault.name}: strict must fail the preferred reading"
    assert fault.rule in strict["failing"], f"{fault.name}: strict failed {strict['failing']}, not {fault.rule}"


@pytest.mark.parametrize("profile", ["tolerant", "strict"])
@pytest.mark.parametrize("fault", [f for f in FAULTS if f.kind == "correct"], ids=lambda f: f.name)
def test_correct_alternative_reading_passes(pytester: pytest.Pytester, fault: Fault, profile: str) -> None:
    outcome = run_suite(pytester, fault, profile, None)
    assert outcome["rc"] == 0, f"false positive against {fault.name}:\n{outcome['tail']}"


def test_clean_reference_passes_strict(pytester: pytest.Pytester) -> None:
    outcome = run_suite(pytester, None, "strict", None)
    assert outcome["rc"] == 0, outcome["tail"]
    assert not outcome["warned"]
