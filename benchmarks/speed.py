"""Speed and memory of the main job, each against its target, measured in one session (issue 17).

    python benchmarks/speed.py [--repeat 3] [--skip-scale]

Every figure is the median wall time of whole `conformance` processes (start to exit) on this machine, so they are
what a user waits for. Targets: replay of a --quick recording <= 1/3 of the live --quick run; --quick <= 6 s;
full default run <= 20 s; one-rule selection <= 1.5 s; -n 2 >= x1.6 on the full run; peak RSS of --quick
<= 250 MiB and flat in the number of tests; run time flat in foreign data (5,000 pre-existing tiers, rewards and
badges) and linear in --max-examples. Not a timed unit test: it prints, it never fails CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIB = 1024 * 1024


def conformance(*args: str, cwd: str) -> tuple[float, int, float]:
    """(wall seconds, exit code, peak RSS MiB) of one `python -m conformance ARGS` process."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "conformance", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    return wall, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024 / MIB


def median(repeat: int, *args: str) -> tuple[float, int, float]:
    """Median wall time over `repeat` runs, each in a fresh folder (reports and cassettes never shared)."""
    walls, codes, peaks = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            wall, code, peak = conformance(*[a.replace("{tmp}", folder) for a in args], cwd=folder)
        walls.append(wall)
        codes.append(code)
        peaks.append(peak)
    return statistics.median(walls), max(codes), max(peaks)


def line(name: str, seconds: float, code: int, target: str, extra: str = "") -> None:
    print(f"{name:<44} {seconds:7.2f} s  exit {code}  {target}{'  ' + extra if extra else ''}", flush=True)


@contextmanager
def served(db: str) -> Iterator[str]:
    """`conformance serve --db DB` on a free loopback port, stopped afterwards."""
    import socket

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "conformance", "serve", "--port", str(port), "--db", db],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("conformance serve did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def prefill(base: str, count: int) -> None:
    """`count` foreign tiers, rewards and badges (not tagged with any run id), through the bulk endpoints."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = "benchmark"
    for start in range(0, count, 20):
        tiers = [{"tierDefinition": {"name": f"Foreign tier {i}"}, "requiredPoints": 10 + i}
                 for i in range(start, min(start + 20, count))]
        session.post(f"{base}/loyalty-tiers/v1/bulk/tiers/create", json={"tiers": tiers}, timeout=30)
    for start in range(0, count, 10):
        rewards = [{"name": f"Foreign reward {i}", "type": "COUPON_REWARD", "active": True,
                    "couponReward": {"freeShipping": {"configsByTier": [{"costInPoints": 10}]}}}
                   for i in range(start, min(start + 10, count))]
        session.post(f"{base}/loyalty-rewards/v1/bulk/rewards/create", json={"rewards": rewards}, timeout=30)
    for i in range(count):
        session.post(f"{base}/members/v3/badges", json={"badge": {"title": f"Foreign badge {i}"}}, timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-scale", action="store_true", help="skip the 5,000-entity and --max-examples runs")
    args = parser.parse_args()
    r = args.repeat
    print(f"median of {r} whole-process runs each; {os.cpu_count()} cores", flush=True)

    quick, code, quick_rss = median(r, "run", "--quick", "--seed", "7", "--report-dir", "out")
    line("conformance run --quick (embedded)", quick, code, "target <= 6 s", f"peak RSS {quick_rss:.0f} MiB "
         "(target <= 250 MiB)")
    with tempfile.TemporaryDirectory() as folder:
        conformance("run", "--quick", "--seed", "7", "--record", "cassettes", "--report-dir", "rec", cwd=folder)
        walls = [conformance("replay", "cassettes", "--report-dir", f"replay{i}", cwd=folder) for i in range(r)]
    replay = statistics.median(w for w, _, _ in walls)
    line("conformance replay of that recording", replay, max(c for _, c, _ in walls), "target <= 1/3 of live",
         f"ratio {replay / quick:.2f}")
    one_rule, code, one_rss = median(r, "run", "--rule", "TIER-2", "--quick", "--report-dir", "out")
    line("conformance run --rule TIER-2 --quick", one_rule, code, "target <= 1.5 s", f"peak RSS {one_rss:.0f} MiB")
    full, code, _ = median(r, "run", "--report-dir", "out")
    line("conformance run (full default)", full, code, "target <= 20 s")
    full_n2, code, _ = median(r, "run", "-n", "2", "--report-dir", "out")
    line("conformance run -n 2 (full default)", full_n2, code, "target >= x1.6", f"speed-up x{full / full_n2:.2f}")
    print(f"{'memory flat in the number of tests':<44} one rule {one_rss:.0f} MiB vs whole --quick "
          f"{quick_rss:.0f} MiB (ratio {quick_rss / one_rss:.2f})")
    if args.skip_scale:
        return 0
    for examples in (5, 10, 20):
        fuzz, code, _ = median(1, "run", "-k", "fuzz", "--max-examples", str(examples), "--seed", "7",
                               "--report-dir", "out")
        line(f"fuzzing only, --max-examples {examples}", fuzz, code, "target: linear in --max-examples")
    with tempfile.TemporaryDirectory() as folder:
        for count in (0, 5000):
            db = str(Path(folder) / f"site-{count}.db")
            with served(db) as base:
                started = time.monotonic()
                prefill(base, count)
                filled = time.monotonic() - started
                wall, code, _ = median(1, "run", "--quick", "--seed", "7", "--base-url", base,
                                       "--header", "Authorization: benchmark", "--report-dir", "out")
            line(f"live --quick against a site with {count} foreign entities/API", wall, code,
                 "target: flat in foreign data", f"prefill {filled:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
