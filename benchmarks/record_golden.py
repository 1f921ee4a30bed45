"""Re-record the golden cassettes (cassettes/reference/) from a --quick run against the embedded reference.

Run it after the suite changed (tests/test_recording.py says so when a test has no cassette):

    python benchmarks/record_golden.py            # writes cassettes/reference/
    python benchmarks/record_golden.py OUT_DIR    # somewhere else

The run id is fixed so names in the cassettes are stable between re-recordings and diffs stay small.
The reference is judged as-is: a test that fails against it is recorded failing, and replay must agree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
GOLDEN = PROJECT / "cassettes" / "reference"
RUN_ID = "5eed0001"


def record(folder: Path) -> int:
    if folder.exists():
        shutil.rmtree(folder)
    with tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", "conformance", "run", "--quick", "--run-id", RUN_ID,
                                "--record", str(folder), "--report-dir", reports], cwd=PROJECT)
        elapsed = time.monotonic() - started
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    files = sum(1 for _ in folder.rglob("*.yaml"))
    print(f"recorded {files} cassettes, {size / 1e6:.1f} MB, in {elapsed:.0f}s (run exit {code})")
    return 0 if code in (0, 1) else code


if __name__ == "__main__":
    raise SystemExit(record(Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN))
