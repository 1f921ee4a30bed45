"""Badges v4 helpers shared by the badge and assignment v4 scenarios: the v4 `badges` fixture, envelopes, a badge
the test owns, and the v3 client the migration checks need."""
from __future__ import annotations

from typing import Any

import pytest

from conformance.apis.badges import BadgesApi
from conformance.apis.badges_v4 import BadgesV4Api
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.badges import as_dict, as_list
from conformance.target import Exchange, Target
from conformance.verdict import Expect

UNKNOWN_BADGE = "0badbad0-0000-4000-8000-00000000b4d4"
REVISION = r"^[1-9][0-9]*$"



@pytest.fixture(name="badges")
def v4_badges(target: Target) -> BadgesV4Api:
    """The `badges` fixture of the v4 modules (they import it), in place of conftest's v3 client."""
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




def v3_or_skip(target: Target) -> BadgesApi:
    v3 = BadgesApi(target)
    if v3.page(limit=1).status == 404:
        pytest.skip("the target does not serve Badges v3; the migration checks need both versions")
    return v3

