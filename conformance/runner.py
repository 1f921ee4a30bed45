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

from conformance import __version__
from conformance.errors import (
    EXIT_CONFORMANT,
    EXIT_ERROR,
    EXIT_NOT_CONFORMANT,
    TargetError,
    ToolError,
    UsageError,
)
from conformance.paths import APIS, PACKAGE_DIR, SUITE_DIR, spec_hashes
from conformance.target import Target

EXIT_OK, EXIT_FAIL, EXIT_TOOL = EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, EXIT_ERROR
PROBES = {
    "tiers": "/loyalty-tiers/v1/tiers",
    "rewards": "/loyalty-rewards/v1/rewards",
    "badges": "/members/v3/badges",
}
LOCAL_KEY = "conformance-local"


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
    shard: str | None = None


def execute(run: Run) -> int:
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
            probe_target = Target(run.base_url, dict(run.headers), timeout=min(run.timeout, 10),
                                  max_retries=1)
            probe(probe_target, run.apis or list(APIS))
        describe = "embedded reference" + (f" with fault {', '.join(run.faults)}" if run.faults else "")
        print(f"conformance {__version__}: target {run.base_url if not embedded else describe} · "
              f"profile {run.profile} · run {run.run_id}", flush=True)
        results_path = run.report_dir / "results.json"
        code = _pytest(run, results_path)
    elapsed = time.monotonic() - started
    return finish(run, results_path, code, elapsed, embedded)


def claim_folder(folder: Path, flag: str) -> None:
    """A run owns its output folders: an existing non-empty one may hold another run's results, and reading
    them would give this run that run's verdict."""
    if folder.is_dir() and any(folder.iterdir()):
        raise ToolError(f"{folder} is not empty (another run's output?); pass a new {flag} or remove it")
    folder.mkdir(parents=True, exist_ok=True)


def cache_dir(run: Run) -> Path:
    """`--lf` state per target (and fault set), so runs against other targets never read each other's."""
    import hashlib

    identity = f"{run.base_url if not run.disposable else 'embedded'}|{','.join(sorted(run.faults))}"
    return Path("reports").resolve() / ".cache" / hashlib.sha256(identity.encode()).hexdigest()[:12]


def check_specs(apis: list[str]) -> None:
    from conformance.paths import spec_path

    for api in apis:
        path = spec_path(api)
        if not path.is_file():
            raise ToolError(f"spec file for {api} not found: {path.name} (set CONFORMANCE_SPECS to the specs folder)")


def probe(target: Target, apis: list[str]) -> None:
    """One read per API before anything else, so an unusable target is a one-line exit 2, not 200 failures."""
    for api in apis:
        if api not in PROBES:  # v4 (issue 18): no GET collection; the suite's own probe reports "not served"
            continue
        try:
            exchange = target.get(PROBES[api])
        except TargetError as exc:
            raise ToolError(str(exc)) from None
        where = f"GET {PROBES[api]}"
        if exchange.status in (401, 403):
            raise ToolError(f"{where} answered {exchange.status}: the target refused the credentials "
                            "(pass --header 'Authorization: env:VARIABLE')")
        if exchange.status >= 500 or exchange.status == 429:
            raise ToolError(f"{where} answered {exchange.status} even after retries: the target is not healthy")
        if not exchange.is_json:
            kind = "HTML" if "<html" in exchange.response_text[:500].lower() else "a non-JSON body"
            raise ToolError(f"{where} answered {exchange.status} with {kind}: is --base-url the API host root?")


def pytest_args(run: Run, results_path: Path) -> list[str]:
    args = [
        str(SUITE_DIR),
        "-c", str(PACKAGE_DIR / "data" / "suite.ini"),
        "--rootdir", str(SUITE_DIR),
        "-o", f"cache_dir={cache_dir(run)}",
        "-q", "--no-header", "-rN", "--tb=no", "-p", "no:warnings",
        "--assert=plain",  # the suite judges through Expect; rewriting ~400 modules per run only costs time
        "--junitxml", str(run.report_dir / "junit.xml"),
        "-o", "junit_family=xunit1",  # keeps each testcase's properties (rule ids, warnings) in the XML
        "--conformance-results", str(results_path),
        "--conformance-profile", run.profile,
        "--conformance-run-id", run.run_id,
        "--conformance-max-examples", str(run.max_examples),
        "--conformance-timeout", f"{run.timeout:g}",
    ]
    if run.base_url:
        args += ["--conformance-base-url", run.base_url]
    if run.disposable:
        args.append("--conformance-disposable")
    for name, value in run.headers.items():
        args += ["--conformance-header", f"{name}: {value}"]
    for option, values in (("--conformance-api", run.apis), ("--conformance-rule", run.rules),
                           ("--conformance-member-id", run.member_ids), ("--conformance-fault", run.faults)):
        for value in values:
            args += [option, value]
    if run.seed is not None:
        args += ["--conformance-seed", str(run.seed)]
    if run.read_only:
        args.append("--conformance-read-only")
    if run.quick:
        args.append("--conformance-quick")
    if run.shard:
        args += ["--conformance-shard", run.shard]
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

    return int(pytest.main(pytest_args(run, results_path)))


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
