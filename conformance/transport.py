"""The one door every request of the suite goes through: a requests adapter mounted on each `Target` session,
so scenario requests and schemathesis traffic get the same treatment.

- Secrets: every answer has the run's secrets removed (body and headers) the moment it arrives, before a
  scenario, a schemathesis check or a report can quote it (`conformance.redact`).
- Transient trouble: 429 and 503 are retried within a bounded budget (count and total wait per request),
  honouring `Retry-After` (seconds or HTTP date); a connection the server dropped as it was reused is
  retried once on a fresh one. What was done is attached to the response for messages to say.
- Interruption: no request leaves once the run was interrupted, unless it is clean-up.
- Transport failures are classified by exception type, never by message text.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from conformance import interrupt
from conformance.redact import Redactor

RETRIED_STATUSES = (429, 503)
DEFAULT_RETRIES = 3
DEFAULT_RETRY_BUDGET = 30.0
#: Without Retry-After: 0.5 s, 1 s, 2 s, ...
BACKOFF_START = 0.5


@dataclass(frozen=True, slots=True)
class RetryBudget:
    """How much patience one request gets with 429/503: at most `retries` more tries and `seconds` of waiting."""

    retries: int = DEFAULT_RETRIES
    seconds: float = DEFAULT_RETRY_BUDGET

    def describe(self) -> str:
        return f"{self.retries} retries, {self.seconds:g}s"


@dataclass(frozen=True, slots=True)
class RetryNote:
    """What the adapter did about a 429/503 answer, for messages (`Exchange.retry_note`)."""

    retries: int = 0
    waited: float = 0.0
    gave_up: str = ""

    def __str__(self) -> str:
        done = f"after {self.retries} retr{'y' if self.retries == 1 else 'ies'} over {self.waited:.1f}s" \
            if self.retries else "not retried"
        return f"{done}{': ' + self.gave_up if self.gave_up else ''}"


class SuiteSession(requests.Session):
    """A requests session that reads the proxy and CA-bundle environment variables once per origin and settings:
    requests re-scans the whole environment on every request (about 80 us each, 2% of a run), and the
    environment does not change while a run talks to its target."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, ...], Any] = {}

    def merge_environment_settings(self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        origin = urlsplit(url.decode() if isinstance(url, bytes) else url or "")
        key = (origin.scheme, origin.netloc, repr(proxies), repr(stream), repr(verify), repr(cert), repr(self.proxies),
               repr(self.verify), str(self.trust_env))
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        return dict(self._environment[key])  # a copy: callers may update it


class SuiteAdapter(HTTPAdapter):
    def __init__(self, redactor: Redactor, budget: RetryBudget):
        super().__init__()
        self.redactor = redactor
        self.budget = budget

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        interrupt.must_stop()
        retries, waited, gave_up = 0, 0.0, ""
        while True:
            response = self._send_once(request, *args, **kwargs)
            if response.status_code not in RETRIED_STATUSES:
                break
            if retries >= self.budget.retries:
                gave_up = f"retry budget spent ({self.budget.describe()})"
                break
            wait = retry_after(response.headers.get("Retry-After"), retries)
            if waited + wait > self.budget.seconds:
                gave_up = (f"Retry-After {wait:g}s is beyond the retry budget ({self.budget.describe()}; "
                           "--retries/--retry-budget)")
                break
            time.sleep(wait)
            interrupt.must_stop()
            retries, waited = retries + 1, waited + wait
        response.conformance_retry = RetryNote(retries, waited, gave_up)  # type: ignore[attr-defined]
        return response

    def _send_once(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            return super().send(request, *args, **kwargs)
        except requests.ConnectionError as exc:
            # A server may close a kept-alive connection (after a 500, say) just as it is reused: one retry on
            # a fresh connection; a target that keeps dropping them is unreachable.
            if not dropped(exc):
                raise
            interrupt.must_stop()
            return super().send(request, *args, **kwargs)

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        if not self.redactor:
            return response
        response._content = self.redactor.data(response.content)  # reads the body once, as requests would
        for name, value in list(response.headers.items()):
            response.headers[name] = self.redactor.text(value)
        raw_headers = getattr(response.raw, "headers", None)  # what schemathesis reads
        if raw_headers is not None and hasattr(raw_headers, "getlist"):
            for name in list(raw_headers):
                values = raw_headers.getlist(name)
                cleaned = [self.redactor.text(v) for v in values]
                if cleaned != values:
                    del raw_headers[name]
                    for value in cleaned:
                        raw_headers.add(name, value)
        return response


def retry_after(value: str | None, retries_so_far: int) -> float:
    """Seconds to wait: Retry-After as seconds or as an HTTP date, else an exponential backoff."""
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return BACKOFF_START * 2**retries_so_far


# transport failures, by exception type -------------------------------------------------------------
def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (requests wraps urllib3, which wraps the socket error)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for attribute in ("reason", "__cause__", "__context__"):
            inner = getattr(current, attribute, None)
            if isinstance(inner, BaseException):
                stack.append(inner)


DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    (urllib3.exceptions.NameResolutionError, "name or service not known"),
    (socket.gaierror, "name or service not known"),
    (ssl.SSLError, "TLS handshake failed"),
    (http.client.RemoteDisconnected, "connection closed without an answer"),  # a ConnectionResetError too
    (ConnectionResetError, "connection reset"),
    (BrokenPipeError, "connection closed"),
)
UNREACHABLE_ERRNOS = {errno.EHOSTUNREACH: "no route to host", errno.ENETUNREACH: "network unreachable"}


def dropped(exc: BaseException) -> bool:
    """The server closed or reset a connection mid-exchange (not: refused a new one)."""
    chain = list(causes(exc))
    if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        return False
    return any(isinstance(e, DROPPED) for e in chain)


def reason(exc: BaseException) -> str:
    """A short, stable description of why a connection failed."""
    chain = list(causes(exc))
    for kind, text in REASONS:
        if any(isinstance(e, kind) for e in chain):
            return text
    for e in chain:
        if isinstance(e, OSError) and e.errno in UNREACHABLE_ERRNOS:
            return UNREACHABLE_ERRNOS[e.errno]
    return exc.__class__.__name__
