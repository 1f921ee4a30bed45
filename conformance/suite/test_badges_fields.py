"""Members Badges v3 badge fields (API-FACTS §2.5, BADGE-1..BADGE-10): colors, slugs, titles, round trips.

Live-site safety: titles come from `unique.name()` and every created badge is registered with `owned`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance.apis import moment
from conformance.apis.badges import (
    BadgesApi,
)
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.badges import (
    DOCUMENTED,
    UPPER_COLOR,
    badge_in,
    badge_read_paths,
    create_badge,
    documented,
    every_badge,
    register,
    slug_of,
)
from conformance.suite.support.ids import GUID
from conformance.target import Exchange
from conformance.verdict import Expect


def differing(expected: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    a, b = documented(expected), documented(shown)
    return [key for key in DOCUMENTED if a[key] != b[key]]


def nothing_created(
    badges: BadgesApi, owned: Owned, expect: Expect, key: str, value: str, answer: Exchange
) -> None:
    """COMMON-2: a rejected create leaves no badge behind (found ones are still ours to delete)."""
    stored = [b for b in every_badge(badges, expect, "COMMON-2") if b.get(key) == value]
    for badge in stored:
        owned.add("badge", str(badge.get("id")))
    expect.that(not stored, f"the rejected create stored nothing, found {len(stored)} badge(s)", answer,
                rule="COMMON-2")


# BADGE-1 .. BADGE-10: the badge itself ----------------------------------------------------------
@pytest.mark.rule("BADGE-1")
def test_create_badge_returns_the_badge_with_server_fields(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    title = unique.name()
    answer = badges.create({"title": title})
    register(owned, answer)
    badge = badge_in(expect, answer, "create a badge with only a title")
    expect.that(GUID.match(str(badge.get("id", ""))), f"id is a GUID, got {badge.get('id')!r}", answer)
    expect.that(badge.get("title") == title, f"title is the one sent, got {badge.get('title')!r}", answer)
    expect.that(isinstance(badge.get("slug"), str) and badge["slug"], "slug is a non-empty string", answer)
    for key in ("createdDate", "updatedDate"):
        expect.that(isinstance(badge.get(key), str) and badge[key], f"{key} is present", answer)


@pytest.mark.rule("BADGE-2")
def test_create_without_colors_applies_default_colors(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    answer = badges.create({"title": unique.name()})
    register(owned, answer)
    badge = badge_in(expect, answer, "create a badge without colors")
    expect.that(
        badge.get("backgroundColor") == "#796EFF",
        f'default backgroundColor is "#796EFF", got {badge.get("backgroundColor")!r}',
        answer,
    )
    expect.that(
        badge.get("textColor") == "#FFFFFF",
        f'default textColor is "#FFFFFF", got {badge.get("textColor")!r}',
        answer,
    )


@pytest.mark.rule("BADGE-3")
def test_returned_colors_are_uppercase(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    sent = {"backgroundColor": "#a1b2c3", "textColor": "#ffeedd"}
    answer = badges.create({"title": unique.name(), **sent})
    register(owned, answer)
    if answer.status != 200:  # AMB-17: rejecting lowercase input is a tolerated reading
        expect.rejected(answer, 400, what="create with lowercase colors")
        created = create_badge(badges, owned, expect, unique, backgroundColor="#A1B2C3", textColor="#FFEEDD")
        answer = badges.get(created["id"])
    badge = badge_in(expect, answer, "badge with colors")
    for key, value in sent.items():
        expect.that(
            badge.get(key) == value.upper(),
            f"{key} comes back as {value.upper()!r}, got {badge.get(key)!r}",
            answer,
        )
    again = badges.get(badge["id"])
    stored = badge_in(expect, again, "get the badge")
    for key in sent:
        expect.that(
            UPPER_COLOR.match(str(stored.get(key))),
            f"stored {key} {stored.get(key)!r} is #RRGGBB uppercase",
            again,
        )


@pytest.mark.rule("BADGE-3")
def test_updated_colors_are_uppercase(badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    answer = badges.update(badge["id"], {"backgroundColor": "#0a0b0c", "textColor": "#fedcba"})
    if answer.status != 200:  # AMB-17: rejecting lowercase input is a tolerated reading
        expect.rejected(answer, 400, what="update with lowercase colors")
        return
    for what, shown in (("the update answer", badge_in(expect, answer, "update with lowercase colors")),
                        ("Get Badge", badge_in(expect, badges.get(badge["id"]), "get after the update"))):
        colors = (shown.get("backgroundColor"), shown.get("textColor"))
        expect.that(colors == ("#0A0B0C", "#FEDCBA"), f"{what} shows the colors uppercase, got {colors}", answer)


@pytest.mark.rule("BADGE-4", "COMMON-2")
@pytest.mark.parametrize("color", ["red", "#GGGGGG", "#12345"])
def test_create_with_invalid_color_is_rejected(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, color: str
) -> None:
    title = unique.name()
    answer = badges.create({"title": title, "backgroundColor": color})
    register(owned, answer)
    expect.rejected(answer, 400, what=f"create with backgroundColor {color!r}", rule="BADGE-4")
    nothing_created(badges, owned, expect, "title", title, answer)


@pytest.mark.rule("BADGE-4", "COMMON-2")
@pytest.mark.parametrize("color", ["red", "#GGGGGG", "#12345"])
def test_update_with_invalid_color_is_rejected(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, color: str
) -> None:
    badge = create_badge(badges, owned, expect, unique, description="before")
    answer = badges.update(badge["id"], {"title": unique.name(), "description": "after", "textColor": color})
    expect.rejected(answer, 400, what=f"update with textColor {color!r}", rule="BADGE-4")
    for path, shown in badge_read_paths(badges, expect, badge["id"], "COMMON-2").items():
        changed = differing(badge, shown)
        expect.that(not changed, f"the rejected update changed nothing ({path}): changed {changed}", answer,
                    rule="COMMON-2")


@pytest.mark.rule("BADGE-5", "COMMON-2")
@pytest.mark.parametrize("title", [None, ""], ids=["missing", "empty"])
def test_create_without_title_is_rejected(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, title: str | None
) -> None:
    body: dict[str, Any] = {"description": unique.name()}
    if title is not None:
        body["title"] = title
    answer = badges.create(body)
    register(owned, answer)
    expect.rejected(answer, 400, what=f"create with a {'missing' if title is None else 'empty'} title",
                    rule="BADGE-5")
    nothing_created(badges, owned, expect, "description", body["description"], answer)


@pytest.mark.rule("BADGE-6")
def test_slug_is_derived_from_title(badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    title = f"{unique.name()} Top Contributor!"
    badge = create_badge(badges, owned, expect, unique, title=title)
    expect.that(
        badge.get("slug") == slug_of(title),
        f"title {title!r} gives slug {slug_of(title)!r}, got {badge.get('slug')!r}",
    )


@pytest.mark.rule("BADGE-6")
@pytest.mark.parametrize("how", ["create", "update"])
def test_badges_sharing_a_title_keep_distinct_slugs(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, how: str
) -> None:
    first = create_badge(badges, owned, expect, unique)
    if how == "create":
        answer = badges.create({"title": first["title"]})
        register(owned, answer)
    else:
        answer = badges.update(create_badge(badges, owned, expect, unique)["id"], {"title": first["title"]})
    if answer.status != 200:  # AMB-33: refusing a second badge with the same title is tolerated
        expect.rejected(answer, 409, tolerated=(400,), amb="AMB-33", what=f"{how} a second badge with the title")
        return
    second = badge_in(expect, answer, f"{how} a second badge with the same title")
    expect.prefer(
        second.get("slug") != first.get("slug"),
        f"two badges titled {first['title']!r} share the slug {first.get('slug')!r}",
        answer,
        amb="AMB-33",
    )


@pytest.mark.rule("BADGE-6", "COMMON-7")
def test_client_supplied_slug_is_ignored(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    title = f"{unique.name()} Awesome Badge"
    answer = badges.create({"title": title, "slug": f"client-chosen-{unique.guid()}"})
    register(owned, answer)
    if answer.status != 200:  # AMB-30: rejecting a read-only field is tolerated, ignoring it preferred
        expect.rejected(answer, 200, tolerated=(400,), amb="AMB-30", what="create with a client slug")
        return
    badge = badge_in(expect, answer, "create with a client slug")
    expect.that(
        badge.get("slug") == slug_of(title),
        f"the slug is derived from the title ({slug_of(title)!r}), got {badge.get('slug')!r}",
        answer,
    )


@pytest.mark.rule("BADGE-6", "COMMON-7")
def test_client_supplied_slug_is_ignored_on_update(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    badge = create_badge(badges, owned, expect, unique)
    title = f"{unique.name()} Renamed Badge"
    answer = badges.update(badge["id"], {"title": title, "slug": f"client-chosen-{unique.guid()}"})
    if answer.status != 200:  # AMB-30: rejecting a read-only field is tolerated, ignoring it preferred
        expect.rejected(answer, 200, tolerated=(400,), amb="AMB-30", what="update with a client slug")
        return
    for what, shown in (("the update answer", badge_in(expect, answer, "update with a client slug")),
                        ("Get Badge", badge_in(expect, badges.get(badge["id"]), "get after the update"))):
        expect.that(
            shown.get("slug") == slug_of(title),
            f"{what}: the slug is derived from the title ({slug_of(title)!r}), got {shown.get('slug')!r}",
            answer,
        )


@pytest.mark.rule("BADGE-7")
def test_title_change_updates_slug(badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    badge = create_badge(badges, owned, expect, unique)
    title = f"{unique.name()} Renamed"
    time.sleep(0.01)  # timestamps carry milliseconds: let the clock move, so "advances" can be judged strictly
    answer = badges.update(badge["id"], {"title": title})
    updated = badge_in(expect, answer, "update the title")
    expect.that(
        updated.get("slug") == slug_of(title),
        f"new title {title!r} gives slug {slug_of(title)!r}, got {updated.get('slug')!r}",
        answer,
    )
    expect.that(updated.get("id") == badge["id"], "id is unchanged", answer)
    expect.that(moment(updated.get("createdDate")) == moment(badge.get("createdDate")), "createdDate is unchanged",
                answer)
    before, after = moment(badge.get("updatedDate")), moment(updated.get("updatedDate"))
    expect.that(
        before is not None and after is not None and after > before,
        f"updatedDate advances: {badge.get('updatedDate')!r} -> {updated.get('updatedDate')!r}",
        answer,
    )
    stored = badge_in(expect, badges.get(badge["id"]), "get after the update")
    expect.that(stored.get("slug") == slug_of(title), f"the stored slug is {slug_of(title)!r}")


@pytest.mark.rule("BADGE-8")
def test_patch_changes_only_supplied_fields(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    badge = create_badge(
        badges, owned, expect, unique, description="before", backgroundColor="#112233", textColor="#445566"
    )
    answer = badges.update(badge["id"], {"description": "after"})
    badge_in(expect, answer, "update only the description")
    stored = badge_in(expect, badges.get(badge["id"]), "re-read after the update")
    expect.that(stored.get("description") == "after", "the supplied field changed", answer)
    for key in ("title", "slug", "backgroundColor", "textColor"):
        expect.that(
            stored.get(key) == badge.get(key),
            f"{key} keeps its value {badge.get(key)!r}, got {stored.get(key)!r}",
            answer,
        )


@pytest.mark.rule("BADGE-9", "BADGE-1", "BADGE-8")
def test_every_field_round_trips_through_every_read_path(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """Every documented field, sent with a non-default value, comes back on create and update, and Get, List
    and Query show the same badge: a field dropped or defaulted on one read path is a BADGE-9 violation."""
    sent = {"title": unique.name(), "description": unique.name(), "backgroundColor": "#12AB34",
            "textColor": "#FEDCBA", "icon": "https://static.example.com/badges/first.svg", "permissionsEnabled": True}
    answer = badges.create(sent)
    register(owned, answer)
    created = badge_in(expect, answer, "create with every writable field", rule="BADGE-1")
    wrong = [k for k in sent if documented(created)[k] != sent[k]]
    expect.that(not wrong, f"the create answer carries every sent field as sent; differing {wrong}", answer,
                rule="BADGE-1")
    for path, shown in badge_read_paths(badges, expect, created["id"], "BADGE-9").items():
        wrong = differing(created, shown)
        expect.that(not wrong, f"{path} shows the badge as created; differing fields {wrong}", rule="BADGE-9")
    changes = {"title": unique.name(), "description": unique.name(), "backgroundColor": "#0A0B0C",
               "textColor": "#ABCDEF", "icon": "https://static.example.com/badges/second.svg",
               "permissionsEnabled": False}
    answer = badges.update(created["id"], changes)
    updated = badge_in(expect, answer, "update every writable field", rule="BADGE-8")
    wrong = [k for k in changes if documented(updated)[k] != changes[k]]
    expect.that(not wrong, f"the update answer carries every changed field; differing {wrong}", answer,
                rule="BADGE-8")
    for path, shown in badge_read_paths(badges, expect, created["id"], "BADGE-9").items():
        wrong = differing(updated, shown)
        expect.that(not wrong, f"{path} shows the badge as updated; differing fields {wrong}", rule="BADGE-9")
