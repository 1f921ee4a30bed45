"""The `--conformance-*` options, whether this session asked for the suite, and the run settings they give."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.paths import APIS
from conformance.plugin.events import add_event_options
from conformance.transport import DEFAULT_RETRIES, DEFAULT_RETRY_BUDGET
from conformance.verdict import PROFILES


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Wix API conformance suite")
    group.addoption("--conformance-base-url", help="host root of the implementation (default: embedded reference)")
    group.addoption("--conformance-header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="header sent with every request; VALUE may be env:VARIABLE")
    group.addoption("--conformance-profile", default="tolerant", choices=PROFILES)
    group.addoption("--conformance-run-id", help="tag for created entities (default: random)")
    group.addoption("--conformance-member-id", action="append", default=[], help="badge member id (repeatable)")
    group.addoption("--conformance-read-only", action="store_true", help="run only checks that do not write")
    group.addoption("--conformance-rule", action="append", default=[], help="select rules, e.g. TIER-2 or 'REWARD-*'")
    group.addoption("--conformance-api", action="append", default=[], choices=list(APIS))
    group.addoption("--conformance-max-examples", type=int, default=25, help="schemathesis examples per operation")
    group.addoption("--conformance-quick", action="store_true",
                    help="fuzz without the coverage phase (every rule scenario still runs)")
    group.addoption("--conformance-seed", type=int, default=None, help="seed for data generation and fuzzing")
    group.addoption("--conformance-fault", action="append", default=[], help="fault of the embedded reference")
    group.addoption("--conformance-disposable", action="store_true",
                    help="the base URL is a throw-away reference started for this run (no live-site guards)")
    group.addoption("--conformance-worker-reference", metavar="KEYFILE",
                    help="each xdist worker serves its own embedded reference, signing events with this key")
    group.addoption("--conformance-record", metavar="DIR", help="record every exchange as vcrpy cassettes")
    group.addoption("--conformance-replay", metavar="DIR", help="answer from cassettes, network blocked")
    group.addoption("--conformance-results", metavar="FILE", help="write per-test results as JSON")
    group.addoption("--conformance-timeout", type=float, default=15.0, help="seconds to wait for each answer")
    group.addoption("--conformance-not-served", metavar="API,...", default=None,
                    help="APIs the target does not serve (their tests skip); default: the suite asks the target")
    group.addoption("--conformance-shard", metavar="K/N", type=parse_shard, default=None,
                    help="run the K-th of N deterministic slices of the selected tests")
    group.addoption("--conformance-retries", type=int, default=DEFAULT_RETRIES, help="429/503 retries per request")
    group.addoption("--conformance-retry-budget", type=float, default=DEFAULT_RETRY_BUDGET,
                    help="seconds one request may spend waiting on 429/503 retries")
    add_event_options(group)


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise pytest.UsageError(f"--shard takes K/N (e.g. 2/4), not {text!r}") from None
    if not 1 <= k <= n:
        raise pytest.UsageError(f"--shard {text}: K must be within 1..N")
    return k, n


def asked_for(config: pytest.Config) -> bool:
    """The plugin is installed for every pytest session on the machine, so it stays inert (no settings, no
    results, no server, no properties on reports) unless a `--conformance-*` option is given or the suite
    itself is on the command line."""
    from conformance.paths import SUITE_DIR

    if any(str(arg).startswith("--conformance-") for arg in config.invocation_params.args):
        return True
    for arg in config.args:
        if arg.split("::", 1)[0].startswith("conformance.suite"):
            return True
        try:
            if Path(arg.split("::", 1)[0]).resolve().is_relative_to(SUITE_DIR.resolve()):
                return True
        except (OSError, ValueError):
            continue
    return False
