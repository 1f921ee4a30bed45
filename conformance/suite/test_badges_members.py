"""Members Badges v3 assignments and counts (API-FACTS §2.5, BADGE-15..BADGE-19, BADGE-23).

Deleting a badge removes its assignments, so every created badge is registered with `owned`; counts are judged
on the test's own badges only.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.apis.badges import (
    BadgesApi,
    members_path,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges import (
    as_dict,
    as_list,
    badge_ids_of,
    count_of,
    counts,
    create_badge,
    members_if_taken,
    members_of,
)
from conformance.suite.support.members import (
    member_ids,
    members_flag_reason,
    skip_if_made_up_members_refused,
)
from conformance.target import Exchange
from conformance.verdict import Expect


def assign_members(
    badges: BadgesApi, expect: Expect, settings: RunSettings, badge_id: str, members: list[str], what: str,
    rule: str | None = None,
) -> Exchange:
    """Assign members as a scenario step, skipping (AMB-34) when made-up members are refused."""
    answer = badges.assign(badge_id, members)
    skip_if_made_up_members_refused(answer, members, settings.member_ids)
    if rule:
        expect.ok(answer, what, rule=rule)
    else:
        expect.setup(answer, what)
    return answer


BAD_MEMBER_IDS: dict[str, Callable[[BadgesApi, str, str], Exchange]] = {
    "assign-missing": lambda api, badge, member: api.target.post(members_path(badge), {}),
    "assign-empty": lambda api, badge, member: api.assign(badge, []),
    "assign-not-guid": lambda api, badge, member: api.assign(badge, ["not-a-guid"]),
    "assign-not-guid-after-a-guid": lambda api, badge, member: api.assign(badge, [member, "not-a-guid"]),
    "unassign-missing": lambda api, badge, member: api.target.delete(members_path(badge)),
    "unassign-not-guid": lambda api, badge, member: api.unassign(badge, ["not-a-guid"]),
    "unassign-not-guid-after-a-guid": lambda api, badge, member: api.unassign(badge, [member, "not-a-guid"]),
}


@pytest.mark.rule("BADGE-12", "COMMON-14")
def test_members_by_badge_never_returns_more_than_1000(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    if conformance_settings.member_ids:
        pytest.skip("needs 1001 distinct members: not run on a site whose members are given with --member-id "
                    "(made-up ids would be assigned to it); List Badges judges BADGE-12 there")
    badge = create_badge(badges, owned, expect, unique)
    members = [unique.guid() for _ in range(1001)]
    for start in range(0, len(members), 100):
        chunk = badges.assign(badge["id"], members[start : start + 100])
        skip_if_made_up_members_refused(chunk, members[start : start + 100], [])
        expect.setup(chunk, "assigning 1001 members in chunks of 100")
    for limit in (1001, 5000):
        answer = badges.members(badge["id"], limit=limit)
        if answer.status != 200:
            expect.rejected(answer, 400, amb="AMB-20", what=f"members by badge with paging.limit={limit}")
            continue
        got = as_list(as_dict(answer.body).get("memberIds"))
        expect.that(len(got) <= 1000, f"at most 1000 member ids per call, got {len(got)}", answer)


@pytest.mark.rule("BADGE-14")
def test_deleted_badge_leaves_no_assignments(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    [member] = member_ids(conformance_settings, unique, 1)
    assign_members(badges, expect, conformance_settings, badge["id"], [member], "assign a member before the delete")
    expect.setup(badges.delete(badge["id"]), "delete the badge")
    held = badge_ids_of(badges, expect, member)
    expect.prefer(badge["id"] not in held, f"the member's badgeIds no longer list the deleted badge: {held}")


# BADGE-15 .. BADGE-19: assignments ----------------------------------------------------------------
@pytest.mark.rule("BADGE-15")
def test_assigned_members_are_listed_and_counted(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    m1, m2 = member_ids(conformance_settings, unique, 2)
    answer = assign_members(badges, expect, conformance_settings, badge["id"], [m1, m2], "assign two members",
                            rule="BADGE-15")
    returned = as_list(as_dict(answer.body).get("memberIds"))
    expect.that(
        {m1, m2} <= set(returned), f"the answer's memberIds contain both members, got {returned}", answer
    )
    listed = members_of(badges, expect, badge["id"])
    expect.that({m1, m2} <= set(listed), f"List Members By Badge contains both members, got {listed}")
    held = badge_ids_of(badges, expect, m1)
    expect.that(badge["id"] in held, f"List Members Badge Ids lists the badge for the member, got {held}")
    count = count_of(badges, expect, badge["id"])
    expect.that(count == 2, f"members/count reports 2 for the fresh badge, got {count!r}")


@pytest.mark.rule("BADGE-16")
def test_reassigning_a_member_creates_no_duplicate(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    [member] = member_ids(conformance_settings, unique, 1)
    assign_members(badges, expect, conformance_settings, badge["id"], [member], "first assignment")
    again = badges.assign(badge["id"], [member])
    expect.prefer(again.status == 200, "assigning an assigned member again succeeds", again)
    listed = members_of(badges, expect, badge["id"])
    expect.prefer(listed.count(member) == 1, f"the member is listed once, got {listed.count(member)} times")
    count = count_of(badges, expect, badge["id"])
    expect.prefer(count == 1, f"members/count stays 1, got {count!r}")


@pytest.mark.rule("BADGE-17")
def test_unassign_removes_the_member(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    m1, m2 = member_ids(conformance_settings, unique, 2)
    assign_members(badges, expect, conformance_settings, badge["id"], [m1, m2], "assign two members")
    answer = badges.unassign(badge["id"], [m1])
    expect.ok(answer, "unassign one member")
    listed = members_of(badges, expect, badge["id"])
    expect.that(
        m1 not in listed, f"the unassigned member is gone from List Members By Badge: {listed}", answer
    )
    expect.that(m2 in listed, "the other member keeps the badge", answer)
    expect.that(
        badge["id"] not in badge_ids_of(badges, expect, m1), "the member's badgeIds lose the badge", answer
    )
    count = count_of(badges, expect, badge["id"])
    expect.that(count == 1, f"members/count goes 2 -> 1, got {count!r}", answer)


@pytest.mark.rule("BADGE-17")
def test_unassign_takes_repeated_member_ids(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    m1, m2 = member_ids(conformance_settings, unique, 2)
    assign_members(badges, expect, conformance_settings, badge["id"], [m1, m2], "assign two members")
    answer = badges.unassign(badge["id"], [m1, m2])  # ?memberIds=m1&memberIds=m2
    expect.ok(answer, "unassign both members with repeated query keys")
    listed = members_of(badges, expect, badge["id"])
    expect.that(not {m1, m2} & set(listed), f"both members are gone, still listed: {listed}", answer)
    count = count_of(badges, expect, badge["id"])
    expect.that(count == 0, f"members/count goes 2 -> 0, got {count!r}", answer)


@pytest.mark.rule("BADGE-18")
@pytest.mark.read_only
@pytest.mark.parametrize("size", [0, 101])
def test_member_badge_ids_rejects_0_or_more_than_100_members(
    badges: BadgesApi, expect: Expect, unique: Unique, size: int
) -> None:
    answer = badges.member_badges([unique.guid() for _ in range(size)])
    expect.rejected(answer, 400, what=f"List Members Badge Ids with {size} member ids")


@pytest.mark.rule("BADGE-18")
@pytest.mark.read_only
@pytest.mark.parametrize("size", [1, 100])
def test_member_badge_ids_accepts_1_to_100_members(
    badges: BadgesApi, expect: Expect, unique: Unique, conformance_settings: RunSettings, size: int
) -> None:
    answer = badges.member_badges(member_ids(conformance_settings, unique, size))
    body = as_dict(expect.ok(answer, f"List Members Badge Ids with {size} member ids"))
    expect.that(isinstance(body.get("memberBadgeIds", []), list), "memberBadgeIds is an array", answer)


@pytest.mark.rule("BADGE-19", "COMMON-2")
@pytest.mark.parametrize("case", sorted(c for c in BAD_MEMBER_IDS if c.startswith("assign")))
def test_assign_rejects_bad_member_ids_and_assigns_nobody(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = BAD_MEMBER_IDS[case](badges, badge["id"], unique.guid())
    expect.rejected(answer, 400, what=case.replace("-", " ") + " memberIds", rule="BADGE-19")
    listed = members_of(badges, expect, badge["id"], rule="COMMON-2")
    count = count_of(badges, expect, badge["id"], rule="COMMON-2")
    expect.that(not listed and count == 0,
                f"the rejected request assigned nobody: members {listed}, memberCount {count!r}", answer,
                rule="COMMON-2")


@pytest.mark.rule("BADGE-19", "COMMON-2")
@pytest.mark.parametrize("case", sorted(c for c in BAD_MEMBER_IDS if c.startswith("unassign")))
def test_unassign_rejects_bad_member_ids_and_keeps_every_member(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings, case: str
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    members = member_ids(conformance_settings, unique, 2)
    held = members_if_taken(badges, expect, conformance_settings, [badge["id"]], members)
    answer = BAD_MEMBER_IDS[case](badges, badge["id"], members[0])
    expect.rejected(answer, 400, what=case.replace("-", " ") + " memberIds", rule="BADGE-19")
    if not held:  # AMB-34: nobody to keep on a site that refuses made-up members
        pytest.skip(members_flag_reason(400, 2))
    listed = members_of(badges, expect, badge["id"], rule="COMMON-2")
    count = count_of(badges, expect, badge["id"], rule="COMMON-2")
    expect.that(set(held) <= set(listed) and count == len(held),
                f"the rejected request removed nobody: members {listed}, memberCount {count!r}", answer,
                rule="COMMON-2")


# BADGE-23: counts ----------------------------------------------------------------------------------
@pytest.mark.rule("BADGE-23")
def test_member_counts_reference_existing_badges_with_counts(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """Judged without assigning anyone (AMB-34 cannot skip it); BADGE-15/17 judge counts after assignments."""
    empty = create_badge(badges, owned, expect, unique)
    entries, answer = counts(badges, expect)
    for badge_id, count in entries.items():
        expect.that(
            isinstance(count, int) and not isinstance(count, bool) and count >= 0,
            f"memberCount of {badge_id} is an integer >= 0, got {count!r}",
            answer,
        )
    expect.that(
        entries.get(empty["id"], 0) == 0,
        f"a badge nobody holds counts 0 members (or is left out, AMB-35), got {entries.get(empty['id'])!r}",
        answer,
    )
    existing = {b.get("id") for b in badges.all()}
    unlisted = [b for b in entries if b not in existing]
    if unlisted:  # a live site's badge may have been deleted meanwhile: judge what is still counted
        unlisted = [b for b in counts(badges, expect)[0] if b in unlisted]
    for badge_id in unlisted:
        expect.status(
            badges.get(str(badge_id)),
            200,
            what=f"members/count references badge {badge_id!r}, which must exist",
        )
