"""The suite is only as good as the bugs it catches: every fault variant of the reference must be
killed by `conformance run --quick`, and by the rule the fault breaks (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.reference import all_faults

BUGS = [fault for fault in all_faults().values() if fault.kind == "bug"]


@pytest.mark.parametrize("fault", BUGS, ids=[fault.name for fault in BUGS])
def test_suite_catches_fault_by_its_rule(fault, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Only the tests of the broken rule run, so each variant costs about a second; the benchmark
    # `benchmarks/mutation.py` runs the whole --quick suite per variant.
    result = cli("run", "--quick", "--fault", fault.name, "--rule", fault.rule, "--report-dir", "out")
    assert result.returncode == 1, f"{fault.name} ({fault.rule}) survived:\n{result.output[-2000:]}"
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    failing = {rule["id"] for rule in report["rules"] if rule["verdict"] == "fail"}
    assert fault.rule in failing, f"{fault.name} was caught, but not by {fault.rule}: {sorted(failing)}"
