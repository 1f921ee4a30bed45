"""The command line as a CI user meets it: `--version`, `rules`, the pytest-style selections of `run`,
plain output off a terminal, the Markdown summary, and the example CI workflows."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CliResult, run_cli

from conformance import __version__, rules
from conformance.cli.main import build_parser, main
from conformance.paths import specs_dir

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples"
ANSI = re.compile(r"\x1b\[")
FAULT = "tier-duplicate-name"


def results_of(folder: Path) -> list[dict[str, Any]]:
    return json.loads((folder / "results.json").read_text())["results"]


# --version ----------------------------------------------------------------------------------------
def test_version_prints_suite_version_and_spec_hashes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"conformance {__version__} (specs: ")
    for path in sorted(specs_dir().glob("*.yaml")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        assert f"{path.name} {digest}" in line
    assert "loyalty-tiers.yaml" in line


# rules --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rules_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = run_cli("rules", "--format", "json", cwd=tmp_path_factory.mktemp("rules"), timeout=300)
    assert result.returncode == 0, result.output[-2000:]
    return json.loads(result.stdout)


def test_rules_lists_every_rule_once_with_its_reading(rules_json: dict[str, Any]) -> None:
    listed = [r["id"] for r in rules_json["rules"]]
    assert listed == list(rules.catalogue())
    for record in rules_json["rules"]:
        rule = rules.get(record["id"])
        assert record["statement"] == rule.statement and record["source"] == rule.source
        assert record["level"] == rule.level
        assert record["ambiguities"] == list(rule.ambiguities)
        assert set(record["readings"]) == set(rule.ambiguities)
        assert record["profile"]


def test_every_rule_has_tests_the_webhook_rules_event_tests(rules_json: dict[str, Any]) -> None:
    untested = {record["id"] for record in rules_json["rules"] if not record["tests"]}
    assert not untested
    for record in rules_json["rules"]:
        if record["webhook"] and record["tests"]:  # judged from the events the target delivers (issue 14)
            assert all(t.startswith(("test_events.py::", "test_events_v4.py::")) for t in record["tests"]), record["id"]


def test_fuzz_items_carry_no_rule(rules_json: dict[str, Any]) -> None:
    tagged = {t for r in rules_json["rules"] for t in r["tests"]}
    assert not [t for t in tagged if "test_fuzz" in t or "test_stateful" in t]
    untagged = rules_json["untagged_tests"]
    assert untagged and all(t.startswith("test_fuzz.py::") for t in untagged)
    assert "test_fuzz.py::test_stateful_tiers" in untagged
    assert any(t.startswith("test_fuzz.py::test_fuzz_tiers[") for t in untagged)


def test_rules_table_for_one_api(tmp_path: Path) -> None:
    result = run_cli("rules", "--api", "tiers", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.output[-2000:]
    headers = [line.split()[0] for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert "TIER-2" in headers and "TIER-26" in headers
    assert not [h for h in headers if h.startswith(("BADGE-", "REWARD-"))]
    assert "test: test_tiers_crud.py::test_tier_name_must_be_unique" in result.stdout
    assert "test: test_events.py::test_tier_writes_emit_created_updated_deleted" in result.stdout
    assert not ANSI.search(result.stdout)


# run: selection -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tier2_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliResult, Path]:
    """`--rule TIER-2 -n 2` on the embedded reference: the selection, xdist and the report in one run."""
    folder = tmp_path_factory.mktemp("tier2")
    result = run_cli("run", "--rule", "TIER-2", "-n", "2", "--report-dir", "out", cwd=folder, timeout=600)
    return result, folder / "out"


def test_rule_selection_runs_exactly_the_tests_of_that_rule(tier2_run: tuple[CliResult, Path],
                                                            rules_json: dict[str, Any]) -> None:
    result, out = tier2_run
    assert result.returncode == 0, result.output[-3000:]
    ran = results_of(out)
    assert ran and all("TIER-2" in r["rules"] for r in ran)
    expected = next(r["tests"] for r in rules_json["rules"] if r["id"] == "TIER-2")
    assert sorted(r["nodeid"] for r in ran) == sorted(expected)
    report = json.loads((out / "report.json").read_text())
    assert sum(report["counts"].values()) == len(expected)


def test_a_parallel_run_against_the_embedded_reference_is_conformant(tmp_path: Path) -> None:
    """`-n 2`: the badge display order is site-wide, so two workers sharing one reference raced on it (a correct
    reference was judged NOT CONFORMANT in 2 of 3 runs); each worker now serves its own reference."""
    result = run_cli("run", "--quick", "-n", "2", "--report-dir", "out", cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.output[-3000:]
    verdicts = [r["verdict"] for r in results_of(tmp_path / "out")]
    assert len(verdicts) > 400 and set(verdicts) <= {"pass", "skip"}


def test_an_xdist_worker_serves_its_own_reference(tmp_path: Path) -> None:
    from conformance.plugin.fixtures import _worker_reference
    from conformance.reference.events import new_private_key, private_pem
    from conformance.settings import RunSettings

    key = tmp_path / "key.pem"
    key.write_bytes(private_pem(new_private_key()))
    shared = "http://127.0.0.1:9"  # the run's own instance, which only answered the probe
    settings = RunSettings(base_url=shared, headers={"Authorization": "local"}, disposable=True,
                           worker_reference_key=str(key))
    serving = _worker_reference(settings)
    try:
        own = next(serving)
        assert own.base_url not in (None, shared)
        assert own.target().get("/loyalty-tiers/v1/tiers").status == 200
    finally:
        serving.close()


def test_output_off_a_terminal_is_plain_lines(tier2_run: tuple[CliResult, Path]) -> None:
    result, _ = tier2_run
    assert not ANSI.search(result.output), "colour codes in non-terminal output"
    assert "\r" not in result.output, "progress redraws in non-terminal output"


def test_summary_markdown_is_written(tier2_run: tuple[CliResult, Path]) -> None:
    _, out = tier2_run
    summary = (out / "summary.md").read_text()
    assert summary.startswith("# ")
    assert "| pass |" in summary
    assert not ANSI.search(summary)


def test_glob_and_unknown_rule_ids(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules.expand(["TIER-2", "reward-1*"]) >= {"TIER-2", "REWARD-1", "REWARD-10"}
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--rule", "NOPE-1"]) == 2
    err = capsys.readouterr().err
    assert err == "conformance: error: unknown rule id 'NOPE-1'\n"
    assert not (tmp_path / "reports").exists()  # nothing ran, nothing written


def test_last_failed_reruns_only_what_failed(tmp_path: Path) -> None:
    first = run_cli("run", "--fault", FAULT, "--rule", "TIER-2", "--rule", "TIER-3", "--report-dir", "one",
                    cwd=tmp_path, timeout=600)
    assert first.returncode == 1, first.output[-3000:]
    failed = sorted(r["nodeid"] for r in results_of(tmp_path / "one") if r["verdict"] == "fail")
    passed = [r for r in results_of(tmp_path / "one") if r["verdict"] == "pass"]
    assert failed and passed
    again = run_cli("run", "--fault", FAULT, "--rule", "TIER-2", "--rule", "TIER-3", "--lf",
                    "--report-dir", "two", cwd=tmp_path, timeout=600)
    assert again.returncode == 1, again.output[-3000:]
    assert sorted(r["nodeid"] for r in results_of(tmp_path / "two")) == failed
    assert (tmp_path / "reports" / ".cache").is_dir()  # the cache lives under the working directory


def test_keyword_and_exitfirst(tmp_path: Path) -> None:
    result = run_cli("run", "--fault", FAULT, "--rule", "TIER-2", "-k", "unique or bulk", "-x",
                     "--report-dir", "out", cwd=tmp_path, timeout=600)
    assert result.returncode == 1, result.output[-3000:]
    ran = results_of(tmp_path / "out")
    assert ran and all(("unique" in r["nodeid"] or "bulk" in r["nodeid"]) for r in ran)
    assert [r["verdict"] for r in ran].count("fail") == 1
    assert "stopping after 1 failures" in result.stdout


def test_no_color_turns_pytest_colour_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance import runner
    from conformance.settings import RunSettings

    spec = RunSettings(base_url="http://x", quick=True, run_id="abcd1234", report_dir=Path("out"))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "--color=no" not in runner.pytest_args(spec, Path("r.json"))
    monkeypatch.setenv("NO_COLOR", "1")
    assert "--color=no" in runner.pytest_args(spec, Path("r.json"))


# CI examples --------------------------------------------------------------------------------------
def _tool(name: str) -> str:
    """A dev-extra command, on PATH or beside this interpreter (CI calls .venv/bin/pytest without activating)."""
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is missing: pip install -e '.[dev]'", pytrace=False)
    return found


@pytest.mark.parametrize(("example", "schema"), [("github-actions.yml", "vendor.github-workflows"),
                                                 ("github-actions-sharded.yml", "vendor.github-workflows"),
                                                 ("gitlab-ci.yml", "vendor.gitlab-ci")])
def test_ci_examples_pass_the_schema_check(example: str, schema: str) -> None:
    completed = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", schema, str(EXAMPLES / example)],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("example", ["github-actions.yml", "github-actions-sharded.yml"])
def test_github_workflow_passes_actionlint(example: str) -> None:
    completed = subprocess.run([_tool("actionlint"), str(EXAMPLES / example)], capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def workflow_commands() -> list[str]:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    lines = []
    for step in workflow["jobs"]["conformance"]["steps"]:
        for line in str(step.get("run", "")).splitlines():
            if line.strip().startswith("conformance "):
                lines.append(line.strip().split(" 2>")[0])
    return lines


def test_workflow_runs_a_valid_conformance_command() -> None:
    commands = workflow_commands()
    assert len(commands) == 1
    env = {"CONFORMANCE_BASE_URL": "https://example.invalid"}
    argv = shlex.split(commands[0].replace('"$CONFORMANCE_BASE_URL"', env["CONFORMANCE_BASE_URL"]))
    args = build_parser().parse_args(argv[1:])
    assert args.command == "run" and args.header == ["Authorization: env:WIX_API_KEY"]
    assert args.base_url == env["CONFORMANCE_BASE_URL"]


def test_workflow_publishes_junit_uploads_reports_and_tells_exit_1_from_2() -> None:
    text = (EXAMPLES / "github-actions.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["conformance"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any("junit" in u for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "reports/" and upload["if"] == "always()"
    assert "pip install" in text
    assert "${{ secrets.CONFORMANCE_BASE_URL }}" in text and "${{ secrets.WIX_API_KEY }}" in text
    verdict = next(s for s in steps if "GITHUB_STEP_SUMMARY" in str(s.get("run", "")))
    assert "summary.md" in verdict["run"]
    assert re.search(r"^\s*1\)", verdict["run"], re.M) and "exit 1" in verdict["run"]
    assert "Tool or target error" in verdict["run"] and "exit 2" in verdict["run"]


def test_documented_commands_match_the_workflow() -> None:
    readme = (PROJECT / "README.md").read_text()
    assert "## Use in CI" in readme
    assert workflow_commands()[0] in readme


def test_docs_example_config_keys_are_the_known_keys() -> None:
    from conformance.config import KEYS

    text = (PROJECT / "README.md").read_text()
    block = text.split("```toml", 1)[1].split("```", 1)[0]
    data = tomllib.loads(block)
    assert set(data) <= set(KEYS)


def test_sharded_workflow_runs_every_shard_and_merges_them() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions-sharded.yml").read_text())
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    run_line = next(line.strip() for step in workflow["jobs"]["shard"]["steps"]
                    for line in str(step.get("run", "")).splitlines() if line.strip().startswith("conformance run"))
    args = build_parser().parse_args(shlex.split(run_line.replace('"$SHARD/4"', f"1/{len(shards)}"))[1:])
    assert args.shard == (1, len(shards))
    merge_line = next(line.strip() for step in workflow["jobs"]["verdict"]["steps"]
                      for line in str(step.get("run", "")).splitlines() if "conformance merge" in line)
    merged = build_parser().parse_args(shlex.split(merge_line)[1:])
    assert merged.folders == [f"reports/shard-{k}" for k in shards]
