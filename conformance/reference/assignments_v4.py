"""Reference implementation of Badge Assignments v4 (API-FACTS-BADGES-V4 §4) over the v3 assign links.

The v3 link (badge, member) is the source of truth, so a v3 assign is a v4 assignment and a v4 create is
a v3 assign (§7). The assignment document (kind `badge-assignment`: id, dates, tags) is kept in step with
the links before every read and write (`reconcile`): a link without a document gets one, a document
whose link is gone (v3 unassign, a deleted badge) is dropped.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference import badges as v3
from conformance.reference import validation as check
from conformance.reference.badges_v4 import (
    ASSIGNMENT,
    _field,
    check_filter,
    cursor_page,
    guid_path,
    matches,
    parse_query,
    sort_docs,
)
from conformance.reference.errors import ApiError, Violations, conflict, invalid, not_found
from conformance.reference.events_v4 import emit_assignment
from conformance.reference.faults import Fault
from conformance.reference.http import Context, is_guid, ok, read_json

PREFIXES = ("/badges/v4/assignments", "/badges/v4/badge-assignments")  # canonical, then the SDK's alias
BULK_PREFIXES = ("/badges/v4/bulk/assignments", "/badges/v4/bulk/badge-assignments")
FIELDS = ("badgeId", "memberId", "id")
MAX_BULK = 100
MAX_SORT = 5
MAX_TAGS = 100

FAULTS = (
    Fault("assign4-id-is-badge-id", "ASSIGN-1", "the assignment id is the badge id"),
    Fault("assign4-member-id-unchecked", "ASSIGN-2", "a non-GUID memberId is accepted"),
    Fault("assign4-unknown-badge-accepted", "ASSIGN-3", "assignments to unknown badges are created"),
    Fault("assign4-duplicates", "ASSIGN-4", "a repeated create adds a second assignment for the pair"),
    Fault("assign4-client-id-kept", "ASSIGN-5", "a client-supplied assignment id is used"),
    Fault("assign4-member-filter-ignored", "ASSIGN-6", "Query Badge Assignments ignores a memberId filter"),
    Fault("assign4-sort-size-unchecked", "ASSIGN-7", "a sort with more than 5 entries answers 500"),
    Fault("assign4-delete-ignored", "ASSIGN-8", "delete answers {} but the assignment stays"),
    Fault("assign4-bulk-counts-wrong", "ASSIGN-9", "bulkActionMetadata.totalSuccesses is off by one"),
    Fault("assign4-bulk-empty-accepted", "ASSIGN-10", "bulk create with 0 items answers 200"),
    Fault("assign4-bulk-item-always", "ASSIGN-11", "bulk results carry `item` without returnEntity (SHOULD)"),
    Fault("assign4-bulk-delete-unknown-404", "ASSIGN-12",
          "bulk delete with an unknown id is a whole-request 404 (AMB4-16: tolerated with a warning)", kind="hostile"),
    Fault("assign4-unassign-tags-ignored", "ASSIGN-13", "unassignTags is ignored"),
    Fault("assign4-tags-job-not-guid", "ASSIGN-14", "update-tags-by-filter answers a non-GUID jobId"),
    Fault("assign4-tag-list-unbounded", "ASSIGN-15", "tag lists longer than 100 are accepted"),
    Fault("assign4-alias-missing", "ASSIGN-18", "the badge-assignments alias paths are not served"),
    Fault("assign4-sdk-query-param-rejected", "ASSIGN-19",
          "the SDK's repeated ?badgeAssignmentId= is rejected (AMB-39 strict reading)", kind="hostile"),
    Fault("assign4-query-route-shadowed", "ASSIGN-20", "/assignments/query is routed as an assignment id"),
    # Correct alternative readings (compose: each answers a different request).
    Fault("assign4-event-created-missing", "ASSIGN-16", "Create Badge Assignment emits no event"),
    Fault("assign4-event-deleted-missing", "ASSIGN-16", "Delete Badge Assignment emits no event"),
    Fault("assign4-event-bulk-deleted-missing", "ASSIGN-16", "Bulk Delete Badge Assignments emits no event"),
    Fault("assign4-event-bulk-created-first-only", "ASSIGN-16",
          "Bulk Create emits Badge Assignment Created for its first item only (one per item: a SHOULD)",
          kind="hostile"),
    Fault("assign4-event-badge-fqdn", "ASSIGN-16", "assignment events carry entityFqdn wix.badges.v4.badge"),
    Fault("assign4-event-wrong-slug", "ASSIGN-16", "Badge Assignment Created carries slug 'assigned'"),
    Fault("assign4-event-entity-id-is-badge", "ASSIGN-16", "assignment events carry the badge id as entityId"),
    Fault("assign4-event-created-without-entity", "ASSIGN-16", "Badge Assignment Created has an empty createdEvent"),
    Fault("assign4-event-body-without-member", "ASSIGN-16", "assignment event bodies carry no memberId"),
    Fault("assign4-event-deleted-without-entity", "ASSIGN-17",
          "Badge Assignment Deleted is an empty deletedEvent (AMB4-17)"),
    Fault("assign4-unknown-members-rejected", "ASSIGN-2",
          "assigning member ids the site does not know is refused with 400, checked before the badge id "
          f"(AMB4-13, AMB-34); the site's members are {', '.join(v3.KNOWN_MEMBERS)}", kind="correct"),
    Fault("assign4-duplicate-409", "ASSIGN-4", "a repeated create is a 409 ALREADY_EXISTS (AMB4-12)",
          kind="correct"),
    Fault("assign4-unknown-badge-400", "ASSIGN-3", "an unknown badge is a 400, not a 404 (AMB4-13)",
          kind="correct"),
    Fault("assign4-bulk-delete-item", "ASSIGN-12", "bulk delete results carry the deleted item (AMB4-15)",
          kind="correct"),
)


def _empty_tags() -> dict[str, Any]:
    return {"privateTags": {"tagIds": []}, "tags": {"tagIds": []}}


def _tags(ctx: Context, v: Violations, raw: Any, where: str, required: bool = False) -> dict[str, list[str]]:
    """`{privateTags: {tagIds}, tags: {tagIds}}` as two lists; tag ids are opaque strings (AMB4-19)."""
    out: dict[str, list[str]] = {"privateTags": [], "tags": []}
    holder = check.obj(v, raw, where, required=required)
    for key in out:
        tag_list = check.obj(v, (holder or {}).get(key), f"{where}.{key}")
        ids = (tag_list or {}).get("tagIds")
        if ids is None:
            continue
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            v.add(f"{where}.{key}.tagIds", "must be an array of strings")
        elif len(ids) > MAX_TAGS and not ctx.fault("assign4-tag-list-unbounded"):
            v.add(f"{where}.{key}.tagIds", f"must hold at most {MAX_TAGS} tag ids", "ARRAY_SIZE")
        else:
            out[key] = list(dict.fromkeys(ids))
    return out


def _pair(ctx: Context, v: Violations, raw: Any, where: str) -> tuple[str, str] | None:
    """ASSIGN-2: `badgeId` and `memberId` are required GUIDs."""
    entity = check.obj(v, raw, where, required=True)
    if entity is None:
        return None
    badge_id = check.guid(v, entity.get("badgeId"), f"{where}.badgeId", required=True)
    member = entity.get("memberId")
    if ctx.fault("assign4-member-id-unchecked") and isinstance(member, str) and member:
        member_id: str | None = member
    else:
        member_id = check.guid(v, member, f"{where}.memberId", required=True)
    return (badge_id, member_id) if badge_id and member_id else None


def _ids(raw: Any, field: str) -> list[str]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BULK:
        raise invalid([_field(field, f"must hold 1 to {MAX_BULK} ids", "ARRAY_SIZE")])
    v = Violations()
    for index, item in enumerate(raw):
        if not is_guid(item):
            v.add(f"{field}[{index}]", "must be a GUID", "FORMAT")
    v.raise_if_any()
    return list(raw)


def _item_metadata(index: int, item_id: str | None, error: tuple[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"originalIndex": index, "success": error is None}
    if item_id is not None:
        meta["id"] = item_id
    if error is not None:
        meta["error"] = {"code": error[0], "description": error[1], "data": {}}
    return meta


def _bulk_metadata(ctx: Context, results: list[dict[str, Any]]) -> dict[str, Any]:
    successes = sum(1 for r in results if r["itemMetadata"]["success"])
    if ctx.fault("assign4-bulk-counts-wrong"):
        successes += 1
    return {"totalSuccesses": successes, "totalFailures": len(results) - sum(
        1 for r in results if r["itemMetadata"]["success"]), "undetailedFailures": 0}


def routes(ctx: Context) -> list[Route]:
    store = ctx.store

    def badge_ids() -> list[str]:
        ids = [b["id"] for b in store.all(v3.BADGE)]
        if ctx.fault("badge4-delete-keeps-assignments"):
            ids += [o["id"] for o in store.all(v3.ORPHAN)]
        return ids

    def reconcile() -> list[dict[str, Any]]:
        """Bring the assignment documents in step with the v3 links (call inside a transaction)."""
        links = [(b, m) for b in badge_ids() for m in store.rights(v3.ASSIGNED, b)]
        linked = set(links)
        kept: list[dict[str, Any]] = []
        for doc in store.all(ASSIGNMENT):
            if (doc["badgeId"], doc["memberId"]) in linked:
                kept.append(doc)
            else:
                store.remove(ASSIGNMENT, doc["id"])
        have = {(d["badgeId"], d["memberId"]) for d in kept}
        for badge_id, member_id in links:
            if (badge_id, member_id) not in have:
                now = ctx.clock.now()
                doc = {"id": ctx.clock.new_id(), "badgeId": badge_id, "memberId": member_id,
                       "createdDate": now, "updatedDate": now, "tags": _empty_tags()}
                store.insert(ASSIGNMENT, doc)
                kept.append(doc)
                have.add((badge_id, member_id))
        return kept

    def create_one(pair: tuple[str, str], client: dict[str, Any], index: int | None = None) -> dict[str, Any]:
        """One assignment (inside a transaction); the existing one for a repeated pair (AMB4-12), which emits
        nothing. `index`: the item's place in a bulk create."""
        badge_id, member_id = pair
        if store.get(v3.BADGE, badge_id) is None and not ctx.fault("assign4-unknown-badge-accepted"):
            if ctx.fault("assign4-unknown-badge-400"):
                raise invalid([_field("badgeAssignment.badgeId", "no such badge")])
            raise not_found("badge", badge_id)
        docs = reconcile()
        existing = [d for d in docs if (d["badgeId"], d["memberId"]) == pair]
        if existing and not ctx.fault("assign4-duplicates"):
            if ctx.fault("assign4-duplicate-409"):
                raise conflict(f"member {member_id} already has badge {badge_id}")
            return existing[0]
        now = ctx.clock.now()
        chosen = str(client["id"]) if ctx.fault("assign4-client-id-kept") and is_guid(client.get("id")) else None
        if ctx.fault("assign4-id-is-badge-id"):
            chosen = badge_id
        doc: dict[str, Any] = {"id": chosen or ctx.clock.new_id(), "badgeId": badge_id, "memberId": member_id,
               "createdDate": now, "updatedDate": now, "tags": _empty_tags()}
        if store.get(ASSIGNMENT, doc["id"]) is not None:
            doc["id"] = ctx.clock.new_id()
        store.link(v3.ASSIGNED, badge_id, member_id)
        store.insert(ASSIGNMENT, doc)
        emit_assignment(ctx, "created", doc, index)
        return doc

    def members_known(pairs: list[tuple[str, str] | None], where: str) -> None:
        """AMB-34 variant: a site that knows its members refuses made-up ones."""
        if not ctx.fault("assign4-unknown-members-rejected"):
            return
        strangers = [p[1] for p in pairs if p is not None and p[1] not in v3.KNOWN_MEMBERS]
        if strangers:
            raise invalid([_field(where, f"{strangers[0]} is not a member of this site", "NOT_A_MEMBER")])

    def sdk_query_check(request: Request) -> None:
        if ctx.fault("assign4-sdk-query-param-rejected") and request.query_params:
            name = next(iter(request.query_params))
            raise invalid([_field(name, "is not a parameter of this operation")])

    async def create(request: Request) -> Response:
        body = await read_json(request)
        v = Violations()
        pair = _pair(ctx, v, body.get("badgeAssignment"), "badgeAssignment")
        v.raise_if_any()
        assert pair is not None
        members_known([pair], "badgeAssignment.memberId")
        with store.transaction():
            doc = create_one(pair, body["badgeAssignment"])
        return ok({"badgeAssignment": doc})

    async def bulk_create(request: Request) -> Response:
        body = await read_json(request)
        raw = body.get("badgeAssignments")
        size_ok = isinstance(raw, list) and 1 <= len(raw) <= MAX_BULK
        if not size_ok and not (ctx.fault("assign4-bulk-empty-accepted") and raw == []):
            raise invalid([_field("badgeAssignments", f"must hold 1 to {MAX_BULK} items", "ARRAY_SIZE")])
        assert isinstance(raw, list)
        v = Violations()
        pairs = [_pair(ctx, v, item, f"badgeAssignments[{i}]") for i, item in enumerate(raw)]
        v.raise_if_any()  # ASSIGN-10: an invalid item rejects the whole request, nothing is created
        members_known(pairs, "badgeAssignments.memberId")
        if not isinstance(body.get("returnEntity", False), bool):
            raise invalid([_field("returnEntity", "must be a boolean")])
        returned = body.get("returnEntity") is True or ctx.fault("assign4-bulk-item-always")
        results = []
        with store.transaction():
            for index, pair in enumerate(pairs):
                assert pair is not None
                try:
                    doc = create_one(pair, raw[index], index)
                except ApiError as exc:  # an unknown badge or a 409: this item fails, the others go on
                    code = {404: "NOT_FOUND", 409: "ALREADY_EXISTS"}.get(exc.status, "INVALID_ARGUMENT")
                    results.append({"itemMetadata": _item_metadata(index, None, (code, str(exc)))})
                    continue
                result: dict[str, Any] = {"itemMetadata": _item_metadata(index, doc["id"])}
                if returned:
                    result["item"] = doc
                results.append(result)
        return ok({"results": results, "bulkActionMetadata": _bulk_metadata(ctx, results)})

    def matching(filt: dict[str, Any], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
        if ctx.fault("assign4-member-filter-ignored"):
            filt = {k: c for k, c in filt.items() if k != "memberId"}
        return sort_docs([d for d in reconcile() if matches(d, filt, ctx)], keys)

    async def query(request: Request) -> Response:
        body = await read_json(request)
        q = parse_query(body, flat_allowed=True)
        sort = q.get("sort")
        if ctx.fault("assign4-sort-size-unchecked") and isinstance(sort, list) and len(sort) > MAX_SORT:
            raise RuntimeError("sort buffer overflow")  # only with the fault
        with store.transaction():
            docs, metadata = cursor_page(ctx, q, matching, FIELDS, MAX_SORT)
        return ok({"badgeAssignments": docs, "pagingMetadata": metadata})

    def delete_one(assignment_id: str, index: int | None = None) -> dict[str, Any] | None:
        """Remove one assignment (inside a transaction); None when there is no such assignment. `index`: the
        item's place in a bulk delete."""
        docs = {d["id"]: d for d in reconcile()}
        doc = docs.get(assignment_id)
        if doc is None:
            return None
        if not ctx.fault("assign4-delete-ignored"):
            store.remove(ASSIGNMENT, assignment_id)
            pair = (doc["badgeId"], doc["memberId"])
            if not any((d["badgeId"], d["memberId"]) == pair for k, d in docs.items() if k != assignment_id):
                store.unlink(v3.ASSIGNED, *pair)
        emit_assignment(ctx, "deleted", doc, index)
        return doc

    async def delete(request: Request) -> Response:
        sdk_query_check(request)
        assignment_id = guid_path(request.path_params["assignment_id"], "badgeAssignmentId")
        with store.transaction():
            if delete_one(assignment_id) is None:
                raise not_found("badge assignment", assignment_id)
        return ok({})

    async def bulk_delete(request: Request) -> Response:
        body = await read_json(request)
        ids = _ids(body.get("badgeAssignmentIds"), "badgeAssignmentIds")
        results = []
        with store.transaction():
            if ctx.fault("assign4-bulk-delete-unknown-404"):
                known = {d["id"] for d in reconcile()}
                missing = [i for i in ids if i not in known]
                if missing:
                    raise not_found("badge assignment", missing[0])
            for index, assignment_id in enumerate(ids):
                doc = delete_one(assignment_id, index)
                if doc is None:
                    error = ("NOT_FOUND", f"badge assignment {assignment_id} not found")
                    results.append({"itemMetadata": _item_metadata(index, assignment_id, error)})
                    continue
                result: dict[str, Any] = {"itemMetadata": _item_metadata(index, assignment_id)}
                if ctx.fault("assign4-bulk-delete-item"):
                    result["item"] = doc
                results.append(result)
        return ok({"results": results, "bulkActionMetadata": _bulk_metadata(ctx, results)})

    def retag(doc: dict[str, Any], assign: dict[str, list[str]], unassign: dict[str, list[str]]) -> None:
        """A tag in both lists ends up assigned (NA4)."""
        tags = doc.get("tags") or _empty_tags()
        for key in ("privateTags", "tags"):
            held = list((tags.get(key) or {}).get("tagIds") or [])
            if not ctx.fault("assign4-unassign-tags-ignored"):
                held = [t for t in held if t not in unassign[key]]
            held += [t for t in assign[key] if t not in held]
            tags[key] = {"tagIds": held}
        doc["tags"] = tags
        doc["updatedDate"] = max(ctx.clock.now(), doc["updatedDate"])
        store.replace(ASSIGNMENT, doc)

    def tag_lists(body: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        v = Violations()
        assign = _tags(ctx, v, body.get("assignTags"), "assignTags", required=True)
        unassign = _tags(ctx, v, body.get("unassignTags"), "unassignTags")
        v.raise_if_any()
        return assign, unassign

    async def update_tags(request: Request) -> Response:
        body = await read_json(request)
        ids = _ids(body.get("ids"), "ids")
        assign, unassign = tag_lists(body)
        results = []
        with store.transaction():
            docs = {d["id"]: d for d in reconcile()}
            for index, assignment_id in enumerate(ids):
                if assignment_id not in docs:
                    error = ("NOT_FOUND", f"badge assignment {assignment_id} not found")
                    results.append({"itemMetadata": _item_metadata(index, assignment_id, error)})
                    continue
                retag(docs[assignment_id], assign, unassign)
                results.append({"itemMetadata": _item_metadata(index, assignment_id)})
        return ok({"results": results, "bulkActionMetadata": _bulk_metadata(ctx, results)})

    async def update_tags_by_filter(request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body.get("filter"), dict):
            raise invalid([_field("filter", "is required (an empty filter means every assignment)",
                                  "REQUIRED_FIELD")])
        assign, unassign = tag_lists(body)
        with store.transaction():
            for doc in matching(check_filter(body["filter"], "filter", FIELDS), []):
                retag(doc, assign, unassign)
        job = "job-1" if ctx.fault("assign4-tags-job-not-guid") else ctx.clock.new_id()
        return ok({"jobId": job})

    prefixes = PREFIXES[:1] if ctx.fault("assign4-alias-missing") else PREFIXES
    bulk_prefixes = BULK_PREFIXES[:1] if ctx.fault("assign4-alias-missing") else BULK_PREFIXES
    found: list[Route] = []
    for prefix in prefixes:
        by_id = Route(f"{prefix}/{{assignment_id}}", delete, methods=["DELETE"])
        shadow = [Route(f"{prefix}/{{assignment_id}}", delete, methods=["POST"])] if ctx.fault(
            "assign4-query-route-shadowed") else []
        found += [Route(prefix, create, methods=["POST"]), *shadow,
                  Route(f"{prefix}/query", query, methods=["POST"]), by_id]
    for prefix in bulk_prefixes:
        found += [Route(f"{prefix}/create", bulk_create, methods=["POST"]),
                  Route(f"{prefix}/delete", bulk_delete, methods=["POST"]),
                  Route(f"{prefix}/bulk-update-tags", update_tags, methods=["POST"]),
                  Route(f"{prefix}/update-tags-by-filter", update_tags_by_filter, methods=["POST"])]
    return found

