"""Shared helpers for the project's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600) -> CliResult:
    """Run `python -m conformance ARGS` in a subprocess, as a user would, with colour off."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", *args], capture_output=True, text=True, cwd=cwd, env=environment,
        timeout=timeout,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`cli("run", ...)` runs the command in a scratch working directory (reports land there)."""

    def call(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> CliResult:
        return run_cli(*args, cwd=tmp_path, env=env, timeout=timeout)

    return call
