"""The suite as an event receiver (API-FACTS §1.6): collect webhook deliveries, decode and verify them.

`Receiver` is a small threaded HTTP server on loopback that answers 200 at once (well inside the 1250 ms the
platform allows) and keeps every body it is sent; with pytest-xdist the controller runs it and appends each
body to a journal file the workers read (`Journal`). `EventLog` decodes each delivery once with PyJWT,
relates it to the entities a test wrote (events from other writers are never judged) and waits, bounded, for
the ones a test expects. The judging itself (which rule a finding breaks) lives in the suite's
`test_events.py`; here are only facts about a delivery.

A test that reads events *listens* (`listening`, opened by the plugin around every such test); the embedded
reference asks `wanted_at` before it signs an event and delivers only while someone listens. The other tests'
thousands of writes would otherwise be signed, posted and journaled for nobody (about a fifth of the CPU of
a `--quick` run).

Nothing about a delivery's transport is kept but its body: the receiver's URL, the request headers and any
`Authorization` it sees never reach a report.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt

MAX_BODY = 1_000_000
#: The DomainEvent's body keys: (event key, the SDK's object key, the proto's JSON-string key, kind).
BODIES = (("createdEvent", "entity", "entityAsJson", "created"),
          ("updatedEvent", "currentEntity", "currentEntityAsJson", "updated"),
          ("deletedEvent", "deletedEntity", "deletedEntityAsJson", "deleted"),
          ("actionEvent", "body", "bodyAsJson", "action"))
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Received:
    at: float  # wall-clock seconds (time.time()), so a recording can be judged later
    body: str


class Receiver:
    """Collects POSTed bodies on HOST:PORT (any path); optionally appends each to a journal file."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, journal: Path | None = None):
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._journal = journal
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one connection (and thread) per sender, not per event

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_BODY)).decode("utf-8", "replace")
                receiver._keep(Received(time.time(), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # no request lines (URLs) on the console
                pass

        reserved = _RESERVED.pop((host, port), None)
        self._server = ThreadingHTTPServer((host, port), Handler, bind_and_activate=reserved is None)
        if reserved is not None:
            self._server.socket.close()
            self._server.socket = reserved
            self._server.server_address = reserved.getsockname()
            self._server.server_activate()
        self._server.daemon_threads = True
        # shutdown() waits for the loop to notice; the default half-second poll was half a second of every run
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="conformance-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> Receiver:
        self._thread.start()
        _RUNNING[self.url] = self
        return self

    def stop(self) -> None:
        _RUNNING.pop(self.url, None)
        self._server.shutdown()
        self._server.server_close()

    def wanted(self) -> bool:
        """Whether a test that reads events runs now: in this process, or in an xdist worker (its marker file)."""
        if _LISTENERS:
            return True
        return self._journal is not None and any(self._journal.parent.glob(f"{LISTENING}*"))

    def _keep(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)
            if self._journal is not None:
                with self._journal.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"at": item.at, "body": item.body}) + "\n")

    def since(self, index: int) -> list[Received]:
        with self._lock:
            return self.received[index:]


class Journal:
    """The deliveries another process's `Receiver` appended to `path` (an xdist worker's view)."""

    def __init__(self, path: Path):
        self.path = path
        self._offset = 0
        self._items: list[Received] = []

    def since(self, index: int) -> list[Received]:
        if self.path.is_file():
            with self.path.open(encoding="utf-8") as source:
                source.seek(self._offset)
                while (line := source.readline()).endswith("\n"):
                    item = json.loads(line)
                    self._items.append(Received(item["at"], item["body"]))
                    self._offset = source.tell()
        return self._items[index:]


class Recorded:
    """Deliveries read back from a recording (replay): fixed, nothing new arrives."""

    def __init__(self, items: Iterable[Received]):
        self._items = list(items)

    def since(self, index: int) -> list[Received]:
        return self._items[index:]


Source = Receiver | Journal | Recorded
#: The prefix of the marker files xdist workers leave beside the journal while one of their tests listens.
LISTENING = "listening-"
#: The receivers running in this process, by URL: the embedded reference's emitter asks them (`wanted_at`).
_RUNNING: dict[str, Receiver] = {}
#: How many tests of this process listen now (a list so `listening` can change it without a global statement).
_LISTENERS: list[None] = []


@contextmanager
def listening(source: Source | None) -> Iterator[None]:
    """A test that reads events runs while this is open; in an xdist worker a marker file beside the controller's
    journal says so (the controller's receiver answers `wanted` for the whole run)."""
    marker = source.path.parent / f"{LISTENING}{os.getpid()}" if isinstance(source, Journal) else None
    _LISTENERS.append(None)
    if marker is not None:
        marker.touch()
    try:
        yield
    finally:
        _LISTENERS.pop()
        if marker is not None:
            marker.unlink(missing_ok=True)


def listening_here() -> bool:
    """Whether a test of this process reads events now (what an xdist worker's own embedded reference asks)."""
    return bool(_LISTENERS)


def wanted_at(url: str) -> bool:
    """Whether the receiver at `url` wants events now; True when it is not one of this process's receivers."""
    receiver = _RUNNING.get(url)
    return receiver is None or receiver.wanted()


@dataclass
class Delivery:
    """One received body and what can be read from it, step by step (each step may fail)."""

    received: Received
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    signature_problem: str | None = None  # None: verified (or no public key was given to verify with)
    data_claim: Any = None
    envelope: dict[str, Any] | None = None
    domain_raw: Any = None
    domain: dict[str, Any] | None = None
    identity_raw: Any = None
    problem: str | None = None  # why the envelope or the DomainEvent could not be read

    @property
    def event_id(self) -> str | None:
        value = (self.domain or {}).get("id")
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> str | None:
        """`created`/`updated`/`deleted` by the body the event carries, or the action slug."""
        for event_key, _, _, kind in BODIES:
            if self.domain is not None and event_key in self.domain:
                return str(self.domain.get("slug")) if kind == "action" else kind
        return None

    def body(self) -> tuple[Any, str | None]:
        """The event's body and its spelling: `object` (the SDK's key), `json` (the proto's *AsJson string)."""
        for event_key, object_key, json_key, _ in BODIES:
            holder = (self.domain or {}).get(event_key)
            if not isinstance(holder, dict):
                continue
            if object_key in holder:
                return holder[object_key], "object"
            if isinstance(holder.get(json_key), str):
                try:
                    return json.loads(holder[json_key]), "json"
                except ValueError:
                    return None, "json"
        return None, None

    def mentions(self, entity_id: str) -> bool:
        """The event is about `entity_id`: its entityId or its body's id (an unreadable one: the id appears)."""
        if self.domain is not None:
            body, _ = self.body()
            return self.domain.get("entityId") == entity_id or (isinstance(body, dict) and body.get("id") == entity_id)
        return entity_id in _payload_text(self.received.body)

    def describe(self) -> str:
        if self.domain is None:
            return f"an unreadable delivery ({self.problem or self.signature_problem})"
        return (f"{self.domain.get('eventType', (self.envelope or {}).get('eventType'))!s} "
                f"(slug {self.domain.get('slug')!r}, entityId {self.domain.get('entityId')}, id {self.event_id})")


def decode(item: Received, public_key: str | None) -> Delivery:
    """Read a delivery as the official SDK does: JWT (RS256), `data` claim, envelope, DomainEvent."""
    found = Delivery(item)
    token = item.body.strip()
    try:
        found.header = jwt.get_unverified_header(token)
        found.claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        found.signature_problem = found.problem = f"not a compact JWT ({exc})"
        found.header, found.claims = _segment(token, 0), _segment(token, 1)  # still relate it to its entity
        if found.claims is None:
            return found
    if found.signature_problem is None and public_key is not None:  # no key given: nothing to verify with
        try:
            jwt.decode(token, public_key, algorithms=["RS256"], options={"verify_exp": False})
        except jwt.PyJWTError as exc:
            found.signature_problem = f"{exc.__class__.__name__}: {exc}"
    found.data_claim = found.claims.get("data")
    envelope = _parsed(found.data_claim)
    if not isinstance(envelope, dict):
        found.problem = f"the JWT data claim is {_kind(found.data_claim)}, not a JSON string of an object"
        return found
    found.envelope = envelope
    found.domain_raw = envelope.get("data")
    found.identity_raw = envelope.get("identity")
    domain = _parsed(found.domain_raw)
    if not isinstance(domain, dict):
        found.problem = f"the envelope's data is {_kind(found.domain_raw)}, not a JSON string of the DomainEvent"
        return found
    found.domain = domain
    return found


def _parsed(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a string that is not JSON"
    return {dict: "an object", list: "an array", type(None): "missing"}.get(type(value), type(value).__name__)


@dataclass
class EventLog:
    """The deliveries of a run; `wait` and `about` select a test's own events, decoding only those."""

    source: Source
    public_key: str | None
    wait_seconds: float = 5.0
    received: list[Received] = field(default_factory=list)
    _texts: list[str] = field(default_factory=list)
    _decoded: dict[int, Delivery] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self) -> list[Received]:
        with self._lock:
            fresh = self.source.since(len(self.received))
            self.received.extend(fresh)
            self._texts.extend(_payload_text(item.body) for item in fresh)
            return list(self.received)

    def about(self, entity_id: str) -> list[Delivery]:
        """Deliveries about `entity_id`: a cheap text match on the unverified payload first, then a full decode."""
        self.refresh()
        found = []
        for index, text in enumerate(self._texts):
            if entity_id not in text:
                continue
            if index not in self._decoded:
                self._decoded[index] = decode(self.received[index], self.public_key)
            if self._decoded[index].mentions(entity_id):
                found.append(self._decoded[index])
        return found

    def wait(self, entity_id: str, done: Callable[[list[Delivery]], bool]) -> list[Delivery]:
        """The deliveries about `entity_id` once `done(them)` holds, or when the wait runs out."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            found = self.about(entity_id)
            if done(found) or time.monotonic() >= deadline:
                return found
            time.sleep(POLL_SECONDS)


def _segment(token: str, index: int) -> dict[str, Any] | None:
    """One JSON segment of a token that PyJWT refused (e.g. a malformed signature), read without trust."""
    parts = token.split(".")
    try:
        value = json.loads(base64.urlsafe_b64decode(parts[index] + "=" * (-len(parts[index]) % 4)))
    except (IndexError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _payload_text(body: str) -> str:
    """The JWT payload as text, unverified (ids appear in it verbatim); the whole body if it is no JWT."""
    parts = body.strip().split(".")
    if len(parts) != 3:
        return body
    try:
        return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8", "replace")
    except ValueError:
        return body


def distinct(deliveries: Iterable[Delivery]) -> tuple[list[Delivery], list[tuple[Delivery, Delivery]]]:
    """Deduplicate by event id (a redelivery is legal); also returns id clashes: two *different* events."""
    first: dict[str, Delivery] = {}
    unique: list[Delivery] = []
    clashes: list[tuple[Delivery, Delivery]] = []
    for delivery in deliveries:
        key = delivery.event_id
        if key is None:
            unique.append(delivery)
            continue
        if key in first:
            if first[key].domain != delivery.domain:
                clashes.append((first[key], delivery))
            continue
        first[key] = delivery
        unique.append(delivery)
    return unique, clashes


def of_kind(deliveries: Iterable[Delivery], kind: str) -> list[Delivery]:
    return [d for d in distinct(deliveries)[0] if d.kind == kind]


def counts(wanted: dict[str, int]) -> Callable[[list[Delivery]], bool]:
    """A `wait` condition: at least `wanted[kind]` distinct events of each kind."""
    return lambda found: all(len(of_kind(found, kind)) >= n for kind, n in wanted.items())


def summary(deliveries: list[Delivery]) -> str:
    """What did arrive, for a verdict on an event that did not."""
    if not deliveries:
        return "no delivery about this entity arrived"
    return "arrived: " + "; ".join(d.describe() for d in deliveries[:6]) + (" …" if len(deliveries) > 6 else "")


def write_recording(path: Path, received: Iterable[Received], public_key: str | None) -> None:
    """Keep the deliveries that arrived during a test next to its cassette, so a replay judges the same events.

    A body is kept as its dot-separated parts: a signed event is not a credential, but the secret scan rightly
    flags every compact JWT (Wix API keys are JWTs), and an event must not read as a leaked key.
    """
    items = [{"at": item.at, "parts": item.body.split(".")} for item in received]
    path.write_text(json.dumps({"public_key": public_key, "deliveries": items}, indent=0) + "\n", encoding="utf-8")


def read_recording(path: Path) -> tuple[Recorded, str | None]:
    """A test's recorded deliveries and the key they were verified with (none recorded: nothing arrived)."""
    if not path.is_file():
        return Recorded([]), None
    data = json.loads(path.read_text(encoding="utf-8"))
    items = (Received(item["at"], ".".join(item["parts"])) for item in data["deliveries"])
    return Recorded(items), data.get("public_key")


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` of --webhooks-listen; ValueError with a one-line reason otherwise."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--webhooks-listen must be HOST:PORT, not {value!r}")
    return host.strip("[]"), int(port)


# --- wiring for the pytest plugin ------------------------------------------------------------------
def read_public_key(path: str) -> str:
    """The SPKI PEM of --webhook-public-key; ValueError with a one-line reason otherwise."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        text = Path(path).read_text(encoding="utf-8")
        load_pem_public_key(text.encode())
    except OSError as exc:
        raise ValueError(f"cannot read --webhook-public-key {path}: {exc.strerror}") from None
    except ValueError:
        raise ValueError(f"--webhook-public-key {path} is not a PEM public key (SPKI)") from None
    return text


#: Addresses a run has bound for its receiver before the receiver starts (see `reserve_listen`).
_RESERVED: dict[tuple[str, int], socket.socket] = {}


def reserve_listen(host: str = "127.0.0.1") -> str:
    """A free HOST:PORT for this process's receiver, bound now and kept until the receiver takes it: a port only
    picked now could be taken by another run before the receiver binds it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    port = int(sock.getsockname()[1])
    _RESERVED[(host, port)] = sock
    return f"{host}:{port}"


def run_receiver(listen: str, journal: Path | None) -> Receiver:
    """The receiver of a run on --webhooks-listen HOST:PORT (OSError when the address is taken)."""
    host, port = parse_listen(listen)
    return Receiver(host, port, journal).start()
