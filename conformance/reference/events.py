"""The reference as an event producer (API-FACTS §1.6, §2.4, §3.3, §4.3).

After every successful write the API modules call `Context.emit(...)` once per documented event; the event is
queued and a background thread POSTs it to every subscriber URL as a compact RS256 JWT in the shape the
official SDK's `webhooks.process` parses. Delivery never blocks or fails an API call: the queue is bounded,
a receiver that does not answer 200 within 1250 ms is retried with bounded backoff, and a dead receiver is
logged once, not once per event. `deliver_while` lets the embedded reference deliver only while the suite
listens (`conformance.webhooks.wanted_at`); the event is still built, so sequences advance as if delivered.
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.reference.faults import Fault

FQDN = {"tier": "wix.loyalty.v1.tier", "reward": "wix.loyalty.v1.reward", "badge": "wix.badges.v3.badge",
        "badge4": "wix.badges.v4.badge", "assignment4": "wix.badges.v4.badge_assignment"}
#: Where the official SDK reads each slug's body (`runHandler`): the event key and the body key.
BODY_OF = {"created": ("createdEvent", "entity"), "updated": ("updatedEvent", "currentEntity"),
           "deleted": ("deletedEvent", "deletedEntity")}
ACTION_BODY = ("actionEvent", "body")
RECEIVER_TIMEOUT = 1.25  # "The timeout for the response is 1250 ms" (§1.6)
RETRY_DELAYS = (0.25, 0.5, 1.0)  # bounded backoff: at most len + 1 attempts per event and URL
QUEUE_SIZE = 10_000
TOKEN_LIFETIME = 3600
KEY_ID = "conformance-reference"
APP_ID = "5b6c7d8e-9f01-4a23-b456-c789d0e1f234"
INSTANCE_ID = "3a4f7b0c-1d2e-4f50-9a61-7b8c9d0e1f23"
DELAY_SECONDS = 1.5  # the "events delayed" variant: later than the API answer, within the suite's wait
log = logging.getLogger("conformance.reference.events")

FAULTS = (
    Fault("event-wrong-fqdn", "COMMON-16", "tier events carry entityFqdn wix.loyalty.v1.tiers"),
    Fault("event-wrong-slug", "COMMON-16", "Tier Created carries slug 'create'"),
    Fault("event-type-not-fqdn-slug", "COMMON-16", "eventType is '<fqdn>.<slug>' instead of '<fqdn>_<slug>'"),
    Fault("event-wrong-entity-id", "COMMON-16", "reward events carry a fresh entityId, not the reward's id"),
    Fault("event-sequence-backwards", "COMMON-16", "entityEventSequence decreases with each event of an entity"),
    Fault("event-created-without-entity", "TIER-26", "Tier Created has an empty createdEvent (no entity)"),
    Fault("event-updated-stale-revision", "TIER-26", "Tier Updated carries the tier as it was before the update"),
    Fault("event-tier-update-missing", "TIER-26", "tier updates emit no event"),
    Fault("event-reward-delete-missing", "REWARD-25", "reward deletes emit no event"),
    Fault("event-badge-assign-once", "BADGE-22", "only the first member assigned to a badge gets an event"),
    Fault("event-signed-with-another-key", "COMMON-15", "events are signed with a key other than the published one"),
    Fault("event-bad-signature", "COMMON-15", "the JWT signature is corrupted"),
    Fault("event-data-claim-array", "COMMON-15", "the JWT data claim is a JSON array, neither a string nor an object"),
    Fault("event-inner-data-object", "COMMON-15", "the envelope's data (the DomainEvent) is an object, not a string"),
    Fault("event-duplicate-ids", "COMMON-15", "every event of an entity reuses the id of its first event"),
    Fault("event-data-claim-object", "COMMON-15", "the JWT data claim is an object, not a JSON string (AMB-28)",
          kind="hostile"),
    Fault("event-bodies-as-json", "COMMON-15", "event bodies use the *AsJson string spellings (AMB-28)",
          kind="hostile"),
    Fault("event-delivery-delayed", "COMMON-15", f"events arrive {DELAY_SECONDS} s after the write",
          kind="correct"),
    Fault("event-delivered-twice", "COMMON-15", "every event is delivered twice (same id)", kind="correct"),
    Fault("event-delivered-out-of-order", "COMMON-15", "events of one write burst arrive in reverse order",
          kind="correct"),
    Fault("event-deleted-without-entity", "COMMON-15",
          "deletedEvent is an empty struct (except v4 assignments: their entity is a SHOULD, AMB4-17)", kind="correct"),
)


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    """A PEM private key (PKCS#1 or PKCS#8, unencrypted); ValueError when it is not an RSA key."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the webhook signing key must be an RSA private key")
    return key


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """SPKI PEM: what an app passes to `AppStrategy({publicKey})`."""
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class _Outgoing:
    due: float
    claims: dict[str, Any]
    copies: int = 1


@dataclass
class Emitter:
    """Builds, signs and delivers the events of one reference server."""

    urls: list[str]
    key: rsa.RSAPrivateKey = field(default_factory=new_private_key)
    faults: frozenset[str] = frozenset()
    deliver_while: Callable[[], bool] | None = None
    _sequence: dict[str, int] = field(default_factory=dict)
    _first_id: dict[str, str] = field(default_factory=dict)
    _last_body: dict[str, Any] = field(default_factory=dict)
    _queue: queue.Queue[_Outgoing | None] = field(default_factory=lambda: queue.Queue(QUEUE_SIZE))
    _dead: set[str] = field(default_factory=set)
    _assigned_once: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _dropped_logged: bool = False
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def public_key(self) -> str:
        return public_pem(self.key)

    def start(self) -> Emitter:
        self._thread = threading.Thread(target=self._deliver_forever, name="conformance-webhooks", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Stop delivering: events still queued when the server stops are dropped, as a stopped platform would."""
        if self._thread is None:
            return
        self._stopping.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(timeout)
        self._thread = None

    def emit(self, entity: str, slug: str, entity_id: str, body: dict[str, Any] | None,
             identity: dict[str, Any] | None = None) -> None:
        """Queue one event; never raises into the API call that triggered it."""
        try:
            claims = self._claims(entity, slug, entity_id, body, identity or {"identityType": "APP", "appId": APP_ID})
        except Exception:  # a bug here must not fail the write that already succeeded
            log.exception("could not build the %s %s event", entity, slug)
            return
        if claims is None or (self.deliver_while is not None and not self.deliver_while()):
            return
        due = time.monotonic() + (DELAY_SECONDS if self._fault("event-delivery-delayed") else 0.0)
        try:
            self._queue.put_nowait(_Outgoing(due, claims, 2 if self._fault("event-delivered-twice") else 1))
        except queue.Full:
            if not self._dropped_logged:
                log.warning("webhook queue full (%d events): dropping events until receivers catch up", QUEUE_SIZE)
                self._dropped_logged = True

    def _fault(self, name: str) -> bool:
        return name in self.faults

    # --- building ---------------------------------------------------------------------------------
    def _claims(self, entity: str, slug: str, entity_id: str, body: dict[str, Any] | None,
                identity: dict[str, Any]) -> dict[str, Any] | None:
        if self._omitted(entity, slug, entity_id):
            return None
        fqdn = FQDN[entity]
        if entity == "tier" and self._fault("event-wrong-fqdn"):
            fqdn = "wix.loyalty.v1.tiers"
        shown_slug = "create" if entity == "tier" and slug == "created" and self._fault("event-wrong-slug") else slug
        with self._lock:
            sequence = self._sequence.get(entity_id, 0) + 1
            self._sequence[entity_id] = sequence
            event_id = str(uuid.uuid4())
            if self._fault("event-duplicate-ids"):
                event_id = self._first_id.setdefault(entity_id, event_id)
            previous = self._last_body.get(entity_id)
            if slug in ("created", "updated") and body is not None:
                self._last_body[entity_id] = body
        if entity == "tier" and slug == "updated" and self._fault("event-updated-stale-revision"):
            body = previous
        domain: dict[str, Any] = {
            "id": event_id,
            "entityFqdn": fqdn,
            "slug": shown_slug,
            "entityId": str(uuid.uuid4()) if entity == "reward" and self._fault("event-wrong-entity-id") else entity_id,
            "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "triggeredByAnonymizeRequest": False,
            "entityEventSequence": str(1000 - sequence if self._fault("event-sequence-backwards") else sequence),
        }
        domain.update(self._body(entity, slug, body))
        separator = "." if self._fault("event-type-not-fqdn-slug") else "_"
        envelope: dict[str, Any] = {
            "eventType": f"{fqdn}{separator}{shown_slug}",
            "instanceId": INSTANCE_ID,
            "data": domain if self._fault("event-inner-data-object") else _json(domain),
            "identity": _json(identity),
        }
        now = int(time.time())
        data: Any = _json(envelope)
        if self._fault("event-data-claim-object"):
            data = envelope
        elif self._fault("event-data-claim-array"):
            data = [envelope]
        return {"data": data, "iat": now, "exp": now + TOKEN_LIFETIME}

    def _omitted(self, entity: str, slug: str, entity_id: str) -> bool:
        if (entity, slug) == ("badge", "badge_assigned") and self._fault("event-badge-assign-once"):
            with self._lock:
                seen = entity_id in self._assigned_once
                self._assigned_once.add(entity_id)
            return seen
        return ((entity, slug) == ("tier", "updated") and self._fault("event-tier-update-missing")) or (
            (entity, slug) == ("reward", "deleted") and self._fault("event-reward-delete-missing"))

    def _body(self, entity: str, slug: str, body: dict[str, Any] | None) -> dict[str, Any]:
        event_key, body_key = BODY_OF.get(slug, ACTION_BODY)
        bare = slug == "deleted" and entity != "assignment4" and self._fault("event-deleted-without-entity")
        if body is None or bare:
            return {event_key: {}}
        if entity == "tier" and slug == "created" and self._fault("event-created-without-entity"):
            return {event_key: {}}
        if self._fault("event-bodies-as-json"):
            return {event_key: {f"{body_key}AsJson": _json(body)}}
        return {event_key: {body_key: body}}

    def sign(self, claims: dict[str, Any]) -> str:
        key: Any = self.key
        if self._fault("event-signed-with-another-key"):
            key = _other_key()
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})
        if self._fault("event-bad-signature"):
            head, payload, signature = token.split(".")
            flipped = "A" if signature[10] != "A" else "B"  # still valid base64url: only the check fails
            token = f"{head}.{payload}.{signature[:10]}{flipped}{signature[11:]}"
        return token

    # --- delivering -------------------------------------------------------------------------------
    def _deliver_forever(self) -> None:
        session = _Connections()
        held: list[_Outgoing] = []
        while True:
            try:
                item = self._queue.get(timeout=0.2 if held else None)
            except queue.Empty:  # only while holding events back (out-of-order variant)
                self._send_all(session, reversed(held))
                held = []
                continue
            if item is None or self._stopping.is_set():
                return
            if self._fault("event-delivered-out-of-order"):
                held.append(item)
                if len(held) >= 2:
                    self._send_all(session, reversed(held))
                    held = []
                continue
            self._send_all(session, [item])

    def _send_all(self, session: _Connections, items: Iterable[_Outgoing]) -> None:
        for item in items:
            if self._stopping.is_set():
                return
            wait = item.due - time.monotonic()
            if wait > 0 and self._stopping.wait(wait):
                return
            token = self.sign(item.claims)
            for _ in range(item.copies):
                for url in self.urls:
                    self._post(session, url, token)

    def _post(self, connections: _Connections, url: str, token: str) -> None:
        delays = () if url in self._dead else RETRY_DELAYS
        problem = ""
        for attempt in range(len(delays) + 1):
            if attempt and self._stopping.wait(delays[attempt - 1]):
                return
            try:
                status = connections.post(url, token.encode())
            except (OSError, http.client.HTTPException) as exc:
                connections.drop(url)
                problem = exc.__class__.__name__
                continue
            if status == 200:
                if url in self._dead:
                    self._dead.discard(url)
                    log.warning("webhook receiver %s answers again", _where(url))
                return
            problem = f"HTTP {status}"
        if url not in self._dead:
            self._dead.add(url)
            log.warning("webhook receiver %s did not take an event (%s) after %d attempts; "
                        "further events get one attempt each until it answers", _where(url), problem,
                        len(delays) + 1)


#: The connection classes as they are when the reference loads. A recording run patches http.client (vcrpy) while
#: each test's cassette is open; the reference is the server side, so its deliveries must never go through a
#: cassette (a connection opened inside one breaks once that cassette closes, and the JWTs would be recorded).
_HTTP, _HTTPS = http.client.HTTPConnection, http.client.HTTPSConnection


class _Connections:
    """One keep-alive HTTP connection per subscriber URL (a webhook per connection would cost a handshake)."""

    def __init__(self) -> None:
        self._open: dict[str, http.client.HTTPConnection] = {}

    def post(self, url: str, body: bytes) -> int:
        parts = urlsplit(url)
        connection = self._open.get(url)
        if connection is None:
            kind = _HTTPS if parts.scheme == "https" else _HTTP
            connection = kind(parts.hostname or "", parts.port, timeout=RECEIVER_TIMEOUT)
            self._open[url] = connection
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body, {"Content-Type": "text/plain; charset=utf-8"})
        answer = connection.getresponse()
        answer.read()
        if answer.will_close:
            self.drop(url)
        return answer.status

    def drop(self, url: str) -> None:
        connection = self._open.pop(url, None)
        if connection is not None:
            connection.close()


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _where(url: str) -> str:
    """The receiver's scheme, host and port only: a path or query may carry a secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}".rstrip(":")


_OTHER_KEY: list[rsa.RSAPrivateKey] = []


def _other_key() -> rsa.RSAPrivateKey:
    if not _OTHER_KEY:
        _OTHER_KEY.append(new_private_key())
    return _OTHER_KEY[0]
