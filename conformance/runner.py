"""Orchestrates one run: target (embedded, live or cassettes) -> pytest with the plugin -> reports.

Shared by `conformance run` and `conformance replay`; the CLI modules only translate flags.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from conformance import __version__, interrupt, paths
from conformance.errors import (
    EXIT_CONFORMANT,
    EXIT_ERROR,
    EXIT_NOT_CONFORMANT,
    ToolError,
    UsageError,
)
from conformance.paths import APIS, PACKAGE_DIR, SUITE_DIR, spec_hashes
from conformance.probe import NOT_SERVED, ProbeError, probe
from conformance.settings import RunSettings
from conformance.target import Target

EXIT_OK, EXIT_FAIL, EXIT_TOOL = EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, EXIT_ERROR
LOCAL_KEY = "conformance-local"


def execute(run: RunSettings) -> int:
    """Run the suite and write reports; returns the exit code (0 conformant, 1 not, 2 tool error)."""
    check_specs(run.apis or list(APIS))
    claim_folder(run.report_dir, "--report-dir")
    if run.record_dir:
        claim_folder(Path(run.record_dir), "--record")
    started = time.monotonic()
    with ExitStack() as stack:
        embedded = run.base_url is None and run.replay_dir is None
        if embedded:
            from conformance.embedded import EmbeddedServer
            from conformance.webhooks import wanted_at

            try:
                receiver = _embedded_receiver(run)
                server = EmbeddedServer(faults=run.faults, deterministic=run.record_dir is not None,
                                        webhook_urls=[receiver], deliver_while=partial(wanted_at, receiver),
                                        webhook_private_key=_worker_reference_key(run, stack)).start()
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            stack.callback(server.stop, wait=False)  # the reports need nothing more from it
            _publish_key(run, server)
            run.base_url = server.base_url
            run.headers.setdefault("Authorization", LOCAL_KEY)
            run.disposable = True
        assert run.base_url is not None
        if run.replay_dir is None:
            try:  # issue 19: the probe has the run's retry budget and its own module
                run.not_served = probe(Target(run.base_url, dict(run.headers), timeout=min(run.timeout, 10),
                                              max_retries=run.retries, retry_budget=run.retry_budget),
                                       run.apis or list(APIS), named=bool(run.apis))
            except ProbeError as exc:
                raise ToolError(str(exc)) from None
        describe = "embedded reference" + (f" with fault {', '.join(run.faults)}" if run.faults else "")
        shown = f"cassettes {run.replay_dir}" if run.replay_dir else (describe if embedded else run.base_url)
        print(f"conformance {__version__}: target {shown} · "
              f"profile {run.profile} · run {run.run_id}", flush=True)
        for reason in dict.fromkeys(NOT_SERVED[api] for api in run.not_served or ()):
            print(f"not served: {reason}; its rules are reported not checked, not failed", flush=True)
        results_path = run.report_dir / "results.json"
        code = _pytest(run, results_path)
        interrupt.must_stop_run()  # issue 19: an interrupted run ends in one line (cli.run), not a report
    elapsed = time.monotonic() - started
    return finish(run, results_path, code, elapsed, embedded)


def claim_folder(folder: Path, flag: str) -> None:
    """A run owns its output folders: an existing non-empty one may hold another run's results, and reading
    them would give this run that run's verdict."""
    if folder.is_dir() and any(folder.iterdir()):
        raise ToolError(f"{folder} is not empty (another run's output?); pass a new {flag} or remove it")
    folder.mkdir(parents=True, exist_ok=True)


def cache_dir(run: RunSettings) -> Path:
    """`--lf` state per target (and fault set), so runs against other targets never read each other's."""
    import hashlib

    identity = f"{run.base_url if not run.disposable else 'embedded'}|{','.join(sorted(run.faults))}"
    return Path("reports").resolve() / ".cache" / hashlib.sha256(identity.encode()).hexdigest()[:12]


def _worker_reference_key(run: RunSettings, stack: ExitStack) -> bytes | None:
    """`-n` against the embedded reference: every xdist worker serves its own instance (the plugin's
    `_worker_reference`), as separate sites, all signing with this one key so the run's receiver verifies every
    event. This run's own instance then only answers the probe. A recording keeps one shared instance: its
    deterministic ids would repeat across instances."""
    if run.workers <= 1 or run.record_dir:
        return None
    import tempfile

    from conformance.reference.events import new_private_key, private_pem

    path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="conformance-reference-"))) / "key.pem"
    pem = private_pem(new_private_key())
    path.write_bytes(pem)
    path.chmod(0o600)
    run.worker_reference_key = str(path)
    return pem


def _embedded_receiver(run: RunSettings) -> str:
    """Where the embedded reference delivers its events: --webhooks-listen, or a loopback port bound for it now."""
    from conformance.webhooks import reserve_listen

    run.webhooks_listen = run.webhooks_listen or reserve_listen("127.0.0.1")
    return f"http://{run.webhooks_listen}/"


def _publish_key(run: RunSettings, server: Any) -> None:
    """The embedded reference signs with a fresh key; the receiver verifies with its public half."""
    if server.events is not None and not run.webhook_public_key:
        run.report_dir.mkdir(parents=True, exist_ok=True)
        path = run.report_dir / "webhook-public-key.pem"
        path.write_text(server.events.public_key, encoding="utf-8")
        run.webhook_public_key = str(path)


def check_specs(apis: list[str]) -> None:
    from conformance.paths import spec_path

    for api in apis:
        path = spec_path(api)
        if not path.is_file():
            raise ToolError(f"spec file for {api} not found: {path.name} (set CONFORMANCE_SPECS to the specs folder)")


def pytest_args(run: RunSettings, results_path: Path) -> list[str]:
    from conformance.plugin import fuzzing_selectable

    args = [
        str(SUITE_DIR),
        "-c", str(PACKAGE_DIR / "data" / "suite.ini"),
        "--rootdir", str(SUITE_DIR),
        "-o", f"cache_dir={cache_dir(run)}",
        # -qq: our closing line is the one that counts; the progress plugin says where the run is
        "-qq", "--no-header", "-rN", "--tb=no", "-p", "no:warnings", "-p", "conformance.reporting.progress",
        "--assert=plain",  # the suite judges through Expect; rewriting ~400 modules per run only costs time
        # pytest's unraisable-exception plugin forces full garbage collections at the end (0.1-0.3 s a run) to
        # warn about exceptions in __del__: a development aid for test authors, not a verdict about the target
        "-p", "no:unraisableexception",
        "--junitxml", str(run.report_dir / "junit.xml"),
        "-o", "junit_family=xunit1",  # keeps each testcase's properties (rule ids, warnings) in the XML
        *replace(run, results_path=results_path).plugin_args(),
    ]
    if run.keyword:
        args += ["-k", run.keyword]
    if run.exitfirst:
        args.append("-x")
    if run.last_failed:
        args.append("--lf")
    if not fuzzing_selectable(run.rules):  # nor load the fuzzers' own pytest plugins
        args += ["-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    if run.workers > 1:
        args += ["-n", str(run.workers)]
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):  # https://no-color.org
        args += ["--color=no"]
    return args + run.extra_pytest_args


def _pytest(run: RunSettings, results_path: Path) -> int:
    import pytest

    from conformance.interrupt_plugin import InterruptHooks

    # Hypothesis derives its Unicode tables (1.1 million code points looked at: 2-3 s of CPU, ~120 MiB) once per
    # home folder, by default `.hypothesis/` of the working directory, so every run from a fresh folder (a CI
    # checkout, each mutation run) paid again and left the folder behind. They depend only on the Python, so a
    # run keeps them in this machine's cache (xdist workers inherit the variable). Set here, not by the plugin:
    # inside a user's own pytest session their Hypothesis home (and example database) stays where it was.
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(paths.cache_dir() / "hypothesis"))
    return int(pytest.main(pytest_args(run, results_path), plugins=[InterruptHooks()]))


def finish(run: RunSettings, results_path: Path, code: int, elapsed: float, embedded: bool) -> int:
    from conformance.reporting import load_results, write_reports
    from conformance.reporting.console import print_summary

    if code in (3, 4):  # pytest internal or usage error
        raise ToolError("the suite could not start (see the message above)")
    if code == 5:
        raise ToolError("no test matches the selection (--rule/--api/-k)")
    if not results_path.is_file():
        raise ToolError("the run was interrupted before any result was collected")
    meta: dict[str, Any] = {
        "suite_version": __version__,
        "target": "embedded reference" if embedded else run.base_url,
        "faults": run.faults,
        "specs": spec_hashes(),
        "elapsed_s": round(elapsed, 2),
        "quick": run.quick,
        "max_examples": run.max_examples,
        "replayed_from": run.replay_dir,
        "record_dir": run.record_dir,
        "pytest_exit": code,
    }
    results = load_results(results_path, meta)
    written = write_reports(results, run.report_dir)
    (run.report_dir / "meta.json").write_text(json.dumps(meta, indent=1))
    incomplete = None
    if code == 2:  # interrupted: what ran was reported, the verdict is incomplete
        incomplete = "interrupted, or a suite module failed to load"
    elif code == 1 and not results.failures:  # pytest saw a failure no result records: never say CONFORMANT
        incomplete = "pytest reported a failure that no test result records; see the output above"
    print_summary(results, written, elapsed, incomplete=incomplete)
    if run.record_dir and not _after_recording(run, results_path, embedded, meta):
        return EXIT_TOOL
    if incomplete or results.tool_errors:
        return EXIT_TOOL
    return EXIT_FAIL if results.failures else EXIT_OK


def _after_recording(run: RunSettings, results_path: Path, embedded: bool, meta: dict[str, Any]) -> bool:
    """Write the cassette manifest, then scan cassettes and reports for the run's secrets (False = leak)."""
    from conformance.recording import write_manifest
    from conformance.scan import print_findings, scan_paths

    write_manifest(run.record_dir or ".", run=run, results=json.loads(results_path.read_text(encoding="utf-8")),
                   embedded=embedded, specs=meta["specs"], suite_version=__version__)
    findings = scan_paths([Path(run.record_dir or "."), run.report_dir], list(run.headers.values()))
    print_findings(findings)
    return not findings


def merge(folders: list[Path], report_dir: Path) -> int:
    """Combine the report folders of `--shard K/N` runs into one report set and one verdict (exit as a run)."""
    from conformance.reporting import RunResults, write_reports
    from conformance.reporting.console import print_summary

    claim_folder(report_dir, "--report-dir")
    tests: dict[str, dict[str, Any]] = {}
    metas: list[dict[str, Any]] = []
    for folder in folders:
        try:
            data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ToolError(f"{folder} is not the report folder of a finished run: {exc}") from None
        for result in data["results"]:
            if result["nodeid"] in tests:
                raise UsageError(f"{result['nodeid']} ran in two of the given runs: merge shards of one split")
            tests[result["nodeid"]] = result
        metas.append({**{k: v for k, v in data.items() if k != "results"}, **meta})
    for key in ("profile", "suite_version", "specs", "quick", "max_examples"):
        if len({json.dumps(m.get(key), sort_keys=True) for m in metas}) > 1:
            print(f"conformance: warning: the merged runs differ in {key}", file=sys.stderr)
    merged = {**metas[0], "merged_from": [str(f) for f in folders],
              "elapsed_s": round(sum(m.get("elapsed_s") or 0 for m in metas), 2)}
    results = RunResults(results=list(tests.values()), meta=merged)
    (report_dir / "results.json").write_text(json.dumps({**merged, "results": results.results}, indent=1))
    written = write_reports(results, report_dir)
    print_summary(results, written, merged["elapsed_s"])
    if results.tool_errors or any(m.get("pytest_exit") == 2 for m in metas):
        return EXIT_TOOL
    return EXIT_FAIL if results.failures else EXIT_OK
