"""schemathesis over the specs: one fuzz test per API (each operation is its own test item) and one
stateful test per API. Failures are reported per operation; see conformance.fuzzing for what is judged."""

from conformance.fuzzing import fuzz_test, selected_apis, stateful_test

for _api in selected_apis():
    _name = _api.replace("-", "_")  # `badges-v4` -> test_fuzz_badges_v4
    globals()[f"test_fuzz_{_name}"] = fuzz_test(_api)
    globals()[f"test_stateful_{_name}"] = stateful_test(_api)
