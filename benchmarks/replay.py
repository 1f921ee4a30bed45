"""How long does replaying the golden cassettes take? (target: <= 10 s on the project machine)

    python benchmarks/replay.py [CASSETTE_DIR]

Prints the wall time of `conformance replay` (process start to exit) and the time pytest spent in
tests, plus the size of the set. Not a timed test: machines differ, CI should not flake on speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def main(folder: Path) -> int:
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    files = sum(1 for _ in folder.rglob("*.yaml"))
    with tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", "conformance", "replay", str(folder), "--report-dir", reports],
                               cwd=PROJECT, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - started
        results = json.loads((Path(reports) / "results.json").read_text())["results"]
        meta = json.loads((Path(reports) / "meta.json").read_text())
        sizes = {p.name: p.stat().st_size for p in Path(reports).iterdir() if p.is_file()}
    in_tests = sum(r["duration"] for r in results)
    print(f"cassettes: {files} files, {size / 1e6:.2f} MB")
    print(f"replay: {wall:.1f}s wall (runner {meta['elapsed_s']}s, in tests {in_tests:.1f}s), {len(results)} tests, "
          f"exit {code}")
    print("reports: " + ", ".join(f"{name} {kb / 1000:.0f} kB" for name, kb in sorted(sizes.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT / "cassettes" / "reference"))
