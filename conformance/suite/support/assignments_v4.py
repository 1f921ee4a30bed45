"""Badge Assignments v4 helpers the assignment scenarios share: envelopes, an assignment the test owns, lookups."""
from __future__ import annotations

from typing import Any

from conformance.apis.badges_v4 import (
    AssignmentsV4Api,
    BadgesV4Api,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges import as_dict, as_list
from conformance.suite.support.badges_v4 import create_badge
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.target import Exchange
from conformance.verdict import Expect

UNKNOWN = "0badbad0-0000-4000-8000-00000000a551"



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
    assignments: AssignmentsV4Api, owned: Owned, expect: Expect, settings: RunSettings, badge_id: str, member_id: str
) -> dict[str, Any]:
    """A set-up assignment this test owns (ASSIGN-1); skipped when the site refuses a made-up member (AMB-34)."""
    answer = assignments.create(badge_id, member_id)
    skip_if_made_up_members_refused(answer, [member_id], settings.member_ids)
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


