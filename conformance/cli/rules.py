"""`conformance rules`: what the suite covers, rule by rule (the listing itself lives in conformance.catalogue)."""

from __future__ import annotations

import argparse
from typing import Any

from conformance.catalogue import FORMATS, show
from conformance.paths import APIS


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("rules", help="list every rule, its source, profile reading and tests")
    parser.add_argument("--api", action="append", default=[], choices=APIS,
                        help="only the rules of this API and the COMMON rules its tests check (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default) or json")
    parser.add_argument("--report", metavar="REPORT_DIR",
                        help="add each rule's verdict in that run (pass, fail, not checked and why, ...)")


def run(args: argparse.Namespace) -> int:
    show(args.api, args.format, args.report)
    return 0
