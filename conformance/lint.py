"""Spec lint: the gate every spec edit must pass (ours in CI, a vendor's edited copy via `conformance lint`).

A spec is only useful to the suite when it is valid OpenAPI 3.1, schemathesis can load it and generate
requests for every operation, its examples agree with its schemas, it covers exactly the documented
endpoints (API-FACTS §2.3, §3.2, §4.2) and it traces every catalogued rule to an operation or webhook.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance import rules as rule_catalogue

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: The documented endpoints, by the public prefix in each spec's `servers` URL (path ids normalised to `{}`).
INVENTORY: dict[str, tuple[str, ...]] = {
    "/members/v3": (
        "GET /badges", "POST /badges", "PATCH /badges/{}", "POST /badges/query", "GET /badges/{}",
        "DELETE /badges/{}", "GET /badges/{}/members", "POST /badges/{}/members", "DELETE /badges/{}/members",
        "POST /badges/members", "GET /badges/members/count", "PATCH /badges/order",
    ),
    "/loyalty-tiers/v1": (
        "GET /tiers", "POST /tiers", "POST /bulk/tiers/create", "GET /tiers/{}", "PATCH /tiers/{}",
        "DELETE /tiers/{}", "GET /tiers/program-settings", "POST /tiers/program-settings",
        "PATCH /tiers/program-settings", "GET /tiers/program",
    ),
    "/loyalty-rewards/v1": (
        "GET /rewards", "POST /rewards", "POST /bulk/rewards/create", "GET /rewards/{}", "DELETE /rewards/{}",
        "POST /rewards/query", "PUT /rewards/{}",
    ),
    "/badges/v4": (
        "POST /badges", "POST /badges/query", "POST /badges/order", "GET /badges/{}", "PATCH /badges/{}",
        "DELETE /badges/{}", "POST /badges/{}/move",
    ),
    "/badges": (
        "POST /v4/assignments", "POST /v4/assignments/query", "DELETE /v4/assignments/{}",
        "POST /v4/bulk/assignments/create", "POST /v4/bulk/assignments/delete",
        "POST /v4/bulk/assignments/bulk-update-tags", "POST /v4/bulk/assignments/update-tags-by-filter",
    ),
}
#: Which rule catalogue `api` each prefix owns; `common` rules are checked when all three specs are linted.
API_OF_PREFIX = {"/members/v3": "badges", "/loyalty-tiers/v1": "tiers", "/loyalty-rewards/v1": "rewards",
                 "/badges/v4": "badges-v4", "/badges": "assignments-v4"}


class Unreadable(Exception):
    """A spec file that is missing or not a YAML mapping: a tool error (exit 2), not a lint finding."""


@dataclass
class Problem:
    spec: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.spec}: {self.where}: {self.message}"


@dataclass
class SpecSummary:
    """What one spec declares: its operations (public paths), webhooks, example count and rule ids."""

    name: str
    prefix: str = ""
    operations: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    examples: int = 0
    rules: set[str] = field(default_factory=set)


@dataclass
class LintReport:
    specs: list[SpecSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    rules_expected: set[str] = field(default_factory=set)

    @property
    def rules_covered(self) -> set[str]:
        return set().union(*(s.rules for s in self.specs)) & self.rules_expected if self.specs else set()

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.problems else 0


def lint(paths: Sequence[Path | str], *, generate: bool = True) -> LintReport:
    """Run every check on the given spec files; a missing or unparsable file is reported, not raised.

    `generate=False` skips the schemathesis load-and-generate step (the slow one) for quick structural checks.
    """
    report = LintReport()
    for raw in paths:
        path = Path(raw)
        try:
            document = load(path)
            report.specs.append(_lint_one(path, document, report.problems, generate=generate))
        except Unreadable as exc:  # the spec, or a file it references (common.yaml)
            report.unreadable.append(f"{path}: {exc}")
    if not report.unreadable:
        _check_rules(report)
    return report


def load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise Unreadable("no such file")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Unreadable(f"not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise Unreadable("not a YAML mapping")
    return document


# --- one spec -----------------------------------------------------------------------------------
def _lint_one(path: Path, document: dict[str, Any], problems: list[Problem], *,
              generate: bool) -> SpecSummary:
    summary = SpecSummary(name=path.name)

    def problem(where: str, message: str) -> None:
        problems.append(Problem(path.name, where, message))

    docs = _Documents(path)
    for uri, doc in docs.openapi_documents(document):
        for message in _spec_validator_errors(doc, uri):
            source = "" if uri == docs.root else f" ({Path(urlparse(uri).path).name})"
            problem(f"openapi-spec-validator{source}", message)
    summary.prefix = _server_prefix(document)
    _inventory(summary, document, problem)
    summary.examples = _examples(docs, document, problem)
    summary.rules = _rule_ids(document, problem)
    if generate:
        _schemathesis(path, problem)
    return summary


def _spec_validator_errors(document: dict[str, Any], uri: str) -> Iterator[str]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    if str(document.get("openapi", "")).split(".")[:2] != ["3", "1"]:
        yield f"`openapi` is {document.get('openapi')!r}; the suite needs 3.1.x"
        return
    try:
        for error in OpenAPIV31SpecValidator(document, base_uri=uri).iter_errors():
            yield getattr(error, "message", str(error)).splitlines()[0]
    except Exception as exc:  # the validator raises on unresolvable references
        yield f"{exc.__class__.__name__}: {' '.join(str(exc).split())[:300]}"


def _server_prefix(document: dict[str, Any]) -> str:
    servers = document.get("servers") or [{}]
    return urlparse(str(servers[0].get("url", ""))).path.rstrip("/")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for route, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield method, route, item, item[method]


def _normalise(route: str) -> str:
    out, depth = [], 0
    for char in route:
        if char == "{":
            depth += 1
            if depth == 1:
                out.append("{}")
        elif char == "}":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _inventory(summary: SpecSummary, document: dict[str, Any], problem: Any) -> None:
    summary.operations = [f"{m.upper()} {route}" for m, route, _, _ in _operations(document)]
    webhooks = document.get("webhooks") or {}
    summary.webhooks = [name for name, item in webhooks.items() if isinstance(item, dict)]
    expected = INVENTORY.get(summary.prefix)
    if expected is None:
        problem("servers", f"public prefix {summary.prefix!r} is none of {', '.join(INVENTORY)}")
        return
    declared = {f"{op.split(' ')[0]} {_normalise(op.split(' ', 1)[1])}" for op in summary.operations}
    for missing in sorted(set(expected) - declared):
        problem("paths", f"documented operation {missing} is missing")
    for extra in sorted(declared - set(expected)):
        problem("paths", f"operation {extra} is not a documented endpoint of {summary.prefix}")


def _rule_ids(document: dict[str, Any], problem: Any) -> set[str]:
    known = rule_catalogue.catalogue()
    found: set[str] = set()
    places = [(f"{m.upper()} {route}", op) for m, route, _, op in _operations(document)]
    for name, item in (document.get("webhooks") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                places.append((f"webhook {name}", item[method]))
    for where, op in places:
        ids = op.get("x-rules")
        if not isinstance(ids, list) or not ids:
            problem(where, "no `x-rules` list")
            continue
        for rule_id in ids:
            if rule_id not in known:
                problem(where, f"x-rules names unknown rule {rule_id!r}")
            else:
                found.add(rule_id)
    return found


def _check_rules(report: LintReport) -> None:
    apis = {API_OF_PREFIX[s.prefix] for s in report.specs if s.prefix in API_OF_PREFIX}
    if apis == set(API_OF_PREFIX.values()):
        apis.add("common")
    report.rules_expected = {r.id for r in rule_catalogue.catalogue().values() if r.api in apis}
    covered = set().union(*(s.rules for s in report.specs)) if report.specs else set()
    for rule_id in sorted(report.rules_expected - covered, key=_rule_order):
        message = f"rule {rule_id} is not referenced by any operation or webhook"
        report.problems.append(Problem("specs", "x-rules", message))


def _rule_order(rule_id: str) -> tuple[str, int]:
    prefix, _, number = rule_id.rpartition("-")
    return prefix, int(number) if number.isdigit() else 0


# --- examples -----------------------------------------------------------------------------------
class _Documents:
    """The spec and the files it references, as one JSON Schema registry keyed by file URI."""

    def __init__(self, path: Path):
        self.root = path.resolve().as_uri()
        self.contents: dict[str, Any] = {}

    def get(self, uri: str) -> Any:
        if uri not in self.contents:
            self.contents[uri] = load(Path(unquote(urlparse(uri).path)))
        return self.contents[uri]

    def registry(self) -> Registry:
        def retrieve(uri: str) -> Resource:
            return Resource.from_contents(self.get(uri), default_specification=DRAFT202012)

        resources = [(uri, Resource.from_contents(doc, default_specification=DRAFT202012))
                     for uri, doc in self.contents.items()]
        return Registry(retrieve=retrieve).with_resources(resources)  # type: ignore[call-arg]

    def openapi_documents(self, document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """The spec, then every file it references that is itself an OpenAPI document (shared components)."""
        self.contents[self.root] = document
        yield self.root, document
        seen = {self.root}
        for ref in sorted(set(_refs(document))):
            uri = urljoin(self.root, ref).partition("#")[0]
            if uri in seen or not uri.startswith("file:"):
                continue
            seen.add(uri)
            try:
                other = self.get(uri)
            except Unreadable as exc:
                raise Unreadable(f"referenced file {ref.partition('#')[0]}: {exc}") from None
            if "openapi" in other:
                yield uri, other

    def resolve(self, node: Any, uri: str, pointer: str) -> tuple[Any, str, str]:
        """Follow `$ref` chains; returns the target node with its document URI and JSON pointer."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 20:
            target = urljoin(uri, node["$ref"])
            uri, _, pointer = target.partition("#")
            node = _pointer(self.get(uri), pointer)
            hops += 1
        return node, uri, pointer


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in [p for p in pointer.split("/") if p]:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _examples(docs: _Documents, document: dict[str, Any], problem: Any) -> int:
    """Validate every request, response and parameter example against its schema; returns how many."""
    try:
        registry = docs.registry()
    except Exception as exc:
        problem("examples", f"cannot build the schema registry: {exc}")
        return 0
    checked: set[tuple[str, str]] = set()
    count = 0

    def validate_media(content: Any, uri: str, pointer: str, where: str) -> None:
        nonlocal count
        if not isinstance(content, dict):
            return
        for media_type, media in content.items():
            media_pointer = f"{pointer}/{_escape(media_type)}"
            if not isinstance(media, dict):
                continue
            for label, value in _example_values(docs, media, uri, media_pointer):
                count += 1
                if "schema" not in media:
                    problem(where, f"example {label!r} has no schema to validate against")
                    continue
                schema_uri = f"{uri}#{media_pointer}/schema"
                _validate(registry, schema_uri, value, f"{where} example {label!r}", problem)

    root = docs.root
    places: list[tuple[str, dict[str, Any], str]] = []
    for method, route, item, op in _operations(document):
        base = f"/paths/{_escape(route)}"
        places.append((f"{method.upper()} {route}", op, f"{base}/{method}"))
        for index, parameter in enumerate(item.get("parameters") or []):
            _parameter_examples(docs, registry, parameter, root, f"{base}/parameters/{index}",
                                f"{method.upper()} {route}", problem, checked)
    for name, item in (document.get("webhooks") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                places.append((f"webhook {name}", item[method], f"/webhooks/{_escape(name)}/{method}"))
    for where, op, pointer in places:
        for index, parameter in enumerate(op.get("parameters") or []):
            count += _parameter_examples(docs, registry, parameter, root, f"{pointer}/parameters/{index}",
                                         where, problem, checked)
        body, uri, body_pointer = docs.resolve(op.get("requestBody"), root, f"{pointer}/requestBody")
        if isinstance(body, dict):
            validate_media(body.get("content"), uri, f"{body_pointer}/content", f"{where} request")
        for status, response in (op.get("responses") or {}).items():
            resolved, uri, response_pointer = docs.resolve(response, root, f"{pointer}/responses/{status}")
            if not isinstance(resolved, dict) or (uri, response_pointer) in checked:
                continue
            if uri != root:
                checked.add((uri, response_pointer))
            validate_media(resolved.get("content"), uri, f"{response_pointer}/content", f"{where} {status}")
    return count


def _example_values(docs: _Documents, holder: dict[str, Any], uri: str,
                    pointer: str) -> Iterator[tuple[str, Any]]:
    if "example" in holder:
        yield "example", holder["example"]
    for label, example in (holder.get("examples") or {}).items():
        resolved, _, _ = docs.resolve(example, uri, f"{pointer}/examples/{_escape(label)}")
        if isinstance(resolved, dict) and "value" in resolved:
            yield label, resolved["value"]


def _parameter_examples(docs: _Documents, registry: Registry, parameter: Any, uri: str, pointer: str,
                        where: str, problem: Any, checked: set[tuple[str, str]]) -> int:
    resolved, uri, pointer = docs.resolve(parameter, uri, pointer)
    if not isinstance(resolved, dict) or (uri, pointer) in checked:
        return 0
    checked.add((uri, pointer))
    count = 0
    for label, value in _example_values(docs, resolved, uri, pointer):
        count += 1
        name = resolved.get("name", "?")
        label_text = f"{where} parameter {name} example {label!r}"
        _validate(registry, f"{uri}#{pointer}/schema", value, label_text, problem)
    return count


def _validate(registry: Registry, schema_uri: str, value: Any, where: str, problem: Any) -> None:
    validator = Draft202012Validator({"$ref": schema_uri}, registry=registry,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    try:
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    except Exception as exc:  # an unresolvable $ref inside the schema
        problem(where, f"cannot validate: {exc.__class__.__name__}: {exc}")
        return
    for error in errors[:3]:
        location = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problem(where, f"does not match its schema at {location}: {error.message[:200]}")


# --- schemathesis -------------------------------------------------------------------------------
def _schemathesis(path: Path, problem: Any) -> None:
    """The spec loads in schemathesis, every operation yields positive requests, and every link resolves."""
    import hypothesis
    import schemathesis
    from schemathesis.core.result import Err

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            schema = schemathesis.openapi.from_path(path)
            results = list(schema.get_all_operations())
        except Exception as exc:
            problem("schemathesis", f"cannot load: {exc.__class__.__name__}: {_one_line(exc)}")
            return
        for result in results:
            if isinstance(result, Err):
                problem("schemathesis", f"operation does not load: {_one_line(result.err())}")
                continue
            operation = result.ok()
            try:
                _generate_one(hypothesis, operation.as_strategy())
            except Exception as exc:
                problem(operation.label, f"schemathesis cannot generate a request: {exc.__class__.__name__}: "
                        f"{_one_line(exc)}")
        try:
            schema.as_state_machine()  # validates every OpenAPI link (the stateful phase walks them)
        except Exception as exc:
            problem("links", _one_line(exc))
    for warning in caught:
        text = str(warning.message)
        if any(word in text.lower() for word in ("unresolvable", "unsatisfiable", "reference")):
            problem("schemathesis", f"warning: {' '.join(text.split())[:300]}")


def _generate_one(hypothesis: Any, strategy: Any) -> None:
    """Draw a few cases (generation only: no shrinking, no database); raises if none can be generated."""

    @hypothesis.given(strategy)
    @hypothesis.settings(max_examples=3, database=None, deadline=None, phases=[hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    def draw(case: Any) -> None:
        pass

    draw()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
