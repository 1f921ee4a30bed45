"""`conformance diff OLD NEW`: behaviour changes between two runs, classified breaking or benign.

Inputs: a cassette set (a folder with manifest.json), a report folder (with report.json) or a report.json.
Cassette sets carry every exchange, so requests can be compared one by one; a report gives rule verdicts only.

Requests are paired by what they mean, never by position: the same test, the same method and documented
operation, the same query and body once run-specific values are set aside (ids, the run's tagged names and
points; see `normalise`). Fuzz requests are generated from the seed, so two runs with different seeds share
few of them, and the unpaired ones are never compared.

One classification per change, decided by the rule verdicts:
- a rule whose verdict got worse (pass/warn -> fail/error) is breaking; its paired requests that were answered
  differently are shown beneath it as the evidence;
- any other verdict change (a fix, a new warning) is benign;
- a paired request answered differently (status, 2xx field removed or retyped, error code) under a rule whose
  verdict did not change is listed under that rule, benign: the suite judged both answers alike;
- tests without rules (fuzzing) are classified the same way by their own verdict.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.errors import UsageError
from conformance.operations import GUID, operation_of, prefixes
from conformance.recording import MANIFEST, cassette_path, load_cassette
from conformance.reporting.results import VERDICT_ORDER

#: `Unique.points()` hands out requiredPoints in this range, derived from the run id (plugin.py).
RUN_POINTS = range(1_000_000, 9_100_000)
#: What two runs must share for their answers to be comparable, with how to name each in a warning.
RUN_IDENTITY = (("seed", "seed"), ("target", "target"), ("faults", "faults"), ("profile", "profile"),
                ("suite_version", "suite version"))
BAD = ("fail", "error")
#: Tests whose requests are generated from the seed: comparable one by one only between runs with one seed.
FUZZ_TESTS = "test_fuzz.py::"
BODY_EXCERPT = 1500


class DiffInputError(UsageError, ValueError):
    """The path is neither a cassette set nor a report: exit 2."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text
    operation: str  # "POST /loyalty-tiers/v1/tiers/{id}"


@dataclass
class RecordedTest:
    verdict: str
    rules: list[str]
    #: request key -> the answers to that request, in the order the test sent them
    answers: dict[tuple[str, ...], list[Answer]] = field(default_factory=dict)


@dataclass
class RunProfile:
    label: str
    identity: dict[str, Any]
    verdicts: dict[str, str]  # rule id -> verdict
    tests: dict[str, RecordedTest]
    has_bodies: bool
    statements: dict[str, str] = field(default_factory=dict)

    @property
    def operations(self) -> set[str]:
        return {a.operation for t in self.tests.values() for answers in t.answers.values() for a in answers}


@dataclass(frozen=True)
class Evidence:
    """One request both runs sent in the same test, answered differently."""

    test: str
    request: str
    old: Answer
    new: Answer
    differences: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    kind: str  # rule | test | operation
    subject: str  # rule id, test id or operation
    detail: str
    breaking: bool
    evidence: tuple[Evidence, ...] = ()
    statement: str = ""


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
def identity_warnings(old: RunProfile, new: RunProfile) -> list[str]:
    """What differs between the runs themselves, so a reader knows which differences to expect."""
    warnings = []
    for key, name in RUN_IDENTITY:
        was, now = old.identity.get(key), new.identity.get(key)
        if was != now and (was or now):
            why = " (fuzz requests are generated from it, so they are not compared one by one)" if key == "seed" else ""
            warnings.append(f"the runs differ in {name}: {_show(was)} → {_show(now)}{why}")
    return warnings


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "?" if value is None else str(value)


def compare(old: RunProfile, new: RunProfile) -> list[Change]:
    evidence = paired_differences(old, new)
    by_rule: dict[str, list[Evidence]] = {}
    by_test: dict[str, list[Evidence]] = {}
    # a changed status says most at a glance, so it comes first in each change's evidence
    for item in sorted(evidence, key=lambda e: (not e.differences[0].startswith("HTTP"), e.test)):
        rules = new.tests[item.test].rules or old.tests[item.test].rules
        for rule_id in rules:
            by_rule.setdefault(rule_id, []).append(item)
        if not rules:
            by_test.setdefault(item.test, []).append(item)
    changes: list[Change] = []
    for rule_id in sorted(set(old.verdicts) | set(new.verdicts) | set(by_rule), key=_rule_order):
        was, now = old.verdicts.get(rule_id, "untested"), new.verdicts.get(rule_id, "untested")
        seen = tuple(by_rule.get(rule_id, ()))
        statement = new.statements.get(rule_id) or old.statements.get(rule_id, "")
        if was != now:
            changes.append(Change("rule", rule_id, f"{was} → {now}", _worse(was, now), seen, statement))
        elif seen:
            changes.append(Change("rule", rule_id, f"verdict unchanged ({now}); {len(seen)} request(s) answered "
                                                   "differently", False, seen, statement))
    for nodeid in sorted(set(old.tests) & set(new.tests)):
        if old.tests[nodeid].rules or new.tests[nodeid].rules:
            continue  # judged through its rules above
        was, now = old.tests[nodeid].verdict, new.tests[nodeid].verdict
        seen = tuple(by_test.get(nodeid, ()))
        if was != now:
            changes.append(Change("test", nodeid, f"{was} → {now}", _worse(was, now), seen))
        elif seen:
            changes.append(Change("test", nodeid, f"verdict unchanged ({now}); {len(seen)} request(s) answered "
                                                  "differently", False, seen))
    if old.has_bodies and new.has_bodies:
        for op in sorted(old.operations - new.operations):
            changes.append(Change("operation", op, "exercised only in OLD", False))
        for op in sorted(new.operations - old.operations):
            changes.append(Change("operation", op, "exercised only in NEW", False))
    return changes


def _rule_order(rule_id: str) -> tuple[str, int, str]:
    from conformance.rules import sort_key

    return sort_key(rule_id)


def _worse(was: str, now: str) -> bool:
    return was in ("pass", "warn") and now in BAD


def paired_differences(old: RunProfile, new: RunProfile) -> list[Evidence]:
    """Requests sent by the same test in both runs (same request key, n-th occurrence of it), answered
    differently. Unpaired requests (a flow that diverged, other fuzz data) are not compared; nor are fuzz
    requests of runs with different seeds, whose matching keys would be coincidences."""
    found = []
    same_seed = old.identity.get("seed") == new.identity.get("seed")
    for nodeid in sorted(set(old.tests) & set(new.tests)):
        if nodeid.startswith(FUZZ_TESTS) and not same_seed:
            continue
        before, after = old.tests[nodeid].answers, new.tests[nodeid].answers
        for key in sorted(set(before) & set(after)):
            for a, b in zip(before[key], after[key], strict=False):
                differences = answer_differences(a, b)
                if differences:
                    found.append(Evidence(nodeid, a.operation, a, b, tuple(differences)))
    return found


def answer_differences(a: Answer, b: Answer) -> list[str]:
    differences = []
    if a.status != b.status:
        differences.append(f"HTTP {a.status} → {b.status}")
    elif 200 <= a.status < 300:
        before, after = _fields(a.body), _fields(b.body)
        gone: list[str] = []
        for name in sorted(set(before) | set(after)):
            old_types, new_types = before.get(name, set()) - {"null"}, after.get(name, set()) - {"null"}
            if name not in after:
                if not any(name.startswith(f"{parent}.") or name.startswith(f"{parent}[]") for parent in gone):
                    gone.append(name)  # the shallowest field that went: its children went with it
                    differences.append(f"`{name}` no longer returned")
            elif old_types and new_types and not old_types & new_types:
                differences.append(f"`{name}` {'/'.join(sorted(old_types))} → {'/'.join(sorted(new_types))}")
    elif _error_code(a.body) != _error_code(b.body):
        differences.append(f"error code {_error_code(a.body) or '-'} → {_error_code(b.body) or '-'}")
    return differences


def _fields(body: Any) -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {}
    if isinstance(body, (dict, list)):
        for name, kind in flatten(body):
            fields.setdefault(name, set()).add(kind)
    return fields


def _error_code(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    code = ((body.get("details") or {}).get("applicationError") or {}).get("code")
    return code if isinstance(code, str) else None


# writing -------------------------------------------------------------------------------------------
def counts_line(changes: list[Change]) -> str:
    breaking = sum(c.breaking for c in changes)
    return f"{breaking} breaking, {len(changes) - breaking} benign change(s)"


def console_lines(old: RunProfile, new: RunProfile, changes: list[Change], limit: int = 40) -> list[str]:
    """Counts first, then what makes the runs incomparable, then each breaking change with its first evidence."""
    breaking = [c for c in changes if c.breaking]
    lines = [f"{'BREAKING' if breaking else 'no breaking change'}: {counts_line(changes)}"]
    lines += [f"warning: {warning}" for warning in identity_warnings(old, new)]
    for change in breaking[:limit]:
        first = change.evidence[0] if change.evidence else None
        evidence = f" ({first.request} in {first.test}: {'; '.join(first.differences)})" if first else ""
        lines.append(f"BREAKING {change.kind} {change.subject}: {change.detail}{evidence}")
    if len(breaking) > limit:
        lines.append(f"… and {len(breaking) - limit} more breaking change(s)")
    return lines


def body_text(answer: Answer) -> str:
    text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body, ensure_ascii=False)
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "…"


def diff_markdown(old: RunProfile, new: RunProfile, changes: list[Change]) -> str:
    breaking = [c for c in changes if c.breaking]
    lines = [f"# Behaviour diff: {'BREAKING' if breaking else 'no breaking change'}", "",
             f"**{counts_line(changes)}**", "", f"- OLD: `{old.label}`", f"- NEW: `{new.label}`", ""]
    lines += [f"> ⚠️ {warning}" for warning in identity_warnings(old, new)]
    if not (old.has_bodies and new.has_bodies):
        lines += ["", "_Requests are compared one by one only between cassette sets; reports give rule verdicts._"]
    for title, subset in (("Breaking", breaking), ("Benign", [c for c in changes if not c.breaking])):
        lines += ["", f"## {title}", ""]
        if not subset:
            lines.append("None.")
            continue
        lines += ["| kind | rule / test / operation | change |", "|---|---|---|"]
        for change in subset:
            lines.append(f"| {change.kind} | `{change.subject}` | {_cell(change.detail)}"
                         + (f" — {_cell(change.statement)}" if change.statement else "") + " |")
            for item in change.evidence[:5]:
                lines.append(f"| | ↳ `{_cell(item.test)}` `{item.request}` | {_cell('; '.join(item.differences))} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


DIFF_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;max-width:1200px;margin:24px auto;padding:0 16px;color:#1d2330;
overflow-wrap:anywhere}
h1 span{padding:2px 10px;border-radius:10px;color:#fff}.red{background:#cf222e}.green{background:#1a7f37}
.warn{background:#fff4d6;border-left:4px solid #9a6700;padding:6px 10px;margin:6px 0}
.change{border:1px solid #dde;border-radius:6px;margin:10px 0;padding:6px 10px}
.change.b{border-left:6px solid #cf222e}.change.ok{border-left:6px solid #1a7f37}
.tag{display:inline-block;padding:1px 8px;border-radius:8px;color:#fff;font-size:12px;font-weight:600}
.statement{color:#4f5663;font-size:13px}
.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px;margin:6px 0}
pre{background:#f6f7fa;border:1px solid #e3e5ec;padding:6px;margin:2px 0;white-space:pre-wrap;word-break:break-word;
font-size:12px;max-height:260px;overflow:auto}
code{overflow-wrap:anywhere}
details{margin:4px 0}summary{cursor:pointer}
"""


def diff_html(old: RunProfile, new: RunProfile, changes: list[Change]) -> str:
    from html import escape

    from conformance.reporting.html import inline_markdown

    breaking = [c for c in changes if c.breaking]
    head = '<span class="red">BREAKING</span>' if breaking else '<span class="green">no breaking change</span>'
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
             '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Behaviour diff</title>'
             f"<style>{DIFF_CSS}</style></head><body><h1>Behaviour diff {head}</h1>",
             f"<p><b>{escape(counts_line(changes))}</b><br>OLD: <code>{escape(old.label)}</code><br>"
             f"NEW: <code>{escape(new.label)}</code></p>"]
    parts += [f'<div class="warn">{escape(w)}</div>' for w in identity_warnings(old, new)]
    for change in sorted(changes, key=lambda c: not c.breaking):
        css, colour, word = ("b", "red", "breaking") if change.breaking else ("ok", "green", "benign")
        subject = escape(change.subject)
        if change.kind == "rule":
            subject = f'<a id="rule-{subject}">{subject}</a>'
        parts.append(f'<div class="change {css}"><span class="tag {colour}">{word}</span> {escape(change.kind)} '
                     f"<b><code>{subject}</code></b>: {escape(change.detail)}")
        if change.statement:
            parts.append(f'<div class="statement">{inline_markdown(change.statement)}</div>')
        for index, item in enumerate(change.evidence[:10]):
            opened = " open" if index == 0 and change.breaking else ""
            parts.append(f"<details{opened}><summary><code>{escape(item.test)}</code> · "
                         f"<code>{escape(item.request)}</code>: {escape('; '.join(item.differences))}</summary>"
                         f'<div class="pair"><div>OLD <b>{item.old.status}</b><pre>{escape(body_text(item.old))}</pre>'
                         f'</div><div>NEW <b>{item.new.status}</b><pre>{escape(body_text(item.new))}</pre></div></div>'
                         "</details>")
        if len(change.evidence) > 10:
            parts.append(f"<div>… and {len(change.evidence) - 10} more request(s)</div>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
