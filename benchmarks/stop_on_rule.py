"""A pytest plugin the mutation benchmark loads into `conformance run` (through PYTEST_ADDOPTS): end the run as
failed as soon as a test fails the rule named by CONFORMANCE_STOP_ON_RULE.

That failure is already the kill: the run is the whole suite in the user's order up to that point, and nothing a
later test does can undo a failure (its exit code is 1 from then on). Stopping there spares the rest of the suite.
The rule is judged from the test's record by the same function the reports use, so "fails the rule" here means
exactly what report.json will say.
"""

from __future__ import annotations

import os

import pytest

from conformance.plugin.keys import results_key
from conformance.reporting.results import rule_judgements

RULE = os.environ.get("CONFORMANCE_STOP_ON_RULE", "")


@pytest.hookimpl(trylast=True)  # after the conformance plugin recorded the test
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not RULE or not report.failed or SESSION is None:
        return
    recorded = SESSION.config.stash.get(results_key, [])
    if recorded and rule_judgements(recorded[-1:]).get(RULE, ("",))[0] == "fail":
        SESSION.shouldfail = f"{RULE} failed: the fault is killed"


SESSION: pytest.Session | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global SESSION
    SESSION = session
