"""The Wix query language subset Query Rewards serves: filters, sorting and keyset cursor pages.

Pages are cut by keyset (the sort values and id of the last item served), not by offset, so a walk
visits every item once even while other clients create or delete rewards between pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OPERATORS = ("$eq", "$ne", "$in", "$nin", "$startsWith", "$gt", "$gte", "$lt", "$lte", "$exists")
LOGICAL = ("$and", "$or", "$not")
MAX_FIELD_NAME = 512


class QueryError(Exception):
    """A filter or sort the server cannot honour: answered as a 400 field violation."""

    def __init__(self, field: str, description: str):
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_after: list[Any] | None
    total: int


def check_filter(value: Any, field: str) -> dict[str, Any]:
    """Validate a filter object up front, so a bad operator is a 400 and never a 500."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise QueryError(field, "must be an object")
    for key, condition in value.items():
        where = f"{field}.{key}"
        if key in ("$and", "$or"):
            if not isinstance(condition, list) or not condition:
                raise QueryError(where, "must be a non-empty array of filters")
            for index, part in enumerate(condition):
                check_filter(part, f"{where}[{index}]")
        elif key == "$not":
            check_filter(condition, where)
        elif key.startswith("$"):
            raise QueryError(where, f"unsupported operator; use one of {', '.join(LOGICAL)}")
        elif _is_operator_object(condition):
            for op, arg in condition.items():
                if op not in OPERATORS:
                    raise QueryError(
                        f"{where}.{op}", f"unsupported operator; use one of {', '.join(OPERATORS)}"
                    )
                if op in ("$in", "$nin") and not isinstance(arg, list):
                    raise QueryError(f"{where}.{op}", "must be an array")
                if op == "$startsWith" and not isinstance(arg, str):
                    raise QueryError(f"{where}.{op}", "must be a string")
                if op in ("$gt", "$gte", "$lt", "$lte") and (
                    isinstance(arg, bool) or not isinstance(arg, (int, float, str))
                ):
                    raise QueryError(f"{where}.{op}", "must be a number or a string")
                if op == "$exists" and not isinstance(arg, bool):
                    raise QueryError(f"{where}.{op}", "must be a boolean")
    return value


def check_sort(value: Any, field: str, max_entries: int | None) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise QueryError(field, "must be an array")
    if max_entries is not None and len(value) > max_entries:
        raise QueryError(field, f"must have at most {max_entries} entries")
    out = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise QueryError(where, "must be an object")
        name = item.get("fieldName")
        if not isinstance(name, str) or not name or len(name) > MAX_FIELD_NAME:
            raise QueryError(f"{where}.fieldName", f"is required, at most {MAX_FIELD_NAME} characters")
        order = "ASC" if item.get("order") is None else item["order"]
        if order not in ("ASC", "DESC"):
            raise QueryError(f"{where}.order", "must be ASC or DESC")
        out.append({"fieldName": name, "order": order})
    return out


def matches(doc: dict[str, Any], filter_: dict[str, Any]) -> bool:
    for key, condition in filter_.items():
        if key == "$and":
            if not all(matches(doc, part) for part in condition):
                return False
        elif key == "$or":
            if not any(matches(doc, part) for part in condition):
                return False
        elif key == "$not":
            if matches(doc, condition):
                return False
        elif _is_operator_object(condition):
            value = field_value(doc, key)
            if not all(_apply(op, value, arg) for op, arg in condition.items()):
                return False
        elif field_value(doc, key) != condition:
            return False
    return True


def field_value(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def page_of(
    items: list[dict[str, Any]],
    filter_: dict[str, Any],
    sort: list[dict[str, str]],
    after: list[Any] | None,
    limit: int,
    repeat_last: bool = False,
    skip_next: bool = False,
) -> Page:
    """One page: matches sorted by `sort` then id, strictly after the keyset `after`."""
    selected = sorted(
        (doc for doc in items if matches(doc, filter_)), key=lambda d: _key(_raw_key(d, sort), sort)
    )
    total = len(selected)
    if after is not None:
        bound = _key(after, sort)
        selected = [doc for doc in selected if _key(_raw_key(doc, sort), sort) > bound]
    served = selected[:limit]
    next_after = None
    if len(selected) > limit and served:
        last = served[-2] if repeat_last and len(served) > 1 else served[-1]
        if skip_next:  # a fault: the next page starts after the first item it should serve
            last = selected[limit]
        next_after = _raw_key(last, sort)
    return Page(served, next_after, total)


def _is_operator_object(condition: Any) -> bool:
    return isinstance(condition, dict) and bool(condition) and all(str(k).startswith("$") for k in condition)


def _apply(op: str, value: Any, arg: Any) -> bool:
    if op == "$eq":
        return bool(value == arg)
    if op == "$ne":
        return bool(value != arg)
    if op == "$in":
        return value in arg
    if op == "$nin":
        return value not in arg
    if op == "$exists":
        return (value is not None) == arg
    if op == "$startsWith":
        return isinstance(value, str) and value.startswith(arg)
    left, right = _rank(value), _rank(arg)
    if left[0] != right[0]:
        return False
    return {"$gt": left > right, "$gte": left >= right, "$lt": left < right, "$lte": left <= right}[op]


def _raw_key(doc: dict[str, Any], sort: list[dict[str, str]]) -> list[Any]:
    fields = [field_value(doc, s["fieldName"]) for s in sort]
    if not sort:
        fields = [doc.get("createdDate")]
    return [*fields, doc.get("id")]


def _key(raw: list[Any], sort: list[dict[str, str]]) -> tuple[Any, ...]:
    orders = [s["order"] for s in sort] or ["ASC"]
    parts: list[Any] = []
    for index, value in enumerate(raw):
        ranked = _rank(value)
        descending = index < len(orders) and orders[index] == "DESC"
        parts.append(_Desc(ranked) if descending else ranked)
    return tuple(parts)


def _rank(value: Any) -> tuple[int, Any]:
    """A total order over JSON values: null < booleans < numbers < strings < anything else."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True))


class _Desc:
    """Reverses the order of one sort component."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[int, Any]):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    def __lt__(self, other: _Desc) -> bool:
        return other.value < self.value

    def __gt__(self, other: _Desc) -> bool:
        return other.value > self.value

    def __hash__(self) -> int:
        return hash(self.value)
