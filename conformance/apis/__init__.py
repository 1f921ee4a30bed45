"""Thin clients over a `Target`, one per API: the documented public paths and envelopes, nothing more.

Scenarios use them for set-up and clean-up; the requests whose answers a rule judges are usually
sent raw through the target so the test shows exactly what went on the wire.
"""

from datetime import datetime
from typing import Any

from conformance.target import Target


def moment(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as a datetime (None when it is not one): precision and offset spelling are free,
    so timestamps are compared as instants, never as strings."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def not_before(later: Any, earlier: Any) -> bool:
    """Both are timestamps and `later` is the same instant as `earlier` or after it."""
    a, b = moment(later), moment(earlier)
    return a is not None and b is not None and a >= b


def delete_at_revision(target: Target, path: str, entity_id: str, envelope: str) -> None:
    """Delete an entity this run created, at its current revision; gone already (404 on a read) is fine.

    The revision the run last saw it with is tried first: clean-up then costs one exchange instead of a read and
    a delete (a third of a run's exchanges were clean-up). Any other answer to that guess (stale: 409; or
    a reading that answers 404 or 400 to a wrong revision) falls back to reading the entity and deleting at the
    revision read, so nothing the run created is left behind."""
    known = target.revisions.get(entity_id)
    if known is not None and target.delete(path, params={"revision": known}).status < 300:
        return
    current = target.get(path)
    if current.status == 200 and isinstance(current.body, dict):
        revision = (current.body.get(envelope) or {}).get("revision")
        target.delete(path, params={"revision": revision} if revision is not None else None)
