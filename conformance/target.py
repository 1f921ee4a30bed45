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

from conformance.errors import TargetError

__all__ = ["Exchange", "Target", "TargetError"]
from conformance.redact import REDACTED, Redactor
from conformance.transport import (
    DEFAULT_RETRIES,
    DEFAULT_RETRY_BUDGET,
    RetryBudget,
    RetryNote,
    SuiteAdapter,
    SuiteSession,
    reason,
)

#: Header names whose values never leave the process (logs, reports, cassettes, failure messages).
SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "x-wix-api-key", "proxy-authorization"})
MAX_BODY_EXCERPT = 600


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
    #: what was done about a 429/503 answer ("after 3 retries over 2.0s: retry budget spent ...")
    retry_note: str = ""

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


def remember_revisions(body: Any, into: dict[str, Any], depth: int = 3) -> None:
    """Every entity in an answer's envelope (`{"tier": {...}}`, `{"tiers": [...]}`, `{"results": [{"item":
    {...}}]}`): a dict with a string `id` and a `revision`, recorded as id -> revision."""
    if isinstance(body, dict):
        entity_id, revision = body.get("id"), body.get("revision")
        if isinstance(entity_id, str) and isinstance(revision, (str, int)) and not isinstance(revision, bool):
            into[entity_id] = revision
        values: Any = body.values()
    elif isinstance(body, list):
        values = body
    else:
        return
    if depth > 0:
        for value in values:
            if isinstance(value, (dict, list)):
                remember_revisions(value, into, depth - 1)


def redact_headers(headers: dict[str, str], secret_names: frozenset[str] = SECRET_HEADERS) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in secret_names else v) for k, v in headers.items()}


@dataclass
class Target:
    """An implementation under test, reached over HTTP.

    Args:
        base_url: host root, e.g. ``http://127.0.0.1:8080``; documented public paths are appended.
        headers: sent with every request (``Authorization`` and friends); their values are secrets.
        timeout: seconds per request before the target counts as unresponsive.
        max_retries: bounded retries of 429/503 answers per request, honouring ``Retry-After``...
        retry_budget: ...as long as the waiting for one request stays within these seconds.
    """

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 15.0
    max_retries: int = DEFAULT_RETRIES
    retry_budget: float = DEFAULT_RETRY_BUDGET
    session: requests.Session = field(default_factory=SuiteSession)
    log: list[Exchange] = field(default_factory=list)
    #: The newest revision each entity id came back with in a successful answer, so that clean-up can delete at
    #: the current revision without reading the entity first (`apis.delete_at_revision`); a DELETE forgets it.
    revisions: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.redactor = Redactor(self.headers.values())
        adapter = SuiteAdapter(self.redactor, RetryBudget(self.max_retries, self.retry_budget))
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
        """Send one request; 429 and 503 are retried within the retry budget (`conformance.transport`)."""
        all_headers = {**self.headers, **(headers or {})}
        data: bytes | str | None = raw_body
        if json_body is not None:
            data = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        url = self.url(path, params)
        started = time.monotonic()
        try:
            response = self.session.request(method, url, data=data, headers=all_headers, timeout=self.timeout)
        except requests.Timeout:
            raise TargetError(f"{method} {self.redactor.text(url)} timed out after {self.timeout:g}s") from None
        except requests.ConnectionError as exc:
            raise TargetError(f"cannot reach {self.redactor.text(self.base_url)}: {reason(exc)}") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):
            raise TargetError(f"{self.redactor.text(self.base_url)!r} is not an http(s) URL; pass the host "
                              "root, e.g. https://your-host") from None
        except requests.RequestException as exc:
            raise TargetError(f"{method} {self.redactor.text(url)} failed: {exc.__class__.__name__}") from None
        note = getattr(response, "conformance_retry", None)
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
            retry_note=str(note) if isinstance(note, RetryNote) and (note.retries or note.gave_up) else "",
        )
        self.log.append(exchange)
        if response.status_code < 300:
            if method.upper() == "DELETE":
                self.revisions.pop(path.rstrip("/").rsplit("/", 1)[-1], None)
            elif '"revision"' in exchange.response_text:
                remember_revisions(exchange.body, self.revisions)
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
