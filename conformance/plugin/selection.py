"""Which suite tests run: rule ids from markers, `--api`, `--rule`, `--read-only`, `--shard`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from conformance import rules
from conformance.paths import APIS
from conformance.plugin.keys import settings_key, settings_of


def rule_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("rule"):
        ids.extend(mark.args)
    return tuple(dict.fromkeys(ids))


def item_api(item: pytest.Item) -> str | None:
    """The API a test belongs to, from its module or function name (`test_tiers.py`, `test_fuzz_badges`)."""
    name = f"{Path(str(item.fspath)).stem}::{item.name}"
    # Longest first, so `test_badges_v4` is badges-v4 and not badges; `-` is `_` in Python names.
    for api in sorted(APIS, key=len, reverse=True):
        if api in name or api.replace("-", "_") in name:
            return api
    return None


def item_apis(item: pytest.Item) -> set[str]:
    """Every API a test needs served: its own and those of its rules (an event test of v4 rules is a v4 test)."""
    catalogue = rules.catalogue()
    apis = {catalogue[rule_id].api for rule_id in rule_ids(item) if rule_id in catalogue} | {item_api(item)}
    return {api for api in apis if api in APIS}


FUZZ_MODULE = "test_fuzz.py"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if settings_key not in config.stash:
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
        if settings.apis and api not in settings.apis:
            # Kept when one of its rules belongs to a selected API; a test of no one API (test_common, the SDK
            # module) is kept for its COMMON rules only when it has no rule of an unselected API.
            apis_of_rules = {catalogue[r].api for r in ids if r in catalogue}
            selected = selected and (bool(apis_of_rules & set(settings.apis))
                                     or (api is None and apis_of_rules <= {"common"}))
        if settings.read_only and item.get_closest_marker("read_only") is None:
            selected = False
        if settings.shard and not in_shard(item, *settings.shard):
            selected = False
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    # The rule scenarios first, the fuzzing and stateful phases last: a broken rule is reported by the test
    # written for it before fuzzing spends its budget, and `-x` stops at the most precise failure.
    items.sort(key=lambda item: item.path.name == FUZZ_MODULE)


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


def fuzzing_selectable(rules_selected: list[str]) -> bool:
    """The fuzz tests judge the specs as a whole and carry no rule id, so a rule selection never keeps them."""
    return not rules_selected


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Do not even import the fuzz module (schemathesis, Hypothesis) when the selection cannot keep it."""
    settings = config.stash.get(settings_key, None)
    if settings is not None and collection_path.name == FUZZ_MODULE and not fuzzing_selectable(settings.rules):
        return True
    return None


class FuzzModule(pytest.Module):
    """The fuzz module: its tests are built for the run's settings (seed, budget, selected APIs, live or embedded
    target), so it defines none itself and names them in `fuzz_tests(settings)`; they are installed in it, then
    collected as if it defined them."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        settings = self.config.stash.get(settings_key, None)
        if settings is None:
            raise RuntimeError("the conformance plugin is not configured")
        module = self.obj
        for name in [name for name in vars(module) if name.startswith("test_")]:
            delattr(module, name)  # built for an earlier session in this process (`conformance rules`)
        for name, test in module.fuzz_tests(settings).items():
            setattr(module, name, test)
        return super().collect()


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """The suite's own fuzz module is collected with the run's settings; any other module as pytest does."""
    from conformance.paths import SUITE_DIR

    if module_path.name == FUZZ_MODULE and module_path.resolve().parent == SUITE_DIR.resolve():
        return FuzzModule.from_parent(parent, path=module_path)
    return None


def _rename(item: pytest.Item, nodeid: str) -> None:
    try:  # pytest >= 9.1 keeps a structured id
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    except ImportError:
        item._nodeid = nodeid  # type: ignore[attr-defined]
