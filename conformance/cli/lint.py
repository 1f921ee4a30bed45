"""`conformance lint [SPEC...]`: check spec files before the suite trusts them.

Exit codes: 0 all checks pass, 1 problems found, 2 a spec file is missing or unparsable.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conformance.paths import APIS, SPEC_FILES, spec_path


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint", help="validate specs: OpenAPI 3.1, schemathesis, examples, endpoint inventory, rule coverage",
        description="Validate spec files (default: the three specs of $CONFORMANCE_SPECS or the project's "
                    "specs/). Exit 0 when clean, 1 when problems are found, 2 when a file is missing or "
                    "unparsable.")
    parser.add_argument("specs", nargs="*", metavar="SPEC",
                        help=f"spec file paths or API names ({', '.join(APIS)}); default: all three")


def run(args: argparse.Namespace) -> int:
    from conformance.lint import lint

    paths = [_spec(name) for name in args.specs] or [spec_path(api) for api in APIS]
    report = lint(paths)
    for line in report.unreadable:
        print(f"error: {line}")
    for spec in report.specs:
        print(f"{spec.name}  (server prefix {spec.prefix or '?'})")
        print(f"  operations: {len(spec.operations)}  webhooks: {len(spec.webhooks)}  "
              f"examples: {spec.examples}  rule ids: {len(spec.rules)}")
        for operation in spec.operations:
            print(f"    {operation}")
    if report.specs and not report.unreadable:
        total = sum(len(s.operations) for s in report.specs)
        print(f"total: {total} operations, {sum(len(s.webhooks) for s in report.specs)} webhooks, "
              f"{sum(s.examples for s in report.specs)} examples validated, "
              f"{len(report.rules_covered)}/{len(report.rules_expected)} rules covered")
    if report.problems:
        print(f"{len(report.problems)} problem(s):")
        for problem in report.problems:
            print(f"  {problem}")
    elif not report.unreadable:
        print("ok")
    return report.exit_code


def _spec(name: str) -> Path:
    """An API name (`tiers`) means that API's spec file; anything else is a path."""
    if name in SPEC_FILES:
        return spec_path(name)
    return Path(name)
