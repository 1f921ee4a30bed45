"""Ctrl-C (and SIGTERM) always honoured: the run stops, cleans up what it created, and says so in one line.

Why this is more than Python's default KeyboardInterrupt:
- a library may swallow the KeyboardInterrupt (the run then carried on to a verdict); the request is also
  remembered, and every HTTP request (`must_stop`, called by the transport) and every test start raise it
  again until the run is stopping;
- clean-up must not be cut short by the first signal: while the run cleans up (test teardown, `Owned`
  trackers, the run-id sweep, or once pytest is stopping) a first signal only asks to stop;
- a second signal during clean-up abandons it and names what is left and the command that sweeps it.

Exit code 130 (128 + SIGINT), as shells report an interrupted command.
"""

from __future__ import annotations

import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

from conformance.errors import EXIT_INTERRUPTED

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Tracker(Protocol):
    """What the interruption needs of a clean-up tracker (`live.Owned`): what it still holds."""

    items: list[tuple[str, str]]


class Interrupted(KeyboardInterrupt):
    """Raised where a swallowed interruption is noticed again."""


@dataclass
class _State:
    signals: int = 0
    #: the run is winding down (pytest caught the interruption, or the session is finishing)
    stopping: bool = False
    #: inside a clean-up block (teardown, Owned.cleanup, sweep)
    cleaning: int = 0
    abandoned: bool = False
    cleaned: int = 0
    trackers: list[Tracker] = field(default_factory=list)


STATE = _State()


def requested() -> bool:
    return STATE.signals > 0


def abandoned() -> bool:
    return STATE.abandoned


def must_stop() -> None:
    """Raise the interruption again if it was asked for and the run is not yet cleaning up."""
    if STATE.signals and not STATE.stopping and not STATE.cleaning:
        raise Interrupted()


def must_stop_run() -> None:
    """After pytest: an interruption noticed at any point of the run ends it here, before any verdict."""
    if STATE.signals:
        raise Interrupted()


def start_stopping() -> None:
    STATE.stopping = True


@contextmanager
def cleaning() -> Iterator[None]:
    """A block that a first signal must not cut short (a second one still does)."""
    STATE.cleaning += 1
    try:
        yield
    finally:
        STATE.cleaning -= 1


def track(tracker: Tracker) -> None:
    STATE.trackers.append(tracker)


def untrack(tracker: Tracker) -> None:
    STATE.trackers[:] = [t for t in STATE.trackers if t is not tracker]


def deleted() -> None:
    """One entity deleted by clean-up; counted once the run was interrupted."""
    if STATE.signals:
        STATE.cleaned += 1


def leftovers() -> list[str]:
    return [f"{kind} {entity_id}" for tracker in STATE.trackers for kind, entity_id in tracker.items]


def filter_unraisable() -> Callable[[Any], None]:
    """Wrap the current `sys.unraisablehook` so an interruption raised where Python cannot propagate it (a
    gc callback, a `__del__`) is not printed as "Exception ignored in ..."; the request stays remembered and
    `must_stop` raises it at the next request or test. Returns the hook it wrapped, to restore."""
    inner = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            inner(unraisable)

    sys.unraisablehook = hook
    return inner


def _on_signal(signum: int, frame: FrameType | None) -> None:
    STATE.signals += 1
    # the run is ending: what a library warns about the interruption (pluggy, when it lands in a hook
    # wrapper's teardown) would only bury the one line
    warnings.simplefilter("ignore")
    if STATE.signals == 1 and (STATE.stopping or STATE.cleaning):
        return  # clean-up finishes; the run stops right after it
    if STATE.signals > 1:
        STATE.abandoned = True
    raise Interrupted()


def guarded(body: Callable[[], int], sweep_hint: Callable[[], str | None]) -> int:
    """Run `body` with the signal handlers installed; an interruption ends in one line and exit 130.

    `sweep_hint` gives the command that removes leftovers on the target (None when the target is disposable).
    """
    global STATE
    STATE = _State()
    previous = {sig: signal.signal(sig, _on_signal) for sig in SIGNALS}
    previous_hook = filter_unraisable()
    try:
        try:
            code = body()
            if not requested():
                return code
        except KeyboardInterrupt:
            pass
        except Exception:
            # A library cut short by the interruption may fail in its own way (seen under load: a TypeError
            # from code interrupted half-way). Once a stop was asked for, that is the interruption, not a
            # tool error of its own.
            if not requested():
                raise
        for sig in SIGNALS:  # the one line below is not to be cut short either
            signal.signal(sig, signal.SIG_IGN)
        report(sweep_hint())
        return EXIT_INTERRUPTED
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook


def report(sweep_hint: str | None) -> None:
    noun = "entity" if STATE.cleaned == 1 else "entities"
    left = leftovers()
    if not STATE.abandoned and not left:
        print(f"conformance: interrupted; cleaned up {STATE.cleaned} {noun}", file=sys.stderr, flush=True)
        return
    shown = ", ".join(left[:20]) + (f" and {len(left) - 20} more" if len(left) > 20 else "")
    what = f"left {len(left)} ({shown})" if left else "the run-id sweep did not finish"
    hint = f"; remove the rest with: {sweep_hint} (same --header)" if sweep_hint else ""
    print(f"conformance: interrupted during clean-up; cleaned up {STATE.cleaned} {noun}, {what}{hint}",
          file=sys.stderr, flush=True)
