"""The package stays typed and lint-clean: CI runs only the README's test command, so these run there too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if not found.exists():
        pytest.fail(f"{name} is missing: pip install -e '.[dev]'", pytrace=False)
    return str(found)


def test_ruff_finds_nothing() -> None:
    completed = subprocess.run([tool("ruff"), "check", "conformance", "tests", "benchmarks"], cwd=PROJECT,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-4000:]


def test_mypy_passes_with_the_projects_strict_settings() -> None:
    completed = subprocess.run([tool("mypy"), "conformance"], cwd=PROJECT, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stdout[-4000:]
