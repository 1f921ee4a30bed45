"""Tier factories and read-backs the tier, reward and COMMON scenarios share: wrapped entities, listings, views."""

from __future__ import annotations

from typing import Any

from conformance.apis import moment
from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import Unique
from conformance.suite.support.ids import GUID
from conformance.target import Exchange
from conformance.verdict import Expect

ICON_URL = "https://static.wixstatic.com/media/conformance-tier.svg"


def entity(
    expect: Expect, exchange: Exchange, what: str, key: str = "tier", rule: str | None = None
) -> dict[str, Any]:
    """A single-entity success: 200 with `{"<key>": {...}}` (AMB-2: the wrapped reading is the contract)."""
    body = expect.ok(exchange, what, rule=rule)
    inner = body.get(key) if isinstance(body, dict) else None
    expect.that(
        isinstance(inner, dict),
        f'{what}: the response wraps the entity as {{"{key}": {{...}}}} (AMB-2)',
        exchange,
        rule=rule,
    )
    assert isinstance(inner, dict)
    return inner


def create_tier(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, **overrides: Any
) -> dict[str, Any]:
    """Create a tier this test owns; the set-up itself must succeed (TIER-1)."""
    body = {**tier_body(unique.name(), unique.points()), **overrides}
    created = tiers.create(body)
    if created.status == 200 and isinstance(created.body, dict):
        inner = created.body.get("tier")
        bare: dict[str, Any] = inner if isinstance(inner, dict) else created.body
        if GUID.match(str(bare.get("id", ""))):
            owned.add("tier", bare["id"])
    tier = entity(expect, created, "creating a tier for the scenario", rule="TIER-1")
    return tier


class ReadBackFailed(AssertionError):
    """A read the scenario needs to judge what a write did (List Tiers) failed: "nothing was created" (or any
    other after-state) cannot be claimed from a read that did not answer, so the test fails."""


def listed(tiers: TiersApi) -> list[dict[str, Any]]:
    """Every listed tier; a List Tiers that does not answer 200 with a tiers array fails the test."""
    answer = tiers.list()
    body = answer.body if answer.status == 200 and isinstance(answer.body, dict) else None
    items = body.get("tiers", []) if body is not None else None
    if not isinstance(items, list):
        raise ReadBackFailed(f"List Tiers, needed to check the outcome, failed:\n  {answer.describe()}")
    return [t for t in items if isinstance(t, dict)]


def name_of(tier: dict[str, Any]) -> Any:
    return (tier.get("tierDefinition") or {}).get("name")


def count_named(tiers: TiersApi, name: str) -> int:
    return [name_of(t) for t in listed(tiers)].count(name)


def count_points(tiers: TiersApi, points: int) -> int:
    return [t.get("requiredPoints") for t in listed(tiers)].count(points)


def own_listed(tiers: TiersApi, owned: Owned, names: set[str]) -> list[dict[str, Any]]:
    """Register (for clean-up) every listed tier carrying one of `names`; returns them."""
    found = [t for t in listed(tiers) if name_of(t) in names and t.get("id")]
    for tier in found:
        owned.add("tier", tier["id"])
    return found


def padded(base: str, length: int) -> str:
    """A name of exactly `length` characters that still starts with the run-tagged unique name."""
    return (base + " " + "x" * length)[:length]


def content(tier: dict[str, Any]) -> dict[str, Any]:
    """The documented fields of a tier as a read shows them; absent means the default (§1.2), timestamps
    compare as instants. What a write must change, and what a rejected write must leave alone."""
    definition = tier.get("tierDefinition") or {}
    icon = definition.get("icon") or {}
    return {
        "id": tier.get("id"),
        "name": definition.get("name") or "",
        "description": definition.get("description") or "",
        "icon.url": icon.get("url") or "",
        "requiredPoints": tier.get("requiredPoints") or 0,
        "revision": tier.get("revision"),
        "createdDate": moment(tier.get("createdDate")),
        "updatedDate": moment(tier.get("updatedDate")),
    }


def views(tiers: TiersApi, expect: Expect, tier_id: str) -> dict[str, dict[str, Any] | None]:
    """The tier as each read path shows it (None: absent there): Get Tier, List Tiers, Get Tiers Program."""
    got = tiers.get(tier_id)
    single = (got.body or {}).get("tier") if got.status == 200 and isinstance(got.body, dict) else None
    program = expect.setup(tiers.program(), "Get Tiers Program")
    in_program = program.get("tiers") if isinstance(program, dict) else None
    if not isinstance(in_program, list):
        raise ReadBackFailed(f"Get Tiers Program, needed to check the outcome, has no tiers array: {program!r}")
    return {
        "Get Tier": single if isinstance(single, dict) else None,
        "List Tiers": next((t for t in listed(tiers) if t.get("id") == tier_id), None),
        "Get Tiers Program": next((t for t in in_program if isinstance(t, dict) and t.get("id") == tier_id), None),
    }


def shows_everywhere(
    tiers: TiersApi, expect: Expect, expected: dict[str, Any], what: str, answer: Exchange | None = None,
    rule: str | None = None,
) -> None:
    """Every read path shows the tier exactly as `expected` (a tier as some answer or read showed it)."""
    wanted = content(expected)
    for path, shown in views(tiers, expect, str(expected.get("id"))).items():
        got = content(shown) if shown is not None else {}
        differs = {k: (wanted[k], got.get(k)) for k in wanted if got.get(k) != wanted[k]}
        expect.that(
            got == wanted,
            f"{what}: {path} shows the tier as expected; differs (expected, shown): "
            f"{differs if got else 'the tier is missing'}",
            answer,
            rule=rule,
        )


def tier_unchanged(
    tiers: TiersApi, expect: Expect, before: dict[str, Any], answer: Exchange, rule: str | None = None
) -> None:
    """COMMON-2 habit: after a refused write, the tier is what it was on every read path (every field)."""
    shows_everywhere(tiers, expect, before, f"after the refused HTTP {answer.status}", answer, rule)


def full_tier(unique: Unique, description: str) -> dict[str, Any]:
    """A tier body with every writable documented field set."""
    return tier_body(unique.name(), unique.points(), description=description, icon={"url": ICON_URL})
