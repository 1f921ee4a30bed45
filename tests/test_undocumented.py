"""Undocumented input handling is not a rule: fuzzing a correct implementation that reads an empty query
value as absent (the reference's `query-empty-values-absent` variant) finds nothing, whatever the seed.
Seed 5 is one where schemathesis's negative-data check used to expect `GET /badges?paging.limit=` to be
rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.undocumented import _readings

FAULT = "query-empty-values-absent"


@pytest.mark.parametrize(("apis", "seed"), [(["badges"], 5), (["badges"], 7), (["badges", "tiers", "rewards"], 11)])
def test_fuzzing_the_empty_values_reading_finds_nothing(cli, tmp_path: Path, apis: list[str], seed: int) -> None:  # type: ignore[no-untyped-def]
    selection = [arg for api in apis for arg in ("--api", api)]
    result = cli("run", "--fault", FAULT, *selection, "-k", "test_fuzz or test_stateful", "--seed", str(seed),
                 "--report-dir", "out", timeout=900)
    results = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    failed = [r["nodeid"] + ": " + r["message"][:300] for r in results if r["verdict"] in ("fail", "error")]
    assert result.returncode == 0 and not failed, failed or result.output[-2000:]
    assert sum(r["verdict"] == "pass" for r in results) >= 4 * len(apis)  # the fuzz tests did run


def test_open_readings_of_a_query() -> None:
    properties = {"limit": {"type": "integer"}, "ids": {"type": "array", "items": {"type": "string"}}}
    assert _readings({"limit": 5}, properties) is None  # nothing open: judged as schemathesis says
    assert _readings({"limit": ""}, properties) == [{}]  # empty: absent
    assert _readings({"limit": [5, "x"]}, properties) == [{"limit": 5}, {"limit": "x"}]  # first or last
    assert _readings({"Limit": "x", "limit": 5}, properties) == [{"limit": 5}]  # another case: ignored
    assert _readings({"ids": ["a", "b"]}, properties) is None  # an array is not a repeated scalar
