"""The query language of Members Badges v3: filters over id/title/slug and sorting (B4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.reference.errors import invalid, violation

FILTERABLE = ("id", "title", "slug")
SORTABLE = ("id", "title", "slug", "createdDate", "updatedDate")


def matches(badge: dict[str, Any], filt: Any, where: str = "filter") -> bool:
    """A small Wix API Query Language evaluator over id/title/slug (B4)."""
    if not isinstance(filt, dict):
        raise invalid([violation(where, "must be an object")])
    for key, cond in filt.items():
        if key in ("$and", "$or"):
            if not isinstance(cond, list):
                raise invalid([violation(f"{where}.{key}", "must be an array")])
            results = [matches(badge, c, f"{where}.{key}") for c in cond]
            if not (all(results) if key == "$and" else any(results)):
                return False
        elif key == "$not":
            if matches(badge, cond, f"{where}.$not"):
                return False
        elif key in FILTERABLE:
            if not _condition(badge.get(key), cond, f"{where}.{key}"):
                return False
        else:
            raise invalid([violation(f"{where}.{key}", f"filtering is supported on {', '.join(FILTERABLE)}")])
    return True


def _condition(value: Any, cond: Any, where: str) -> bool:
    if not isinstance(cond, dict):
        return bool(value == cond)
    for op, arg in cond.items():
        if op == "$eq":
            hit = value == arg
        elif op == "$ne":
            hit = value != arg
        elif op in ("$in", "$hasSome", "$nin"):
            if not isinstance(arg, list):
                raise invalid([violation(f"{where}.{op}", "must be an array")])
            hit = (value in arg) != (op == "$nin")
        elif op == "$startsWith":
            if not isinstance(arg, str):
                raise invalid([violation(f"{where}.{op}", "must be a string")])
            hit = isinstance(value, str) and value.startswith(arg)
        elif op == "$exists":
            hit = (value is not None) == bool(arg)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            if not isinstance(arg, str) or not isinstance(value, str):
                hit = False
            else:
                hit = {"$gt": value > arg, "$gte": value >= arg, "$lt": value < arg, "$lte": value <= arg}[op]
        else:
            raise invalid([violation(f"{where}.{op}", "unsupported operator")])
        if not hit:
            return False
    return True


def sorted_badges(badges: list[dict[str, Any]], sort: Any) -> list[dict[str, Any]]:
    if sort is None:
        return badges
    if not isinstance(sort, list):
        raise invalid([violation("sort", "must be an array")])
    keys = []
    for index, item in enumerate(sort):
        name = item.get("fieldName") if isinstance(item, dict) else None
        order = (item.get("order") or "ASC") if isinstance(item, dict) else None
        if name not in SORTABLE:
            raise invalid([violation(f"sort[{index}].fieldName", f"must be one of {', '.join(SORTABLE)}")])
        if order not in ("ASC", "DESC"):
            raise invalid([violation(f"sort[{index}].order", "must be ASC or DESC", "ENUM")])
        keys.append((name, order == "DESC"))
    result = list(badges)
    for name, descending in reversed(keys):  # stable sorts, last key first
        result.sort(key=_sort_key(name), reverse=descending)
    return result


def _sort_key(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda badge: str(badge.get(name, ""))
