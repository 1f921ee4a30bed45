"""Ctrl-C always honoured: SIGINT or SIGTERM at any point of a live run stops it within seconds, cleans up
what it created, restores site settings, prints one line and exits 130; a second signal during clean-up
names what is left and the sweep command; `conformance cleanup` sweeps what a SIGKILLed run left.

The target is a separately started `conformance serve` (pre-filled like a vendor's staging site) behind a
small counting proxy, so a signal can be sent at a known point of the run (after N requests, while a
DELETE is held)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from proxy import Proxy, proxy_to
from test_live_safety import KEY, prefill, snapshot

from conformance.apis import badges, rewards, tiers
from conformance.target import Target

INTERRUPTED = 130
PROMPT = 15.0  # seconds from the last signal to the exit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def reference_server(tmp_path: Path) -> Iterator[str]:
    """`conformance serve` in its own process, as a user would start it."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "conformance", "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/loyalty-tiers/v1/tiers", headers={"Authorization": KEY}, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "conformance serve did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def start_run(url: str, run_id: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", "--base-url", url, "--header", f"Authorization: {KEY}",
         "--quick", "--run-id", run_id, "--report-dir", f"out-{run_id}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env={**os.environ, "NO_COLOR": "1"})


def wait_for(condition, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def tagged_left(url: str, run_id: str) -> list[str]:
    target = Target(url, {"Authorization": KEY})
    tag = f"cf{run_id}"
    return [*tiers.tagged(target, tag), *rewards.tagged(target, tag), *badges.tagged(target, tag)]


def finish(process: subprocess.Popen[str], signalled_at: float) -> tuple[str, str, float]:
    stdout, stderr = process.communicate(timeout=120)
    return stdout, stderr, time.monotonic() - signalled_at


def assert_one_line_interrupt(stdout: str, stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    output = stdout + stderr
    for banner in ("KeyboardInterrupt", "full-trace", "Traceback", "CONFORMANT"):
        assert banner not in output, output[-2000:]


#: (requests the target has seen when the signal is sent, signal): during start-up (0: a second after
#: the process started), right after the probe, early, mid-run and late in the run
POINTS = [(0, signal.SIGINT), (1, signal.SIGTERM), (60, signal.SIGINT), (250, signal.SIGTERM),
          (450, signal.SIGINT), (600, signal.SIGINT)]


def interrupt_at(state: Proxy, url: str, run_id: str, after_requests: int, sig: signal.Signals,
                 cwd: Path) -> tuple[int, str, str, float]:
    """Start a run, send `sig` once the target has seen `after_requests` more requests; (code, out, err, s)."""
    start = state.requests
    process = start_run(url, run_id, cwd)
    wait_for(lambda: state.requests - start >= after_requests or process.poll() is not None,
             f"{after_requests} requests")
    if not after_requests:
        time.sleep(1.0)
    assert process.poll() is None, "the run ended before the signal: move the point earlier"
    signalled = time.monotonic()
    process.send_signal(sig)
    stdout, stderr, took = finish(process, signalled)
    return process.returncode, stdout, stderr, took


def test_every_signal_at_every_point_is_honoured_and_leaves_nothing(tmp_path: Path) -> None:
    honoured = []
    with reference_server(tmp_path) as upstream:
        prefill(Target(upstream, {"Authorization": KEY}))
        before = snapshot(Target(upstream, {"Authorization": KEY}))
        state = Proxy(upstream)
        with proxy_to(state) as url:
            for number, (after_requests, sig) in enumerate(POINTS):
                run_id = f"sigpoint{number}"
                code, stdout, stderr, took = interrupt_at(state, url, run_id, after_requests, sig, tmp_path)
                assert code == INTERRUPTED, (after_requests, sig, stdout[-1500:], stderr)
                assert took < PROMPT, took
                assert_one_line_interrupt(stdout, stderr)
                # during start-up nothing was created and the run's handlers may not be in place yet
                assert stderr.startswith("conformance: interrupted" if not after_requests
                                         else "conformance: interrupted; cleaned up "), stderr
                assert tagged_left(upstream, run_id) == []
                honoured.append(run_id)
        assert snapshot(Target(upstream, {"Authorization": KEY})) == before  # settings restored, data intact
    assert len(honoured) == len(POINTS)


def test_a_second_signal_during_clean_up_names_what_is_left_and_how_to_sweep_it(tmp_path: Path) -> None:
    run_id = "sigtwice1"
    with reference_server(tmp_path) as upstream:
        prefill(Target(upstream, {"Authorization": KEY}))
        before = snapshot(Target(upstream, {"Authorization": KEY}))
        state = Proxy(upstream, tag=f"cf{run_id}")
        with proxy_to(state) as url:
            process = start_run(url, run_id, tmp_path)
            wait_for(lambda: state.tagged_creates >= 3 or process.poll() is not None, "three tagged creates")
            state.hold_deletes = 3.0  # clean-up is slow from now on
            process.send_signal(signal.SIGINT)
            wait_for(lambda: state.deletes_held >= 1 or process.poll() is not None, "clean-up to start")
            assert process.poll() is None
            signalled = time.monotonic()
            process.send_signal(signal.SIGINT)
            stdout, stderr, took = finish(process, signalled)
        assert process.returncode == INTERRUPTED, stderr
        assert took < PROMPT, took
        assert_one_line_interrupt(stdout, stderr)
        assert stderr.startswith("conformance: interrupted during clean-up;"), stderr
        command = stderr.split("remove the rest with: ", 1)[1].split(" (same --header)")[0]
        assert command == f"conformance cleanup --base-url {url} --run-id {run_id}"
        swept = subprocess.run([sys.executable, "-m", "conformance", "cleanup", "--base-url", upstream,
                                "--header", f"Authorization: {KEY}", "--run-id", run_id],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert swept.returncode == 0, swept.stdout + swept.stderr
        assert tagged_left(upstream, run_id) == []
        after = snapshot(Target(upstream, {"Authorization": KEY}))
        assert {k: v for k, v in after.items() if k != "settings"} == \
            {k: v for k, v in before.items() if k != "settings"}


def test_cleanup_sweeps_a_run_killed_with_sigkill_after_it_created_entities(tmp_path: Path) -> None:
    run_id = "sigkill01"
    with reference_server(tmp_path) as upstream:
        prefill(Target(upstream, {"Authorization": KEY}))
        state = Proxy(upstream, hold_deletes=30.0, tag=f"cf{run_id}")  # nothing it creates is deleted in time
        with proxy_to(state) as url:
            process = start_run(url, run_id, tmp_path)
            wait_for(lambda: state.tagged_creates >= 1 or process.poll() is not None, "a tagged create")
            process.kill()
            process.communicate(timeout=30)
        left = tagged_left(upstream, run_id)
        assert len(left) >= 1, "the killed run must have left entities for this test to mean anything"
        swept = subprocess.run([sys.executable, "-m", "conformance", "cleanup", "--base-url", upstream,
                                "--header", f"Authorization: {KEY}", "--run-id", run_id],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert swept.returncode == 0, swept.stdout + swept.stderr
        assert tagged_left(upstream, run_id) == []
        assert f"cf{run_id}" not in json.dumps(snapshot(Target(upstream, {"Authorization": KEY})))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_embedded_run_interrupted_exits_130_in_one_line(tmp_path: Path, sig: signal.Signals) -> None:
    process = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--quick", "--report-dir", "out"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               env={**os.environ, "NO_COLOR": "1"})
    wait_for(lambda: (tmp_path / "out").is_dir() or process.poll() is not None, "the run to start")
    time.sleep(1.0)
    signalled = time.monotonic()
    process.send_signal(sig)
    stdout, stderr, took = finish(process, signalled)
    assert process.returncode == INTERRUPTED, stderr
    assert took < PROMPT
    assert_one_line_interrupt(stdout, stderr)


def test_an_interrupted_replay_exits_130_in_one_line(tmp_path: Path) -> None:
    golden = Path(__file__).resolve().parent.parent / "cassettes" / "reference"
    process = subprocess.Popen([sys.executable, "-m", "conformance", "replay", str(golden), "--report-dir", "out"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               env={**os.environ, "NO_COLOR": "1"})
    wait_for(lambda: (tmp_path / "out").is_dir() or process.poll() is not None, "the replay to start")
    time.sleep(1.0)
    assert process.poll() is None
    signalled = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr, took = finish(process, signalled)
    assert process.returncode == INTERRUPTED, stderr
    assert took < PROMPT
    assert_one_line_interrupt(stdout, stderr)
    assert "replay differs" not in stdout


def test_an_error_raised_after_a_stop_was_asked_for_is_the_interruption(capsys) -> None:  # type: ignore[no-untyped-def]
    """Under load a library cut short by the signal may fail in its own way: the run still ends interrupted."""
    from conformance import interrupt

    def body() -> int:
        interrupt.STATE.signals += 1  # what the signal handler records
        raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'")

    assert interrupt.guarded(body, lambda: None) == INTERRUPTED
    assert "conformance: interrupted" in capsys.readouterr().err

    def failing() -> int:
        raise TypeError("a bug with no interruption")

    with pytest.raises(TypeError):
        interrupt.guarded(failing, lambda: None)
