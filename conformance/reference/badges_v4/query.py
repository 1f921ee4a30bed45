"""The query language of Members Badges v4, shared with Badge Assignments v4: the `query` object, filters,
sorting, cursor pages (the cursor carries the query it continues) and the SDK builder's offset pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from conformance.reference import validation as check
from conformance.reference.errors import Violations, invalid, violation
from conformance.reference.http import INT32_MAX, Context

MAX_LIMIT = 100
MAX_CURSOR = 16000
#: What a query selects from: `docs(filter, sort keys)`, the matching documents in order.
Docs = Callable[[dict[str, Any], list[Any]], list[Any]]


def parse_query(body: dict[str, Any], *, flat_allowed: bool) -> dict[str, Any]:
    """The `query` object (AMB4-27: a flat body is read as the query when allowed)."""
    query = body.get("query")
    if query is None:
        flat: dict[str, Any] = {k: body[k] for k in ("filter", "sort", "cursorPaging", "paging") if k in body}
        if flat and not flat_allowed:
            raise invalid([violation("query", "wrap filter, sort and paging in `query`")])
        return flat
    if not isinstance(query, dict):
        raise invalid([violation("query", "must be an object")])
    return query


def check_filter(value: Any, where: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """A filter over `fields`; an unknown field or operator is a 400 (AMB4-10: never silently ignored)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid([violation(where, "must be an object")])
    for key, cond in value.items():
        if key in ("$and", "$or"):
            if not isinstance(cond, list):
                raise invalid([violation(f"{where}.{key}", "must be an array")])
            for index, part in enumerate(cond):
                check_filter(part, f"{where}.{key}[{index}]", fields)
        elif key == "$not":
            check_filter(cond, f"{where}.$not", fields)
        elif key not in fields:
            raise invalid([violation(f"{where}.{key}", f"filtering is supported on {', '.join(fields)}")])
        elif isinstance(cond, dict):
            for op, arg in cond.items():
                if op in ("$in", "$nin", "$hasSome") and not isinstance(arg, list):
                    raise invalid([violation(f"{where}.{key}.{op}", "must be an array")])
                if op == "$startsWith" and not isinstance(arg, str):
                    raise invalid([violation(f"{where}.{key}.{op}", "must be a string")])
                if op == "$exists" and not isinstance(arg, bool):
                    raise invalid([violation(f"{where}.{key}.{op}", "must be a boolean")])
                if op not in ("$eq", "$ne", "$in", "$nin", "$hasSome", "$startsWith", "$exists"):
                    raise invalid([violation(f"{where}.{key}.{op}", "unsupported operator")])
    return value


def matches(doc: dict[str, Any], filt: dict[str, Any], ctx: Context) -> bool:
    for key, cond in filt.items():
        if key in ("$and", "$or"):
            hits = [matches(doc, part, ctx) for part in cond]
            if not (all(hits) if key == "$and" else any(hits)):
                return False
        elif key == "$not":
            if matches(doc, cond, ctx):
                return False
        elif not _condition(doc.get(key), cond if isinstance(cond, dict) else {"$eq": cond}, ctx):
            return False
    return True


def _condition(value: Any, cond: dict[str, Any], ctx: Context) -> bool:
    for op, arg in cond.items():
        if op == "$eq":
            hit = value == arg
        elif op == "$ne":
            hit = value != arg or ctx.fault("badge4-ne-ignored")
        elif op in ("$in", "$hasSome"):
            hit = value in arg
        elif op == "$nin":
            hit = value not in arg
        elif op == "$exists":
            hit = (value not in (None, "")) == arg
        else:  # $startsWith, case-insensitive (BADGE4-22)
            if ctx.fault("badge4-startswith-case-sensitive"):
                hit = isinstance(value, str) and value.startswith(arg)
            else:
                hit = isinstance(value, str) and value.lower().startswith(arg.lower())
        if not hit:
            return False
    return True


def check_sort(ctx: Context, value: Any, fields: tuple[str, ...], max_entries: int | None) -> list[tuple[str, bool]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid([violation("query.sort", "must be an array")])
    if max_entries is not None and len(value) > max_entries:
        raise invalid([violation("query.sort", f"must have at most {max_entries} entries", "ARRAY_SIZE")])
    keys = []
    for index, item in enumerate(value):
        name = item.get("fieldName") if isinstance(item, dict) else None
        order = (item.get("order") or "ASC") if isinstance(item, dict) else None
        if name not in fields:
            raise invalid([violation(f"query.sort[{index}].fieldName", f"must be one of {', '.join(fields)}")])
        if order not in ("ASC", "DESC") or (order == "DESC" and ctx.fault("badge4-desc-rejected")):
            raise invalid([violation(f"query.sort[{index}].order", "must be ASC", "ENUM")])
        keys.append((str(name), order == "DESC"))
    return keys


def sort_docs(docs: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    result = list(docs)
    for name, descending in reversed(keys):  # stable sorts, last key first
        result.sort(key=_sort_key(name), reverse=descending)
    return result


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[int, str]]:
    return lambda doc: (0, "") if doc.get(name) is None else (1, str(doc.get(name)))


def encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, where: str) -> dict[str, Any]:
    """The query a cursor continues (filter, sort, offset): follow-up requests carry only the cursor."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR:
        raise invalid([violation(where, f"must be a string of at most {MAX_CURSOR} characters")])
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or not isinstance(state.get("offset"), int) or state["offset"] < 0:
        raise invalid([violation(where, "is not a cursor this server issued")])
    return state


def limit_of(raw: Any, where: str) -> int:
    """1..100, default 100; a larger limit is rejected (BADGE4-19 / ASSIGN-7 allow reject or clamp)."""
    v = Violations()
    limit = check.integer(v, raw, where, minimum=0, maximum=MAX_LIMIT)
    v.raise_if_any()
    return limit or MAX_LIMIT


def cursor_page(ctx: Context, query: dict[str, Any], docs: Docs, fields: tuple[str, ...],
                max_sort: int | None) -> tuple[list[Any], dict[str, Any]]:
    """One cursor page over `docs(filter, sort)`; the cursor carries filter, sort and offset (BADGE4-20)."""
    paging = query.get("cursorPaging", {}) if query.get("cursorPaging") is not None else {}
    if not isinstance(paging, dict):
        raise invalid([violation("query.cursorPaging", "must be an object")])
    limit = limit_of(paging.get("limit"), "query.cursorPaging.limit")
    if paging.get("cursor") is not None and paging.get("cursor") != "":  # `{}` or 0 is no cursor, but wrong
        state = decode_cursor(paging["cursor"], "query.cursorPaging.cursor")
        if ctx.fault("badge4-cursor-drops-filter"):
            state["filter"] = {}
    else:
        state = {"filter": query.get("filter"), "sort": query.get("sort"), "offset": 0}
    filt = check_filter(state.get("filter"), "query.filter", fields)
    keys = check_sort(ctx, state.get("sort"), fields, max_sort)
    selected = docs(filt, keys)
    if ctx.fault("badge4-limit-ignored"):
        limit = len(selected) + 1
    start = state["offset"]
    page = selected[start:start + limit]
    more = start + len(page) < len(selected)
    cursors: dict[str, Any] = {}
    if more:
        cursors["next"] = encode_cursor({**state, "offset": start + len(page)})
    if start:
        cursors["prev"] = encode_cursor({**state, "offset": max(0, start - limit)})
    return page, {"count": len(page), "cursors": cursors, "hasNext": more}



def offset_page(ctx: Context, query: dict[str, Any], docs: Docs,
                fields: tuple[str, ...]) -> tuple[list[Any], dict[str, Any]]:
    """AMB4-2: the SDK builder's `paging {offset, limit}`, answered with `total` so `.next()` works."""
    paging = query["paging"]
    if not isinstance(paging, dict):
        raise invalid([violation("query.paging", "must be an object")])
    limit = limit_of(paging.get("limit"), "query.paging.limit")
    v = Violations()
    offset = check.integer(v, paging.get("offset"), "query.paging.offset", minimum=0, maximum=INT32_MAX) or 0
    v.raise_if_any()
    selected = docs(check_filter(query.get("filter"), "query.filter", fields),
                    check_sort(ctx, query.get("sort"), fields, None))
    if ctx.fault("badge4-limit-ignored"):
        limit = len(selected) + 1
    page = selected[offset:offset + limit]
    metadata: dict[str, Any] = {"count": len(page), "offset": offset, "total": len(selected),
                                "tooManyToCount": False, "hasNext": offset + len(page) < len(selected)}
    if ctx.fault("badge4-offset-total-missing"):
        metadata.pop("total")
    return page, metadata
