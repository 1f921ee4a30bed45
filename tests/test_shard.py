"""`--shard K/N` splits the selection deterministically; `conformance merge` gives one report and one verdict."""

from __future__ import annotations

import json
from pathlib import Path

SETTINGS_TESTS = ("test_0_tiers_fresh_site.py::", "test_settings", "program_settings")


def nodeids(folder: Path) -> set[str]:
    return {r["nodeid"] for r in json.loads((folder / "results.json").read_text())["results"]}


def test_shards_partition_the_run_and_merge_into_one_verdict(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    selection = ["--rule", "TIER-*", "--seed", "3", "--fault", "tier-duplicate-name"]
    whole = cli("run", *selection, "--report-dir", "whole")
    first = cli("run", *selection, "--shard", "1/2", "--report-dir", "s1")
    second = cli("run", *selection, "--shard", "2/2", "--report-dir", "s2")
    assert whole.returncode == 1, whole.output[-2000:]
    a, b = nodeids(tmp_path / "s1"), nodeids(tmp_path / "s2")
    assert a and b and not (a & b)
    assert a | b == nodeids(tmp_path / "whole")
    assert {first.returncode, second.returncode} <= {0, 1} and 1 in {first.returncode, second.returncode}
    # every test that touches the program settings runs in the same shard (no race between machines)
    settings = [n for n in a | b if any(marker in n for marker in SETTINGS_TESTS)]
    assert settings and (set(settings) <= a or set(settings) <= b), settings
    merged = cli("merge", "s1", "s2", "--report-dir", "merged")
    assert merged.returncode == 1, merged.output[-2000:]
    assert "NOT CONFORMANT" in merged.stdout
    report = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert {r["id"]: r["verdict"] for r in report["rules"]}["TIER-2"] == "fail"
    assert len(report["tests"]) == len(a | b)


def test_merging_a_shard_twice_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("run", "--rule", "TIER-2", "--shard", "1/1", "--report-dir", "s1").returncode == 0
    merged = cli("merge", "s1", "s1", "--report-dir", "merged")
    assert merged.returncode == 2 and "ran in two of the given runs" in merged.output


def test_a_bad_shard_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--shard", "3/2")
    assert result.returncode == 2 and "K/N" in result.output and "Traceback" not in result.output


def test_api_selection_keeps_no_test_of_another_api(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`--api badges` keeps badge tests and COMMON-only ones, never the SDK's tier or reward scenarios."""
    result = cli("run", "--api", "badges", "--quick", "--report-dir", "out")
    assert result.returncode == 0, result.output[-2000:]
    tested = {r for t in json.loads((tmp_path / "out" / "results.json").read_text())["results"] for r in t["rules"]}
    assert any(r.startswith("BADGE-") for r in tested)
    assert not [r for r in tested if not r.startswith(("BADGE-", "COMMON-"))], sorted(tested)
