"""Badge Assignments v4 bulk, tags, SDK paths and v3 migration (§8.2: ASSIGN-9..ASSIGN-20, MIGRATE4-2).

Queries are judged on the test's own badges only; every badge and assignment made here is registered with `owned`.
"""
from __future__ import annotations

from typing import Any

import pytest

from conformance.apis.badges_v4 import (
    ALIAS_ASSIGNMENTS,
    ALIAS_BULK,
    ASSIGNMENTS,
    AssignmentsV4Api,
    BadgesV4Api,
    assignment_path,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.assignments_v4 import (
    UNKNOWN,
    assign,
    badge_and_members,
    found,
    pairs_of,
    register,
)
from conformance.suite.support.badges import as_dict, as_list
from conformance.suite.support.badges_v4 import (
    create_badge,
    v3_or_skip,
    v4_badges,  # noqa: F401 - the v4 `badges` fixture, over conftest's v3 one
)
from conformance.suite.support.ids import GUID
from conformance.suite.support.members import skip_if_made_up_members_refused
from conformance.target import Exchange, Target
from conformance.verdict import Expect


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
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
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
    a1, a2 = (assign(assignments, owned, expect, conformance_settings, badge["id"], m)["id"] for m in members)
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
    doc = assign(assignments, owned, expect, conformance_settings, badge["id"], member)
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
    doc = assign(assignments, owned, expect, conformance_settings, badge["id"], member)
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
    doc = assign(assignments, owned, expect, conformance_settings, badge["id"], member)
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
    if created.status != 404:  # 404: the alias is not served (judged below), not a refused member
        skip_if_made_up_members_refused(created, members[:1], conformance_settings.member_ids)
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
    doc = assign(assignments, owned, expect, conformance_settings, badge["id"], member)
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
    doc = assign(assignments, owned, expect, conformance_settings, badge["id"], m2)
    listed = as_list(as_dict(v3.members(badge["id"]).body).get("memberIds"))
    expect.prefer(m2 in listed, f"the v4 assignment is listed by v3: {listed}")
    expect.setup(assignments.delete(doc["id"]), "delete the v4 assignment")
    listed = as_list(as_dict(v3.members(badge["id"]).body).get("memberIds"))
    expect.prefer(m2 not in listed, f"the deleted v4 assignment is gone from v3: {listed}")
