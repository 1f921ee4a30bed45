"""Official SDK usage (API-FACTS §1.9), Badges v3 methods: each one's exact request, judged by support/sdk.py."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.live import Owned, site_lock
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.members import skip_if_made_up_members_refused
from conformance.suite.support.sdk import (
    BADGES,
    MAX_PAGES,
    Sdk,
    body_of,
    created,
    delete_with_id_in_query,
    get_with_id_in_query,
    own_created,
)
from conformance.target import Exchange
from conformance.verdict import Expect


@pytest.fixture
def members(conformance_settings: RunSettings, unique: Unique) -> list[str]:
    """Two member ids: the configured ones on a live site (AMB-34), fresh GUIDs on the reference."""
    if len(conformance_settings.member_ids) >= 2:
        return conformance_settings.member_ids[:2]
    if not conformance_settings.embedded:
        pytest.skip("badge assignment needs two --conformance-member-id values on this target")
    return [unique.guid(), unique.guid()]


def new_badge(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> dict[str, Any]:
    return created(sdk, owned, expect, "createBadge", BADGES, "badge", {
        "title": unique.name(), "description": "SDK usage", "backgroundColor": "#796EFF",
        "textColor": "#FFFFFF"})


def assigned(sdk: Sdk, badge_id: str, members: list[str]) -> Exchange:
    return sdk.call("assignBadge", "POST", f"{BADGES}/{badge_id}/members",
                    {"id": badge_id, "memberIds": members})


def assigning(sdk: Sdk, expect: Expect, settings: RunSettings, badge_id: str, members: list[str]) -> None:
    """Set-up assignment; a site that refuses the made-up members (AMB-34) skips the scenario (--member-id)."""
    answer = sdk.target.post(f"{BADGES}/{badge_id}/members", {"memberIds": members})
    skip_if_made_up_members_refused(answer, members, settings.member_ids)
    expect.setup(answer, "assigning members")


@pytest.mark.rule("BADGE-1")
@pytest.mark.sdk("createBadge")
def test_sdk_create_badge(sdk: Sdk, owned: Owned, unique: Unique) -> None:
    answer = sdk.call("createBadge", "POST", BADGES, {"badge": {
        "title": unique.name(), "backgroundColor": "#796EFF", "textColor": "#FFFFFF"}})
    badge = own_created(owned, answer, "badge")
    sdk.served("createBadge", answer, "POST {badge}", shape=bool(badge.get("id")))


@pytest.mark.rule("BADGE-9", "BADGE-10")
@pytest.mark.sdk("getBadge")
def test_sdk_get_badge_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    get_with_id_in_query(sdk, unique, "getBadge", BADGES, "badge", badge["id"], param="id")


@pytest.mark.rule("BADGE-8", "COMMON-7")
@pytest.mark.sdk("updateBadge")
def test_sdk_update_badge_partial_body_with_id(sdk: Sdk, owned: Owned, unique: Unique,
                                               expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    title = unique.name()
    answer = sdk.call("updateBadge", "PATCH", f"{BADGES}/{badge['id']}",
                      {"badge": {"title": title, "id": badge["id"]}})
    updated = body_of(answer).get("badge") or {}
    sdk.served("updateBadge", answer, "PATCH {badge: {title, id}} (partial body)",
               shape=(updated.get("id") == badge["id"] and updated.get("title") == title
                      and updated.get("backgroundColor") == badge.get("backgroundColor")),
               amb="AMB-30")


@pytest.mark.rule("BADGE-14")
@pytest.mark.sdk("deleteBadge")
def test_sdk_delete_badge_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    delete_with_id_in_query(sdk, "deleteBadge", "getBadge", BADGES, badge["id"], param="id",
                            params=[("id", badge["id"])], what="DELETE with ?id= repeating the path id")


@pytest.mark.rule("BADGE-11")
@pytest.mark.sdk("listBadges")
def test_sdk_list_badges_offset_walk(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    mine = {new_badge(sdk, owned, unique, expect)["id"] for _ in range(2)}
    seen: list[str] = []
    for _ in range(MAX_PAGES):
        answer = sdk.call("listBadges", "GET", BADGES,
                          params=[("paging.limit", 50), ("paging.offset", len(seen))])
        badges = body_of(answer).get("badges")
        if not isinstance(badges, list):
            sdk.served("listBadges", answer, "GET ?paging.limit=50&paging.offset=N", shape=False)
            return
        if not sdk.served("listBadges", answer, "GET ?paging.limit=50&paging.offset=N"):
            return
        seen.extend(str(b.get("id")) for b in badges if isinstance(b, dict))
        if len(badges) < 50:
            break
    sdk.served("listBadges", answer, "offset walk lists every created badge once",
               shape=mine <= set(seen) and len(seen) == len(set(seen)))


@pytest.mark.rule("BADGE-15")
@pytest.mark.sdk("assignBadge")
def test_sdk_assign_badge_with_id_in_body(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                          members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    answer = assigned(sdk, badge["id"], members)
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
    returned = body_of(answer).get("memberIds")
    sdk.served("assignBadge", answer, "POST {id, memberIds} (path id repeated in the body)",
               shape=isinstance(returned, list) and set(members) <= set(returned), amb="AMB-30")


@pytest.mark.rule("BADGE-17")
@pytest.mark.sdk("unassignBadge")
def test_sdk_unassign_badge_repeated_member_keys(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                                 members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("unassignBadge", "DELETE", f"{BADGES}/{badge['id']}/members",
                      params=[("id", badge["id"]), *(("memberIds", m) for m in members)])
    if not sdk.served("unassignBadge", answer, "DELETE ?id=&memberIds=a&memberIds=b", amb="AMB-39"):
        return
    left = sdk.target.get(f"{BADGES}/{badge['id']}/members")
    remaining = body_of(left).get("memberIds") or []
    sdk.served("unassignBadge", left, "members are gone after the unassign",
               shape=not set(members) & set(remaining), amb="AMB-39")


@pytest.mark.rule("BADGE-15")
@pytest.mark.sdk("listMembersByBadge")
def test_sdk_list_members_by_badge_with_id_in_query(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                                    members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("listMembersByBadge", "GET", f"{BADGES}/{badge['id']}/members",
                      params=[("id", badge["id"]), ("paging.limit", 100)])
    listed = body_of(answer).get("memberIds")
    sdk.served("listMembersByBadge", answer, "GET ?id=&paging.limit=100",
               shape=isinstance(listed, list) and set(members) <= set(listed), amb="AMB-39")


@pytest.mark.rule("BADGE-15")
@pytest.mark.sdk("listBadgesPerMember")
def test_sdk_list_badges_per_member(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                    members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("listBadgesPerMember", "POST", f"{BADGES}/members", {"memberIds": members[:1]})
    entries = body_of(answer).get("memberBadgeIds")
    entry = next((e for e in entries or [] if isinstance(e, dict) and e.get("memberId") == members[0]), {})
    sdk.served("listBadgesPerMember", answer, "POST {memberIds}",
               shape=badge["id"] in (entry.get("badgeIds") or []))


@pytest.mark.rule("BADGE-23", "BADGE-15")
@pytest.mark.sdk("getMemberCountsPerBadge")
def test_sdk_get_member_counts_per_badge(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect,
                                         members: list[str], conformance_settings: RunSettings) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    assigning(sdk, expect, conformance_settings, badge["id"], members)
    answer = sdk.call("getMemberCountsPerBadge", "GET", f"{BADGES}/members/count")
    counts = body_of(answer).get("badgeMemberCounts")
    entry = next((c for c in counts or [] if isinstance(c, dict) and c.get("badgeId") == badge["id"]), {})
    sdk.served("getMemberCountsPerBadge", answer, "GET without a body or Content-Type",
               shape=entry.get("memberCount") == len(members))


@pytest.mark.site_wide
@pytest.mark.rule("BADGE-20")
@pytest.mark.sdk("updateBadgesDisplayOrder")
def test_sdk_update_badges_display_order(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    """The display order is site-wide: the original order is put back whatever happens."""
    with site_lock(sdk.target.base_url, "badge-order"):
        _update_display_order(sdk, owned, unique, expect)


def _update_display_order(sdk: Sdk, owned: Owned, unique: Unique, expect: Expect) -> None:
    badge = new_badge(sdk, owned, unique, expect)
    before: list[str] = []
    for _ in range(MAX_PAGES):
        page = expect.setup(sdk.target.get(BADGES, params={"paging.limit": 100, "paging.offset": len(before)}),
                         "listing badges")
        before.extend(b["id"] for b in page.get("badges", []) if b.get("id"))
        if len(page.get("badges", [])) < 100:
            break
    wanted = [badge["id"], *(b for b in before if b != badge["id"])]
    try:
        answer = sdk.call("updateBadgesDisplayOrder", "PATCH", f"{BADGES}/order", {"badgeIds": wanted})
        order = [b.get("id") for b in body_of(answer).get("badges") or [] if isinstance(b, dict)]
        sdk.served("updateBadgesDisplayOrder", answer, "PATCH {badgeIds: [all badges]}",
                   shape=order == wanted)
    finally:
        sdk.target.patch(f"{BADGES}/order", {"badgeIds": before})
