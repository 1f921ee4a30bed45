"""schemathesis wiring: load a spec, generate cases, send them through the run's target, judge them.

The test module (`suite/test_fuzz.py`) only names the tests; everything they share lives here, built for the
run's `RunSettings`, handed in explicitly (the plugin collects the module with them): the seed and budget of
the run, the checks that fit (plus `conformance.checks`), live-target safety (created entities are tracked and
deleted; destructive calls only touch what this run created), and the traffic summary the reports use.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.generation.modes import GenerationMode

from conformance import checks
from conformance.operations import prefix
from conformance.paths import load_spec, spec_path
from conformance.redact import Redactor
from conformance.settings import RunSettings
from conformance.target import Target

#: Built-in checks whose oracle is unsound for these APIs (see README "What is judged"):
#: positive data may meet business rules or tolerated readings (AMB-30/36/39) and be refused with 400;
#: 405 for undocumented methods, multi-user authorization and which keys count as invalid are not
#: documented behaviour (missing credentials are judged by the COMMON-9 scenario).
EXCLUDED_CHECKS = ("positive_data_acceptance", "unsupported_method", "object_level_authorization", "ignored_auth",
                   "missing_required_header")
#: Checks that misread one operation: unassigning members (DELETE /badges/{id}/members) empties a list,
#: it does not delete the resource that GET /badges/{id}/members reads; a display-order body mixes the
#: created badge's id with generated ones, so its 404 names an unknown badge, not the created one.
OPERATION_EXCLUDED_CHECKS = {
    ("DELETE", "/badges/{id}/members"): ("use_after_free",),
    ("GET", "/badges/{id}/members"): ("use_after_free",),  # judged on the read that follows the unassign
    ("PATCH", "/badges/order"): ("ensure_resource_availability",),
    ("POST", "/badges/order"): ("ensure_resource_availability",),  # Badges v4, same reason
    # Move Badge names a second badge (moveAfterBadgeId); its documented 404 may be about that one, not the
    # badge just created (seen as a false positive with a random seed)
    ("POST", "/badges/{badgeId}/move"): ("ensure_resource_availability",),
}
#: Operations that change site-wide state; fuzzed only against the disposable embedded reference.
SITE_WIDE = {("PATCH", "/tiers/program-settings"), ("POST", "/tiers/program-settings"), ("PATCH", "/badges/order"),
             ("POST", "/badges/order"), ("POST", "/badges/{badgeId}/move")}
#: Create operations and where their ids are, for clean-up: (kind, response key, is-bulk).
CREATES = {
    ("POST", "/tiers"): ("tier", "tier", False),
    ("POST", "/bulk/tiers/create"): ("tier", "results", True),
    ("POST", "/rewards"): ("reward", "reward", False),
    ("POST", "/bulk/rewards/create"): ("reward", "results", True),
    ("POST", "/badges"): ("badge", "badge", False),
}
#: APIs whose create paths collide with another API's (Badges v4 `/badges` under its own prefix): their own table.
API_CREATES = {
    "badges-v4": {("POST", "/badges"): ("badge-v4", "badge", False)},
    "assignments-v4": {
        ("POST", "/v4/assignments"): ("assignment-v4", "badgeAssignment", False),
        ("POST", "/v4/bulk/assignments/create"): ("assignment-v4", "results", True),
    },
}
NAME_FIELDS = {"tier": ("tierDefinition", "name"), "reward": ("name",), "badge": ("title",), "badge-v4": ("title",)}

#: Ids this process created through fuzzing; destructive calls on a live target may only touch these.
FUZZ_OWNED: set[str] = set()
#: Cases whose path ids the guard replaced with made-up ones (Case has __slots__, so they are kept by id).
GUARDED: set[str] = set()


def _stable_constants() -> None:
    """Same seed, same cases: stop Hypothesis mixing in constants harvested from the local modules imported
    so far. A replay imports fewer modules than a recording (no embedded server), so with the harvest on,
    the same seed generates different fuzz data and the cassettes no longer match."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
        from sortedcontainers import SortedSet
    except ImportError:  # a Hypothesis without the harvest
        return
    empty = Constants(integers=SortedSet(), floats=SortedSet(key=providers.float_to_int), bytes=SortedSet(),
                      strings=SortedSet())
    providers._get_local_constants = lambda: empty


_stable_constants()


def server_path(api: str) -> str:
    """The documented public prefix of an API (e.g. `/loyalty-tiers/v1`)."""
    return prefix(api)


def schema_for(api: str, settings: RunSettings) -> Any:
    """The API's schema, configured with this run's seed and budget (read when the suite is collected).

    The document comes from the process-wide parse (the same dict schemathesis's own YAML loader gives, checked
    in tests/test_specs.py), copied because schemathesis may annotate what it is given. The fuzz test and the
    stateful test each get their own: a schema keeps what its cases saw (values captured from responses feed
    later generation), so a shared one would make the walk depend on the fuzz test, and a replay, which sends
    recorded fuzz cases instead of generating them, would walk differently from its recording."""
    schema: Any = schemathesis.openapi.from_dict(copy.deepcopy(load_spec(api)))
    schema.location = spec_path(api).absolute().as_uri()  # what `from_path` sets
    schema.config.seed = settings.seed
    # Undocumented parameters and body fields may be ignored (AMB-30/AMB-39), so their presence does not make
    # a request negative; credentials come from the run's headers, not from generation.
    schema.config.generation.update(max_examples=settings.max_examples, database="none",
                                    allow_extra_parameters=False, with_security_parameters=False)
    # The coverage phase sends every boundary of every field (hundreds of requests per operation); --quick
    # keeps the documented examples and a small random budget, and leaves boundaries to the rule scenarios.
    phases = ["examples", "fuzzing"] if settings.quick else ["examples", "coverage", "fuzzing"]
    schema.config.phases.update(phases=phases)
    excluded = list(EXCLUDED_CHECKS)
    schema.config.checks.update(excluded_check_names=excluded)
    if not settings.embedded:
        schema = schema.exclude(func=lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in SITE_WIDE)
    return schema


class Fuzzer:
    """Sends one generated case to the target and validates the answer."""

    def __init__(self, api: str, target: Target, node: Any, owned: Any, settings: RunSettings):
        self.api = api
        self.target = target
        self.settings = settings
        self.node = node
        self.owned = owned
        if not hasattr(node, "conformance_traffic"):
            node.conformance_traffic = []

    @property
    def base_url(self) -> str:
        return self.target.base_url + server_path(self.api)

    def run(self, case: Any) -> None:
        """A generated case: aimed (live safety) and tagged, logged when recording, then sent."""
        if not self.settings.embedded:
            self._guard(case)
        self._tag(case)
        if self.settings.record_dir:
            self.node.__dict__.setdefault("conformance_cases", []).append(case_record(case))
        self.send(case)

    def send(self, case: Any) -> None:
        """Send a case exactly as it is and judge the answer (a replayed case was aimed and tagged already)."""
        response = case.call(base_url=self.base_url, headers=dict(self.target.headers), session=self.target.session)
        self._track(case, response)
        self.node.conformance_traffic.append([case.method.upper(), server_path(self.api) + case.path,
                                              response.status_code])
        validate(case, response, headers=dict(self.target.headers), redactor=self.target.redactor)

    def _guard(self, case: Any) -> None:
        """On a live target, a call that changes an entity must aim at one this run created."""
        if case.method.upper() not in ("PATCH", "PUT", "DELETE", "POST") or not case.path_parameters:
            return
        for name, value in list(case.path_parameters.items()):
            if isinstance(value, str) and value not in FUZZ_OWNED:
                GUARDED.add(case.id)
                # derived, not random, so a replay of the run sends the same request
                case.path_parameters[name] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.settings.seed}:{value}"))

    def _creates(self, case: Any) -> tuple[str, str, bool] | None:
        return API_CREATES.get(self.api, CREATES).get((case.method.upper(), case.path))

    def _tag(self, case: Any) -> None:
        """Positive create cases get a run-tagged name, so anything left behind can be swept by run id."""
        spec = self._creates(case)
        if spec is None or spec[0] not in NAME_FIELDS or case.meta is None:
            return
        if case.meta.generation.mode != GenerationMode.POSITIVE:
            return
        kind, key, bulk = spec
        body = case.body if isinstance(case.body, dict) else {}
        items = body.get(f"{kind}s") if bulk else body.get(key)
        for entity in items if isinstance(items, list) else [items]:
            _set_name(entity, NAME_FIELDS[kind], self.settings.tag)

    def _track(self, case: Any, response: Any) -> None:
        spec = self._creates(case)
        if spec is None or response.status_code != 200:
            return
        kind, key, bulk = spec
        try:
            body = response.json()
        except ValueError:
            return
        found = [r.get("item") for r in body.get("results") or []] if bulk else [body.get(key)]
        for entity in found:
            if isinstance(entity, dict) and isinstance(entity.get("id"), str):
                FUZZ_OWNED.add(entity["id"])
                self.owned.add(kind, entity["id"])


def _set_name(entity: Any, path: tuple[str, ...], tag: str) -> None:
    """Prefix a generated name with the run tag, keeping it within the documented 50 characters."""
    if not isinstance(entity, dict):
        return
    for key in path[:-1]:
        entity = entity.get(key)
        if not isinstance(entity, dict):
            return
    name = entity.get(path[-1])
    if isinstance(name, str) and name.strip():
        entity[path[-1]] = f"{tag} {name}"[:50]


class FuzzFailure(AssertionError):
    """What schemathesis found on one request, as one readable message: each failed check on its own line
    (domain checks start with the rule id they enforce), then the request as a curl line."""


def validate(case: Any, response: Any, redactor: Redactor | None = None, **kwargs: Any) -> None:
    """Run the checks; a failure becomes one FuzzFailure whose text carries no secret (the curl line would
    otherwise repeat the run's headers)."""
    from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup

    from conformance.undocumented import only_undocumented_input

    try:
        case.validate_response(response, excluded_checks=_excluded(case), **kwargs)
    except (Failure, FailureGroup) as exc:
        failures = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
        # accepting input the documents leave open (an empty or repeated query value) is not a violation
        failures = tuple(f for f in failures
                         if not (isinstance(f, AcceptedNegativeData) and only_undocumented_input(case)))
        if not failures:
            return
        lines = [f"{case.method.upper()} {case.path} -> HTTP {response.status_code}"]
        for failure in failures:
            detail = " ".join(str(failure.message).split())[:300]
            lines.append(f"violation: {failure.title}: {detail}" if detail else f"violation: {failure.title}")
        lines.append(f"exchange: {case.as_curl_command()}")
        body = " ".join(response.text.split()) if response.content else ""
        lines.append(f"  -> {response.status_code} {body[:600]}{'…' if len(body) > 600 else ''}".rstrip())
        message = "\n".join(lines)
        raise FuzzFailure(redactor.text(message) if redactor else message) from None


def _excluded(case: Any = None) -> list[Any]:
    from schemathesis.checks import CHECKS

    names = list(EXCLUDED_CHECKS)
    if case is not None:
        names += OPERATION_EXCLUDED_CHECKS.get((case.method.upper(), case.path), ())
        if case.id in GUARDED:  # aimed at a made-up id on purpose (live safety)
            names += ["ensure_resource_availability", "use_after_free"]
    return CHECKS.get_by_names([name for name in names if name in CHECKS.get_all_names()])


def stateful_settings(settings: RunSettings) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max(2, settings.max_examples // 2),
        stateful_step_count=6,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        # No shrinking: a sequence's data depends on what the server answered, so replaying it to shrink
        # is not deterministic against a stateful target; the first failing sequence is the report.
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )


def state_machine_for(api: str, target: Target, owned: Any, node: Any, settings: RunSettings) -> type:
    """The stateful phase: schemathesis walks the spec's links (create -> get/update/delete)."""
    schema = schema_for(api, settings)
    schema.config.phases.update(phases=["stateful"])
    fuzzer = Fuzzer(api, target, node, owned, settings)
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def before_call(self, case: Any) -> None:
            if not fuzzer.settings.embedded:
                fuzzer._guard(case)
            fuzzer._tag(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": fuzzer.base_url, "headers": dict(target.headers), "session": target.session}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            fuzzer._track(case, response)
            node.conformance_traffic.append([case.method.upper(), server_path(api) + case.path,
                                             response.status_code])

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            try:
                validate(case, response, redactor=target.redactor, transport_kwargs=kwargs or None,
                         recorder=getattr(self, "recorder", None))
            except FuzzFailure as failure:
                if not hasattr(node, "conformance_first_failure"):
                    node.conformance_first_failure = failure
                raise

    return Workflow


__all__ = ["schema_for", "Fuzzer", "state_machine_for", "fuzz_test", "stateful_test", "selected_apis", "checks"]


def case_record(case: Any) -> dict[str, Any]:
    """A sent case as plain JSON: what `replayed_case` needs to build the same case, metadata included (the
    checks read it: a negative case must be rejected, a positive one need not be)."""
    from schemathesis.core import NotSet

    record: dict[str, Any] = {"method": case.method.upper(), "path_parameters": dict(case.path_parameters or {}),
                              "query": dict(case.query or {}), "headers": dict(case.headers or {}),
                              "cookies": dict(case.cookies or {}), "media_type": case.media_type,
                              "meta": case.meta.to_dict() if case.meta is not None else None,
                              "guarded": case.id in GUARDED}
    if isinstance(case.body, bytes):
        record["body_base64"] = base64.b64encode(case.body).decode("ascii")
    elif not isinstance(case.body, NotSet):
        record["body"] = case.body
    # a copy as it is now: an explicit example's body is one object that a later case changes again
    return json.loads(json.dumps(record, default=str))


def replayed_case(operation: Any, record: dict[str, Any]) -> Any:
    """The case a recording sent, rebuilt on the operation (as schemathesis's own replay command does)."""
    from schemathesis.generation.meta import CaseMetadata

    body: Any = {"body": record["body"]} if "body" in record else {}
    if "body_base64" in record:
        body = {"body": base64.b64decode(record["body_base64"])}
    case = operation.Case(method=record["method"], path_parameters=record["path_parameters"], query=record["query"],
                          headers=record["headers"], cookies=record["cookies"], media_type=record["media_type"],
                          **body)
    if record.get("meta") is not None:
        case._meta = CaseMetadata.from_dict(record["meta"])
    case.freeze_metadata()
    if record.get("guarded"):
        GUARDED.add(case.id)
    return case


def fuzz_test(api: str, settings: RunSettings) -> Any:
    """A pytest test over every operation of the API's spec (examples, coverage and fuzzing phases).

    In a replay the same items exist, but each sends the cases its recording logged instead of generating
    them again: the cassette answers, the same checks judge."""
    schema = schema_for(api, settings)
    if settings.replay_dir:
        return _replay_test(api, schema, settings)

    @schema.parametrize()
    @hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
    def test(case: Any, target: Target, owned: Any, request: Any) -> None:
        # The fixtures are per operation on purpose: entities created while fuzzing one operation are
        # deleted when it ends, whatever the examples did.
        Fuzzer(api, target, request.node, owned, settings).run(case)

    test.__name__ = test.__qualname__ = f"test_fuzz_{api.replace('-', '_')}"
    return test


def _replay_test(api: str, schema: Any, settings: RunSettings) -> Any:
    from conformance.recording import read_cases

    operations = [result.ok() for result in schema.get_all_operations()]

    @pytest.mark.parametrize("operation", operations, ids=[operation.label for operation in operations])
    def test(operation: Any, target: Target, owned: Any, request: Any) -> None:
        fuzzer = Fuzzer(api, target, request.node, owned, settings)
        # by the violations they name; the last case of each is the one Hypothesis reported (it shrinks a
        # failure, then runs the smallest example once more)
        found: dict[tuple[str, ...], FuzzFailure] = {}
        for record in read_cases(settings.replay_dir or ".", request.node.nodeid):
            try:
                fuzzer.send(replayed_case(operation, record))
            except FuzzFailure as failure:
                found[tuple(line for line in str(failure).splitlines() if line.startswith("violation:"))] = failure
        if len(found) == 1:
            raise next(iter(found.values()))
        if found:
            raise FuzzFailure("\n\n".join(str(failure) for failure in found.values()))

    test.__name__ = test.__qualname__ = f"test_fuzz_{api.replace('-', '_')}"
    return test


def stateful_test(api: str, settings: RunSettings) -> Any:
    """A pytest test for the stateful phase: sequences along the spec's links."""

    def test(target: Target, owned: Any, request: Any) -> None:
        machine: Any = state_machine_for(api, target, owned, request.node, settings)
        machine._hypothesis_internal_use_seed = settings.seed  # what @hypothesis.seed sets: same run id, same walk
        try:
            machine.run(settings=stateful_settings(settings))
        except hypothesis.errors.FlakyStrategyDefinition as exc:
            # Which steps are possible depends on what the server answered, so Hypothesis can find its own
            # exploration inconsistent and stop. A failing step already taken is the finding; without one the
            # walk was cut short, which is not a pass: the test says so (skipped, with Hypothesis's reason).
            first = getattr(request.node, "conformance_first_failure", None)
            if first is not None:
                raise first from exc
            pytest.skip(f"the stateful walk of {api} stopped early (Hypothesis: {str(exc).splitlines()[0][:200]}); "
                        "its steps so far passed; re-run with another --seed for a full walk")
        except Exception as exc:
            # Hypothesis replays a failing sequence against a server whose state has moved on, and may then
            # report that replay instead; the first failure is the finding (Hypothesis's report stays attached).
            first = getattr(request.node, "conformance_first_failure", None)
            if first is not None:
                raise first from exc
            raise

    test.__name__ = test.__qualname__ = f"test_stateful_{api.replace('-', '_')}"
    return test


def selected_apis(settings: RunSettings) -> list[str]:
    """APIs to fuzz: those selected with --api (all by default) whose spec file exists."""
    from conformance.paths import APIS

    wanted = settings.apis or list(APIS)
    return [api for api in APIS if api in wanted and spec_path(api).is_file()]
