"""One failure as a person acts on it: what broke (the violation, typed), which exchange showed it, and the
command that reproduces it. Computed from the per-test record only, so every report tells the same story.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from conformance import rules
from conformance.paths import APIS, PACKAGE_DIR

REPORT_DATA = PACKAGE_DIR / "data" / "report.yaml"
#: The exception prefix pytest puts before a crash message (`conformance.verdict.RuleViolation: ...`).
EXCEPTION_PREFIX = re.compile(r"^[\w.]+(?:Violation|Failure|Error|Exception): ")
#: What pytest's -k grammar accepts in one identifier; anything else separates words joined with `and`.
K_WORD = re.compile(r"[\w:+\-.\[\]\\/]+")
#: The first line of a fuzz failure: `POST /tiers -> HTTP 200` (its exchange line carries no answer).
FUZZ_HEAD = re.compile(r"^[A-Z]+ \S+ -> HTTP (?P<status>\d{3})$")
CUSTOM_CHECK = re.compile(r"^Custom check failed: `(?P<check>\w+)`: (?P<detail>.*)$")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LIST_LIMIT = 3
#: Plugin options a reader sets through `conformance run` under a shorter name.
PLUGIN_OPTION = re.compile(r"--conformance-(base-url|header|max-examples|seed|quick|fault|record|run-id|member-id|"
                           r"read-only|timeout|api|profile|rule)\b")
#: A violation ending in `got <Python repr>` (how the suite's messages quote what they saw).
GOT_REPR = re.compile(r"""(?P<head>\bgot )"""
                      r"""(?P<repr>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+\.\d+|-?\d+|None|True|False)"""
                      r"""(?P<tail>(?: \(.*\))?)$""")


@cache
def report_data() -> dict[str, Any]:
    return dict(yaml.safe_load(REPORT_DATA.read_text(encoding="utf-8")))


@dataclass
class ExchangeView:
    label: str
    curl: str
    status: int | None
    response: str


@dataclass
class FuzzCheck:
    check: str
    rules: list[str]
    detail: str


@dataclass
class Failure:
    anchor: str
    nodeid: str
    verdict: str
    api: str
    rules: list[str]
    violations: list[str]
    exchanges: list[ExchangeView]
    reproduce: list[str]
    checks: list[FuzzCheck] = field(default_factory=list)
    #: message lines that are neither rule quotes, violations nor exchanges (a crash in a test, a tool error)
    other: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The rules it breaks; a fuzz failure whose checks name no rule broke the spec itself."""
        return ", ".join(self.rules) or ("spec" if self.checks else "-")


def api_of(nodeid: str) -> str:
    """The API a test belongs to by its name (`test_fuzz_badges_v4` is Badges v4, not v3); else "common"."""
    for api in sorted(APIS, key=len, reverse=True):
        if api.replace("-", "_") in nodeid:
            return api
    return "common"


def _is_rule_quote(line: str) -> bool:
    found = rules.id_pattern().match(line)
    return found is not None and re.match(r" \[(?:MUST|SHOULD|MAY)\] ", line[found.end():]) is not None


def build_failure(index: int, result: dict[str, Any], meta: dict[str, Any]) -> Failure:
    text = result.get("tool_error") or result.get("message") or ""
    violations, cited, other = parse_message(text)
    api = api_of(result["nodeid"])
    checks = fuzz_checks(violations, api) if "test_fuzz" in result["nodeid"] else []
    blamed = list(result.get("violated") or result.get("rules") or [])
    if not blamed:
        blamed = sorted({r for check in checks for r in check.rules}, key=rules.sort_key)
    return Failure(
        anchor=f"failure-{index}",
        nodeid=result["nodeid"],
        verdict=result["verdict"],
        api=api,
        rules=sorted(dict.fromkeys(blamed), key=rules.sort_key),
        violations=violations,
        exchanges=exchange_views(cited, result.get("exchange"), meta),
        reproduce=reproduction(result, meta),
        checks=checks,
        other=other,
    )


def parse_message(text: str) -> tuple[list[str], tuple[str, str] | None, list[str]]:
    """(violation lines, the exchange the violation cites as (curl, "-> status body"), other lines).

    Rule quotes (`TIER-2 [MUST] …`) are dropped: the report prints each rule once from the catalogue."""
    violations: list[str] = []
    other: list[str] = []
    curl, answer = "", ""
    lines = text.splitlines()
    if lines:
        lines[0] = EXCEPTION_PREFIX.sub("", lines[0])
    for line in lines:
        if line.startswith("violation: "):
            violations.append(typed_actual(line.removeprefix("violation: ")))
        elif line.startswith("exchange: "):
            curl = line.removeprefix("exchange: ")
        elif line.startswith("  -> ") and curl:
            answer = line.removeprefix("  -> ")
        elif _is_rule_quote(line):
            continue
        elif FUZZ_HEAD.match(line):
            answer = answer or FUZZ_HEAD.match(line)["status"]  # type: ignore[index]
        elif line.strip():
            other.append(line)
    return violations, ((curl, answer) if curl else None), other


def cli_flags(text: str) -> str:
    """Skip reasons written for the plugin (`--conformance-member-id`) name the `conformance run` flag."""
    return PLUGIN_OPTION.sub(r"--\1", text)


def typed_actual(text: str) -> str:
    """`…, got '2'` -> `…, got the string "2"`: what was seen, with its JSON type, since `2` and `"2"` are
    different answers. Messages whose value is no scalar repr are left as they are."""
    import ast

    match = GOT_REPR.search(text)
    if match is None or "HTTP" in text[:match.start()]:  # `expected HTTP 404, got 500`: a status, not a value
        return text
    value = ast.literal_eval(match["repr"])
    if value is None:
        shown = "null (or nothing)"
    elif isinstance(value, bool):
        shown = f"the boolean {json.dumps(value)}"
    elif isinstance(value, str):
        shown = f"the string {json.dumps(value, ensure_ascii=False)}"
    else:
        shown = f"the {'integer' if isinstance(value, int) else 'number'} {value}"
    return text[:match.start()] + match["head"] + shown + match["tail"]


def fuzz_rules(result: dict[str, Any]) -> list[str]:
    """The rules a failed fuzz test's checks enforce (a fuzz test carries no rule id of its own)."""
    violations, _, _ = parse_message(result.get("message") or "")
    found = [r for check in fuzz_checks(violations, api_of(result["nodeid"])) for r in check.rules]
    return list(dict.fromkeys(found))


def fuzz_checks(violations: list[str], api: str) -> list[FuzzCheck]:
    """The schemathesis checks that fired, each with the rule it enforces (domain checks name theirs)."""
    known = report_data()["fuzz_checks"]
    found = []
    for line in violations:
        custom = CUSTOM_CHECK.match(line)
        if custom:
            detail = custom["detail"]
            found.append(FuzzCheck(custom["check"], rules.id_pattern().findall(detail.split(":", 1)[0]), detail))
            continue
        title, _, detail = line.partition(": ")
        entry = known.get(title, {})
        ids = rules.id_pattern().findall(entry.get("rule", ""))
        ids = [r for r in ids if rules.get(r).api in ("common", api)]
        found.append(FuzzCheck(title, ids, detail or entry.get("judges", "")))
    return found


def exchange_views(cited: tuple[str, str] | None, last: dict[str, Any] | None,
                   meta: dict[str, Any]) -> list[ExchangeView]:
    """The exchange the violation names (a write: the request that broke the rule; a read: the read that
    showed it) and, when it is another one, the test's last exchange (the state the test ended on)."""
    views = []
    if cited is not None:
        curl, answer = cited
        status_text, _, body = answer.partition(" ")
        method = _method_of(curl)
        label = "The request that broke the rule" if method in WRITE_METHODS else "The read that showed the violation"
        views.append(ExchangeView(label, relative_curl(curl, meta), int(status_text) if status_text.isdigit() else None,
                                  focus(_parse(body), curl) if body else ""))
    if last and last.get("curl") and (cited is None or last["curl"] != cited[0]):
        views.append(ExchangeView("The test's last exchange", relative_curl(last["curl"], meta), last.get("status"),
                                  focus(last.get("response"), cited[0] if cited else last["curl"])))
    return views


def _method_of(curl: str) -> str:
    match = re.search(r"-X (\w+)", curl)
    return match.group(1).upper() if match else "GET"


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def relative_curl(curl: str, meta: dict[str, Any]) -> str:
    """Curl lines of an embedded run use `$BASE_URL`: the port they named died with the run."""
    base = str(meta.get("base_url") or "")
    if embedded(meta) and base:
        return curl.replace(f"'{base}", "\"$BASE_URL\"'").replace(base, "$BASE_URL")
    return curl


def embedded(meta: dict[str, Any]) -> bool:
    return meta.get("target") == "embedded reference"


def focus(response: Any, request: str, limit: int = 2000) -> str:
    """The response as text; a list of many entities keeps those the request named (or the first few)."""
    if isinstance(response, dict):
        for key, items in response.items():
            if isinstance(items, list) and len(items) > LIST_LIMIT:
                named = [item for item in items if _named_in(item, request)]
                kept = (named or items)[:LIST_LIMIT]
                response = {**response, key: kept + [f"… {len(items) - len(kept)} more item(s) not shown"]}
    text = response if isinstance(response, str) else json_text(response)
    return text if len(text) <= limit else text[:limit] + "…"


def json_text(value: Any) -> str:
    """JSON a person can scan: one line per top-level field, one line per list item."""
    if not isinstance(value, dict) or not value:
        return json.dumps(value, ensure_ascii=False)
    lines = []
    for key, item in value.items():
        if isinstance(item, list) and item:
            inner = ",\n".join(f"  {json.dumps(entry, ensure_ascii=False)}" for entry in item)
            lines.append(f" {json.dumps(key)}: [\n{inner}\n ]")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(item, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _named_in(item: Any, request: str) -> bool:
    strings = re.findall(r'"(?:name|title|id)":\s*"([^"]{4,})"', json.dumps(item))
    return any(value in request for value in strings)


def keyword_expression(nodeid: str) -> str:
    """A `-k` expression selecting exactly this test: its name, split where -k's grammar needs `and`."""
    name = nodeid.rsplit("::", 1)[-1]
    words = [word for word in K_WORD.findall(name) if re.search(r"[A-Za-z0-9]", word)]
    return " and ".join(words)


def reproduction(result: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """The commands that re-run just this test with the run's seed, target, faults and profile."""
    selection: list[str] = []
    for rule_id in result.get("rules") or []:
        selection += ["--rule", rule_id]
        break  # one rule of the test keeps it selected; -k picks the test
    selection += ["-k", keyword_expression(result["nodeid"])]
    if meta.get("profile"):
        selection += ["--profile", str(meta["profile"])]
    commands = []
    replayed = meta.get("replayed_from")
    if replayed:
        commands.append(shlex.join(["conformance", "replay", str(replayed), *selection]))
    else:
        run = ["conformance", "run"]
        if not embedded(meta) and meta.get("base_url"):
            run += ["--base-url", str(meta["base_url"])]
        for fault in meta.get("faults") or []:
            run += ["--fault", fault]
        if meta.get("quick"):
            run.append("--quick")
        elif meta.get("max_examples"):
            run += ["--max-examples", str(meta["max_examples"])]
        run += [*selection]
        if meta.get("seed") is not None:
            run += ["--seed", str(meta["seed"])]
        line = shlex.join(run)
        if not embedded(meta):
            line += "  # plus the run's --header and --member-id flags"
        commands.append(line)
    if meta.get("record_dir"):
        commands.append(shlex.join(["conformance", "replay", str(meta["record_dir"]), *selection]))
    return commands
