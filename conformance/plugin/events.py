"""Event (webhook) conformance in the plugin: the options, the run's receiver, and the `events` fixture.

The controller runs the receiver; pytest-xdist workers read what it received from its journal file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.settings import RunSettings


@dataclass
class EventWiring:
    """Where this process reads deliveries from, and the key that verifies them (runtime state, not settings)."""

    source: Any = None
    public_key: str | None = None
    journal: str | None = None


events_key = pytest.StashKey[EventWiring]()


def add_event_options(group: Any) -> None:
    group.addoption("--conformance-webhooks-listen", metavar="HOST:PORT",
                    help="receive the target's event webhooks here for the run (any path)")
    group.addoption("--conformance-webhook-public-key", metavar="PEM", help="public key that verifies events")
    group.addoption("--conformance-webhook-wait", type=float, default=5.0, metavar="SECONDS",
                    help="how long to wait for each expected event")


def configure_events(config: pytest.Config, settings: RunSettings) -> None:
    """Start the run's receiver in the controller; xdist workers read its journal (see pytest_configure_node)."""
    from conformance import webhooks

    wiring = config.stash[events_key] = EventWiring()
    try:
        if settings.webhook_public_key:
            wiring.public_key = webhooks.read_public_key(settings.webhook_public_key)
        worker = getattr(config, "workerinput", None)
        if worker is not None:
            if worker.get("conformance_events_journal"):
                wiring.source = webhooks.Journal(Path(worker["conformance_events_journal"]))
            return
        if settings.webhooks_listen and not settings.replay_dir:
            import tempfile

            journal = Path(tempfile.mkdtemp(prefix="conformance-events-")) / "deliveries.jsonl"
            receiver = webhooks.run_receiver(settings.webhooks_listen, journal)
            config.add_cleanup(receiver.stop)
            wiring.source, wiring.journal = receiver, str(journal)
    except (ValueError, OSError) as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: tell each worker where the controller's receiver journals the deliveries."""
    wiring = node.config.stash.get(events_key, None)
    if wiring is not None and wiring.journal:
        node.workerinput["conformance_events_journal"] = wiring.journal


@pytest.fixture(scope="session")
def events(conformance_settings: RunSettings, pytestconfig: pytest.Config) -> Any:
    """The run's webhook deliveries (`conformance.webhooks.EventLog`); skips when nothing can receive them."""
    from conformance.webhooks import EventLog, Recorded

    wiring = pytestconfig.stash.get(events_key, EventWiring())
    if wiring.source is None and not conformance_settings.replay_dir:
        pytest.skip("not checked: no webhook receiver for a live target; pass --webhooks-listen HOST:PORT "
                    "(and --webhook-public-key PEM) and deliver the target's events there")
    return EventLog(wiring.source or Recorded([]), wiring.public_key, conformance_settings.webhook_wait)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """A test that reads events listens from its first fixture to its last teardown: only then does the embedded
    reference deliver (`conformance.webhooks.listening`); a live target delivers whatever it delivers."""
    if events_key not in item.config.stash or "events" not in getattr(item, "fixturenames", ()):
        return (yield)
    from conformance.webhooks import listening

    with listening(item.config.stash[events_key].source):
        return (yield)


def wire_embedded(config: pytest.Config, server_key: str, receiver: Any) -> None:
    """The embedded reference the plugin started delivers to `receiver` and signs with `server_key`."""
    wiring = config.stash.setdefault(events_key, EventWiring())
    wiring.source, wiring.public_key = receiver, server_key


__all__ = ["EventWiring", "add_event_options", "configure_events", "events", "events_key", "pytest_configure_node",
           "pytest_runtest_protocol", "wire_embedded"]
