"""`conformance run`: the suite (rule scenarios + schemathesis fuzzing) against a target, then reports.

With no `--base-url` the embedded reference implementation is started on loopback, so the command works
on a fresh machine with no server and no credentials.
"""

from __future__ import annotations

import argparse
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.paths import APIS
from conformance.settings import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT
from conformance.transport import DEFAULT_RETRIES, DEFAULT_RETRY_BUDGET

QUICK_EXAMPLES = 3
DEFAULT_WEBHOOK_WAIT = 5.0


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("run", help="run the suite against an implementation (default: embedded reference)")
    add_selection_arguments(parser)
    parser.add_argument("--base-url", help="host root of the implementation, e.g. http://127.0.0.1:8080")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="sent with every request; write secrets as 'Authorization: env:VARIABLE'")
    parser.add_argument("--report-dir", help="where reports go (default: reports/<timestamp>)")
    parser.add_argument("--max-examples", type=_positive, help=f"fuzz examples per operation ({DEFAULT_EXAMPLES})")
    parser.add_argument("--seed", type=int, help="seed for generated data and fuzzing (reproducible runs)")
    parser.add_argument("--quick", action="store_true", help="every rule scenario plus a small fuzz budget")
    parser.add_argument("--fault", action="append", default=[], help="run the embedded reference with a fault on")
    parser.add_argument("--record", metavar="DIR", help="record every exchange as vcrpy cassettes in DIR")
    parser.add_argument("--run-id", help="tag for the entities this run creates (default: random)")
    parser.add_argument("--member-id", action="append", default=[], help="badge member id on a real site")
    parser.add_argument("--read-only", action="store_true", help="run only the checks that do not write")
    parser.add_argument("--timeout", type=_seconds, default=None,
                        help="seconds to wait for each answer before the target counts as unresponsive (15)")
    parser.add_argument("--webhooks-listen", metavar="HOST:PORT",
                        help="receive the target's event webhooks here (automatic for the embedded reference)")
    parser.add_argument("--webhook-public-key", metavar="PEM", help="public key (SPKI PEM) that verifies the events")
    parser.add_argument("--webhook-wait", type=_seconds, default=None,
                        help=f"seconds to wait for each expected event ({DEFAULT_WEBHOOK_WAIT:g})")
    parser.add_argument("--retries", type=_retries, default=None,
                        help=f"retries of a 429/503 answer per request, honouring Retry-After ({DEFAULT_RETRIES})")
    parser.add_argument("--retry-budget", type=_budget, default=None, metavar="SECONDS",
                        help=f"most seconds one request waits on 429/503 retries ({DEFAULT_RETRY_BUDGET:g})")


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by `run` and `replay`: what to run and how to judge it."""
    parser.add_argument("--api", action="append", default=[], choices=APIS, help="limit to one API (repeatable)")
    parser.add_argument("--profile", choices=("tolerant", "strict"), help="how to judge ambiguous readings")
    parser.add_argument("--rule", action="append", default=[], help="select rules: TIER-2, 'REWARD-*' (repeatable)")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression over test names")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    parser.add_argument("--lf", action="store_true", help="re-run only what failed last time")
    parser.add_argument("-n", dest="workers", type=_positive, help="parallel workers (pytest-xdist)")
    parser.add_argument("--config", help="config file (default: conformance.toml or [tool.conformance])")
    parser.add_argument("--shard", type=_shard, help="run the K-th of N deterministic slices (merge with "
                        "`conformance merge`)")


def _shard(text: str) -> tuple[int, int]:
    parts = text.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[0]) <= int(parts[1]):
        raise argparse.ArgumentTypeError("takes K/N with 1 <= K <= N, e.g. 2/4")
    return int(parts[0]), int(parts[1])


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return value


def _retries(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 20:
        raise argparse.ArgumentTypeError("must be between 0 and 20")
    return value


def _budget(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    from conformance import interrupt
    from conformance.errors import UsageError
    from conformance.live import check_run_id
    from conformance.runner import execute
    from conformance.settings import RunSettings

    options = resolve_options(args)
    base_url = options.get("base_url")
    if args.fault and base_url:
        raise UsageError("--fault applies to the embedded reference only; drop --base-url")
    check_webhook_options(options)
    run_id = check_run_id(args.run_id) if args.run_id else secrets.token_hex(4)
    run_spec = RunSettings(
        base_url=base_url,
        headers=options.get("headers", {}),
        profile=options.get("profile", "tolerant"),
        apis=options.get("apis", []),
        rules=options.get("rules", []),
        keyword=args.keyword,
        exitfirst=args.exitfirst,
        last_failed=args.lf,
        workers=options.get("workers", 1),
        max_examples=QUICK_EXAMPLES if args.quick else options.get("max_examples", DEFAULT_EXAMPLES),
        seed=options.get("seed"),
        quick=args.quick,
        faults=args.fault,
        record_dir=args.record,
        replay_dir=None,
        run_id=run_id,
        member_ids=options.get("member_ids", []),
        read_only=options.get("read_only", False),
        report_dir=Path(options.get("report_dir") or default_report_dir(run_id)),
        timeout=getattr(args, "timeout", None) or DEFAULT_TIMEOUT,
        shard=args.shard,
        webhooks_listen=options.get("webhooks_listen"),
        webhook_public_key=options.get("webhook_public_key"),
        webhook_wait=float(options.get("webhook_wait", DEFAULT_WEBHOOK_WAIT)),
        retries=options.get("retries", DEFAULT_RETRIES),
        retry_budget=float(options.get("retry_budget", DEFAULT_RETRY_BUDGET)),
    )

    def sweep_hint() -> str | None:
        if run_spec.disposable or not run_spec.base_url:
            return None  # the embedded reference and its data end with the run
        return f"conformance cleanup --base-url {run_spec.base_url} --run-id {run_spec.run_id}"

    return interrupt.guarded(lambda: execute(run_spec), sweep_hint)


def check_webhook_options(options: dict[str, Any]) -> None:
    """A malformed --webhooks-listen or an unreadable --webhook-public-key is one line and exit 2, up front."""
    from conformance.cli.main import UsageError
    from conformance.webhooks import parse_listen, read_public_key

    try:
        if options.get("webhooks_listen"):
            parse_listen(options["webhooks_listen"])
        if options.get("webhook_public_key"):
            read_public_key(options["webhook_public_key"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def resolve_options(args: argparse.Namespace) -> dict[str, Any]:
    """Flags > environment > config file > defaults (the defaults live in `run`)."""
    from conformance import rules
    from conformance.config import ConfigError, load_config, resolve
    from conformance.errors import UsageError
    from conformance.headers import HeaderError, parse_headers

    try:
        file_data = load_config(getattr(args, "config", None))
        flags = {
            "base_url": getattr(args, "base_url", None),
            "profile": args.profile,
            "apis": args.api,
            "rules": args.rule,
            "member_ids": getattr(args, "member_id", []),
            "max_examples": getattr(args, "max_examples", None),
            "seed": getattr(args, "seed", None),
            "workers": args.workers,
            "report_dir": getattr(args, "report_dir", None),
            "read_only": getattr(args, "read_only", False),
            "webhooks_listen": getattr(args, "webhooks_listen", None),
            "webhook_public_key": getattr(args, "webhook_public_key", None),
            "webhook_wait": getattr(args, "webhook_wait", None),
            "retries": getattr(args, "retries", None),
            "retry_budget": getattr(args, "retry_budget", None),
        }
        options = resolve(flags, file_data)
        header_lines = [f"{k}: {v}" for k, v in (options.get("headers") or {}).items()]
        header_lines += getattr(args, "header", [])
        options["headers"] = parse_headers(header_lines)
        if options.get("rules"):
            rules.expand(options["rules"])
    except (ConfigError, HeaderError) as exc:
        raise UsageError(str(exc)) from None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    if options.get("profile") not in (None, "tolerant", "strict"):
        raise UsageError(f"profile must be tolerant or strict, not {options['profile']!r}")
    unknown_apis = [a for a in options.get("apis", []) if a not in APIS]
    if unknown_apis:
        raise UsageError(f"unknown api {unknown_apis[0]!r} (choose from {', '.join(APIS)})")
    return options


def default_report_dir(run_id: str | None = None) -> str:
    """`reports/<timestamp>-<run id>`: two runs started in the same second never share a folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return str(Path("reports") / f"{stamp}-{run_id or secrets.token_hex(4)}")

