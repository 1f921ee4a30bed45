"""Compare two runs: what changed in the implementation's behaviour, and is it breaking?

A run is a cassette set (folder with manifest.json), a report folder (with report.json) or a report.json.
Cassette sets carry every response, so they give status codes, response fields and their JSON types, and
error codes per operation; report.json gives status codes per operation and rule verdicts.

Classification (breaking = a client written against OLD may break against NEW):
- status codes: a success code no longer seen, or a 5xx newly seen -> breaking; others -> benign;
- response fields of 2xx answers: removed or changed type -> breaking; added -> benign;
- error codes (`details.applicationError.code`): one no longer seen -> breaking; a new one -> benign;
- rule verdicts: pass/warn -> fail/error -> breaking; anything else (fixes, warn changes) -> benign.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.errors import UsageError
from conformance.recording import MANIFEST, cassette_files, load_cassette
from conformance.reporting.results import VERDICT_ORDER

GUID = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?=/|$)")
#: Path segments that are ids even when they are not GUIDs (fuzzed or malformed ids).
API_PREFIXES = ("/loyalty-tiers/v1", "/loyalty-rewards/v1", "/members/v3")


class DiffInputError(UsageError, ValueError):
    """The path is neither a cassette set nor a report: exit 2."""


@dataclass
class OperationProfile:
    statuses: set[int] = field(default_factory=set)
    fields: dict[str, set[str]] = field(default_factory=dict)  # "tier.requiredPoints" -> {"integer"}
    error_codes: set[str] = field(default_factory=set)


@dataclass
class RunProfile:
    label: str
    operations: dict[str, OperationProfile]
    verdicts: dict[str, str]  # rule id -> verdict
    has_bodies: bool
    #: per cassette (test): the (operation, status) sequence, to pair the same request across two runs
    sequences: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # status | field | error-code | rule
    subject: str  # operation or rule id
    detail: str
    breaking: bool


# loading -------------------------------------------------------------------------------------------
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


def _from_report(label: str, data: dict[str, Any]) -> RunProfile:
    operations = {op: OperationProfile(statuses={int(c) for c in codes}) for op, codes in data["operations"].items()}
    verdicts = {r["id"]: r["verdict"] for r in data["rules"] if r.get("verdict") not in (None, "untested")}
    return RunProfile(label, operations, verdicts, has_bodies=False)


def _from_cassettes(folder: Path) -> RunProfile:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    operations: dict[str, OperationProfile] = {}
    sequences: dict[str, list[tuple[str, int]]] = {}
    for file in cassette_files(folder):
        sequence = sequences.setdefault(file.relative_to(folder).as_posix(), [])
        for interaction in load_cassette(file):
            request, response = interaction["request"], interaction["response"]
            op = operation_key(request["method"], request["uri"])
            if op is None:
                continue
            profile = operations.setdefault(op, OperationProfile())
            status = int(response["status"]["code"])
            profile.statuses.add(status)
            sequence.append((op, status))
            body = _json(response.get("body", {}).get("string"))
            if 200 <= status < 300 and isinstance(body, (dict, list)):
                for name, kind in flatten(body):
                    profile.fields.setdefault(name, set()).add(kind)
            elif status >= 400 and isinstance(body, dict):
                code = ((body.get("details") or {}).get("applicationError") or {}).get("code")
                if isinstance(code, str):
                    profile.error_codes.add(f"{status} {code}")
    verdicts: dict[str, str] = {}
    for entry in manifest.get("verdicts", {}).values():
        for rule_id in entry.get("rules", []):
            current = verdicts.get(rule_id, "skip")
            verdicts[rule_id] = min(current, entry["verdict"], key=VERDICT_ORDER.index)
    return RunProfile(str(folder), operations, verdicts, has_bodies=True, sequences=sequences)


def _json(text: Any) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def operation_key(method: str, uri: str) -> str | None:
    """`POST /loyalty-tiers/v1/tiers/{id}`: ids templated so both runs group the same way."""
    path = urlsplit(uri).path
    if not path.startswith(API_PREFIXES):
        return None
    path = GUID.sub("/{id}", path)
    return f"{method.upper()} {path}"


def flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """(field path, JSON type) pairs; list items share the path `name[]`."""
    kind = json_type(value)
    if prefix:
        yield prefix, kind
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for item in value:
            yield from flatten(item, f"{prefix}[]")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# comparing -----------------------------------------------------------------------------------------
def compare(old: RunProfile, new: RunProfile) -> list[Change]:
    changes: list[Change] = []
    for op in sorted(set(old.operations) & set(new.operations)):
        before, after = old.operations[op], new.operations[op]
        for status in sorted(before.statuses - after.statuses):
            changes.append(Change("status", op, f"{status} no longer seen", 200 <= status < 300))
        for status in sorted(after.statuses - before.statuses):
            changes.append(Change("status", op, f"{status} newly seen", status >= 500))
        if old.has_bodies and new.has_bodies:
            changes += _field_changes(op, before, after)
            for code in sorted(before.error_codes - after.error_codes):
                changes.append(Change("error-code", op, f"{code} no longer returned", True))
            for code in sorted(after.error_codes - before.error_codes):
                changes.append(Change("error-code", op, f"{code} newly returned", False))
    changes += _paired_status_changes(old, new)
    for op in sorted(set(old.operations) - set(new.operations)):
        changes.append(Change("operation", op, "not exercised in NEW", False))
    for op in sorted(set(new.operations) - set(old.operations)):
        changes.append(Change("operation", op, "exercised only in NEW", False))
    for rule_id in sorted(set(old.verdicts) | set(new.verdicts)):
        was, now = old.verdicts.get(rule_id, "untested"), new.verdicts.get(rule_id, "untested")
        if was != now:
            breaking = was in ("pass", "warn") and now in ("fail", "error")
            changes.append(Change("rule", rule_id, f"{was} → {now}", breaking))
    return changes


def _paired_status_changes(old: RunProfile, new: RunProfile) -> list[Change]:
    """The same request in the same test answered differently: walk both cassettes while the operations agree.

    2xx -> non-2xx, anything -> 5xx and one 4xx -> another 4xx are breaking (clients branch on codes);
    a rejection that became a success is benign at the HTTP level (the rule verdicts say if it breaks a rule).
    """
    found: dict[tuple[str, int, int], list[str]] = {}
    for name in sorted(set(old.sequences) & set(new.sequences)):
        for (op_a, status_a), (op_b, status_b) in zip(old.sequences[name], new.sequences[name], strict=False):
            if op_a != op_b:
                break  # the flows diverged; later requests are not the same requests
            if status_a != status_b:
                found.setdefault((op_a, status_a, status_b), []).append(name.rsplit("/", 1)[-1].removesuffix(".yaml"))
    changes = []
    for (op, before, after), tests in sorted(found.items()):
        breaking = (200 <= before < 300 and not 200 <= after < 300) or after >= 500 or (
            400 <= before < 500 and 400 <= after < 500)
        example = tests[0] + (f" and {len(tests) - 1} more" if len(tests) > 1 else "")
        changes.append(Change("status", op, f"same request answered {before} → {after} (in {example})", breaking))
    return changes


def _field_changes(op: str, before: OperationProfile, after: OperationProfile) -> list[Change]:
    changes = []
    for name in sorted(set(before.fields) | set(after.fields)):
        old_types, new_types = before.fields.get(name), after.fields.get(name)
        if new_types is None:
            changes.append(Change("field", op, f"`{name}` removed from 2xx responses", True))
        elif old_types is None:
            changes.append(Change("field", op, f"`{name}` added ({'/'.join(sorted(new_types))})", False))
        elif (old_types - {"null"}) and (new_types - {"null"}) and not (old_types - {"null"}) & (new_types - {"null"}):
            changes.append(Change("field", op, f"`{name}` type {'/'.join(sorted(old_types))} → "
                                               f"{'/'.join(sorted(new_types))}", True))
    return changes


# writing -------------------------------------------------------------------------------------------
def diff_markdown(old: RunProfile, new: RunProfile, changes: list[Change]) -> str:
    breaking = [c for c in changes if c.breaking]
    lines = [f"# Behaviour diff: {'BREAKING' if breaking else 'no breaking change'}", "",
             f"- OLD: `{old.label}`", f"- NEW: `{new.label}`",
             f"- {len(breaking)} breaking, {len(changes) - len(breaking)} benign change(s)", ""]
    if not (old.has_bodies and new.has_bodies):
        lines += ["_Response fields and error codes are compared only between cassette sets._", ""]
    for title, subset in (("Breaking", breaking), ("Benign", [c for c in changes if not c.breaking])):
        lines += [f"## {title}", ""]
        if not subset:
            lines += ["None.", ""]
            continue
        lines += ["| kind | operation / rule | change |", "|---|---|---|"]
        lines += [f"| {c.kind} | `{c.subject}` | {_cell(c.detail)} |" for c in subset]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def diff_html(old: RunProfile, new: RunProfile, changes: list[Change]) -> str:
    from html import escape

    breaking = [c for c in changes if c.breaking]
    css = ("body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px}"
           "table{border-collapse:collapse}td,th{border:1px solid #dde;padding:3px 8px;text-align:left}"
           ".b{background:#fde8e8}.ok{background:#eef8f0}h1 span{padding:2px 10px;border-radius:10px;color:#fff}"
           ".red{background:#d64545}.green{background:#1f9d55}")
    head = ('<span class="red">BREAKING</span>' if breaking else '<span class="green">no breaking change</span>')
    rows = "".join(
        f'<tr class="{"b" if c.breaking else "ok"}"><td>{"breaking" if c.breaking else "benign"}</td>'
        f"<td>{escape(c.kind)}</td><td><code>{escape(c.subject)}</code></td><td>{escape(c.detail)}</td></tr>"
        for c in sorted(changes, key=lambda c: (not c.breaking, c.kind, c.subject)))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Behaviour diff</title>'
            f"<style>{css}</style></head><body><h1>Behaviour diff {head}</h1>"
            f"<p>OLD: <code>{escape(old.label)}</code><br>NEW: <code>{escape(new.label)}</code><br>"
            f"{len(breaking)} breaking, {len(changes) - len(breaking)} benign change(s)</p>"
            f"<table><tr><th>class</th><th>kind</th><th>operation / rule</th><th>change</th></tr>{rows}</table>"
            "</body></html>\n")
