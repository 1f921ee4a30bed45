"""The endpoints of Badge Assignments v4 (ASSIGN-1..20): module-level handlers that read their Context from the
request."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.assignments_v4.model import (
    FIELDS,
    MAX_SORT,
    create_one,
    delete_one,
    matching,
    reconcile,
    retag,
)
from conformance.reference.assignments_v4.validation import (
    MAX_BULK,
    ids,
    members_known,
    pair,
    tag_lists,
)
from conformance.reference.assignments_v4.wire import bulk_answer, item_metadata, not_found_item
from conformance.reference.badges_v4.query import check_filter, cursor_page, parse_query
from conformance.reference.badges_v4.validation import guid_path, query_parameters_refused
from conformance.reference.errors import ApiError, Violations, invalid, not_found, violation
from conformance.reference.http import context, ok, read_json


async def create(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    v = Violations()
    found = pair(ctx, v, body.get("badgeAssignment"), "badgeAssignment")
    v.raise_if_any()
    assert found is not None
    members_known(ctx, [found], "badgeAssignment.memberId")
    with ctx.store.transaction():
        doc = create_one(ctx, found, body["badgeAssignment"])
    return ok({"badgeAssignment": doc})


async def bulk_create(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    raw = body.get("badgeAssignments")
    size_ok = isinstance(raw, list) and 1 <= len(raw) <= MAX_BULK
    if not size_ok and not (ctx.fault("assign4-bulk-empty-accepted") and raw == []):
        raise invalid([violation("badgeAssignments", f"must hold 1 to {MAX_BULK} items", "ARRAY_SIZE")])
    assert isinstance(raw, list)
    v = Violations()
    pairs = [pair(ctx, v, item, f"badgeAssignments[{i}]") for i, item in enumerate(raw)]
    v.raise_if_any()  # ASSIGN-10: an invalid item rejects the whole request, nothing is created
    members_known(ctx, pairs, "badgeAssignments.memberId")
    if not isinstance(body.get("returnEntity", False), bool):
        raise invalid([violation("returnEntity", "must be a boolean")])
    returned = body.get("returnEntity") is True or ctx.fault("assign4-bulk-item-always")
    results = []
    with ctx.store.transaction():
        for index, item in enumerate(pairs):
            assert item is not None
            try:
                doc = create_one(ctx, item, raw[index], index)
            except ApiError as exc:  # an unknown badge or a 409: this item fails, the others go on
                code = {404: "NOT_FOUND", 409: "ALREADY_EXISTS"}.get(exc.status, "INVALID_ARGUMENT")
                results.append({"itemMetadata": item_metadata(index, None, (code, str(exc)))})
                continue
            result: dict[str, Any] = {"itemMetadata": item_metadata(index, doc["id"])}
            if returned:
                result["item"] = doc
            results.append(result)
    return bulk_answer(ctx, results)


async def query(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    q = parse_query(body, flat_allowed=True)
    sort = q.get("sort")
    if ctx.fault("assign4-sort-size-unchecked") and isinstance(sort, list) and len(sort) > MAX_SORT:
        raise RuntimeError("sort buffer overflow")  # only with the fault
    with ctx.store.transaction():
        docs, metadata = cursor_page(ctx, q, partial(matching, ctx), FIELDS, MAX_SORT)
    return ok({"badgeAssignments": docs, "pagingMetadata": metadata})


async def delete(request: Request) -> Response:
    ctx = context(request)
    query_parameters_refused(request, ctx.fault("assign4-sdk-query-param-rejected"))
    assignment_id = guid_path(request.path_params["assignment_id"], "badgeAssignmentId")
    with ctx.store.transaction():
        if delete_one(ctx, assignment_id) is None:
            raise not_found("badge assignment", assignment_id)
    return ok({})


async def bulk_delete(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    wanted = ids(body.get("badgeAssignmentIds"), "badgeAssignmentIds")
    results = []
    with ctx.store.transaction():
        if ctx.fault("assign4-bulk-delete-unknown-404"):
            known = {d["id"] for d in reconcile(ctx)}
            missing = [i for i in wanted if i not in known]
            if missing:
                raise not_found("badge assignment", missing[0])
        for index, assignment_id in enumerate(wanted):
            doc = delete_one(ctx, assignment_id, index)
            if doc is None:
                results.append(not_found_item(index, assignment_id))
                continue
            result: dict[str, Any] = {"itemMetadata": item_metadata(index, assignment_id)}
            if ctx.fault("assign4-bulk-delete-item"):
                result["item"] = doc
            results.append(result)
    return bulk_answer(ctx, results)


async def update_tags(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    wanted = ids(body.get("ids"), "ids")
    assign, unassign = tag_lists(ctx, body)
    results = []
    with ctx.store.transaction():
        docs = {d["id"]: d for d in reconcile(ctx)}
        for index, assignment_id in enumerate(wanted):
            if assignment_id not in docs:
                results.append(not_found_item(index, assignment_id))
                continue
            retag(ctx, docs[assignment_id], assign, unassign)
            results.append({"itemMetadata": item_metadata(index, assignment_id)})
    return bulk_answer(ctx, results)


async def update_tags_by_filter(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request)
    if not isinstance(body.get("filter"), dict):
        raise invalid([violation("filter", "is required (an empty filter means every assignment)",
                              "REQUIRED_FIELD")])
    assign, unassign = tag_lists(ctx, body)
    with ctx.store.transaction():
        for doc in matching(ctx, check_filter(body["filter"], "filter", FIELDS), []):
            retag(ctx, doc, assign, unassign)
    job = "job-1" if ctx.fault("assign4-tags-job-not-guid") else ctx.clock.new_id()
    return ok({"jobId": job})
