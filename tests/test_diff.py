"""`conformance diff`: requests paired by meaning, one classification per change, stable across seeds."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from test_recording import GOLDEN, fault_recording

from conformance.reporting.diff import Answer, RecordedTest, RunProfile, compare, identity_warnings, request_key

TAG = "cfaaaa0001"
OTHER_TAG = "cfbbbb0002"
TIERS = "http://127.0.0.1:1/loyalty-tiers/v1/tiers"


def _profile(tests: dict[str, RecordedTest], verdicts: dict[str, str], seed: int = 1) -> RunProfile:
    return RunProfile("run", {"seed": seed, "target": "embedded reference", "faults": [], "profile": "tolerant",
                              "suite_version": "0.1.0"}, verdicts, tests, has_bodies=True)


def _record(verdict: str, rules: list[str], exchanges: list[tuple[str, str, object, int, object]],
            tag: str) -> RecordedTest:
    record = RecordedTest(verdict, rules)
    for method, uri, body, status, answer in exchanges:
        key = request_key(method, uri, json.dumps(body) if body is not None else None, tag)
        record.answers.setdefault(key, []).append(Answer(status, answer, key[0]))
    return record


def test_the_same_request_is_recognised_whatever_ids_names_points_and_order_it_carries() -> None:
    a = request_key("PATCH", f"{TIERS}/6f1d3c1e-2b4a-4c5d-8e9f-0a1b2c3d4e5f?revision=2",
                    json.dumps({"tier": {"tierDefinition": {"name": f"{TAG}12ab-1 Gold"}, "requiredPoints": 3793759}}),
                    TAG)
    b = request_key("PATCH", f"{TIERS}/00000000-0000-4000-8000-000000000075?revision=2",
                    json.dumps({"tier": {"requiredPoints": 8000001, "tierDefinition": {"name": f"{OTHER_TAG}9f-1 X"}}}),
                    OTHER_TAG)
    assert a == b and a[0] == "PATCH /loyalty-tiers/v1/tiers/{tierId}"
    # what the test chose on purpose still tells requests apart: another revision, an out-of-range value
    assert request_key("PATCH", f"{TIERS}/x?revision=3", None, TAG) != request_key("PATCH", f"{TIERS}/x?revision=2",
                                                                                    None, TAG)
    assert request_key("POST", TIERS, '{"requiredPoints": 10000000}', TAG) != request_key(
        "POST", TIERS, '{"requiredPoints": 9999999}', TAG)


def test_requests_pair_by_meaning_not_position() -> None:
    valid, invalid = {"tier": {"requiredPoints": 5}}, {"tier": {"requiredPoints": -1}}
    first, second = ("POST", TIERS, valid, 200, {}), ("POST", TIERS, invalid, 400, {})
    old = _profile({"t": _record("pass", ["TIER-7"], [first, second], TAG)}, {"TIER-7": "pass"})
    new = _profile({"t": _record("pass", ["TIER-7"], [second, first], OTHER_TAG)}, {"TIER-7": "pass"}, seed=2)
    assert compare(old, new) == []


def test_one_classification_per_change_decided_by_the_rule_verdict() -> None:
    dup = {"tier": {"tierDefinition": {"name": "dup"}}}
    error = {"message": "exists", "details": {"applicationError": {"code": "ALREADY_EXISTS"}}}
    old = _profile({
        "test_tiers.py::test_unique": _record("pass", ["TIER-2"], [("POST", TIERS, dup, 409, error)], TAG),
        "test_tiers.py::test_list": _record("pass", ["TIER-14"], [("GET", TIERS, None, 200, {"tiers": []})], TAG),
        "test_fuzz.py::test_fuzz_tiers[GET /tiers]": _record("pass", [], [("GET", TIERS, None, 200, {})], TAG),
    }, {"TIER-2": "pass", "TIER-14": "pass"})
    new = _profile({
        "test_tiers.py::test_unique": _record("fail", ["TIER-2"], [("POST", TIERS, dup, 200, {"tier": {}})], TAG),
        "test_tiers.py::test_list": _record("pass", ["TIER-14"], [("GET", TIERS, None, 400, error)], TAG),
        "test_fuzz.py::test_fuzz_tiers[GET /tiers]": _record("fail", [], [("GET", TIERS, None, 500, {})], TAG),
    }, {"TIER-2": "fail", "TIER-14": "pass"})
    changes = {c.subject: c for c in compare(old, new)}
    # 409 -> 200 is one change: breaking, because TIER-2 got worse; the status change is its evidence
    assert changes["TIER-2"].breaking and changes["TIER-2"].detail == "pass → fail"
    assert [e.differences for e in changes["TIER-2"].evidence] == [("HTTP 409 → 200",)]
    assert len(changes) == 3
    # a status change under a rule whose verdict held is listed under that rule, benign
    assert not changes["TIER-14"].breaking and changes["TIER-14"].evidence[0].differences == ("HTTP 200 → 400",)
    fuzz = changes["test_fuzz.py::test_fuzz_tiers[GET /tiers]"]
    assert fuzz.kind == "test" and fuzz.breaking and fuzz.evidence[0].differences == ("HTTP 200 → 500",)


def test_field_changes_of_paired_answers() -> None:
    before = {"tier": {"revision": "1", "tierDefinition": {"name": "a", "icon": {"url": "u"}}}}
    after = {"tier": {"revision": 1, "tierDefinition": {"name": "a"}, "extra": True}}
    old = _profile({"t": _record("pass", ["COMMON-6"], [("GET", f"{TIERS}/x", None, 200, before)], TAG)},
                   {"COMMON-6": "pass"})
    new = _profile({"t": _record("fail", ["COMMON-6"], [("GET", f"{TIERS}/x", None, 200, after)], TAG)},
                   {"COMMON-6": "fail"})
    [change] = compare(old, new)
    assert change.breaking and change.evidence[0].differences == (
        "`tier.revision` string → integer", "`tier.tierDefinition.icon` no longer returned")


def test_runs_that_differ_in_seed_target_profile_or_version_are_named() -> None:
    old = _profile({}, {})
    new = RunProfile("b", {"seed": 2, "target": "http://x", "faults": ["f"], "profile": "strict",
                           "suite_version": "0.2.0"}, {}, {}, True)
    text = " | ".join(identity_warnings(old, new))
    for needle in ("seed: 1 → 2", "target: embedded reference → http://x", "faults: none → f",
                   "profile: tolerant → strict", "suite version: 0.1.0 → 0.2.0"):
        assert needle in text, needle


def test_two_clean_runs_with_different_seeds_have_no_breaking_change(tmp_path: Path) -> None:
    recorded = run_cli("run", "--quick", "--seed", "12345", "--run-id", "abcd0002", "--record", "rec",
                       "--report-dir", "rep", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.output[-2000:]
    result = run_cli("diff", str(GOLDEN), "rec", "--out", "d", cwd=tmp_path)
    assert result.returncode == 0, result.output[-2000:]
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith("no breaking change: 0 breaking, ")  # the console leads with the counts
    assert second.startswith("warning: the runs differ in seed: ")
    assert "| rule |" not in (tmp_path / "d" / "diff.md").read_text().split("## Benign")[0]


def test_diff_between_clean_and_fault_recordings_is_breaking_by_rule(tmp_path: Path) -> None:
    fault = fault_recording() / "cassettes"
    result = run_cli("diff", str(GOLDEN), str(fault), "--out", "d", cwd=tmp_path)
    assert result.returncode == 1, result.output[-2000:]
    assert result.stdout.splitlines()[0].startswith("BREAKING: ")
    assert "warning: the runs differ in faults: none → tier-duplicate-name" in result.stdout
    text = (tmp_path / "d" / "diff.md").read_text()
    breaking = text.split("## Benign")[0]
    assert "| rule | `TIER-2` | pass → fail — A second tier with an existing" in breaking
    assert ("`test_tiers_crud.py::test_tier_name_must_be_unique` `POST /loyalty-tiers/v1/tiers` | HTTP 409 → 200"
            in breaking)
    assert text.count("test_tier_name_must_be_unique` `POST /loyalty-tiers/v1/tiers` | HTTP 409") == 1  # once
    html = (tmp_path / "d" / "diff.html").read_text()
    assert 'class="pair"' in html and "OLD <b>409</b>" in html and "NEW <b>200</b>" in html  # side by side
    # nothing in diff.html may push the page sideways
    assert "white-space:pre-wrap" in html and "minmax(0,1fr) minmax(0,1fr)" in html and "overflow-wrap:anywhere" in html
    same = run_cli("diff", str(fault), str(fault), "--out", "d2", cwd=tmp_path)
    assert same.returncode == 0 and same.stdout.startswith("no breaking change: 0 breaking, 0 benign"), same.output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    result = run_cli("diff", str(tmp_path / "x.json"), str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.output


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
