"""Mutation score of the suite, measured the way users run it: the whole `conformance run --quick` (every API,
fuzzing included, no rule selection) against the embedded reference with one fault variant switched on.

A bug counts as killed only when the run exits 1 and a failure's violation names the fault's rule. Exit 2, a
crash, or failures of unrelated rules only are reported as such, never as kills. MUST-level bugs must be killed
in the tolerant profile, SHOULD-level ones (and bugs in the preferred side of an AMB decision) in strict.
Correct alternative readings must pass (a failure is a false positive); SDK-hostile readings must pass tolerant
with a warning and fail strict. `judge` says how few runs each verdict needs; `launch.py` how runs start.

Run: python benchmarks/mutation.py [-j JOBS] [--seed N] [--kind bug|correct|hostile] [--shard K/N] [NAME ...]
JOBS defaults to one more than the cores. tests/test_mutation.py runs the same judgement per variant in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from conformance import rules
from conformance.reference import ALTERNATIVE, all_faults
from conformance.reference.faults import Fault

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the fork server and its runs import `launch` and `stop_on_rule` from here
    sys.path.insert(0, str(HERE))

import launch  # noqa: E402


@dataclass
class RunOutcome:
    """One whole-suite run: its exit code, the rules its failures' violations name, the rules it warned by."""

    profile: str
    code: int
    failing: set[str]
    warned: set[str]
    seconds: float
    cpu: float
    tail: str = ""
    warning_messages: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.code == 2:
            lines = [line for line in self.tail.splitlines() if line.strip()]
            error = next((line for line in lines if "rror" in line), lines[-1] if lines else "?")
            return f"exit 2 (tool error): {error.strip()[:300]}"
        if self.code not in (0, 1):
            return f"exit {self.code} (crash)"
        failing = ",".join(sorted(self.failing, key=rules.sort_key)) or "none"
        return f"exit {self.code}, failing rules: {failing}"


@dataclass
class Verdict:
    fault: Fault
    ok: bool
    how: str
    runs: list[RunOutcome] = field(default_factory=list)


def run_suite(fault: str | None, profile: str, seed: int, stop_on: str | None = None) -> RunOutcome:
    """`conformance run --quick` in a scratch folder, as a user types it. With `stop_on`, the run ends as soon
    as a test fails that rule (see stop_on_rule.py): the kill is seen, the rest of the suite is not needed."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        command = ["run", "--quick", "--profile", profile, "--seed", str(seed),
                   "--report-dir", "out"]
        if fault:
            command += ["--fault", fault]
        env = {**os.environ, "NO_COLOR": "1"}
        if stop_on:
            env |= {"CONFORMANCE_STOP_ON_RULE": stop_on, "PYTEST_ADDOPTS": "-p stop_on_rule"}
        finished = launch.conformance(command, folder, env, timeout=600)
        seconds = time.monotonic() - started
        report = Path(folder, "out", "report.json")
        failing: set[str] = set()
        warnings: list[dict[str, str]] = []
        if report.is_file():
            data = json.loads(report.read_text())
            failing = {r["id"] for r in data["rules"] if r["verdict"] == "fail"}
            warnings = [w for t in data["tests"] for w in t.get("warnings", [])]
        return RunOutcome(profile, finished.code, failing, {w["rule"] for w in warnings}, seconds, finished.cpu,
                          _head_and_tail(finished.output), [w["message"] for w in warnings])


def _head_and_tail(output: str, size: int = 1500) -> str:
    """What a failed start printed first (the error) and how the run ended."""
    return output if len(output) <= 2 * size else f"{output[:size]}\n[...]\n{output[-size:]}"


def judge(fault: Fault, seed: int) -> Verdict:
    """Run the variant through the profile(s) its kind calls for and say whether the suite did its job.

    Each verdict rests on what a whole run showed, with as few runs as that takes:
    - a MUST-level bug: one tolerant run, ended at the first failure of its rule (the kill);
    - a SHOULD-level bug: one strict run, likewise (the target is "killed in strict");
    - a correct reading: one complete strict run that must pass. Strict only adds failures to tolerant (the
      profiles differ only in `Expect.prefer`, which warns where strict fails), so a strict pass is a tolerant
      pass too; the combined mode (`judge_combined`) still runs every correct reading in both profiles;
    - a partial implementation (one Badges version only): like a correct reading, and it must say "not served";
    - an SDK-hostile reading: a complete tolerant run that must pass with a warning, then a strict run ended at
      the first failure of its rule.
    """
    if fault.kind == "correct":
        strict = run_suite(fault.name, "strict", seed)
        ok = strict.code == 0
        return Verdict(fault, ok, "passes strict (so tolerant)" if ok else f"FALSE POSITIVE (strict): {strict.summary}",
                       [strict])
    if fault.kind == "partial":
        strict = run_suite(fault.name, "strict", seed)
        ok = strict.code == 0 and "not served:" in strict.tail
        return Verdict(fault, ok, "passes strict with a not-served notice" if ok
                       else f"FALSE POSITIVE or no notice (strict): {strict.summary}", [strict])
    if fault.kind == "hostile":
        tolerant = run_suite(fault.name, "tolerant", seed)
        if tolerant.code != 0 or not tolerant.warned:
            return Verdict(fault, False, f"tolerant must pass with a warning: {tolerant.summary}", [tolerant])
        strict = run_suite(fault.name, "strict", seed, stop_on=fault.rule)
        ok = strict.code == 1 and fault.rule in strict.failing
        return Verdict(fault, ok, "warns tolerant, fails strict" if ok else f"strict: {strict.summary}",
                       [tolerant, strict])
    profile = "tolerant" if rules.get(fault.rule).level == "MUST" else "strict"
    run = run_suite(fault.name, profile, seed, stop_on=fault.rule)
    if run.code == 1 and fault.rule in run.failing:
        return Verdict(fault, True, f"killed ({profile})", [run])
    if profile == "tolerant" and run.code == 0 and fault.rule in run.warned:
        return Verdict(fault, False, "MUST-level bug only warned when tolerant", [run])
    return Verdict(fault, False, f"SURVIVED {profile}: {run.summary}", [run])


def judge_combined(seed: int) -> tuple[bool, str, list[RunOutcome]]:
    """The combined mode (every correct reading at once) passes both profiles, and every warning of the tolerant
    run names the AMB entry whose tolerated reading it reports."""
    tolerant = run_suite(ALTERNATIVE, "tolerant", seed)
    unnamed = [m for m in tolerant.warning_messages if not re.search(r"AMB4?-\d+", m)]
    if tolerant.code != 0 or unnamed:
        return False, f"tolerant: {tolerant.summary}; warnings without an AMB entry: {unnamed[:3]}", [tolerant]
    strict = run_suite(ALTERNATIVE, "strict", seed)
    if strict.code != 0:
        return False, f"strict: {strict.summary}", [tolerant, strict]
    return True, f"passes both profiles ({len(tolerant.warning_messages)} warnings, each naming its AMB entry)", [
        tolerant, strict]


def shard_of(items: list[Fault], spec: str | None) -> list[Fault]:
    """`K/N`: the K-th of N deterministic slices (by name), so CI runners can split the campaign."""
    if not spec:
        return items
    k, n = (int(part) for part in spec.split("/"))
    if not 1 <= k <= n:
        raise SystemExit(f"--shard {spec}: K must be within 1..N")
    return [f for i, f in enumerate(sorted(items, key=lambda f: f.name)) if i % n == k - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # One run more than cores: a run idles about a quarter of its wall time (event waits, server start-up and
    # shutdown), so two runs on two cores left them idle (seed 11, 318 variants: -j 2 780 s, -j 3 684 s).
    parser.add_argument("-j", "--jobs", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--seed", type=int, default=None, help="default: random (printed)")
    parser.add_argument("--kind", choices=("bug", "correct", "hostile"), action="append")
    parser.add_argument("--shard", metavar="K/N")
    parser.add_argument("names", nargs="*", help="only these fault variants")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    faults = [f for f in all_faults().values() if (not args.kind or f.kind in args.kind)
              and (not args.names or f.name in args.names)]
    faults = shard_of(faults, args.shard)
    print(f"{len(faults)} variants, seed {seed}, {args.jobs} jobs", flush=True)
    started = time.monotonic()
    # Whole runs first, runs that stop at their kill last: the pool's last minutes are not one long run alone.
    faults.sort(key=lambda f: f.kind == "bug")
    with ThreadPoolExecutor(args.jobs) as pool:
        clean_run = pool.submit(run_suite, None, "strict", seed)
        combined = pool.submit(judge_combined, seed) if not args.names else None
        verdicts = list(pool.map(lambda f: judge(f, seed), faults))
    wall = time.monotonic() - started
    clean = clean_run.result()
    print(f"clean reference, strict: {clean.summary} in {clean.seconds:.1f} s", flush=True)
    for verdict in sorted(verdicts, key=lambda v: (v.ok, v.fault.kind, v.fault.name)):
        seconds = sum(r.seconds for r in verdict.runs)
        print(f"{'ok ' if verdict.ok else 'BAD'} {verdict.fault.kind:<7} {verdict.fault.name:<44} "
              f"{verdict.fault.rule:<10} {verdict.how} ({seconds:.1f} s, {sum(r.cpu for r in verdict.runs):.1f} s CPU)")
    bugs = [v for v in verdicts if v.fault.kind == "bug"]
    must = [v for v in bugs if rules.get(v.fault.rule).level == "MUST"]
    should = [v for v in bugs if v not in must]
    print(f"MUST-level bugs killed in tolerant: {sum(v.ok for v in must)}/{len(must)}")
    print(f"SHOULD-level bugs killed in strict: {sum(v.ok for v in should)}/{len(should)}")
    for kind in ("correct", "partial", "hostile"):
        group = [v for v in verdicts if v.fault.kind == kind]
        if group:
            print(f"{kind} variants judged right: {sum(v.ok for v in group)}/{len(group)} "
                  f"(false positives: {sum(not v.ok for v in group)})")
    combined_ok = True
    cpu = clean.cpu + sum(r.cpu for v in verdicts for r in v.runs)
    runs = 1 + sum(len(v.runs) for v in verdicts)
    if combined is not None:
        combined_ok, how, combined_runs = combined.result()
        cpu += sum(r.cpu for r in combined_runs)
        runs += len(combined_runs)
        print(f"combined mode (--fault {ALTERNATIVE}): {'ok' if combined_ok else 'FALSE POSITIVE'}: {how}")
    print(f"clean reference strict: {'pass' if clean.code == 0 else 'FAIL'}; wall {wall:.0f} s "
          f"({wall / max(len(faults), 1):.1f} s per variant, seed {seed})")
    cores = os.cpu_count() or 1
    print(f"{runs} whole-suite runs, {cpu:.0f} s CPU in all ({cpu / runs:.1f} s per run): {cpu / cores / 60:.1f} min "
          f"on {cores} cores with nothing else running (target <= 10 min; wall above includes other load)")
    return 0 if clean.code == 0 and combined_ok and all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
