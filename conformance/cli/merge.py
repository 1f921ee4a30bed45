"""`conformance merge DIR...`: one report set and one verdict from the report folders of `--shard K/N` runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("merge", help="combine the reports of sharded runs into one verdict")
    parser.add_argument("folders", metavar="REPORT_DIR", nargs="+", help="report folders of `run --shard K/N`")
    parser.add_argument("--report-dir", help="where the merged reports go (default: reports/<timestamp>-merged)")


def run(args: argparse.Namespace) -> int:
    from conformance.cli.run import default_report_dir
    from conformance.runner import merge

    return merge([Path(f) for f in args.folders], Path(args.report_dir or default_report_dir("merged")))
