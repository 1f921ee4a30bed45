"""Concurrent writers with one revision: start them together, expect exactly one winner (COMMON-5)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from conformance.apis.tiers import TiersApi
from conformance.target import Exchange, Target, TargetError
from conformance.verdict import Expect

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
