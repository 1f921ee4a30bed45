"""A corrupted or truncated cassette set is a tool error: `conformance replay` exits 2 with one line naming
the file, never a rule verdict; the console names the cassettes, not a made-up target."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli
from test_robustness import assert_tool_error


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recorded")
    result = run_cli("run", "--rule", "TIER-2", "--record", "cassettes", "--report-dir", "out", cwd=folder,
                     timeout=300)
    assert result.returncode == 0, result.output[-2000:]
    return folder / "cassettes"


@pytest.fixture
def cassettes(recorded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cassettes"
    shutil.copytree(recorded, copy)
    return copy


def one_cassette(folder: Path) -> Path:
    return sorted(p for p in folder.rglob("*.yaml") if p.stat().st_size > 400)[0]


def assert_named_tool_error(result, path: Path) -> None:  # type: ignore[no-untyped-def]
    assert_tool_error(result, path.name)
    assert "FAIL" not in result.output and "CONFORMANT" not in result.output, result.output[-2000:]


def test_an_intact_set_replays_and_names_the_cassettes(cli, cassettes: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("replay", str(cassettes), "--report-dir", "replayed", timeout=300)
    assert result.returncode == 0, result.output[-2000:]
    assert f"target cassettes {cassettes}" in result.stdout


def test_a_cassette_cut_mid_line_is_a_tool_error_naming_it(cli, cassettes: Path) -> None:  # type: ignore[no-untyped-def]
    broken = one_cassette(cassettes)
    text = broken.read_text()
    broken.write_text(text[: len(text) // 2] + '\n  "unterminated: [')
    assert_named_tool_error(cli("replay", str(cassettes), "--report-dir", "replayed", timeout=120), broken)


def test_a_cassette_cut_at_a_line_boundary_is_a_tool_error_naming_it(cli, cassettes: Path) -> None:  # type: ignore[no-untyped-def]
    broken = one_cassette(cassettes)
    lines = broken.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.lstrip().startswith("response:"))
    broken.write_text("".join(lines[:cut]))  # valid YAML, but the interaction has no response
    assert_named_tool_error(cli("replay", str(cassettes), "--report-dir", "replayed", timeout=120), broken)


def test_a_truncated_manifest_names_the_file(cli, cassettes: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = cassettes / "manifest.json"
    manifest.write_text(manifest.read_text()[:100])
    assert_named_tool_error(cli("replay", str(cassettes), "--report-dir", "replayed", timeout=120), manifest)
