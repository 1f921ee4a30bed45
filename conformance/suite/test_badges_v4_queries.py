"""Members Badges v4 query, display order, SDK forms and v3 migration (§8.1: BADGE4-18..BADGE4-31, MIGRATE4-1).

Queries are judged on the test's own badges only (filtered by id); the site-wide display order is saved first
and restored afterwards. Without any v4 route every test here is skipped ("not served").
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.apis.badges_v4 import MAX_PAGES, QUERY, BadgesV4Api, badge_path, next_cursor
from conformance.live import Owned, site_lock
from conformance.plugin import Unique
from conformance.suite.support.badges import as_dict, as_list, badge_ids, order_all
from conformance.suite.support.badges_v4 import (
    UNKNOWN_BADGE,
    badge_in,
    colors,
    create_badge,
    ids_of,
    ours,
    register,
    v3_or_skip,
    v4_badges,  # noqa: F401 - the v4 `badges` fixture, over conftest's v3 one
)
from conformance.target import Exchange, Target
from conformance.verdict import Expect


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
def restore_order(badges: BadgesV4Api, saved: list[str]) -> None:
    def arrange(present: list[str]) -> list[str]:
        return [i for i in saved if i in present] + [i for i in present if i not in saved]

    wanted = arrange(badge_ids(badges))
    if not wanted:
        return
    if len(wanted) <= 100:
        wanted, answer = order_all(badges, arrange)
        if answer is None or answer.status == 200:
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
        saved = badge_ids(badges)
        try:
            yield saved
        finally:
            restore_order(badges, saved)


@pytest.mark.rule("BADGE4-25", "COMMON-2")
def test_display_order_answers_badges_in_that_order(
    badges: BadgesV4Api, owned: Owned, expect: Expect, unique: Unique
) -> None:
    first, second = (create_badge(badges, owned, expect, unique)["id"] for _ in range(2))
    with order_restored(badges):
        wanted, answer = order_all(badges, lambda present: ([second, first] + [i for i in present
                                                                                if i not in (first, second)])[:100])
        assert answer is not None  # the list holds this test's two badges
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
        order = [i for i in badge_ids(badges) if i in {b["id"] for b in made}]
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
