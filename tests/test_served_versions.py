"""One command works against a v3-only, a v4-only and a both Badges implementation (issue 18): the absent
version is *not served*, a one-line notice and skipped tests, never a failure and never a wrong-URL exit 2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.embedded import EmbeddedServer
from conformance.paths import APIS
from conformance.probe import NOT_SERVED, ProbeError, probe
from conformance.reporting.results import RunResults
from conformance.target import Target

LOCAL_KEY = "local-key"


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[EmbeddedServer] = []

    def start(*faults: str) -> Target:
        servers.append(EmbeddedServer(faults=faults).start())
        return Target(servers[-1].base_url, {"Authorization": LOCAL_KEY})

    yield start
    for server in servers:
        server.stop()


def test_a_target_serving_both_versions_serves_every_api(serve) -> None:  # type: ignore[no-untyped-def]
    assert probe(serve(), list(APIS)) == []


def test_a_v4_only_target_has_badges_v3_not_served(serve) -> None:  # type: ignore[no-untyped-def]
    assert probe(serve("v3-not-served"), list(APIS)) == ["badges"]


def test_a_v3_only_target_has_badges_v4_not_served(serve) -> None:  # type: ignore[no-untyped-def]
    assert probe(serve("v4-not-served"), list(APIS)) == ["badges-v4", "assignments-v4"]


def test_a_target_serving_no_badges_version_is_a_wrong_url(serve) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProbeError, match="GET /members/v3/badges answered 404, but it is a documented list"):
        probe(serve("v3-not-served", "v4-not-served"), list(APIS))


def test_an_api_named_with_api_must_be_served(serve) -> None:  # type: ignore[no-untyped-def]
    """Named, a missing v4 is a broken target, not "not served": its rules must not quietly skip."""
    target = serve("v4-not-served")
    assert probe(target, ["tiers", "badges-v4"]) == ["badges-v4"]
    with pytest.raises(ProbeError, match="--api badges-v4 selected, but the target does not serve Badges v4"):
        probe(target, ["tiers", "badges-v4"], named=True)


def test_rules_of_an_absent_api_fold_into_one_not_checked_line() -> None:
    skipped = [{"nodeid": f"test_badges.py::test_{n}", "verdict": "skip", "rules": [f"BADGE-{n}"],
                "skip_reason": NOT_SERVED["badges"]} for n in (3, 1, 2)]
    skipped.append({**skipped[0], "nodeid": "test_common.py::test_y", "rules": ["COMMON-3"]})
    other = {"nodeid": "test_tiers.py::test_x", "verdict": "skip", "rules": ["TIER-9"], "skip_reason": "no settings"}
    lines = RunResults(results=[*skipped, other], meta={}).not_checked_lines()
    assert lines == [("BADGE-1 … BADGE-3, COMMON-3 (4 rules)", f"not served: {NOT_SERVED['badges']}"),
                     ("TIER-9", "skipped: no settings (test_tiers.py::test_x)")]


def test_a_v4_only_run_is_conformant_and_says_v3_is_not_served(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--quick", "--fault", "v3-not-served")
    assert result.returncode == 0, result.output
    assert f"not served: {NOT_SERVED['badges']}" in result.stdout
    folded = [line for line in result.stdout.splitlines() if "not served:" in line and "NOT CHECKED" in line]
    assert len(folded) == 1 and "BADGE-1 … BADGE-23 (23 rules)" in folded[0], result.stdout
    assert "FAIL" not in result.stdout
