"""Badge Assignments v4 rules (API-FACTS-BADGES-V4 §8.2), one or more tests per rule statement.

Live-site safety: each test assigns only badges it created (titles carry the run tag) to fixture members
(`--member-id`) or random GUIDs; created assignments are registered with `owned` and go with their badge
anyway (BADGE4-17). Queries are judged on the test's own badges only.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.apis import moment
from conformance.apis.badges_v4 import (
    ALIAS_ASSIGNMENTS,
    ALIAS_BULK,
    ASSIGNMENTS,
    MAX_PAGES,
    AssignmentsV4Api,
    BadgesV4Api,
    assignment_path,
    next_cursor,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges import as_dict, as_list
from conformance.suite.support.ids import GUID
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.suite.test_badges_v4 import create_badge, v3_or_skip
from conformance.suite.v4_served import require_v4
from conformance.target import Exchange, Target
from conformance.verdict import Expect

UNKNOWN = "0badbad0-0000-4000-8000-00000000a551"

pytestmark = pytest.mark.usefixtures("v4_served")


@pytest.fixture
def v4_served(target: Target) -> None:
    require_v4(target)


@pytest.fixture
def badges(target: Target) -> BadgesV4Api:
    return BadgesV4Api(target)


@pytest.fixture
def assignments(target: Target) -> AssignmentsV4Api:
    return AssignmentsV4Api(target)


def assignment_in(expect: Expect, answer: Exchange, what: str, rule: str | None = None) -> dict[str, Any]:
    body = as_dict(expect.ok(answer, what, rule=rule))
    expect.that(isinstance(body.get("badgeAssignment"), dict), f"{what}: the answer carries `badgeAssignment`",
                answer, rule)
    return dict(body["badgeAssignment"])


def register(owned: Owned, answer: Exchange) -> dict[str, Any]:
    doc = as_dict(as_dict(answer.body).get("badgeAssignment")) if answer.status == 200 else {}
    if isinstance(doc.get("id"), str):
        owned.add("assignment-v4", doc["id"])
    return doc


def assign(
    assignments: AssignmentsV4Api, owned: Owned, expect: Expect, badge_id: str, member_id: str
) -> dict[str, Any]:
    """A set-up assignment this test owns (ASSIGN-1)."""
    answer = assignments.create(badge_id, member_id)
    expect.setup(answer, "assign the badge for the scenario")
    doc = register(owned, answer)
    expect.that(isinstance(doc.get("id"), str), "the assignment has an id", answer)
    return doc


def found(answer: Exchange) -> list[dict[str, Any]]:
    return [as_dict(a) for a in as_list(as_dict(answer.body).get("badgeAssignments"))]


def ids_of(answer: Exchange) -> list[str]:
    return [str(a.get("id")) for a in found(answer)]


def pairs_of(assignments: AssignmentsV4Api, badge_ids: list[str]) -> list[tuple[str, str]]:
    docs = assignments.of({"badgeId": {"$in": badge_ids}})
    return [(str(d.get("badgeId")), str(d.get("memberId"))) for d in docs]


def badge_and_members(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, settings: RunSettings,
                      count: int) -> tuple[dict[str, Any], list[str]]:
    return create_badge(badges, owned, expect, unique), member_ids(settings, unique, count)


# ASSIGN-1 .. ASSIGN-5: create ------------------------------------------------------------------------
@pytest.mark.rule("ASSIGN-1")
def test_create_returns_a_new_assignment(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    answer = assignments.create(badge["id"], member)
    doc = assignment_in(expect, answer, "assign a badge")
    register(owned, answer)
    expect.that(GUID.match(str(doc.get("id", ""))) and doc["id"] not in (badge["id"], member),
                f"the assignment has its own GUID id, got {doc.get('id')!r}", answer)
    expect.that((doc.get("badgeId"), doc.get("memberId")) == (badge["id"], member), "badgeId and memberId are the "
                "ones sent", answer)
    for key in ("createdDate", "updatedDate"):
        expect.that(moment(doc.get(key)) is not None, f"{key} is an RFC 3339 timestamp", answer)


BAD_PAIRS = {
    "badge-missing": lambda b, m: {"memberId": m},
    "member-missing": lambda b, m: {"badgeId": b},
    "member-empty": lambda b, m: {"badgeId": b, "memberId": ""},
    "member-not-guid": lambda b, m: {"badgeId": b, "memberId": "not-a-guid"},
    "badge-not-guid": lambda b, m: {"badgeId": "not-a-guid", "memberId": m},
}


@pytest.mark.rule("ASSIGN-2", "COMMON-2")
@pytest.mark.parametrize("case", sorted(BAD_PAIRS))
def test_create_with_bad_ids_is_rejected(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings, case: str,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    answer = badges.target.post(ASSIGNMENTS, {"badgeAssignment": BAD_PAIRS[case](badge["id"], member)})
    register(owned, answer)
    expect.rejected(answer, 400, what=f"create an assignment with {case.replace('-', ' ')}", rule="ASSIGN-2")
    left = pairs_of(assignments, [badge["id"]])
    expect.that(not left, f"nothing was created: {left}", answer, rule="COMMON-2")


@pytest.mark.rule("ASSIGN-3")
def test_unknown_badge_is_rejected(
    assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    [member] = member_ids(conformance_settings, unique, 1)
    answer = assignments.create(UNKNOWN, member)
    register(owned, answer)
    expect.prefer(answer.status in (404, 400), f"an unknown badge is rejected (404 preferred, 400 accepted), got "
                  f"HTTP {answer.status}", answer, amb="AMB4-13")


@pytest.mark.rule("ASSIGN-4")
def test_repeated_create_keeps_one_assignment(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    first = assign(assignments, owned, expect, badge["id"], member)
    again = assignments.create(badge["id"], member)
    doc = register(owned, again)
    expect.status(again, (200, 409), what="a repeated create (200 with the existing one, or 409)", amb="AMB4-12")
    if again.status == 200:
        expect.prefer(doc.get("id") == first["id"], "the repeated create answers the existing assignment", again,
                      amb="AMB4-12")
    pairs = pairs_of(assignments, [badge["id"]])
    count = pairs.count((badge["id"], member))
    expect.prefer(count == 1, f"one assignment per pair, got {count}", again, amb="AMB4-12")


@pytest.mark.rule("ASSIGN-5", "COMMON-7")
def test_client_server_fields_never_win(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    sent = {"id": unique.guid(), "createdDate": "2000-01-01T00:00:00.000Z"}
    answer = assignments.create(badge["id"], member, **sent)
    doc = register(owned, answer)
    if answer.status != 200:
        expect.rejected(answer, 200, tolerated=(400,), amb="AMB4-23", what="create with read-only fields")
        return
    for key, value in sent.items():
        expect.that(doc.get(key) != value, f"the client's {key} does not override the server's", answer)


# ASSIGN-6 .. ASSIGN-8: query and delete ------------------------------------------------------------
@pytest.mark.rule("ASSIGN-6")
def test_query_filters_and_sorts_on_badge_and_member(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    b1, b2 = create_badge(badges, owned, expect, unique), create_badge(badges, owned, expect, unique)
    m1, m2 = member_ids(conformance_settings, unique, 2)
    docs = {(b, m): assign(assignments, owned, expect, b, m)["id"] for b in (b1["id"], b2["id"]) for m in (m1, m2)}
    mine = {"badgeId": {"$in": [b1["id"], b2["id"]]}}
    cases = [
        ("memberId plain", {"$and": [mine, {"memberId": m1}]}, {docs[(b1["id"], m1)], docs[(b2["id"], m1)]}),
        ("badgeId plain", {"badgeId": b2["id"]}, {docs[(b2["id"], m1)], docs[(b2["id"], m2)]}),
        ("memberId $in", {"$and": [mine, {"memberId": {"$in": [m2]}}]}, {docs[(b1["id"], m2)], docs[(b2["id"], m2)]}),
        ("badgeId $ne", {"$and": [mine, {"badgeId": {"$ne": b1["id"]}}]}, {docs[(b2["id"], m1)], docs[(b2["id"], m2)]}),
        ("memberId $exists", {"$and": [{"badgeId": b1["id"]}, {"memberId": {"$exists": True}}]},
         {docs[(b1["id"], m1)], docs[(b1["id"], m2)]}),
    ]
    for label, flt, wanted in cases:
        answer = assignments.query(filter=flt)
        expect.ok(answer, f"Query Badge Assignments by {label}")
        got = ids_of(answer)
        expect.that(set(got) == wanted and len(got) == len(wanted), f"filter by {label} returns exactly "
                    f"{sorted(wanted)}, got {got}", answer)
    everyone = assignments.of({"memberId": m1})  # the member alone: other badges of a live site may show too
    members = {str(d.get("memberId")) for d in everyone}
    expect.that(members == {m1} and {docs[(b1["id"], m1)], docs[(b2["id"], m1)]} <= {d.get("id") for d in everyone},
                f"filter by memberId alone returns only and all of its assignments, members seen {sorted(members)}")
    answer = assignments.query(filter=mine, sort=[{"fieldName": "badgeId", "order": "ASC"}])
    got = [str(a.get("badgeId")) for a in found(answer)]
    expect.that(got == sorted(got) and len(got) == 4, f"sorted ASC by badgeId, got {got}", answer)


@pytest.mark.rule("ASSIGN-7", "COMMON-13", "COMMON-14")
def test_query_paging_limits_and_cursor_walk(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, members = badge_and_members(badges, owned, expect, unique, conformance_settings, 3)
    made = sorted(assign(assignments, owned, expect, badge["id"], m)["id"] for m in members)
    first = assignments.query(filter={"badgeId": badge["id"]}, limit=1)
    seen: list[str] = []
    answer = first
    for _ in range(MAX_PAGES):
        body = as_dict(expect.ok(answer, "a page of the cursor walk", rule="ASSIGN-7"))
        metadata = as_dict(body.get("pagingMetadata"))
        expect.that(metadata.get("count") == len(found(answer)), "pagingMetadata.count equals the page size",
                    answer, rule="ASSIGN-7")
        seen += ids_of(answer)
        cursor = next_cursor(answer)
        if not cursor:
            break
        answer = assignments.query(limit=1, cursor=cursor)
    expect.that(sorted(seen) == made, f"the walk visits each assignment once: wanted {made}, saw {seen}", answer,
                rule="ASSIGN-7")
    big = assignments.query(limit=101)
    if big.status != 200:
        expect.rejected(big, 400, what="query with limit 101", rule="ASSIGN-7")
    else:
        expect.that(len(found(big)) <= 100, "limit 101 never returns more than 100", big, rule="ASSIGN-7")
    sort = [{"fieldName": "badgeId", "order": "ASC"}, {"fieldName": "memberId", "order": "ASC"}] * 3
    expect.rejected(assignments.query(sort=sort), 400, what="query with 6 sort entries", rule="ASSIGN-7")


@pytest.mark.rule("ASSIGN-8", "COMMON-3", "COMMON-4", "COMMON-10")
def test_delete_removes_the_assignment(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, members = badge_and_members(badges, owned, expect, unique, conformance_settings, 2)
    gone, kept = (assign(assignments, owned, expect, badge["id"], m)["id"] for m in members)
    answer = assignments.delete(gone)
    expect.deleted(answer, "delete an assignment", rule="ASSIGN-8")
    left = ids_of(assignments.query(filter={"badgeId": badge["id"]}))
    expect.that(gone not in left and kept in left, f"only the deleted assignment is gone: {left}", answer,
                rule="ASSIGN-8")
    expect.status(assignments.delete(gone), 404, what="a second delete", rule="ASSIGN-8")
    expect.status(assignments.delete(UNKNOWN), 404, what="delete an unknown assignment", rule="ASSIGN-8")
    expect.rejected(assignments.delete("not-a-guid"), 400, tolerated=(404,), what="delete a malformed id",
                    rule="ASSIGN-8")


# ASSIGN-9 .. ASSIGN-12: bulk ------------------------------------------------------------------------
def check_bulk(expect: Expect, answer: Exchange, size: int, rule: str) -> list[dict[str, Any]]:
    """COMMON-11 invariants of a bulk answer (`originalIndex` is the promise, not the order); returns results."""
    body = as_dict(expect.ok(answer, f"bulk request with {size} items", rule=rule))
    results = [as_dict(r) for r in as_list(body.get("results"))]
    expect.that(len(results) == size, f"one result per item: {len(results)} for {size}", answer, rule=rule)
    indexes = sorted(as_dict(r.get("itemMetadata")).get("originalIndex", -1) for r in results)
    expect.that(indexes == list(range(size)), f"originalIndex covers 0..{size - 1}, got {indexes}", answer, rule=rule)
    metadata = as_dict(body.get("bulkActionMetadata"))
    successes = sum(1 for r in results if as_dict(r.get("itemMetadata")).get("success") is True)
    expect.that(metadata.get("totalSuccesses") == successes and metadata.get("totalFailures") == size - successes,
                f"bulkActionMetadata counts {successes} successes, got {metadata}", answer, rule=rule)
    return results


def by_index(results: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {int(as_dict(r.get("itemMetadata")).get("originalIndex", -1)): r for r in results}


@pytest.mark.rule("ASSIGN-9", "ASSIGN-11", "COMMON-11")
@pytest.mark.parametrize("return_entity", [True, None], ids=["returnEntity", "no-returnEntity"])
def test_bulk_create_assigns_every_item(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings, return_entity: bool | None,
) -> None:
    badge, members = badge_and_members(badges, owned, expect, unique, conformance_settings, 2)
    items = [{"badgeId": badge["id"], "memberId": m} for m in members]
    answer = assignments.bulk_create(items, return_entity=return_entity)
    results = check_bulk(expect, answer, 2, "ASSIGN-9")
    for result in results:
        meta, item = as_dict(result.get("itemMetadata")), result.get("item")
        if isinstance(meta.get("id"), str):
            owned.add("assignment-v4", meta["id"])
        if return_entity:
            expect.that(isinstance(item, dict) and item.get("id") == meta.get("id"), "with returnEntity each "
                        "result carries the created assignment, itemMetadata.id = item.id", answer, rule="ASSIGN-11")
        else:
            expect.prefer(item is None, "without returnEntity results carry no `item`", answer, amb="AMB4-14",
                          rule="ASSIGN-11")
    pairs = pairs_of(assignments, [badge["id"]])
    expect.that(sorted(m for _, m in pairs) == sorted(members), f"Query Badge Assignments returns both: {pairs}",
                answer, rule="ASSIGN-9")


@pytest.mark.rule("ASSIGN-10", "COMMON-2")
@pytest.mark.parametrize("size", [0, 101])
def test_bulk_create_size_limits(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique, size: int
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = assignments.bulk_create([{"badgeId": badge["id"], "memberId": unique.guid()} for _ in range(size)])
    expect.rejected(answer, 400, what=f"bulk create with {size} items", rule="ASSIGN-10")
    left = pairs_of(assignments, [badge["id"]])
    expect.that(not left, f"nothing was created: {len(left)} assignments", answer, rule="ASSIGN-10")


@pytest.mark.rule("ASSIGN-10")
def test_bulk_create_item_without_member(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = assignments.bulk_create([{"badgeId": badge["id"], "memberId": unique.guid()}, {"badgeId": badge["id"]}])
    if answer.status != 200:
        expect.rejected(answer, 400, what="bulk create with an item lacking memberId")
        return
    result = by_index([as_dict(r) for r in as_list(as_dict(answer.body).get("results"))]).get(1, {})
    expect.that(as_dict(result.get("itemMetadata")).get("success") is False, "the item without memberId fails",
                answer)


@pytest.mark.rule("ASSIGN-12", "COMMON-11")
def test_bulk_delete_with_an_unknown_id(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, members = badge_and_members(badges, owned, expect, unique, conformance_settings, 2)
    a1, a2 = (assign(assignments, owned, expect, badge["id"], m)["id"] for m in members)
    both = assignments.bulk_delete([a1, a2])
    check_bulk(expect, both, 2, "ASSIGN-12")
    left = pairs_of(assignments, [badge["id"]])
    expect.that(not left, f"both assignments are gone, left {left}", both, rule="ASSIGN-12")
    answer = assignments.bulk_delete([UNKNOWN])
    if answer.status != 200:
        expect.prefer(False, f"an unknown id is a per-item failure, not HTTP {answer.status}", answer,
                      amb="AMB4-16", rule="ASSIGN-12")
        return
    [result] = check_bulk(expect, answer, 1, "ASSIGN-12") or [{}]
    meta = as_dict(result.get("itemMetadata"))
    expect.prefer(meta.get("success") is False and as_dict(meta.get("error")).get("code"), "the unknown id fails "
                  f"with an error code, got {meta}", answer, amb="AMB4-16", rule="ASSIGN-12")
    for label, ids in (("no ids", []), ("101 ids", [unique.guid() for _ in range(101)])):
        expect.rejected(assignments.bulk_delete(ids), 400, what=f"bulk delete with {label}", rule="ASSIGN-12")


# ASSIGN-13 .. ASSIGN-15: tags (Developer Preview, SHOULD) ---------------------------------------------
def tags_of(assignments: AssignmentsV4Api, badge_id: str, assignment_id: str) -> dict[str, list[str]]:
    for doc in assignments.of({"badgeId": badge_id}):
        if doc.get("id") == assignment_id:
            tags = as_dict(doc.get("tags"))
            return {k: list(as_list(as_dict(tags.get(k)).get("tagIds"))) for k in ("tags", "privateTags")}
    return {"tags": [], "privateTags": []}


@pytest.mark.rule("ASSIGN-13")
def test_bulk_update_tags_assigns_and_unassigns(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    doc = assign(assignments, owned, expect, badge["id"], member)
    first = assignments.update_tags([doc["id"]], {"tags": {"tagIds": ["t1", "t2"]}, "privateTags": {"tagIds": ["p1"]}})
    expect.prefer(first.status == 200, f"bulk-update-tags is served, got HTTP {first.status}", first, amb="AMB4-20")
    tags = tags_of(assignments, badge["id"], doc["id"])
    expect.prefer(set(tags["tags"]) == {"t1", "t2"} and tags["privateTags"] == ["p1"],
                  f"the assigned tags show in Query Badge Assignments, got {tags}", first, amb="AMB4-20")
    second = assignments.update_tags([doc["id"]], {"tags": {"tagIds": ["t2"]}}, {"tags": {"tagIds": ["t1", "t2"]}})
    tags = tags_of(assignments, badge["id"], doc["id"])
    expect.prefer(tags["tags"] == ["t2"], f"unassign removes t1; t2 in both lists stays assigned, got {tags}",
                  second, amb="AMB4-20")
    for label, body in (("no ids", {"ids": [], "assignTags": {}}), ("no assignTags", {"ids": [doc["id"]]})):
        answer = badges.target.post("/badges/v4/bulk/assignments/bulk-update-tags", body)
        expect.prefer(answer.status == 400, f"bulk-update-tags with {label} is a 400, got {answer.status}", answer)


@pytest.mark.rule("ASSIGN-14")
def test_update_tags_by_filter_answers_a_job(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    doc = assign(assignments, owned, expect, badge["id"], member)
    answer = assignments.update_tags_by_filter({"badgeId": badge["id"]}, {"tags": {"tagIds": ["f1"]}})
    job = as_dict(answer.body).get("jobId") if answer.status == 200 else None
    expect.prefer(GUID.match(str(job or "")), f"the answer is 200 with a GUID jobId, got {answer.status} {job!r}",
                  answer, amb="AMB4-21")
    tags: dict[str, list[str]] = {}
    for _ in range(5):  # asynchronous: poll a little (AMB4-21)
        tags = tags_of(assignments, badge["id"], doc["id"])
        if "f1" in tags["tags"]:
            break
    expect.prefer("f1" in tags["tags"], f"the matching assignment eventually shows the tag, got {tags}", answer,
                  amb="AMB4-21")
    missing = badges.target.post("/badges/v4/bulk/assignments/update-tags-by-filter", {"assignTags": {}})
    expect.prefer(missing.status == 400, f"update-tags-by-filter without filter is a 400, got {missing.status}",
                  missing)


@pytest.mark.rule("ASSIGN-15")
def test_tag_lists_hold_at_most_100(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    doc = assign(assignments, owned, expect, badge["id"], member)
    answer = assignments.update_tags([doc["id"]], {"tags": {"tagIds": [f"t{i}" for i in range(101)]}})
    expect.prefer(answer.status == 400, f"101 tag ids are rejected, got HTTP {answer.status}", answer, amb="AMB4-19")


# ASSIGN-18 .. ASSIGN-20: the SDK's paths, routing ---------------------------------------------------
@pytest.mark.rule("ASSIGN-18")
def test_badge_assignments_alias_serves_the_same_operations(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    alias = AssignmentsV4Api(badges.target, ALIAS_ASSIGNMENTS, ALIAS_BULK)
    badge, members = badge_and_members(badges, owned, expect, unique, conformance_settings, 2)
    created = alias.create(badge["id"], members[0])
    doc = register(owned, created)
    expect.prefer(created.status == 200, f"create under {ALIAS_ASSIGNMENTS} is served, got {created.status}",
                  created, amb="AMB4-1")
    bulk = alias.bulk_create([{"badgeId": badge["id"], "memberId": members[1]}], return_entity=True)
    for result in as_list(as_dict(bulk.body).get("results")) if bulk.status == 200 else []:
        if isinstance(as_dict(as_dict(result).get("itemMetadata")).get("id"), str):
            owned.add("assignment-v4", result["itemMetadata"]["id"])
    expect.prefer(bulk.status == 200, f"bulk create under {ALIAS_BULK} is served, got {bulk.status}", bulk,
                  amb="AMB4-1")
    query = alias.query(filter={"badgeId": badge["id"]})
    expect.prefer(query.status == 200 and len(found(query)) == 2, "query under the alias sees both assignments",
                  query, amb="AMB4-1")
    if doc.get("id"):
        gone = alias.delete(doc["id"])
        expect.prefer(gone.status == 200, f"delete under the alias is served, got {gone.status}", gone, amb="AMB4-1")


@pytest.mark.rule("ASSIGN-19")
def test_sdk_delete_with_the_id_repeated_in_the_query(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    doc = assign(assignments, owned, expect, badge["id"], member)
    answer = badges.target.delete(assignment_path(doc["id"]), params={"badgeAssignmentId": doc["id"]})
    expect.prefer(answer.status == 200, f"DELETE with ?badgeAssignmentId= is served, got {answer.status}", answer,
                  amb="AMB-39")


@pytest.mark.rule("ASSIGN-20", "COMMON-17")
@pytest.mark.read_only
def test_query_route_is_not_taken_for_an_id(target: Target, expect: Expect) -> None:
    answer = target.post(f"{ASSIGNMENTS}/query", {"query": {"cursorPaging": {"limit": 1}}})
    body = as_dict(expect.ok(answer, f"{ASSIGNMENTS}/query is routed to Query Badge Assignments"))
    expect.that(isinstance(body.get("badgeAssignments"), list), "the answer carries `badgeAssignments`", answer)




# MIGRATE4-2: cross-version consistency (only when the target serves v3 too) ----------------------------
@pytest.mark.rule("MIGRATE4-2")
def test_assignments_are_the_same_in_v3_and_v4(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    v3 = v3_or_skip(badges.target)
    badge, (m1, m2) = badge_and_members(badges, owned, expect, unique, conformance_settings, 2)
    assigned = v3.assign(badge["id"], [m1])
    skip_if_made_up_members_refused(assigned, [m1], conformance_settings.member_ids)
    expect.setup(assigned, "assign through v3")
    pairs = pairs_of(assignments, [badge["id"]])
    expect.prefer((badge["id"], m1) in pairs, f"the v3 assign is a v4 assignment: {pairs}")
    doc = assign(assignments, owned, expect, badge["id"], m2)
    listed = as_list(as_dict(v3.members(badge["id"]).body).get("memberIds"))
    expect.prefer(m2 in listed, f"the v4 assignment is listed by v3: {listed}")
    expect.setup(assignments.delete(doc["id"]), "delete the v4 assignment")
    listed = as_list(as_dict(v3.members(badge["id"]).body).get("memberIds"))
    expect.prefer(m2 not in listed, f"the deleted v4 assignment is gone from v3: {listed}")
