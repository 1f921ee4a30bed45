"""Mutation score of the suite, measured the way users run it: the whole `conformance run --quick` (every API,
fuzzing included, no rule selection) against the embedded reference with one fault variant switched on.

A bug counts as killed only when the run exits 1 and a failure's violation names the fault's rule. Exit 2, a
crash, or failures of unrelated rules only are reported as such, never as kills. MUST-level bugs must be killed
in the tolerant profile; SHOULD-level ones (and bugs in the preferred side of an AMB decision) warn there and
must be killed in strict. Correct alternative readings must pass both profiles (a failure is a false positive);
SDK-hostile readings must pass tolerant with a warning and fail strict.

Run: python benchmarks/mutation.py [-j JOBS] [--seed N] [--kind bug|correct|hostile] [--shard K/N] [NAME ...]
tests/test_mutation.py runs the same judgement per variant in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from conformance import rules
from conformance.reference import ALTERNATIVE, all_faults
from conformance.reference.faults import Fault


@dataclass
class RunOutcome:
    """One whole-suite run: its exit code, the rules its failures' violations name, the rules it warned by."""

    profile: str
    code: int
    failing: set[str]
    warned: set[str]
    seconds: float
    tail: str = ""
    warning_messages: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.code == 2:
            return f"exit 2 (tool error): {self.tail.strip().splitlines()[-1] if self.tail.strip() else '?'}"
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


def run_suite(fault: str | None, profile: str, seed: int) -> RunOutcome:
    """`conformance run --quick` in a scratch folder, as a user types it."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        command = [sys.executable, "-m", "conformance", "run", "--quick", "--profile", profile, "--seed", str(seed),
                   "--report-dir", "out"]
        if fault:
            command += ["--fault", fault]
        completed = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                                   env={**os.environ, "NO_COLOR": "1"}, timeout=600)
        seconds = time.monotonic() - started
        report = Path(folder, "out", "report.json")
        failing: set[str] = set()
        warnings: list[dict[str, str]] = []
        if report.is_file():
            data = json.loads(report.read_text())
            failing = {r["id"] for r in data["rules"] if r["verdict"] == "fail"}
            warnings = [w for t in data["tests"] for w in t.get("warnings", [])]
        return RunOutcome(profile, completed.returncode, failing, {w["rule"] for w in warnings}, seconds,
                          (completed.stdout + completed.stderr)[-3000:], [w["message"] for w in warnings])


def judge(fault: Fault, seed: int) -> Verdict:
    """Run the variant through the profiles its kind calls for and say whether the suite did its job."""
    tolerant = run_suite(fault.name, "tolerant", seed)
    if fault.kind == "correct":
        if tolerant.code != 0:
            return Verdict(fault, False, f"FALSE POSITIVE (tolerant): {tolerant.summary}", [tolerant])
        strict = run_suite(fault.name, "strict", seed)
        ok = strict.code == 0
        return Verdict(fault, ok, "passes both profiles" if ok else f"FALSE POSITIVE (strict): {strict.summary}",
                       [tolerant, strict])
    if fault.kind == "hostile":
        if tolerant.code != 0 or not tolerant.warned:
            return Verdict(fault, False, f"tolerant must pass with a warning: {tolerant.summary}", [tolerant])
        strict = run_suite(fault.name, "strict", seed)
        ok = strict.code == 1 and fault.rule in strict.failing
        return Verdict(fault, ok, "warns tolerant, fails strict" if ok else f"strict: {strict.summary}",
                       [tolerant, strict])
    if tolerant.code == 1 and fault.rule in tolerant.failing:
        return Verdict(fault, True, "killed (tolerant)", [tolerant])
    should = rules.get(fault.rule).level != "MUST"
    if tolerant.code == 0 and (should or fault.rule in tolerant.warned):
        strict = run_suite(fault.name, "strict", seed)
        if strict.code == 1 and fault.rule in strict.failing:
            if should:
                return Verdict(fault, True, "killed (strict; warned when tolerant)", [tolerant, strict])
            return Verdict(fault, False, "MUST-level bug only warned when tolerant (killed in strict)",
                           [tolerant, strict])
        return Verdict(fault, False, f"SURVIVED strict: {strict.summary}", [tolerant, strict])
    return Verdict(fault, False, f"SURVIVED tolerant: {tolerant.summary}", [tolerant])


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
    parser.add_argument("-j", "--jobs", type=int, default=2)
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
    clean = run_suite(None, "strict", seed)
    print(f"clean reference, strict: {clean.summary} in {clean.seconds:.1f} s", flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        combined = pool.submit(judge_combined, seed) if not args.names else None
        verdicts = list(pool.map(lambda f: judge(f, seed), faults))
    wall = time.monotonic() - started
    for verdict in sorted(verdicts, key=lambda v: (v.ok, v.fault.kind, v.fault.name)):
        seconds = sum(r.seconds for r in verdict.runs)
        print(f"{'ok ' if verdict.ok else 'BAD'} {verdict.fault.kind:<7} {verdict.fault.name:<44} "
              f"{verdict.fault.rule:<10} {verdict.how} ({seconds:.1f} s)")
    bugs = [v for v in verdicts if v.fault.kind == "bug"]
    must = [v for v in bugs if rules.get(v.fault.rule).level == "MUST"]
    should = [v for v in bugs if v not in must]
    print(f"MUST-level bugs killed in tolerant: {sum(v.ok for v in must)}/{len(must)}")
    print(f"SHOULD-level bugs killed in strict: {sum(v.ok for v in should)}/{len(should)}")
    for kind in ("correct", "hostile"):
        group = [v for v in verdicts if v.fault.kind == kind]
        if group:
            print(f"{kind} variants judged right: {sum(v.ok for v in group)}/{len(group)} "
                  f"(false positives: {sum(not v.ok for v in group)})")
    combined_ok = True
    if combined is not None:
        combined_ok, how, _ = combined.result()
        print(f"combined mode (--fault {ALTERNATIVE}): {'ok' if combined_ok else 'FALSE POSITIVE'}: {how}")
    print(f"clean reference strict: {'pass' if clean.code == 0 else 'FAIL'}; wall {wall:.0f} s "
          f"({wall / max(len(faults), 1):.1f} s per variant, seed {seed})")
    return 0 if clean.code == 0 and combined_ok and all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
