"""Members Badges v4 create, read, update and delete (API-FACTS-BADGES-V4 §8.1: BADGE4-1..BADGE4-17).

Live-site safety: titles carry the run tag and every created badge is registered with `owned` (deleting a badge
removes its assignments). A target that serves no v4 route gets every test skipped with one reason, not failed.
"""
from __future__ import annotations

from typing import Any

import pytest

from conformance.apis import moment, not_before
from conformance.apis.badges_v4 import AssignmentsV4Api, BadgesV4Api, badge_path
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges import UPPER_COLOR, as_dict, as_list, slug_of
from conformance.suite.support.badges_v4 import (
    UNKNOWN_BADGE,
    badge_in,
    colors,
    create_badge,
    ids_of,
    register,
    v4_badges,  # noqa: F401 - the v4 `badges` fixture, over conftest's v3 one
)
from conformance.suite.support.ids import GUID
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.target import Exchange
from conformance.verdict import Expect


# BADGE4-1 .. BADGE4-9: create ------------------------------------------------------------------------
@pytest.mark.rule("BADGE4-1")
def test_create_returns_the_badge_with_server_fields(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    title = unique.name()
    answer = badges.create({"title": title, **colors()})
    badge = badge_in(expect, answer, "create a badge with title and colors")
    register(owned, answer)
    expect.that(GUID.match(str(badge.get("id", ""))), f"id is a GUID, got {badge.get('id')!r}", answer)
    expect.that(badge.get("title") == title, f"title is the one sent, got {badge.get('title')!r}", answer)
    for key, value in colors().items():
        expect.that(badge.get(key) == value, f"{key} is {value!r}, got {badge.get(key)!r}", answer)
    expect.that(isinstance(badge.get("slug"), str) and badge["slug"], "slug is a non-empty string", answer)
    expect.that(isinstance(badge.get("revision"), str) and str(badge["revision"]).isdigit(),
                f"revision is a decimal string, got {badge.get('revision')!r}", answer)
    for key in ("createdDate", "updatedDate"):
        expect.that(moment(badge.get(key)) is not None, f"{key} is an RFC 3339 timestamp", answer)


@pytest.mark.rule("BADGE4-2", "COMMON-6")
def test_new_badge_has_revision_1(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    """The sheet says SHOULD (AMB4-7), but COMMON-6 (a MUST for every API, §8) already requires "1"."""
    badge = create_badge(badges, owned, expect, unique)
    expect.that(badge.get("revision") == "1", f'a new badge has revision "1", got {badge.get("revision")!r}',
                rule="BADGE4-2")


@pytest.mark.rule("BADGE4-3", "COMMON-2")
@pytest.mark.parametrize("title", [None, "", "x" * 51], ids=["missing", "empty", "51-characters"])
def test_create_with_bad_title_is_rejected(
    badges: BadgesV4Api, owned: Owned, expect: Expect, title: str | None
) -> None:
    body: dict[str, Any] = dict(colors())
    if title is not None:
        body["title"] = title
    answer = badges.create(body)
    register(owned, answer)
    expect.rejected(answer, 400, what="create with a missing, empty or 51-character title", rule="BADGE4-3")


@pytest.mark.rule("BADGE4-3")
def test_title_of_50_characters_is_accepted(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    title = unique.name().ljust(50, "x")[:50]
    badge = badge_in(expect, badges.create({"title": title, **colors()}), "create with a 50-character title")
    owned.add("badge-v4", badge["id"])
    expect.that(badge.get("title") == title, "the 50-character title is kept")


@pytest.mark.rule("BADGE4-4")
def test_description_limit_is_1500(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    long = badges.create({"title": unique.name(), **colors(), "description": "d" * 1501})
    register(owned, long)
    expect.rejected(long, 400, what="create with a 1501-character description")
    badge = create_badge(badges, owned, expect, unique, description="d" * 1500)
    expect.that(badge.get("description") == "d" * 1500, "a 1500-character description is accepted")
    update = badges.update(badge["id"], {"revision": badge.get("revision"), "description": "e" * 1501})
    expect.rejected(update, 400, what="update with a 1501-character description")


@pytest.mark.rule("BADGE4-5")
@pytest.mark.parametrize("color", ["red", "#GGGGGG", "#12345"])
def test_bad_colors_are_rejected(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, color: str
) -> None:
    answer = badges.create({"title": unique.name(), "backgroundColor": color, "textColor": "#FFFFFF"})
    register(owned, answer)
    expect.rejected(answer, 400, what=f"create with backgroundColor {color!r}")


@pytest.mark.rule("BADGE4-5")
def test_returned_colors_are_uppercase_hex(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    answer = badges.create({"title": unique.name(), "backgroundColor": "#a1b2c3", "textColor": "#ffeedd"})
    badge = register(owned, answer)
    if answer.status != 200:  # AMB-17: rejecting lowercase input is a tolerated reading
        expect.rejected(answer, 400, what="create with lowercase colors")
        badge = create_badge(badges, owned, expect, unique)
    for key in ("backgroundColor", "textColor"):
        expect.that(UPPER_COLOR.match(str(badge.get(key))), f"{key} {badge.get(key)!r} is #RRGGBB uppercase",
                    answer)


@pytest.mark.rule("BADGE4-6")
def test_create_without_colors_is_rejected_or_gets_valid_colors(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    answer = badges.create({"title": unique.name()})
    badge = register(owned, answer)
    if answer.status != 200:  # AMB4-3: the documented required colors
        expect.rejected(answer, 400, what="create without colors")
        return
    for key, default in (("backgroundColor", "#796EFF"), ("textColor", "#FFFFFF")):
        expect.that(UPPER_COLOR.match(str(badge.get(key))), f"a defaulted {key} is a valid color, got "
                    f"{badge.get(key)!r}", answer)
        expect.prefer(badge.get(key) == default, f"the v3 default {key} is {default}", answer, amb="AMB4-3")


@pytest.mark.rule("BADGE4-7")
def test_slug_is_derived_from_the_title(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    title = f"{unique.name(30)} Gold Member!"
    badge = create_badge(badges, owned, expect, unique, title=title)
    expect.that(badge.get("slug") == slug_of(title), f"title {title!r} gives slug {slug_of(title)!r}, got "
                f"{badge.get('slug')!r}")
    answer = badges.create({"title": f"{unique.name(30)} Silver", **colors(), "slug": f"client-{unique.guid()}"})
    chosen = register(owned, answer)
    if answer.status != 200:  # AMB4-23 / AMB-30: rejecting a read-only field is tolerated, ignoring it preferred
        expect.rejected(answer, 200, tolerated=(400,), amb="AMB4-23", what="create with a client slug")
        return
    expect.that(not str(chosen.get("slug", "")).startswith("client-"), "a client-supplied slug never wins", answer)


@pytest.mark.rule("BADGE4-8", "COMMON-7")
def test_client_server_fields_on_create_never_win(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    sent = {"id": unique.guid(), "revision": "7", "createdDate": "2000-01-01T00:00:00.000Z"}
    answer = badges.create({"title": unique.name(), **colors(), **sent})
    badge = register(owned, answer)
    if answer.status != 200:
        expect.rejected(answer, 200, tolerated=(400,), amb="AMB4-23", what="create with read-only fields")
        return
    for key, value in sent.items():
        expect.that(badge.get(key) != value, f"the client's {key} {value!r} does not override the server's", answer)


@pytest.mark.rule("BADGE4-9")
def test_icon_is_returned_as_an_object(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    url = "https://static.example.com/badges/gold.svg"
    badge = create_badge(badges, owned, expect, unique, icon={"url": url})
    icon = badge.get("icon")
    expect.that(isinstance(icon, dict), f"the icon comes back as an object, got {icon!r}")
    expect.prefer(as_dict(icon).get("url") == url, f"the icon url is kept, got {icon!r}", amb="AMB4-26")
    wix = "wix:image://v1/abc.png/gold.png#originWidth=10&originHeight=20"
    answer = badges.create({"title": unique.name(), **colors(), "icon": {"url": wix}})
    register(owned, answer)
    expect.ok(answer, "create with a wix:image:// icon url (not validated as http)")
    by_id = badges.create({"title": unique.name(), **colors(), "icon": {"id": "abc.png"}})
    register(owned, by_id)
    expect.prefer(by_id.status == 200, "an icon given by id alone is accepted", by_id)


# BADGE4-10 .. BADGE4-16: read and update -----------------------------------------------------------
@pytest.mark.rule("BADGE4-10")
def test_get_returns_the_last_written_badge(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    created = create_badge(badges, owned, expect, unique, description=unique.name())
    got = badge_in(expect, badges.get(created["id"]), "get the created badge")
    differing = sorted(k for k in created if got.get(k) != created[k])
    expect.that(not differing, f"GET matches the create answer; differing fields {differing}")
    answer = badges.update(created["id"], {"revision": created.get("revision"), "title": unique.name()})
    updated = badge_in(expect, answer, "update the title")
    got = badge_in(expect, badges.get(created["id"]), "get the updated badge")
    differing = sorted(k for k in updated if got.get(k) != updated[k])
    expect.that(not differing, f"GET matches the update answer (revision included); differing {differing}")


UNKNOWN_OPERATIONS = [pytest.param("get", marks=pytest.mark.read_only), "update", "delete", "move"]


@pytest.mark.rule("BADGE4-11", "COMMON-3", "COMMON-4")
@pytest.mark.parametrize("operation", UNKNOWN_OPERATIONS)
def test_unknown_and_malformed_badge_ids(badges: BadgesV4Api, expect: Expect, unique: Unique, operation: str) -> None:
    def send(badge_id: str) -> Exchange:
        return {
            "get": lambda: badges.get(badge_id),
            "update": lambda: badges.update(badge_id, {"title": unique.name(), "revision": "1"}),
            "delete": lambda: badges.delete(badge_id),
            "move": lambda: badges.move(badge_id, position="FIRST"),
        }[operation]()

    expect.status(send(UNKNOWN_BADGE), 404, what=f"{operation} with an unknown badge id", rule="BADGE4-11")
    expect.rejected(send("not-a-guid"), 400, tolerated=(404,), what=f"{operation} with a malformed id",
                    rule="BADGE4-11")


@pytest.mark.rule("BADGE4-12", "COMMON-6")
def test_update_increments_revision_and_follows_the_title(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    title = f"{unique.name(30)} Renamed"
    answer = badges.update(badge["id"], {"revision": badge["revision"], "title": title})
    updated = badge_in(expect, answer, "update the title with the current revision", rule="BADGE4-12")
    expect.that(updated.get("revision") == str(int(badge["revision"]) + 1),
                f"revision goes {badge['revision']} -> {int(badge['revision']) + 1}, got {updated.get('revision')!r}",
                answer, rule="BADGE4-12")
    expect.that(updated.get("title") == title, "the new title is returned", answer, rule="BADGE4-12")
    expect.that(updated.get("id") == badge["id"], "id is unchanged", answer, rule="BADGE4-12")
    expect.that(moment(updated.get("createdDate")) == moment(badge.get("createdDate")), "createdDate is unchanged",
                answer, rule="BADGE4-12")
    expect.that(not_before(updated.get("updatedDate"), badge.get("updatedDate")), "updatedDate does not go back",
                answer, rule="BADGE4-12")
    expect.prefer(updated.get("slug") == slug_of(title), f"the slug follows the title ({slug_of(title)!r}), got "
                  f"{updated.get('slug')!r}", answer, rule="BADGE4-12")


@pytest.mark.rule("BADGE4-13", "COMMON-5")
def test_update_with_a_stale_revision_is_a_conflict(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    current = badge_in(expect, badges.update(badge["id"], {"revision": badge["revision"], "title": unique.name()}),
                       "update once, so the first revision is stale")
    answer = badges.update(badge["id"], {"revision": badge["revision"], "title": unique.name()})
    expect.status(answer, 409, what="update with the stale revision", rule="BADGE4-13")
    stored = badge_in(expect, badges.get(badge["id"]), "re-read after the conflict")
    for key in ("revision", "title"):
        expect.that(stored.get(key) == current.get(key), f"the rejected update changed nothing ({key})", answer,
                    rule="BADGE4-13")


@pytest.mark.rule("BADGE4-14")
def test_update_keeps_fields_not_supplied(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique, description="before", permissionsEnabled=True,
                         icon={"url": "https://static.example.com/i.svg"})
    answer = badges.update(badge["id"], {"revision": badge["revision"], "description": "after"})
    badge_in(expect, answer, "update only the description")
    stored = badge_in(expect, badges.get(badge["id"]), "re-read after the update")
    expect.that(stored.get("description") == "after", "the supplied field changed", answer)
    for key in ("title", "backgroundColor", "textColor", "permissionsEnabled", "icon"):
        expect.prefer(stored.get(key) == badge.get(key), f"{key} keeps {badge.get(key)!r}, got {stored.get(key)!r}",
                      answer, amb="AMB4-5")


@pytest.mark.rule("BADGE4-15", "COMMON-2")
def test_update_without_badge_is_rejected(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = badges.target.patch(badge_path(badge["id"]), {})
    expect.rejected(answer, 400, what="update with a body without `badge`", rule="BADGE4-15")


@pytest.mark.rule("BADGE4-16")
def test_update_without_revision_is_rejected_or_still_increments(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = badges.update(badge["id"], {"title": unique.name()})
    if answer.status != 200:  # AMB4-4: "the current revision must be passed"
        expect.rejected(answer, 400, what="update without revision")
        return
    updated = badge_in(expect, answer, "update without revision")
    expect.that(updated.get("revision") == str(int(badge["revision"]) + 1),
                f"an accepted update still increments the revision, got {updated.get('revision')!r}", answer)


# BADGE4-17: delete -----------------------------------------------------------------------------------
@pytest.mark.rule("BADGE4-17", "COMMON-10")
def test_deleted_badge_is_gone_with_its_assignments(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    assignments = AssignmentsV4Api(badges.target)
    [member] = member_ids(conformance_settings, unique, 1)
    assigned = assignments.create(badge["id"], member)
    skip_if_made_up_members_refused(assigned, [member], conformance_settings.member_ids)
    expect.setup(assigned, "assign the badge before the delete")
    answer = badges.delete(badge["id"])
    expect.deleted(answer, "delete the badge", rule="COMMON-10")
    expect.status(badges.get(badge["id"]), 404, what="get after delete", rule="BADGE4-17")
    query = badges.query(filter={"id": badge["id"]})
    expect.ok(query, "Query Badges after delete", rule="BADGE4-17")
    expect.that(badge["id"] not in ids_of(query), "the deleted badge is absent from Query Badges", query,
                rule="BADGE4-17")
    left = assignments.query(filter={"badgeId": badge["id"]})
    found = as_list(as_dict(expect.ok(left, "query assignments of the deleted badge", rule="BADGE4-17"))
                    .get("badgeAssignments"))
    expect.that(not found, f"the deleted badge's assignments are gone, found {len(found)}", left, rule="BADGE4-17")


