"""Recording and replay of exchanges as vcrpy cassettes: one cassette per test, plus a manifest.

Why each piece is here:
- Secrets never reach disk: every header the run was given (and Authorization, cookies, API keys) is
  replaced, and so are query parameters and JSON body fields whose name is on the scrub list (request
  *and* response). The same scrubbing is applied to a replayed request before matching, so a scrubbed
  recording still matches.
- Requests match on method, path, query and the *parsed* JSON body (key order and whitespace do not
  matter), never on host or port: the embedded reference listens on a random port each run.
- Cassettes are plain YAML written and read with the safe dumper/loader (no Python tags).
- In replay the network is blocked: a request with no recorded answer fails the test instead of
  reaching a server.
- A fuzz test also writes its case log (`<cassette>.cases.json`): every case it sent, as schemathesis built it
  (parameters, body, generation metadata). A replay sends those cases again and runs the same checks on the
  recorded answers, without asking Hypothesis to generate them a second time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from conformance.settings import RunSettings
from conformance.target import REDACTED, SECRET_HEADERS, TargetError

MANIFEST = "manifest.json"
#: Body fields and query parameters replaced on disk (case-insensitive); extend with
#: CONFORMANCE_SCRUB_FIELDS="field1,field2".
DEFAULT_SCRUB_FIELDS = ("token", "accessToken", "refreshToken", "secret", "clientSecret", "password", "apiKey",
                        "api_key", "authorization")
#: Headers worth keeping in a cassette: everything else (dates, user agents, test-case ids) is noise.
KEPT_HEADERS = {"content-type", "retry-after", "location"}
SERIALIZER = "safe-yaml"


class ReplayMiss(Exception):
    """A replayed test sent a request the cassette has no answer for (the suite or the recording changed)."""


class CassetteError(TargetError):
    """A cassette or manifest cannot be read (corrupted, truncated, hand-edited): a tool error, never a verdict."""


# file layout ---------------------------------------------------------------------------------------
def cassette_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:180] + ".yaml"


def cassette_path(folder: str | Path, nodeid: str) -> Path:
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    return Path(folder) / module / cassette_name(nodeid)


def cases_path(folder: str | Path, nodeid: str) -> Path:
    return cassette_path(folder, nodeid).with_suffix(".cases.json")


def cassette_files(folder: str | Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.yaml") if p.is_file())


# scrubbing -----------------------------------------------------------------------------------------
def scrub_fields() -> frozenset[str]:
    extra = [f.strip() for f in os.environ.get("CONFORMANCE_SCRUB_FIELDS", "").split(",") if f.strip()]
    return frozenset(name.lower() for name in (*DEFAULT_SCRUB_FIELDS, *extra))


def scrub_json(value: Any, fields: frozenset[str]) -> Any:
    """A copy of a JSON value with every field named on the list replaced, at any depth."""
    if isinstance(value, dict):
        return {k: (REDACTED if k.lower() in fields and v is not None else scrub_json(v, fields))
                for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v, fields) for v in value]
    return value


def scrub_text(text: str, fields: frozenset[str], secrets: Iterable[str] = ()) -> str:
    """Scrub a body: JSON is scrubbed field by field; any literal secret value is replaced everywhere."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, (dict, list)):
        scrubbed = scrub_json(parsed, fields)
        if scrubbed != parsed:
            text = json.dumps(scrubbed, separators=(",", ":"))
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def scrub_url(uri: str, fields: frozenset[str], secrets: Iterable[str] = ()) -> str:
    parts = urlsplit(uri)
    if parts.query:
        pairs = [(k, REDACTED if k.lower() in fields else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        parts = parts._replace(query=urlencode(pairs))
    uri = urlunsplit(parts)
    for secret in secrets:
        if secret and len(secret) >= 4:
            uri = uri.replace(secret, REDACTED)
    return uri


def _body_text(body: Any) -> str | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return str(body)


class Scrubber:
    """vcrpy hooks that keep secrets and noise out of cassettes."""

    def __init__(self, header_names: Iterable[str], secret_values: Iterable[str]):
        self.header_names = SECRET_HEADERS | {name.lower() for name in header_names}
        self.secrets = sorted({v for v in secret_values if v and len(v) >= 4}, key=len, reverse=True)
        self.fields = scrub_fields()

    def request(self, request: Any) -> Any:
        headers = {}
        for name, value in request.headers.items():
            lower = name.lower()
            if lower in self.header_names:
                headers[lower] = REDACTED
            elif lower in KEPT_HEADERS:
                headers[name] = value
        request.headers = headers
        request.uri = scrub_url(request.uri, self.fields, self.secrets)
        text = _body_text(request.body)
        if text is not None:
            request.body = scrub_text(text, self.fields, self.secrets).encode("utf-8")
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        response["headers"] = {k: v for k, v in response.get("headers", {}).items() if k.lower() in KEPT_HEADERS}
        body = response.get("body", {})
        raw = body.get("string")
        text = _body_text(raw)
        if text is not None:  # vcrpy also runs this hook on loaded cassettes, where bodies are bytes
            text = scrub_text(text, self.fields, self.secrets)
            body["string"] = text.encode("utf-8") if isinstance(raw, bytes) else text
        return response


# matching and serialisation ------------------------------------------------------------------------
def _parsed(body: Any) -> Any:
    if body is None or body in (b"", ""):
        return None
    key = body if isinstance(body, (bytes, str)) else str(body)
    return _parse_cached(key)


@functools.lru_cache(maxsize=8192)
def _parse_cached(body: bytes | str) -> Any:
    """Cached: vcrpy compares each request with every recorded one, so a fuzz cassette parses a body
    hundreds of times otherwise."""
    text = _body_text(body)
    if text is None:
        return ("bytes", body)  # not UTF-8: compare the exact bytes
    try:
        return ("json", json.dumps(json.loads(text), sort_keys=True))
    except ValueError:
        return ("text", text)


def json_body_matcher(r1: Any, r2: Any) -> None:
    """Bodies match when they parse to the same JSON (key order and spacing are not behaviour)."""
    if _parsed(r1.body) != _parsed(r2.body):
        raise AssertionError("request bodies differ")


@functools.lru_cache(maxsize=65536)
def _method_path_query(method: str, uri: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(uri)
    return method.upper(), parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def same_request(r1: Any, r2: Any) -> None:
    """One matcher for method, path, query and JSON body, cheapest first and stopping at the first difference.

    vcrpy compares a request with every recorded one and runs every matcher on each pair; with four separate
    matchers a fuzz cassette of a hundred interactions costs tens of thousands of URL parses per replay."""
    method_a, path_a, query_a = _method_path_query(r1.method, r1.uri)
    method_b, path_b, query_b = _method_path_query(r2.method, r2.uri)
    if method_a != method_b:
        raise AssertionError(f"method {method_a} != {method_b}")
    if path_a != path_b:
        raise AssertionError(f"path {path_a} != {path_b}")
    if query_a != query_b:
        raise AssertionError(f"query {query_a} != {query_b}")
    json_body_matcher(r1, r2)


class SafeYaml:
    """Cassette (de)serialiser using only PyYAML's safe loader and dumper."""

    Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    #: Cassettes the pre-replay check has parsed, by their text: each is handed to vcrpy once, when its test
    #: opens it, instead of being parsed a second time (building the objects is most of a cassette's load).
    checked: ClassVar[dict[str, Any]] = {}

    @classmethod
    def deserialize(cls, text: str) -> Any:
        parsed = cls.checked.pop(text, None)
        return parsed if parsed is not None else cls.parse(text)

    @classmethod
    def parse(cls, text: str) -> Any:
        return yaml.load(text, Loader=cls.Loader)  # noqa: S506 - safe loader by construction

    @classmethod
    def serialize(cls, data: Any) -> str:
        return yaml.dump(_plain(data), Dumper=cls.Dumper, allow_unicode=True, sort_keys=False, width=200)


def _plain(value: Any) -> Any:
    """UTF-8 bytes -> str so the safe dumper writes bodies as readable text; other bytes stay binary."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value  # written as !!binary, read back as the same bytes
    return value


def load_cassette(path: Path, keep: bool = False) -> list[dict[str, Any]]:
    """The interactions of one cassette file (safe loading); CassetteError names the file when it is broken.
    `keep`: hold the parsed cassette for the replay that opens it next (see `SafeYaml.checked`)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = SafeYaml.parse(text) or {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise CassetteError(f"cassette {path} is corrupted or truncated ({_first_line(exc)}); "
                            "record it again with `conformance run --record`") from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or not all(_complete(i) for i in interactions):
        raise CassetteError(f"cassette {path} is truncated or not a cassette (an interaction lacks its request "
                            "or response); record it again with `conformance run --record`")
    if keep:
        SafeYaml.checked[text] = data  # the check only reads it
    return interactions


def _complete(interaction: Any) -> bool:
    if not isinstance(interaction, dict):
        return False
    request, response = interaction.get("request"), interaction.get("response")
    return (isinstance(request, dict) and {"method", "uri"} <= set(request)
            and isinstance(response, dict) and isinstance(response.get("status"), dict)
            and isinstance(response.get("body"), dict))


def check_cassettes(folder: str | Path) -> None:
    """Before a replay: every cassette of the set must load, so a broken file is one line, not a verdict."""
    for path in cassette_files(folder):
        load_cassette(path, keep=True)
        if path.name.startswith("test_fuzz_"):  # a fuzz test replays the cases it logged
            _load_cases(path.with_suffix(".cases.json"))


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] if text else exc.__class__.__name__


def _memoised(filter_request: Any) -> Any:
    """vcrpy filters (deep-copies, then scrubs) each request four times while it looks up one answer, twice of
    them the copy it filtered just before; the same request in the same state gets the same filtered copy, and a
    filtered copy is its own filtered form (what was recorded was filtered once). Kept per thread: the suite's
    concurrency checks send requests from several threads at once."""
    local = threading.local()

    def state(request: Any) -> tuple[Any, ...]:
        return request.method, request.uri, request.body, tuple(request.headers.items())

    def filtered(request: Any) -> Any:
        memo: dict[int, tuple[Any, tuple[Any, ...], Any]] = local.__dict__.setdefault("memo", {})
        seen = memo.get(id(request))
        if seen is not None and seen[0] is request and seen[1] == state(request):
            return seen[2]
        result = filter_request(request)
        if len(memo) > 16:  # only the request being looked up matters
            memo.clear()
        memo[id(request)] = (request, state(request), result)
        if result is not None:
            memo[id(result)] = (result, state(result), result)
        return result

    return filtered


def recorder(settings: RunSettings) -> Any:
    import vcr

    class VCR(vcr.VCR):
        def _build_before_record_request(self, options: dict[str, Any]) -> Any:
            return _memoised(super()._build_before_record_request(options))

    scrubber = Scrubber(settings.headers, settings.headers.values())
    instance = VCR(
        record_mode="none" if settings.replay_dir else "all",
        match_on=["same_request"],
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        decode_compressed_response=True,
        serializer=SERIALIZER,
    )
    instance.register_serializer(SERIALIZER, SafeYaml)
    instance.register_matcher("same_request", same_request)
    return instance


@contextlib.contextmanager
def _network_blocked() -> Iterator[None]:
    """Replay never reaches a server: a socket connect outside vcrpy's stubs raises."""
    original = socket.socket.connect

    def refuse(self: socket.socket, address: Any) -> None:
        raise ConnectionRefusedError(f"network blocked during replay (attempted {address!r})")

    socket.socket.connect = refuse  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


@contextlib.contextmanager
def cassette_for(nodeid: str, settings: RunSettings) -> Iterator[None]:
    folder = settings.record_dir or settings.replay_dir
    if not folder:
        yield
        return
    path = cassette_path(folder, nodeid)
    with contextlib.ExitStack() as stack:
        if settings.replay_dir:
            stack.enter_context(_network_blocked())
        try:
            stack.enter_context(recorder(settings).use_cassette(str(path), allow_playback_repeats=False))
        except (yaml.YAMLError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as exc:
            # a broken file is a tool error naming it, not the test's failure (`conformance replay` checks
            # the whole set first; this is for the plugin used on its own)
            raise CassetteError(f"cassette {path} is corrupted or truncated ({_first_line(exc)})") from None
        yield


# case logs ---------------------------------------------------------------------------------------
def write_cases(folder: str | Path, nodeid: str, cases: list[dict[str, Any]], settings: RunSettings) -> None:
    """The cases a fuzz test sent, scrubbed like its cassette (a replayed request is scrubbed before matching,
    so a scrubbed case still finds its answer)."""
    fields = scrub_fields()
    secrets = sorted({v for v in settings.headers.values() if v and len(v) >= 4}, key=len, reverse=True)
    text = json.dumps([scrub_json(case, fields) for case in cases], indent=0, default=str)
    path = cases_path(folder, nodeid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scrub_text(text, frozenset(), secrets) + "\n", encoding="utf-8")


def read_cases(folder: str | Path, nodeid: str) -> list[dict[str, Any]]:
    """The case log of one fuzz test; CassetteError when it is missing or broken (a tool error, never a verdict)."""
    return _load_cases(cases_path(folder, nodeid))


def _load_cases(path: Path) -> list[dict[str, Any]]:
    try:
        cases = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CassetteError(f"{path} is missing: the set was recorded by an older version; record it again "
                            "with `conformance run --record`") from None
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise CassetteError(f"case log {path} is corrupted or truncated ({_first_line(exc)}); "
                            "record it again with `conformance run --record`") from None
    if not isinstance(cases, list) or not all(isinstance(c, dict) and "method" in c for c in cases):
        raise CassetteError(f"case log {path} is not a list of cases; record it again with `conformance run --record`")
    return cases


# manifest ------------------------------------------------------------------------------------------
def write_manifest(folder: str | Path, *, run: RunSettings, results: dict[str, Any], embedded: bool,
                   specs: dict[str, str], suite_version: str) -> Path:
    """What a replay needs to send the same requests (run id, seed, base URL) and what it must reproduce.

    Header *names* are kept so a replay sends the same set; their values never are.
    """
    manifest = {
        "format": 1,
        "suite_version": suite_version,
        "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": "embedded reference" if embedded else results.get("base_url"),
        "embedded": embedded,
        "base_url": results.get("base_url"),
        "run_id": results.get("run_id"),
        "seed": results.get("seed"),
        "profile": results.get("profile"),
        **run.manifest_fields(),
        "specs": specs,
        "verdicts": {r["nodeid"]: {key: r.get(key) for key in ("verdict", "rules", "checked", "violated", "warnings")}
                     for r in results.get("results", [])},
    }
    path = Path(folder) / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{folder} has no {MANIFEST}: not a cassette set recorded with --record")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is corrupted or truncated ({_first_line(exc)}); record the set again") from None
    if not isinstance(data, dict) or "run_id" not in data:
        raise ValueError(f"{path} is not a conformance manifest")
    return data


def missing_cassettes(folder: str | Path, nodeids: Iterable[str]) -> list[str]:
    """Tests that have no cassette in the set (the suite grew since it was recorded)."""
    return [n for n in nodeids if not cassette_path(folder, n).is_file()]
