"""Members Badges v3 listing, querying, delete, unknown ids, literal routes, errors and credentials (API-FACTS §2.5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.apis.badges import (
    BADGES,
    COUNTS,
    MEMBER_BADGES,
    ORDER,
    QUERY,
    BadgesApi,
    badge_path,
    members_path,
)
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges import (
    UNKNOWN_BADGE,
    as_dict,
    as_list,
    badge_ids,
    counts,
    create_badge,
    display_order_restored,
    ids_of,
    order_all,
    register,
)
from conformance.suite.support.errors import check_error_body
from conformance.suite.support.members import (
    member_ids,
    skip_if_made_up_members_refused,
)
from conformance.target import Exchange, Target
from conformance.verdict import Expect

UNKNOWN_OPERATIONS = [
    pytest.param("get", marks=pytest.mark.read_only),
    "update",
    "delete",
    "assign",
    "unassign",
    pytest.param("list-members", marks=pytest.mark.read_only),
]
BADGE_ERRORS: dict[str, Callable[[BadgesApi, Unique], Exchange]] = {
    "400-invalid": lambda api, unique: api.create({"description": unique.name()}),
    "400-malformed-json": lambda api, unique: api.target.request(
        "POST", BADGES, raw_body='{"badge": {', headers={"Content-Type": "application/json"}),
    "400-bad-member-ids": lambda api, unique: api.assign(UNKNOWN_BADGE, ["not-a-guid"]),
    "404-unknown-id": lambda api, unique: api.get(UNKNOWN_BADGE),
    "404-unknown-members": lambda api, unique: api.members(UNKNOWN_BADGE),
}
BADGE_ANONYMOUS: dict[str, Callable[[Target, Unique], Exchange]] = {
    "list": lambda anonymous, unique: anonymous.get(BADGES),
    "create": lambda anonymous, unique: anonymous.post(BADGES, {"badge": {"title": unique.name()}}),
    "get": lambda anonymous, unique: anonymous.get(badge_path(UNKNOWN_BADGE)),
    "assign": lambda anonymous, unique: anonymous.post(members_path(UNKNOWN_BADGE), {"memberIds": [unique.guid()]}),
    "counts": lambda anonymous, unique: anonymous.get(COUNTS),
}


@pytest.mark.rule("BADGE-10", "COMMON-3")
@pytest.mark.parametrize("operation", UNKNOWN_OPERATIONS)
def test_unknown_badge_id_is_not_found(
    badges: BadgesApi, expect: Expect, unique: Unique, conformance_settings: RunSettings, operation: str
) -> None:
    member = member_ids(conformance_settings, unique, 1)
    send = {
        "get": lambda: badges.get(UNKNOWN_BADGE),
        "update": lambda: badges.update(UNKNOWN_BADGE, {"title": unique.name()}),
        "delete": lambda: badges.delete(UNKNOWN_BADGE),
        "assign": lambda: badges.assign(UNKNOWN_BADGE, member),
        "unassign": lambda: badges.unassign(UNKNOWN_BADGE, member),
        "list-members": lambda: badges.members(UNKNOWN_BADGE),
    }[operation]
    answer = send()
    if operation in ("assign", "unassign") and answer.status != 404:
        # Both the badge and the made-up member are unknown: which one a site reports first is free (AMB-34).
        skip_if_made_up_members_refused(answer, member, conformance_settings.member_ids)
    expect.status(answer, 404, what=f"{operation} with an unknown badge id")


# BADGE-11 .. BADGE-13: listing and querying ------------------------------------------------------
@pytest.mark.rule("BADGE-11")
def test_list_badges_pages_with_limit_and_offset(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    for _ in range(6):  # more than offset + limit, so an ignored limit shows
        create_badge(badges, owned, expect, unique)
    for _ in range(3):  # other clients of a live site may add badges meanwhile: judge a stable snapshot
        first, page = badges.page(), badges.page(limit=4, offset=1)
        if ids_of(badges.page()) == ids_of(first):
            break
    body = as_dict(expect.ok(first, "List Badges without parameters"))
    listed = as_list(body.get("badges"))
    metadata = as_dict(body.get("metadata"))
    expect.that(6 <= len(listed) <= 100, f"the default page holds 6..100 badges, got {len(listed)}", first)
    expect.that(
        metadata.get("offset", 0) in (0, None), f"metadata.offset is 0, got {metadata.get('offset')!r}", first
    )
    expect.that(
        metadata.get("count", len(listed)) == len(listed), "metadata.count equals the page size", first
    )
    paged = as_dict(expect.ok(page, "List Badges with paging.limit=4&paging.offset=1"))
    items = as_list(paged.get("badges"))
    expect.that(len(items) <= 4, f"paging.limit=4 returns at most 4 badges, got {len(items)}", page)
    expected = [as_dict(b).get("id") for b in listed[1:5]]
    expect.that(ids_of(page) == expected, f"the page starts at the 2nd badge: expected {expected}", page)
    count = as_dict(paged.get("metadata")).get("count", len(items))
    expect.that(count == len(items), f"metadata.count ({count!r}) equals the page size ({len(items)})", page)
    if metadata.get("total") is None:
        return
    for _ in range(3):
        before, walked, after = badges.page(), len(badges.all()), badges.page()
        total = as_dict(as_dict(before.body).get("metadata")).get("total")
        if total == as_dict(as_dict(after.body).get("metadata")).get("total"):
            break
    expect.that(total == walked, f"metadata.total ({total!r}) is the number of badges ({walked})", before)


@pytest.mark.rule("BADGE-12", "COMMON-14")
@pytest.mark.read_only
@pytest.mark.parametrize("how", ["list", "query"])
def test_oversize_limit_gives_a_400_or_a_clamped_page(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, conformance_settings: RunSettings, how: str
) -> None:
    """paging.limit=1001 is rejected or clamped (AMB-20). A clamped page is a real page: never more than 1000
    badges (a bound only a site with more than 1000 badges can break), none twice, and at least the default
    page of 100 (every clamp gives 100 or more), so on a smaller site every badge. A badge of its own makes
    sure there is one to page, except in a read-only run."""
    if not conformance_settings.read_only:
        create_badge(badges, owned, expect, unique)
    send = (lambda: badges.page(limit=1001)) if how == "list" else (lambda: badges.query(filter={}, limit=1001))
    for _ in range(3):  # other clients of a live site may add badges meanwhile: judge a stable snapshot
        present = badge_ids(badges)
        answer = send()
        if set(badge_ids(badges)) == set(present):
            break
    what = f"{'List' if how == 'list' else 'Query'} Badges with paging.limit=1001"
    if answer.status != 200:  # AMB-20: rejecting the oversize limit is one accepted reading
        expect.rejected(answer, 400, amb="AMB-20", what=what)
        return
    expect.ok(answer, what)
    items = ids_of(answer)
    expect.that(len(items) <= 1000, f"{what}: at most 1000 badges per call, got {len(items)}", answer)
    expect.that(len(items) == len(set(items)), f"{what}: no badge twice on one page", answer)
    floor = min(len(present), 100)
    expect.that(
        len(items) >= floor and set(items) <= set(present),
        f"{what}: a clamped limit still pages the site's badges: expected at least {floor} of the "
        f"{len(present)} badges, got {len(items)}",
        answer,
    )


@pytest.mark.rule("BADGE-13")
def test_query_badges_filters_by_title_slug_and_id(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    made = [create_badge(badges, owned, expect, unique) for _ in range(3)]
    ours = {b["id"] for b in made}
    everything = badges.query(filter={}, limit=1000)
    expect.ok(everything, "Query Badges with an empty filter")
    found = set(ids_of(everything))
    if len(found) < 1000:
        expect.that(ours <= found, "an empty filter returns every badge, ours included", everything)
    cases = [
        ("title", {"title": made[0]["title"]}, {made[0]["id"]}),
        ("slug $eq", {"slug": {"$eq": made[1]["slug"]}}, {made[1]["id"]}),
        ("id $in", {"id": {"$in": [made[0]["id"], made[2]["id"]]}}, {made[0]["id"], made[2]["id"]}),
    ]
    for label, flt, wanted in cases:
        answer = badges.query(filter=flt)
        expect.ok(answer, f"Query Badges by {label}")
        got = ids_of(answer)
        expect.that(
            set(got) == wanted and len(got) == len(wanted),
            f"filter by {label} returns only the matching badges {sorted(wanted)}, got {got}",
            answer,
        )


@pytest.mark.rule("BADGE-13")
def test_query_badges_sorts_by_title(badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    base = unique.name(40)
    made = [create_badge(badges, owned, expect, unique, title=f"{base} {letter}") for letter in "CAB"]
    flt = {"id": {"$in": [b["id"] for b in made]}}
    expected = [b["title"] for b in sorted(made, key=lambda b: b["title"])]
    answer = badges.query(filter=flt, sort=[{"fieldName": "title", "order": "ASC"}])
    expect.ok(answer, "Query Badges sorted by title")
    titles = [as_dict(b).get("title") for b in as_list(as_dict(answer.body).get("badges"))]
    expect.prefer(titles == expected, f"sort by title ASC gives {expected}, got {titles}", answer)
    alias = badges.query(filter=flt, sorting=[{"fieldName": "title", "order": "DESC"}])
    titles = [as_dict(b).get("title") for b in as_list(as_dict(alias.body).get("badges"))]
    expect.prefer(
        alias.status == 200 and titles == expected[::-1],
        f"`sorting` is accepted as an alias of `sort`: expected {expected[::-1]}, got {titles}",
        alias,
        amb="AMB-18",
    )


# BADGE-14: delete ----------------------------------------------------------------------------------
@pytest.mark.rule("BADGE-14", "BADGE-23", "COMMON-10")
def test_deleted_badge_is_gone(badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = badges.delete(badge["id"])
    expect.deleted(answer, "delete the badge", rule="COMMON-10")
    expect.status(badges.get(badge["id"]), 404, what="get after delete", rule="BADGE-14")
    query = badges.query(filter={"id": badge["id"]})
    expect.ok(query, "Query Badges by the deleted id", rule="BADGE-14")
    expect.that(
        badge["id"] not in ids_of(query), "the deleted badge is absent from Query Badges", query, rule="BADGE-14"
    )
    expect.that(
        badge["id"] not in badge_ids(badges), "the deleted badge is absent from List Badges", rule="BADGE-14"
    )
    entries, seen = counts(badges, expect, rule="BADGE-23")
    # BADGE-14 names members/count among the views the deleted badge leaves (BADGE-23 says the same of every
    # entry); the violation names BADGE-14, the rule of the delete.
    expect.that(
        badge["id"] not in entries, "members/count no longer references the deleted badge", seen, rule="BADGE-14"
    )


# COMMON-17: literal routes win over {id} -----------------------------------------------------------
@pytest.mark.rule("COMMON-17")
@pytest.mark.read_only
@pytest.mark.parametrize("route", ["query", "members", "members/count"])
def test_badge_literal_routes_are_not_taken_for_ids(
    target: Target, expect: Expect, unique: Unique, route: str
) -> None:
    answer = {
        "query": lambda: target.post(QUERY, {"filter": {}}),
        "members": lambda: target.post(MEMBER_BADGES, {"memberIds": [unique.guid()]}),
        "members/count": lambda: target.get(COUNTS),
    }[route]()
    key = {"query": "badges", "members": "memberBadgeIds", "members/count": "badgeMemberCounts"}[route]
    body = as_dict(expect.ok(answer, f"{BADGES}/{route} is routed to its own method"))
    expect.that(
        isinstance(body.get(key, []), list), f"the answer of /{route} carries `{key}` (or omits it empty)", answer
    )


@pytest.mark.rule("COMMON-17")
def test_badge_order_route_is_not_taken_for_an_id(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    with display_order_restored(badges) as saved:
        if not saved:
            create_badge(badges, owned, expect, unique)
        _, reordered = order_all(badges, lambda present: present)  # the current order: nothing changes
        answer = reordered or badges.target.patch(ORDER, {"badgeIds": []})
        body = as_dict(expect.ok(answer, f"{ORDER} is routed to Update Badges Display Order"))
        expect.that(isinstance(body.get("badges"), list), "the answer carries `badges`", answer)


@pytest.mark.rule("COMMON-1")
@pytest.mark.parametrize("case", sorted(BADGE_ERRORS))
def test_badge_error_bodies_have_the_standard_shape(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    answer = BADGE_ERRORS[case](badges, unique)
    register(owned, answer)
    if not 400 <= answer.status < 500:
        pytest.skip(f"no error answer to inspect ({answer.status}); the rule of that scenario judges it")
    check_error_body(expect, answer, f"{case} answer")


@pytest.mark.rule("COMMON-9")
@pytest.mark.parametrize("operation", sorted(BADGE_ANONYMOUS))
def test_badge_requests_without_credentials_get_401(
    target: Target, owned: Owned, expect: Expect, unique: Unique, operation: str
) -> None:
    """A second client with none of the configured headers (the suite's credentials are headers)."""
    anonymous = Target(target.base_url, timeout=target.timeout)
    answer = BADGE_ANONYMOUS[operation](anonymous, unique)
    target.log.extend(anonymous.log)
    register(owned, answer)
    expect.status(answer, 401, what=f"{operation} without an Authorization header")
