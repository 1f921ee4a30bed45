"""The suite as a plain pytest plugin gives the same verdicts as `conformance run`, on the clean reference and
on a fault variant; `-p conformance` next to the auto-loaded entry point registers the plugin once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Tiers rules only, to keep four runs fast; TIER-2 is what the fault breaks, TIER-3 stays green.
RULES = ("TIER-2", "TIER-3")
FAULT = "tier-duplicate-name"


def _env() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1"}


def plain_pytest(folder: Path, *extra: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "pytest", "-p", "conformance", "--pyargs", "conformance.suite", "-q",
            "-p", "no:cacheprovider", "--conformance-run-id", "pluginpath",
            "--conformance-results", str(folder / "results.json"), "--junitxml", str(folder / "junit.xml")]
    for rule in RULES:
        args += ["--conformance-rule", rule]
    folder.mkdir(parents=True)
    return subprocess.Popen([*args, *extra], cwd=folder, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def conformance_run(folder: Path, *extra: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "conformance", "run", "--report-dir", str(folder / "out"),
            "--run-id", "clipath"]
    for rule in RULES:
        args += ["--rule", rule]
    folder.mkdir(parents=True)
    return subprocess.Popen([*args, *extra], cwd=folder, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def verdicts(results_file: Path) -> dict[str, str]:
    """Test (module::name, whatever the rootdir made of the path) -> verdict."""
    results = json.loads(results_file.read_text())["results"]
    return {r["nodeid"].rsplit("/", 1)[-1]: r["verdict"] for r in results}


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


@pytest.mark.parametrize("fault", [None, FAULT], ids=["clean", FAULT])
def test_plugin_path_and_cli_agree(tmp_path: Path, fault: str | None) -> None:
    plugin_extra = ("--conformance-fault", fault) if fault else ()
    cli_extra = ("--fault", fault) if fault else ()
    plugin = plain_pytest(tmp_path / "plugin", *plugin_extra)
    cli = conformance_run(tmp_path / "cli", *cli_extra)
    plugin_code, plugin_out = finish(plugin)
    cli_code, cli_out = finish(cli)
    assert "Traceback" not in plugin_out + cli_out
    by_plugin = verdicts(tmp_path / "plugin" / "results.json")
    by_cli = verdicts(tmp_path / "cli" / "out" / "results.json")
    assert by_plugin and by_plugin == by_cli, (plugin_out[-2000:], cli_out[-2000:])
    if fault:
        assert plugin_code == 1 and cli_code == 1
        assert "fail" in by_plugin.values()
        failing = json.loads((tmp_path / "cli" / "out" / "results.json").read_text())["results"]
        assert all("TIER-2" in r["rules"] for r in failing if r["verdict"] == "fail")
    else:
        assert plugin_code == 0 and cli_code == 0, (plugin_out[-2000:], cli_out[-2000:])
        assert set(by_plugin.values()) <= {"pass", "warn", "skip"}
    junit = (tmp_path / "plugin" / "junit.xml").read_text()
    assert junit.count("<testcase") == len(by_plugin)  # --junitxml works on the plugin path


def test_dash_p_conformance_loads_the_plugin_once(tmp_path: Path) -> None:
    """The entry point auto-loads `conformance.plugin`; `-p conformance` names that entry point, so it is
    not registered a second time (which pytest would refuse with a duplicate-option error)."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conformance", "--pyargs", "conformance.suite",
         "--collect-only", "-q", "-p", "no:cacheprovider", "--conformance-replay", str(tmp_path),
         "--conformance-rule", "TIER-2"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "test_tier_name_must_be_unique" in completed.stdout
    assert "already registered" not in completed.stdout + completed.stderr


SPY = '''
import json, pytest
from conformance.plugin.keys import exchanges_key

@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    kept = sum(len(item.stash.get(exchanges_key, [])) for item in session.items)
    order = [item.path.name for item in session.items]
    with open("spy.json", "w") as out:
        json.dump({"kept": kept, "order": order}, out)
'''


def test_finished_tests_keep_no_exchanges_and_fuzzing_runs_after_the_scenarios(tmp_path: Path) -> None:
    """Memory stays flat in the number of tests (a test's exchanges leave with its record), and the rule
    scenarios come before the fuzzing phase, so `-x` and a broken rule stop at the most precise failure."""
    (tmp_path / "spy.py").write_text(SPY)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conformance", "--pyargs", "conformance.suite", "-q", "-p", "spy",
         "-p", "no:cacheprovider", "--conformance-max-examples", "1", "--conformance-quick", "--conformance-api",
         "tiers", "-k", "fuzz_tiers or stateful_tiers or test_tier_name_must_be_unique or test_bulk"],
        cwd=tmp_path, env={**_env(), "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    spy = json.loads((tmp_path / "spy.json").read_text())
    assert spy["kept"] == 0
    order = spy["order"]
    assert "test_fuzz.py" in order and order.index("test_fuzz.py") > max(
        i for i, name in enumerate(order) if name != "test_fuzz.py")
