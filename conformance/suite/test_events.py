"""Event webhooks (API-FACTS §1.6, §2.4, §3.3, §4.3; API-FACTS-BADGES-V4 §6): COMMON-15, COMMON-16, BADGE-22,
TIER-26, REWARD-25, BADGE4-29, ASSIGN-16, ASSIGN-17.

Each scenario writes through the API, then waits (bounded, `--webhook-wait`) for the events of the entities it
wrote and judges only those: events about other entities (other tests, other writers on a live site) are
never judged. Deliveries are deduplicated by event `id` and never put in arrival order, because events "may
be delayed" and may come twice (§1.6). The readings AMB-28 tolerates (a `data` claim sent as an object,
`*AsJson` body spellings) warn in the tolerant profile, naming the official SDK they break, and fail in strict.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.apis.badges import BadgesApi
from conformance.apis.badges_v4 import AssignmentsV4Api, BadgesV4Api
from conformance.apis.rewards import RewardsApi, editable, free_shipping
from conformance.apis.tiers import TiersApi, tier_body
from conformance.live import Owned
from conformance.plugin import RunSettings, Unique
from conformance.suite.support.badges_v4 import colors, create_badge
from conformance.suite.support.members import member_ids, skip_if_made_up_members_refused
from conformance.suite.v4_served import require_v4
from conformance.target import Exchange, Target
from conformance.verdict import Expect
from conformance.webhooks import (
    Delivery,
    EventLog,
    counts,
    distinct,
    of_kind,
    read_recording,
    summary,
    write_recording,
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


# fixtures ------------------------------------------------------------------------------------------
@pytest.fixture
def log(events: EventLog, conformance_settings: RunSettings, request: pytest.FixtureRequest) -> Iterator[EventLog]:
    """The run's deliveries; with --record the ones that arrive during this test are kept beside its cassette,
    and --conformance-replay judges exactly those again (the public key travels with them)."""
    from conformance.recording import cassette_path

    folder = conformance_settings.record_dir or conformance_settings.replay_dir
    recording = cassette_path(folder, request.node.nodeid).with_suffix(".events.json") if folder else None
    if conformance_settings.replay_dir and recording is not None:
        recorded, public_key = read_recording(recording)
        yield EventLog(recorded, public_key, wait_seconds=0)
        return
    start = len(events.refresh())
    yield events
    if conformance_settings.record_dir and recording is not None:
        Path(recording).parent.mkdir(parents=True, exist_ok=True)
        write_recording(recording, events.refresh()[start:], events.public_key)


def _ok(expect: Expect, exchange: Exchange, what: str, key: str | None, rule: str) -> dict[str, Any]:
    body = expect.ok(exchange, what, rule=rule)
    inner = body.get(key) if key and isinstance(body, dict) else body
    expect.that(isinstance(inner, dict), f"{what}: expected {{{key!r}: {{...}}}}", exchange, rule=rule)
    assert isinstance(inner, dict)
    return inner


def tier_story(target: Target, owned: Owned, expect: Expect, unique: Unique, rule: str) -> Story:
    tiers = TiersApi(target)
    created = _ok(expect, tiers.create(tier_body(unique.name(), unique.points())), "create a tier", "tier", rule)
    owned.add("tier", created["id"])
    updated = _ok(expect, tiers.update(created["id"], {"revision": created["revision"],
                                                       "requiredPoints": unique.points()}),
                  "update the tier", "tier", rule)
    expect.deleted(tiers.delete(created["id"], updated["revision"]), "delete the tier", rule=rule)
    return Story("tiers", created["id"], [Write("created", created), Write("updated", updated), Write("deleted")])


def reward_story(target: Target, owned: Owned, expect: Expect, unique: Unique, rule: str) -> Story:
    rewards = RewardsApi(target)
    created = _ok(expect, rewards.create(free_shipping(unique.name())), "create a reward", "reward", rule)
    owned.add("reward", created["id"])
    updated = _ok(expect, rewards.update(created["id"], {**editable(created), "name": unique.name()}),
                  "update the reward", "reward", rule)
    expect.deleted(rewards.delete(created["id"], updated["revision"]), "delete the reward", rule=rule)
    return Story("rewards", created["id"], [Write("created", created), Write("updated", updated), Write("deleted")])


def badge_story(target: Target, owned: Owned, expect: Expect, unique: Unique, settings: RunSettings,
                rule: str) -> Story:
    badges = BadgesApi(target)
    created = _ok(expect, badges.create({"title": unique.name()}), "create a badge", "badge", rule)
    owned.add("badge", created["id"])
    updated = _ok(expect, badges.update(created["id"], {"description": unique.name()}), "update the badge",
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


# COMMON-15 -----------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-15")
def test_events_are_signed_jwts_in_the_documented_envelope(target: Target, owned: Owned, expect: Expect,
                                                           unique: Unique, log: EventLog) -> None:
    story = arrived(log, tier_story(target, owned, expect, unique, "COMMON-15"))
    expect.that(story.arrived, f"no event about tier {story.entity_id} arrived within {log.wait_seconds:g} s "
                f"after create/update/delete", rule="COMMON-15")
    unique_events, clashes = distinct(story.arrived)
    for delivery in unique_events:
        envelope_is_documented(expect, delivery)
    expect.that(not clashes, "two different events share one event id: "
                + "; ".join(f"{a.describe()} and {b.describe()}" for a, b in clashes[:3]), rule="COMMON-15")


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
    identity = _json_object(delivery.identity_raw)
    expect.that(identity is not None and identity.get("identityType") in IDENTITY_TYPES,
                f"{what}: data.identity has no documented identityType: {delivery.identity_raw!r}", rule=rule)
    domain = delivery.domain or {}
    for key in ("id", "entityFqdn", "slug", "entityId"):
        expect.that(isinstance(domain.get(key), str) and domain[key], f"{what}: the DomainEvent has no {key}",
                    rule=rule)
    if "eventTime" in domain:
        expect.that(_is_time(domain["eventTime"]), f"{what}: eventTime {domain['eventTime']!r} is not ISO-8601",
                    rule=rule)
    _, spelling = delivery.body()
    expect.prefer(spelling != "json", f"{what}: the body uses the *AsJson string spelling; {SDK} hands "
                  "handlers the entity/body keys only, so they get undefined", amb="AMB-28", rule=rule)


def _json_object(value: Any) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _is_time(value: Any) -> bool:
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# COMMON-16 -----------------------------------------------------------------------------------------
@pytest.mark.rule("COMMON-16")
@pytest.mark.parametrize("api", ["tiers", "rewards", "badges"])
def test_event_names_and_entity_ids_match_the_tables(api: str, target: Target, owned: Owned, expect: Expect,
                                                     unique: Unique, log: EventLog,
                                                     conformance_settings: RunSettings) -> None:
    rule = "COMMON-16"
    if api == "badges":
        story = badge_story(target, owned, expect, unique, conformance_settings, rule)
    else:
        story = STORIES[api](target, owned, expect, unique, rule)
    arrived(log, story)
    readable = [d for d in distinct(story.arrived)[0] if d.domain is not None]
    expect.that(readable, f"no readable event about {story.entity_id}; {summary(story.arrived)}", rule=rule)
    for delivery in readable:
        names_match(expect, delivery, story, rule)
    sequence_increases(expect, story)


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


# TIER-26 / REWARD-25 -------------------------------------------------------------------------------
@pytest.mark.rule("TIER-26")
def test_tier_writes_emit_created_updated_deleted(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                  log: EventLog) -> None:
    crud_events_carry_the_entity(arrived(log, tier_story(target, owned, expect, unique, "TIER-26")), expect,
                                 "TIER-26")


@pytest.mark.rule("REWARD-25")
def test_reward_writes_emit_created_updated_deleted(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                    log: EventLog) -> None:
    crud_events_carry_the_entity(arrived(log, reward_story(target, owned, expect, unique, "REWARD-25")), expect,
                                 "REWARD-25")


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


@pytest.mark.rule("TIER-26")
def test_bulk_tier_create_emits_one_event_per_created_tier(target: Target, owned: Owned, expect: Expect,
                                                           unique: Unique, log: EventLog) -> None:
    answer = TiersApi(target).bulk_create([tier_body(unique.name(), unique.points()) for _ in range(2)])
    bulk_items_emit_created(expect, log, answer, "tier", "TIER-26", owned)


@pytest.mark.rule("REWARD-25")
def test_bulk_reward_create_emits_one_event_per_created_reward(target: Target, owned: Owned, expect: Expect,
                                                               unique: Unique, log: EventLog) -> None:
    answer = RewardsApi(target).bulk_create([free_shipping(unique.name()) for _ in range(2)])
    bulk_items_emit_created(expect, log, answer, "reward", "REWARD-25", owned)


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


# BADGE-22 ------------------------------------------------------------------------------------------
@pytest.mark.rule("BADGE-22")
def test_badge_writes_emit_the_documented_events(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                 log: EventLog, conformance_settings: RunSettings) -> None:
    rule = "BADGE-22"
    story = arrived(log, badge_story(target, owned, expect, unique, conformance_settings, rule))
    for kind in ("badge_assigned", "badge_unassigned"):
        found = require(expect, story, kind, rule)
        members = [w.member for w in story.writes if w.kind == kind]
        bodies = []
        for delivery in found:
            entity_id_is(expect, delivery, story, rule)
            body, _ = delivery.body()
            bodies.append(body.get("memberId") if isinstance(body, dict) else None)
        expect.that(sorted(map(str, bodies)) == sorted(map(str, members)),
                    f"{kind}: action bodies name members {bodies}, expected one event per member {members}",
                    rule=rule)
    # AMB-27: created/updated/deleted are documented for v3 but the SDK ships no handler for them: SHOULD.
    crud_events_carry_the_entity(story, expect, rule, should=True)


# BADGE4-29 / ASSIGN-16 / ASSIGN-17 (API-FACTS-BADGES-V4 §6) ----------------------------------------
def badge4_story(target: Target, owned: Owned, expect: Expect, unique: Unique, rule: str) -> Story:
    badges = BadgesV4Api(target)
    created = _ok(expect, badges.create({"title": unique.name(), **colors()}), "create a v4 badge", "badge", rule)
    owned.add("badge-v4", created["id"])
    updated = _ok(expect, badges.update(created["id"], {"description": unique.name(),
                                                        "revision": created.get("revision")}),
                  "update the v4 badge", "badge", rule)
    expect.deleted(badges.delete(created["id"]), "delete the v4 badge", rule=rule)
    return Story("badges-v4", created["id"], [Write("created", created), Write("updated", updated),
                                              Write("deleted")])


@pytest.mark.rule("BADGE4-29")
def test_badge_v4_writes_emit_created_updated_deleted(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                      log: EventLog) -> None:
    """Whatever else arrives about the badge (AMB4-8: V6/V7 may emit updated too) is judged by the same shape."""
    require_v4(target)
    rule = "BADGE4-29"
    story = arrived(log, badge4_story(target, owned, expect, unique, rule))
    for delivery in crud_events_carry_the_entity(story, expect, rule, revision_must=False):
        names_match(expect, delivery, story, rule)


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


@pytest.mark.rule("ASSIGN-16")
@pytest.mark.rule("ASSIGN-17")
def test_assignment_create_and_delete_emit_events(target: Target, owned: Owned, expect: Expect, unique: Unique,
                                                  log: EventLog, conformance_settings: RunSettings) -> None:
    require_v4(target)
    badge = create_badge(BadgesV4Api(target), owned, expect, unique)
    members = member_ids(conformance_settings, unique, 1)
    assignments = AssignmentsV4Api(target)
    answer = assignments.create(badge["id"], members[0])
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
    doc = _ok(expect, answer, "create a badge assignment", "badgeAssignment", "ASSIGN-16")
    owned.add("assignment-v4", doc["id"])
    expect.deleted(assignments.delete(doc["id"]), "delete the badge assignment", rule="ASSIGN-16")
    assignment_events(expect, log, doc, answer)


@pytest.mark.rule("ASSIGN-16")
@pytest.mark.rule("ASSIGN-17")
def test_bulk_assignment_create_and_delete_emit_one_event_per_item(
        target: Target, owned: Owned, expect: Expect, unique: Unique, log: EventLog,
        conformance_settings: RunSettings) -> None:
    require_v4(target)
    badge = create_badge(BadgesV4Api(target), owned, expect, unique)
    members = member_ids(conformance_settings, unique, 2)
    assignments = AssignmentsV4Api(target)
    answer = assignments.bulk_create([{"badgeId": badge["id"], "memberId": m} for m in members], return_entity=True)
    skip_if_made_up_members_refused(answer, members, conformance_settings.member_ids)
    docs = bulk_items(expect, answer, "assignment-v4", "ASSIGN-16", owned)
    expect.that(len(docs) == 2, f"bulk create assignments: expected 2 created items, got {len(docs)}", answer,
                rule="ASSIGN-16")
    deleted = assignments.bulk_delete([d["id"] for d in docs])
    expect.ok(deleted, "bulk delete the assignments", rule="ASSIGN-16")
    arrivals = [assignment_events(expect, log, doc, answer, one_of_many=True) for doc in docs]
    for kind, call in (("created", "Bulk Create"), ("deleted", "Bulk Delete")):
        expect.that(any(of_kind(found, kind) for found in arrivals),
                    f"{call} Badge Assignments of {len(docs)} items: no {kind} event about any of them; "
                    f"{'; '.join(summary(found) for found in arrivals)}", deleted, rule="ASSIGN-16")
