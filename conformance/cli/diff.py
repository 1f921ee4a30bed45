"""`conformance diff OLD NEW`: behaviour changes between two runs, classified breaking vs benign.

Exit 1 when something breaking changed, 0 otherwise, 2 when an input is not a run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("diff", help="compare two runs (cassette sets, report folders or report.json)")
    parser.add_argument("old", metavar="OLD", help="cassette set, report folder or report.json")
    parser.add_argument("new", metavar="NEW", help="cassette set, report folder or report.json")
    parser.add_argument("--out", help="folder for diff.md and diff.html (default: reports/diff-<timestamp>, next to "
                        "the run reports, so nothing lands in the working tree)")


def run(args: argparse.Namespace) -> int:
    from conformance.errors import UsageError
    from conformance.reporting.diff import DiffInputError, compare, console_lines, diff_html, diff_markdown, load_run

    try:
        old, new = load_run(args.old), load_run(args.new)
    except DiffInputError as exc:
        raise UsageError(str(exc)) from None
    changes = compare(old, new)
    out = Path(args.out or default_out())
    out.mkdir(parents=True, exist_ok=True)
    (out / "diff.md").write_text(diff_markdown(old, new, changes), encoding="utf-8")
    (out / "diff.html").write_text(diff_html(old, new, changes), encoding="utf-8")
    for line in console_lines(old, new, changes):
        print(line)
    print(f"written to {out}/diff.md, {out}/diff.html")
    return 1 if any(c.breaking for c in changes) else 0


def default_out() -> str:
    from conformance.cli.run import default_report_dir

    reports = Path(default_report_dir())
    return str(reports.parent / f"diff-{reports.name}")
