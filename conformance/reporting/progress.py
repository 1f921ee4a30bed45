"""Progress of a run: the phase and the test or fuzzed operation being worked on, with a count and an ETA.

Against a slow remote target one fuzzed operation can take minutes; a dot per test says nothing about where
the time goes. On a terminal a rich progress line takes the place of pytest's dots; off a terminal (CI logs,
pipes, NO_COLOR, TERM=dumb) plain lines are written when a phase starts and before each fuzzed operation.
Loaded with `-p conformance.reporting.progress`; it only reads pytest's hooks and never judges anything.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import pytest

FUZZ_MODULE = "test_fuzz.py"


def phase_of(nodeid: str) -> tuple[str, str]:
    """(phase, what is being worked on): `("fuzzing tiers", "GET /tiers/{tierId}")`."""
    module, _, name = nodeid.partition("::")
    module = module.rsplit("/", 1)[-1]
    if module == FUZZ_MODULE:
        function, _, operation = name.partition("[")
        api = function.rsplit("_", 1)[-1]
        return f"fuzzing {api}", operation.removesuffix("]") or "stateful walk along the spec's links"
    kind = "official SDK wire shapes" if module.startswith("test_sdk_") else "rule scenarios"
    return f"{kind} ({module})", name


def on_terminal() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def eta(started: float, done: int, total: int) -> str:
    if not done or done >= total:
        return ""
    seconds = int((time.monotonic() - started) / done * (total - done))
    return f", ETA {seconds // 60}:{seconds % 60:02d}"


class RunProgress:
    def __init__(self, config: pytest.Config, live: bool):
        self.config = config
        self.live = live
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.phase = ""
        self.bar: Any = None
        self.task: Any = None

    @property
    def reporter(self) -> Any:
        return self.config.pluginmanager.get_plugin("terminalreporter")

    def _start(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()
        if self.live and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            # refreshed from the hooks only: a refresh thread would write while pytest captures a test's output
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=Console(file=sys.stdout), auto_refresh=False,
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("starting", total=total)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._start(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.total:
            self._start(len(ids))

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        phase, what = phase_of(nodeid)
        if self.bar is not None:
            self.bar.update(self.task, description=f"{phase}: {what}"[:90])
            self.bar.refresh()
            return
        if self.reporter is None or not self.total:
            return
        lines = []
        if phase != self.phase:
            self.phase = phase
            lines.append(f"phase: {phase}")
        if phase.startswith("fuzzing"):
            lines.append(f"  {what} ({self.done + 1}/{self.total}{eta(self.started, self.done, self.total)})")
        if lines:
            if self.reporter._tw.width_of_current_line:
                self.reporter._tw.line()
            for line in lines:
                self.reporter.write_line(line)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)
            self.bar.refresh()
            if self.done >= self.total:
                self._stop()

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """On a terminal the bar is the progress: pytest's letters would scribble over it."""
        if self.bar is None or hasattr(report, "wasxfail"):
            return None
        if report.passed:
            return ("passed" if report.when == "call" else ""), "", ""
        if report.failed:
            return ("failed" if report.when == "call" else "error"), "", ""
        return "skipped", "", ""

    def _stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        self._stop()


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # xdist workers: the controller shows the progress
        return
    config.pluginmanager.register(RunProgress(config, live=on_terminal()), "conformance-progress")
