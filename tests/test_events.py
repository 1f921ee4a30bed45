"""The event checks catch every event fault of the reference by its rule, and pass the correct variants
(issue 14). Each variant runs `conformance.suite.test_events` in-process against a reference that delivers its
events to the plugin's receiver (as `conformance run` wires it); one fault also runs the whole `--quick`
suite through the CLI, as `benchmarks/mutation.py` does for every variant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from conformance import webhooks
from conformance.embedded import EmbeddedServer, free_port
from conformance.reference import events
from conformance.reference.faults import Fault

EVENT_MODULES = ("conformance.suite.test_events", "conformance.suite.test_events_v4")
BUG_WAIT = "2"  # seconds: a missing event fails after this; correct variants keep the default wait


def run_events(pytester: pytest.Pytester, fault: Fault | None, profile: str, wait: str | None = None) -> dict[str, Any]:
    """Run the event scenarios against a reference with `fault` on; returns exit code, failing and warned rules."""
    results = pytester.path / f"results-{profile}.json"
    listen = f"127.0.0.1:{free_port('127.0.0.1')}"
    server = EmbeddedServer(faults=[fault.name] if fault else [], webhook_urls=[f"http://{listen}/"]).start()
    assert server.events is not None
    key = pytester.path / "public.pem"
    key.write_text(server.events.public_key)
    try:
        args = ["--pyargs", *EVENT_MODULES, "-p", "no:cacheprovider", "-q", "--assert=plain",
                "--conformance-base-url", server.base_url, "--conformance-disposable",
                "--conformance-header", "Authorization: events-test", "--conformance-profile", profile,
                "--conformance-results", str(results), "--conformance-webhooks-listen", listen,
                "--conformance-webhook-public-key", str(key)]
        if wait:
            args += ["--conformance-webhook-wait", wait]
        outcome = pytester.runpytest_inprocess(*args)
    finally:
        server.stop()
    data = json.loads(results.read_text())["results"]
    return {"rc": int(outcome.ret), "failing": {r for res in data if res["verdict"] == "fail" for r in res["rules"]},
            "warned": {w["rule"] for res in data for w in res["warnings"]},
            "verdicts": {res["verdict"] for res in data}, "tail": outcome.stdout.str()[-2500:]}


BUGS = [f for f in events.FAULTS if f.kind == "bug"]


@pytest.mark.parametrize("fault", BUGS, ids=lambda f: f.name)
def test_event_fault_is_caught_by_its_rule(pytester: pytest.Pytester, fault: Fault) -> None:
    outcome = run_events(pytester, fault, "tolerant", BUG_WAIT)
    assert outcome["rc"] == 1, f"{fault.name} survived:\n{outcome['tail']}"
    assert fault.rule in outcome["failing"], f"{fault.name} caught by {outcome['failing']}, not {fault.rule}"


@pytest.mark.parametrize("fault", [f for f in events.FAULTS if f.kind == "hostile"], ids=lambda f: f.name)
def test_amb28_reading_warns_naming_the_sdk_when_tolerant_and_fails_when_strict(pytester: pytest.Pytester,
                                                                                fault: Fault) -> None:
    tolerant = run_events(pytester, fault, "tolerant")
    assert tolerant["rc"] == 0, tolerant["tail"]
    assert fault.rule in tolerant["warned"]
    strict = run_events(pytester, fault, "strict")
    assert strict["rc"] == 1 and fault.rule in strict["failing"], strict["tail"]


@pytest.mark.parametrize("fault", [f for f in events.FAULTS if f.kind == "correct"], ids=lambda f: f.name)
def test_legal_delivery_variants_pass(pytester: pytest.Pytester, fault: Fault) -> None:
    outcome = run_events(pytester, fault, "strict")
    assert outcome["rc"] == 0, f"false positive against {fault.name}:\n{outcome['tail']}"
    assert outcome["verdicts"] == {"pass"}


def test_clean_reference_passes_every_event_scenario_strict(pytester: pytest.Pytester) -> None:
    outcome = run_events(pytester, None, "strict")
    assert outcome["rc"] == 0 and outcome["verdicts"] == {"pass"} and not outcome["warned"], outcome["tail"]


def test_whole_quick_run_fails_by_the_fault_rule_and_names_what_arrived(tmp_path: Path) -> None:
    result = run_cli("run", "--quick", "--fault", "event-tier-update-missing", "--webhook-wait", BUG_WAIT,
                     "--report-dir", str(tmp_path / "report"), cwd=tmp_path)
    assert result.returncode == 1, result.output[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    failing = {r["id"] for r in report["rules"] if r["verdict"] == "fail"}
    assert failing == {"TIER-26"}, failing
    assert "tiers updated: expected 1 event(s)" in result.output and "arrived: wix.loyalty.v1.tier_" in result.output


def test_without_a_receiver_a_live_target_leaves_the_event_rules_unchecked(pytester: pytest.Pytester) -> None:
    server = EmbeddedServer().start()
    try:
        outcome = pytester.runpytest_inprocess(
            "--pyargs", *EVENT_MODULES, "-p", "no:cacheprovider", "-q", "-rs",
            "--conformance-base-url", server.base_url, "--conformance-header", "Authorization: events-test")
    finally:
        server.stop()
    assert outcome.ret == 0
    outcome.assert_outcomes(skipped=12)  # v3 and v4 (BADGE4-29, ASSIGN-16/17) event scenarios
    assert "--webhooks-listen" in outcome.stdout.str()


def test_events_about_other_entities_are_never_judged(pytester: pytest.Pytester) -> None:
    """A live site has other writers: events about foreign ids (even broken ones) do not count."""
    from conformance.webhooks import EventLog, Received, Recorded

    foreign = Received(0, "not-a-jwt aaaaaaaa-0000-4000-8000-000000000000")
    log = EventLog(Recorded([foreign]), public_key=None, wait_seconds=0)
    assert log.about("bbbbbbbb-0000-4000-8000-000000000000") == []
    assert len(log.about("aaaaaaaa-0000-4000-8000-000000000000")) == 1


def test_bad_webhook_options_are_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "junk.pem").write_text("not a key")
    for args in (["--webhooks-listen", "nowhere"], ["--webhook-public-key", str(tmp_path / "junk.pem")],
                 ["--webhook-public-key", str(tmp_path / "missing.pem")]):
        result = run_cli("run", *args, cwd=tmp_path, timeout=120)
        assert result.returncode == 2, result.output[-1000:]
        assert "Traceback" not in result.output and "webhook" in result.stderr


def test_the_receiver_wants_events_only_while_a_test_listens_here_or_in_an_xdist_worker(tmp_path: Path) -> None:
    """`conformance.plugin.events` opens `listening` around every test that reads events; a worker says so
    with a marker file beside the controller's journal, which is what the controller's receiver looks at."""
    journal = tmp_path / "deliveries.jsonl"
    receiver = webhooks.Receiver(journal=journal).start()
    try:
        assert not receiver.wanted() and not webhooks.wanted_at(receiver.url)
        with webhooks.listening(None):
            assert receiver.wanted() and webhooks.wanted_at(receiver.url)
        assert not receiver.wanted()
        with webhooks.listening(webhooks.Journal(journal)):  # as an xdist worker does
            assert receiver.wanted()
        assert not receiver.wanted() and not list(tmp_path.glob(f"{webhooks.LISTENING}*"))
    finally:
        receiver.stop()
    assert webhooks.wanted_at(receiver.url), "a URL no receiver of this process serves is always delivered to"
