"""The transport seam: every scenario talks to an implementation through a `Target`.

A target is a base URL (the host root; the suite appends the documented public paths) plus headers.
It is the same object whether the implementation is the embedded reference on loopback, a vendor's
server, or a vcrpy cassette answering in its place, so scenarios never know which one they face.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter

from conformance import interrupt
from conformance.redact import REDACTED, Redactor

#: Header names whose values never leave the process (logs, reports, cassettes, failure messages).
SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "x-wix-api-key", "proxy-authorization"})
MAX_BODY_EXCERPT = 600


class TargetError(Exception):
    """The target could not be talked to at all (not a conformance verdict): exit code 2."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its response, with secrets already removed."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int
    response_headers: dict[str, str]
    response_text: str
    elapsed_ms: float = 0.0

    @property
    def body(self) -> Any:
        """The response parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.response_text) if self.response_text else None
        except ValueError:
            return None

    @property
    def is_json(self) -> bool:
        if not self.response_text:
            return False
        try:
            json.loads(self.response_text)
        except ValueError:
            return False
        return True

    def curl(self) -> str:
        """The request as a curl line a person can paste (secrets stay redacted)."""
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name.lower() in {"content-length", "user-agent", "accept-encoding", "accept", "connection"}:
                continue
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body is not None:
            parts += ["-d", shlex.quote(json.dumps(self.request_body, separators=(",", ":")))]
        return " ".join(parts)

    def excerpt(self) -> str:
        text = self.response_text
        if len(text) > MAX_BODY_EXCERPT:
            text = text[:MAX_BODY_EXCERPT] + "…"
        return f"{self.status} {text}"

    def describe(self) -> str:
        return f"{self.curl()}\n  -> {self.excerpt()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "request_body": self.request_body,
            "status": self.status,
            "response": self.body if self.is_json else self.response_text[:MAX_BODY_EXCERPT],
            "curl": self.curl(),
        }


def redact_headers(headers: dict[str, str], secret_names: frozenset[str] = SECRET_HEADERS) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in secret_names else v) for k, v in headers.items()}


class SuiteAdapter(HTTPAdapter):
    """The one door every request of the suite (scenarios and schemathesis alike) goes through.

    Every answer has the run's secrets removed (body and headers) the moment it arrives, before a scenario,
    a schemathesis check or a report can quote it: a target that echoes the credential cannot leak it.
    And no request leaves once the run was interrupted, unless it is clean-up (`conformance.interrupt`).
    """

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
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


@dataclass
class Target:
    """An implementation under test, reached over HTTP.

    Args:
        base_url: host root, e.g. ``http://127.0.0.1:8080``; documented public paths are appended.
        headers: sent with every request (``Authorization`` and friends); their values are secrets.
        timeout: seconds per request before the target counts as unresponsive.
        max_retries: bounded retries of 429/503 answers, honouring ``Retry-After`` up to ``max_wait``.
    """

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 15.0
    max_retries: int = 3
    max_wait: float = 5.0
    session: requests.Session = field(default_factory=requests.Session)
    log: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.redactor = Redactor(self.headers.values())
        adapter = SuiteAdapter(self.redactor)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @property
    def secret_names(self) -> frozenset[str]:
        return SECRET_HEADERS | {name.lower() for name in self.headers}

    def url(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> str:
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params, doseq=True)
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        raw_body: bytes | str | None = None,
    ) -> Exchange:
        """Send one request; 429 and 503 are retried a bounded number of times, never forever."""
        all_headers = {**self.headers, **(headers or {})}
        data: bytes | str | None = raw_body
        if json_body is not None:
            data = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        url = self.url(path, params)
        attempt = 0
        reconnected = False
        while True:
            started = time.monotonic()
            try:
                response = self.session.request(method, url, data=data, headers=all_headers, timeout=self.timeout)
            except requests.Timeout:
                raise TargetError(f"{method} {url} timed out after {self.timeout:g}s") from None
            except requests.ConnectionError as exc:
                # A server may close a kept-alive connection (after a 500, say) just as it is reused: one
                # retry on a fresh connection; a target that keeps dropping them is unreachable.
                if not reconnected and _dropped(exc):
                    reconnected = True
                    continue
                raise TargetError(f"cannot reach {self.base_url}: {_reason(exc)}") from None
            except requests.RequestException as exc:
                raise TargetError(f"{method} {url} failed: {exc.__class__.__name__}") from None
            if response.status_code in (429, 503) and attempt < self.max_retries:
                attempt += 1
                time.sleep(_retry_after(response.headers.get("Retry-After"), attempt, self.max_wait))
                continue
            break
        exchange = Exchange(
            method=method,
            url=self.redactor.text(url),
            request_headers=self.redactor.headers(redact_headers(all_headers, self.secret_names)),
            request_body=self.redactor.any(json_body if json_body is not None
                                           else (raw_body if isinstance(raw_body, str) else None)),
            status=response.status_code,
            response_headers=dict(response.headers),
            response_text=response.text,
            elapsed_ms=(time.monotonic() - started) * 1000,
        )
        self.log.append(exchange)
        return exchange

    def get(self, path: str, **kwargs: Any) -> Exchange:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("POST", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("PUT", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Exchange:
        return self.request("DELETE", path, **kwargs)


def _retry_after(value: str | None, attempt: int, max_wait: float) -> float:
    try:
        wait = float(value) if value is not None else 0.2 * 2**attempt
    except ValueError:
        wait = 0.2 * 2**attempt
    return max(0.0, min(wait, max_wait))


def _dropped(exc: Exception) -> bool:
    text = str(exc)
    return any(marker in text for marker in ("Connection aborted", "RemoteDisconnected", "Connection reset"))


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host", "Connection reset"):
        if marker in text:
            return marker.lower()
    return exc.__class__.__name__
