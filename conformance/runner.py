"""Orchestrates one run: target (embedded, live or cassettes) -> pytest with the plugin -> reports.

Shared by `conformance run` and `conformance replay`; the CLI modules only translate flags.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import __version__, interrupt
from conformance.paths import APIS, PACKAGE_DIR, SUITE_DIR, spec_hashes
from conformance.probe import ProbeError, probe
from conformance.target import Target
from conformance.transport import DEFAULT_RETRIES, DEFAULT_RETRY_BUDGET

EXIT_OK, EXIT_FAIL, EXIT_TOOL = 0, 1, 2
LOCAL_KEY = "conformance-local"


class ToolError(Exception):
    """The run could not judge the target (unreachable, not JSON, broken spec): exit 2."""


@dataclass
class Run:
    base_url: str | None
    headers: dict[str, str]
    profile: str
    apis: list[str]
    rules: list[str]
    keyword: str | None
    exitfirst: bool
    last_failed: bool
    workers: int
    max_examples: int
    seed: int | None
    quick: bool
    faults: list[str]
    record_dir: str | None
    replay_dir: str | None
    run_id: str
    member_ids: list[str]
    read_only: bool
    report_dir: Path
    extra_pytest_args: list[str] = field(default_factory=list)
    #: True when the target is the embedded reference this run started: site-wide operations may be fuzzed
    #: and nothing needs guarding, since the data dies with the run.
    disposable: bool = False
    timeout: float = 15.0
    retries: int = DEFAULT_RETRIES  # 429/503 retries per request, within retry_budget seconds of waiting
    retry_budget: float = DEFAULT_RETRY_BUDGET


def execute(run: Run) -> int:
    """Run the suite and write reports; returns the exit code (0 conformant, 1 not, 2 tool error)."""
    from conformance.cli.main import UsageError

    check_specs(run.apis or list(APIS))
    started = time.monotonic()
    with ExitStack() as stack:
        embedded = run.base_url is None and run.replay_dir is None
        if embedded:
            from conformance.embedded import EmbeddedServer

            try:
                server = EmbeddedServer(faults=run.faults, deterministic=run.record_dir is not None).start()
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            stack.callback(server.stop)
            run.base_url = server.base_url
            run.headers.setdefault("Authorization", LOCAL_KEY)
            run.disposable = True
        assert run.base_url is not None
        if run.replay_dir is None:
            try:  # issue 19: the probe has the run's retry budget and its own module
                probe(Target(run.base_url, dict(run.headers), timeout=min(run.timeout, 10),
                             max_retries=run.retries, retry_budget=run.retry_budget), run.apis or list(APIS))
            except ProbeError as exc:
                raise ToolError(str(exc)) from None
        describe = "embedded reference" + (f" with fault {', '.join(run.faults)}" if run.faults else "")
        shown = f"cassettes {run.replay_dir}" if run.replay_dir else (describe if embedded else run.base_url)
        print(f"conformance {__version__}: target {shown} · "
              f"profile {run.profile} · run {run.run_id}", flush=True)
        results_path = run.report_dir / "results.json"
        code = _pytest(run, results_path)
        interrupt.must_stop_run()  # issue 19: an interrupted run ends in one line (cli.run), not a report
    elapsed = time.monotonic() - started
    return finish(run, results_path, code, elapsed, embedded)


def check_specs(apis: list[str]) -> None:
    from conformance.paths import spec_path

    for api in apis:
        path = spec_path(api)
        if not path.is_file():
            raise ToolError(f"spec file for {api} not found: {path.name} (set CONFORMANCE_SPECS to the specs folder)")


def pytest_args(run: Run, results_path: Path) -> list[str]:
    args = [
        str(SUITE_DIR),
        "-c", str(PACKAGE_DIR / "data" / "suite.ini"),
        "--rootdir", str(SUITE_DIR),
        "-o", f"cache_dir={Path('reports').resolve() / '.cache'}",
        "-q", "--no-header", "-rN", "--tb=no", "-p", "no:warnings",
        "--assert=plain",  # the suite judges through Expect; rewriting ~400 modules per run only costs time
        "--junitxml", str(run.report_dir / "junit.xml"),
        "-o", "junit_family=xunit1",  # keeps each testcase's properties (rule ids, warnings) in the XML
        "--conformance-results", str(results_path),
        "--conformance-profile", run.profile,
        "--conformance-run-id", run.run_id,
        "--conformance-max-examples", str(run.max_examples),
        "--conformance-timeout", f"{run.timeout:g}",
        "--conformance-retries", str(run.retries), "--conformance-retry-budget", f"{run.retry_budget:g}",
    ]
    if run.base_url:
        args += ["--conformance-base-url", run.base_url]
    if run.disposable:
        args.append("--conformance-disposable")
    for name, value in run.headers.items():
        args += ["--conformance-header", f"{name}: {value}"]
    for option, values in (("--conformance-api", run.apis), ("--conformance-rule", run.rules),
                           ("--conformance-member-id", run.member_ids)):
        for value in values:
            args += [option, value]
    if run.seed is not None:
        args += ["--conformance-seed", str(run.seed)]
    if run.read_only:
        args.append("--conformance-read-only")
    if run.quick:
        args.append("--conformance-quick")
    if run.record_dir:
        args += ["--conformance-record", run.record_dir]
    if run.replay_dir:
        args += ["--conformance-replay", run.replay_dir]
    if run.keyword:
        args += ["-k", run.keyword]
    if run.exitfirst:
        args.append("-x")
    if run.last_failed:
        args.append("--lf")
    if run.workers > 1:
        args += ["-n", str(run.workers)]
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):  # https://no-color.org
        args += ["--color=no"]
    return args + run.extra_pytest_args


def _pytest(run: Run, results_path: Path) -> int:
    import pytest

    from conformance.interrupt_plugin import InterruptHooks

    run.report_dir.mkdir(parents=True, exist_ok=True)
    return int(pytest.main(pytest_args(run, results_path), plugins=[InterruptHooks()]))


def finish(run: Run, results_path: Path, code: int, elapsed: float, embedded: bool) -> int:
    from conformance.reporting import load_results, write_reports
    from conformance.reporting.console import print_summary

    if code in (3, 4):  # pytest internal or usage error
        raise ToolError("the suite could not start (see the message above)")
    if code == 5:
        raise ToolError("no test matches the selection (--rule/--api/-k); webhook rules have no HTTP tests")
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
        "pytest_exit": code,
    }
    results = load_results(results_path, meta)
    written = write_reports(results, run.report_dir)
    (run.report_dir / "meta.json").write_text(json.dumps(meta, indent=1))
    print_summary(results, written, elapsed, interrupted=code == 2)
    if run.record_dir and not _after_recording(run, results_path, embedded, meta):
        return EXIT_TOOL
    if code == 2:  # interrupted: what ran was reported, the verdict is incomplete
        return EXIT_TOOL
    if results.tool_errors:
        return EXIT_TOOL
    return EXIT_FAIL if results.failures else EXIT_OK


def _after_recording(run: Run, results_path: Path, embedded: bool, meta: dict[str, Any]) -> bool:
    """Write the cassette manifest, then scan cassettes and reports for the run's secrets (False = leak)."""
    from conformance.recording import write_manifest
    from conformance.scan import print_findings, scan_paths

    write_manifest(run.record_dir or ".", run=run, results=json.loads(results_path.read_text(encoding="utf-8")),
                   embedded=embedded, specs=meta["specs"], suite_version=__version__)
    findings = scan_paths([Path(run.record_dir or "."), run.report_dir], list(run.headers.values()))
    print_findings(findings)
    return not findings
