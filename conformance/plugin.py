"""The pytest plugin: the suite's fixtures, rule markers, selection, clean-up and result collection.

`conformance run` drives pytest with this plugin; people who want the suite inside their own pytest
session load it directly (`pytest -p conformance --pyargs conformance.suite --conformance-base-url URL`).
Option precedence is the CLI's business; here every value comes from a `--conformance-*` option.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import rules
from conformance.live import Owned, run_tag, sweep
from conformance.target import Exchange, Target, TargetError
from conformance.verdict import PROFILES, Expect, RuleViolation

#: Set in pytest_configure so modules that build schemathesis schemas at import time can read it.
SETTINGS: RunSettings | None = None
GUID_IN_PATH = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass
class RunSettings:
    base_url: str
    headers: dict[str, str]
    profile: str
    run_id: str
    member_ids: list[str]
    read_only: bool
    rules: list[str]
    apis: list[str]
    max_examples: int
    seed: int
    record_dir: str | None
    replay_dir: str | None
    embedded: bool
    results_path: str | None
    quick: bool = False
    shard: tuple[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return run_tag(self.run_id)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Wix API conformance suite")
    group.addoption("--conformance-base-url", help="host root of the implementation (default: embedded reference)")
    group.addoption("--conformance-header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="header sent with every request; VALUE may be env:VARIABLE")
    group.addoption("--conformance-profile", default="tolerant", choices=PROFILES)
    group.addoption("--conformance-run-id", help="tag for created entities (default: random)")
    group.addoption("--conformance-member-id", action="append", default=[], help="badge member id (repeatable)")
    group.addoption("--conformance-read-only", action="store_true", help="run only checks that do not write")
    group.addoption("--conformance-rule", action="append", default=[], help="select rules, e.g. TIER-2 or 'REWARD-*'")
    group.addoption("--conformance-api", action="append", default=[],
                    choices=["tiers", "rewards", "badges", "badges-v4", "assignments-v4"])
    group.addoption("--conformance-max-examples", type=int, default=25, help="schemathesis examples per operation")
    group.addoption("--conformance-quick", action="store_true",
                    help="fuzz without the coverage phase (every rule scenario still runs)")
    group.addoption("--conformance-seed", type=int, default=None, help="seed for data generation and fuzzing")
    group.addoption("--conformance-fault", action="append", default=[], help="fault of the embedded reference")
    group.addoption("--conformance-disposable", action="store_true",
                    help="the base URL is a throw-away reference started for this run (no live-site guards)")
    group.addoption("--conformance-record", metavar="DIR", help="record every exchange as vcrpy cassettes")
    group.addoption("--conformance-replay", metavar="DIR", help="answer from cassettes, network blocked")
    group.addoption("--conformance-results", metavar="FILE", help="write per-test results as JSON")
    group.addoption("--conformance-timeout", type=float, default=15.0, help="seconds to wait for each answer")
    group.addoption("--conformance-shard", metavar="K/N", type=parse_shard, default=None,
                    help="run the K-th of N deterministic slices of the selected tests")


def pytest_configure(config: pytest.Config) -> None:
    global SETTINGS
    config.addinivalue_line("markers", "rule(*ids): the API-FACTS rule ids a test checks")
    config.addinivalue_line("markers", "read_only: the test never writes to the target")
    config.addinivalue_line("markers", "sdk(method): the official SDK method whose wire shape a test sends")
    config.addinivalue_line("markers", "site_wide: the test changes site-wide state (kept in one --shard)")
    opt = config.option
    if not hasattr(opt, "conformance_profile") or not _asked_for(config):
        return
    from conformance.headers import parse_headers

    run_id = opt.conformance_run_id or secrets.token_hex(4)
    seed = opt.conformance_seed if opt.conformance_seed is not None else _seed_of(run_id)
    headers = parse_headers(opt.conformance_header)
    SETTINGS = RunSettings(
        base_url=(opt.conformance_base_url or "").rstrip("/"),
        headers=headers,
        profile=opt.conformance_profile,
        run_id=run_id,
        member_ids=list(opt.conformance_member_id),
        read_only=opt.conformance_read_only,
        rules=list(opt.conformance_rule),
        apis=list(opt.conformance_api),
        max_examples=opt.conformance_max_examples,
        seed=seed,
        record_dir=opt.conformance_record,
        replay_dir=opt.conformance_replay,
        embedded=not opt.conformance_base_url or opt.conformance_disposable,
        results_path=opt.conformance_results,
        quick=opt.conformance_quick,
        shard=opt.conformance_shard,
    )
    SETTINGS.extra["timeout"] = opt.conformance_timeout
    SETTINGS.extra["faults"] = list(opt.conformance_fault)
    config.stash[_settings_key] = SETTINGS
    config.stash[_results_key] = []
    config.pluginmanager.register(_ResultCollector(config), "conformance-results")


def _asked_for(config: pytest.Config) -> bool:
    """The plugin is installed for every pytest session on the machine, so it stays inert (no settings, no
    results, no server, no properties on reports) unless a `--conformance-*` option is given or the suite
    itself is on the command line."""
    from conformance.paths import SUITE_DIR

    if any(str(arg).startswith("--conformance-") for arg in config.invocation_params.args):
        return True
    for arg in config.args:
        if arg.split("::", 1)[0].startswith("conformance.suite"):
            return True
        try:
            if Path(arg.split("::", 1)[0]).resolve().is_relative_to(SUITE_DIR.resolve()):
                return True
        except (OSError, ValueError):
            continue
    return False


def _seed_of(run_id: str) -> int:
    """The default seed: the hex run id itself (as before), or a digest of a run id chosen by the user."""
    try:
        return int(run_id, 16) % 2**31
    except ValueError:
        return int(hashlib.sha256(run_id.encode()).hexdigest()[:8], 16) % 2**31


_settings_key = pytest.StashKey[RunSettings]()
_results_key = pytest.StashKey[list[dict[str, Any]]]()


def settings_of(config: pytest.Config) -> RunSettings:
    return config.stash[_settings_key]


# selection ----------------------------------------------------------------------------------------
def rule_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("rule"):
        ids.extend(mark.args)
    return tuple(dict.fromkeys(ids))


def item_api(item: pytest.Item) -> str | None:
    """The API a test belongs to, from its module or function name (`test_tiers.py`, `test_fuzz_badges`)."""
    name = f"{Path(str(item.fspath)).stem}::{item.name}"
    # Longest first, so `test_badges_v4` is badges-v4 and not badges; `-` is `_` in Python names.
    for api in ("badges-v4", "assignments-v4", "tiers", "rewards", "badges"):
        if api in name or api.replace("-", "_") in name:
            return api
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if _settings_key not in config.stash:
        return
    settings = settings_of(config)
    catalogue = rules.catalogue()
    for item in items:
        # schemathesis names each operation's item `test_fuzz_x[POST /tiers]` but leaves the node id at the
        # function; give each operation its own id so JUnit, -k and --lf see one test per operation.
        if "[" in item.name and "[" not in item.nodeid.rsplit("::", 1)[-1]:
            _rename(item, f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}")
    for item in items:
        for rule_id in rule_ids(item):
            if rule_id not in catalogue:
                raise pytest.UsageError(f"{item.nodeid}: unknown rule id {rule_id}")
    try:
        wanted = rules.expand(settings.rules) if settings.rules else None
    except KeyError as exc:
        raise pytest.UsageError(str(exc.args[0])) from None
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        ids = rule_ids(item)
        api = item_api(item)
        selected = True
        if wanted is not None and not (set(ids) & wanted):
            selected = False
        if settings.apis and api is not None and api not in settings.apis:
            # A rule test is kept when one of its rules belongs to a selected API (COMMON rules stay).
            selected = selected and any(catalogue[r].api in settings.apis for r in ids if r in catalogue)
        if settings.read_only and item.get_closest_marker("read_only") is None:
            selected = False
        if settings.shard and not in_shard(item, *settings.shard):
            selected = False
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise pytest.UsageError(f"--shard takes K/N (e.g. 2/4), not {text!r}") from None
    if not 1 <= k <= n:
        raise pytest.UsageError(f"--shard {text}: K must be within 1..N")
    return k, n


#: Fixtures that touch site-wide state (program settings, a site without settings, the badge display order).
SITE_WIDE_FIXTURES = frozenset({"program_settings", "fresh_site", "display_order"})


def in_shard(item: pytest.Item, k: int, n: int) -> bool:
    """Deterministic on every machine (a digest of the test id, not Python's salted hash). Every test that
    touches site-wide state lands in the same shard, so shards run on different machines against one live
    site never race on its settings."""
    site_wide = item.get_closest_marker("site_wide") is not None or bool(
        SITE_WIDE_FIXTURES & set(getattr(item, "fixturenames", ())))
    key = "site-wide" if site_wide else item.nodeid
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % n == k - 1


def _rename(item: pytest.Item, nodeid: str) -> None:
    try:  # pytest >= 9.1 keeps a structured id
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)  # type: ignore[attr-defined]
    except ImportError:
        item._nodeid = nodeid  # type: ignore[attr-defined]


# fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def conformance_settings(pytestconfig: pytest.Config) -> Iterator[RunSettings]:
    """The run's settings: target, profile, run id, budgets.

    With no base URL the embedded reference starts here, on first use, so a pytest session that merely has
    the plugin installed (it is auto-loaded) never starts a server.
    """
    settings = settings_of(pytestconfig)
    if not (settings.embedded and not settings.replay_dir and not settings.base_url):
        yield settings
        return
    from conformance.embedded import EmbeddedServer

    server = EmbeddedServer(faults=settings.extra.get("faults", ())).start()
    settings.base_url = server.base_url
    settings.headers.setdefault("Authorization", "conformance-local")
    try:
        yield settings
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _session_target(conformance_settings: RunSettings) -> Target:
    return Target(conformance_settings.base_url or "http://replay.invalid", dict(conformance_settings.headers),
                  timeout=conformance_settings.extra.get("timeout", 15.0))


@pytest.fixture
def target(_session_target: Target, request: pytest.FixtureRequest) -> Iterator[Target]:
    """The implementation under test; the exchanges of this test are kept for the report."""
    _session_target.log = []
    request.node.stash[_exchanges_key] = _session_target.log
    yield _session_target


@dataclass
class FreshSite:
    """A site for the rules observable only before program settings ever existed (TIER-15, TIER-17).

    `fresh` is True when the site is known never to have had settings (a new embedded reference started for
    this test), None on a live target, where the test can only tell from what the site answers."""

    target: Target
    fresh: bool | None


@pytest.fixture
def fresh_site(target: Target, conformance_settings: RunSettings) -> Iterator[FreshSite]:
    """Against the embedded reference: a new reference instance (same faults) for this test alone, so every
    fresh-site rule is checked in one full run. Against a live target or cassettes: the run's own target."""
    if conformance_settings.replay_dir or not conformance_settings.embedded:
        yield FreshSite(target, True if conformance_settings.replay_dir and conformance_settings.embedded else None)
        return
    from conformance.embedded import EmbeddedServer

    server = EmbeddedServer(faults=conformance_settings.extra.get("faults", ()),
                            deterministic=bool(conformance_settings.record_dir)).start()
    try:
        own = Target(server.base_url, dict(target.headers), timeout=target.timeout)
        own.log = target.log  # the test's exchanges stay in its report
        yield FreshSite(own, True)
    finally:
        server.stop()


@pytest.fixture
def expect(request: pytest.FixtureRequest, conformance_settings: RunSettings) -> Expect:
    """Assertions that quote the test's rules and apply the profile."""
    checker = Expect(rule_ids(request.node) or ("COMMON-1",), conformance_settings.profile)
    request.node.stash[_expect_key] = checker
    return checker


@pytest.fixture
def owned(target: Target) -> Iterator[Owned]:
    """Register every entity the test creates; they are deleted when the test ends, pass or fail."""
    tracker = Owned(target)
    yield tracker
    tracker.cleanup()


@pytest.fixture
def unique(request: pytest.FixtureRequest, conformance_settings: RunSettings) -> Unique:
    """Names and numbers that cannot collide with site data, other tests or other workers."""
    return Unique(conformance_settings, request.node.nodeid)


@pytest.fixture(autouse=True)
def _cassette(request: pytest.FixtureRequest) -> Iterator[None]:
    """Records or replays the test's exchanges; does nothing (and starts nothing) unless the run asked for it."""
    settings = request.config.stash.get(_settings_key, None)
    if settings is None or not (settings.record_dir or settings.replay_dir):
        yield
        return
    from conformance.recording import cassette_for

    with cassette_for(request.node.nodeid, request.getfixturevalue("conformance_settings")):
        yield


class Unique:
    """Deterministic per test (seeded by run id and test id) so a replay sends the same requests."""

    def __init__(self, settings: RunSettings, nodeid: str):
        from faker import Faker

        digest = hashlib.sha256(f"{settings.run_id}:{nodeid}".encode()).hexdigest()
        self.prefix = f"{settings.tag}{digest[:4]}"
        self.faker = Faker()
        self.faker.seed_instance(int(digest[:8], 16))
        self._counter = 0
        self._points_base = 1_000_000 + int(digest[8:14], 16) % 8_000_000

    def name(self, max_length: int = 50) -> str:
        self._counter += 1
        word = self.faker.word().capitalize()
        return f"{self.prefix}-{self._counter} {word}"[:max_length]

    def points(self) -> int:
        """requiredPoints in 1,000,000..9,099,999: far from small real-site values, distinct within a test."""
        self._counter += 1
        return self._points_base + self._counter * 7

    def guid(self) -> str:
        import uuid

        return str(uuid.UUID(int=self.faker.random.getrandbits(128), version=4))


_exchanges_key = pytest.StashKey[list[Exchange]]()
_expect_key = pytest.StashKey[Expect]()


# results ------------------------------------------------------------------------------------------
def operation_of(exchange: Exchange) -> tuple[str, str]:
    """`(method, templated path)`: the documented operation a request was aimed at, so traffic groups by
    operation whatever id (valid, unknown or malformed) it carried; undocumented paths keep GUIDs as {id}."""
    path = exchange.url.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    path = path.split("?", 1)[0]
    for pattern, template in _documented_paths():
        if pattern.fullmatch(path):
            return exchange.method, template
    return exchange.method, GUID_IN_PATH.sub("/{id}", path)


@functools.cache
def _documented_paths() -> list[tuple[re.Pattern[str], str]]:
    """Public path templates of the specs, literal ones first (`/tiers/program` before `/tiers/{tierId}`)."""
    from urllib.parse import urlparse

    import yaml

    from conformance.paths import APIS, spec_path

    templates = []
    for api in APIS:
        try:
            spec = yaml.safe_load(spec_path(api).read_text(encoding="utf-8"))
        except OSError:
            continue
        prefix = urlparse(spec["servers"][0]["url"]).path.rstrip("/")
        templates += [prefix + path for path in spec.get("paths", {})]
    templates.sort(key=lambda t: (t.count("{"), -len(t)))
    return [(re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t))), t) for t in templates]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    if _settings_key not in item.config.stash:
        return
    if call.when == "call" or (call.when == "setup" and (report.failed or report.skipped)):
        ids = rule_ids(item)
        report.user_properties.append(("conformance.rules", json.dumps(ids)))
        sdk_methods = [arg for mark in item.iter_markers("sdk") for arg in mark.args]
        if sdk_methods:
            report.user_properties.append(("conformance.sdk", json.dumps(sdk_methods)))
        checker = item.stash.get(_expect_key, None)
        if checker is not None and checker.warnings:
            report.user_properties.append(("conformance.warnings", json.dumps(checker.warnings)))
        report.user_properties.append(("conformance.checked", json.dumps(_checked_rules(item, checker, report))))
        if report.failed:
            report.user_properties.append(("conformance.violated", json.dumps(_violated_rules(ids, call))))
        exchanges = item.stash.get(_exchanges_key, [])
        traffic = [[*operation_of(e), e.status] for e in exchanges]
        traffic.extend(getattr(item, "conformance_traffic", []))
        report.user_properties.append(("conformance.traffic", json.dumps(traffic)))
        if report.failed and exchanges:
            report.user_properties.append(("conformance.exchange", json.dumps(exchanges[-1].to_dict())))
        if call.excinfo is not None and call.excinfo.errisinstance(TargetError):
            report.user_properties.append(("conformance.tool_error", str(call.excinfo.value)))
        # JUnit writes the properties of an item's last report (teardown), which pytest builds from the item's
        # own list: put the human-readable ones there so every testcase names its rules and warnings.
        item.user_properties.append(("rules", " ".join(ids)))
        unchecked = [r for r in ids if r not in _checked_rules(item, checker, report)]
        if unchecked:
            item.user_properties.append(("not_checked", " ".join(unchecked)))
        if checker is not None and checker.warnings:
            item.user_properties.append(("warnings", " | ".join(w["message"] for w in checker.warnings)))


def _checked_rules(item: pytest.Item, checker: Expect | None, report: pytest.TestReport) -> list[str]:
    """The rules a test really checked: those an assertion that can fail ran for (see `Expect.checked`).
    A test that judges without `Expect` (the fuzz tests: schemathesis checks) checks its rules when it ran."""
    if report.skipped:
        return []
    if checker is None:
        return list(rule_ids(item))
    return sorted(checker.checked)


def _violated_rules(ids: tuple[str, ...], call: pytest.CallInfo[None]) -> list[str]:
    """The rules a failure breaks: the ones its `RuleViolation` names; any other failure blames every rule."""
    if call.excinfo is not None and isinstance(call.excinfo.value, RuleViolation) and call.excinfo.value.rules:
        return list(call.excinfo.value.rules)
    return list(ids)


class _ResultCollector:
    """Collects one record per test on the controller (xdist forwards reports with their properties)."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.results: list[dict[str, Any]] = config.stash[_results_key]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.failed or report.skipped):
            return
        props: dict[str, Any] = dict(report.user_properties)
        warnings = json.loads(props.get("conformance.warnings", "[]"))
        verdict = "fail" if report.failed else ("skip" if report.skipped else ("warn" if warnings else "pass"))
        if "conformance.tool_error" in props:
            verdict = "error"
        message = ""
        if report.failed:
            message = _short_failure(report)
        context = getattr(report, "context", None)  # a schemathesis operation run as a pytest subtest
        nodeid = f"{report.nodeid}[{context.msg}]" if context is not None and context.msg else report.nodeid
        self.results.append({
            "nodeid": nodeid,
            "when": report.when,
            "rules": json.loads(props.get("conformance.rules", "[]")),
            "verdict": verdict,
            "duration": round(report.duration, 4),
            "warnings": warnings,
            "message": message,
            "exchange": json.loads(props["conformance.exchange"]) if "conformance.exchange" in props else None,
            "traffic": json.loads(props.get("conformance.traffic", "[]")),
            "tool_error": props.get("conformance.tool_error"),
            "sdk": json.loads(props.get("conformance.sdk", "[]")),
            "checked": json.loads(props.get("conformance.checked", "[]")),
            "violated": json.loads(props.get("conformance.violated", "[]")),
            "skip_reason": _skip_reason(report),
        })

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        settings = settings_of(self.config)
        if not settings.replay_dir and not settings.embedded and not settings.read_only:
            try:
                leftovers = sweep(Target(settings.base_url, dict(settings.headers)), settings.run_id)
            except (TargetError, NotImplementedError):
                leftovers = {}
            settings.extra["swept"] = leftovers
        if settings.results_path:
            Path(settings.results_path).parent.mkdir(parents=True, exist_ok=True)
            Path(settings.results_path).write_text(json.dumps({
                "run_id": settings.run_id, "profile": settings.profile, "base_url": settings.base_url,
                "seed": settings.seed, "results": self.results, "swept": settings.extra.get("swept", {}),
            }, indent=1))


def _skip_reason(report: pytest.TestReport) -> str | None:
    if not report.skipped:
        return None
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _short_failure(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(report.longrepr) if crash is None else crash.message
    props: dict[str, Any] = dict(report.user_properties)
    if "conformance.tool_error" in props:
        return str(props["conformance.tool_error"])
    return text if len(text) < 4000 else text[:4000] + "…"
