"""Live-target safety: the suite deletes what it created, and only that.

Every entity a test creates is registered with `Owned`; teardown deletes them newest first, also when
the test failed or the run was interrupted (pytest runs finalizers on Ctrl-C; `conformance.interrupt` keeps
a first signal from cutting clean-up short and names what a second one left). Names carry the run tag
`cf<run-id>` so `conformance cleanup --run-id` can sweep what a crashed run left.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conformance import interrupt
from conformance.errors import UsageError
from conformance.target import Target, TargetError

Deleter = Callable[[Target, str], None]
Lister = Callable[[Target, str], list[str]]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    delete: Deleter
    tagged: Lister


def kinds() -> dict[str, Kind]:
    from conformance.apis import badges, badges_v4, rewards, tiers

    return {
        "tier": Kind("tier", tiers.delete_owned, tiers.tagged),
        "reward": Kind("reward", rewards.delete_owned, rewards.tagged),
        "badge": Kind("badge", badges.delete_owned, badges.tagged),
        "badge-v4": Kind("badge-v4", badges_v4.delete_owned, badges_v4.tagged),
        "assignment-v4": Kind("assignment-v4", badges_v4.delete_owned_assignment, badges_v4.tagged_assignments),
    }


def run_tag(run_id: str) -> str:
    return f"cf{run_id}"


@dataclass
class Owned:
    """The entities one test created on the target, deleted at teardown."""

    target: Target
    items: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        interrupt.track(self)

    def add(self, kind: str, entity_id: str) -> str:
        if kind not in kinds():
            raise KeyError(f"unknown entity kind {kind!r}")
        if (kind, entity_id) not in self.items:  # owned twice (a helper and the test) is deleted once
            self.items.append((kind, entity_id))
        return entity_id

    def cleanup(self) -> list[str]:
        """Delete newest first; returns what could not be deleted (reported, never raised mid-teardown).
        A second Ctrl-C abandons the rest, which stays in `items` for the interruption to name."""
        problems = []
        registry = kinds()
        with interrupt.cleaning():
            while self.items and not interrupt.abandoned():
                kind, entity_id = self.items[-1]
                try:
                    registry[kind].delete(self.target, entity_id)
                except TargetError as exc:
                    problems.append(f"{kind} {entity_id}: {exc}")
                except KeyboardInterrupt:
                    return problems
                self.items.pop()
                interrupt.deleted()
        if not self.items:
            interrupt.untrack(self)
        return problems


def sweep(target: Target, run_id: str) -> dict[str, int]:
    """Delete every entity whose name carries this run's tag; returns counts per kind."""
    tag = run_tag(run_id)
    counts = {}
    with interrupt.cleaning():
        for kind in kinds().values():
            if interrupt.abandoned():
                break
            ids = kind.tagged(target, tag)
            for entity_id in ids:
                kind.delete(target, entity_id)
                interrupt.deleted()
            counts[kind.name] = len(ids)
    return counts


@contextmanager
def site_lock(base_url: str, resource: str) -> Iterator[None]:
    """One test at a time on a site-wide resource (tier program settings, badge display order) of one target,
    across xdist workers and concurrent runs on this machine: each saves the state, changes it, restores it."""
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"conformance-{resource}-{digest}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


RUN_ID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


def check_run_id(run_id: str) -> str:
    """A run id tags what the run creates; a short one could match names the suite did not create."""
    if not RUN_ID.match(run_id):
        raise UsageError(f"run id {run_id!r} must be 4-64 letters, digits, '-' or '_' (a short id could "
                         "match names the suite did not create)")
    return run_id
