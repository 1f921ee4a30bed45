"""Thin clients over a `Target`, one per API: the documented public paths and envelopes, nothing more.

Scenarios use them for set-up and clean-up; the requests whose answers a rule judges are usually
sent raw through the target so the test shows exactly what went on the wire.
"""

from datetime import datetime
from typing import Any


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
