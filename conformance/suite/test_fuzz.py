"""schemathesis over the specs: one fuzz test per API (each operation is its own test item) and one
stateful test per API. Failures are reported per operation; see conformance.fuzzing for what is judged.

The tests depend on the run's settings (seed, budget, selected APIs, live or embedded target), which exist
once pytest is configured, so this module declares them in `fuzz_tests` and the plugin collects what it
returns for the run (`conformance.plugin.selection.FuzzModule`)."""

from typing import Any

from conformance.fuzzing import fuzz_test, selected_apis, stateful_test
from conformance.plugin import RunSettings


def fuzz_tests(settings: RunSettings) -> dict[str, Any]:
    """The module's tests for this run, by name, in collection order."""
    tests: dict[str, Any] = {}
    for api in selected_apis(settings):
        name = api.replace("-", "_")  # `badges-v4` -> test_fuzz_badges_v4
        tests[f"test_fuzz_{name}"] = fuzz_test(api, settings)
        tests[f"test_stateful_{name}"] = stateful_test(api, settings)
    return tests
