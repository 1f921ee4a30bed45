"""The story machinery of the event scenarios: what a scenario wrote (`Story`), the events that arrived about it,
and the judgements every API's events share (envelope, names, entity, one per bulk item)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.apis.badges import BadgesApi
from conformance.apis.badges_v4 import BadgesV4Api
from conformance.apis.rewards import RewardsApi, editable, free_shipping
from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges_v4 import colors
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.target import Exchange, Target
from conformance.verdict import Expect
from conformance.webhooks import (
    Delivery,
    EventLog,
    counts,
    of_kind,
    summary,
)

FQDN = {"tiers": "wix.loyalty.v1.tier", "rewards": "wix.loyalty.v1.reward", "badges": "wix.badges.v3.badge",
        "badges-v4": "wix.badges.v4.badge", "assignments-v4": "wix.badges.v4.badge_assignment"}


IDENTITY_TYPES = {"UNKNOWN", "ANONYMOUS_VISITOR", "MEMBER", "WIX_USER", "APP"}


SDK = "the official SDK (@wix/sdk webhooks.process)"


CLOCK_SKEW = 300  # seconds a producer's iat/exp may be off from ours


@dataclass
class Write:
    """One successful write and the event it must produce: `kind` is created/updated/deleted or an action slug."""

    kind: str
    entity: dict[str, Any] | None = None
    member: str | None = None


@dataclass
class Story:
    """The writes a scenario made to one entity, in order, and the events that arrived about it."""

    api: str
    entity_id: str
    writes: list[Write]
    arrived: list[Delivery] = field(default_factory=list)
    exchange: Exchange | None = None

    def expected(self) -> Counter[str]:
        return Counter(w.kind for w in self.writes)

    def events(self, kind: str) -> list[Delivery]:
        return of_kind(self.arrived, kind)


def ok_body(expect: Expect, exchange: Exchange, what: str, key: str | None, rule: str) -> dict[str, Any]:
    body = expect.ok(exchange, what, rule=rule)
    inner = body.get(key) if key and isinstance(body, dict) else body
    expect.that(isinstance(inner, dict), f"{what}: expected {{{key!r}: {{...}}}}", exchange, rule=rule)
    assert isinstance(inner, dict)
    return inner


def tier_story(target: Target, owned: Owned, expect: Expect, unique: Unique, rule: str) -> Story:
    tiers = TiersApi(target)
    created = ok_body(expect, tiers.create(tier_body(unique.name(), unique.points())), "create a tier", "tier", rule)
    owned.add("tier", created["id"])
    updated = ok_body(expect, tiers.update(created["id"], {"revision": created["revision"],
                                                       "requiredPoints": unique.points()}),
                  "update the tier", "tier", rule)
    expect.deleted(tiers.delete(created["id"], updated["revision"]), "delete the tier", rule=rule)
    return Story("tiers", created["id"], [Write("created", created), Write("updated", updated), Write("deleted")])


def reward_story(target: Target, owned: Owned, expect: Expect, unique: Unique, rule: str) -> Story:
    rewards = RewardsApi(target)
    created = ok_body(expect, rewards.create(free_shipping(unique.name())), "create a reward", "reward", rule)
    owned.add("reward", created["id"])
    updated = ok_body(expect, rewards.update(created["id"], {**editable(created), "name": unique.name()}),
                  "update the reward", "reward", rule)
    expect.deleted(rewards.delete(created["id"], updated["revision"]), "delete the reward", rule=rule)
    return Story("rewards", created["id"], [Write("created", created), Write("updated", updated), Write("deleted")])


def badge_story(target: Target, owned: Owned, expect: Expect, unique: Unique, settings: RunSettings,
                rule: str) -> Story:
    badges = BadgesApi(target)
    created = ok_body(expect, badges.create({"title": unique.name()}), "create a badge", "badge", rule)
    owned.add("badge", created["id"])
    updated = ok_body(expect, badges.update(created["id"], {"description": unique.name()}), "update the badge",
                  "badge", rule)
    members = member_ids(settings, unique, 2)
    assigned = badges.assign(created["id"], members)
    skip_if_made_up_members_refused(assigned, members, settings.member_ids)
    expect.ok(assigned, "assign two members", rule=rule)
    expect.ok(badges.unassign(created["id"], members[:1]), "unassign one member", rule=rule)
    expect.deleted(badges.delete(created["id"]), "delete the badge", rule=rule)
    return Story("badges", created["id"], [
        Write("created", created), Write("updated", updated),
        *(Write("badge_assigned", member=m) for m in members), Write("badge_unassigned", member=members[0]),
        Write("deleted")])


STORIES = {"tiers": tier_story, "rewards": reward_story}


def arrived(log: EventLog, story: Story) -> Story:
    """Wait until every expected event of the story arrived (or the wait runs out)."""
    story.arrived = log.wait(story.entity_id, counts(dict(story.expected())))
    return story


def require(expect: Expect, story: Story, kind: str, rule: str, *, should: bool = False,
            amb: str | None = "AMB-27") -> list[Delivery]:
    """The events of `kind` about the story's entity; missing ones break `rule` (or, `should`, only warn:
    AMB-27 for the v3 badge CRUD events, no AMB for one event per bulk item of ASSIGN-16)."""
    found = story.events(kind)
    wanted = story.expected()[kind]
    message = (f"{story.api} {kind}: expected {wanted} event(s) about {story.entity_id}, got {len(found)} "
               f"within the wait; {summary(story.arrived)}")
    if should:
        expect.prefer(len(found) >= wanted, message, story.exchange, amb=amb, rule=rule)
    else:
        expect.that(len(found) >= wanted, message, story.exchange, rule=rule)
    return found


def body_is_entity(expect: Expect, delivery: Delivery, write: Write, rule: str, *,
                   revision_must: bool = True) -> None:
    """A created/updated body carries the entity as the API returned it (same id and revision; the revision only
    a SHOULD where the sheet infers it, BADGE4-29)."""
    assert write.entity is not None
    body, _ = delivery.body()
    what = f"{delivery.describe()}: the event body"
    expect.that(isinstance(body, dict), f"{what} carries no entity (expected the {write.kind} entity)", rule=rule)
    assert isinstance(body, dict)
    expect.that(body.get("id") == write.entity["id"], f"{what} has id {body.get('id')!r}, expected "
                f"{write.entity['id']}", rule=rule)
    if "revision" in write.entity:
        same = str(body.get("revision")) == str(write.entity["revision"])
        message = (f"{what} has revision {body.get('revision')!r}; the API answered revision "
                   f"{write.entity['revision']!r}")
        if revision_must:
            expect.that(same, message, rule=rule)
        else:
            expect.prefer(same, message, rule=rule)


def entity_id_is(expect: Expect, delivery: Delivery, story: Story, rule: str) -> None:
    assert delivery.domain is not None
    expect.that(delivery.domain.get("entityId") == story.entity_id,
                f"{delivery.describe()}: entityId is {delivery.domain.get('entityId')!r}, expected the "
                f"id {story.entity_id} of the {story.api} entity", rule=rule)


def envelope_is_documented(expect: Expect, delivery: Delivery) -> None:
    rule = "COMMON-15"
    what = delivery.describe()
    expect.that(delivery.header is not None and delivery.claims is not None,
                f"{what}: the POST body is not a compact JWT", rule=rule)
    assert delivery.header is not None and delivery.claims is not None
    expect.that(delivery.header.get("alg") == "RS256", f"{what}: JWT alg is {delivery.header.get('alg')!r}, "
                "expected RS256", rule=rule)
    expect.that(delivery.signature_problem is None, f"{what}: the signature does not verify with the given "
                f"public key ({delivery.signature_problem})", rule=rule)
    expect.prefer("kid" in delivery.header, f"{what}: the JWT header has no kid", rule=rule)
    for claim in ("iat", "exp"):
        expect.that(isinstance(delivery.claims.get(claim), int), f"{what}: claim {claim} is not an integer",
                    rule=rule)
    expect.that(delivery.claims["exp"] + CLOCK_SKEW > delivery.received.at, f"{what}: the token had expired "
                "when it arrived", rule=rule)
    claim = delivery.data_claim
    expect.that(isinstance(claim, (str, dict)), f"{what}: {delivery.problem}", rule=rule)
    expect.prefer(isinstance(claim, str), f"{what}: the JWT data claim is an object; {SDK} throws "
                  "'Unexpected type of JWT data: expected string, got object'", amb="AMB-28", rule=rule)
    expect.that(delivery.envelope is not None, f"{what}: {delivery.problem}", rule=rule)
    assert delivery.envelope is not None
    for key in ("eventType", "instanceId"):
        expect.that(isinstance(delivery.envelope.get(key), str), f"{what}: data.{key} is missing", rule=rule)
    expect.that(isinstance(delivery.domain_raw, str), f"{what}: data.data (the DomainEvent) must be a JSON "
                f"string, got {type(delivery.domain_raw).__name__}", rule=rule)
    expect.that(delivery.domain is not None, f"{what}: {delivery.problem}", rule=rule)
    expect.that(isinstance(delivery.identity_raw, str), f"{what}: data.identity must be a JSON string, got "
                f"{type(delivery.identity_raw).__name__}", rule=rule)
    identity = json_object(delivery.identity_raw)
    expect.that(identity is not None and identity.get("identityType") in IDENTITY_TYPES,
                f"{what}: data.identity has no documented identityType: {delivery.identity_raw!r}", rule=rule)
    domain = delivery.domain or {}
    for key in ("id", "entityFqdn", "slug", "entityId"):
        expect.that(isinstance(domain.get(key), str) and domain[key], f"{what}: the DomainEvent has no {key}",
                    rule=rule)
    if "eventTime" in domain:
        expect.that(is_time(domain["eventTime"]), f"{what}: eventTime {domain['eventTime']!r} is not ISO-8601",
                    rule=rule)
    _, spelling = delivery.body()
    expect.prefer(spelling != "json", f"{what}: the body uses the *AsJson string spelling; {SDK} hands "
                  "handlers the entity/body keys only, so they get undefined", amb="AMB-28", rule=rule)


def json_object(value: Any) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def is_time(value: Any) -> bool:
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def names_match(expect: Expect, delivery: Delivery, story: Story, rule: str) -> None:
    """entityFqdn of the story's API, slug of the event's kind, eventType = fqdn + '_' + slug, entityId."""
    assert delivery.domain is not None and delivery.envelope is not None
    fqdn, slug = delivery.domain.get("entityFqdn"), delivery.domain.get("slug")
    what = delivery.describe()
    expected = FQDN[story.api]
    expect.that(fqdn == expected, f"{what}: entityFqdn {fqdn!r}, expected {expected}", rule=rule)
    expect.that(slug == delivery.kind, f"{what}: slug {slug!r} for a {delivery.kind} event", rule=rule)
    expect.that(delivery.envelope.get("eventType") == f"{fqdn}_{slug}",
                f"{what}: eventType {delivery.envelope.get('eventType')!r} is not entityFqdn + '_' + slug "
                f"({fqdn}_{slug})", rule=rule)
    entity_id_is(expect, delivery, story, rule)


def sequence_increases(expect: Expect, story: Story) -> None:
    """`entityEventSequence`, when present, grows with the order of the writes (not of arrival)."""
    groups: list[list[int]] = []
    for kind in dict.fromkeys(w.kind for w in story.writes):
        numbers = []
        for delivery in story.events(kind):
            raw = (delivery.domain or {}).get("entityEventSequence")
            if raw is None:
                continue
            expect.that(str(raw).isdigit(), f"{delivery.describe()}: entityEventSequence {raw!r} is not a "
                        "decimal string", rule="COMMON-16")
            numbers.append(int(raw))
        if numbers:
            groups.append(numbers)
    for earlier, later in zip(groups, groups[1:], strict=False):
        expect.that(max(earlier) < min(later), f"{story.api} {story.entity_id}: entityEventSequence goes "
                    f"{earlier} then {later} for later writes; it must increase per entity", rule="COMMON-16")


def crud_events_carry_the_entity(story: Story, expect: Expect, rule: str, *, should: bool = False,
                                 amb: str | None = "AMB-27", revision_must: bool = True) -> list[Delivery]:
    """Every created/updated/deleted write has its event about the entity, with the entity where one was
    written; returns the events judged."""
    judged = []
    for write in story.writes:
        if write.kind not in ("created", "updated", "deleted"):
            continue
        for delivery in require(expect, story, write.kind, rule, should=should, amb=amb):
            entity_id_is(expect, delivery, story, rule)
            if write.entity is not None:
                body_is_entity(expect, delivery, write, rule, revision_must=revision_must)
            judged.append(delivery)
    return judged


def bulk_items_emit_created(expect: Expect, log: EventLog, answer: Exchange, kind: str, rule: str,
                            owned: Owned) -> None:
    items = bulk_items(expect, answer, kind, rule, owned)
    expect.that(len(items) == 2, f"bulk create {kind}s: expected 2 created items, got {len(items)}", answer,
                rule=rule)
    for item in items:
        story = arrived(log, Story(f"{kind}s", item["id"], [Write("created", item)], exchange=answer))
        crud_events_carry_the_entity(story, expect, rule)


def bulk_items(expect: Expect, answer: Exchange, kind: str, rule: str, owned: Owned) -> list[dict[str, Any]]:
    """The items a bulk create answered, each registered with `owned` under `kind`."""
    body = expect.ok(answer, f"bulk create {kind}s", rule=rule)
    items = [r["item"] for r in (body or {}).get("results", []) if isinstance(r, dict) and isinstance(r.get("item"),
                                                                                                      dict)]
    for item in items:
        owned.add(kind, item["id"])
    return items


def badge4_story(target: Target, owned: Owned, expect: Expect, unique: Unique, rule: str) -> Story:
    badges = BadgesV4Api(target)
    created = ok_body(expect, badges.create({"title": unique.name(), **colors()}), "create a v4 badge", "badge", rule)
    owned.add("badge-v4", created["id"])
    updated = ok_body(expect, badges.update(created["id"], {"description": unique.name(),
                                                        "revision": created.get("revision")}),
                  "update the v4 badge", "badge", rule)
    expect.deleted(badges.delete(created["id"]), "delete the v4 badge", rule=rule)
    return Story("badges-v4", created["id"], [Write("created", created), Write("updated", updated),
                                              Write("deleted")])


def assignment_event_body(expect: Expect, delivery: Delivery, doc: dict[str, Any], rule: str) -> None:
    """The event carries the assignment: its id, badgeId and memberId (ASSIGN-16)."""
    body_is_entity(expect, delivery, Write("created", doc), rule)
    body, _ = delivery.body()
    for key in ("badgeId", "memberId"):
        seen = body.get(key) if isinstance(body, dict) else None
        expect.that(seen == doc[key], f"{delivery.describe()}: the assignment in the event has {key} {seen!r}, "
                    f"expected {doc[key]}", rule=rule)


def assignment_events(expect: Expect, log: EventLog, doc: dict[str, Any], exchange: Exchange, *,
                      one_of_many: bool = False) -> list[Delivery]:
    """The created and deleted events of one assignment, their names and the created one's entity (ASSIGN-16);
    the deleted one's entity is ASSIGN-17's (AMB4-17). A bulk item's missing event only warns (`one_of_many`:
    one event per item is a SHOULD, an event for none of them a MUST, see `bulk_assignment_events`)."""
    story = arrived(log, Story("assignments-v4", doc["id"], [Write("created", doc), Write("deleted")],
                               exchange=exchange))
    judged = crud_events_carry_the_entity(story, expect, "ASSIGN-16", should=one_of_many, amb=None)
    for delivery in judged:
        names_match(expect, delivery, story, "ASSIGN-16")
        if delivery.kind == "created":
            assignment_event_body(expect, delivery, doc, "ASSIGN-16")
    for delivery in story.events("deleted"):
        body, _ = delivery.body()
        expect.prefer(isinstance(body, dict), f"{delivery.describe()}: deletedEvent carries no deletedEntity; "
                      f"{SDK} hands the handler entity undefined", amb="AMB4-17", rule="ASSIGN-17")
        if isinstance(body, dict):
            assignment_event_body(expect, delivery, doc, "ASSIGN-17")
    return story.arrived
