"""`conformance cleanup`: delete what a crashed or killed run left on a live target.

Only entities whose name/title carries the run tag `cf<run-id>` are touched, so the sweep can never reach
data the suite did not create. Tier program settings and badge display order are restored by the tests
themselves; a sweep does not guess their earlier content.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

#: A run id long and plain enough that its tag cannot match ordinary names on a site.


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("cleanup", help="delete the entities a run left behind (by run id)")
    parser.add_argument("--base-url", help="host root of the implementation (or CONFORMANCE_BASE_URL)")
    parser.add_argument("--run-id", required=True, help="the run id printed by `conformance run`")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="sent with every request; write secrets as 'Authorization: env:VARIABLE'")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request (default 15)")
    parser.add_argument("--config", help="config file (default: conformance.toml or [tool.conformance])")


def run(args: argparse.Namespace) -> int:
    from conformance.config import ConfigError, load_config, resolve
    from conformance.errors import ToolError, UsageError
    from conformance.headers import HeaderError, parse_headers
    from conformance.live import check_run_id, kinds, run_tag, sweep
    from conformance.target import Target, TargetError

    check_run_id(args.run_id)
    try:
        options = resolve({"base_url": args.base_url}, load_config(args.config))
        header_lines = [f"{k}: {v}" for k, v in (options.get("headers") or {}).items()] + args.header
        headers = parse_headers(header_lines)
    except (ConfigError, HeaderError) as exc:
        raise UsageError(str(exc)) from None
    base_url = options.get("base_url")
    if not base_url:
        raise UsageError("cleanup needs --base-url (or CONFORMANCE_BASE_URL): there is nothing to sweep "
                         "on the embedded reference")
    target = Target(base_url, headers, timeout=args.timeout, max_retries=2)
    try:
        counts = sweep(target, args.run_id)
        left = {kind.name: kind.tagged(target, run_tag(args.run_id)) for kind in kinds().values()}
    except TargetError as exc:
        raise ToolError(str(exc)) from None
    detail = ", ".join(f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in counts.items())
    remaining = {kind: ids for kind, ids in left.items() if ids}
    print(f"cleanup {run_tag(args.run_id)} on {base_url}: found {detail}")
    if remaining:
        names = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in remaining.items())
        print(f"cleanup: could not delete {names}", file=sys.stderr)
        return 1
    return 0
