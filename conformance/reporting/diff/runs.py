"""Loading a run (a cassette set, a report folder or a report.json) with its requests keyed by what they mean:
run-specific values (ids, the run's tagged names and points) set aside, so both runs' requests pair up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.operations import GUID, operation_of, prefixes
from conformance.recording import MANIFEST, cassette_path, load_cassette
from conformance.reporting.diff.model import RUN_IDENTITY, Answer, DiffInputError, RecordedTest, RunProfile
from conformance.reporting.results import VERDICT_ORDER

#: `Unique.points()` hands out requiredPoints in this range, derived from the run id (plugin.py).
RUN_POINTS = range(1_000_000, 9_100_000)


def load_run(path: str | Path) -> RunProfile:
    source = Path(path)
    if source.is_dir() and (source / MANIFEST).is_file():
        return _from_cassettes(source)
    if source.is_dir() and (source / "report.json").is_file():
        source = source / "report.json"
    if source.is_file() and source.suffix == ".json":
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DiffInputError(f"{path} is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or "rules" not in data or "operations" not in data:
            raise DiffInputError(f"{path} is not a conformance report.json")
        return _from_report(str(path), data)
    raise DiffInputError(f"{path}: expected a cassette set (with {MANIFEST}), a report folder or a report.json")


def _identity(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key, _ in RUN_IDENTITY}


def _from_report(label: str, data: dict[str, Any]) -> RunProfile:
    verdicts = {r["id"]: r["verdict"] for r in data["rules"] if r.get("verdict") not in (None, "untested")}
    statements = {r["id"]: r.get("statement", "") for r in data["rules"]}
    tests = {t["nodeid"]: RecordedTest(t["verdict"], list(t.get("rules") or [])) for t in data.get("tests", [])}
    return RunProfile(label, _identity(data.get("meta") or {}), verdicts, tests, has_bodies=False,
                      statements=statements)


def _from_cassettes(folder: Path) -> RunProfile:
    from conformance import rules
    from conformance.live import run_tag

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    tag = run_tag(str(manifest.get("run_id") or "")) if manifest.get("run_id") else None
    tests: dict[str, RecordedTest] = {}
    verdicts: dict[str, str] = {}
    for nodeid, entry in manifest.get("verdicts", {}).items():
        record = tests[nodeid] = RecordedTest(entry["verdict"], list(entry.get("rules") or []))
        for rule_id in record.rules:
            verdicts[rule_id] = min(verdicts.get(rule_id, "skip"), entry["verdict"], key=VERDICT_ORDER.index)
        file = cassette_path(folder, nodeid)
        if not file.is_file():
            continue
        for interaction in load_cassette(file):
            request, response = interaction["request"], interaction["response"]
            operation = operation_key(request["method"], request["uri"])
            if operation is None:
                continue
            key = request_key(request["method"], request["uri"], request.get("body"), tag)
            answer = Answer(int(response["status"]["code"]), _json(response.get("body", {}).get("string")), operation)
            record.answers.setdefault(key, []).append(answer)
    statements = {rule_id: rule.statement for rule_id, rule in rules.catalogue().items()}
    return RunProfile(str(folder), _identity(manifest), verdicts, tests, has_bodies=True, statements=statements)


def _json(text: Any) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def operation_key(method: str, uri: str) -> str | None:
    """`GET /loyalty-tiers/v1/tiers/{tierId}`: the documented operation (ids templated), so both runs group alike;
    None for a request outside the APIs (the embedded reference's own traffic, a receiver's)."""
    path = urlsplit(uri).path
    if not path.startswith(prefixes()):
        return None
    return operation_of(method, path)


def normalise(value: Any, tag: str | None) -> Any:
    """A request value with what differs between runs by construction set aside: GUIDs, strings carrying the
    run's tag (`Unique.name`), and points from `Unique.points()`."""
    if isinstance(value, dict):
        return {key: normalise(item, tag) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [normalise(item, tag) for item in value]
    if isinstance(value, str):
        if tag and tag in value:
            return "{name}"
        return GUID.sub("{id}", value)
    if isinstance(value, int) and not isinstance(value, bool) and value in RUN_POINTS:
        return "{points}"
    return value


def request_key(method: str, uri: str, body: Any, tag: str | None) -> tuple[str, ...]:
    parts = urlsplit(uri)
    query = sorted((name, json.dumps(normalise(value, tag))) for name, value in parse_qsl(parts.query, True))
    path = operation_key(method, uri) or f"{method.upper()} {parts.path}"
    return (path, json.dumps(query), json.dumps(normalise(_json(body), tag), sort_keys=True))

