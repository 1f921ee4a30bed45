"""`conformance scan PATH...`: fail (exit 1) if a secret appears in cassettes, reports or logs.

The values to look for are given at scan time (they are never stored): `--header 'Authorization: env:VAR'`
like `run`, `--secret-env VAR`, and by default every environment variable whose name looks secret.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("scan", help="fail if a secret value appears in cassettes, reports or logs")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="a header the run was given; its value is searched for (VALUE may be env:VARIABLE)")
    parser.add_argument("--secret-env", action="append", default=[], metavar="VARIABLE",
                        help="search for the value of this environment variable")
    parser.add_argument("--no-env", action="store_true",
                        help="do not search for values of environment variables named like *TOKEN*, *SECRET*...")


def run(args: argparse.Namespace) -> int:
    from conformance.errors import UsageError
    from conformance.headers import HeaderError, parse_headers
    from conformance.scan import environment_secrets, files_under, print_findings, scan_paths

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    try:
        values = list(parse_headers(args.header).values())
    except HeaderError as exc:
        raise UsageError(str(exc)) from None
    for name in args.secret_env:
        if name not in os.environ:
            raise UsageError(f"--secret-env {name}: variable is not set")
        values.append(os.environ[name])
    if not args.no_env:
        values += environment_secrets()
    findings = scan_paths(paths, values)
    print_findings(findings)
    if findings:
        return 1
    print(f"scan: no secrets in {len(files_under(paths))} file(s)")
    return 0
