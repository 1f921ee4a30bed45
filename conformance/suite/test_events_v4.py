"""Events of Badges v4 and Badge Assignments v4 (API-FACTS-BADGES-V4 §6): BADGE4-29, ASSIGN-16, ASSIGN-17.

Judged like the v3 events (test_events.py): only the events about the entities a scenario wrote, deduplicated,
in any order."""

from __future__ import annotations

import pytest

from conformance.apis.badges_v4 import AssignmentsV4Api, BadgesV4Api
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges_v4 import create_badge
from conformance.suite.support.events import (
    arrived,
    assignment_events,
    badge4_story,
    bulk_items,
    crud_events_carry_the_entity,
    names_match,
    ok_body,
)
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.target import Target
from conformance.verdict import Expect
from conformance.webhooks import (
    EventLog,
    of_kind,
    summary,
)


@pytest.mark.rule("BADGE4-29")
def test_badge_v4_writes_emit_created_updated_deleted(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                      log: EventLog) -> None:
    """Whatever else arrives about the badge (AMB4-8: V6/V7 may emit updated too) is judged by the same shape."""
    rule = "BADGE4-29"
    story = arrived(log, badge4_story(target, owned, expect, unique, rule))
    for delivery in crud_events_carry_the_entity(story, expect, rule, revision_must=False):
        names_match(expect, delivery, story, rule)


@pytest.mark.rule("ASSIGN-16")
@pytest.mark.rule("ASSIGN-17")
def test_assignment_create_and_delete_emit_events(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                  log: EventLog, conformance_settings: RunSettings) -> None:
    badge = create_badge(BadgesV4Api(target), owned, expect, unique)
    members = member_ids(conformance_settings, unique, 1)
    assignments = AssignmentsV4Api(target)
    answer = assignments.create(badge["id"], members[0])
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
    doc = ok_body(expect, answer, "create a badge assignment", "badgeAssignment", "ASSIGN-16")
    owned.add("assignment-v4", doc["id"])
    expect.deleted(assignments.delete(doc["id"]), "delete the badge assignment", rule="ASSIGN-16")
    assignment_events(expect, log, doc, answer)


@pytest.mark.rule("ASSIGN-16")
@pytest.mark.rule("ASSIGN-17")
def test_bulk_assignment_create_and_delete_emit_one_event_per_item(
        target: Target, owned: Owned, expect: Expect, unique: Unique, log: EventLog,
        conformance_settings: RunSettings) -> None:
    badge = create_badge(BadgesV4Api(target), owned, expect, unique)
    members = member_ids(conformance_settings, unique, 2)
    assignments = AssignmentsV4Api(target)
    answer = assignments.bulk_create([{"badgeId": badge["id"], "memberId": m} for m in members], return_entity=True)
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
    docs = bulk_items(expect, answer, "assignment-v4", "ASSIGN-16", owned)
    expect.that(len(docs) == 2, f"bulk create assignments: expected 2 created items, got {len(docs)}", answer,
                rule="ASSIGN-16")
    deleted = assignments.bulk_delete([d["id"] for d in docs])
    expect.ok(deleted, "bulk delete the assignments", rule="ASSIGN-16")
    arrivals = [assignment_events(expect, log, doc, answer, one_of_many=True) for doc in docs]
    for kind, call in (("created", "Bulk Create"), ("deleted", "Bulk Delete")):
        expect.that(any(of_kind(found, kind) for found in arrivals),
                    f"{call} Badge Assignments of {len(docs)} items: no {kind} event about any of them; "
                    f"{'; '.join(summary(found) for found in arrivals)}", deleted, rule="ASSIGN-16")
