"""Entry point: dispatches to the subcommand modules and maps every failure to a one-line error.

Exit codes: 0 conformant / success, 1 non-conformant / problems found, 2 usage or tool error,
130 interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from conformance import __version__
from conformance.errors import EXIT_CONFORMANT, EXIT_ERROR, EXIT_INTERRUPTED, ConformanceError, UsageError

__all__ = ["main", "UsageError"]

COMMANDS = ("run", "serve", "replay", "merge", "diff", "scan", "lint", "rules", "cleanup")
EXIT_OK, EXIT_TOOL = EXIT_CONFORMANT, EXIT_ERROR


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="conformance", description="Conformance suite for Wix Badges v3, Loyalty Tiers v1 "
                     "and Loyalty Rewards v1.")
    parser.add_argument("--version", action="store_true", help="print the suite version and spec hashes")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"conformance.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"conformance.cli.{name}":
                continue
            raise
        module.add_parser(subparsers)
    return parser


def version_text() -> str:
    from conformance.paths import spec_hashes

    specs = ", ".join(f"{name} {digest}" for name, digest in spec_hashes().items()) or "no specs found"
    return f"conformance {__version__} (specs: {specs})"


def main(argv: Sequence[str] | None = None) -> int:
    try:  # the imports below take a moment: an interruption during them is one line too
        from conformance import runner  # noqa: F401
    except KeyboardInterrupt:
        print("conformance: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.version:
            print(version_text())
            return EXIT_OK
        if not args.command:
            parser.print_help()
            return EXIT_TOOL
        module = importlib.import_module(f"conformance.cli.{args.command}")
        return int(module.run(args))
    except ConformanceError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # before `run` installed its handlers, or another command
        print("conformance: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # never a traceback for the user; the message names the problem
        if os.environ.get("CONFORMANCE_DEBUG"):  # ...unless asked, to report a bug of the tool
            traceback.print_exc()
        print(f"conformance: error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_TOOL


if __name__ == "__main__":
    raise SystemExit(main())
