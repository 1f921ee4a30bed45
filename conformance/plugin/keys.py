"""The plugin's state in `config.stash` and `item.stash`, under typed keys (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.live import run_tag
from conformance.target import Exchange
from conformance.verdict import Expect


@dataclass
class RunSettings:
    base_url: str
    headers: dict[str, str]
    profile: str
    run_id: str
    member_ids: list[str]
    read_only: bool
    rules: list[str]
    apis: list[str]
    max_examples: int
    seed: int
    record_dir: str | None
    replay_dir: str | None
    embedded: bool
    results_path: str | None
    quick: bool = False
    shard: tuple[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return run_tag(self.run_id)


settings_key = pytest.StashKey[RunSettings]()
results_key = pytest.StashKey[list[dict[str, Any]]]()
exchanges_key = pytest.StashKey[list[Exchange]]()
expect_key = pytest.StashKey[Expect]()


def settings_of(config: pytest.Config) -> RunSettings:
    return config.stash[settings_key]
