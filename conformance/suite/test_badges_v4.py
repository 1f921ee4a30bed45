"""Members Badges v4 rules (API-FACTS-BADGES-V4 §8.1), one or more tests per rule statement.

Live-site safety: titles come from `unique.name()` (they carry the run tag), every created badge is registered
with `owned` (deleting a badge removes its assignments), queries are judged on the test's own badges only
(filtered by id), and the site-wide display order is saved first and restored afterwards. A target that
serves no v4 route at all gets every test here skipped with one reason ("not served"), not failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.apis import moment, not_before
from conformance.apis.badges import BadgesApi
from conformance.apis.badges_v4 import MAX_PAGES, QUERY, AssignmentsV4Api, BadgesV4Api, badge_path, next_cursor
from conformance.live import Owned, site_lock
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges import UPPER_COLOR, as_dict, as_list, slug_of
from conformance.suite.support.ids import GUID
from conformance.suite.support.members import member_ids
from conformance.suite.v4_served import require_v4
from conformance.target import Exchange, Target
from conformance.verdict import Expect

UNKNOWN_BADGE = "0badbad0-0000-4000-8000-00000000b4d4"
REVISION = r"^[1-9][0-9]*$"

pytestmark = pytest.mark.usefixtures("v4_served")


@pytest.fixture
def v4_served(target: Target) -> None:
    require_v4(target)


@pytest.fixture
def badges(target: Target) -> BadgesV4Api:
    return BadgesV4Api(target)


def badge_in(expect: Expect, answer: Exchange, what: str, rule: str | None = None) -> dict[str, Any]:
    """The `{badge}` envelope of a 200 answer."""
    body = as_dict(expect.ok(answer, what, rule=rule))
    expect.that(isinstance(body.get("badge"), dict), f"{what}: the answer carries a `badge` object", answer, rule)
    return dict(body["badge"])


def colors() -> dict[str, str]:
    return {"backgroundColor": "#C81B53", "textColor": "#FFFFFF"}


def create_badge(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, **fields: Any) -> dict[str, Any]:
    """A badge this test owns; the set-up itself must succeed (BADGE4-1). Both colors are sent (AMB4-3)."""
    answer = badges.create({"title": unique.name(), **colors(), **fields})
    badge = as_dict(as_dict(expect.setup(answer, "creating a v4 badge for the scenario")).get("badge"))
    expect.that(isinstance(badge.get("id"), str), "the created badge has an id", answer)
    owned.add("badge-v4", badge["id"])
    return badge


def register(owned: Owned, answer: Exchange) -> dict[str, Any]:
    """A create the test expected to be rejected may succeed: its badge is still ours to delete."""
    badge = as_dict(as_dict(answer.body).get("badge")) if answer.status == 200 else {}
    if isinstance(badge.get("id"), str):
        owned.add("badge-v4", badge["id"])
    return badge


def ids_of(answer: Exchange) -> list[str]:
    return [str(as_dict(b).get("id")) for b in as_list(as_dict(answer.body).get("badges"))]


def ours(made: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": {"$in": [b["id"] for b in made]}}


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
    expect.setup(assignments.create(badge["id"], member), "assign the badge before the delete")
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


# BADGE4-18 .. BADGE4-24: query ---------------------------------------------------------------------
@pytest.mark.rule("BADGE4-18")
@pytest.mark.parametrize("body", [{}, {"query": {}}], ids=["empty-body", "empty-query"])
def test_query_answers_badges_and_paging_metadata(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, body: dict[str, Any]
) -> None:
    made = [create_badge(badges, owned, expect, unique) for _ in range(2)]
    answer = badges.target.post(QUERY, body)
    page = as_dict(expect.ok(answer, f"Query Badges with {body}"))
    listed = as_list(page.get("badges"))
    metadata = as_dict(page.get("pagingMetadata"))
    expect.that(isinstance(page.get("badges"), list) and len(listed) <= 100, "`badges` holds at most 100", answer)
    expect.that(metadata.get("count") == len(listed), f"pagingMetadata.count ({metadata.get('count')!r}) equals "
                f"the page size ({len(listed)})", answer)
    one = badges.query(filter=ours(made), limit=1)
    metadata = as_dict(as_dict(expect.ok(one, "Query Badges with limit 1")).get("pagingMetadata"))
    expect.that(metadata.get("count") == len(ids_of(one)), "pagingMetadata.count equals the page size", one)


@pytest.mark.rule("BADGE4-19", "COMMON-14")
def test_query_limit_is_honoured_and_capped(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    made = [create_badge(badges, owned, expect, unique) for _ in range(3)]
    answer = badges.query(filter=ours(made), limit=2)
    expect.ok(answer, "Query Badges with limit 2", rule="BADGE4-19")
    expect.that(len(ids_of(answer)) <= 2, f"limit 2 returns at most 2 badges, got {len(ids_of(answer))}", answer,
                rule="BADGE4-19")
    big = badges.query(limit=101)
    if big.status != 200:
        expect.rejected(big, 400, what="Query Badges with limit 101", rule="BADGE4-19")
        return
    expect.that(len(ids_of(big)) <= 100, "limit 101 never returns more than 100", big, rule="BADGE4-19")


def walk_ids(badges: BadgesV4Api, expect: Expect, filter: dict[str, Any], rule: str) -> tuple[list[str], Exchange]:
    """Follow `cursors.next` with cursor-only requests (BADGE4-20); returns every id seen, in order."""
    answer = badges.query(filter=filter, limit=1)
    seen: list[str] = []
    for _ in range(MAX_PAGES):
        expect.ok(answer, "a page of the cursor walk", rule=rule)
        seen += ids_of(answer)
        cursor = next_cursor(answer)
        if not cursor:
            break
        answer = badges.query(limit=1, cursor=cursor)
    return seen, answer


@pytest.mark.rule("BADGE4-20", "COMMON-13")
def test_cursor_walk_visits_every_match_once(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    made = [create_badge(badges, owned, expect, unique) for _ in range(4)]
    wanted = sorted(b["id"] for b in made[:3])
    seen, last = walk_ids(badges, expect, ours(made[:3]), "BADGE4-20")
    expect.that(sorted(seen) == wanted, f"the walk visits each matching badge once: wanted {wanted}, saw {seen}",
                last, rule="BADGE4-20")
    expect.that(not as_dict(as_dict(last.body).get("pagingMetadata")).get("hasNext"), "the walk ends with "
                "hasNext false", last, rule="BADGE4-20")


@pytest.mark.rule("BADGE4-21")
def test_documented_filters_select_exactly_the_matches(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    a = create_badge(badges, owned, expect, unique, description="has one", permissionsEnabled=True)
    b = create_badge(badges, owned, expect, unique)
    c = create_badge(badges, owned, expect, unique)
    mine = ours([a, b, c])
    cases = [
        ("title plain value", {"title": a["title"]}, {a["id"]}),
        ("slug $eq", {"slug": {"$eq": b["slug"]}}, {b["id"]}),
        ("id $ne", {"$and": [mine, {"id": {"$ne": a["id"]}}]}, {b["id"], c["id"]}),
        ("id $in", {"id": {"$in": [a["id"], c["id"]]}}, {a["id"], c["id"]}),
        ("description $exists", {"$and": [mine, {"description": {"$exists": True}}]}, {a["id"]}),
        ("permissionsEnabled $eq", {"$and": [mine, {"permissionsEnabled": True}]}, {a["id"]}),
        ("title $startsWith", {"$and": [mine, {"title": {"$startsWith": b["title"]}}]}, {b["id"]}),
    ]
    for label, flt, wanted in cases:
        answer = badges.query(filter=flt)
        expect.ok(answer, f"Query Badges by {label}")
        got = ids_of(answer)
        expect.that(set(got) == wanted and len(got) == len(wanted),
                    f"filter by {label} returns exactly {sorted(wanted)}, got {got}", answer)


@pytest.mark.rule("BADGE4-22")
def test_starts_with_ignores_case(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = badges.query(filter={"$and": [ours([badge]), {"title": {"$startsWith": badge["title"].upper()}}]})
    expect.ok(answer, "Query Badges with an upper-cased $startsWith")
    expect.prefer(ids_of(answer) == [badge["id"]], "$startsWith is case-insensitive", answer)


@pytest.mark.rule("BADGE4-23")
def test_sort_by_title(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    base = unique.name(40)
    made = [create_badge(badges, owned, expect, unique, title=f"{base} {letter}") for letter in "CAB"]
    expected = [b["id"] for b in sorted(made, key=lambda b: b["title"])]
    answer = badges.query(filter=ours(made), sort=[{"fieldName": "title", "order": "ASC"}])
    expect.ok(answer, "Query Badges sorted by title ASC")
    expect.that(ids_of(answer) == expected, f"ASC by title gives {expected}, got {ids_of(answer)}", answer)
    desc = badges.query(filter=ours(made), sort=[{"fieldName": "title", "order": "DESC"}])
    if desc.status != 200:  # AMB4-11: "Sort: ASC" only
        expect.rejected(desc, 400, what="Query Badges sorted DESC")
        return
    expect.that(ids_of(desc) == expected[::-1], f"an accepted DESC sorts descending, got {ids_of(desc)}", desc)


@pytest.mark.rule("BADGE4-24")
def test_sdk_offset_paging_with_total(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    base = unique.name(40)
    made = [create_badge(badges, owned, expect, unique, title=f"{base} {letter}") for letter in "ABC"]
    query = {"filter": ours(made), "sort": [{"fieldName": "title", "order": "ASC"}],
             "paging": {"offset": 1, "limit": 1}}
    answer = badges.target.post(QUERY, {"query": query})
    if answer.status != 200:
        expect.prefer(False, f"the SDK builder's offset paging is served, got HTTP {answer.status}", answer,
                      amb="AMB4-2")
        return
    expect.prefer(ids_of(answer) == [made[1]["id"]], f"offset 1, limit 1 gives the 2nd badge, got {ids_of(answer)}",
                  answer, amb="AMB4-2")
    total = as_dict(as_dict(answer.body).get("pagingMetadata")).get("total")
    expect.prefer(total == 3, f"pagingMetadata.total is 3 (the SDK's .next() needs it), got {total!r}", answer,
                  amb="AMB4-2")


# BADGE4-25 .. BADGE4-28: display order (site-wide: saved and restored) --------------------------------
def display_order(badges: BadgesV4Api) -> list[str]:
    """The display order as far as it can be read: unsorted Query Badges (AMB4-9: no documented read)."""
    return [b["id"] for b in badges.all() if isinstance(b.get("id"), str)]


def restore_order(badges: BadgesV4Api, saved: list[str]) -> None:
    present = set(display_order(badges))
    wanted = [i for i in saved if i in present] + [i for i in display_order(badges) if i not in saved]
    if not wanted:
        return
    if len(wanted) <= 100 and badges.order(wanted).status == 200:
        return
    previous = None
    for badge_id in wanted:  # more than 100 badges, or no V6: one Move per badge
        if previous is None:
            badges.move(badge_id, position="FIRST")
        else:
            badges.move(badge_id, position="AFTER", moveAfterBadgeId=previous)
        previous = badge_id


@contextmanager
def order_restored(badges: BadgesV4Api) -> Iterator[list[str]]:
    with site_lock(badges.target.base_url, "badge-order"):
        saved = display_order(badges)
        try:
            yield saved
        finally:
            restore_order(badges, saved)


@pytest.mark.rule("BADGE4-25", "COMMON-2")
def test_display_order_answers_badges_in_that_order(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    first, second = (create_badge(badges, owned, expect, unique)["id"] for _ in range(2))
    with order_restored(badges) as saved:
        present = [i for i in saved if i not in (first, second)]
        wanted = ([second, first] + present)[:100]
        answer = badges.order(wanted)
        returned = [i for i in ids_of(answer) if i in wanted]
        expect.ok(answer, "update the display order", rule="BADGE4-25")
        expect.that(returned[:2] == [second, first] and returned == [i for i in wanted if i in returned],
                    "the answer lists the badges in exactly the sent order", answer, rule="BADGE4-25")
        for label, ids in (("empty ids", []), ("101 ids", [unique.guid() for _ in range(101)]),
                           ("a malformed id", ["not-a-guid"])):
            expect.rejected(badges.order(ids), 400, what=f"display order with {label}", rule="BADGE4-25")


@pytest.mark.rule("BADGE4-26")
@pytest.mark.parametrize("position", ["FIRST", "LAST", "AFTER"])
def test_move_answers_empty_and_keeps_the_badge(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique, position: str
) -> None:
    badge = create_badge(badges, owned, expect, unique, description=unique.name())
    other = create_badge(badges, owned, expect, unique)
    extra = {"moveAfterBadgeId": other["id"]} if position == "AFTER" else {}
    with order_restored(badges):
        answer = badges.move(badge["id"], position=position, **extra)
        body = expect.ok(answer, f"move {position}")
        expect.that(isinstance(body, dict), "Move Badge answers a JSON object", answer)
    stored = badge_in(expect, badges.get(badge["id"]), "re-read after the move")
    changed = sorted(k for k in badge if k not in ("revision", "updatedDate") and stored.get(k) != badge[k])
    expect.that(not changed, f"the move changed no badge field; changed {changed}", answer)


@pytest.mark.rule("BADGE4-27")
def test_move_after_needs_a_known_target(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    with order_restored(badges):
        for label, extra in (("without moveAfterBadgeId", {}), ("after an unknown badge",
                                                                 {"moveAfterBadgeId": UNKNOWN_BADGE})):
            answer = badges.move(badge["id"], position="AFTER", **extra)
            expect.prefer(answer.status in (400, 404), f"move AFTER {label} is rejected, got HTTP {answer.status}",
                          answer, amb="AMB4-24")


@pytest.mark.rule("BADGE4-28")
def test_move_first_shows_in_the_unsorted_order(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    made = [create_badge(badges, owned, expect, unique) for _ in range(2)]
    with order_restored(badges):
        expect.ok(badges.move(made[1]["id"], position="FIRST"), "move the newer badge first")
        order = [i for i in display_order(badges) if i in {b["id"] for b in made}]
        expect.prefer(order[:1] == [made[1]["id"]], f"an unsorted query lists the moved badge first, got {order}",
                      amb="AMB4-9")


# BADGE4-30 / BADGE4-31: the SDK's wire forms, credentials -------------------------------------------
@pytest.mark.rule("BADGE4-30")
def test_sdk_request_forms_are_served(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    got = badges.target.get(badge_path(badge["id"]), params={"badgeId": badge["id"]})
    expect.prefer(got.status == 200, f"GET with the SDK's ?badgeId= is served, got HTTP {got.status}", got,
                  amb="AMB-39")
    spread = {**badge, "_id": badge["id"], "title": unique.name()}
    updated = badges.update(badge["id"], spread)
    expect.prefer(updated.status == 200, f"the SDK's GET-then-spread update body is served, got HTTP "
                  f"{updated.status}", updated, amb="AMB4-23")
    with order_restored(badges):
        moved = badges.move(badge["id"], badgeId=badge["id"], position="LAST")
        expect.prefer(moved.status == 200, f"move with badgeId repeated in the body is served, got {moved.status}",
                      moved, amb="AMB4-23")
    deleted = badges.target.delete(badge_path(badge["id"]), params={"badgeId": badge["id"]})
    expect.prefer(deleted.status == 200, f"DELETE with the SDK's ?badgeId= is served, got HTTP {deleted.status}",
                  deleted, amb="AMB-39")


@pytest.mark.rule("BADGE4-31")
@pytest.mark.parametrize("operation", ["query", "create"])
def test_v4_requests_without_credentials_get_401(
    target: Target, owned: Owned, expect: Expect, unique: Unique, operation: str
) -> None:
    anonymous = Target(target.base_url, timeout=target.timeout)
    if operation == "query":
        answer = anonymous.post(QUERY, {"query": {}})
    else:
        answer = anonymous.post("/badges/v4/badges", {"badge": {"title": unique.name(), **colors()}})
        register(owned, answer)
    target.log.extend(anonymous.log)
    expect.status(answer, 401, what=f"v4 {operation} without an Authorization header")


# MIGRATE4-1: cross-version consistency (only when the target serves v3 too) ----------------------------
def v3_or_skip(target: Target) -> BadgesApi:
    v3 = BadgesApi(target)
    if v3.page(limit=1).status == 404:
        pytest.skip("the target does not serve Badges v3; the migration checks need both versions")
    return v3


@pytest.mark.rule("MIGRATE4-1")
def test_badges_are_the_same_in_v3_and_v4(badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique) -> None:
    v3 = v3_or_skip(badges.target)
    fields = ("id", "title", "backgroundColor", "textColor")
    old = as_dict(as_dict(expect.setup(v3.create({"title": unique.name(), **colors()}), "create through v3"))
                  .get("badge"))
    owned.add("badge", str(old.get("id")))
    seen = badges.get(str(old.get("id")))
    got = as_dict(as_dict(seen.body).get("badge")) if seen.status == 200 else {}
    expect.prefer(all(got.get(k) == old.get(k) for k in fields), f"the v3 badge is the same v4 badge: {got}", seen)
    new = create_badge(badges, owned, expect, unique)
    back = v3.get(new["id"])
    got = as_dict(as_dict(back.body).get("badge")) if back.status == 200 else {}
    expect.prefer(all(got.get(k) == new.get(k) for k in fields), f"the v4 badge is the same v3 badge: {got}", back)
