"""Record -> replay reproduces verdicts: the committed golden set (offline) and a fault variant."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest
from conftest import run_cli

from conformance.recording import SafeYaml, Scrubber, read_manifest

PROJECT = Path(__file__).resolve().parent.parent
GOLDEN = PROJECT / "cassettes" / "reference"
RERECORD = "re-record with: python benchmarks/record_golden.py"
FAULT = "tier-duplicate-name"


@cache
def fault_recording() -> Path:
    """A small recording (TIER-2 only) against the reference with one fault on; shared with test_diff."""
    folder = Path(tempfile.mkdtemp(prefix="conformance-fault-"))
    atexit.register(shutil.rmtree, folder, True)
    result = run_cli("run", "--rule", "TIER-2", "--fault", FAULT, "--run-id", "5eed0001",
                     "--record", str(folder / "cassettes"), "--report-dir", str(folder / "report"), cwd=folder)
    assert result.returncode == 1, result.output[-3000:]
    return folder


@pytest.fixture(scope="module")
def golden_replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, str]:
    if not (GOLDEN / "manifest.json").is_file():
        pytest.fail(f"no golden cassettes in cassettes/reference; {RERECORD}")
    out = tmp_path_factory.mktemp("golden-replay")
    result = run_cli("replay", str(GOLDEN), "--report-dir", str(out / "report"), cwd=out)
    results = json.loads((out / "report" / "results.json").read_text()) if (out / "report" / "results.json").is_file() \
        else {"results": []}
    return read_manifest(GOLDEN), results, result.output


def test_golden_replay_reproduces_every_recorded_verdict(golden_replay: tuple[dict, dict, str]) -> None:
    manifest, results, output = golden_replay
    replayed = {r["nodeid"]: r["verdict"] for r in results["results"]}
    recorded = {k: v["verdict"] for k, v in manifest["verdicts"].items()}
    new_tests = sorted(set(replayed) - set(recorded))
    assert not new_tests, f"{len(new_tests)} test(s) have no golden cassette (e.g. {new_tests[0]}); {RERECORD}"
    gone = sorted(set(recorded) - set(replayed))
    assert not gone, f"{len(gone)} recorded test(s) no longer exist (e.g. {gone[0]}); {RERECORD}"
    differ = {n: (recorded[n], replayed[n]) for n in recorded if recorded[n] != replayed[n]}
    assert not differ, f"replayed verdicts differ from the recording: {list(differ.items())[:5]}; {RERECORD} " \
                       f"if the suite changed on purpose\n{output[-2000:]}"


def test_golden_cassettes_hold_no_secret_and_load_safely() -> None:
    for path in sorted(GOLDEN.rglob("*.yaml"))[:400]:
        text = path.read_text(encoding="utf-8")
        assert "!!python" not in text, path
        SafeYaml.deserialize(text)
        assert "conformance-local" not in text, f"{path}: the local key was not redacted"


def test_fault_variant_replay_reproduces_its_failing_verdicts(tmp_path: Path) -> None:
    recording = fault_recording()
    manifest = read_manifest(recording / "cassettes")
    assert manifest["faults"] == [FAULT] and manifest["run_id"] == "5eed0001"
    assert "fail" in {v["verdict"] for v in manifest["verdicts"].values()}
    result = run_cli("replay", str(recording / "cassettes"), "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.output[-3000:]
    assert "replay reproduced" in result.output
    replayed = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    assert {r["nodeid"]: r["verdict"] for r in replayed} == {k: v["verdict"] for k, v in manifest["verdicts"].items()}


def test_replay_never_reaches_the_network(tmp_path: Path) -> None:
    """The manifest points at a port nothing listens on; the replay answers from the cassettes anyway."""
    recording = fault_recording()
    copy = tmp_path / "cassettes"
    shutil.copytree(recording / "cassettes", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["base_url"] = "http://127.0.0.1:9"  # nothing listens there (discard port)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli("replay", str(copy), "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1 and "replay reproduced" in result.output, result.output[-2000:]


class _Request:
    def __init__(self, uri: str, body: bytes, headers: dict[str, str]):
        self.uri, self.body, self.headers = uri, body, headers


def test_scrubber_replaces_headers_query_params_and_body_fields() -> None:
    scrubber = Scrubber(["X-Custom"], ["s3cr3t-value-123"])
    request = scrubber.request(_Request(
        "http://h/x?token=abc&limit=2", b'{"password": "p", "nested": {"apiKey": "k"}, "note": "s3cr3t-value-123"}',
        {"Authorization": "Bearer x", "X-Custom": "v", "Content-Type": "application/json", "User-Agent": "u"}))
    assert request.headers == {"authorization": "[REDACTED]", "x-custom": "[REDACTED]",
                               "Content-Type": "application/json"}
    assert "abc" not in request.uri and "limit=2" in request.uri
    body = json.loads(request.body)
    assert body == {"password": "[REDACTED]", "nested": {"apiKey": "[REDACTED]"}, "note": "[REDACTED]"}
    response = scrubber.response({"headers": {"date": ["x"]}, "body": {"string": b'{"token": "t"}'},
                                  "status": {"code": 200}})
    assert response["headers"] == {} and json.loads(response["body"]["string"]) == {"token": "[REDACTED]"}


def test_a_recording_made_now_of_fuzzing_and_the_stateful_walk_replays_identically(tmp_path: Path) -> None:
    """The golden set was recorded by an earlier suite; this records with this one. A replay sends the recorded
    fuzz cases instead of generating them, so the stateful walk after them must not depend on what fuzzing
    generated (it did once, when both shared one schemathesis schema)."""
    selection = ["--quick", "--api", "tiers", "--api", "rewards", "-k", "test_fuzz or test_stateful", "--seed", "7"]
    recorded = run_cli("run", *selection, "--record", "cassettes", "--report-dir", "recorded", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.output[-3000:]
    replayed = run_cli("replay", "cassettes", "--report-dir", "replayed", cwd=tmp_path)
    assert replayed.returncode == 0 and "replay reproduced" in replayed.output, replayed.output[-3000:]
