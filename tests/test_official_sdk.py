"""The official Wix JavaScript SDK talks to the reference server (issue 9, API-FACTS §1.9).

App developers call these APIs through `@wix/sdk` and the generated `@wix/auto_sdk_*` modules, so
the reference must serve exactly what that client sends. `tests/sdk/exercise.mjs` drives every
method the pinned modules export against a real reference server over HTTP; this test runs it and
fails on any method that breaks. It needs Node 20 and npm (CI has both): missing tools are a failure,
not a skip, so the check cannot silently vanish from CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.embedded import EmbeddedServer, free_port

SDK_DIR = Path(__file__).parent / "sdk"
LINE = re.compile(r"^(ok|fail|not-exercised)\s+(\w+\.\w+)\s+(.*)$")
NPM_TIMEOUT = 300
RUN_TIMEOUT = 180


@dataclass(frozen=True)
class SdkRun:
    returncode: int
    stdout: str
    stderr: str
    results: dict[str, tuple[str, str]]  # "module.method" -> (status, detail)

    def with_status(self, status: str) -> dict[str, str]:
        return {key: detail for key, (s, detail) in self.results.items() if s == status}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: the official-SDK check needs Node 20 and npm "
                    f"(install them; this test is not skipped so that CI cannot lose it)", pytrace=False)
    return path


def _install(npm: str) -> None:
    """`npm ci` only when node_modules is missing or older than the committed lockfile."""
    lockfile = SDK_DIR / "package-lock.json"
    installed = SDK_DIR / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lockfile.stat().st_mtime:
        return
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SDK_DIR,
                          capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
    if done.returncode != 0:
        pytest.fail(f"`npm ci` in tests/sdk failed (exit {done.returncode}); is the npm registry reachable?\n"
                    f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}", pytrace=False)


def _parse(stdout: str) -> dict[str, tuple[str, str]]:
    results = {}
    for line in stdout.splitlines():
        match = LINE.match(line)
        if match:
            results[match.group(2)] = (match.group(1), match.group(3))
    return results


def _run_against_reference(tmp_path: Path) -> SdkRun:
    node, npm = _tool("node"), _tool("npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0) if version else 0
    if major < 20:
        pytest.fail(f"Node {version or '?'} found; the official SDK check needs Node 20 or newer",
                    pytrace=False)
    _install(npm)
    port = free_port("127.0.0.1")  # exercise.mjs receives the reference's event webhooks here
    server = EmbeddedServer(webhook_urls=[f"http://127.0.0.1:{port}/"]).start()
    assert server.events is not None
    try:
        env = {**os.environ, "CONFORMANCE_BASE_URL": server.base_url,
               "CONFORMANCE_SDK_TRACE": str(tmp_path / "trace.jsonl"),
               "CONFORMANCE_WEBHOOK_PORT": str(port), "CONFORMANCE_WEBHOOK_PUBLIC_KEY": server.events.public_key}
        done = subprocess.run([node, "exercise.mjs"], cwd=SDK_DIR, env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, check=False)
    finally:
        server.stop()
    return SdkRun(done.returncode, done.stdout, done.stderr, _parse(done.stdout))


def test_every_official_sdk_method_is_served_by_the_reference(tmp_path: Path) -> None:
    """One test (not several sharing a fixture) so parallel workers never run `npm ci` at the same time.

    Every export counts, the event handlers too (issue 14): each must fire, through `webhooks.process` on an
    AppStrategy client, for the events the reference delivered. A method added by a newer SDK module fails
    here until exercise.mjs gets a scenario for it.
    """
    run = _run_against_reference(tmp_path)
    output = f"{run.stdout}\n{run.stderr}"
    assert run.results, f"exercise.mjs printed no results (exit {run.returncode}):\n{output}"
    problems = [f"- {key}: {detail}" for key, detail in sorted(run.with_status("fail").items())]
    skipped = run.with_status("not-exercised")
    problems += [f"- {key}: not exercised: {detail}" for key, detail in sorted(skipped.items())]
    assert not problems, "official SDK methods broken against the reference:\n" + "\n".join(problems)
    modules = {key.split(".")[0] for key in run.with_status("ok")}
    assert modules == {"tiers", "rewards", "badges", "badgesV4", "badgeAssignments"}, (
        f"modules with exercised methods: {sorted(modules)}")
    assert run.returncode == 0, f"exercise.mjs exited {run.returncode}:\n{output}"
