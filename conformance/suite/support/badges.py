"""Badges v3 helpers shared by the v3 and v4 scenarios: colors, slugs, body shapes, assignments, display order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from conformance.apis import moment
from conformance.apis.badges import (
    MAX_PAGES,
    PAGE,
    BadgesApi,
)
from conformance.live import Owned, site_lock
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.members import (
    refused_made_up_members,
)
from conformance.target import Exchange
from conformance.verdict import Expect

UPPER_COLOR = re.compile(r"^#[0-9A-F]{6}$")
UNKNOWN_BADGE = "0badbad0-0000-4000-8000-00000000b4d6"


#: Every documented badge field (§2.2); other fields are free and never compared.
DOCUMENTED = ("id", "title", "description", "backgroundColor", "textColor", "icon", "permissionsEnabled", "slug",
              "createdDate", "updatedDate")


#: Zero values a server may omit (§1.2: "clients must tolerate both presence-with-default and absence").
ZERO = {"description": "", "icon": "", "permissionsEnabled": False}


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def slug_of(title: str) -> str:
    """BADGE-6 as documented: lowercase, spaces become '-', special characters removed."""
    return re.sub(r"[^a-z0-9-]", "", title.lower().replace(" ", "-"))


def badge_in(expect: Expect, answer: Exchange, what: str, rule: str | None = None) -> dict[str, Any]:
    """The `{badge}` envelope of a 200 answer."""
    body = as_dict(expect.ok(answer, what, rule=rule))
    expect.that(
        isinstance(body.get("badge"), dict), f"{what}: the answer carries a `badge` object", answer, rule
    )
    return body["badge"]


def create_badge(
    badges: BadgesApi, owned: Owned, expect: Expect, unique: Unique, **fields: Any
) -> dict[str, Any]:
    """Create a badge this test owns: a set-up step, so it must succeed but checks none of the test's rules."""
    answer = badges.create({"title": unique.name(), **fields})
    badge = as_dict(expect.setup(answer, "creating a badge for the scenario")).get("badge")
    if not isinstance(badge, dict) or not isinstance(badge.get("id"), str):
        expect.fail("creating a badge for the scenario: the answer carries a `badge` with an id", answer)
    assert isinstance(badge, dict)
    owned.add("badge", badge["id"])
    return badge


def register(owned: Owned, answer: Exchange) -> None:
    """A create the test expected to be rejected may succeed: its badge is still ours to delete."""
    badge = as_dict(as_dict(answer.body).get("badge")) if answer.status == 200 else {}
    if isinstance(badge.get("id"), str):
        owned.add("badge", badge["id"])


def members_if_taken(
    badges: BadgesApi, expect: Expect, settings: RunSettings, badge_ids: list[str], members: list[str]
) -> list[str]:
    """Assign `members` to each badge as set-up. A site that refuses made-up members (AMB-34) gets none: the
    scenario then judges what needs no members."""
    for badge_id in badge_ids:
        answer = badges.assign(badge_id, members)
        if badge_id == badge_ids[0] and refused_made_up_members(answer, members, settings.member_ids):
            return []
        expect.setup(answer, "assigning members to the scenario's badges")
    return members


def members_of(badges: BadgesApi, expect: Expect, badge_id: str, rule: str | None = None) -> list[str]:
    body = as_dict(expect.ok(badges.members(badge_id, limit=1000), "List Members By Badge", rule=rule))
    return [m for m in as_list(body.get("memberIds")) if isinstance(m, str)]


def badge_ids_of(badges: BadgesApi, expect: Expect, member_id: str, rule: str | None = None) -> list[str]:
    """The member's badgeIds; a member missing from the answer has none (AMB-35)."""
    body = as_dict(expect.ok(badges.member_badges([member_id]), "List Members Badge Ids", rule=rule))
    for entry in as_list(body.get("memberBadgeIds")):
        if as_dict(entry).get("memberId") == member_id:
            return [b for b in as_list(entry.get("badgeIds")) if isinstance(b, str)]
    return []


def counts(badges: BadgesApi, expect: Expect, rule: str | None = None) -> tuple[dict[str, Any], Exchange]:
    answer = badges.counts()
    body = as_dict(expect.ok(answer, "Get Member Counts Per Badge", rule=rule))
    entries = [as_dict(e) for e in as_list(body.get("badgeMemberCounts"))]
    # A zero memberCount may be omitted like any default (§1.2, AMB-35).
    return {str(e.get("badgeId")): e.get("memberCount", 0) for e in entries}, answer


def count_of(badges: BadgesApi, expect: Expect, badge_id: str, rule: str | None = None) -> Any:
    """The badge's memberCount; a badge missing from the counts has 0 members (AMB-35)."""
    return counts(badges, expect, rule)[0].get(badge_id, 0)


def ids_of(answer: Exchange) -> list[str]:
    return [str(as_dict(b).get("id")) for b in as_list(as_dict(answer.body).get("badges"))]


def every_badge(badges: BadgesApi, expect: Expect, rule: str | None = None) -> list[dict[str, Any]]:
    """Every badge, walking List Badges; a page that is not a 200 fails the check, so a "nothing was created"
    or "the others are unchanged" check never passes on a listing that failed."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        body = as_dict(expect.ok(badges.page(PAGE, page * PAGE), "List Badges", rule=rule))
        items = [as_dict(b) for b in as_list(body.get("badges"))]
        fresh = [b for b in items if str(b.get("id")) not in seen]
        seen.update(str(b.get("id")) for b in fresh)
        found.extend(fresh)
        if len(items) < PAGE or not fresh:
            break
    return found


def documented(badge: dict[str, Any]) -> dict[str, Any]:
    """The documented fields as comparable values: a zero value may be omitted, timestamps are instants."""
    shown: dict[str, Any] = {}
    for key in DOCUMENTED:
        value = badge.get(key)
        if value is None:
            value = ZERO.get(key)
        shown[key] = moment(value) if key.endswith("Date") else value
    return shown


def badge_read_paths(badges: BadgesApi, expect: Expect, badge_id: str, rule: str) -> dict[str, dict[str, Any]]:
    """The badge as each read path shows it: Get Badge, List Badges, Query Badges by id."""
    views = {"Get Badge": badge_in(expect, badges.get(badge_id), "Get Badge", rule)}
    for path, found in (
        ("List Badges", every_badge(badges, expect, rule)),
        ("Query Badges", as_list(as_dict(expect.ok(badges.query(filter={"id": badge_id}), "Query Badges by id",
                                                   rule=rule)).get("badges"))),
    ):
        entries = [as_dict(b) for b in found if as_dict(b).get("id") == badge_id]
        expect.that(len(entries) == 1, f"{path} shows the badge exactly once, got {len(entries)}", rule=rule)
        views[path] = entries[0]
    return views


def snapshot(
    badges: BadgesApi, expect: Expect, badge_id: str, members: list[str], rule: str
) -> dict[str, Any]:
    """Everything every view says about one badge: its fields on each read path, its members, its count, and
    whether each of `members` holds it."""
    seen: dict[str, Any] = {path: documented(b) for path, b in badge_read_paths(badges, expect, badge_id, rule).items()}
    seen["List Members By Badge"] = sorted(members_of(badges, expect, badge_id, rule))
    seen["members/count"] = count_of(badges, expect, badge_id, rule)
    for member in members:
        seen[f"badgeIds of {member}"] = badge_id in badge_ids_of(badges, expect, member, rule)
    return seen


@contextmanager
def display_order_restored(badges: BadgesApi) -> Iterator[list[str]]:
    """Save the site-wide display order, yield it, and put it back with the full id list (AMB-37)."""
    with site_lock(badges.target.base_url, "badge-order"):
        saved = [b["id"] for b in badges.all() if isinstance(b.get("id"), str)]
        try:
            yield saved
        finally:
            order_all(
                badges,
                lambda present: [i for i in saved if i in present] + [i for i in present if i not in saved],
            )


class Ordered(Protocol):
    """Badges v3 and v4 alike: every badge in display order (unsorted listing), and the display-order update."""

    def all(self) -> list[dict[str, Any]]: ...

    def order(self, ids: list[str], /) -> Exchange: ...


def badge_ids(badges: Ordered) -> list[str]:
    """The display order as far as it can be read: every badge, unsorted (AMB4-9: v4 has no documented read)."""
    return [b["id"] for b in badges.all() if isinstance(b.get("id"), str)]


def order_kept(before: list[str], after: list[str], ours: Iterable[str]) -> bool:
    """Two reads of the display order show the same order: the badges in both keep their places relative to each
    other and this test's own badges are in both. Badges other clients of the site (another xdist worker, a
    shard, a person) create or delete in between come and go without counting as a change."""
    common = set(before) & set(after)
    return set(ours) <= common and [i for i in before if i in common] == [i for i in after if i in common]


def order_all(
    badges: Ordered, arrange: Callable[[list[str]], list[str]]
) -> tuple[list[str], Exchange | None]:
    """Send the full id list arranged from the current one; retried when other clients of a live site
    add or delete badges between the listing and the update (a vanished id would be answered 404)."""
    sent: list[str] = []
    answer = None
    for _ in range(3):
        present = badge_ids(badges)
        sent = arrange(present)
        if not sent:
            return sent, None
        answer = badges.order(sent)
        if answer.status == 200 or set(badge_ids(badges)) == set(present):
            break
    return sent, answer
