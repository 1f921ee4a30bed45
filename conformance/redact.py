"""One home for secret redaction: the run's secret values, in every form a target could echo them, replaced
by a marker in any string.

Applied where bytes enter the suite (the `Target` transport adapter, so plain requests and schemathesis
traffic alike), so nothing downstream — messages, results, reports, JUnit, console — can carry a secret.
The secrets are the values of every header the user passed; a target may echo them verbatim, as the bare
token of `Bearer <token>`, base64-encoded or URL-encoded, and each of those forms is redacted.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
#: Shorter values are not credentials and would redact ordinary words.
MIN_SECRET_LENGTH = 4
#: Values that are not secrets even when passed as headers (the embedded reference's fixed local key).
NOT_SECRET = frozenset({"conformance-local", REDACTED})


def encoded_forms(value: str) -> set[str]:
    """The value as a target could echo it: verbatim, JSON-escaped, base64 (standard and URL-safe, with and
    without padding) and URL-encoded (path and form style)."""
    raw = value.encode()
    forms = {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value), quote(value)}
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms |= {encoded, encoded.rstrip("=")}
    return {form for form in forms if form}


def secret_forms(values: Iterable[str], min_length: int = MIN_SECRET_LENGTH) -> list[str]:
    """Every form of every secret worth replacing (the bare token of `Scheme token` too), longest first so a
    longer form is replaced before a shorter one inside it."""
    bases: set[str] = set()
    for value in values:
        value = (value or "").strip()
        if len(value) < min_length or value in NOT_SECRET:
            continue
        bases.add(value)
        scheme, _, token = value.partition(" ")
        if token.strip() and len(token.strip()) >= min_length:
            bases.add(token.strip())
    forms: set[str] = set()
    for base in bases:
        forms |= {form for form in encoded_forms(base) if len(form) >= min_length}
    return sorted(forms, key=len, reverse=True)


class Redactor:
    """Replaces the given secrets, in every form, with `REDACTED` in strings, bytes and JSON-like values."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.forms = secret_forms(secrets)
        self._byte_forms = [form.encode() for form in self.forms]

    def __bool__(self) -> bool:
        return bool(self.forms)

    def text(self, value: str) -> str:
        for form in self.forms:
            if form in value:
                value = value.replace(form, REDACTED)
        return value

    def data(self, value: bytes) -> bytes:
        for form in self._byte_forms:
            if form in value:
                value = value.replace(form, REDACTED.encode())
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: self.text(str(value)) for name, value in headers.items()}

    def any(self, value: Any) -> Any:
        """A copy of a JSON-like value with every string redacted (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.data(value)
        if isinstance(value, dict):
            return {self.any(k): self.any(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.any(v) for v in value)
        return value
