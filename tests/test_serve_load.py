"""The load benchmark runs briefly and reports a healthy `conformance serve`; its durability check does find
a write that is not in the database (so a lost write could not pass unnoticed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "serve_load.py"
sys.path.insert(0, str(BENCHMARK.parent))

import serve_load  # noqa: E402


def test_a_brief_load_run_is_healthy() -> None:
    result = subprocess.run([sys.executable, str(BENCHMARK), "--clients", "3", "--seconds", "1.5", "--races", "3"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"load: 3 clients, .* (\d+) requests, \d+ req/s, p50 [\d.]+ ms, p99 [\d.]+ ms", out), out
    assert "errors: 5xx 0," in out
    assert "races: 3/3 with exactly one winner" in out
    acknowledged = re.search(r"SIGTERM under load: (\d+) acknowledged writes, lost acknowledged writes: 0", out)
    assert acknowledged and int(acknowledged.group(1)) > 0, out


def test_the_durability_check_finds_a_missing_or_older_write(tmp_path: Path) -> None:
    with serve_load.serve(tmp_path / "check.db") as (url, _):
        api = serve_load.client(url)
        reward = api.create(serve_load.free_shipping("kept")).body["reward"]
        acknowledged = {reward["id"]: (1, "kept"), "a6c1f1c4-0000-4000-8000-000000000001": (1, "never written")}
        assert serve_load.lost_writes(url, acknowledged) == ["a6c1f1c4-0000-4000-8000-000000000001"]
        assert serve_load.lost_writes(url, {reward["id"]: (2, "kept")}) == [reward["id"]]  # newer than stored
