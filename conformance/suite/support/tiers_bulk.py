"""Judging a Bulk Create Tiers answer (COMMON-11, support/bulk.py), and owning what it created."""

from __future__ import annotations

from typing import Any

from conformance.live import Owned
from conformance.suite.support.bulk import check_bulk, original_index, succeeded
from conformance.suite.support.ids import GUID
from conformance.suite.support.tiers import (
    name_of,
)
from conformance.target import Exchange
from conformance.verdict import Expect

__all__ = ["check_bulk_result", "original_index", "own_results", "succeeded"]


def own_results(owned: Owned, answer: Exchange) -> None:
    """Register every tier a bulk answer reports as created."""
    if answer.status != 200 or not isinstance(answer.body, dict):
        return
    for result in answer.body.get("results") or []:
        item = (result or {}).get("item") if isinstance(result, dict) else None
        if isinstance(item, dict) and GUID.match(str(item.get("id", ""))):
            owned.add("tier", item["id"])


def same_tier(item: dict[str, Any], sent: dict[str, Any]) -> bool:
    """A created tier answers the request item with its name and requiredPoints."""
    return name_of(item) == name_of(sent) and item.get("requiredPoints") == sent.get("requiredPoints")


def check_bulk_result(expect: Expect, answer: Exchange, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """COMMON-11: the per-item invariants of a Bulk Create Tiers answer; returns the results."""
    return check_bulk(expect, answer, batch, noun="tiers", corresponds=same_tier)
