"""The suite is only as good as the bugs it catches, proven the way users run it.

Every fault variant of the reference runs the whole `conformance run --quick` (every API, fuzzing included, no
rule selection) with exactly that fault on, through `benchmarks/mutation.py`'s judgement:
- a MUST-level bug must make the run exit 1 with a failure whose violation names the fault's rule;
- a SHOULD-level bug (or one in the preferred side of an AMB decision) must do so in the strict profile;
- a correct-but-SDK-hostile reading (AMB-30, AMB-39, AMB-12 ...) must pass tolerant with a warning and fail
  strict by its rule;
- a correct alternative reading must pass strict, which implies tolerant (no false positives); the combined
  mode runs every correct reading at once in both profiles.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conformance import rules
from conformance.reference import all_faults

_spec = importlib.util.spec_from_file_location("mutation", Path(__file__).parents[1] / "benchmarks" / "mutation.py")
assert _spec and _spec.loader
mutation = importlib.util.module_from_spec(_spec)
sys.modules["mutation"] = mutation  # dataclasses resolve their annotations through sys.modules
_spec.loader.exec_module(mutation)

FAULTS = list(all_faults().values())
SEED = 20261202  # fixed in CI so a verdict is reproducible; the benchmark draws a random one


def test_every_fault_has_a_unique_name_a_known_rule_and_a_kind() -> None:
    assert len({fault.name for fault in FAULTS}) == len(FAULTS)
    for fault in FAULTS:
        assert rules.get(fault.rule)
        assert fault.kind in ("bug", "hostile", "correct", "partial")


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_whole_suite_judges_the_variant_right(fault: mutation.Fault) -> None:  # type: ignore[name-defined]
    verdict = mutation.judge(fault, SEED)
    assert verdict.ok, f"{fault.name} ({fault.kind}, {fault.rule}): {verdict.how}\n{verdict.runs[-1].tail}"


def test_combined_mode_of_every_correct_reading_passes_with_named_warnings() -> None:
    ok, how, runs = mutation.judge_combined(SEED)
    assert ok, f"{how}\n{runs[-1].tail}"


def test_clean_reference_passes_strict_without_warnings() -> None:
    outcome = mutation.run_suite(None, "strict", SEED)
    assert outcome.code == 0, outcome.tail
    assert not outcome.warned
