"""Loyalty Tiers v1 rules (API-FACTS §3.4), one test per rule statement.

Program settings are site-wide: every test that reads or writes them holds `program_settings`, which
serialises those tests across xdist workers (a file lock per target) and restores the content the
site had before the test. Settings cannot be deleted (the API has no such endpoint), so a site that had
none keeps the DISABLED defaults that Get Tiers Program creates anyway (TIER-15).

The settings tests that need a site *without* settings (TIER-15 defaults, TIER-17 create) live in
test_0_tiers_fresh_site.py, whose name sorts first so they run before any other test touches settings.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.apis import moment
from conformance.apis.tiers import TiersApi, tier_body, tier_path, writable
from conformance.live import Owned, site_lock
from conformance.plugin import RunSettings, Unique
from conformance.target import Exchange, Target, TargetError
from conformance.verdict import ANY_4XX, Expect

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: tests run unserialised
    fcntl = None  # type: ignore[assignment]

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_POINTS = 9_999_999
ICON_URL = "https://static.wixstatic.com/media/conformance-tier.svg"


# helpers -------------------------------------------------------------------------------------------
@pytest.fixture
def tiers(target: Target) -> TiersApi:
    return TiersApi(target)


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


def tier_names(listing: Exchange) -> list[str]:
    return [name_of(t) for t in (listing.body or {}).get("tiers", []) if isinstance(t, dict)]


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


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return -1
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0 if value is None else -1


def own_results(owned: Owned, answer: Exchange) -> None:
    """Register every tier a bulk answer reports as created."""
    if answer.status != 200 or not isinstance(answer.body, dict):
        return
    for result in answer.body.get("results") or []:
        item = (result or {}).get("item") if isinstance(result, dict) else None
        if isinstance(item, dict) and GUID.match(str(item.get("id", ""))):
            owned.add("tier", item["id"])


def original_index(result: Any) -> Any:
    """`itemMetadata.originalIndex`, the only link between a bulk result and its request item (COMMON-11);
    absent means 0, the default a proto-JSON server omits (§1.2)."""
    metadata = (result or {}).get("itemMetadata") if isinstance(result, dict) else None
    return (metadata or {}).get("originalIndex", 0) if isinstance(metadata, dict) else None


def check_bulk_result(expect: Expect, answer: Exchange, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """COMMON-11: the per-item invariants of a bulk create answer; returns the results."""
    body = expect.ok(answer, f"bulk create of {len(batch)} tiers")
    results = body.get("results") if isinstance(body, dict) else None
    expect.that(isinstance(results, list), "a bulk answer carries a results array", answer, rule="COMMON-11")
    assert isinstance(results, list)
    meta = body.get("bulkActionMetadata") or {}
    expect.that(isinstance(meta, dict), "bulkActionMetadata is an object", answer, rule="COMMON-11")
    indexes = [original_index(r) for r in results]
    expect.that(
        all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(batch) for i in indexes),
        f"every itemMetadata.originalIndex indexes the request array, got {indexes}",
        answer,
        rule="COMMON-11",
    )
    expect.that(
        len(set(indexes)) == len(indexes),
        f"originalIndex values are distinct, got {indexes}",
        answer,
        rule="COMMON-11",
    )
    successes = 0
    for result in results:
        metadata = (result or {}).get("itemMetadata") or {}
        item = (result or {}).get("item")
        error = metadata.get("error")
        index = original_index(result)
        if metadata.get("success") is True:
            successes += 1
            expect.that(
                isinstance(item, dict) and item.get("id") and not error,
                f"results[{index}] succeeded: item present, error absent",
                answer,
                rule="COMMON-11",
            )
            assert isinstance(item, dict)
            sent = batch[index]
            expect.that(
                name_of(item) == name_of(sent) and item.get("requiredPoints") == sent.get("requiredPoints"),
                f"results[{index}].item corresponds to request item {index}",
                answer,
                rule="COMMON-11",
            )
            expect.prefer(
                metadata.get("id") == item.get("id"),
                f"results[{index}].itemMetadata.id equals item.id",
                answer,
                amb="AMB-15",
                rule="COMMON-11",
            )
        else:
            expect.that(
                metadata.get("success", False) is False,
                f"results[{index}].itemMetadata.success is a boolean (absent: false)",
                answer,
                rule="COMMON-11",
            )
            expect.that(
                isinstance(error, dict) and error.get("code"),
                f"results[{index}] failed: error.code present",
                answer,
                rule="COMMON-11",
            )
            expect.that(
                not (isinstance(item, dict) and item.get("id")),
                f"results[{index}] failed: no created item",
                answer,
                rule="COMMON-11",
            )
    total_successes = _count(meta.get("totalSuccesses"))
    total_failures = _count(meta.get("totalFailures"))
    expect.that(
        total_successes == successes,
        f"bulkActionMetadata.totalSuccesses ({meta.get('totalSuccesses')!r}) counts the {successes} "
        "successful results",
        answer,
        rule="COMMON-11",
    )
    expect.prefer(
        total_successes + total_failures == len(batch),
        f"totalSuccesses + totalFailures equals the {len(batch)} items sent",
        answer,
        rule="COMMON-11",
    )
    if _count(meta.get("undetailedFailures")) == 0:
        expect.that(
            len(results) == len(batch),
            f"{len(batch)} results for {len(batch)} items",
            answer,
            rule="COMMON-11",
        )
    return [r for r in results if isinstance(r, dict)]


def succeeded(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["item"] for r in results if (r.get("itemMetadata") or {}).get("success") is True]


# what a write changed, through every read path ------------------------------------------------------
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


def unchanged(
    tiers: TiersApi, expect: Expect, before: dict[str, Any], answer: Exchange, rule: str | None = None
) -> None:
    """COMMON-2 habit: after a refused write, the tier is what it was on every read path (every field)."""
    shows_everywhere(tiers, expect, before, f"after the refused HTTP {answer.status}", answer, rule)


# concurrency ----------------------------------------------------------------------------------------
RACERS = 8


def race(target: Target, send: Callable[[TiersApi, int], Exchange], count: int = RACERS) -> list[Exchange]:
    """`count` requests released together, each on its own connection: one `Target` per thread, since a
    `requests.Session` is not safe to share between threads. Waits are bounded; the exchanges join the log."""
    racers = [Target(target.base_url, dict(target.headers), timeout=target.timeout) for _ in range(count)]
    barrier = threading.Barrier(count)
    answers: list[Exchange | None] = [None] * count
    problems: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = send(TiersApi(racers[index]), index)
        except (TargetError, threading.BrokenBarrierError) as exc:
            problems.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=target.timeout + 30)
    for racer in racers:
        target.log.extend(racer.log)
    if problems:
        raise TargetError(f"a concurrent request failed: {problems[0]}")
    done = [a for a in answers if a is not None]
    if len(done) != count:
        raise TargetError(f"{count - len(done)} of {count} concurrent requests got no answer in time")
    return done


@pytest.fixture
def racing(conformance_settings: RunSettings) -> None:
    """Concurrency is judged live only: vcrpy loses exchanges sent from several threads at once, and a replay
    has no server whose atomicity could be judged (the stale/future revision scenarios still check COMMON-5)."""
    if conformance_settings.record_dir or conformance_settings.replay_dir:
        pytest.skip("concurrent requests cannot be recorded or replayed faithfully; run `conformance run "
                    "--rule COMMON-5` against the target (without --record) to check atomicity")


def one_winner(expect: Expect, answers: list[Exchange], what: str) -> Exchange:
    """COMMON-5: of updates carrying the same current revision, exactly one wins and the others get 409."""
    winners = [a for a in answers if a.status == 200]
    codes = sorted(a.status for a in answers)
    expect.that(
        len(winners) == 1 and all(a.status == 409 for a in answers if a.status != 200),
        f"{what}: of {len(answers)} concurrent updates carrying the same revision exactly one succeeds and the "
        f"others get 409; got {codes}",
        winners[1] if len(winners) > 1 else next((a for a in answers if a.status != 409), answers[0]),
        rule="COMMON-5",
    )
    return winners[0]


# program settings: a site-wide singleton --------------------------------------------------------------
CONTENT_KEYS = ("status", "rollingWindow", "baseTierDefinition")


class SettingsGuard:
    """Access to the program settings that remembers what the site had and puts it back."""

    def __init__(self, tiers: TiersApi, expect: Expect):
        self.tiers = tiers
        self.expect = expect
        before = self.first = tiers.settings()
        body = before.body if before.status == 200 and isinstance(before.body, dict) else {}
        saved = body.get("programSettings")
        self.existed = isinstance(saved, dict) and bool(saved)
        self.saved: dict[str, Any] | None = saved if self.existed else None

    def current(self) -> dict[str, Any]:
        """The settings now; a site without any gets the defaults Get Tiers Program creates (TIER-15)."""
        answer = self.tiers.settings()
        if answer.status == 404:
            return entity(
                self.expect,
                self.tiers.program(),
                "Get Tiers Program (creates default settings)",
                key="programSettings",
                rule="TIER-15",
            )
        return entity(self.expect, answer, "Get Tiers Program Settings", key="programSettings")

    def update(self, revision: Any, **content: Any) -> Exchange:
        body = {k: v for k, v in content.items() if v is not None}
        if revision is not None:
            body["revision"] = revision
        return self.tiers.update_settings(body)

    def baseline(self, now: dict[str, Any]) -> dict[str, Any]:
        if self.saved is not None:
            return {k: self.saved[k] for k in CONTENT_KEYS if self.saved.get(k)}
        # The site had no settings: what it gets back is the documented default (DISABLED, no base tier).
        return {"status": "DISABLED", "rollingWindow": now.get("rollingWindow") or {"durationInMonths": 12}}

    def restore(self) -> None:
        """Put the saved content back with the current revision (only when something changed)."""
        for _ in range(3):
            answer = self.tiers.settings()
            if answer.status != 200 or not isinstance(answer.body, dict):
                return  # nothing exists, so nothing was changed
            now = answer.body.get("programSettings") or {}
            wanted = self.baseline(now)
            if all(
                now.get(k) == wanted.get(k) or (not now.get(k) and not wanted.get(k)) for k in CONTENT_KEYS
            ):
                return
            restored = self.tiers.update_settings({**writable(wanted), "revision": now.get("revision")})
            if restored.status == 200:
                return
        raise AssertionError(f"could not restore the program settings: {restored.describe()}")


@contextmanager
def guarded_settings(tiers: TiersApi, expect: Expect) -> Iterator[SettingsGuard]:
    """Serialised access to the site's program settings, restored afterwards (for any suite module)."""
    with site_lock(tiers.target.base_url, "tier-settings"):
        guard = SettingsGuard(tiers, expect)
        try:
            yield guard
        finally:
            guard.restore()


@pytest.fixture
def program_settings(tiers: TiersApi, expect: Expect) -> Iterator[SettingsGuard]:
    """Serialised access to the site's program settings, restored after the test."""
    with guarded_settings(tiers, expect) as guard:
        yield guard


def other_status(status: Any) -> str:
    return "PAUSED" if status != "PAUSED" else "DISABLED"


def window(settings: dict[str, Any]) -> dict[str, Any]:
    months = (settings.get("rollingWindow") or {}).get("durationInMonths")
    return {"durationInMonths": months if isinstance(months, int) and 12 <= months <= 36 else 12}


def settings_content(settings: dict[str, Any]) -> dict[str, Any]:
    """The documented settings fields as a read shows them (absent = default, dates as instants)."""
    base = settings.get("baseTierDefinition") or {}
    return {
        "status": settings.get("status"),
        "revision": settings.get("revision"),
        "rollingWindow.durationInMonths": (settings.get("rollingWindow") or {}).get("durationInMonths") or 0,
        "baseTierDefinition.name": base.get("name") or "",
        "baseTierDefinition.description": base.get("description") or "",
        "baseTierDefinition.icon.url": (base.get("icon") or {}).get("url") or "",
        "updatedDate": moment(settings.get("updatedDate")),
    }


def settings_unchanged(expect: Expect, before: dict[str, Any], after: dict[str, Any], answer: Exchange) -> None:
    """COMMON-2: a refused settings write leaves every field as it was."""
    wanted, got = settings_content(before), settings_content(after)
    expect.that(
        got == wanted,
        f"the settings are unchanged after the refused HTTP {answer.status}; differs (before, after): "
        f"{ {k: (wanted[k], got[k]) for k in wanted if wanted[k] != got[k]} }",
        answer,
        rule="COMMON-2",
    )


def settings_revision(tiers: TiersApi) -> Any:
    answer = tiers.settings()
    return (
        ((answer.body or {}).get("programSettings") or {}).get("revision") if answer.status == 200 else None
    )


# settings writes --------------------------------------------------------------------------------------
@pytest.mark.rule("TIER-18")
def test_create_settings_when_they_exist_is_rejected(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    current = program_settings.current()
    answer = tiers.create_settings(
        {
            "status": other_status(current.get("status")),
            "rollingWindow": {"durationInMonths": 36 if window(current)["durationInMonths"] != 36 else 24},
        }
    )
    expect.rejected(answer, 409, tolerated=ANY_4XX, amb="AMB-13", what="second Create Tiers Program Settings")
    after = program_settings.current()
    expect.that(
        after.get("revision") == current.get("revision")
        and after.get("status") == current.get("status")
        and after.get("rollingWindow") == current.get("rollingWindow"),
        "the existing settings are unchanged (not replaced)",
        answer,
    )


@pytest.mark.rule("TIER-19", "COMMON-8")
def test_settings_update_with_current_revision_increments_it(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    current = program_settings.current()
    status = other_status(current.get("status"))
    time.sleep(0.01)  # timestamps carry milliseconds: let the clock move, so "advances" can be strict
    answer = program_settings.update(current.get("revision"), status=status, rollingWindow=window(current))
    updated = entity(expect, answer, "Update Tiers Program Settings", key="programSettings")
    before, after = moment(current.get("updatedDate")), moment(updated.get("updatedDate"))
    expect.that(
        before is None or (after is not None and after > before),
        f"updatedDate advances: {current.get('updatedDate')!r} -> {updated.get('updatedDate')!r}",
        answer,
        rule="COMMON-8",
    )
    expect.that(
        moment(updated.get("createdDate")) == moment(current.get("createdDate")),
        f"createdDate never changes: {current.get('createdDate')!r} -> {updated.get('createdDate')!r}",
        answer,
        rule="COMMON-8",
    )
    expected = str(int(current["revision"]) + 1) if str(current.get("revision", "")).isdigit() else None
    expect.that(
        updated.get("revision") == expected,
        f"revision goes {current.get('revision')!r} -> {expected!r}, got {updated.get('revision')!r}",
        answer,
        rule="TIER-19",  # TIER-19 states the +1 for settings; it is COMMON-6 too, which other scenarios check
    )
    expect.that(updated.get("status") == status, f"status is updated to {status}", answer, rule="TIER-19")
    stored = program_settings.current()
    expect.that(
        stored.get("status") == status and stored.get("revision") == expected,
        "Get Tiers Program Settings shows the update",
        answer,
        rule="TIER-19",
    )


@pytest.mark.rule("TIER-20", "COMMON-2")
@pytest.mark.parametrize("missing", ["status", "revision", "rollingWindow"])
def test_settings_update_missing_a_required_field_is_rejected(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, missing: str
) -> None:
    current = program_settings.current()
    body = {
        "status": other_status(current.get("status")),
        "rollingWindow": window(current),
        "revision": current.get("revision"),
    }
    body.pop(missing)
    answer = tiers.update_settings(body)
    expect.rejected(answer, 400, what=f"settings update without {missing}", rule="TIER-20")
    settings_unchanged(expect, current, program_settings.current(), answer)


@pytest.mark.rule("TIER-21", "COMMON-5", "COMMON-6")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_settings_update_with_wrong_revision_is_rejected(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, revision: str
) -> None:
    first = program_settings.current()
    bumped = entity(
        expect,
        program_settings.update(
            first.get("revision"), status=other_status(first.get("status")), rollingWindow=window(first)
        ),
        "settings update with the current revision",
        key="programSettings",
    )
    current = str(bumped.get("revision", ""))
    sent = (
        first.get("revision") if revision == "stale" else str(int(current) + 5 if current.isdigit() else 99)
    )
    answer = program_settings.update(
        sent, status=other_status(bumped.get("status")), rollingWindow=window(bumped)
    )
    expect.status(answer, 409, what=f"settings update carrying a {revision} revision")
    after = program_settings.current()
    expect.that(
        settings_content(after) == settings_content(bumped),
        f"the settings are unchanged after the refused update: {settings_content(bumped)} -> "
        f"{settings_content(after)}",
        answer,
    )


@pytest.mark.rule("TIER-22")
def test_settings_update_without_base_tier_resets_it(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, unique: Unique
) -> None:
    current = program_settings.current()
    name = unique.name()
    with_base = program_settings.update(
        current.get("revision"),
        status=current.get("status") or "DISABLED",
        rollingWindow=window(current),
        baseTierDefinition={"name": name, "description": "conformance"},
    )
    set_base = entity(expect, with_base, "settings update with a baseTierDefinition", key="programSettings")
    expect.that(
        (set_base.get("baseTierDefinition") or {}).get("name") == name,
        "the response echoes baseTierDefinition.name",
        with_base,
    )
    without = program_settings.update(
        set_base.get("revision"), status=set_base.get("status") or "DISABLED", rollingWindow=window(set_base)
    )
    entity(expect, without, "settings update without baseTierDefinition", key="programSettings")
    stored = program_settings.current()
    base = stored.get("baseTierDefinition") or {}
    expect.that(
        not base.get("name") and not base.get("description") and not (base.get("icon") or {}).get("url"),
        f"an omitted baseTierDefinition is reset to empty, got {base!r}",
        without,
    )


@pytest.mark.rule("TIER-23")
@pytest.mark.parametrize(
    "status", ["ACTIVE", "PAUSED", "DISABLED", "DRAFT", "UNKNOWN", "NOT_A_STATUS", "ENABLED"]
)
def test_settings_status_values(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, status: str
) -> None:
    current = program_settings.current()
    answer = program_settings.update(current.get("revision"), status=status, rollingWindow=window(current))
    if status in ("ACTIVE", "PAUSED", "DISABLED"):
        updated = entity(expect, answer, f"status {status}", key="programSettings")
        expect.that(updated.get("status") == status, f"status {status} is stored", answer)
        return
    if status == "DRAFT":
        expect.prefer(answer.status == 200, "status DRAFT should be accepted (AMB-9)", answer, amb="AMB-9")
    elif status == "UNKNOWN":
        expect.that(
            answer.status == 200 or (400 <= answer.status < 500 and answer.status != 404),
            "status UNKNOWN is accepted or rejected with a 4xx (AMB-9)",
            answer,
        )
    else:
        expect.rejected(answer, 400, what=f"status {status!r}")
        after = program_settings.current()
        expect.that(
            after.get("revision") == current.get("revision") and after.get("status") == current.get("status"),
            "the settings are unchanged after the rejected update",
            answer,
        )


@pytest.mark.rule("TIER-24", "COMMON-2")
@pytest.mark.parametrize("months", [12, 36, 37, 0, -1, 1, 11])
def test_settings_rolling_window_bounds(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, months: int
) -> None:
    current = program_settings.current()
    # A refused update also carries another status: none of it may be applied (COMMON-2).
    status = other_status(current.get("status")) if months in (37, 0, -1) else current.get("status") or "DISABLED"
    answer = program_settings.update(
        current.get("revision"), status=status, rollingWindow={"durationInMonths": months}
    )
    if months in (12, 36):
        updated = entity(expect, answer, f"durationInMonths {months}", key="programSettings")
        expect.that(
            (updated.get("rollingWindow") or {}).get("durationInMonths") == months,
            f"durationInMonths {months} is stored",
            answer,
        )
    elif months in (37, 0, -1):
        expect.rejected(answer, 400, what=f"durationInMonths {months}", rule="TIER-24")
        settings_unchanged(expect, current, program_settings.current(), answer)
    else:  # 1..11: the documents disagree (AMB-7): accepted or rejected, never a server error
        expect.that(
            answer.status == 200 or (400 <= answer.status < 500 and answer.status != 404),
            f"durationInMonths {months} is accepted or rejected with a 4xx (AMB-7)",
            answer,
        )


@pytest.mark.rule("TIER-16")
def test_program_lists_the_same_tiers_and_settings(
    tiers: TiersApi, program_settings: SettingsGuard, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    first = {t.get("id") for t in listed(tiers)}
    answer = tiers.program()
    program = expect.ok(answer, "Get Tiers Program")
    second = {t.get("id") for t in listed(tiers)}
    in_program = {t.get("id") for t in (program.get("tiers") or []) if isinstance(t, dict)}
    expect.that(tier["id"] in in_program, "Get Tiers Program includes a tier just created", answer)
    # Other writers (xdist workers) may change tiers between the calls: compare against both listings.
    expect.that(
        first & second <= in_program,
        f"Get Tiers Program lacks listed tiers {sorted(map(str, first & second - in_program))}",
        answer,
    )
    expect.that(
        in_program <= first | second,
        f"Get Tiers Program has tiers List Tiers does not: {sorted(in_program - (first | second), key=str)}",
        answer,
    )
    stored = program_settings.current()
    settings = program.get("programSettings") or {}
    expect.that(
        settings.get("revision") == stored.get("revision") and settings.get("status") == stored.get("status"),
        "Get Tiers Program returns the same programSettings as Get Tiers Program Settings",
        answer,
    )


@pytest.mark.rule("COMMON-17")
def test_program_paths_are_not_tier_ids(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect
) -> None:
    program = tiers.program()
    body = expect.ok(program, "GET /tiers/program")
    expect.that(
        isinstance(body.get("programSettings"), dict)
        and isinstance(body.get("tiers", []), list)
        and "tier" not in body,
        "GET /tiers/program is Get Tiers Program, not Get Tier",
        program,
    )
    settings = tiers.settings()
    body = expect.ok(settings, "GET /tiers/program-settings after Get Tiers Program created the settings")
    expect.that(
        isinstance(body.get("programSettings"), dict) and "tier" not in body,
        "GET /tiers/program-settings is Get Tiers Program Settings, not Get Tier",
        settings,
    )


# tiers ----------------------------------------------------------------------------------------------
@pytest.mark.rule("TIER-1", "COMMON-6")
def test_create_returns_the_wrapped_tier(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    sent = tier_body(unique.name(), unique.points(), description="conformance tier", icon={"url": ICON_URL})
    answer = tiers.create(sent)
    tier = entity(expect, answer, "Create Tier")
    if GUID.match(str(tier.get("id", ""))):
        owned.add("tier", tier["id"])
    expect.that(GUID.match(str(tier.get("id", ""))), f"the tier id is a GUID, got {tier.get('id')!r}", answer)
    expect.that(
        tier.get("revision") == "1",
        f'a new tier has revision "1", got {tier.get("revision")!r}',
        answer,
        rule="COMMON-6",
    )
    definition = tier.get("tierDefinition") or {}
    expect.that(definition.get("name") == sent["tierDefinition"]["name"], "the name is echoed", answer)
    expect.that(definition.get("description") == "conformance tier", "the description is echoed", answer)
    expect.that((definition.get("icon") or {}).get("url") == ICON_URL, "icon.url is echoed", answer)
    expect.that(tier.get("requiredPoints") == sent["requiredPoints"], "requiredPoints is echoed", answer)
    fetched = entity(expect, tiers.get(tier["id"]), "Get Tier of the created tier")
    expect.that(
        fetched.get("id") == tier["id"]
        and name_of(fetched) == name_of(tier)
        and fetched.get("requiredPoints") == tier.get("requiredPoints"),
        "Get Tier returns the created tier",
        answer,
    )


@pytest.mark.rule("TIER-2")
def test_tier_name_must_be_unique(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    first = create_tier(tiers, owned, expect, unique)
    name = first["tierDefinition"]["name"]
    duplicate = tiers.create(tier_body(name, unique.points()))
    if duplicate.status == 200:
        own_listed(tiers, owned, {name})
    expect.status(duplicate, 409, tolerated=[400], amb="AMB-12", what="second tier with an existing name")
    expect.that(
        count_named(tiers, name) == 1, f"exactly one tier named {name!r} after the rejection", duplicate
    )


@pytest.mark.rule("TIER-3")
def test_tier_required_points_must_be_unique(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    first = create_tier(tiers, owned, expect, unique)
    name = unique.name()
    duplicate = tiers.create(tier_body(name, first["requiredPoints"]))
    if duplicate.status == 200:
        own_listed(tiers, owned, {name})
    expect.status(
        duplicate, 409, tolerated=[400], amb="AMB-12", what="second tier with existing requiredPoints"
    )
    expect.that(
        count_points(tiers, first["requiredPoints"]) == 1,
        "exactly one tier holds those points afterwards",
        duplicate,
    )


@pytest.mark.rule("TIER-4")
@pytest.mark.parametrize("field", ["name", "points"])
def test_update_cannot_take_another_tiers_value(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    first = create_tier(tiers, owned, expect, unique)
    second = create_tier(tiers, owned, expect, unique)
    change: dict[str, Any] = (
        {"tierDefinition": {"name": name_of(first)}}
        if field == "name"
        else {"requiredPoints": first["requiredPoints"]}
    )
    answer = tiers.update(second["id"], {"revision": second["revision"], **change})
    expect.status(answer, 409, tolerated=[400], amb="AMB-12", what=f"update taking another tier's {field}")
    unchanged(tiers, expect, second, answer)
    unchanged(tiers, expect, first, answer)
    if field == "name":
        expect.that(count_named(tiers, name_of(first)) == 1, "the name still belongs to one tier", answer)
    else:
        expect.that(
            count_points(tiers, first["requiredPoints"]) == 1, "the points still belong to one tier", answer
        )


@pytest.mark.rule("TIER-4", "TIER-9")
def test_update_resaving_own_values_succeeds(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.update(
        tier["id"],
        {
            "revision": tier["revision"],
            "tierDefinition": {"name": name_of(tier)},
            "requiredPoints": tier["requiredPoints"],
        },
    )
    updated = entity(expect, answer, "update re-saving the tier's own name and points")
    expect.that(
        updated.get("revision") == "2", f'the revision goes to "2", got {updated.get("revision")!r}', answer
    )


@pytest.mark.rule("TIER-5", "COMMON-11")
@pytest.mark.parametrize("field", ["name", "points"])
def test_bulk_duplicates_inside_one_request(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    shared_name, shared_points = unique.name(), unique.points()
    batch = [
        tier_body(shared_name, shared_points),
        tier_body(
            shared_name if field == "name" else unique.name(),
            shared_points if field == "points" else unique.points(),
        ),
    ]
    names = {name_of(item) for item in batch}
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    present = own_listed(tiers, owned, names)
    if 400 <= answer.status < 500 and answer.status != 404:  # AMB-11: the whole request rejected
        expect.that(
            not present,
            f"a rejected bulk request creates nothing; found {[name_of(t) for t in present]}",
            answer,
        )
        return
    results = check_bulk_result(expect, answer, batch)
    same = [
        t
        for t in present
        if (name_of(t) == shared_name if field == "name" else t.get("requiredPoints") == shared_points)
    ]
    expect.that(
        len(same) <= 1, f"at most one of two tiers with the same {field} exists, found {len(same)}", answer
    )
    expect.that(len(succeeded(results)) <= 1, f"at most one item with the same {field} succeeds", answer)


@pytest.mark.rule("TIER-5", "TIER-2", "TIER-3", "COMMON-11")
@pytest.mark.parametrize("field", ["name", "points"])
def test_bulk_duplicates_of_existing_tiers(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, field: str
) -> None:
    existing = create_tier(tiers, owned, expect, unique)
    clash = (
        tier_body(name_of(existing), unique.points())
        if field == "name"
        else tier_body(unique.name(), existing["requiredPoints"])
    )
    fresh = tier_body(unique.name(), unique.points())
    batch = [clash, fresh]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    present = own_listed(tiers, owned, {name_of(clash), name_of(fresh)} - {name_of(existing)})
    if field == "name":
        expect.that(
            count_named(tiers, name_of(existing)) == 1, "the existing name still belongs to one tier", answer
        )
    else:
        expect.that(
            count_points(tiers, existing["requiredPoints"]) == 1,
            "the existing points belong to one tier",
            answer,
        )
    if 400 <= answer.status < 500 and answer.status != 404:
        expect.prefer(
            False,
            "a bulk request with one clashing item should fail that item only (HTTP 200)",
            answer,
            rule="COMMON-11",
        )
        expect.that(not present, "a rejected bulk request creates nothing", answer)
        return
    results = check_bulk_result(expect, answer, batch)
    created = {name_of(item) for item in succeeded(results)}
    expect.that(name_of(fresh) in created, "the item without a clash is created", answer)
    expect.that(
        all(
            original_index(r) != 0 or not (r.get("itemMetadata") or {}).get("success")
            for r in results
        ),
        f"the item clashing on {field} with an existing tier fails",
        answer,
    )


@pytest.mark.rule("TIER-6", "COMMON-12")
@pytest.mark.parametrize("count", [0, 21])
def test_bulk_create_rejects_sizes_outside_1_to_20(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [tier_body(unique.name(), unique.points()) for _ in range(count)]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    created = own_listed(tiers, owned, {name_of(item) for item in batch})
    expect.rejected(answer, 400, what=f"bulk create with {count} tiers")
    expect.that(
        not created,
        f"nothing is created by a rejected bulk request; found {len(created)}",
        answer,
        rule="COMMON-12",
    )


@pytest.mark.rule("TIER-6", "COMMON-11")
@pytest.mark.parametrize("count", [1, 20])
def test_bulk_create_accepts_1_to_20_tiers(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, count: int
) -> None:
    batch = [tier_body(unique.name(), unique.points()) for _ in range(count)]
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    results = check_bulk_result(expect, answer, batch)
    expect.that(len(succeeded(results)) == count, f"all {count} unique tiers are created", answer)
    present = own_listed(tiers, owned, {name_of(item) for item in batch})
    expect.that(
        len(present) == count, f"List Tiers shows the {count} created tiers, found {len(present)}", answer
    )


@pytest.mark.rule("TIER-7")
@pytest.mark.parametrize("points", [-1, 10_000_000, 1.5], ids=["minus-1", "10000000", "1.5"])
def test_required_points_out_of_range_are_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, points: float
) -> None:
    name = unique.name()
    answer = tiers.create(tier_body(name, points))  # type: ignore[arg-type]
    created = own_listed(tiers, owned, {name})
    expect.rejected(answer, 400, what=f"requiredPoints {points}")
    expect.that(not created, "nothing is created", answer)


@pytest.mark.rule("TIER-7")
def test_required_points_maximum_is_accepted(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    if MAX_POINTS in [t.get("requiredPoints") for t in listed(tiers)]:
        pytest.skip(
            "a tier on this site already holds requiredPoints 9999999 (TIER-3 would reject a second one)"
        )
    tier = create_tier(tiers, owned, expect, unique, requiredPoints=MAX_POINTS)
    expect.that(tier.get("requiredPoints") == MAX_POINTS, "requiredPoints 9999999 is stored")


@pytest.mark.rule("TIER-7")
def test_required_points_zero_is_tolerated(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """AMB-26: a non-base tier with 0 points may be accepted or refused (it clashes with the base tier)."""
    name = unique.name()
    answer = tiers.create(tier_body(name, 0))
    own_listed(tiers, owned, {name})
    expect.that(
        answer.status == 200 or answer.status in (400, 409),
        "requiredPoints 0: 200, 400 or 409 (AMB-26)",
        answer,
    )
    if answer.status == 200:
        expect.that(
            entity(expect, answer, "Create Tier with 0 points").get("requiredPoints") in (0, None),
            "requiredPoints 0 is stored",
            answer,
        )


@pytest.mark.rule("TIER-8")
@pytest.mark.parametrize("case", ["name-0", "name-51", "description-71"])
def test_tier_definition_lengths_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    name = unique.name()
    if case == "name-0":
        body = tier_body("", unique.points())
    elif case == "name-51":
        name = padded(name, 51)
        body = tier_body(name, unique.points())
    else:
        body = tier_body(name, unique.points(), description="d" * 71)
    answer = tiers.create(body)
    # Identify by the run's unique points too: an empty name carries no run tag.
    created = [t for t in listed(tiers) if t.get("requiredPoints") == body["requiredPoints"] and t.get("id")]
    for tier in created:
        owned.add("tier", tier["id"])
    expect.rejected(answer, 400, what=f"tier with {case.replace('-', ' of ')} characters")
    expect.that(not created, "nothing is created", answer)


@pytest.mark.rule("TIER-8")
@pytest.mark.parametrize("case", ["name-50", "description-70"])
def test_tier_definition_lengths_accepted(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, case: str
) -> None:
    if case == "name-50":
        tier = create_tier(tiers, owned, expect, unique, tierDefinition={"name": padded(unique.name(), 50)})
        expect.that(len(name_of(tier) or "") == 50, "a 50-character name is stored whole")
    else:
        tier = create_tier(
            tiers, owned, expect, unique, tierDefinition={"name": unique.name(), "description": "d" * 70}
        )
        expect.that(
            (tier.get("tierDefinition") or {}).get("description") == "d" * 70,
            "a 70-character description is stored whole",
        )


@pytest.mark.rule("TIER-9", "COMMON-6")
def test_update_with_current_revision_increments_it(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    expect.that(
        tier["revision"] == "1", f'a new tier has revision "1", got {tier["revision"]!r}', rule="COMMON-6"
    )
    new_name = unique.name()
    time.sleep(0.01)  # timestamps carry milliseconds: let the clock move, so "advances" can be strict
    answer = tiers.update(tier["id"], {"revision": tier["revision"], "tierDefinition": {"name": new_name}})
    updated = entity(expect, answer, "update with the current revision")
    expect.that(
        updated.get("revision") == "2", f'revision goes "1" -> "2", got {updated.get("revision")!r}', answer
    )
    expect.that(name_of(updated) == new_name, "the response reflects the new name", answer)
    before, after = moment(tier.get("updatedDate")), moment(updated.get("updatedDate"))
    expect.that(
        before is not None and after is not None and after > before,
        f"updatedDate advances: {tier.get('updatedDate')!r} -> {updated.get('updatedDate')!r}",
        answer,
    )
    again = tiers.update(tier["id"], {"revision": "2", "requiredPoints": unique.points()})
    expect.that(
        entity(expect, again, "second update").get("revision") == "3", 'revision goes "2" -> "3"', again
    )


@pytest.mark.rule("TIER-9")
def test_update_with_mismatched_body_id_never_touches_the_other_tier(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, target: Target
) -> None:
    """AMB-32: path id wins or the request is refused; the tier named in the body is never changed."""
    first = create_tier(tiers, owned, expect, unique)
    second = create_tier(tiers, owned, expect, unique)
    new_name = unique.name()
    answer = target.patch(
        tier_path(first["id"]),
        {"tier": {"id": second["id"], "revision": "1", "tierDefinition": {"name": new_name}}},
    )
    expect.that(
        answer.status == 200 or (400 <= answer.status < 500 and answer.status != 404),
        "a body id that differs from the path id: 200 (path wins) or 4xx (AMB-32)",
        answer,
    )
    other = entity(expect, tiers.get(second["id"]), "Get Tier of the tier named only in the body")
    expect.that(
        other.get("revision") == "1" and name_of(other) == name_of(second),
        "the tier named in the body is unchanged",
        answer,
    )
    if answer.status == 200:
        updated = entity(expect, tiers.get(first["id"]), "Get Tier of the path tier")
        expect.that(name_of(updated) == new_name, "the path tier carries the update", answer)


def updated_once(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A tier at revision "2", and the wrong revision to send: the old "1" (stale) or one from the future."""
    tier = create_tier(tiers, owned, expect, unique)
    current = entity(
        expect,
        tiers.update(tier["id"], {"revision": "1", "requiredPoints": unique.points()}),
        "update with the current revision",
    )
    sent = "1" if revision == "stale" else str(int(str(current.get("revision", "1"))) + 5)
    return tier, current, sent


@pytest.mark.rule("TIER-10", "COMMON-5", "COMMON-6")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_update_with_wrong_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> None:
    tier, current, sent = updated_once(tiers, owned, expect, unique, revision)
    answer = tiers.update(tier["id"], {"revision": sent, "tierDefinition": {"name": unique.name()}})
    expect.status(answer, 409, what=f"update carrying a {revision} revision")
    unchanged(tiers, expect, current, answer)


@pytest.mark.rule("TIER-11", "COMMON-6")
def test_update_without_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.update(tier["id"], {"tierDefinition": {"name": unique.name()}})
    expect.rejected(answer, 400, tolerated=ANY_4XX, amb="AMB-5", what="update without revision")
    unchanged(tiers, expect, tier, answer)


@pytest.mark.rule("TIER-12", "COMMON-10")
def test_deleted_tier_is_gone(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.delete(tier["id"], revision=tier["revision"])
    expect.deleted(answer, "delete with the current revision", rule="COMMON-10")
    expect.status(tiers.get(tier["id"]), 404, what="get after delete")
    expect.that(
        tier["id"] not in [t.get("id") for t in listed(tiers)],
        "List Tiers no longer includes the tier",
        answer,
    )
    program = expect.ok(tiers.program(), "Get Tiers Program")
    expect.that(
        tier["id"] not in [t.get("id") for t in program.get("tiers", []) if isinstance(t, dict)],
        "Get Tiers Program no longer includes the deleted tier",
        answer,
    )


@pytest.mark.rule("TIER-13", "COMMON-5", "COMMON-6")
@pytest.mark.parametrize("revision", ["stale", "future"])
def test_delete_with_wrong_revision_is_rejected(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, revision: str
) -> None:
    tier, current, sent = updated_once(tiers, owned, expect, unique, revision)
    answer = tiers.delete(tier["id"], revision=sent)
    expect.status(answer, 409, what=f"delete carrying a {revision} revision")
    unchanged(tiers, expect, current, answer)


@pytest.mark.rule("TIER-13")
def test_delete_without_revision_is_consistent(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    """AMB-6: a delete without ?revision= may be refused or accepted; the outcome must match the answer."""
    tier = create_tier(tiers, owned, expect, unique)
    answer = tiers.delete(tier["id"])
    after = tiers.get(tier["id"])
    if answer.status == 200:
        expect.status(after, 404, what="get after an accepted delete without revision")
    else:
        expect.rejected(answer, 400, what="delete without revision (AMB-6)")
        expect.that(
            after.status == 200 and ((after.body or {}).get("tier") or {}).get("revision") == "1",
            "the tier is unchanged after the refused delete",
            after,
        )


@pytest.mark.rule("TIER-14")
@pytest.mark.read_only
def test_list_never_contains_the_base_tier(tiers: TiersApi, expect: Expect) -> None:
    answer = tiers.list()
    body = expect.ok(answer, "List Tiers")
    items = body.get("tiers", []) if isinstance(body, dict) else None
    expect.that(isinstance(items, list), 'List Tiers answers {"tiers": [...]}', answer)
    for tier in items or []:
        expect.that(
            isinstance(tier, dict) and GUID.match(str(tier.get("id", ""))),
            f"every listed tier has a GUID id (no base-tier entry), got {tier!r}"[:300],
            answer,
        )
    settings = tiers.settings()
    base = (
        (((settings.body or {}).get("programSettings") or {}).get("baseTierDefinition") or {}).get("name")
        if settings.status == 200
        else None
    )
    if base:
        expect.that(
            not [t for t in items or [] if name_of(t) == base and t.get("requiredPoints") in (0, None)],
            f"no listed tier mirrors the base tier {base!r}",
            answer,
        )


@pytest.mark.rule("TIER-25", "COMMON-7")
def test_icon_size_from_the_client_is_ignored(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique
) -> None:
    name = unique.name()
    answer = tiers.create(
        tier_body(name, unique.points(), icon={"url": ICON_URL, "height": 4321, "width": 1234})
    )
    own_listed(tiers, owned, {name})
    if 400 <= answer.status < 500 and answer.status != 404:
        expect.prefer(
            False, "read-only icon height/width should be ignored, not rejected", answer, amb="AMB-30"
        )
        return
    tier = entity(expect, answer, "Create Tier with icon height/width")
    for shown in (tier, entity(expect, tiers.get(tier.get("id", "")), "Get Tier")):
        icon = (shown.get("tierDefinition") or {}).get("icon") or {}
        expect.that(icon.get("url") == ICON_URL, "icon.url is echoed", answer)
        expect.that(
            icon.get("height") != 4321 and icon.get("width") != 1234,
            f"icon height/width are not taken from the request, got {icon!r}",
            answer,
        )


@pytest.mark.rule("TIER-27")
@pytest.mark.parametrize("operation", ["get", "update", "delete"])
@pytest.mark.parametrize("kind", ["unknown", "malformed"])
def test_unknown_and_malformed_tier_ids(
    tiers: TiersApi, expect: Expect, unique: Unique, operation: str, kind: str
) -> None:
    tier_id = unique.guid() if kind == "unknown" else "not-a-guid"
    if operation == "get":
        answer = tiers.get(tier_id)
    elif operation == "update":
        answer = tiers.update(tier_id, {"revision": "1", "tierDefinition": {"name": unique.name()}})
    else:
        answer = tiers.delete(tier_id, revision="1")
    if kind == "unknown":
        expect.status(answer, 404, what=f"{operation} of an unknown tier id")
    else:
        expect.status(answer, 400, tolerated=[404], what=f"{operation} of a malformed tier id")


# every field through every read path --------------------------------------------------------------------
def full_tier(unique: Unique, description: str) -> dict[str, Any]:
    """A tier body with every writable documented field set."""
    return tier_body(unique.name(), unique.points(), description=description, icon={"url": ICON_URL})


def sent_content(sent: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """What a read must show for `sent`: its writable fields, the server's for the rest."""
    return {**shown, "tierDefinition": {**(shown.get("tierDefinition") or {}), **sent["tierDefinition"],
                                        "icon": {**((shown.get("tierDefinition") or {}).get("icon") or {}),
                                                 **sent["tierDefinition"]["icon"]}},
            "requiredPoints": sent["requiredPoints"]}


@pytest.mark.rule("TIER-1")
def test_create_round_trips_every_field(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    sent = full_tier(unique, "round trip")
    tier = create_tier(tiers, owned, expect, unique, **sent)
    expect.that(content(tier) == content(sent_content(sent, tier)),
                f"Create Tier echoes every field sent: sent {sent}, got {tier}", rule="TIER-1")
    shows_everywhere(tiers, expect, tier, "after Create Tier", rule="TIER-1")


@pytest.mark.rule("TIER-9")
def test_update_round_trips_every_field(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    """A complete body (AMB-23: no assertion about omitted fields), every field changed."""
    tier = create_tier(tiers, owned, expect, unique, **full_tier(unique, "before"))
    sent = {**full_tier(unique, "after"), "revision": tier["revision"]}
    sent["tierDefinition"]["icon"] = {"url": ICON_URL.replace(".svg", "-2.svg")}
    answer = tiers.update(tier["id"], sent)
    updated = entity(expect, answer, "Update Tier with every field", rule="TIER-9")
    expect.that(content(updated) == content(sent_content(sent, updated)),
                f"Update Tier answers every field sent: sent {sent}, got {updated}", answer, rule="TIER-9")
    shows_everywhere(tiers, expect, updated, "after Update Tier", answer, rule="TIER-9")


# an operation on one tier leaves the others as they were ----------------------------------------------
#: The rule that says what each operation does to its own tier, and so to no other.
OWN_TIER_ONLY = {"update": "TIER-9", "delete": "TIER-12"}


@pytest.mark.rule(*OWN_TIER_ONLY.values())
@pytest.mark.parametrize("operation", sorted(OWN_TIER_ONLY))
def test_an_operation_on_one_tier_leaves_the_others(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, operation: str
) -> None:
    before = create_tier(tiers, owned, expect, unique, **full_tier(unique, "neighbour before"))
    tier = create_tier(tiers, owned, expect, unique, **full_tier(unique, "the one changed"))
    after = create_tier(tiers, owned, expect, unique, **full_tier(unique, "neighbour after"))
    if operation == "update":
        answer = tiers.update(tier["id"], {**full_tier(unique, "updated"), "revision": tier["revision"]})
    else:
        answer = tiers.delete(tier["id"], revision=tier["revision"])
    expect.setup(answer, f"{operation} of one tier")
    for other in (before, after):
        shows_everywhere(tiers, expect, other, f"another tier, after the {operation}", answer,
                         rule=OWN_TIER_ONLY[operation])


# a rejected bulk request stores nothing ------------------------------------------------------------------
@pytest.mark.rule("COMMON-2", "COMMON-11")
def test_bulk_with_an_invalid_item(tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique) -> None:
    """An invalid item (a 51-character name, TIER-8) fails alone in a 200 answer or rejects the request; a
    rejected request stores none of the items, those before the bad one included."""
    batch = [tier_body(unique.name(), unique.points()) for _ in range(4)]
    bad_points = batch[2]["requiredPoints"]
    batch[2] = tier_body(padded(unique.name(), 51), bad_points)
    answer = tiers.bulk_create(batch)
    own_results(owned, answer)
    present = own_listed(tiers, owned, {name_of(item) for item in batch})
    stored_bad = [t for t in listed(tiers) if t.get("requiredPoints") == bad_points]
    for tier in stored_bad:
        owned.add("tier", tier["id"])
    expect.that(not stored_bad, "the invalid item is not stored", answer, rule="COMMON-2")
    if 400 <= answer.status < 500 and answer.status != 404:
        expect.that(
            not present,
            f"a refused bulk request stores none of its items; found {sorted(name_of(t) for t in present)}",
            answer,
            rule="COMMON-2",
        )
        return
    results = check_bulk_result(expect, answer, batch)
    created = {name_of(item) for item in succeeded(results)}
    expect.that(
        created == {name_of(batch[i]) for i in (0, 1, 3)},
        f"the three valid items succeed and only they, got {sorted(map(str, created))}",
        answer,
        rule="COMMON-11",
    )


# COMMON-5: the revision check and the write are one step ---------------------------------------------------
@pytest.mark.rule("COMMON-5")
def test_concurrent_tier_updates_with_one_revision_have_one_winner(
    tiers: TiersApi, owned: Owned, expect: Expect, unique: Unique, target: Target, racing: None
) -> None:
    tier = create_tier(tiers, owned, expect, unique)
    points = [unique.points() for _ in range(RACERS)]
    answers = race(target, lambda api, i: api.update(tier["id"], {"revision": tier["revision"],
                                                                   "requiredPoints": points[i]}))
    won = entity(expect, one_winner(expect, answers, "Update Tier"), "the winning update", rule="COMMON-5")
    after = entity(expect, tiers.get(tier["id"]), "Get Tier after the concurrent updates", rule="COMMON-5")
    expect.that(
        after.get("revision") == "2" and after.get("requiredPoints") == won.get("requiredPoints"),
        f'the tier ends at revision "2" with the winner\'s points {won.get("requiredPoints")}, got revision '
        f'{after.get("revision")!r} and points {after.get("requiredPoints")!r}',
        rule="COMMON-5",
    )


@pytest.mark.rule("COMMON-5")
def test_concurrent_settings_updates_with_one_revision_have_one_winner(
    tiers: TiersApi, program_settings: SettingsGuard, expect: Expect, target: Target, racing: None
) -> None:
    current = program_settings.current()
    status = current.get("status") if current.get("status") in ("ACTIVE", "PAUSED", "DISABLED") else "DISABLED"
    revision = current.get("revision")
    answers = race(target, lambda api, i: api.update_settings(
        {"status": status, "revision": revision, "rollingWindow": {"durationInMonths": 12 + i}}))
    won = entity(expect, one_winner(expect, answers, "Update Tiers Program Settings"), "the winning update",
                 key="programSettings", rule="COMMON-5")
    after = program_settings.current()
    expected = str(int(str(revision)) + 1) if str(revision).isdigit() else None
    expect.that(
        after.get("revision") == expected and after.get("rollingWindow") == won.get("rollingWindow"),
        f"the settings end at revision {expected!r} with the winner's rollingWindow {won.get('rollingWindow')}, "
        f"got {after.get('revision')!r} and {after.get('rollingWindow')}",
        rule="COMMON-5",
    )
