"""The main job end to end: `conformance run` against the embedded reference and against a served one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def test_run_against_embedded_reference_is_conformant(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    result = cli("run", "--quick", "--report-dir", "out", env={"XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 0, result.output[-3000:]
    assert "CONFORMANT" in result.stdout
    for name in ("junit.xml", "report.json", "summary.md"):
        assert (tmp_path / "out" / name).is_file(), name
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["counts"].get("fail", 0) == 0
    assert report["counts"].get("pass", 0) > 50
    # Hypothesis's Unicode tables are kept per machine, not rebuilt in (and left behind by) every working folder
    assert not (tmp_path / ".hypothesis").exists()
    assert list((cache / "conformance" / "hypothesis" / "unicode_data").glob("*/charmap.json.gz"))


def test_run_against_conformance_serve(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "conformance", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(base_url, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "conformance serve did not start"
                time.sleep(0.1)
        result = cli("run", "--quick", "--api", "tiers", "--base-url", base_url,
                     "--header", "Authorization: test-key", "--report-dir", "out")
        assert result.returncode == 0, result.output[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_run_against_a_fault_variant_is_not_conformant(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--quick", "--api", "tiers", "--fault", "tier-duplicate-name", "--report-dir", "out")
    assert result.returncode == 1
    assert "TIER-2" in result.stdout


def test_python_dash_m_is_the_cli() -> None:
    completed = subprocess.run([sys.executable, "-m", "conformance", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0
    assert completed.stdout.startswith("conformance ")
