"""A replay sends the fuzz cases its recording logged, without generating them again, and judges the recorded
answers with the same checks: a changed answer changes the verdict, a missing case log is a tool error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from test_robustness import assert_tool_error

from conformance.fuzzing import case_record, replayed_case, schema_for
from conformance.settings import RunSettings

GOLDEN = Path(__file__).resolve().parent.parent / "cassettes" / "reference"
FUZZ = "test_fuzz_tiers[GET_tiers_tierId_]"


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    copy = tmp_path / "cassettes"
    shutil.copytree(GOLDEN, copy)
    return copy


def test_a_logged_case_is_rebuilt_with_its_parameters_body_and_generation_mode() -> None:
    from schemathesis.generation.modes import GenerationMode

    operation = next(r.ok() for r in schema_for("tiers", RunSettings(seed=1)).get_all_operations()
                     if r.ok().label == "POST /tiers")
    case = operation.Case(body={"tier": {"tierDefinition": {"name": 7}}}, query={"x": ["1", "2"]})
    case._meta = _negative_meta()
    case.freeze_metadata()  # as a generated case is
    rebuilt = replayed_case(operation, case_record(case))
    assert (rebuilt.method, rebuilt.path, rebuilt.query, rebuilt.body) == ("POST", "/tiers", {"x": ["1", "2"]},
                                                                           {"tier": {"tierDefinition": {"name": 7}}})
    assert rebuilt.meta is not None and rebuilt.meta.generation.mode == GenerationMode.NEGATIVE


def test_a_recorded_answer_that_breaks_a_check_fails_the_replayed_fuzz_test(cli, golden: Path) -> None:  # type: ignore[no-untyped-def]
    path = golden / "test_fuzz" / f"{FUZZ}.yaml"
    data = yaml.safe_load(path.read_text())
    for interaction in data["interactions"]:
        interaction["response"]["status"] = {"code": 500, "message": "Internal Server Error"}
    path.write_text(yaml.safe_dump(data))
    result = cli("replay", str(golden), "--report-dir", "replayed", timeout=300)
    assert result.returncode == 2, result.output[-2000:]
    assert "test_fuzz_tiers[GET /tiers/{tierId}]: recorded pass, replayed fail" in result.output


def test_a_missing_case_log_is_a_tool_error_naming_it(cli, golden: Path) -> None:  # type: ignore[no-untyped-def]
    (golden / "test_fuzz" / f"{FUZZ}.cases.json").unlink()
    result = cli("replay", str(golden), "--report-dir", "replayed", timeout=300)
    assert_tool_error(result, f"{FUZZ}.cases.json", "record it again")


def _negative_meta():  # type: ignore[no-untyped-def]
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.generation.meta import (
        CaseMetadata,
        ComponentInfo,
        GenerationInfo,
        PhaseInfo,
        TestPhase,
        build_phase_data,
    )
    from schemathesis.generation.modes import GenerationMode

    return CaseMetadata(generation=GenerationInfo(time=0.0, mode=GenerationMode.NEGATIVE),
                        components={ParameterLocation.BODY: ComponentInfo(mode=GenerationMode.NEGATIVE)},
                        phase=PhaseInfo(name=TestPhase.FUZZING, data=build_phase_data(TestPhase.FUZZING, None)))
