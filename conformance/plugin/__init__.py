"""The pytest plugin: the suite's options, selection, fixtures and result collection, one module each.

`conformance run` drives pytest with this plugin; people who want the suite inside their own pytest
session load it directly (`pytest -p conformance --pyargs conformance.suite --conformance-base-url URL`).
Option precedence is the CLI's business; here every value comes from a `--conformance-*` option.
The package is installed as a pytest plugin for every session on the machine, so it stays inert (no settings,
no results, no server, no report properties) unless a `--conformance-*` option is given or the suite is
collected.
"""

from __future__ import annotations

import pytest

from conformance.plugin.events import configure_events, events, pytest_configure_node, pytest_runtest_protocol
from conformance.plugin.fixtures import (
    FreshSite,
    Unique,
    _cassette,
    _session_target,
    conformance_settings,
    expect,
    fresh_site,
    owned,
    target,
    unique,
)
from conformance.plugin.keys import RunSettings, results_key, settings_key, settings_of
from conformance.plugin.options import asked_for, parse_shard, pytest_addoption
from conformance.plugin.results import ResultCollector, pytest_runtest_makereport
from conformance.plugin.selection import (
    fuzzing_selectable,
    in_shard,
    item_api,
    pytest_collection_modifyitems,
    pytest_ignore_collect,
    pytest_pycollect_makemodule,
    rule_ids,
)

__all__ = [
    "FreshSite", "RunSettings", "Unique", "fuzzing_selectable", "in_shard", "item_api", "parse_shard", "rule_ids",
    "settings_of", "pytest_addoption", "pytest_configure", "pytest_collection_modifyitems", "pytest_ignore_collect",
    "pytest_pycollect_makemodule", "pytest_runtest_makereport", "conformance_settings", "target", "expect", "owned",
    "unique", "fresh_site", "_cassette", "_session_target", "events", "pytest_configure_node",
    "pytest_runtest_protocol",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the API-FACTS rule ids a test checks")
    config.addinivalue_line("markers", "read_only: the test never writes to the target")
    config.addinivalue_line("markers", "sdk(method): the official SDK method whose wire shape a test sends")
    config.addinivalue_line("markers", "site_wide: the test changes site-wide state (kept in one --shard)")
    if not hasattr(config.option, "conformance_profile") or not asked_for(config):
        return
    settings = RunSettings.from_plugin_options(config.option)
    configure_events(config, settings)
    config.stash[settings_key] = settings
    config.stash[results_key] = []
    config.pluginmanager.register(ResultCollector(config), "conformance-results")
