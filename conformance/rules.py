"""The rule catalogue: every numbered rule of API-FACTS, with its statement and source."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache

from conformance.paths import RULES_FILE, load_yaml


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    api: str
    level: str
    statement: str
    expected: str
    source: str
    ambiguities: tuple[str, ...]
    webhook: bool


@cache
def catalogue() -> dict[str, Rule]:
    data = load_yaml(RULES_FILE)
    return {
        item["id"]: Rule(
            id=item["id"],
            api=item["api"],
            level=item["level"],
            statement=item["statement"],
            expected=str(item["expected"]),
            source=item["source"],
            ambiguities=tuple(item.get("ambiguities") or ()),
            webhook=bool(item.get("webhook")),
        )
        for item in data["rules"]
    }


@cache
def ambiguities() -> dict[str, dict[str, str]]:
    return dict(load_yaml(RULES_FILE)["ambiguities"])


@cache
def id_pattern() -> re.Pattern[str]:
    """Matches any rule id of the catalogue (`TIER-2`, `BADGE4-17`, `ASSIGN-8`, ...) inside a text."""
    prefixes = sorted({rule_id.rpartition("-")[0] for rule_id in catalogue()}, key=len, reverse=True)
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, prefixes))})-\d+\b")


def get(rule_id: str) -> Rule:
    try:
        return catalogue()[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}") from None


def expand(patterns: list[str]) -> set[str]:
    """Rule ids matching shell-style patterns (`TIER-2`, `REWARD-*`); an unmatched pattern is an error."""
    selected: set[str] = set()
    for pattern in patterns:
        matched = fnmatch.filter(catalogue(), pattern.upper())
        if not matched:
            raise KeyError(f"unknown rule id {pattern!r}")
        selected.update(matched)
    return selected


def sort_key(rule_id: str) -> tuple[str, int, str]:
    """Numeric order within a prefix: BADGE-3 before BADGE-15."""
    prefix, _, number = rule_id.rpartition("-")
    return (prefix, int(number), "") if number.isdigit() else (rule_id, 0, rule_id)
