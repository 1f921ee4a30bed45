"""The plugin's state in `config.stash` and `item.stash`, under typed keys (no module globals)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.settings import RunSettings
from conformance.target import Exchange
from conformance.verdict import Expect

__all__ = ["RunSettings", "settings_key", "results_key", "exchanges_key", "expect_key", "settings_of"]


settings_key = pytest.StashKey[RunSettings]()
results_key = pytest.StashKey[list[dict[str, Any]]]()
exchanges_key = pytest.StashKey[list[Exchange]]()
expect_key = pytest.StashKey[Expect]()


def settings_of(config: pytest.Config) -> RunSettings:
    return config.stash[settings_key]
