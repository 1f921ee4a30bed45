"""Badge Assignments v4 create, query and delete (API-FACTS-BADGES-V4 §8.2: ASSIGN-1..ASSIGN-8).

Each test assigns only badges it created to fixture members (`--member-id`) or random GUIDs; created assignments
are registered with `owned` and go with their badge anyway (BADGE4-17).
"""
from __future__ import annotations

import pytest

from conformance.apis import moment
from conformance.apis.badges_v4 import (
    ASSIGNMENTS,
    MAX_PAGES,
    AssignmentsV4Api,
    BadgesV4Api,
    next_cursor,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.assignments_v4 import (
    UNKNOWN,
    assign,
    assignment_in,
    badge_and_members,
    found,
    ids_of,
    pairs_of,
    register,
)
from conformance.suite.support.badges import as_dict
from conformance.suite.support.badges_v4 import (
    create_badge,
    v4_badges,  # noqa: F401 - the v4 `badges` fixture, over conftest's v3 one
)
from conformance.suite.support.ids import GUID
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.verdict import Expect


# ASSIGN-1 .. ASSIGN-5: create ------------------------------------------------------------------------
@pytest.mark.rule("ASSIGN-1")
def test_create_returns_a_new_assignment(
    badges: BadgesV4Api, assignments: AssignmentsV4Api, owned: Owned, expect: Expect, unique: Unique,
    conformance_settings: RunSettings,
) -> None:
    badge, [member] = badge_and_members(badges, owned, expect, unique, conformance_settings, 1)
    answer = assignments.create(badge["id"], member)
    skip_if_made_up_members_refused(answer, [member], conformance_settings.member_ids)
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
    first = assign(assignments, owned, expect, conformance_settings, badge["id"], member)
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
    skip_if_made_up_members_refused(answer, [member], conformance_settings.member_ids)
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
    docs = {(b, m): assign(assignments, owned, expect, conformance_settings, b, m)["id"]
            for b in (b1["id"], b2["id"]) for m in (m1, m2)}
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
    made = sorted(assign(assignments, owned, expect, conformance_settings, badge["id"], m)["id"] for m in members)
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
    gone, kept = (assign(assignments, owned, expect, conformance_settings, badge["id"], m)["id"] for m in members)
    answer = assignments.delete(gone)
    expect.deleted(answer, "delete an assignment", rule="ASSIGN-8")
    left = ids_of(assignments.query(filter={"badgeId": badge["id"]}))
    expect.that(gone not in left and kept in left, f"only the deleted assignment is gone: {left}", answer,
                rule="ASSIGN-8")
    expect.status(assignments.delete(gone), 404, what="a second delete", rule="ASSIGN-8")
    expect.status(assignments.delete(UNKNOWN), 404, what="delete an unknown assignment", rule="ASSIGN-8")
    expect.rejected(assignments.delete("not-a-guid"), 400, tolerated=(404,), what="delete a malformed id",
                    rule="ASSIGN-8")


