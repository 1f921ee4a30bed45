"""The secret scanner: a run given a fake token leaks nothing; a planted leak is found."""

from __future__ import annotations

from pathlib import Path

from conformance.scan import scan_paths

FAKE_TOKEN = "fake-token-0123456789abcdef-XYZ"


def test_recording_with_a_fake_token_leaks_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {"FAKE_TOKEN": FAKE_TOKEN}
    result = cli("run", "--rule", "TIER-2", "--header", "Authorization: env:FAKE_TOKEN", "--record", "cassettes",
                 "--report-dir", "out", env=env)
    assert result.returncode == 0, result.output[-3000:]
    assert "SECRET LEAK" not in result.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert FAKE_TOKEN not in path.read_text(encoding="utf-8", errors="replace"), path
    scan = cli("scan", "cassettes", "out", "--header", "Authorization: env:FAKE_TOKEN", env=env)
    assert scan.returncode == 0, scan.output


def test_planted_leak_is_found(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "run.log").write_text(f"ok\nsent Authorization: {FAKE_TOKEN}\n")
    result = cli("scan", "logs", "--secret-env", "FAKE_TOKEN", env={"FAKE_TOKEN": FAKE_TOKEN})
    assert result.returncode == 1
    assert "run.log:2" in result.output and FAKE_TOKEN not in result.output


def test_generic_credential_shapes_are_found(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("authorization: Bearer abcdefghijklmnopqrstuvwxyz0123\n"
                                     "key: IST.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2ln\n"
                                     "authorization: '[REDACTED]'\n")
    kinds = sorted(f.kind for f in scan_paths([tmp_path]))
    assert kinds == ["JWT / Wix API key", "bearer token"]


def test_bad_input_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("scan", "no-such-folder").returncode == 2
