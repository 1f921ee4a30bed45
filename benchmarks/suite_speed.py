"""Wall time of the main job: full default run, --quick run, and the xdist speed-up at -n 2.

Run: python benchmarks/suite_speed.py   (prints seconds and ratios; targets: full <= 60 s, quick <= 20 s)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time


def timed(*args: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        completed = subprocess.run([sys.executable, "-m", "conformance", "run", *args, "--report-dir", "out"],
                                   cwd=folder, capture_output=True, text=True)
        return time.monotonic() - started, completed.returncode


def main() -> None:
    full, rc_full = timed()
    quick, rc_quick = timed("--quick")
    quick_n2, rc_n2 = timed("--quick", "-n", "2")
    full_n2, rc_full_n2 = timed("-n", "2")
    print(f"full default run      {full:6.1f} s  (exit {rc_full}; target <= 60 s)")
    print(f"full default run -n 2 {full_n2:6.1f} s  (exit {rc_full_n2}; speed-up x{full / full_n2:.2f})")
    print(f"--quick run           {quick:6.1f} s  (exit {rc_quick}; target <= 20 s)")
    print(f"--quick run -n 2      {quick_n2:6.1f} s  (exit {rc_n2}; speed-up x{quick / quick_n2:.2f})")


if __name__ == "__main__":
    main()
