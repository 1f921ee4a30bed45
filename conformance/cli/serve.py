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
    parser.add_argument("--webhook-url", action="append", default=[], metavar="URL",
                        help="deliver every event (signed JWT, as the platform does) to URL (repeatable)")
    parser.add_argument("--webhook-private-key", metavar="PEM",
                        help="RSA private key file that signs the events (default: a fresh key per start)")
    parser.add_argument("--webhook-public-key-out", metavar="PATH",
                        help="write the public key (SPKI PEM, for AppStrategy({publicKey})) to PATH")


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

    events = _emitter(args)
    app = create_app(db=args.db, faults=args.fault, deterministic=args.deterministic, seed=args.seed, events=events)
    print(f"reference server on http://{args.host}:{args.port} (db {args.db}"
          f"{', fault ' + ', '.join(args.fault) if args.fault else ''}); Ctrl-C stops it", flush=True)
    if events is not None:
        print(f"events go to {len(events.urls)} webhook URL(s), signed with this public key:\n"
              f"{events.public_key}", end="", flush=True)
        events.start()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="off",
                    h11_max_incomplete_event_size=MAX_REQUEST_HEAD)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def _configured_urls() -> list[str]:
    """`webhook_urls` of conformance.toml / [tool.conformance], when no --webhook-url is given."""
    from conformance.cli.main import UsageError
    from conformance.config import ConfigError, load_file

    try:
        urls = load_file()[0].get("webhook_urls", [])
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if not all(isinstance(url, str) for url in urls):
        raise UsageError("webhook_urls in the config file must be a list of URLs")
    return list(urls)


def _emitter(args: argparse.Namespace) -> Any:
    """The event producer for `--webhook-url`, its key loaded or made, the public key written out."""
    from pathlib import Path

    from conformance.cli.main import UsageError
    from conformance.reference.events import Emitter, load_private_key, new_private_key, public_pem

    if not args.webhook_url:
        args.webhook_url = _configured_urls()
    if not args.webhook_url:
        if args.webhook_private_key or args.webhook_public_key_out:
            raise UsageError("--webhook-private-key and --webhook-public-key-out need --webhook-url")
        return None
    for url in args.webhook_url:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--webhook-url must be an http(s) URL, not {url!r}")
    key = new_private_key()
    if args.webhook_private_key:
        try:
            key = load_private_key(Path(args.webhook_private_key).read_bytes())
        except OSError as exc:
            raise UsageError(f"cannot read --webhook-private-key {args.webhook_private_key}: {exc.strerror}") from None
        except (ValueError, TypeError):
            raise UsageError(f"--webhook-private-key {args.webhook_private_key} is not an unencrypted RSA "
                             "private key in PEM") from None
    if args.webhook_public_key_out:
        try:
            Path(args.webhook_public_key_out).write_text(public_pem(key), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --webhook-public-key-out {args.webhook_public_key_out}: "
                             f"{exc.strerror}") from None
    return Emitter(list(args.webhook_url), key)
