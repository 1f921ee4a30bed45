"""`conformance serve`: the reference implementation as a real HTTP server (for offline development)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="run the reference implementation as an HTTP server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--db", default=":memory:", help="SQLite file; data survives restarts (default: memory)")
    parser.add_argument("--fault", action="append", default=[], help="switch on one deliberate bug (see --list-faults)")
    parser.add_argument("--deterministic", action="store_true", help="ids and timestamps from a seed and a counter")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list-faults", action="store_true", help="print the fault variants and the rule each breaks")


def run(args: argparse.Namespace) -> int:
    from conformance.errors import UsageError
    from conformance.reference import ALTERNATIVE, all_faults, create_app

    faults = all_faults()
    if args.list_faults:
        width = max(len(name) for name in faults)
        print(f"{ALTERNATIVE:<{width}}  {'-':<10} every [correct] variant below at once (the combined mode)")
        for fault in faults.values():
            kind = "" if fault.kind == "bug" else f" [{fault.kind}]"
            print(f"{fault.name:<{width}}  {fault.rule:<10} {fault.description}{kind}")
        return 0
    unknown = [name for name in args.fault if name not in faults and name != ALTERNATIVE]
    if unknown:
        raise UsageError(f"unknown fault {unknown[0]!r}; see `conformance serve --list-faults`")
    import uvicorn

    from conformance.embedded import MAX_REQUEST_HEAD

    app = create_app(db=args.db, faults=args.fault, deterministic=args.deterministic, seed=args.seed)
    print(f"reference server on http://{args.host}:{args.port} (db {args.db}"
          f"{', fault ' + ', '.join(args.fault) if args.fault else ''}); Ctrl-C stops it", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="off",
                    h11_max_incomplete_event_size=MAX_REQUEST_HEAD)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0
