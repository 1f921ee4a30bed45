"""`conformance diff`: classification rules, and a clean vs fault-variant recording exits 1."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_recording import GOLDEN, fault_recording

from conformance.diff import OperationProfile, RunProfile, compare


def _run(label: str, statuses: set[int], fields: dict[str, set[str]], codes: set[str], verdicts: dict[str, str],
         sequence: list[tuple[str, int]]) -> RunProfile:
    op = OperationProfile(statuses=statuses, fields=fields, error_codes=codes)
    return RunProfile(label, {"POST /x": op}, verdicts, True, {"t.yaml": sequence})


def test_changes_are_classified_breaking_or_benign() -> None:
    old = _run("old", {200, 409}, {"tier.name": {"string"}, "tier.points": {"integer"}}, {"409 ALREADY_EXISTS"},
               {"TIER-2": "pass", "TIER-3": "fail"}, [("POST /x", 200), ("POST /x", 409)])
    new = _run("new", {200, 500}, {"tier.name": {"integer"}, "tier.extra": {"string"}}, set(),
               {"TIER-2": "fail", "TIER-3": "pass"}, [("POST /x", 200), ("POST /x", 200)])
    found = {(c.kind, c.detail): c.breaking for c in compare(old, new)}
    assert found[("status", "500 newly seen")] is True
    assert found[("status", "409 no longer seen")] is False
    assert found[("field", "`tier.name` type string → integer")] is True
    assert found[("field", "`tier.points` removed from 2xx responses")] is True
    assert found[("field", "`tier.extra` added (string)")] is False
    assert found[("error-code", "409 ALREADY_EXISTS no longer returned")] is True
    assert found[("rule", "pass → fail")] is True and found[("rule", "fail → pass")] is False
    assert found[("status", "same request answered 409 → 200 (in t)")] is False


def test_identical_runs_have_no_change() -> None:
    run = _run("a", {200}, {"a": {"string"}}, set(), {"TIER-2": "pass"}, [("POST /x", 200)])
    assert compare(run, run) == []


def test_diff_between_clean_and_fault_recordings_is_breaking(tmp_path: Path) -> None:
    fault = fault_recording() / "cassettes"
    result = run_cli("diff", str(GOLDEN), str(fault), "--out", "d", cwd=tmp_path)
    assert result.returncode == 1, result.output[-2000:]
    text = (tmp_path / "d" / "diff.md").read_text()
    assert "BREAKING" in text and "`TIER-2` | pass → fail" in text
    assert (tmp_path / "d" / "diff.html").is_file()
    same = run_cli("diff", str(fault), str(fault), "--out", "d2", cwd=tmp_path)
    assert same.returncode == 0, same.output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    assert run_cli("diff", str(tmp_path / "x.json"), str(tmp_path), cwd=tmp_path).returncode == 2


def test_diff_writes_into_the_reports_folder_by_default(tmp_path: Path) -> None:
    result = run_cli("diff", str(GOLDEN), str(GOLDEN), cwd=tmp_path)
    assert result.returncode == 0, result.output
    assert not (tmp_path / "diff").exists()
    written = list((tmp_path / "reports").glob("diff-*/diff.md"))
    assert len(written) == 1 and (written[0].parent / "diff.html").is_file()
    assert str(written[0].parent.relative_to(tmp_path)) in result.stdout


def test_generated_folders_stay_out_of_git_status() -> None:
    import subprocess

    root = Path(__file__).resolve().parent.parent
    generated = ["reports/20260101-000000/report.json", "reports/diff-20260101-000000/diff.md", "diff/diff.md",
                 "reference.db", "reference.db-wal", "reference.db-shm", ".hypothesis/x", "reports/.cache/x"]
    checked = subprocess.run(["git", "-C", str(root), "check-ignore", "--no-index", *generated],
                             capture_output=True, text=True, timeout=30)
    assert sorted(checked.stdout.split()) == sorted(generated), checked.stdout + checked.stderr
