"""One run, one verdict: runs started together in one directory never read each other's results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAILING_FAULT = "tier-duplicate-name"  # breaks TIER-2


def test_two_runs_started_together_each_report_their_own_verdict(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "conformance", "run", "--rule", "TIER-2"]
    env = {**os.environ, "NO_COLOR": "1"}
    failing = subprocess.Popen([*args, "--fault", FAILING_FAULT], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    clean = subprocess.Popen(args, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    failing_out, _ = failing.communicate(timeout=300)
    clean_out, _ = clean.communicate(timeout=300)
    assert failing.returncode == 1, failing_out[-2000:]
    assert "NOT CONFORMANT" in failing_out
    assert clean.returncode == 0, clean_out[-2000:]
    assert "NOT CONFORMANT" not in clean_out and "CONFORMANT" in clean_out
    folders = sorted(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(folders) == 2, folders
    verdicts = sorted(json.loads((f / "report.json").read_text())["meta"]["faults"] == [FAILING_FAULT]
                      for f in folders)
    assert verdicts == [False, True]


def test_a_non_empty_report_folder_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.json").write_text('{"results": []}')
    result = cli("run", "--rule", "TIER-2", "--report-dir", "out")
    assert result.returncode == 2
    assert "out is not empty" in result.output
    assert "Traceback" not in result.output


def test_pytest_failure_missing_from_the_results_is_never_conformant(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from conformance.runner import finish
    from conformance.settings import RunSettings

    results = tmp_path / "results.json"
    results.write_text(json.dumps({"run_id": "abcd1234", "profile": "tolerant", "results": [
        {"nodeid": "test_x.py::test_ok", "rules": ["TIER-2"], "verdict": "pass", "checked": ["TIER-2"],
         "warnings": [], "traffic": []}]}))
    run = RunSettings(quick=True, run_id="abcd1234", report_dir=tmp_path / "out")
    assert finish(run, results, 1, 0.1, True) == 2
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "CONFORMANT:" not in out.replace("INCOMPLETE", "")
