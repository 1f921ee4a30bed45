"""Comparing two runs: paired requests answered differently, and one classification per change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.reporting.diff.model import RUN_IDENTITY, Answer, Change, Evidence, RunProfile
from conformance.rules import sort_key

BAD = ("fail", "error")
#: Tests whose requests are generated from the seed: comparable one by one only between runs with one seed.
FUZZ_TESTS = "test_fuzz.py::"


def identity_warnings(old: RunProfile, new: RunProfile) -> list[str]:
    """What differs between the runs themselves, so a reader knows which differences to expect."""
    warnings = []
    for key, name in RUN_IDENTITY:
        was, now = old.identity.get(key), new.identity.get(key)
        if was != now and (was or now):
            why = " (fuzz requests are generated from it, so they are not compared one by one)" if key == "seed" else ""
            warnings.append(f"the runs differ in {name}: {_show(was)} → {_show(now)}{why}")
    return warnings


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "?" if value is None else str(value)


def compare(old: RunProfile, new: RunProfile) -> list[Change]:
    evidence = paired_differences(old, new)
    by_rule: dict[str, list[Evidence]] = {}
    by_test: dict[str, list[Evidence]] = {}
    # a changed status says most at a glance, so it comes first in each change's evidence
    for item in sorted(evidence, key=lambda e: (not e.differences[0].startswith("HTTP"), e.test)):
        rules = new.tests[item.test].rules or old.tests[item.test].rules
        for rule_id in rules:
            by_rule.setdefault(rule_id, []).append(item)
        if not rules:
            by_test.setdefault(item.test, []).append(item)
    changes: list[Change] = []
    for rule_id in sorted(set(old.verdicts) | set(new.verdicts) | set(by_rule), key=sort_key):
        was, now = old.verdicts.get(rule_id, "untested"), new.verdicts.get(rule_id, "untested")
        seen = tuple(by_rule.get(rule_id, ()))
        statement = new.statements.get(rule_id) or old.statements.get(rule_id, "")
        if was != now:
            changes.append(Change("rule", rule_id, f"{was} → {now}", _worse(was, now), seen, statement))
        elif seen:
            changes.append(Change("rule", rule_id, f"verdict unchanged ({now}); {len(seen)} request(s) answered "
                                                   "differently", False, seen, statement))
    for nodeid in sorted(set(old.tests) & set(new.tests)):
        if old.tests[nodeid].rules or new.tests[nodeid].rules:
            continue  # judged through its rules above
        was, now = old.tests[nodeid].verdict, new.tests[nodeid].verdict
        seen = tuple(by_test.get(nodeid, ()))
        if was != now:
            changes.append(Change("test", nodeid, f"{was} → {now}", _worse(was, now), seen))
        elif seen:
            changes.append(Change("test", nodeid, f"verdict unchanged ({now}); {len(seen)} request(s) answered "
                                                  "differently", False, seen))
    if old.has_bodies and new.has_bodies:
        for op in sorted(old.operations - new.operations):
            changes.append(Change("operation", op, "exercised only in OLD", False))
        for op in sorted(new.operations - old.operations):
            changes.append(Change("operation", op, "exercised only in NEW", False))
    return changes


def _worse(was: str, now: str) -> bool:
    return was in ("pass", "warn") and now in BAD


def paired_differences(old: RunProfile, new: RunProfile) -> list[Evidence]:
    """Requests sent by the same test in both runs (same request key, n-th occurrence of it), answered
    differently. Unpaired requests (a flow that diverged, other fuzz data) are not compared; nor are fuzz
    requests of runs with different seeds, whose matching keys would be coincidences."""
    found = []
    same_seed = old.identity.get("seed") == new.identity.get("seed")
    for nodeid in sorted(set(old.tests) & set(new.tests)):
        if nodeid.startswith(FUZZ_TESTS) and not same_seed:
            continue
        before, after = old.tests[nodeid].answers, new.tests[nodeid].answers
        for key in sorted(set(before) & set(after)):
            for a, b in zip(before[key], after[key], strict=False):
                differences = answer_differences(a, b)
                if differences:
                    found.append(Evidence(nodeid, a.operation, a, b, tuple(differences)))
    return found


def answer_differences(a: Answer, b: Answer) -> list[str]:
    differences = []
    if a.status != b.status:
        differences.append(f"HTTP {a.status} → {b.status}")
    elif 200 <= a.status < 300:
        before, after = _fields(a.body), _fields(b.body)
        gone: list[str] = []
        for name in sorted(set(before) | set(after)):
            old_types, new_types = before.get(name, set()) - {"null"}, after.get(name, set()) - {"null"}
            if name not in after:
                if not any(name.startswith(f"{parent}.") or name.startswith(f"{parent}[]") for parent in gone):
                    gone.append(name)  # the shallowest field that went: its children went with it
                    differences.append(f"`{name}` no longer returned")
            elif old_types and new_types and not old_types & new_types:
                differences.append(f"`{name}` {'/'.join(sorted(old_types))} → {'/'.join(sorted(new_types))}")
    elif _error_code(a.body) != _error_code(b.body):
        differences.append(f"error code {_error_code(a.body) or '-'} → {_error_code(b.body) or '-'}")
    return differences


def _fields(body: Any) -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {}
    if isinstance(body, (dict, list)):
        for name, kind in flatten(body):
            fields.setdefault(name, set()).add(kind)
    return fields


def _error_code(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    code = ((body.get("details") or {}).get("applicationError") or {}).get("code")
    return code if isinstance(code, str) else None



def flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """(field path, JSON type) pairs; list items share the path `name[]`."""
    kind = json_type(value)
    if prefix:
        yield prefix, kind
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for item in value:
            yield from flatten(item, f"{prefix}[]")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"

