"""The pytest side of `conformance.interrupt`: a remembered interruption stops the next test from starting,
teardown is clean-up (a first signal does not cut it short), and pytest's KeyboardInterrupt banner (with its
hint about a `--full-trace` flag `conformance` does not have) is replaced by the run's one line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance import interrupt


class InterruptHooks:
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        interrupt.must_stop()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        interrupt.must_stop()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
        with interrupt.cleaning():
            yield

    manager: pytest.PytestPluginManager | None = None

    def pytest_plugin_registered(self, plugin: object, manager: pytest.PytestPluginManager) -> None:
        if plugin is self:  # before configuration: a signal may come while pytest is still starting
            self.manager = manager

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        interrupt.filter_unraisable()  # around pytest's own hook, which it restores at the end

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        interrupt.start_stopping()
        if isinstance(excinfo.value, pytest.exit.Exception) or self.manager is None:
            return  # pytest.exit() is not a signal
        # silences the rest of pytest's terminal output: the banner, the hint, the summary line
        reporter = self.manager.get_plugin("terminalreporter")
        if reporter is not None:
            self.manager.unregister(reporter)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        interrupt.start_stopping()
