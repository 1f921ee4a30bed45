"""`conformance replay CASSETTES`: re-run the suite answering from a recorded cassette set, network blocked.

The run id, seed, budget and base URL come from the set's manifest, so the suite generates the same
names and fuzz cases and sends the same requests. The verdicts are the recorded implementation's; if a
test's verdict differs from the one recorded (same profile), the replay says so and exits 2.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    from conformance.cli.run import add_selection_arguments

    parser = subparsers.add_parser("replay", help="re-run the suite from recorded cassettes (no server, no network)")
    parser.add_argument("cassettes", metavar="DIR", help="cassette set written by `conformance run --record DIR`")
    add_selection_arguments(parser)
    parser.add_argument("--report-dir", help="where reports go (default: reports/<timestamp>)")


def run(args: argparse.Namespace) -> int:
    from conformance import interrupt
    from conformance.cli.run import default_report_dir
    from conformance.errors import UsageError
    from conformance.recording import CassetteError, check_cassettes, read_manifest
    from conformance.runner import EXIT_TOOL, execute
    from conformance.settings import RunSettings

    folder = Path(args.cassettes)
    if not folder.is_dir():
        raise UsageError(f"{args.cassettes} is not a folder")
    try:
        manifest = read_manifest(folder)
        check_cassettes(folder)
    except (FileNotFoundError, ValueError, CassetteError) as exc:
        raise UsageError(str(exc)) from None
    profile = args.profile or manifest.get("profile") or "tolerant"
    report_dir = Path(args.report_dir or default_report_dir())
    recorded = RunSettings.from_manifest(manifest, str(folder))
    run_spec = replace(recorded, profile=profile, report_dir=report_dir, exitfirst=args.exitfirst,
                       last_failed=args.lf, workers=args.workers or 1, shard=args.shard,
                       apis=args.api or recorded.apis, rules=args.rule or recorded.rules,
                       keyword=args.keyword or recorded.keyword)
    code = interrupt.guarded(lambda: execute(run_spec), lambda: None)  # nothing to clean up: no server
    if code == interrupt.EXIT_INTERRUPTED or profile != manifest.get("profile"):
        return code
    differences = compare_verdicts(manifest, report_dir / "results.json")
    if differences:
        print(f"replay differs from the recording in {len(differences)} test(s):")
        for line in differences[:30]:
            print(f"  {line}")
        return EXIT_TOOL
    print(f"replay reproduced the {len(manifest.get('verdicts', {}))} recorded verdicts")
    return code


def compare_verdicts(manifest: dict[str, Any], results_path: Path) -> list[str]:
    """`nodeid: recorded X, replayed Y` for every test whose verdict changed or that did not run again."""
    if not results_path.is_file():
        return ["no results were written"]
    replayed = {r["nodeid"]: r["verdict"] for r in json.loads(results_path.read_text(encoding="utf-8"))["results"]}
    recorded = {nodeid: entry["verdict"] for nodeid, entry in manifest.get("verdicts", {}).items()}
    lines = []
    for nodeid in sorted(set(recorded) | set(replayed)):
        before, after = recorded.get(nodeid, "absent"), replayed.get(nodeid, "absent")
        if before != after:
            lines.append(f"{nodeid}: recorded {before}, replayed {after}")
    return lines
